"""Kata-ML shorthands turned into one canonical shape (used by the models' validators).

Kata-ML lets a bot author write the same thing several ways: a state's ``action`` as a name, a
mapping or a list; a transition as a bare condition; a mapping as nested dicts. These functions
take what YAML gives and return the one form the models hold, so the engine reads a single shape.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

__all__ = [
    "flatten_mapping",
    "js_literal",
    "normalise_action_refs",
    "normalise_classifiers",
    "normalise_conditions",
    "normalise_methods",
    "normalise_transition",
    "normalise_transitions",
    "split_method_key",
    "str_keys",
]

_SIGNATURE = re.compile(r"^\s*([A-Za-z_$][\w$]*)\s*(?:\((.*)\))?\s*$", re.DOTALL)
_FUNCTION = re.compile(r"function\s*([A-Za-z_$][\w$]*)?\s*\(([^)]*)\)")


def js_literal(value: Any) -> str:
    """How JavaScript would print a YAML scalar (``True`` -> ``"true"``, ``None`` -> ``"null"``)."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    if isinstance(value, _dt.datetime | _dt.date):
        return value.isoformat()
    return str(value)


def str_keys(value: Any) -> Any:
    """A mapping whose keys are strings (YAML may give ``yes:`` as ``True``); ``None`` -> ``{}``."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return {js_literal(k): v for k, v in value.items()}
    return value


def normalise_conditions(value: Any) -> Any:
    """An intent's ``condition``: a string or scalar becomes a one-element list of strings."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [v if isinstance(v, str | Mapping | list) else js_literal(v) for v in value]
    if isinstance(value, Mapping):
        return value  # let validation report it
    return [js_literal(value)]


def normalise_classifiers(value: Any) -> Any:
    """An intent's ``classifier``: one mapping becomes a one-element list."""
    if value is None:
        return []
    if isinstance(value, Mapping | BaseModel):
        return [value]
    return value


def normalise_action_refs(value: Any) -> Any:
    """A state's ``action``: a name, a ``{name, condition, options}`` mapping, or a list of them."""
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        value = [value]
    return [{"name": item} if isinstance(item, str) else item for item in value]


def flatten_mapping(value: Any) -> Any:
    """A mapping (``enter``/``transit``/``exit``/transition ``mapping``) as flat path -> expression.

    ``{context: {data: 'payload.res'}}`` becomes ``{"context.data": "payload.res"}``. A string
    (a method name) and ``None`` pass through; anything else is left for validation to report.
    """
    if not isinstance(value, Mapping):
        return value
    flat: dict[str, Any] = {}

    def walk(prefix: str, node: Mapping[Any, Any]) -> None:
        for key, item in node.items():
            path = f"{prefix}.{js_literal(key)}" if prefix else js_literal(key)
            if isinstance(item, Mapping) and item:
                walk(path, item)
            else:
                flat[path] = item

    walk("", value)
    return flat


def normalise_transition(value: Any) -> Any:
    """One transition: a bare condition becomes ``{condition}``; ``None`` becomes ``{}``."""
    if value is None:
        return {}
    if isinstance(value, Mapping | BaseModel | list):
        return value  # a list is left for validation to report
    return {"condition": js_literal(value)}


def normalise_transitions(value: Any) -> Any:
    """A state's ``transitions``, keyed by destination, each one normalised."""
    value = str_keys(value)
    if not isinstance(value, Mapping):
        return value
    return {key: normalise_transition(item) for key, item in value.items()}


def split_method_key(key: str) -> tuple[str, list[str] | None]:
    """``"mapper(ctx, x)"`` -> ``("mapper", ["ctx", "x"])``; a bare name gives ``(name, None)``."""
    match = _SIGNATURE.match(key)
    if not match:
        return key.strip(), None
    name, params = match.group(1), match.group(2)
    if params is None:
        return name, None
    return name, [p.strip() for p in params.split(",") if p.strip()]


def normalise_methods(value: Any) -> Any:
    """``methods``: both the ``"name(params)": body`` and the ``name: {code, entry}`` forms.

    Each entry becomes ``{key, name, params, code, entry, ...}``: ``key`` is the YAML key as
    written, ``name`` the bare name. For the ``{code, entry}`` form ``entry`` defaults to the
    name, and ``params`` come from the key or else from the function's own signature.
    """
    value = str_keys(value)
    if not isinstance(value, Mapping):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        name, params = split_method_key(key)
        if isinstance(item, BaseModel):
            out[key] = item
        elif isinstance(item, Mapping):
            entry = dict(item)
            if "key" in entry and "name" in entry and "code" in entry:
                out[key] = entry  # already normalised (e.g. a model dump)
                continue
            code = entry.get("code")
            code = "" if code is None else js_literal(code) if not isinstance(code, str) else code
            entry_name = entry.get("entry")
            entry_name = name if entry_name is None else js_literal(entry_name)
            if params is None:
                found = _FUNCTION.search(code)
                params = (
                    [p.strip() for p in found.group(2).split(",") if p.strip()] if found else []
                )
            out[key] = {**entry, "key": key, "name": name, "params": params,
                        "code": code, "entry": entry_name}
        else:
            code = "" if item is None else js_literal(item)
            out[key] = {"key": key, "name": name, "params": params or [], "code": code,
                        "entry": None}
    return out
