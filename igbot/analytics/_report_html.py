"""The report as a page people read: one offline stylesheet, a header (bot, dates, sources,
generated at), headline cards, tables with formatted numbers and no index columns, plots
inline, definitions rendered. Readable at phone width (tables scroll inside their box)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from igbot.analytics._units import (
    NONE,
    format_count,
    format_date,
    format_duration,
    format_percent,
)

__all__ = [
    "CSS",
    "HEADLINE",
    "TABLE_TITLES",
    "definitions_html",
    "format_value",
    "header_html",
    "page",
    "rates_display",
    "rendered",
    "summary_html",
    "table_html",
]

Formatter = Callable[[Any], str]

#: The headline figures in order: summary key, label, formatter.
HEADLINE: list[tuple[str, str, Formatter]] = [
    ("events", "events", format_count), ("conversations", "conversations", format_count),
    ("sessions", "sessions", format_count), ("messages_in", "messages in", format_count),
    ("messages_out", "messages out", format_count),
    ("handover_rate", "handover rate", format_percent),
    ("containment_rate", "containment rate", format_percent),
    ("fallback_rate", "fallback rate (messages)", format_percent),
    ("fallback_session_rate", "sessions with a fallback", format_percent),
    ("abandonment_rate", "abandonment rate", format_percent),
    ("median_bot_response_s", "median bot response", format_duration),
    ("p90_bot_response_s", "p90 bot response", format_duration),
    ("median_agent_first_response_s", "median agent first response", format_duration),
    ("p90_agent_first_response_s", "p90 agent first response", format_duration),
    ("turns_per_session", "turns per session",
     lambda v: NONE if v is None else f"{float(v):.2f}"),
    ("people", "people", format_count), ("returning_people", "returning people", format_count),
    ("refused_outside_window", "replies refused (24 h window)", format_count),
    ("human_agent_tag_messages", "HUMAN_AGENT tag messages", format_count),
    ("skipped", "skipped records", format_count),
]

#: The tables the page shows, in order, with their titles.
TABLE_TITLES: dict[str, str] = {
    "triggers": "What opened the sessions", "funnel": "Funnel",
    "rates_daily": "Handover and containment per day (95% interval)",
    "intents": "Intents", "states": "States", "new_vs_returning": "New and returning people",
}

CSS = """
.igbot-report{--fg:#262626;--muted:#737373;--line:#dbdbdb;--accent:#c13584;color:var(--fg);
 font:15px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
 max-width:980px;margin:0 auto;padding:16px}
.igbot-report *{box-sizing:border-box}
.igbot-report header{border-bottom:3px solid var(--accent);margin-bottom:16px;padding-bottom:8px}
.igbot-report h1{font-size:1.5em;margin:0 0 6px}
.igbot-report header dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}
.igbot-report header dt{color:var(--muted)}
.igbot-report header dd{margin:0;overflow-wrap:anywhere}
.igbot-report h2{font-size:1.15em;margin:24px 0 8px}
.igbot-report .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));
 gap:8px}
.igbot-report .card{background:#fff;border:1px solid var(--line);border-radius:10px;
 padding:8px 10px}
.igbot-report .card .v{font-size:1.3em;font-weight:600}
.igbot-report .card .k{color:var(--muted);font-size:.85em}
.igbot-report .scroll{overflow-x:auto;background:#fff;border:1px solid var(--line);
 border-radius:10px}
.igbot-report table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
.igbot-report th,.igbot-report td{padding:4px 10px;border-bottom:1px solid #efefef;
 text-align:left;white-space:nowrap}
.igbot-report .num{text-align:right}
.igbot-report figure{margin:12px 0}
.igbot-report figure img{max-width:100%;height:auto;background:#fff;
 border:1px solid var(--line);border-radius:10px}
