"""The documentation's code names things that exist: every igbot import shown in README.md and
docs/*.md runs, and every ``igbot.name`` written in backticks resolves."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.M | re.S)
DOTTED = re.compile(r"`(igbot(?:\.[A-Za-z_]\w*)+)")
FILE_SUFFIXES = {"lock", "yml", "yaml", "json", "jsonl", "sqlite", "md", "py", "txt"}


def _imports(text: str) -> list[tuple[int, str]]:
    """``(line, statement)`` of every igbot import in the fenced code blocks of a document."""
    found: list[tuple[int, str]] = []
    for block in FENCE.finditer(text):
        first = text.count("\n", 0, block.start(1)) + 1
        code = block.group(1)
        try:
            nodes = [(node.lineno, node) for node in ast.walk(ast.parse(code))
                     if isinstance(node, ast.Import | ast.ImportFrom)]
        except SyntaxError:  # shell, YAML or pseudo-code around it: read the lines alone
            nodes = []
            for n, line in enumerate(code.splitlines(), start=1):
                try:
                    nodes += [(n, node) for node in ast.walk(ast.parse(line.strip()))
                              if isinstance(node, ast.Import | ast.ImportFrom)]
                except SyntaxError:
                    continue
        for lineno, node in nodes:
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                     else [a.name for a in node.names])
            if any(name == "igbot" or name.startswith("igbot.") for name in names):
                found.append((first + lineno - 1, ast.unparse(node)))
    return found


IMPORTS = [(doc, line, statement) for doc in DOCS
           for line, statement in _imports(doc.read_text(encoding="utf-8"))]
NAMES = sorted({(doc, name) for doc in DOCS
                for name in DOTTED.findall(doc.read_text(encoding="utf-8"))
                if name.count(".") > 1 or name.split(".")[1] not in FILE_SUFFIXES})  # igbot.lock


def test_the_documents_show_imports() -> None:
    assert len(IMPORTS) >= 10 and len(NAMES) >= 10
    assert any(s == "from igbot import GraphClient" for _, _, s in IMPORTS)


@pytest.mark.parametrize(("doc", "line", "statement"), IMPORTS,
                         ids=[f"{d.name}:{n}" for d, n, _ in IMPORTS])
def test_every_import_shown_works(doc: Path, line: int, statement: str) -> None:
    node = ast.parse(statement).body[0]
    where = f"{doc.name}:{line}: {statement!r}"
    if isinstance(node, ast.ImportFrom):  # what `from module import a, b` does, without exec
        module = importlib.import_module(node.module or "")
        for alias in node.names:
            try:
                getattr(module, alias.name)
            except AttributeError:
                pytest.fail(f"{where}: cannot import {alias.name!r} from {node.module!r}")
    else:
        assert isinstance(node, ast.Import), where
        for alias in node.names:
            importlib.import_module(alias.name)


@pytest.mark.parametrize(("doc", "name"), NAMES, ids=[f"{d.name}:{n}" for d, n in NAMES])
def test_every_dotted_name_resolves(doc: Path, name: str) -> None:
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            assert hasattr(obj, attr), f"{doc.name}: `{name}`: no {attr!r} in {obj!r}"
            obj = getattr(obj, attr)
        return
    pytest.fail(f"{doc.name}: `{name}` is not a module")
