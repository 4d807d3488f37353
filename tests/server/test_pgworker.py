"""Several ``igbot serve`` processes on one PostgreSQL database: order, exactly-once, kill -9."""

from __future__ import annotations

import collections
import itertools
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from igbot.channel import GraphStandIn
from igbot.server import ServerRunner

from ._support import BOT_YAML, bot, config, env, post, text_body, texts_to, wait_for

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Worker:
    """One ``igbot serve --database`` subprocess on a fixed port."""

    def __init__(self, bot_file: Path, url: str, data: Path, standin: GraphStandIn) -> None:
        self.bot_file, self.url, self.data, self.standin = bot_file, url, data, standin
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.errors = b""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Worker:
        environ = {**os.environ, **env(self.standin, self.data), "PYTHONPATH": str(ROOT),
                   "IGBOT_DATABASE_URL": self.url}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "igbot.server", "serve", str(self.bot_file), "--port",
             str(self.port), "--data-dir", str(self.data), "--workers", "2", "--send-rate", "0"],
            env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        proc = self.proc

        def up() -> bool:
            try:
                return httpx.get(self.base + "/healthz", timeout=1).json().get("status") == "ok"
            except httpx.HTTPError:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
                return False

        wait_for(up, timeout=30, interval=0.05)
        return self

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                _, err = self.proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                _, err = self.proc.communicate()
            self.errors += err
            self.proc = None


