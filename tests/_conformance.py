"""Where the shared conformance corpus is, and which of its bots are broken on purpose."""

from __future__ import annotations

from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = SHARED / "conformance"
BOTS = CORPUS / "kata-bots"
WEBHOOKS = CORPUS / "webhooks" / "public"
EXPORTS = CORPUS / "exports"

BROKEN_BOTS = {
    # flows/faq.yml starts with junk text before its YAML
    "samsung-bot": "flows/faq.yml",
    # bot.yml includes a config.yml its repository does not ship
    "simple-kataai-bot": "bot.yml",
    # `end: true` mis-indented into a state named `end`
    "skripsee": "flows/fallback.yml",
}
"""The bots the corpus README says must be refused, and the file the refusal must name."""


def bot_names() -> list[str]:
    """Every bot folder of the corpus (empty when the corpus is not checked out)."""
    if not BOTS.is_dir():
        return []
    return sorted(p.name for p in BOTS.iterdir() if p.is_dir())


def loading_bot_names() -> list[str]:
    """The corpus bots that must load."""
    return [name for name in bot_names() if name not in BROKEN_BOTS]
