"""The report: tables, dict, HTML with embedded plots."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

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


def test_page_has_a_header_units_and_no_index_columns(samples: Path) -> None:
    from igbot.kataml import load_bot

    bot = load_bot(Path(__file__).resolve().parents[2] / "data" / "bots" / "shop")
    rep = report(load(samples / "igbot_log.jsonl"), bot=bot, funnel_states=["show", "claimed"],
                 funnel_flow="promo")
    page = rep.to_html()
    head = page[page.index("<header>"):page.index("</header>")]
    assert "<h1>Conversation report: shop 1.0.0</h1>" in head
    assert "<dt>dates</dt><dd>2024-05-06 to 2024-05-18</dd>" in head
    assert "<dt>sources</dt><dd>igbot_log (185 events)</dd>" in head
    assert "igbot_log.jsonl" in head and "<dt>generated</dt>" in head
    # one offline stylesheet, phone width, nothing fetched
    assert page.count("<style>") == 1 and "@media (max-width:600px)" in page
    assert "width=device-width" in page and "http://" not in page and "https://" not in page
    # units: shares as %, agent times in minutes, dates without the time
    assert "0.0769" not in page and "00:00:00+00:00" not in page
    assert ">15.3 min</div><div class='k'>median agent first response" in page
    assert "<td class=num>26.9%</td>" in page  # story_reply share of sessions
    # definitions rendered: no literal backticks
    defs = page[page.index("<h2>Definitions</h2>"):]
    assert "`" not in defs and "<code>gap</code>" in defs
    # tables start with their own columns, never a pandas index (a blank or a bare number)
    for table in page.split("<thead><tr>")[1:]:
        first = table[:table.index("</th>")]
        assert first.split(">")[-1] not in ("", "index", "period"), first
    assert "<th>intent</th>" in page and "<th>day</th>" in page


def test_rates_per_day_carry_their_sample_and_interval() -> None:
    rates = report(small_log()).tables["rates_daily"]
    row = rates.iloc[0]
    assert row["sessions"] == 5 and row["handover_sessions"] == 1
    assert row["handover_rate"] == 0.2
    assert row["handover_low"] == pytest.approx(0.0362, abs=1e-3)
    assert row["handover_high"] == pytest.approx(0.6245, abs=1e-3)
    page = report(small_log()).to_html()
    assert "<td>20% (4%-62%)</td>" in page


def test_report_progress_shows_only_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    report(small_log(), progress=False)
    assert capsys.readouterr().err == ""


def test_parameters_that_name_nothing_raise_typed_errors() -> None:
    from igbot.analytics import ParameterError

    log = small_log()
    with pytest.raises(ParameterError) as info:
        report(log, funnel_states=["menu"], funnel_flow="nosuch")
    assert info.value.field == "flow" and "flows: fallback, greeting" in str(info.value)
    with pytest.raises(ParameterError, match="state 'nowhere': not a state of the log; states: "
                                             "end, init, menu, misunderstood"):
        report(log, funnel_states=["menu", "nowhere"])
    with pytest.raises(ParameterError, match="tz 'Mars/Olympus'"):
        report(log, tz="Mars/Olympus")
    with pytest.raises(ParameterError, match="gap '0s': must be positive"):
        report(log, gap="0s")
    assert isinstance(ParameterError("gap", 1, "x"), ValueError)
