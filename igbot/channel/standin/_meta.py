"""How the Graph API stand-in answers: Meta's routes, body checks, error envelope and state.

:class:`MetaBehaviour` holds what Meta would know (thread owners, ice breakers, accepted
messages, scripted failures) and turns one request into ``(status, body, headers)``; the HTTP
server around it lives in :mod:`igbot.channel.standin._server`.
"""

from __future__ import annotations

import json
import re
import secrets
import string
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from igbot.vocab import INSTAGRAM_INBOX_APP_ID

__all__ = ["DEFAULT_STANDIN_APP_ID", "MetaBehaviour", "RecordedRequest"]

DEFAULT_STANDIN_APP_ID = "1000000000000001"
INBOX_APP = INSTAGRAM_INBOX_APP_ID  # the default app a pass without app_id goes to

_VERSION = re.compile(r"^v\d+\.\d+$")

_ALPHABET = string.ascii_letters + string.digits



def _fbtrace() -> str:
    return "A" + "".join(secrets.choice(_ALPHABET) for _ in range(21))


@dataclass
class _Failure:
    kind: str  # "graph", "http", "drop"
    status: int = 400
    code: int | None = None
    subcode: int | None = None
    message: str | None = None
    error_type: str = "OAuthException"
    is_transient: bool | None = None
    retry_after: float | None = None
    body: str = ""


class _Reply(Exception):
    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


class _Dropped(Exception):
    pass


def _graph_error(status: int, code: int, message: str, subcode: int | None = None,
                 error_type: str = "OAuthException", is_transient: bool | None = None,
                 headers: dict[str, str] | None = None) -> _Reply:
    err: dict[str, Any] = {"message": message, "type": error_type, "code": code}
    if subcode is not None:
        err["error_subcode"] = subcode
    if is_transient is not None:
        err["is_transient"] = is_transient
    err["fbtrace_id"] = _fbtrace()
    return _Reply(status, {"error": err}, headers)


