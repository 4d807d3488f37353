"""Plots of a report's tables (matplotlib, Agg-safe): each returns a Figure, never shows it.

They draw from the DataFrames the metrics return, so they can be called on any of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "plot_funnel",
    "plot_hour_of_week",
    "plot_rates",
    "plot_response_times",
    "plot_trigger_mix",
    "plot_volume",
]


def _figure(width: float = 7.0, height: float = 3.2) -> tuple[Figure, Any]:
    from igbot._figure import NotebookFigure  # a matplotlib Figure: matplotlib loads on drawing

    fig = NotebookFigure(figsize=(width, height), layout="constrained")
    return fig, fig.add_subplot()


def _empty(ax: Any, what: str) -> None:
    ax.text(0.5, 0.5, f"no {what}", ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()


def plot_volume(volume: pd.DataFrame) -> Figure:
    """Messages in and out per period (from :func:`volume`)."""
    fig, ax = _figure()
    if volume.empty:
        _empty(ax, "messages")
        return fig
    x = volume.index.tz_localize(None) if getattr(volume.index, "tz", None) else volume.index
    ax.plot(x, volume["messages_in"], label="in (people)", marker=".")
    ax.plot(x, volume["messages_out"], label="out (bot + agents)", marker=".")
    ax.set_title("Messages per day")
    ax.set_ylabel("messages")
    _integer_ticks(ax.yaxis)
    ax.legend(loc="upper left")
    fig.autofmt_xdate()
    return fig


def _integer_ticks(axis: Any) -> None:
    """Counts get whole-number ticks (no 0.5 sessions)."""
    from matplotlib.ticker import MaxNLocator  # matplotlib loads on drawing, as in _figure above

    axis.set_major_locator(MaxNLocator(integer=True))


def plot_rates(rates: pd.DataFrame) -> Figure:
    """Handover and containment rate per period of session start (from :func:`rates_over_time`),
    each with its 95% Wilson interval as a band, over the sessions of the period as grey bars
    (a day of 2 sessions has a wide band, not a swing to 0 or 100%)."""
    fig, ax = _figure()
    if rates.empty:
        _empty(ax, "sessions")
        return fig
    x = rates.index.tz_localize(None) if getattr(rates.index, "tz", None) else rates.index
    bars = ax.twinx()
    width = 0.8 if len(x) < 2 else 0.8 * float(np.min(np.diff(x.to_numpy())) / np.timedelta64(1, "D"))
    bars.bar(x, rates["sessions"], color="#dbdbdb", label="sessions (right axis)", width=width,
             zorder=0)
    bars.set_ylabel("sessions")
    _integer_ticks(bars.yaxis)
    ax.set_zorder(bars.get_zorder() + 1)
    ax.patch.set_visible(False)
    for name, label, color in (("containment", "containment", "#1f77b4"),
                               ("handover", "handover", "#d62728")):
        ax.plot(x, rates[f"{name}_rate"] * 100, label=label, marker=".", color=color)
        if f"{name}_low" in rates:
            ax.fill_between(x, rates[f"{name}_low"] * 100, rates[f"{name}_high"] * 100,
                            color=color, alpha=0.15, linewidth=0)
    ax.set_ylim(0, 100)
    ax.set_ylabel("% of sessions")
    ax.set_title("Handover and containment per day, with 95% intervals")
    handles, labels = ax.get_legend_handles_labels()
    more, more_labels = bars.get_legend_handles_labels()
    ax.legend(handles + more, labels + more_labels, loc="upper left", fontsize="small")
    fig.autofmt_xdate()
    return fig


def plot_trigger_mix(triggers: pd.DataFrame) -> Figure:
    """Sessions by what opened them (from :func:`trigger_mix`)."""
    fig, ax = _figure(6, 3)
    data = triggers[triggers["sessions"] > 0]
    if data.empty:
        _empty(ax, "sessions")
        return fig
    ax.barh(data["trigger"][::-1], data["sessions"][::-1], color="#c13584")
    ax.set_xlabel("sessions")
    _integer_ticks(ax.xaxis)
    ax.set_title("What opened the session")
    return fig


def _time_unit(values: np.ndarray) -> tuple[str, float]:
    """The unit a person reads for these durations in seconds: seconds, minutes or hours."""
    median = float(np.median(values))
    if median < 120:
        return "seconds", 1.0
    if median < 3 * 3600:
        return "minutes", 60.0
    return "hours", 3600.0


def plot_response_times(times: pd.DataFrame) -> Figure:
    """Distributions of bot and agent first response times (from :func:`response_times`), each
    in the unit that suits it (seconds, minutes or hours), counts on whole-number ticks."""
    fig = _figure(8, 3)[0]
    fig.clear()
    axes = fig.subplots(1, 2)
    for ax, (measure, title) in zip(axes, (("bot", "Bot response time"),
                                           ("agent_first", "Agent first response")), strict=True):
        seconds = times.loc[times["measure"] == measure, "seconds"].dropna().to_numpy()
        if len(seconds) == 0:
            _empty(ax, "responses")
            continue
        unit, scale = _time_unit(seconds)
        values = seconds / scale
        ax.hist(values, bins=min(40, max(5, int(np.sqrt(len(values))))), color="#405de6")
        ax.axvline(np.median(values), color="black", linestyle="--", label="median")
        ax.set_title(title)
        ax.set_xlabel(unit)
        ax.set_ylabel("responses")
        _integer_ticks(ax.yaxis)
        ax.legend()
    return fig


def plot_funnel(funnel: pd.DataFrame) -> Figure:
    """Sessions reaching each step, with the drop-off (from :func:`funnel`)."""
    fig, ax = _figure(6, 0.6 + 0.5 * max(len(funnel), 1))
    if funnel.empty:
        _empty(ax, "steps")
        return fig
    labels = [f"{s}. {name}" for s, name in zip(funnel["step"], funnel["state"], strict=True)]
    ax.barh(labels[::-1], funnel["sessions"][::-1], color="#fd1d1d")
    for y, (n, share) in enumerate(zip(funnel["sessions"][::-1], funnel["share_of_start"][::-1],
                                       strict=True)):
        ax.text(n, y, f" {n} ({share:.0%})", va="center")
    ax.set_xlabel("sessions")
    _integer_ticks(ax.xaxis)
    ax.set_title("Funnel")
    return fig


def plot_hour_of_week(grid: pd.DataFrame) -> Figure:
    """Incoming messages by weekday and hour as a heat map (from :func:`hour_of_week`)."""
    fig, ax = _figure(8, 3)
    image = ax.imshow(grid.to_numpy(), aspect="auto", cmap="magma_r")
    ax.set_yticks(range(len(grid.index)), list(grid.index))
    ax.set_xticks(range(0, 24, 3), [f"{h:02d}" for h in range(0, 24, 3)])
    ax.set_xlabel("hour")
    ax.set_title("Incoming messages by hour of the week")
    fig.colorbar(image, ax=ax, label="messages")
    return fig
