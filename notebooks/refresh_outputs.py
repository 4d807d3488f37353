"""Re-execute notebooks and store only the outputs nbval compares.

Run after changing the sample data or the code a notebook shows:
``.venv/bin/python notebooks/refresh_outputs.py [NOTEBOOK...]`` (default: every notebook here).
Cells marked ``# NBVAL_CHECK_OUTPUT`` keep their text output and execution count (nbval compares
them in ``make test``); every other cell is stored without outputs, as git should have them, and
the widgets' state the kernel left in the notebook's metadata is dropped (it is large and holds
this machine's paths; the widgets are drawn again when the notebook runs).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbclient
import nbformat

CHECK = "# NBVAL_CHECK_OUTPUT"
HERE = Path(__file__).resolve().parent


def refresh(path: Path) -> None:
    """Execute ``path`` in its folder and rewrite it with only the checked cells' outputs."""
    notebook = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(notebook, kernel_name="python3", timeout=300,
                            resources={"metadata": {"path": str(path.parent)}}).execute()
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        if CHECK in cell.source:
            bad = [o for o in cell.outputs if o["output_type"] not in ("stream", "execute_result")]
            if bad or not cell.outputs:
                raise SystemExit(f"{path.name}: a checked cell must print text: {cell.source[:60]!r}")
        else:
            cell.outputs = []
            cell.execution_count = None
    nbformat.validate(notebook)
    nbformat.write(notebook, path)


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted(HERE.glob("*.ipynb"))
    for path in paths:
        refresh(path)
        print(f"refreshed {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
