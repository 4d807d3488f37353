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
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from igbot.analytics._categories import cat_codes, unique_categorical
from igbot.analytics._schema import (
    COLUMNS,
    DIRECTIONS,
    ROLES,
    SCHEMA,
    Problems,
    build_frame,
    record_values,
    str_categories,
)
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


class _NotClean(Exception):
    """The fast columnar reader met something it cannot vouch for: read line by line instead."""


def _arrow_schema() -> Any:
    import pyarrow as pa

    fields = [(c, pa.string()) for c in COLUMNS if c not in ("timestamp", "is_fallback")]
    return pa.schema([*fields, ("is_fallback", pa.bool_())])


def _ms_to_ns(ms: Any, integral: Any = None) -> Any:
    """Milliseconds (integers, floats, or their text) as int64 ns, as ``parse_timestamp_ns``
    computes them: whole numbers exactly, fractions by float multiplication truncated."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_integer(ms.type):
        return pc.multiply_checked(ms.cast(pa.int64()), 1_000_000)
    if integral is None:
        integral = pc.equal(pc.floor(ms), ms)
    whole = pc.if_else(integral, ms, pa.scalar(0, ms.type))
    exact = pc.multiply_checked(whole.cast(pa.int64()), 1_000_000)
    floated = pc.multiply(ms.cast(pa.float64()), 1_000_000.0).cast(pa.int64(), safe=False)
    return pc.if_else(integral, exact, floated)


def _timestamps(ts: Any) -> Any:
    """The timestamp column as Arrow timestamp[ns, UTC]; raises _NotClean."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_timestamp(ts.type):
        ts = ts.cast(pa.timestamp("ns", tz="UTC")) if ts.type.tz else pc.assume_timezone(
            ts.cast(pa.timestamp("ns")), "UTC")
    elif pa.types.is_integer(ts.type) or pa.types.is_floating(ts.type):
        ts = _ms_to_ns(ts).cast(pa.timestamp("ns", tz="UTC"))
    elif pa.types.is_string(ts.type) or pa.types.is_large_string(ts.type):
        try:
            ts = ts.cast(pa.timestamp("ns", tz="UTC"))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            try:  # naive times are UTC
                ts = pc.assume_timezone(ts.cast(pa.timestamp("ns")), "UTC")
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                raise _NotClean(str(exc)) from exc
    else:
        raise _NotClean(f"timestamp of type {ts.type}")
    if ts.null_count:
        raise _NotClean("missing timestamp")
    return ts


def _dictionary_categorical(arr: Any) -> pd.Series | None:
    """A dictionary column as a categorical from its codes and dictionary, kept in Arrow (no
    Python string per category; 7x faster than ``to_pandas`` for 200,000 conversations), or
    None when the dictionary has repeated or missing values (pandas' path then decides)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    chunked = arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr])
    if chunked.num_chunks == 0:
        return None
    chunked = chunked.unify_dictionaries()
    values = chunked.chunk(0).dictionary
    if values.null_count or pc.count_distinct(values).as_py() != len(values):
        return None
    codes = np.concatenate([pc.fill_null(c.indices, -1).to_numpy(zero_copy_only=False)
                            for c in chunked.chunks])
    return pd.Series(unique_categorical(codes, pd.Index(pd.arrays.ArrowStringArray(values),
                                                        dtype="str")))


def _categorical(arr: Any) -> pd.Series:
    """An Arrow string (or dictionary) column as a categorical Series with str categories: a
    dictionary keeps its order (a Parquet file :func:`save` wrote); text gets sorted categories,
    as the careful reader's ``pd.Categorical`` makes them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_dictionary(arr.type):
        if not pa.types.is_string(arr.type.value_type):
            arr = arr.cast(pa.dictionary(arr.type.index_type, pa.string()))
        fast = _dictionary_categorical(arr)
        return fast if fast is not None else str_categories(arr.to_pandas())
    if not pa.types.is_string(arr.type):
        arr = arr.cast(pa.string())
    values = pc.unique(arr).drop_null()
    values = values.take(pc.array_sort_indices(values))
    codes = pc.fill_null(pc.index_in(arr, value_set=values), -1)
    codes = codes.to_numpy() if isinstance(codes, pa.Array) else np.concatenate(
        [c.to_numpy() for c in codes.chunks]) if codes.num_chunks else np.zeros(0, np.int32)
    small = np.int8 if len(values) < 127 else np.int16 if len(values) < 32_767 else np.int32
    return pd.Series(unique_categorical(codes.astype(small, copy=False), pd.Index(
        pd.arrays.ArrowStringArray(values), dtype="str")))  # unique: pc.unique's values


