"""``report``: every figure of a conversation log in one object that shows itself.

``Report.summary`` is the headline dict, ``Report.tables`` the DataFrames, ``figures()`` the
matplotlib plots; in a notebook it renders as tables and embedded PNGs, ``to_html(path)``
writes one self-contained page and ``to_dict()`` is JSON-serialisable.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from igbot.analytics._funnel import _funnel, _intent_frequencies, _state_frequencies
from igbot.analytics._metrics import (
    DEFINITIONS,
    _response_times,
    _session_table,
    _summary,
    _trigger_mix,
)
from igbot.analytics._sessions import MetricParams, prepare
from igbot.analytics._volume import (
    _hour_of_week,
    _new_vs_returning,
    _rates_over_time,
    _volume,
    _window_health,
)

__all__ = ["Report", "report"]

_HEADLINE = [
    ("events", "events", "{:,}"), ("conversations", "conversations", "{:,}"),
    ("sessions", "sessions", "{:,}"), ("messages_in", "messages in", "{:,}"),
    ("messages_out", "messages out", "{:,}"), ("handover_rate", "handover rate", "{:.1%}"),
    ("containment_rate", "containment rate", "{:.1%}"),
    ("fallback_rate", "fallback rate (messages)", "{:.1%}"),
    ("fallback_session_rate", "sessions with a fallback", "{:.1%}"),
    ("abandonment_rate", "abandonment rate", "{:.1%}"),
    ("median_bot_response_s", "median bot response", "{:.1f} s"),
    ("p90_bot_response_s", "p90 bot response", "{:.1f} s"),
    ("median_agent_first_response_s", "median agent first response", "{:,.0f} s"),
    ("p90_agent_first_response_s", "p90 agent first response", "{:,.0f} s"),
    ("turns_per_session", "turns per session", "{:.2f}"),
    ("people", "people", "{:,}"), ("returning_people", "returning people", "{:,}"),
    ("refused_outside_window", "replies refused (24 h window)", "{:,}"),
    ("human_agent_tag_messages", "HUMAN_AGENT tag messages", "{:,}"),
    ("skipped", "skipped records", "{:,}"),
]


def _plain(value: Any) -> Any:
    """A JSON-safe version of a value from a table."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, pd.Timedelta):
        return str(value)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def format_value(key: str, value: Any) -> str:
    """A summary value as text (``–`` when undefined)."""
    if value is None:
        return "–"
    for name, _, fmt in _HEADLINE:
        if name == key:
            return fmt.format(value)
    return str(value)


