"""A Kata-ML bot as a :class:`networkx.MultiDiGraph`: flows, states, intents and what links them.

Built from the loaded :class:`~igbot.kataml.Bot` only; drawing is a separate step.

Node ids are stable strings: ``flow:<flow>``, ``state:<flow>/<state>``,
``intent:<flow>/<intent>``, ``any:<flow>`` (the "any state" source of collapsed floats) and
``agent`` (the human agent inbox a ``handover`` action passes the person to).

Node attributes (every node has ``kind``, ``label``, ``flow``, ``name``, ``external``):

==============  ========================  =====================================================
attribute       nodes                     meaning
==============  ========================  =====================================================
kind            all                       ``flow``, ``state``, ``intent``, ``any``, ``agent``
label           all                       text to draw (the name)
flow            all but agent             the flow it belongs to (``None`` for the agent)
name            all                       the flow, state or intent name
external        all                       ``True`` for a flow drawn only because an edge of
                                          the selected flow reaches it (``flow=...``)
fallback        flow, state, intent       flow/intent ``fallback: true``; a state of the
                                          bot's fallback flow
volatile        flow                      ``volatile: true``
priority        flow, intent              the ``priority`` key or ``None``
initial_state   flow                      name of its initial state or ``None``
initial         state, intent             ``initial: true``
end             state                     ``end: true``
role            state                     drawing category: ``handover`` > ``fallback`` >
                                          ``initial`` > ``end`` > ``state``
actions         state                     list of ``{"name", "type", "condition", "command"}``
                                          (``type`` ``None`` when the name resolves to nothing)
handover        state                     it has a ``handover`` action
type            intent                    ``text``, ``data``, ``command`` or ``None`` (any)
conditions      intent                    list of condition expressions
classifiers     intent                    list of ``"nlu:match"`` strings
reenter         intent                    it accepts the ``reenter`` command
==============  ========================  =====================================================

Edges are keyed by their kind (a second edge of the same kind between the same nodes gets
``<kind>#2``). Edge attributes (every edge has ``kind``, ``label``, ``title``):

==============  ========================  =====================================================
attribute       edges                     meaning
==============  ========================  =====================================================
kind            all                       ``transition`` (state -> state), ``float`` (state or
                                          ``any:<flow>`` -> state), ``start`` (flow -> its
                                          initial state), ``entry`` (initial intent -> flow),
                                          ``intent`` (other intent -> its flow), ``command``
                                          (state -> flow whose intent takes the command),
                                          ``schedule`` (state -> flow its scheduled command
                                          opens), ``reenter`` (flow -> stacked flow resuming
                                          with ``reenter``), ``handover`` (state -> agent)
label           all                       short text: condition, ``fallback``, priority,
                                          mapping targets, command
title           all                       the full text (tooltips)
condition       transition, float         the condition expression or ``None``
priority        transition, float         the ``priority`` key or ``None``
fallback        transition, float         ``fallback: true``
mapping         transition, float         dict path -> expression, a method name, or ``None``
order           transition                position among the state's transitions
intents         transition, float         intent names the condition compares ``intent`` to
command         command, schedule         the command content
action          command, schedule,        name of the action in the source state
                handover
intent          command, reenter          the intent of the target flow that takes it
==============  ========================  =====================================================
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import networkx as nx

from igbot.graph._names import (
    AGENT,
    any_id,
    command_matcher,
    flow_id,
    intent_id,
    intents_in,
    resolve_action,
    state_id,
    takes_command,
    transition_text,
)
from igbot.graph._style import one_line, shorten
from igbot.kataml import ACTION_TYPES, Action, Bot, Flow, Intent, State, Transition

__all__ = [
    "ACTION_TYPES",
    "AGENT",
    "any_id",
    "flow_graph",
    "flow_id",
    "intent_id",
    "resolve_action",
    "state_id",
]

logger = logging.getLogger(__name__)

class _Builder:
    """One build of the graph of a bot."""

    def __init__(self, bot: Bot, intents: bool, collapse_floats: bool) -> None:
        self.bot = bot
        self.with_intents = intents
        self.collapse = collapse_floats
        self.g = nx.MultiDiGraph(name=bot.name or "bot", bot=bot.name)
        self.matches = command_matcher()

    def add_edge(self, u: str, v: str, kind: str, **attrs: Any) -> None:
        key, n = kind, 1
        while self.g.has_edge(u, v, key):
            n += 1
            key = f"{kind}#{n}"
        attrs.setdefault("label", "")
        attrs.setdefault("title", attrs["label"])
        self.g.add_edge(u, v, key=key, kind=kind, **attrs)

    def build(self) -> nx.MultiDiGraph:
        fallback_flow = self.bot.fallback_flow()
        for name, flow in self.bot.flows.items():
            self.add_flow(name, flow, name == fallback_flow or bool(flow.fallback))
        for name, flow in self.bot.flows.items():
            self.add_actions(name, flow)
        self.add_reenter()
        return self.g

    def add_flow(self, name: str, flow: Flow, is_fallback: bool) -> None:
        fid = flow_id(name)
        initial = flow.initial_state()
        self.g.add_node(
            fid, kind="flow", label=name, flow=name, name=name, external=False,
            fallback=bool(flow.fallback), volatile=bool(flow.volatile), priority=flow.priority,
            initial_state=initial, n_states=len(flow.states),
        )
        for sname, state in flow.states.items():
            self.add_state(name, flow, sname, state, is_fallback)
        if initial is not None:
            self.add_edge(fid, state_id(name, initial), "start", label="", title="start")
        for iname, intent in flow.intents.items():
            self.add_intent(name, iname, intent)
        self.add_transitions(name, flow)

    def add_state(self, fname: str, flow: Flow, sname: str, state: State, fb: bool) -> None:
        actions = []
        handover = False
        for ref in state.action:
            action = resolve_action(flow, ref.name, ref.options)
            kind = action.type if action is not None else None
            handover = handover or kind == "handover"
            command = action.options.get("command") if action is not None else None
            actions.append({"name": ref.name, "type": kind,
                            "condition": ref.condition or (action.condition if action else None),
                            "command": command if kind in ("command", "asyncApi") else None})
        role = ("handover" if handover else "fallback" if fb else "initial" if state.initial
                else "end" if state.end else "state")
        self.g.add_node(
            state_id(fname, sname), kind="state", label=sname, flow=fname, name=sname,
            external=False, initial=bool(state.initial), end=bool(state.end), fallback=fb,
            role=role, actions=actions, handover=handover,
        )

    def add_intent(self, fname: str, iname: str, intent: Intent) -> None:
        if not self.with_intents:
            return
        iid = intent_id(fname, iname)
        reenter = intent.type in ("command", None) and bool(intent.condition) and self.matches(
            intent.condition, "reenter")
        self.g.add_node(
            iid, kind="intent", label=iname, flow=fname, name=iname, external=False,
            type=intent.type, initial=bool(intent.initial), fallback=bool(intent.fallback),
            priority=intent.priority, conditions=list(intent.condition),
            classifiers=[f"{c.nlu}:{c.match}" if c.match is not None else str(c.nlu)
                         for c in intent.classifier],
            reenter=reenter,
        )
        cond = " && ".join(intent.condition) or ", ".join(
            f"{c.nlu}:{c.match}" if c.match is not None else str(c.nlu) for c in intent.classifier)
        if intent.initial:
            self.add_edge(iid, flow_id(fname), "entry", label=shorten(cond, 28),
                          title=cond or "initial intent")
        else:
            self.add_edge(iid, flow_id(fname), "intent", label="", title=cond or "intent")

    def add_transitions(self, fname: str, flow: Flow) -> None:
        states = list(flow.states)
        for sname, state in flow.states.items():
            for order, (dest, tr) in enumerate(state.transitions.items()):
                label, title = transition_text(tr)
                self.add_edge(state_id(fname, sname), state_id(fname, dest), "transition",
                              **self._tr_attrs(tr, label, title), order=order)
            if state.float is not None:
                label, title = transition_text(state.float)
                title = "float (from any state)\n" + title
                sources = [any_id(fname)] if self.collapse else [state_id(fname, s) for s in states]
                if self.collapse and not self.g.has_node(any_id(fname)):
                    self.g.add_node(any_id(fname), kind="any", label="any state", flow=fname,
                                    name="*", external=False)
                for src in sources:
                    self.add_edge(src, state_id(fname, sname), "float",
                                  **self._tr_attrs(state.float, label, title))
        for sname in {d for s in flow.states.values() for d in s.transitions} - set(states):
            logger.debug("flow %r: transition to missing state %r", fname, sname)
            self.g.add_node(state_id(fname, sname), kind="state", label=sname, flow=fname,
                            name=sname, external=False, initial=False, end=False,
                            fallback=False, role="state", actions=[], handover=False,
                            missing=True)

    @staticmethod
    def _tr_attrs(tr: Transition, label: str, title: str) -> dict[str, Any]:
        mapping = dict(tr.mapping) if isinstance(tr.mapping, dict) else tr.mapping
        return {"label": label, "title": title, "condition": tr.condition,
                "priority": tr.priority, "fallback": bool(tr.fallback), "mapping": mapping,
                "intents": intents_in(tr.condition)}

    def target_of(self, fname: str, command: str) -> tuple[str, str] | None:
        """(flow, intent) that takes ``command`` sent from ``fname``: its own intents first."""
        flow = self.bot.flows[fname]
        for iname, intent in flow.intents.items():
            if takes_command(intent) and self.matches(intent.condition, command):
                return fname, iname
        for other, oflow in self.bot.flows.items():
            if other == fname:
                continue
            for iname, intent in oflow.intents.items():
                if intent.initial and takes_command(intent) and self.matches(
                        intent.condition, command):
                    return other, iname
        return None

    def add_actions(self, fname: str, flow: Flow) -> None:
        for sname, state in flow.states.items():
            sid = state_id(fname, sname)
            for ref in state.action:
                action = resolve_action(flow, ref.name, ref.options)
                if action is None:
                    continue
                if action.type == "handover":
                    if not self.g.has_node(AGENT):
                        self.g.add_node(AGENT, kind="agent", label="human agent", flow=None,
                                        name=AGENT, external=False)
                    text = one_line(str(action.options.get("text") or ""))
                    self.add_edge(sid, AGENT, "handover", label=ref.name,
                                  title=f"handover ({ref.name}) {text}".strip(), action=ref.name)
                elif action.type in ("command", "schedule"):
                    self.add_command(fname, sid, ref.name, action)

    def add_command(self, fname: str, sid: str, name: str, action: Action) -> None:
        options = action.options
        if action.type == "schedule":
            message = options.get("message")
            if not isinstance(message, dict) or message.get("type") != "command":
                return
            command = message.get("content")
        else:
            command = options.get("command")
        if not isinstance(command, str) or "$(" in command:
            return  # computed at run time: nothing to draw
        target = self.target_of(fname, command)
        if target is None:
            logger.debug("flow %r action %r: no intent takes command %r", fname, name, command)
            return
        tflow, tintent = target
        self.add_edge(sid, flow_id(tflow), action.type, label=f"⌘ {shorten(command, 24)}",
                      title=f"{action.type} {name}: {command} (intent {tflow}/{tintent})",
                      command=command, action=name, intent=tintent)

    def add_reenter(self) -> None:
        """A flow below on the stack resumes with ``reenter`` when another flow ends."""
        for fname, flow in self.bot.flows.items():
            if flow.volatile:
                continue
            takers = [i for i, intent in flow.intents.items()
                      if takes_command(intent) and self.matches(intent.condition, "reenter")]
            if not takers:
                continue
            for other in self.bot.flows:
                if other != fname:
                    self.add_edge(flow_id(other), flow_id(fname), "reenter", label="",
                                  title=f"when {other} ends, {fname} resumes (intent {takers[0]})",
                                  intent=takers[0])


def _select(graph: nx.MultiDiGraph, flows: Iterable[str]) -> nx.MultiDiGraph:
    wanted = set(flows)
    keep = {n for n, d in graph.nodes(data=True) if d.get("flow") in wanted}
    extra = set()
    for u, v in graph.edges():
        if (u in keep) != (v in keep):
            extra.add(v if u in keep else u)
    chosen = keep | extra
    # a new graph in the original node and edge order (subgraph views follow set order, which
    # changes with PYTHONHASHSEED and would reorder Mermaid ids and DOT output between runs)
    sub = nx.MultiDiGraph()
    sub.graph.update(graph.graph)
    sub.add_nodes_from((n, dict(d)) for n, d in graph.nodes(data=True) if n in chosen)
    sub.add_edges_from((u, v, k, dict(d)) for u, v, k, d in graph.edges(keys=True, data=True)
                       if u in chosen and v in chosen)
    for node in extra:
        sub.nodes[node]["external"] = sub.nodes[node]["kind"] != "agent"
    sub.graph["flows"] = sorted(wanted)
    sub.graph["selected"] = True  # drawn on its own: titled by its flow
    return sub


def flow_graph(
    bot: Bot, flow: str | Iterable[str] | None = None, *, intents: bool = True,
    collapse_floats: bool = False,
) -> nx.MultiDiGraph:
    """The bot (or one flow of it) as a MultiDiGraph; see the module docs for the attributes.

    Args:
        bot: a loaded bot.
        flow: one flow name (or several) to keep, with the flows its edges reach marked
            ``external``; ``None`` for the whole bot.
        intents: add intent nodes and their edges to their flows.
        collapse_floats: one float edge from ``any:<flow>`` instead of one per state.

    Raises:
        KeyError: ``flow`` names a flow the bot does not have.
    """
    graph = _Builder(bot, intents, collapse_floats).build()
    graph.graph["flows"] = list(bot.flows)
    if flow is None:
        return graph
    names = [flow] if isinstance(flow, str) else list(flow)
    missing = [n for n in names if n not in bot.flows]
    if missing:
        raise KeyError(f"bot {bot.name!r} has no flow {missing[0]!r} "
                       f"(flows: {', '.join(bot.flows)})")
    return _select(graph, names)
