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
    from igbot._figure import NotebookFigure

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
    ax.legend(loc="upper left")
    fig.autofmt_xdate()
    return fig


def plot_rates(rates: pd.DataFrame) -> Figure:
    """Handover and containment rate per period of session start (from :func:`rates_over_time`)."""
    fig, ax = _figure()
    if rates.empty:
        _empty(ax, "sessions")
        return fig
    x = rates.index.tz_localize(None) if getattr(rates.index, "tz", None) else rates.index
    ax.plot(x, rates["containment_rate"] * 100, label="containment", marker=".")
    ax.plot(x, rates["handover_rate"] * 100, label="handover", marker=".")
    ax.set_ylim(0, 100)
    ax.set_ylabel("% of sessions")
    ax.set_title("Handover and containment per day")
    ax.legend(loc="center left")
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
    ax.set_title("What opened the session")
    return fig


def plot_response_times(times: pd.DataFrame) -> Figure:
    """Distributions of bot and agent first response times (from :func:`response_times`)."""
    fig = _figure(8, 3)[0]
    fig.clear()
    axes = fig.subplots(1, 2)
    for ax, (measure, title, unit, scale) in zip(axes, (
            ("bot", "Bot response time", "seconds", 1.0),
            ("agent_first", "Agent first response", "minutes", 60.0)), strict=True):
        values = times.loc[times["measure"] == measure, "seconds"].dropna().to_numpy() / scale
        if len(values) == 0:
            _empty(ax, "responses")
            continue
        ax.hist(values, bins=min(40, max(5, int(np.sqrt(len(values))))), color="#405de6")
        ax.axvline(np.median(values), color="black", linestyle="--", label="median")
        ax.set_title(title)
        ax.set_xlabel(unit)
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