def _strings(arr: Any) -> pd.Series:
    """An Arrow column as a pyarrow-backed string Series, without copying when it can."""
    import pyarrow as pa

    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.string())
    if isinstance(arr, pa.Array):
        arr = pa.chunked_array([arr])
    return pd.Series(pd.arrays.ArrowStringArray(arr))


def _convert(name: str, arr: Any, n: int) -> pd.Series:
    """One Arrow column (or None: absent) as the canonical pandas column; raises _NotClean."""
    import pyarrow as pa

    if arr is None:
        arr = pa.nulls(n, pa.bool_() if name == "is_fallback" else pa.string())
    dtype = SCHEMA[name][0]
    if name == "timestamp":
        return _timestamps(arr).to_pandas().astype("datetime64[ns, UTC]")
    if dtype == "category":
        return _categorical(arr)
    if dtype == "boolean":
        if not pa.types.is_boolean(arr.type) and arr.null_count < n:
            raise _NotClean(f"is_fallback of type {arr.type}")
        return pd.Series(arr.cast(pa.bool_()).to_pandas(
            types_mapper={pa.bool_(): pd.BooleanDtype()}.get), dtype="boolean")
    return _strings(arr)


def _sort_order(conv: np.ndarray, ts: np.ndarray) -> np.ndarray | None:
    """The row order by conversation code then time (stable), or None when already so: the
    order :func:`~igbot.analytics._schema.sort_events` gives, applied column by column."""
    if len(conv) < 2:
        return None
    if _in_order(conv, ts):
        return None
    order = np.argsort(conv, kind="stable")  # usually times already run in order within each
    if _in_order(conv[order], ts[order]):
        return order
    return np.lexsort((ts, conv))


def _in_order(conv: np.ndarray, ts: np.ndarray) -> bool:
    same = conv[1:] == conv[:-1]
    return bool((conv[1:] >= conv[:-1]).all()) and not (same & (ts[1:] < ts[:-1])).any()


def _columns_to_frame(column: Callable[[str], Any], n: int, source: str, desc: str = "columns",
                      progress: bool | None = None) -> pd.DataFrame:
    """A canonical frame from ``column(name)`` (an Arrow column, or None when absent), taking
    one column at a time so only one is held as Arrow and as pandas at once, in the order of
    :func:`~igbot.analytics._schema.sort_events` (each column sorted as it comes, not the whole
    frame copied at the end); raises _NotClean."""
    import pyarrow as pa
    from tqdm.auto import tqdm

    data: dict[str, Any] = {}
    order: np.ndarray | None = None
    first = ("conversation_id", "timestamp")
    pool = pa.default_memory_pool()
    names = (*first, *(c for c in COLUMNS if c not in first))
    for name in tqdm(names, desc=desc, unit=" column", delay=1.0, leave=False,
                     disable=_disable(progress)):
        data[name] = _convert(name, column(name), n)
        if name == "timestamp":
            order = _sort_order(cat_codes(data["conversation_id"]),
                                data["timestamp"].array.asi8)
            if order is not None:
                data = {k: v.take(order).reset_index(drop=True) for k, v in data.items()}
        elif order is not None and name not in first:
            data[name] = data[name].take(order).reset_index(drop=True)
        pool.release_unused()  # a column's decoding buffers back to the system before the next
    data = {name: data[name] for name in COLUMNS}
    for name in ("conversation_id", "kind"):
        col = data[name]
        if (cat_codes(col) < 0).any() or (col.cat.categories == "").any():
            raise _NotClean(f"empty {name}")
    for name, allowed in (("direction", DIRECTIONS), ("role", ROLES)):
        col = data[name]
        if (cat_codes(col) < 0).any() or not set(col.cat.categories) <= set(allowed):
            raise _NotClean(f"bad {name}")
        data[name] = col.cat.set_categories(list(allowed))
    src = data["source"]
    if (cat_codes(src) < 0).any():
        if source not in src.cat.categories:
            src = src.cat.add_categories([source])
        data["source"] = src.fillna(source)
    return pd.DataFrame(data, copy=False)


