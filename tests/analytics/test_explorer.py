"""The Explorer headless: the API other views call, and widget state after simulated clicks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import igbot.analytics as ia
from igbot.analytics._explorer import ANY, Explorer
from igbot.kataml import load_bot

from ._cases import small_log

SHOP = Path(__file__).resolve().parents[2] / "data" / "bots" / "shop"


@pytest.fixture
def explorer() -> Explorer:
    return Explorer(small_log())


@pytest.fixture
def shop(samples: Path) -> Explorer:
    return ia.Explorer(samples / "igbot_log.jsonl", bot=load_bot(SHOP))


def test_lists_every_session_newest_first(explorer: Explorer) -> None:
    assert len(explorer.shown) == 5
    assert explorer.count_label.value.endswith("<b>5</b> of 5 sessions")
    starts = explorer.shown["start"].tolist()
    assert starts == sorted(starts, reverse=True)
    assert [v for _label, v in explorer.session_list.options] == explorer.shown["session_id"].tolist()
    assert "handover, fallback" in dict((v, k) for k, v in explorer.session_list.options)["a#0"]


def test_filter_api_moves_the_widgets(explorer: Explorer) -> None:
    shown = explorer.filter(flow="greeting", state="menu")
    assert shown["session_id"].tolist() == ["a#0"]
    assert explorer.flow_filter.value == "greeting" and explorer.state_filter.value == "menu"
    assert explorer.state_filter.options == (ANY, "init", "menu")
    explorer.filter(edge=("menu", "misunderstood"))
    assert "menu → misunderstood" in explorer.edge_label.value
    assert explorer.flow_filter.value == ANY
    explorer.filter(start="2024-05-06", end="2024-05-07", outcome="contained")
    assert explorer.start_filter.value == dt.date(2024, 5, 6)
    assert explorer.end_filter.value == dt.date(2024, 5, 6)  # the widget's "to" is inclusive
    assert explorer.outcome_filter.value == "contained"
    assert sorted(explorer.shown["session_id"]) == ["a#1", "b#0", "c#0"]


def test_an_unknown_name_changes_nothing(explorer: Explorer) -> None:
    explorer.filter(outcome="handover")
    with pytest.raises(ia.UnknownSelectionError, match="no state 'nope'"):
        explorer.filter(state="nope")
    assert explorer.filters == {"outcome": "handover"}
    assert explorer.shown["session_id"].tolist() == ["a#0"]


def test_clicking_filters_sorts_and_opens(explorer: Explorer) -> None:
    explorer.outcome_filter.value = "contained"          # a person picks an outcome
    assert explorer.filters == {"outcome": "contained"}
    assert "<b>3</b> of 5" in explorer.count_label.value
    explorer.sort_choice.value = "most messages"         # ... a sort
    assert explorer.shown["session_id"].tolist()[0] == "c#0"
    explorer.session_list.value = "c#0"                  # ... and clicks a session
    assert explorer.selected == "c#0"
    assert "Opened the chat from an ad" in explorer.reader.value
    explorer.outcome_filter.value = ANY
    assert explorer.session_list.value == "c#0"          # still selected in the longer list
    explorer.clear_button.click()
    assert explorer.filters == {} and len(explorer.shown) == 5


def test_date_pickers_filter_by_day(explorer: Explorer) -> None:
    explorer.start_filter.value = dt.date(2024, 5, 7)
    assert len(explorer.shown) == 0 and "<b>0</b> of 5" in explorer.count_label.value
    explorer.start_filter.value = None
    explorer.end_filter.value = dt.date(2024, 5, 6)
    assert len(explorer.shown) == 5


def test_open_shows_bubbles_with_the_record(explorer: Explorer) -> None:
    html = explorer.open("a#0")
    assert explorer.reader.value == html and explorer.selected == "a#0"
    assert "Replied to your story" in html and "nice" in html
    assert "greeting › init" in html and "intent greet" in html
    assert html.count(">fallback</span>") == 1              # the "??" turn
    assert "Handed over to a person" in html and ">agent<" in html
    with pytest.raises(ia.UnknownSelectionError):
        explorer.open("a#9")


def test_messages_are_escaped() -> None:
    from ._data import ev, frame

    log = frame([ev("x", 0, "in", "user", "text", text="<script>alert(1)</script>"),
                 ev("x", 1, "out", "bot", "text", text="<b>hi</b>")])
    html = Explorer(log).open("x#0")
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>hi</b>" not in html


def test_sample_log_with_the_shop_bot(shop: Explorer) -> None:
    sessions = shop.index.sessions
    assert len(sessions) == ia.summary(shop.index.events, bot=load_bot(SHOP))["sessions"]
    assert set(shop.index.flows()) >= {"promo", "faq", "fallback", "handover"}
    promo = shop.filter(flow="promo", state="claimed")
    assert len(promo) > 0
    assert all("promo" in f for f in promo["flows"])
    edge = shop.filter(edge=("show", "claimed"))
    assert len(edge) > 0 and set(edge["session_id"]) <= set(promo["session_id"])
    handover = shop.filter(outcome="handover")
    assert len(handover) == int(sessions["handover"].sum()) > 0
    html = shop.open(handover["session_id"].iloc[0])
    assert "Handed over to a person" in html


def test_max_rows_limits_the_list_not_the_table() -> None:
    explorer = Explorer(small_log(), max_rows=2)
    assert len(explorer.session_list.options) == 2 and len(explorer.shown) == 5
    assert "listing the first 2" in explorer.count_label.value


def test_behind_a_report_figure_or_a_funnel_step(explorer: Explorer) -> None:
    assert explorer.behind("handover_rate")["session_id"].tolist() == ["a#0"]
    assert explorer.filters == {"outcome": "handover"}
    assert sorted(explorer.behind("abandoned_sessions")["session_id"]) == ["c#0"]
    assert len(explorer.behind("sessions")) == 5 and explorer.filters == {}
    assert explorer.behind("ad_referral")["session_id"].tolist() == ["c#0"]
    assert explorer.behind("containment_rate", state="menu")["session_id"].tolist() == ["a#1", "c#0"]
    with pytest.raises(ia.UnknownSelectionError, match="does not count sessions"):
        explorer.behind("median_bot_response_s")
    with pytest.raises(ia.UnknownSelectionError, match="no trigger 'tv'"):
        explorer.filter(trigger="tv")


def test_search_what_the_person_wrote(explorer: Explorer) -> None:
    assert explorer.filter(text="NICE")["session_id"].tolist() == ["a#0"]  # any case
    assert explorer.text_filter.value == "NICE"
    assert len(explorer.filter(text="connecting")) == 0  # the bot's words do not count
    explorer.filter()
    explorer.text_filter.value = "??"                       # typed in the box: plain text
    assert explorer.filters == {"text": "??"} and explorer.shown["session_id"].tolist() == ["a#0"]
    explorer.outcome_filter.value = "contained"             # other filters keep the search
    assert explorer.filters == {"text": "??", "outcome": "contained"} and len(explorer.shown) == 0


def test_a_bot_state_nobody_reached_selects_nothing(shop: Explorer) -> None:
    bot = load_bot(SHOP)
    bot.flows["faq"].states["neverVisited"] = bot.flows["faq"].states["answer"].model_copy()
    explorer = ia.Explorer(shop.index.events, bot=bot)
    assert len(explorer.filter(flow="faq", state="neverVisited")) == 0  # a canvas click: empty
    assert "neverVisited" in explorer.state_filter.options
    with pytest.raises(ia.UnknownSelectionError, match="no state 'nope' of flow 'faq'"):
        explorer.filter(flow="faq", state="nope")
