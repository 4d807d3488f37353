"""``report``: every figure of a conversation log in one object that shows itself.

``Report.summary`` is the headline dict, ``Report.tables`` the DataFrames, ``figures()`` the
matplotlib plots; in a notebook it renders as tables and embedded PNGs, ``to_html(path)``
writes one self-contained page and ``to_dict()`` is JSON-serialisable.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from igbot.analytics import _plots
from igbot.analytics._categories import cat_codes, code_counts
from igbot.analytics._funnel import (
    _funnel,
    _intent_frequencies,
    _state_frequencies,
    check_funnel,
)
from igbot.analytics._memory import release_unused
from igbot.analytics._metrics import (
    DEFINITIONS,
    _response_times,
    _session_table,
    _summary,
    _trigger_mix,
)
from igbot.analytics._report_html import (
    CSS,
    HEADLINE,
    TABLE_TITLES,
    definitions_html,
    format_value,
    header_html,
    page,
    rates_display,
    summary_html,
    table_html,
)
from igbot.analytics._sessions import MetricParams, prepare
from igbot.analytics._volume import (
    _hour_of_week,
    _new_vs_returning,
    _rates_over_time,
    _volume,
)
from igbot.analytics._window import _window_health

__all__ = ["Report", "report", "report_meta"]

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


@dataclass
class Report:
    """The figures of one log: ``summary`` (dict), ``tables`` (DataFrames), ``params``, and
    ``meta`` (bot, first and last event, sources, input files, generated at) for the header."""

    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    params: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def figures(self) -> dict[str, Any]:
        """The plots (matplotlib Figures) by name; drawn on each call."""
        figs = {
            "volume": _plots.plot_volume(self.tables["volume_daily"]),
            "rates": _plots.plot_rates(self.tables["rates_daily"]),
            "triggers": _plots.plot_trigger_mix(self.tables["triggers"]),
            "response_times": _plots.plot_response_times(self.tables["response_times"]),
            "hour_of_week": _plots.plot_hour_of_week(self.tables["hour_of_week"]),
        }
        if "funnel" in self.tables:
            figs["funnel"] = _plots.plot_funnel(self.tables["funnel"])
        return figs

    def to_dict(self) -> dict[str, Any]:
        """Summary, definitions, parameters, meta and every table as plain JSON-able data."""
        tables: dict[str, Any] = {}
        for name, table in self.tables.items():
            if name in ("sessions", "response_times"):
                continue  # one row per session / response: too long for a summary
            frame = table.reset_index() if not isinstance(table.index, pd.RangeIndex) else table
            tables[name] = _plain(frame.astype(object).where(frame.notna(), None).to_dict(
                orient="records"))
        return {"summary": _plain(self.summary), "params": _plain(self.params),
                "meta": _plain(self.meta), "definitions": dict(DEFINITIONS), "tables": tables}

    def _html(self, plots: bool = True, definitions: bool = False, style: bool = False) -> str:
        parts = ["<div class='igbot-report'>" + (f"<style>{CSS}</style>" if style else "")
                 + header_html(self.meta),
                 "<h2>Headline</h2>", summary_html(self.summary)]
        triggers = ", ".join(f"{k} {v:,}" for k, v in self.summary.get("triggers", {}).items()
                             if v)
        if triggers:
            parts.append(f"<p class='note'>Sessions opened by: {triggers}</p>")
        if plots:
            parts.append("<h2>Plots</h2>")
            for name, fig in self.figures().items():
                buf = io.BytesIO()
                fig.savefig(buf, format="png", dpi=90)
                data = base64.b64encode(buf.getvalue()).decode("ascii")
                parts.append(f"<figure><img alt='{name}' src='data:image/png;base64,{data}'/>"
                             "</figure>")
        for name, title in TABLE_TITLES.items():
            if name in self.tables:
                table = self.tables[name]
                if name == "rates_daily":
                    table = rates_display(table)
                parts.append(f"<h2>{title}</h2>" + table_html(table, 31, {"period": "day"}))
        if definitions:
            parts.append("<h2>Definitions</h2>" + definitions_html(DEFINITIONS))
        parts.append("</div>")
        return "".join(parts)

    def _repr_html_(self) -> str:
        return self._html(style=True)

    def to_html(self, path: str | Path | None = None) -> str:
        """One self-contained HTML page (stylesheet inline, plots embedded, no network);
        written to ``path`` when given."""
        title = "igbot report" + (f": {self.meta['bot']}" if self.meta.get("bot") else "")
        text = page(title, self._html(definitions=True))
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def to_text(self) -> str:
        """The summary as aligned plain text (what ``igbot analyze`` prints), with the funnel."""
        width = max(len(label) for _, label, _ in HEADLINE)
        lines = [f"{label:<{width}}  {format_value(key, self.summary.get(key))}"
                 for key, label, _ in HEADLINE]
        lines.append(f"{'triggers':<{width}}  " + ", ".join(
            f"{k} {v}" for k, v in self.summary.get("triggers", {}).items() if v))
        if "funnel" in self.tables:
            flow = self.params.get("funnel_flow")
            lines.append("")
            lines.append("funnel" + (f" (flow {flow})" if flow else ""))
            for row in self.tables["funnel"].itertuples(index=False):
                lines.append(f"  {row.step}. {row.state:<{width - 5}} {row.sessions:>9,}  "
                             f"{row.share_of_start:7.1%} of start, lost {row.drop_off:,}")
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        s = self.summary
        return (f"<Report {s.get('events')} events, {s.get('sessions')} sessions, handover "
                f"{format_value('handover_rate', s.get('handover_rate'))}>")


def report(df: pd.DataFrame, *, funnel_states: Sequence[str] | None = None,
           funnel_flow: str | None = None, progress: bool | None = False,
           **params: Any) -> Report:
    """Compute every figure of a canonical frame (see ``DEFINITIONS``) in one pass.

    Args:
        df: the canonical frame (from :func:`load`).
        funnel_states: the states of a funnel to include (in order), if any.
        funnel_flow: the flow those states belong to.
        progress: a tqdm bar over the steps, shown once it has taken a second (None: on a
            terminal only; False: never).
        **params: metric parameters (``gap``, ``fallback_flows``, ``agent_roles``, ``end_states``,
            ``ice_breakers``, ``tz``, ...).
    """
    bot = params.get("bot")
    mp = MetricParams.make(params)
    if funnel_states or funnel_flow:
        check_funnel(df, list(funnel_states or []), funnel_flow, bot)
    bar = tqdm(total=12 + bool(funnel_states), desc="report", unit=" step", delay=1.0,
               disable=None if progress is None else not progress, leave=False)
    with bar:
        bar.set_postfix_str("sessions")
        p = prepare(df, mp)
        p.df.attrs = dict(df.attrs)
        release_unused()  # each step's freed temporaries back before the next allocates
        bar.update()
        table = _session_table(p)
        p.drop_row_sessions()  # the later steps find sessions by their bounds (4 bytes a row)
        release_unused()
        bar.update()
        empty = pd.DataFrame({"trigger": pd.Categorical([])})
        steps: list[tuple[str, Callable[[], Any]]] = [
            ("triggers", lambda: _trigger_mix(table if len(table) else empty)),
            ("response_times", lambda: _response_times(p, last=True)),
            ("volume_daily", lambda: _volume(p, table, "D")),
            ("volume_hourly", lambda: _volume(p, table, "h")),
            ("rates_daily", lambda: _rates_over_time(table, mp.tz)),
            ("hour_of_week", lambda: _hour_of_week(p)),
            ("new_vs_returning", lambda: _new_vs_returning(table, mp.tz)),
            ("intents", lambda: _intent_frequencies(p)),
            ("states", lambda: _state_frequencies(p)),
        ]
        if funnel_states:
            steps.append(("funnel", lambda: _funnel(p, list(funnel_states), funnel_flow)))
        order = [name for name, _ in steps]
        summary: dict[str, Any] = {}

        def headline() -> None:
            summary.update(_summary(p, table, _window_health(p)))

        # the response times (a row per answer, 10 MB a million events) last: the other
        # steps' temporaries come and go without them; the tables keep their order
        steps.sort(key=lambda step: step[0] == "response_times")
        steps.insert(len(steps) - 1, ("summary", headline))
        built: dict[str, pd.DataFrame] = {"sessions": table}
        for name, compute in steps:
            bar.set_postfix_str(name)
            result = compute()
            if result is not None:
                built[name] = result
            del result
            release_unused()
            bar.update()
        tables = {name: built[name] for name in ("sessions", *order)}
    problems = df.attrs.get("problems", [])
    return Report(summary, tables, {**{k: getattr(mp, k) for k in mp.__dataclass_fields__},
                                    "funnel_states": list(funnel_states or []),
                                    "funnel_flow": funnel_flow, "problems": problems[:100]},
                  report_meta(p.df, p.ts, mp.tz, bot))


def report_meta(df: pd.DataFrame, ts: np.ndarray, tz: str, bot: Any) -> dict[str, Any]:
    """What the report's header says: bot, first and last event, sources, inputs, when."""
    first = last = None
    if len(ts):
        first = pd.Timestamp(int(ts.min()), tz="UTC").tz_convert(tz)
        last = pd.Timestamp(int(ts.max()), tz="UTC").tz_convert(tz)
    counts = pd.Series(dtype=int)
    if len(df):  # value_counts' order from a count of the codes (no row-sized int64 copies)
        cats = df["source"].cat.categories
        counts = pd.Series(code_counts(cat_codes(df["source"]), len(cats)),
                           index=cats).sort_values(ascending=False)
    name = None
    if bot is not None:
        name = getattr(bot, "name", None) or None
        version = getattr(bot, "version", None)
        if name and version:
            name = f"{name} {version}"
    return {"bot": name, "first": first, "last": last, "tz": tz,
            "sources": {str(k): int(v) for k, v in counts.items() if v},
            "inputs": list(df.attrs.get("inputs", [])),
            "generated": pd.Timestamp.now(tz="UTC").floor("s")}
