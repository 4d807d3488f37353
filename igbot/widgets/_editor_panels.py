"""The editor's intent and state panels: fields that read one intent/state and write it back.

The panels only read what is typed and call the editor's methods (``set_intent``,
``set_state``, ``set_transition``); a field whose expression does not parse shows the error
beside it and is not applied.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as w
import yaml

from igbot.kataml import ACTION_TYPES
from igbot.widgets._validation import check_condition, check_mapping

__all__ = ["IntentPanel", "StatePanel", "messages_html"]

_ERROR = "color:#b00020;font:12px monospace;white-space:pre-wrap"


def messages_html(messages: list[str]) -> str:
    """Error messages as red monospace lines."""
    return "".join(f'<div style="{_ERROR}">{html.escape(m)}</div>' for m in messages)


def _number(text: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"priority must be a number, not {text!r}") from None


class _Panel:
    def __init__(self) -> None:
        self.loading = False

    def _watch(self, *widgets: w.Widget, then: Callable[[], object]) -> None:
        for widget in widgets:
            widget.observe(lambda _c: None if self.loading else then(), names="value")


class IntentPanel(_Panel):
    """Type, conditions (one per line), classifiers (``nlu | match`` per line), initial,
    fallback and priority of the selected intent."""

    def __init__(self, editor: Any) -> None:
        super().__init__()
        self.editor = editor
        self.type = w.Dropdown(options=[("any", ""), ("text", "text"), ("data", "data"),
                                        ("command", "command")], description="type")
        self.condition = w.Textarea(description="conditions", continuous_update=False,
                                    placeholder='one per line, e.g. payload.type == "story_reply"',
                                    layout=w.Layout(width="95%"))
        self.condition_errors = w.HTML()
        self.classifier = w.Textarea(description="classifiers", continuous_update=False,
                                     placeholder="nlu | match, one per line",
                                     layout=w.Layout(width="95%"))
        self.initial = w.Checkbox(description="initial")
        self.fallback = w.Checkbox(description="fallback")
        self.priority = w.Text(description="priority", continuous_update=False)
        self.errors = w.HTML()
        self.widget = w.VBox([self.type, self.condition, self.condition_errors, self.classifier,
                              w.HBox([self.initial, self.fallback]), self.priority, self.errors])
        self._watch(self.type, self.condition, self.classifier, self.initial, self.fallback,
                    self.priority, then=self.apply)

    def load(self, flow: str | None, name: str | None) -> None:
        """Show intent ``name`` of ``flow`` (hidden for ``None``)."""
        self.flow, self.name = flow, name
        intent = self.editor.bot.flows[flow].intents.get(name) if flow and name else None
        self.widget.layout.display = "none" if intent is None else None
        if intent is None:
            return
        self.loading = True
        try:
            self.type.value = intent.type or ""
            self.condition.value = "\n".join(intent.condition)
            self.classifier.value = "\n".join(
                f"{c.nlu or ''} | {c.match}" if c.match is not None else (c.nlu or "")
                for c in intent.classifier)
            self.initial.value, self.fallback.value = bool(intent.initial), bool(intent.fallback)
            self.priority.value = "" if intent.priority is None else f"{intent.priority:g}"
            self.condition_errors.value = self.errors.value = ""
        finally:
            self.loading = False

    def apply(self) -> None:
        """Check the fields; apply them with ``set_intent`` when everything parses."""
        conditions = [c.strip() for c in self.condition.value.splitlines() if c.strip()]
        problems = [f"condition {i}: {m}" for i, c in enumerate(conditions, 1)
                    for m in check_condition(c)]
        self.condition_errors.value = messages_html(problems)
        classifiers = []
        for line in self.classifier.value.splitlines():
            if line.strip():
                nlu, _, match = (p.strip() for p in line.partition("|"))
                classifiers.append({"nlu": nlu, **({"match": match} if match else {})})
        try:
            priority = _number(self.priority.value)
        except ValueError as exc:
            self.errors.value = messages_html([str(exc)])
            return
        self.errors.value = ""
        if problems or self.flow is None or self.name is None:
            return
        self.editor.set_intent(self.flow, self.name, type=self.type.value or None,
                               condition=conditions or None, classifier=classifiers or None,
                               initial=self.initial.value or None,
                               fallback=self.fallback.value or None, priority=priority)


class StatePanel(_Panel):
    """Flags and actions of the selected state, and one transition at a time."""

    def __init__(self, editor: Any) -> None:
        super().__init__()
        self.editor = editor
        self.initial = w.Checkbox(description="initial")
        self.end = w.Checkbox(description="end")
        self.actions = w.Text(description="actions", continuous_update=False,
                              placeholder="action names, comma separated",
                              layout=w.Layout(width="95%"))
        self.action_notes = w.HTML()
        self.transitions = w.Select(description="transitions", rows=4)
        self.dest = w.Dropdown(description="to state")
        self.condition = w.Text(description="condition", continuous_update=False,
                                layout=w.Layout(width="95%"))
        self.condition_errors = w.HTML()
        self.priority = w.Text(description="priority", continuous_update=False)
        self.fallback = w.Checkbox(description="fallback")
        self.mapping = w.Textarea(description="mapping", continuous_update=False,
                                  placeholder="context.x: payload.x", layout=w.Layout(width="95%"))
        self.mapping_errors = w.HTML()
        self.set_button = w.Button(description="Set transition", icon="check")
        self.delete_button = w.Button(description="Delete transition", icon="trash")
        self.widget = w.VBox([
            w.HBox([self.initial, self.end]), self.actions, self.action_notes, self.transitions,
            self.dest, self.condition, self.condition_errors, self.priority, self.fallback,
            self.mapping, self.mapping_errors, w.HBox([self.set_button, self.delete_button])])
        self._watch(self.initial, self.end, self.actions, then=self.apply_state)
        self._watch(self.condition, then=lambda: self.check_transition())
        self._watch(self.mapping, then=lambda: self.check_transition())
        self._watch(self.transitions, then=self._show_transition)
        self.set_button.on_click(lambda _b: self.apply_transition())
        self.delete_button.on_click(lambda _b: self._delete_transition())

    def load(self, flow: str | None, name: str | None) -> None:
        """Show state ``name`` of ``flow`` (hidden for ``None``)."""
        self.flow, self.name = flow, name
        state = self.editor.bot.flows[flow].states.get(name) if flow and name else None
        self.widget.layout.display = "none" if state is None else None
        if state is None:
            return
        self.loading = True
        try:
            self.initial.value, self.end.value = bool(state.initial), bool(state.end)
            self.actions.value = ", ".join(ref.name for ref in state.action)
            self.action_notes.value = ""
            self.dest.options = list(self.editor.bot.flows[flow].states)
            keep = self.transitions.value
            self.transitions.options = list(state.transitions)
            self.transitions.value = keep if keep in state.transitions else None
        finally:
            self.loading = False
        self._show_transition()

    def _show_transition(self) -> None:
        state = self.editor.bot.flows[self.flow].states[self.name]
        t = state.transitions.get(self.transitions.value or "")
        self.loading = True
        try:
            if t is not None:
                self.dest.value = self.transitions.value
            self.condition.value = (t.condition or "") if t else ""
            self.priority.value = "" if t is None or t.priority is None else f"{t.priority:g}"
            self.fallback.value = bool(t and t.fallback)
            mapping = t.mapping if t else None
            self.mapping.value = (mapping if isinstance(mapping, str) else yaml.safe_dump(
                mapping, sort_keys=False, allow_unicode=True)) if mapping else ""
        finally:
            self.loading = False
        self.check_transition()

    def apply_state(self) -> None:
        """Apply flags and actions (each name should be an action of the flow or a type)."""
        names = [n.strip() for n in self.actions.value.split(",") if n.strip()]
        flow = self.editor.bot.flows[self.flow]
        unknown = [n for n in names if n not in flow.actions and n not in ACTION_TYPES]
        self.action_notes.value = messages_html(
            [f"{n!r} is neither an action of flow {self.flow!r} nor an action type" for n in unknown])
        state = flow.states[self.name]
        kept = {ref.name: ref for ref in state.action}
        refs = [kept[n].to_data() if n in kept else n for n in names]
        self.editor.set_state(self.flow, self.name, initial=self.initial.value,
                              end=self.end.value, action=refs)

    def check_transition(self) -> tuple[dict[str, Any] | str | None, bool]:
        """Show the condition's and the mapping's errors; returns (mapping, ok)."""
        errors = check_condition(self.condition.value)
        self.condition_errors.value = messages_html(errors)
        text = self.mapping.value.strip()
        mapping: Any = None
        mapping_errors: list[str] = []
        if text:
            try:
                mapping = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                mapping_errors = [f"not valid YAML: {str(exc).splitlines()[0]}"]
            else:
                if isinstance(mapping, dict):
                    mapping_errors = check_mapping({str(k): v for k, v in mapping.items()})
                elif not isinstance(mapping, str):
                    mapping_errors = ["write 'path: expression' lines, or a method name"]
        self.mapping_errors.value = messages_html(mapping_errors)
        return mapping, not errors and not mapping_errors

    def apply_transition(self) -> bool:
        """Set the transition to the chosen state from the fields (not when they do not parse)."""
        mapping, ok = self.check_transition()
        if not ok or not self.dest.value:
            return False
        try:
            priority = _number(self.priority.value)
        except ValueError as exc:
            self.condition_errors.value = messages_html([str(exc)])
            return False
        self.editor.set_transition(self.flow, self.name, self.dest.value,
                                   condition=self.condition.value.strip() or None,
                                   priority=priority, fallback=self.fallback.value or None,
                                   mapping=mapping)
        return True

    def _delete_transition(self) -> None:
        if self.transitions.value:
            self.editor.delete_transition(self.flow, self.name, self.transitions.value)
