"""Traffic: sessions per transition, drop-off and handover per state, sessionising by gap."""

from __future__ import annotations

import pandas as pd
import pytest

from igbot.graph import count_traffic, flow_graph, traffic_graph
from igbot.graph._traffic import add_traffic
from igbot.kataml import Bot

T0 = pd.Timestamp("2024-05-01 10:00", tz="UTC")


def log(rows: list[tuple], sessions: bool = True) -> pd.DataFrame:
    """rows: (conversation, session, minute, direction, kind, flow, state)."""
    df = pd.DataFrame(rows, columns=["conversation_id", "session_id", "minute", "direction",
                                     "kind", "flow", "state"])
    df["timestamp"] = T0 + pd.to_timedelta(df.pop("minute"), unit="min")
    if not sessions:
        df["session_id"] = None
    for col in ("conversation_id", "session_id", "direction", "kind", "flow", "state"):
        df[col] = df[col].astype("category")
    return df


ROWS = [
    # s1: start -> menu -> done (an end state): no drop-off
    ("c1", "s1", 0, "in", "text", "main", "start"),
    ("c1", "s1", 0.1, "out", "text", "main", "start"),
    ("c1", "s1", 1, "in", "text", "main", "menu"),
    ("c1", "s1", 1.1, "out", "text", "main", "menu"),
    ("c1", "s1", 2, "in", "postback", "main", "done"),
    # s2: start, fallback loop on start, menu, handover (no state on that row), drop-off at menu
    ("c2", "s2", 0, "in", "text", "main", "start"),
    ("c2", "s2", 0.1, "out", "text", "main", "start"),
    ("c2", "s2", 1, "in", "text", "main", "start"),
    ("c2", "s2", 2, "in", "text", "main", "menu"),
    ("c2", "s2", 2.1, "system", "handover", None, None),
    # s3: rows out of order in the frame; menu -> cancel (a float), then help/show (not a bot edge)
    ("c3", "s3", 5, "in", "text", "help", "show"),
    ("c3", "s3", 3, "in", "text", "main", "menu"),
    ("c3", "s3", 4, "in", "text", "main", "cancel"),
]


def test_counts() -> None:
    counts = count_traffic(log(ROWS))
    assert counts.sessions == 3
    assert counts.transitions[(("main", "start"), ("main", "menu"))] == (2, 2)
    assert counts.transitions[(("main", "start"), ("main", "start"))] == (1, 1)
    assert counts.transitions[(("main", "menu"), ("main", "done"))] == (1, 1)
    assert counts.transitions[(("main", "menu"), ("main", "cancel"))] == (1, 1)
    assert counts.transitions[(("main", "cancel"), ("help", "show"))] == (1, 1)
    assert len(counts.transitions) == 5  # out rows in the same state are not transitions
    assert counts.visits[("main", "menu")] == 3
    assert counts.entries == {("main", "start"): 2, ("main", "menu"): 1}
    assert counts.last == {("main", "done"): 1, ("main", "menu"): 1, ("help", "show"): 1}
    assert counts.handovers == {("main", "menu"): 1}


def test_on_the_graph(allkinds: Bot) -> None:
    g = add_traffic(flow_graph(allkinds), count_traffic(log(ROWS)))
    assert g.graph["traffic"] is True and g.graph["sessions"] == 3
    edge = g.edges["state:main/start", "state:main/menu", "transition"]
    # s1 and s2 moved start -> menu; s3's first state is menu: it entered main through start
    assert (edge["sessions"], edge["transitions"]) == (3, 3)
    assert g.edges["state:main/menu", "state:main/cancel", "float"]["sessions"] == 1
    assert g.edges["state:main/menu", "flow:help", "command"]["sessions"] == 0
    # cancel -> help/show is another flow taking over: it counts on help's start
    assert g.edges["flow:help", "state:help/show", "start"]["sessions"] == 1
    assert not g.has_edge("state:main/cancel", "state:help/show")
    menu = g.nodes["state:main/menu"]
    assert (menu["sessions"], menu["dropoff"], menu["handovers"]) == (3, 1, 1)
    assert menu["dropoff_rate"] == pytest.approx(1 / 3)
    assert g.nodes["state:main/done"]["dropoff"] == 0  # an end state never drops off
    assert g.nodes["state:help/show"]["dropoff"] == 0  # also an end state
    assert g.nodes["state:main/start"]["entries"] == 2


