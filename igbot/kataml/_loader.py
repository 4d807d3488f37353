"""Reading a Kata-ML bot: YAML files, ``$include(...)`` anywhere, and errors that say where.

``$include(./relative/path)`` may be any string value at any depth; it is resolved relative to the
file that holds it. ``.yml``/``.yaml`` files are parsed as YAML, ``.json`` as JSON, anything else
is inserted as raw text. The loader remembers the file and line of every YAML path, so errors
(and lint findings) can name them.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from igbot._errors import BotLoadError
from igbot.kataml._models import Bot
from igbot.kataml._normalise import js_literal
from igbot.kataml._yamlpath import Position, join, locate

__all__ = ["BOT_FILE_NAMES", "load_bot", "load_bot_text"]

logger = logging.getLogger(__name__)

BOT_FILE_NAMES = ("bot.yml", "bot.yaml")
"""The names a bot's main file may have inside its folder."""

class KataYamlLoader(yaml.SafeLoader):
    """YAML as Kata Platform read it (js-yaml, YAML 1.2 booleans).

    Only ``true``/``false`` (any of their three spellings) are booleans: an unquoted ``Yes``
    label stays the text "Yes", as it did on the platform, instead of YAML 1.1's ``True``.
    """


_BOOL = "tag:yaml.org,2002:bool"
KataYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
KataYamlLoader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)

_INCLUDE = re.compile(r"^\s*\$include\(\s*(.*?)\s*\)\s*$", re.DOTALL)
_ALIASES = {"schema_": "schema"}


def load_bot(path: str | Path) -> Bot:
    """Load a bot from its ``bot.yml`` (or the folder holding it), resolving ``$include``s.

    Raises:
        BotLoadError: the file is missing or not YAML, an include is missing or cyclic, or a
            key has the wrong type. The error names the file and the YAML path.
    """
    path = Path(path)
    if path.is_dir():
        found = next((path / name for name in BOT_FILE_NAMES if (path / name).is_file()), None)
        if found is None:
            raise BotLoadError(f"no {' or '.join(BOT_FILE_NAMES)} in this folder", file=str(path))
        path = found
    if not path.is_file():
        raise BotLoadError("no such bot file", file=str(path))
    path = path.resolve()
    reader = _Reader()
    text = reader.read_text(path, asked_by=None, path="")
    data = reader.load_yaml(text, path, "", (path,))
    return reader.build(data, path)


def load_bot_text(text: str, base_dir: str | Path | None = None) -> Bot:
    """Load a bot from YAML text; ``$include`` paths are relative to ``base_dir`` (default: cwd)."""
    base = Path(base_dir or ".").resolve()
    reader = _Reader(base=base)
    data = reader.load_yaml(text, None, "", ())
    return reader.build(data, None)


