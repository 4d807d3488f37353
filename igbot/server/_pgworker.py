"""Processing stored webhooks from PostgreSQL, with other ``igbot serve`` processes alongside.

- **Routing** (one thread per server): takes unrouted inbox rows in id order (``FOR UPDATE
  SKIP LOCKED``, under a transaction-scoped advisory lock so only one server routes at a time and
  the order of arrival is kept), splits each body into events and puts them in
  ``igbot_pending`` (a body that is not a webhook goes to the dead letters), in the same
  transaction that marks the row routed.
- **Workers** (``config.workers`` threads per server): each claims a whole conversation with a
  session-level advisory lock (``pg_try_advisory_lock``) on its own connection, then processes
  the conversation's pending events in timestamp order (an event waits ``reorder_window``
  seconds after routing, by the database's clock, for an earlier-timestamped one in a later
  body), each event's effects and the removal of
  its pending row committed in one transaction (the dedupe key makes a second commit
  impossible), then sends its requests. One conversation is thus handled by one worker of one
  server at a time.
- **A worker that dies** (``kill -9``, a lost host) loses its connection; PostgreSQL ends the
  session and releases its locks (over the network, TCP keepalives bound how long that takes).
  The conversation's pending events are claimed by another worker; requests left ``pending``
  or ``sending`` are sent by the next worker to claim the conversation: a ``sending`` one may
  have left already, so it can reach the person twice (``igbot_outbox.attempts`` counts it).
- A server's inbox commit wakes its own router in the process (whichever server routes takes
  every server's rows, and a router that finds another routing tries again 10 ms later);
  routers poll every 200 ms regardless (one look for unrouted rows, then a pass if any). With
  a reorder window a router waits a little (a twentieth of the window, at most 50 ms) before a
  pass, so one pass takes several commits. An idle worker sleeps until the oldest pending
  event leaves the reorder window (at most 200 ms; the first idle worker of a server asks, the
  others sleep as long); without a window the router's ``NOTIFY igbot_work`` after routing
  wakes the workers of every server.
- A server's workers share one list of claimable conversations (one query for many claims):
  each takes the next one none of them holds.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import psycopg

from igbot._errors import IgbotError
from igbot.channel import GraphClient, SendPolicy
from igbot.models import read_webhook
from igbot.server._config import ServerConfig
from igbot.server._postgres import NOTIFY_CHANNEL, PgInbox, PgState, bind
from igbot.server._state import OutboxRow, ServerStore
from igbot.server._worker import _EventItem, _Worker, unreadable_reason

__all__ = ["PgWorkerPool"]

logger = logging.getLogger(__name__)

_ROUTE_LOCK = 0x16B0_7E0
_ROUTE_BATCH = 500
_CLAIM_SCAN = 200
_DRAIN_BATCH = 50
_POLL = 0.2
_GATHER = 0.05
_MIN_NAP = 0.005
_LOCK = "hashtextextended(%s, 0)"
_ROUTED = """
WITH p AS (
  INSERT INTO igbot_pending (inbox_id, idx, conversation, ts, key)
  SELECT (x->>0)::bigint, (x->>1)::integer, x->>2, (x->>3)::bigint, x->>4
  FROM json_array_elements(%s::json) AS g(x) ON CONFLICT DO NOTHING)
UPDATE igbot_inbox SET routed = true WHERE id = ANY(%s::text::bigint[])
"""
"""A batch's events (a JSON array of ``[inbox_id, idx, conversation, ts, key]``) and its
inbox rows marked routed: one statement (an ``executemany`` dumped every value in Python)."""


def _text(value: str) -> str:
    """``value`` as PostgreSQL text can hold it (no NUL character): one bad id must not stop
    the routing of a whole batch."""
    return value.replace("\x00", "\ufffd")


class _Wake:
    """A generation counter threads wait on; bumped by NOTIFY and local progress."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._gen = 0

    def bump(self) -> None:
        with self._cond:
            self._gen += 1
            self._cond.notify_all()

    def generation(self) -> int:
        with self._cond:
            return self._gen

    def wait(self, seen: int, timeout: float) -> None:
        with self._cond:
            if self._gen == seen:
                self._cond.wait(timeout)


