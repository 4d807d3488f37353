"""A seeded simulation of a shop's Instagram bot, producing realistic conversation logs.

People arrive from story replies, story mentions, comments (answered with a private reply), ice
breakers, ad referrals or plain DMs, tap quick-reply menus and promo carousels, type things the bot
does not understand, ask for a human (agents answer late, sometimes after the 24 h window with the
HUMAN_AGENT tag), and come back on later days. The bot is a pluggable ``responder``: given the
person's Kata message and the session dict, it returns a :class:`BotTurn`; :class:`ShopBot` is
the default scripted one. :func:`generate_events` returns canonical records (plus ``_``-prefixed
details the other formats need); ``_generate_formats`` writes every input format.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from igbot._message import Message

__all__ = ["BotTurn", "Reply", "Responder", "ShopBot", "generate_events"]

START = datetime(2024, 5, 6, tzinfo=UTC)  # a Monday


@dataclass
class Reply:
    """One message the bot sends: ``kind`` text, quick_replies, carousel or image."""

    text: str | None = None
    kind: str = "text"
    payload: dict[str, Any] | None = None


@dataclass
class BotTurn:
    """What the bot did with one incoming message."""

    replies: list[Reply] = field(default_factory=list)
    flow: str | None = None
    state: str | None = None
    intent: str | None = None
    is_fallback: bool = False
    handover: bool = False


Responder = Callable[[Message, dict[str, Any]], BotTurn]

MENU = [("Promo 🔥", "PROMO"), ("Track order", "ORDER"), ("Store hours", "HOURS"),
        ("Where are you?", "LOCATION"), ("Talk to a human", "HUMAN")]
ICE_BREAKERS = [("What's on sale?", "PROMO"), ("Where is your store?", "LOCATION"),
                ("Do you ship to Bandung?", "SHIPPING"), ("Talk to a person", "HUMAN")]
PRODUCTS = [("Kopi Susu Gula Aren 1L", "SKU-KOPI1L"), ("Café Crème Mug ☕", "SKU-MUG"),
            ("Tote bag «Senja»", "SKU-TOTE")]
_KEYWORDS = [("HUMAN", ("human", "agent", "admin", "person", "cs ", "manusia")),
             ("PROMO", ("promo", "sale", "diskon", "discount", "price", "harga", "berapa")),
             ("ORDER", ("order", "pesan", "beli", "buy", "track", "resi")),
             ("HOURS", ("hour", "open", "buka", "jam")),
             ("LOCATION", ("where", "alamat", "lokasi", "address", "store")),
             ("SHIPPING", ("ship", "kirim", "ongkir", "bandung", "delivery")),
             ("GREET", ("hi", "halo", "hello", "hey", "pagi", "hola"))]


def _quick(text: str, options: list[tuple[str, str]]) -> Reply:
    return Reply(text, "quick_replies", {"quick_replies": [
        {"content_type": "text", "title": t, "payload": p} for t, p in options]})


class ShopBot:
    """The default responder: a small scripted coffee-shop bot (flows greeting, promo, faq,
    location, order, handover, fallback)."""

    def intent_of(self, message: Message) -> str | None:
        """The intent: a button's payload, a story/comment kind, or a keyword in the text."""
        payload = message.payload or {}
        kind = payload.get("type")
        if kind in ("story_reply", "story_mention", "comment"):
            return kind
        if kind == "ice_breaker" or payload.get("payload"):
            value = str(payload.get("payload") or payload.get("id") or "")
            return "BUY" if value.startswith("BUY") else value or None
        text = f" {(message.content or '').lower()} "
        for intent, words in _KEYWORDS:
            if any(w in text for w in words):
                return intent
        return None

    def __call__(self, message: Message, session: dict[str, Any]) -> BotTurn:
        """Answer one message; ``session`` keeps ``flow``, ``state`` and ``misses``."""
        intent = self.intent_of(message)
        flow, state = session.get("flow"), session.get("state")
        if flow == "handover" and state == "wait_agent":
            return BotTurn([], "handover", "wait_agent", intent)
        if flow == "order" and state in ("ask_size", "ask_address") and intent is None:
            nxt = "ask_address" if state == "ask_size" else "confirm"
            text = ("Got it! Where should we send it? (full address)" if nxt == "ask_address"
                    else f"Thanks! Order #{1000 + len(session) * 7} is confirmed, we will "
                    "send the payment link 🙏")
            return self._go(session, "order", nxt if nxt != "confirm" else "end",
                            [Reply(text)], intent="provide_info")
        turn = self._route(intent, session)
        return turn

    def _go(self, session: dict[str, Any], flow: str, state: str, replies: list[Reply],
            intent: str | None, fallback: bool = False, handover: bool = False) -> BotTurn:
        session["flow"], session["state"] = flow, state
        session["misses"] = session.get("misses", 0) + 1 if fallback else 0
        return BotTurn(replies, flow, state, intent, fallback, handover)

    def _route(self, intent: str | None, s: dict[str, Any]) -> BotTurn:
        name = s.get("name", "")
        if intent == "story_reply":
            return self._go(s, "promo", "offer", [_quick(
                "Thanks for replying to our story! 💛 This week: 20% off Kopi Susu 1L.",
                [("See products", "PROMO"), ("Order now", "ORDER")])], intent)
        if intent == "story_mention":
            return self._go(s, "greeting", "thanks_mention", [
                Reply(f"Thank you for the mention, {name}! 🥰"), _quick("Can we help?", MENU)],
                intent)
        if intent == "comment":
            return self._go(s, "promo", "private_reply", [Reply(
                "Hi! We sent you the price in DM 😊 Kopi Susu 1L is Rp 85.000 this week.",
                "private_reply")], intent)
        if intent == "PROMO":
            cards = [{"title": t, "subtitle": "20% off this week", "buttons": [
                {"type": "postback", "title": "Buy", "payload": f"BUY_{sku}"}]}
                for t, sku in PRODUCTS]
            return self._go(s, "promo", "carousel", [Reply(None, "carousel", {
                "template_type": "generic", "elements": cards})], intent)
        if intent in ("ORDER", "BUY"):
            return self._go(s, "order", "ask_size", [_quick(
                "Great choice! Which size?", [("250 ml", "SIZE_S"), ("1 L", "SIZE_L")])],
                intent)
        if intent and intent.startswith("SIZE_"):
            return self._go(s, "order", "ask_address", [Reply(
                "Noted 👍 Where should we send it? (full address)")], intent)
        if intent in ("HOURS", "SHIPPING"):
            text = ("We're open every day 08:00–22:00 WIB ☕" if intent == "HOURS" else
                    "Yes! We ship all over Indonesia, Bandung in 1–2 days 🚚")
            return self._go(s, "faq", "answer", [Reply(text)], intent)
        if intent == "LOCATION":
            return self._go(s, "location", "store", [Reply(
                "Jl. Senopati No. 12, Jakarta Selatan 📍", "text", {"map": "https://maps.app"})],
                intent)
        if intent == "HUMAN" or (intent is None and s.get("misses", 0) >= 1):
            return self._go(s, "handover", "wait_agent", [Reply(
                "I'm connecting you with our team, they'll reply here soon 🙏")], intent,
                handover=True)
        if intent == "GREET" or s.get("flow") is None:
            return self._go(s, "greeting", "menu", [_quick(
                f"Hi {name}! 👋 Welcome to Kopi Senja. What can we do for you?", MENU)], intent)
        return self._go(s, "fallback", "misunderstood", [_quick(
            "Sorry, I didn't get that 🙈 Choose one of these:", MENU[:4])], intent, fallback=True)