.igbot-report dl.defs dt{font-weight:600;margin-top:8px}
.igbot-report dl.defs dd{margin:2px 0 0 0;color:#404040}
.igbot-report code{background:#efefef;border-radius:4px;padding:0 3px;font-size:.92em}
.igbot-report .note{color:var(--muted);font-size:.85em}
@media (max-width:600px){.igbot-report{padding:8px;font-size:14px}
 .igbot-report .cards{grid-template-columns:repeat(2,1fr)}}
"""


def format_value(key: str, value: Any) -> str:
    """A summary value as text in its unit (``–`` when undefined)."""
    for name, _, fmt in HEADLINE:
        if name == key:
            return fmt(value)
    return NONE if value is None else str(value)


def _cell_formatter(column: str, series: pd.Series) -> tuple[Formatter, bool]:
    """How to show a column (and whether it is numeric, right-aligned), from its name and dtype."""
    if isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(
            series.dtype):
        return format_date, False
    if column.endswith(("_rate", "share", "_low", "_high")) or column in (
            "share_of_start", "fallback_share", "session_share"):
        return format_percent, True
    if column.endswith("_s") or column in ("seconds",):
        return format_duration, True
    if pd.api.types.is_bool_dtype(series.dtype):
        return (lambda v: "yes" if v else "no"), False
    if pd.api.types.is_integer_dtype(series.dtype):
        return format_count, True
    if pd.api.types.is_float_dtype(series.dtype):
        return (lambda v: NONE if pd.isna(v) else f"{v:,.2f}"), True
    return (lambda v: NONE if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v))
            else str(v)), False


def _plain_columns(table: pd.DataFrame) -> pd.DataFrame:
    """The table with a meaningful index turned into a column and a RangeIndex dropped."""
    if isinstance(table.index, pd.RangeIndex):
        return table
    return table.reset_index()


def table_html(table: pd.DataFrame, max_rows: int = 20,
               labels: Mapping[str, str] | None = None) -> str:
    """A table with formatted cells, no index column, header labels with spaces."""
    frame = _plain_columns(table)
    shown = frame.head(max_rows)
    head, formatters = [], []
    for column in shown.columns:
        fmt, numeric = _cell_formatter(str(column), frame[column])
        formatters.append((fmt, numeric))
        label = (labels or {}).get(str(column), str(column).replace("_", " "))
        head.append(f"<th{' class=num' if numeric else ''}>{html.escape(label)}</th>")
    rows = []
    for values in shown.itertuples(index=False, name=None):
        cells = "".join(
            f"<td{' class=num' if numeric else ''}>{html.escape(fmt(v))}</td>"
            for v, (fmt, numeric) in zip(values, formatters, strict=True))
        rows.append(f"<tr>{cells}</tr>")
    more = (f"<p class='note'>First {max_rows} of {len(frame):,} rows.</p>"
            if len(frame) > max_rows else "")
    return (f"<div class='scroll'><table class='igbot-table'><thead><tr>{''.join(head)}</tr>"
            f"</thead><tbody>{''.join(rows)}</tbody></table></div>{more}")


def rates_display(rates: pd.DataFrame) -> pd.DataFrame:
    """Per-day rates as people read them: each rate with its sample and 95% interval in one
    cell (``33.3% of 3 (6.1%-79.2%)``), so a swing on 2 sessions reads as the guess it is."""
    out = pd.DataFrame({"day": [format_date(v) for v in rates.index],
                        "sessions": rates["sessions"].to_numpy()})
    for name in ("handover", "containment", "fallback_session"):
        if f"{name}_rate" not in rates:
            continue
        out[name.replace("_session", " sessions")] = [
            f"{format_percent(r, 0)} ({format_percent(lo, 0)}-{format_percent(hi, 0)})"
            for r, lo, hi in zip(rates[f"{name}_rate"], rates[f"{name}_low"],
                                 rates[f"{name}_high"], strict=True)]
    return out


def summary_html(summary: Mapping[str, Any]) -> str:
    """The headline figures as cards."""
    cards = "".join(
        f"<div class='card'><div class='v'>{html.escape(fmt(summary.get(key)))}</div>"
        f"<div class='k'>{html.escape(label)}</div></div>" for key, label, fmt in HEADLINE)
    return f"<div class='cards'>{cards}</div>"


def header_html(meta: Mapping[str, Any]) -> str:
    """Which bot, which dates, which sources, when generated."""
    rows: list[tuple[str, str]] = []
    if meta.get("bot"):
        rows.append(("bot", str(meta["bot"])))
    first, last = meta.get("first"), meta.get("last")
    if first is not None and last is not None:
        rows.append(("dates", f"{format_date(first)} to {format_date(last)}"
                     + (f" ({meta['tz']})" if meta.get("tz") and meta["tz"] != "UTC" else "")))
    sources = meta.get("sources") or {}
    if sources:
        rows.append(("sources", ", ".join(f"{name} ({format_count(n)} events)"
                                          for name, n in sources.items())))
    inputs: Sequence[str] = meta.get("inputs") or []
    if inputs:
        shown = ", ".join(inputs[:5]) + (f" and {len(inputs) - 5} more" if len(inputs) > 5 else "")
        rows.append(("files", shown))
    if meta.get("generated"):
        rows.append(("generated", format_date(meta["generated"], with_time=True)))
    items = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in rows)
    title = "Conversation report" + (f": {meta['bot']}" if meta.get("bot") else "")
    return f"<header><h1>{html.escape(title)}</h1><dl>{items}</dl></header>"


_CODE = re.compile(r"`([^`]+)`")


def rendered(text: str) -> str:
    """Definition text as HTML: escaped, with `backticked` names as <code>."""
    return _CODE.sub(lambda m: f"<code>{m.group(1)}</code>", html.escape(text))


def definitions_html(definitions: Mapping[str, str]) -> str:
    """The metric definitions as a description list (backticks become <code>)."""
    items = "".join(f"<dt>{html.escape(k.replace('_', ' '))}</dt><dd>{rendered(v)}</dd>"
                    for k, v in definitions.items())
    return f"<dl class='defs'>{items}</dl>"


def page(title: str, body: str) -> str:
    """A whole HTML page with the stylesheet inline (nothing fetched from the network)."""
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width,initial-scale=1'>"
            f"<title>{html.escape(title)}</title><style>body{{margin:0;background:#fafafa}}"
            f"{CSS}</style></head><body>{body}</body></html>")
