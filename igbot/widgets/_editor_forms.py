"""Forms for one action, per kind: text with variants, image, quick replies, button, carousel
cards, sticker, handover, command, api, or raw YAML options for anything else.

A form reads an :class:`~igbot.kataml.Action` into fields, and after every change turns the fields
back into ``(type, options, condition)``, with the messages to show beside each field (syntax
errors, Meta's limits). Keys the form does not manage are kept as they were.
"""

from __future__ import annotations

import copy
import html
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as w
import yaml

from igbot.kataml import Action
from igbot.widgets._validation import (
    check_buttons,
    check_card,
    check_condition,
    check_quick_replies,
    check_size,
    check_template,
)

__all__ = ["FORM_KINDS", "LABEL_WIDTH", "ActionForm", "FieldError", "form_kind", "new_action"]

Path_ = tuple[Any, ...]
FORM_KINDS = ("text", "quick replies", "image", "button", "carousel", "sticker", "handover",
              "command", "api", "other")
LABEL_WIDTH = "110px"
"""Width of the labels before the editor's fields: room for "quick replies", "card 10 title"."""
_ERROR = "color:#b00020;font:12px monospace;white-space:pre-wrap;margin:0 0 4px 0"
_WARN = "color:#8a4b00;font:12px sans-serif;white-space:pre-wrap;margin:0 0 4px 0"


class FieldError(ValueError):
    """What was typed into a field cannot be read (bad YAML, a line without ``|``)."""


def form_kind(action: Action) -> str:
    """Which form edits ``action``."""
    options = action.options or {}
    if action.type == "text":
        return "text"
    if action.type in ("handover", "command", "api"):
        return action.type
    if action.type == "template":
        kind = options.get("type")
        if kind == "text":
            return "quick replies"
        if kind == "carousel" and isinstance(options.get("items"), list):
            return "carousel"
        if kind in ("image", "button", "sticker"):
            return str(kind)
    return "other"


def new_action(kind: str) -> tuple[str, dict[str, Any]]:
    """``(type, options)`` of a fresh action of a form kind."""
    fresh: dict[str, tuple[str, dict[str, Any]]] = {
        "text": ("text", {"text": "Hi!"}),
        "quick replies": ("template", {"type": "text", "items": {"text": "Pick one:", "quickreply": [
            {"type": "text", "label": "Yes", "payload": {"type": "answer", "value": "yes"}}]}}),
        "image": ("template", {"type": "image", "items": {
            "originalContentUrl": "https://example.com/a.jpg",
            "previewImageUrl": "https://example.com/a.jpg"}}),
        "button": ("template", {"type": "button", "items": {"text": "Open it:", "actions": [
            {"type": "url", "label": "Open", "url": "https://example.com"}]}}),
        "carousel": ("template", {"type": "carousel", "items": [
            {"title": "Card", "text": "About it", "actions": [
                {"type": "postback", "label": "Pick", "payload": {"type": "pick", "item": "card"}}]}]}),
        "sticker": ("template", {"type": "sticker", "items": {"sticker": "like_heart"}}),
        "handover": ("handover", {"text": "Connecting you with our team"}),
        "command": ("command", {"command": "next"}),
        "api": ("api", {"uri": "https://example.com/api", "method": "GET"}),
    }
    return fresh.get(kind, ("text", {"text": ""}))


# -- reading and writing one field --------------------------------------------------------------

def _flow_yaml(value: Any) -> str:
    if isinstance(value, str):
        return value
    return yaml.safe_dump(value, default_flow_style=True, width=10_000, allow_unicode=True,
                          sort_keys=False).strip()


def _read_yaml(text: str) -> Any:
    try:
        return yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError as exc:
        raise FieldError(f"not valid YAML: {str(exc).splitlines()[0]}") from None


def _payload(text: str) -> Any:
    text = text.strip()
    return _read_yaml(text) if text.startswith(("{", "[")) else text


def _qr_lines(value: Any) -> str:
    return "\n".join(f"{r.get('label', r.get('title', ''))} | {_flow_yaml(r.get('payload', ''))}"
                     for r in value or [] if isinstance(r, dict))


def _read_qr(text: str) -> list[dict[str, Any]]:
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if "|" not in line:
            raise FieldError(f"line {n}: write 'label | payload'")
        label, payload = (part.strip() for part in line.split("|", 1))
        out.append({"type": "text", "label": label, "payload": _payload(payload)})
    return out


def _button_lines(value: Any) -> str:
    lines = []
    for b in value or []:
        if isinstance(b, dict):
            target = b.get("url", "") if b.get("type") == "url" else _flow_yaml(b.get("payload", ""))
            lines.append(f"{b.get('type', 'postback')} | {b.get('label', '')} | {target}")
    return "\n".join(lines)


