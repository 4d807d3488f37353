"""Replaying logs through the shop bot: messages, sessions, outcomes, processes, api answers."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

import igbot
from igbot.kataml import load_bot_text
from igbot.replay import ReplayResult, replay
from igbot.replay._replay import prepare_sessions

from .conftest import LOGS, event, frame, shop_rows


def test_each_message_gets_a_row_and_sessions_are_cut(shop):
    log = frame(shop_rows(12, seed=3))
    result = replay(shop, log, progress=False)
    assert isinstance(result, ReplayResult)
    incoming = int((log["direction"] == "in").sum())
    assert len(result.messages) == incoming
    # no session_id in the log: sessionised with the 30 min gap -> two sessions per person
    assert sorted(result.sessions["session_id"])[:2] == ["p0#0", "p0#1"]
    assert len(result.sessions) == 12
    assert result.sessions["messages"].sum() == incoming
    assert (result.messages.groupby("session_id")["index"].min() == 0).all()


def test_what_the_bot_did(shop):
    rows = [event("a", 0, "text", "hello"),
            event("a", 10, "quick_reply", "Promos", '{"payload":"{\\"type\\":\\"menu\\",\\"topic\\":\\"promo\\"}"}'),
            event("a", 20, "postback", "Claim B1G1", '{"type":"promo_pick","item":"b1g1","code":"SENJA-B1G1"}'),
            event("a", 25, "reaction", "❤", '{"reaction":"love"}'),
            event("b", 0, "text", "asdf"), event("b", 5, "text", "qwer"), event("b", 9, "text", "zxcv"),
            event("b", 12, "text", "talk to someone")]
    result = replay(shop, frame(rows), progress=False)
    a = result.session("a#0")
    assert a["state"].tolist() == ["welcome", "show", "claimed"]
    assert a["intent"].tolist() == ["hello", "promoTap", "pick"]
    assert "SENJA-B1G1" in a["reply"].iloc[2]
    assert a["reply"].iloc[1].startswith("[carousel] Buy 1 Get 1")
    b = result.session("b#0")
    assert b["is_fallback"].tolist() == [True, True, True, False]
    assert b["state"].tolist() == ["sorry", "sorry", "offerAgent", "toAgent"]
    assert b["handover"].tolist() == [False, False, False, True]
    sessions = result.sessions.set_index("session_id")
    assert sessions.loc["a#0", "end_reached"] and not sessions.loc["a#0", "handover"]
    assert sessions.loc["b#0", "handover"] and sessions.loc["b#0", "handover_index"] == 3
    assert sessions.loc["b#0", "fallbacks"] == 3 and sessions.loc["b#0", "last_flow"] == "handover"
    summary = result.summary()
    assert summary["messages"] == 7 and summary["fallback_messages"] == 3 and summary["handovers"] == 1


def test_after_a_handover_the_bot_is_silent_until_resolve(shop):
    rows = [event("c", 0, "text", "agent"), event("c", 30, "text", "hello?"),
            event("c", 60, "resolve", None, None, "out", "system"),
            event("c", 90, "text", "hello")]
    m = replay(shop, frame(rows), progress=False).messages
    assert m["agent_owned"].tolist() == [False, True, False]
    assert m["replies"].tolist()[1] == 0
    assert m["state"].tolist()[2] == "welcome"


def test_logged_session_ids_are_kept(shop):
    rows = shop_rows(4, with_ids=True)
    for r in rows:
        r["session_id"] = "same"
    result = replay(shop, frame(rows), progress=False)
    assert result.sessions["session_id"].tolist() == ["same"]


def test_paths_and_sample_logs_agree_across_formats(shop):
    if not (LOGS / "igbot_log.jsonl").exists():
        pytest.skip("sample logs not generated")
    a = replay(shop, LOGS / "igbot_log.jsonl", progress=False)
    b = replay(shop, [LOGS / "webhooks.jsonl"], progress=False)
    assert len(a.messages) > 50
    cols = ["session_id", "index", "flow", "state", "intent", "reply"]
    pd.testing.assert_frame_equal(a.messages[cols].astype(str), b.messages[cols].astype(str))


def test_processes_give_the_same_answers(shop):
    log = frame(shop_rows(40, seed=5))
    serial = replay(shop, log, workers=1, progress=False)
    parallel = replay(shop, log, workers=2, chunk_size=7, progress=False)
    pd.testing.assert_frame_equal(serial.messages, parallel.messages)
    pd.testing.assert_frame_equal(serial.sessions, parallel.sessions)
    pd.testing.assert_frame_equal(serial.hits, parallel.hits)


API_BOT = textwrap.dedent("""
    schema: kata.ai/schema/kata-ml/1.0
    name: weather
    flows:
      main:
        intents:
          ask: {initial: true, type: text}
        states:
          init:
            initial: true
            transitions: {answer: {fallback: true}}
          answer:
            end: true
            action: [lookup, say]
        actions:
          lookup:
            type: api
            options: {uri: "https://api.example/weather?city=$(content)", method: GET}
          say:
            type: text
            options: {text: "It is $(result.sky)"}
""")


def test_api_actions_answered_by_a_dict_or_a_callable():
    bot = load_bot_text(API_BOT)
    log = frame([event("w", 0, "text", "bandung")])
    by_dict = replay(bot, log, api={"https://api.example/weather": {"sky": "sunny"}}, progress=False)
    assert by_dict.messages["reply"].tolist() == ["It is sunny"]
    seen = []
    by_call = replay(bot, log, api=lambda call: seen.append(call.url) or {"sky": "grey"}, progress=False)
    assert by_call.messages["reply"].tolist() == ["It is grey"]
    assert seen == ["https://api.example/weather?city=bandung"]
    unanswered = replay(bot, log, progress=False)  # no network: result is null
    assert unanswered.messages["reply"].tolist() == ["It is "]


def test_to_dict_and_html(shop):
    result = replay(shop, frame(shop_rows(3)), progress=False)
    out = result.to_dict(messages=True)
    assert set(out) == {"bot", "summary", "sessions", "messages"}
    assert out["summary"]["sessions"] == 3 and len(out["messages"]) == len(result.messages)
    assert isinstance(out["messages"][0]["timestamp"], str)
    assert "<table" in result._repr_html_()


def test_igbot_replay_is_callable_as_package_and_function(shop):
    result = igbot.replay(shop, frame(shop_rows(1)), progress=False)
    assert isinstance(result, ReplayResult)


def test_prepare_sessions_orders_by_time():
    rows = [event("x", 50, "text", "second"), event("x", 10, "text", "first")]
    tasks = prepare_sessions(frame(rows))
    assert [e[2] for e in tasks[0][2]] == ["first", "second"]
    assert prepare_sessions(frame([])) == []
