"""FlowEditor driven through its widgets, headless: live checks, lint list, preview, undo, save."""

from __future__ import annotations

from html import unescape
from pathlib import Path

import pytest

from igbot.kataml import Bot, load_bot
from igbot.widgets import FlowEditor


@pytest.fixture
def editor(shop: Bot) -> FlowEditor:
    return FlowEditor(shop, graph=False)


def test_lists_follow_the_selected_flow(editor: FlowEditor) -> None:
    assert editor.flow == "greeting"
    assert list(editor.lists["intents"].options) == ["storyReply", "storyMention", "adReferral", "hello"]
    editor.flow_select.value = "faq"
    assert list(editor.lists["states"].options) == ["init", "ask", "answer"]
    assert editor.lint_view.summary.value.endswith("0 errors, 0 warnings, 0 infos")


def test_condition_syntax_error_shows_beside_the_field_and_is_not_applied(editor: FlowEditor) -> None:
    editor.select(flow="faq", state="ask")
    panel = editor.state_panel
    panel.transitions.value = "answer"
    assert panel.condition.value == 'intent == "question"'
    panel.condition.value = 'intent == "question" &&& x'
    assert "syntax error at position 23" in panel.condition_errors.value
    assert panel.apply_transition() is False
    assert editor.bot.flows["faq"].states["ask"].transitions["answer"].condition == 'intent == "question"'
    panel.condition.value = 'intent == "question" && payload.q'
    assert panel.condition_errors.value == ""
    panel.set_button.click()
    assert editor.bot.flows["faq"].states["ask"].transitions["answer"].condition == (
        'intent == "question" && payload.q')
    assert editor.bot.flows["faq"].states["ask"].transitions["answer"].mapping == {"context.q": "payload.q"}


def test_intent_condition_error_position(editor: FlowEditor) -> None:
    editor.select(flow="greeting", intent="storyReply")
    panel = editor.intent_panel
    panel.condition.value = 'payload.type == "story_reply" ||'
    assert "position 32" in panel.condition_errors.value
    assert editor.bot.flows["greeting"].intents["storyReply"].condition == ['payload.type == "story_reply"']
    panel.priority.value = "7"
    panel.condition.value = 'payload.type == "story_reply"\ncontent != "stop"'
    intent = editor.bot.flows["greeting"].intents["storyReply"]
    assert intent.condition == ['payload.type == "story_reply"', 'content != "stop"'] and intent.priority == 7


def test_quick_reply_limit_warning_and_preview(editor: FlowEditor) -> None:
    editor.select(flow="faq", action="questions")
    field = editor.action_form.field("quick replies")
    field.input.value += "\nOpening hours and prices | {type: faq, q: prices}"
    assert "quick reply 4: 24 characters, Instagram will cut it to 20" in editor.action_form.messages
    replies = editor.bot.flows["faq"].actions["questions"].options["items"]["quickreply"]
    assert replies[-1] == {"type": "text", "label": "Opening hours and prices",
                           "payload": {"type": "faq", "q": "prices"}}
    assert "Opening hours and pr<" in editor.preview_html.value  # what Instagram shows, cut
    assert "quick reply 4 title: 24 characters" in editor.preview_problems.value


def test_bad_quick_reply_line_is_an_error_not_an_edit(editor: FlowEditor) -> None:
    editor.select(flow="faq", action="questions")
    before = editor.bot.model_copy(deep=True)
    editor.action_form.field("quick replies").input.value = "no separator here"
    assert "line 1: write 'label | payload'" in editor.action_form.messages
    assert editor.bot == before


def test_lint_list_updates_and_clicks_to_the_place(editor: FlowEditor) -> None:
    editor.set_transition("promo", "claimed", "nowhere", condition="true")
    assert "1 error" in editor.lint_view.summary.value
    [button] = [b for b in editor.lint_view.buttons if "missing-state" in b.description]
    editor.flow_select.value = "greeting"
    button.click()
    assert editor.flow == "promo" and editor.selected("states") == "claimed"
    assert editor.tabs.selected_index == 1
    editor.undo_button.click()
    assert "0 errors" in editor.lint_view.summary.value and editor.lint_view.buttons == []


