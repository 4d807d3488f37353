"""The analytics benchmark's frames and its DuckDB baseline: the baseline computes the same
figures as igbot on the short-session frame (so the ratio compares like with like)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from igbot.analytics import load, report


def test_short_frame_and_duckdb_baseline_agree_with_igbot(bench_script: Callable[[str], ModuleType], tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    bench = bench_script("analytics")
    path = bench.build_short(20_000, tmp_path)
    rep = report(load(path))
    s = rep.summary
    assert s["events"] == 20_000
    assert 2.4 <= s["events"] / s["sessions"] <= 2.8  # the shape the issue profiles
    sql = bench.SQL.format(path=path, nm=", ".join(f"'{k}'" for k in bench._NON_MESSAGE))
    row = duckdb.connect().execute(sql)
    got = dict(zip([d[0] for d in row.description], row.fetchone(), strict=True))
    assert got["sessions"] == s["sessions"]
    assert got["handover_rate"] == pytest.approx(s["handover_rate"])
    assert got["containment_rate"] == pytest.approx(s["containment_rate"])
    assert got["median_bot_response_s"] == pytest.approx(s["median_bot_response_s"])
    assert got["median_agent_first_response_s"] == pytest.approx(
        s["median_agent_first_response_s"])


def test_the_arrow_size_counts_a_shared_dictionary_once(bench_script: Callable[[str], ModuleType], tmp_path: Path) -> None:
    """The target's denominator counts every buffer once; ``nbytes`` (earlier rounds') counts
    the dictionary once per record batch that shares it."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    bench = bench_script("analytics")
    names = pa.array([f"person_{i:06d}" for i in range(50_000)])
    rows = 400_000  # several record batches when read back, one dictionary
    column = pa.DictionaryArray.from_arrays(pa.array(np.arange(rows) % 50_000, pa.int32()), names)
    path = tmp_path / "dict.parquet"
    pq.write_table(pa.table({"conversation_id": column}), path)
    batches = pq.read_table(path).column(0).num_chunks
    assert batches >= 2
    size = bench.arrow_size(path)
    dictionary = names.nbytes
    assert size.nbytes - size.shared == pytest.approx((batches - 1) * dictionary, rel=0.02)
    assert size.shared == pytest.approx(rows * 4 + dictionary, rel=0.02)
