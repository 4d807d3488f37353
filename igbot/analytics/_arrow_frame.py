"""Arrow columns into the canonical frame, one column at a time, sorted by conversation and time.

The fast readers (Parquet, JSON lines through DuckDB or pyarrow.json) hand their columns here.
Each column is turned into its compact form first (categorical codes as numpy, strings as
Arrow, times as int64 ns), sorted in that form when the input is not in conversation order (a
take of int8 codes instead of pandas' take of a categorical Series with its index), and wrapped
as pandas only at the end, so only one column is held as Arrow and as its converted form at once.

Raises :class:`NotClean` for anything the careful line-by-line reader must judge instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from igbot.analytics._categories import unique_categorical
from igbot.analytics._memory import release_unused
from igbot.analytics._schema import COLUMNS, DIRECTIONS, ROLES, SCHEMA, str_categories

__all__ = ["NotClean", "columns_to_frame", "ms_to_ns", "sort_order", "table_to_frame", "timestamps"]


class NotClean(Exception):
    """The fast columnar reader met something it cannot vouch for: read line by line instead."""


def ms_to_ns(ms: Any, integral: Any = None) -> Any:
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


def timestamps(ts: Any) -> Any:
    """The timestamp column as Arrow timestamp[ns, UTC]; raises NotClean."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_timestamp(ts.type):
        ts = ts.cast(pa.timestamp("ns", tz="UTC")) if ts.type.tz else pc.assume_timezone(
            ts.cast(pa.timestamp("ns")), "UTC")
    elif pa.types.is_integer(ts.type) or pa.types.is_floating(ts.type):
        ts = ms_to_ns(ts).cast(pa.timestamp("ns", tz="UTC"))
    elif pa.types.is_string(ts.type) or pa.types.is_large_string(ts.type):
        try:
            ts = ts.cast(pa.timestamp("ns", tz="UTC"))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            try:  # naive times are UTC
                ts = pc.assume_timezone(ts.cast(pa.timestamp("ns")), "UTC")
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                raise NotClean(str(exc)) from exc
    else:
        raise NotClean(f"timestamp of type {ts.type}")
    if ts.null_count:
        raise NotClean("missing timestamp")
    return ts


class _Cat:
    """A categorical column in compact form: codes (numpy) and unique categories (Arrow)."""

    def __init__(self, codes: np.ndarray, categories: Any) -> None:
        self.codes, self.categories = codes, categories

    def take(self, order: np.ndarray) -> _Cat:
        return _Cat(self.codes[order], self.categories)

    def series(self) -> pd.Series:
        return pd.Series(unique_categorical(self.codes, pd.Index(
            pd.arrays.ArrowStringArray(self.categories), dtype="str")), copy=False)


def _small(codes: np.ndarray, size: int) -> np.ndarray:
    small = np.int8 if size < 127 else np.int16 if size < 32_767 else np.int32
    return codes.astype(small, copy=False)


def _dictionary_cat(arr: Any) -> _Cat | None:
    """A dictionary column as codes and its own dictionary (the order :func:`save` kept), or
    None when the dictionary has repeated or missing values (pandas' path then decides)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    chunked = arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr])
    if chunked.num_chunks == 0:
        return None
    chunked = chunked.unify_dictionaries()
    values = chunked.chunk(0).dictionary
    if values.null_count or not _distinct(values):
        return None
    codes = np.concatenate([pc.fill_null(c.indices, -1).to_numpy(zero_copy_only=False)
                            for c in chunked.chunks])
    return _Cat(_small(codes, len(values)), values)


def _distinct(values: Any) -> bool:
    """Whether a dictionary's values (no nulls) are distinct: at once when they are sorted (the
    JSON-lines reader's, a saved frame's), else by counting them."""
    import pyarrow.compute as pc

    if len(values) < 2 or pc.all(pc.less(values[:-1], values[1:])).as_py():
        return True
    return bool(pc.count_distinct(values).as_py() == len(values))


def _sorted_cat(arr: Any) -> _Cat:
    """Text as codes into its sorted unique values (the careful reader's ``pd.Categorical``
    categories): one hash pass (``dictionary_encode``), then the small dictionary sorted and
    the codes renumbered by a lookup."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    encoded = pc.dictionary_encode(arr)
    values = encoded.dictionary
    order = pc.array_sort_indices(values).to_numpy()
    rank = np.empty(len(values) + 1, dtype=np.int32)
    rank[order] = np.arange(len(values), dtype=np.int32)
    rank[-1] = -1  # a missing value's code
    indices = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
    return _Cat(_small(rank[indices], len(values)), values.take(pa.array(order)))