def test_add_rename_delete_through_buttons(editor: FlowEditor) -> None:
    editor.flow_select.value = "location"
    editor.names["states"].value = "closed"
    editor.buttons["states"]["add"].click()
    assert "closed" in editor.bot.flows["location"].states and editor.selected("states") == "closed"
    editor.select(state="init")
    editor.names["states"].value = "start"
    editor.buttons["states"]["rename"].click()
    assert list(editor.bot.flows["location"].states) == ["start", "where", "closed"]
    editor.names["states"].value = "where"
    editor.buttons["states"]["add"].click()  # taken: the message says so, nothing changes
    assert "already has a state" in editor.message.value
    editor.select(state="closed")
    editor.buttons["states"]["delete"].click()
    assert list(editor.bot.flows["location"].states) == ["start", "where"]


def test_new_action_of_each_kind_previews(editor: FlowEditor) -> None:
    from igbot.widgets._editor_forms import FORM_KINDS, form_kind

    editor.flow_select.value = "location"
    for i, kind in enumerate(k for k in FORM_KINDS if k != "other"):
        editor.kind.value = kind
        editor.names["actions"].value = f"a{i}"
        editor.buttons["actions"]["add"].click()
        action = editor.bot.flows["location"].actions[f"a{i}"]
        assert form_kind(action) == kind and editor.action_form.kind == kind
    editor.select(action="a0")  # text
    assert "Hi!" in editor.preview_html.value


def test_carousel_cards_add_and_edit(editor: FlowEditor) -> None:
    editor.select(flow="promo", action="carousel")
    form = editor.action_form
    assert form.kind == "carousel" and form.field("card 3 title").input.value == "Free Croissant"
    form.add_card.click()
    cards = editor.bot.flows["promo"].actions["carousel"].options["items"]
    assert len(cards) == 4 and cards[3]["title"] == "Card 4"
    editor.action_form.field("card 4 title").input.value = "T" * 85
    assert "card 4 title: 85 characters, Instagram will cut it to 80" in editor.action_form.messages
    buttons = editor.action_form.fields[-1]
    buttons.input.value = "postback | Claim | {type: promo_pick, item: x}\nurl | Site | https://example.com"
    card = editor.bot.flows["promo"].actions["carousel"].options["items"][3]
    assert card["actions"] == [{"type": "postback", "label": "Claim", "payload": {"type": "promo_pick", "item": "x"}},
                               {"type": "url", "label": "Site", "url": "https://example.com"}]
    assert "Buy 1 Get 1 Kopi Susu" in editor.preview_html.value


def test_template_syntax_error_in_text_variant(editor: FlowEditor) -> None:
    editor.select(flow="faq", action="hours")
    editor.action_form.field("text").input.value = "We're open $(config.shop.hours"
    assert "syntax error at position 11" in editor.action_form.messages
    assert editor.bot.flows["faq"].actions["hours"].options["text"] == "We're open $(config.shop.hours) 🕗"


def test_undo_restores_and_save_round_trips(editor: FlowEditor, tmp_path: Path) -> None:
    original = editor.bot.model_copy(deep=True)
    editor.select(flow="faq", action="payment")
    editor.action_form.field("text").input.value = "Cash only\nCash, please"
    assert editor.bot.flows["faq"].actions["payment"].options["text"] == ["Cash only", "Cash, please"]
    editor.select(state="answer")
    editor.state_panel.end.value = False
    assert editor.bot.flows["faq"].states["answer"].end is None
    editor.undo_button.click()
    editor.undo_button.click()
    assert editor.bot == original and editor.undo_button.disabled
    editor.rename_state("faq", "answer", "reply")
    editor.save_path.value = str(tmp_path / "shop")
    editor.save_button.click()
    assert "saved a copy of the bot to" in editor.message.value
    again = load_bot(tmp_path / "shop")
    assert again == editor.bot and "reply" in again.flows["faq"].states["ask"].transitions


