"""Conversation analytics: every input into one canonical event frame, metrics, report, plots.

- :func:`load` reads igbot's log (JSON lines or Parquet), webhook archives, Graph API
  Conversations exports, Instagram's "Download your information" export and agent-inbox CSV into
  the frame described by :data:`SCHEMA` (its columns in order: :data:`COLUMNS`;
  :func:`conform_categories` makes a hand-built frame's categorical columns categorical again);
  :func:`save` writes Parquet; :func:`load_dask` reads logs bigger than memory.
- :func:`sessionize`, :func:`summary`, :func:`session_table`, :func:`funnel` and friends compute
  the figures defined in :data:`DEFINITIONS` (pass ``bot=`` to take end states, the fallback flow
  and ice breakers from the Kata-ML bot); :func:`report` gathers them for a notebook or an HTML
  page; the ``plot_*`` functions draw one figure each from those tables.
- :class:`Explorer` lists every session with its outcome and reads one as Instagram bubbles;
  :class:`Dashboard` shows the figures per period with sample sizes and Wilson intervals
  (:class:`Rate`, :func:`wilson`); both select sessions through :class:`SessionIndex`.
- :func:`misses` groups the messages that ended in a fallback into topics; each proposes an
  intent (:class:`IntentProposal`) that :func:`igbot.replay.try_proposals` checks on the log.
- :func:`format_percent` and :func:`format_duration` put numbers in the units people read.
- :data:`LOG_FIELDS`, :func:`to_log_record` and :func:`write_log` define the log line format the
  runtime writes.

Importing this package is light: pandas loads on first use of a function, matplotlib only when
a plot is drawn.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "COLUMNS",
    "DEFINITIONS",
    "LOG_FIELDS",
    "OUTCOMES",
    "SCHEMA",
    "AccountUnknownError",
    "Dashboard",
    "Explorer",
    "IntentProposal",
    "MetricParams",
    "MissTopic",
    "Misses",
    "ParameterError",
    "ProposalError",
    "Rate",
    "Report",
    "SessionIndex",
    "UnknownSelectionError",
    "conform_categories",
    "detect_format",
    "fix_mojibake",
    "format_duration",
    "format_percent",
    "funnel",
    "hour_of_week",
    "intent_frequencies",
    "load",
    "load_dask",
    "misses",
    "new_vs_returning",
    "plot_funnel",
    "plot_hour_of_week",
    "plot_rates",
    "plot_response_times",
    "plot_trigger_mix",
    "plot_volume",
    "rates_over_time",
    "report",
    "report_dask",
    "response_times",
    "save",
    "session_table",
    "sessionize",
    "state_frequencies",
    "summary",
    "to_log_record",
    "trigger_mix",
    "volume",
    "wilson",
    "window_health",
    "write_log",
]

_WHERE = {
    "DEFINITIONS": "_metrics", "LOG_FIELDS": "_log", "SCHEMA": "_schema",
    "COLUMNS": "_schema", "conform_categories": "_schema",
    "AccountUnknownError": "_load_graph", "MetricParams": "_sessions",
    "ParameterError": "_errors",
    "Report": "_report",
    "detect_format": "_load", "fix_mojibake": "_load_dyi",
    "format_duration": "_units", "format_percent": "_units", "funnel": "_funnel",
    "hour_of_week": "_volume",
    "intent_frequencies": "_funnel", "load": "_load", "load_dask": "_dask",
    "new_vs_returning": "_volume", "rates_over_time": "_volume",
    "plot_funnel": "_plots", "plot_hour_of_week": "_plots", "plot_rates": "_plots",
    "plot_response_times": "_plots", "plot_trigger_mix": "_plots", "plot_volume": "_plots",
    "report": "_report", "report_dask": "_dask",
    "response_times": "_metrics", "save": "_log", "session_table": "_metrics",
    "sessionize": "_sessions", "state_frequencies": "_funnel", "summary": "_metrics",
    "to_log_record": "_log", "trigger_mix": "_metrics", "volume": "_volume",
    "window_health": "_window", "write_log": "_log",
    # the conversations behind the numbers: explorer, dashboard, rates with intervals
    "OUTCOMES": "_session_index", "SessionIndex": "_session_index",
    "UnknownSelectionError": "_session_index", "Explorer": "_explorer",
    "Dashboard": "_dashboard", "Rate": "_intervals", "wilson": "_intervals",
    "misses": "_misses", "Misses": "_misses", "MissTopic": "_misses",
    "IntentProposal": "_proposal", "ProposalError": "_proposal",
}


def __getattr__(name: str) -> Any:
    """Import the implementing module on first use (keeps ``import igbot.analytics`` light)."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'igbot.analytics' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"igbot.analytics.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
