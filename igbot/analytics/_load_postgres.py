"""``load("postgresql://...")``: the conversation log table that ``igbot serve --database``
writes (``igbot_log``), read straight from PostgreSQL into the canonical frame.

Rows are streamed with a server-side cursor in log order; a row that is not a log line is
reported (``file`` is the database without its password, ``line`` the row's ``seq``) and
skipped, like a bad line of a JSONL log.
"""

from __future__ import annotations

import json

import pandas as pd

from igbot.analytics._schema import COLUMNS, Problems, build_frame, record_values

__all__ = ["is_postgres_url", "load_postgres"]

_TABLE = "igbot_log"


def is_postgres_url(path: object) -> bool:
    """Whether ``path`` is a ``postgresql://`` (or ``postgres://``) URL."""
    return isinstance(path, str) and path.startswith(("postgresql://", "postgres://"))


def _safe(url: str) -> str:
    import psycopg

    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://?"
    port = f":{info['port']}" if info.get("port") else ""
    return f"postgresql://{info.get('host', '')}{port}/{info.get('dbname', '')}"


def load_postgres(url: str, problems: Problems, progress: bool | None = None) -> pd.DataFrame:
    """The canonical frame of the ``igbot_log`` table at ``url``.

    Raises:
        ConnectionError: the database cannot be reached, or has no igbot log table (names the
            database without its password).
    """
    import psycopg
    from tqdm.auto import tqdm

    where = _safe(url)
    rows = []
    try:
        with psycopg.connect(url, connect_timeout=10) as conn:
            found = conn.execute("SELECT to_regclass(%s)", (_TABLE,)).fetchone()
            if found is None or found[0] is None:
                raise ConnectionError(f"{where} has no {_TABLE} table: is it the database of "
                                      "`igbot serve --database`?")
            total = conn.execute(f"SELECT count(*) FROM {_TABLE}").fetchone()
            with conn.cursor(name="igbot_load") as cur:
                cur.itersize = 5000
                cur.execute(f"SELECT seq, line FROM {_TABLE} ORDER BY seq")
                for seq, line in tqdm(cur, total=total[0] if total else None, desc=_TABLE,
                                      unit=" rows",
                                      disable=None if progress is None else not progress):
                    try:
                        rows.append(record_values(json.loads(line)))
                    except json.JSONDecodeError as exc:
                        problems.add(where, int(seq), f"not JSON: {exc.msg}")
                    except (ValueError, TypeError) as exc:
                        problems.add(where, int(seq), str(exc))
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConnectionError(f"cannot read {where}: {first}") from None
    columns = {name: [r[i] for r in rows] for i, name in enumerate(COLUMNS)}
    columns["source"] = [s if s is not None else "igbot_log" for s in columns["source"]]
    return build_frame(columns)
