"""Sessionisation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from igbot.analytics import MetricParams, load, sessionize
from igbot.analytics._schema import NON_MESSAGE_KINDS
from igbot.analytics._sessions import Prepared, count_distinct

from ._cases import small_log
from ._data import ev, frame
from ._varied import write_varied


def test_sessions_are_cut_on_the_persons_gap() -> None:
    df = sessionize(small_log())
    assert df.groupby("session_id", observed=True).size().to_dict() == {
        "a#0": 8, "a#1": 2, "b#0": 3, "c#0": 3, "c#1": 1}
    assert isinstance(df["session_id"].dtype, pd.CategoricalDtype)


def test_gap_parameter() -> None:
    assert sessionize(small_log(), gap="3h")["session_id"].nunique() == 3
    # 5 s: a splits at 10 (8 s after the reply at 2) and 20 (9 s after 11) too: 4 + 1 + 2
    assert sessionize(small_log(), gap=5)["session_id"].nunique() == 7
    with pytest.raises(ValueError):
        sessionize(small_log(), gap="-1min")


def test_replies_reads_and_late_agents_never_open_a_session() -> None:
    df = sessionize(frame([
        ev("p", 0, "in", "user", "text"),
        ev("p", 60, "out", "system", "handover"),
        ev("p", 7200, "out", "agent", "text"),  # two hours later
        ev("p", 7800, "in", "user", "text"),  # ten minutes after the agent
        ev("p", 20000, "in", "user", "read"),
        ev("p", 30000, "out", "bot", "text"),
    ]))
    assert df["session_id"].unique().tolist() == ["p#0"]


def test_unsorted_input_is_ordered_stably() -> None:
    rows = [ev("z", 5, "out", "bot", "text", text="second"),
            ev("y", 0, "in", "user", "text"), ev("z", 0, "in", "user", "text", text="first"),
            ev("z", 5, "out", "bot", "text", text="third")]
    df = sessionize(frame(rows))
    assert df["text"].tolist()[1:] == ["first", "second", "third"]


def test_params_reject_unknown_names() -> None:
    with pytest.raises(TypeError, match="gapp"):
        MetricParams.make({"gapp": "1h"})
    assert MetricParams.make({"end_states": "done"}).end_states == ("done",)


def _reference_sessions(df: pd.DataFrame, gap_s: float) -> list[str]:
    """The definition, row by row in plain Python: sorted by conversation (category order) and
    time, a session opens at a conversation's first event and at a person's message more than
    ``gap`` after the previous event."""
    rows = sorted(range(len(df)), key=lambda i: (df["conversation_id"].cat.codes.iloc[i],
                                                 df["timestamp"].iloc[i], i))
    names, last, number = [], {}, {}
    for i in rows:
        conv, ts = str(df["conversation_id"].iloc[i]), df["timestamp"].iloc[i]
        opens = df["direction"].iloc[i] == "in" and df["kind"].iloc[i] not in NON_MESSAGE_KINDS
        if conv not in last:
            number[conv] = 0
        elif opens and (ts - last[conv]).total_seconds() > gap_s:
            number[conv] += 1
        last[conv] = ts
        names.append(f"{conv}#{number[conv]}")
    return names


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("gap_s", [60, 1800, 86_400])
def test_sessionize_matches_the_row_by_row_definition(tmp_path: Path, seed: int,
                                                      gap_s: int) -> None:
    df = load(write_varied(tmp_path / "v.jsonl", seed))
    shuffled = df.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    out = sessionize(shuffled, gap=gap_s)
    assert out["session_id"].astype(str).tolist() == _reference_sessions(shuffled, gap_s)
    assert sorted(out["session_id"].cat.categories) == sorted(set(out["session_id"].astype(str)))


@pytest.mark.parametrize("seed", range(5))
def test_count_distinct_matches_sets(seed: int) -> None:
    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 30))
    groups = rng.integers(0, size, 2_000)
    values = rng.integers(0, int(rng.integers(1, 5_000)), 2_000)
    expected = [len({v for g, v in zip(groups, values, strict=True) if g == k})
                for k in range(size)]
    assert count_distinct(groups, values, size).tolist() == expected
    assert count_distinct(groups[:0], values[:0], size).tolist() == [0] * size


@pytest.mark.parametrize("slice_sessions", [3, 1 << 16])
@pytest.mark.parametrize("seed", range(4))
def test_first_and_last_in_session_match_a_plain_scan(seed: int, slice_sessions: int,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """First and last rows and sums per session, a slice of the sessions at a time (3: every
    slice bound crossed) or at once, equal a plain scan of each session."""
    from igbot.analytics import _sessions

    monkeypatch.setattr(_sessions, "_SLICE", slice_sessions)
    rng = np.random.default_rng(seed)
    n = 300
    times = np.sort(rng.integers(0, 20_000, n))
    df = frame([ev(f"p{rng.integers(0, 6)}", int(t), str(rng.choice(["in", "out"])),
                   "user", "text") for t in times])
    p = Prepared(sessionize(df), MetricParams())
    for density in (0.0, 0.05, 0.5, 1.0):
        mask = rng.random(len(p.df)) < density
        first, last = p.first_in_session(mask), p.last_in_session(mask)
        for s, (lo, hi) in enumerate(zip(p.starts, p.ends, strict=True)):
            hits = np.flatnonzero(mask[lo:hi]) + lo
            assert first[s] == (hits[0] if len(hits) else -1)
            assert last[s] == (hits[-1] if len(hits) else -1)
        sums = p.per_session(mask)
        assert sums.dtype == p.count_dtype
        assert sums.tolist() == [int(mask[lo:hi].sum()) for lo, hi in zip(p.starts, p.ends,
                                                                          strict=True)]


@pytest.mark.parametrize("seed", range(3))
def test_the_row_masks_kept_as_bits_are_their_definitions(tmp_path: Path, seed: int) -> None:
    """The six masks live as bits of one byte a row; each reads back as its definition."""
    df = sessionize(load(write_varied(tmp_path / "v.jsonl", seed)))
    params = MetricParams(agent_roles=("agent", "system"), fallback_intents=("none",))
    p = Prepared(df, params)
    assert p.flags.dtype == np.uint8 and p.flags.shape == (len(df),)
    assert p.starts.dtype == np.int32 and p.ends.dtype == np.int32
    message = ~df["kind"].isin(NON_MESSAGE_KINDS).to_numpy()
    out = (df["direction"] == "out").to_numpy()
    agent = message & out & df["role"].isin(params.agent_roles).to_numpy()
    expected = {
        "message": message,
        "user_msg": message & ~out & (df["role"] == "user").to_numpy(),
        "agent_msg": agent,
        "bot_msg": message & out & (df["role"] == "bot").to_numpy() & ~agent,
        "handover": df["kind"].isin(params.handover_kinds).to_numpy(),
        "fallback": df["is_fallback"].fillna(False).to_numpy(dtype=bool)
        | df["flow"].isin(params.fallback_flows).to_numpy()
        | df["intent"].isin(params.fallback_intents).to_numpy(),
    }
    assert any(v.any() for v in expected.values())
    for name, mask in expected.items():
        got = getattr(p, name)
        assert got.dtype == bool
        np.testing.assert_array_equal(got, mask, err_msg=name)
        assert got.view(np.uint8).max(initial=0) <= 1  # a true boolean array, 0 or 1 a byte


@pytest.mark.parametrize("slice_rows", [7, 1 << 16])
def test_sessions_by_their_bounds_after_the_rows_ids_are_dropped(
        tmp_path: Path, slice_rows: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """session_at / sessions_where give each row's session position (what ``sess`` tells by
    code); after drop_row_sessions they still do, session_ids are the sessions' ids, and the
    rows' ids are gone from ``sess`` and the frame."""
    from igbot.analytics import _sessions

    monkeypatch.setattr(_sessions, "_SLICE", slice_rows)
    p = Prepared(sessionize(load(write_varied(tmp_path / "v.jsonl", 2))), MetricParams())
    rng = np.random.default_rng(2)
    mask = rng.random(len(p.df)) < 0.4
    position = np.repeat(np.arange(p.n_sessions), p.ends - p.starts)
    ids = p.df["session_id"].iloc[p.starts].to_numpy()
    rows = rng.permutation(len(p.df))[:50]
    assert p.session_at(rows).tolist() == position[rows].tolist()
    assert p.sessions_where(mask).tolist() == position[mask].tolist()
    assert p.sessions_where(mask).dtype == p.count_dtype
    p.drop_row_sessions()
    assert "session_id" not in p.df.columns
    with pytest.raises(RuntimeError, match="dropped"):
        _ = p.sess
    assert p.session_at(rows).tolist() == position[rows].tolist()
    assert p.sessions_where(mask).tolist() == position[mask].tolist()
    assert np.asarray(p.session_ids).tolist() == ids.tolist()


