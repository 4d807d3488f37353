"""Logs bigger than memory: Dask partitions by conversation give the same figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from igbot.analytics import load, load_dask, summary
from igbot.analytics._dask import summarize_dask


def test_dask_matches_pandas(samples: Path, tmp_path: Path) -> None:
    pytest.importorskip("dask.dataframe")
    ddf = load_dask([samples / "igbot_log.jsonl"], npartitions=3)
    assert ddf.npartitions == 3
    parts = [p.compute() for p in ddf.to_delayed()]
    owners = [set(p["conversation_id"]) for p in parts]
    assert sum(len(o) for o in owners) == len(set.union(*owners))  # one partition each
    got = summarize_dask(ddf)
    want = summary(load(samples / "igbot_log.jsonl"))
    for key in ("conversations", "sessions", "messages_in", "messages_out", "handover_rate",
                "containment_rate", "fallback_rate"):
        assert got[key] == pytest.approx(want[key]), key
