"""The simulation's bot played by the real flow engine running a Kata-ML bot (the shop bot).

:class:`EngineResponder` turns the simulation's messages into the Kata messages Instagram's
webhooks would give (quick-reply and postback payloads decoded, a tapped ice breaker carrying the
payload the bot declares for it) and the engine's requests back into the simulation's replies.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from igbot._message import Message
from igbot.engine import Engine, MemoryStore, MessageEvent
from igbot.models import decode_payload
from igbot.sim._turn import BotTurn, Reply

__all__ = ["EngineResponder"]

SHOP_BOT = Path(__file__).resolve().parents[2] / "data" / "bots" / "shop"
"""The sample shop bot, the default bot of the simulation."""


class EngineResponder:
    """A :data:`~igbot.sim.Responder` backed by :class:`igbot.Engine` (in memory).

    Args:
        bot: a loaded bot or a path (default: the sample shop bot in ``data/bots/shop``).
        seed: seeds the bot's choice among text variants.
    """

    def __init__(self, bot: Any = None, seed: int = 0) -> None:
        self.engine = Engine(SHOP_BOT if bot is None else bot, MemoryStore(), seed=seed,
                             api=lambda call: None)
        self._people = 0
        declared = ((self.engine.bot.config or {}).get("instagram") or {}).get("ice_breakers") or []
        self.ice_breakers: list[tuple[str, Any]] = [
            (str(q["question"]), q.get("payload")) for q in declared
            if isinstance(q, dict) and q.get("question")
        ]
        """The bot's ice breakers (question, payload): the simulated people tap these."""

    def _user(self, session: dict[str, Any]) -> str:
        """The engine's user id of a simulated person, kept in their session dict (not keyed by
        ``id(session)``: a finished person's dict is freed and its id given to the next one)."""
        if "_engine_user" not in session:
            session["_engine_user"] = f"sim-{self._people:05d}"
            self._people += 1
        return str(session["_engine_user"])

    def kata_message(self, message: Message) -> Message:
        """The Kata message a webhook would have produced for the simulation's message."""
        payload = dict(message.payload or {})
        if payload.get("type") == "ice_breaker" and "payload" not in payload:
            return Message(type="data", content=message.content, payload=payload)  # the bot's own
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
            if request.message is None:  # a sender action or reaction: nothing to show
                continue
            template, attachment = request.template, request.attachment
            if request.private_reply:
                replies.append(Reply(request.text, "private_reply"))
            elif request.quick_replies:
                replies.append(Reply(request.text, "quick_replies",
                                     {"quick_replies": _plain(request.quick_replies)}))
            elif template is not None:
                if request.kind == "generic" and all(
                        e.get("buttons") and e["buttons"][0]["type"] == "postback"
                        for e in template["elements"]):
                    replies.append(Reply(None, "carousel", _plain(template)))
                else:
                    replies.append(Reply(template.get("text") or "", "text", _plain(template)))
            elif attachment is not None:
                replies.append(Reply(None, str(attachment["type"]), _plain(attachment)))
            else:
                replies.append(Reply(request.text))
        if handover:
            session["_handed_over"] = True
        if record is None:
            return BotTurn(replies)
        return BotTurn(replies, record.flow, record.state, record.intent, record.is_fallback, handover)


def _plain(value: Any) -> Any:
    """A copy of a reply's JSON part (the request's own is shared with other turns)."""
    return copy.deepcopy(value)
