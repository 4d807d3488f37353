"""A light Graph API stand-in for the serve benchmarks: one asyncio process, no threads.

``igbot.channel.GraphStandIn`` behaves like Meta in full (policies, failures, rate limits,
recorded requests) on ``http.server`` with a thread per connection: on the benchmark's 2 cores
it took 15-20% of a core while the servers drained, cores the servers under test could use.
This one answers only what the benchmarks call, in the shapes Meta documents, over a bare
asyncio protocol (kept-alive HTTP/1.1, ``Content-Length`` bodies):

- ``POST /{version}/{account}/messages``: ``{"recipient_id", "message_id"}``
  (Instagram Messaging, Send API, "Response":
  https://developers.facebook.com/docs/messenger-platform/instagram/features/send-message/);
- ``POST /{version}/{account}/{pass,take,release,request}_thread_control``:
  ``{"success": true}`` (Handover Protocol:
  https://developers.facebook.com/docs/messenger-platform/instagram/features/handover-protocol/);
- anything else, or a request without the access token: Meta's error envelope
  ``{"error": {"message", "type", "code", "fbtrace_id"}}`` with status 400
  (Graph API error handling: https://developers.facebook.com/docs/graph-api/guides/error-handling/).

    python bench/light_standin.py PORT ACCESS_TOKEN   # prints "ready" once listening
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys

_THREAD = (b"/pass_thread_control", b"/take_thread_control", b"/release_thread_control",
           b"/request_thread_control")


def _response(status: int, data: bytes) -> bytes:
    reason = b"OK" if status == 200 else b"Bad Request"
    return (b"HTTP/1.1 %d %s\r\nContent-Type: application/json; charset=UTF-8\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (status, reason, len(data), data))


def _error(message: str, code: int) -> bytes:
    return _response(400, json.dumps({"error": {
        "message": message, "type": "OAuthException", "code": code,
        "fbtrace_id": "LightStandIn"}}).encode())


class _Protocol(asyncio.Protocol):
    ids = itertools.count(1)

    def __init__(self, token: bytes) -> None:
        self.token = b"access_token=" + token
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end]
            length = 0
            for line in head.split(b"\r\n")[1:]:
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4:end + 4 + length]
            self.buffer = self.buffer[end + 4 + length:]
            assert self.transport is not None
            self.transport.write(self.answer(head.split(b"\r\n", 1)[0], head, body))

    def answer(self, request_line: bytes, head: bytes, body: bytes) -> bytes:
        method, target, _version = request_line.split(b" ", 2)
        path, _, query = target.partition(b"?")
        if self.token not in query.split(b"&") and b"authorization: bearer" not in head.lower():
            return _error("An active access token must be used to query information.", 2500)
        if method == b"POST" and path.endswith(b"/messages"):
            try:
                recipient = json.loads(body)["recipient"]
            except (ValueError, KeyError, TypeError):
                return _error("(#100) Invalid parameter", 100)
            who = recipient.get("id") or recipient.get("comment_id")
            return _response(200, json.dumps({
                "recipient_id": str(who), "message_id": f"m_light_{next(self.ids)}"}).encode())
        if method == b"POST" and path.endswith(_THREAD):
            return _response(200, b'{"success":true}')
        return _error(f"Unsupported {method.decode()} request.", 100)


async def main(port: int, token: str) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Protocol(token.encode()), "127.0.0.1", port)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
