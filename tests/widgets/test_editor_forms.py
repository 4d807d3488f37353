"""Action forms: which form edits which action, and the line formats read back what they show."""

from __future__ import annotations

from typing import Any

import pytest

from igbot.kataml import Action, Bot
from igbot.widgets._editor_forms import (
    FORM_KINDS,
    ActionForm,
    FieldError,
    _read_buttons,
    _read_qr,
    form_kind,
    new_action,
)


def test_form_kinds_of_the_shop_actions(shop: Bot) -> None:
    kinds = {f"{f}.{a}": form_kind(action) for f, flow in shop.flows.items()
             for a, action in flow.actions.items()}
    assert kinds["greeting.heart"] == "sticker" and kinds["greeting.mentionThanks"] == "text"
    assert kinds["promo.carousel"] == "carousel" and kinds["location.map"] == "button"
    assert kinds["handover.handover"] == "handover" and kinds["faq.questions"] == "quick replies"
    assert form_kind(Action(type="method", options={"method": "m"})) == "other"


@pytest.mark.parametrize("kind", [k for k in FORM_KINDS if k != "other"])
def test_new_actions_have_their_own_form(kind: str) -> None:
    type_, options = new_action(kind)
    assert form_kind(Action(type=type_, options=options)) == kind


def test_every_form_reads_back_unchanged(shop: Bot) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    form = ActionForm(lambda t, o, c: seen.append((t, o)))
    for flow in shop.flows.values():
        for action in flow.actions.values():
            form.load(action)
            options, condition, ok = form.validate()
            assert ok and options == action.options and condition == action.condition
    assert seen == []  # loading never edits


def test_line_formats() -> None:
    assert _read_qr("Yes | {type: answer, v: 1}\n\nNo | plain") == [
        {"type": "text", "label": "Yes", "payload": {"type": "answer", "v": 1}},
        {"type": "text", "label": "No", "payload": "plain"}]
    assert _read_buttons("url | Map | https://maps.example") == [
        {"type": "url", "label": "Map", "url": "https://maps.example"}]
    with pytest.raises(FieldError, match="line 1"):
        _read_buttons("Map | https://maps.example")
    with pytest.raises(FieldError, match="not valid YAML"):
        _read_qr("Yes | {type: [")


def test_other_kind_edits_options_as_yaml() -> None:
    seen: list[tuple[str, dict[str, Any], str | None]] = []
    form = ActionForm(lambda t, o, c: seen.append((t, o, c)))
    form.load(Action(type="method", options={"method": "pick"}))
    form.field("options").input.value = "method: choose\nargs: [1, 2]\n"
    form.field("condition").input.value = "context.ready"
    assert seen[-1] == ("method", {"method": "choose", "args": [1, 2]}, "context.ready")
