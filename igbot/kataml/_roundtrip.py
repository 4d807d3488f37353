"""Saving an edited bot into the files it was read from, without damaging them.

:class:`BotSource` keeps the text of every file a bot was loaded from (the main file and each
``$include``) and its ruamel.yaml round-trip tree, which knows the line and column of every key
and item. :meth:`BotSource.plan` compares the edited bot with the bot as it was loaded, model by
model (flows, intents, states, transitions, actions), and turns each difference into the smallest
text edit it can:

- a changed one-line scalar (a condition, a priority) replaces just that scalar, keeping its
  quoting and the comment after it;
- a renamed intent, state or action replaces just the key (and the transitions that point to it);
- an added entry is inserted after its previous sibling, indented like its siblings; a removed one
  loses its lines;
- anything else (a value whose shape changed, a change inside a flow-style ``{...}``/``[...]``)
  rewrites the smallest block-style entry that holds it, keeping flow style, quoting and comments
  of the rest of that entry.

Every other byte stays as it was, and a file without a change is not written at all. A new flow of
a bot whose flows are ``$include``d gets its own file next to the others. Before anything is
written the plan loads its own result back and checks that it is the edited bot
(:class:`SaveError` if not), so a save can never leave a bot that reads differently from what was
edited. :meth:`SavePlan.write` keeps a backup of every file it replaces
(see :mod:`igbot.kataml._backups`); :func:`~igbot.kataml.restore` puts a backup back.
"""

from __future__ import annotations

import difflib
import html
import io
import itertools
import json
import logging
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError as RuamelError
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

from igbot._errors import IgbotError
from igbot.kataml._backups import Backup, SaveError, keep_backup
from igbot.kataml._dump import dump_yaml
from igbot.kataml._loader import BOT_FILE_NAMES, KataYamlLoader, load_bot
from igbot.kataml._models import Bot, Flow, Intent, KataModel, State, plain
from igbot.kataml._normalise import js_literal
from igbot.kataml._writer import file_stem

__all__ = [
    "BotSource",
    "FileChange",
    "SavePlan",
]

logger = logging.getLogger(__name__)

_INCLUDE = re.compile(r"^\s*\$include\(\s*(.*?)\s*\)\s*$", re.DOTALL)
_INDICATORS = tuple("-?:,[]{}#&*!|>'\"%@`")


# -- files ------------------------------------------------------------------------------------

@dataclass
class SourceFile:
    """One file of a bot: its text, and (for YAML) its round-trip tree and indentation."""

    path: Path
    text: str
    kind: str  # yaml | json | text
    tree: Any = None
    mapping_indent: int = 2
    sequence_indent: int = 4
    sequence_offset: int = 2

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines(keepends=True)


def _yaml(file: SourceFile | None = None) -> YAML:
    rt = YAML(typ="rt")
    rt.width = 4096
    rt.preserve_quotes = True
    if file is not None:
        rt.indent(mapping=file.mapping_indent, sequence=file.sequence_indent,
                  offset=file.sequence_offset)
    else:
        rt.indent(mapping=2, sequence=4, offset=2)
    return rt


def _read(path: Path) -> SourceFile:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise SaveError(f"cannot read {path}: {exc}") from None
    suffix = path.suffix.lower()
    if suffix not in (".yml", ".yaml"):
        return SourceFile(path, text, "json" if suffix == ".json" else "text")
    file = SourceFile(path, text, "yaml")
    file.mapping_indent, file.sequence_offset = _guess_indent(text)
    file.sequence_indent = file.sequence_offset + 2
    try:
        file.tree = _yaml(file).load(text)
    except RuamelError as exc:
        raise SaveError(f"{path}: cannot read it as round-trip YAML: {exc}") from None
    return file


def _guess_indent(text: str) -> tuple[int, int]:
    """(mapping indent, sequence dash offset) used most often in ``text`` (default 2 and 2)."""
    mapping: dict[int, int] = {}
    offset: dict[int, int] = {}
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    for line, following in itertools.pairwise(lines):
        body = line.strip()
        if not body.endswith(":") or body.startswith("- "):
            continue
        here, there = _line_indent(line), _line_indent(following)
        if following.lstrip().startswith("- "):
            offset[there - here] = offset.get(there - here, 0) + 1
        elif there > here:
            mapping[there - here] = mapping.get(there - here, 0) + 1
    best_mapping = max(mapping, key=lambda k: mapping[k]) if mapping else 2
    best_offset = max(offset, key=lambda k: offset[k]) if offset else 2
    return best_mapping, max(best_offset, 0)


def _include_target(value: Any) -> str | None:
    if isinstance(value, str):
        match = _INCLUDE.match(value)
        if match:
            return match.group(1).strip().strip("'\"")
    return None


# -- text edits ---------------------------------------------------------------------------------

@dataclass
class _Edit:
    """Replace text between two (line, column) positions of a file's original text."""

    start: tuple[int, int]
    end: tuple[int, int]
    text: str | Callable[[], str]
    order: int = 0
    covers: bool = False  # a re-dump: drops the edits inside it


