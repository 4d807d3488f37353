"""Write simulated conversations in every input format analytics reads.

igbot log (JSON lines), raw webhooks (one body a line, with batched entries and repeated
deliveries), Graph API Conversations export pages, a "Download your information" folder (strings
mis-encoded the way Instagram does) and its zip, and an agent-inbox CSV.
"""

from __future__ import annotations

import csv
import json
import random
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

from igbot.analytics import write_log
from igbot.vocab import INSTAGRAM_INBOX_APP_ID as INBOX_APP_ID

__all__ = ["ACCOUNT", "CSV_COLUMNS", "write_all"]

ACCOUNT = {"id": "17841400000000001", "username": "kopisenja.id", "name": "Kopi Senja Café ☕"}
OUR_APP_ID = "1122334455667788"
CSV_COLUMNS = {"conversation_id": "Contact ID", "timestamp": "Created At", "role": "Sender Type",
               "text": "Message", "agent": "Agent"}
_MS = 1000


def _ms(event: dict[str, Any]) -> int:
    return int(event["timestamp"].timestamp() * _MS)


def _log_records(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in e.items() if not k.startswith("_")} for e in events]


def _item(e: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(``messaging`` or ``changes``, the webhook item) for one event, or None."""
    pid, ts, kind = e["conversation_id"], _ms(e), e["kind"]
    payload = e["payload"] or {}
    base = {"sender": {"id": pid}, "recipient": {"id": ACCOUNT["id"]}, "timestamp": ts}
    if e["direction"] == "in":
        if kind == "comment":
            return "changes", {"field": "comments", "value": {
                "id": payload["comment_id"], "from": {"id": pid,
                                                      "username": e["_person"]["username"]},
                "text": e["text"], "media": {"id": payload["media_id"],
                                            "media_product_type": "FEED"}}}
        if kind == "postback":
            return "messaging", {**base, "postback": {"mid": e["mid"], "title": e["text"],
                                                       "payload": json.dumps(payload)
                                                       if payload.get("type") else
                                                       payload.get("payload")}}
        if kind == "referral":
            return "messaging", {**base, "referral": payload["referral"]}
        if kind == "reaction":
            return "messaging", {**base, "reaction": {"mid": f"aWdf_r{ts}", "action": "react",
                                                      "reaction": "love", "emoji": "❤"}}
        msg: dict[str, Any] = {"mid": e["mid"]}
        if e["text"]:
            msg["text"] = e["text"]
        if kind == "story_reply":
            msg["reply_to"] = {"story": {"url": "https://lookaside.fbsbx.com/ig?asset=1",
                                         "id": payload["story_id"]}}
        elif kind == "story_mention":
            msg["attachments"] = [{"type": "story_mention", "payload": {
                "url": "https://lookaside.fbsbx.com/ig?asset=2"}}]
        elif kind == "quick_reply":
            msg["quick_reply"] = {"payload": payload["payload"]}
        return "messaging", {**base, "message": msg}
    if kind in ("handover", "resolve"):
        owner = INBOX_APP_ID if kind == "handover" else OUR_APP_ID
        return "messaging", {**base, "pass_thread_control": {"new_owner_app_id": owner,
                                                             "metadata": kind}}
    if kind == "refused":
        return None
    app = INBOX_APP_ID if e["role"] == "agent" else OUR_APP_ID
    echo = {"mid": e["mid"], "is_echo": True, "app_id": app}
    if e["text"]:
        echo["text"] = e["text"]
    else:
        echo["attachments"] = [{"type": "template", "payload": {"template_type": "generic"}}]
    return "messaging", {"sender": {"id": ACCOUNT["id"]}, "recipient": {"id": pid},
                         "timestamp": ts, "message": echo}


def write_webhooks(events: list[dict[str, Any]], path: Path, rng: random.Random) -> None:
    """One body a line; some bodies batch two items, some are delivered twice."""
    items = [(e, it) for e in events if (it := _item(e)) is not None]
    with open(path, "w", encoding="utf-8") as out:
        i = 0
        while i < len(items):
            take = 2 if rng.random() < 0.15 and i + 1 < len(items) else 1
            entry: dict[str, Any] = {"id": ACCOUNT["id"], "time": _ms(items[i][0]) + 200}
            for _event, (field, item) in items[i:i + take]:
                entry.setdefault(field, []).append(item)
            line = json.dumps({"object": "instagram", "entry": [entry]}, ensure_ascii=False)
            out.write(line + "\n")
            if rng.random() < 0.03:
                out.write(line + "\n")  # Meta retries deliveries
            i += take


def _by_person(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        if e["role"] != "system" and e["kind"] not in ("refused", "reaction", "referral"):
            groups[e["conversation_id"]].append(e)
    return groups


def write_graph(events: list[dict[str, Any]], folder: Path, per_page: int = 25) -> None:
    """Conversations export pages (``page_001.json``...), messages newest first."""
    folder.mkdir(parents=True, exist_ok=True)
    me = {"username": ACCOUNT["username"], "id": ACCOUNT["id"]}
    convs = []
    for pid, evs in _by_person(events).items():
        person = {"username": evs[0]["_person"]["username"], "id": pid}
        messages = []
        for e in reversed(evs):
            out = e["direction"] == "out"
            m: dict[str, Any] = {
                "id": e["mid"] or f"m_{pid}_{_ms(e)}",
                "created_time": e["timestamp"].strftime("%Y-%m-%dT%H:%M:%S+0000"),
                "from": me if out else person, "to": {"data": [person if out else me]},
                "message": e["text"] or ""}
            if e["kind"] == "story_reply":
                m["story"] = {"reply_to": {"id": e["payload"]["story_id"], "link": "https://"}}
            elif e["kind"] == "story_mention":
                m["story"] = {"mention": {"id": e["payload"]["story_id"], "link": "https://"}}
            elif e["kind"] == "carousel":
                m["attachments"] = {"data": [{"generic_template": {"title": "Kopi"}}]}
            messages.append(m)
        convs.append({"id": f"aWdfZAGI{pid}", "participants": {"data": [person, me]},
                      "messages": {"data": messages}})
    pages = [convs[i:i + per_page] for i in range(0, len(convs), per_page)]
    for n, page in enumerate(pages, start=1):
        nxt = f"https://graph.facebook.com/v21.0/me/conversations?after=c{n}" \
            if n < len(pages) else None
        doc = {"data": page, "paging": {"cursors": {"before": f"c{n - 1}", "after": f"c{n}"},
                                        **({"next": nxt} if nxt else {})}}
        (folder / f"page_{n:03d}.json").write_text(json.dumps(doc, ensure_ascii=False),
                                                   encoding="utf-8")


def _mojibake(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-8").decode("latin-1")
    if isinstance(value, list):
        return [_mojibake(v) for v in value]
    if isinstance(value, dict):
        return {k: _mojibake(v) for k, v in value.items()}
    return value


def write_dyi(events: list[dict[str, Any]], folder: Path, per_file: int = 40) -> Path:
    """A DYI export folder (mis-encoded like Instagram's) and its zip; returns the zip."""
    inbox = folder / "your_instagram_activity" / "messages" / "inbox"
    if folder.exists():
        shutil.rmtree(folder)
    reactions = {e["timestamp"]: e for e in events if e["kind"] == "reaction"}
    for n, (pid, evs) in enumerate(_by_person(events).items()):
        person = evs[0]["_person"]
        thread = f"{person['username'].replace('.', '')}_{1000 + n}"
        msgs = []
        for e in evs:
            name = ACCOUNT["name"] if e["direction"] == "out" else person["name"]
            m: dict[str, Any] = {"sender_name": name, "timestamp_ms": _ms(e),
                                 "is_geoblocked_for_viewer": False}
            if e["kind"] == "story_mention":
                m["content"] = f"{person['name'].split()[0]} mentioned you in their story"
                m["share"] = {"link": "https://www.instagram.com/stories/x/1"}
            elif e["kind"] == "story_reply":
                m["content"] = e["text"]
                m["share"] = {"link": f"https://www.instagram.com/stories/{ACCOUNT['username']}/"
                                      f"{e['payload']['story_id']}"}
            elif e["kind"] == "carousel":
                m["share"] = {"link": "https://www.instagram.com/p/Cxyz/", "share_text": "Kopi"}
            elif e["text"]:
                m["content"] = e["text"]
            msgs.append(m)
        for r in reactions.values():
            if r["conversation_id"] == pid and msgs:
                target = max((m for m in msgs if m["timestamp_ms"] <= _ms(r)),
                             key=lambda m: m["timestamp_ms"], default=msgs[0])
                target["reactions"] = [{"reaction": "❤", "actor": person["name"]}]
        if len(msgs) > 3 and n % 9 == 0:
            msgs[2] = {"sender_name": person["name"], "timestamp_ms": msgs[2]["timestamp_ms"],
                       "is_unsent": True, "is_geoblocked_for_viewer": False}
        msgs.reverse()  # newest first
        chunks = [msgs[i:i + per_file] for i in range(0, len(msgs), per_file)]
        for k, chunk in enumerate(chunks, start=1):
            doc = {"participants": [{"name": person["name"]}, {"name": ACCOUNT["name"]}],
                   "messages": chunk, "title": person["name"], "is_still_participant": True,
                   "thread_path": f"inbox/{thread}", "magic_words": []}
            out_file = inbox / thread / f"message_{k}.json"
            out_file.parent.mkdir(parents=True, exist_ok=True)
            out_file.write_text(json.dumps(_mojibake(doc), ensure_ascii=True),
                              encoding="utf-8")
    archive = shutil.make_archive(str(folder), "zip", root_dir=folder)
    return Path(archive)


def write_csv(events: list[dict[str, Any]], path: Path) -> None:
    """The agent inbox's export: every message of conversations that reached an agent."""
    handed = {e["conversation_id"] for e in events if e["kind"] == "handover"}
    role = {"user": "Customer", "bot": "Bot", "agent": "Agent"}
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Ticket", "Contact ID", "Created At", "Sender Type", "Agent", "Message",
                         "Channel"])
        tickets: dict[str, str] = {}
        for e in events:
            if e["conversation_id"] not in handed or e["role"] == "system" or e["kind"] in (
                    "refused", "reaction", "referral"):
                continue
            ticket = tickets.setdefault(e["conversation_id"], f"T-{5000 + len(tickets)}")
            writer.writerow([ticket, e["conversation_id"],
                             e["timestamp"].strftime("%Y-%m-%d %H:%M:%S"), role[e["role"]],
                             "Rina" if e["role"] == "agent" else "", e["text"] or "",
                             "instagram"])


def write_all(events: list[dict[str, Any]], out: Path, seed: int = 7) -> dict[str, Path]:
    """Every format into ``out``; returns name -> path."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    paths = {"igbot_log": out / "igbot_log.jsonl", "webhooks": out / "webhooks.jsonl",
             "graph": out / "graph", "dyi": out / "dyi_export", "csv": out / "agent_inbox.csv"}
    write_log(_log_records(events), paths["igbot_log"])
    write_webhooks(events, paths["webhooks"], rng)
    if paths["graph"].exists():
        shutil.rmtree(paths["graph"])
    write_graph(events, paths["graph"])
    paths["dyi_zip"] = write_dyi(events, paths["dyi"])
    write_csv(events, paths["csv"])
    return paths
