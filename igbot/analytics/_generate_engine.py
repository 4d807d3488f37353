"""The simulation's bot played by the real flow engine running a Kata-ML bot (the shop bot).

:class:`EngineResponder` turns the simulation's messages into the Kata messages Instagram's
webhooks would give (quick-reply and postback payloads decoded, ice-breaker codes mapped to the
bot's payloads) and the engine's requests back into the simulation's replies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from igbot._message import Message
from igbot.analytics._generate import BotTurn, Reply
from igbot.engine import MessageEvent

__all__ = ["EngineResponder"]

# the simulation's ice-breaker codes -> the shop bot's ice-breaker payload topics
_ICE_BREAKER_TOPICS = {"PROMO": "promo", "LOCATION": "location", "SHIPPING": "faq", "HUMAN": "agent"}


class EngineResponder:
    """A :data:`~igbot.analytics.Responder` backed by :class:`igbot.Engine` (in memory).

    Args:
        bot: a loaded bot or a path (default: the sample shop bot in ``data/bots/shop``).
        seed: seeds the bot's choice among text variants.
    """

    def __init__(self, bot: Any = None, seed: int = 0) -> None:
        from igbot.engine import Engine, MemoryStore

        if bot is None:
            bot = Path(__file__).resolve().parents[2] / "data" / "bots" / "shop"
        self.engine = Engine(bot, MemoryStore(), seed=seed, api=lambda call: None)
        self._users: dict[int, str] = {}
        declared = ((self.engine.bot.config or {}).get("instagram") or {}).get("ice_breakers") or []
        self.ice_breakers: list[tuple[str, Any]] = [
            (str(q["question"]), q.get("payload")) for q in declared
            if isinstance(q, dict) and q.get("question")
        ]
        """The bot's ice breakers (question, payload): the simulated people tap these."""

    def _user(self, session: dict[str, Any]) -> str:
        key = id(session)
        if key not in self._users:
            self._users[key] = f"sim-{len(self._users):05d}"
            session["_engine_user"] = self._users[key]
        return self._users[key]

    def kata_message(self, message: Message) -> Message:
        """The Kata message a webhook would have produced for the simulation's message."""
        from igbot.models import decode_payload

        payload = dict(message.payload or {})
        if payload.get("type") == "ice_breaker" and "payload" not in payload:
            return Message(type="data", content=message.content, payload=payload)  # the bot's own
        if payload.get("type") == "ice_breaker":
            topic = _ICE_BREAKER_TOPICS.get(str(payload.get("payload")), "promo")
            return Message(type="data", content=payload.get("title"),
                           payload={"type": "ice_breaker", "topic": topic, "title": payload.get("title")})
        if "referral" in payload:
            return Message(type="data", payload={"type": "referral", **payload["referral"]})
        if isinstance(payload.get("payload"), str):
            decoded = decode_payload(payload["payload"])
            if message.type == "text" or "title" not in payload:  # a quick reply
                decoded.setdefault("type", "quick_reply")
                return Message(type="text", content=message.content, payload=decoded)
            decoded.setdefault("type", "postback")
            return Message(type="data", content=payload.get("title"), payload=decoded)
        return message

    def __call__(self, message: Message, session: dict[str, Any]) -> BotTurn:
        user = self._user(session)
        if session.pop("_handed_over", False):
            self.engine.resume(user)  # the simulated agent resolved the conversation
        turn = self.engine.handle_event(MessageEvent(self.kata_message(message), user)).turn
        record = turn.record
        replies, handover = [], False
        for request in turn.requests:
            if request.endpoint != "messages":
                handover = handover or request.endpoint == "pass_thread_control"
                continue
            body = request.body["message"]
            if "comment_id" in request.body["recipient"]:
                replies.append(Reply(body.get("text"), "private_reply"))
            elif body.get("quick_replies"):
                replies.append(Reply(body.get("text"), "quick_replies",
                                     {"quick_replies": body["quick_replies"]}))
            elif body.get("attachment", {}).get("type") == "template":
                payload = body["attachment"]["payload"]
                if payload.get("template_type") == "generic" and all(
                        e.get("buttons") and e["buttons"][0]["type"] == "postback"
                        for e in payload["elements"]):
                    replies.append(Reply(None, "carousel", payload))
                else:
                    replies.append(Reply(payload.get("text") or "", "text", payload))
            elif body.get("attachment"):
                replies.append(Reply(None, body["attachment"]["type"], body["attachment"]))
            else:
                replies.append(Reply(body.get("text")))
        if handover:
            session["_handed_over"] = True
        if record is None:
            return BotTurn(replies)
        return BotTurn(replies, record.flow, record.state, record.intent, record.is_fallback, handover)