@dataclass
class _FileEdits:
    file: SourceFile
    edits: list[_Edit] = field(default_factory=list)
    rewrite: str | None = None  # a whole new text (JSON and raw-text includes, fallback)

    def add(self, edit: _Edit) -> None:
        edit.order = len(self.edits)
        self.edits.append(edit)

    def result(self) -> str:
        if self.rewrite is not None:
            return self.rewrite
        lines = self.file.lines
        starts = [0]
        for line in lines:
            starts.append(starts[-1] + len(line))

        def offset(pos: tuple[int, int]) -> int:
            line, col = pos
            return starts[min(line, len(lines))] + col

        covering = [e for e in self.edits if e.covers]
        kept = [e for e in self.edits if e.covers or not any(
            c is not e and offset(c.start) <= offset(e.start) and offset(e.end) <= offset(c.end)
            for c in covering)]
        text = self.file.text
        for edit in sorted(kept, key=lambda e: (offset(e.start), e.order), reverse=True):
            new = edit.text() if callable(edit.text) else edit.text
            text = text[: offset(edit.start)] + new + text[offset(edit.end):]
        return text


# -- where a node sits ------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Loc:
    """A container in a file, with the (container, key) steps from the file's root to it."""

    file: SourceFile
    node: Any
    steps: tuple[tuple[Any, Any], ...] = ()

    def child(self, key: Any) -> _Loc:
        return _Loc(self.file, self.node[key], (*self.steps, (self.node, key)))

    def in_flow(self) -> bool:
        containers = [c for c, _ in self.steps] + [self.node]
        return any(_is_flow(c) for c in containers)

    def anchor(self) -> tuple[Any, Any, tuple[tuple[Any, Any], ...]] | None:
        """The outermost block-style entry holding a flow-style container on the way here."""
        for i, (container, key) in enumerate(self.steps):
            if _is_flow(container[key]):
                return container, key, self.steps[:i]
        return None


def _is_flow(node: Any) -> bool:
    fa = getattr(node, "fa", None)
    return bool(fa is not None and fa.flow_style())


def _key_pos(container: Any, key: Any) -> tuple[int, int] | None:
    try:
        if isinstance(container, CommentedMap):
            line, col = container.lc.key(key)
        else:
            line, col = container.lc.item(key)
    except (KeyError, TypeError, AttributeError, IndexError):
        return None
    return int(line), int(col)


def _value_pos(container: Any, key: Any) -> tuple[int, int] | None:
    try:
        if isinstance(container, CommentedMap):
            line, col = container.lc.value(key)
        else:
            line, col = container.lc.item(key)
    except (KeyError, TypeError, AttributeError, IndexError):
        return None
    return int(line), int(col)


def _keys_in_order(container: Any) -> list[Any]:
    keys = list(container) if isinstance(container, CommentedMap) else list(range(len(container)))
    return [k for k in keys if _key_pos(container, k) is not None]


def _entry_end(file: SourceFile, steps: tuple[tuple[Any, Any], ...], container: Any,
               key: Any) -> int:
    """The line after the last line of entry ``key`` (trailing comments and blanks left out)."""
    start = _key_pos(container, key)
    assert start is not None
    end = _raw_end(file, steps, container, key)
    lines = file.lines
    base_col = _line_indent(lines[start[0]]) if start[0] < len(lines) else 0
    while end - 1 > start[0]:
        line = lines[end - 1]
        stripped = line.strip()
        if stripped and not (stripped.startswith("#") and _line_indent(line) <= base_col):
            break
        end -= 1
    return end


def _raw_end(file: SourceFile, steps: tuple[tuple[Any, Any], ...], container: Any,
             key: Any) -> int:
    start = _key_pos(container, key)
    assert start is not None
    later = [p[0] for k in _keys_in_order(container)
             if (p := _key_pos(container, k)) is not None and p[0] > start[0]]
    if later:
        return min(later)
    if not steps:
        return len(file.lines)
    parent, parent_key = steps[-1]
    return _raw_end(file, steps[:-1], parent, parent_key)


def _line_indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _dash_col(file: SourceFile, seq: Any, index: int) -> int:
    pos = _value_pos(seq, index)
    assert pos is not None
    line = file.lines[pos[0]]
    dash = line.rfind("-", 0, pos[1])
    return dash if dash >= 0 else max(pos[1] - 2, 0)


# -- scalars ---------------------------------------------------------------------------------------

def _reads_as_text(value: str) -> bool:
    """Whether ``value`` written plain reads back as the same text (with Kata's loader and
    a YAML 1.2 reader)."""
    try:
        return yaml.load(value, Loader=KataYamlLoader) == value
    except yaml.YAMLError:
        return False


def _plain_ok(value: str, flow: bool) -> bool:
    if not value or value != value.strip() or "\n" in value or value.startswith(_INDICATORS):
        return False
    if ": " in value or " #" in value or value.endswith(":"):
        return False
    if flow and any(c in value for c in ",[]{}"):
        return False
    return _reads_as_text(value)


