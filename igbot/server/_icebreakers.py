"""Ice breakers (the questions Instagram offers when a person first opens a chat).

A bot declares them in its config::

    config:
      instagram:
        ice_breakers:                      # short form: the default locale
          - {question: "What do you sell?", payload: PRODUCTS}
          - {question: "Talk to a person", payload: AGENT}

or in Meta's full form, one entry per locale (``default`` required)::

        ice_breakers:
          - locale: default
            call_to_actions: [{question: ..., payload: ...}]
          - locale: id_ID
            call_to_actions: [...]

A tap arrives as a postback (``payload.type == "postback"``, ``payload.payload``, ``title``)
that a flow's intent can match. ``igbot ice-breakers set BOT|FILE`` checks them (at most 4
questions per locale, a default locale, no empty text) before sending anything.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from igbot.channel import IceBreakerError, validate_ice_breakers
from igbot.kataml import Bot

__all__ = ["ice_breakers_from_bot", "load_ice_breakers"]


def ice_breakers_from_bot(bot: Bot) -> list[dict[str, Any]]:
    """The bot's ``config.instagram.ice_breakers``, checked, in Meta's locale form.

    Raises:
        IceBreakerError: none declared, or Meta would refuse them.
    """
    declared = ((bot.config or {}).get("instagram") or {}).get("ice_breakers")
    if not declared:
        raise IceBreakerError("config.instagram.ice_breakers",
                              f"bot {bot.name!r} declares no ice breakers")
    return validate_ice_breakers(declared)


def load_ice_breakers(path: str | Path) -> list[dict[str, Any]]:
    """Ice breakers from a file: a bot (``bot.yml`` or its folder) or a JSON/YAML list.

    A plain file may hold the list itself or ``{"ice_breakers": [...]}``.

    Raises:
        IceBreakerError: the file holds none, or Meta would refuse them.
        OSError: the file cannot be read.
    """
    path = Path(path)
    if path.is_dir() or _looks_like_bot(path):
        from igbot.kataml import load_bot

        return ice_breakers_from_bot(load_bot(path))
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise IceBreakerError(str(path), f"not JSON or YAML: {exc}") from None
    if isinstance(data, dict) and "ice_breakers" in data:
        data = data["ice_breakers"]
    if not data:
        raise IceBreakerError(str(path), "no ice breakers in the file")
    return validate_ice_breakers(data)


def _looks_like_bot(path: Path) -> bool:
    if path.suffix not in (".yml", ".yaml"):
        return False
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(data, dict) and ("flows" in data or "config" in data)