def _read_buttons(text: str) -> list[dict[str, Any]]:
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|", 2)]
        if len(parts) != 3 or parts[0] not in ("postback", "url"):
            raise FieldError(f"line {n}: write 'postback | label | payload' or 'url | label | https://…'")
        kind, label, target = parts
        out.append({"type": "url", "label": label, "url": target} if kind == "url"
                   else {"type": "postback", "label": label, "payload": _payload(target)})
    return out


_CODECS: dict[str, tuple[Callable[[Any], str], Callable[[str], Any]]] = {
    "text": (lambda v: "" if v is None else str(v), lambda t: t or None),
    "variants": (lambda v: "\n".join(map(str, v)) if isinstance(v, list) else str(v or ""),
                 lambda t: (lines if len(lines := [x for x in t.splitlines() if x.strip()]) != 1
                            else lines[0]) or None),
    "yaml": (lambda v: "" if v is None else yaml.safe_dump(v, sort_keys=False, allow_unicode=True),
             _read_yaml),
    "quick replies": (_qr_lines, _read_qr),
    "buttons": (_button_lines, _read_buttons),
}


@dataclass
class Field:
    """One input of a form: where it lives in the options, its widget and its messages."""

    path: Path_
    label: str
    codec: str = "text"
    choices: tuple[str, ...] = ()
    multiline: bool = False
    input: Any = None
    messages: w.HTML = field(default_factory=w.HTML)

    def build(self, value: Any) -> w.Widget:
        encode = _CODECS[self.codec][0]
        style = {"description_width": LABEL_WIDTH}
        if self.choices:
            self.input = w.Dropdown(options=self.choices, value=value if value in self.choices
                                    else self.choices[0], description=self.label, style=style)
        elif self.multiline or self.codec != "text":
            text = encode(value)
            self.input = w.Textarea(value=text, description=self.label, rows=_rows(text),
                                    continuous_update=False, style=style,
                                    layout=w.Layout(width="95%"))
            self.input.observe(lambda c: setattr(self.input, "rows", _rows(c["new"])),
                               names="value")
        else:
            self.input = w.Text(value=encode(value), description=self.label, style=style,
                                continuous_update=False, layout=w.Layout(width="95%"))
        return w.VBox([self.input, self.messages])

    def read(self) -> Any:
        return self.input.value if self.choices else _CODECS[self.codec][1](self.input.value)

    def show(self, errors: list[str], warnings: list[str]) -> None:
        parts = [f'<div style="{_ERROR}">{html.escape(m)}</div>' for m in errors]
        parts += [f'<div style="{_WARN}">⚠ {html.escape(m)}</div>' for m in warnings]
        self.messages.value = "".join(parts)


def _rows(text: str) -> int:
    """Rows for a text box: every line of ``text`` and one to type in (3 to 14)."""
    return max(3, min(14, text.count("\n") + 2))


def _get(data: Any, path: Path_) -> Any:
    for key in path:
        if isinstance(data, dict):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and key < len(data):
            data = data[key]
        else:
            return None
    return data


def _set(data: dict[str, Any], path: Path_, value: Any) -> None:
    *head, last = path
    node: Any = data  # a dict or a list as the walk goes down
    for key in head:
        nxt = node[key] if (isinstance(node, list) or key in node) else None
        if not isinstance(nxt, dict | list):
            nxt = {}
            node[key] = nxt
        node = nxt
    if value is None and isinstance(node, dict):
        node.pop(last, None)
    else:
        node[last] = value


def _fields(kind: str, options: dict[str, Any]) -> list[Field]:
    items = ("items",)
    if kind == "text":
        return [Field(("text",), "text", "variants")]
    if kind == "quick replies":
        return [Field((*items, "text"), "text", multiline=True),
                Field((*items, "quickreply"), "quick replies", "quick replies")]
    if kind == "image":
        return [Field((*items, "originalContentUrl"), "image url"),
                Field((*items, "previewImageUrl"), "preview url")]
    if kind == "button":
        return [Field((*items, "text"), "text", multiline=True), Field((*items, "title"), "title"),
                Field((*items, "actions"), "buttons", "buttons")]
    if kind == "carousel":
        out = []
        for i in range(len(options.get("items") or [])):
            out += [Field(("items", i, "title"), f"card {i + 1} title"),
                    Field(("items", i, "text"), "text"),
                    Field(("items", i, "thumbnailImageUrl"), "image url"),
                    Field(("items", i, "actions"), "buttons", "buttons")]
        return out
    if kind == "sticker":
        return [Field((*items, "sticker"), "sticker", choices=("like_heart",))]
    if kind == "handover":
        return [Field(("text",), "text", multiline=True), Field(("metadata",), "metadata", "yaml")]
    if kind == "command":
        return [Field(("command",), "command"), Field(("payload",), "payload", "yaml")]
    if kind == "api":
        return [Field(("uri",), "uri"),
                Field(("method",), "method", choices=("GET", "POST", "PUT", "PATCH", "DELETE")),
                Field(("body",), "body", "yaml"), Field(("headers",), "headers", "yaml"),
                Field(("query",), "query", "yaml"), Field(("resultPath",), "resultPath")]
    return [Field((), "options", "yaml")]


