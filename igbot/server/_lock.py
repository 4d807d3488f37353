"""One server per data directory: ``<data-dir>/igbot.lock``, held with ``flock`` while it runs.

Two servers on one directory would both append to ``log.jsonl`` and both process the inbox
(lines doubled and lost). The lock is an advisory ``fcntl.flock`` on an open file: the kernel
drops it when the process ends in any way, ``kill -9`` included, so a stale file never blocks a
restart. The file holds the owner's pid and start time, for the error message only.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from pathlib import Path
from typing import IO

from igbot._errors import IgbotError

__all__ = ["LOCK_FILE", "DataDirLock", "DataDirLockedError"]

LOCK_FILE = "igbot.lock"


class DataDirLockedError(IgbotError, RuntimeError):
    """Another server (this process or another) is using the data directory.

    Attributes:
        path: the lock file.
        owner: what the lock file says about the holder (``pid 1234 since ...``), or ``""``.
    """

    def __init__(self, path: Path, owner: str) -> None:
        self.path, self.owner = path, owner
        held = f" ({owner})" if owner else ""
        super().__init__(f"{path.parent} is in use by another igbot server{held}: stop it or "
                         "choose another --data-dir")


class DataDirLock:
    """The lock of one data directory (:meth:`acquire` it, :meth:`release` it).

    ``name``: the lock file's name (``igbot.processing.lock`` for the processing process).
    """

    def __init__(self, data_dir: str | Path, name: str = LOCK_FILE) -> None:
        self.path = Path(data_dir) / name
        self._file: IO[str] | None = None

    def __repr__(self) -> str:
        return f"DataDirLock({str(self.path)!r}, held={self.held})"

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._file is not None

    def acquire(self, wait: float = 0.0) -> DataDirLock:
        """Take the lock, waiting up to ``wait`` seconds for its holder to let it go.

        Raises:
            DataDirLockedError: another holder has it.
        """
        if self._file is not None:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the server's life
        deadline = time.monotonic() + wait
        try:
            while True:
                try:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        fh.seek(0)
                        owner = fh.read(200).strip()
                        raise DataDirLockedError(self.path, owner) from None
                    time.sleep(0.05)
        except BaseException:
            fh.close()
            raise
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} since {time.strftime('%Y-%m-%dT%H:%M:%S%z')}\n")
        fh.flush()
        self._file = fh
        return self

    def release(self) -> None:
        """Let the lock go (the file stays; it is only a name to lock)."""
        if self._file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def __enter__(self) -> DataDirLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
