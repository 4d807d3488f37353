"""CSV exports of agent inboxes, mapped to the canonical columns by the user.

``columns`` maps canonical names to the CSV's headers, e.g. ``{"conversation_id": "Ticket",
"timestamp": "Created At", "role": "Sender Type", "text": "Message", "agent": "Agent"}``
(``agent`` goes into the payload). ``role`` values are normalised (customer, contact, visitor ->
user; staff, operator, human -> agent; automation -> bot); ``values={"role": {...}}`` adds more.
Without ``role``, ``direction`` decides (``in`` -> user, ``out`` -> agent). Naive times are in
``tz`` (default UTC); numbers are milliseconds (or seconds when small).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from igbot.analytics._schema import COLUMNS, Problems, build_frame

__all__ = ["ROLE_SYNONYMS", "load_csv"]

ROLE_SYNONYMS: dict[str, str] = {
    "user": "user", "customer": "user", "contact": "user", "visitor": "user", "client": "user",
    "person": "user", "end_user": "user", "agent": "agent", "staff": "agent", "operator": "agent",
    "human": "agent", "admin": "agent", "bot": "bot", "automation": "bot", "chatbot": "bot",
    "system": "system", "note": "system",
}


def _time_ns(text: str, tz: str) -> float:
    """Nanoseconds since the epoch from one cell (ms/seconds numbers, any ISO-like text)."""
    try:
        number = float(text)
    except ValueError:
        try:
            stamp = pd.Timestamp(text)
        except (ValueError, TypeError):
            return np.nan
        if stamp is pd.NaT:
            return np.nan
        stamp = stamp.tz_localize(tz) if stamp.tzinfo is None else stamp
        return float(stamp.tz_convert("UTC").as_unit("ns").value)
    if not np.isfinite(number):
        return np.nan
    return number * (1e6 if number > 100_000_000_000 else 1e9)


def _times(raw: pd.Series, tz: str) -> np.ndarray:
    """Each cell as float ns since the epoch (NaN where unreadable); parses each value once."""
    uniques = {v: _time_ns(v, tz) for v in raw.unique()}
    return raw.map(uniques).to_numpy(dtype=float)


def load_csv(path: Path, problems: Problems, columns: Mapping[str, str] | None = None,
             values: Mapping[str, Mapping[str, str]] | None = None,
             tz: str = "UTC") -> pd.DataFrame:
    """Read an agent-inbox CSV with a column mapping into the canonical frame."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if not header:
                problems.add(str(path), None, "empty CSV")
                return build_frame({c: [] for c in COLUMNS})
            rows, lines = [], []
            for row in reader:
                if not row:
                    continue
                if len(row) != len(header):
                    problems.add(str(path), reader.line_num,
                                 f"{len(row)} fields, the header has {len(header)}")
                    continue
                rows.append(row)
                lines.append(reader.line_num)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        problems.add(str(path), None, f"unreadable CSV: {exc}")
        return build_frame({c: [] for c in COLUMNS})
    mapping = dict(columns or {c: c for c in (*COLUMNS, "agent") if c in header})
    missing = [h for h in mapping.values() if h not in header]
    if missing or "conversation_id" not in mapping or "timestamp" not in mapping or not (
            "role" in mapping or "direction" in mapping):
        problems.add(str(path), None, "column mapping needs conversation_id, timestamp and role "
                     f"or direction; headers not found: {missing}; CSV headers: {header}")
        return build_frame({c: [] for c in COLUMNS})
    table = pd.DataFrame(rows, columns=header, dtype=object)
    col = {name: table[h].astype(str).str.strip() for name, h in mapping.items()}
    n = len(table)
    bad = pd.Series("", index=table.index)
    conv = col["conversation_id"]
    bad[conv.eq("")] = "conversation_id: empty"
    ts = _times(col["timestamp"], tz)
    bad[np.isnan(ts) & bad.eq("").to_numpy()] = "timestamp: not a date/time"
    synonyms = {**ROLE_SYNONYMS, **((values or {}).get("role") or {})}
    if "role" in mapping:
        role = col["role"].str.lower().str.replace(" ", "_").map(synonyms)
        bad[role.isna() & bad.eq("")] = "role: not user, bot, agent or system (pass values=)"
        direction = np.where(role == "user", "in", "out")
    else:
        dmap = {"in": "in", "incoming": "in", "inbound": "in", "out": "out", "outgoing": "out",
                "outbound": "out", **((values or {}).get("direction") or {})}
        dirs = col["direction"].str.lower().map(dmap)
        bad[dirs.isna() & bad.eq("")] = "direction: not in or out"
        role = dirs.map({"in": "user", "out": "agent"})
        direction = dirs.to_numpy()
    kind = col["kind"].str.lower().replace("", "text") if "kind" in col else pd.Series(
        ["text"] * n, index=table.index)
    for i in np.flatnonzero(bad.ne("").to_numpy()):
        problems.add(str(path), lines[i], bad.iloc[i])
    keep = bad.eq("").to_numpy()
    out: dict[str, Any] = {
        "conversation_id": conv[keep].tolist(),
        "timestamp": ts[keep].astype(np.int64),
        "direction": np.asarray(direction)[keep].tolist(),
        "role": role[keep].tolist(),
        "kind": kind[keep].tolist(),
        "source": ["csv"] * int(keep.sum()),
    }
    for name in ("text", "flow", "state", "intent", "mid", "session_id"):
        if name in col:
            out[name] = col[name][keep].replace("", None).tolist()
    if "agent" in col:
        out["payload"] = [json.dumps({"agent": a}) if a else None for a in col["agent"][keep]]
    return build_frame(out)
