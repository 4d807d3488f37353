"""Flow and intent selection, with Kata's rules.

1. Intents of the current flow (all of them; ``fallback: true`` intents aside).
2. Initial intents of the other active flows (the current flow goes on the stack).
3. The current flow's ``fallback: true`` intent (the conversation stays in its flow).
4. The bot's fallback flow (its matching intent, else its fallback intent).

Among matching intents: the highest ``priority`` wins, then the order of definition (flows in
the bot's order, intents in the flow's). An intent matches when its ``type`` (if any) is the
message's, all its conditions hold, and (if it has classifiers) at least one classifier matches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from igbot._errors import ExpressionError, MethodError
from igbot._message import KataMessage
from igbot.engine._nlu import NluRunner
from igbot.engine._records import ClassifierCheck, ConditionCheck, IntentTrial
from igbot.engine._scope import get_path
from igbot.expr import UNDEFINED, Expression, compile_expr, truthy
from igbot.kataml import Bot, Classifier, Intent

__all__ = ["Selection", "Selector", "check_condition"]

Trace = list[IntentTrial] | None
"""Where a traced selection appends its trials (``None``: no trace, the fast path)."""


def check_condition(source: str, variables: dict[str, Any]) -> ConditionCheck:
    """Evaluate ``source`` for a trace: its value, whether it holds, the values it read."""
    try:
        expression = compile_expr(source)
        values = {path: get_path(variables, path) for path in sorted(expression.paths())}
        value = expression.evaluate(variables)
    except ExpressionError as exc:
        return ConditionCheck(source, False, error=str(exc))
    return ConditionCheck(source, truthy(value), value, values)


@dataclass(slots=True)
class _Candidate:
    """One non-fallback intent, compiled at load: its conditions as closures (or the syntax
    error each gave) and, when its first condition is ``path == "text"``, that equality."""

    flow: str
    name: str
    intent: Intent
    index: int  # its order in the flow
    priority: float
    order: tuple[float, float, int, int]  # among flows' best initial intents: lowest wins
    conditions: list[tuple[Any, Expression | ExpressionError]]
    equality: tuple[str, str] | None = None
    classifiers: list[_Classifier] = field(default_factory=list)


@dataclass(slots=True)
class _Classifier:
    """A classifier read once: the NLU cache key of its output, and whether its output needs
    ``process``/``dict`` or can be compared with ``match`` as it is."""

    classifier: Classifier
    key: tuple[str, str, str | None]
    hint: str | None
    plain_match: str | None  # str(match) when no process, dict or expression is involved
    options: dict[str, Any] | None = None  # the classifier's options, read once


_Attribute = tuple[str, str, Any, Any, Any, Any]
"""An intent's attribute read once: its name, NLU, options, path, process and ``dict``."""

Checks = list[tuple[_Candidate, list[tuple[Any, Expression | ExpressionError]]]]
"""Candidates that can match a message, each with the conditions still to evaluate."""


