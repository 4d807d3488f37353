"""Sessionisation."""

from __future__ import annotations

import pandas as pd
import pytest

from igbot.analytics import MetricParams, sessionize

from ._cases import small_log
from ._data import ev, frame


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
