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

from igbot.analytics._funnel import check_funnel
from igbot.analytics._load import _expand, load
from igbot.analytics._metrics import _quantile, _ratio, _trigger_mix, session_table
from igbot.analytics._report import Report, report, report_meta
from igbot.analytics._schema import conform_categories, empty_frame
from igbot.analytics._sessions import MetricParams, check_tz, sessionize
from igbot.analytics._volume import _new_vs_returning, _rates_over_time

__all__ = ["load_dask", "report_dask", "session_table_dask", "summarize_dask"]


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
    # dask is only for logs bigger than memory: it loads when one is read, not with analytics
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
        "messages_in": pd.Series(dtype=np.int32), "messages_out": pd.Series(dtype=np.int32),
        "handover": pd.Series(dtype=bool), "contained": pd.Series(dtype=bool),
        "has_fallback": pd.Series(dtype=bool), "fallback_messages": pd.Series(dtype=np.int32),
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


def _inputs(paths: str | Path | Iterable[str | Path]) -> list[str]:
    """Files to read: a directory stands for the Parquet files under it."""
    out: list[str] = []
    for path in _expand(paths):
        if path.is_dir():
            out.extend(str(p) for p in sorted(path.rglob("*.parquet")))
        else:
            out.append(str(path))
    if not out:
        raise FileNotFoundError(f"no Parquet files in {paths}")
    return out


def _partial(part: pd.DataFrame, params: dict[str, Any], funnel_states: list[str] | None,
             funnel_flow: str | None) -> Report | None:
    """The report of one partition (whole conversations, already sessionized)."""
    if part.empty:
        return None
    part = conform_categories(part.reset_index(drop=True))
    return report(part, gap=None, funnel_states=funnel_states, funnel_flow=funnel_flow,
                  **params)


_SUMMED = ("events", "conversations", "sessions", "messages_in", "messages_out", "bot_messages",
           "agent_messages", "handover_sessions", "fallback_messages", "abandoned_sessions",
           "unanswered_messages", "handovers", "unanswered_handovers", "people",
           "returning_people", "refused_replies", "refused_outside_window",
           "human_agent_tag_messages")


def _merge_summary(parts: list[Report], table: pd.DataFrame, times: pd.DataFrame,
                   skipped: int) -> dict[str, Any]:
    out: dict[str, Any] = {k: sum(int(p.summary[k]) for p in parts) for k in _SUMMED}
    n_s = len(table)
    bot = times.loc[times["measure"] == "bot", "seconds"].to_numpy()
    wait = times.loc[times["measure"] == "agent_first", "seconds"].to_numpy()
    turns = table["messages_in"].to_numpy()
    msgs = (table["messages_in"] + table["messages_out"]).to_numpy()
    firsts = [p.summary["first_event"] for p in parts if p.summary["first_event"]]
    lasts = [p.summary["last_event"] for p in parts if p.summary["last_event"]]
    out.update({
        "handover_rate": _ratio(table["handover"].sum(), n_s) if n_s else None,
        "containment_rate": _ratio(table["contained"].sum(), n_s) if n_s else None,
        "fallback_rate": _ratio(out["fallback_messages"], out["messages_in"]),
        "fallback_session_rate": _ratio(table["has_fallback"].sum(), n_s) if n_s else None,
        "abandonment_rate": _ratio(table["abandoned"].sum(), n_s) if n_s else None,
        "median_bot_response_s": _quantile(bot, 0.5),
        "p90_bot_response_s": _quantile(bot, 0.9),
        "median_agent_first_response_s": _quantile(wait, 0.5),
        "p90_agent_first_response_s": _quantile(wait, 0.9),
        "turns_per_session": float(turns.mean()) if n_s else None,
        "median_turns_per_session": float(np.median(turns)) if n_s else None,
        "messages_per_session": float(msgs.mean()) if n_s else None,
        "triggers": {k: int(v) for k, v in zip(*_trigger_mix(table)[["trigger", "sessions"]]
                                               .to_numpy().T, strict=True)} if n_s else {},
        "human_agent_tag_share": None if not out["agent_messages"] else
        out["human_agent_tag_messages"] / out["agent_messages"],
        "first_event": min(firsts, key=pd.Timestamp) if firsts else None,
        "last_event": max(lasts, key=pd.Timestamp) if lasts else None,
        "skipped": skipped,
    })
    order = list(parts[0].summary)
    return {k: out[k] for k in order if k in out} | {k: v for k, v in out.items() if k not in order}


