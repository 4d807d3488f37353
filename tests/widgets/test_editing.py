"""The editor's edit operations on the model: renames rewrite references, undo, save round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from igbot.kataml import Bot, lint, load_bot, load_bot_text
from igbot.widgets import BotEditing, EditError


def test_rename_state_rewrites_transitions_in_place(shop: Bot) -> None:
    edit = BotEditing(shop)
    edit.rename_state("faq", "ask", "askQuestion")
    faq = edit.bot.flows["faq"]
    assert list(faq.states) == ["init", "askQuestion", "answer"]
    assert list(faq.states["init"].transitions) == ["askQuestion"]
    assert list(faq.states["askQuestion"].transitions) == ["answer", "askQuestion"]
    assert [f for f in lint(edit.bot) if f.level == "error"] == []


def test_rename_intent_rewrites_conditions(shop: Bot) -> None:
    edit = BotEditing(shop)
    edit.rename_intent("greeting", "storyReply", "storyAnswer")
    init = edit.bot.flows["greeting"].states["init"]
    assert init.transitions["thanksStory"].condition == 'intent == "storyAnswer"'
    assert init.transitions["thanksMention"].condition == 'intent == "storyMention"'


def test_rename_and_delete_action_update_state_refs(shop: Bot) -> None:
    edit = BotEditing(shop)
    edit.rename_action("greeting", "heart", "likeHeart")
    assert [r.name for r in edit.bot.flows["greeting"].states["thanksStory"].action] == [
        "likeHeart", "storyThanks"]
    edit.delete_action("greeting", "likeHeart")
    assert [r.name for r in edit.bot.flows["greeting"].states["thanksStory"].action] == ["storyThanks"]


def test_delete_state_drops_transitions_to_it(shop: Bot) -> None:
    edit = BotEditing(shop)
    edit.delete_state("fallback", "offerAgent")
    assert list(edit.bot.flows["fallback"].states["init"].transitions) == ["sorry"]


def test_errors_name_the_flow_and_the_item(shop: Bot) -> None:
    edit = BotEditing(shop)
    with pytest.raises(EditError, match="flow 'faq' already has a state 'ask'"):
        edit.add_state("faq", "ask")
    with pytest.raises(EditError, match="flow 'faq' has no state 'nope'"):
        edit.rename_state("faq", "nope", "x")
    with pytest.raises(EditError, match="no flow 'nope'"):
        edit.add_intent("nope", "x")
    assert edit.history == []


def test_undo_restores_each_step(shop: Bot) -> None:
    original = shop.model_copy(deep=True)
    edit = BotEditing(shop)
    edit.add_state("promo", "extra", end=True)
    edit.set_transition("promo", "show", "extra", condition='content == "more"', priority=5)
    assert edit.bot.flows["promo"].states["show"].transitions["extra"].priority == 5
    assert edit.undo() == "set transition promo.show -> extra"
    assert "extra" not in edit.bot.flows["promo"].states["show"].transitions
    edit.undo()
    assert edit.bot == original and not edit.can_undo and edit.undo() is None


def test_making_a_state_initial_clears_the_other(shop: Bot) -> None:
    edit = BotEditing(shop)
    edit.set_state("faq", "ask", initial=True)
    assert [n for n, s in edit.bot.flows["faq"].states.items() if s.initial] == ["ask"]


def test_new_flow_built_with_methods_saves_and_loads_back(shop: Bot, tmp_path: Path) -> None:
    edit = BotEditing(shop)
    edit.add_flow("survey")
    edit.add_intent("survey", "start", initial=True, type="text", condition=['content == "survey"'])
    edit.add_intent("survey", "answer", type="text", priority=2)
    edit.add_action("survey", "ask", "template", {"type": "text", "items": {
        "text": "How was it?", "quickreply": [{"type": "text", "label": "Good", "payload": {"type": "rate", "v": 5}}]}})
    edit.add_action("survey", "thanks", "text", {"text": ["Thanks!", "Thank you!"]})
    edit.set_state("survey", "init", action=["ask"])
    edit.add_state("survey", "done", end=True, action="thanks")
    edit.set_transition("survey", "init", "done", condition='intent == "answer"',
                        mapping={"context.rating": "payload.v"})
    edit.set_transition("survey", "init", "init", fallback=True)
    saved = edit.save(tmp_path / "bot")
    assert saved == tmp_path / "bot" / "bot.yml" and (tmp_path / "bot" / "flows" / "survey.yml").exists()
    again = load_bot(saved)
    assert again == edit.bot
    assert again.flows["survey"].states["init"].transitions["done"].mapping == {"context.rating": "payload.v"}


def test_shorthands_are_normalised_like_the_loader(tmp_path: Path) -> None:
    bot = load_bot_text("schema: kata.ai/schema/kata-ml/1.0\nname: b\nflows:\n  f:\n    states:\n      s: {initial: true}\n")
    edit = BotEditing(bot)
    edit.add_intent("f", "hi", condition='content == "hi"', classifier={"nlu": "kw", "match": "hi"})
    intent = edit.bot.flows["f"].intents["hi"]
    assert intent.condition == ['content == "hi"'] and intent.classifier[0].nlu == "kw"
    assert load_bot(edit.save(tmp_path / "b.yml")) == edit.bot


def test_add_keyword_and_example_to_an_intent(shop: Bot) -> None:
    edit = BotEditing(shop)
    assert edit.add_to_intent("faq", "faqText", "price list") == \
        "added 'price list' to the keywords of topic.faq"
    assert edit.bot.nlus["topic"].options["keywords"]["faq"][-1] == "price list"
    edit.add_to_intent("faq", "faqText", "what's the damage", as_="example")
    edit.add_to_intent("faq", "faqText", "how much", as_="example")  # same example classifier
    extra = edit.bot.flows["faq"].intents["faqText"].classifier[-1]
    assert extra.options == {"exact": True, "keywords": {"faqText": ["what's the damage",
                                                                     "how much"]}}
    with pytest.raises(EditError, match="condition"):
        edit.add_to_intent("faq", "faqTap", "x")
    with pytest.raises(EditError, match="no text"):
        edit.add_to_intent("faq", "faqText", "  ")
    with pytest.raises(EditError, match="'keyword' or 'example'"):
        edit.add_to_intent("faq", "faqText", "x", as_="regex")
    with pytest.raises(EditError, match="no keyword NLU 'nope'"):
        edit.add_keyword("nope", "faq", "x")
    edit.undo()
    edit.undo()
    assert len(edit.bot.flows["faq"].intents["faqText"].classifier) == 1


def test_names_kata_refuses(shop: Bot) -> None:
    edit = BotEditing(shop)
    for bad in ["bad name!", "1st", "a-b", "x.y", ""]:
        with pytest.raises(EditError):
            edit.add_state("faq", bad)
        with pytest.raises(EditError):
            edit.add_flow(bad)
    assert edit.name_problem("intent", "question", "faq") == \
        "flow 'faq' already has an intent 'question'"
    assert edit.name_problem("state", "_ok2", "faq") is None
