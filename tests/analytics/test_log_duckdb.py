"""The DuckDB JSON-lines reader's conversion: the same table whatever DuckDB's chunks."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pyarrow as pa
import pytest

from igbot.analytics._log_duckdb import _query, _typed, read_duckdb

from ._varied import write_varied

duckdb = pytest.importorskip("duckdb")


def _columns(path: Path) -> dict[str, pa.ChunkedArray]:
    table = duckdb.connect().sql(_query(path)).to_arrow_table()
    return {name: table.column(name) for name in table.column_names}


def _rechunked(column: pa.ChunkedArray, cuts: tuple[int, ...]) -> pa.ChunkedArray:
    """The column split at ``cuts`` (an empty chunk too): DuckDB hands a chunk a file buffer."""
    whole = column.combine_chunks()
    bounds = (0, *cuts, len(whole))
    pieces = [whole.slice(a, b - a) for a, b in pairwise(bounds)]
    return pa.chunked_array([*pieces[:1], whole.slice(0, 0), *pieces[1:]], type=whole.type)


@pytest.mark.parametrize("seed", range(3))
def test_chunked_columns_give_the_one_chunk_table(tmp_path: Path, seed: int) -> None:
    path = write_varied(tmp_path / "v.jsonl", seed, plain=seed == 2)
    raw = _columns(path)
    n = len(raw["conversation_id"])
    one = {k: pa.chunked_array([v.combine_chunks()]) for k, v in raw.items()}
    many = {k: _rechunked(v, (1, n // 3, n // 2)) for k, v in raw.items()}
    expected, got = _typed(one), _typed(many)
    assert got.schema == expected.schema
    assert got.combine_chunks().equals(expected.combine_chunks())


def test_the_table_comes_sorted_by_conversation_then_time(tmp_path: Path) -> None:
    import numpy as np

    table = read_duckdb(write_varied(tmp_path / "v.jsonl", 4, plain=True))  # ids as text
    codes = table.column("conversation_id").combine_chunks().indices.to_numpy()
    ns = table.column("timestamp").combine_chunks().cast(pa.int64()).to_numpy()
    assert (np.diff(codes) >= 0).all() and (np.diff(ns)[np.diff(codes) == 0] >= 0).all()
    assert not (np.diff(codes) == 0).all()  # several conversations, interleaved in the file
