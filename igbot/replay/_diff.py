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

import html
from typing import TYPE_CHECKING, Any

import pandas as pd

from igbot.replay._result import ReplayResult, frame_html, records

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from igbot.replay._draw import Drawing

__all__ = ["COMPARED", "ReplayDiff", "diff"]

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


def _states(result: ReplayResult) -> set[str]:
    hits = result.hits[result.hits["kind"] == "state"]
    return {f"{f}/{n}" for f, n in zip(hits["flow"], hits["name"], strict=True)}


def _transitions(result: ReplayResult) -> dict[str, int]:
    from igbot.replay._coverage import _hit_names

    return _hit_names(result.bot, result.hits)["transitions"]


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
        """The totals as a table: measure, old, new (and gained/lost where they apply)."""
        rows = []
        for key, value in self.totals.items():
            if isinstance(value, dict):
                rows.append({"measure": key, **value})
            elif isinstance(value, list):
                rows.append({"measure": key, "new": ", ".join(value) or "-"})
            else:
                rows.append({"measure": key, "new": value})
        return pd.DataFrame(rows, columns=["measure", "old", "new", "gained", "lost"])

    def figure(self, *, intents: bool = False) -> Figure:
        """The new bot's graph: states reached in one version only, transitions whose traffic
        changed (blue more, orange less, red no longer taken, green newly taken)."""
        from igbot.replay._draw import marked_figure

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
        from igbot.replay._draw import Drawing

        return Drawing(self.figure(intents=intents))

    def __repr__(self) -> str:
        t = self.totals
        return (f"<ReplayDiff: {t['diverged']}/{t['sessions']} sessions diverge, "
                f"{t['outcome_changed']} outcomes changed, fallback rate "
                f"{t['fallback_rate']['old']} -> {t['fallback_rate']['new']}>")

    def to_html(self, graph: bool = False, max_rows: int = 15) -> str:
        """The totals and the first divergences as tables (and the drawing with ``graph=True``)."""
        shown = self.changed[["session_id", "index", "text", "old_state", "new_state",
                              "old_reply", "new_reply"]]
        out = (f"<div><b>{html.escape(repr(self))}</b>"
               f"{frame_html(self.totals_table().astype(object).fillna(''), 30)}"
               f"<b>Where sessions diverge</b>{frame_html(shown, max_rows)}</div>")
        if graph:
            from igbot.replay._draw import svg

            out += svg(self.figure())
        return out

    def _repr_html_(self) -> str:
        return self.to_html()


def diff(result_old: ReplayResult, result_new: ReplayResult) -> ReplayDiff:
    """Compare two replays of the same log (old bot, new bot)."""
    return ReplayDiff(result_old, result_new)
