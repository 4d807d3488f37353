"""The webhook server's parts wired together: inbox, state, log, Graph client, workers."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from igbot.channel import GraphClient, SendPolicy, SQLitePolicyStore
from igbot.kataml import Bot, load_bot
from igbot.server._config import ServerConfig
from igbot.server._inbox import Inbox
from igbot.server._lock import DataDirLock
from igbot.server._log import ConversationLog
from igbot.server._state import StateDB
from igbot.server._worker import WorkerPool

__all__ = ["WebhookServer"]

logger = logging.getLogger(__name__)


class WebhookServer:
    """A bot behind Instagram's webhooks: what ``igbot serve`` runs (without the HTTP part).

    Files in ``config.data_dir``: ``inbox.sqlite`` (raw bodies, fsync'd), ``state.sqlite``
    (sessions, processed events, dead letters, outbox), ``policy.sqlite`` (the send policy's
    windows and comments), ``log.jsonl`` (the conversation log), ``igbot.lock`` (held while
    the server exists, so a second server on the same directory refuses to start).

    Args:
        bot: a loaded :class:`~igbot.kataml.Bot` or the path of its ``bot.yml``.
        config: the settings.

    Raises:
        DataDirLockedError: another server holds ``config.data_dir``.
    """

    def __init__(self, bot: Bot | str | Path, config: ServerConfig) -> None:
        self.config = config
        self.bot = bot if isinstance(bot, Bot) else load_bot(bot)
        data = Path(config.data_dir)
        data.mkdir(parents=True, exist_ok=True)
        self.data_dir = data
        self.lock = DataDirLock(data).acquire()
        try:
            self._open(data)
        except BaseException:
            self.lock.release()
            raise
        self.running = False

    def _open(self, data: Path) -> None:
        config = self.config
        self.db = StateDB(data / "state.sqlite")
        self.log = ConversationLog(data / "log.jsonl", self.db)
        self.policy = SendPolicy(SQLitePolicyStore(data / "policy.sqlite"))
        self.client = GraphClient(
            config.access_token, account_id=config.account_id, base_url=config.graph_url,
            api_version=config.api_version, rate_limit=config.send_rate or None,
            max_retries=config.max_retries, policy=self.policy)
        self.inbox = Inbox(data / "inbox.sqlite")
        self.pool = WorkerPool(config, self.bot, self.db, self.inbox, self.client, self.policy)
        self.inbox.on_stored = self.pool.submit

    def __repr__(self) -> str:
        return f"WebhookServer(bot={self.bot.name!r}, data_dir={str(self.data_dir)!r})"

    def start(self) -> WebhookServer:
        """Reconcile after a restart, start the log writer, the workers and the inbox writer."""
        if not self.running:
            self.log.start()
            self.pool.start()
            self.inbox.start()
            self.running = True
        return self

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every stored body is processed and its log lines are in ``log.jsonl``.

        Returns ``False`` if that did not happen within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        if not self.pool.wait_idle(timeout):
            return False
        while self.db.query("SELECT 1 FROM logq LIMIT 1"):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True

    def stop(self, timeout: float = 10.0) -> None:
        """Stop taking bodies, finish queued work (up to ``timeout`` s), close everything."""
        if self.running:
            self.inbox.stop()
            self.pool.wait_idle(timeout)
            self.pool.stop(timeout)
            self.log.stop()
            self.running = False
        if not self.lock.held:  # closed already
            return
        self.inbox.close()
        self.client.close()
        self.policy.store.close()
        self.db.close()
        self.lock.release()

    def stats(self) -> dict[str, Any]:
        """Counters for ``/healthz``."""
        pool = self.pool
        return {"stored": self.inbox.stored, "inbox_commits": self.inbox.commits,
                "events": pool.dispatched, "processed": pool.processed,
                "dead_letters": pool.dead, "log_lines": self.log.written,
                "held": pool.held, "reorder_overflowed": pool.reorder_overflowed,
                "workers": pool.size}
