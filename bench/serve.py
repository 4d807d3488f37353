"""Webhook server throughput: signed posts on loopback against ``igbot serve`` (a subprocess)
with the Graph API stand-in (another subprocess).

Reports acknowledged posts per second and the time to 200 (p50/p99), then waits until every
acknowledged event is processed and checks the log: one incoming line per acknowledged
message, one bot reply each. Two baselines, measured in the same run:

- intake: a bare ASGI app under uvicorn that answers 200 without checking or storing anything,
  posted to by the same client;
- processing: the same number of Send API calls made straight to the same stand-in with
  httpx, over as many threads as the server has workers (the one call per event a server
  cannot avoid). End to end, events processed per second is reported as a ratio to it.

It also reports the CPU time (user + system, from ``/proc``) of each process while posting and
while draining: the intake process, its processing process (``--processing-processes 1``), the
Graph stand-in and the load client (this process), and how busy the whole machine was; and the
server's CPU time per event.

The Graph stand-in is ``bench/light_standin.py`` (asyncio, Meta's documented answers) unless
``--standin full`` asks for igbot's ``GraphStandIn`` (``http.server``, a thread a connection).

With ``--reorder-window 60`` nothing is processed while posting (events wait in the reorder
window), so the CPU time per event is the intake's alone: signature, durable append, 200.

    python bench/serve.py [--posts 5000] [--seconds 30] [--connections 32] [--workers 4]
                          [--reorder-window SECONDS] [--processing-processes 0|1]
                          [--standin light|full]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret"
ACCOUNT = "17841400000000001"
TOKEN = "standin-token"
BOT = textwrap.dedent("""
    name: bench
    flows:
      main:
        intents:
          any: {initial: true}
        states:
          start:
            initial: true
            end: true
            transitions:
              start: {fallback: true}
            action: {name: text, options: {text: "You said: $(content)"}}
""")
STANDIN = """
import sys, time
from igbot.channel import GraphStandIn
s = GraphStandIn(port=int(sys.argv[1]), account_id=sys.argv[2]).start()
print("ready", flush=True)
while True:
    time.sleep(3600)
"""
BASELINE = """
import sys, uvicorn
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", b"14")]})
    await send({"type": "http.response.body", "body": b"EVENT_RECEIVED"})
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False,
            lifespan="off")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


T0 = int(time.time() * 1000)


def body(n: int) -> bytes:
    t = T0 + n
    item = {"sender": {"id": f"user-{n % 500}"}, "recipient": {"id": ACCOUNT}, "timestamp": t,
            "message": {"mid": f"bench-mid-{n}", "text": f"message {n}"}}
    return json.dumps({"object": "instagram",
                       "entry": [{"id": ACCOUNT, "time": t, "messaging": [item]}]}).encode()


def request(n: int) -> bytes:
    data = body(n)
    sig = "sha256=" + hmac.new(SECRET.encode(), data, hashlib.sha256).hexdigest()
    head = (f"POST /webhook HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
            f"X-Hub-Signature-256: {sig}\r\nContent-Length: {len(data)}\r\n\r\n").encode()
    return head + data


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    request: bytes) -> bool:
    """Send one request on a kept-alive connection and read its answer: whether it was a 200."""
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return head.startswith(b"HTTP/1.1 200")


async def _connection(port: int, queue: asyncio.Queue[int], requests: list[bytes],
                      acked: list[int], latencies: list[float], deadline: float) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.monotonic() < deadline:
            try:
                n = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            started = time.perf_counter()
            ok = await _exchange(reader, writer, requests[n])
            latencies.append(time.perf_counter() - started)
            if ok:
                acked.append(n)
    finally:
        writer.close()


def _percentiles(seconds: list[float]) -> Callable[[float], float]:
    """The q-quantile of ``seconds`` in milliseconds (NaN when there are none)."""
    ordered = sorted(seconds)
    if not ordered:
        return lambda q: float("nan")
    return lambda q: ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


