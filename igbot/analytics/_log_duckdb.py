"""The fast reader of igbot's JSON-lines log: DuckDB's parallel JSON parser, each value's JSON
type checked, so nothing passes that the careful line-by-line reader would read otherwise.

DuckDB reads every field as JSON, so a string keeps its quotes and a number its digits (the text
of a value is DuckDB's own re-serialisation: escapes it need not keep are undone). A string
without a backslash is its text between the quotes (an Arrow slice); the few with a backslash,
and any other JSON value in a text field, go through ``json.loads`` and the careful reader's own
:func:`~igbot.analytics._schema.text_field` (a numeric id becomes its text, a payload object
compact JSON, anything else sends the file to the careful reader). ``payload``, JSON text that
is almost always escaped, is unescaped by DuckDB. Timestamps are taken only in the forms both
readers agree on to the nanosecond (ISO-8601 with ``T``, at most microseconds, ``Z``, an offset
or naive; integer or decimal milliseconds); anything else, a byte-order mark, or a line DuckDB
cannot parse raises :class:`NotClean`.

The columns are converted as DuckDB hands them (a chunk a file buffer, never combined first), a
column a job on a thread a core, and each is sorted by conversation and time in its own job as
soon as those two columns are done: the frame's builder finds the rows in order.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from igbot.analytics._arrow_frame import NotClean, ms_to_ns, sort_order
from igbot.analytics._schema import COLUMNS, SCHEMA, text_field

__all__ = ["read_duckdb"]

_TEXT = tuple(c for c in COLUMNS if c not in ("timestamp", "is_fallback"))
_ISO = (r'^"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?'
        r'(Z|[+-]([01][0-9]|2[0-3]):?[0-5][0-9])?"$')
_ZONE = r"(Z|[+-][0-9]{2}:?[0-9]{2})$"
_INT = r"^-?[0-9]+$"
_NUMBER = r"^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$"


def _query(path: Path) -> str:
    columns = "{" + ", ".join(f"'{c}': 'JSON'" for c in COLUMNS) + "}"
    quoted = "starts_with(payload::VARCHAR, '\"')"
    fields = ", ".join(f"\"{c}\"::VARCHAR AS \"{c}\"" for c in COLUMNS if c != "payload")
    source = str(path).replace("'", "''")
    return (f"SELECT {fields}, CASE WHEN {quoted} THEN payload->>'$' END AS payload, "
            f"CASE WHEN NOT {quoted} THEN payload::VARCHAR END AS payload_json "
            f"FROM read_json('{source}', format='newline_delimited', records='true', "
            f"columns={columns})")


def _all(mask: Any) -> bool:
    import pyarrow.compute as pc

    return bool(pc.all(mask).as_py() is not False)


def _timestamps_ns(raw: Any) -> Any:
    """The JSON text of each timestamp as int64 ns; raises NotClean."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if raw.null_count:
        raise NotClean("missing timestamp")
    none = pa.scalar(None, pa.string())
    quoted = pc.starts_with(raw, '"')
    out = pa.nulls(len(raw), pa.int64())
    if pc.any(quoted).as_py():
        utc = pc.ends_with(raw, 'Z"')
        # the common form, checked without a regex: ends in Z, `T` after the date, at most 6
        # decimals (Arrow's parser checks the rest; a Z form it takes in 27 characters has them)
        common = pc.and_(utc, _short_with_t(raw))
        checked = pc.or_(pc.invert(quoted), common)
        if not _all(checked) and not _all(pc.or_kleene(checked, pc.match_substring_regex(
                pc.if_else(checked, none, raw), _ISO))):
            raise NotClean("a timestamp in a form the readers may take differently")
        text = pc.utf8_slice_codeunits(raw, 1, -1)
        every = _all(quoted) and _all(utc)
        text = text if _all(quoted) else pc.if_else(quoted, text, none)
        zoned = utc if _all(utc) else pc.match_substring_regex(text, _ZONE)
        try:
            ns = text.cast(pa.timestamp("ns", tz="UTC")).cast(pa.int64()) if every else pc.coalesce(
                pc.if_else(zoned, text, none).cast(pa.timestamp("ns", tz="UTC")).cast(pa.int64()),
                pc.if_else(zoned, none, text).cast(pa.timestamp("ns")).cast(pa.int64()))  # UTC
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise NotClean(str(exc)) from exc
        out = pc.coalesce(out, ns)
    if not _all(quoted):
        number = pc.if_else(quoted, none, raw)
        if not _all(pc.or_kleene(quoted, pc.match_substring_regex(number, _NUMBER))):
            raise NotClean("a timestamp neither text nor a number")
        integral = pc.match_substring_regex(number, _INT)
        try:
            if _all(pc.or_kleene(quoted, integral)):
                ns = ms_to_ns(number.cast(pa.int64()))
            else:
                ns = ms_to_ns(number.cast(pa.float64()), pc.fill_null(integral, False))
        except (pa.ArrowInvalid, OverflowError) as exc:
            raise NotClean(str(exc)) from exc
        out = pc.coalesce(out, ns)
    return out


