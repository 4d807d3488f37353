"""try_proposals: the fallbacks a proposed intent would have removed, replayed on the same log."""

from __future__ import annotations

import pytest

import igbot.analytics as ia
import igbot.replay as ir
from igbot.kataml import Bot

from .conftest import LOGS, event, frame


def missed_frame() -> object:
    rows = []
    texts = ["berapa harganya kak?", "harga berapa", "harganya brp", "ada wifi?", "wifi password",
             "where is the shop"]
    for i, text in enumerate(texts):
        rows.append(event(f"p{i}", i * 7200, text=text))
    return frame(rows)


def test_counts_removed_fallbacks_per_proposal_and_together(shop: Bot) -> None:
    log = missed_frame()
    before = ir.replay(shop, log, progress=False)
    assert before.summary()["fallback_messages"] == 5  # all but "where is the shop"
    price = ia.IntentProposal("askPrice", ["harga", "harganya", "berapa"], ["harga berapa"])
    wifi = ia.IntentProposal("askWifi", ["wifi"], ["ada wifi?"])
    broad = ia.IntentProposal("askShop", ["shop", "wifi"], ["where is the shop"])
    table = ir.try_proposals(shop, log, [price, wifi, broad])
    rows = table.set_index("proposal")
    assert list(table.columns) == list(ir._proposals.PROPOSAL_COLUMNS)
    assert rows.loc["askPrice", ["fallbacks_before", "fallbacks_after", "removed"]].tolist() == [5, 2, 3]
    assert rows.loc["askPrice", "removed_share"] == pytest.approx(0.6)
    assert rows.loc["askWifi", "removed"] == 2 and rows.loc["askWifi", "taken"] == 0
    assert rows.loc["askShop", "taken"] == 0  # location's own intent still wins "where is the shop"
    assert rows.loc["(all)", "removed"] == 5 and rows.loc["(all)", "fallbacks_after"] == 0


def test_from_misses_on_the_sample_log(shop: Bot) -> None:
    log = ia.load(LOGS / "igbot_log.jsonl")
    found = ia.misses(log, bot=shop)
    proposals = [t.proposal() for t in found.topics if t.id >= 0 and t.keywords]
    table = ir.try_proposals(shop, log, proposals, together=False)
    assert len(table) == len(proposals) > 0
    warna = table[table["keywords"].str.contains("warna")].iloc[0]
    topic = next(t for t in found.topics if "warna" in t.keywords)
    assert warna["removed"] == topic.size  # every "ada warna lain?" is answered now
    assert (table["fallbacks_after"] <= table["fallbacks_before"]).all()


def test_a_taken_name_is_a_clear_error(shop: Bot) -> None:
    with pytest.raises(ia.ProposalError, match="already has a flow named 'faq'"):
        ir.try_proposals(shop, missed_frame(), [ia.IntentProposal("faq", ["x"], ["x"])])
