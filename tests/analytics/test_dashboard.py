"""The Dashboard headless: figures with sample sizes and intervals, periods, the previous period,
and widget state after simulated clicks."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pytest

import igbot.analytics as ia
from igbot.analytics._dashboard import RATES, Dashboard
from igbot.kataml import load_bot

from ._cases import small_log
from ._data import ev, frame

SHOP = Path(__file__).resolve().parents[2] / "data" / "bots" / "shop"


def two_weeks() -> Dashboard:
    """Week 1: 4 sessions, 1 handed over; week 2: 2 sessions, both handed over."""
    rows = []
    for day, handed in [(0, False), (1, True), (2, False), (3, False), (7, True), (8, True)]:
        conv, t = f"p{day}", day * 86400
        rows += [ev(conv, t, "in", "user", "text", text="hi", flow="greeting", state="menu"),
                 ev(conv, t + 2, "out", "bot", "text", text="hello", flow="greeting", state="menu")]
        if handed:
            rows += [ev(conv, t + 5, "out", "system", "handover"),
                     ev(conv, t + 5 + 3600 * (day + 1), "out", "agent", "text", text="here")]
    return Dashboard(frame(rows))


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", html))


def test_figures_match_the_summary() -> None:
    board = Dashboard(small_log())
    f, s = board.figures(), ia.summary(small_log())
    assert f["sessions"] == s["sessions"] == 5
    assert f["handover_rate"].value == pytest.approx(s["handover_rate"])
    assert f["containment_rate"].value == pytest.approx(s["containment_rate"])
    assert f["fallback_session_rate"].value == pytest.approx(s["fallback_session_rate"])
    assert f["abandonment_rate"].value == pytest.approx(s["abandonment_rate"])
    assert f["fallback_rate"].value == pytest.approx(s["fallback_rate"])
    assert f["fallback_rate"].trials == s["messages_in"]
    assert f["median_bot_response_s"] == pytest.approx(s["median_bot_response_s"])
    assert f["median_agent_first_response_s"] == pytest.approx(s["median_agent_first_response_s"])


def test_every_rate_has_its_sample_size_and_interval() -> None:
    board = two_weeks()
    tiles = text(board.tiles_html())
    assert "Handed over 50.0% 3 of 6 sessions; 95% CI 18.8%–81.2%" in tiles
    assert "Messages answered by a fallback 0.0% 0 of 6 messages" in tiles
    assert "Agent first response (median) 8.0 h p90 8.8 h; n=3 handovers, 0 unanswered" in tiles
    assert "compared with 2024-04-27 – 2024-05-05 (no sessions then)" in tiles
    assert "points vs" not in tiles  # nothing to compare with: said once, not on every tile


def test_periods_and_integer_ticks() -> None:
    board = two_weeks()
    daily = board.timeline()
    assert len(daily) == 9 and daily["sessions"].sum() == 6  # empty days are shown as 0
    assert daily["handover_rate_n"].tolist() == daily["sessions"].tolist()
    empty_day = daily.iloc[4]
    assert empty_day["sessions"] == 0 and np.isnan(empty_day["handover_rate"])
    board.set(period="week")
    weekly = board.timeline()
    assert weekly["sessions"].tolist() == [4, 2]
    assert [p.start_time.strftime("%a %d") for p in weekly.index] == ["Mon 06", "Mon 13"]
    assert weekly["handover_rate"].tolist() == [0.25, 1.0]
    low, _high = ia.wilson(2, 2)
    assert weekly["handover_rate_low"].iloc[1] == pytest.approx(float(low))
    fig = board.figure()
    counts = fig.axes[0]
    assert all(float(t).is_integer() for t in counts.get_yticks())
    assert counts.get_title() == "Sessions per week"
    assert board.png().startswith(b"\x89PNG")
    board.set(period="month")
    assert board.timeline()["sessions"].tolist() == [6]


def test_previous_period_comparison() -> None:
    board = two_weeks()
    board.set(start="2024-05-13", end="2024-05-19")
    now, before = board.figures(), board.figures(previous=True)
    assert (now["sessions"], before["sessions"]) == (2, 4)
    assert (before["start"], before["end"]) == (dt.date(2024, 5, 6), dt.date(2024, 5, 12))
    tiles = text(board.tiles_html())
    assert "compared with 2024-05-06 – 2024-05-12" in tiles
    assert "-2 vs 4 (-50%)" in tiles
    assert "+75.0 points vs 25.0% (n=4)" in tiles          # handover 2/2 vs 1/4
    board.set(compare=False)
    assert "compared with" not in board.tiles_html()


def test_filters_by_flow_and_outcome() -> None:
    board = Dashboard(small_log())
    board.set(outcome="contained")
    assert board.figures()["sessions"] == 3
    assert board.figures()["containment_rate"].value == 1.0
    board.set(outcome=None, flow="fallback")
    assert board.figures()["sessions"] == 1
    with pytest.raises(ia.UnknownSelectionError, match="no flow 'nope'"):
        board.set(flow="nope")
    with pytest.raises(ia.UnknownSelectionError, match="no period 'year'"):
        board.set(period="year")
    with pytest.raises(ia.UnknownSelectionError, match="before start"):
        board.set(start="2024-05-10", end="2024-05-01")
    assert board.flow == "fallback"  # a refused change leaves the dashboard as it was


def test_widget_clicks_update_tiles_and_plot() -> None:
    board = two_weeks()
    first_plot = board.plot.value
    assert "6 of 6 sessions" not in board.tiles.value
    board.period_choice.value = "week"                       # a person clicks "week"
    assert board.period == "week" and board.plot.value != first_plot
    board.start_picker.value = dt.date(2024, 5, 13)          # ... picks a start day
    assert "2 of 2 sessions" in text(board.tiles.value)
    board.compare_box.value = False
    assert "compared with" not in board.tiles.value
    board.end_picker.value = dt.date(2024, 5, 1)             # ... an end before the start
    assert "before start" in board.message.value
    assert board.end == dt.date(2024, 5, 14)
    board.end_picker.value = dt.date(2024, 5, 20)
    assert board.message.value == ""
    board.outcome_choice.value = "handover"
    assert board.outcome == "handover" and board.figures()["sessions"] == 2


def test_sample_log_with_the_shop_bot(samples: Path) -> None:
    bot = load_bot(SHOP)
    board = ia.Dashboard(samples / "igbot_log.jsonl", bot=bot)
    summary = ia.summary(ia.load(samples / "igbot_log.jsonl"), bot=bot)
    assert board.figures()["sessions"] == summary["sessions"]
    assert set(RATES) <= set(board.figures())
    html = board.to_html()
    assert "data:image/png;base64," in html and "95% CI" in html
    assert "Dashboard" in repr(board)


def test_a_linked_explorer_lists_the_sessions_shown() -> None:
    board = two_weeks()
    explorer = board.explorer()
    assert explorer.index is board.index and len(explorer.shown) == 6
    board.set(start="2024-05-13", end="2024-05-19")
    assert len(explorer.shown) == 2 and explorer.start_filter.value == dt.date(2024, 5, 13)
    board.outcome_choice.value = "handover"                 # a click on the dashboard ...
    assert explorer.outcome_filter.value == "handover"      # ... moves the explorer
    assert sorted(explorer.shown["session_id"]) == ["p7#0", "p8#0"]
    other = board.link(ia.Explorer(small_log()))            # any explorer can follow
    assert other.filters["outcome"] == "handover"


def test_days_are_counted_in_the_time_zone() -> None:
    log = frame([ev("a", 10 * 3600, "in", "user", "text", text="hi"),      # 20:00 UTC, 6 May
                 ev("a", 10 * 3600 + 2, "out", "bot", "text", text="hello")])
    assert Dashboard(log).timeline().index[0].start_time.day == 6
    jakarta = Dashboard(log, tz="Asia/Jakarta")                              # 03:00 WIB, 7 May
    assert jakarta.timeline().index[0].start_time.day == 7
    assert jakarta.start == dt.date(2024, 5, 7)
    assert jakarta.figures()["sessions"] == 1


def test_an_empty_log_shows_empty_tiles() -> None:
    board = Dashboard(small_log().iloc[:0])
    assert board.figures()["sessions"] == 0 and board.figures()["handover_rate"].value is None
    assert board.timeline().empty
    assert "no sessions" in " ".join(t.get_text() for t in board.figure().axes[0].texts)
    assert "Sessions" in board.tiles_html()