def _categorical(arr: Any) -> _Cat | pd.Series:
    """An Arrow string (or dictionary) column as a categorical with str categories: a
    dictionary keeps its order (a Parquet file :func:`save` wrote); text gets sorted
    categories, as the careful reader's ``pd.Categorical`` makes them."""
    import pyarrow as pa

    if pa.types.is_dictionary(arr.type):
        if not pa.types.is_string(arr.type.value_type):
            arr = arr.cast(pa.dictionary(arr.type.index_type, pa.string()))
        fast = _dictionary_cat(arr)
        return fast if fast is not None else str_categories(arr.to_pandas())
    if not pa.types.is_string(arr.type):
        arr = arr.cast(pa.string())
    return _sorted_cat(arr)


class _NoText:
    """A text column with no value at all (absent, or every value null): the frame's text
    columns without one share a single Arrow null array (see :func:`_null_strings`)."""

    def take(self, order: np.ndarray) -> _NoText:
        return self


_NULL_CHUNK = 1 << 16


def _null_strings(n: int) -> Any:
    """``n`` missing strings as Arrow ``large_string`` (pandas' own storage: a string array
    would be cast, its offsets copied, once per column), made of slices of one 65,536-row null
    array: its offsets are 512 KB, where one array of ``n`` rows has 8 MB a million rows."""
    import pyarrow as pa

    piece = pa.nulls(min(n, _NULL_CHUNK), pa.large_string())
    full, rest = divmod(n, _NULL_CHUNK)
    chunks = [piece] * full + ([piece.slice(0, rest)] if rest or not full else [])
    return pa.chunked_array(chunks, type=pa.large_string())


def _strings(arr: Any) -> Any:
    """An Arrow column as one string Arrow array (chunked), without copying when it can."""
    import pyarrow as pa

    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.string())
    return arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr])


def _convert(name: str, arr: Any, n: int) -> Any:
    """One Arrow column (or None: absent) in its compact form; raises NotClean."""
    import pyarrow as pa

    dtype = SCHEMA[name][0]
    if dtype == "string" and (arr is None or arr.null_count == len(arr)):
        return _NoText()
    if arr is None:
        arr = pa.nulls(n, pa.bool_() if name == "is_fallback" else pa.string())
    if name == "timestamp":
        ts = timestamps(arr).cast(pa.int64())
        return ts.to_numpy() if isinstance(ts, pa.Array) else np.concatenate(
            [c.to_numpy() for c in ts.chunks]) if ts.num_chunks else np.zeros(0, np.int64)
    if dtype == "category":
        return _categorical(arr)
    if dtype == "boolean":
        if not pa.types.is_boolean(arr.type) and arr.null_count < n:
            raise NotClean(f"is_fallback of type {arr.type}")
        return arr.cast(pa.bool_())
    return _strings(arr)


def _take(value: Any, order: np.ndarray) -> Any:
    import pyarrow as pa

    if isinstance(value, _Cat | np.ndarray | _NoText):
        return value.take(order)
    if isinstance(value, pa.Array | pa.ChunkedArray):
        return value.take(pa.array(order))
    return value.take(order).reset_index(drop=True)  # a Series from pandas' own path


def _series(name: str, value: Any) -> pd.Series:
    import pyarrow as pa

    if isinstance(value, _Cat):
        return value.series()
    if isinstance(value, pd.Series):
        return value
    if name == "timestamp":
        return pd.Series(value.view("datetime64[ns]"), copy=False).dt.tz_localize("UTC")
    if name == "is_fallback":
        return pd.Series(value.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get),
                         dtype="boolean")
    if isinstance(value, pa.Array):
        value = pa.chunked_array([value])
    return pd.Series(pd.arrays.ArrowStringArray(value), copy=False)