def _sum_aligned(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Per-period counts of the partitions added up over every period any of them has."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=["messages_in", "messages_out", "sessions", "people"])
    index = frames[0].index
    for other in frames[1:]:
        index = index.union(other.index)
    freq = frames[0].index.freq
    if freq is not None:
        index = pd.date_range(index.min(), index.max(), freq=freq, name=frames[0].index.name)
    total = sum(f.reindex(index, fill_value=0) for f in frames)
    return total.astype(int).rename_axis(frames[0].index.name)


def _merge_counts(frames: list[pd.DataFrame], keys: list[str], counts: list[str]) -> pd.DataFrame:
    both = pd.concat(frames, ignore_index=True)
    return both.groupby(keys, sort=False, dropna=False)[counts].sum().reset_index()


def _merge_intents(parts: list[Report]) -> pd.DataFrame:
    frames = []
    for p in parts:
        t = p.tables["intents"].copy()
        t["fallbacks"] = (t["fallback_share"] * t["messages"]).round().astype(np.int64)
        frames.append(t)
    out = _merge_counts(frames, ["intent"], ["messages", "sessions", "fallbacks"])
    out["fallback_share"] = out["fallbacks"] / out["messages"]
    total = int(out["messages"].sum())
    out["share"] = out["messages"] / total if total else 0.0
    out = out[["intent", "messages", "sessions", "fallback_share", "share"]]
    return out.sort_values(["messages", "intent"], ascending=[False, True],
                           kind="stable").reset_index(drop=True)


def _merge_states(parts: list[Report], n_sessions: int) -> pd.DataFrame:
    out = _merge_counts([p.tables["states"] for p in parts], ["flow", "state"],
                        ["events", "sessions"])
    out["session_share"] = out["sessions"] / n_sessions if n_sessions else 0.0
    return out.sort_values(["events", "flow", "state"], ascending=[False, True, True],
                           kind="stable").reset_index(drop=True)


def _merge_funnel(parts: list[Report]) -> pd.DataFrame:
    first = parts[0].tables["funnel"]
    arr = sum(p.tables["funnel"]["sessions"].to_numpy() for p in parts)
    prev = np.r_[arr[:1], arr[:-1]]
    top = arr[0] if len(arr) else 0
    return pd.DataFrame({
        "step": first["step"].to_numpy(), "state": first["state"].to_numpy(), "sessions": arr,
        "share_of_start": arr / top if top else np.zeros(len(arr)), "drop_off": prev - arr,
        "drop_off_rate": np.where(prev > 0, (prev - arr) / np.maximum(prev, 1), 0.0)})


def report_dask(paths: str | Path | Iterable[str | Path], *, format: str = "auto",
                npartitions: int | None = None, funnel_states: list[str] | None = None,
                funnel_flow: str | None = None, **params: Any) -> Report:
    """:func:`report` over logs bigger than memory, computed by Dask partition by partition.

    Each file (a directory stands for the Parquet files under it) is read by a Dask task; rows
    are shuffled so every conversation lives in one partition; each partition is sessionized
    and reported with the pandas code, judged against the whole log's last event; the partial
    reports are merged (counts added, rates and medians recomputed from the gathered
    per-session and per-response rows). Figures and tables equal :func:`report` on the same
    data; the per-session rows come ordered by conversation id then start.

    Runs on whatever Dask scheduler is active: a ``distributed.Client`` (a ``LocalCluster`` or
    a real cluster, whose workers must see the same paths) or Dask's threads by default.

    Args:
        paths: files, globs or directories of Parquet files (or any format :func:`load` reads).
        format: as for :func:`load`.
        npartitions: partitions after the shuffle (default: one per input file).
        funnel_states, funnel_flow, **params: as for :func:`report` (``bot=``, ``gap``, ...).
    """
    import dask  # loaded when used, as in load_dask

    bot = params.get("bot")
    gap = params.pop("gap", "30min")
    mp = MetricParams.make({**params, "gap": gap})
    check_tz(mp.tz)
    files = _inputs(paths)
    ddf = load_dask(files, format=format, gap=gap, npartitions=npartitions)
    end = ddf["timestamp"].max().compute()
    if (funnel_states or funnel_flow) and bot is not None:
        check_funnel(pd.DataFrame(), list(funnel_states or []), funnel_flow, bot)
    tasks = [dask.delayed(_partial)(part, {**params, "data_end": end}, funnel_states,
                                    funnel_flow) for part in ddf.to_delayed()]
    parts = [p for p in dask.compute(*tasks) if p is not None]
    if not parts:
        return report(load(files, format=format, progress=False), gap=gap, **params)
    table = pd.concat([p.tables["sessions"] for p in parts], ignore_index=True)
    for col in ("session_id", "conversation_id"):
        table[col] = table[col].astype(str).astype("category")
    if not isinstance(table["last_state"].dtype, pd.CategoricalDtype):  # partitions' own states
        names = set().union(*(p.tables["sessions"]["last_state"].cat.categories for p in parts))
        table["last_state"] = table["last_state"].astype(pd.CategoricalDtype(
            pd.Index(sorted(names), dtype="str")))
    table = table.sort_values(["conversation_id", "start", "session_id"],
                              key=lambda c: c.astype(str) if c.dtype == "category" else c,
                              kind="stable").reset_index(drop=True)
    table["returning"] = table["conversation_id"].astype(str).duplicated()
    times = pd.concat([p.tables["response_times"] for p in parts], ignore_index=True)
    times = times.sort_values(["measure", "conversation_id", "timestamp"],
                              key=lambda c: c.astype(str) if c.name == "conversation_id" else c,
                              kind="stable").reset_index(drop=True)
    skipped = sum(int(p.summary["skipped"]) for p in parts)
    tables: dict[str, pd.DataFrame] = {
        "sessions": table,
        "triggers": _trigger_mix(table),
        "response_times": times,
        "volume_daily": _sum_aligned([p.tables["volume_daily"] for p in parts]),
        "volume_hourly": _sum_aligned([p.tables["volume_hourly"] for p in parts]),
        "rates_daily": _rates_over_time(table, mp.tz),
        "hour_of_week": sum(p.tables["hour_of_week"] for p in parts),
        "new_vs_returning": _new_vs_returning(table, mp.tz),
        "intents": _merge_intents(parts),
        "states": _merge_states(parts, len(table)),
    }
    if funnel_states:
        tables["funnel"] = _merge_funnel(parts)
    summary = _merge_summary(parts, table, times, skipped)
    meta = report_meta(pd.DataFrame({"source": pd.Series(dtype="category")}), np.zeros(0, np.int64),
                 mp.tz, bot)
    first, last = summary["first_event"], summary["last_event"]
    meta.update({"first": pd.Timestamp(first).tz_convert(mp.tz) if first else None,
                 "last": pd.Timestamp(last).tz_convert(mp.tz) if last else None,
                 "sources": _merge_sources(parts), "inputs": files})
    rep_params = {**{k: getattr(mp, k) for k in mp.__dataclass_fields__},
                  "funnel_states": list(funnel_states or []), "funnel_flow": funnel_flow,
                  "problems": [], "partitions": len(parts)}
    return Report(summary, tables, rep_params, meta)


def _merge_sources(parts: list[Report]) -> dict[str, int]:
    out: dict[str, int] = {}
    for p in parts:
        for name, n in p.meta.get("sources", {}).items():
            out[name] = out.get(name, 0) + n
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))
