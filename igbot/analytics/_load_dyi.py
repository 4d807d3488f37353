"""Instagram's "Download your information" export: the folder or the zip.

Every ``messages/inbox/<thread>/message_N.json`` is read (messages are newest first in each
file). Instagram writes every string's UTF-8 bytes as Latin-1 escapes (``\\u00f0\\u009f\\u0098
\\u0080`` for 😀): each string that round-trips (encodes as Latin-1 and decodes as UTF-8) is
repaired, others are left alone. The owner is the participant present in every thread (or
``owner=``); with a single thread, the participant who is not the thread's title. A group chat
(more than two participants) needs the owner named when the export cannot tell; its incoming
rows carry the sender's name in ``payload`` (``{"sender": ...}``). Reactions are read with
either key Instagram has used for who reacted (``actor``, ``reactor``).
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from igbot.analytics._load_graph import AccountUnknownError
from igbot.analytics._schema import COLUMNS, Problems, build_frame

__all__ = ["fix_mojibake", "is_dyi_path", "load_dyi"]

_MESSAGE_FILE = re.compile(r"(?:^|/)messages/inbox/([^/]+)/message_\d+\.json$")
_MENTION = re.compile(
    r"mentioned you in (?:their|his|her) story|mentioned .* in your story|te mencionó en su "
    r"historia|mencionou você|menyebut anda|vous a mentionné", re.IGNORECASE)
_STORY_REPLY = re.compile(
    r"replied to (?:your|their|his|her) story|respondió a tu historia|respondeu ao seu story|"
    r"membalas cerita|a répondu à votre story", re.IGNORECASE)


def fix_mojibake(value: Any) -> Any:
    """Repair Instagram's Latin-1-escaped UTF-8 in a string (recursively in lists and dicts)."""
    if isinstance(value, str):
        try:
            return value.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return value
    if isinstance(value, list):
        return [fix_mojibake(v) for v in value]
    if isinstance(value, dict):
        return {k: fix_mojibake(v) for k, v in value.items()}
    return value


def is_dyi_path(path: Path) -> bool:
    """A zip, or a folder holding ``messages/inbox/*/message_N.json`` files."""
    if path.suffix.lower() == ".zip":
        return True
    return path.is_dir() and any(_MESSAGE_FILE.search(p.as_posix())
                                 for p in path.rglob("message_*.json"))


def _files(path: Path, problems: Problems) -> Iterator[tuple[str, str, bytes]]:
    """(file name for reports, thread name, raw bytes) of each message file."""
    if path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as zf:
                for name in sorted(zf.namelist()):
                    m = _MESSAGE_FILE.search(name)
                    if m:
                        yield f"{path}!{name}", m.group(1), zf.read(name)
        except (zipfile.BadZipFile, OSError) as exc:
            problems.add(str(path), None, f"not a readable zip: {exc}")
        return
    if path.is_file():
        yield str(path), path.parent.name, path.read_bytes()
        return
    for file in sorted(path.rglob("message_*.json")):
        m = _MESSAGE_FILE.search(file.as_posix())
        if m:
            yield str(file), m.group(1), file.read_bytes()


def _kind(msg: dict[str, Any]) -> tuple[str, str | None, dict[str, Any] | None]:
    content = msg.get("content")
    share = msg.get("share") if isinstance(msg.get("share"), dict) else None
    if msg.get("is_unsent"):
        return "deleted", None, None
    if content and _MENTION.search(content):
        return "story_mention", content, None
    if content and _STORY_REPLY.search(content):
        return "story_reply", content, None
    if share:
        link = share.get("link") or ""
        if "/stories/" in link:
            return "story_reply", content or share.get("share_text"), None
        return "share", content or share.get("share_text"), None
    for key, kind in (("photos", "image"), ("videos", "video"), ("audio_files", "audio"),
                      ("gifs", "image"), ("sticker", "image"), ("files", "file")):
        if msg.get(key):
            return kind, content, None
    if "call_duration" in msg:
        return "call", content, {"duration_s": msg.get("call_duration")}
    return "text", content, None


def _infer_owner(threads: dict[str, dict[str, Any]], owner: str | None) -> str:
    if owner is not None:
        if not any(owner in t["participants"] for t in threads.values()):
            named = sorted({p for t in threads.values() for p in t["participants"]})
            raise AccountUnknownError(f"owner {owner!r} is not a participant of any thread "
                                      f"(participants: {named})")
        return owner
    sets = [set(t["participants"]) for t in threads.values()]
    common = set.intersection(*sets) if sets else set()
    if len(common) > 1:
        titled = {t.get("title") for t in threads.values()}
        common -= titled
    if len(common) == 1:
        return common.pop()
    raise AccountUnknownError(
        "cannot tell the export's owner (present in every thread: "
        f"{sorted(common) or 'none'}); pass owner=<name as in the export>")


def load_dyi(paths: Sequence[Path], problems: Problems, owner: str | None = None,
             out_role: str = "bot") -> pd.DataFrame:
    """Read DYI exports (folders, zips or single message files) into the canonical frame."""
    threads: dict[str, dict[str, Any]] = {}
    for path in paths:
        for name, thread, raw in _files(path, problems):
            try:
                doc = fix_mojibake(json.loads(raw.decode("utf-8")))
                if not isinstance(doc, dict) or not isinstance(doc.get("messages"), list):
                    raise ValueError("no 'messages' list")
            except (ValueError, UnicodeDecodeError) as exc:
                problems.add(name, None, f"not a DYI message file: {exc}")
                continue
            entry = threads.setdefault(thread, {"participants": [], "messages": [],
                                                "title": doc.get("title"), "file": name})
            for p in doc.get("participants") or []:
                pname = p.get("name") if isinstance(p, dict) else None
                if pname and pname not in entry["participants"]:
                    entry["participants"].append(pname)
            entry["messages"].extend((name, m) for m in reversed(doc["messages"]))
    if not threads:
        return build_frame({c: [] for c in COLUMNS})
    who = _infer_owner(threads, owner)
    rows: dict[str, list[Any]] = {c: [] for c in COLUMNS}

    def add(**values: Any) -> None:
        for c in COLUMNS:
            rows[c].append(values.get(c))

    for thread, entry in threads.items():
        group = len(entry["participants"]) > 2
        for name, msg in entry["messages"]:
            try:
                ts = int(msg["timestamp_ms"]) * 1_000_000
                sender = msg["sender_name"]
                kind, text, payload = _kind(msg)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                problems.add(name, None, f"thread {thread}: bad message ({exc!r})")
                continue
            out = sender == who
            if group and not out:  # a group chat: say which person spoke
                payload = {**(payload or {}), "sender": sender}
            add(conversation_id=thread, timestamp=ts, direction="out" if out else "in",
                role=out_role if out else "user", kind=kind, text=text,
                payload=json.dumps(payload) if payload else None, source="dyi")
            for reaction in msg.get("reactions") or []:
                if not isinstance(reaction, dict):
                    continue
                when = reaction.get("timestamp")
                rts = ts if not isinstance(when, int) else (
                    when * 1_000_000_000 if when < 100_000_000_000 else when * 1_000_000)
                actor = reaction.get("actor") or reaction.get("reactor")  # both seen in exports
                mine = actor == who
                add(conversation_id=thread, timestamp=max(rts, ts),
                    direction="out" if mine else "in", role=out_role if mine else "user",
                    kind="reaction", text=reaction.get("reaction"),
                    payload=json.dumps({"sender": actor}) if group and not mine and actor else None,
                    source="dyi")
    return build_frame(rows)