class _Reader:
    """One load: the positions and include origins it has seen so far."""

    def __init__(self, base: Path | None = None) -> None:
        self.base = base
        self.positions: dict[str, Position] = {}
        self.origins: dict[str, Path] = {}
        self.duplicates: list[str] = []

    # --- files -------------------------------------------------------------------------------
    def read_text(self, file: Path, asked_by: Path | None, path: str) -> str:
        asked_at = self.positions.get(path) if path else None
        line = asked_at[1] if asked_at and asked_at[0] == asked_by else None
        try:
            return file.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise BotLoadError(
                f"included file not found: {file}", file=_label(asked_by), path=path or None,
                line=line,
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise BotLoadError(f"cannot read {file}: {exc}", file=_label(asked_by),
                               path=path or None, line=line) from exc

    def load_yaml(self, text: str, file: Path | None, path: str, stack: tuple[Path, ...]) -> Any:
        data = self._parse_yaml(text, file, path)
        return self._resolve(data, path, file, stack)

    def _parse_yaml(self, text: str, file: Path | None, path: str) -> Any:
        loader = KataYamlLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            self._record(loader, node, path, file)
            return loader.construct_document(node)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problem = exc.problem or exc.context or "syntax error"
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            raise BotLoadError(f"invalid YAML{where}: {problem}", file=_label(file),
                               path=path or None, line=mark.line + 1 if mark else None) from None
        except yaml.YAMLError as exc:
            raise BotLoadError(f"invalid YAML: {exc}", file=_label(file),
                               path=path or None) from None
        finally:
            loader.dispose()

    def _record(self, loader: yaml.SafeLoader, node: yaml.Node, path: str,
                file: Path | None) -> None:
        """Remember the file and line of every path under ``node``; note duplicate keys."""
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                    continue
                key = js_literal(loader.construct_object(key_node))
                child = join(path, key)
                if key in seen:
                    self.duplicates.append(child)
                seen.add(key)
                self.positions[child] = (file, key_node.start_mark.line + 1)
                self._record(loader, value_node, child, file)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                child = join(path, index)
                self.positions[child] = (file, item.start_mark.line + 1)
                self._record(loader, item, child, file)

    # --- includes ----------------------------------------------------------------------------
    def _resolve(self, value: Any, path: str, file: Path | None, stack: tuple[Path, ...]) -> Any:
        if isinstance(value, str):
            match = _INCLUDE.match(value)
            return self._include(match.group(1), path, file, stack) if match else value
        if isinstance(value, dict):
            return {k: self._resolve(v, join(path, js_literal(k)), file, stack)
                    for k, v in value.items()}
        if isinstance(value, list):
            return [self._resolve(v, join(path, i), file, stack) for i, v in enumerate(value)]
        return value

    def _include(self, target: str, path: str, file: Path | None,
                 stack: tuple[Path, ...]) -> Any:
        target = target.strip().strip("'\"")
        base = file.parent if file is not None else (self.base or Path.cwd())
        included = (base / target).resolve()
        if included in stack:
            chain = " -> ".join(str(p) for p in (*stack[stack.index(included):], included))
            found = self.positions.get(path)
            raise BotLoadError(f"include cycle: {chain}", file=_label(file), path=path or None,
                               line=found[1] if found and found[0] == file else None)
        text = self.read_text(included, asked_by=file, path=path)
        logger.debug("%s: including %s", path, included)
        self.origins[path] = included
        self.positions[path] = (included, 1)
        suffix = included.suffix.lower()
        if suffix in (".yml", ".yaml"):
            return self.load_yaml(text, included, path, (*stack, included))
        if suffix == ".json":
            try:
                return json.loads(text)
            except json.JSONDecodeError as exc:
                raise BotLoadError(
                    f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                    file=str(included), path=path or None, line=exc.lineno,
                ) from None
        return text

    # --- models ------------------------------------------------------------------------------
    def build(self, data: Any, file: Path | None) -> Bot:
        if not isinstance(data, Mapping):
            kind = "nothing" if data is None else type(data).__name__
            raise BotLoadError(f"a bot must be a YAML mapping, got {kind}", file=_label(file))
        try:
            bot = Bot.model_validate(data)
        except ValidationError as exc:
            raise self._validation_error(exc, data, file) from None
        bot.source_file = file
        for name, flow in bot.flows.items():
            origin = locate({k: (v, None) for k, v in self.origins.items()}, f"flows.{name}")
            flow.source_file = origin[0] if origin else file
        bot._positions = dict(self.positions)
        bot._duplicate_keys = list(self.duplicates)
        return bot

    def _validation_error(self, exc: ValidationError, data: Any, file: Path | None) -> BotLoadError:
        problems: list[tuple[str | None, str, str]] = []
        lines: list[int | None] = []
        for error in exc.errors(include_url=False):
            path = loc_to_path(data, error["loc"], missing=error["type"] == "missing")
            found = locate(self.positions, path) if path else None
            where_file = found[0] if found and found[0] is not None else file
            line = f" (line {found[1]})" if found and found[1] else ""
            got = "" if error["type"] == "missing" else f", got {_short(error.get('input'))}"
            problems.append((_label(where_file), path, f"{error['msg']}{got}{line}"))
            lines.append(found[1] if found and found[1] else None)
        first_file, first_path, message = problems[0]
        if len(problems) > 1:
            message += f" (and {len(problems) - 1} more problem(s))"
        err = BotLoadError(message, file=first_file, path=first_path or None, line=lines[0])
        err.problems = problems  # type: ignore[attr-defined]
        return err


def loc_to_path(data: Any, loc: tuple[Any, ...], missing: bool = False) -> str:
    """A pydantic error location as a YAML path over the data that was validated.

    Location parts that are not in the data (union member tags, indexes into a shorthand that
    was normalised into a list) are dropped.
    """
    path, node = "", data
    for index, part in enumerate(loc):
        if isinstance(node, Mapping):
            key = _ALIASES.get(part, part) if isinstance(part, str) else part
            matched = next((k for k in node if js_literal(k) == js_literal(key)), _NOTHING)
            if matched is not _NOTHING:
                path, node = join(path, js_literal(matched)), node[matched]
                continue
            if missing and index == len(loc) - 1 and isinstance(part, str):
                path, node = join(path, key), None
            continue
        if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path, node = join(path, part), node[part]
    return path


_NOTHING = object()


def _label(file: Path | None) -> str:
    return str(file) if file is not None else "<string>"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
