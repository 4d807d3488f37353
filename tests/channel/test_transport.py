"""The sync client's kept-alive HTTP/1.1 transport: reuse, reconnects, httpx's errors."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import pytest

from igbot.channel import GraphStandIn
from igbot.channel._transport import KeepAliveTransport


def test_one_connection_per_thread_is_kept_alive() -> None:
    with GraphStandIn() as standin:
        transport = KeepAliveTransport()
        with httpx.Client(transport=transport, base_url=standin.url, timeout=5) as http:
            for n in range(5):
                answer = http.post("/v21.0/me/messages", params={"access_token": standin.access_token},
                                   json={"recipient": {"id": "u1"}, "message": {"text": f"m{n}"}})
                assert answer.status_code == 200 and answer.json()["message_id"]
            assert len(transport._all) == 1
            done = threading.Thread(target=lambda: http.get(
                "/v21.0/me/thread_owner", params={"recipient": "u1",
                                                  "access_token": standin.access_token}))
            done.start()
            done.join()
            assert len(transport._all) == 2  # a second thread has its own
        assert [r["message"]["text"] for r in standin.sent("u1")] == [f"m{n}" for n in range(5)]


class _Closing(BaseHTTPRequestHandler):
    """Answers once per connection, then closes it (HTTP/1.0)."""

    def do_GET(self) -> None:
        data = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


def test_a_connection_the_server_closed_is_reopened() -> None:
    server = HTTPServer(("127.0.0.1", 0), _Closing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        with httpx.Client(transport=KeepAliveTransport(), base_url=url, timeout=5) as http:
            assert [http.get("/").json() for _ in range(3)] == [{"ok": True}] * 3
    finally:
        server.shutdown()
        server.server_close()


def test_failures_are_httpx_errors() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with httpx.Client(transport=KeepAliveTransport(), timeout=2) as http, \
            pytest.raises(httpx.ConnectError):
        http.get(f"http://127.0.0.1:{port}/")
    with GraphStandIn() as standin:
        standin.delay_next(1, 1.0)
        with httpx.Client(transport=KeepAliveTransport(), base_url=standin.url, timeout=0.2) as http, \
                pytest.raises(httpx.ReadTimeout):
            http.get("/v21.0/me/thread_owner", params={"recipient": "u1",
                                                       "access_token": standin.access_token})
        standin.drop_next(1)
        with httpx.Client(transport=KeepAliveTransport(), base_url=standin.url, timeout=2) as http, \
                pytest.raises(httpx.RemoteProtocolError):
            http.get("/v21.0/me/thread_owner", params={"recipient": "u1",
                                                       "access_token": standin.access_token})


def _raw_server(answers: list[bytes]) -> tuple[int, threading.Thread]:
    """A server that reads one request per connection and writes the next raw answer, then
    closes: the wire cases a Graph answer may take. Each answer but the last says it closes
    (a kept-alive socket closed between two requests is a race no client can win)."""
    listener = socket.create_server(("127.0.0.1", 0))

    def run() -> None:
        with listener:
            for answer in answers:
                conn, _ = listener.accept()
                with conn:
                    conn.recv(65536)
                    conn.sendall(answer)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return listener.getsockname()[1], thread


def test_chunked_unsized_and_interim_answers_are_read() -> None:
    port, thread = _raw_server([
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-App-Usage: {}\r\n"
        b"Connection: close\r\n\r\n"
        b"5\r\n{\"a\":\r\n3\r\n 1}\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{\"b\": 2}",
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 8\r\n\r\n"
        b"{\"c\": 3}",
    ])
    with httpx.Client(transport=KeepAliveTransport(), base_url=f"http://127.0.0.1:{port}",
                      timeout=5) as http:
        first = http.post("/", json={"n": 1})
        assert first.json() == {"a": 1} and first.headers["x-app-usage"] == "{}"
        assert http.post("/", json={"n": 2}).json() == {"b": 2}
        last = http.post("/", json={"n": 3})
        assert (last.status_code, last.json()) == (201, {"c": 3})
    thread.join(5)


def test_a_cut_or_garbled_answer_is_a_protocol_error() -> None:
    port, thread = _raw_server([b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{\"cut",
                                b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"])
    with httpx.Client(transport=KeepAliveTransport(), base_url=f"http://127.0.0.1:{port}",
                      timeout=5) as http:
        for _ in range(2):
            with pytest.raises(httpx.RemoteProtocolError):
                http.post("/", json={})
    thread.join(5)
