"""Metrics on the hand-built log, each expected value worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from igbot.analytics import load, response_times, session_table, summary, trigger_mix

from ._cases import small_log
from ._data import ev, frame
from ._varied import write_varied


def test_summary_of_the_small_log() -> None:
    s = summary(small_log())
    json.dumps(s)  # JSON-serialisable
    assert s["events"] == 17 and s["conversations"] == 3 and s["sessions"] == 5
    # a#0 has a handover and an agent; only it.
    assert s["handover_rate"] == pytest.approx(1 / 5)
    # the bot replied and no human: a#1, b#0, c#0 (c#1 got no reply at all).
    assert s["containment_rate"] == pytest.approx(3 / 5)
    # incoming messages: a 4, b 1, c 3 (the referral counts) = 8; one answered by fallback.
    assert s["messages_in"] == 8
    assert s["fallback_rate"] == pytest.approx(1 / 8)
    assert s["fallback_session_rate"] == pytest.approx(1 / 5)
    # c#0 ends on the bot at 'menu' and nobody wrote within 30 min; a#1 is still open.
    assert s["abandonment_rate"] == pytest.approx(1 / 5)
    # responses 2, 1, 2 (a#0), 3 (a#1), 4 (b), 2 (c: 1 -> 3); the referral and c#1 unanswered.
    assert s["median_bot_response_s"] == 2.0
    assert s["p90_bot_response_s"] == pytest.approx(3.5)
    assert s["unanswered_messages"] == 2
    assert s["median_agent_first_response_s"] == 599.0  # handover 21 s -> agent 620 s
    assert s["turns_per_session"] == pytest.approx(8 / 5)
    assert s["messages_out"] == 7 and s["agent_messages"] == 1
    assert s["triggers"] == {"story_reply": 1, "story_mention": 0, "comment": 0,
                             "ice_breaker": 1, "ad_referral": 1, "dm": 2, "none": 0}
    assert s["people"] == 3 and s["returning_people"] == 2
    assert s["refused_outside_window"] == 1 and s["human_agent_tag_messages"] == 1
    assert s["human_agent_tag_share"] == 1.0


def test_session_table_rows() -> None:
    t = session_table(small_log()).set_index("session_id")
    assert t["messages_in"].to_dict() == {"a#0": 3, "a#1": 1, "b#0": 1, "c#0": 2, "c#1": 1}
    assert t.loc["a#0", "agent_first_response_s"] == 599.0
    assert t.loc["a#0", "median_bot_response_s"] == 2.0
    assert t["abandoned"].tolist() == [False, False, False, True, False]
    assert t["last_state"].tolist()[:4] == ["misunderstood", "menu", "end", "menu"]
    assert t["returning"].tolist() == [False, True, False, False, True]
    assert t.loc["b#0", "duration_s"] == 100.0


def test_session_table_counts_are_int32() -> None:
    t = session_table(small_log())
    counts = ["events", "messages_in", "messages_out", "bot_messages", "agent_messages",
              "fallback_messages"]
    assert {c: str(t[c].dtype) for c in counts} == dict.fromkeys(counts, "int32")
    assert t["events"].sum() == 17 and t["messages_in"].sum() == 8


def test_session_table_last_state_is_categorical_of_the_logs_states() -> None:
    """``last_state`` is categorical (a byte a session, strings before December 2026): the
    categories are the log's states, NaN where the session reached none."""
    log = small_log()
    t = session_table(log)
    assert isinstance(t["last_state"].dtype, pd.CategoricalDtype)
    assert list(t["last_state"].cat.categories) == list(log["state"].astype("category")
                                                        .cat.categories)
    assert t["last_state"].astype("string").tolist()[:4] == ["misunderstood", "menu", "end",
                                                             "menu"]


def test_parameters_change_the_definitions() -> None:
    log = small_log()
    assert summary(log, end_states=("end", "menu"))["abandonment_rate"] == 0.0
    assert summary(log, agent_roles=(), handover_kinds=())["handover_rate"] == 0.0
    assert summary(log, fallback_flows=(), fallback_intents=("human",))["fallback_messages"] == 2
    assert summary(log, ice_breakers=())["triggers"]["ice_breaker"] == 1
    assert summary(log, gap="3h")["sessions"] == 3


def test_ice_breaker_by_payload_list() -> None:
    from ._data import ev, frame

    log = frame([ev("q", 0, "in", "user", "postback", text="Where are you?",
                    payload={"payload": "LOCATION"}), ev("q", 1, "out", "bot", "text")])
    assert trigger_mix(log)["sessions"].tolist() == [0, 0, 0, 0, 0, 1, 0]
    mix = trigger_mix(log, ice_breakers=("LOCATION",)).set_index("trigger")
    assert mix.loc["ice_breaker", "sessions"] == 1 and mix.loc["ice_breaker", "share"] == 1.0