def _checks(kind: str, field_: Field, value: Any) -> tuple[list[str], list[str]]:
    """(syntax errors, limit warnings) for one field's value."""
    path, codec = field_.path, field_.codec
    errors: list[str] = []
    if codec == "variants":
        variants = value if isinstance(value, list) else [value]
        errors = [e for v in variants for e in check_template(v)]
        warn = [m for i, v in enumerate(variants, 1)
                for m in check_size("text", v, f"text {i}" if len(variants) > 1 else "text")]
        return errors, warn
    if codec == "quick replies":
        warn = check_quick_replies(value or [])
        return [m for m in warn if m.startswith("syntax")], [m for m in warn if not m.startswith("syntax")]
    if codec == "buttons":
        where = f"card {path[1] + 1}" if path[:1] == ("items",) and len(path) > 2 else ""
        warn = check_buttons(value or [], where)
        return [m for m in warn if m.startswith("syntax")], [m for m in warn if not m.startswith("syntax")]
    if isinstance(value, str):
        errors = check_template(value)
        if path == ("items", "text"):
            name = "button_template_text" if kind == "button" else "text"
            return errors, check_size(name, value, name.replace("_", " "))
        if path == ("text",):
            return errors, check_size("text", value, "text")
        if len(path) == 3 and path[0] == "items" and path[2] in ("title", "text"):
            card = {path[2]: value}
            return errors, [m for m in check_card(card, path[1] + 1) if not m.startswith("syntax")]
    return errors, []


class ActionForm:
    """The fields of one action; ``on_change(type, options, condition)`` after a valid edit."""

    def __init__(self, on_change: Callable[[str, dict[str, Any], str | None], None]) -> None:
        self.on_change = on_change
        self.kind = "other"
        self.type = "text"
        self.fields: list[Field] = []
        self.options: dict[str, Any] = {}
        self.condition = Field(("condition",), "condition")
        self.add_card = w.Button(description="Add card", icon="plus")
        self.remove_card = w.Button(description="Remove last card", icon="minus")
        self.add_card.on_click(lambda _b: self._cards(+1))
        self.remove_card.on_click(lambda _b: self._cards(-1))
        self.widget = w.VBox()

    def load(self, action: Action | None) -> None:
        """Show ``action``'s fields (nothing for ``None``)."""
        if action is None:
            self.widget.children, self.fields = [], []
            return
        self.kind, self.type = form_kind(action), action.type
        self.options = copy.deepcopy(action.options or {})
        self.fields = _fields(self.kind, self.options)
        boxes = [f.build(_get(self.options, f.path) if f.path else self.options)
                 for f in self.fields]
        boxes.append(self.condition.build(action.condition))
        if self.kind == "carousel":
            boxes.append(w.HBox([self.add_card, self.remove_card]))
        for f in [*self.fields, self.condition]:
            f.input.observe(lambda _c: self.apply(), names="value")
        self.widget.children = [w.HTML(f"<b>{html.escape(self.kind)}</b> "
                                       f"<code>type: {html.escape(self.type)}</code>"), *boxes]
        self.validate()

    def field(self, label: str) -> Field:
        """The field with this label (``text``, ``quick replies``, ``card 2 title``, …)."""
        for f in [*self.fields, self.condition]:
            if f.label == label:
                return f
        raise KeyError(f"no field {label!r} ({[f.label for f in self.fields]})")

    def validate(self) -> tuple[dict[str, Any], str | None, bool]:
        """Read every field and show its messages; returns (options, condition, ok)."""
        options = copy.deepcopy(self.options)
        ok = True
        for f in self.fields:
            try:
                value = f.read()
            except FieldError as exc:
                f.show([str(exc)], [])
                ok = False
                continue
            if f.path:
                _set(options, f.path, value)
            else:
                options = value if isinstance(value, dict) else {}
            errors, warnings = _checks(self.kind, f, value)
            f.show(errors, warnings)
            ok = ok and not errors
        condition = self.condition.input.value.strip() or None
        errors = check_condition(condition)
        self.condition.show(errors, [])
        return options, condition, ok and not errors

    @property
    def messages(self) -> str:
        """Every message shown beside the fields, as text (for tests and logs)."""
        return "\n".join(html.unescape(f.messages.value) for f in [*self.fields, self.condition])

    def apply(self) -> None:
        """Validate; when nothing blocks, hand the new options to ``on_change``."""
        options, condition, ok = self.validate()
        if ok:
            self.options = options
            self.on_change(self.type, options, condition)

    def _cards(self, step: int) -> None:
        options, condition, ok = self.validate()
        if not ok:
            return
        cards = list(options.get("items") or [])
        if step > 0:
            cards.append({"title": f"Card {len(cards) + 1}", "text": "", "actions": []})
        elif len(cards) > 1:
            cards.pop()
        options["items"] = cards
        self.on_change(self.type, options, condition)
