"""CPU per acknowledged post on the intake path, in-process and independent of load.

Drives uvicorn's HTTP protocol (the one ``igbot serve`` uses, with its head deadline) over a
fake transport: N signed keep-alive posts, one at a time, through the whole ASGI request
cycle (parse, the app, the signature check, the body deadline, 200). The inbox is a no-op, so
the number is the intake's own cost, without the durable append. Reports ``time.process_time``
per post (best of ``--repeats``) and, with ``--profile``, the top functions by own time.

    python bench/intake_cpu.py [--posts 20000] [--repeats 5] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import time
from types import SimpleNamespace
from typing import Any

from uvicorn.server import ServerState

from igbot.server._app import WebhookApp
from igbot.server._config import ServerConfig
from igbot.server._runner import _uvicorn_config
from igbot.server._signature import sign_body

SECRET = "bench-app-secret"


class _Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written = 0
        self.closing = False
        self.sent = asyncio.Event()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(name, default)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += 1
        if self.written % 2 == 0:  # response head, then body
            self.sent.set()

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


class _Inbox:
    async def store(self, body: bytes) -> None:
        pass


def _request(n: int) -> bytes:
    body = (b'{"object":"instagram","entry":[{"id":"1","time":1,"messaging":[{"sender":{"id":"u%d"},'
            b'"recipient":{"id":"1"},"timestamp":1,"message":{"mid":"m%d","text":"hello"}}]}]}'
            % (n, n))
    return (b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"X-Hub-Signature-256: " + sign_body(SECRET, body).encode() +
            b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


async def _run(posts: int, profile: cProfile.Profile | None) -> float:
    config = ServerConfig(app_secret=SECRET, verify_token="v", access_token="a")  # type: ignore[arg-type]
    server = SimpleNamespace(config=config, running=True, inbox=_Inbox())
    app = WebhookApp(server)  # type: ignore[arg-type]
    uv = _uvicorn_config(app, "127.0.0.1", 8000)
    uv.load()
    protocol_class: Any = uv.http_protocol_class
    protocol = protocol_class(config=uv, server_state=ServerState(), app_state={})
    transport = _Transport()
    protocol.connection_made(transport)
    requests = [_request(n) for n in range(posts)]
    if profile is not None:
        profile.enable()
    start = time.process_time()
    for data in requests:
        transport.sent.clear()
        protocol.data_received(data)
        await transport.sent.wait()
    spent = time.process_time() - start
    if profile is not None:
        profile.disable()
    protocol.connection_lost(None)
    assert transport.written == 2 * posts
    return spent / posts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if args.profile:
        profile = cProfile.Profile()
        asyncio.run(_run(args.posts, profile))
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
        return 0
    best = min(asyncio.run(_run(args.posts, None)) for _ in range(args.repeats))
    print(f"intake CPU per post: {best * 1e6:.1f} us (best of {args.repeats} x {args.posts})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