def test_response_times_table() -> None:
    rt = response_times(small_log())
    bot = rt[rt["measure"] == "bot"]["seconds"].to_numpy()
    assert sorted(bot.tolist()) == [1.0, 2.0, 2.0, 2.0, 3.0, 4.0]
    agent = rt[rt["measure"] == "agent_first"]
    assert agent["seconds"].tolist() == [599.0] and agent["session_id"].tolist() == ["a#0"]


def test_unanswered_handovers_and_repeats() -> None:
    from ._data import ev, frame

    log = frame([ev("h", 0, "in", "user", "text"), ev("h", 1, "out", "system", "handover"),
                 ev("h", 5, "out", "system", "handover"), ev("h", 100, "out", "agent", "text"),
                 ev("k", 0, "in", "user", "text"), ev("k", 1, "out", "system", "handover")])
    s = summary(log)
    assert s["handovers"] == 2 and s["unanswered_handovers"] == 1
    assert s["median_agent_first_response_s"] == 99.0  # the first handover of the wait


def test_empty_frame() -> None:
    s = summary(small_log().iloc[0:0])
    assert s["sessions"] == 0 and s["handover_rate"] is None and s["triggers"] == {}
    assert s["median_bot_response_s"] is None and s["events"] == 0


def test_bot_sets_end_states_fallback_flow_and_ice_breakers() -> None:
    from pathlib import Path

    from igbot.analytics import MetricParams
    from igbot.kataml import load_bot

    bot = load_bot(Path(__file__).resolve().parents[2] / "data" / "bots" / "shop")
    params = MetricParams.make({"bot": bot})
    assert {"claimed", "answer", "toAgent", "sorry"} <= set(params.end_states)
    assert "show" not in params.end_states and params.fallback_flows == ("fallback",)
    assert "What's on promo?" in params.ice_breakers
    assert MetricParams.make({"bot": bot, "end_states": ["x"]}).end_states == ("x",)


def test_strings_are_taken_chunk_by_chunk_in_any_order() -> None:
    import numpy as np
    import pyarrow as pa

    from igbot.analytics._metrics import _arrow_strings

    chunked = pa.chunked_array([["a", None, "c"], ["d"], ["e", "f"]], type=pa.large_string())
    series = pd.Series(pd.arrays.ArrowStringArray(chunked))
    rows = np.array([5, 0, 3, 1, 4])
    assert _arrow_strings(series, rows).to_pylist() == ["f", "a", "d", None, "e"]
    assert _arrow_strings(series, np.array([], dtype=np.int64)).to_pylist() == []
    plain = pd.Series(["x", None, "z"], dtype=object)
    assert _arrow_strings(plain, np.array([2, 1])).to_pylist() == ["z", None]


def _reference_trigger(events: pd.DataFrame, ice_breakers: tuple[str, ...]) -> str:
    """What opened one session, by the definition, in plain Python."""
    from igbot.analytics._schema import NON_MESSAGE_KINDS

    for row in events.itertuples(index=False):
        if row.direction != "in" or row.role != "user" or row.kind in NON_MESSAGE_KINDS:
            continue
        kind = str(row.kind)
        found = {"story_reply": "story_reply", "story_mention": "story_mention",
                 "comment": "comment", "live_comment": "comment",
                 "referral": "ad_referral"}.get(kind, "dm")
        payload = None if pd.isna(row.payload) else row.payload
        text = None if pd.isna(row.text) else row.text
        if found == "dm" and payload and '"referral"' in payload:
            found = "ad_referral"
        if kind == "postback":
            obj = json.loads(payload) if payload and payload.startswith("{") else None
            if (text in ice_breakers or (obj is None and payload in ice_breakers) or (
                    isinstance(obj, dict) and (obj.get("type") == "ice_breaker"
                                               or obj.get("ice_breaker") is True
                                               or obj.get("payload") in ice_breakers
                                               or obj.get("title") in ice_breakers))):
                found = "ice_breaker"
        return found
    return "none"


@pytest.mark.parametrize("seed", range(6))
def test_session_table_matches_plain_python_on_varied_logs(tmp_path: Path, seed: int) -> None:
    from igbot.analytics import sessionize

    df = load(write_varied(tmp_path / "v.jsonl", seed))
    breakers = ("hi",)
    table = session_table(df, ice_breakers=breakers)
    events = sessionize(df)
    groups = {str(k): g for k, g in events.groupby("session_id", observed=True, sort=False)}
    assert table["session_id"].astype(str).tolist() == list(groups)
    for row in table.itertuples(index=False):
        g = groups[str(row.session_id)]
        assert row.trigger == _reference_trigger(g, breakers), row.session_id
        assert row.events == len(g)
        user = (g["direction"] == "in") & (g["role"] == "user") & ~g["kind"].isin(
            ["read", "reaction", "deleted", "message_edit", "echo", "handover", "resolve",
             "request_thread_control", "pass_thread_control", "take_thread_control",
             "refused", "error", "typing", "seen"])
        assert row.messages_in == int(user.sum())
        assert row.start == g["timestamp"].min() and row.end == g["timestamp"].max()


