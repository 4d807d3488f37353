"""Sessions with their outcomes, flows, states and moves; selection by what a view clicked."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import igbot.analytics as ia
from igbot.analytics._session_index import OUTCOMES, SessionIndex, UnknownSelectionError

from ._cases import small_log


@pytest.fixture
def index() -> SessionIndex:
    return SessionIndex(small_log())


def test_outcomes_are_the_metric_definitions(index: SessionIndex) -> None:
    s = index.sessions.set_index("session_id")
    table = ia.session_table(small_log()).set_index("session_id")
    for flag, column in [("contained", "contained"), ("handover", "handover"),
                         ("fallback", "has_fallback"), ("abandoned", "abandoned")]:
        assert (s[flag].to_numpy() == table.loc[s.index, column].to_numpy()).all(), flag
    assert s.loc["a#0", "outcome"] == "handover, fallback"
    assert s.loc["b#0", "outcome"] == "contained, ended"  # its last state is the end state
    assert s.loc["c#0", "outcome"] == "contained, abandoned"
    assert s.loc["c#1", "outcome"] == "open"
    summary = ia.summary(small_log())
    assert s["handover"].mean() == pytest.approx(summary["handover_rate"])
    assert s["contained"].mean() == pytest.approx(summary["containment_rate"])


def test_flow_first_intent_and_paths(index: SessionIndex) -> None:
    s = index.sessions.set_index("session_id")
    assert s.loc["a#0", "flow"] == "greeting"
    assert s.loc["a#0", "flows"] == "greeting, fallback"
    assert s.loc["a#0", "first_intent"] == "greet"
    assert pd.isna(s.loc["b#0", "first_intent"])
    moves = index.edges[["source", "dest"]].apply(tuple, axis=1).tolist()
    assert moves == [("init", "menu"), ("menu", "misunderstood")]


def ids(index: SessionIndex, mask: np.ndarray) -> list[str]:
    return sorted(index.sessions["session_id"][mask])


def test_select_by_each_filter(index: SessionIndex) -> None:
    assert ids(index, index.select(flow="fallback")) == ["a#0"]
    assert ids(index, index.select(state="menu")) == ["a#0", "a#1", "c#0"]
    assert ids(index, index.select(flow="greeting", state="menu")) == ["a#0"]
    assert ids(index, index.select(edge=("menu", "misunderstood"))) == ["a#0"]
    assert ids(index, index.select(outcome="contained")) == ["a#1", "b#0", "c#0"]
    assert ids(index, index.select(outcome="open")) == ["c#1"]
    assert ids(index, index.select(intent="greet")) == ["a#0"]
    assert ids(index, index.select(start="2024-05-06T11:00:00Z")) == ["a#1", "c#1"]
    assert ids(index, index.select(end="2024-05-06T11:00:00Z")) == ["a#0", "b#0", "c#0"]
    assert ids(index, index.select(state="menu", outcome="contained")) == ["a#1", "c#0"]
    assert set(OUTCOMES) <= set(index.sessions.columns)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"flow": "nope"}, "no flow 'nope' in the log; flows: fallback, greeting"),
    ({"state": "nope"}, "no state 'nope' in the log"),
    ({"flow": "greeting", "state": "misunderstood"}, "no state 'misunderstood' of flow 'greeting'"),
    ({"edge": ("menu", "nope")}, "no state 'nope' in the log (edge menu -> nope)"),
    ({"edge": ("menu",)}, "edge wants (from_state, to_state)"),
    ({"outcome": "won"}, "no outcome 'won'; outcomes: contained, handover"),
])
def test_unknown_names_are_one_clear_error(index: SessionIndex, kwargs: dict, message: str) -> None:
    with pytest.raises(UnknownSelectionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        index.select(**kwargs)


def test_session_events(index: SessionIndex) -> None:
    events = index.session_events("c#0")
    assert events["kind"].astype(str).tolist() == ["referral", "text", "quick_replies"]
    with pytest.raises(UnknownSelectionError, match="no session 'zz#0'"):
        index.session_events("zz#0")


def test_empty_log() -> None:
    index = SessionIndex(small_log().iloc[:0])
    assert len(index.sessions) == 0
    assert index.select(outcome="handover").shape == (0,)
