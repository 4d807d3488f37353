"""``coverage``: which states, transitions, intents and actions a log or a set of specs exercised.

The universe is the bot itself: every state and intent of every flow, every transition
(``a->b`` in a flow; a ``float`` on state ``b`` counts once, as ``*->b``), and every action a
flow defines or a state names. A log is replayed (:func:`igbot.replay`); Kata test specs are run
(:mod:`igbot.replay._specs`); :func:`igbot.replay.coverage` (in ``_measure``) gathers their hits.

``Coverage.to_dict()``::

    {"bot": "pizzabot",
     "states":      {"covered": 9, "total": 12, "share": 0.75, "uncovered": ["order/done", ...]},
     "transitions": {"covered": ..., "total": ..., "share": ..., "uncovered": ["order/init->init"]},
     "intents":     {...},
     "actions":     {...}}

Names are ``<flow>/<state>``, ``<flow>/<a>-><b>``, ``<flow>/<intent>`` and ``<flow>/<action>``.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from igbot.engine import TurnRecord
from igbot.kataml import Bot
from igbot.replay._draw import Drawing, marked_figure, svg

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["KINDS", "Coverage", "CoverageItem", "Hits", "bot_universe", "count_hits", "hit_names"]

Hits = Counter[tuple[str, str, str]]
"""Hit counts: ``(kind, flow, name) -> n`` with kind state, transition, intent or action."""

KINDS = ("states", "transitions", "intents", "actions")


def bot_universe(bot: Bot) -> dict[str, list[str]]:
    """Every state, transition, intent and action of the bot, as coverage names, in bot order."""
    out: dict[str, list[str]] = {k: [] for k in KINDS}
    for flow_name, flow in bot.flows.items():
        floats = [name for name, s in flow.states.items() if s.float is not None]
        for state_name, state in flow.states.items():
            out["states"].append(f"{flow_name}/{state_name}")
            out["transitions"] += [f"{flow_name}/{state_name}->{dest}" for dest in state.transitions]
        out["transitions"] += [f"{flow_name}/*->{dest}" for dest in floats]
        out["intents"] += [f"{flow_name}/{i}" for i in flow.intents]
        actions = list(flow.actions)
        for state in flow.states.values():
            actions += [ref.name for ref in state.action if ref.name not in actions]
        out["actions"] += [f"{flow_name}/{a}" for a in actions]
    return out


def count_hits(hits: Hits, records: Iterable[TurnRecord]) -> None:
    """Add what the records of a turn exercised to ``hits`` (actions only when they ran)."""
    for r in records:
        if r.flow is None:
            continue
        if r.state is not None:
            hits["state", r.flow, r.state] += 1
        if r.transition:
            hits["transition", r.flow, r.transition] += 1
            hits["state", r.flow, r.transition.split("->", 1)[0]] += 1
        if r.intent:
            hits["intent", r.flow, r.intent] += 1
        for a in r.actions:
            if a.status in ("ok", "substituted"):
                hits["action", r.flow, a.name] += 1


def hit_names(bot: Bot, hits: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Hit counts by coverage name; transitions that are not a state's own fall to ``*->b``."""
    out: dict[str, dict[str, int]] = {k: {} for k in KINDS}
    for kind, flow_name, name, count in hits[["kind", "flow", "name", "count"]].itertuples(
            index=False):
        plural = kind + "s"
        if kind == "transition":
            flow = bot.flows.get(flow_name)
            src, _, dest = str(name).partition("->")
            state = flow.states.get(src) if flow else None
            if state is not None and dest not in state.transitions and flow is not None and \
                    flow.states.get(dest) is not None and flow.states[dest].float is not None:
                name = f"*->{dest}"
        key = f"{flow_name}/{name}"
        out[plural][key] = out[plural].get(key, 0) + int(count)
    return out


