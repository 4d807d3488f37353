"""Every notebook in ``notebooks/`` is stored clean: valid nbformat 4, and outputs and execution
counts only where nbval compares them.

nbval (``--nbval-lax``) compares a ``# NBVAL_CHECK_OUTPUT`` cell's fresh output with the output
stored in the file, and refuses a stored output without an execution count ("Unrun reference
cell has outputs"). So those cells keep their text output and count; every other code cell is
stored with neither. Each notebook needs at least one such cell, so running it checks something.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CHECK = "# NBVAL_CHECK_OUTPUT"

pytestmark = pytest.mark.skipif(not NOTEBOOKS, reason="no notebooks/*.ipynb yet")


def _code_cells(nb: nbformat.NotebookNode) -> list[tuple[int, nbformat.NotebookNode]]:
    return [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]


def _checked(cell: nbformat.NotebookNode) -> bool:
    return CHECK in cell.source


@pytest.fixture(params=NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def notebook(request: pytest.FixtureRequest) -> tuple[str, nbformat.NotebookNode]:
    return request.param.name, nbformat.read(request.param, as_version=nbformat.NO_CONVERT)


def test_valid_nbformat_4(notebook: tuple[str, nbformat.NotebookNode]) -> None:
    name, nb = notebook
    assert nb.nbformat == 4, f"{name}: nbformat {nb.nbformat}, expected 4"
    nbformat.validate(nb)
    assert nb.cells and nb.cells[0].cell_type == "markdown", \
        f"{name}: should start with a markdown cell saying what it shows"


def test_unchecked_cells_stored_clean(notebook: tuple[str, nbformat.NotebookNode]) -> None:
    name, nb = notebook
    dirty = [i for i, c in _code_cells(nb)
             if not _checked(c) and (c.outputs or c.execution_count is not None)]
    assert not dirty, (f"{name}: cells {dirty} store outputs or execution counts but are not "
                       f"{CHECK} cells; clear them (jupyter nbconvert --clear-output) before "
                       "committing, keeping only the checked cells' outputs")


def test_no_execution_timings(notebook: tuple[str, nbformat.NotebookNode]) -> None:
    """nbclient's per-cell timestamps (``metadata.execution``) change on every run: not stored."""
    name, nb = notebook
    timed = [i for i, c in enumerate(nb.cells) if "execution" in c.get("metadata", {})]
    assert not timed, f"{name}: cells {timed} store execution timestamps in their metadata"


def test_checked_outputs_are_text(notebook: tuple[str, nbformat.NotebookNode]) -> None:
    """Compared outputs are plain text: no images, HTML, stderr or errors."""
    name, nb = notebook
    for i, cell in _code_cells(nb):
        for out in cell.outputs:
            kind = out["output_type"]
            if kind == "stream":
                assert out["name"] == "stdout", f"{name}: cell {i} stores stderr"
            else:
                assert kind in ("execute_result", "display_data"), \
                    f"{name}: cell {i} stores a {kind} output"
                assert set(out.get("data", {})) <= {"text/plain"}, \
                    f"{name}: cell {i} stores {sorted(out['data'])}"


def test_has_checked_cell(notebook: tuple[str, nbformat.NotebookNode]) -> None:
    name, nb = notebook
    checked = [i for i, c in _code_cells(nb) if _checked(c)]
    assert checked, f"{name}: no {CHECK} cell, so running it under nbval checks nothing"
    unrun = [i for i in checked if not nb.cells[i].outputs or nb.cells[i].execution_count is None]
    assert not unrun, (f"{name}: {CHECK} cells {unrun} lack a stored output or execution count "
                       "to compare with (run the notebook and keep those cells' outputs)")
