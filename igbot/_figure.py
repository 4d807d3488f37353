"""A matplotlib Figure that shows itself in a notebook without pyplot or ``%matplotlib inline``.

igbot draws on :class:`matplotlib.figure.Figure` directly (no pyplot state, nothing pops up), but
IPython only knows how to display a plain Figure once pyplot has set up the inline backend.
:class:`NotebookFigure` adds ``_repr_png_`` so a returned figure displays as a picture anyway.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure

__all__ = ["NotebookFigure"]


class NotebookFigure(Figure):
    """A Figure with a PNG representation for Jupyter."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
        return buffer.getvalue()