def blast(port: int | list[int], posts: int, seconds: float, connections: int) -> dict[str, float]:
    """Post ``posts`` signed bodies over ``connections`` keep-alive connections (spread over
    several servers' ports round-robin, as a load balancer would). The requests are built and
    signed before the clock starts: the client's CPU goes to posting, not to HMACs."""
    ports = port if isinstance(port, list) else [port]
    requests = [request(n) for n in range(posts)]  # signed before the clock starts

    async def run() -> tuple[list[int], list[float], float]:
        queue: asyncio.Queue[int] = asyncio.Queue()
        for n in range(posts):
            queue.put_nowait(n)
        acked: list[int] = []
        latencies: list[float] = []
        started = time.monotonic()
        await asyncio.gather(*(_connection(ports[i % len(ports)], queue, requests, acked,
                                           latencies, started + seconds)
                               for i in range(connections)))
        return acked, latencies, time.monotonic() - started

    acked, latencies, elapsed = asyncio.run(run())
    pick = _percentiles(latencies)
    return {"acked": len(acked), "sent": len(latencies), "seconds": elapsed,
            "per_second": len(acked) / elapsed, "p50_ms": pick(0.50), "p99_ms": pick(0.99)}


def paced(port: int | list[int], first: int, posts: int, rate: float,
          connections: int) -> dict[str, Any]:
    """Post ``posts`` signed bodies (events ``first`` onwards) at a steady ``rate`` a second,
    open loop: each post has its time in a schedule fixed in advance, and its time to 200 is
    counted from that time, so a server that falls behind pays for the posts queued behind it
    (no coordinated omission). ``connections`` keep-alive connections (spread over the ports
    round-robin) take the posts as they fall due; more than the rate needs, so a slow answer
    does not hold the schedule back. The latency a sender sees at a stated load, where
    :func:`blast` gives the most a server takes (and a time to 200 set by how many
    connections wait on it)."""
    ports = port if isinstance(port, list) else [port]
    requests = {n: request(n) for n in range(first, first + posts)}

    async def run() -> tuple[list[int], list[float], float]:
        queue: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()
        acked: list[int] = []
        latencies: list[float] = []

        async def connection(port: int) -> None:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            try:
                while (item := await queue.get()) is not None:
                    n, due = item
                    ok = await _exchange(reader, writer, requests[n])
                    latencies.append(time.perf_counter() - due)
                    if ok:
                        acked.append(n)
            finally:
                writer.close()

        pool = [asyncio.create_task(connection(ports[i % len(ports)]))
                for i in range(connections)]
        started = time.perf_counter()
        for i, n in enumerate(requests):
            due = started + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            queue.put_nowait((n, due))
        for _ in pool:
            queue.put_nowait(None)
        await asyncio.gather(*pool)
        return acked, latencies, time.perf_counter() - started

    acked, latencies, elapsed = asyncio.run(run())
    pick = _percentiles(latencies)
    return {"acked": len(acked), "sent": len(latencies), "seconds": elapsed, "rate": rate,
            "acked_ids": acked, "p50_ms": pick(0.50), "p99_ms": pick(0.99),
            "max_ms": pick(1.0)}


def direct_sends(graph_port: int, sends: int, threads: int) -> float:
    """Send API calls per second straight to the stand-in (httpx, keep-alive, ``threads``)."""
    url = f"http://127.0.0.1:{graph_port}/v21.0/{ACCOUNT}/messages"
    counter = iter(range(sends))
    lock = threading.Lock()

    def run() -> None:
        with httpx.Client(timeout=30) as client:
            while True:
                with lock:
                    n = next(counter, None)
                if n is None:
                    return
                body = {"recipient": {"id": f"user-{n % 500}"}, "messaging_type": "RESPONSE",
                        "message": {"text": f"You said: message {n}"}}
                client.post(url, json=body, params={"access_token": TOKEN}).raise_for_status()

    started = time.monotonic()
    pool = [threading.Thread(target=run) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return sends / (time.monotonic() - started)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux; 0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux)."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except OSError:
                continue
    return out


