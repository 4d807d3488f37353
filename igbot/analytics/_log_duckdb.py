"""The fast reader of igbot's JSON-lines log: DuckDB's parallel JSON parser, each value's JSON
type checked, so nothing passes that the careful line-by-line reader would read otherwise.

DuckDB reads every field as JSON (a string keeps its quotes, a number its digits) and returns
the text fields unescaped, the timestamp and the flag as their JSON text, and, for the rare row
where a text field holds something other than a string or null (a numeric id, a payload object,
a wrong type), the row as JSON: those rows go through the careful reader's own
:func:`~igbot.analytics._schema.record_values`, so ids become text and payloads compact JSON
exactly as it makes them, and a wrong value sends the file to the careful reader. Timestamps
are taken only in the forms both readers agree on to the nanosecond (ISO-8601 with ``T``, at
most microseconds, ``Z`` or an offset or naive; integer or decimal milliseconds); anything else,
a byte-order mark, or a line DuckDB cannot parse raises :class:`NotClean`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from igbot.analytics._arrow_frame import NotClean, ms_to_ns
from igbot.analytics._schema import COLUMNS, record_values

__all__ = ["read_duckdb"]

_TEXT = tuple(c for c in COLUMNS if c not in ("timestamp", "is_fallback"))
_ISO = (r'^"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?'
        r'(Z|[+-]([01][0-9]|2[0-3]):?[0-5][0-9])?"$')
_ZONE = r"(Z|[+-][0-9]{2}:?[0-9]{2})$"
_INT = r"^-?[0-9]+$"
_NUMBER = r"^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$"


def _query(path: Path) -> str:
    columns = "{" + ", ".join(f"'{c}': 'JSON'" for c in COLUMNS) + "}"
    text = ", ".join(f"\"{c}\"->>'$' AS \"{c}\"" for c in _TEXT)
    odd = " OR ".join(f"coalesce(NOT starts_with(\"{c}\"::VARCHAR, '\"'), false)" for c in _TEXT)
    row = "json_object(" + ", ".join(f"'{c}', \"{c}\"" for c in COLUMNS) + ")::VARCHAR"
    source = str(path).replace("'", "''")
    return (f"SELECT {text}, \"timestamp\"::VARCHAR AS \"timestamp\", "
            f"\"is_fallback\"::VARCHAR AS \"is_fallback\", CASE WHEN {odd} THEN {row} END AS odd "
            f"FROM read_json('{source}', format='newline_delimited', records='true', "
            f"columns={columns})")


def _all(mask: Any) -> bool:
    import pyarrow.compute as pc

    return bool(pc.all(mask).as_py() is not False)


def _timestamps_ns(raw: Any, odd: Any) -> Any:
    """The JSON text of each timestamp as int64 ns (0 in odd rows); raises NotClean."""
    import pyarrow as pa
    import pyarrow.compute as pc

    quoted = pc.starts_with(raw, '"')
    if not _all(pc.or_kleene(odd, pc.is_valid(raw))):
        raise NotClean("missing timestamp")
    out = pa.nulls(len(raw), pa.int64())
    if pc.any(quoted).as_py():
        utc = pc.ends_with(raw, 'Z"')
        # the common form, checked without a regex: ends in Z, `T` after the date, at most 6
        # decimals (Arrow's parser checks the rest; a Z form it takes in 27 characters has them)
        common = pc.and_(pc.and_(utc, pc.less_equal(pc.binary_length(raw), 29)),
                         pc.equal(pc.utf8_slice_codeunits(raw, 11, 12), "T"))
        checked = pc.or_kleene(pc.or_kleene(odd, pc.invert(quoted)), common)
        if not _all(checked) and not _all(pc.or_kleene(checked, pc.match_substring_regex(
                pc.if_else(checked, pa.scalar(None, pa.string()), raw), _ISO))):
            raise NotClean("a timestamp in a form the readers may take differently")
        text = pc.if_else(pc.or_kleene(odd, pc.invert(quoted)), pa.scalar(None, pa.string()),
                          pc.utf8_slice_codeunits(raw, 1, -1))
        zoned = utc if _all(utc) else pc.match_substring_regex(text, _ZONE)
        aware = pc.if_else(zoned, text, pa.scalar(None, pa.string()))
        naive = pc.if_else(zoned, pa.scalar(None, pa.string()), text)
        try:
            ns = pc.coalesce(aware.cast(pa.timestamp("ns", tz="UTC")).cast(pa.int64()),
                             naive.cast(pa.timestamp("ns")).cast(pa.int64()))  # naive is UTC
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise NotClean(str(exc)) from exc
        out = pc.coalesce(out, ns)
    if not _all(pc.or_kleene(odd, quoted)):
        number = pc.if_else(pc.or_kleene(odd, quoted), pa.scalar(None, pa.string()), raw)
        if not _all(pc.or_kleene(pc.is_null(number), pc.match_substring_regex(number, _NUMBER))):
            raise NotClean("a timestamp neither text nor a number")
        integral = pc.match_substring_regex(number, _INT)
        try:
            if _all(pc.or_kleene(pc.is_null(number), integral)):
                ns = ms_to_ns(number.cast(pa.int64()))
            else:
                ns = ms_to_ns(number.cast(pa.float64()), pc.fill_null(integral, False))
        except (pa.ArrowInvalid, OverflowError) as exc:
            raise NotClean(str(exc)) from exc
        out = pc.coalesce(out, ns)
    return pc.fill_null(out, 0)


def _flags(raw: Any, odd: Any) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    known = pc.or_kleene(pc.is_null(raw), pc.is_in(raw, pa.array(["true", "false"])))
    if not _all(pc.or_kleene(odd, known)):
        raise NotClean("is_fallback is not true, false or null")
    return pc.equal(raw, "true")


def _typed(table: Any) -> Any:
    """DuckDB's table as the canonical columns (times as ns, the flag as booleans), the odd
    rows replaced by the careful reader's values; raises NotClean."""
    import pyarrow as pa
    import pyarrow.compute as pc

    odd_rows = table.column("odd").combine_chunks()
    odd = pc.is_valid(odd_rows)
    columns: dict[str, Any] = {c: table.column(c) for c in _TEXT}
    columns["timestamp"] = _timestamps_ns(table.column("timestamp").combine_chunks(), odd)
    columns["is_fallback"] = _flags(table.column("is_fallback").combine_chunks(), odd)
    if odd_rows.null_count < len(odd_rows):
        try:
            rows = [record_values(json.loads(text)) for text in odd_rows.drop_null().to_pylist()]
        except (ValueError, TypeError) as exc:
            raise NotClean(str(exc)) from exc
        columns.update((c, columns[c].combine_chunks()) for c in _TEXT)
        for i, name in enumerate(COLUMNS):
            kind = pa.int64() if name == "timestamp" else pa.bool_() if name == "is_fallback" \
                else pa.string()
            columns[name] = pc.replace_with_mask(columns[name], odd,
                                                 pa.array([r[i] for r in rows], kind))
    columns["timestamp"] = columns["timestamp"].cast(pa.timestamp("ns", tz="UTC"))
    return pa.table({c: columns[c] for c in COLUMNS})


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
    return _typed(table)
