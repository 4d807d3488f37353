"""Writing a bot back as Kata-ML YAML: one file, or a folder with ``flows/<name>.yml`` includes.

The output uses the normalised forms the models hold (a state's ``action`` as a list of
``{name, condition, options}``, transitions as mappings, flat mappings), keeps the order keys were
read in, and quotes any string YAML would read as something else (``yes``, ``off``, ``null``,
``1.0``, dates), so ``load -> to_yaml -> load`` gives an equal bot.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from igbot.kataml._models import Bot, KataModel, Method

__all__ = ["dump_yaml", "file_stem", "plain", "to_data", "write_bot"]

_WHOLE_NUMBER_FIELDS = frozenset({"priority"})


def to_data(model: KataModel) -> dict[str, Any]:
    """A model as plain Kata-ML data: YAML key order, no ``None`` or empty-default fields."""
    fields = type(model).model_fields
    by_yaml_key = {(info.alias or name): name for name, info in fields.items()}
    extras = dict(model.model_extra or {})
    order = [k for k in model._key_order if k in by_yaml_key or k in extras]
    order += [k for k in by_yaml_key if k not in order]
    order += [k for k in extras if k not in order]
    out: dict[str, Any] = {}
    for key in order:
        if key in extras and key not in by_yaml_key:
            out[key] = plain(extras[key])
            continue
        name = by_yaml_key[key]
        info = fields[name]
        if info.exclude:
            continue
        value = getattr(model, name)
        if value is None or (isinstance(value, list | dict) and not value
                             and info.default_factory is not None):
            continue
        if name in _WHOLE_NUMBER_FIELDS and isinstance(value, float) and value.is_integer():
            value = int(value)
        out[key] = plain(value)
    return out


def _method_data(method: Method) -> Any:
    """``"name(params)": body`` for a body; ``{code, entry}`` for a whole function."""
    extras = dict(method.model_extra or {})
    if method.entry is None and not extras:
        return method.code
    return {"code": method.code, "entry": method.entry, **plain(extras)}


def plain(value: Any) -> Any:
    """A model, or any value holding models, as plain Kata-ML data."""
    if isinstance(value, Method):
        return _method_data(value)
    if isinstance(value, KataModel):
        return to_data(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


class _Dumper(yaml.SafeDumper):
    """SafeDumper that indents lists under their key and writes multi-line text as blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value.strip("\n") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_yaml(data: Any) -> str:
    """Plain data as YAML text (keys in order, unicode kept, risky strings quoted)."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=120, indent=2)


def write_bot(bot: Bot, path: str | Path, *, split_flows: bool = False) -> Path:
    """Write ``bot`` as Kata-ML; returns the path of the main file written.

    Args:
        bot: the bot to write.
        path: a ``.yml``/``.yaml`` file, or a folder (then ``bot.yml`` inside it).
        split_flows: write each flow to ``flows/<name>.yml`` next to the main file and
            reference it with ``$include(./flows/<name>.yml)``.
    """
    path = Path(path)
    if path.suffix.lower() not in (".yml", ".yaml"):
        path = path / "bot.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = bot.to_data()
    if split_flows and data.get("flows"):
        (path.parent / "flows").mkdir(exist_ok=True)
        used: set[str] = set()
        flows: dict[str, Any] = {}
        for name, flow in data["flows"].items():
            stem = file_stem(name, used)
            (path.parent / "flows" / f"{stem}.yml").write_text(dump_yaml(flow), encoding="utf-8")
            flows[name] = f"$include(./flows/{stem}.yml)"
        data["flows"] = flows
    path.write_text(dump_yaml(data), encoding="utf-8")
    return path


def file_stem(name: str, used: set[str]) -> str:
    """A file name for flow ``name``, not in ``used`` (lower-case stems); adds it to ``used``."""
    stem = re.sub(r"[^\w.-]", "_", name).strip(".") or "flow"
    candidate, n = stem, 2
    while candidate.lower() in used:
        candidate, n = f"{stem}_{n}", n + 1
    used.add(candidate.lower())
    return candidate
