"""A throwaway PostgreSQL server in a temporary folder: for tests, benchmarks and trying things.

``TempPostgres`` runs ``initdb`` into a fresh folder and ``pg_ctl start`` on a free port of
127.0.0.1 (no Unix socket outside that folder, trust authentication on loopback only), and
stops it and removes the folder at the end. As root, PostgreSQL refuses to run: the server then
runs as the ``postgres`` user if there is one, else as ``nobody``.

    with TempPostgres() as pg:
        url = pg.url   # postgresql://igbot@127.0.0.1:PORT/igbot
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["PostgresUnavailable", "TempPostgres", "find_pg_bin"]


class PostgresUnavailable(RuntimeError):
    """PostgreSQL's server binaries are not installed (or cannot run here); says which."""


def find_pg_bin() -> Path:
    """The folder with ``initdb`` and ``pg_ctl`` (``IGBOT_PG_BIN``, the PATH, or Debian's).

    Raises:
        PostgresUnavailable: none found.
    """
    env = os.environ.get("IGBOT_PG_BIN")
    candidates = [env] if env else []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(str(Path(on_path).resolve().parent))
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for folder in candidates:
        if folder and (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    raise PostgresUnavailable("PostgreSQL is not installed: no initdb/pg_ctl on the PATH, in "
                              "IGBOT_PG_BIN or in /usr/lib/postgresql/*/bin (apt-get install "
                              "postgresql)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise PostgresUnavailable("running as root and no unprivileged user (postgres or nobody) "
                              "to run PostgreSQL as")


class TempPostgres:
    """A PostgreSQL server of its own in a temporary folder (see the module docstring).

    Args:
        database: the database created for you (owned by ``user``).
        user: its superuser's name.
        settings: extra ``postgresql.conf`` settings, e.g. ``{"fsync": "off"}``.
    """

    def __init__(self, database: str = "igbot", user: str = "igbot",
                 settings: dict[str, str] | None = None) -> None:
        self.database, self.user = database, user
        self.settings = {"max_connections": "200", "shared_buffers": "64MB",
                         "listen_addresses": "'127.0.0.1'", **(settings or {})}
        self.bin = find_pg_bin()
        self.port = 0
        self.folder: Path | None = None
        self._as = _run_as()

    def __repr__(self) -> str:
        return f"TempPostgres(port={self.port}, folder={str(self.folder)!r})"

    @property
    def url(self) -> str:
        """The connection URL of the database."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{self.database}"

    def _run(self, *args: str, **options: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(args), user=self._as, check=False, capture_output=True,
                              text=True, cwd=str(self.folder), **options)

    def start(self, timeout: float = 60.0) -> TempPostgres:
        """initdb, start, create the database.

        Raises:
            PostgresUnavailable: not installed, or it would not start (with PostgreSQL's words).
        """
        if self.folder is not None:
            return self
        self.folder = Path(tempfile.mkdtemp(prefix="igbot-pg-"))
        data = self.folder / "data"
        if self._as is not None:
            entry = pwd.getpwnam(self._as)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        done = self._run(str(self.bin / "initdb"), "-D", str(data), "-U", self.user,
                         "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync")
        if done.returncode != 0:
            self.cleanup()
            raise PostgresUnavailable(f"initdb failed: {done.stderr.strip()[-500:]}")
        for attempt in range(5):
            self.port = _free_port()
            options = " ".join(f"-c {k}={v}" for k, v in {
                **self.settings, "port": str(self.port),
                "unix_socket_directories": f"'{self.folder}'"}.items())
            done = self._run(str(self.bin / "pg_ctl"), "-D", str(data), "-w", "-t",
                             str(int(timeout)), "-l", str(self.folder / "server.log"),
                             "-o", options, "start")
            if done.returncode == 0:
                break
            if attempt == 4:
                log = (self.folder / "server.log").read_text(errors="replace")[-800:]
                self.cleanup()
                raise PostgresUnavailable(f"PostgreSQL did not start: {log.strip()}")
        try:
            self.createdb(self.database)
        except BaseException as exc:
            self.stop()
            raise PostgresUnavailable(str(exc)) from exc
        return self

    def createdb(self, name: str) -> str:
        """Create another database; its URL."""
        done = self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                         "-U", self.user, name)
        if done.returncode != 0:
            raise PostgresUnavailable(f"createdb {name} failed: {done.stderr.strip()[-500:]}")
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its folder."""
        if self.folder is not None and (self.folder / "data" / "postmaster.pid").exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast",
                      "-w", "stop")
        self.cleanup()

    def cleanup(self) -> None:
        """Remove the folder."""
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def __enter__(self) -> TempPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
