"""``ChatSimulator``: talk to a bot as an Instagram user, in a notebook, and keep it as a test.

A thin view over :class:`igbot.engine.Engine` (with a :class:`~igbot.engine.MemoryStore` and one
fixed user id): the methods build the Kata message Instagram would deliver (text, story reply,
story mention, comment, ice breaker, quick-reply or button tap), hand it to the engine and draw
the answer. The buttons of the widget call the same methods.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ipywidgets as w
import yaml

from igbot.engine import Engine, MemoryStore, Turn, requests_html
from igbot.kataml import Bot, load_bot
from igbot.models import decode_payload, person_bubble_html

__all__ = ["ChatSimulator", "Tappable"]

logger = logging.getLogger(__name__)

SPEC_SCHEMA = "kata.ai/schema/kata-ml/1.0/test/flow"
_NOTE = "text-align:right;color:#8e8e8e;font:12px sans-serif;margin:4px 10px 0 0"
_BANNER = ("padding:8px 12px;border-radius:8px;background:#fff4e5;color:#8a4b00;"
           "font:13px sans-serif")


@dataclass(frozen=True)
class Tappable:
    """Something in the bot's last message the person can tap: a quick reply or a button."""

    kind: str  # "quick_reply" or "postback"
    title: str
    payload: str | None

    def message(self) -> dict[str, Any]:
        """The Kata message the tap arrives as (see the mapping in kata-ml.md)."""
        payload = dict(decode_payload(self.payload)) if self.payload is not None else {}
        payload.setdefault("type", self.kind)
        payload.setdefault("title", self.title)
        kind = "text" if self.kind == "quick_reply" else "data"
        return {"type": kind, "content": self.title, "payload": payload}


def tappables(turn: Turn | None) -> list[Tappable]:
    """Quick replies and postback buttons of a turn's messages, in order."""
    out: list[Tappable] = []
    for request in (turn.requests if turn else []):
        message = (request.body.get("message") or {}) if request.endpoint == "messages" else {}
        for reply in message.get("quick_replies") or []:
            out.append(Tappable("quick_reply", str(reply.get("title", "")), reply.get("payload")))
        payload = (message.get("attachment") or {}).get("payload") or {}
        buttons = [b for e in payload.get("elements") or [] for b in e.get("buttons") or []]
        buttons += payload.get("buttons") or []
        for button in buttons:
            if button.get("type") == "postback":
                out.append(Tappable("postback", str(button.get("title", "")), button.get("payload")))
    return out


