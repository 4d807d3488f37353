"""Funnels and intent/state frequencies."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from igbot.analytics import (
    funnel,
    intent_frequencies,
    load,
    sessionize,
    state_frequencies,
    summary,
)

from ._cases import small_log
from ._varied import write_varied


def test_funnel_in_order_with_drop_off() -> None:
    f = funnel(small_log(), ["menu", "end"])
    assert f["sessions"].tolist() == [3, 0]  # menu: a#0, a#1, c#0; none reaches end after
    assert f["drop_off"].tolist() == [0, 3]
    assert f["drop_off_rate"].tolist() == [0.0, 1.0]
    f = funnel(small_log(), ["init", "menu"])
    assert f["sessions"].tolist() == [1, 1] and f["share_of_start"].tolist() == [1.0, 1.0]
    assert funnel(small_log(), ["menu", "init"])["sessions"].tolist() == [3, 0]  # wrong order


def test_funnel_restricted_to_a_flow() -> None:
    assert funnel(small_log(), ["menu"], flow="greeting")["sessions"].tolist() == [1]


def test_intent_and_state_frequencies() -> None:
    i = intent_frequencies(small_log()).set_index("intent")
    assert i["messages"].to_dict() == {"(none)": 6, "greet": 1, "human": 1}
    assert i.loc["(none)", "fallback_share"] == 1 / 6
    s = state_frequencies(small_log())
    menu = s[s["state"] == "menu"]
    assert menu["events"].sum() == 3 and menu["sessions"].sum() == 3


@pytest.mark.parametrize("seed", range(5))
def test_frequencies_match_plain_counts_on_varied_logs(tmp_path: Path, seed: int) -> None:
    events = sessionize(load(write_varied(tmp_path / "v.jsonl", seed)))
    states = state_frequencies(events)
    expected: dict[tuple[str, str], tuple[int, set[str]]] = {}
    for row in events.itertuples(index=False):
        if pd.isna(row.state):
            continue
        key = ("(none)" if pd.isna(row.flow) else str(row.flow), str(row.state))
        count, sessions = expected.get(key, (0, set()))
        expected[key] = (count + 1, sessions | {str(row.session_id)})
    got = {(r.flow, r.state): (r.events, r.sessions) for r in states.itertuples(index=False)}
    assert got == {k: (n, len(s)) for k, (n, s) in expected.items()}
    assert states["events"].is_monotonic_decreasing
    intents = intent_frequencies(events)
    assert intents["messages"].sum() == summary(events)["messages_in"]
    assert intents["sessions"].le(intents["messages"]).all()
