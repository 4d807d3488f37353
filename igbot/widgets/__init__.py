"""Notebook widgets (ipywidgets): the flow canvas, a flow editor and a chat simulator, thin
views over the engine, the graph and lint.

Importing this package makes bots and flows show as a :class:`FlowCanvas` where widgets run
(and as the static drawing elsewhere).
"""

from igbot.kataml import register_display
from igbot.widgets._canvas import FlowCanvas, canvas_bundle
from igbot.widgets._editing import BotEditing, EditError
from igbot.widgets._editor import FlowEditor
from igbot.widgets._simulator import ChatSimulator, Tappable

__all__ = ["BotEditing", "ChatSimulator", "EditError", "FlowCanvas", "FlowEditor", "Tappable"]

register_display(canvas_bundle)