class PgWorkerPool:
    """The router, the workers and the listener of one server on PostgreSQL (see above)."""

    def __init__(self, config: ServerConfig, bot: Any, db: PgState, inbox: PgInbox,
                 client: GraphClient, policy: SendPolicy) -> None:
        self.config, self.bot, self.db, self.inbox = config, bot, db, inbox
        self.client, self.policy = client, policy
        self.store = ServerStore(db)
        self.size = config.workers
        self.url = db.url
        self._stop = threading.Event()
        self._wake = _Wake()
        self._threads: list[threading.Thread] = []
        self._calls: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self.dispatched = 0
        self.processed = 0
        self.dead = 0
        self.resent = 0
        self.window = float(config.reorder_window)
        # with a reorder window nothing routed is claimable for ``window`` s: a short wait before
        # routing lets one pass take several inbox commits (of every server) at once
        self._gather = min(_GATHER, self.window / 20) if self.window > 0 else 0.0
        self.reorder_overflowed = 0  # no cap here: held events wait in the database
        self._candidates: dict[str, bool] = {}  # claimable conversations (see _claim), in order
        self._held: set[str] = set()  # the conversations this server's workers hold
        self._quiet_until = 0.0  # time.monotonic() before which nothing pending is due

    def __repr__(self) -> str:
        return f"PgWorkerPool(workers={self.size}, db={self.db!r})"

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> PgWorkerPool:
        """Start the listener, the router, the workers and the API thread."""
        self._stop.clear()
        targets: list[tuple[str, Callable[..., None], tuple[Any, ...]]] = [
            ("igbot-listen", self._listen, ()), ("igbot-route", self._router, ()),
            ("igbot-api", self._api, ())]
        targets += [(f"igbot-worker-{i}", self._worker, (i,)) for i in range(self.size)]
        self._threads = [threading.Thread(target=fn, args=args, name=name, daemon=True)
                         for name, fn, args in targets]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the conversation each worker is on (the rest stays pending)."""
        self._stop.set()
        self._wake.bump()
        self._calls.put(None)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.1, deadline - time.monotonic()))
        self._threads = []

    def wake(self, last_id: int) -> None:
        """Wake the router: the inbox committed a batch (up to ``last_id``) in this process."""
        self._wake.bump()

    def call(self, conversation: str, fn: Callable[[_Worker], Any]) -> Future[Any]:
        """Run ``fn(worker)`` holding the conversation's lock (in order with its events)."""
        future: Future[Any] = Future()
        self._calls.put((conversation, fn, future))
        return future

    @property
    def held(self) -> int:
        """Events still inside the reorder window (all servers)."""
        rows = self.db.query("SELECT count(*) FROM igbot_pending WHERE routed_at > "
                             "clock_timestamp() - make_interval(secs => %s)", (self.window,))
        return int(rows[0][0])

    def outstanding(self) -> int:
        """Events and bodies not yet processed, and requests not yet sent (all servers)."""
        rows = self.db.query(
            "SELECT (SELECT count(*) FROM igbot_inbox WHERE NOT routed) + "
            "(SELECT count(*) FROM igbot_pending) + (SELECT count(*) FROM igbot_outbox "
            "WHERE state IN ('pending', 'sending'))")
        return int(rows[0][0])

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until nothing is outstanding (tests, benchmarks, shutdown)."""
        deadline = time.monotonic() + timeout
        while self.outstanding():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def _connect(self) -> psycopg.Connection[Any]:
        """A connection of the thread's own (its locks are its session's); its commits do not
        wait for the WAL flush, as the pool's do not (see :class:`PgState`)."""
        return psycopg.connect(self.url, autocommit=True, connect_timeout=10, keepalives=1,
                               keepalives_idle=10, keepalives_interval=5, keepalives_count=3,
                               options="-c synchronous_commit=off")

    # -- listener --------------------------------------------------------------------------

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                with self._connect() as conn:
                    conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    while not self._stop.is_set():
                        for _note in conn.notifies(timeout=0.5, stop_after=1):
                            self._wake.bump()
            except psycopg.Error as exc:
                logger.warning("listening for work failed (%s): polling meanwhile",
                               type(exc).__name__)
                self._stop.wait(1.0)

    # -- router ----------------------------------------------------------------------------

    def _router(self) -> None:
        woken = True
        while not self._stop.is_set():
            seen = self._wake.generation()
            try:
                # polled, not woken: one cheap look first (a routing pass is four statements)
                routed = self.route_once() if woken or self._unrouted() else 0
            except Exception:
                logger.exception("routing inbox entries failed")
                routed = 0
            woken = True
            if routed is None:  # another server is routing right now
                self._stop.wait(0.01)
            elif routed == 0:
                self._wake.wait(seen, _POLL)
                woken = self._wake.generation() != seen
                if woken and self._gather:  # let the next few inbox commits join this pass
                    self._stop.wait(self._gather)

    def _unrouted(self) -> bool:
        """Whether any server's inbox holds a body not yet routed."""
        return bool(self.db.query("SELECT EXISTS (SELECT 1 FROM igbot_inbox WHERE NOT routed)")[0][0])

    def route_once(self) -> int | None:
        """Route one batch of inbox rows; how many (None: another server holds the lock).

        A batch the database refuses (a value it cannot store) is routed again one row at a
        time, and the row it refuses becomes a dead letter with the reason: nothing is stuck.
        """
        try:
            return self._route(_ROUTE_BATCH)
        except psycopg.OperationalError:
            raise
        except psycopg.Error as exc:
            logger.warning("routing a batch failed (%s): routing one body at a time",
                           type(exc).__name__)
        try:
            return self._route(1)
        except psycopg.OperationalError:
            raise
        except psycopg.Error as exc:
            reason = f"the database refused it: {type(exc).__name__}: {str(exc)[:300]}"
        with self.db.transaction() as conn:
            got = conn.execute("SELECT pg_try_advisory_xact_lock(%s)", (_ROUTE_LOCK,)).fetchone()
            if not got or not got[0]:
                return None
            row = conn.execute("SELECT id, received_at, body FROM igbot_inbox WHERE NOT routed "
                               "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED").fetchone()
            if row is None:
                return 0
            logger.warning("inbox entry %d (dead letter): %s", row[0], reason)
            self.db.dead_letter_in(conn, row[0], row[1], reason, bytes(row[2]))
            conn.execute("UPDATE igbot_inbox SET routed = true WHERE id = %s", (row[0],))
        with self._lock:
            self.dead += 1
        return 1

    def _route(self, limit: int) -> int | None:
        with self.db.transaction() as conn:
            got = conn.execute("SELECT pg_try_advisory_xact_lock(%s)", (_ROUTE_LOCK,)).fetchone()
            if not got or not got[0]:
                return None
            rows = conn.execute("SELECT id, received_at, body FROM igbot_inbox WHERE NOT routed "
                                "ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
                                (limit,)).fetchall()
            if not rows:
                return 0
            pending: list[tuple[int, int, str, int, str]] = []
            dead = 0
            for inbox_id, received_at, raw in rows:
                body = bytes(raw)
                try:
                    events = read_webhook(body)
                    reason = unreadable_reason(events)
                except (IgbotError, RecursionError) as exc:
                    reason = str(exc) if isinstance(exc, IgbotError) else "body nested too deeply"
                if reason is not None:
                    logger.warning("inbox entry %d is not a webhook (dead letter): %s",
                                   inbox_id, reason)
                    self.db.dead_letter_in(conn, inbox_id, received_at, reason, body)
                    dead += 1
                    continue
                for idx, event in enumerate(events):
                    conversation = event.person_id or f"inbox:{inbox_id}"
                    key = event.dedupe_key or f"inbox:{inbox_id}#{idx}"
                    pending.append((inbox_id, idx, _text(conversation), event.timestamp_ms,
                                    _text(key)))
            conn.execute(_ROUTED, (json.dumps(pending),
                                   "{" + ",".join(str(r[0]) for r in rows) + "}"))
            if pending and self.window <= 0:  # with a window the events are not claimable yet
                conn.execute(f"NOTIFY {NOTIFY_CHANNEL}")
        with self._lock:
            self.dispatched += len(pending)
            self.dead += dead
        self._wake.bump()
        return len(rows)

    # -- workers ---------------------------------------------------------------------------

    def _worker(self, index: int) -> None:
        worker = _Worker(self)  # type: ignore[arg-type]  # the same attributes as WorkerPool
        conn: psycopg.Connection[Any] | None = None
        try:
            while not self._stop.is_set():
                seen = self._wake.generation()
                try:
                    if conn is None or conn.closed:
                        conn = self._connect()
                    claimed = self._claim(conn)
                    if claimed is None:
                        self._idle(conn, seen)
                        continue
                    conversation, unsent = claimed
                    try:
                        with bind(conn, conversation):  # this worker's statements on its connection
                            self._drain(worker, conversation, unsent)
                    finally:
                        self.db.forget()
                        try:
                            conn.execute(f"SELECT pg_advisory_unlock({_LOCK})", (conversation,))
                        finally:
                            with self._lock:
                                self._held.discard(conversation)
                except psycopg.OperationalError as exc:
                    logger.warning("worker %d lost the database (%s); reconnecting", index,
                                   type(exc).__name__)
                    conn = None
                    self._stop.wait(0.5)
                except Exception:
                    logger.exception("worker %d failed", index)
                    self._stop.wait(0.1)
        finally:
            worker.close()
            if conn is not None:
                conn.close()

    def _idle(self, conn: psycopg.Connection[Any], seen: int) -> None:
        """Wait for work after a claim found none.

        With a reorder window an event routed now is claimable only ``window`` seconds later,
        so a NOTIFY (every inbox commit and routing of every server sends one) is no reason to
        look again: that woke every worker of every server to run the claim query for nothing,
        hundreds of times a second under load. The worker sleeps until the oldest pending event
        is due instead (at most the poll interval); without a window, NOTIFY wakes it. The
        first idle worker asks; the server's others sleep as long without asking (nor running
        the claim query), so an idle server polls once per interval, not once per worker.
        """
        if self.window <= 0:
            self._wake.wait(seen, _POLL)
            return
        with self._lock:
            quiet = self._quiet_until - time.monotonic()
        if quiet > 0:  # another worker of this server looked: nothing is due before then
            self._stop.wait(quiet)
            return
        row = conn.execute(
            "SELECT extract(epoch FROM routed_at + make_interval(secs => %s) - clock_timestamp()) "
            "FROM igbot_pending ORDER BY inbox_id, idx LIMIT 1", (self.window,)).fetchone()
        due = _POLL if row is None or row[0] is None else float(row[0])
        nap = min(_POLL, max(_MIN_NAP, due))
        with self._lock:
            self._quiet_until = time.monotonic() + nap
        self._stop.wait(nap)

    def _claim(self, conn: psycopg.Connection[Any]) -> tuple[str, bool] | None:
        """Lock a conversation with pending events or unsent requests: ``(its id, whether it
        has unsent requests)``, or None.

        One query lists up to ``_CLAIM_SCAN`` of them, oldest first, for all of this server's
        workers: each takes the next one no worker of this server holds, and the list is read
        again when it runs out (one query per conversation before). A conversation another
        server took meanwhile costs a lock that fails, or a drain that finds nothing.
        """
        for refill in (False, True):
            if refill:
                with self._lock:
                    if self.window > 0 and time.monotonic() < self._quiet_until:
                        return None  # nothing is due yet (see _idle)
                rows = conn.execute(
                    "(SELECT conversation, false FROM igbot_pending WHERE routed_at <= "
                    "clock_timestamp() - make_interval(secs => %s) ORDER BY inbox_id, idx "
                    "LIMIT %s) UNION ALL (SELECT conversation, true FROM igbot_outbox WHERE "
                    "state IN ('pending', 'sending') ORDER BY id LIMIT %s)",
                    (self.window, _CLAIM_SCAN, _CLAIM_SCAN)).fetchall()
                found: dict[str, bool] = {}
                for conversation, unsent in rows:
                    found[conversation] = found.get(conversation, False) or unsent
                with self._lock:
                    self._candidates = found
            while True:
                with self._lock:
                    conversation = next((c for c in self._candidates if c not in self._held),
                                        None)
                    if conversation is None:
                        break
                    unsent = self._candidates.pop(conversation)
                    self._held.add(conversation)
                got = None
                try:
                    got = conn.execute(f"SELECT pg_try_advisory_lock({_LOCK})",
                                       (conversation,)).fetchone()
                finally:
                    if not (got and got[0]):
                        with self._lock:
                            self._held.discard(conversation)
                if got and got[0]:
                    return str(conversation), unsent
        return None

    def _drain(self, worker: _Worker, conversation: str, unsent: bool = True) -> None:
        """Holding the conversation's lock: its leftover requests, then its events in order.

        Events routed while this runs are left to the next claim, so a short batch ends the
        turn without another query.
        """
        if unsent:
            for row in self.db.unsent(conversation):
                self._resend(worker, row)
        channel = worker.engine.channel
        while not self._stop.is_set():
            rows = self.db.query(
                "SELECT p.inbox_id, p.idx, p.key, i.body, EXISTS (SELECT 1 FROM igbot_events e "
                "WHERE e.key = p.key), s.body, (SELECT last_ts FROM igbot_policy_inbound "
                "WHERE person_id = p.conversation) FROM igbot_pending p JOIN igbot_inbox i "
                "ON i.id = p.inbox_id LEFT JOIN igbot_sessions s ON s.channel = %s AND "
                "s.\"user\" = p.conversation WHERE p.conversation = %s AND p.routed_at <= "
                "clock_timestamp() - make_interval(secs => %s) "
                "ORDER BY p.ts, p.inbox_id, p.idx LIMIT %s",
                (channel, conversation, self.window, _DRAIN_BATCH))
            if not rows:
                return
            # the conversation's session as stored now: the first event's engine reads it from
            # here, each next one the version the previous commit wrote; the person's last
            # inbound time for the send policy (see PgState.know)
            self.db.know(session=(channel, conversation, rows[0][5]),
                         inbound=(conversation, rows[0][6]))
            bodies: dict[int, list[Any]] = {}
            for inbox_id, idx, key, raw, seen, _session, _inbound in rows:
                if inbox_id not in bodies:
                    bodies[inbox_id] = read_webhook(bytes(raw))
                events = bodies[inbox_id]
                if idx < len(events) and not seen:
                    item = _EventItem(inbox_id, idx, key, events[idx], conversation)
                    self.inbox.yield_to_intake()  # answering Meta first (one interpreter lock)
                    self.db.know(key=key)
                    try:
                        worker.process(item)
                    except Exception:
                        logger.exception("event %s failed", key)
                if not self.db.removed_pending(inbox_id, idx):
                    self.db.done_pending(inbox_id, idx)
                with self._lock:
                    self.processed += 1
            if len(rows) < _DRAIN_BATCH:
                return

    def _resend(self, worker: _Worker, row: OutboxRow) -> None:
        if row.state == "sending":
            with self._lock:
                self.resent += 1
            logger.warning("request %d of %s was on the wire when its worker stopped: sending "
                           "it again", row.id, row.conversation)
        worker.send_row(row)

    # -- admin API calls -------------------------------------------------------------------

    def _api(self) -> None:
        worker = _Worker(self)  # type: ignore[arg-type]
        conn: psycopg.Connection[Any] | None = None
        try:
            while True:
                item = self._calls.get()
                if item is None:
                    return
                conversation, fn, future = item
                try:
                    if conn is None or conn.closed:
                        conn = self._connect()
                    conn.execute(f"SELECT pg_advisory_lock({_LOCK})", (conversation,))
                    try:
                        future.set_result(fn(worker))
                    finally:
                        conn.execute(f"SELECT pg_advisory_unlock({_LOCK})", (conversation,))
                except BaseException as exc:
                    if not future.done():
                        future.set_exception(exc)
                    if isinstance(exc, psycopg.OperationalError):
                        conn = None
        finally:
            worker.close()
            if conn is not None:
                conn.close()
