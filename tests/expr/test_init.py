"""The public surface of igbot.expr and what importing it costs."""

from __future__ import annotations

import subprocess
import sys

import igbot.expr


def test_all_is_sorted_and_complete() -> None:
    names = igbot.expr.__all__

    def isort_style(name: str) -> tuple[int, str]:  # ruff's RUF022 order
        kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
        return kind, name

    assert names == sorted(names, key=isort_style)
    assert set(names) == {
        "UNDEFINED", "Expression", "Template", "compile_expr", "compile_template",
        "loose_equals", "render_value", "strict_equals", "to_js_string", "to_number", "truthy",
    }  # fmt: skip
    for name in names:
        assert getattr(igbot.expr, name) is not None


def test_private_modules_declare_all() -> None:
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(igbot.expr.__path__):
        module = importlib.import_module(f"igbot.expr.{info.name}")
        assert isinstance(module.__all__, list), info.name
        for name in module.__all__:
            assert hasattr(module, name), (info.name, name)


def test_import_stays_light() -> None:
    code = (
        "import sys, igbot.expr\n"
        "heavy = {'pandas', 'matplotlib', 'networkx', 'ipywidgets', 'quickjs'} & set(sys.modules)\n"
        "print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_no_eval_or_exec_in_the_package() -> None:
    import pathlib
    import re

    for path in pathlib.Path(igbot.expr.__file__).parent.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(?<![\w.])(eval|exec|literal_eval|compile)\(", text), path.name
        assert "getattr(" not in text.replace("getattr(node, f.name)", ""), path.name
