"""The report: tables, dict, HTML with embedded plots."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from igbot.analytics import Report, load, report

from ._cases import small_log


def test_report_tables_and_dict() -> None:
    rep = report(small_log(), funnel_states=["menu", "end"])
    assert isinstance(rep, Report)
    assert rep.summary["sessions"] == 5
    assert {"sessions", "triggers", "volume_daily", "hour_of_week", "funnel", "intents",
            "states", "response_times", "rates_daily", "new_vs_returning"} <= set(rep.tables)
    data = json.loads(json.dumps(rep.to_dict()))
    assert data["summary"]["handover_rate"] == 0.2
    assert data["tables"]["funnel"][1]["drop_off"] == 3
    assert data["params"]["gap"] == "30min" and "handover_rate" in data["definitions"]
    assert "sessions" not in data["tables"]  # per-session rows stay in the DataFrame


def test_html_is_self_contained(tmp_path: Path) -> None:
    rep = report(small_log())
    page = rep.to_html(tmp_path / "r.html")
    assert (tmp_path / "r.html").read_text(encoding="utf-8") == page
    assert page.count("data:image/png;base64,") == 5
    assert "handover rate" in page and "20.0%" in page and "<script" not in page
    assert "src='http" not in page
    assert rep._repr_html_().startswith("<div class='igbot-report'>")


def test_text_summary_and_repr() -> None:
    rep = report(small_log())
    text = rep.to_text()
    assert "containment rate" in text and "60.0%" in text
    assert "story_reply 1" in text
    assert repr(rep) == "<Report 17 events, 5 sessions, handover 20.0%>"


def test_report_on_the_committed_log(samples: Path) -> None:
    rep = report(load(samples / "igbot_log.jsonl"), funnel_states=["show", "claimed"],
                 funnel_flow="promo")
    funnel = rep.tables["funnel"]["sessions"].tolist()
    assert funnel == sorted(funnel, reverse=True) and funnel[0] > 0
    assert isinstance(rep.tables["volume_daily"].index, pd.DatetimeIndex)
