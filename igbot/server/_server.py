"""The webhook server's parts wired together: inbox, state, log, Graph client, workers."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from psycopg_pool import ConnectionPool

from igbot.channel import GraphClient, SendPolicy
from igbot.kataml import Bot, load_bot
from igbot.server._config import ServerConfig
from igbot.server._inbox import Inbox
from igbot.server._lock import DataDirLock
from igbot.server._log import ConversationLog
from igbot.server._pgworker import PgWorkerPool
from igbot.server._postgres import PgInbox, PgPolicyStore, PgState, TableLog, connect_pool
from igbot.server._processing import (
    ProcessingChild,
    SQLiteProcessing,
    processing_stats,
    wait_processed,
)
from igbot.server._storage import StateStore
from igbot.server._worker import WorkerPool

__all__ = ["WebhookServer"]

logger = logging.getLogger(__name__)


class WebhookServer:
    """A bot behind Instagram's webhooks: what ``igbot serve`` runs (without the HTTP part).

    Files in ``config.data_dir``: ``inbox.sqlite`` (raw bodies, fsync'd), ``state.sqlite``
    (sessions, processed events, dead letters, outbox), ``policy.sqlite`` (the send policy's
    windows and comments), ``log.jsonl`` (the conversation log), ``igbot.lock`` (held while
    the server exists, so a second server on the same directory refuses to start).

    With ``config.processing_processes`` 1 the workers, the state, the send policy and the log
    run in a processing process of their own (:mod:`igbot.server._processing`): this object
    then holds the inbox and the lock, and ``db``, ``log``, ``policy``, ``client`` and
    ``processing`` are not here (``pool`` is the child's handle).

    Args:
        bot: a loaded :class:`~igbot.kataml.Bot` or the path of its ``bot.yml``.
        config: the settings.

    Raises:
        DataDirLockedError: another server holds ``config.data_dir``.
    """

    def __init__(self, bot: Bot | str | Path, config: ServerConfig) -> None:
        self.config = config
        self.bot = bot if isinstance(bot, Bot) else load_bot(bot)
        self.data_dir = Path(config.data_dir)
        self.lock: DataDirLock | None = None
        self.pg: ConnectionPool | None = None
        if config.database is None:  # SQLite: one server per data directory
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self.lock = DataDirLock(self.data_dir).acquire()
        try:
            self._open()
        except BaseException:
            if self.lock is not None:
                self.lock.release()
            if self.pg is not None:
                self.pg.close()
            raise
        self.running = False

    def _open(self) -> None:
        config = self.config
        self.db: StateStore
        self.processing: SQLiteProcessing | None = None
        self.pool: WorkerPool | PgWorkerPool | ProcessingChild
        if config.database is not None:
            url = config.database.get_secret_value()
            self.pg = connect_pool(url, config.workers * 2 + 6)
            self.db = PgState(self.pg, url)
            self.log: ConversationLog | TableLog = TableLog(self.db)
            self.inbox: Inbox | PgInbox = PgInbox(self.pg, url)
            self.policy = SendPolicy(PgPolicyStore(self.pg, url))
            self.client = GraphClient(
                config.access_token, account_id=config.account_id, base_url=config.graph_url,
                api_version=config.api_version, rate_limit=config.send_rate or None,
                max_retries=config.max_retries, policy=self.policy)
            self.pool = PgWorkerPool(config, self.bot, self.db, self.inbox,
                                     self.client, self.policy)
            self.inbox.on_committed = self.pool.wake
            return
        inbox = Inbox(self.data_dir / "inbox.sqlite")
        self.inbox = inbox
        if config.processing_processes:  # the processing process opens the rest
            child = ProcessingChild(self.bot, config, self.data_dir)
            self.pool = child
            inbox.on_committed = child.wake
            inbox.shared_waiting = child.waiting
            return
        try:
            processing = SQLiteProcessing(self.bot, config, self.data_dir, inbox)
        except BaseException:
            inbox.close()
            raise
        self.processing = processing
        self.db, self.log, self.policy = processing.db, processing.log, processing.policy
        self.client, self.pool = processing.client, processing.pool
        inbox.on_stored = processing.pool.submit

    def __repr__(self) -> str:
        where = (f"database={self.db!r}" if self.pg is not None
                 else f"data_dir={str(self.data_dir)!r}")
        return f"WebhookServer(bot={self.bot.name!r}, {where})"

    def start(self) -> WebhookServer:
        """Reconcile after a restart, start the log writer, the workers and the inbox writer
        (or the processing process)."""
        if not self.running:
            if isinstance(self.pool, ProcessingChild):
                self.pool.start()
            elif self.processing is not None:
                self.processing.start()
            else:
                self.log.start()
                self.pool.start()
            self.inbox.start()
            self.running = True
        return self

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every stored body is processed and its log lines are in the log.

        Returns ``False`` if that did not happen within ``timeout`` seconds.
        """
        if isinstance(self.pool, ProcessingChild):
            return self.pool.wait_idle(timeout)
        if self.processing is not None:
            return self.processing.wait_idle(timeout)
        return wait_processed(self.pool, self.db, timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop taking bodies, finish queued work (up to ``timeout`` s), close everything."""
        if self.running:
            self.inbox.stop()
            if self.processing is not None:
                self.processing.stop(timeout)
            else:  # on PostgreSQL what is left is for the other servers (or the next start)
                self.pool.stop(timeout)
                if not isinstance(self.pool, ProcessingChild):
                    self.log.stop()
            self.running = False
        if self.lock is not None and not self.lock.held:  # closed already
            return
        self.inbox.close()
        if self.processing is not None:
            self.processing.close()
        elif not isinstance(self.pool, ProcessingChild):
            self.client.close()
            self.policy.store.close()
            self.db.close()
        if self.pg is not None:
            self.pg.close()
        if self.lock is not None:
            self.lock.release()

    def stats(self) -> dict[str, Any]:
        """Counters for ``/healthz``."""
        intake = {"stored": self.inbox.stored, "inbox_commits": self.inbox.commits}
        if isinstance(self.pool, ProcessingChild):
            return {**intake, **self.pool.stats()}
        if self.processing is not None:
            return {**intake, **self.processing.stats()}
        return {**intake, **processing_stats(self.pool, self.log)}
