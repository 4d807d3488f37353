"""``diff``: where two replays of the same log part ways, and what that changes.

Messages are matched by ``(session_id, index)``. A session *diverges* at the first message whose
``flow``, ``state``, ``intent`` or ``reply`` differ. Outcomes compared per session: handover,
any fallback, end state reached.

``ReplayDiff.to_dict()``::

    {"old": "shop", "new": "shop",
     "totals": {"sessions": 40, "diverged": 11, "outcome_changed": 7,
                "fallback_messages": {"old": 14, "new": 5},
                "fallback_rate": {"old": 0.147, "new": 0.053},
                "new_fallbacks": 1,            # messages a fallback answers only in new
                "fixed_fallbacks": 10,         # messages a fallback answers only in old
                "sessions_with_fallback": {"old": 10, "new": 4, "gained": 1, "lost": 7},
                "handover": {"old": 3, "new": 3, "gained": 0, "lost": 0},
                "new_handovers": 0,
                "end_reached": {"old": 30, "new": 34, "gained": 4, "lost": 0},
                "states_no_longer_reached": ["fallback/offerAgent"],
                "states_newly_reached": ["faq/answer"]},
     "sessions": [{"session_id", "index", "text", "old_flow", "old_state", "old_intent",
                   "old_reply", "new_flow", "new_state", "new_intent", "new_reply",
                   "old_handover", "new_handover", "old_fallback", "new_fallback",
                   "old_end", "new_end", "outcome_changed"}, ...]}   # diverged sessions only
"""

from __future__ import annotations

import difflib
import html
from typing import TYPE_CHECKING, Any

import pandas as pd

from igbot.replay._coverage import hit_names
from igbot.replay._draw import Drawing, marked_figure, svg
from igbot.replay._result import ReplayResult, frame_html, records

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["COMPARED", "ReplayDiff", "diff", "divergence_html", "word_diff"]

COMPARED = ("flow", "state", "intent", "reply")
_OUTCOMES = {"handover": "handover", "fallback": "any_fallback", "end": "end_reached"}


def _text(series: pd.Series) -> pd.Series:
    """Values as text for comparing; every kind of missing value is ``""``."""
    return series.astype(object).map(lambda v: "" if v is None or v is pd.NA or v != v else str(v))