def _short_with_t(raw: Any) -> Any:
    """Which values (JSON text with quotes) are at most 29 bytes with a ``T`` at byte 11, read
    from the buffers (Arrow's length and slice kernels take 10x longer)."""
    import numpy as np

    def mask(offsets: np.ndarray, data: np.ndarray | None) -> np.ndarray:
        starts, lengths = offsets[:-1], np.diff(offsets)
        ok = (lengths <= 29) & (lengths >= 12)
        if data is not None and ok.any():
            ok[ok] = data[starts[ok] + 11] == ord("T")
        return ok

    return _scan(raw, mask)


def _scan(raw: Any, mask: Any) -> Any:
    """``mask(offsets, data)`` (numpy views of a string array's buffers: int32 offsets, uint8
    data or None) for each chunk of ``raw``, as a boolean array chunked as ``raw`` is."""
    import numpy as np
    import pyarrow as pa

    masks = []
    for chunk in raw.chunks if isinstance(raw, pa.ChunkedArray) else [raw]:
        _, offsets_buf, data_buf = chunk.buffers()
        offsets = np.frombuffer(offsets_buf, dtype=np.int32)[
            chunk.offset:chunk.offset + len(chunk) + 1] if len(chunk) else np.zeros(1, np.int32)
        data = None if data_buf is None else np.frombuffer(data_buf, dtype=np.uint8)
        masks.append(pa.array(mask(offsets, data), pa.bool_()))
    return pa.chunked_array(masks, pa.bool_()) if isinstance(raw, pa.ChunkedArray) else masks[0]


def _flags(raw: Any) -> Any:
    import pyarrow.compute as pc

    true = pc.equal(raw, "true")
    if not _all(pc.or_(true, pc.equal(raw, "false"))):  # a null (JSON null) is skipped
        raise NotClean("is_fallback is not true, false or null")
    return true


def _loaded(name: str, texts: list[str]) -> Any:
    """JSON values of a text field as the careful reader takes them; raises NotClean."""
    import pyarrow as pa

    try:
        return pa.array([text_field(name, json.loads(t)) for t in texts], pa.string())
    except (ValueError, TypeError) as exc:
        raise NotClean(str(exc)) from exc


def _escaped(raw: Any) -> Any:
    """Which values of a string array (or chunked array) hold a backslash: one scan of its data
    buffer (Arrow's per-value substring search is 4x slower), as an Arrow boolean array."""
    import numpy as np

    def mask(offsets: np.ndarray, data: np.ndarray | None) -> np.ndarray:
        out = np.zeros(len(offsets) - 1, dtype=bool)
        if data is not None and len(out):
            at = np.flatnonzero(data[offsets[0]:offsets[-1]] == ord("\\")) + offsets[0]
            if len(at):
                out[np.searchsorted(offsets, at, side="right") - 1] = True
        return out

    return _scan(raw, mask)


def _text(name: str, raw: Any) -> Any:
    """A text field's JSON text (or null; an array or chunked array) as its string value;
    raises NotClean."""
    import pyarrow as pa
    import pyarrow.compute as pc

    plain = pc.and_(pc.starts_with(raw, '"'), pc.invert(_escaped(raw)))
    if _all(plain):  # nulls are null either way
        return pc.utf8_slice_codeunits(raw, 1, -1)
    if isinstance(raw, pa.ChunkedArray):
        raw = raw.combine_chunks()
        plain = plain.combine_chunks()
    value = pc.if_else(plain, pc.utf8_slice_codeunits(raw, 1, -1), pa.scalar(None, pa.string()))
    other = pc.and_(pc.is_valid(raw), pc.invert(plain))
    return pc.replace_with_mask(value, other, _loaded(name, raw.filter(other).to_pylist()))


def _same(a: Any, b: Any) -> bool:
    """Whether two arrays are views of the same buffers (so the same values)."""
    def addresses(x: Any) -> list[int | None]:
        return [None if buf is None else buf.address for buf in x.buffers()]

    return bool(a.offset == b.offset and len(a) == len(b) and addresses(a) == addresses(b))