class _Index:
    """Candidates in order, with those whose first condition is ``path == "text"`` also
    filed under (path, text): for a message whose value at ``path`` is a string, only the
    candidates filed under that string can match, and that condition needs no evaluation."""

    __slots__ = ("_cache", "_one", "_parts", "_paths", "all")

    def __init__(self, candidates: list[_Candidate]) -> None:
        self.all: Checks = [(c, c.conditions) for c in candidates]
        self._paths = sorted({c.equality[0] for c in candidates if c.equality is not None})
        self._parts = [(*path.partition(".")[::2],
                        frozenset(c.equality[1] for c in candidates
                                  if c.equality is not None and c.equality[0] == path))
                       for path in self._paths]
        self._cache: dict[tuple[Any, ...], Checks] = {}  # bounded: strings are known ones
        # one path, as in most lists (``content``, or ``payload.type``): read without a loop
        self._one = ((*self._parts[0], "." not in self._parts[0][1]
                      and self._parts[0][1] != "hasOwnProperty")
                     if len(self._parts) == 1 else None)
        self._fill()

    def for_message(self, variables: dict[str, Any]) -> Checks:
        """The candidates that can match a message with these ``variables``, in order."""
        if not self._paths:
            return self.all
        one = self._one
        if one is not None:  # the loop below, for one path, when its key is cached
            head, rest, literals, plain = one
            value = variables.get(head, UNDEFINED)
            key: object
            if rest and (value is None or value is UNDEFINED):
                key = _NEVER
            elif rest and (not plain or type(value) is not dict):
                key = None
            else:
                if rest:
                    value = value.get(rest, UNDEFINED)
                if type(value) is str:
                    key = value if value in literals else _OTHER
                else:
                    key = _NEVER if value is None or value is UNDEFINED else None
            found = self._cache.get((key,))
            if found is not None:
                return found
        # per path the string there (_OTHER for a string no candidate compares with: the key
        # does not grow with the texts people write); _NEVER when it holds null or undefined
        # (``null == "x"`` is false, and reading a member of null gives undefined here); None
        # when it holds anything else (then the equality must be evaluated: ``1 == "1"``)
        values: list[object] = []
        for head, rest, literals in self._parts:
            value = variables.get(head, UNDEFINED)
            if rest:
                if value is None or value is UNDEFINED:
                    values.append(_NEVER)
                    continue
                if type(value) is not dict or "." in rest or rest == "hasOwnProperty":
                    values.append(None)
                    continue
                value = value.get(rest, UNDEFINED)
            if type(value) is str:
                values.append(value if value in literals else _OTHER)
            else:
                values.append(_NEVER if value is None or value is UNDEFINED else None)
        key = tuple(values)
        found = self._cache.get(key)
        if found is None:
            found = self._checks(key)
            if len(self._cache) > 4096:
                self._cache.clear()
                self._fill()
            self._cache[key] = found
        return found

    def _checks(self, key: tuple[object, ...]) -> Checks:
        """The candidates for a message reading ``key`` (per path: a string, _OTHER, _NEVER
        or None), each with the conditions still to evaluate."""
        known = dict(zip(self._paths, key, strict=True))
        found = []
        for c, conditions in self.all:
            if c.equality is None or (value := known[c.equality[0]]) is None:
                found.append((c, conditions))  # no equality, or not a string: evaluate
            elif value == c.equality[1]:
                found.append((c, conditions[1:]))  # the equality holds
        return found

    def _fill(self) -> None:
        """With one path, every key a message can read is known at load: each text an
        equality compares with, _OTHER, _NEVER and None; their candidates are found now
        (unless that makes a large table: then as messages come, as with several paths)."""
        if self._one is not None and (len(self._one[2]) + 3) * len(self.all) <= 20_000:
            for value in (*sorted(self._one[2]), _OTHER, _NEVER, None):
                self._cache[(value,)] = self._checks((value,))


_UNCACHED = object()
"""What the turn's NLU cache gives for a classifier it has not run yet."""

_OTHER = object()
"""What :meth:`_Index.for_message` reads at a path holding a string that no equality of the
index compares with: every such string equals none of them."""

_NEVER = object()
"""What :meth:`_Index.for_message` reads at a path holding null or undefined, which equal no
text."""


@dataclass(slots=True)
class Selection:
    """The chosen flow and intent for one message, and how they were found."""

    flow: str | None
    intent: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    is_fallback: bool = False
    via: str = "none"  # current | initial | flow-fallback | fallback-flow | none