def _scalar_text(value: Any, quote: str | None, flow: bool) -> str | None:
    """``value`` as one YAML scalar token (``None`` when it needs more than one line)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return js_literal(value) if isinstance(value, float) else str(value)
    if not isinstance(value, str) or "\n" in value:
        return None
    if quote == "'" and all(ord(c) >= 32 for c in value):
        return "'" + value.replace("'", "''") + "'"
    if quote != '"' and _plain_ok(value, flow):
        return value
    return json.dumps(value, ensure_ascii=False)


def _key_extent(line: str, col: int) -> tuple[int, str | None] | None:
    """(end column, quote) of the mapping key starting at ``col``."""
    if col >= len(line):
        return None
    if line[col] in "\"'":
        return _scalar_extent(line, col, True)
    body = line.rstrip("\r\n")
    match = re.compile(r":(?=\s|$|[,}\]])").search(body, col)
    if match is None:
        return None
    end = match.start()
    while end > col and body[end - 1] in " \t":
        end -= 1
    return end, None


def _scalar_extent(line: str, col: int, flow: bool) -> tuple[int, str | None] | None:
    """(end column, quote) of the one-line scalar starting at ``col``; ``None`` if it goes on."""
    if col >= len(line):
        return None
    first = line[col]
    if first == '"':
        i = col + 1
        while i < len(line):
            if line[i] == "\\":
                i += 2
                continue
            if line[i] == '"':
                return i + 1, '"'
            i += 1
        return None
    if first == "'":
        i = col + 1
        while i < len(line):
            if line[i] == "'":
                if i + 1 < len(line) and line[i + 1] == "'":
                    i += 2
                    continue
                return i + 1, "'"
            i += 1
        return None
    if first in "|>[{&*!":
        return None
    body = line.rstrip("\r\n")
    end = len(body)
    comment = body.find(" #", col)
    if comment >= 0:
        end = comment
    if flow:
        for stop in ",]}":
            at = body.find(stop, col)
            if 0 <= at < end:
                end = at
    while end > col and body[end - 1] in " \t":
        end -= 1
    return end, None


# -- the plan ---------------------------------------------------------------------------------------

@dataclass
class FileChange:
    """One file a save writes: its text before (``None`` for a new file) and after."""

    path: Path
    before: str | None
    after: str

    def diff(self, root: Path | None = None) -> str:
        """The unified diff of this file (paths relative to ``root``)."""
        name = str(self.path.relative_to(root)) if root and self.path.is_relative_to(root) \
            else str(self.path)
        before = (self.before or "").splitlines(keepends=True)
        after = self.after.splitlines(keepends=True)
        lines = difflib.unified_diff(before, after, f"a/{name}" if self.before is not None
                                     else "/dev/null", f"b/{name}", n=2)
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                       for line in lines)

    @property
    def counts(self) -> tuple[int, int]:
        """(lines added, lines removed)."""
        added = removed = 0
        for line in self.diff().splitlines():
            if line.startswith("+") and not line.startswith("+++"):
                added += 1
            elif line.startswith("-") and not line.startswith("---"):
                removed += 1
        return added, removed


@dataclass
class SavePlan:
    """What a save would write, shown before anything is written.

    ``changes`` lists only the files that change; :meth:`diff` shows them; :meth:`write` writes
    them in place (keeping a backup); :meth:`write_to` writes the whole bot into a new folder.
    """

    source: BotSource
    changes: list[FileChange]
    notes: list[str] = field(default_factory=list)

    @property
    def root(self) -> Path:
        return self.source.root

    def __bool__(self) -> bool:
        return bool(self.changes)

    @property
    def files(self) -> list[Path]:
        """The files that would be written."""
        return [c.path for c in self.changes]

    def diff(self) -> str:
        """A unified diff of every file that changes (empty when nothing does)."""
        return "".join(change.diff(self.root) for change in self.changes)

    def summary(self) -> str:
        """``2 files: flows/promo.yml (+3 -1), bot.yml (+1 -0)``."""
        if not self.changes:
            return "no changes: nothing to write"
        parts = []
        for change in self.changes:
            added, removed = change.counts
            name = change.path.relative_to(self.root) if change.path.is_relative_to(self.root) \
                else change.path
            new = " new" if change.before is None else ""
            parts.append(f"{name}{new} (+{added} -{removed})")
        return f"{len(self.changes)} file(s): " + ", ".join(parts)

    def diff_html(self) -> str:
        """The diff as HTML: added lines green, removed red, each file under its name."""
        if not self.changes:
            return "<i>no changes: nothing to write</i>"
        rows = []
        for line in self.diff().splitlines():
            style = ("color:#1a7f37;background:#e6ffec" if line.startswith("+")
                     else "color:#b00020;background:#ffebe9" if line.startswith("-")
                     else "color:#6e7781" if line.startswith("@@") else "")
            if line.startswith(("+++", "---")):
                style = "font-weight:bold"
            rows.append(f'<div style="{style}">{html.escape(line) or "&nbsp;"}</div>')
        notes = "".join(f"<div><i>{html.escape(n)}</i></div>" for n in self.notes)
        return (f"<div><b>{html.escape(self.summary())}</b>{notes}</div>"
                '<div style="font:12px monospace;white-space:pre-wrap;overflow-wrap:anywhere;'
                'max-height:360px;overflow:auto;border:1px solid #d0d7de;padding:4px">'
                + "".join(rows) + "</div>")

    def _repr_html_(self) -> str:
        return self.diff_html()

    def write(self, *, backup: bool = True) -> Backup | None:
        """Write the changed files in place; returns the backup of what they replaced."""
        if not self.changes:
            return None
        kept = keep_backup(self.root, [(c.path, c.before is None) for c in self.changes]) \
            if backup else None
        for change in self.changes:
            change.path.parent.mkdir(parents=True, exist_ok=True)
            change.path.write_text(change.after, encoding="utf-8")
        logger.info("saved %s", self.summary())
        self.source.reload()
        return kept

    def write_to(self, folder: str | Path) -> Path:
        """Write the whole bot (every file, changed or not) into ``folder``; returns its main
        file. ``folder`` must not hold a bot already."""
        folder = Path(folder)
        if folder.suffix.lower() in (".yml", ".yaml"):
            folder = folder.parent
        if folder.resolve() == self.root.resolve():
            raise SaveError(f"{folder} is the bot's own folder: use write() (it keeps a backup)")
        taken = [name for name in BOT_FILE_NAMES if (folder / name).exists()]
        if taken:
            raise SaveError(f"{folder / taken[0]} exists: choose a new folder")
        changed = {c.path: c.after for c in self.changes}
        outside = [p for p in (*self.source.files, *changed) if not p.is_relative_to(self.root)]
        if outside:
            raise SaveError(f"{outside[0]} is outside the bot's folder {self.root}: "
                            "it cannot be copied into a new folder")
        for path in {*self.source.files, *changed}:
            target = folder / path.relative_to(self.root)
            target.parent.mkdir(parents=True, exist_ok=True)
            if path in changed:
                target.write_text(changed[path], encoding="utf-8")
            else:
                shutil.copyfile(path, target)
        return folder / self.source.main.relative_to(self.root)


# -- the source of a bot ---------------------------------------------------------------------------

class BotSource:
    """The files a bot was loaded from, ready to take edits without losing anything.

    Args:
        path: the bot's folder or main file.
    """

    def __init__(self, path: str | Path) -> None:
        path = Path(path)
        if path.is_dir():
            found = next((path / n for n in BOT_FILE_NAMES if (path / n).is_file()), None)
            if found is None:
                raise SaveError(f"{path}: no {' or '.join(BOT_FILE_NAMES)} in this folder")
            path = found
        self.main = path.resolve()
        self.root = self.main.parent
        self.reload()

    def reload(self) -> None:
        """Read the files again (after a save, or when they changed on disk)."""
        self.bot: Bot = load_bot(self.main)
        self.sources: dict[Path, SourceFile] = {}
        self._open(self.main)

    @property
    def files(self) -> list[Path]:
        """Every file the bot is read from."""
        return list(self.sources)

    def _open(self, path: Path) -> SourceFile:
        if path not in self.sources:
            file = _read(path)
            self.sources[path] = file
            if file.kind == "yaml":
                self._follow(file, file.tree)
        return self.sources[path]

    def _follow(self, file: SourceFile, node: Any) -> None:
        if isinstance(node, Mapping):
            for value in node.values():
                self._follow(file, value)
        elif isinstance(node, list):
            for value in node:
                self._follow(file, value)
        else:
            target = _include_target(node)
            if target is not None:
                self._open((file.path.parent / target).resolve())

    def plan(self, edited: Bot) -> SavePlan:
        """The files ``edited`` needs written, as text edits of the files as loaded.

        Raises:
            SaveError: the result would not read back as ``edited``.
        """
        sources = {p: _read(p) for p in self.sources}  # fresh trees: a plan mutates them
        moved = [p for p, f in sources.items() if f.text != self.sources[p].text]
        if moved:
            raise SaveError(f"{moved[0]} changed on disk since the bot was loaded: reload it "
                            "(BotSource.reload) or save to a new folder; nothing was written")
        merge = _Merge(sources, self.root)
        root = _Loc(sources[self.main], sources[self.main].tree)
        if not isinstance(root.node, CommentedMap):
            raise SaveError(f"{self.main}: the bot file is not a YAML mapping")
        merge.model(root, self.bot, edited)
        changes = merge.changes()
        problem = self._check(changes, edited)
        if problem is not None:
            logger.warning("minimal edits failed their check (%s); rewriting changed files", problem)
            changes = merge.changes(whole=True)
            problem = self._check(changes, edited)
            if problem is not None:
                raise SaveError(f"saving would change the bot in a way not asked for: {problem}; "
                                "nothing was written")
        return SavePlan(self, changes, merge.notes)

    def _check(self, changes: list[FileChange], edited: Bot) -> str | None:
        """Load the bot as the plan would leave it and compare it with ``edited``."""
        if not changes:
            return None if edited == self.bot else "the edited bot differs but no file changes"
        paths = {*self.sources, *(c.path for c in changes)}
        outside = [p for p in paths if not p.is_relative_to(self.root)]
        base = self.root if not outside else Path("/")
        with tempfile.TemporaryDirectory(prefix="igbot-save-") as tmp:
            new = {c.path: c.after for c in changes}
            for path in paths:
                target = Path(tmp) / path.relative_to(base)
                target.parent.mkdir(parents=True, exist_ok=True)
                if path in new:
                    target.write_text(new[path], encoding="utf-8")
                else:
                    shutil.copyfile(path, target)
            try:
                loaded = load_bot(Path(tmp) / self.main.relative_to(base))
            except IgbotError as exc:
                return f"the result does not load: {exc}"
        return None if loaded == edited else _first_difference(loaded, edited)


def _first_difference(a: Any, b: Any, path: str = "") -> str:
    if isinstance(a, KataModel) and isinstance(b, KataModel):
        a, b = a.to_data(), b.to_data()
    if isinstance(a, dict) and isinstance(b, dict):
        for key in [*a, *(k for k in b if k not in a)]:
            if a.get(key) != b.get(key):
                return _first_difference(a.get(key), b.get(key), f"{path}.{key}" if path else key)
    return f"{path or 'the bot'} would read {_short(a)} instead of {_short(b)}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


# -- merging the edited bot into the files ---------------------------------------------------------

class _Merge:
    """Walks the bot as loaded and the edited bot side by side, recording text edits."""

    def __init__(self, sources: dict[Path, SourceFile], root: Path) -> None:
        self.sources = sources
        self.root = root
        self.edits: dict[Path, _FileEdits] = {}
        self.created: dict[Path, str] = {}
        self.notes: list[str] = []

    def _edits(self, file: SourceFile) -> _FileEdits:
        return self.edits.setdefault(file.path, _FileEdits(file))

    def changes(self, whole: bool = False) -> list[FileChange]:
        out = []
        for path, fe in self.edits.items():
            after = fe.result() if not whole or fe.file.kind != "yaml" or fe.rewrite is not None \
                else _dump(fe.file, fe.file.tree)
            if after != fe.file.text:
                out.append(FileChange(path, fe.file.text, after))
        out += [FileChange(p, None, t) for p, t in self.created.items()]
        return out

    # -- models ------------------------------------------------------------------------------

    def model(self, loc: _Loc, base: KataModel, new: KataModel) -> None:
        """Merge model ``new`` into the mapping at ``loc`` that holds ``base``."""
        fields = type(new).model_fields
        by_key = {(info.alias or name): name for name, info in fields.items() if not info.exclude}
        base_data, new_data = base.to_data(), new.to_data()
        keys = [*base_data, *(k for k in new_data if k not in base_data)]
        for key in keys:
            name = by_key.get(key)
            if name is not None:
                old_value, new_value = getattr(base, name), getattr(new, name)
            else:
                old_value = (base.model_extra or {}).get(key)
                new_value = (new.model_extra or {}).get(key)
            if old_value == new_value and (key in base_data) == (key in new_data):
                continue
            raw_key = _raw_key(loc.node, key)
            if key not in new_data:
                if raw_key is not None:
                    self.delete(loc, raw_key)
                continue
            if raw_key is None:
                previous = _previous_raw_key(loc.node, list(new_data), key)
                value = compact_field(type(new), key, new_data[key])
                if isinstance(new_value, dict) and _is_models(new_value):
                    value = {k: compact(v) for k, v in new_value.items()}
                self.insert(loc, key, value, previous)
                continue
            self.value(loc, raw_key, old_value, new_value,
                       compact_field(type(new), key, new_data[key]))

    def value(self, loc: _Loc, raw_key: Any, old: Any, new: Any, new_plain: Any) -> None:
        """Merge one changed value of the container at ``loc``."""
        raw = loc.node[raw_key]
        target = _include_target(raw)
        if target is not None:
            self.included(loc, (loc.file.path.parent / target).resolve(), old, new, new_plain)
            return
        if _is_models(new) and _is_models(old) and isinstance(raw, CommentedMap):
            self.models(loc.child(raw_key), old, new)
            return
        if isinstance(new, KataModel) and isinstance(old, KataModel) \
                and isinstance(raw, CommentedMap):
            self.model(loc.child(raw_key), old, new)
            return
        if (isinstance(new, list) and isinstance(old, list) and isinstance(raw, CommentedSeq)
                and len(new) == len(old) == len(raw)
                and all(isinstance(x, KataModel) for x in [*new, *old])):
            inner = loc.child(raw_key)
            for i, (o, n) in enumerate(zip(old, new, strict=True)):
                if o == n:
                    continue
                if isinstance(raw[i], CommentedMap):
                    self.model(inner.child(i), o, n)
                else:
                    self.replace(inner, i, _styled(raw[i], plain(n)))
            return
        if _same_data(raw, old) and self.data_value(loc, raw_key, old, new_plain):
            return
        self.replace(loc, raw_key, _styled(raw, new_plain))

    def data_value(self, loc: _Loc, raw_key: Any, old: Any, new: Any) -> bool:
        """Merge plain data (NLU options, action options) key by key and item by item, where
        the file holds it as the model does; ``False`` if it must be replaced whole."""
        raw = loc.node[raw_key]
        if isinstance(raw, CommentedMap) and isinstance(old, Mapping) \
                and isinstance(new, Mapping) and all(isinstance(k, str) for k in raw):
            inner = loc.child(raw_key)
            order = list(new)
            for key in old:
                if key not in new:
                    self.delete(inner, key)
            for key in order:
                if key in old and old[key] != new[key]:
                    if not (_same_data(raw[key], old[key])
                            and self.data_value(inner, key, old[key], new[key])):
                        self.replace(inner, key, _styled(raw[key], new[key]))
                elif key not in old:
                    previous = next((k for k in reversed(order[: order.index(key)])
                                     if k in raw), None)
                    self.insert(inner, key, new[key], previous,
                                first=previous is None and bool(raw))
            return True
        if isinstance(raw, CommentedSeq) and isinstance(old, list) and isinstance(new, list) \
                and len(raw) == len(old) and old:
            inner = loc.child(raw_key)
            if len(new) > len(old) and new[: len(old)] == old:
                for value in new[len(old):]:
                    self.append_item(inner, value)
                return True
            if len(new) == len(old):
                for i, (o, n) in enumerate(zip(old, new, strict=True)):
                    if o != n and not (_same_data(raw[i], o) and self.data_value(inner, i, o, n)):
                        self.replace(inner, i, _styled(raw[i], n))
                return True
        return False

    def append_item(self, loc: _Loc, value: Any) -> None:
        """Add ``value`` at the end of the sequence at ``loc``."""
        seq, file = loc.node, loc.file
        last = len(seq) - 1
        seq.append(_node(value, None))
        if self._redump_anchor(loc):
            return
        at = _entry_end(file, loc.steps, seq, last)
        col = _dash_col(file, seq, last)
        self._edits(file).add(_Edit((at, 0), (at, 0), _item_text(file, seq[-1], col)))

    def models(self, loc: _Loc, old: dict[str, Any], new: dict[str, Any]) -> None:
        """Merge a dict of models (flows, intents, states, transitions, actions, ...)."""
        raw_keys = {js_literal(k): k for k in loc.node}
        old_names, new_names = list(old), list(new)
        removed = [k for k in old_names if k not in new]
        added = [k for k in new_names if k not in old]
        renamed: dict[str, str] = {}
        for name in removed:
            index = old_names.index(name)
            if index < len(new_names) and new_names[index] in added \
                    and new_names[index] not in renamed.values():
                renamed[name] = new_names[index]
        for old_name, new_name in renamed.items():
            if old_name in raw_keys:
                self.rename(loc, raw_keys[old_name], new_name)
                raw_keys[new_name] = new_name
        for name in removed:
            if name not in renamed and name in raw_keys:
                self.delete(loc, raw_keys[name])
        for name in new_names:
            before = next((o for o, n in renamed.items() if n == name), name)
            if before in old and name in raw_keys:
                if old[before] != new[name]:
                    self.value(loc, raw_keys[name], old[before], new[name], plain(new[name]))
            elif name not in old and name not in renamed.values():
                previous = None
                for other in reversed(new_names[: new_names.index(name)]):
                    if other in raw_keys:
                        previous = raw_keys[other]
                        break
                self.insert(loc, name, compact(new[name]), previous, first=previous is None
                            and bool(raw_keys))

    def included(self, loc: _Loc, path: Path, old: Any, new: Any, new_plain: Any) -> None:
        file = self.sources.get(path)
        if file is None:
            raise SaveError(f"{path}: an included file that was not read when the bot loaded")
        if file.kind == "yaml" and isinstance(file.tree, CommentedMap):
            root = _Loc(file, file.tree)
            if isinstance(new, KataModel) and isinstance(old, KataModel):
                self.model(root, old, new)
            elif _is_models(new) and _is_models(old):
                self.models(root, old, new)
            else:
                self._edits(file).rewrite = dump_yaml(new_plain)
            return
        fe = self._edits(file)
        if file.kind == "json":
            fe.rewrite = json.dumps(new_plain, indent=2, ensure_ascii=False) + "\n"
        elif isinstance(new_plain, str):
            fe.rewrite = new_plain
        else:
            raise SaveError(f"{path}: included as raw text, but the edited value is "
                            f"{type(new_plain).__name__}")

    # -- text edits ----------------------------------------------------------------------------

    def replace(self, loc: _Loc, key: Any, value: Any) -> None:
        """Give ``key`` of the container at ``loc`` a new value."""
        container, fe = loc.node, self._edits(loc.file)
        old = container[key]
        container[key] = _node(value, old)
        if self._redump_anchor(loc):
            return
        pos = _value_pos(container, key)
        flow = _is_flow(container)
        if pos is not None and not isinstance(old, CommentedMap | CommentedSeq) \
                and not isinstance(value, Mapping | list):
            line = loc.file.lines[pos[0]]
            extent = _scalar_extent(line, pos[1], flow)
            token = line[pos[1]: extent[0]] if extent else None
            if extent is not None and token is not None and _token_reads(token, old, flow):
                text = _scalar_text(value, extent[1] or _quote_of(old), flow)
                if text is not None:
                    fe.add(_Edit(pos, (pos[0], extent[0]), text))
                    return
        self.redump(loc, key)

    def redump(self, loc: _Loc, key: Any) -> None:
        """Write entry ``key`` of the (block-style) container at ``loc`` again from the tree."""
        container, file = loc.node, loc.file
        start = _key_pos(container, key)
        if start is None:
            raise SaveError(f"{file.path}: cannot place the change of {key!r}")
        end = _entry_end(file, loc.steps, container, key)
        if isinstance(container, CommentedMap):
            col = start[1]
            text = lambda: _entry_text(file, container, key, col, False)  # noqa: E731
            first = (start[0], col)
        else:
            col = _dash_col(file, container, key)
            text = lambda: _item_text(file, container[key], col, False)  # noqa: E731
            first = (start[0], col)
        self._edits(file).add(_Edit(first, (end, 0), text, covers=True))

    def _redump_anchor(self, loc: _Loc) -> bool:
        """Inside a flow-style collection: write its block-style entry again; ``True`` if so."""
        if not loc.in_flow():
            return False
        anchor = loc.anchor()
        if anchor is None:  # the file's root itself is flow style
            fe = self._edits(loc.file)
            fe.rewrite = None
            fe.add(_Edit((0, 0), (len(loc.file.lines), 0),
                         lambda: _dump(loc.file, loc.file.tree), covers=True))
            return True
        container, key, steps = anchor
        parent = _Loc(loc.file, container, steps)
        self.redump(parent, key)
        return True

    def rename(self, loc: _Loc, old_key: Any, new_key: str) -> None:
        """Rename a key in place (its value and its place stay)."""
        container, file = loc.node, loc.file
        pos = _key_pos(container, old_key)
        index = list(container).index(old_key)
        value = container.pop(old_key)
        container.insert(index, new_key, value)
        lc = container.lc.data
        if old_key in lc:
            lc[new_key] = lc.pop(old_key)
        if old_key in container.ca.items:
            container.ca.items[new_key] = container.ca.items.pop(old_key)
        if pos is None:
            if not self._redump_anchor(loc):
                self.redump(loc, new_key)
            return
        line = file.lines[pos[0]]
        extent = _key_extent(line, pos[1])
        if extent is None or not _token_reads(line[pos[1]: extent[0]], js_literal(old_key), True,
                                             key=True):
            if not self._redump_anchor(loc):
                self.redump(loc, new_key)
            return
        text = _scalar_text(new_key, extent[1], _is_flow(container))
        if text is None or (extent[1] is None and not _plain_ok(new_key, True)):
            text = json.dumps(new_key, ensure_ascii=False)
        self._edits(file).add(_Edit(pos, (pos[0], extent[0]), text))

    def delete(self, loc: _Loc, key: Any) -> None:
        """Remove entry ``key`` and its lines."""
        container, file = loc.node, loc.file
        start = _key_pos(container, key)
        end = _entry_end(file, loc.steps, container, key) if start is not None else None
        del container[key]
        if self._redump_anchor(loc) or start is None or end is None:
            if start is None and not loc.in_flow():
                raise SaveError(f"{file.path}: cannot place the removal of {key!r}")
            return
        if not len(container) and loc.steps:
            parent_container, parent_key = loc.steps[-1]
            self.redump(_Loc(file, parent_container, loc.steps[:-1]), parent_key)
            return
        col = start[1] if isinstance(container, CommentedMap) else _dash_col(file, container, key)
        line = file.lines[start[0]]
        begin = (start[0], 0) if not line[:col].strip() else (start[0], col)
        self._edits(file).add(_Edit(begin, (end, 0), ""))

    def insert(self, loc: _Loc, key: str, value: Any, previous: Any,
               *, first: bool = False) -> None:
        """Add entry ``key: value`` after ``previous`` (or first, or last)."""
        container, file = loc.node, loc.file
        if isinstance(value, Mapping) and "$flow" in value:  # never: keys are Kata's
            raise SaveError(f"{file.path}: cannot write {key!r}")
        if key == "" or not isinstance(container, CommentedMap):
            raise SaveError(f"{file.path}: cannot add {key!r} here")
        value = self._maybe_new_file(loc, key, value)
        keys = list(container)
        index = keys.index(previous) + 1 if previous in keys else (0 if first else len(keys))
        container.insert(index, key, _node(value, None))
        if self._redump_anchor(loc):
            return
        placed = [k for k in _keys_in_order(container) if k != key]
        if not placed:
            if loc.steps:
                parent_container, parent_key = loc.steps[-1]
                self.redump(_Loc(file, parent_container, loc.steps[:-1]), parent_key)
            else:
                fe = self._edits(file)
                fe.add(_Edit((len(file.lines), 0), (len(file.lines), 0),
                             lambda: _entry_text(file, container, key, 0)))
            return
        col = _key_pos(container, placed[0])[1]  # type: ignore[index]
        if previous in placed:
            at = _entry_end(file, loc.steps, container, previous)
        elif first:
            at = _key_pos(container, placed[0])[0]  # type: ignore[index]
        else:
            at = _entry_end(file, loc.steps, container, placed[-1])
        text = _entry_text(file, container, key, col)
        if at >= len(file.lines) and file.text and not file.text.endswith("\n"):
            text = "\n" + text
        self._edits(file).add(_Edit((at, 0), (at, 0), text))

    def _maybe_new_file(self, loc: _Loc, key: str, value: Any) -> Any:
        """A new flow of a bot whose flows are all included gets its own file."""
        siblings = [v for v in loc.node.values()]
        targets = [_include_target(v) for v in siblings]
        if not (loc.steps and js_literal(loc.steps[-1][1]) == "flows" and siblings
                and all(targets) and isinstance(value, Mapping)):
            return value
        folders = {Path(t).parent for t in targets if t}
        folder = folders.pop() if len(folders) == 1 else Path("flows")
        used = {Path(t).stem.lower() for t in targets if t}
        used |= {p.stem.lower() for p in (loc.file.path.parent / folder).glob("*")}
        stem = file_stem(key, used)
        path = (loc.file.path.parent / folder / f"{stem}.yml").resolve()
        self.created[path] = dump_yaml(value)
        rel = f"./{(folder / f'{stem}.yml').as_posix()}".replace("././", "./")
        self.notes.append(f"new flow {key!r} goes to its own file {rel}")
        return f"$include({rel})"


def compact(value: Any) -> Any:
    """Plain Kata-ML data of a model in the short forms people write: one condition as a
    string, one classifier as a mapping, a state's actions by name."""
    if isinstance(value, Flow):
        data = value.to_data()
        for key in ("intents", "states"):
            if key in data:
                data[key] = {name: compact(item) for name, item in getattr(value, key).items()}
        return data
    if isinstance(value, Intent | State):
        data = value.to_data()
        return {key: compact_field(type(value), key, item) for key, item in data.items()}
    return plain(value)


