"""Raw webhook archives: one delivered body per line, read with :func:`igbot.models.parse_webhook`.

Repeated deliveries are dropped (each event's ``dedupe_key``). Echoes are the account's own
messages: an agent's when the echo names an inbox app (``app_id``) or while an agent inbox owns
the thread (after ``take_thread_control``, or a ``pass_thread_control`` to an inbox app, until
the thread is passed back), otherwise the bot's. Items igbot cannot read are reported.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from igbot._errors import WebhookFormatError
from igbot.analytics._schema import COLUMNS, Problems, build_frame, sort_events
from igbot.models import parse_webhook
from igbot.vocab import INBOX_APP_IDS

__all__ = ["INBOX_APP_IDS", "load_webhooks"]

_DROP_KEYS = ("url", "urls")


def _payload(payload: dict[str, Any] | None, kind: str) -> str | None:
    if not payload:
        return None
    clean = {k: v for k, v in payload.items() if k not in _DROP_KEYS and v is not None}
    if "attachments" in clean:
        clean["attachments"] = [{k: v for k, v in a.items() if k != "url"}
                                for a in clean["attachments"] if isinstance(a, dict)]
    if clean.get("type") == kind and len(clean) == 1:
        return None
    return json.dumps(clean, ensure_ascii=False, separators=(",", ":")) or None


def _lines(path: Path, progress: bool | None) -> Iterable[tuple[int, str]]:
    from tqdm.auto import tqdm

    with open(path, encoding="utf-8", errors="replace") as fh:
        yield from enumerate(tqdm(fh, desc=path.name, unit=" bodies",
                                  disable=None if progress is None else not progress,
                                  delay=1.0), start=1)


def load_webhooks(paths: Sequence[Path], problems: Problems,
                  agent_app_ids: Iterable[str] = INBOX_APP_IDS,
                  progress: bool | None = None) -> pd.DataFrame:
    """Read webhook archives (JSON lines of bodies) into the canonical frame."""
    agents = {str(a) for a in agent_app_ids}
    seen: set[str] = set()
    rows: dict[str, list[Any]] = {c: [] for c in COLUMNS}
    echo: list[bool] = []
    for path in paths:
        for lineno, line in _lines(path, progress):
            if not line.strip():
                continue
            try:
                events = parse_webhook(line)
            except WebhookFormatError as exc:
                problems.add(str(path), lineno, f"not a webhook body: {exc}")
                continue
            for event in events:
                if event.kind == "unknown":
                    problems.add(str(path), lineno,
                                 f"unreadable item: {getattr(event, 'reason', '') or 'unknown'}")
                    continue
                key = event.dedupe_key
                if key is not None:
                    if key in seen:
                        continue
                    seen.add(key)
                person = event.person_id
                if person is None or (person == event.account_id and event.kind != "echo"):
                    continue  # the account's own comment, or nobody to talk to
                message = event.to_message()
                kind, direction, role, is_echo = event.kind, "in", "user", False
                if kind == "echo":
                    direction, is_echo = "out", True
                    role = "agent" if getattr(event, "app_id", None) in agents else "bot"
                    atts = getattr(event, "attachments", None) or []
                    kind = atts[0].type if atts and not message.content else "text"
                elif kind in ("take_thread_control", "pass_thread_control",
                              "request_thread_control"):
                    direction, role = "out", "system"
                    if kind == "take_thread_control":
                        kind = "handover"
                    elif kind == "pass_thread_control":
                        kind = ("handover" if getattr(event, "new_owner_app_id", None) in agents
                                else "resolve")
                values = {
                    "conversation_id": person, "timestamp": event.timestamp_ms * 1_000_000,
                    "direction": direction, "role": role, "kind": kind,
                    "text": message.content, "payload": _payload(message.payload, event.kind),
                    "mid": event.mid, "source": "webhook",
                }
                for c in COLUMNS:
                    rows[c].append(values.get(c))
                echo.append(is_echo)
    frame = build_frame(rows)
    frame["_echo"] = echo
    frame = sort_events(frame)
    _agents_while_owned(frame)
    return frame.drop(columns="_echo")


def _agents_while_owned(frame: pd.DataFrame) -> None:
    """Echoes sent while an agent inbox owns the thread are the agent's (in place)."""
    if frame.empty:
        return
    kind = frame["kind"].astype(object)
    owner = pd.Series(np.where(kind == "handover", 1.0, np.where(kind == "resolve", 0.0,
                                                                 np.nan)))
    owned = owner.groupby(frame["conversation_id"].cat.codes.to_numpy()).ffill().fillna(0.0)
    mask = frame["_echo"].to_numpy() & (owned.to_numpy() == 1.0)
    if mask.any():
        frame.loc[mask, "role"] = "agent"
