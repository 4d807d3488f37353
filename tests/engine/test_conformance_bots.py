"""Scripted conversations with the seven conformance bots, read unedited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from igbot.engine import Engine, MemoryStore
from igbot.kataml import load_bot
from tests.engine.conftest import say, tap, texts

BOTS = Path(__file__).resolve().parents[2].parent / "shared" / "conformance" / "kata-bots"
pytestmark = pytest.mark.skipif(not BOTS.is_dir(), reason=f"conformance bots not found at {BOTS}")


def engine(name: str, **kwargs) -> Engine:
    kwargs.setdefault("seed", 3)
    return Engine(load_bot(BOTS / name), MemoryStore(), **kwargs)


def postback_payloads(turn) -> list[dict]:
    out = []
    for request in turn.requests:
        attachment = request.body["message"].get("attachment", {})
        payload = attachment.get("payload", {})
        for element in payload.get("elements", []) or [payload]:
            for button in element.get("buttons", []):
                if button["type"] == "postback":
                    out.append(json.loads(button["payload"]))
    return out


def qisg(name, nlu, message, options):
    """A local stand-in for the bot's cloud classifier."""
    return "greeting" if name == "qisg" and "hello" in (message.content or "") else None


def test_pizzabot_order_choose_quantity_confirm() -> None:
    bot = engine("pizzabot")
    turn = say(bot, "I want to order pizza")
    assert texts(turn) == ["Which one do you want?"]
    choices = postback_payloads(turn)
    assert choices == [{"type": "pizza", "pizza": "pepperoni"}, {"type": "pizza", "pizza": "veggielover"}]
    assert texts(tap(bot, choices[1])) == ["How many do you want? (Min.1 Max.9)"]
    turn = say(bot, "3 please")
    assert turn.record.attributes == {"quantity": "3"}
    confirm = turn.requests[0].body["message"]["attachment"]["payload"]
    assert confirm["text"] == "Is it correct your order is 3 items of veggielover?"
    assert [b["title"] for b in confirm["buttons"]] == ["Yes", "No"]  # YAML 1.2, like Kata
    yes, no = postback_payloads(turn)
    assert (yes, no) == ({"type": "confirm", "confirm": "yes"}, {"type": "confirm", "confirm": "no"})
    turn = tap(bot, yes)
    assert texts(turn) == ["Thank you for your order :)", "Data have been saved into database"]
    assert turn.requests[1].body["message"] == {"attachment": {"type": "like_heart"}}
    assert [r.flow for r in turn.records] == ["order", "saveData", "order"]
    session = bot.session("u1")
    assert session and session.flow is None and session.stack == []


def test_pizzabot_cancel_and_fallback() -> None:
    bot = engine("pizzabot")
    say(bot, "pizza")
    tap(bot, {"type": "pizza", "pizza": "pepperoni"})
    say(bot, "2")
    assert texts(tap(bot, {"type": "confirm", "confirm": "no"})) == ["No problem, please order again next time"]
    turn = say(bot, "what is the weather")
    assert texts(turn) == ["Sorry I don't understand."] and turn.record.is_fallback


def test_pizzabot_welcome_with_a_plugged_in_classifier_and_reenter() -> None:
    bot = engine("pizzabot", classifier=qisg)
    assert texts(say(bot, "hello")) == ["Please order something"]
    say(bot, "order pizza")
    session = bot.session("u1")
    assert session and session.flow == "order" and [f.flow for f in session.stack] == ["welcome"]
    tap(bot, {"type": "pizza", "pizza": "pepperoni"})
    say(bot, "1")
    turn = tap(bot, {"type": "confirm", "confirm": "yes"})
    assert texts(turn)[-1] == "Hello, please type 'place order' to start ordering pizza"


def test_pizzabot_without_classifier_never_matches_cloud_intents() -> None:
    turn = say(engine("pizzabot"), "hello")
    assert turn.record.flow == "fallback"