def _table_to_frame(holder: list[Any], source: str, desc: str = "columns",
                    progress: bool | None = None) -> pd.DataFrame:
    """A canonical frame from the Arrow table in ``holder`` (taken out of it, so each Arrow
    column is released once converted); raises _NotClean."""
    table = holder.pop()
    columns = {name: table.column(name) for name in table.column_names}
    n = table.num_rows
    del table
    return _columns_to_frame(lambda name: columns.pop(name, None), n, source, desc, progress)


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


def _read_duckdb(path: Path) -> Any:
    """The whole file as an Arrow table with DuckDB's parallel JSON reader, or None when
    DuckDB is not installed. Raises _NotClean when DuckDB cannot read a line."""
    try:
        import duckdb
    except ImportError:
        return None
    columns = {c: "VARCHAR" for c in COLUMNS}
    con = duckdb.connect()
    try:
        rel = con.read_json(str(path), format="newline_delimited", columns=columns)
        table = rel.to_arrow_table() if hasattr(rel, "to_arrow_table") else rel.arrow()
    except duckdb.Error as exc:
        raise _NotClean(str(exc).splitlines()[0]) from exc
    finally:
        con.close()
    return table


def _fix_types(table: Any) -> Any:
    """DuckDB reads every field as text: booleans and ms timestamps back to their types."""
    import pyarrow as pa
    import pyarrow.compute as pc

    flag = table.column("is_fallback")
    if not pc.all(pc.is_in(flag.drop_null(), pa.array(["true", "false"]))).as_py():
        raise _NotClean("is_fallback is not true, false or null")
    table = table.set_column(table.column_names.index("is_fallback"), "is_fallback",
                             pc.equal(flag, "true"))
    ts = table.column("timestamp")
    if ts.null_count == 0 and pc.all(pc.match_substring_regex(ts, r"^[0-9]+(\.[0-9]*)?$")).as_py():
        integral = pc.match_substring_regex(ts, r"^[0-9]+$")  # JSON integers: exact
        ns = _ms_to_ns(ts.cast(pa.float64()), integral) if not pc.all(integral).as_py() else \
            _ms_to_ns(ts.cast(pa.int64()))
        table = table.set_column(table.column_names.index("timestamp"), "timestamp",
                                 ns.cast(pa.timestamp("ns", tz="UTC")))
    return table


def read_jsonl_log(path: str | Path, problems: Problems, *, progress: bool | None = None,
                   source: str = "igbot_log") -> pd.DataFrame:
    """Read an igbot log (JSON lines) columnar; falls back to line by line.

    The fast reader (DuckDB's parallel JSON reader when DuckDB is installed, else pyarrow.json
    in blocks with a progress bar) handles a clean file; any malformed line, wrong type or bad
    value sends the file to the careful reader, which reports each bad line (file, line,
    reason) and skips it.
    """
    import pyarrow as pa
    import pyarrow.json as pj
    from tqdm.auto import tqdm

    path = Path(path)
    try:
        table = _read_duckdb(path)
        if table is not None:
            if table.num_rows == 0:
                return build_frame({c: [] for c in COLUMNS})
            holder = [_fix_types(table)]
            del table  # the frame takes the columns one by one: hold no other reference
            return _table_to_frame(holder, source, path.name, progress)
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
        return _table_to_frame(holder, source, path.name, progress)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, _NotClean) as exc:
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

    schema = reader.schema_arrow
    narrow = [n for n in COLUMNS if n in names and not (
        pa.types.is_string(schema.field(n).type) or pa.types.is_large_string(schema.field(n).type))]
    cache: dict[str, Any] = {}

    def column(name: str) -> Any:
        if name not in names:
            return None
        if name in narrow:  # codes, times, flags: small, read together by Arrow's threads
            if not cache:
                table = reader.read(columns=narrow)
                cache.update(zip(table.column_names, table.columns, strict=True))
                narrow.clear()
            return cache.pop(name)
        return cache.pop(name) if name in cache else reader.read(columns=[name]).column(0)

    try:
        return _columns_to_frame(column, reader.metadata.num_rows, "parquet", Path(path).name,
                                 progress)
    except (OSError, pa.ArrowInvalid) as exc:
        problems.add(str(path), None, f"not a readable Parquet file: {exc}")
    except _NotClean as exc:
        problems.add(str(path), None, f"not a canonical event table: {exc}")
    return build_frame({c: [] for c in COLUMNS})


def save(df: pd.DataFrame, path: str | Path) -> Path:
    """Save a canonical frame as Parquet (categoricals as dictionaries); returns the path."""
    path = Path(path)
    out = df[list(COLUMNS)].copy()
    out.attrs = {}
    out.to_parquet(path, index=False)
    return path
