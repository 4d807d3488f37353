"""Kata-ML: typed models of a bot, the loader (with ``$include``), the YAML writer, saving into
a bot's own files (round-trip, with backups) and lint."""

from igbot.kataml._backups import Backup, SaveError, backups, restore
from igbot.kataml._display import register_display
from igbot.kataml._findings import LINT_CODES, Finding
from igbot.kataml._limits import LoadLimits
from igbot.kataml._lint import lint, lint_path
from igbot.kataml._loader import load_bot, load_bot_text
from igbot.kataml._models import (
    ACTION_TYPES,
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
from igbot.kataml._naming import NAME_RULE, check_name
from igbot.kataml._roundtrip import BotSource, SavePlan
from igbot.kataml._writer import write_bot

__all__ = [
    "ACTION_TYPES",
    "LINT_CODES",
    "NAME_RULE",
    "Action",
    "ActionRef",
    "Attribute",
    "Backup",
    "Bot",
    "BotSource",
    "Classifier",
    "Finding",
    "Flow",
    "Intent",
    "LoadLimits",
    "Method",
    "Nlu",
    "SaveError",
    "SavePlan",
    "State",
    "Transition",
    "backups",
    "check_name",
    "lint",
    "lint_path",
    "load_bot",
    "load_bot_text",
    "register_display",
    "restore",
    "write_bot",
]
