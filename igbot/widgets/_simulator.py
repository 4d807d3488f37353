"""``ChatSimulator``: talk to a bot as an Instagram user, in a notebook, and keep it as a test.

A thin view over :class:`igbot.engine.Engine` (with a :class:`~igbot.engine.MemoryStore` and one
fixed user id): the methods build the Kata message Instagram would deliver (text, story reply,
story mention, comment, ice breaker, quick-reply or button tap), hand it to the engine and draw
the answer. The buttons of the widget call the same methods.

The engine runs with ``trace=True``: beside the chat, a debugger shows for any turn the intents
tried and why, the transitions taken and not, ``context``/``data`` before and after and the Send
API JSON of each action (:mod:`igbot.widgets._debugger`). From a turn the fallback answered, the
message can be added to an intent (as a keyword or as an example) in one click, and the whole
conversation replayed on the changed bot to see what it changes. The transcript keeps the newest
message in view with a CSS column-reverse scroller (no JavaScript, works offline).
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ipywidgets as w
import yaml

from igbot._errors import IgbotError
from igbot.engine import Engine, MemoryStore, MessageEvent, Turn, requests_html
from igbot.kataml import Bot, load_bot
from igbot.models import Tap, decode_payload, person_bubble_html
from igbot.widgets._debugger import turn_html
from igbot.widgets._editing import BotEditing, EditError

__all__ = ["ChatSimulator", "Tappable"]

logger = logging.getLogger(__name__)

SPEC_SCHEMA = "kata.ai/schema/kata-ml/1.0/test/flow"
_NOTE = "text-align:right;color:#8e8e8e;font:12px sans-serif;margin:4px 10px 0 0"
_BANNER = ("padding:8px 12px;border-radius:8px;background:#fff4e5;color:#8a4b00;"
           "font:13px sans-serif")
_SCROLLER = ("display:flex;flex-direction:column-reverse;overflow-y:auto;max-height:480px;"
             "border:1px solid #dbdbdb;border-radius:6px")
"""A column-reverse box starts (and stays) scrolled to its end: the newest bubble is in view."""


@dataclass(frozen=True)
class Tappable(Tap):
    """Something in the bot's last message the person can tap: a quick reply or a button
    (:class:`igbot.models.Tap`, read from the typed request), and the message its tap sends."""

    def message(self) -> dict[str, Any]:
        """The Kata message the tap arrives as (see the mapping in kata-ml.md)."""
        payload = dict(decode_payload(self.payload)) if self.payload is not None else {}
        payload.setdefault("type", self.kind)
        payload.setdefault("title", self.title)
        kind = "text" if self.kind == "quick_reply" else "data"
        return {"type": kind, "content": self.title, "payload": payload}


def tappables(turn: Turn | None) -> list[Tappable]:
    """Quick replies and postback buttons of a turn's messages, in order."""
    return [Tappable(tap.kind, tap.title, tap.payload)
            for request in (turn.requests if turn else []) for tap in request.taps]