class ChatSimulator:
    """Chat with a bot as one Instagram user; see the replies as bubbles.

    Args:
        bot: a loaded bot or a path to one.
        user: the fixed user id of the simulated person.
        seed: seeds the choice among text variants (reproducible transcripts).
    """

    def __init__(self, bot: Bot | str | Path, *, user: str = "sim-user", seed: int = 0) -> None:
        self.bot = bot if isinstance(bot, Bot) else load_bot(bot)
        self.user = user
        self.engine = Engine(self.bot, MemoryStore(), seed=seed)
        self.turns: list[Turn] = []
        self.cases: list[tuple[str, dict[str, Any], Turn]] = []
        self._parts: list[str] = []
        self._resolved_after: int | None = None
        self._comments = 0
        self._build()

    # -- driving the conversation -------------------------------------------------------------

    def send(self, message: dict[str, Any], shown: str) -> Turn:
        """Send any Kata message as the person; ``shown`` is the HTML of their bubble."""
        turn = self.engine.handle(message, user=self.user)
        label = f"{len(self.cases) + 1}: {message.get('content') or message['payload'].get('type')}"
        self.cases.append((label, message, turn))
        self.turns.append(turn)
        self._parts += [shown, requests_html(turn.requests)]
        self._refresh()
        return turn

    def send_text(self, text: str) -> Turn:
        """The person types a direct message."""
        return self.send({"type": "text", "content": text}, person_bubble_html(text))

    def story_reply(self, text: str, url: str = "https://example.com/story/1.jpg") -> Turn:
        """The person replies to the account's story."""
        payload = {"type": "story_reply", "url": url, "story_id": "story-1"}
        return self.send({"type": "data", "content": text, "payload": payload},
                         _note("replied to your story") + person_bubble_html(text))

    def story_mention(self, url: str = "https://example.com/mention/1.jpg") -> Turn:
        """The person mentions the account in their story."""
        return self.send({"type": "data", "payload": {"type": "story_mention", "url": url}},
                         person_bubble_html("📣 mentioned you in their story"))

    def comment(self, text: str, media_id: str = "media-1") -> Turn:
        """The person comments on a post (the bot may answer with one private reply)."""
        self._comments += 1
        payload = {"type": "comment", "comment_id": f"comment-{self._comments}",
                   "media_id": media_id}
        return self.send({"type": "data", "content": text, "payload": payload},
                         _note("commented on your post") + person_bubble_html(text))

    @property
    def ice_breakers(self) -> list[dict[str, Any]]:
        """``config.instagram.ice_breakers`` of the bot."""
        return list(((self.bot.config or {}).get("instagram") or {}).get("ice_breakers") or [])

    def ice_breaker(self, index: int) -> Turn:
        """The person taps ice breaker ``index`` (0-based) of a new conversation."""
        try:
            item = self.ice_breakers[index]
        except IndexError:
            raise IndexError(f"the bot has {len(self.ice_breakers)} ice breakers, "
                             f"not {index + 1}") from None
        question = str(item.get("question", ""))
        payload = item.get("payload")
        payload = dict(payload) if isinstance(payload, dict) else decode_payload(str(payload))
        payload.setdefault("type", "postback")
        payload.setdefault("title", question)
        return self.send({"type": "data", "content": question, "payload": payload},
                         person_bubble_html(question))

    @property
    def last_turn(self) -> Turn | None:
        """The last turn that sent something (what the person sees at the bottom)."""
        return next((t for t in reversed(self.turns) if t.requests), None)

    def tappables(self) -> list[Tappable]:
        """What can be tapped in the bot's last message."""
        return tappables(self.last_turn)

    def tap(self, label: str) -> Turn:
        """The person taps the quick reply or postback button called ``label``."""
        found = [t for t in self.tappables() if t.title == label]
        if not found:
            labels = [t.title for t in self.tappables()]
            raise KeyError(f"no quick reply or button {label!r} in the last message ({labels})")
        return self.send(found[0].message(), person_bubble_html(label))

    @property
    def handed_over(self) -> bool:
        """Whether an agent owns the thread now (the bot stays silent)."""
        session = self.engine.session(self.user)
        return bool(session and session.agent)

    def resolve(self) -> Turn:
        """The agent is done and gives the thread back (``engine.resume``)."""
        turn = self.engine.resume(self.user)
        if self._resolved_after is None:
            self._resolved_after = len(self.cases)
        self.turns.append(turn)
        self._parts += [_banner("✅ the agent gave the conversation back to the bot"),
                        requests_html(turn.requests)]
        self._refresh()
        return turn

    def reset(self) -> None:
        """Forget the conversation and start again."""
        self.engine.reset(self.user)
        self.turns, self.cases, self._parts = [], [], []
        self._resolved_after, self._comments = None, 0
        self._refresh()

    # -- output ---------------------------------------------------------------------------

    def status(self) -> str:
        """Where the conversation is: flow, state and intent of the last person message."""
        if not self.turns:
            return "new conversation"
        record = self.turns[-1].record
        if record is None:
            return "the agent gave the thread back; the bot waits for the person"
        text = f"flow {record.flow or '-'} · state {record.state or '-'} · intent {record.intent or '-'}"
        if record.agent_owned:
            text += " · the agent owns the thread (bot silent)"
        if record.errors:
            text += f" · {len(record.errors)} error(s): {record.errors[0]}"
        return text

    def transcript_html(self) -> str:
        """The conversation so far as Instagram bubbles."""
        return "".join(self._parts)

    def to_test_spec(self, desc: str | None = None) -> str:
        """The conversation as a Kata flow test spec (one case per person message).

        Each case expects the state and intent the bot reached. A spec cannot hand a thread
        back from an agent, so cases after :meth:`resolve` are left out (noted in the spec).
        """
        cases = self.cases if self._resolved_after is None else self.cases[: self._resolved_after]
        test = {}
        for label, message, turn in cases:
            record = turn.record
            test[label] = {"message": message,
                           "expect": {"state": record.state if record else None,
                                      "intent": record.intent if record else None}}
        spec = {"schema": SPEC_SCHEMA,
                "desc": desc or f"ChatSimulator conversation with {self.bot.name or 'the bot'}",
                "test": test}
        text = yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=100)
        if self._resolved_after is not None and len(self.cases) > self._resolved_after:
            text += (f"# {len(self.cases) - self._resolved_after} later message(s) left out: "
                     "a test spec cannot hand the thread back from the agent\n")
        return text

    # -- widgets --------------------------------------------------------------------------

    def _build(self) -> None:
        self.transcript = w.HTML(layout=w.Layout(max_height="480px", overflow="auto",
                                                 border="1px solid #dbdbdb", width="420px"))
        self.status_label = w.Label()
        self.banner = w.HTML(_banner("👤 an agent owns this conversation: the bot is silent"))
        self.resolve_button = w.Button(description="Resolve", button_style="warning",
                                       tooltip="the agent gives the thread back (engine.resume)")
        self.handover_box = w.HBox([self.banner, self.resolve_button])
        self.replies = w.HBox(layout=w.Layout(flex_flow="row wrap"))
        self.text = w.Text(placeholder="type as the person…", continuous_update=False)
        self.send_button = w.Button(description="Send", button_style="primary")
        self.story_reply_button = w.Button(description="Story reply",
                                           tooltip="send the text as a reply to your story")
        self.mention_button = w.Button(description="Story mention")
        self.comment_button = w.Button(description="Comment", tooltip="send the text as a comment")
        self.reset_button = w.Button(description="Reset", icon="refresh")
        self.spec_button = w.Button(description="Export test spec")
        self.spec_view = w.Textarea(layout=w.Layout(width="420px", height="160px",
                                                    display="none"))
        self.ice_breaker_buttons = [
            w.Button(description=str(item.get("question", f"ice breaker {i + 1}")),
                     layout=w.Layout(width="auto"))
            for i, item in enumerate(self.ice_breakers)
        ]
        for i, button in enumerate(self.ice_breaker_buttons):
            button.on_click(lambda _b, i=i: self.ice_breaker(i))
        self.send_button.on_click(lambda _b: self._from_text(self.send_text))
        self.story_reply_button.on_click(lambda _b: self._from_text(self.story_reply))
        self.comment_button.on_click(lambda _b: self._from_text(self.comment))
        self.mention_button.on_click(lambda _b: self.story_mention())
        self.resolve_button.on_click(lambda _b: self.resolve())
        self.reset_button.on_click(lambda _b: self.reset())
        self.spec_button.on_click(lambda _b: self._show_spec())
        ice = w.HBox([w.Label("Ice breakers:"), *self.ice_breaker_buttons],
                     layout=w.Layout(flex_flow="row wrap"))
        self.widget = w.VBox([
            self.transcript, self.replies, self.status_label, self.handover_box,
            w.HBox([self.text, self.send_button]),
            w.HBox([self.story_reply_button, self.mention_button, self.comment_button,
                    self.reset_button, self.spec_button]),
            ice, self.spec_view,
        ])
        self._refresh()

    def _from_text(self, method: Any) -> None:
        text = self.text.value
        if text.strip():
            self.text.value = ""
            method(text)

    def _show_spec(self) -> None:
        self.spec_view.value = self.to_test_spec()
        self.spec_view.layout.display = None

    def _refresh(self) -> None:
        if not hasattr(self, "widget"):
            return
        self.transcript.value = (f'<div class="igbot-transcript">{self.transcript_html()}</div>'
                                 if self._parts else _note("say something to the bot"))
        self.status_label.value = self.status()
        self.handover_box.layout.display = None if self.handed_over else "none"
        buttons = []
        for item in self.tappables():
            button = w.Button(description=item.title, layout=w.Layout(width="auto"),
                              tooltip=f"tap this {item.kind.replace('_', ' ')}")
            button.on_click(lambda _b, label=item.title: self.tap(label))
            buttons.append(button)
        self.replies.children = buttons

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def _note(text: str) -> str:
    return f'<div style="{_NOTE}">{html.escape(text)}</div>'


def _banner(text: str) -> str:
    return f'<div style="{_BANNER}">{html.escape(text)}</div>'