def compact_field(model: type[KataModel], key: str, value: Any) -> Any:
    """One field's plain data in its short form (see :func:`compact`)."""
    if model is Intent and key == "condition" and isinstance(value, list) and len(value) == 1:
        return value[0]
    if model is Intent and key == "classifier" and isinstance(value, list) and len(value) == 1:
        return value[0]
    if model is State and key == "action" and isinstance(value, list) \
            and all(isinstance(v, Mapping) and list(v) == ["name"] for v in value):
        names = [v["name"] for v in value]
        return names[0] if len(names) == 1 else names
    return value


def _same_data(raw: Any, value: Any) -> bool:
    """Whether the file's node holds exactly ``value`` (same keys, items and scalars)."""
    if isinstance(raw, Mapping) and isinstance(value, Mapping):
        return list(map(str, raw)) == list(map(str, value)) and all(
            _same_data(raw[k], value[str(k)]) for k in raw)
    if isinstance(raw, list) and isinstance(value, list):
        return len(raw) == len(value) and all(_same_data(a, b) for a, b in zip(raw, value,
                                                                              strict=True))
    if isinstance(raw, Mapping | list) or isinstance(value, Mapping | list):
        return False
    return bool(raw == value and type(raw) in (type(value), *type(value).__mro__)) \
        or (isinstance(raw, str) and isinstance(value, str) and str(raw) == value) \
        or (isinstance(raw, bool) == isinstance(value, bool) and raw == value)


