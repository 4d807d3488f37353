"""Lint checks of a bot's structure: keys, flows, states, transitions, intents, NLUs, methods."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from igbot.kataml._findings import Reporter
from igbot.kataml._models import ACTION_TYPES, Bot, Flow, Intent, State, Transition

__all__ = [
    "CLOUD_NLU_TYPES",
    "LOCAL_NLU_TYPES",
    "check_bot",
    "intents_named",
    "scope_of",
]

SCHEMAS = ("kata.ai/schema/kata-ml/1.0", "kataml")
LOCAL_NLU_TYPES = frozenset({"keyword", "regex", "method"})
CLOUD_NLU_TYPES = frozenset({"nl", "verstandClassifier", "verstandTagger", "witIntent",
                             "witEntity"})
# keys the Kata-ML reference documents that the models keep as extras
_DOCUMENTED_EXTRAS = {"Classifier": {"expression", "dict"}, "Attribute": {"hint", "dict"},
                      "Action": {"method"}}
_HINTS = {("State", "fallback"): "fallback belongs on a transition (a state has no fallback)"}

_SCOPE = re.compile(r"^flows\.([^.\[]+)(?:\.(states|intents|actions)\.([^.\[]+))?")
_QUOTED = re.compile(r"""(['"])((?:\\.|(?!\1).)*)\1""")
_INTENT_EQ = re.compile(
    r"""\bintent\s*(?:===?|!==?)\s*(['"])([^'"]*)\1|(['"])([^'"]*)\3\s*(?:===?|!==?)\s*intent\b""")
_INTENT_TERM = re.compile(r"""^\(?\s*intent\s*===?\s*(['"])([^'"]*)\1\s*\)?$""")
_REENTER = re.compile(r"""content\s*===?\s*(['"])reenter\1""")


def scope_of(path: str) -> dict[str, str | None]:
    """The flow and state/intent/action a YAML path points into."""
    out: dict[str, str | None] = {"flow": None, "state": None, "intent": None, "action": None}
    match = _SCOPE.match(path)
    if match:
        out["flow"] = match.group(1)
        if match.group(2):
            out[match.group(2)[:-1]] = match.group(3)
    return out


def intents_named(condition: str | None) -> set[str]:
    """Intent names a condition compares ``intent`` with (``intent == 'x'``)."""
    found: set[str] = set()
    for match in _INTENT_EQ.finditer(condition or ""):
        found.add(match.group(2) if match.group(1) else match.group(4))
    return found


def _covered(condition: str) -> set[str] | None:
    """The intents a pure ``intent == 'a' || intent == 'b'`` condition accepts, else ``None``."""
    text = condition.strip()
    while text.startswith("(") and text.endswith(")") and text.count("(") == 1:
        text = text[1:-1].strip()
    names = set()
    for part in text.split("||"):
        match = _INTENT_TERM.match(part.strip())
        if not match:
            return None
        names.add(match.group(2))
    return names


def _negation(a: str, b: str) -> bool:
    a, b = "".join(a.split()), "".join(b.split())
    return b in (f"!{a}", f"!({a})") or a in (f"!{b}", f"!({b})")


def check_bot(bot: Bot, report: Reporter, *, classifier: Any, js_available: bool) -> None:
    """Every structural check of the bot."""
    if bot.schema_ not in SCHEMAS:
        shown = "missing" if bot.schema_ is None else repr(bot.schema_)
        report("unknown-schema", f"schema is {shown}; expected {SCHEMAS[0]}", "schema")
    for path in bot._duplicate_keys:
        report("duplicate-key", f"key {path.rsplit('.', 1)[-1]!r} appears more than once; "
               "PyYAML keeps the last one, Kata's loader rejects the file", path,
               **scope_of(path))
    _check_unknown_keys(bot, report)
    if bot.fallback_flow() is None:
        report("no-fallback-flow", "no flow has fallback: true, so a message no intent matches "
               "gets no reply", "flows")
    for name, flow in bot.flows.items():
        _FlowChecker(bot, name, flow, report).run()
    _check_nlus(bot, report, classifier)
    _check_methods(bot, report, js_available)


def _check_unknown_keys(bot: Bot, report: Reporter) -> None:
    for path, key in bot.iter_unknown_keys():
        kind = _model_kind(bot, path)
        if key in _DOCUMENTED_EXTRAS.get(kind, ()):
            continue
        hint = _HINTS.get((kind, key))
        where = f"{path}.{key}" if path else key
        report("unknown-key", f"unknown key {key!r} in {kind.lower() or 'bot'}; ignored"
               + (f" ({hint})" if hint else ""), where, **scope_of(where))


def _model_kind(bot: Bot, path: str) -> str:
    node: Any = bot
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            node = node[int(part[1:-1])]
        elif isinstance(node, dict):
            node = node[part]
        else:
            node = getattr(node, part)
    return type(node).__name__


class _FlowChecker:
    """The checks of one flow."""

    def __init__(self, bot: Bot, name: str, flow: Flow, report: Reporter) -> None:
        self.bot, self.name, self.flow, self.report = bot, name, flow, report
        self.base = f"flows.{name}"

    def run(self) -> None:
        self._initial_states()
        self._transitions_and_actions()
        self._reachability()
        self._fallbacks()
        self._intents()

    def _initial_states(self) -> None:
        initial = [s for s, state in self.flow.states.items() if state.initial]
        if not initial:
            self.report("no-initial-state", f"flow {self.name!r} has no state with initial: true",
                        f"{self.base}.states", flow=self.name)
        for extra in initial[1:]:
            self.report("several-initial-states", f"flow {self.name!r} has several initial "
                        f"states ({', '.join(initial)}); only {initial[0]!r} is used",
                        f"{self.base}.states.{extra}.initial", flow=self.name, state=extra)

    def _transitions_and_actions(self) -> None:
        used: set[str] = set()
        for sname, state in self.flow.states.items():
            spath = f"{self.base}.states.{sname}"
            for dest in state.transitions:
                if dest not in self.flow.states:
                    self.report("missing-state", f"transition from {sname!r} to {dest!r}: flow "
                                f"{self.name!r} has no state {dest!r}",
                                f"{spath}.transitions.{dest}", flow=self.name, state=sname)
            for i, ref in enumerate(state.action):
                used.add(ref.name)
                if ref.name not in self.flow.actions and ref.name not in ACTION_TYPES:
                    self.report("undefined-action", f"state {sname!r} runs {ref.name!r}, which is "
                                f"neither an action of flow {self.name!r} nor an action type",
                                f"{spath}.action[{i}]", flow=self.name, state=sname,
                                action=ref.name)
        for aname in self.flow.actions:
            if aname not in used:
                self.report("unused-action", f"action {aname!r} is defined but no state runs it",
                            f"{self.base}.actions.{aname}", flow=self.name, action=aname)

    def _edges(self) -> Iterator[tuple[str, str]]:
        floats = [name for name, s in self.flow.states.items() if s.float is not None]
        for sname, state in self.flow.states.items():
            for dest in (*state.transitions, *floats):
                if dest in self.flow.states:
                    yield sname, dest

    def _reachability(self) -> None:
        start = self.flow.initial_state()
        if start is None:
            return
        edges: dict[str, set[str]] = {}
        for src, dest in self._edges():
            edges.setdefault(src, set()).add(dest)
        seen, todo = {start}, [start]
        while todo:
            for dest in edges.get(todo.pop(), ()):
                if dest not in seen:
                    seen.add(dest)
                    todo.append(dest)
        for sname in self.flow.states:
            if sname not in seen:
                self.report("unreachable-state", f"state {sname!r} cannot be reached from the "
                            f"initial state {start!r}", f"{self.base}.states.{sname}",
                            flow=self.name, state=sname)

    def _fallbacks(self) -> None:
        float_fallback = any(s.float is not None and _catch_all(s.float)
                             for s in self.flow.states.values())
        if float_fallback:
            return
        for sname, state in self.flow.states.items():
            if state.end or self._exhaustive(state, self._expected(sname)):
                continue
            self.report("no-fallback-transition", f"state {sname!r} is not an end state and has "
                        "no fallback transition: a message no condition matches leaves the "
                        "conversation stuck there", f"{self.base}.states.{sname}",
                        flow=self.name, state=sname)

    def _expected(self, sname: str) -> set[str]:
        """The intents a message can have while the flow rests in state ``sname``.

        A flow only rests in its initial state if the message that opened it (an initial or
        fallback intent) moved it nowhere, unless a transition leads back there; the bot's
        fallback flow can be opened by anything.
        """
        everything = set(self.flow.intents)
        if sname != self.flow.initial_state() or self.flow.fallback:
            return everything
        if any(dest == sname for _src, dest in self._edges()):
            return everything
        opening = {n for n, i in self.flow.intents.items() if i.initial or i.fallback}
        return opening or everything

    def _exhaustive(self, state: State, expected: set[str]) -> bool:
        transitions = list(state.transitions.values())
        if any(_catch_all(t) for t in transitions):
            return True
        conditions = [t.condition for t in transitions if t.condition]
        if any(_negation(a, b) for a in conditions for b in conditions):
            return True
        covered: set[str] = set()
        for condition in conditions:
            covered |= _covered(condition) or set()
        return bool(expected) and expected <= covered

    def _intents(self) -> None:
        named: set[str] = set()
        mentioned: set[str] = set()
        for sname, state in self.flow.states.items():
            items = list(state.transitions.items())
            if state.float is not None:
                items.append((sname, state.float))
            for dest, transition in items:
                condition = transition.condition or ""
                mentioned |= {m.group(2) for m in _QUOTED.finditer(condition)}
                for unknown in sorted(intents_named(condition) - set(self.flow.intents)):
                    where = (f"{self.base}.states.{sname}.float" if transition is state.float
                             else f"{self.base}.states.{sname}.transitions.{dest}")
                    self.report("unknown-intent", f"condition {condition!r} names intent "
                                f"{unknown!r}, which flow {self.name!r} does not define",
                                f"{where}.condition", flow=self.name, state=sname, intent=unknown)
                named |= intents_named(condition)
        for iname, intent in self.flow.intents.items():
            if iname in mentioned or intent.initial or intent.fallback or _is_reenter(intent):
                continue
            self.report("unused-intent", f"intent {iname!r} is not initial, not a fallback, and "
                        "no transition condition names it",
                        f"{self.base}.intents.{iname}", flow=self.name, intent=iname)


def _catch_all(transition: Transition) -> bool:
    return bool(transition.fallback) or transition.condition is None


def _is_reenter(intent: Intent) -> bool:
    """The Kata idiom that catches the ``reenter`` command when a stacked flow resumes."""
    return intent.type == "command" and any(_REENTER.search(c) for c in intent.condition)


def _nlu_uses(bot: Bot) -> Iterator[tuple[str, str, str, str]]:
    """Every ``(flow, intent, yaml_path, nlu_name)`` an intent's classifiers/attributes name."""
    for fname, flow in bot.flows.items():
        for iname, intent in flow.intents.items():
            base = f"flows.{fname}.intents.{iname}"
            for i, classifier in enumerate(intent.classifier):
                if classifier.nlu:
                    yield fname, iname, f"{base}.classifier[{i}].nlu", classifier.nlu
            for aname, attribute in intent.attributes.items():
                if attribute.nlu:
                    yield fname, iname, f"{base}.attributes.{aname}.nlu", attribute.nlu


def _check_nlus(bot: Bot, report: Reporter, classifier: Any) -> None:
    known_types = LOCAL_NLU_TYPES | CLOUD_NLU_TYPES
    for name, nlu in bot.nlus.items():
        if nlu.type not in known_types:
            report("unknown-nlu-type", f"NLU {name!r} has type {nlu.type!r}, which igbot does not "
                   f"know (known: {', '.join(sorted(known_types))})", f"nlus.{name}.type")
    used: set[str] = set()
    cloud_reported: set[tuple[str, str]] = set()
    for fname, iname, path, nlu_name in _nlu_uses(bot):
        used.add(nlu_name)
        used_nlu = bot.nlus.get(nlu_name)
        kind = used_nlu.type if used_nlu is not None else nlu_name if nlu_name in known_types else None
        if kind is None:
            report("unknown-nlu", f"intent {iname!r} uses NLU {nlu_name!r}, which the bot does "
                   "not define", path, flow=fname, intent=iname)
        elif (kind in CLOUD_NLU_TYPES and classifier is None
              and (fname, iname) not in cloud_reported):
            cloud_reported.add((fname, iname))
            report("cloud-nlu", f"intent {iname!r} uses the cloud NLU {nlu_name!r} ({kind}) and no "
                   "classifier is plugged in: it can never match", path, flow=fname, intent=iname)
    for name in bot.nlus:
        if name not in used:
            report("unused-nlu", f"NLU {name!r} is defined but no intent uses it", f"nlus.{name}")


def _method_uses(bot: Bot) -> Iterator[tuple[str | None, str, str, dict[str, str | None]]]:
    """Every ``(flow, method_name, yaml_path, scope)`` where the bot names a JS method."""
    for name, nlu in bot.nlus.items():
        if nlu.type == "method" or nlu.method:
            yield None, nlu.method or "", f"nlus.{name}.method", {}
        for i, process in enumerate(_names(nlu.process)):
            yield None, process, f"nlus.{name}.process[{i}]", {}
    for fname, flow in bot.flows.items():
        for sname, state in flow.states.items():
            scope: dict[str, str | None] = {"flow": fname, "state": sname}
            spath = f"flows.{fname}.states.{sname}"
            for event in ("enter", "transit", "exit"):
                value = getattr(state, event)
                if isinstance(value, str):
                    yield fname, value, f"{spath}.{event}", scope
            items = list(state.transitions.items())
            for dest, transition in items:
                if isinstance(transition.mapping, str):
                    yield fname, transition.mapping, f"{spath}.transitions.{dest}.mapping", scope
            if state.float is not None and isinstance(state.float.mapping, str):
                yield fname, state.float.mapping, f"{spath}.float.mapping", scope
        for aname, action in flow.actions.items():
            method = (action.model_extra or {}).get("method")
            if action.type == "method" or method:
                method_name = method if isinstance(method, str) else action.options.get("method")
                yield fname, str(method_name or ""), f"flows.{fname}.actions.{aname}", {
                    "flow": fname, "action": aname}
        for iname, intent in flow.intents.items():
            base = f"flows.{fname}.intents.{iname}"
            for i, classifier in enumerate(intent.classifier):
                for process in _names(classifier.process):
                    yield fname, process, f"{base}.classifier[{i}].process", {
                        "flow": fname, "intent": iname}
            for aname, attribute in intent.attributes.items():
                for process in _names(attribute.process):
                    yield fname, process, f"{base}.attributes.{aname}.process", {
                        "flow": fname, "intent": iname}


def _names(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _check_methods(bot: Bot, report: Reporter, js_available: bool) -> None:
    for fname, name, path, scope in _method_uses(bot):
        scope = {"flow": fname, **scope}
        if bot.find_method(name, fname) is None:
            report("undefined-method", f"JavaScript method {name!r} is not defined in flow "
                   f"{fname!r} nor at bot level" if fname else
                   f"JavaScript method {name!r} is not defined at bot level", path, **scope)
        elif not js_available:
            report("js-unavailable", f"{path.rsplit('.', 1)[-1]} calls the JavaScript method "
                   f"{name!r}, but no JavaScript engine is installed (pip install quickjs)",
                   path, **scope)
