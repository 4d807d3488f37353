"""``replay``: feed what people said in a log through a bot, one fresh session per session.

Each session of the log (``session_id``; a log without one is cut with
:func:`igbot.analytics.sessionize`) goes through an engine with an in-memory store and no
network: the person's messages (``direction`` in, ``role`` user) are rebuilt as Kata messages
(:func:`~igbot.replay.kata_message`) and handled in time order; a logged ``resolve`` (an agent
gave the thread back) resumes the bot. ``api`` actions are answered by ``api=``: a callable
``(ApiCall) -> result`` or a dict ``url prefix -> response``. Text variants are drawn from a
generator seeded per session, so a replay gives the same answers serially or in processes.

Sessions are independent: with many of them the work is split in chunks of whole sessions over
a :class:`concurrent.futures.ProcessPoolExecutor`; a tqdm bar counts sessions.
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from igbot.analytics import COLUMNS, conform_categories, load, sessionize
from igbot.engine import ApiCall, Classifier, Engine, MemoryStore, MessageEvent
from igbot.kataml import Bot, load_bot
from igbot.replay._coverage import Hits, count_hits
from igbot.replay._messages import SKIP_KINDS, kata_message, make_api, reply_text
from igbot.replay._result import MESSAGE_COLUMNS, SESSION_COLUMNS, ReplayResult

__all__ = ["PARALLEL_MIN_SESSIONS", "prepare_sessions", "replay", "replay_messages"]

logger = logging.getLogger(__name__)

PARALLEL_MIN_SESSIONS = 3000  # below this, starting processes costs more than it saves
_CHUNK = 1000

# One replay task: (session_id, conversation_id, [event, ...]); an event is
# (ts_ns, kind, text, payload, mid, logged_flow, logged_state, logged_intent, logged_fallback)
# or (ts_ns, "resolve") for an agent giving the thread back.
SessionTask = tuple[str, str, list[tuple[Any, ...]]]


def _column(df: pd.DataFrame, name: str) -> list[Any]:
    if name not in df.columns:
        return [None] * len(df)
    return [None if v is pd.NA or (isinstance(v, float) and v != v) else v
            for v in df[name].astype(object).tolist()]


def _sessionized(df: pd.DataFrame, gap: str | float) -> pd.DataFrame:
    df = df.copy()
    for name in COLUMNS:
        if name not in df.columns:
            df[name] = None
    df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True)
    return sessionize(conform_categories(df), gap)


def prepare_sessions(log: pd.DataFrame, gap: str | float = "30min") -> list[SessionTask]:
    """The log's sessions as replay tasks, in order of their first event.

    A frame whose ``session_id`` is missing (or has gaps) is sessionised with ``gap``.
    """
    if log.empty:
        return []
    if "session_id" not in log.columns or log["session_id"].isna().any():
        log = _sessionized(log, gap)
    sessions = [str(s) for s in _column(log, "session_id")]
    ts = pd.to_datetime(log["timestamp"], utc=True).astype("datetime64[ns, UTC]").array.asi8
    first: dict[str, int] = {}
    for i, s in enumerate(sessions):
        first.setdefault(s, i)
    rank = np.fromiter((first[s] for s in sessions), dtype=np.int64, count=len(sessions))
    order = np.lexsort((np.arange(len(sessions)), ts, rank))
    cols = {name: _column(log, name) for name in (
        "conversation_id", "direction", "role", "kind", "text", "payload", "mid", "flow",
        "state", "intent", "is_fallback")}
    tasks: list[SessionTask] = []
    current: str | None = None
    conversation = ""
    events: list[tuple[Any, ...]] = []
    for i in order.tolist():
        session = sessions[i]
        if session != current:
            if current is not None:
                tasks.append((current, conversation, events))
            current, conversation, events = session, str(cols["conversation_id"][i]), []
        kind = str(cols["kind"][i])
        if cols["direction"][i] == "in" and cols["role"][i] == "user" and kind not in SKIP_KINDS:
            events.append((int(ts[i]), kind, cols["text"][i], cols["payload"][i], cols["mid"][i],
                           cols["flow"][i], cols["state"][i], cols["intent"][i],
                           cols["is_fallback"][i]))
        elif kind == "resolve":
            events.append((int(ts[i]), "resolve"))
    if current is not None:
        tasks.append((current, conversation, events))
    return tasks


# -- running sessions (in this process or a worker) ------------------------------------------

_WORKER: dict[str, Any] = {}


def _make_engine(bot: Bot, api: Any, classifier: Classifier | None) -> Engine:
    return Engine(bot, MemoryStore(), api=make_api(api), classifier=classifier, seed=0)


def _init_worker(bot: Bot, api: Any, classifier: Classifier | None, seed: int) -> None:
    _WORKER["engine"] = _make_engine(bot, api, classifier)
    _WORKER["seed"] = seed


def _run_session(engine: Engine, seed: int, task: SessionTask, rows: list[tuple[Any, ...]],
                 outcomes: list[tuple[Any, ...]], hits: Hits) -> None:
    session_id, conversation, events = task
    user = f"replay:{session_id}"
    engine.actions.rng.seed(f"{seed}:{session_id}")
    index = fallbacks = errors = 0
    handover_at: int | None = None
    end_reached = False
    last_flow = last_state = None
    fallback_flows = {name for name, flow in engine.bot.flows.items() if flow.fallback}
    for event in events:
        if event[1] == "resolve":
            count_hits(hits, engine.resume(user).records)
            continue
        ts, kind, text, payload, mid, l_flow, l_state, l_intent, l_fallback = event
        message = kata_message(kind, text, payload, {
            "channelType": "instagram", "senderId": conversation, "mid": mid,
            "timestamp": ts // 1_000_000, "kind": kind})
        if message is None:
            continue
        turn = engine.handle_event(MessageEvent(message, user)).turn
        count_hits(hits, turn.records)
        first = turn.records[0]
        handover = any(r.handover for r in turn.records)
        ended = any(r.flow_ended for r in turn.records)
        problems = [e for r in turn.records for e in r.errors]
        path = " > ".join(f"{r.flow}/{r.state}" for r in turn.records if r.flow)
        actions = ",".join(a.name for r in turn.records for a in r.actions
                           if a.status in ("ok", "substituted"))
        replies = sum(1 for q in turn.requests if q.endpoint == "messages")
        rows.append((
            session_id, conversation, index, ts, kind, text, first.flow, first.state,
            first.intent, first.is_fallback, first.transition, handover, first.agent_owned,
            ended, actions, reply_text(turn.requests), replies, path, "; ".join(problems),
            l_flow, l_state, l_intent, l_fallback,
        ))
        fallbacks += bool(first.is_fallback)
        errors += len(problems)
        end_reached = end_reached or any(r.flow_ended and r.flow not in fallback_flows
                                         for r in turn.records)
        if handover and handover_at is None:
            handover_at = index
        for r in reversed(turn.records):
            if r.flow is not None:
                last_flow, last_state = r.flow, r.state
                break
        index += 1
    outcomes.append((session_id, conversation, index, fallbacks, fallbacks > 0,
                     handover_at is not None, handover_at, end_reached, last_flow, last_state,
                     errors))
    engine.reset(user)


def _run_chunk(tasks: Sequence[SessionTask], engine: Engine | None = None,
               seed: int | None = None) -> tuple[list[Any], list[Any], Counter[Any]]:
    engine = engine or _WORKER["engine"]
    seed = _WORKER.get("seed", 0) if seed is None else seed
    rows: list[tuple[Any, ...]] = []
    outcomes: list[tuple[Any, ...]] = []
    hits: Hits = Counter()
    for task in tasks:
        _run_session(engine, seed, task, rows, outcomes, hits)
    return rows, outcomes, hits


def _chunks(tasks: list[SessionTask], size: int) -> list[list[SessionTask]]:
    return [tasks[i:i + size] for i in range(0, len(tasks), size)]


def replay_messages(bot: Bot, tasks: list[SessionTask], *,
                    api: Callable[[ApiCall], Any] | Mapping[str, Any] | None = None,
                    classifier: Classifier | None = None, seed: int = 0,
                    workers: int | None = None, progress: bool | None = None,
                    chunk_size: int = _CHUNK) -> tuple[list[Any], list[Any], Counter[Any]]:
    """Run prepared sessions; returns (message rows, session outcomes, hit counts)."""
    from tqdm.auto import tqdm  # in a notebook its bar brings ipywidgets: loaded when replaying

    if workers is None:
        workers = min(2, os.cpu_count() or 1) if len(tasks) >= PARALLEL_MIN_SESSIONS else 1
    rows: list[Any] = []
    outcomes: list[Any] = []
    hits: Counter[Any] = Counter()
    bar = tqdm(total=len(tasks), unit=" sessions", desc=f"replay {bot.name}",
               disable=None if progress is None else not progress)
    try:
        if workers <= 1 or len(tasks) <= chunk_size:
            engine = _make_engine(bot, api, classifier)
            for chunk in _chunks(tasks, max(1, min(chunk_size, 200))):
                r, o, h = _run_chunk(chunk, engine, seed)
                rows += r
                outcomes += o
                hits.update(h)
                bar.update(len(chunk))
            engine.close()
        else:
            with ProcessPoolExecutor(workers, initializer=_init_worker,
                                     initargs=(bot, api, classifier, seed)) as pool:
                chunks = _chunks(tasks, chunk_size)
                for chunk, (r, o, h) in zip(chunks, pool.map(_run_chunk, chunks), strict=True):
                    rows += r
                    outcomes += o
                    hits.update(h)
                    bar.update(len(chunk))
    finally:
        bar.close()
    return rows, outcomes, hits


def _load_log(log: pd.DataFrame | str | Path | Iterable[str | Path]) -> pd.DataFrame:
    if isinstance(log, pd.DataFrame):
        return log
    paths = [log] if isinstance(log, str | Path) else list(log)
    return load(paths)


def replay(bot: Bot | str | Path, log: pd.DataFrame | str | Path | Iterable[str | Path], *,
           api: Callable[[ApiCall], Any] | Mapping[str, Any] | None = None,
           classifier: Classifier | None = None, seed: int = 0, gap: str | float = "30min",
           workers: int | None = None, progress: bool | None = None,
           chunk_size: int = _CHUNK) -> ReplayResult:
    """Replay every session of a conversation log through ``bot``.

    Args:
        bot: a loaded bot or a path to one.
        log: a canonical event frame (:func:`igbot.analytics.load`), or paths to load.
        api: answers ``api`` actions: ``(ApiCall) -> result``, or a dict ``url prefix ->
            response`` (a value, or a callable taking the call). Default: every call gives
            null. Nothing is ever sent.
        classifier: the cloud-NLU stand-in, as for :class:`~igbot.engine.Engine`.
        seed: seeds text-variant choice (per session, so results do not depend on ``workers``).
        gap: the session gap used when the log has no ``session_id``.
        workers: processes; ``None`` picks 2 (at most the CPU count) from
            :data:`PARALLEL_MIN_SESSIONS` sessions on, else 1. ``api``/``classifier`` must
            pickle when ``workers > 1``.
        progress: show a tqdm bar (``None``: only on a terminal or notebook).

    Returns:
        A :class:`ReplayResult` (``.messages``, ``.sessions``, ``.hits``).
    """
    started = time.perf_counter()
    bot = bot if isinstance(bot, Bot) else load_bot(bot)
    tasks = prepare_sessions(_load_log(log), gap)
    rows, outcomes, hits = replay_messages(bot, tasks, api=api, classifier=classifier, seed=seed,
                                           workers=workers, progress=progress,
                                           chunk_size=chunk_size)
    messages = pd.DataFrame.from_records(rows, columns=list(MESSAGE_COLUMNS))
    sessions = pd.DataFrame.from_records(outcomes, columns=list(SESSION_COLUMNS))
    hit_frame = pd.DataFrame([(k, f, n, c) for (k, f, n), c in sorted(hits.items())],
                             columns=["kind", "flow", "name", "count"])
    return ReplayResult(bot, messages, sessions, hit_frame,
                        elapsed=time.perf_counter() - started)