def descendants(pid: int) -> list[int]:
    """``pid``'s child processes, their children, and so on (Linux)."""
    out, todo = [], [pid]
    while todo:
        found = children(todo.pop())
        out += found
        todo += found
    return out


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, all cores (``/proc/stat``)."""
    with open("/proc/stat", encoding="ascii") as fh:
        ticks = [int(x) for x in fh.readline().split()[1:]]
    hz = os.sysconf("SC_CLK_TCK")
    idle = ticks[3] + ticks[4]
    return (sum(ticks) - idle) / hz, sum(ticks) / hz


class CpuMeter:
    """CPU seconds per process between marks: the load client (this process), the Graph
    stand-in, each server and its children (the processing process), PostgreSQL (the
    postmaster and its backends); and how busy the whole machine was (every process, ours
    or not: other work on a shared machine shows here)."""

    def __init__(self, processes: dict[str, int], trees: dict[str, int] | None = None) -> None:
        self.processes, self.trees = processes, trees or {}
        self.last = self.read()

    def read(self) -> dict[str, float]:
        now = {name: cpu_seconds(pid) for name, pid in self.processes.items()}
        for name, pid in self.trees.items():
            now[name] = cpu_seconds(pid) + sum(cpu_seconds(p) for p in descendants(pid))
        times = os.times()
        now["client"] = times.user + times.system
        server = self.processes.get("intake")
        if server is not None:
            now["processing"] = sum(cpu_seconds(pid) for pid in children(server))
        now["machine busy"], now["machine total"] = machine_busy()
        return now

    def mark(self) -> dict[str, float]:
        """CPU seconds per process since the previous mark."""
        now = self.read()
        spent = {name: now[name] - self.last.get(name, 0.0) for name in now}
        self.last = now
        return spent


def cpu_text(spent: dict[str, float], seconds: float) -> str:
    """CPU seconds per process, and as % of one core; the machine's busy share of all cores."""
    shown = {k: v for k, v in spent.items() if not k.startswith("machine")}
    text = ", ".join(f"{name} {cpu:.1f} s ({100 * cpu / max(seconds, 1e-9):.0f}%)"
                     for name, cpu in shown.items())
    total = spent.get("machine total", 0.0)
    if total:
        text += (f"; machine {100 * spent['machine busy'] / total:.0f}% busy "
                 f"({os.cpu_count()} cores, ours {100 * sum(shown.values()) / total:.0f}%)")
    return text


_POLLER: httpx.Client | None = None


def get_json(url: str) -> dict[str, Any]:
    """GET a JSON answer over one kept-alive client: a fresh httpx client per poll builds an
    SSL context each time (tens of ms of CPU), which ate the machine's cores while draining."""
    global _POLLER
    if _POLLER is None:
        _POLLER = httpx.Client(timeout=5)
    data: dict[str, Any] = _POLLER.get(url).json()
    return data


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"process exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def measure_baseline(env: dict[str, str], procs: list[subprocess.Popen[bytes]], posts: int,
                     seconds: float, connections: int) -> dict[str, float]:
    """The bare ASGI app's throughput with the same client (the baseline of every serve bench)."""
    base_port = free_port()
    base = subprocess.Popen([sys.executable, "-c", BASELINE, str(base_port)], env=env,
                            stderr=subprocess.PIPE)
    procs.append(base)
    wait_http(f"http://127.0.0.1:{base_port}/", base)
    baseline = blast(base_port, posts, seconds, connections)
    base.terminate()
    return baseline