def test_graph_view_redraws_after_changes(shop: Bot) -> None:
    pytest.importorskip("igbot.graph._flowgraph", reason="igbot.graph.show is not committed yet")
    editor = FlowEditor(shop, flow="faq", graph=True, debounce=0)
    drawn = editor.graph.draws
    assert bytes(editor.graph.image.value).startswith(b"\x89PNG")
    editor.add_state("faq", "extra")
    assert editor.graph.draws == drawn + 1 and "flow faq" in editor.graph.note.value


def test_displays_as_its_widget_box(editor: FlowEditor) -> None:
    assert editor._repr_mimebundle_()["application/vnd.jupyter.widget-view+json"]["model_id"] == (
        editor.widget.model_id)


# -- names, saving with review, the canvas contract, layout ---------------------------------------

@pytest.fixture
def shop_copy(tmp_path: Path) -> Path:
    import shutil

    from .conftest import SHOP

    target = tmp_path / "shop"
    shutil.copytree(SHOP, target)
    return target


def test_add_flow_refuses_a_bad_name_beside_the_box(editor: FlowEditor) -> None:
    editor.new_flow.value = "bad name!"
    assert "a space and '!' are not allowed" in unescape(editor.new_flow_error.value)  # live, while typing
    editor.add_flow_button.click()
    assert "bad name!" not in editor.bot.flows and editor.new_flow.value == "bad name!"
    assert "letters, digits and _" in unescape(editor.new_flow_error.value)
    editor.new_flow.value = "survey"
    assert editor.new_flow_error.value == ""
    editor.add_flow_button.click()
    assert "survey" in editor.bot.flows
    assert editor.flow == "survey" and editor.new_flow.value == ""  # switched, box cleared
    assert list(editor.lists["states"].options) == ["init"]
    editor.new_flow.value = "survey"
    assert "already has a flow 'survey'" in unescape(editor.new_flow_error.value)


@pytest.mark.parametrize(("tab", "name", "reason"), [
    ("states", "2nd", "starts with a digit"),
    ("intents", "say hi", "a space is not allowed"),
    ("actions", "a-b", "'-' is not allowed"),
    ("states", "ask", "already has a state 'ask'"),
])
def test_names_kata_refuses_are_shown_beside_the_field(editor: FlowEditor, tab: str, name: str,
                                                        reason: str) -> None:
    editor.select(flow="faq")
    before = editor.bot.model_copy(deep=True)
    editor.names[tab].value = name
    assert reason in unescape(editor.name_errors[tab].value)
    editor.buttons[tab]["add"].click()
    editor.buttons[tab]["rename"].click()
    assert editor.bot == before and reason in unescape(editor.name_errors[tab].value)


def test_add_clears_the_name_box(editor: FlowEditor) -> None:
    editor.select(flow="faq")
    editor.names["states"].value = "later"
    editor.buttons["states"]["add"].click()
    assert "later" in editor.bot.flows["faq"].states
    assert editor.names["states"].value == "" and editor.selected("states") == "later"


def test_save_shows_the_diff_and_writes_only_after_confirm(shop_copy: Path) -> None:
    editor = FlowEditor(shop_copy, graph=False)
    before = (shop_copy / "flows" / "faq.yml").read_text()
    editor.set_intent("faq", "question", priority=3)
    editor.save_button.click()  # empty folder box: the bot's own files, reviewed first
    assert editor.review_box.layout.display is None
    assert "flows/faq.yml" in editor.review_html.value and "+    priority: 3" in \
        editor.review_html.value.replace("&nbsp;", " ")
    assert (shop_copy / "flows" / "faq.yml").read_text() == before  # nothing written yet
    editor.cancel_button.click()
    assert editor.review_box.layout.display == "none" and "cancelled" in editor.message.value
    assert (shop_copy / "flows" / "faq.yml").read_text() == before
    editor.save_button.click()
    assert editor.confirm_button.description == "Confirm: write 1 file(s)"
    editor.confirm_button.click()
    after = (shop_copy / "flows" / "faq.yml").read_text()
    assert after != before and load_bot(shop_copy) == editor.bot
    assert "backup" in editor.message.value
    assert editor.restore_select.layout.display is None and len(editor.restore_select.options) == 1
    editor.save_button.click()
    assert "no changes" in editor.message.value
    editor.restore_button.click()  # the previous version comes back, on disk and in the editor
    assert (shop_copy / "flows" / "faq.yml").read_text() == before
    assert editor.bot.flows["faq"].intents["question"].priority == 10
    editor.undo()
    assert editor.bot.flows["faq"].intents["question"].priority == 3


