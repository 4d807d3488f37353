"""The health of the 24 h messaging window: replies the Send API refused because the window had
closed, and how often agents used the HUMAN_AGENT tag (see ``DEFINITIONS["window_health"]``)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from igbot.analytics._sessions import MetricParams, Prepared, cat_mask, prepare

__all__ = ["window_health"]


def _window_health(p: Prepared) -> dict[str, Any]:
    df = p.df
    refused = cat_mask(df["kind"], ("refused", "error"))
    payload = df["payload"]
    outside = 0
    if refused.any():
        text = payload[refused].fillna("")
        outside = int((text.str.contains("outside_window", regex=False)
                       | text.str.contains("2534022", regex=False)).sum())
    tagged_mask = p.agent_msg & payload.notna().to_numpy()
    tagged = int(payload[tagged_mask].str.contains("HUMAN_AGENT", regex=False).sum()) \
        if tagged_mask.any() else 0
    agents = int(p.agent_msg.sum())
    return {
        "refused_replies": int(refused.sum()),
        "refused_outside_window": outside,
        "human_agent_tag_messages": tagged,
        "human_agent_tag_share": None if agents == 0 else tagged / agents,
    }


def window_health(df: pd.DataFrame, **params: Any) -> dict[str, Any]:
    """Replies refused for the closed 24 h window, and HUMAN_AGENT tag use (see DEFINITIONS)."""
    return _window_health(prepare(df, MetricParams.make(params)))
