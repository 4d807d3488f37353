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
    path, arrow_bytes = bench.build_short(20_000, tmp_path)
    assert arrow_bytes > 0
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