def test_collapsed_floats_take_the_float_traffic(allkinds: Bot) -> None:
    fg = traffic_graph(allkinds, log(ROWS))
    assert fg.nx.edges["any:main", "state:main/cancel", "float"]["sessions"] == 1
    assert "1 · " in fg.to_mermaid() or "|\"1\"|" in fg.to_mermaid()
    assert "penwidth" in fg.to_dot()


def test_unknown_states_are_counted_as_unmatched(allkinds: Bot) -> None:
    rows = [("c9", "s9", 0, "in", "text", "main", "start"),
            ("c9", "s9", 1, "in", "text", "gone", "nowhere")]
    g = add_traffic(flow_graph(allkinds), count_traffic(log(rows)))
    assert g.graph["unmatched"] == 1


def test_sessionise_by_conversation_and_gap() -> None:
    rows = [
        ("c1", None, 0, "in", "text", "main", "start"),
        ("c1", None, 10, "in", "text", "main", "menu"),
        ("c1", None, 100, "in", "text", "main", "start"),  # 90 min later: a new session
        ("c2", None, 5, "in", "text", "main", "menu"),
    ]
    counts = count_traffic(log(rows, sessions=False))
    assert counts.sessions == 3
    assert counts.transitions == {(("main", "start"), ("main", "menu")): (1, 1)}
    assert count_traffic(log(rows, sessions=False), gap="2h").sessions == 2


def test_plain_object_columns_work() -> None:
    df = log(ROWS)
    for col in ("flow", "state", "session_id", "conversation_id", "kind", "direction"):
        df[col] = df[col].astype(object)
    assert count_traffic(df).transitions == count_traffic(log(ROWS)).transitions


def test_missing_columns_and_empty_frame() -> None:
    with pytest.raises(ValueError, match="state"):
        count_traffic(pd.DataFrame({"conversation_id": [], "timestamp": [], "flow": []}))
    empty = log(ROWS).iloc[:0]
    assert count_traffic(empty).sessions == 0


def test_traffic_drawings_render(allkinds: Bot) -> None:
    fg = traffic_graph(allkinds, log(ROWS))
    svg = fg.to_svg()
    assert "3 sessions" in svg or "traffic" in svg
    assert fg.render("png")[:4] == b"\x89PNG"


def test_traffic_counts_the_sessions_the_report_counts() -> None:
    from pathlib import Path

    from igbot.analytics import load, sessionize
    from igbot.graph import count_traffic

    root = Path(__file__).resolve().parents[2]
    frame = load(root / "data" / "logs" / "igbot_log.jsonl", progress=False)
    without_ids = frame.assign(session_id=None)
    counts_raw = count_traffic(without_ids)
    counts_cut = count_traffic(sessionize(frame))
    assert counts_raw.sessions == counts_cut.sessions == sessionize(frame)["session_id"].nunique()


def test_a_move_the_bot_cannot_make_is_an_observed_edge(allkinds: Bot) -> None:
    rows = [("c1", "s1", 0, "in", "text", "main", "start"),
            ("c1", "s1", 1, "in", "text", "main", "done")]  # no start -> done, nor from the start
    g = add_traffic(flow_graph(allkinds), count_traffic(log(rows)))
    observed = g.edges["state:main/start", "state:main/done", "observed"]
    assert observed["kind"] == "observed" and observed["sessions"] == 1
