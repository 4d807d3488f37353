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

__all__ = ["DEFAULT_STANDIN_APP_ID", "MetaBehaviour", "RecordedRequest"]

DEFAULT_STANDIN_APP_ID = "1000000000000001"

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
        if method == "POST" and endpoint == "messages":
            return 200, self._messages(body)
        if method == "POST" and endpoint == "message_attachments":
            return 200, self._attachment(body)
        if endpoint == "messenger_profile":
            return 200, self._profile(method, query, body)
        if method == "POST" and endpoint.endswith("_thread_control"):
            return 200, self._thread_control(endpoint, body)
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
        with self._lock:
            self.messages.append(body)
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

    def _profile(self, method: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        if method == "GET":
            with self._lock:
                items = list(self.ice_breakers)
            fields = query.get("fields", "")
            return {"data": [{"ice_breakers": items}] if items and "ice_breakers" in fields
                    else []}
        if method == "DELETE":
            if "ice_breakers" not in ((body or {}).get("fields") or []):
                raise _param("(#100) param fields must be non-empty")
            with self._lock:
                self.ice_breakers = []
            return {"result": "success"}
        given = (body or {}).get("ice_breakers")
        if not isinstance(given, list) or not given:
            raise _param("(#100) param ice_breakers must be a non-empty array")
        locales = {i.get("locale") for i in given if isinstance(i, dict)}
        if "default" not in locales:
            raise _param("(#100) Ice breakers need a default locale")
        for item in given:
            if len(item.get("call_to_actions") or []) > 4:
                raise _param("(#100) Ice breakers can have at most 4 questions")
        with self._lock:
            self.ice_breakers = given
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