def _is_models(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, KataModel) for v in value.values())


def _raw_key(node: Any, key: str) -> Any:
    if not isinstance(node, Mapping):
        return None
    return next((k for k in node if js_literal(k) == key), None)


def _previous_raw_key(node: Any, order: list[str], key: str) -> Any:
    for other in reversed(order[: order.index(key)]):
        found = _raw_key(node, other)
        if found is not None:
            return found
    return None


def _styled(raw: Any, new: Any) -> Any:
    """``new`` in the shorthand ``raw`` was written in, where the shorthand can hold it."""
    scalar = not isinstance(raw, Mapping | list)
    if scalar and isinstance(new, list) and len(new) == 1 and not isinstance(new[0], Mapping | list):
        return new[0]  # condition: x
    if scalar and raw is not None and isinstance(new, Mapping) and len(new) == 1:
        only = next(iter(new))
        if only in ("name", "condition") and isinstance(new[only], str):
            return new[only]  # action: name, transitions: {dest: condition}
    if isinstance(raw, Mapping) and isinstance(new, list) and len(new) == 1 \
            and isinstance(new[0], Mapping):
        return new[0]  # classifier: {nlu, match}
    if isinstance(raw, Mapping) and isinstance(new, Mapping):
        return _nested_like(raw, new)
    return new


