"""``Dashboard``: the headline figures of a log for a date range, a flow and an outcome, per day,
week or month, beside the previous period of the same length.

Every rate shows what it counts (``k of n`` sessions or messages) and its 95% Wilson interval, so a
100% handover on two sessions reads as what it is. Durations are in minutes or hours, counts are
plotted on integer ticks. The figures are the metric definitions of
:data:`~igbot.analytics.DEFINITIONS`, read from the same session table as the report.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from html import escape
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import numpy as np
import pandas as pd

from igbot.analytics._explorer import ANY, Explorer, _frame
from igbot.analytics._intervals import Rate, wilson
from igbot.analytics._metrics import _response_times
from igbot.analytics._session_index import OUTCOMES, SessionIndex, UnknownSelectionError
from igbot.analytics._units import format_count, format_duration, format_percent

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["PERIODS", "RATES", "Dashboard"]

# period -> pandas frequency of session starts ("W-SUN": weeks from Monday to Sunday)
PERIODS = {"day": "D", "week": "W-SUN", "month": "M"}
# rate name -> (session-table column counted, what the tile says)
RATES: dict[str, tuple[str, str]] = {
    "containment_rate": ("contained", "Contained"),
    "handover_rate": ("handover", "Handed over"),
    "fallback_session_rate": ("fallback", "Sessions with a fallback"),
    "abandonment_rate": ("abandoned", "Abandoned"),
}


def _quantile(values: np.ndarray, q: float) -> float | None:
    values = values[~np.isnan(values)]
    return float(np.quantile(values, q)) if len(values) else None


class Dashboard:
    """Headline figures with filters, periods and the previous period.

    Args:
        logs: a canonical frame, file(s)/folder(s) :func:`~igbot.analytics.load` reads, or a
            :class:`SessionIndex` already built.
        bot: the Kata-ML bot (end states, fallback flow, ice breakers); other metric parameters
            (``gap``, ``tz``, ...) as keywords.
        load_options: passed to :func:`~igbot.analytics.load` when ``logs`` are paths.
    Attributes:
        start, end: the date range shown (``end`` inclusive), dates in ``tz``.
        flow, outcome: the filters (None for all).
        period: ``day``, ``week`` or ``month``.
        compare: also show the previous period of the same length.
    """

    def __init__(self, logs: Any, *, bot: Any = None, load_options: dict[str, Any] | None = None,
                 **params: Any) -> None:
        if isinstance(logs, SessionIndex):
            self.index = logs
        else:
            if bot is not None:
                params["bot"] = bot
            self.index = SessionIndex(_frame(logs, load_options or {}), **params)
        self.tz = self.index.params.tz
        starts = self.index.sessions["start"]
        local = starts.dt.tz_convert(self.tz) if len(starts) else starts
        self.first_day: dt.date | None = local.min().date() if len(starts) else None
        self.last_day: dt.date | None = local.max().date() if len(starts) else None
        self.start, self.end = self.first_day, self.last_day
        self.flow: str | None = None
        self.outcome: str | None = None
        self.period = "day"
        self.compare = True
        p = self.index.prepared
        times = _response_times(p)
        self._time_session = np.searchsorted(p.sess[p.starts],
                                             times["session_id"].cat.codes.to_numpy())
        self._time_seconds = times["seconds"].to_numpy(dtype=float)
        self._time_is_bot = (times["measure"] == "bot").to_numpy(dtype=bool)
        self._syncing = False
        self._linked: list[Explorer] = []
        self._build()

    # -- figures --------------------------------------------------------------------------

    def set(self, *, start: Any = ..., end: Any = ..., flow: Any = ..., outcome: Any = ...,
            period: Any = ..., compare: Any = ...) -> None:
        """Change what is shown (only the arguments given); the widgets follow.

        Raises:
            UnknownSelectionError: an unknown flow, outcome or period, or ``end`` before ``start``.
        """
        new: dict[str, Any] = {"start": self.start, "end": self.end, "flow": self.flow,
                               "outcome": self.outcome, "period": self.period,
                               "compare": self.compare}
        given = {"start": start, "end": end, "flow": flow, "outcome": outcome, "period": period,
                 "compare": compare}
        new.update({k: v for k, v in given.items() if v is not ...})
        for key in ("start", "end"):
            if new[key] is not None:
                new[key] = pd.Timestamp(new[key]).date()
        if new["period"] not in PERIODS:
            raise UnknownSelectionError(f"no period {new['period']!r}; periods: {', '.join(PERIODS)}")
        if new["start"] and new["end"] and new["end"] < new["start"]:
            raise UnknownSelectionError(f"end {new['end']} is before start {new['start']}")
        self.index.select(flow=new["flow"], outcome=new["outcome"])  # raises on unknown names
        self.start, self.end, self.flow, self.outcome = (new["start"], new["end"], new["flow"],
                                                         new["outcome"])
        self.period, self.compare = new["period"], bool(new["compare"])
        self._refresh()

    def _bounds(self, previous: bool = False) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        start = pd.Timestamp(self.start) if self.start else None
        end = pd.Timestamp(self.end) + pd.Timedelta(days=1) if self.end else None
        if previous:
            if start is None or end is None:
                return None, None
            return start - (end - start), start
        return start, end

    def _mask(self, previous: bool = False) -> np.ndarray:
        start, end = self._bounds(previous)
        if previous and start is None:
            return np.zeros(len(self.index.sessions), dtype=bool)
        return self.index.select(flow=self.flow, outcome=self.outcome, start=start, end=end)

    def figures(self, previous: bool = False) -> dict[str, Any]:
        """The figures of the range shown (or of the previous period of the same length).

        Returns:
            ``sessions``, ``people``, ``messages_in``; each of :data:`RATES` and
            ``fallback_rate`` (messages) as a :class:`Rate`; ``median_bot_response_s``,
            ``median_agent_first_response_s``, ``p90_agent_first_response_s`` with their
            sample sizes (``bot_responses``, ``agent_handovers``); ``start``, ``end``.
        """
        mask = self._mask(previous)
        sessions = self.index.sessions[mask]
        n = len(sessions)
        out: dict[str, Any] = {
            "sessions": n,
            "people": int(sessions["conversation_id"].nunique()),
            "messages_in": int(sessions["messages_in"].sum()),
        }
        for name, (column, _label) in RATES.items():
            out[name] = Rate(int(sessions[column].sum()), n)
        out["fallback_rate"] = Rate(int(sessions["fallback_messages"].sum()),
                                    int(sessions["messages_in"].sum()))
        shown = mask[self._time_session] if len(mask) else np.zeros(0, dtype=bool)
        bot = self._time_seconds[shown & self._time_is_bot]
        agent = self._time_seconds[shown & ~self._time_is_bot]
        out["median_bot_response_s"] = _quantile(bot, 0.5)
        out["bot_responses"] = len(bot)
        out["median_agent_first_response_s"] = _quantile(agent, 0.5)
        out["p90_agent_first_response_s"] = _quantile(agent, 0.9)
        out["agent_handovers"] = len(agent)
        out["agent_unanswered"] = int(np.isnan(agent).sum())
        start, end = self._bounds(previous)
        out["start"] = start.date() if start is not None else self.first_day
        out["end"] = (end - pd.Timedelta(days=1)).date() if end is not None else self.last_day
        return out

    def timeline(self) -> pd.DataFrame:
        """Per period (of session start, in ``tz``): sessions, and for each of :data:`RATES`
        the count, the rate and its Wilson interval (``<rate>``, ``<rate>_low``,
        ``<rate>_high``, ``<rate>_n``)."""
        sessions = self.index.sessions[self._mask()]
        columns = ["sessions"] + [f"{r}{s}" for r in RATES for s in ("", "_low", "_high", "_n")]
        if sessions.empty:
            return pd.DataFrame(columns=columns)
        local = sessions["start"].dt.tz_convert(self.tz).dt.tz_localize(None)
        period = local.dt.to_period(PERIODS[self.period]).rename("period")
        grouped = sessions.groupby(period)
        table = pd.DataFrame({"sessions": grouped.size()})
        full = pd.period_range(table.index.min(), table.index.max(), freq=table.index.freq)
        table = table.reindex(full, fill_value=0)
        for name, (column, _label) in RATES.items():
            k = grouped[column].sum().reindex(full, fill_value=0).to_numpy(dtype=float)
            n = table["sessions"].to_numpy(dtype=float)
            low, high = wilson(k, n)
            with np.errstate(invalid="ignore", divide="ignore"):
                table[name] = np.where(n > 0, k / np.where(n > 0, n, 1), np.nan)
            table[f"{name}_low"], table[f"{name}_high"] = low, high
            table[f"{name}_n"] = n.astype(int)
        table.index.name = "period"
        return table

    # -- drawing --------------------------------------------------------------------------

    def figure(self) -> Figure:
        """Sessions per period (bars, integer ticks), then one small panel per rate: the rate
        per period with its 95% Wilson band (wide where a period has few sessions)."""
        # matplotlib (NotebookFigure is a matplotlib Figure) loads when a figure is drawn
        from matplotlib.ticker import MaxNLocator

        from igbot._figure import NotebookFigure

        table = self.timeline()
        fig = NotebookFigure(figsize=(8.0, 6.4), layout="constrained")
        grid = fig.add_gridspec(3, 2, height_ratios=[1.1, 1, 1])
        top = fig.add_subplot(grid[0, :])
        panels = [fig.add_subplot(grid[1 + i // 2, i % 2], sharex=top) for i in range(len(RATES))]
        if table.empty:
            for ax in (top, *panels):
                ax.text(0.5, 0.5, "no sessions", ha="center", va="center", transform=ax.transAxes)
                ax.set_axis_off()
            return fig
        x = np.arange(len(table))
        labels = [self._period_label(p) for p in table.index]
        top.bar(x, table["sessions"], color="#c13584")
        top.set_ylabel("sessions")
        top.yaxis.set_major_locator(MaxNLocator(integer=True))
        top.set_title(f"Sessions per {self.period}")
        colours = {"containment_rate": "#2e7d32", "handover_rate": "#1565c0",
                   "fallback_session_rate": "#c62828", "abandonment_rate": "#ef6c00"}
        step = max(1, -(-len(x) // 7))  # at most 7 labels
        for ax, (name, (_column, label)) in zip(panels, RATES.items(), strict=True):
            ax.fill_between(x, table[f"{name}_low"] * 100, table[f"{name}_high"] * 100,
                            color=colours[name], alpha=0.18, linewidth=0, label="95% interval")
            ax.plot(x, table[name] * 100, marker="o", markersize=3, color=colours[name])
            ax.set_ylim(0, 100)
            ax.set_title(f"{label} (% of sessions)", fontsize=9)
            ax.tick_params(labelsize=8)
            ax.set_xticks(x[::step], labels[::step], rotation=30, ha="right")
        for ax in (top, *panels[:2]):
            ax.tick_params(labelbottom=False)
        return fig

    def _period_label(self, period: pd.Period) -> str:
        if self.period == "day":
            return period.start_time.strftime("%a %d %b")
        if self.period == "week":
            return "week of " + period.start_time.strftime("%d %b")
        return period.start_time.strftime("%b %Y")

    def png(self) -> bytes:
        """:meth:`figure` as PNG bytes."""
        buffer = io.BytesIO()
        self.figure().savefig(buffer, format="png", dpi=90)
        return buffer.getvalue()

    def tiles_html(self) -> str:
        """The headline tiles as HTML: value, sample size, interval, and the previous period."""
        now = self.figures()
        before = self.figures(previous=True) if self.compare else None
        empty_before = before is not None and before["sessions"] == 0
        compared = before
        if empty_before:
            before = None

        def was(key: str) -> Any:
            return before[key] if before is not None else None

        tiles = [self._tile("Sessions", format_count(now["sessions"]),
                            f"{format_count(now['people'])} people",
                            self._delta_count(now["sessions"], was("sessions")))]
        for name, (_column, label) in RATES.items():
            tiles.append(self._rate_tile(label, now[name], was(name), "sessions"))
        tiles.append(self._rate_tile("Messages answered by a fallback", now["fallback_rate"],
                                     was("fallback_rate"), "messages"))
        tiles.append(self._tile(
            "Bot response (median)", format_duration(now["median_bot_response_s"]),
            f"n={now['bot_responses']:,} replies",
            self._delta_time(now["median_bot_response_s"],
                             was("median_bot_response_s"))))
        tiles.append(self._tile(
            "Agent first response (median)", format_duration(now["median_agent_first_response_s"]),
            f"p90 {format_duration(now['p90_agent_first_response_s'])}; "
            f"n={now['agent_handovers']:,} handovers, {now['agent_unanswered']:,} unanswered",
            self._delta_time(now["median_agent_first_response_s"],
                             was("median_agent_first_response_s"))))
        filters = ", ".join(f"{k} {v}" for k, v in (("flow", self.flow), ("outcome", self.outcome))
                            if v) or "all sessions"
        head = (f"<div style='font:600 14px sans-serif;margin:4px 0'>{now['start']} – {now['end']}"
                f" · {escape(filters)}"
                + (f" · compared with {compared['start']} – {compared['end']}"
                   + (" (no sessions then)" if empty_before else "") if compared else "")
                + "</div>")
        return (head + "<div class='igbot-tiles' style='display:flex;flex-wrap:wrap;gap:8px'>"
                + "".join(tiles) + "</div>")

    @staticmethod
    def _tile(title: str, value: str, detail: str, delta: str) -> str:
        return ("<div class='igbot-tile' style='border:1px solid #dbdbdb;border-radius:10px;"
                "padding:8px 12px;min-width:170px;font-family:sans-serif'>"
                f"<div style='font-size:12px;color:#737373'>{escape(title)}</div>"
                f"<div style='font-size:22px;font-weight:600'>{escape(value)}</div>"
                f"<div style='font-size:11px;color:#737373'>{escape(detail)}</div>"
                f"<div style='font-size:11px'>{delta}</div></div>")

    def _rate_tile(self, title: str, rate: Rate, before: Rate | None, unit: str) -> str:
        interval = rate.interval
        detail = f"{rate.successes:,} of {rate.trials:,} {unit}"
        if interval:
            detail += f"; 95% CI {format_percent(interval[0])}–{format_percent(interval[1])}"
        delta = ""
        if before is not None:
            if before.value is None:
                delta = "<span style='color:#8e8e8e'>no sessions in the previous period</span>"
            elif rate.value is not None:
                points = (rate.value - before.value) * 100
                delta = (f"{points:+.1f} points vs {format_percent(before.value)} "
                         f"(n={before.trials:,})")
                if interval and before.interval and (before.interval[1] < interval[0]
                                                      or interval[1] < before.interval[0]):
                    delta = f"<b>{delta}</b> (intervals do not overlap)"
        return self._tile(title, format_percent(rate.value), detail, delta)

    @staticmethod
    def _delta_count(now: int, before: int | None) -> str:
        if before is None:
            return ""
        if before == 0:
            return "<span style='color:#8e8e8e'>no sessions in the previous period</span>"
        return f"{now - before:+,} vs {before:,} ({(now - before) / before:+.0%})"

    @staticmethod
    def _delta_time(now: float | None, before: float | None) -> str:
        if now is None or before is None:
            return ""
        return f"was {format_duration(before)}"

    def to_html(self) -> str:
        """Tiles and the figure as one HTML fragment (the figure inline as PNG)."""
        data = base64.b64encode(self.png()).decode("ascii")
        return self.tiles_html() + f'<img alt="sessions and rates per {self.period}" ' \
                                   f'src="data:image/png;base64,{data}">'

    def _repr_html_(self) -> str:
        return self.to_html()

    # -- widgets --------------------------------------------------------------------------

    def _build(self) -> None:
        self.start_picker = w.DatePicker(description="From", value=self.start)
        self.end_picker = w.DatePicker(description="To (incl.)", value=self.end)
        self.flow_choice = w.Dropdown(description="Flow", options=[ANY, *self.index.flows()])
        self.outcome_choice = w.Dropdown(description="Outcome", options=[ANY, *OUTCOMES, "open"])
        self.period_choice = w.ToggleButtons(options=list(PERIODS), value=self.period)
        self.compare_box = w.Checkbox(description="compare with the previous period",
                                      value=self.compare, indent=False)
        self.message = w.HTML()
        self.tiles = w.HTML()
        self.plot = w.Image(format="png", layout=w.Layout(max_width="760px"))
        for control in (self.start_picker, self.end_picker, self.flow_choice,
                        self.outcome_choice, self.period_choice, self.compare_box):
            control.observe(self._changed, names="value")
        self.widget = w.VBox([
            w.HBox([self.start_picker, self.end_picker], layout=w.Layout(flex_flow="row wrap")),
            w.HBox([self.flow_choice, self.outcome_choice], layout=w.Layout(flex_flow="row wrap")),
            w.HBox([self.period_choice, self.compare_box], layout=w.Layout(flex_flow="row wrap")),
            self.message, self.tiles, self.plot,
        ])
        self._refresh()

    def _changed(self, _change: Any) -> None:
        if self._syncing:
            return
        try:
            self.set(start=self.start_picker.value, end=self.end_picker.value,
                     flow=None if self.flow_choice.value == ANY else self.flow_choice.value,
                     outcome=None if self.outcome_choice.value == ANY else self.outcome_choice.value,
                     period=self.period_choice.value, compare=self.compare_box.value)
        except UnknownSelectionError as exc:
            self.message.value = f"<span style='color:#c62828'>{escape(str(exc))}</span>"

    def _refresh(self) -> None:
        if not hasattr(self, "widget"):
            return
        self._syncing = True
        try:
            self.start_picker.value = self.start
            self.end_picker.value = self.end
            self.flow_choice.value = self.flow or ANY
            self.outcome_choice.value = self.outcome or ANY
            self.period_choice.value = self.period
            self.compare_box.value = self.compare
        finally:
            self._syncing = False
        self.message.value = ""
        self.tiles.value = self.tiles_html()
        self.plot.value = self.png()
        for explorer in self._linked:
            self._follow(explorer)

    def link(self, explorer: Explorer) -> Explorer:
        """Make ``explorer`` list the sessions behind the figures shown: it follows the date
        range, flow and outcome of this dashboard from now on. Returns ``explorer``."""
        self._linked.append(explorer)
        self._follow(explorer)
        return explorer

    def explorer(self, **options: Any) -> Explorer:
        """An :class:`Explorer` on the same sessions (nothing computed twice), linked to this
        dashboard (see :meth:`link`); ``options`` as for the Explorer (``max_rows``)."""
        return self.link(Explorer(self.index, **options))

    def _follow(self, explorer: Explorer) -> None:
        start, end = self._bounds()
        explorer.filter(flow=self.flow, outcome=self.outcome, start=start, end=end)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        f = self.figures()
        return (f"<Dashboard {f['start']} – {f['end']}: {f['sessions']:,} sessions, handover "
                f"{f['handover_rate']}>")
