"""Kata-ML: typed models of a bot, the loader (with ``$include``) and the YAML writer."""

from igbot.kataml._loader import load_bot, load_bot_text
from igbot.kataml._models import (
    Action,
    ActionRef,
    Attribute,
    Bot,
    Classifier,
    Flow,
    Intent,
    Method,
    Nlu,
    State,
    Transition,
)
from igbot.kataml._writer import write_bot

__all__ = [
    "Action",
    "ActionRef",
    "Attribute",
    "Bot",
    "Classifier",
    "Flow",
    "Intent",
    "Method",
    "Nlu",
    "State",
    "Transition",
    "load_bot",
    "load_bot_text",
    "write_bot",
]
