"""igbot's own conversation log: the on-disk line format, its writer and its fast reader.

One JSON object per line with exactly the fields in :data:`LOG_FIELDS` (the canonical columns)::

    {"conversation_id": "6251234567890123", "session_id": null,
     "timestamp": "2024-05-01T10:00:00.123Z", "direction": "in", "role": "user",
     "kind": "story_reply", "text": "love this!", "payload": "{\\"story_id\\":\\"3456\\"}",
     "flow": "promo", "state": "offer", "intent": "ask_price", "is_fallback": false,
     "mid": "aWdfZAG1...", "source": "igbot_log"}

``timestamp`` is ISO-8601 (``Z`` or an offset; naive means UTC) or milliseconds since the epoch;
``payload`` is JSON text (an object is accepted and serialised). Which row carries what:

- an incoming message (``direction: in``, ``role: user``): ``intent`` matched, the ``flow`` and
  ``state`` the message moved the conversation to, ``is_fallback`` if a fallback answered it;
- a bot reply (``out``/``bot``): the ``flow`` and ``state`` that produced it;
- a human agent's message (``out``/``agent``): ``payload`` ``{"tag": "HUMAN_AGENT"}`` when sent
  with that message tag;
- a handover to agents (``kind: handover``, ``role: system``) and back (``kind: resolve``);
- a reply the Send API refused (``kind: refused``, ``role`` bot or agent, ``text`` the reply,
  ``payload`` ``{"reason": "outside_window", "code": 10, "subcode": 2534022}``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from igbot.analytics._arrow_frame import NotClean, columns_to_frame, table_to_frame
from igbot.analytics._log_duckdb import read_duckdb
from igbot.analytics._schema import COLUMNS, Problems, build_frame, record_values
from igbot.vocab import LOG_FIELDS, log_row

__all__ = ["LOG_FIELDS", "read_jsonl_log", "read_parquet", "save", "to_log_record", "write_log"]

logger = logging.getLogger(__name__)

_BLOCK = 1 << 24


def to_log_record(conversation_id: str, timestamp: datetime | int | float | str,
                  direction: str, role: str, kind: str, *, text: str | None = None,
                  payload: Mapping[str, Any] | str | None = None, flow: str | None = None,
                  state: str | None = None, intent: str | None = None,
                  is_fallback: bool | None = None, mid: str | None = None,
                  session_id: str | None = None, source: str = "igbot_log") -> dict[str, Any]:
    """One log line as a dict with exactly :data:`LOG_FIELDS`, checked: the server's own row
    (:func:`igbot.vocab.log_row`), then read back as the readers read it.

    ``timestamp`` may be a datetime (naive means UTC), ms since the epoch or ISO-8601 text; it is
    written as ISO-8601 UTC with milliseconds. Raises ValueError naming a wrong field.
    """
    record = log_row(conversation_id, timestamp, direction, role, kind, text=text,
                     payload=payload, flow=flow, state=state, intent=intent,
                     is_fallback=is_fallback, mid=mid, session_id=session_id, source=source)
    record_values(record)
    return record


def write_log(records: Iterable[Mapping[str, Any]], path: str | Path, *,
              append: bool = False) -> int:
    """Write records (dicts with the canonical keys) as igbot log lines; returns how many.

    Each record goes through :func:`to_log_record`, so a wrong value fails before writing it.
    """
    count = 0
    with open(path, "a" if append else "w", encoding="utf-8") as out:
        for rec in records:
            fields = {k: rec.get(k) for k in LOG_FIELDS if k not in ("timestamp",)}
            line = to_log_record(timestamp=rec["timestamp"], **{  # type: ignore[arg-type]
                k: v for k, v in fields.items() if v is not None or k in (
                    "conversation_id", "direction", "role", "kind")})
            out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
            count += 1
    return count


def _arrow_schema() -> Any:
    import pyarrow as pa

    fields = [(c, pa.string()) for c in COLUMNS if c not in ("timestamp", "is_fallback")]
    return pa.schema([*fields, ("is_fallback", pa.bool_())])


def _read_lines(path: Path, problems: Problems, source: str, progress: bool | None) -> pd.DataFrame:
    """The careful reader: one line at a time, every bad line reported and skipped."""
    from tqdm.auto import tqdm

    rows: list[tuple[Any, ...]] = []
    with open(path, encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(tqdm(fh, desc=path.name, unit=" lines",
                                           disable=_disable(progress), delay=1.0), start=1):
            if not line.strip():
                continue
            try:
                rows.append(record_values(json.loads(line)))
            except json.JSONDecodeError as exc:
                problems.add(str(path), lineno, f"not JSON: {exc.msg}")
            except (ValueError, TypeError) as exc:
                problems.add(str(path), lineno, str(exc))
    columns = {name: [r[i] for r in rows] for i, name in enumerate(COLUMNS)}
    columns["source"] = [s if s is not None else source for s in columns["source"]]
    return build_frame(columns)


def _disable(progress: bool | None) -> bool | None:
    return None if progress is None else not progress


def read_jsonl_log(path: str | Path, problems: Problems, *, progress: bool | None = None,
                   source: str = "igbot_log") -> pd.DataFrame:
    """Read an igbot log (JSON lines) columnar; falls back to line by line.

    The fast reader (DuckDB's parallel JSON reader with every value's JSON type checked, see
    :mod:`~igbot.analytics._log_duckdb`, when DuckDB is installed, else pyarrow.json in blocks
    with a progress bar) handles a clean file; any malformed line, wrong type or bad value
    sends the file to the careful reader, which reports each bad line (file, line, reason) and
    skips it.
    """
    import pyarrow as pa
    import pyarrow.json as pj
    from tqdm.auto import tqdm

    path = Path(path)
    try:
        table = read_duckdb(path)
        if table is not None:
            if table.num_rows == 0:
                return build_frame({c: [] for c in COLUMNS})
            holder = [table]
            del table  # the frame takes the columns one by one: hold no other reference
            return table_to_frame(holder, source, path.name, progress)
        reader = pj.open_json(
            path, read_options=pj.ReadOptions(block_size=_BLOCK, use_threads=True),
            parse_options=pj.ParseOptions(explicit_schema=_arrow_schema(),
                                          unexpected_field_behavior="infer"))
        batches = []
        with tqdm(total=path.stat().st_size, desc=path.name, unit="B", unit_scale=True,
                  disable=_disable(progress), delay=1.0) as bar:
            for batch in reader:
                batches.append(batch)
                bar.update(min(_BLOCK, bar.total - bar.n))
        if not batches:
            return build_frame({c: [] for c in COLUMNS})
        holder = [pa.Table.from_batches(batches)]
        del batches
        return table_to_frame(holder, source, path.name, progress)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, NotClean) as exc:
        logger.debug("%s: reading line by line (%s)", path, exc)
        return _read_lines(path, problems, source, progress)


def read_parquet(path: str | Path, problems: Problems, *,
                 progress: bool | None = None) -> pd.DataFrame:
    """Read a Parquet file written by :func:`save` (or any with the canonical columns), one
    column at a time (peak memory: the frame plus one column)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        # no read-ahead copy (pre_buffer): lower peak memory
        reader = pq.ParquetFile(path, pre_buffer=False)
        names = set(reader.schema_arrow.names)
    except (OSError, pa.ArrowInvalid) as exc:
        problems.add(str(path), None, f"not a readable Parquet file: {exc}")
        return build_frame({c: [] for c in COLUMNS})

    def column(name: str) -> Any:
        # one column at a time, on this thread: read together (or by Arrow's threads) the
        # narrow columns' decoding buffers add up (each dictionary column's indices are
        # decoded as int32 before the cast to the file's int8) and the threads' allocator
        # heaps keep their freed pages
        return reader.read(columns=[name], use_threads=False).column(0) if name in names else None

    try:
        return columns_to_frame(column, reader.metadata.num_rows, "parquet", Path(path).name,
                                 progress)
    except (OSError, pa.ArrowInvalid) as exc:
        problems.add(str(path), None, f"not a readable Parquet file: {exc}")
    except NotClean as exc:
        problems.add(str(path), None, f"not a canonical event table: {exc}")
    return build_frame({c: [] for c in COLUMNS})


def save(df: pd.DataFrame, path: str | Path) -> Path:
    """Save a canonical frame as Parquet (categoricals as dictionaries); returns the path."""
    path = Path(path)
    out = df[list(COLUMNS)].copy()
    out.attrs = {}
    out.to_parquet(path, index=False)
    return path
