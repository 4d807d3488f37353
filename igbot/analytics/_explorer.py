"""``Explorer``: every session of a log with its outcome, filtered and sorted, and the one you
click read as Instagram bubbles with the bot's record on each turn.

Other views open it on what a person clicked: a flow canvas on a node
(``explorer.filter(flow="promo", state="show")``) or an edge (``edge=("show", "claimed")``), a
report's number (``outcome="handover"``), a funnel step (``state=``); ``explorer.open(session_id)``
shows one conversation. The Python side holds the state; the widgets draw it and report clicks.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ipywidgets as w
import numpy as np
import pandas as pd

from igbot.analytics._load import load
from igbot.analytics._metrics import TRIGGERS, _user_fallbacks
from igbot.analytics._session_index import OUTCOMES, SessionIndex, UnknownSelectionError
from igbot.analytics._transcript import transcript_html
from igbot.analytics._units import format_duration

__all__ = ["FIGURE_OUTCOMES", "SORTS", "Explorer"]

logger = logging.getLogger(__name__)

ANY = "(any)"
_STYLE = ("<style>.igbot-sessions select{font-family:ui-monospace,Menlo,Consolas,monospace;"
          "font-size:12px}</style>")
# a report figure -> the outcome of the sessions it counts (None: all of them)
FIGURE_OUTCOMES: dict[str, str | None] = {
    "sessions": None, "conversations": None, "people": None, "messages_in": None,
    "handover_rate": "handover", "handover_sessions": "handover", "handovers": "handover",
    "containment_rate": "contained", "fallback_rate": "fallback",
    "fallback_session_rate": "fallback", "fallback_messages": "fallback",
    "abandonment_rate": "abandoned", "abandoned_sessions": "abandoned",
}
# sort name -> (column, ascending)
SORTS: dict[str, tuple[str, bool]] = {
    "newest first": ("start", False),
    "oldest first": ("start", True),
    "longest": ("duration_s", False),
    "most messages": ("messages_in", False),
    "most fallbacks": ("fallback_messages", False),
}


def _frame(logs: Any, load_options: dict[str, Any]) -> pd.DataFrame:
    if isinstance(logs, pd.DataFrame):
        return logs
    if isinstance(logs, str | Path) or (isinstance(logs, Sequence) and not isinstance(logs, str)):
        return load(logs, **load_options)
    raise TypeError(f"logs must be a canonical frame or paths to load, got {type(logs).__name__}")


class Explorer:
    """The conversations behind the numbers.

    Args:
        logs: a canonical frame, file(s)/folder(s) :func:`~igbot.analytics.load` reads, or a
            :class:`SessionIndex` already built (then ``bot`` and ``params`` are its own).
        bot: the Kata-ML bot (end states, fallback flow, ice breakers) as for
            :func:`~igbot.analytics.summary`; other metric parameters as keywords.
        max_rows: how many sessions the list shows at once (the table holds them all).
        load_options: passed to :func:`~igbot.analytics.load` when ``logs`` are paths.
    Attributes:
        index: the :class:`SessionIndex` (all sessions and their outcomes).
        shown: the sessions matching the filters, sorted.
        selected: the session open in the reader, or None.
    """

    def __init__(self, logs: Any, *, bot: Any = None, max_rows: int = 500,
                 load_options: dict[str, Any] | None = None, **params: Any) -> None:
        if isinstance(logs, SessionIndex):  # shared with a Dashboard: computed once
            self.index = logs
        else:
            if bot is not None:
                params["bot"] = bot
            self.index = SessionIndex(_frame(logs, load_options or {}), **params)
        self.max_rows = max_rows
        self.filters: dict[str, Any] = {}
        self.sort_by = "newest first"
        self.selected: str | None = None
        self._fallback_rows = _user_fallbacks(self.index.prepared)
        self._syncing = False
        self.shown = self._apply()
        self._build()

    # -- the API other views call ----------------------------------------------------------

    def filter(self, *, flow: str | None = None, state: str | None = None,
               edge: Sequence[str] | None = None, outcome: str | None = None,
               start: Any = None, end: Any = None, intent: str | None = None,
               trigger: str | None = None, text: str | None = None,
               sessions: Sequence[str] | None = None) -> pd.DataFrame:
        """Show the sessions that match every filter given (the others are cleared).

        Args:
            flow, state, edge, outcome, start, end, intent, trigger, text, sessions: as
                :meth:`SessionIndex.select` (``end`` is exclusive).
        Returns:
            The matching sessions, sorted (also :attr:`shown`).
        Raises:
            UnknownSelectionError: a flow, state, edge or outcome the log does not have.
        """
        filters = {"flow": flow, "state": state, "edge": tuple(edge) if edge else None,
                   "outcome": outcome, "start": start, "end": end, "intent": intent,
                   "trigger": trigger, "text": text or None,
                   "sessions": tuple(sessions) if sessions is not None else None}
        filters = {k: v for k, v in filters.items() if v is not None}
        self.index.select(**filters)  # raises before anything changes
        self.filters = filters
        self.shown = self._apply()
        self._sync_widgets()
        return self.shown

    def behind(self, figure: str, **filters: Any) -> pd.DataFrame:
        """Show the sessions a report figure counts: a key of :func:`~igbot.analytics.summary`
        (``handover_rate``, ``abandoned_sessions``, ``fallback_messages``...) or of the trigger
        mix (``story_reply``...), with more ``filters`` (a funnel step: ``flow=``, ``state=``).

        Raises:
            UnknownSelectionError: a figure that does not count sessions.
        """
        if figure in FIGURE_OUTCOMES:
            outcome = FIGURE_OUTCOMES[figure]
            return self.filter(**({"outcome": outcome} if outcome else {}), **filters)
        if figure in TRIGGERS:
            return self.filter(trigger=figure, **filters)
        raise UnknownSelectionError(
            f"{figure!r} does not count sessions; figures: {', '.join(FIGURE_OUTCOMES)}, "
            f"or a trigger ({', '.join(TRIGGERS)})")

    def sort(self, by: str) -> pd.DataFrame:
        """Sort the shown sessions: one of :data:`SORTS`."""
        if by not in SORTS:
            raise UnknownSelectionError(f"no sort {by!r}; sorts: {', '.join(SORTS)}")
        self.sort_by = by
        self.shown = self._apply()
        self._sync_widgets()
        return self.shown

    def open(self, session_id: str) -> str:
        """Read one session as Instagram bubbles; returns the HTML shown.

        Raises:
            UnknownSelectionError: no such session.
        """
        events = self.index.session_events(session_id)
        row = self.index.sessions.loc[self.index.sessions["session_id"] == session_id].iloc[0]
        p = self.index.prepared
        first = int(np.flatnonzero(p.df["session_id"].cat.categories == session_id)[0])
        rows = np.flatnonzero(p.sess == first)
        html = transcript_html(events, fallback=self._fallback_rows[rows],
                               title=self._title(row))
        self.selected = session_id
        self.html = html
        if hasattr(self, "reader"):
            self.reader.value = html
            if self.session_list.value != session_id and session_id in self._listed:
                self._syncing = True
                try:
                    self.session_list.value = session_id
                finally:
                    self._syncing = False
        return html

    @staticmethod
    def _title(row: pd.Series) -> str:
        start = row["start"].strftime("%Y-%m-%d %H:%M")
        return (f"{row['session_id']} · {start} UTC · {format_duration(row['duration_s'])} · "
                f"{row['outcome']}")

    def _apply(self) -> pd.DataFrame:
        mask = self.index.select(**self.filters)
        column, ascending = SORTS[self.sort_by]
        shown = self.index.sessions[mask]
        return shown.sort_values([column, "start"], ascending=[ascending, True], kind="stable")

    # -- widgets --------------------------------------------------------------------------

    def _build(self) -> None:
        flows = self.index.flows()
        self.flow_filter = w.Dropdown(description="Flow", options=[ANY, *flows], value=ANY)
        self.state_filter = w.Dropdown(description="State", options=[ANY, *self.index.states()],
                                       value=ANY)
        self.outcome_filter = w.Dropdown(description="Outcome", options=[ANY, *OUTCOMES, "open"],
                                         value=ANY)
        self.start_filter = w.DatePicker(description="From")
        self.end_filter = w.DatePicker(description="To (incl.)")
        self.sort_choice = w.Dropdown(description="Sort", options=list(SORTS), value=self.sort_by)
        self.text_filter = w.Text(description="Said", placeholder="words the person wrote",
                                  continuous_update=False)
        self.edge_label = w.HTML()
        self.clear_button = w.Button(description="Clear filters", icon="times")
        self.count_label = w.HTML()
        self.session_list = w.Select(options=[], rows=14, layout=w.Layout(width="520px"))
        self.session_list.add_class("igbot-sessions")  # monospace, so the columns line up
        self.reader = w.HTML('<i style="color:#8e8e8e">click a session to read it</i>',
                             layout=w.Layout(max_height="560px", overflow="auto",
                                             border="1px solid #dbdbdb", width="440px"))
        for control in (self.flow_filter, self.state_filter, self.outcome_filter,
                        self.start_filter, self.end_filter, self.text_filter):
            control.observe(self._filters_changed, names="value")
        self.sort_choice.observe(lambda ch: self._syncing or self.sort(ch["new"]), names="value")
        self.session_list.observe(self._clicked, names="value")
        self.clear_button.on_click(lambda _b: self.filter())
        self.widget = w.VBox([
            w.HBox([self.flow_filter, self.state_filter, self.outcome_filter, self.text_filter],
                   layout=w.Layout(flex_flow="row wrap")),
            w.HBox([self.start_filter, self.end_filter, self.sort_choice, self.clear_button],
                   layout=w.Layout(flex_flow="row wrap")),
            w.HBox([self.count_label, self.edge_label]),
            w.HBox([self.session_list, self.reader], layout=w.Layout(flex_flow="row wrap")),
        ])
        self._sync_widgets()

    @staticmethod
    def _label(row: Any) -> str:
        start = row.start.strftime("%Y-%m-%d %H:%M")
        flow = row.flow if isinstance(row.flow, str) else "–"
        return (f"{start}  {row.conversation_id[-6:]}  {flow:<10.10}  "
                f"{int(row.messages_in)} msg  {row.outcome}")

    def _sync_widgets(self) -> None:
        if not hasattr(self, "widget"):
            return
        self._syncing = True
        try:
            f = self.filters
            self.flow_filter.value = f.get("flow", ANY)
            states = self.index.states(f.get("flow"))
            self.state_filter.options = [ANY, *states]
            self.state_filter.value = f.get("state", ANY) if f.get("state") in states else ANY
            self.outcome_filter.value = f.get("outcome", ANY)
            self.text_filter.value = f.get("text") or ""
            self.start_filter.value = _as_date(f.get("start"))
            end = _as_date(f.get("end"))
            self.end_filter.value = end - dt.timedelta(days=1) if end else None
            self.sort_choice.value = self.sort_by
            edge, chosen = f.get("edge"), f.get("sessions")
            self.edge_label.value = (f"&nbsp; moved <b>{edge[0]} → {edge[1]}</b>" if edge else "") + (
                f"&nbsp; among <b>{len(chosen):,}</b> chosen sessions" if chosen is not None else "")
            listed = self.shown.head(self.max_rows)
            self._listed = set(listed["session_id"])
            self.session_list.options = [(self._label(r), r.session_id)
                                         for r in listed.itertuples(index=False)]
            self.session_list.value = self.selected if self.selected in self._listed else None
            total, n = len(self.index.sessions), len(self.shown)
            more = f" (listing the first {self.max_rows:,})" if n > self.max_rows else ""
            self.count_label.value = f"{_STYLE}<b>{n:,}</b> of {total:,} sessions{more}"
        finally:
            self._syncing = False

    def _filters_changed(self, _change: Any) -> None:
        if self._syncing:
            return
        f = dict(self.filters)
        f.pop("flow", None), f.pop("state", None), f.pop("outcome", None)
        f.pop("start", None), f.pop("end", None), f.pop("text", None)
        if self.flow_filter.value != ANY:
            f["flow"] = self.flow_filter.value
        if self.state_filter.value != ANY and self.state_filter.value in self.index.states(
                f.get("flow")):
            f["state"] = self.state_filter.value
        if self.outcome_filter.value != ANY:
            f["outcome"] = self.outcome_filter.value
        if self.text_filter.value.strip():
            f["text"] = self.text_filter.value.strip()
        if self.start_filter.value:
            f["start"] = pd.Timestamp(self.start_filter.value)
        if self.end_filter.value:
            f["end"] = pd.Timestamp(self.end_filter.value) + pd.Timedelta(days=1)
        try:
            self.filter(**f)
        except UnknownSelectionError as exc:  # e.g. an edge not in the newly chosen flow
            logger.info("filter dropped: %s", exc)
            f.pop("edge", None)
            self.filter(**f)

    def _clicked(self, change: Any) -> None:
        if not self._syncing and change["new"]:
            self.open(change["new"])

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return (f"<Explorer {len(self.shown):,} of {len(self.index.sessions):,} sessions"
                f"{' ' + str(self.filters) if self.filters else ''}>")


def _as_date(value: Any) -> dt.date | None:
    if value is None:
        return None
    return pd.Timestamp(value).date()
