"""The Kata-ML flow engine: sessions, NLUs, actions and rendering to Instagram."""

from igbot.engine._actions import ACTION_TYPES, ApiCall
from igbot.engine._dispatch import (
    OwnMessages,
    conversation_of,
    event_row,
    handle_event,
    system_row,
)
from igbot.engine._engine import Engine
from igbot.engine._js import JSRuntime, js_available
from igbot.engine._jspool import MethodWorkerPool
from igbot.engine._message_event import MessageEvent
from igbot.engine._nlu import CLOUD_NLU_TYPES, Classifier, keyword_nlu, regex_nlu
from igbot.engine._outcome import LogEntry, Outcome, PolicyNote, ThreadChange
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
from igbot.engine._specs import load_spec, run_spec
from igbot.engine._store import MemoryStore, SessionStore, SqliteStore
from igbot.models import OutboundRequest, requests_html
from igbot.vocab import INSTAGRAM_INBOX_APP_ID

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
    "LogEntry",
    "MemoryStore",
    "MessageEvent",
    "MethodWorkerPool",
    "OutboundRequest",
    "Outcome",
    "OwnMessages",
    "PolicyNote",
    "Session",
    "SessionStore",
    "SqliteStore",
    "ThreadChange",
    "TransitionTrial",
    "Turn",
    "TurnRecord",
    "TurnTrace",
    "conversation_of",
    "event_row",
    "handle_event",
    "js_available",
    "keyword_nlu",
    "load_spec",
    "preview_action",
    "regex_nlu",
    "requests_html",
    "run_spec",
    "system_row",
]
