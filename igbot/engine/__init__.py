"""The Kata-ML flow engine: sessions, NLUs, actions and rendering to Instagram."""

from igbot.engine._actions import ACTION_TYPES, INSTAGRAM_INBOX_APP_ID, ApiCall
from igbot.engine._engine import Engine
from igbot.engine._js import JSRuntime, js_available
from igbot.engine._jspool import MethodWorkerPool
from igbot.engine._nlu import CLOUD_NLU_TYPES, Classifier, keyword_nlu, regex_nlu
from igbot.engine._preview import preview_action
from igbot.engine._records import (
    ActionRecord,
    ClassifierCheck,
    ConditionCheck,
    IntentTrial,
    TransitionTrial,
    Turn,
    TurnRecord,
    TurnTrace,
)
from igbot.engine._session import FlowFrame, Session
from igbot.engine._store import MemoryStore, SessionStore, SqliteStore
from igbot.models import OutboundRequest, requests_html

__all__ = [
    "ACTION_TYPES",
    "CLOUD_NLU_TYPES",
    "INSTAGRAM_INBOX_APP_ID",
    "ActionRecord",
    "ApiCall",
    "Classifier",
    "ClassifierCheck",
    "ConditionCheck",
    "Engine",
    "FlowFrame",
    "IntentTrial",
    "JSRuntime",
    "MemoryStore",
    "MethodWorkerPool",
    "OutboundRequest",
    "Session",
    "SessionStore",
    "SqliteStore",
    "TransitionTrial",
    "Turn",
    "TurnRecord",
    "TurnTrace",
    "js_available",
    "keyword_nlu",
    "preview_action",
    "regex_nlu",
    "requests_html",
]
