"""A proposed intent: its NLU, its flow, its Kata test spec, and what applying it does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from igbot.analytics import IntentProposal, ProposalError
from igbot.analytics._proposal import propose
from igbot.cli import main
from igbot.engine import Engine, MemoryStore
from igbot.kataml import lint, load_bot, load_bot_text, write_bot
from igbot.widgets import FlowEditor

SHOP = Path(__file__).resolve().parents[2] / "data" / "bots" / "shop"
EXAMPLES = ["berapa harganya kak?", "harga kopi susu berapa", "Harganya brp"]


def reply_to(bot, text: str) -> tuple[str | None, str | None]:  # type: ignore[no-untyped-def]
    engine = Engine(bot, store=MemoryStore())
    turn = engine.handle({"type": "text", "content": text}, user="u1")
    record = turn.records[0]
    return record.intent, record.flow


def test_keyword_proposal_adds_the_forms_the_examples_used() -> None:
    p = propose(["harga", "berapa"], EXAMPLES, name="askPrice")
    assert p.keywords == ["harga", "berapa", "harganya"]
    assert p.nlu().type == "keyword"
    assert p.nlu().options == {"keywords": {"askPrice": ["harga", "berapa", "harganya"]}}
    assert p.flow == "askPrice" and p.action == "askPriceAnswer"
    assert "berapa harganya kak?" in p.reply


def test_regex_proposal_matches_word_prefixes_and_escapes() -> None:
    p = propose(["harga", "c++"], EXAMPLES, name="askPrice", nlu="regex")
    assert p.nlu().type == "regex"
    pattern = re.compile(p.pattern)
    assert pattern.search("HARGANYA berapa") and pattern.search("pakai c++ ya")
    assert not pattern.search("sharga")  # a keyword starts a word


def test_apply_adds_nlu_and_flow_and_leaves_the_bot_alone() -> None:
    bot = load_bot(SHOP)
    p = propose(["harga", "berapa"], EXAMPLES, name="askPrice", reply="Kopi susu is IDR 28k")
    new = p.apply(bot)
    assert "askPrice" not in bot.flows and "askPrice" not in bot.nlus
    assert "askPrice" in new.flows and new.nlus["askPrice"].type == "keyword"
    assert [f.code for f in lint(new) if f.severity == "error"] == []
    assert reply_to(bot, "harganya berapa kak")[1] == "fallback"
    assert reply_to(new, "harganya berapa kak") == ("askPrice", "askPrice")
    assert reply_to(new, "where is the shop")[1] == "location"  # the rest is unchanged
    with pytest.raises(ProposalError, match="already has a flow named 'faq'"):
        propose(["harga"], EXAMPLES, name="x", flow="faq").apply(bot)
    with pytest.raises(ProposalError, match="already has an NLU named 'topic'"):
        propose(["harga"], EXAMPLES, name="topic").apply(bot)


def test_regex_proposal_runs_on_the_engine() -> None:
    new = propose(["harga"], EXAMPLES, name="askPrice", nlu="regex").apply(load_bot(SHOP))
    assert reply_to(new, "Harganya brp?") == ("askPrice", "askPrice")


def test_yaml_loads_back_into_a_bot() -> None:
    p = propose(["harga", "berapa"], EXAMPLES, name="askPrice")
    data = yaml.safe_load(p.to_yaml())
    text = yaml.safe_dump({"schema": "kata.ai/schema/kata-ml/1.0", "name": "t", **data})
    bot = load_bot_text(text)
    assert bot.flows["askPrice"].intents["askPrice"].initial is True
    assert bot.flows["askPrice"].states["answer"].end is True


def test_spec_passes_with_igbot_test(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = propose(["harga", "berapa"], EXAMPLES, name="askPrice")
    spec = yaml.safe_load(p.spec())
    assert spec["schema"] == "kata.ai/schema/kata-ml/1.0/test/intents"
    assert [c["message"]["content"] for c in spec["test"].values()] == EXAMPLES
    write_bot(p.apply(load_bot(SHOP)), tmp_path / "bot", split_flows=True)
    (tmp_path / "missed.spec.yml").write_text(p.spec(), encoding="utf-8")
    assert main(["test", str(tmp_path / "bot"), str(tmp_path / "missed.spec.yml")]) == 0
    write_bot(load_bot(SHOP), tmp_path / "old", split_flows=True)  # without it the spec fails
    capsys.readouterr()
    assert main(["test", str(tmp_path / "old"), str(tmp_path / "missed.spec.yml")]) != 0


def test_editable_in_the_flow_editor(tmp_path: Path) -> None:
    p = propose(["harga", "berapa"], EXAMPLES, name="askPrice")
    editor = FlowEditor(p.apply(load_bot(SHOP)), flow=p.flow, graph=False)
    assert editor.flow == "askPrice"
    editor.set_action("askPrice", p.action, options={"text": "Kopi susu: IDR 28k ☕"})
    editor.add_intent("askPrice", "askPriceEn", initial=True, type="text",
                      classifier=[{"nlu": "askPrice", "match": "askPrice"}])
    editor.save(tmp_path / "bot")
    saved = load_bot(tmp_path / "bot")
    assert saved.flows["askPrice"].actions[p.action].options["text"] == "Kopi susu: IDR 28k ☕"
    assert reply_to(saved, "berapa harganya") == ("askPrice", "askPrice")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"keywords": [], "examples": ["x"], "name": "a"}, "no keywords"),
    ({"keywords": ["x"], "examples": ["x"], "name": "a b"}, "letters, digits"),
])
def test_bad_proposals(kwargs: dict, message: str) -> None:
    with pytest.raises(ProposalError, match=message):
        IntentProposal(**kwargs)
    with pytest.raises(ProposalError, match="'keywords' or 'regex'"):
        propose(["x"], ["x"], name="a", nlu="bert")