def _nested_like(raw: Mapping[Any, Any], new: Mapping[str, Any]) -> Any:
    """A flat mapping (``context.x: expr``) nested like ``raw`` was (``context: {x: expr}``)."""
    nested = [k for k, v in raw.items() if isinstance(v, Mapping)]
    if not nested or not all(isinstance(k, str) for k in new):
        return new
    out: dict[str, Any] = {}
    for key, value in new.items():
        head, dot, rest = key.partition(".")
        if dot and head in nested:
            sub = out.setdefault(head, {})
            if isinstance(sub, dict):
                sub[rest] = value
                continue
        out[key] = value
    return out


def _quote_of(value: Any) -> str | None:
    if isinstance(value, DoubleQuotedScalarString):
        return '"'
    if isinstance(value, SingleQuotedScalarString):
        return "'"
    return None


def _token_reads(token: str, old: Any, flow: bool, key: bool = False) -> bool:
    """Whether the text ``token`` is the scalar the tree holds (so replacing it is exact)."""
    if not token:
        return False
    try:
        loaded = yaml.load(token if not flow else f"[{token}]",
                           Loader=KataYamlLoader)
    except yaml.YAMLError:
        return False
    if flow:
        if not isinstance(loaded, list) or len(loaded) != 1:
            return False
        loaded = loaded[0]
    if key:
        return js_literal(loaded) == old
    return loaded == old or js_literal(loaded) == js_literal(old)


