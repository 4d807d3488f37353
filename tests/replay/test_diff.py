"""Diffing two replays: the pizzabot whose quantity regex rejects '9', and a shop bot change."""

from __future__ import annotations

import json

from igbot.replay import ReplayDiff, diff, replay
from igbot.replay._diff import word_diff

from .conftest import event, frame, shop_rows

PIZZA = '{"type":"pizza","pizza":"pepperoni"}'
YES = '{"type":"confirm","confirm":"yes"}'


def pizza_log(quantities: list[str]):
    rows = []
    for i, q in enumerate(quantities):
        conv = f"p{i}"
        rows += [event(conv, 0, "text", "order pizza"), event(conv, 10, "postback", "Pepperoni", PIZZA),
                 event(conv, 20, "text", q), event(conv, 30, "postback", "Yes", YES)]
    return frame(rows)


def no_nines(bot):
    nlus = dict(bot.nlus)
    quantity = nlus["quantity"].model_copy(deep=True)
    quantity.options["regex"] = "[1-8]"
    nlus["quantity"] = quantity
    return bot.model_copy(update={"nlus": nlus})


def test_pizzabot_rejecting_nine_diverges_at_the_quantity_step(pizzabot):
    log = pizza_log(["9", "4", "9 please"])
    old = replay(pizzabot, log, progress=False)
    new = replay(no_nines(pizzabot), log, progress=False)
    assert old.session("p0#0")["state"].tolist() == ["showPizza", "pizzaQuantity", "confirmPizza", "done"]
    result = diff(old, new)
    assert isinstance(result, ReplayDiff)
    changed = result.changed.set_index("session_id")
    assert sorted(changed.index) == ["p0#0", "p2#0"]
    first = changed.loc["p0#0"]
    assert first["index"] == 2 and first["text"] == "9"
    assert (first["old_flow"], first["old_state"]) == ("order", "confirmPizza")
    assert (first["new_flow"], first["new_state"]) == ("fallback", "init")  # '9' is not a quantity now
    assert first["old_intent"] == "pizzaQuantity" and first["new_intent"] == "fallbackIntent"
    assert first["new_reply"].endswith("How many do you want? (Min.1 Max.9)")  # asked again
    assert new.session("p0#0")["state"].tolist()[-1] == "pizzaQuantity"  # 'Yes' cannot confirm
    totals = result.totals
    assert totals["sessions"] == 3 and totals["diverged"] == 2
    assert totals["end_reached"] == {"old": 3, "new": 1, "gained": 0, "lost": 2}
    assert totals["sessions_with_fallback"] == {"old": 0, "new": 2, "gained": 2, "lost": 0}
    assert totals["new_fallbacks"] == 2 and totals["outcome_changed"] == 2
    assert totals["states_no_longer_reached"] == []  # p1 (quantity 4) still orders
    assert totals["states_newly_reached"] == ["fallback/init"]


def test_same_bot_no_divergence(shop):
    log = frame(shop_rows(10, seed=2))
    result = diff(replay(shop, log, progress=False), replay(shop, log, progress=False))
    assert result.totals["diverged"] == 0 and result.totals["outcome_changed"] == 0
    assert result.changed.empty


def with_price_intent(shop):
    """The shop bot whose greeting flow also catches 'price' and 'menu' words."""
    nlus = dict(shop.nlus)
    topic = nlus["topic"].model_copy(deep=True)
    topic.options["keywords"]["greet"] = [*topic.options["keywords"]["greet"], "price", "menu please"]
    nlus["topic"] = topic
    return shop.model_copy(update={"nlus": nlus})


def test_fewer_fallbacks_counted_and_shown(shop):
    rows = [event("a", 0, "text", "price"), event("a", 30, "text", "hello"),
            event("b", 0, "text", "asdf"), event("b", 10, "text", "zzz"), event("b", 20, "text", "price")]
    log = frame(rows)
    old, new = replay(shop, log, progress=False), replay(with_price_intent(shop), log, progress=False)
    result = diff(old, new)
    t = result.totals
    assert t["fallback_messages"] == {"old": 4, "new": 2}
    assert t["fixed_fallbacks"] == 2 and t["new_fallbacks"] == 0
    assert t["sessions_with_fallback"]["lost"] == 1  # a: no fallback any more
    assert "fallback/offerAgent" in t["states_no_longer_reached"]  # b's third miss is caught now
    row = result.changed.set_index("session_id").loc["a#0"]
    assert row["index"] == 0 and (row["old_flow"], row["new_flow"]) == ("fallback", "greeting")
    out = result.to_dict()
    json.dumps(out)
    assert {s["session_id"] for s in out["sessions"]} == {"a#0", "b#0"}
    assert "fallback_rate" in out["totals"]
    html = result._repr_html_()
    assert "Where sessions diverge" in html and "a#0" in html
    fig = result.figure()
    assert "<svg" in result.graph()._repr_svg_()
    assert fig.axes and result.totals_table()["measure"].iloc[0] == "sessions"


def test_silent_turns_after_a_handover_do_not_diverge(shop):
    rows = [event("h", 0, "text", "agent"), event("h", 10, "text", "ok thanks"), event("h", 20, "text", "price")]
    log = frame(rows)
    result = diff(replay(shop, log, progress=False), replay(with_price_intent(shop), log, progress=False))
    assert result.totals["diverged"] == 0  # the agent owns the thread in both versions


def test_totals_table_has_no_missing_cells_and_says_the_change(shop):
    log = frame([event("a", 0, "text", "zzz"), event("b", 0, "text", "price")])
    table = diff(replay(shop, log, progress=False),
                 replay(with_price_intent(shop), log, progress=False)).totals_table()
    assert list(table.columns) == ["measure", "old", "new", "change"]
    assert not table.isna().any().any()
    by = table.set_index("measure")
    assert by.loc["sessions", "old"] == "2" and by.loc["sessions that diverge", "change"] == "1 of 2"
    fb = by.loc["fallback messages"]
    assert fb["change"] == f"{int(fb['new']) - int(fb['old']):+,} (1 fixed, 0 new)"
    assert by.loc["fallback rate (messages)", "old"].endswith("%")
    assert by.loc["fallback rate (messages)", "change"].endswith(" pts")


def test_word_diff_marks_only_the_words_that_differ():
    common = "Terima kasih sudah menghubungi Kopi Senja, pesanan kamu sedang kami siapkan dan"
    old = f"{common} akan dikirim besok pagi lewat kurir kami ya"
    new = f"{common} akan dikirim hari ini lewat kurir kami ya"
    left, right = word_diff(old, new)
    assert "<del style='background:#ffd7d5;text-decoration:line-through'>besok pagi</del>" in left
    assert "<ins style='background:#ccffd8;text-decoration:none'>hari ini</ins>" in right
    assert "hari" not in left and "besok" not in right
    assert "…" in left and "Terima" not in left  # the long shared start is shortened
    assert word_diff("a <b>", None) == ("<del style='background:#ffd7d5;text-decoration:"
                                        "line-through'>a &lt;b&gt;</del>", "")
