"""The editor's edit operations on a bot, without any widgets: add, set, rename, delete, undo, save.

:class:`BotEditing` holds the bot being edited and a stack of snapshots (one per edit, taken with
``model_copy(deep=True)``). Every operation goes through the Kata-ML models, so what is saved is
exactly what :func:`igbot.kataml.load_bot` reads back. :class:`igbot.widgets.FlowEditor` adds the
widgets on top; its buttons call these methods.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from igbot._errors import IgbotError
from igbot.engine import Engine, MemoryStore, preview_action
from igbot.kataml import (
    Action,
    ActionRef,
    Backup,
    Bot,
    BotSource,
    Flow,
    Intent,
    SavePlan,
    State,
    Transition,
    backups,
    check_name,
    lint,
    load_bot,
    restore,
    write_bot,
)

__all__ = ["BotEditing", "EditError"]

logger = logging.getLogger(__name__)

_UNSET: Any = object()


class EditError(IgbotError, ValueError):
    """An edit the editor refuses: a missing, duplicate or invalid name (names the flow and the
    item), or a save that would overwrite the bot's files without a reviewed diff."""


def _renamed(items: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """The dict with key ``old`` renamed to ``new``, in the same position."""
    return {(new if key == old else key): value for key, value in items.items()}


def _rebuild(cls: type[Any], current: Any, changes: dict[str, Any]) -> Any:
    """A model built like the loader would, from ``current``'s data with ``changes`` applied
    (a value of ``None`` removes the key), so shorthands are normalised the same way."""
    data = current.to_data() if current is not None else {}
    for key, value in changes.items():
        if value is _UNSET:
            continue
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return cls.model_validate(data)


class BotEditing:
    """Edit operations on a Kata-ML bot, with undo and save.

    Args:
        bot: a loaded bot (edited in place: pass ``bot.model_copy(deep=True)`` to keep the
            original) or a path to load.
        max_undo: how many snapshots to keep.
    """

    def __init__(self, bot: Bot | str | Path, *, max_undo: int = 100) -> None:
        self.bot: Bot = bot if isinstance(bot, Bot) else load_bot(bot)
        self.max_undo = max_undo
        self.history: list[tuple[str, Bot]] = []
        self.last_edit: str | None = None
        self._engine: Any = None
        self._observers: list[Callable[[Bot], None]] = []
        self._source: BotSource | None = None

    # -- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def _edit(self, what: str) -> Iterator[None]:
        """Snapshot, apply, and on failure put the bot back as it was."""
        snapshot = self.bot.model_copy(deep=True)
        try:
            yield
        except Exception:
            self.bot = snapshot
            raise
        self.history.append((what, snapshot))
        del self.history[: -self.max_undo]
        self.last_edit = what
        self._engine = None
        logger.debug("edit: %s", what)
        self._notify(what)

    def _notify(self, what: str) -> None:
        self._changed(what)
        for callback in list(self._observers):
            callback(self.bot)

    def _changed(self, what: str) -> None:
        """Called after every edit and undo (the widgets redraw here)."""

    def observe_bot(self, callback: Callable[[Bot], None]) -> None:
        """Call ``callback(bot)`` after each edit and each undo (a canvas redraws there)."""
        self._observers.append(callback)

    def unobserve_bot(self, callback: Callable[[Bot], None]) -> None:
        """Stop calling ``callback``."""
        if callback in self._observers:
            self._observers.remove(callback)

    def flow_of(self, flow: str) -> Flow:
        """The flow called ``flow``; :class:`EditError` if the bot has none."""
        try:
            return self.bot.flows[flow]
        except KeyError:
            raise EditError(f"the bot has no flow {flow!r} (flows: {list(self.bot.flows)})") from None

    @staticmethod
    def _need(items: dict[str, Any], name: str, what: str, flow: str) -> Any:
        if name not in items:
            raise EditError(f"flow {flow!r} has no {what} {name!r} ({what}s: {list(items)})")
        return items[name]

    @staticmethod
    def _free(items: dict[str, Any], name: str, what: str, flow: str) -> None:
        problem = check_name(what, name)
        if problem is not None:
            raise EditError(f"flow {flow!r}: {problem}")
        if name in items:
            raise EditError(f"flow {flow!r} already has {_a(what)} {name!r}")

    def name_problem(self, kind: str, name: str, flow: str | None = None) -> str | None:
        """Why ``name`` cannot be a new ``kind`` (flow, intent, state, action) of ``flow``:
        a name Kata refuses, or one that is taken; ``None`` if it can."""
        problem = check_name(kind, name)
        if problem is not None:
            return problem
        if kind == "flow":
            return f"the bot already has a flow {name!r}" if name in self.bot.flows else None
        f = self.bot.flows.get(flow or "")
        if f is not None and name in getattr(f, f"{kind}s"):
            return f"flow {flow!r} already has {_a(kind)} {name!r}"
        return None

    # -- flows ------------------------------------------------------------------------------

    def add_flow(self, name: str, *, fallback: bool | None = None) -> None:
        """A new flow with one initial state ``init``."""
        problem = self.name_problem("flow", name)
        if problem is not None:
            raise EditError(problem)
        with self._edit(f"add flow {name}"):
            self.bot.flows[name] = Flow(fallback=fallback, states={"init": State(initial=True)})

    def delete_flow(self, name: str) -> None:
        """Remove a flow."""
        self.flow_of(name)
        with self._edit(f"delete flow {name}"):
            del self.bot.flows[name]

    # -- intents ----------------------------------------------------------------------------

    def add_intent(self, flow: str, name: str, **fields: Any) -> None:
        """A new intent; ``fields`` as in Kata-ML (type, condition, classifier, initial,
        fallback, priority, attributes)."""
        f = self.flow_of(flow)
        self._free(f.intents, name, "intent", flow)
        with self._edit(f"add intent {flow}.{name}"):
            f.intents[name] = _rebuild(Intent, None, fields)

    def set_intent(self, flow: str, name: str, **changes: Any) -> None:
        """Change an intent's keys (``None`` removes a key)."""
        f = self.flow_of(flow)
        current = self._need(f.intents, name, "intent", flow)
        with self._edit(f"set intent {flow}.{name}"):
            f.intents[name] = _rebuild(Intent, current, changes)

    def rename_intent(self, flow: str, old: str, new: str) -> None:
        """Rename an intent and the ``intent == "old"`` comparisons in the flow's conditions."""
        f = self.flow_of(flow)
        self._need(f.intents, old, "intent", flow)
        self._free(f.intents, new, "intent", flow)
        with self._edit(f"rename intent {flow}.{old} -> {new}"):
            f.intents = _renamed(f.intents, old, new)
            rewrite = _intent_rewriter(old, new)
            for state in f.states.values():
                for transition in [*state.transitions.values(), state.float]:
                    if transition is not None and transition.condition:
                        transition.condition = rewrite(transition.condition)
                for ref in state.action:
                    if ref.condition:
                        ref.condition = rewrite(ref.condition)

    def delete_intent(self, flow: str, name: str) -> None:
        """Remove an intent."""
        f = self.flow_of(flow)
        self._need(f.intents, name, "intent", flow)
        with self._edit(f"delete intent {flow}.{name}"):
            del f.intents[name]

    def add_to_intent(self, flow: str, intent: str, text: str, *, as_: str = "keyword") -> str:
        """Teach intent ``intent`` to match the message ``text`` (from a fallback turn).

        ``as_="keyword"`` adds ``text`` as a phrase of the keyword NLU the intent's classifier
        matches (``nlus.<nlu>.options.keywords.<label>``): any message holding it will match.
        ``as_="example"`` adds the whole message as an example: an extra classifier of the
        intent (``{nlu: keyword, match: <intent>, options: {exact: true, keywords: ...}}``),
        so exactly this message matches too (classifiers are alternatives). Returns what was
        changed, in words.
        """
        f = self.flow_of(flow)
        found = self._need(f.intents, intent, "intent", flow)
        text = text.strip()
        if not text:
            raise EditError("there is no text to add: only a typed message can be taught")
        if as_ not in ("keyword", "example"):
            raise EditError(f"add the message as 'keyword' or 'example', not {as_!r}")
        if not found.classifier and found.condition:
            raise EditError(f"intent {flow}.{intent} is matched by its condition(s) only; a "
                            "classifier would be required as well: change its condition instead")
        if as_ == "keyword":
            for classifier in found.classifier:
                nlu = self.bot.nlus.get(classifier.nlu or "")
                if nlu is not None and nlu.type == "keyword" and classifier.match is not None:
                    label = str(classifier.match)
                    self.add_keyword(classifier.nlu or "", label, text)
                    return f"added {text!r} to the keywords of {classifier.nlu}.{label}"
            raise EditError(f"intent {flow}.{intent} has no classifier on a keyword NLU with a "
                            "match: add the message as an example instead")
        classifiers = [c.to_data() for c in found.classifier]
        for data in classifiers:
            keywords = ((data.get("options") or {}).get("keywords") or {})
            if data.get("nlu") == "keyword" and data.get("match") == intent \
                    and isinstance(keywords.get(intent), list):
                if text not in keywords[intent]:
                    data["options"] = {**data["options"],
                                       "keywords": {**keywords, intent: [*keywords[intent], text]}}
                break
        else:
            classifiers.append({"nlu": "keyword", "match": intent,
                                "options": {"exact": True, "keywords": {intent: [text]}}})
        self.set_intent(flow, intent, classifier=classifiers)
        return f"added {text!r} as an example of {flow}.{intent}"

    def add_keyword(self, nlu: str, label: str, phrase: str) -> None:
        """Add ``phrase`` to label ``label`` of keyword NLU ``nlu``."""
        found = self.bot.nlus.get(nlu)
        if found is None or found.type != "keyword":
            raise EditError(f"the bot has no keyword NLU {nlu!r} (NLUs: {list(self.bot.nlus)})")
        options = dict(found.options or {})
        keywords = dict(options.get("keywords") or {})
        phrases = keywords.get(label) or []
        phrases = [phrases] if isinstance(phrases, str) else list(phrases)
        if phrase in phrases:
            return
        with self._edit(f"add keyword {phrase!r} to {nlu}.{label}"):
            keywords[label] = [*phrases, phrase]  # new objects: the NLU's index is rebuilt
            options["keywords"] = keywords
            found.options = options

    # -- states and transitions --------------------------------------------------------------

    def add_state(self, flow: str, name: str, *, initial: bool | None = None,
                  end: bool | None = None, action: Any = None) -> None:
        """A new state (``action``: a name, a list of names or ``{name, condition, options}``)."""
        f = self.flow_of(flow)
        self._free(f.states, name, "state", flow)
        with self._edit(f"add state {flow}.{name}"):
            f.states[name] = _rebuild(State, None, {"initial": initial, "end": end,
                                                    "action": action})
            if initial:
                self._only_initial(f, name)

    def set_state(self, flow: str, name: str, *, initial: Any = _UNSET, end: Any = _UNSET,
                  action: Any = _UNSET) -> None:
        """Change a state's flags or actions. Making it initial clears the other states' flag."""
        f = self.flow_of(flow)
        current = self._need(f.states, name, "state", flow)
        changes = {"initial": _flag(initial), "end": _flag(end), "action": action}
        with self._edit(f"set state {flow}.{name}"):
            f.states[name] = _rebuild(State, current, changes)
            if initial:
                self._only_initial(f, name)

    @staticmethod
    def _only_initial(f: Flow, name: str) -> None:
        for other, state in f.states.items():
            if other != name and state.initial:
                state.initial = None

    def rename_state(self, flow: str, old: str, new: str) -> None:
        """Rename a state and every transition that leads to it."""
        f = self.flow_of(flow)
        self._need(f.states, old, "state", flow)
        self._free(f.states, new, "state", flow)
        with self._edit(f"rename state {flow}.{old} -> {new}"):
            f.states = _renamed(f.states, old, new)
            for state in f.states.values():
                if old in state.transitions:
                    state.transitions = _renamed(state.transitions, old, new)

    def delete_state(self, flow: str, name: str) -> None:
        """Remove a state and the transitions that lead to it."""
        f = self.flow_of(flow)
        self._need(f.states, name, "state", flow)
        with self._edit(f"delete state {flow}.{name}"):
            del f.states[name]
            for state in f.states.values():
                state.transitions.pop(name, None)

    def set_transition(self, flow: str, source: str, dest: str, *, condition: str | None = None,
                       priority: float | None = None, fallback: bool | None = None,
                       mapping: dict[str, Any] | str | None = None) -> None:
        """Add or replace the transition ``source -> dest`` (keeps its place if it exists)."""
        f = self.flow_of(flow)
        state = self._need(f.states, source, "state", flow)
        transition = Transition.model_validate({
            "condition": condition or None, "priority": priority,
            "fallback": fallback or None, "mapping": mapping or None})
        with self._edit(f"set transition {flow}.{source} -> {dest}"):
            state.transitions[dest] = transition

    def delete_transition(self, flow: str, source: str, dest: str) -> None:
        """Remove the transition ``source -> dest``."""
        f = self.flow_of(flow)
        state = self._need(f.states, source, "state", flow)
        self._need(state.transitions, dest, "transition to", flow)
        with self._edit(f"delete transition {flow}.{source} -> {dest}"):
            del state.transitions[dest]

    # -- actions ----------------------------------------------------------------------------

    def add_action(self, flow: str, name: str, type: str, options: dict[str, Any] | None = None,
                   *, condition: str | None = None) -> None:
        """A new named action of ``type`` (text, template, command, api, handover, ...)."""
        f = self.flow_of(flow)
        self._free(f.actions, name, "action", flow)
        with self._edit(f"add action {flow}.{name}"):
            f.actions[name] = Action.model_validate(
                {"type": type, "options": options or {}, "condition": condition})

    def set_action(self, flow: str, name: str, *, type: str | None = None,
                   options: dict[str, Any] | None = None, condition: Any = _UNSET) -> None:
        """Change an action's type, options (replaced whole) or condition."""
        f = self.flow_of(flow)
        current = self._need(f.actions, name, "action", flow)
        with self._edit(f"set action {flow}.{name}"):
            f.actions[name] = _rebuild(Action, current, {
                "type": type or _UNSET, "options": _UNSET if options is None else options,
                "condition": condition})

    def rename_action(self, flow: str, old: str, new: str) -> None:
        """Rename an action and the states' references to it."""
        f = self.flow_of(flow)
        self._need(f.actions, old, "action", flow)
        self._free(f.actions, new, "action", flow)
        with self._edit(f"rename action {flow}.{old} -> {new}"):
            f.actions = _renamed(f.actions, old, new)
            for state in f.states.values():
                for ref in state.action:
                    if ref.name == old:
                        ref.name = new

    def delete_action(self, flow: str, name: str) -> None:
        """Remove an action and the states' references to it."""
        f = self.flow_of(flow)
        self._need(f.actions, name, "action", flow)
        with self._edit(f"delete action {flow}.{name}"):
            del f.actions[name]
            for state in f.states.values():
                state.action = [ref for ref in state.action if ref.name != name]

    # -- undo, save, checks -----------------------------------------------------------------

    @property
    def can_undo(self) -> bool:
        """Whether there is an edit to undo."""
        return bool(self.history)

    def undo(self) -> str | None:
        """Put the bot back as it was before the last edit; returns what was undone."""
        if not self.history:
            return None
        what, snapshot = self.history.pop()
        self.bot = snapshot
        self.last_edit = f"undo {what}"
        self._engine = None
        self._notify(self.last_edit)
        return what

    @property
    def source(self) -> BotSource | None:
        """The files the bot was loaded from (``None`` for a bot built in code)."""
        if self._source is None and self.bot.source_file is not None:
            self._source = BotSource(self.bot.source_file)
        return self._source

    def review_save(self) -> SavePlan:
        """What saving into the bot's own files would change: ``plan.diff()`` shows it,
        ``plan.write()`` writes it (keeping a backup). Nothing is written here."""
        if self.source is None:
            raise EditError("this bot was not loaded from files: save it to a new folder "
                            "with save(path)")
        return self.source.plan(self.bot)

    def save(self, path: str | Path, *, split_flows: bool = True) -> Path:
        """Write the bot into a new folder (or ``.yml`` path); returns its main file.

        A bot loaded from files is copied with its layout, comments and ``$include``s, and
        only the edits differ. A bot built in code is written fresh (``flows/*.yml`` when
        ``split_flows``). Overwriting the bot's own files goes through :meth:`review_save`.
        """
        path = Path(path)
        folder = path.parent if path.suffix.lower() in (".yml", ".yaml") else path
        if self.source is not None:
            if folder.resolve() == self.source.root:
                raise EditError(f"{folder} holds the bot's own files: review the diff with "
                                "plan = review_save(), then plan.write()")
            return self.review_save().write_to(folder)
        return write_bot(self.bot, path, split_flows=split_flows)

    def backups(self) -> list[Backup]:
        """The backups saves kept of the bot's files, newest first."""
        return backups(self.source.root) if self.source is not None else []

    def restore(self, backup: Backup | None = None) -> Backup:
        """Put a backup's files back (default: the newest) and reload the bot from them.

        The reload is an edit like any other: :meth:`undo` brings the edited bot back.
        """
        kept = self.backups()
        chosen = backup or (kept[0] if kept else None)
        if chosen is None or self.source is None:
            raise EditError("there is no backup to restore")
        restore(chosen)
        self.source.reload()
        with self._edit(f"restore {chosen.stamp}"):
            self.bot = self.source.bot.model_copy(deep=True)
        return chosen

    def lint(self) -> list[Any]:
        """Lint findings for the whole bot (:func:`igbot.kataml.lint`)."""
        return lint(self.bot)

    @property
    def engine(self) -> Any:
        """An engine for the current bot (for previews); rebuilt after each edit."""
        if self._engine is None:
            self._engine = Engine(self.bot, MemoryStore(), seed=0)
        return self._engine

    def preview(self, flow: str, action: str) -> tuple[list[Any], list[str]]:
        """The requests one action would send, and the problems on the way."""
        try:
            return preview_action(self.engine, flow, action)
        except Exception as exc:  # a half-written action must not break the editor
            return [], [f"{type(exc).__name__}: {exc}"]

    def action_refs(self, flow: str, state: str) -> list[ActionRef]:
        """The actions a state runs."""
        return list(self._need(self.flow_of(flow).states, state, "state", flow).action)


def _intent_rewriter(old: str, new: str) -> Any:
    """A function rewriting ``intent == "old"`` (and ``"old" == intent``) to the new name."""
    name = re.escape(old)
    left = re.compile(rf"(\bintent\s*[!=]==?\s*)([\"']){name}\2")
    right = re.compile(rf"([\"']){name}\1(\s*[!=]==?\s*intent\b)")

    def rewrite(text: str) -> str:
        text = left.sub(lambda m: f"{m.group(1)}{m.group(2)}{new}{m.group(2)}", text)
        return right.sub(lambda m: f"{m.group(1)}{new}{m.group(1)}{m.group(2)}", text)

    return rewrite


def _a(word: str) -> str:
    """``a state``, ``an intent``."""
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def _flag(value: Any) -> Any:
    """``True`` stays, a false value removes the key, unset stays unset."""
    return value if value is _UNSET else (True if value else None)
