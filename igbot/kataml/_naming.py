"""Which names a flow, state, intent or action may have, and why a name is refused.

Kata's documentation writes every name as ``<name>`` and shows only identifiers (``greeting``,
``askDob``, ``someMapping``); every one of the 518 flow, state, intent and action names of the
public Kata bots in ``conformance/kata-bots`` is a letter or ``_`` followed by letters, digits and
``_``. A name is used three ways, and each breaks on other characters: as a YAML key (``:``,
``#``, leading ``-`` or quotes change what the file means), in expressions (``intent ==
"name"``, ``context.$state``) and as a file name (``flows/<name>.yml``). So igbot takes the
identifier rule, the one every known Kata bot follows, and refuses anything else with the reason.
"""

from __future__ import annotations

import re

__all__ = ["NAME_KINDS", "NAME_RULE", "check_name"]

NAME_RULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
"""A flow, state, intent or action name: a letter or ``_``, then letters, digits or ``_``."""

NAME_KINDS = ("flow", "state", "intent", "action")
_RULE_TEXT = "letters, digits and _, starting with a letter or _"


def check_name(kind: str, name: str) -> str | None:
    """Why Kata would refuse ``name`` for a ``kind`` (flow, state, intent, action); ``None`` if
    it is fine."""
    if not name or not name.strip():
        return f"a {kind} needs a name ({_RULE_TEXT})"
    if NAME_RULE.match(name) is None:
        bad = sorted({c for c in name if not (c.isascii() and (c.isalnum() or c == "_"))})
        shown = " and ".join("a space" if c == " " else repr(c) for c in bad)
        verb = "is" if len(bad) == 1 else "are"
        why = f"{shown} {verb} not allowed" if bad else "it starts with a digit"
        return (f"{name!r} cannot be a {kind} name: {why}; use {_RULE_TEXT} "
                f"(a name is a YAML key, a file name and the text conditions compare)")
    return None
