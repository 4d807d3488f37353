"""How wide a line of text is, without a font renderer: DejaVu Sans advance widths.

The layout needs the size of every label before anything is drawn (to keep labels apart), and
it must not import matplotlib (the canvas lays out without it). The widths below are DejaVu
Sans's advances for printable ASCII in thousandths of an em (matplotlib's default font, and
the first font the SVG and the canvas ask for); kerning is ignored, which only over-estimates.
Other characters count as a wide glyph (``_WIDE``), emoji and CJK as a full em.
"""

from __future__ import annotations

from functools import lru_cache

__all__ = ["FONT_FAMILY", "LINE_HEIGHT", "text_height", "text_width"]

FONT_FAMILY = "DejaVu Sans, Verdana, Arial, sans-serif"
LINE_HEIGHT = 1.25  # a text box's height in ems (DejaVu's ascent + descent is 1.17 em)

_NORMAL = (
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636,
    636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698,
    770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732,
    684, 989, 685, 611, 685, 390, 337, 390, 838, 500, 500, 613, 635, 550, 635, 615, 352, 635,
    634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592,
    525, 636, 337, 636, 838,
)
_BOLD = (
    348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696,
    696, 696, 696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734,
    830, 683, 683, 821, 837, 372, 372, 775, 637, 995, 837, 850, 733, 850, 770, 720, 682, 812,
    774, 1103, 771, 724, 725, 457, 365, 457, 838, 500, 500, 675, 716, 593, 716, 678, 435, 716,
    712, 343, 343, 665, 343, 1042, 712, 687, 716, 716, 493, 595, 478, 712, 652, 924, 645, 652,
    582, 712, 365, 712, 838,
)
_WIDE = 850


def _char(code: int, table: tuple[int, ...]) -> int:
    if 32 <= code < 127:
        return table[code - 32]
    if code >= 0x2E80:  # CJK, emoji and pictographs: a full em, or more for emoji
        return 1250
    return _WIDE


@lru_cache(maxsize=8192)
def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width of one line of ``text`` at ``size`` points, in points."""
    table = _BOLD if bold else _NORMAL
    return sum(_char(ord(c), table) for c in text) * size / 1000.0


def text_height(size: float) -> float:
    """The height of a one-line text box at ``size`` points, in points."""
    return size * LINE_HEIGHT
