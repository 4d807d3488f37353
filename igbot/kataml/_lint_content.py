"""Lint of what actions send, held against Instagram: Meta's limits and LINE-only features.

Only static content is measured: the text around ``$(...)`` counts, what an expression will
produce cannot be known before the bot runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from igbot.kataml._findings import Reporter
from igbot.kataml._models import Bot
from igbot.models import PersistentMenuRequest, meta_limits, normalise_menu

__all__ = ["check_content"]

Scope = dict[str, str | None]

_PLACEHOLDER = re.compile(r"\$\([^)]*\)|\$\[[^\]]*\]")
_TEMPLATE_TYPES = frozenset({"text", "image", "video", "audio", "file", "button", "carousel",
                             "sticker", "location", "imagemap", "share"})
_SENDER_ACTIONS = ("typing_on", "typing_off", "mark_seen")
_WEB = ("http://", "https://")
def _limits() -> dict[str, tuple[int, str]]:
    return {name: (lim.value, lim.source) for name, lim in meta_limits().items()}


def _static(value: str) -> str:
    """The text a template shows whatever its expressions give."""
    return _PLACEHOLDER.sub("", value)


class _ContentChecker:
    def __init__(self, report: Reporter) -> None:
        self.report = report
        self.limits = _limits()

    # --- helpers ----------------------------------------------------------------------------
    def _size(self, name: str, value: Any, path: str, scope: Scope, what: str) -> None:
        """A text (bytes or characters) over its limit: split or cut when sent."""
        if not isinstance(value, str):
            return
        limit, source = self.limits[name]
        static = _static(value)
        size = len(static.encode("utf-8")) if name == "text" else len(static)
        unit = "bytes" if name == "text" else "characters"
        if size <= limit:
            return
        done = "split into several messages" if name == "text" else f"cut to {limit} {unit}"
        least = "" if static == value else "at least "
        self.report("limit-adjusted", f"{what} is {least}{size} {unit}, over Instagram's limit "
                    f"of {limit} ({source}): {done} when sent", path, **scope)

    def _count(self, name: str, items: list[Any], path: str, scope: Scope, what: str) -> None:
        limit, source = self.limits[name]
        if len(items) > limit:
            self.report("limit-exceeded", f"{len(items)} {what}, over Instagram's limit of "
                        f"{limit} ({source}): the ones past {limit} are not sent", path, **scope)

    def _payload(self, name: str, payload: Any, path: str, scope: Scope) -> None:
        if payload is None or (isinstance(payload, str) and "$(" in payload):
            return
        # the compact JSON igbot.models.encode_payload sends for an object payload
        text = payload if isinstance(payload, str) else json.dumps(
            payload, separators=(",", ":"), ensure_ascii=False, default=str)
        size = len(text)
        limit, source = self.limits[name]
        if size > limit:
            self.report("limit-exceeded", f"payload is {size} characters encoded, over "
                        f"Instagram's limit of {limit} ({source}): Instagram rejects it",
                        path, **scope)

    def _boolean(self, value: Any, path: str, scope: Scope, what: str) -> None:
        if isinstance(value, bool):
            word = "true" if value else "false"
            self.report("yaml-boolean", f"{what} is the boolean {word}, not text: YAML 1.1 "
                        "reads unquoted yes/no/on/off as booleans; quote it", path, **scope)

    # --- actions ----------------------------------------------------------------------------
    def action(self, kind: str, options: Mapping[str, Any], path: str, scope: Scope) -> None:
        if kind == "text":
            texts = options.get("text")
            for i, text in enumerate(texts if isinstance(texts, list) else [texts]):
                where = f"{path}.text[{i}]" if isinstance(texts, list) else f"{path}.text"
                self._boolean(text, where, scope, "text")
                self._size("text", text, where, scope, "text")
        elif kind == "template":
            self.template(options, path, scope)
        elif kind == "image":
            if not any(options.get(k) for k in IMAGE_URL_KEYS):
                self.report("image-without-url", "image action with no url: write "
                            "options.originalContentUrl (or imageUrl)", path, **scope)
        elif kind == "senderAction":
            action = options.get("action", "typing_on")
            if action not in _SENDER_ACTIONS and "$(" not in str(action):
                self.report("bad-sender-action", f"senderAction {action!r}: Instagram has "
                            f"{', '.join(_SENDER_ACTIONS)} (Meta, Instagram Messaging: Sender "
                            "Actions)", path, **scope)
        elif kind == "react":
            reaction = options.get("reaction", "love")
            if not isinstance(reaction, str) or not reaction:
                self.report("bad-sender-action", "react needs a reaction (love, or an emoji) "
                            "(Meta, Instagram Messaging: Reactions)", path, **scope)
        elif kind == "extendThreadControl":
            duration = options.get("duration", 3600)
            if not (isinstance(duration, int) and 0 < duration <= 86400) and "$(" not in str(
                    duration):
                self.report("bad-thread-control", f"extendThreadControl duration {duration!r} "
                            "must be 1 to 86400 seconds (Meta, Instagram Messaging: Conversation "
                            "Control APIs)", path, **scope)
        elif kind == "commentReply":
            text = options.get("text")
            if not isinstance(text, str) or not text.strip():
                self.report("bad-comment-action", "commentReply needs options.text (the public "
                            "reply shown under the comment)", path, **scope)
            elif len(_static(text)) > 2200:
                self.report("bad-comment-action", f"commentReply text is {len(_static(text))} "
                            "characters, over Instagram's limit of 2200 for a comment", path,
                            **scope)
        elif kind == "schedule":
            self.report("schedule-action", "schedule actions send messages the person did not "
                        "prompt; Instagram only allows replies inside the 24-hour window, so "
                        "igbot does not run them", path.removesuffix(".options"), **scope)
        elif kind == "asyncApi":
            self.report("async-api-action", "asyncApi feeds its result back later, outside the "
                        "turn the person started; igbot does not run it (use api)",
                        path.removesuffix(".options"), **scope)

    def template(self, options: Mapping[str, Any], path: str, scope: Scope) -> None:
        kind = options.get("type")
        items = options.get("items")
        single = items if isinstance(items, Mapping) else {}
        ipath = f"{path}.items"
        if kind not in _TEMPLATE_TYPES:
            self.report("unknown-template-type", f"template type {kind!r} has no Instagram "
                        f"rendering (known: {', '.join(sorted(_TEMPLATE_TYPES))})",
                        f"{path}.type", **scope)
        elif kind == "text":
            self._boolean(single.get("text"), f"{ipath}.text", scope, "text")
            self._size("text", single.get("text"), f"{ipath}.text", scope, "text")
        elif kind == "button":
            self.card(single, ipath, scope, card=bool(single.get("title")
                                                      or single.get("thumbnailImageUrl")))
        elif kind == "carousel":
            if isinstance(items, list):
                self._count("elements", items, ipath, scope, "carousel cards")
                for i, item in enumerate(items):
                    if isinstance(item, Mapping):
                        self.card(item, f"{ipath}[{i}]", scope, card=True)
            elif isinstance(options.get("template"), Mapping):
                self.card(options["template"], f"{path}.template", scope, card=True)
        elif kind == "sticker":
            if "stickerId" in single or "packageId" in single:
                self.report("line-sticker", f"LINE sticker {single.get('packageId')}/"
                            f"{single.get('stickerId')} has no Instagram counterpart: igbot "
                            "sends Instagram's like_heart sticker instead "
                            "(write items.sticker: like_heart to say so)", ipath, **scope)
            elif single.get("sticker") not in (None, "like_heart"):
                self.report("unknown-template-type", f"sticker {single.get('sticker')!r}: "
                            "Instagram only has like_heart", f"{ipath}.sticker", **scope)
        elif kind == "location":
            self.report("line-location", "location messages are not on Instagram: igbot sends "
                        "the title, the address and a map link as text instead", ipath, **scope)
        elif kind == "share":
            if not any(single.get(k) for k in ("postId", "mediaId", "id")):
                self.report("share-without-post", "template share needs items.postId (the id of "
                            "one of the account's posts, sent as MEDIA_SHARE)", ipath, **scope)
        elif kind in ("image", "video", "audio", "file") and isinstance(items, list):
            self._count("attachments", items, ipath, scope, f"{kind} attachments")
        elif kind == "imagemap":
            self.report("line-imagemap", "imagemap is LINE-only: Instagram has no image maps, "
                        "so nothing is sent (use a carousel of cards with buttons)", ipath,
                        **scope)
        quick = single.get("quickreply", options.get("quickreply"))
        if isinstance(quick, list):
            where = f"{ipath}.quickreply" if "quickreply" in single else f"{path}.quickreply"
            self.quick_replies(quick, where, scope)

    def card(self, item: Mapping[str, Any], path: str, scope: Scope, *, card: bool) -> None:
        """A button template, or one card of a carousel (a generic-template element)."""
        for key in ("title", "text"):
            self._boolean(item.get(key), f"{path}.{key}", scope, key)
        if card:
            self._complete(item, path, scope)
            title = item.get("title") or item.get("text")
            key = "title" if item.get("title") else "text"
            self._size("element_title", title, f"{path}.{key}", scope, "card title")
            if item.get("title"):
                self._size("element_subtitle", item.get("text"), f"{path}.text", scope,
                           "card subtitle")
        else:
            self._size("button_template_text", item.get("text"), f"{path}.text", scope,
                       "button template text")
        actions = item.get("actions")
        if isinstance(actions, list):
            self._count("buttons", actions, f"{path}.actions", scope, "buttons")
            for i, button in enumerate(actions):
                if isinstance(button, Mapping):
                    self.button(button, f"{path}.actions[{i}]", scope)

    def _complete(self, item: Mapping[str, Any], path: str, scope: Scope) -> None:
        """Meta: a generic-template element needs a title and at least one more field."""
        more = [item.get(k) for k in ("thumbnailImageUrl", "imageUrl", "defaultActionUrl")]
        more.append(item.get("text") if item.get("title") else None)
        more.append(item.get("actions") or None)
        if not any(more):
            self.report("incomplete-card", f"card {item.get('title') or item.get('text')!r} has "
                        "only a title; Instagram needs a subtitle (text), an image, a default "
                        "action or a button beside it (Meta, Instagram Messaging: Generic "
                        "Template), so the card is left out", path, **scope)

    def button(self, button: Mapping[str, Any], path: str, scope: Scope) -> None:
        kind = button.get("type", "postback")
        label = button.get("label")
        self._boolean(label, f"{path}.label", scope, "button label")
        self._size("button_title", label, f"{path}.label", scope, "button label")
        if kind == "postback":
            self._payload("postback_payload", button.get("payload"), f"{path}.payload", scope)
        elif kind in ("url", "web_url"):
            url = button.get("url")
            if isinstance(url, str) and not url.startswith(_WEB) and not url.startswith(("$(",
                                                                                        "$[")):
                scheme = url.split(":", 1)[0]
                self.report("non-web-button", f"button {label!r} opens {scheme!r} "
                            f"({url!r}); Instagram buttons open only http(s) links, so it is "
                            "left out", f"{path}.url", **scope)
        else:
            self.report("unsupported-button", f"button {label!r} has type {kind!r}; Instagram "
                        "has only postback and web_url buttons, so it is left out",
                        f"{path}.type", **scope)

    def quick_replies(self, replies: list[Any], path: str, scope: Scope) -> None:
        self._count("quick_replies", replies, path, scope, "quick replies")
        for i, reply in enumerate(replies):
            if not isinstance(reply, Mapping):
                continue
            where = f"{path}[{i}]"
            if reply.get("type") in ("user_phone_number", "user_email"):
                continue  # the person's own number or email: no label, no payload
            if reply.get("type", "text") != "text":
                self.report("unsupported-quick-reply", f"quick reply type {reply.get('type')!r}"
                            " is not on Instagram (text only); it is left out", f"{where}.type",
                            **scope)
                continue
            label = reply.get("label", reply.get("title"))
            self._boolean(label, f"{where}.label", scope, "quick reply label")
            self._size("quick_reply_title", label, f"{where}.label", scope, "quick reply label")
            self._payload("quick_reply_payload", reply.get("payload"), f"{where}.payload", scope)


IMAGE_URL_KEYS = ("originalContentUrl", "imageUrl", "url", "previewImageUrl")
"""Where an ``image`` action (Kata's ``concepts/action.md``) may give its url, first wins."""


def check_content(bot: Bot, report: Reporter) -> None:
    """Check every action definition, state actions that give their own options, and the
    persistent menu the bot declares (``config.instagram.persistent_menu``)."""
    checker = _ContentChecker(report)
    _check_menu(bot, report)
    routing = ((bot.config or {}).get("instagram") or {}).get("thread_control")
    if routing not in (None, "handover", "send_api"):
        report("bad-thread-control", f"config.instagram.thread_control is {routing!r}: write "
               "handover (the Handover Protocol calls, the default) or send_api (the Send API's "
               "thread_control, with Conversation Routing enabled)",
               "config.instagram.thread_control")
    for fname, flow in bot.flows.items():
        for aname, action in flow.actions.items():
            checker.action(action.type, action.options, f"flows.{fname}.actions.{aname}.options",
                           {"flow": fname, "action": aname})
        for sname, state in flow.states.items():
            for i, ref in enumerate(state.action):
                if not ref.options:
                    continue
                defined = flow.actions.get(ref.name)
                kind = defined.type if defined is not None else ref.name
                options = {**(defined.options if defined else {}), **ref.options}
                checker.action(kind, options, f"flows.{fname}.states.{sname}.action[{i}].options",
                               {"flow": fname, "state": sname, "action": ref.name})


def _check_menu(bot: Bot, report: Reporter) -> None:
    menu = ((bot.config or {}).get("instagram") or {}).get("persistent_menu")
    if menu is None:
        return
    try:
        PersistentMenuRequest.model_validate({"persistent_menu": normalise_menu(menu)})
    except (ValidationError, TypeError, ValueError, AttributeError) as exc:
        problems = exc.errors(include_url=False) if isinstance(exc, ValidationError) else [
            {"loc": (), "msg": str(exc)}]
        for problem in problems:
            where = ".".join(str(p) for p in problem["loc"])
            report("bad-persistent-menu", f"persistent menu{' ' + where if where else ''}: "
                   f"{problem['msg']} (Meta, Instagram Messaging: Persistent Menu)",
                   "config.instagram.persistent_menu")