@dataclass
class Report:
    """The figures of one log: ``summary`` (dict), ``tables`` (DataFrames), ``params``."""

    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    params: dict[str, Any] = field(default_factory=dict)

    def figures(self) -> dict[str, Any]:
        """The plots (matplotlib Figures) by name; drawn on each call."""
        from igbot.analytics import _plots as p

        figs = {
            "volume": p.plot_volume(self.tables["volume_daily"]),
            "rates": p.plot_rates(self.tables["rates_daily"]),
            "triggers": p.plot_trigger_mix(self.tables["triggers"]),
            "response_times": p.plot_response_times(self.tables["response_times"]),
            "hour_of_week": p.plot_hour_of_week(self.tables["hour_of_week"]),
        }
        if "funnel" in self.tables:
            figs["funnel"] = p.plot_funnel(self.tables["funnel"])
        return figs

    def to_dict(self) -> dict[str, Any]:
        """Summary, definitions, parameters and every table as plain JSON-able data."""
        tables: dict[str, Any] = {}
        for name, table in self.tables.items():
            if name in ("sessions", "response_times"):
                continue  # one row per session / response: too long for a summary
            frame = table.reset_index() if not isinstance(table.index, pd.RangeIndex) else table
            tables[name] = _plain(frame.astype(object).where(frame.notna(), None).to_dict(
                orient="records"))
        return {"summary": _plain(self.summary), "params": _plain(self.params),
                "definitions": dict(DEFINITIONS), "tables": tables}

    def _summary_html(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(label)}</th>"
            f"<td style='text-align:right'>{html.escape(format_value(key, self.summary.get(key)))}"
            "</td></tr>" for key, label, _ in _HEADLINE)
        triggers = ", ".join(f"{k} {v}" for k, v in self.summary.get("triggers", {}).items() if v)
        return (f"<table>{rows}<tr><th style='text-align:left'>triggers</th>"
                f"<td>{html.escape(triggers)}</td></tr></table>")

    def _html(self, plots: bool = True) -> str:
        parts = ["<div class='igbot-report'><h3>Conversation report</h3>", self._summary_html()]
        if plots:
            for name, fig in self.figures().items():
                buf = io.BytesIO()
                fig.savefig(buf, format="png", dpi=90)
                data = base64.b64encode(buf.getvalue()).decode("ascii")
                parts.append(f"<figure><img alt='{name}' src='data:image/png;base64,{data}'/>"
                             "</figure>")
        for name in ("triggers", "funnel", "intents", "states", "new_vs_returning"):
            if name in self.tables:
                table = self.tables[name].head(20)
                parts.append(f"<h4>{name.replace('_', ' ')}</h4>"
                             + table.to_html(float_format=lambda v: f"{v:.3g}", border=0))
        parts.append("</div>")
        return "".join(parts)

    def _repr_html_(self) -> str:
        return self._html()

    def to_html(self, path: str | Path | None = None) -> str:
        """One self-contained HTML page (plots embedded); written to ``path`` when given."""
        page = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>igbot report</title>"
                "<style>body{font-family:sans-serif;max-width:960px;margin:auto}"
                "td,th{padding:2px 8px}</style></head><body>" + self._html()
                + "<h4>Definitions</h4><dl>" + "".join(
                    f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>"
                    for k, v in DEFINITIONS.items()) + "</dl></body></html>")
        if path is not None:
            Path(path).write_text(page, encoding="utf-8")
        return page

    def to_text(self) -> str:
        """The summary as aligned plain text (what ``igbot analyze`` prints)."""
        width = max(len(label) for _, label, _ in _HEADLINE)
        lines = [f"{label:<{width}}  {format_value(key, self.summary.get(key))}"
                 for key, label, _ in _HEADLINE]
        lines.append(f"{'triggers':<{width}}  " + ", ".join(
            f"{k} {v}" for k, v in self.summary.get("triggers", {}).items() if v))
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        s = self.summary
        return (f"<Report {s.get('events')} events, {s.get('sessions')} sessions, handover "
                f"{format_value('handover_rate', s.get('handover_rate'))}>")


def report(df: pd.DataFrame, *, funnel_states: Sequence[str] | None = None,
           funnel_flow: str | None = None, **params: Any) -> Report:
    """Compute every figure of a canonical frame (see ``DEFINITIONS``) in one pass.

    Args:
        df: the canonical frame (from :func:`load`).
        funnel_states: the states of a funnel to include (in order), if any.
        funnel_flow: the flow those states belong to.
        **params: metric parameters (``gap``, ``fallback_flows``, ``agent_roles``, ``end_states``,
            ``ice_breakers``, ``tz``, ...).
    """
    mp = MetricParams.make(params)
    p = prepare(df, mp)
    p.df.attrs = dict(df.attrs)
    table = _session_table(p)
    window = _window_health(p)
    tables: dict[str, pd.DataFrame] = {
        "sessions": table,
        "triggers": _trigger_mix(table) if len(table) else _trigger_mix(
            pd.DataFrame({"trigger": pd.Categorical([])})),
        "response_times": _response_times(p),
        "volume_daily": _volume(p, table, "D"),
        "volume_hourly": _volume(p, table, "h"),
        "rates_daily": _rates_over_time(table, mp.tz),
        "hour_of_week": _hour_of_week(p),
        "new_vs_returning": _new_vs_returning(table, mp.tz),
        "intents": _intent_frequencies(p),
        "states": _state_frequencies(p),
    }
    if funnel_states:
        tables["funnel"] = _funnel(p, list(funnel_states), funnel_flow)
    summary = _summary(p, table, window)
    problems = df.attrs.get("problems", [])
    return Report(summary, tables, {**{k: getattr(mp, k) for k in mp.__dataclass_fields__},
                                    "funnel_states": list(funnel_states or []),
                                    "funnel_flow": funnel_flow, "problems": problems[:100]})
