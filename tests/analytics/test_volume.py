"""Volume, hour of week, new vs returning, rates over time."""

from __future__ import annotations

from igbot.analytics import (
    hour_of_week,
    new_vs_returning,
    rates_over_time,
    volume,
)

from ._cases import small_log
from ._data import ev, frame


def test_volume_per_day_and_hour() -> None:
    day = volume(small_log())
    assert day.to_dict("records") == [{"messages_in": 8, "messages_out": 7, "sessions": 5,
                                       "people": 3}]
    hours = volume(small_log(), freq="h")
    assert hours["messages_in"].tolist() == [6, 0, 2]  # 10:00, 11:00 (empty), 12:00


def test_hour_of_week_and_time_zone() -> None:
    grid = hour_of_week(small_log())
    assert grid.shape == (7, 24) and grid.loc["Mon", 10] == 6 and grid.loc["Mon", 12] == 2
    assert hour_of_week(small_log(), tz="Asia/Jakarta").loc["Mon", 17] == 6


def test_new_vs_returning_by_day() -> None:
    log = frame([ev("a", 0, "in", "user", "text"), ev("b", 0, "in", "user", "text"),
                 ev("a", 86400, "in", "user", "text"), ev("c", 86400, "in", "user", "text")])
    table = new_vs_returning(log)
    assert table["new"].tolist() == [2, 1] and table["returning"].tolist() == [0, 1]


def test_rates_over_time() -> None:
    rates = rates_over_time(small_log())
    assert rates["sessions"].tolist() == [5]
    assert rates["handover_rate"].tolist() == [0.2]


def test_calendar_periods_weeks_and_months() -> None:
    # Mon 2024-05-06 (t=0 is the log's start in _data), then 8 and 9 days later (the next week)
    log = frame([ev("a", 0, "in", "user", "text"), ev("a", 8 * 86400, "in", "user", "text"),
                 ev("b", 9 * 86400, "in", "user", "text")])
    weeks = volume(log, freq="W")
    assert weeks["messages_in"].tolist() == [1, 2] and weeks["people"].tolist() == [1, 2]
    assert [d.day_name() for d in weeks.index] == ["Monday", "Monday"]
    assert new_vs_returning(log, freq="W")["returning"].tolist() == [0, 1]
    assert rates_over_time(log, freq="W")["sessions"].tolist() == [1, 2]
    assert volume(log, freq="MS")["messages_in"].tolist() == [3]