def _category(name: str, raw: Any) -> Any:
    """A category field's JSON text as a dictionary array whose dictionary is its distinct
    values sorted (the careful reader's categories): each distinct JSON text is converted once,
    not each row; raises NotClean."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(raw)
    chunks = encoded.chunks if isinstance(encoded, pa.ChunkedArray) else [encoded]
    if not chunks:
        return pa.array([], pa.dictionary(pa.int32(), pa.string()))
    dictionary = chunks[-1].dictionary  # a chunked input's chunks share the final dictionary
    if not all(_same(c.dictionary, dictionary) for c in chunks):
        encoded = pa.chunked_array(chunks).combine_chunks()  # unifies the dictionaries
        chunks, dictionary = [encoded], encoded.dictionary
    values = _text(name, dictionary)
    order = pc.array_sort_indices(values).to_numpy()
    values = values.take(pa.array(order))
    if len(values) > 1 and pc.any(pc.equal(values[1:], values[:-1])).as_py():
        # 12 and "12": one id (sorted values are distinct when no two neighbours are equal)
        return _text(name, raw)
    rank = np.empty(len(values), dtype=np.int32)
    rank[order] = np.arange(len(values), dtype=np.int32)
    indices = pa.concat_arrays([c.indices for c in chunks]) if len(chunks) > 1 else chunks[0].indices
    return pa.DictionaryArray.from_arrays(pc.take(pa.array(rank), indices), values)


def _column(name: str, raw: Any, payload_json: Any) -> Any:
    """One column of DuckDB's table as the careful reader takes it (the timestamp as int64 ns);
    raises NotClean."""
    import pyarrow.compute as pc

    if name == "timestamp":
        return _timestamps_ns(raw.combine_chunks())
    if name == "is_fallback":
        return _flags(raw)
    if name == "payload":
        if payload_json.null_count < len(payload_json):
            other = payload_json.combine_chunks()
            return pc.replace_with_mask(raw.combine_chunks(), pc.is_valid(other), _loaded(
                name, other.drop_null().to_pylist()))
        return raw
    if SCHEMA[name][0] == "category":
        return _category(name, raw)
    return _text(name, raw)


# the columns the conversion starts first: the sort needs the first two, the text ones are long
_FIRST = ("conversation_id", "timestamp", "payload", "text", "mid")
_START = (*_FIRST, *(c for c in COLUMNS if c not in _FIRST))


def _order(conv: Any, ts: Any) -> Any:
    """The sort by conversation then time as Arrow indices, or None when the rows are in order
    already or the conversations are not a dictionary (the frame's builder sorts them)."""
    import pyarrow as pa

    if not pa.types.is_dictionary(conv.type) or conv.null_count:
        return None
    order = sort_order(conv.indices.to_numpy(), ts.to_numpy())
    return None if order is None else pa.array(order)


def _typed(raw: dict[str, Any]) -> Any:
    """DuckDB's columns (taken out of ``raw`` as each is converted) as the canonical table,
    sorted by conversation and time (times as ns UTC, the flag as booleans, text as the careful
    reader takes it); raises NotClean. Each column is converted and sorted in a job of its own
    on a pool of a thread a core (Arrow's kernels and numpy run without the GIL); the
    conversation and time columns go first, the sort waits for them."""
    import os
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow as pa

    payload_json = raw.pop("payload_json")
    lock = threading.Lock()
    order: list[Any] = []  # the sort, once both its columns are ready

    def convert(name: str) -> Any:
        return _column(name, raw.pop(name), payload_json)

    def convert_sorted(name: str) -> Any:
        column = convert(name)
        with lock:  # the first two jobs started first: waiting here waits for running ones
            if not order:
                order.append(_order(conv.result(), ts.result()))
        return column if order[0] is None else column.take(order[0])

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        conv, ts = pool.submit(convert, "conversation_id"), pool.submit(convert, "timestamp")
        jobs = {name: pool.submit(convert_sorted, name) for name in _START[2:]}
        columns = {name: job.result() for name, job in jobs.items()}
        sort = order[0] if order else _order(conv.result(), ts.result())
        for name, job in (("conversation_id", conv), ("timestamp", ts)):
            columns[name] = job.result() if sort is None else job.result().take(sort)
    columns["timestamp"] = columns["timestamp"].cast(pa.timestamp("ns", tz="UTC"))
    return pa.table({name: columns[name] for name in COLUMNS})


def read_duckdb(path: Path) -> Any:
    """The file as an Arrow table of the canonical columns with DuckDB's parallel JSON reader
    (times as timestamp[ns, UTC], text unescaped), or None when DuckDB is not installed.
    Raises NotClean when the careful reader must read it."""
    try:
        import duckdb
    except ImportError:
        return None
    with open(path, "rb") as fh:
        if fh.read(3) == b"\xef\xbb\xbf":  # DuckDB skips it; the careful reader reports line 1
            raise NotClean("byte-order mark")
    con = duckdb.connect()
    try:
        rel = con.sql(_query(path))
        table = rel.to_arrow_table() if hasattr(rel, "to_arrow_table") else rel.arrow()
    except duckdb.Error as exc:
        raise NotClean(str(exc).splitlines()[0]) from exc
    finally:
        con.close()
    if table.num_rows == 0:
        return table
    raw = {name: table.column(name) for name in table.column_names}
    del table  # the columns only: each is dropped once converted
    return _typed(raw)
