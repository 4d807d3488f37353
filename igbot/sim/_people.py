"""The simulated people: who they are, when they come, what they send, and the agents who answer.

One visit of one person is :func:`simulate_person`: the opening message (story reply, mention,
comment, ice breaker, ad referral or DM), the taps and free text that follow the bot's replies,
and a human agent picking up late after a handover.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from igbot._message import Message
from igbot.sim._turn import BotTurn, Responder

__all__ = ["START", "entry_of", "person", "simulate_person", "start_time"]

START = datetime(2024, 5, 6, tzinfo=UTC)  # a Monday

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


def person(rng: random.Random, i: int) -> dict[str, Any]:
    """The i-th person: an Instagram-scoped id, a name and a username."""
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    return {"id": str(6_200_000_000_000_000 + i * 7919), "name": f"{first} {last}",
            "username": f"{first.lower()}.{last.lower()}{i}".encode("ascii", "ignore").decode()}


def entry_of(rng: random.Random, first_visit: bool) -> str:
    """How a visit starts (story reply, comment, ice breaker on a first visit, ...)."""
    options = ["story_reply", "story_mention", "comment", "ad_referral", "dm"]
    weights = [20, 8, 12, 8, 42]
    if first_visit:
        options.append("ice_breaker")
        weights.append(14)
    return rng.choices(options, weights)[0]


def start_time(rng: random.Random, days: int) -> datetime:
    """When a visit starts: a day of the span, an hour weighted like a shop's traffic."""
    day = rng.randrange(days)
    hour = rng.choices(range(24), [1, 1, 1, 1, 1, 2, 4, 6, 8, 9, 10, 11, 13, 12, 10, 9, 9, 10,
                                   12, 14, 15, 13, 8, 3])[0]
    return START + timedelta(days=day, hours=hour, minutes=rng.randrange(60),
                             seconds=rng.randrange(60))