def test_a_mask_kept_as_a_spare_bit_leaves_the_others(tmp_path: Path) -> None:
    """keep_flag stores a later mask in the flags' spare bit (set again: replaced), and the
    six masks read back as before."""
    p = Prepared(sessionize(load(write_varied(tmp_path / "v.jsonl", 1))), MetricParams())
    before = {name: getattr(p, name).copy() for name in ("message", "user_msg", "bot_msg",
                                                         "agent_msg", "handover", "fallback")}
    assert not p.user_fallback.any()
    rng = np.random.default_rng(1)
    for _ in range(2):
        mask = rng.random(len(p.df)) < 0.5
        p.keep_flag("user_fallback", mask)
        np.testing.assert_array_equal(p.user_fallback, mask)
    for name, want in before.items():
        np.testing.assert_array_equal(getattr(p, name), want, err_msg=name)


def test_dropped_row_masks_raise(tmp_path: Path) -> None:
    p = Prepared(sessionize(load(write_varied(tmp_path / "v.jsonl", 1))), MetricParams())
    assert p.user_msg.shape == (len(p.df),)
    p.drop_row_masks()
    assert p.flags.nbytes == 0
    for name in ("message", "user_msg", "bot_msg", "agent_msg", "handover", "fallback",
                 "user_fallback"):
        with pytest.raises(RuntimeError, match="dropped"):
            getattr(p, name)
