"""Volume, hour of week, new vs returning, rates over time, window health."""

from __future__ import annotations

from igbot.analytics import (
    hour_of_week,
    new_vs_returning,
    rates_over_time,
    volume,
    window_health,
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


def test_rates_and_window_health() -> None:
    rates = rates_over_time(small_log())
    assert rates["sessions"].tolist() == [5]
    assert rates["handover_rate"].tolist() == [0.2]
    assert window_health(small_log()) == {"refused_replies": 1, "refused_outside_window": 1,
                                          "human_agent_tag_messages": 1,
                                          "human_agent_tag_share": 1.0}