def _node(value: Any, old: Any) -> Any:
    """``value`` for the round-trip tree (multi-line text as a ``|`` block, old quotes kept)."""
    if isinstance(value, str):
        quote = _quote_of(old)
        if "\n" in value.strip("\n"):
            return LiteralScalarString(value)
        if quote == '"':
            return DoubleQuotedScalarString(value)
        if quote == "'":
            return SingleQuotedScalarString(value)
        if not _plain_ok(value, False) and _needs_quotes(value):
            return DoubleQuotedScalarString(value)
        return value
    if isinstance(value, Mapping) and not isinstance(value, CommentedMap):
        out = CommentedMap()
        for k, v in value.items():
            out[k] = _node(v, None)
        return out
    if isinstance(value, list) and not isinstance(value, CommentedSeq):
        seq = CommentedSeq()
        seq.extend(_node(v, None) for v in value)
        return seq
    return value


def _needs_quotes(value: str) -> bool:
    """A string ruamel could write plain but Kata's YAML 1.1 loader would read as another type."""
    return bool(value) and value == value.strip() and not _reads_as_text(value)


def _dump(file: SourceFile, node: Any) -> str:
    out = io.StringIO()
    _yaml(file).dump(node, out)
    return out.getvalue()


def _strip_trailing_comments(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    while lines and (not lines[-1].strip() or lines[-1].lstrip().startswith("#")):
        lines.pop()
    return lines


def _indented(lines: list[str], col: int, first: bool = True) -> str:
    """``lines`` moved right by ``col`` (the first line too unless ``first`` is false)."""
    pad = " " * col
    out = []
    for i, line in enumerate(lines):
        if (i == 0 and not first) or not line.strip() or line.lstrip().startswith("#"):
            out.append(line)  # ruamel keeps a comment's own column
        else:
            out.append(pad + line)
    text = "".join(out)
    return text if text.endswith("\n") else text + "\n"


def _entry_text(file: SourceFile, container: CommentedMap, key: Any, col: int,
                first: bool = True) -> str:
    wrapper = CommentedMap()
    wrapper[key] = container[key]
    if key in container.ca.items:
        wrapper.ca.items[key] = container.ca.items[key]
    return _indented(_strip_trailing_comments(_dump(file, wrapper)), col, first)


def _item_text(file: SourceFile, value: Any, col: int, first: bool = True) -> str:
    seq = CommentedSeq()
    seq.append(value)
    lines = _strip_trailing_comments(_dump(file, seq))
    if lines and file.sequence_offset:
        lines = [line[file.sequence_offset:] if line.startswith(" " * file.sequence_offset)
                 else line for line in lines]
    return _indented(lines, col, first)