def test_buttonbot_trivia() -> None:
    bot = engine("buttonbot")
    turn = say(bot, "mau kuis")
    assert [p["president"] for p in postback_payloads(turn)] == ["jokowi", "ahok", "ridwankamil"]
    turn = tap(bot, {"type": "president", "president": "ahok"})
    assert texts(turn) == ["Presiden kita bukan ahok"]
    assert any("'reenter' is not defined" in e for e in turn.errors)
    tap(bot, {"type": "president", "president": "jokowi"})  # back to the question
    assert texts(tap(bot, {"type": "president", "president": "jokowi"})) == ["Ya benar, presiden kita jokowi"]


def test_cardbot_menu() -> None:
    bot = engine("cardbot")
    turn = say(bot, "saya lapar")
    elements = turn.requests[0].body["message"]["attachment"]["payload"]["elements"]
    assert [e["title"] for e in elements] == ["Nasi Padang", "Nasi Goreng", "Soto Ayam"]
    assert texts(tap(bot, {"type": "menu", "menu": "nasigoreng"})) == ["Kamu pesan makanan nasigoreng"]


def test_weatherbot_api_through_a_stand_in() -> None:
    calls = []

    def weather_api(call):
        calls.append(call.url)
        return {"main": {"temp": 300.15}}

    bot = engine("weatherbot", api=weather_api)
    assert texts(say(bot, "info cuaca")) == ["Kamu ada di kota apa sekarang?"]
    assert texts(say(bot, "bandung")) == ["Cuaca di bandung sekarang ini 300.15 kelvin"]
    assert calls == ["https://api.openweathermap.org/data/2.5/weather?q=bandung&appid=REDACTED"]


def test_newsbot_api_command_and_dynamic_carousel() -> None:
    articles = [{"title": f"T{i}", "description": f"D{i}", "url": f"https://news.example/{i}"} for i in range(3)]
    bot = engine("newsbot", api=lambda call: {"articles": articles})
    turn = say(bot, "technology")
    assert texts(turn) == ["Selamat membaca"]
    cards = turn.requests[1].body["message"]["attachment"]["payload"]["elements"]
    assert [(c["title"], c["subtitle"]) for c in cards] == [("T0", "D0 "), ("T1", "D1 "), ("T2", "D2 ")]
    assert cards[0]["buttons"] == [{"type": "web_url", "url": "https://news.example/0", "title": "Detail"}]
    assert [r.intent for r in turn.records] == ["intent_initial", "intent_fallback_api"]


def test_newsbot_api_failure_goes_to_the_error_state() -> None:
    bot = engine("newsbot", api=lambda call: None)
    assert texts(say(bot, "sports")) == ["Error"]


def test_newsbot_js_method_mapping() -> None:
    bot = engine("newsbot")
    say(bot, "qrcode")
    turn = say(bot, "hello world")
    assert texts(turn) == ["Ini hasilnya.."]
    image = turn.requests[1].body["message"]["attachment"]
    assert image["payload"]["url"].endswith("data=hello%20world")


def test_schedulerbot_method_and_unsupported_schedule() -> None:
    bot = engine("schedulerbot")
    turn = say(bot, "buat reminder")
    assert texts(turn) == ["Kamu akan diingatkan dalam 1 menit ke depan"]
    session_context = turn.records[0]
    assert any("schedule actions are not supported on Instagram" in e for e in turn.errors)
    assert session_context.flow == "createReminder"
    assert texts(say(bot, "apa ini")) == ["Maaf saya tidak mengerti"]


def test_stickerbot_line_stickers_are_substituted_with_warnings() -> None:
    turn = say(engine("stickerbot"), "halo")
    assert [r.body["message"] for r in turn.requests] == [{"attachment": {"type": "like_heart"}}] * 2
    assert len([w for w in turn.record.warnings if "LINE sticker" in w]) == 2
