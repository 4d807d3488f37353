"""Raw webhook archives through igbot.models.parse_webhook."""

from __future__ import annotations

import json
from pathlib import Path

from igbot.analytics import load, summary

ACC, P = "17841400000000001", "6251234567890123"
INBOX = "1217981644879628"


def _body(*items: dict, changes: list | None = None) -> str:
    entry: dict = {"id": ACC, "time": 1, "messaging": list(items)}
    if changes:
        entry["changes"] = changes
    return json.dumps({"object": "instagram", "entry": [entry]})


def _in(ts: int, **what: object) -> dict:
    return {"sender": {"id": P}, "recipient": {"id": ACC}, "timestamp": ts, **what}


def _echo(ts: int, mid: str, text: str, app: str | None = None) -> dict:
    msg = {"mid": mid, "text": text, "is_echo": True, **({"app_id": app} if app else {})}
    return {"sender": {"id": ACC}, "recipient": {"id": P}, "timestamp": ts, "message": msg}


def test_archive_into_frame(tmp_path: Path) -> None:
    t = 1714989600000
    story = _in(t, message={"mid": "m1", "text": "love it",
                            "reply_to": {"story": {"url": "https://x", "id": "3456"}}})
    lines = [
        _body(story),
        _body(story),  # Meta delivered it twice
        _body(_echo(t + 1000, "e1", "thanks!")),
        _body(_in(t + 5000, postback={"mid": "pb1", "title": "Talk to a person",
                                      "payload": '{"type":"ice_breaker","payload":"HUMAN"}'})),
        _body(_in(t + 6000, pass_thread_control={"new_owner_app_id": INBOX})),
        _body(_echo(t + 600000, "e2", "Hi, Rina here")),  # while the inbox owns the thread
        _body(_in(t + 700000, pass_thread_control={"new_owner_app_id": "999"})),
        _body(_echo(t + 800000, "e3", "bot again")),
        _body(changes=[{"field": "comments", "value": {
            "id": "c1", "from": {"id": "777", "username": "z"}, "text": "price?",
            "media": {"id": "1", "media_product_type": "FEED"}}}]),
        "not json at all",
        json.dumps({"object": "instagram", "entry": [{"id": ACC, "time": 1, "messaging": [
            {"recipient": {"id": ACC}, "timestamp": t}]}]}),  # no sender
    ]
    path = tmp_path / "hooks.jsonl"
    path.write_text("\n".join(lines) + "\n")
    df = load(path)
    person = df[df["conversation_id"] == P].reset_index(drop=True)
    assert person["kind"].tolist() == ["story_reply", "text", "postback", "handover", "text",
                                       "resolve", "text"]
    assert person["role"].tolist() == ["user", "bot", "user", "system", "agent", "system",
                                       "bot"]
    assert person.loc[0, "text"] == "love it"
    assert "3456" in person.loc[0, "payload"] and "https" not in person.loc[0, "payload"]
    assert json.loads(person.loc[2, "payload"])["type"] == "ice_breaker"
    comment = df[df["conversation_id"] == "777"]
    assert comment["kind"].tolist() == ["comment"] and comment["text"].tolist() == ["price?"]
    assert set(df["source"]) == {"webhook"}
    assert df.attrs["skipped"] == 2
    assert [p["line"] for p in df.attrs["problems"]] == [10, 11]
    s = summary(df)
    assert s["triggers"]["ice_breaker"] == 0  # the story reply opened the session
    assert s["triggers"]["story_reply"] == 1 and s["triggers"]["comment"] == 1
    assert s["median_agent_first_response_s"] == 594.0


def test_committed_sample_matches_the_log(samples: Path) -> None:
    hooks, log = load(samples / "webhooks.jsonl"), load(samples / "igbot_log.jsonl")
    assert hooks.attrs["skipped"] == 0
    a, b = summary(hooks), summary(log)
    for key in ("sessions", "conversations", "handover_rate", "triggers", "messages_in"):
        assert a[key] == b[key], key
