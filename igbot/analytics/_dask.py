"""Logs bigger than memory: a Dask DataFrame partitioned by conversation.

Each input file is loaded lazily with :func:`load`; rows are shuffled so that every conversation
lives in one partition, then the per-conversation functions (:func:`sessionize`, the session
table) run per partition with ``map_partitions``. :func:`summarize_dask` combines the per-session
tables into the same headline rates as :func:`summary`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from igbot.analytics._load import _expand, load
from igbot.analytics._metrics import session_table
from igbot.analytics._schema import conform_categories, empty_frame
from igbot.analytics._sessions import sessionize

__all__ = ["load_dask", "session_table_dask", "summarize_dask"]


def _load_one(path: str, format: str) -> pd.DataFrame:
    df = load(path, format=format, progress=False)
    df["conversation_id"] = df["conversation_id"].astype(str)
    df["session_id"] = df["session_id"].astype(object)
    return df


def _meta() -> pd.DataFrame:
    meta = empty_frame()
    meta["conversation_id"] = meta["conversation_id"].astype(str)
    meta["session_id"] = meta["session_id"].astype(object)
    return meta


def _per_partition(part: pd.DataFrame, gap: str) -> pd.DataFrame:
    part = conform_categories(part.reset_index(drop=True))
    out = sessionize(part, gap)
    out["conversation_id"] = out["conversation_id"].astype(str)
    out["session_id"] = out["session_id"].astype(str)
    return out


def load_dask(paths: str | Path | Iterable[str | Path], format: str = "auto",
              gap: str = "30min", npartitions: int | None = None) -> Any:
    """A Dask DataFrame of the inputs, partitioned by conversation and sessionized.

    Args:
        paths: files (or globs) to read; each is one lazy task.
        format: as for :func:`load`.
        gap: the session gap applied per partition.
        npartitions: partitions after the shuffle (default: one per input file).
    """
    import dask
    import dask.dataframe as dd

    files = [str(p) for p in _expand(paths)]
    parts = [dask.delayed(_load_one)(f, format) for f in files]
    ddf = dd.from_delayed(parts, meta=_meta(), verify_meta=False)
    ddf = ddf.shuffle("conversation_id", npartitions=npartitions or max(len(files), 1))
    meta = _meta()
    meta["session_id"] = meta["session_id"].astype(str)
    return ddf.map_partitions(_per_partition, gap, meta=meta)


def _table(part: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    if part.empty:
        return pd.DataFrame()
    part = conform_categories(part.reset_index(drop=True))
    table = session_table(part, gap=None, **params)
    out = table[["session_id", "conversation_id", "messages_in", "messages_out", "handover",
                 "contained", "has_fallback", "fallback_messages", "abandoned",
                 "median_bot_response_s", "agent_first_response_s"]].copy()
    for col in ("session_id", "conversation_id"):
        out[col] = out[col].astype(str)
    return out


def session_table_dask(ddf: Any, **params: Any) -> pd.DataFrame:
    """The per-session table (a subset of :func:`session_table`'s columns), computed per
    partition and gathered (it has one row per session, so it fits in memory)."""
    table = ddf.map_partitions(_table, params=params, meta=_table_meta()).compute()
    return table.reset_index(drop=True)


def _table_meta() -> pd.DataFrame:
    return pd.DataFrame({
        "session_id": pd.Series(dtype=str), "conversation_id": pd.Series(dtype=str),
        "messages_in": pd.Series(dtype=np.int64), "messages_out": pd.Series(dtype=np.int64),
        "handover": pd.Series(dtype=bool), "contained": pd.Series(dtype=bool),
        "has_fallback": pd.Series(dtype=bool), "fallback_messages": pd.Series(dtype=np.int64),
        "abandoned": pd.Series(dtype=bool), "median_bot_response_s": pd.Series(dtype=float),
        "agent_first_response_s": pd.Series(dtype=float)})


def summarize_dask(ddf: Any, **params: Any) -> dict[str, Any]:
    """Headline figures of a Dask frame: sessions, handover, containment, fallback rates."""
    table = session_table_dask(ddf, **params)
    n = len(table)
    msgs = int(table["messages_in"].sum()) if n else 0
    return {
        "conversations": int(table["conversation_id"].nunique()) if n else 0,
        "sessions": n,
        "messages_in": msgs,
        "messages_out": int(table["messages_out"].sum()) if n else 0,
        "handover_rate": float(table["handover"].mean()) if n else None,
        "containment_rate": float(table["contained"].mean()) if n else None,
        "fallback_rate": float(table["fallback_messages"].sum() / msgs) if msgs else None,
        "abandonment_rate": float(table["abandoned"].mean()) if n else None,
    }