def _query(url: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchall()  # type: ignore[arg-type]


def test_three_workers_killed_in_turn_lose_nothing_and_keep_order(
        standin: GraphStandIn, database_url: str, tmp_path: Path) -> None:
    bot_file = tmp_path / "bot.yml"
    bot_file.write_text(BOT_YAML)
    workers = [Worker(bot_file, database_url, tmp_path / f"w{i}", standin) for i in range(3)]
    for w in workers:
        w.start()
    users = 6
    acked: dict[str, list[str]] = collections.defaultdict(list)
    refused = collections.Counter[str]()
    lock = threading.Lock()
    alive = [True, True, True]
    stop = threading.Event()
    t0 = int(time.time() * 1000)

    def talk(user: str) -> None:
        rng = random.Random(user)
        with httpx.Client(timeout=5) as client:
            n = 0
            while not stop.is_set():
                text = f"{user}-n{n:04d}"
                body = text_body(user, text, f"mid-{text}", ts=t0 + n * 10)
                while True:  # like Meta: retry (on any worker) until a 200
                    i = rng.choice([k for k in range(3) if alive[k]])
                    try:
                        code = post(client, workers[i].base, body).status_code
                        if code == 200:
                            break
                        why = str(code)
                    except httpx.HTTPError as exc:
                        why = type(exc).__name__
                    with lock:
                        refused[why] += 1
                    time.sleep(0.01)
                with lock:
                    acked[user].append(text)
                n += 1
                time.sleep(rng.uniform(0.2, 0.8))  # a person types

    def total() -> int:
        with lock:
            return sum(map(len, acked.values()))

    threads = [threading.Thread(target=talk, args=(f"u{k:02d}",)) for k in range(users)]
    started = time.monotonic()
    for t in threads:
        t.start()
    try:
        for i, w in enumerate(workers):  # kill -9 each in turn, under load, and restart it
            target = total() + 20
            wait_for(lambda target=target: total() >= target, timeout=30, interval=0.005)
            alive[i] = False
            w.kill()
            w.start()
            alive[i] = True
        target = total() + 20
        wait_for(lambda: total() >= target, timeout=30, interval=0.005)
        stop.set()
        for t in threads:
            t.join(30)
        posted = time.monotonic() - started

        def settled() -> bool:
            rows = _query(database_url, "SELECT (SELECT count(*) FROM igbot_inbox WHERE NOT "
                          "routed) + (SELECT count(*) FROM igbot_pending) + (SELECT count(*) "
                          "FROM igbot_outbox WHERE state IN ('pending', 'sending'))")
            return rows[0][0] == 0

        wait_for(settled, timeout=30, interval=0.05)
        drained = time.monotonic() - started
    finally:
        stop.set()
        for w in workers:
            w.stop()
    elapsed = time.monotonic() - started
    server_log = b"".join(w.errors for w in workers).decode(errors="replace")[-3000:]

    # 0 acknowledged events lost, each logged once, in the order each person wrote them
    lines = [json.loads(r[0]) for r in _query(database_url, "SELECT line FROM igbot_log ORDER BY seq")]
    incoming: dict[str, list[str]] = collections.defaultdict(list)
    for line in lines:
        if line["direction"] == "in":
            incoming[line["conversation_id"]].append(line["text"])
    assert incoming == acked, server_log
    # replies: one per event, in order, except sends that were on the wire at a kill
    repeated = _query(database_url, "SELECT coalesce(sum(attempts - 1), 0) FROM igbot_outbox")[0][0]
    counts = collections.Counter(b["message"]["text"] for b in standin.sent())
    doubled = sum(n - 1 for n in counts.values() if n > 1)
    inversions = 0
    for user, said in acked.items():
        replies = list(dict.fromkeys(texts_to(standin, user)))  # a repeated send keeps its place
        assert replies == [f"Hi! You said: {t}" for t in said], user
        seen = texts_to(standin, user)
        inversions += sum(1 for a, b in itertools.pairwise(seen) if b < a)
    assert doubled <= repeated, (doubled, repeated)
    assert inversions == 0
    # session counters: one turn per message, whichever worker ran it
    versions = dict(_query(database_url, 'SELECT "user", version FROM igbot_sessions'))
    assert versions == {u: len(said) for u, said in acked.items()}
    print(f"\n3 workers, 3 kill -9: {total()} events posted in {posted:.1f} s, all processed "
          f"at {drained:.1f} s, stopped at {elapsed:.1f} s: 0 lost, "
          f"{doubled} answered twice ({repeated} sends were on the wire at a kill), "
          f"0 inversions; posts refused while a worker was down: {dict(refused)}")
    assert elapsed < 90  # kept bounded: three restarts (~2 s each when the machine is idle)


def test_the_schema_is_checked_and_upgraded(database_url: str, standin: GraphStandIn,
                                            tmp_path: Path) -> None:
    from igbot.server._postgres import LATEST, DatabaseError, schema_version, upgrade

    assert schema_version(database_url) == LATEST
    assert upgrade(database_url) == (LATEST, LATEST)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DELETE FROM igbot_schema")
    with pytest.raises(DatabaseError, match="igbot db upgrade"):
        ServerRunner(bot(), config(standin, tmp_path, database=database_url))


def test_a_nul_in_an_id_does_not_stop_the_routing(standin: GraphStandIn, database_url: str, tmp_path: Path) -> None:
    with ServerRunner(bot(), config(standin, tmp_path, database=database_url)) as runner, \
            httpx.Client(timeout=10) as client:
        assert post(client, runner.url, text_body("n\x00ul", "hi", "m-\x00")).status_code == 200
        assert post(client, runner.url, text_body("fine", "hello", "m-ok")).status_code == 200
        assert runner.server.wait_idle(20)
        assert texts_to(standin, "fine") == ["Hi! You said: hello"]
        # the odd one is answered or kept as a dead letter with its reason, never stuck
        assert runner.server.pool.outstanding() == 0


def test_a_body_the_database_refuses_becomes_a_dead_letter(standin: GraphStandIn, database_url: str, tmp_path: Path) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:  # stands in for any value PostgreSQL refuses
        conn.execute("ALTER TABLE igbot_pending ADD CONSTRAINT test_refuse CHECK (conversation <> 'poison')")
    with ServerRunner(bot(), config(standin, tmp_path, database=database_url)) as runner:
        runner.server.inbox.stop()  # both bodies land in one routing batch
        runner.server.inbox.append_now(text_body("poison", "boom", "m-poison"))
        runner.server.inbox.append_now(text_body("fine", "hello", "m-fine"))
        wait_for(lambda: texts_to(standin, "fine"), timeout=20)
        (dead,) = runner.server.db.dead_letters()
        assert dead["inbox_id"] == 1 and "database refused it" in dead["reason"]
        assert "test_refuse" in dead["reason"]
        # the reply reached the stand-in a moment before its outbox row was marked sent
        wait_for(lambda: runner.server.pool.outstanding() == 0, timeout=20)
