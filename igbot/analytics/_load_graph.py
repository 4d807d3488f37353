"""Graph API Conversations exports: the paged JSON of ``/<PAGE_ID|me>/conversations``.

A file may hold one page (``{"data": [...], "paging": {...}}``), a JSON list of pages, or one
page per line. The account is the participant present in every conversation (or ``account=``,
an id or a username); each conversation's ``conversation_id`` is the other participant's id.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from igbot._errors import IgbotError
from igbot.analytics._schema import COLUMNS, Problems, build_frame, parse_timestamp_ns

__all__ = ["AccountUnknownError", "graph_object_kind", "load_graph"]

_ATTACHMENT_KIND = (("image_data", "image"), ("video_data", "video"), ("audio_data", "audio"),
                    ("file_url", "file"), ("sticker", "image"))


class AccountUnknownError(IgbotError, ValueError):
    """The export's account (or a DYI export's owner) cannot be told apart: pass it by name."""


def _pages(path: Path, problems: Problems) -> Iterator[tuple[int | None, dict[str, Any]]]:
    text = path.read_text(encoding="utf-8")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        for lineno, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                yield lineno, json.loads(line)
            except json.JSONDecodeError as exc:
                problems.add(str(path), lineno, f"not JSON: {exc.msg}")
        return
    for page in doc if isinstance(doc, list) else [doc]:
        yield None, page


def graph_object_kind(obj: Any) -> str | None:
    """What a single Graph API object is, when it is not a Conversations page: ``"conversation"``
    (``GET /{conversation-id}``: id and participants, no ``data`` list) or ``"message"``
    (``GET /{message-id}``: id, created_time, from); None otherwise."""
    if not isinstance(obj, dict) or "id" not in obj or "data" in obj:
        return None
    if isinstance(obj.get("participants"), dict) or isinstance(obj.get("messages"), dict):
        return "conversation"
    if "created_time" in obj and isinstance(obj.get("from"), dict):
        return "message"
    return None


def _not_a_page(page: Any) -> str:
    single = graph_object_kind(page)
    if single is None:
        return "not a Conversations page (no 'data' list)"
    return (f"a single Graph API {single} object (GET /{{{single}-id}}), not a Conversations page "
            "(GET /{account-id}/conversations?fields=participants,messages{...}); export the "
            "conversations list to load its messages")


def _kind(msg: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    story = msg.get("story")
    if isinstance(story, dict):
        if "mention" in story:
            return "story_mention", {"story_id": (story["mention"] or {}).get("id")}
        if "reply_to" in story:
            return "story_reply", {"story_id": (story["reply_to"] or {}).get("id")}
    attachments = (msg.get("attachments") or {}).get("data") or []
    if attachments and isinstance(attachments[0], dict):
        for key, kind in _ATTACHMENT_KIND:
            if key in attachments[0]:
                return kind, None
        return "file", None
    if (msg.get("shares") or {}).get("data"):
        return "share", None
    if msg.get("is_unsupported"):
        return "unsupported", None
    return "text", None


def _infer_account(convs: dict[str, dict[str, Any]], account: str | None) -> str:
    people: list[dict[str, str]] = []
    for conv in convs.values():
        people.extend(conv["participants"])
    if account is not None:
        for p in people:
            if account in (p.get("id"), p.get("username")):
                return str(p.get("id"))
        raise AccountUnknownError(f"account {account!r} is not a participant of any conversation")
    sets = [{str(p.get("id")) for p in c["participants"]} for c in convs.values()]
    common = set.intersection(*sets) if sets else set()
    if len(common) == 1:
        return common.pop()
    senders = pd.Series([str(m.get("from", {}).get("id")) for c in convs.values()
                         for m in c["messages"]])
    raise AccountUnknownError(
        "cannot tell which participant is the account (present in every conversation: "
        f"{sorted(common) or 'none'}); pass account=<id or username>"
        + (f", e.g. one of {sorted(set(senders))[:4]}" if len(senders) else ""))


def load_graph(paths: Sequence[Path], problems: Problems, account: str | None = None,
               out_role: str = "bot") -> pd.DataFrame:
    """Read Graph API Conversations export pages into the canonical frame.

    Args:
        paths: the page files (all of one export, so the account can be inferred).
        problems: where unreadable pages and messages are reported.
        account: the account's id or username when it cannot be inferred.
        out_role: the role of the account's messages (the export cannot tell bot from agent).
    """
    convs: dict[str, dict[str, Any]] = {}
    for path in paths:
        try:
            pages = list(_pages(path, problems))
        except (OSError, UnicodeDecodeError) as exc:
            problems.add(str(path), None, f"unreadable: {exc}")
            continue
        for lineno, page in pages:
            data = page.get("data") if isinstance(page, dict) else None
            if not isinstance(data, list):
                problems.add(str(path), lineno, _not_a_page(page))
                continue
            for conv in data:
                if not isinstance(conv, dict) or "id" not in conv:
                    problems.add(str(path), lineno, "conversation without an id")
                    continue
                entry = convs.setdefault(str(conv["id"]), {"participants": [], "messages": [],
                                                           "file": str(path), "seen": set()})
                parts = (conv.get("participants") or {}).get("data") or []
                for p in parts:
                    if p not in entry["participants"]:
                        entry["participants"].append(p)
                for msg in (conv.get("messages") or {}).get("data") or []:
                    key = msg.get("id") if isinstance(msg, dict) else None
                    if key is not None and key in entry["seen"]:
                        continue  # overlapping pages
                    entry["seen"].add(key)
                    entry["messages"].append(msg)
    if not convs:
        return build_frame({c: [] for c in COLUMNS})
    acct = _infer_account(convs, account)
    rows: dict[str, list[Any]] = {c: [] for c in COLUMNS}
    for conv_id, conv in convs.items():
        others = [str(p.get("id")) for p in conv["participants"] if str(p.get("id")) != acct]
        person = others[0] if others else conv_id
        for msg in reversed(conv["messages"]):  # newest first in the export
            try:
                if not isinstance(msg, dict):
                    raise ValueError("message is not an object")
                ts = parse_timestamp_ns(msg["created_time"])
                sender = str((msg.get("from") or {}).get("id"))
                kind, payload = _kind(msg)
            except (KeyError, ValueError, TypeError, AttributeError) as exc:
                problems.add(conv["file"], None, f"conversation {conv_id}: bad message ({exc})")
                continue
            out = sender == acct
            values = {"conversation_id": person, "timestamp": ts,
                      "direction": "out" if out else "in", "role": out_role if out else "user",
                      "kind": kind, "text": msg.get("message") or None,
                      "payload": json.dumps(payload) if payload else None,
                      "mid": msg.get("id"), "source": "graph"}
            for c in COLUMNS:
                rows[c].append(values.get(c))
    return build_frame(rows)
