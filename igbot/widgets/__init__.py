"""Notebook widgets (ipywidgets): a flow editor and a chat simulator, thin views over the
engine, the graph and lint."""

from igbot.widgets._editing import BotEditing, EditError
from igbot.widgets._editor import FlowEditor
from igbot.widgets._simulator import ChatSimulator, Tappable

__all__ = ["BotEditing", "ChatSimulator", "EditError", "FlowEditor", "Tappable"]
