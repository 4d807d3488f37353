"""Processing stored webhooks: one dispatcher, N worker threads, order kept per conversation.

The dispatcher parses each inbox entry (a body that is not a webhook, or holds nothing igbot
can read, goes to the dead letters with the reason), holds each event in a
:class:`~igbot.server._reorder.ReorderBuffer` for ``reorder_window`` seconds so one person's
messages that arrived in separate bodies are put back in time order, then puts it on the queue
of the worker its conversation hashes to, so one person's events are handled in order while
different people's run in parallel. A worker asks the engine what each event means
(:meth:`igbot.Engine.handle_event`: everything the server used to decide itself, standby, echoes,
deletions, thread control, is decided there, so a notebook agrees), puts the returned Outcome in a
:class:`~igbot.server._state.Unit` (outbox, log rows, redactions; its policy notes go to the
:class:`~igbot.channel.SendPolicy`), commits it (retrying on :class:`igbot.ConflictError`), then
sends the unit's requests in order through the Graph client and its policy.

After a crash, requests whose outcome is unknown (``sending``) wait up to ``echo_grace``
seconds for Meta's echo of that message (the dispatcher matches echoes to them) before being
sent again; everything not yet processed is processed.

An event whose effects cannot be stored (a bug, or a value SQLite refuses) is recorded as an
``error`` log line with the reason; if even that fails, its whole body becomes a dead letter.
Nothing is marked done silently.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from igbot._errors import ConflictError, IgbotError
from igbot.channel import GraphClient, GraphError, PolicyError, Role, SendPolicy
from igbot.engine import Engine, Turn
from igbot.models import OutboundRequest, read_webhook
from igbot.server._config import ServerConfig
from igbot.server._inbox import Inbox
from igbot.server._lines import dropped_line, outcome_lines, system_line
from igbot.server._reorder import ReorderBuffer
from igbot.server._state import OutboxRow, ServerStore, StateDB, Unit

__all__ = ["WorkerPool"]

logger = logging.getLogger(__name__)

MAX_CONFLICT_RETRIES = 5


@dataclass
class _EventItem:
    inbox_id: int
    idx: int
    key: str
    event: Any
    conversation: str


@dataclass
class _Doubt:
    row: OutboxRow
    text: str | None
    resolved: threading.Event = field(default_factory=threading.Event)


def unreadable_reason(events: list[Any]) -> str | None:
    """Why a parsed body holds nothing igbot can read (a dead letter), or None."""
    if all(event.kind == "unknown" for event in events):
        reasons = "; ".join(dict.fromkeys(getattr(e, "reason", "") or "unknown item"
                                          for e in events))
        return f"nothing igbot can read: {reasons}"[:2000]
    return None


class WorkerPool:
    """The dispatcher and the workers of one server (see the module docstring)."""

    def __init__(self, config: ServerConfig, bot: Any, db: StateDB, inbox: Inbox,
                 client: GraphClient, policy: SendPolicy) -> None:
        self.config, self.bot, self.db, self.inbox = config, bot, db, inbox
        self.client, self.policy = client, policy
        self.store = ServerStore(db)
        self.size = config.workers
        self._queues: list[queue.SimpleQueue[Any]] = [queue.SimpleQueue() for _ in range(self.size)]
        self._dispatch: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._remaining: dict[int, int] = {}
        self._bodies = 0  # submitted, not yet routed
        self._lock = threading.Lock()
        self._doubts: dict[str, list[_Doubt]] = defaultdict(list)
        self._recovery: list[list[OutboxRow]] = [[] for _ in range(self.size)]
        self._deadline = 0.0
        self.inbox_seen = 0  # the last inbox id the restart scan looked at
        self.dispatched = 0
        self.processed = 0
        self.dead = 0
        self._idle = threading.Condition(self._lock)
        self._reorder: ReorderBuffer[_EventItem] = ReorderBuffer(config.reorder_window,
                                                                 config.reorder_max)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> WorkerPool:
        """Queue unfinished work from before a restart, then start the threads."""
        self._deadline = time.monotonic() + self.config.echo_grace
        for row in self.db.unsent():
            self._recovery[self.slot(row.conversation)].append(row)
            if row.state == "sending":
                text = row.request.text if row.endpoint == "messages" else None
                self._doubts[row.conversation].append(_Doubt(row, text))
        pending = 0
        for entry in self.inbox.entries(skip=self._scanned):
            self.submit(*entry)
            pending += 1
        if pending or any(self._recovery):
            logger.warning("resuming after a restart: %d inbox entries, %d unsent requests",
                           pending, sum(map(len, self._recovery)))
        self._threads = [threading.Thread(target=self._dispatcher, name="igbot-dispatch",
                                          daemon=True)]
        self._threads += [threading.Thread(target=self._worker, args=(i,), daemon=True,
                                           name=f"igbot-worker-{i}") for i in range(self.size)]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Finish what is queued (up to ``timeout`` seconds) and stop the threads."""
        self._dispatch.put(None)
        deadline = time.monotonic() + timeout
        if self._threads:
            self._threads[0].join(timeout)
        for q in self._queues:
            q.put(None)
        for thread in self._threads[1:]:
            thread.join(max(0.1, deadline - time.monotonic()))
        self._threads = []

    @property
    def held(self) -> int:
        """Events waiting in the reorder buffer."""
        return len(self._reorder)

    @property
    def reorder_overflowed(self) -> int:
        """Events let go before their window ended because a conversation held too many."""
        return self._reorder.overflowed

    def _scanned(self, inbox_id: int) -> bool:
        """Whether a stored entry is done (remembering the last id the restart scan saw)."""
        self.inbox_seen = inbox_id
        return self.db.is_done(inbox_id)

    def slot(self, conversation: str) -> int:
        """The worker a conversation belongs to."""
        return zlib.crc32(conversation.encode()) % self.size

    def submit(self, inbox_id: int, received_at: float, body: bytes) -> None:
        """Hand a stored body to the dispatcher (called by the inbox after it is on disk)."""
        with self._lock:
            self._bodies += 1
        self._dispatch.put((inbox_id, received_at, body))

    def call(self, conversation: str, fn: Callable[[_Worker], Any]) -> Future[Any]:
        """Run ``fn(worker)`` on the conversation's worker, in order with its events."""
        future: Future[Any] = Future()
        self._queues[self.slot(conversation)].put((fn, future))
        return future

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every dispatched event is processed (tests, benchmarks, shutdown)."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._remaining or self._bodies:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(min(left, 0.05))
        return True

    # -- dispatcher ------------------------------------------------------------------------

    def _dispatcher(self) -> None:
        reorder = self._reorder
        while True:
            due = reorder.next_due()
            try:
                item: tuple[int, float, bytes] | None = self._dispatch.get(
                    timeout=None if due is None else max(0.0, due - time.monotonic()))
            except queue.Empty:  # only time to release held events
                self._enqueue(reorder.due())
                continue
            if item is None:
                self._enqueue(reorder.drain())
                return
            inbox_id, received_at, body = item
            self.inbox.yield_to_intake()
            try:
                self._route(inbox_id, received_at, body)
            except Exception as exc:  # a bug: keep the body with the reason, do not spin
                logger.exception("dispatching inbox entry %s failed", inbox_id)
                self._dead_letter_quietly(inbox_id, received_at, body, exc)
            finally:
                with self._idle:
                    self._bodies -= 1
                    self._idle.notify_all()
            self._enqueue(reorder.due())

    def _dead_letter_quietly(self, inbox_id: int, received_at: float, body: bytes,
                             exc: Exception) -> None:
        reason = f"could not be dispatched: {type(exc).__name__}: {_printable(str(exc))[:500]}"
        try:
            self.db.dead_letter(inbox_id, received_at, reason, body)
            self.dead += 1
        except Exception:  # the body stays in the inbox, undone: picked up again on restart
            logger.exception("inbox entry %d: the dead letter could not be written", inbox_id)

    def _enqueue(self, items: list[_EventItem]) -> None:
        for item in items:
            self._queues[self.slot(item.conversation)].put(item)

    def _route(self, inbox_id: int, received_at: float, body: bytes) -> None:
        try:
            events = read_webhook(body)
        except IgbotError as exc:
            reason = str(exc)
            logger.warning("inbox entry %d is not a webhook (dead letter): %s", inbox_id, reason)
            self.db.dead_letter(inbox_id, received_at, reason, body)
            self.dead += 1
            return
        except RecursionError:
            self.db.dead_letter(inbox_id, received_at, "body nested too deeply", body)
            self.dead += 1
            return
        unreadable = unreadable_reason(events)
        if unreadable is not None:
            logger.warning("inbox entry %d (dead letter): %s", inbox_id, unreadable)
            self.db.dead_letter(inbox_id, received_at, unreadable, body)
            self.dead += 1
            return
        with self._lock:
            self._remaining[inbox_id] = len(events)
            self.dispatched += len(events)
        for idx, event in enumerate(events):
            if event.kind == "echo":
                self._resolve_by_echo(event)
            conversation = event.person_id or f"inbox:{inbox_id}"
            key = event.dedupe_key or f"inbox:{inbox_id}#{idx}"
            item = _EventItem(inbox_id, idx, key, event, conversation)
            if event.person_id:
                self._enqueue(self._reorder.add(conversation, event.timestamp_ms, item))
            else:
                self._enqueue([item])

    def _resolve_by_echo(self, event: Any) -> None:
        """An echo of a message whose send was interrupted by a crash: it did go out."""
        if self.config.app_id and event.app_id and event.app_id != self.config.app_id:
            return
        with self._lock:
            doubts = self._doubts.get(event.person_id or "")
            match = next((d for d in doubts or () if not d.resolved.is_set()
                          and d.text == event.text), None)
        if match is None:
            return
        answer = type("Answer", (), {"message_id": event.mid})()
        if self.db.finish(match.row.id, "sent", event.mid, log=outcome_lines(match.row, answer)):
            logger.warning("request %d (sent before a crash) confirmed by Meta's echo %s",
                           match.row.id, event.mid)
        match.resolved.set()

    def _finished(self, inbox_id: int) -> None:
        with self._lock:
            self.processed += 1
            left = self._remaining.get(inbox_id, 1) - 1
            if left > 0:
                self._remaining[inbox_id] = left
                return
            self._remaining.pop(inbox_id, None)
        self.db.mark_done(inbox_id)
        with self._idle:
            self._idle.notify_all()

    # -- workers ---------------------------------------------------------------------------

    def _worker(self, index: int) -> None:
        worker = _Worker(self)
        try:
            for row in self._recovery[index]:
                worker.recover(row)
            self._recovery[index] = []
            q = self._queues[index]
            while True:
                item = q.get()
                if item is None:
                    return
                if isinstance(item, _EventItem):
                    self.inbox.yield_to_intake()  # answering Meta first (one interpreter lock)
                    try:
                        worker.process(item)
                    except Exception:
                        logger.exception("event %s failed", item.key)
                    finally:
                        self._finished(item.inbox_id)
                else:
                    fn, future = item
                    try:
                        future.set_result(fn(worker))
                    except BaseException as exc:
                        future.set_exception(exc)
        finally:
            worker.close()


