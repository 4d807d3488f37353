"""Running a state's actions: conditions, option interpolation, and each action type.

Action types: ``text``, ``template``, ``image``, ``command`` (re-enters the bot in the same
turn), ``api`` (HTTP through httpx, or a stand-in the caller supplies), ``method`` (JavaScript),
and igbot's Instagram types ``handover`` (pass the thread to the agent inbox; or, with
``config.instagram.thread_control: send_api``, on the message itself), ``extendThreadControl``,
``senderAction``, ``react``/``unreact``, ``commentReply``/``hideComment`` and the like_heart
sticker (``template`` with ``items.sticker: like_heart``). ``schedule`` and ``asyncApi`` are
recorded as errors: Instagram's messaging window forbids messages the person did not prompt.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import httpx
from pydantic import ValidationError

from igbot._errors import ExpressionError, LimitError, MethodError
from igbot._message import KataMessage, Message
from igbot.engine._records import ActionRecord, TurnRecord
from igbot.engine._render import (
    InvalidReply,
    Part,
    Recipe,
    RenderError,
    finalize_message,
    render_kata_message,
    render_template,
    render_text,
)
from igbot.engine._scope import Scope, get_path
from igbot.expr import compile_expr, compile_template, render_value
from igbot.kataml import ACTION_TYPES, Action, ActionRef, Bot, Flow  # ACTION_TYPES re-exported
from igbot.models import OutboundRequest

__all__ = ["ACTION_TYPES", "ActionRunner", "ApiCall", "TurnContext"]

logger = logging.getLogger(__name__)

MAX_EXTEND_SECONDS = 86400
"""``extendThreadControl``'s longest extension, one day (Conversation Control APIs)."""
SENDER_ACTIONS = ("typing_on", "typing_off", "mark_seen")
"""``senderAction`` actions (Meta, Instagram Messaging: Sender Actions)."""
IMAGE_URL_KEYS = ("originalContentUrl", "imageUrl", "url", "previewImageUrl")
"""Where an ``image`` action (Kata's ``concepts/action.md``) gives its url, first wins."""
_NO_FIELDS: Mapping[str, Any] = MappingProxyType({})  # a message's body has no other fields


_Resolved = tuple[ActionRef, Action | None, bool, bool, str, str, dict[str, Any], bool]
"""An action reference, its action, whether it has a condition, whether its reply is static,
(read once: a pydantic model's attributes are dear) the reference's name, the action's type
and options, and whether its options read ``context`` only as plain members (then they are
rendered with the flow's own context: :meth:`Scope.variables`)."""


@dataclass(frozen=True)
class ApiCall:
    """An ``api`` action's request, handed to the api handler."""

    method: str
    url: str
    headers: dict[str, str]
    query: dict[str, Any]
    body: Any


@dataclass(slots=True)
class TurnContext:
    """What one incoming message's processing shares across its commands and re-entries."""

    session: Any
    recipient: dict[str, str]
    comment_id: str | None = None
    private_reply_sent: bool = False
    commands: int = 0
    requests: list[OutboundRequest] = field(default_factory=list)
    turn: Any = None  # the Turn its commands' records go to (set by the engine)


