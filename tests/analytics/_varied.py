"""Small, varied igbot logs for checking the fast readers and metric kernels against the
careful, line-by-line reference: every timestamp form, payload objects and text, numeric ids,
unknown fields, missing fields, unicode, conversations interleaved out of order."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

_T0_MS = 1_714_989_600_000  # 2024-05-06T10:00:00Z
_KINDS = ("text", "text", "text", "story_reply", "story_mention", "comment", "postback",
          "quick_reply", "image", "referral", "read", "reaction", "handover", "resolve",
          "refused")
_TEXTS = (None, "hi", "café 😍", "berapa harganya?", "", "line\nbreak", "quote \" and \\")


def _timestamp(rng: random.Random, ms: int, form: int) -> Any:
    form = rng.randrange(6) if form == MIXED else form
    seconds, milli = divmod(ms, 1000)
    moment = dt.datetime.fromtimestamp(seconds, tz=dt.UTC).replace(microsecond=milli * 1000)
    if form == 0:
        return ms
    if form == 1:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{milli:03d}Z"
    if form == 2:
        return moment.astimezone(dt.timezone(dt.timedelta(hours=7))).isoformat()
    if form == 3:
        return moment.strftime("%Y-%m-%dT%H:%M:%S") + "+0000"
    if form == 4:
        return moment.replace(tzinfo=None).isoformat()  # naive: UTC
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


MIXED = 6  # timestamp forms: 0 ms, 1 ISO Z with ms, 2 +07:00, 3 +0000, 4 naive, 5 ISO Z us


def varied_records(seed: int, n: int = 120, form: int = MIXED,
                   plain: bool = False) -> list[dict[str, Any]]:
    """``n`` valid log records over a few people, shuffled across conversations, with
    timestamps in one ``form`` (or all of them mixed); ``plain``: ids and payloads always as
    text (what a typed JSON reader takes in one go)."""
    rng = random.Random(seed)
    people = [str(1000 + i) for i in range(rng.randint(2, 7))] + ["zoë", "Ärger", "b", "a"]
    out: list[dict[str, Any]] = []
    clock = {p: _T0_MS + rng.randrange(86_400_000) for p in people}
    for _ in range(n):
        person = rng.choice(people)
        clock[person] += rng.choice((1_000, 20_000, 600_000, 2_400_000, 90_000_000))
        direction = rng.choice(("in", "out"))
        role = "user" if direction == "in" else rng.choice(("bot", "bot", "agent", "system"))
        rec: dict[str, Any] = {
            "conversation_id": int(person) if person.isdigit() and rng.random() < 0.3 and not plain
            else person,
            "timestamp": _timestamp(rng, clock[person], form),
            "direction": direction, "role": role, "kind": rng.choice(_KINDS)}
        if rng.random() < 0.7:
            rec["text"] = rng.choice(_TEXTS)
        if rng.random() < 0.3:
            payload = rng.choice(({"type": "ice_breaker"}, '{"referral":{"ref":"ad"}}',
                                         {"tag": "HUMAN_AGENT"}, {"reason": "outside_window",
                                                                  "subcode": 2534022}, None))
            rec["payload"] = json.dumps(payload) if plain and isinstance(payload, dict) else payload
        for key, values in (("flow", ("main", "fallback", "promo")),
                            ("state", ("menu", "end", "offer")),
                            ("intent", ("ask_price", "fallback", "hello"))):
            if rng.random() < 0.5:
                rec[key] = rng.choice(values)
        if rng.random() < 0.6:
            rec["is_fallback"] = rng.choice((True, False, None))
        if rng.random() < 0.5:
            rec["mid"] = f"m{rng.randrange(10**6)}"
        if rng.random() < 0.2:
            rec["session_id"] = None
        if rng.random() < 0.1 and not plain:
            rec["extra_field"] = {"ignored": True}
        if rng.random() < 0.2:
            rec["source"] = rng.choice(("igbot_log", "server"))
        out.append(rec)
    return out


BAD_LINES = ("{not json", '{"conversation_id": "a", "timestamp": "yesterday", '
             '"direction": "in", "role": "user", "kind": "text"}', "[1, 2]",
             '{"conversation_id": "a", "timestamp": 0, "direction": "up", "role": "user", '
             '"kind": "text"}',
             '{"conversation_id": "a", "timestamp": 0, "direction": "in", "role": "user", '
             '"kind": "text", "text": 5}',
             '{"conversation_id": "a", "timestamp": 0, "direction": "in", "role": "user", '
             '"kind": "text", "is_fallback": "yes"}',
             '{"timestamp": 0, "direction": "in", "role": "user", "kind": "text"}',
             '{"conversation_id": "a", "timestamp": 0, "direction": "in", "role": "user", '
             '"kind": ""}')


def write_varied(path: Path, seed: int, bad: bool = False, form: int = MIXED,
                 plain: bool = False) -> Path:
    """A log file of :func:`varied_records`, with malformed lines among them when ``bad``."""
    rng = random.Random(seed)
    lines = [json.dumps(r, ensure_ascii=rng.random() < 0.5)
             for r in varied_records(seed, form=form, plain=plain)]
    if bad:
        for line in BAD_LINES:
            lines.insert(rng.randrange(len(lines) + 1), line)
        lines.insert(rng.randrange(len(lines)), "")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
