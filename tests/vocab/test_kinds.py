"""Event kinds, Inbox app ids and outcome names: one definition, used by every floor."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import igbot
from igbot.analytics._schema import NON_MESSAGE_KINDS as ANALYTICS_NON_MESSAGE
from igbot.channel import INSTAGRAM_INBOX_APP_ID as CHANNEL_INBOX
from igbot.engine import INSTAGRAM_INBOX_APP_ID as ENGINE_INBOX
from igbot.server import ServerConfig
from igbot.vocab import (
    INBOX_APP_IDS,
    INSTAGRAM_INBOX_APP_ID,
    NO_TEXT_KINDS,
    NON_MESSAGE_KINDS,
    NOT_OPENING_KINDS,
    OUTBOX_STATES,
    PERSON_KINDS,
    SEND_OUTCOMES,
    THREAD_KINDS,
)

ROOT = Path(igbot.__file__).parent


def test_one_inbox_app_id_everywhere() -> None:
    assert CHANNEL_INBOX is ENGINE_INBOX is INSTAGRAM_INBOX_APP_ID
    assert isinstance(INSTAGRAM_INBOX_APP_ID, str) and INSTAGRAM_INBOX_APP_ID in INBOX_APP_IDS
    assert ServerConfig.model_fields["agent_app_id"].default == INSTAGRAM_INBOX_APP_ID
    # no module but vocab defines the id (a mention in a docstring is fine)
    spelled = [p.relative_to(ROOT) for p in ROOT.rglob("*.py")
               if "vocab" not in p.parts and re.search(r"=\s*\"?(1217981644879628|263902037430900)",
                                                       p.read_text(encoding="utf-8"))]
    assert spelled == []


def test_kinds_agree() -> None:
    assert ANALYTICS_NON_MESSAGE is NON_MESSAGE_KINDS
    assert not PERSON_KINDS & NON_MESSAGE_KINDS
    assert not PERSON_KINDS & NOT_OPENING_KINDS  # a person speaking opens the window
    assert set(THREAD_KINDS) <= NON_MESSAGE_KINDS and set(THREAD_KINDS) <= NO_TEXT_KINDS
    assert set(SEND_OUTCOMES) < set(OUTBOX_STATES)


def test_vocab_imports_nothing_of_igbot() -> None:
    for path in (ROOT / "vocab").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("igbot"):
                assert node.module.startswith("igbot.vocab"), (path.name, node.module)
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("igbot") for a in node.names), path.name
