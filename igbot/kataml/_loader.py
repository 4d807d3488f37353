"""Reading a Kata-ML bot: YAML files, ``$include(...)`` anywhere, and errors that say where.

``$include(./relative/path)`` may be any string value at any depth; it is resolved relative to the
file that holds it. ``.yml``/``.yaml`` files are parsed as YAML, ``.json`` as JSON, anything else
is inserted as raw text. The loader remembers the file and line of every YAML path, so errors
(and lint findings) can name them.

An include must be a regular file inside the bot's folder (after following symlinks; no absolute
paths, devices or FIFOs) or inside a folder the caller allows with ``include_dirs``. Sizes, the
number and depth of includes, YAML nesting and alias expansion are bounded by
:class:`~igbot.kataml._limits.LoadLimits`.
"""

from __future__ import annotations

import json
import logging
import os
import re
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from igbot._errors import BotLoadError
from igbot.kataml._limits import LoadLimits
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


class _TooDeep(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


class _BoundedLoader(KataYamlLoader):
    """A YAML loader that stops composing past a nesting depth (instead of a RecursionError)."""

    def __init__(self, text: str, max_depth: int) -> None:
        super().__init__(text)
        self.max_depth = max_depth
        self.depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.depth += 1
        try:
            if self.depth > self.max_depth:
                raise _TooDeep(self.peek_event().start_mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


_INCLUDE = re.compile(r"^\s*\$include\(\s*(.*?)\s*\)\s*$", re.DOTALL)
_ALIASES = {"schema_": "schema"}


def load_bot(path: str | Path, *, include_dirs: Iterable[str | Path] | None = None,
             limits: LoadLimits | None = None) -> Bot:
    """Load a bot from its ``bot.yml`` (or the folder holding it), resolving ``$include``s.

    Args:
        path: the bot's main file, or its folder.
        include_dirs: folders outside the bot's folder that ``$include`` may read from
            (absolute include paths are allowed into them). By default only the bot's folder.
        limits: sizes, include depth, nesting and alias expansion (:class:`LoadLimits`).

    Raises:
        BotLoadError: the file is missing or not YAML, an include is missing, cyclic or not
            allowed, a limit is passed, or a key has the wrong type. The error names the file,
            the YAML path and, where known, the line.
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
    reader = _Reader(base=path.parent, include_dirs=include_dirs, limits=limits)
    text = reader.read_text(path, asked_by=None, path="")
    data = reader.load_yaml(text, path, "", (path,), 0)
    return reader.build(data, path)


def load_bot_text(text: str, base_dir: str | Path | None = None, *,
                  include_dirs: Iterable[str | Path] | None = None,
                  limits: LoadLimits | None = None) -> Bot:
    """Load a bot from YAML text; ``$include`` paths are relative to ``base_dir`` (default: cwd)
    and must stay inside it (or inside ``include_dirs``)."""
    base = Path(base_dir or ".").resolve()
    reader = _Reader(base=base, include_dirs=include_dirs, limits=limits)
    reader.count_bytes(len(text.encode("utf-8", "surrogatepass")), None, None)
    data = reader.load_yaml(text, None, "", (), 0)
    return reader.build(data, None)


class _Reader:
    """One load: the positions and include origins it has seen so far, and what it has cost."""

    def __init__(self, base: Path, include_dirs: Iterable[str | Path] | None = None,
                 limits: LoadLimits | None = None) -> None:
        self.base = base
        self.explicit = include_dirs is not None
        self.roots = [base, *(Path(d).resolve() for d in include_dirs or ())]
        self.limits = limits or LoadLimits()
        self.positions: dict[str, Position] = {}
        self.origins: dict[str, Path] = {}
        self.duplicates: list[str] = []
        self.bytes = 0
        self.includes = 0
        self.nodes = 0

    # --- files -------------------------------------------------------------------------------
    def read_text(self, file: Path, asked_by: Path | None, path: str) -> str:
        """The text of ``file`` (a regular file within the size limits)."""
        asked_at = self.positions.get(path) if path else None
        line = asked_at[1] if asked_at and asked_at[0] == asked_by else None
        label = _label(asked_by if asked_by is not None else file)
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(file, flags)
        except FileNotFoundError:
            raise BotLoadError(
                f"included file not found: {file}", file=_label(asked_by), path=path or None,
                line=line,
            ) from None
        except OSError as exc:
            raise BotLoadError(f"cannot read {file}{_at(line)}: {exc}", file=label,
                               path=path or None, line=line) from exc
        limit = self.limits.max_file_bytes
        try:
            mode = os.fstat(fd).st_mode
            if not stat.S_ISREG(mode):
                raise BotLoadError(
                    f"{file}{_at(line)} is not a regular file (a device, FIFO or socket); "
                    "a bot reads regular files only", file=label, path=path or None, line=line)
            data = b""
            while len(data) <= limit:
                chunk = os.read(fd, limit + 1 - len(data))
                if not chunk:
                    break
                data += chunk
        except OSError as exc:
            raise BotLoadError(f"cannot read {file}{_at(line)}: {exc}", file=label,
                               path=path or None, line=line) from exc
        finally:
            os.close(fd)
        if len(data) > limit:
            raise BotLoadError(f"{file}{_at(line)} is over the limit of {limit} bytes per file "
                               "(LoadLimits.max_file_bytes)", file=label, path=path or None, line=line)
        self.count_bytes(len(data), file, line)
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BotLoadError(f"cannot read {file}{_at(line)}: {exc}", file=label,
                               path=path or None, line=line) from exc

    def count_bytes(self, size: int, file: Path | None, line: int | None) -> None:
        self.bytes += size
        if self.bytes > self.limits.max_bot_bytes:
            raise BotLoadError(
                f"the bot's files{_at(line)} add up to over {self.limits.max_bot_bytes} bytes "
                "(LoadLimits.max_bot_bytes)", file=_label(file))

    def load_yaml(self, text: str, file: Path | None, path: str, stack: tuple[Path, ...],
                  depth: int) -> Any:
        data = self._parse_yaml(text, file, path, depth)
        return self._resolve(data, path, file, stack, depth)

    def _parse_yaml(self, text: str, file: Path | None, path: str, depth: int) -> Any:
        loader = _BoundedLoader(text, self.limits.max_depth - depth)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            self._count_nodes(node, file, path)
            self._record(loader, node, path, file)
            return loader.construct_document(node)
        except _TooDeep as exc:
            raise BotLoadError(
                f"nested deeper than {self.limits.max_depth} levels at line {exc.line} "
                "(LoadLimits.max_depth, counted through includes)", file=_label(file),
                path=path or None) from None
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

    def _count_nodes(self, root: yaml.Node, file: Path | None, path: str) -> None:
        """Add the values ``root`` expands to (aliases counted every time) to the bot's count.

        Sizes are computed once per distinct node, so a "billion laughs" is refused from its
        shape without expanding it; an alias inside its own anchor is refused too.
        """
        limit = self.limits.max_nodes - self.nodes
        size: dict[int, int] = {}
        stack: list[tuple[yaml.Node, bool]] = [(root, False)]
        while stack:
            node, finished = stack.pop()
            key = id(node)
            if finished:
                total = 1 + sum(size[id(c)] for c in _children(node))
                size[key] = min(total, limit + 1)
                if total > limit:
                    raise BotLoadError(
                        f"the YAML at line {node.start_mark.line + 1} expands to over "
                        f"{self.limits.max_nodes} values (LoadLimits.max_nodes; aliases are "
                        "counted every time they are used)", file=_label(file), path=path or None)
                continue
            if key in size:
                if size[key] < 0:
                    raise BotLoadError(
                        f"the alias at line {node.start_mark.line + 1} refers to a value that "
                        "holds it (a recursive alias)", file=_label(file), path=path or None)
                continue
            if isinstance(node, yaml.ScalarNode):
                size[key] = 1
                continue
            size[key] = -1  # in progress
            stack.append((node, True))
            stack.extend((c, False) for c in _children(node) if size.get(id(c), 0) <= 0)
        self.nodes += size[id(root)]

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
    def _resolve(self, value: Any, path: str, file: Path | None, stack: tuple[Path, ...],
                 depth: int) -> Any:
        if isinstance(value, str):
            match = _INCLUDE.match(value)
            return self._include(match.group(1), path, file, stack, depth) if match else value
        if isinstance(value, dict):
            return {k: self._resolve(v, join(path, js_literal(k)), file, stack, depth + 1)
                    for k, v in value.items()}
        if isinstance(value, list):
            return [self._resolve(v, join(path, i), file, stack, depth + 1)
                    for i, v in enumerate(value)]
        return value

    def _include(self, target: str, path: str, file: Path | None,
                 stack: tuple[Path, ...], depth: int) -> Any:
        target = target.strip().strip("'\"")
        line = self._line(path)
        base = file.parent if file is not None else self.base
        included = self._allowed(target, base, file, path, line)
        if included in stack:
            chain = " -> ".join(str(p) for p in (*stack[stack.index(included):], included))
            found = self.positions.get(path)
            raise BotLoadError(f"include cycle: {chain}", file=_label(file), path=path or None,
                               line=found[1] if found and found[0] == file else None)
        self.includes += 1
        if self.includes > self.limits.max_includes:
            raise BotLoadError(
                f"$include({target}){_at(line)} is one more than the limit of "
                f"{self.limits.max_includes} includes per bot (LoadLimits.max_includes)",
                file=_label(file), path=path or None)
        if len(stack) > self.limits.max_include_depth:
            raise BotLoadError(
                f"$include({target}){_at(line)} nests includes deeper than "
                f"{self.limits.max_include_depth} files (LoadLimits.max_include_depth)",
                file=_label(file), path=path or None)
        text = self.read_text(included, asked_by=file, path=path)
        logger.debug("%s: including %s", path, included)
        self.origins[path] = included
        self.positions[path] = (included, 1)
        suffix = included.suffix.lower()
        if suffix in (".yml", ".yaml"):
            return self.load_yaml(text, included, path, (*stack, included), depth)
        if suffix == ".json":
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                raise BotLoadError(
                    f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                    file=str(included), path=path or None, line=exc.lineno,
                ) from None
            except RecursionError:
                value = _TOO_DEEP
            if value is _TOO_DEEP or _depth(value) + depth > self.limits.max_depth:
                raise BotLoadError(
                    f"nested deeper than {self.limits.max_depth} levels (LoadLimits.max_depth, "
                    f"counted through includes; included at line {line})", file=str(included),
                    path=path or None)
            return value
        return text

    def _allowed(self, target: str, base: Path, file: Path | None, path: str,
                 line: int | None) -> Path:
        """The file ``target`` names, if an include may read it."""
        if Path(target).is_absolute() and not self.explicit:
            raise BotLoadError(
                f"$include({target}){_at(line)}: an absolute path; includes are relative to the "
                f"bot's folder {self.base} (or pass include_dirs to allow other folders)",
                file=_label(file), path=path or None)
        try:
            included = (base / target).resolve()
        except (OSError, RuntimeError, ValueError) as exc:
            raise BotLoadError(f"$include({target}){_at(line)}: {exc}", file=_label(file),
                               path=path or None) from None
        if not any(included.is_relative_to(root) for root in self.roots):
            allowed = " or ".join(str(r) for r in self.roots)
            raise BotLoadError(
                f"$include({target}){_at(line)} resolves to {included}, outside {allowed} "
                "(includes may not leave the bot's folder, through '..' or a symlink; pass "
                "include_dirs to allow other folders)", file=_label(file), path=path or None)
        return included

    def _line(self, path: str) -> int | None:
        found = self.positions.get(path)
        return found[1] if found else None

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
_TOO_DEEP = object()


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _depth(value: Any) -> int:
    """How deeply mappings and lists nest in ``value`` (without recursion)."""
    deepest = 0
    stack = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
        else:
            continue
        deepest = max(deepest, level + 1)
    return deepest


def _at(line: int | None) -> str:
    return f" (line {line})" if line else ""


def _label(file: Path | None) -> str:
    return str(file) if file is not None else "<string>"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
