"""Lint findings for the seven conformance bots, each one reasoned about.

Every finding is keyed ``(code, flow, state, intent, action)``; the lists are exact, so a new
check that fires on these bots, or a check that stops firing, fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from igbot.kataml import Finding, lint, load_bot
from tests._conformance import BOTS, loading_bot_names

Key = tuple[str, str | None, str | None, str | None, str | None]


def _keys(findings: list[Finding]) -> list[Key]:
    return sorted((f.code, f.flow, f.state, f.intent, f.action) for f in findings)


EXPECTED: dict[str, list[Key]] = {
    "buttonbot": [
        # card is the only flow and it is not fallback: true
        ("no-fallback-flow", None, None, None, None),
        # init only handles 'trivia', but correctAnswer/wrongAnswer are initial intents too:
        # tapping an old button opens the flow in init and nothing moves it
        ("no-fallback-transition", "card", "init", None, None),
        # wrongAnswer runs `- name: reenter`, but no action 'reenter' exists and it is no type
        ("undefined-action", "card", "wrongAnswer", None, "reenter"),
    ],
    "cardbot": [
        ("no-fallback-flow", None, None, None, None),
        # askOptions ("Mau yang mana?") is defined, no state runs it
        ("unused-action", "card", None, None, "askOptions"),
    ],
    "newsbot": [
        # the seven smalltalk intents and getdata's intent_get_data classify with `nl` NLUs
        *[("cloud-nlu", "smalltalk", None, f"intent_{name}", None) for name in (
            "kamu_siapa", "terimakasih", "maaf", "greet_pagi", "greet_siang", "greet_sore",
            "greet_malam")],
        ("cloud-nlu", "getdata", None, "intent_get_data", None),
        # opening_text2 ("Berita") is never run
        ("unused-action", "opening", None, None, "opening_text2"),
        # the command intent catching call_api_fallback: transitions test payload, not intent
        ("unused-intent", "main", None, "intent_fallback_api", None),
        # `fallback: true` written on a state (it belongs on a transition)
        ("unknown-key", "qrcode", "state_initial", None, None),
        ("unknown-key", "getdata", "state_initial", None, None),
        # Gmail (mailto:) and No Hp (tel:) buttons: Instagram opens only http(s) links
        ("non-web-button", "about", None, None, "act_contact_btn"),
        ("non-web-button", "about", None, None, "act_contact_btn"),
        # LINE stickers 1/13
        ("line-sticker", "getdata", None, None, "act_send_sticker"),
        ("line-sticker", "fallback", None, None, "act_send_sticker"),
    ],
    "pizzabot": [
        # ner and yesno (cloud NLUs) are defined but no intent uses them
        ("unused-nlu", None, None, None, None),
        ("unused-nlu", None, None, None, None),
        # greeting classifies with qisg, a verstandClassifier
        ("cloud-nlu", "welcome", None, "greeting", None),
        # yesno (payload.type == 'confirm') only keeps the flow; no condition names it
        ("unused-intent", "order", None, "yesno", None),
        # the confirmPizza *state* runs yesNoButton; the confirmPizza *action* is unused
        ("unused-action", "order", None, None, "confirmPizza"),
        ("line-sticker", "order", None, None, "sayThanksSticker"),
    ],
    "schedulerbot": [
        # the method NLU confidenceLevel is defined, no intent uses it
        ("unused-nlu", None, None, None, None),
        ("schedule-action", "createReminder", None, None, "scheduleRun"),
        ("schedule-action", "remind", None, None, "deleteSchedule"),
    ],
    "stickerbot": [
        ("no-fallback-flow", None, None, None, None),
        ("line-sticker", "sticker", None, None, "showStickerThumbs"),
        ("line-sticker", "sticker", None, None, "showStickerFlower"),
    ],
    "weatherbot": [
        ("no-fallback-flow", None, None, None, None),
    ],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_conformance_findings_are_exact(bots_dir: Path, name: str) -> None:
    findings = lint(load_bot(bots_dir / name), js_available=True)
    assert _keys(findings) == sorted(EXPECTED[name])


def test_levels_and_locations(bots_dir: Path) -> None:
    findings = lint(load_bot(bots_dir / "pizzabot"), js_available=True)
    by_code = {f.code: f for f in findings}
    sticker = by_code["line-sticker"]
    assert sticker.level == "warning"
    assert sticker.file == "flows/order.yml"
    assert sticker.path == "flows.order.actions.sayThanksSticker.options.items"
    assert sticker.line == 160
    assert "like_heart" in sticker.message
    # `label: Yes` unquoted is text (YAML 1.2, like Kata's js-yaml): no yaml-boolean finding
    assert not [f for f in findings if f.code == "yaml-boolean"]
    assert by_code["unused-nlu"].file == "nlu.yml" and by_code["unused-nlu"].level == "info"
    assert by_code["cloud-nlu"].path == "flows.welcome.intents.greeting.classifier[0].nlu"
    assert "qisg" in by_code["cloud-nlu"].message

    button = lint(load_bot(bots_dir / "buttonbot"), js_available=True)
    error = next(f for f in button if f.code == "undefined-action")
    assert error.level == "error"
    assert (error.file, error.path, error.line) == (
        "flows/button.yml", "flows.card.states.wrongAnswer.action[1]", 62)


def test_a_plugged_classifier_silences_cloud_nlu(bots_dir: Path) -> None:
    findings = lint(load_bot(bots_dir / "newsbot"), classifier=object(), js_available=True)
    assert not [f for f in findings if f.code == "cloud-nlu"]


def test_methods_without_a_js_engine(bots_dir: Path) -> None:
    scheduler = lint(load_bot(bots_dir / "schedulerbot"), js_available=False)
    js = sorted((f.path, f.level) for f in scheduler if f.code == "js-unavailable")
    assert js == [("flows.createReminder.states.init.transitions.create.mapping", "error"),
                  ("nlus.confidenceLevel.method", "error")]
    news = lint(load_bot(bots_dir / "newsbot"), js_available=False)
    assert [(f.flow, f.state) for f in news if f.code == "js-unavailable"] == [
        ("qrcode", "state_text")]
    pizza = lint(load_bot(bots_dir / "pizzabot"), js_available=False)
    assert not [f for f in pizza if f.code == "js-unavailable"]  # pizzabot has no methods


CORPUS_ERRORS: dict[str, set[tuple[str, str | None, str | None]]] = {
    # five platform buttons on one button template: Instagram shows at most 3
    "bot-issue-reporting": {("limit-exceeded", "sendReport", "askWhichPlatformAction")},
    "buttonbot": {("undefined-action", "card", "reenter")},
}
CORPUS_WARNINGS: dict[str, set[str]] = {
    # methods read context.$now; a schedule action times the order out; the FAQ uses a cloud NLU
    "rayachatbot": {"schedule-action", "cloud-nlu"},
    "azizmf-chat-bot": {"schedule-action", "cloud-nlu"},
    "bot-geku": {"line-sticker"},
    "hotel-chat": {"cloud-nlu"},
    "kataai-bot-example": {"cloud-nlu"},
}


@pytest.mark.parametrize("name", loading_bot_names())
def test_every_corpus_bot_lints_with_only_its_own_errors(name: str) -> None:
    findings = lint(load_bot(BOTS / name))
    errors = {(f.code, f.flow, f.action or f.state or f.intent) for f in findings
              if f.level == "error"}
    assert errors == CORPUS_ERRORS.get(name, set())
    warnings = {f.code for f in findings if f.level == "warning"}
    assert CORPUS_WARNINGS.get(name, set()) <= warnings
    assert all(f.file and f.message for f in findings)
