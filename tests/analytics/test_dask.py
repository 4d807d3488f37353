"""Logs bigger than memory: Dask partitions by conversation give the same figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from igbot.analytics import load, load_dask, report, save, summary
from igbot.analytics._dask import report_dask, summarize_dask


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


def _sessions_in_order(table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    for col in ("session_id", "conversation_id"):
        out[col] = out[col].astype(str).astype("category")
    out = out.sort_values(["conversation_id", "start", "session_id"], kind="stable")
    out["returning"] = out["conversation_id"].duplicated()
    return out.reset_index(drop=True)


def test_report_over_a_parquet_folder_on_a_local_cluster_equals_pandas(
        samples: Path, tmp_path: Path) -> None:
    pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    from igbot.kataml import load_bot

    df = load(samples / "igbot_log.jsonl")
    folder = tmp_path / "events"
    folder.mkdir()
    rows = np.arange(len(df))
    for k in range(3):  # rows dealt round-robin: every conversation spans the three files
        save(df.iloc[rows % 3 == k].reset_index(drop=True), folder / f"part-{k}.parquet")
    bot = load_bot(Path(__file__).resolve().parents[2] / "data" / "bots" / "shop")
    kw: dict = {"bot": bot, "funnel_states": ["show", "claimed"], "funnel_flow": "promo"}
    want = report(load(folder), **kw)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address="127.0.0.1:0") as cluster, \
            distributed.Client(cluster):
        got = report_dask(folder, npartitions=2, **kw)
    assert got.params["partitions"] == 2
    assert {k: v for k, v in got.summary.items()} == want.summary
    pd.testing.assert_frame_equal(got.tables["sessions"], _sessions_in_order(
        want.tables["sessions"]), check_categorical=False)
    for name in ("triggers", "volume_daily", "volume_hourly", "rates_daily", "hour_of_week",
                 "new_vs_returning", "intents", "states", "funnel"):
        pd.testing.assert_frame_equal(got.tables[name], want.tables[name], check_freq=False,
                                      obj=name)
    key = ["measure", "conversation_id", "timestamp"]
    times = want.tables["response_times"].astype({"conversation_id": str}).sort_values(
        key, kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(got.tables["response_times"].astype({"conversation_id": str}),
                                  times, check_categorical=False, check_dtype=False)
    assert got.meta["first"] == want.meta["first"] and got.meta["sources"] == want.meta["sources"]
    assert "<h1>Conversation report: shop 1.0.0</h1>" in got.to_html()