class ChatSimulator:
    """Chat with a bot as one Instagram user; see the replies as bubbles.

    Args:
        bot: a loaded bot, a path to one, or a :class:`FlowEditor` (then teaching a message
            to an intent is an edit of that editor, with its undo and save). A loaded bot is
            edited in place when a message is taught to it.
        user: the fixed user id of the simulated person.
        seed: seeds the choice among text variants (reproducible transcripts).
    """

    def __init__(self, bot: Bot | str | Path | BotEditing, *, user: str = "sim-user",
                 seed: int = 0) -> None:
        if isinstance(bot, BotEditing):
            self.editing = bot  # a FlowEditor: teach edits go through it (undo, save)
        else:
            self.editing = BotEditing(bot if isinstance(bot, Bot) else load_bot(bot))
        self.user = user
        self.seed = seed
        self.engine = Engine(self.bot, MemoryStore(), seed=seed, trace=True)
        self.turns: list[Turn] = []
        self.cases: list[tuple[str, dict[str, Any], Turn]] = []
        self.events: list[tuple[str, dict[str, Any] | None, str]] = []
        self._parts: list[str] = []
        self._resolved_after: int | None = None
        self._comments = 0
        self._stale = False
        self.editing.observe_bot(lambda _bot: setattr(self, "_stale", True))
        self._build()

    @property
    def bot(self) -> Bot:
        """The bot being talked to (the editor's, when the simulator was given one)."""
        return self.editing.bot

    def _engine_now(self) -> Engine:
        """The engine, rebuilt on the edited bot (keeping the conversation) after an edit."""
        if self._stale or self.engine.bot is not self.bot:
            self.engine = Engine(self.bot, self.engine.store, seed=self.seed, trace=True)
            self._stale = False
        return self.engine

    # -- driving the conversation -------------------------------------------------------------

    def send(self, message: dict[str, Any], shown: str) -> Turn:
        """Send any Kata message as the person; ``shown`` is the HTML of their bubble."""
        turn = self._engine_now().handle_event(MessageEvent(message, self.user)).turn
        label = f"{len(self.cases) + 1}: {message.get('content') or message['payload'].get('type')}"
        self.cases.append((label, message, turn))
        self.turns.append(turn)
        self.events.append(("send", message, shown))
        self._parts += [shown, requests_html(turn.requests)]
        self._refresh(newest=True)
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
        turn = self._engine_now().resume(self.user)
        if self._resolved_after is None:
            self._resolved_after = len(self.cases)
        self.turns.append(turn)
        self.events.append(("resolve", None, ""))
        self._parts += [_banner("✅ the agent gave the conversation back to the bot"),
                        requests_html(turn.requests)]
        self._refresh(newest=True)
        return turn

    def reset(self) -> None:
        """Forget the conversation and start again: transcript, state and exported spec."""
        self.engine.reset(self.user)
        self.turns, self.cases, self._parts, self.events = [], [], [], []
        self._resolved_after, self._comments = None, 0
        self.spec_view.value = ""
        self.spec_view.layout.display = "none"
        self.replay_note.value = self.teach_note.value = ""
        self._refresh(newest=True)

    # -- learning from a fallback turn --------------------------------------------------------

    def teachable(self, turn: Turn | None = None) -> str | None:
        """The text of ``turn`` (default: the last) if the fallback answered it, else ``None``."""
        turn = turn if turn is not None else (self.turns[-1] if self.turns else None)
        record = turn.record if turn is not None else None
        if record is None or not record.is_fallback:
            return None
        content = record.message.get("content")
        return str(content) if isinstance(content, str) and content.strip() else None

    def intent_choices(self) -> list[str]:
        """``flow.intent`` of every intent a message can be taught to (fallback ones aside)."""
        return [f"{flow}.{name}" for flow, f in self.bot.flows.items()
                for name, intent in f.intents.items() if not intent.fallback]

    def add_to_intent(self, target: str, text: str | None = None, *, as_: str = "keyword",
                      replay: bool = True) -> str:
        """Teach intent ``target`` (``flow.intent``) the message of the selected fallback turn
        (or ``text``), then replay the conversation on the changed bot. Returns what changed."""
        text = text if text is not None else self.teachable(self._selected_turn())
        if not text:
            raise EditError("the selected turn was not answered by the fallback, or has no text")
        flow, _, intent = target.partition(".")
        done = self.editing.add_to_intent(flow, intent, text, as_=as_)
        self.teach_note.value = f"<i>{html.escape(done)}</i>"
        if replay:
            self.replay()
        return done

    def replay(self) -> list[str]:
        """Send the conversation's messages again, on the bot as it is now; returns the turns
        that now go elsewhere (``'2: hours?': fallback.unknown → faq.faqText``)."""
        before = [_where(turn) for _, _, turn in self.cases]
        events = list(self.events)
        self.engine = Engine(self.bot, MemoryStore(), seed=self.seed, trace=True)
        self._stale = False
        self.turns, self.cases, self._parts, self.events = [], [], [], []
        self._resolved_after, self._comments = None, 0
        for kind, message, shown in events:
            if kind == "resolve":
                self.resolve()
            elif message is not None:
                self.send(message, shown)
        changes = [f"{label}: {old} → {_where(turn)}"
                   for (label, _, turn), old in zip(self.cases, before, strict=False)
                   if _where(turn) != old]
        note = (f"replayed {len(self.cases)} message(s) on the edited bot: "
                + ("; ".join(changes) if changes else "no turn goes elsewhere"))
        self.replay_note.value = f"<i>{html.escape(note)}</i>"
        return changes

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
        self.transcript = w.HTML()
        self.status_label = w.HTML()
        self.banner = w.HTML(_banner("👤 an agent owns this conversation: the bot is silent"))
        self.resolve_button = w.Button(description="Resolve", button_style="warning",
                                       tooltip="the agent gives the thread back (engine.resume)",
                                       layout=_auto())
        self.handover_box = w.HBox([self.banner, self.resolve_button], layout=_row())
        self.replies = w.HBox(layout=_row())
        self.text = w.Text(placeholder="type as the person… (Enter sends)",
                           continuous_update=True, layout=w.Layout(flex="1 1 220px"))
        self.send_button = w.Button(description="Send", button_style="primary", layout=_auto())
        self.story_reply_button = w.Button(description="Story reply", layout=_auto(),
                                           tooltip="send the text as a reply to your story")
        self.mention_button = w.Button(description="Story mention", layout=_auto())
        self.comment_button = w.Button(description="Comment", layout=_auto(),
                                       tooltip="send the text as a comment")
        self.reset_button = w.Button(description="Reset", icon="refresh", layout=_auto(),
                                     tooltip="forget the transcript, the state and the spec")
        self.spec_button = w.Button(description="Export test spec", layout=_auto())
        self.spec_view = w.Textarea(layout=w.Layout(height="160px",
                                                    display="none"))
        self.ice_breaker_buttons = [
            w.Button(description=str(item.get("question", f"ice breaker {i + 1}")),
                     layout=_auto())
            for i, item in enumerate(self.ice_breakers)
        ]
        for i, button in enumerate(self.ice_breaker_buttons):
            button.on_click(lambda _b, i=i: self.ice_breaker(i))
        self.send_button.on_click(lambda _b: self._from_text(self.send_text))
        # Enter in the box: the front end sends "submit" (the value is synced as typed, so it
        # is current by then)
        self.text.on_msg(self._text_message)
        self.story_reply_button.on_click(lambda _b: self._from_text(self.story_reply))
        self.comment_button.on_click(lambda _b: self._from_text(self.comment))
        self.mention_button.on_click(lambda _b: self.story_mention())
        self.resolve_button.on_click(lambda _b: self.resolve())
        self.reset_button.on_click(lambda _b: self.reset())
        self.spec_button.on_click(lambda _b: self._show_spec())
        ice = w.HBox([w.Label("Ice breakers:"), *self.ice_breaker_buttons], layout=_row())
        # the debugger
        self.turn_select = w.Dropdown(description="turn", layout=w.Layout(width="auto"))
        self.debug_html = w.HTML()
        self.teach_intent = w.Dropdown(description="intent", layout=w.Layout(width="auto"))
        self.teach_as = w.ToggleButtons(options=["keyword", "example"], value="keyword",
                                        tooltips=["a phrase of the intent's keyword NLU",
                                                  "this exact message, as an extra classifier"],
                                        style={"button_width": "auto"})
        self.teach_button = w.Button(description="Add to intent and replay", icon="plus",
                                     button_style="info", layout=_auto())
        self.teach_note = w.HTML()
        self.replay_note = w.HTML()
        self.teach_label = w.HTML()
        self.teach_box = w.VBox([self.teach_label,
                                 w.HBox([self.teach_intent, self.teach_as, self.teach_button],
                                        layout=_row())],
                                layout=w.Layout(display="none"))
        self.turn_select.observe(lambda _c: self._show_turn(), names="value")
        self.teach_button.on_click(lambda _b: self._try(
            lambda: self.add_to_intent(self.teach_intent.value, as_=self.teach_as.value)))
        chat = w.VBox([
            self.transcript, self.replies, self.status_label, self.handover_box,
            w.HBox([self.text, self.send_button], layout=_row()),
            w.HBox([self.story_reply_button, self.mention_button, self.comment_button,
                    self.reset_button, self.spec_button], layout=_row()),
            ice, self.spec_view,
        ], layout=w.Layout(flex="0 1 440px", min_width="300px"))
        debugger = w.VBox([w.HTML("<b>Debugger</b>"), self.turn_select, self.teach_box,
                           self.teach_note, self.replay_note, self.debug_html],
                          layout=w.Layout(flex="1 1 380px", min_width="300px"))
        self.widget = w.HBox([chat, debugger],
                             layout=w.Layout(flex_flow="row wrap", align_items="flex-start"))
        self._refresh(newest=True)

    def _text_message(self, _widget: Any, content: dict[str, Any], _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("event") == "submit":
            self._from_text(self.send_text)

    def _try(self, do: Any) -> None:
        try:
            do()
        except IgbotError as exc:
            self.teach_note.value = (f'<div style="color:#b00020;white-space:normal">'
                                     f"{html.escape(str(exc))}</div>")

    def _from_text(self, method: Any) -> None:
        text = self.text.value
        if text.strip():
            self.text.value = ""
            method(text)

    def _show_spec(self) -> None:
        self.spec_view.value = self.to_test_spec()
        self.spec_view.layout.display = None

    def _selected_turn(self) -> Turn | None:
        index = self.turn_select.value
        if index is None or not 0 <= index < len(self.turns):
            return self.turns[-1] if self.turns else None
        return self.turns[index]

    def _show_turn(self) -> None:
        turn = self._selected_turn()
        self.debug_html.value = turn_html(turn)
        text = self.teachable(turn)
        self.teach_box.layout.display = None if text else "none"
        if text:
            choices = self.intent_choices()
            keep = self.teach_intent.value
            self.teach_intent.options = choices
            self.teach_intent.value = keep if keep in choices else (choices[0] if choices
                                                                    else None)
            self.teach_label.value = (f"the fallback answered <b>{html.escape(text)}</b>: "
                                      "teach it to an intent")

    def _refresh(self, newest: bool = False) -> None:
        if not hasattr(self, "widget"):
            return
        body = self.transcript_html() if self._parts else _note("say something to the bot")
        self.transcript.value = (f'<div class="igbot-transcript" style="{_SCROLLER}">'
                                 f'<div style="padding:4px 0">{body}</div></div>')
        self.status_label.value = html.escape(self.status())
        self.handover_box.layout.display = None if self.handed_over else "none"
        buttons = []
        for item in self.tappables():
            button = w.Button(description=item.title, layout=_auto(),
                              tooltip=f"tap this {item.kind.replace('_', ' ')}")
            button.on_click(lambda _b, label=item.title: self.tap(label))
            buttons.append(button)
        self.replies.children = buttons
        options = [(self._turn_label(i, t), i) for i, t in enumerate(self.turns)]
        keep = self.turn_select.value
        self.turn_select.options = options
        if options:
            self.turn_select.value = len(options) - 1 if newest or keep is None \
                or keep >= len(options) else keep
        self._show_turn()

    def _turn_label(self, index: int, turn: Turn) -> str:
        record = turn.record
        if record is None:
            return f"{index + 1}: the agent gave the thread back"
        said = record.message.get("content") or (record.message.get("payload") or {}).get("type")
        tag = " (fallback)" if record.is_fallback else ""
        return f"{index + 1}: {str(said)[:40]} → {record.flow or '-'}.{record.intent or '-'}{tag}"

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def _auto() -> w.Layout:
    return w.Layout(width="auto", min_width="fit-content")


def _row() -> w.Layout:
    return w.Layout(flex_flow="row wrap", align_items="center")


def _where(turn: Turn) -> str:
    record = turn.record
    if record is None:
        return "-"
    tag = " (fallback)" if record.is_fallback else ""
    return f"{record.flow or '-'}.{record.intent or '-'}{tag}"


def _note(text: str) -> str:
    return f'<div style="{_NOTE}">{html.escape(text)}</div>'


def _banner(text: str) -> str:
    return f'<div style="{_BANNER}">{html.escape(text)}</div>'