def start_standin(env: dict[str, str], procs: list[subprocess.Popen[bytes]],
                  light: bool = True) -> tuple[int, dict[str, str]]:
    """Start the Graph API stand-in (``light``: bench/light_standin.py, else igbot's
    GraphStandIn); its port and the environment ``igbot serve`` needs to use it."""
    graph_port = free_port()
    argv = ([sys.executable, str(Path(__file__).with_name("light_standin.py")), str(graph_port),
             TOKEN] if light else [sys.executable, "-c", STANDIN, str(graph_port), ACCOUNT])
    standin = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    procs.append(standin)
    assert standin.stdout is not None and standin.stdout.readline().strip() == b"ready"
    server_env = {**env, "IGBOT_APP_SECRET": SECRET, "IGBOT_VERIFY_TOKEN": "v",
                  "IGBOT_ACCESS_TOKEN": TOKEN, "IGBOT_ACCOUNT_ID": ACCOUNT,
                  "IGBOT_GRAPH_URL": f"http://127.0.0.1:{graph_port}"}
    return graph_port, server_env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--reorder-window", type=float, default=None,
                        help="the server's --reorder-window (60: intake alone while posting)")
    parser.add_argument("--processing-processes", type=int, default=None, choices=(0, 1),
                        help="the server's --processing-processes (default: its own default)")
    parser.add_argument("--standin", choices=("light", "full"), default="light",
                        help="the Graph stand-in: light (bench/light_standin.py, asyncio) or "
                             "full (igbot.channel.GraphStandIn, http.server threads)")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs: list[subprocess.Popen[bytes]] = []
    try:
        baseline = measure_baseline(env, procs, args.posts, args.seconds, args.connections)
        graph_port, server_env = start_standin(env, procs, light=args.standin == "light")
        standin_pid = procs[-1].pid
        sends_per_second = direct_sends(graph_port, args.posts, args.workers)
        with tempfile.TemporaryDirectory() as tmp:
            bot_file = Path(tmp) / "bot.yml"
            bot_file.write_text(BOT)
            data = Path(tmp) / "data"
            port = free_port()
            server = subprocess.Popen(
                [sys.executable, "-m", "igbot.server", "serve", str(bot_file), "--port", str(port),
                 "--data-dir", str(data), "--workers", str(args.workers), "--send-rate", "0",
                 *(["--reorder-window", str(args.reorder_window)]
                   if args.reorder_window is not None else []),
                 *(["--processing-processes", str(args.processing_processes)]
                   if args.processing_processes is not None else [])],
                env=server_env, stderr=subprocess.PIPE)
            procs.append(server)
            wait_http(f"http://127.0.0.1:{port}/healthz", server)
            meter = CpuMeter({"stand-in": standin_pid, "intake": server.pid})
            cpu_before, posting = cpu_seconds(server.pid), time.monotonic()
            result = blast(port, args.posts, args.seconds, args.connections)
            posting_cpu = meter.mark()
            intake_us = 1e6 * (cpu_seconds(server.pid) - cpu_before) / max(1, result["acked"])
            started = time.monotonic()
            health: dict[str, int] = {}
            while time.monotonic() - started < 300:
                health = get_json(f"http://127.0.0.1:{port}/healthz")
                if health["processed"] >= result["acked"] and health["log_lines"] >= 2 * result["acked"]:
                    break
                time.sleep(0.2)
            drain = time.monotonic() - started
            drain_cpu = meter.mark()
            end_to_end = result["acked"] / (time.monotonic() - posting)
            server_cpu = sum(posting_cpu[k] + drain_cpu[k] for k in ("intake", "processing"))
            cpu_ms = 1000 * server_cpu / max(1, result["acked"])
            lines = [json.loads(x) for x in (data / "log.jsonl").read_text().splitlines()]
            incoming = {r["mid"] for r in lines if r["direction"] == "in"}
            replies = sum(1 for r in lines if r["role"] == "bot" and r["kind"] == "text")
            server.terminate()
            server.wait(30)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    lost = result["acked"] - len(incoming)
    print(f"baseline (bare ASGI app, same client): {baseline['per_second']:.0f} posts/s, "
          f"p50 {baseline['p50_ms']:.1f} ms, p99 {baseline['p99_ms']:.1f} ms")
    print(f"igbot serve: {result['acked']:.0f}/{result['sent']:.0f} acknowledged in "
          f"{result['seconds']:.2f} s = {result['per_second']:.0f} posts/s "
          f"({result['per_second'] / baseline['per_second']:.2f} x baseline), "
          f"time to 200 p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms; "
          f"intake process CPU while posting {intake_us:.0f} µs a post")
    print(f"CPU while posting ({result['seconds']:.1f} s): {cpu_text(posting_cpu, result['seconds'])}")
    print(f"CPU while draining ({drain:.1f} s): {cpu_text(drain_cpu, drain)}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"inbox: {health.get('stored')} bodies in {health.get('inbox_commits')} commits "
          f"(group commit: {health.get('stored', 0) / max(1, health.get('inbox_commits', 1)):.1f} per fsync)")
    print(f"processing: all {health.get('processed')} events and {replies} replies done "
          f"{drain:.1f} s after the last ack; logged incoming {len(incoming)}, lost {lost}")
    print(f"end to end: {end_to_end:.0f} events/s = {end_to_end / sends_per_second:.2f} x the "
          f"bare Send API calls ({sends_per_second:.0f}/s to the same stand-in, "
          f"{args.workers} threads); server CPU (intake + processing) {cpu_ms:.2f} ms per event")
    return 0 if lost == 0 and replies >= result["acked"] else 1


if __name__ == "__main__":
    sys.exit(main())