def _divergence(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    keep = ["session_id", "index", "text", *COMPARED, "is_fallback"]
    merged = old[keep].merge(new[keep], on=["session_id", "index"], how="outer",
                             suffixes=("_old", "_new"), indicator=True)
    differs = merged["_merge"] != "both"
    for col in COMPARED:
        differs |= _text(merged[f"{col}_old"]) != _text(merged[f"{col}_new"])
    merged["differs"] = differs.to_numpy()
    first = merged[merged["differs"]].sort_values(["session_id", "index"], kind="stable")
    first = first.drop_duplicates("session_id")
    text = first["text_old"].astype(object).where(first["text_old"].notna(), first["text_new"])
    out = pd.DataFrame({"session_id": first["session_id"].astype(str).to_numpy(),
                        "index": first["index"].astype("int64").to_numpy(),
                        "text": text.to_numpy()})
    for col in COMPARED:
        out[f"old_{col}"] = first[f"{col}_old"].astype(object).to_numpy()
        out[f"new_{col}"] = first[f"{col}_new"].astype(object).to_numpy()
    fallback_old = merged["is_fallback_old"].fillna(False).astype(bool)
    fallback_new = merged["is_fallback_new"].fillna(False).astype(bool)
    out.attrs["new_fallbacks"] = int((fallback_new & ~fallback_old).sum())
    out.attrs["fixed_fallbacks"] = int((fallback_old & ~fallback_new).sum())
    return out


_DEL = "background:#ffd7d5;text-decoration:line-through"
_INS = "background:#ccffd8;text-decoration:none"
_CELL = "text-align:left;vertical-align:top;max-width:28em;white-space:pre-wrap"


def word_diff(old: Any, new: Any) -> tuple[str, str]:
    """Two texts as HTML with the words only one of them has marked: removed words struck
    through in red in the first, added words in green in the second; long shared runs are
    shortened to ``…`` around the changes so two long, nearly equal replies show what differs."""
    a = [] if old is None or old is pd.NA or old != old else str(old).split(" ")
    b = [] if new is None or new is pd.NA or new != new else str(new).split(" ")
    left: list[str] = []
    right: list[str] = []

    def same(words: list[str], first: bool, last: bool) -> str:
        text = " ".join(words)
        if len(words) <= 8:
            return html.escape(text)
        head = [] if first else words[:3]
        tail = [] if last else words[-3:]
        return html.escape(" ".join([*head, "…", *tail]))

    ops = difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    for i, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "equal":
            text = same(a[i1:i2], i == 0, i == len(ops) - 1)
            left.append(text)
            right.append(text)
            continue
        if i2 > i1:
            left.append(f"<del style='{_DEL}'>{html.escape(' '.join(a[i1:i2]))}</del>")
        if j2 > j1:
            right.append(f"<ins style='{_INS}'>{html.escape(' '.join(b[j1:j2]))}</ins>")
    return " ".join(left), " ".join(right)


def divergence_html(changed: pd.DataFrame, max_rows: int = 15) -> str:
    """The diverged sessions as a table: where, what the person wrote, old and new state (bold
    when they differ) and old and new reply with the differing words marked."""
    head = "".join(f"<th style='text-align:left'>{h}</th>" for h in (
        "session", "message", "text", "old state", "new state", "old reply", "new reply"))
    rows = []
    for row in changed.head(max_rows).itertuples(index=False):
        old_state, new_state = (_text(pd.Series([row.old_state, row.new_state])).tolist())
        states = [html.escape(old_state), html.escape(new_state)]
        if old_state != new_state:
            states = [f"<b>{s}</b>" for s in states]
        old_reply, new_reply = word_diff(row.old_reply, row.new_reply)
        cells = [html.escape(str(row.session_id)), str(row.index),
                 html.escape("" if row.text is None or row.text != row.text else str(row.text)),
                 *states, old_reply, new_reply]
        rows.append("<tr>" + "".join(f"<td style='{_CELL}'>{c}</td>" for c in cells) + "</tr>")
    more = (f"<p>First {max_rows} of {len(changed):,} sessions.</p>"
            if len(changed) > max_rows else "")
    return (f"<table class='igbot-divergence'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>{more}")


def _states(result: ReplayResult) -> set[str]:
    hits = result.hits[result.hits["kind"] == "state"]
    return {f"{f}/{n}" for f, n in zip(hits["flow"], hits["name"], strict=True)}


def _transitions(result: ReplayResult) -> dict[str, int]:
    return hit_names(result.bot, result.hits)["transitions"]


class ReplayDiff:
    """Two replays of one log compared: ``.sessions`` (one row per session) and ``.totals``."""

    def __init__(self, old: ReplayResult, new: ReplayResult) -> None:
        self.old, self.new = old, new
        first = _divergence(old.messages, new.messages)
        cols = ["session_id", *_OUTCOMES.values()]
        outcomes = old.sessions[cols].merge(new.sessions[cols], on="session_id", how="outer",
                                            suffixes=("_old", "_new"))
        sessions = pd.DataFrame({"session_id": outcomes["session_id"].astype(str)})
        changed = pd.Series(False, index=outcomes.index)
        for short, col in _OUTCOMES.items():
            sessions[f"old_{short}"] = outcomes[f"{col}_old"].fillna(False).astype(bool)
            sessions[f"new_{short}"] = outcomes[f"{col}_new"].fillna(False).astype(bool)
            changed |= sessions[f"old_{short}"] != sessions[f"new_{short}"]
        sessions["outcome_changed"] = changed
        sessions = sessions.merge(first, on="session_id", how="left")
        sessions.insert(1, "diverged", sessions["index"].notna())
        sessions["index"] = sessions["index"].astype("Int64")
        order = ["session_id", "diverged", "index", "text",
                 *(f"{v}_{c}" for c in COMPARED for v in ("old", "new")),
                 *(f"{v}_{s}" for s in _OUTCOMES for v in ("old", "new")), "outcome_changed"]
        self.sessions = sessions[order]
        self.totals = self._totals(first.attrs)

    @property
    def changed(self) -> pd.DataFrame:
        """The sessions that diverged, with where and how."""
        return self.sessions[self.sessions["diverged"]].reset_index(drop=True)

    def _totals(self, attrs: dict[str, Any]) -> dict[str, Any]:
        s, old_sum, new_sum = self.sessions, self.old.summary(), self.new.summary()

        def pair(short: str) -> dict[str, int]:
            o, n = s[f"old_{short}"], s[f"new_{short}"]
            return {"old": int(o.sum()), "new": int(n.sum()), "gained": int((n & ~o).sum()),
                    "lost": int((o & ~n).sum())}

        old_states, new_states = _states(self.old), _states(self.new)
        handover = pair("handover")
        return {
            "sessions": len(s),
            "diverged": int(s["diverged"].sum()),
            "outcome_changed": int(s["outcome_changed"].sum()),
            "fallback_messages": {"old": old_sum["fallback_messages"],
                                  "new": new_sum["fallback_messages"]},
            "fallback_rate": {"old": old_sum["fallback_rate"], "new": new_sum["fallback_rate"]},
            "new_fallbacks": attrs.get("new_fallbacks", 0),
            "fixed_fallbacks": attrs.get("fixed_fallbacks", 0),
            "sessions_with_fallback": pair("fallback"),
            "handover": handover,
            "new_handovers": handover["gained"],
            "end_reached": pair("end"),
            "states_no_longer_reached": sorted(old_states - new_states),
            "states_newly_reached": sorted(new_states - old_states),
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (see the module doc); ``sessions`` lists the diverged ones."""
        return {"old": self.old.bot.name, "new": self.new.bot.name, "totals": self.totals,
                "sessions": records(self.changed.drop(columns=["diverged"]))}

    def totals_table(self) -> pd.DataFrame:
        """The totals as a table of text: ``measure``, ``old``, ``new`` and ``change`` (new minus
        old, with the sessions gained and lost); a cell that does not apply is empty, never NaN."""
        t = self.totals
        n = t["sessions"]

        def signed(value: float, unit: str = "") -> str:
            return f"{value:+,.1f}{unit}" if unit else f"{value:+,}"

        def pair(label: str, key: str) -> list[str]:
            v = t[key]
            return [label, f"{v['old']:,}", f"{v['new']:,}",
                    f"{signed(v['new'] - v['old'])} (+{v['gained']:,} / -{v['lost']:,})"]

        rate_old, rate_new = t["fallback_rate"]["old"], t["fallback_rate"]["new"]
        rate = ["fallback rate (messages)",
                "" if rate_old is None else f"{rate_old:.1%}",
                "" if rate_new is None else f"{rate_new:.1%}",
                "" if rate_old is None or rate_new is None
                else signed((rate_new - rate_old) * 100, " pts")]
        fb = t["fallback_messages"]
        rows = [
            ["sessions", f"{n:,}", f"{n:,}", ""],
            ["sessions that diverge", "", "", f"{t['diverged']:,} of {n:,}"],
            ["sessions whose outcome changed", "", "", f"{t['outcome_changed']:,} of {n:,}"],
            ["fallback messages", f"{fb['old']:,}", f"{fb['new']:,}",
             f"{signed(fb['new'] - fb['old'])} ({t['fixed_fallbacks']:,} fixed, "
             f"{t['new_fallbacks']:,} new)"],
            rate,
            pair("sessions with a fallback", "sessions_with_fallback"),
            pair("sessions handed over", "handover"),
            pair("sessions reaching an end state", "end_reached"),
            ["states no longer reached", ", ".join(t["states_no_longer_reached"]), "", ""],
            ["states newly reached", "", ", ".join(t["states_newly_reached"]), ""],
        ]
        return pd.DataFrame(rows, columns=["measure", "old", "new", "change"], dtype=object)

    def figure(self, *, intents: bool = False) -> Figure:
        """The new bot's graph: states reached in one version only, transitions whose traffic
        changed (blue more, orange less, red no longer taken, green newly taken)."""
        nodes = {f"state:{n}": "no longer reached"
                 for n in self.totals["states_no_longer_reached"]}
        nodes.update({f"state:{n}": "newly reached" for n in self.totals["states_newly_reached"]})
        old_t, new_t = _transitions(self.old), _transitions(self.new)
        edges = {}
        for name in set(old_t) | set(new_t):
            o, n = old_t.get(name, 0), new_t.get(name, 0)
            if o == n:
                continue
            meaning = ("newly reached" if not o else "no longer reached" if not n else
                       "more traffic" if n > o else "less traffic")
            flow, _, rest = name.partition("/")
            src, _, dest = rest.partition("->")
            source = f"any:{flow}" if src == "*" else f"state:{flow}/{src}"
            edges[(source, f"state:{flow}/{dest}")] = meaning
        return marked_figure(self.new.bot, nodes, edges, intents=intents,
                             title=f"{self.new.bot.name}: what changed")

    def graph(self, *, intents: bool = False) -> Drawing:
        """:meth:`figure` as a notebook drawing (SVG) with ``save(path)``."""
        return Drawing(self.figure(intents=intents))

    def __repr__(self) -> str:
        t = self.totals
        return (f"<ReplayDiff: {t['diverged']}/{t['sessions']} sessions diverge, "
                f"{t['outcome_changed']} outcomes changed, fallback rate "
                f"{t['fallback_rate']['old']} -> {t['fallback_rate']['new']}>")

    def to_html(self, graph: bool = False, max_rows: int = 15) -> str:
        """The totals and the first divergences (the words that differ between the old and
        new reply marked), and the drawing with ``graph=True``."""
        out = (f"<div><b>{html.escape(repr(self))}</b>"
               f"{frame_html(self.totals_table(), 30)}"
               f"<b>Where sessions diverge</b>{divergence_html(self.changed, max_rows)}</div>")
        if graph:
            out += svg(self.figure())
        return out

    def _repr_html_(self) -> str:
        return self.to_html()


def diff(result_old: ReplayResult, result_new: ReplayResult) -> ReplayDiff:
    """Compare two replays of the same log (old bot, new bot)."""
    return ReplayDiff(result_old, result_new)