@dataclass
class CoverageItem:
    """Coverage of one kind of thing: how many of ``total`` were exercised, and which were not."""

    kind: str
    covered: int
    total: int
    uncovered: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def share(self) -> float:
        """covered / total (1.0 when there is nothing to cover)."""
        return self.covered / self.total if self.total else 1.0

    def to_dict(self) -> dict[str, Any]:
        """``{"covered", "total", "share", "uncovered"}``."""
        return {"covered": self.covered, "total": self.total, "share": round(self.share, 4),
                "uncovered": list(self.uncovered)}

    def __repr__(self) -> str:
        return f"<{self.kind}: {self.covered}/{self.total} ({self.share:.0%})>"


class Coverage:
    """What a log or a set of specs exercised of a bot: ``.states``, ``.transitions``,
    ``.intents``, ``.actions`` (each a :class:`CoverageItem`)."""

    def __init__(self, bot: Bot, items: dict[str, CoverageItem], source: str = "") -> None:
        self.bot = bot
        self.items = items
        self.source = source
        self.states, self.transitions = items["states"], items["transitions"]
        self.intents, self.actions = items["intents"], items["actions"]

    @classmethod
    def from_hits(cls, bot: Bot, hits: pd.DataFrame, source: str = "") -> Coverage:
        """Coverage from a hit-count frame (``kind``, ``flow``, ``name``, ``count``)."""
        universe = bot_universe(bot)
        counts = hit_names(bot, hits)
        items = {}
        for kind in KINDS:
            names = universe[kind]
            hit = {n: counts[kind].get(n, 0) for n in names}
            items[kind] = CoverageItem(kind, sum(1 for n in names if hit[n]), len(names),
                                       [n for n in names if not hit[n]], hit)
        return cls(bot, items, source)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (see the module doc)."""
        return {"bot": self.bot.name, **{k: self.items[k].to_dict() for k in KINDS}}

    def table(self) -> pd.DataFrame:
        """One row per kind: covered, total, share."""
        return pd.DataFrame([{"kind": k, "covered": self.items[k].covered,
                              "total": self.items[k].total, "share": round(self.items[k].share, 3)}
                             for k in KINDS])

    def __repr__(self) -> str:
        parts = ", ".join(f"{k} {self.items[k].covered}/{self.items[k].total}" for k in KINDS)
        return f"<Coverage {self.bot.name!r}: {parts}>"

    def figure(self, *, intents: bool = True) -> Figure:
        """The bot's graph with uncovered states, intents and transitions ringed in red."""
        nodes = {f"state:{n}": "uncovered" for n in self.states.uncovered}
        if intents:
            nodes.update({f"intent:{n}": "uncovered" for n in self.intents.uncovered})
        edges = {}
        for name in self.transitions.uncovered:
            flow, _, rest = name.partition("/")
            src, _, dest = rest.partition("->")
            source = f"any:{flow}" if src == "*" else f"state:{flow}/{src}"
            edges[(source, f"state:{flow}/{dest}")] = "uncovered"
        return marked_figure(self.bot, nodes, edges, intents=intents,
                             title=f"{self.bot.name}: not covered{self._by()}")

    def graph(self, *, intents: bool = True) -> Drawing:
        """:meth:`figure` as a notebook drawing (SVG) with ``save(path)``."""
        return Drawing(self.figure(intents=intents))

    def _by(self) -> str:
        return f" by {self.source}" if self.source else ""

    def to_html(self, graph: bool = False) -> str:
        """Tables of the shares and of what is uncovered (and the drawing with ``graph=True``)."""
        rows = "".join(
            f"<tr><td>{k}</td><td>{self.items[k].covered}/{self.items[k].total}</td>"
            f"<td>{self.items[k].share:.0%}</td><td>"
            f"{html.escape(', '.join(self.items[k].uncovered[:30]))}"
            f"{' …' if len(self.items[k].uncovered) > 30 else ''}</td></tr>" for k in KINDS)
        out = (f"<div><b>Coverage of {html.escape(str(self.bot.name))}"
               f"{html.escape(self._by())}</b><table><tr><th>kind</th><th>covered</th>"
               f"<th>share</th><th>uncovered</th></tr>{rows}</table></div>")
        if graph:
            out += svg(self.figure())
        return out

    def _repr_html_(self) -> str:
        return self.to_html()
