"""Kata-ML: typed models of a bot, the loader (with ``$include``), the YAML writer and lint."""

from igbot.kataml._display import register_display
from igbot.kataml._limits import LoadLimits
from igbot.kataml._lint import LINT_CODES, Finding, lint, lint_path
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
    "LINT_CODES",
    "Action",
    "ActionRef",
    "Attribute",
    "Bot",
    "Classifier",
    "Finding",
    "Flow",
    "Intent",
    "LoadLimits",
    "Method",
    "Nlu",
    "State",
    "Transition",
    "lint",
    "lint_path",
    "load_bot",
    "load_bot_text",
    "register_display",
    "write_bot",
]