class ActionRunner:
    """Runs actions for the engine and turns them into Instagram requests."""

    def __init__(
        self, bot: Bot, js: Any, api: Callable[[ApiCall], Any] | None, api_timeout: float,
        limits: str, rng: random.Random, agent_app_id: str,
    ) -> None:
        self.bot = bot
        self.js = js
        self.api = api or self._http_api
        self.api_timeout = api_timeout
        self.limits = limits  # Meta's limits: "lenient" or "strict"
        self.rng = rng
        self.agent_app_id = agent_app_id
        self._http: httpx.Client | None = None
        self._resolved: dict[int, _Resolved] = {}
        self._static: dict[int, tuple[Any, bool]] = {}
        self._prepared: dict[int, tuple[Any, tuple[Part, ...], list[str], bool]] = {}

    def run_state(
        self, turn: TurnContext, scope: Scope, flow_name: str, refs: list[ActionRef],
        record: TurnRecord, on_command: Callable[[TurnContext, KataMessage, TurnRecord], None],
    ) -> None:
        """Run a state's actions in order; failures are recorded and the rest go on.

        ``on_command(turn, message, record)`` runs a ``command`` action's message."""
        known = self._resolved
        for ref in refs:
            resolved = known.get(id(ref))
            if resolved is None or resolved[0] is not ref:
                resolved = self._resolve(self.bot.flows[flow_name], ref)
            _, action, conditional, static, name, kind, options, own_context = resolved
            if action is None:
                record.actions.append(ActionRecord(name, "?", "error", "not defined"))
                record.errors.append(
                    f"flow {flow_name!r} state {scope.session.state!r}: action {name!r} is not "
                    "defined (neither an action of the flow nor an action type)"
                )
                continue
            entry = ActionRecord(name, kind)
            record.actions.append(entry)
            try:
                if conditional and not self._condition_holds(ref, action, scope):
                    entry.status = "skipped"
                    continue
                if static:  # the same reply for everyone, rendered and checked once
                    self._send_parts(turn, flow_name, name,
                                     self._prepared_parts(kind, options, entry, record), entry,
                                     record)
                    continue
                self._run(turn, scope, flow_name, name, action, entry, record, on_command,
                          kind, options, own_context)
            except (ExpressionError, MethodError, RenderError, LimitError, KeyError) as exc:
                entry.status, entry.detail = "error", str(exc)
                record.errors.append(f"flow {flow_name!r} action {name!r}: {exc}")
            except InvalidReply as exc:  # a reply Meta would refuse: the turn goes on
                entry.status, entry.detail = "error", exc.problems
                record.errors.append(f"flow {flow_name!r} action {name!r}: the reply breaks "
                                     f"Meta's rules and was not sent ({exc.problems})")
            except ValidationError as exc:
                problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                                     for e in exc.errors(include_url=False))
                entry.status, entry.detail = "error", problems
                record.errors.append(f"flow {flow_name!r} action {name!r}: the reply breaks "
                                     f"Meta's rules and was not sent ({problems})")

    def _resolve(self, flow: Flow, ref: ActionRef) -> _Resolved:
        """What a state's action reference runs, read once: the action (None if undefined),
        whether a condition guards it, and whether its reply is static (:meth:`_cacheable`)."""
        action = self._resolve_uncached(flow, ref)
        conditional = action is not None and bool(action.condition or ref.condition)
        static = (action is not None and action.type in ("text", "template")
                  and self._cacheable(action.type, action.options))
        own_context = (action is not None and action.type in ("text", "template")
                       and _reads_context_plainly(action.options))
        resolved = self._resolved[id(ref)] = (
            ref, action, conditional, static, ref.name, "?" if action is None else action.type,
            {} if action is None else action.options, own_context)
        return resolved

    def _resolve_uncached(self, flow: Flow, ref: ActionRef) -> Action | None:
        action = flow.actions.get(ref.name)
        if action is None:
            if ref.name not in ACTION_TYPES:
                return None
            action = Action(type=ref.name)
        if ref.options:
            action = action.model_copy(update={"options": {**action.options, **ref.options}})
        return action

    def _condition_holds(self, ref: ActionRef, action: Action, scope: Scope) -> bool:
        variables = None
        for condition in (action.condition, ref.condition):
            if condition:
                variables = variables or scope.variables()
                if not compile_expr(condition).holds(variables):
                    return False
        return True

    def _run(
        self, turn: TurnContext, scope: Scope, flow: str, name: str, action: Action,
        entry: ActionRecord, record: TurnRecord,
        on_command: Callable[[TurnContext, KataMessage, TurnRecord], None],
        kind: str | None = None, options: dict[str, Any] | None = None,
        own_context: bool = False,
    ) -> None:
        # not a static reply (run_state sent those); ``kind``/``options``: the action's, read
        # once; ``own_context``: its options read only plain members of ``context``
        if kind is None or options is None:
            kind, options = action.type, action.options
        variables = scope.variables(True, own_context)
        if kind == "text":
            self._send(turn, flow, name, render_text(self._text(options, variables)), entry, record)
        elif kind == "template":
            rendered = self._template_options(options, variables)
            warnings_before = len(record.warnings)
            messages = render_template(rendered, record.warnings)
            if rendered.get("type") in ("sticker", "location") and len(record.warnings) > warnings_before:
                entry.status = "substituted"
            self._send(turn, flow, name, messages, entry, record)
        elif kind == "command":
            # Kata documents both `options.command` and `command:` beside `type` (concepts/action.md)
            extra = action.model_extra or {}
            source = options.get("command", extra.get("command"))
            if source is None:
                raise RenderError(f"command action {name!r} names no command (write command: <name>)")
            payload = render_value(options.get("payload", extra.get("payload")), variables)
            command = Message(type="command", content=str(render_value(source, variables)),
                              payload=payload if isinstance(payload, dict) else None,
                              metadata=scope.message.metadata)
            on_command(turn, command, record)
        elif kind == "image":
            rendered = render_value({**(action.model_extra or {}), **options}, variables)
            url = next((rendered[k] for k in IMAGE_URL_KEYS if rendered.get(k)), None)
            if not url:
                raise RenderError(f"image action {name!r} has no url (options.originalContentUrl)")
            self._send(turn, flow, name, [("media", {"kind": "image", "url": str(url)})], entry,
                       record)
        elif kind == "api":
            scope.result = self._api(options, variables, record)
        elif kind == "method":
            replies = self._method(scope, action, options, variables)
            messages = [m for reply in replies for m in render_kata_message(reply, record.warnings)]
            if messages:
                self._send(turn, flow, name, messages, entry, record)
        elif kind == "handover":
            self._handover(turn, scope, flow, name, options, variables, entry, record)
        elif kind in ("senderAction", "react", "unreact"):
            self._sender_action(turn, scope, flow, name, kind, render_value(options, variables),
                                entry)
        elif kind == "extendThreadControl":
            duration = render_value(options, variables).get("duration", 3600)
            if not isinstance(duration, int | float) or not 0 < duration <= MAX_EXTEND_SECONDS:
                raise RenderError(f"extendThreadControl: duration {duration!r} must be 1 to "
                                  f"{MAX_EXTEND_SECONDS} seconds")
            turn.requests.append(OutboundRequest("extend_thread_control", "extend_thread_control",
                                                 turn.recipient, None, {"duration": int(duration)},
                                                 name, flow))
            entry.requests += 1
        elif kind in ("commentReply", "hideComment"):
            self._comment_action(turn, scope, flow, name, kind, render_value(options, variables),
                                 entry)
        else:
            raise KeyError(f"{kind} actions are not supported on Instagram (the person must "
                           "write first; the bot never sends by itself)")

    def _cacheable(self, kind: str, options: dict[str, Any]) -> bool:
        """A reply that is the same for everyone: no interpolation, no variants to pick from."""
        if kind == "text" and isinstance(options.get("text"), list) and len(options["text"]) > 1:
            return False
        return self._is_static(options)

    def _prepared_parts(
        self, kind: str, options: dict[str, Any], entry: ActionRecord, record: TurnRecord,
    ) -> tuple[Part, ...]:
        """The parts of a static action, rendered and checked once and then reused (shared,
        read-only); its warnings are added to the record every time."""
        cached = self._prepared.get(id(options))
        if cached is None or cached[0] is not options:
            warnings: list[str] = []
            if kind == "text":
                text = options.get("text", "")
                messages = render_text(str(text[0] if isinstance(text, list) and text else text or ""))
            else:
                messages = render_template(options, warnings)
            substituted = options.get("type") in ("sticker", "location") and bool(warnings)
            parts = tuple(part for message in messages
                          for part in finalize_message(message, self.limits, warnings))
            cached = (options, parts, warnings, substituted)
            self._prepared[id(options)] = cached
        record.warnings.extend(cached[2])
        if cached[3]:
            entry.status = "substituted"
        return cached[1]

    def _text(self, options: dict[str, Any], variables: dict[str, Any]) -> str:
        if "template" in options and "data" in options:
            data = render_value(options["data"], variables)
            path = render_value(options.get("path"), variables)
            item = get_path(data, str(path)) if path not in (None, "") else data
            return str(compile_template(str(options["template"])).render(variables, item=item) or "")
        text = options.get("text", "")
        if isinstance(text, list):
            text = self.rng.choice(text) if text else ""
        value = compile_template(str(text)).render(variables)
        return "" if value is None else value if isinstance(value, str) else json.dumps(value)

    def _is_static(self, options: dict[str, Any]) -> bool:
        """Whether the options hold no ``$(...)``/``$[...]`` (cached per options object)."""
        cached = self._static.get(id(options))
        if cached is not None and cached[0] is options:
            return cached[1]
        text = json.dumps(options, default=str)
        static = "$(" not in text and "$[" not in text
        self._static[id(options)] = (options, static)
        return static

    def _template_options(self, options: dict[str, Any], variables: dict[str, Any]) -> dict[str, Any]:
        if "data" not in options or "template" not in options:
            return options if self._is_static(options) else render_value(options, variables)
        rest = {k: v for k, v in options.items() if k != "template"}
        rendered = render_value(rest, variables)
        data = rendered.get("data")
        items = data if isinstance(data, list) else [] if data is None else [data]
        rendered["items"] = [render_value(options["template"], variables, item=i) for i in items]
        return rendered

    def _send(
        self, turn: TurnContext, flow: str, name: str, messages: list[Recipe],
        entry: ActionRecord, record: TurnRecord,
    ) -> None:
        parts = [part for message in messages
                 for part in finalize_message(message, self.limits, record.warnings)]
        self._send_parts(turn, flow, name, parts, entry, record)

    def _send_parts(
        self, turn: TurnContext, flow: str, name: str, parts: tuple[Part, ...] | list[Part],
        entry: ActionRecord, record: TurnRecord,
    ) -> None:
        """Address each part (a message, or a piece of one split by Meta's limits) and queue it.

        On a comment, the first body goes out as the private reply (``recipient.comment_id``);
        Instagram allows one, so any later body of the turn is not sent, with a warning.
        """
        for kind, message in parts:
            recipient: dict[str, str] = turn.recipient
            if turn.comment_id is not None:
                if turn.private_reply_sent:
                    record.warnings.append(
                        f"action {name!r}: a comment allows one private reply; this message was not sent"
                    )
                    entry.status = "error"
                    continue
                recipient = {"comment_id": turn.comment_id}
                turn.private_reply_sent = True
            turn.requests.append(OutboundRequest("messages", kind, recipient, message, _NO_FIELDS,
                                                 name, flow))
            entry.requests += 1

    def _api(self, options: dict[str, Any], variables: dict[str, Any], record: TurnRecord) -> Any:
        rendered = render_value(options, variables)
        call = ApiCall(
            method=str(rendered.get("method") or "GET").upper(),
            url=str(rendered.get("uri") or rendered.get("url") or ""),
            headers={str(k): str(v) for k, v in (rendered.get("headers") or {}).items()},
            query=dict(rendered.get("query") or {}),
            body=rendered.get("body"),
        )
        try:
            result = self.api(call)
        except Exception as exc:  # the documented behaviour: result is null, the turn goes on
            record.errors.append(f"api {call.method} {call.url.split('?')[0]}: {type(exc).__name__}: {exc}")
            return None
        path = rendered.get("resultPath")
        return get_path(result, str(path)) if path and result is not None else result

    def _http_api(self, call: ApiCall) -> Any:
        """Kata's rule: a non-200 answer or a body that is not JSON gives ``result = null``."""
        if self._http is None:
            self._http = httpx.Client(timeout=self.api_timeout, follow_redirects=True)
        response = self._http.request(
            call.method, call.url, headers=call.headers, params=call.query or None,
            json=call.body if call.body is not None else None,
        )
        if response.status_code != 200:
            return None
        try:
            return response.json()
        except ValueError:
            return None

    def _method(
        self, scope: Scope, action: Action, options: dict[str, Any], variables: dict[str, Any]
    ) -> list[Any]:
        """Run a ``method`` action; returns the Kata messages it answers with.

        A method written ``name(message, context, data, options, config)`` (Kata's action
        method) is called with those and its return value (a message or a list) is sent; a
        method written ``name(ctx)`` gets one ``ctx`` and what it returns updates the session.
        """
        name = (action.model_extra or {}).get("method") or options.get("method")
        method = self.bot.find_method(str(name or ""), scope.session.flow)
        if method is None:
            raise MethodError(f"method {name!r} is not defined")
        rendered = render_value(options, variables)
        if len(method.params) > 1:
            result = self.js.call(method, [scope.message_dict(), scope.context_with_meta(),
                                           scope.session.data, rendered, scope.config])
            return [] if result is None else result if isinstance(result, list) else [result]
        ctx = scope.method_ctx()
        ctx["options"] = rendered
        ctx["result"] = scope.result
        scope.apply_method_ctx(self.js.call(method, [ctx]))
        return []

    def _handover(
        self, turn: TurnContext, scope: Scope, flow: str, name: str, options: dict[str, Any],
        variables: dict[str, Any], entry: ActionRecord, record: TurnRecord,
    ) -> None:
        rendered = render_value(options, variables)
        target = str(rendered.get("target_app_id") or self.agent_app_id)
        routing = ((self.bot.config or {}).get("instagram") or {}).get("thread_control")
        if routing == "send_api" and rendered.get("text"):
            # Conversation Routing's Send API form: the message itself passes the thread
            # (Meta, Instagram Messaging: Conversation Control APIs, "Message send with thread
            # controls"); only with routing enabled, so it is chosen by configuration
            before = len(turn.requests)
            self._send(turn, flow, name, render_text(str(rendered["text"])), entry, record)
            if len(turn.requests) > before:
                turn.requests[-1] = turn.requests[-1].with_fields(
                    thread_control={"app_id": target, "control_type": "pass"})
                scope.session.agent = {"app_id": target, "by": "bot", "flow": flow,
                                       "state": scope.session.state}
                record.handover = True
                return
        if rendered.get("text"):
            self._send(turn, flow, name, render_text(str(rendered["text"])), entry, record)
        metadata = rendered.get("metadata")
        fields: dict[str, Any] = {"target_app_id": target}
        if metadata is not None:
            fields["metadata"] = metadata if isinstance(metadata, str) else json.dumps(metadata)
        turn.requests.append(OutboundRequest("pass_thread_control", "pass_thread_control",
                                             {"id": scope.session.user}, None, fields, name, flow))
        entry.requests += 1
        scope.session.agent = {"app_id": target, "by": "bot", "flow": flow, "state": scope.session.state}
        record.handover = True

    def _sender_action(
        self, turn: TurnContext, scope: Scope, flow: str, name: str, kind: str,
        options: dict[str, Any], entry: ActionRecord,
    ) -> None:
        """Typing on/off, mark seen, or a reaction to the person's message (Meta, Instagram
        Messaging: Sender Actions; Reactions). A reaction goes on the message being answered."""
        if turn.comment_id is not None:
            raise RenderError(f"{kind}: a comment is not a conversation; sender actions and "
                              "reactions need a direct message")
        fields: dict[str, Any] = {}
        if kind == "senderAction":
            action = options.get("action", "typing_on")
            if action not in SENDER_ACTIONS:
                raise RenderError(f"senderAction {action!r}: Instagram has "
                                  f"{', '.join(SENDER_ACTIONS)}")
            fields["sender_action"] = action
            kind = "sender_action"
        else:
            mid = options.get("messageId") or (scope.message.metadata or {}).get("mid")
            if not mid:
                raise RenderError(f"{kind}: the message has no id to react to")
            fields["sender_action"] = kind
            fields["payload"] = {"message_id": str(mid)}
            if kind == "react":
                fields["payload"]["reaction"] = str(options.get("reaction") or "love")
        turn.requests.append(OutboundRequest("messages", kind, turn.recipient, None, fields,
                                             name, flow))
        entry.requests += 1

    def _comment_action(
        self, turn: TurnContext, scope: Scope, flow: str, name: str, kind: str,
        options: dict[str, Any], entry: ActionRecord,
    ) -> None:
        """A public reply under the comment being answered, or hiding it (Instagram Graph API:
        IG Comment Replies; IG Comment ``hide``). Beside the one private reply, not instead."""
        payload = scope.payload if isinstance(scope.payload, dict) else {}
        comment_id = options.get("commentId") or payload.get("comment_id")
        if not comment_id:
            raise RenderError(f"{kind}: only a comment can be answered in public or hidden "
                              "(this message is not a comment)")
        if kind == "commentReply":
            text = options.get("text")
            if not isinstance(text, str) or not text.strip():
                raise RenderError("commentReply needs options.text")
            if len(text) > 2200:
                raise RenderError(f"commentReply: {len(text)} characters, over Instagram's "
                                  "limit of 2200 for a comment")
            fields: dict[str, Any] = {"comment_id": str(comment_id), "message": text}
            endpoint = "comment_reply"
        else:
            fields = {"comment_id": str(comment_id), "hide": options.get("hide", True) is not False}
            endpoint = "hide_comment"
        turn.requests.append(OutboundRequest(endpoint, endpoint, None, None, fields, name, flow))
        entry.requests += 1

    def close(self) -> None:
        """Close the HTTP client of api actions."""
        if self._http is not None:
            self._http.close()


def _reads_context_plainly(value: Any) -> bool:
    """Whether every template inside ``value`` (an action's options) reads ``context`` only
    as plain members (:meth:`igbot.expr.Expression.members_of`); False when one does not
    compile (rendering it raises the error, as before)."""
    if isinstance(value, str):
        if "$" not in value:
            return True
        try:
            expressions = compile_template(value).expressions
        except ExpressionError:
            return False
        return all(e.members_of("context") is not None for e in expressions)
    if isinstance(value, dict):
        return all(_reads_context_plainly(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(_reads_context_plainly(v) for v in value)
    return True