_FIRST = ["Ayu", "Budi", "José", "Zoë", "Ayşe", "Siti", "Rizky", "Dewi", "Chloé", "Agus",
          "Putri", "Mika", "Renée", "Dimas", "Nadia", "Joko", "Léa", "Fajar", "Intan", "Björn"]
_LAST = ["Pratama", "Santoso", "García", "Müller", "Wijaya", "Lestari", "Núñez", "Halim"]
_FREE = ["berapa harganya kak?", "is it still available?", "asdfgh", "😂😂😂", "ok", "hmm",
         "apakah ada warna lain?", "can I pay with QRIS?", "kapan restock?", "mantap 👍",
         "¿Tienen envío a Bandung?", "thank you!", "I want to order", "what time do you open"]
_STORY_TEXT = ["love this!! 😍", "how much is this?", "mau dong 🙏", "is this new?", "🔥🔥"]
_COMMENTS = ["price?", "harga berapa kak", "want!!", "info dong 🙏", "available in 1L?"]
_AGENT_LINES = ["Hi {name}, this is Rina from Kopi Senja 🙂 how can I help?",
                "Sorry for the wait! Your order is on its way 🚚",
                "Hello! I checked with the warehouse: it's back in stock next week."]


def _person(rng: random.Random, i: int) -> dict[str, Any]:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    return {"id": str(6_200_000_000_000_000 + i * 7919), "name": f"{first} {last}",
            "username": f"{first.lower()}.{last.lower()}{i}".encode("ascii", "ignore").decode()}


def _entry(rng: random.Random, first_visit: bool) -> str:
    options = ["story_reply", "story_mention", "comment", "ad_referral", "dm"]
    weights = [20, 8, 12, 8, 42]
    if first_visit:
        options.append("ice_breaker")
        weights.append(14)
    return rng.choices(options, weights)[0]


def _start_time(rng: random.Random, days: int) -> datetime:
    day = rng.randrange(days)
    hour = rng.choices(range(24), [1, 1, 1, 1, 1, 2, 4, 6, 8, 9, 10, 11, 13, 12, 10, 9, 9, 10,
                                   12, 14, 15, 13, 8, 3])[0]
    return START + timedelta(days=day, hours=hour, minutes=rng.randrange(60),
                             seconds=rng.randrange(60))


def generate_events(people: int = 200, seed: int = 7, days: int = 14,
                    responder: Responder | None = None) -> list[dict[str, Any]]:
    """Simulate ``people`` people talking to the shop's bot over ``days`` days.

    Returns canonical records (``to_log_record`` keys, timestamps as datetimes) with extra
    ``_person`` (id, name, username), ``_entry`` and ``_comment_id``/``_story_id`` details,
    ordered by time.
    """
    from igbot.analytics._generate_sim import simulate_person

    rng = random.Random(seed)
    bot = responder or ShopBot()
    events: list[dict[str, Any]] = []
    for i in range(people):
        person = _person(rng, i)
        visits = 1 + min(int(rng.expovariate(1.6)), 4)
        times = sorted(_start_time(rng, days) for _ in range(visits))
        session: dict[str, Any] = {"name": person["name"].split()[0]}
        for v, when in enumerate(times):
            events.extend(simulate_person(rng, bot, person, session, when,
                                          _entry(rng, v == 0), i * 100 + v))
    events.sort(key=lambda e: (e["timestamp"], e["conversation_id"]))
    return events
