"""A webhook means the same on the server and in a notebook: every body of
``data/webhooks/all_kinds.jsonl`` and of the shared conformance corpus goes through a real server
on loopback and through ``Engine.handle_webhook``; the log rows of the events, the requests the
bot asked for and who owns each thread afterwards must agree.

The server handles an event exactly once (by its ``mid`` or dedupe key), and the corpus reuses ids
across files (restfb's Messenger fixtures share one ``mid``; Chatwoot's cases all say
``message-id-1``), so the bodies are split into runs in which no key repeats; each run gets a
fresh server and a fresh engine.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from igbot.channel import GraphStandIn
from igbot.engine import Engine, MemoryStore, Outcome
from igbot.models import parse_webhook
from igbot.server import ServerRunner
from igbot.server._postgres import PgState
from igbot.server._state import StateDB

from ._support import APP_ID, ROOT, Live, bot, config, wait_for

CORPUS = ROOT.parent / "shared" / "conformance" / "webhooks"
if not CORPUS.exists():
    CORPUS = Path("/work/shared/conformance/webhooks")
_COMPARED = ("direction", "role", "kind", "text", "payload", "flow", "state", "intent",
             "is_fallback", "mid")


def _bodies() -> list[tuple[str, bytes]]:
    out = []
    lines = (ROOT / "data" / "webhooks" / "all_kinds.jsonl").read_text(encoding="utf-8")
    for n, line in enumerate(lines.splitlines(), 1):
        if line.strip():
            out.append((f"all_kinds.jsonl:{n}", line.encode()))
    for line in (CORPUS / "chatwoot.jsonl").read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        out.append((f"chatwoot:{case['case']}", json.dumps(case["body"]).encode()))
    for item in json.loads((CORPUS / "public" / "index.json").read_text(encoding="utf-8")):
        out.append((item["file"], (CORPUS / "public" / item["file"]).read_bytes()))
    return out


def _runs(bodies: list[tuple[str, bytes]]) -> list[list[tuple[str, bytes]]]:
    """Bodies split so no event key repeats within a run (order kept within each run)."""
    runs: list[tuple[set[str], list[tuple[str, bytes]]]] = []
    for name, body in bodies:
        keys = {e.dedupe_key for e in parse_webhook(body) if e.dedupe_key}
        for seen, run in runs:
            if not keys & seen:
                seen.update(keys)
                run.append((name, body))
                break
        else:
            runs.append((keys, [(name, body)]))
    return [run for _seen, run in runs]


def _row(row: dict[str, Any]) -> dict[str, Any]:
    """What must agree of a row: everything but the time igbot wrote a system row, and the
    placeholder conversation the server gives an event without a person (``inbox:<n>``)."""
    out = {k: row[k] for k in _COMPARED}
    if row["role"] != "system":
        out["timestamp"] = row["timestamp"]
    if not row["conversation_id"].startswith(("inbox:", "comment:", "event:")):
        out["conversation_id"] = row["conversation_id"]
    return out


def _event_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The server's rows of the events themselves (not of its sends' outcomes)."""
    return [_row(r) for r in rows if r["direction"] == "in" or r["role"] == "agent"]


def _by_conversation(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Rows per conversation, in order (the server runs conversations side by side)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(row.get("conversation_id", ""), []).append(row)
    return out


def _by_recipient(requests: list[tuple[str, Any]]) -> dict[str, list[tuple[str, Any]]]:
    out: dict[str, list[tuple[str, Any]]] = {}
    for endpoint, body in requests:
        out.setdefault(json.dumps(body.get("recipient"), sort_keys=True), []).append(
            (endpoint, body))
    return out


def _requests(outcome: Outcome) -> list[tuple[str, Any]]:
    return [(r.endpoint, r.body) for r in outcome.requests]


def _people(bodies: list[tuple[str, bytes]]) -> set[str]:
    return {e.person_id for _n, b in bodies for e in parse_webhook(b) if e.person_id}


BODIES = _bodies()
RUNS = _runs(BODIES)


def test_the_corpus_is_all_there() -> None:
    assert len(BODIES) >= 90
    assert sum(map(len, RUNS)) == len(BODIES)


def _agree(bodies: list[tuple[str, bytes]], standin: GraphStandIn, data: Path,
           database: str | None) -> tuple[int, int]:
    """Run ``bodies`` through a fresh server and a fresh engine, comparing body by body;
    returns how many bodies the bot answered and how many threads ended up with people."""
    engine = Engine(bot(), MemoryStore(), app_id=APP_ID)
    runner = ServerRunner(bot(), config(standin, data, reorder_window=0.0,
                                        database=database)).start()
    live = Live(runner, standin, data)
    db = runner.server.db
    assert isinstance(db, StateDB | PgState)
    outbox = "outbox" if isinstance(db, StateDB) else "igbot_outbox"
    answered = agents = 0
    try:
        seen_rows = 0
        seen_requests = 0
        for name, body in bodies:
            dead_before = len(db.dead_letters())
            outcome = engine.handle_webhook(body)
            assert live.post(body).status_code == 200, name
            live.idle()
            if isinstance(db, StateDB):  # the log file is written by a thread: let it catch up
                wait_for(lambda: db.query("SELECT count(*) FROM logq")[0][0] == 0)
            rows = live.log()[seen_rows:]
            seen_rows += len(rows)
            stored = db.query(f"SELECT endpoint, body FROM {outbox} ORDER BY id")[seen_requests:]
            seen_requests += len(stored)
            if len(db.dead_letters()) > dead_before:  # nothing igbot can read: kept aside
                assert rows == [] and stored == [], name
                assert {r["kind"] for r in outcome.rows} <= {"unknown"}, name
                assert outcome.requests == [], name
                continue
            assert _by_conversation(_event_rows(rows)) == _by_conversation(
                [_row(r) for r in outcome.rows]), name
            assert _by_recipient([(e, json.loads(b)) for e, b in stored]) == _by_recipient(
                _requests(outcome)), name
            answered += bool(outcome.requests)
        for user in _people(bodies):
            on_server = db.get_session("instagram", user)
            in_engine = engine.session(user)
            assert (on_server is None) == (in_engine is None), user
            if on_server is not None and in_engine is not None:
                assert on_server.agent == in_engine.agent, user  # who owns the thread
                agents += bool(on_server.agent)
                assert (on_server.flow, on_server.state) == (in_engine.flow, in_engine.state)
    finally:
        live.http.close()
        runner.stop()
        engine.close()
    return answered, agents


@pytest.mark.parametrize("run", range(len(RUNS)))
def test_every_body_means_the_same_on_the_server_and_in_handle_webhook(
        run: int, standin: GraphStandIn, tmp_path: Path) -> None:
    answered, agents = _agree(RUNS[run], standin, tmp_path / "data", None)
    if run == 0:  # the first run holds most bodies: the bot spoke, threads went to people
        assert answered >= 10 and agents >= 1


def test_the_same_on_postgresql(standin: GraphStandIn, tmp_path: Path,
                                database_url: str) -> None:
    """The PostgreSQL workers run the same dispatcher: the largest run, once."""
    answered, agents = _agree(RUNS[0], standin, tmp_path / "data", database_url)
    assert answered >= 10 and agents >= 1