class _Worker:
    """One worker thread's engine and the steps of one event."""

    def __init__(self, pool: WorkerPool) -> None:
        self.pool = pool
        self.db, self.client, self.policy = pool.db, pool.client, pool.policy
        self.config = pool.config
        self.engine = Engine(pool.bot, pool.store, agent_app_id=pool.config.agent_app_id,
                             app_id=pool.config.app_id)

    def close(self) -> None:
        self.engine.actions.close()

    # -- one event -------------------------------------------------------------------------

    def process(self, item: _EventItem) -> None:
        """Process one event exactly once: build its unit, commit it, send its requests."""
        for _attempt in range(MAX_CONFLICT_RETRIES):
            if self.db.seen(item.key):
                return
            unit = Unit(key=item.key, inbox_id=item.inbox_id, idx=item.idx, kind=item.event.kind)
            with self.pool.store.unit(unit):
                try:
                    self._build(unit, item.event, item.conversation)
                except ConflictError:
                    continue
                except Exception as exc:  # a bug or a bad bot: record it, never loop on it
                    logger.exception("event %s could not be processed", item.key)
                    self._record_failure(unit, item, "processing_failed", exc)
            try:
                rows = self.db.commit(unit)
            except ConflictError:
                logger.info("conflict on %s: running the event again", item.conversation)
                continue
            except Exception as exc:  # SQLite refused a value (or the disk): keep the reason
                logger.exception("event %s could not be stored", item.key)
                rows = self._store_failure(unit, item, exc)
            if rows is None:
                return
            for mid in unit.redact:
                inbox_id = self.db.inbox_id_of(mid)
                if inbox_id is not None:
                    self.pool.inbox.redact(inbox_id, mid)
            self.send_rows(rows)
            return
        logger.error("event %s: gave up after %d conflicts", item.key, MAX_CONFLICT_RETRIES)

    @staticmethod
    def _record_failure(unit: Unit, item: _EventItem, reason: str, exc: BaseException) -> None:
        """Replace the unit's effects with one ``error`` line saying why (no session change)."""
        unit.sessions.clear()
        unit.outbox.clear()
        unit.redact.clear()
        unit.log = [system_line(item.conversation, "error", "in", {
            "reason": reason, "error": type(exc).__name__, "message": _printable(str(exc))[:500],
            "mid": _printable(item.event.mid or ""), "kind": item.event.kind})]

    def _store_failure(self, unit: Unit, item: _EventItem,
                       exc: BaseException) -> list[OutboxRow] | None:
        """Commit an ``error`` line instead of the unit; failing that, dead-letter the body."""
        self._record_failure(unit, item, "store_failed", exc)
        try:
            return self.db.commit(unit)
        except Exception:
            logger.exception("event %s: the error line could not be stored either", item.key)
        body = self.pool.inbox.get(item.inbox_id) or b""
        reason = (f"event {item.idx} ({item.event.kind}) could not be stored: "
                  f"{type(exc).__name__}: {_printable(str(exc))[:500]}")
        self.db.dead_letter(item.inbox_id, time.time(), reason, body)
        with self.pool._lock:
            self.pool.dead += 1
        return None

    def _build(self, unit: Unit, event: Any, conv: str) -> None:
        """Ask the engine what the event means, then put its Outcome in the unit: the
        requests in the outbox, the log rows, the redactions; policy notes go to the policy."""
        outcome = self.engine.handle_event(event, conversation=conv,
                                           is_ours=self.db.is_our_message)
        for note in outcome.policy:
            self.policy.record_inbound(note.person_id, note.kind, note.timestamp,
                                       note.comment_id)
        unit.log.extend((entry.line, entry.indexed_mid) for entry in outcome.log)
        unit.redact.extend(outcome.redactions)
        self.add_requests(unit, conv, outcome.turn)

    def add_requests(self, unit: Unit, conv: str, turn: Turn, role: Role = "bot") -> None:
        """Put a turn's requests in the unit's outbox (with what their log lines need).

        At most ``config.max_sends`` messages per turn; the rest are dropped, with one
        ``refused`` log line (reason ``too_many_sends``) saying how many. Thread-control
        requests are always kept.
        """
        last = turn.records[-1] if turn.records else None
        limit = self.config.max_sends
        messages = 0
        dropped: list[OutboundRequest] = []
        for request in turn.requests:
            meta = {"flow": request.flow or (last.flow if last else None),
                    "state": last.state if last else None, "action": request.action}
            if request.endpoint == "messages":
                messages += 1
                if messages > limit:
                    dropped.append(request)
                    continue
            if request.endpoint == "pass_thread_control":
                meta["by"] = "bot"
            unit.outbox.append(OutboxRow(0, conv, request, role, meta))
        if dropped:
            logger.warning("%s: a turn asked for %d messages, over max_sends=%d: %d dropped",
                           conv, messages, limit, len(dropped))
            unit.log.append(dropped_line(conv, role, dropped, limit,
                                         flow=last.flow if last else None,
                                         state=last.state if last else None))

    # -- sending ---------------------------------------------------------------------------

    def send_rows(self, rows: list[OutboxRow]) -> list[Any]:
        """Send outbox rows in order; each outcome (answer or error) is recorded and logged."""
        return [self.send_row(row) for row in rows]

    def send_row(self, row: OutboxRow) -> Any:
        """Send one outbox row; returns Meta's answer or the error (not raised)."""
        self.db.mark_sending(row.id)
        outcome: Any
        try:
            outcome = self.client.send_request(row.endpoint, row.request, role=row.role)
        except PolicyError as exc:
            logger.info("send refused for %s: %s", row.conversation, exc.rule)
            self.db.finish(row.id, "refused", error=exc.rule, log=outcome_lines(row, exc))
            return exc
        except GraphError as exc:
            logger.warning("send failed for %s: %s", row.conversation, exc)
            self.db.finish(row.id, "failed", error=type(exc).__name__,
                           log=outcome_lines(row, exc))
            return exc
        mid = getattr(outcome, "message_id", None)
        self.db.finish(row.id, "sent", mid, log=outcome_lines(row, outcome))
        return outcome

    def recover(self, row: OutboxRow) -> None:
        """Send a request left over from before a restart (waiting for an echo if in doubt)."""
        doubt = None
        with self.pool._lock:
            for d in self.pool._doubts.get(row.conversation, ()):
                if d.row.id == row.id:
                    doubt = d
        if doubt is not None:
            left = self.pool._deadline - time.monotonic()
            if doubt.resolved.wait(max(0.0, left)):
                return
            logger.warning("request %d: no echo within %.0f s of restart, sending it again",
                           row.id, self.config.echo_grace)
        self.send_row(row)


def _printable(text: str) -> str:
    """``text`` safe for UTF-8 (a lone surrogate becomes ``\\ud800``)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
