"""Helpers for the analytics tests: hand-built canonical frames and the committed samples."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from igbot.analytics._schema import COLUMNS, build_frame, record_values

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "logs"
T0 = pd.Timestamp("2024-05-06T10:00:00Z")  # a Monday
CSV_MAP = {"conversation_id": "Contact ID", "timestamp": "Created At", "role": "Sender Type",
           "text": "Message", "agent": "Agent"}


def ev(conv: str, sec: float, direction: str, role: str, kind: str, **kw: Any) -> dict[str, Any]:
    """One canonical record ``sec`` seconds after T0."""
    return {"conversation_id": conv, "timestamp": (T0 + pd.Timedelta(seconds=sec)).isoformat(),
            "direction": direction, "role": role, "kind": kind, **kw}


def frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A canonical frame from records."""
    values = [record_values(r) for r in rows]
    return build_frame({c: [v[i] for v in values] for i, c in enumerate(COLUMNS)}, source="test")