def _codes(value: Any) -> np.ndarray:
    if isinstance(value, _Cat):
        return value.codes
    return np.asarray(value.cat.codes)


def sort_order(conv: np.ndarray, ts: np.ndarray) -> np.ndarray | None:
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


def _fixed(value: Any, allowed: tuple[str, ...]) -> pd.Series:
    """A direction or role column with its fixed categories; raises NotClean."""
    series = _series("", value)
    if (np.asarray(series.cat.codes) < 0).any() or not set(series.cat.categories) <= set(allowed):
        raise NotClean("bad value")
    return series.cat.set_categories(list(allowed))


def columns_to_frame(column: Callable[[str], Any], n: int, source: str, desc: str = "columns",
                     progress: bool | None = None) -> pd.DataFrame:
    """A canonical frame from ``column(name)`` (an Arrow column, or None when absent), taking
    one column at a time so only one is held as Arrow and as its converted form at once, in the
    order of :func:`~igbot.analytics._schema.sort_events` (each column sorted as it comes, not
    the whole frame copied at the end); raises NotClean."""
    import pyarrow as pa
    from tqdm.auto import tqdm

    data: dict[str, Any] = {}
    order: np.ndarray | None = None
    first = ("conversation_id", "timestamp")
    pool = pa.default_memory_pool()  # Arrow's pages per column; the C heap's once, at the end
    names = (*first, *(c for c in COLUMNS if c not in first))
    for name in tqdm(names, desc=desc, unit=" column", delay=1.0, leave=False,
                     disable=None if progress is None else not progress):
        data[name] = _convert(name, column(name), n)
        if name == "timestamp":
            order = sort_order(_codes(data["conversation_id"]), data["timestamp"])
            if order is not None:
                data = {k: _take(v, order) for k, v in data.items()}
        elif order is not None and name not in first:
            data[name] = _take(data[name], order)
        if name in ("conversation_id", "kind"):
            value = data[name]
            cats = value.categories if isinstance(value, _Cat) else value.cat.categories
            if (_codes(value) < 0).any() or any(c == "" for c in _head_empty(cats)):
                raise NotClean(f"empty {name}")
        pool.release_unused()  # a column's decoding buffers back to the system before the next
    out: dict[str, pd.Series] = {}
    no_text: Any = None
    for name in COLUMNS:
        value = data.pop(name)
        if isinstance(value, _NoText):
            if no_text is None:
                no_text = _null_strings(n)
            out[name] = pd.Series(pd.arrays.ArrowStringArray(no_text), copy=False)
        elif name == "direction":
            out[name] = _fixed(value, DIRECTIONS)
        elif name == "role":
            out[name] = _fixed(value, ROLES)
        else:
            out[name] = _series(name, value)
    src = out["source"]
    if (np.asarray(src.cat.codes) < 0).any():
        if source not in src.cat.categories:
            src = src.cat.add_categories([source])
        out["source"] = src.fillna(source)
    release_unused()  # trimming the C heap after every column costs a JSON-lines load 10% CPU
    return pd.DataFrame(out, copy=False)


def _head_empty(categories: Any) -> list[str]:
    """The empty string, if it is among the categories (sorted ones hold it first)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(categories, pa.Array):
        return [""] if pc.any(pc.equal(pc.utf8_length(categories), 0)).as_py() else []
    return [""] if (pd.Index(categories) == "").any() else []


def table_to_frame(holder: list[Any], source: str, desc: str = "columns",
                   progress: bool | None = None) -> pd.DataFrame:
    """A canonical frame from the Arrow table in ``holder`` (taken out of it, so each Arrow
    column is released once converted); raises NotClean."""
    table = holder.pop()
    columns = {name: table.column(name) for name in table.column_names}
    n = table.num_rows
    del table
    return columns_to_frame(lambda name: columns.pop(name, None), n, source, desc, progress)