@dataclass
class RecordedRequest:
    """One request the stand-in received (token removed from query and headers).

    Attributes:
        method, path: as sent. ``query``: parameters without ``access_token``.
        headers: lower-case names, without ``authorization``.
        json: the parsed JSON body (None when empty or not JSON).
        auth: ``"query"``, ``"bearer"`` or None: how the token came.
        time: arrival (``time.monotonic()``); ``finished``: when the answer was sent.
        status: the HTTP status answered (None for a dropped connection).
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    auth: str | None
    time: float
    finished: float | None = None
    status: int | None = None

    @property
    def endpoint(self) -> str:
        """The last path segment (``messages``, ``thread_owner``...)."""
        return self.path.rstrip("/").rsplit("/", 1)[-1]


class MetaBehaviour:
    """Meta's side of the Send API: state, scripted failures, and one answer per request."""

    def __init__(self, *, access_token: str = "standin-token",
                 account_id: str = "17841400000000001",
                 app_id: str = DEFAULT_STANDIN_APP_ID,
                 unknown_recipients: Iterable[str] = (), rate_limit: float | None = None,
                 latency: float = 0.0) -> None:
        self._token = access_token
        self.account_id, self.app_id = account_id, str(app_id)
        self.unknown_recipients: set[str] = set(unknown_recipients)
        self.latency = latency
        self.requests: list[RecordedRequest] = []
        self.messages: list[dict[str, Any]] = []
        self.thread_owners: dict[str, str] = {}
        self.thread_requests: list[dict[str, Any]] = []
        self.ice_breakers: list[dict[str, Any]] = []
        self.persistent_menu: list[dict[str, Any]] = []
        self.comment_replies: list[dict[str, Any]] = []
        self.thread_extensions: list[dict[str, Any]] = []
        self.hidden_comments: set[str] = set()
        self.comment_authors: dict[str, str] = {}
        self._rate_limit = rate_limit
        self._calls: deque[float] = deque()
        self._failures: deque[_Failure] = deque()
        self._delays: deque[float] = deque()
        self._lock = threading.Lock()
        self._counter = 0

    def _usage_headers(self) -> dict[str, str]:
        now = time.monotonic()
        recent = sum(1 for t in self._calls if now - t < 1.0)
        limit = self._rate_limit or 200.0
        pct = min(100, int(recent * 100 / limit))
        usage = {"call_count": pct, "total_cputime": max(0, pct // 4),
                 "total_time": max(0, pct // 3)}
        return {"X-App-Usage": json.dumps(usage), "X-FB-Trace-ID": _fbtrace()}

    def _answer(self, method: str, path: str, query: dict[str, str], token: str | None,
                auth: str | None, body: Any) -> tuple[int, Any, dict[str, str]]:
        with self._lock:
            delay = self._delays.popleft() if self._delays else 0.0
            failure = self._failures.popleft() if self._failures else None
        if delay or self.latency:
            time.sleep(delay + self.latency)
        try:
            if failure is not None:
                self._scripted(failure)
            self._check_token(token, auth)
            comment = self._comment_route(path)
            if comment is not None:
                self._count_call()
                status, answer = 200, self._comment(method, *comment, query, body)
            else:
                account, endpoint = self._route(path)
                self._count_call()
                status, answer = self._dispatch(method, account, endpoint, query, body)
            headers: dict[str, str] = {}
        except _Reply as reply:
            status, answer, headers = reply.status, reply.body, reply.headers
        with self._lock:
            headers = {**self._usage_headers(), **headers}
        return status, answer, headers

    def _scripted(self, failure: _Failure) -> None:
        headers = {}
        if failure.retry_after is not None:
            headers["Retry-After"] = f"{failure.retry_after:g}"
        if failure.kind == "drop":
            raise _Dropped
        if failure.kind == "http":
            raise _Reply(failure.status, failure.body, headers)
        code = failure.code if failure.code is not None else 1
        message = failure.message or _MESSAGES.get(code, "An unknown error occurred")
        raise _graph_error(failure.status, code, message, failure.subcode, failure.error_type,
                           failure.is_transient, headers)

    def _check_token(self, token: str | None, auth: str | None) -> None:
        if token is None:
            raise _graph_error(401, 190, "An active access token must be used to query "
                               "information about the current user.",
                               headers={"WWW-Authenticate": 'OAuth "Facebook Platform" '
                                        '"invalid_token" "missing access token"'})
        if not secrets.compare_digest(token.encode(), self._token.encode()):
            raise _graph_error(400, 190, "Invalid OAuth access token - Cannot parse access "
                               "token", headers={"WWW-Authenticate": 'OAuth "Facebook Platform" '
                                                 '"invalid_token" "Invalid OAuth access token"'})

    def _comment_route(self, path: str) -> tuple[str, str] | None:
        """``(comment id, "replies" or "")`` for a path on an object that is not the account."""
        parts = [p for p in path.split("/") if p]
        if len(parts) not in (2, 3) or not _VERSION.match(parts[0]):
            return None
        if parts[1] in ("me", self.account_id):
            return None
        under = parts[2] if len(parts) == 3 else ""
        return (parts[1], under) if under in ("", "replies") else None

    # IG Comment: https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-comment
    #   POST /<comment-id>?hide=true -> {"success": true}
    # IG Comment Replies: https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-comment/replies
    #   POST /<comment-id>/replies?message=... -> {"id": "<the reply's comment id>"}
    def _comment(self, method: str, comment_id: str, under: str, query: dict[str, str],
                 body: Any) -> dict[str, Any]:
        params = {**query, **(body if isinstance(body, dict) else {})}
        if method != "POST":
            raise _graph_error(400, 100, f"Unsupported {method.lower()} request to comment "
                               f"{comment_id}", error_type="GraphMethodException")
        if under == "replies":
            message = params.get("message")
            if not isinstance(message, str) or not message.strip():
                raise _param("(#100) The parameter message is required")
            if len(message) > 2200:
                raise _param("(#100) message must be at most 2200 characters")
            reply_id = str(18000000000000000 + self._next_id())
            with self._lock:
                self.comment_replies.append({"comment_id": comment_id, "id": reply_id,
                                             "message": message})
            return {"id": reply_id}
        hide = params.get("hide")
        if hide not in (True, False, "true", "false"):
            raise _param("(#100) The parameter hide is required (true or false)")
        with self._lock:
            if hide in (True, "true"):
                self.hidden_comments.add(comment_id)
            else:
                self.hidden_comments.discard(comment_id)
        return {"success": True}

    def _route(self, path: str) -> tuple[str, str]:
        parts = [p for p in path.split("/") if p]
        if len(parts) != 3 or not _VERSION.match(parts[0]):
            raise _graph_error(400, 2500, "Unknown path components: " + path, error_type=
                               "OAuthException")
        _, account, endpoint = parts
        if account not in ("me", self.account_id):
            raise _graph_error(400, 100, f"Unsupported request. Object with ID '{account}' "
                               "does not exist, cannot be loaded due to missing permissions, "
                               "or does not support this operation.", 33, "GraphMethodException")
        return self.account_id, endpoint

    def _count_call(self) -> None:
        with self._lock:
            now = time.monotonic()
            while self._calls and now - self._calls[0] >= 1.0:
                self._calls.popleft()
            limited = self._rate_limit is not None and len(self._calls) >= self._rate_limit
            if not limited:
                self._calls.append(now)
        if limited:
            raise _graph_error(400, 613, "(#613) Calls to this api have exceeded the rate limit.",
                               2534040)

    def _dispatch(self, method: str, account: str, endpoint: str, query: dict[str, str],
                  body: Any) -> tuple[int, Any]:
        # Send API: https://developers.facebook.com/docs/messenger-platform/instagram/features/send-message
        #   -> {"recipient_id", "message_id"}; a sender_action -> {"recipient_id"}
        if method == "POST" and endpoint == "messages":
            return 200, self._messages(body)
        # Attachment Upload API:
        # https://developers.facebook.com/docs/messenger-platform/reference/attachment-upload-api
        #   -> {"attachment_id"}
        if method == "POST" and endpoint == "message_attachments":
            return 200, self._attachment(body)
        if endpoint == "messenger_profile":
            return 200, self._profile(method, query, body)
        # Handover Protocol: https://developers.facebook.com/docs/messenger-platform/instagram/features/handover-protocol
        #   pass/take/release/request_thread_control -> {"success": true}
        if method == "POST" and endpoint.endswith("_thread_control"):
            return 200, self._thread_control(endpoint, body)
        #   GET thread_owner?recipient= -> {"data": [{"thread_owner": {"app_id"}}]}
        if method == "GET" and endpoint == "thread_owner":
            recipient = query.get("recipient")
            if not recipient:
                raise _param("(#100) The parameter recipient is required")
            with self._lock:
                owner = self.thread_owners.get(recipient, self.app_id)
            return 200, {"data": [{"thread_owner": {"app_id": owner}}]}
        raise _graph_error(400, 100, f"Unsupported {method.lower()} request to {endpoint}",
                           error_type="GraphMethodException")

    def _next_id(self) -> int:
        with self._lock:
            self._counter += 1
            return self._counter

    def _messages(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise _param("(#100) The request body must be a JSON object")
        recipient = body.get("recipient")
        if not isinstance(recipient, dict) or not (recipient.get("id") or
                                                   recipient.get("comment_id")):
            raise _param("(#100) The parameter recipient is required")
        has_message, has_action = "message" in body, "sender_action" in body
        if has_message == has_action:
            raise _param("(#100) Must send either message or sender action")
        if has_message:
            _check_message(body["message"])
        else:
            _check_sender_action(body)
        if body.get("messaging_type") == "MESSAGE_TAG" and not body.get("tag"):
            raise _param("(#100) Param tag must be set when messaging_type is MESSAGE_TAG")
        rid = str(recipient.get("id") or "")
        if rid in self.unknown_recipients:
            raise _graph_error(400, 100, "(#100) No matching user found", 2534014)
        with self._lock:
            owner = self.thread_owners.get(rid, self.app_id) if rid else self.app_id
        if owner != self.app_id:
            raise _graph_error(400, 100, "(#100) This thread is owned by another app "
                               f"({owner}); your app receives its messages in standby", 2018300)
        n = self._next_id()
        if not rid:
            cid = str(recipient["comment_id"])
            rid = self.comment_authors.get(cid, str(6200000000000000 + n))
        control = body.get("thread_control")
        # Conversation Control APIs, "Message send with thread controls": the message goes out,
        # then the thread passes ({"app_id", "control_type": "pass"})
        if control is not None and (not isinstance(control, dict)
                                    or control.get("control_type") != "pass"):
            raise _param("(#100) thread_control.control_type must be pass")
        with self._lock:
            self.messages.append(body)
            if control is not None and rid:
                self.thread_owners[rid] = str(control.get("app_id") or INBOX_APP)
        answer = {"recipient_id": rid}
        if has_message:
            answer["message_id"] = f"aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlE{n:08d}"
        return answer

    def _attachment(self, body: Any) -> dict[str, Any]:
        attachment = ((body or {}).get("message") or {}).get("attachment") or {}
        url = (attachment.get("payload") or {}).get("url")
        if attachment.get("type") not in ("image", "video", "audio", "file") or not url:
            raise _param("(#100) message.attachment needs a type (image, video, audio, file) "
                         "and payload.url")
        return {"attachment_id": str(1857777774821000 + self._next_id())}

    # Messenger Profile API with platform=instagram: ice breakers and the persistent menu.
    # https://developers.facebook.com/docs/messenger-platform/instagram/features/ice-breakers
    #   GET  -> {"data": [{"call_to_actions": [{"question", "payload"}], "locale": "default"}]}
    # https://developers.facebook.com/docs/messenger-platform/instagram/features/persistent-menu
    # https://developers.facebook.com/docs/messenger-platform/messenger-profile/persistent-menu
    #   GET  -> {"data": [{"persistent_menu": [{"locale", "call_to_actions"}]}]}
    #   POST -> {"result": "success"}; DELETE {"fields": [...]} -> {"result": "success"}
    def _profile(self, method: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        if method == "GET":
            fields = {f.strip() for f in query.get("fields", "").split(",") if f.strip()}
            if not fields:
                raise _param("(#100) param fields must be non-empty")
            rows: list[dict[str, Any]] = []
            with self._lock:
                if "ice_breakers" in fields:
                    rows.extend(self.ice_breakers)
                if "persistent_menu" in fields and self.persistent_menu:
                    rows.append({"persistent_menu": list(self.persistent_menu)})
            return {"data": rows}
        if method == "DELETE":
            dropped = (body or {}).get("fields") or []
            known = {"ice_breakers", "persistent_menu"}
            if not dropped or not set(dropped) <= known:
                raise _param("(#100) param fields must be non-empty and name profile fields "
                             f"({', '.join(sorted(known))})")
            with self._lock:
                if "ice_breakers" in dropped:
                    self.ice_breakers = []
                if "persistent_menu" in dropped:
                    self.persistent_menu = []
            return {"result": "success"}
        data = body or {}
        if "ice_breakers" not in data and "persistent_menu" not in data:
            raise _param("(#100) Requires one of the params: ice_breakers, persistent_menu")
        if "ice_breakers" in data:
            given = _check_ice_breakers(data["ice_breakers"])
            with self._lock:
                self.ice_breakers = given
        if "persistent_menu" in data:
            menu = _check_persistent_menu(data["persistent_menu"])
            with self._lock:
                self.persistent_menu = menu
        return {"result": "success"}

    def _thread_control(self, endpoint: str, body: Any) -> dict[str, Any]:
        rid = str(((body or {}).get("recipient") or {}).get("id") or "")
        if not rid:
            raise _param("(#100) The parameter recipient is required")
        with self._lock:
            owner = self.thread_owners.get(rid, self.app_id)
            if endpoint == "pass_thread_control":
                target = (body or {}).get("target_app_id")
                if target is None:
                    raise _param("(#100) The parameter target_app_id is required")
                if owner != self.app_id:
                    raise _graph_error(400, 100, "(#100) Only the thread owner can pass "
                                       "thread control", 2018300)
                self.thread_owners[rid] = str(target)
            elif endpoint in ("take_thread_control", "release_thread_control"):
                self.thread_owners.pop(rid, None)
            elif endpoint == "request_thread_control":
                self.thread_requests.append(body)
            elif endpoint == "extend_thread_control":
                # Conversation Control APIs: only the app in control may extend it
                duration = (body or {}).get("duration")
                if owner != self.app_id:
                    raise _graph_error(400, 100, "(#100) Only the app in control of the thread "
                                       "can extend it", 2018300)
                if not isinstance(duration, int) or not 0 < duration <= 86400:
                    raise _param("(#100) param duration must be 1 to 86400 seconds")
                self.thread_extensions.append(body)
            else:
                raise _param(f"(#100) Unknown thread control call {endpoint}")
        return {"success": True}


_MESSAGES = {
    1: "An unknown error occurred",
    2: "An unexpected error has occurred. Please retry your request later.",
    4: "(#4) Application request limit reached",
    10: "(#10) This message is sent outside of allowed window.",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    100: "(#100) Invalid parameter",
    190: "Invalid OAuth access token - Cannot parse access token",
    200: "(#200) Permissions error",
    341: "(#341) Application limit reached",
    551: "(#551) This person isn't available right now.",
    613: "(#613) Calls to this api have exceeded the rate limit.",
    80002: "(#80002) There have been too many calls to this Instagram account.",
}



def _param(message: str, subcode: int | None = None) -> _Reply:
    return _graph_error(400, 100, message, subcode)



def _check_message(message: Any) -> None:
    if not isinstance(message, dict):
        raise _param("(#100) param message must be an object")
    text = message.get("text")
    if text is None and "attachment" not in message and "attachments" not in message:
        raise _param("(#100) Message must have text or an attachment")
    if text is not None:
        if not isinstance(text, str) or not text:
            raise _param("(#100) param message[text] must be a non-empty UTF-8 string")
        if len(text.encode()) > 1000:
            raise _param("(#100) Length of param message[text] must be less than or equal "
                         "to 1000")
    # Quick replies: https://developers.facebook.com/docs/messenger-platform/instagram/features/quick-replies
    #   text (title + payload), user_phone_number, user_email (no title, no payload); at most 13
    quick = message.get("quick_replies")
    if quick is not None:
        if not isinstance(quick, list) or len(quick) > 13:
            raise _param("(#100) param message[quick_replies] must be an array of at most 13")
        for reply in quick:
            kind = reply.get("content_type") if isinstance(reply, dict) else None
            if kind == "text":
                if not reply.get("title") or not reply.get("payload"):
                    raise _param("(#100) a text quick reply needs a title and a payload")
            elif kind not in ("user_phone_number", "user_email"):
                raise _param("(#100) quick reply content_type must be text, user_phone_number "
                             "or user_email")
    # several attachments: https://developers.facebook.com/docs/messenger-platform/instagram/features/send-message
    #   message.attachments: up to 10 images (or other media) in one message
    attachments = message.get("attachments")
    if attachments is not None and (not isinstance(attachments, list) or not 1 <= len(attachments) <= 10):
        raise _param("(#100) param message[attachments] must hold 1 to 10 attachments")
    # MEDIA_SHARE: {"attachment": {"type": "MEDIA_SHARE", "payload": {"id": "<post id>"}}}
    attachment = message.get("attachment")
    if (isinstance(attachment, dict) and attachment.get("type") == "MEDIA_SHARE"
            and not (attachment.get("payload") or {}).get("id")):
        raise _param("(#100) a MEDIA_SHARE attachment needs payload.id (the post's id)")



def _check_ice_breakers(given: Any) -> list[dict[str, Any]]:
    if not isinstance(given, list) or not given:
        raise _param("(#100) param ice_breakers must be a non-empty array")
    if all(isinstance(i, dict) and "question" in i for i in given):  # the format before locales
        given = [{"call_to_actions": given, "locale": "default"}]
    locales = {i.get("locale") for i in given if isinstance(i, dict)}
    if "default" not in locales:
        raise _param("(#100) Ice breakers need a default locale")
    for item in given:
        if len(item.get("call_to_actions") or []) > 4:
            raise _param("(#100) Ice breakers can have at most 4 questions")
    return given


def _check_persistent_menu(menu: Any) -> list[dict[str, Any]]:
    if not isinstance(menu, list) or not menu:
        raise _param("(#100) param persistent_menu must be a non-empty array")
    if "default" not in {m.get("locale") for m in menu if isinstance(m, dict)}:
        raise _param("(#100) persistent_menu must have a default locale")
    for locale in menu:
        if "composer_input_disabled" in locale:
            raise _param("(#100) composer_input_disabled is not available on Instagram")
        actions = locale.get("call_to_actions") or []
        if not actions or len(actions) > 20:
            raise _param("(#100) call_to_actions must hold 1 to 20 buttons")
        for button in actions:
            kind = button.get("type")
            if kind not in ("postback", "web_url") or not button.get("title"):
                raise _param("(#100) menu items are postback or web_url buttons with a title")
            if len(button["title"]) > 30:
                raise _param("(#100) menu item title must be at most 30 characters")
            if kind == "postback" and not button.get("payload"):
                raise _param("(#100) a postback menu item needs a payload")
            if kind == "web_url" and not str(button.get("url", "")).startswith(("http://", "https://")):
                raise _param("(#100) a web_url menu item needs an http(s) url")
            if "webview_height_ratio" in button:
                raise _param("(#100) webview_height_ratio is not available on Instagram")
    return menu


# Sender actions: https://developers.facebook.com/docs/messenger-platform/instagram/features/sender-actions
#   {"recipient": {"id"}, "sender_action": "typing_on" | "typing_off" | "mark_seen"}
# Reactions: https://developers.facebook.com/docs/messenger-platform/instagram/features/reactions
#   {"recipient", "sender_action": "react", "payload": {"message_id", "reaction": "love"}};
#   "unreact" with only payload.message_id. Both answer {"recipient_id"}.
_SENDER_ACTIONS = ("typing_on", "typing_off", "mark_seen", "react", "unreact")


def _check_sender_action(body: dict[str, Any]) -> None:
    action = body.get("sender_action")
    if action not in _SENDER_ACTIONS:
        raise _param(f"(#100) param sender_action must be one of {', '.join(_SENDER_ACTIONS)}")
    if "comment_id" in (body.get("recipient") or {}):
        raise _param("(#100) sender actions need recipient.id, not a comment")
    payload = body.get("payload")
    if action in ("react", "unreact"):
        if not isinstance(payload, dict) or not payload.get("message_id"):
            raise _param(f"(#100) {action} needs payload.message_id")
        if action == "react" and not payload.get("reaction"):
            raise _param("(#100) react needs payload.reaction")
    elif payload is not None:
        raise _param(f"(#100) {action} takes no payload")
