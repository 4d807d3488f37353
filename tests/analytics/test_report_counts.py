"""The report's counting paths (bincount, sorted pairs, in-place period numbers) against plain
pandas groupbys, on a frame shaped like the benchmark's short one (2-4 events a session, a
handover in some, people coming back on other days), in UTC and another time zone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from igbot.analytics import report, sessionize
from igbot.analytics._schema import build_frame
from igbot.analytics._sessions import count_distinct


def _short_frame(sessions: int = 3000, seed: int = 5) -> pd.DataFrame:
    """``sessions`` (a multiple of 3) short sessions, three a person."""
    rng = np.random.default_rng(seed)
    size = 2 + rng.integers(0, 2, sessions)
    handover = rng.random(sessions) < 0.1
    size = size + 2 * handover
    sess_of = np.repeat(np.arange(sessions), size)
    pos = np.arange(len(sess_of)) - np.repeat(np.cumsum(size) - size, size)
    conv = sess_of // 3  # three sessions a person, days apart
    start = rng.integers(0, 40, sessions) * 86_400 + rng.integers(0, 86_400, sessions)
    start = np.sort(start.reshape(-1, 3), axis=1).ravel()  # a person's sessions in order
    seconds = start[sess_of] + pos * 20
    last = pos == size[sess_of] - 1
    is_handover = handover[sess_of] & (pos == size[sess_of] - 2)
    is_agent = handover[sess_of] & last
    seconds = seconds + 3600 * is_agent  # the agent answers an hour later
    user = (pos % 2 == 0) & ~is_handover & ~is_agent
    role = np.where(user, "user", np.where(is_agent, "agent", np.where(is_handover, "system",
                                                                       "bot")))
    intents = np.array(["ask", "buy", None], dtype=object)
    states = np.array(["menu", "answer", "end"], dtype=object)
    flows = np.array(["main", "fallback"], dtype=object)
    return build_frame({
        "conversation_id": np.char.add("p", conv.astype(str)).astype(object),
        "timestamp": (1_714_000_000 + seconds).astype(np.int64) * 1_000_000_000,
        "direction": np.where(user, "in", "out").astype(object),
        "role": role.astype(object),
        "kind": np.where(is_handover, "handover", "text").astype(object),
        "intent": np.where(user, intents[rng.integers(0, 3, len(pos))], None),
        "flow": np.where(role == "bot", flows[(rng.random(len(pos)) < 0.1).astype(int)], None),
        "state": np.where(role == "bot", states[pos % 3], None),
        "source": np.where(conv % 7 == 0, "csv", "igbot_log").astype(object),
    })


def _small_slices(monkeypatch: pytest.MonkeyPatch, rows: int) -> None:
    """The slice-at-a-time loops of the report a few rows a slice: every slice bound crossed."""
    from igbot.analytics import _metrics, _sessions, _volume

    for module in (_metrics, _sessions, _volume):
        monkeypatch.setattr(module, "_SLICE", rows)


@pytest.mark.parametrize("tz", ["UTC", "Asia/Jakarta"])
@pytest.mark.parametrize("slice_rows", [None, 97])
def test_report_counts_equal_plain_groupbys(tz: str, slice_rows: int | None,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    df = _short_frame()
    if slice_rows:
        _small_slices(monkeypatch, slice_rows)
    rep = report(df, tz=tz)
    sessions = rep.tables["sessions"]
    start = sessions["start"].dt.tz_convert(tz)

    day = start.dt.floor("D")
    rates = rep.tables["rates_daily"]
    expected = sessions.groupby(day.to_numpy()).agg(
        sessions=("session_id", "size"), handover_sessions=("handover", "sum"),
        containment_sessions=("contained", "sum"), fallback_session_sessions=("has_fallback",
                                                                               "sum"))
    assert rates.index.tolist() == expected.index.tolist()
    assert str(rates.index.dtype) == f"datetime64[ns, {tz}]" and rates.index.name == "period"
    for column in expected:
        assert rates[column].tolist() == expected[column].tolist(), column
    assert rates["handover_rate"].tolist() == (expected["handover_sessions"]
                                               / expected["sessions"]).tolist()

    incoming = df[(df["direction"] == "in") & (df["role"] == "user")]["timestamp"]
    local = incoming.dt.tz_convert(tz)
    grid = rep.tables["hour_of_week"]
    counts = pd.crosstab(local.dt.day_of_week, local.dt.hour)
    for weekday, row in counts.iterrows():
        for hour, value in row.items():
            assert grid.iloc[int(weekday), int(hour)] == value
    assert int(grid.to_numpy().sum()) == len(incoming)

    daily = rep.tables["volume_daily"]
    people = sessions.groupby(day.to_numpy())["conversation_id"].nunique()
    assert daily.loc[daily["people"] > 0, "people"].tolist() == people.tolist()
    assert int(daily["sessions"].sum()) == len(sessions)

    first_day = day.groupby(sessions["conversation_id"].to_numpy()).transform("min")
    is_new = (day == first_day).to_numpy()
    nvr = rep.tables["new_vs_returning"]
    new = sessions[is_new].groupby(day[is_new].to_numpy())["conversation_id"].nunique()
    assert nvr.loc[nvr["new"] > 0, "new"].tolist() == new.tolist()
    back = sessions[~is_new].groupby(day[~is_new].to_numpy())["conversation_id"].nunique()
    assert nvr.loc[nvr["returning"] > 0, "returning"].tolist() == back.tolist()

    intents = rep.tables["intents"].set_index("intent")
    user_rows = df[(df["direction"] == "in") & (df["role"] == "user")]
    per_intent = user_rows["intent"].astype(object).fillna("(none)").value_counts()
    assert intents["messages"].to_dict() == per_intent.to_dict()
    rows = sessionize(df)  # each row's session, for the sessions per intent and per state
    asked = rows[(rows["direction"] == "in") & (rows["role"] == "user")]
    per_intent = asked.groupby(asked["intent"].astype(object).fillna("(none)"))[
        "session_id"].nunique()
    assert intents["sessions"].to_dict() == per_intent.to_dict()

    states = rep.tables["states"]
    with_state = df[df["state"].notna()]
    events = with_state.groupby([with_state["flow"].astype(object).fillna("(none)"),
                                 with_state["state"].astype(object)]).size()
    assert {(r.flow, r.state): r.events for r in states.itertuples()} == events.to_dict()
    with_state = rows[rows["state"].notna()]
    visits = with_state.groupby([with_state["flow"].astype(object).fillna("(none)"),
                                 with_state["state"].astype(object)])["session_id"].nunique()
    assert {(r.flow, r.state): r.sessions for r in states.itertuples()} == visits.to_dict()

    assert rep.meta["sources"] == df["source"].value_counts().to_dict()
    assert list(rep.meta["sources"]) == list(df["source"].value_counts().index)


def test_count_distinct_equals_sets() -> None:
    rng = np.random.default_rng(3)
    for _ in range(50):
        size = int(rng.integers(1, 9))
        n = int(rng.integers(1, 200_000 if _ == 0 else 80))
        groups = rng.integers(0, size, n)
        values = rng.integers(0, int(rng.integers(1, 5_000)), n)
        expected = [len(set(values[groups == g].tolist())) for g in range(size)]
        assert count_distinct(groups, values, size).tolist() == expected


@pytest.mark.parametrize("tz", ["UTC", "Asia/Jakarta"])
def test_a_report_a_few_rows_a_slice_is_the_same(tz: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every table and the summary, a slice at a time as usual or 97 rows a slice (every
    slice bound of the medians, session searches, periods and counts crossed): equal."""
    df = _short_frame()
    want = report(df, tz=tz)
    _small_slices(monkeypatch, 97)
    got = report(df, tz=tz)
    assert got.summary == want.summary
    assert list(got.tables) == list(want.tables)
    for name, table in want.tables.items():
        pd.testing.assert_frame_equal(got.tables[name], table, check_exact=True, obj=name)


def test_count_distinct_makes_its_pairs_in_a_fresh_argument() -> None:
    """``overwrite="groups"`` or ``"values"``: the same counts, the pairs made in that array
    when it has their dtype (int32 here), never in the other one."""
    rng = np.random.default_rng(4)
    groups = rng.integers(0, 6, 5_000).astype(np.int32)
    values = rng.integers(0, 300, 5_000).astype(np.int32)
    want = count_distinct(groups, values, 6).tolist()
    for which in ("groups", "values"):
        g, v = groups.copy(), values.copy()
        assert count_distinct(g, v, 6, overwrite=which).tolist() == want
        kept, used = (v, g) if which == "groups" else (g, v)
        assert (kept == (values if which == "groups" else groups)).all()
        assert not (used == (groups if which == "groups" else values)).all()
    narrow = groups.astype(np.int16)  # not the pairs' dtype: copied, left as it was
    assert count_distinct(narrow, values.copy(), 6, overwrite="groups").tolist() == want
    assert (narrow == groups).all()