@pytest.mark.parametrize("slice_rows", [5, 1 << 16])
@pytest.mark.parametrize("order", ["random", "sorted", "one a session"])
@pytest.mark.parametrize("seed", range(4))
def test_per_session_median_and_min_are_pandas_groupbys(seed: int, order: str, slice_rows: int,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Random values are sorted first; values already in order (ascending within each
    session, NaN last, or one a session) are read as they are: either way pandas' figures,
    found a slice at a time (5 sessions a slice: every slice bound crossed) or at once."""
    import numpy as np

    from igbot.analytics import MetricParams, _metrics, _sessions, sessionize
    from igbot.analytics._metrics import _per_session, _runs_sorted
    from igbot.analytics._sessions import Prepared

    monkeypatch.setattr(_metrics, "_SLICE", slice_rows)
    monkeypatch.setattr(_sessions, "_SLICE", slice_rows)
    rng = np.random.default_rng(seed)
    times = np.sort(rng.integers(0, 50_000, 400))
    df = frame([ev(f"p{rng.integers(0, 8)}", int(t), str(rng.choice(["in", "out"])), "user",
                   "text") for t in times])
    p = Prepared(sessionize(df), MetricParams())
    rows = np.sort(rng.choice(len(p.df), 250, replace=False))
    session = np.searchsorted(p.starts, rows, side="right") - 1
    if order == "one a session":
        rows = rows[np.r_[True, session[1:] != session[:-1]]]
        session = np.searchsorted(p.starts, rows, side="right") - 1
    values = rng.integers(0, 40, len(rows)).astype(float)  # ties, odd and even runs
    values[rng.random(len(rows)) < 0.2] = np.nan
    if order == "sorted":
        values = values[np.lexsort((values, session))]  # session is ascending already
    assert _runs_sorted(session, values) == (order != "random")
    for how in ("median", "min"):
        expected = np.full(p.n_sessions, np.nan)
        reduced = pd.Series(values).groupby(session).agg(how)
        expected[reduced.index.to_numpy()] = reduced.to_numpy()
        np.testing.assert_array_equal(_per_session(p, rows, values, how), expected)
    empty = np.zeros(0, dtype=np.int64)
    assert np.isnan(_per_session(p, empty, np.zeros(0), "median")).all()


def test_runs_sorted_is_lexsort_order() -> None:
    """NaN sorts last within a key; a key may not go down."""
    import numpy as np

    from igbot.analytics._metrics import _runs_sorted

    nan = np.nan
    keys = np.array([0, 0, 1, 1, 1], dtype=np.int32)
    assert _runs_sorted(keys, np.array([1.0, 2.0, 0.0, nan, nan]))
    assert _runs_sorted(keys, np.array([2.0, nan, 5.0, 5.0, nan]))  # a new key starts low
    assert not _runs_sorted(keys, np.array([nan, 2.0, 0.0, 1.0, 2.0]))  # NaN before a number
    assert not _runs_sorted(keys, np.array([1.0, 2.0, 3.0, 1.0, 4.0]))
    assert not _runs_sorted(np.array([0, 1, 0], dtype=np.int32), np.array([1.0, 2.0, 3.0]))
    assert _runs_sorted(keys[:1], np.array([nan]))


def test_the_reports_last_table_is_response_times_and_frees_the_responses(tmp_path: Path) -> None:
    """A report builds the response-time table last, taking the responses out of the cache
    and dropping the row masks; its tables and summary are the standalone functions' (which
    keep both)."""
    from igbot.analytics import report
    from igbot.analytics._metrics import _response_times, _session_table
    from igbot.analytics._sessions import MetricParams, prepare

    df = load(write_varied(tmp_path / "v.jsonl", 3))
    rep = report(df)
    pd.testing.assert_frame_equal(rep.tables["response_times"], response_times(df),
                                  check_exact=True)
    pd.testing.assert_frame_equal(rep.tables["sessions"], session_table(df), check_exact=True)
    assert rep.summary == summary(df)
    p = prepare(df, MetricParams())
    kept = _response_times(p)
    assert {"answers", "agent_responses"} <= set(p.cache)
    last = _response_times(p, last=True)
    assert not {"answers", "agent_responses"} & set(p.cache)
    pd.testing.assert_frame_equal(kept, last, check_exact=True)
    with pytest.raises(RuntimeError, match="row masks were dropped"):  # nothing is left
        _response_times(p)
    again = prepare(df, MetricParams())
    _session_table(again)  # as in a report: the session table, then sessions by their bounds
    again.drop_row_sessions()
    pd.testing.assert_frame_equal(_response_times(again), kept, check_exact=True)
