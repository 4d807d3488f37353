"""Every plot returns a matplotlib Figure (and draws nothing on screen)."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from igbot.analytics import funnel, hour_of_week, report, response_times
from igbot.analytics._plots import (
    plot_funnel,
    plot_hour_of_week,
    plot_rates,
    plot_response_times,
    plot_trigger_mix,
    plot_volume,
)

from ._cases import small_log


def test_report_figures() -> None:
    figs = report(small_log(), funnel_states=["menu", "end"]).figures()
    assert set(figs) == {"volume", "rates", "triggers", "response_times", "hour_of_week",
                         "funnel"}
    assert all(isinstance(f, Figure) for f in figs.values())
    assert figs["hour_of_week"].axes[0].images[0].get_array().sum() == 8


def test_each_plot_and_empty_inputs() -> None:
    log = small_log()
    assert isinstance(plot_funnel(funnel(log, ["menu", "end"])), Figure)
    assert isinstance(plot_hour_of_week(hour_of_week(log)), Figure)
    bars = plot_response_times(response_times(log)).axes[0].patches
    assert sum(p.get_height() for p in bars) == 6  # six bot responses
    empty = pd.DataFrame({"messages_in": [], "messages_out": []})
    assert isinstance(plot_volume(empty), Figure)
    assert isinstance(plot_rates(pd.DataFrame()), Figure)
    assert isinstance(plot_trigger_mix(pd.DataFrame({"trigger": [], "sessions": []})), Figure)
