"""One visit of one simulated person: what they send, what the responder answers, agents."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from igbot._message import Message
from igbot.analytics._generate import (
    _AGENT_LINES,
    _COMMENTS,
    _FREE,
    _STORY_TEXT,
    ICE_BREAKERS,
    BotTurn,
    Responder,
)

__all__ = ["simulate_person"]

_ANSWERS = {"ask_size": ["1L", "yang 1 liter kak", "250ml aja"],
            "ask_address": ["Jl. Merdeka 5, Bandung", "Jl. Kemang Raya 10, Jakarta",
                            "Perumahan Griya Asri B3, Bekasi"]}


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
            "mid": None if role == "system" or kind == "refused"
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
    if entry == "ice_breaker":
        if ice_breakers:
            title, given = rng.choice(ice_breakers)
            body = dict(given) if isinstance(given, dict) else {"payload": given}
            return "postback", title, {"type": "ice_breaker", **body, "title": title}, {}
        title, code = rng.choice(ICE_BREAKERS)
        return "postback", title, {"type": "ice_breaker", "payload": code, "title": title}, {}
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
    if last.state in _ANSWERS:
        return ("text", rng.choice(_ANSWERS[last.state]), None) if r < 0.8 else None
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
    if session.get("state") == "ask_address" and rng.random() < 0.5:
        v.wait(25 * 3600, 28 * 3600)
        v.add("out", "bot", "refused", "Still want your Kopi Susu? 🛒",
              {"reason": "outside_window", "code": 10, "subcode": 2534022},
              flow="order", state="reminder")
    return v.events
