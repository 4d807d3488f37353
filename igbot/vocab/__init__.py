"""The words every floor of igbot shares, defined once: event kinds, Meta's Inbox app ids,
outcome names, and the conversation log's schema with the one function that makes a row.

This package imports nothing of igbot (it is the lowest floor, beside :mod:`igbot.models`).
"""

from igbot.vocab._apps import INBOX_APP_IDS, INSTAGRAM_INBOX_APP_ID, PAGE_INBOX_APP_ID
from igbot.vocab._kinds import (
    COMMENT_KINDS,
    NO_TEXT_KINDS,
    NON_MESSAGE_KINDS,
    NOT_OPENING_KINDS,
    PERSON_KINDS,
    SYSTEM_KINDS,
    THREAD_KINDS,
)
from igbot.vocab._log import (
    DIRECTIONS,
    LOG_FIELDS,
    LOG_SCHEMA,
    LOG_SOURCE,
    ROLES,
    Direction,
    LogRole,
    check_fields,
    dump_row,
    iso_ms,
    log_line,
    log_row,
    timestamp_ns,
)
from igbot.vocab._outcomes import (
    OUTBOX_STATES,
    SEND_OUTCOMES,
    THREAD_CHANGES,
    SendOutcome,
    ThreadChangeKind,
)

__all__ = [
    "COMMENT_KINDS",
    "DIRECTIONS",
    "INBOX_APP_IDS",
    "INSTAGRAM_INBOX_APP_ID",
    "LOG_FIELDS",
    "LOG_SCHEMA",
    "LOG_SOURCE",
    "NON_MESSAGE_KINDS",
    "NOT_OPENING_KINDS",
    "NO_TEXT_KINDS",
    "OUTBOX_STATES",
    "PAGE_INBOX_APP_ID",
    "PERSON_KINDS",
    "ROLES",
    "SEND_OUTCOMES",
    "SYSTEM_KINDS",
    "THREAD_CHANGES",
    "THREAD_KINDS",
    "Direction",
    "LogRole",
    "SendOutcome",
    "ThreadChangeKind",
    "check_fields",
    "dump_row",
    "iso_ms",
    "log_line",
    "log_row",
    "timestamp_ns",
]