def test_an_edit_after_review_drops_the_review(shop_copy: Path) -> None:
    editor = FlowEditor(shop_copy, graph=False)
    editor.set_intent("faq", "question", priority=3)
    editor.save_button.click()
    editor.set_intent("faq", "question", priority=4)
    assert editor.pending_save is None and editor.review_box.layout.display == "none"
    editor.confirm_button.click()
    assert "priority: 4" not in (shop_copy / "flows" / "faq.yml").read_text()


def test_save_refuses_to_overwrite_without_review(shop_copy: Path) -> None:
    from igbot.widgets import EditError

    editor = FlowEditor(shop_copy, graph=False)
    with pytest.raises(EditError, match="review_save"):
        editor.save(shop_copy)


def test_select_contract_for_the_canvas(editor: FlowEditor) -> None:
    editor.select("promo", state="show")
    assert editor.flow == "promo" and editor.tabs.selected_index == 1
    assert editor.selected("states") == "show"
    editor.select("faq", intent="question")
    assert editor.tabs.selected_index == 0 and editor.selected("intents") == "question"
    editor.select("promo", transition=("show", "claimed"))
    assert editor.selected("states") == "show" and editor.tabs.selected_index == 1
    assert editor.state_panel.transitions.value == "claimed"
    assert editor.state_panel.condition.value == 'intent == "pick"'
    from igbot.widgets import EditError

    with pytest.raises(EditError, match="no flow 'nope'"):
        editor.select("nope")


def test_observe_bot_after_each_edit_and_undo(editor: FlowEditor) -> None:
    seen: list[Bot] = []
    editor.observe_bot(seen.append)
    editor.add_state("faq", "extra")
    assert len(seen) == 1 and "extra" in seen[0].flows["faq"].states
    editor.undo()
    assert len(seen) == 2 and "extra" not in seen[1].flows["faq"].states
    assert seen[1] is editor.bot
    editor.unobserve_bot(seen.append)
    editor.add_state("faq", "extra")
    assert len(seen) == 2


def test_nothing_is_cut(editor: FlowEditor) -> None:
    import ipywidgets as w

    def walk(widget: w.Widget) -> list[w.Widget]:
        return [widget, *(x for c in getattr(widget, "children", ()) for x in walk(c))]

    everything = walk(editor.widget)
    for button in (b for b in everything if isinstance(b, w.Button)):
        assert button.layout.width in (None, "auto"), button.description  # as wide as its label
    for box in (b for b in everything if isinstance(b, w.HBox)):
        assert box.layout.flex_flow == "row wrap" or len(box.children) <= 2
    labelled = [x for x in everything if getattr(x, "description", "")
                and not isinstance(x, w.Button) and hasattr(x.style, "description_width")]
    assert labelled and all(x.style.description_width == "110px" for x in labelled)
    editor.select(flow="faq", action="questions")
    replies = editor.action_form.field("quick replies").input
    assert replies.rows >= replies.value.count("\n") + 1  # every quick reply in view
    editor.delete_state("faq", "answer")  # a lint error with a long message
    assert editor.lint_view.messages and all("…" not in m for m in editor.lint_view.messages)
    html_rows = [row.children[1].value for row in editor.lint_view.list.children]
    assert all("white-space:normal" in h for h in html_rows)
    full = [f.message for f in editor.lint_view.findings]
    assert all(any(m in shown for shown in editor.lint_view.messages) for m in full)


def test_files_gone_since_loading_are_reported_not_crashed_on(shop_copy: Path) -> None:
    import shutil

    bot = load_bot(shop_copy)
    shutil.rmtree(shop_copy)
    editor = FlowEditor(bot, graph=False)  # still opens
    editor.save_button.click()
    assert "no such bot file" in editor.message.value and editor.pending_save is None