class Selector:
    """Picks the flow and intent for a message (see the module docstring)."""

    def __init__(self, bot: Bot, nlu: NluRunner) -> None:
        self.bot = bot
        self.nlu = nlu
        self.flow_order = {name: i for i, name in enumerate(bot.flows)}
        self.fallback_flow = bot.fallback_flow()
        self._flow_names = frozenset(bot.flows)
        self._fallback_intents: dict[str, str | None] = {}
        self._attributes: dict[int, tuple[Intent, list[_Attribute]]] = {}
        self._compile()

    def _compile_classifier(self, classifier: Classifier) -> _Classifier:
        hint = classifier.hint if isinstance(classifier.hint, str) else None
        key = (classifier.nlu or "", self.nlu.options_key(classifier.options), hint)
        extra = classifier.model_extra or {}
        plain = (classifier.match is not None and not classifier.process
                 and not isinstance(extra.get("dict"), dict))
        return _Classifier(classifier, key, hint, str(classifier.match) if plain else None,
                           classifier.options)

    def _compile(self) -> None:
        """Candidates per (flow, message type), and every flow's initial intents in one list
        per message type; each list indexed by equality."""
        compiled: dict[str, Expression | ExpressionError] = {}

        def compile_one(source: str) -> Expression | ExpressionError:
            if source not in compiled:
                try:
                    compiled[source] = compile_expr(source)
                except ExpressionError as exc:
                    compiled[source] = exc
            return compiled[source]

        types = ("text", "data", "command")
        self._flow: dict[tuple[str, str | None], list[_Candidate]] = {}
        initial: dict[str | None, list[_Candidate]] = {t: [] for t in (*types, None)}
        for name, flow in self.bot.flows.items():
            candidates = []
            for i, (intent_name, intent) in enumerate(flow.intents.items()):
                if intent.fallback:
                    continue
                conditions = [(c, compile_one(c)) for c in intent.condition]
                first = conditions[0][1] if conditions else None
                equality = first.equality() if isinstance(first, Expression) else None
                candidates.append(_Candidate(
                    name, intent_name, intent, i, intent.priority or 0,
                    (-(intent.priority or 0), -(flow.priority or 0), self.flow_order[name], i),
                    conditions, equality, [self._compile_classifier(k) for k in intent.classifier]))
            for t in (*types, None):
                mine = [c for c in candidates if not c.intent.type or c.intent.type == t]
                self._flow[name, t] = mine
                if flow.active is not False:
                    initial[t] += [c for c in mine if c.intent.initial]
        self._initial = {t: _Index(cs) for t, cs in initial.items()}
        # whether selection needs the scope's context (else it is not built for it)
        self.reads_context = any(isinstance(e, Expression) and "context" in e.names()
                                 for e in compiled.values())
        self._current = {key: _Index(cs) for key, cs in self._flow.items()}

    def select(
        self, current: str | None, message: KataMessage, variables: dict[str, Any],
        cache: dict[Any, Any], errors: list[str], trace: Trace = None,
    ) -> Selection:
        """The selection for ``message`` when the conversation is in flow ``current``
        (``trace``: a list to append every intent tried to, with why)."""
        if current is not None and current in self._flow_names:
            found = self.best(current, message, variables, False, cache, errors, trace, "current")
            if found:
                return Selection(current, found[0], found[1], False, "current")
        if trace is None:
            # the intents the index leaves, in the bot's order (the order errors are found
            # in); per flow the best, as best() finds it; then the best of the flows
            index = self._initial.get(message.type) or self._initial[None]
            bests: dict[str, _Candidate] = {}
            for c, conditions in index.for_message(variables):
                if c.flow == current:
                    continue
                flow_best = bests.get(c.flow)
                if flow_best is not None and c.priority <= flow_best.priority:
                    continue  # cannot beat the flow's best: skip the NLU work
                if self._matches(c, conditions, message, variables, cache, errors):
                    bests[c.flow] = c
            if bests:
                c = min(bests.values(), key=lambda c: c.order)
                return Selection(c.flow, c.name, self.attributes(c.intent, message, cache, errors),
                                 False, "initial")
            return self._fallbacks(current, message, variables, cache, errors, trace)
        candidates = []
        for name, flow in self.bot.flows.items():
            if name == current or flow.active is False:
                continue
            found = self.best(name, message, variables, True, cache, errors, trace, "initial")
            if found:
                intent = self.bot.flows[name].intents[found[0]]
                candidates.append((-(intent.priority or 0), -(flow.priority or 0),
                                   self.flow_order[name], name, found))
        if candidates:
            *_, name, found = min(candidates)
            if trace is not None:
                _mark_chosen(trace, name, found[0], "initial")
            return Selection(name, found[0], found[1], False, "initial")
        return self._fallbacks(current, message, variables, cache, errors, trace)

    def _fallbacks(
        self, current: str | None, message: KataMessage, variables: dict[str, Any],
        cache: dict[Any, Any], errors: list[str], trace: Trace,
    ) -> Selection:
        """Steps 3 and 4: the current flow's fallback intent, else the fallback flow."""
        if current is not None and current in self._flow_names:
            fallback_intent = self.fallback_intent(current)
            if fallback_intent:
                if trace is not None:
                    trace.append(IntentTrial(current, fallback_intent, "flow-fallback", True,
                                             "the current flow's fallback intent: nothing "
                                             "else matched", chosen=True))
                return Selection(current, fallback_intent, {}, True, "flow-fallback")
        if self.fallback_flow:
            name = self.fallback_flow
            found = self.best(name, message, variables, False, cache, errors, trace,
                              "fallback-flow")
            intent_name = found[0] if found else self.fallback_intent(name)
            if trace is not None and not found and intent_name:
                trace[:] = [t for t in trace if (t.flow, t.intent, t.step)
                            != (name, intent_name, "fallback-flow")]
                trace.append(IntentTrial(name, intent_name, "fallback-flow", True,
                                         "the fallback flow's fallback intent: nothing else "
                                         "matched", chosen=True))
            attributes = found[1] if found else {}
            return Selection(name, intent_name, attributes, True, "fallback-flow")
        return Selection(None)

    def fallback_intent(self, flow: str) -> str | None:
        """The flow's ``fallback: true`` intent, if it has one (read once per flow)."""
        if flow in self._fallback_intents:
            return self._fallback_intents[flow]
        found = next((name for name, intent in self.bot.flows[flow].intents.items()
                      if intent.fallback), None)
        self._fallback_intents[flow] = found
        return found

    def best(
        self, flow: str, message: KataMessage, variables: dict[str, Any], initial_only: bool,
        cache: dict[Any, Any], errors: list[str], trace: Trace = None, step: str = "current",
    ) -> tuple[str, dict[str, Any]] | None:
        """The best matching non-fallback intent of ``flow`` and its attributes."""
        if trace is not None:
            return self._best_traced(flow, message, variables, initial_only, cache, errors,
                                     trace, step)
        index = self._current.get((flow, message.type)) or self._current[flow, None]
        best: _Candidate | None = None
        for c, conditions in index.for_message(variables):
            if initial_only and not c.intent.initial:
                continue
            if best is not None and c.priority <= best.priority:
                continue  # cannot beat the current best: skip the NLU work
            if self._matches(c, conditions, message, variables, cache, errors):
                best = c
        if best is None:
            return None
        return best.name, self.attributes(best.intent, message, cache, errors)

    def _matches(
        self, c: _Candidate, conditions: list[tuple[Any, Expression | ExpressionError]],
        message: KataMessage, variables: dict[str, Any], cache: dict[Any, Any], errors: list[str],
    ) -> bool:
        """:meth:`matches` for a compiled candidate whose type already holds (``conditions``:
        those the index did not already settle)."""
        for source, condition in conditions:
            try:
                if isinstance(condition, ExpressionError):
                    raise condition
                if not condition.holds(variables):
                    return False
            except ExpressionError as exc:
                errors.append(f"flow {c.flow!r} intent {c.name!r} condition {source!r}: {exc}")
                return False
        if not c.classifiers:
            return True
        for k in c.classifiers:
            wanted, key = k.plain_match, k.key
            if wanted is None or not key[0]:
                if self._classifier(k.classifier, message, cache, errors):
                    return True
                continue
            out = cache.get(key, _UNCACHED)  # one lookup (the NLU's output may be None)
            if out is _UNCACHED:
                out = self.nlu.run(key[0], message, k.options, k.hint, cache, errors)
            if out is None:
                continue
            if type(out) is str:
                if out == wanted:
                    return True
            elif isinstance(out, list):
                if wanted in [str(v) for v in out]:
                    return True
            elif isinstance(out, dict):
                if wanted in out or wanted in [str(v) for v in out.values()]:
                    return True
            elif str(out) == wanted:
                return True
        return False

    def matches(
        self, flow: str, name: str, intent: Intent, message: KataMessage, variables: dict[str, Any],
        cache: dict[Any, Any], errors: list[str],
    ) -> bool:
        """Whether ``intent`` matches: type, every condition, then at least one classifier."""
        if intent.type and intent.type != message.type:
            return False
        for condition in intent.condition:
            try:
                if not compile_expr(condition).holds(variables):
                    return False
            except ExpressionError as exc:
                errors.append(f"flow {flow!r} intent {name!r} condition {condition!r}: {exc}")
                return False
        if not intent.classifier:
            return True
        return any(self._classifier(c, message, cache, errors) for c in intent.classifier)

    def _best_traced(
        self, flow: str, message: KataMessage, variables: dict[str, Any], initial_only: bool,
        cache: dict[Any, Any], errors: list[str], trace: list[IntentTrial], step: str,
    ) -> tuple[str, dict[str, Any]] | None:
        """:meth:`best`, recording every intent with the reason it matched or not."""
        best: tuple[float, str] | None = None  # the priority and name of the best so far
        trials: dict[str, IntentTrial] = {}
        for name, intent in self.bot.flows[flow].intents.items():
            priority = intent.priority or 0
            if intent.fallback:
                trial = IntentTrial(flow, name, step, False, "a fallback intent: tried only when "
                                    "no other intent of its flow matches", intent.type, priority)
            elif initial_only and not intent.initial:
                trial = IntentTrial(flow, name, step, False, "not initial: it can only answer "
                                    "inside its own flow", intent.type, priority)
            elif best is not None and priority <= best[0]:
                trial = IntentTrial(flow, name, step, False, f"not tried: priority {priority:g} "
                                    f"cannot beat {best[1]!r} ({best[0]:g})", intent.type,
                                    priority)
            else:
                trial = self._trial(flow, name, intent, message, variables, cache, errors, step)
                if trial.matched:
                    best = (priority, name)
            trials[name] = trial
            trace.append(trial)
        if best is None:
            return None
        trials[best[1]].chosen = True
        for trial in trials.values():
            if trial.matched and trial.intent != best[1]:
                trial.reason += f"; {best[1]!r} wins (higher priority or defined first)"
        name = best[1]
        return name, self.attributes(self.bot.flows[flow].intents[name], message, cache, errors)

    def _trial(
        self, flow: str, name: str, intent: Intent, message: KataMessage, variables: dict[str, Any],
        cache: dict[Any, Any], errors: list[str], step: str,
    ) -> IntentTrial:
        """One intent checked like :meth:`matches`, keeping what each check saw."""
        trial = IntentTrial(flow, name, step, False, "", intent.type, intent.priority or 0)
        if intent.type and intent.type != message.type:
            trial.reason = f"type: the message is {message.type!r}, the intent wants {intent.type!r}"
            return trial
        for condition in intent.condition:
            check = check_condition(condition, variables)
            trial.conditions.append(check)
            if check.error is not None:
                errors.append(f"flow {flow!r} intent {name!r} condition {condition!r}: "
                              f"{check.error}")
                trial.reason = f"condition {condition!r} failed: {check.error}"
                return trial
            if not check.holds:
                trial.reason = f"condition {condition!r} is false"
                return trial
        if intent.classifier:
            for classifier in intent.classifier:
                output = self._classifier_output(classifier, message, cache, errors)
                matched = output is not None and self._classifier_matches(classifier, output,
                                                                          errors)
                trial.classifiers.append(ClassifierCheck(classifier.nlu, output,
                                                         classifier.match, matched))
            if not any(c.matched for c in trial.classifiers):
                outputs = ", ".join(f"{c.nlu} gave {c.output!r}" for c in trial.classifiers)
                trial.reason = f"no classifier matched ({outputs})"
                return trial
        trial.matched = True
        parts = ["type matches" if intent.type else "any type"]
        if trial.conditions:
            parts.append(f"{len(trial.conditions)} condition(s) hold")
        if trial.classifiers:
            parts.append("a classifier matched")
        trial.reason = ", ".join(parts)
        return trial

    def _classifier(
        self, classifier: Classifier, message: KataMessage, cache: dict[Any, Any], errors: list[str]
    ) -> bool:
        out = self._classifier_output(classifier, message, cache, errors)
        return out is not None and self._classifier_matches(classifier, out, errors)

    def _classifier_output(
        self, classifier: Classifier, message: KataMessage, cache: dict[Any, Any], errors: list[str]
    ) -> Any:
        """The NLU's output for a classifier, after ``process`` and ``dict``."""
        if not classifier.nlu:
            return None
        hint = classifier.hint if isinstance(classifier.hint, str) else None
        out = self.nlu.run(classifier.nlu, message, classifier.options, hint, cache, errors)
        out = self._process(classifier.process, out, errors)
        return _relabel(out, (classifier.model_extra or {}).get("dict"))

    def _classifier_matches(self, classifier: Classifier, out: Any, errors: list[str]) -> bool:
        """Whether a classifier's output matches its ``match`` (or ``expression``)."""
        expression = (classifier.model_extra or {}).get("expression")
        if classifier.match is not None:
            wanted = str(classifier.match)
            if isinstance(out, list):
                return wanted in [str(v) for v in out]
            if isinstance(out, dict):
                return wanted in out or wanted in [str(v) for v in out.values()]
            return str(out) == wanted
        if isinstance(expression, str):
            scope = dict(out) if isinstance(out, dict) else {"intent": out, "value": out}
            try:
                return compile_expr(expression).holds(scope)
            except ExpressionError as exc:
                errors.append(f"classifier expression {expression!r}: {exc}")
                return False
        return truthy(out)

    def attributes(
        self, intent: Intent, message: KataMessage, cache: dict[Any, Any], errors: list[str]
    ) -> dict[str, Any]:
        """Slot filling: each attribute's NLU output (at ``path``), normalised by ``dict``."""
        known = self._attributes.get(id(intent))
        if known is None or known[0] is not intent:  # read once per intent
            known = self._attributes[id(intent)] = (intent, [
                (name, a.nlu, a.options, a.path, a.process, (a.model_extra or {}).get("dict"))
                for name, a in intent.attributes.items() if a.nlu])
        out: dict[str, Any] = {}
        for name, nlu, options, path, process, relabel in known[1]:
            value = self.nlu.run(nlu, message, options, None, cache, errors)
            if path and value is not None:
                value = get_path(value, str(path)) if isinstance(value, dict) else None
            value = self._process(process, value, errors)
            value = _relabel(value, relabel)
            if value is not None:
                out[name] = value
        return out


    def _process(self, process: Any, value: Any, errors: list[str]) -> Any:
        """Kata's ``process``: JS methods (one name or a list) applied to the value in turn."""
        if not process or value is None:
            return value
        for name in process if isinstance(process, list) else [process]:
            method = self.bot.find_method(str(name))
            if method is None:
                errors.append(f"process method {name!r} is not defined")
                return None
            try:
                value = self.nlu.js.call(method, [value])
            except MethodError as exc:
                errors.append(str(exc))
                return None
        return value


def _mark_chosen(trace: list[IntentTrial], flow: str, intent: str, step: str) -> None:
    """Among the initial intents of several flows, mark the one selection took."""
    for trial in trace:
        if trial.step == step and trial.matched:
            trial.chosen = trial.flow == flow and trial.intent == intent
            if not trial.chosen and "wins" not in trial.reason:
                trial.reason += f"; flow {flow!r} intent {intent!r} wins"


def _relabel(value: Any, mapping: Any) -> Any:
    """Kata's ``dict`` option: group labels (``food: [a, b]``) or rename them (``x: y``)."""
    if not isinstance(mapping, dict) or value is None or isinstance(value, dict | list):
        return value
    text = str(value)
    for label, sources in mapping.items():
        if label == "default":
            continue
        if text == str(sources) or (isinstance(sources, list) and text in map(str, sources)):
            return label
    return mapping.get("default", value)