class _Visit:
    def __init__(self, rng: random.Random, person: dict[str, Any], when: datetime,
                 entry: str, visit_id: int) -> None:
        self.rng, self.person, self.t, self.entry = rng, person, when, entry
        self.events: list[dict[str, Any]] = []
        self.visit_id = visit_id

    def add(self, direction: str, role: str, kind: str, text: str | None = None,
            payload: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
        event: dict[str, Any] = {
            "conversation_id": self.person["id"], "timestamp": self.t, "direction": direction,
            "role": role, "kind": kind, "text": text, "payload": payload, "flow": None,
            "state": None, "intent": None, "is_fallback": None,
            "mid": None if role == "system"
            else f"aWdfZAG1{self.visit_id:07d}{len(self.events):03d}",
            "source": "igbot_log", "_person": self.person, **extra}
        self.events.append(event)
        return event

    def wait(self, low: float, high: float) -> None:
        self.t += timedelta(seconds=self.rng.uniform(low, high))


def _opening(v: _Visit, ice_breakers: list[tuple[str, Any]] | None = None,
             ) -> tuple[str, str | None, dict[str, Any] | None, dict[str, Any]]:
    """(kind, text, payload, extra) of the visit's first message. ``ice_breakers``: the bot's
    own (question, payload) pairs, when the bot declares them."""
    rng, entry = v.rng, v.entry
    if entry == "story_reply":
        story = str(17_900_000 + rng.randrange(40))
        return "story_reply", rng.choice(_STORY_TEXT), {"story_id": story}, {"_story_id": story}
    if entry == "story_mention":
        story = str(18_100_000 + v.visit_id)
        return "story_mention", None, {"story_id": story}, {"_story_id": story}
    if entry == "comment":
        cid = str(17_850_000_000 + v.visit_id)
        return "comment", rng.choice(_COMMENTS), {"comment_id": cid, "media_id": "1790001"}, {
            "_comment_id": cid}
    if entry == "ice_breaker" and ice_breakers:  # a bot without ice breakers gets a DM instead
        title, given = rng.choice(ice_breakers)
        body = dict(given) if isinstance(given, dict) else {"payload": given}
        return "postback", title, {"type": "ice_breaker", **body, "title": title}, {}
    if entry == "ad_referral":
        return "referral", None, {"referral": {"ref": "promo_may", "source": "ADS",
                                               "type": "OPEN_THREAD", "ad_id": "6123"}}, {}
    return "text", rng.choice(["halo kak", "hi!", "hello", "pagi kak 🙏", *_FREE[:4]]), None, {}


def _message(kind: str, text: str | None, payload: dict[str, Any] | None) -> Message:
    data = dict(payload or {})
    if kind in ("story_reply", "story_mention", "comment"):
        data["type"] = kind
    return Message(type="text" if kind == "text" else "data", content=text,
                   payload=data or None)


def _agent(v: _Visit, turn_state: dict[str, Any], flow: str, state: str) -> None:
    """A human agent picks up late, maybe chats, then resolves."""
    rng = v.rng
    last_person = v.t
    roll = rng.random()
    v.wait(*((120, 3600) if roll < 0.7 else (3600, 6 * 3600) if roll < 0.9 else
             (25 * 3600, 30 * 3600)))
    tagged = (v.t - last_person) > timedelta(hours=24)
    for k in range(1 + (rng.random() < 0.5)):
        line = rng.choice(_AGENT_LINES).format(name=v.person["name"].split()[0])
        v.add("out", "agent", "text", line, {"messaging_type": "MESSAGE_TAG",
                                              "tag": "HUMAN_AGENT"} if tagged else None)
        if k == 0 and rng.random() < 0.6:
            v.wait(20, 300)
            v.add("in", "user", "text", rng.choice(["ok thanks!", "siap kak 🙏", "great"]),
                  flow=flow, state=state)
            tagged = False
            v.wait(30, 900)
    v.wait(60, 600)
    v.add("out", "system", "resolve", payload={"by": "agent"})
    turn_state["flow"], turn_state["state"] = None, None


def _next_move(v: _Visit, last: BotTurn) -> tuple[str, str | None, dict[str, Any] | None] | None:
    rng = v.rng
    kinds = {r.kind for r in last.replies}
    r = rng.random()
    if "carousel" in kinds:
        if r < 0.55:
            cards = next(x for x in reversed(last.replies) if x.kind == "carousel").payload
            assert cards is not None  # the simulated bot's carousels always carry their cards
            button = rng.choice(cards["elements"])["buttons"][0]
            title = str(button.get("title") or "Buy")
            return "postback", title, {"payload": button["payload"], "title": title}
        return ("text", rng.choice(_FREE), None) if r < 0.75 else None
    if "quick_replies" in kinds:
        chips = next(x for x in reversed(last.replies) if x.kind == "quick_replies").payload
        assert chips is not None  # the simulated bot's quick replies always carry their chips
        options = chips["quick_replies"]
        if r < 0.65:
            pick = rng.choice(options)
            return "quick_reply", pick["title"], {"payload": pick["payload"]}
        return ("text", rng.choice(_FREE), None) if r < 0.8 else None
    if "private_reply" in kinds:
        return ("text", rng.choice(["how to order?", "mau pesan kak", "ok 👍"]), None) \
            if r < 0.6 else None
    return ("text", rng.choice(_FREE), None) if r < 0.35 else None


def simulate_person(rng: random.Random, bot: Responder, person: dict[str, Any],
                    session: dict[str, Any], when: datetime, entry: str,
                    visit_id: int) -> list[dict[str, Any]]:
    """The events of one visit (a session, plus late agent replies) as canonical records."""
    v = _Visit(rng, person, when, entry, visit_id)
    session.update(flow=None, state=None, misses=0)
    kind, text, payload, extra = _opening(v, getattr(bot, "ice_breakers", None))
    move: tuple[str, str | None, dict[str, Any] | None] | None = (kind, text, payload)
    extra["_entry"] = entry
    for _ in range(8):
        if move is None:
            break
        kind, text, payload = move
        incoming = v.add("in", "user", kind, text, payload, **extra)
        extra = {}
        if kind == "referral":  # the ad click, then the person's first words
            v.wait(2, 15)
            incoming = v.add("in", "user", "text", "Hi, I saw your ad 👀")
            kind, text, payload = "text", incoming["text"], None
            incoming["payload"] = None
        turn = bot(_message(kind, text, payload), session)
        incoming.update(flow=turn.flow, state=turn.state, intent=turn.intent,
                        is_fallback=turn.is_fallback)
        for reply in turn.replies:
            v.wait(0.3, 2.5)
            v.add("out", "bot", reply.kind, reply.text, reply.payload, flow=turn.flow,
                  state=turn.state)
        if rng.random() < 0.04 and turn.replies:
            v.wait(3, 30)
            v.add("in", "user", "reaction", "❤", {"reaction": "love"})
        if turn.handover:
            v.wait(0.2, 1)
            # the handover happens where the bot is: its flow and state (the shop bot: toAgent)
            flow, state = turn.flow or "handover", turn.state or "wait_agent"
            v.add("out", "system", "handover", payload={"reason": turn.intent or "fallback"},
                  flow=flow, state=state)
            _agent(v, session, flow, state)
            return v.events
        move = _next_move(v, turn)
        v.wait(8, 120)
    return v.events
