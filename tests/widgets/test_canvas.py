"""FlowCanvas headless: the front end's events applied in Python, the widget state checked.

Every interaction of the canvas (select, hover, drag-to-connect, delete, undo, pan, zoom, fit,
flow picker, traffic and its sessions) is one event dict the JavaScript sends; here the same
dicts go to ``canvas.handle`` and the synced traits (what the front end draws) are checked.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from igbot.kataml import Bot, load_bot
from igbot.widgets import FlowCanvas, FlowEditor

SHOP = Path(__file__).resolve().parents[2] / "data" / "bots" / "shop"


@pytest.fixture
def canvas(shop: Bot) -> FlowCanvas:
    return FlowCanvas(shop)


def edge(canvas: FlowCanvas, flow: str, a: str, b: str) -> str:
    found = canvas.edge_id(f"state:{flow}/{a}", f"state:{flow}/{b}", "transition")
    assert found is not None
    return found


def test_draws_the_whole_bot_as_interactive_svg(canvas: FlowCanvas) -> None:
    root = ET.fromstring(canvas.canvas.svg)
    ids = {g.get("data-id") for g in root.iter() if g.get("data-kind") == "node"}
    assert "state:promo/show" in ids and "flow:greeting" in ids
    assert canvas.canvas.flows == list(canvas.bot.flows)
    assert canvas.canvas.flow == ""
    assert canvas.canvas.view == {"x": 0.0, "y": 0.0, "w": canvas.layout_.width,
                                  "h": canvas.layout_.height}
    assert "http" not in canvas.canvas._esm.replace("http://www.w3.org/2000/svg", "")


def test_flow_picker_fit_pan_zoom(canvas: FlowCanvas) -> None:
    canvas.handle({"event": "flow", "flow": "promo"})
    assert canvas.flow == "promo" and "flow promo" in canvas.canvas.svg
    full = dict(canvas.canvas.view)
    canvas.handle({"event": "zoom", "factor": 0.5})
    assert canvas.canvas.view["w"] == pytest.approx(full["w"] / 2)
    canvas.pan(10, 5)
    assert canvas.canvas.view["x"] == pytest.approx(full["w"] / 4 + 10)
    canvas.handle({"event": "view", "view": {"x": 1, "y": 2, "w": 300, "h": 200}})
    assert canvas.canvas.view == {"x": 1.0, "y": 2.0, "w": 300.0, "h": 200.0}
    canvas.handle({"event": "fit"})
    assert canvas.canvas.view == full
    canvas.handle({"event": "flow", "flow": ""})
    assert canvas.flow is None and "state:greeting/init" in canvas.canvas.svg
    canvas.handle({"event": "flow", "flow": "nope"})
    assert "no flow 'nope'" in canvas.canvas.message


def test_hover_shows_full_condition_mapping_and_action_bubbles(canvas: FlowCanvas) -> None:
    canvas.handle({"event": "hover", "kind": "edge", "id": edge(canvas, "promo", "show",
                                                                 "claimed")})
    tip = canvas.canvas.hover["html"]
    assert "intent == &quot;pick&quot;" in tip and "context.item" in tip and "mapping" in tip
    canvas.handle({"event": "hover", "kind": "node", "id": "state:promo/show"})
    tip = canvas.canvas.hover["html"]
    assert "carousel" in tip and 'class="igbot-chat"' in tip  # the action as bubbles
    canvas.handle({"event": "hover", "kind": "node", "id": "intent:greeting/storyReply"})
    assert 'payload.type == &quot;story_reply&quot;' in canvas.canvas.hover["html"]
    canvas.handle({"event": "hover"})
    assert canvas.canvas.hover == {}


def test_click_selects_and_opens_the_editor_form(canvas: FlowCanvas) -> None:
    canvas.handle({"event": "select", "kind": "node", "id": "state:faq/ask"})
    assert canvas.canvas.selection == {"kind": "node", "id": "state:faq/ask"}
    assert canvas.editor.flow == "faq" and canvas.editor.selected("states") == "ask"
    canvas.handle({"event": "select", "kind": "node", "id": "intent:promo/pick"})
    assert canvas.editor.flow == "promo" and canvas.editor.selected("intents") == "pick"
    canvas.handle({"event": "select", "kind": "edge", "id": edge(canvas, "faq", "ask", "answer")})
    assert canvas.canvas.selection["u"] == "state:faq/ask"
    assert canvas.editor.selected("states") == "ask"
    canvas.handle({"event": "select"})
    assert canvas.canvas.selection == {}


def test_editor_edits_redraw_at_once_keeping_the_view(canvas: FlowCanvas) -> None:
    canvas.handle({"event": "view", "view": {"x": 50, "y": 60, "w": 400, "h": 300}})
    before = canvas.redraws
    canvas.editor.add_state("faq", "later")
    assert canvas.redraws == before + 1
    assert 'data-id="state:faq/later"' in canvas.canvas.svg
    assert canvas.canvas.view == {"x": 50.0, "y": 60.0, "w": 400.0, "h": 300.0}


def test_drag_to_connect_asks_a_condition_validated_live(canvas: FlowCanvas) -> None:
    canvas.handle({"event": "connect", "source": "state:faq/answer", "target": "state:faq/init"})
    assert canvas.pending == ("faq", "answer", "init")
    assert canvas.connect_box.layout.display == "flex"
    canvas.condition.value = 'intent == "again'
    assert "unterminated string" in canvas.condition_check.value
    assert canvas.add_button.disabled
    canvas.confirm_transition()
    assert "init" not in canvas.bot.flows["faq"].states["answer"].transitions
    canvas.condition.value = 'intent == "again"'
    assert not canvas.add_button.disabled and canvas.condition_check.value == ""
    canvas.add_button.click()
    assert canvas.bot.flows["faq"].states["answer"].transitions["init"].condition == \
        'intent == "again"'
    assert canvas.canvas.selection["v"] == "state:faq/init"  # the new edge is selected
    assert canvas.pending is None and canvas.connect_box.layout.display == "none"


def test_connect_refuses_what_kata_cannot_do(canvas: FlowCanvas) -> None:
    canvas.handle({"event": "connect", "source": "state:faq/ask", "target": "state:promo/show"})
    assert canvas.pending is None and "different flows" in canvas.canvas.message
    canvas.handle({"event": "connect", "source": "flow:faq", "target": "state:faq/ask"})
    assert canvas.pending is None and "two states" in canvas.canvas.message
    canvas.handle({"event": "connect", "source": "state:faq/ask", "target": "state:faq/init"})
    canvas.cancel_button.click()
    assert canvas.pending is None and "init" not in canvas.bot.flows["faq"].states["ask"].transitions


def test_delete_selection_and_undo(canvas: FlowCanvas) -> None:
    canvas.handle({"event": "select", "kind": "edge", "id": edge(canvas, "faq", "ask", "answer")})
    canvas.handle({"event": "delete"})
    assert "answer" not in canvas.bot.flows["faq"].states["ask"].transitions
    assert canvas.canvas.selection == {}
    canvas.handle({"event": "undo"})
    assert "answer" in canvas.bot.flows["faq"].states["ask"].transitions
    assert canvas.edge_id("state:faq/ask", "state:faq/answer", "transition") is not None
    canvas.handle({"event": "select", "kind": "node", "id": "state:faq/answer"})
    canvas.handle({"event": "delete"})
    assert "answer" not in canvas.bot.flows["faq"].states
    assert 'data-id="state:faq/answer"' not in canvas.canvas.svg
    canvas.handle({"event": "undo"})
    assert "answer" in canvas.bot.flows["faq"].states
    canvas.handle({"event": "delete"})
    assert "select a state" in canvas.canvas.message


def test_read_only_canvas_refuses_edits(shop: Bot) -> None:
    view = FlowCanvas(shop, editor=False)
    assert view.children == (view.canvas,)
    view.handle({"event": "connect", "source": "state:faq/answer", "target": "state:faq/init"})
    assert "read-only" in view.canvas.message and view.pending is None


def test_shares_an_existing_editor(shop: Bot) -> None:
    editor = FlowEditor(shop, graph=False)
    canvas = FlowCanvas(shop, editor=editor)
    assert canvas.editor is editor and editor.widget in canvas.side.children
    editor.undo_button.click()  # nothing to undo: no crash
    editor.add_intent("faq", "thanks")
    assert 'data-id="intent:faq/thanks"' in canvas.canvas.svg


def _log() -> pd.DataFrame:
    rows = []
    t0 = pd.Timestamp("2024-05-01 10:00", tz="UTC")
    walks = {"c1": [("in", "faq", "init", "faq please"), ("out", "faq", "ask", "What is it?"),
                    ("in", "faq", "ask", "opening hours"), ("out", "faq", "answer", "9 to 5")],
             "c2": [("in", "faq", "init", "faq"), ("out", "faq", "ask", "What is it?")]}
    for conv, walk in walks.items():
        for i, (direction, flow, state, text) in enumerate(walk):
            rows.append({"conversation_id": conv, "session_id": f"{conv}#0",
                         "timestamp": t0 + pd.Timedelta(seconds=10 * i), "direction": direction,
                         "kind": "text", "text": text, "flow": flow, "state": state})
    return pd.DataFrame(rows)


def test_traffic_counts_sessions_and_opens_one_as_bubbles(canvas: FlowCanvas) -> None:
    canvas.show_traffic(_log())
    assert "traffic: 2 sessions" in canvas.canvas.message
    assert "(traffic: 2 sessions)" in canvas.canvas.svg
    canvas.handle({"event": "select", "kind": "edge", "id": edge(canvas, "faq", "ask", "answer")})
    assert canvas.sessions_of() == ["c1 2024-05-01 10:00"]
    assert canvas.traffic_box.layout.display == "flex"
    assert list(canvas.sessions.options) == ["c1 2024-05-01 10:00"]
    canvas.sessions.value = "c1 2024-05-01 10:00"
    bubbles = canvas.session_html.value
    assert "opening hours" in bubbles and "9 to 5" in bubbles and "igbot-chat" in bubbles
    canvas.handle({"event": "select", "kind": "node", "id": "state:faq/ask"})
    assert sorted(canvas.sessions_of()) == ["c1 2024-05-01 10:00", "c2 2024-05-01 10:00"]
    canvas.handle({"event": "hover", "kind": "node", "id": "state:faq/ask"})
    assert "sessions</b> 2" in canvas.canvas.hover["html"]
    canvas.clear_traffic()
    assert "traffic" not in canvas.canvas.svg.split("</text>")[0]


def test_bot_and_flow_display_without_cdn(shop: Bot) -> None:
    bundle = shop._repr_mimebundle_()
    html = bundle["text/html"]
    assert "<svg" in html and "<table>" in html and "cdn" not in html.lower()
    assert "mermaid" not in html.lower()
    flow_bundle = load_bot(SHOP).flows["promo"]._repr_mimebundle_()
    assert "<svg" in flow_bundle["text/html"]


def test_in_a_kernel_a_bot_shows_as_the_canvas_with_the_svg_fallback(shop: Bot) -> None:
    import ipykernel  # noqa: F401 - present in a kernel; canvas_bundle checks for it

    from igbot.widgets import canvas_bundle

    bundle = canvas_bundle(shop)
    view = bundle["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"]
    assert bundle["text/html"].startswith("<svg") and bundle["text/plain"] == repr(shop)
    assert shop._repr_mimebundle_()["application/vnd.jupyter.widget-view+json"]["model_id"]


def test_standalone_page_has_everything_inline(canvas: FlowCanvas, tmp_path: Path) -> None:
    page = canvas.save(tmp_path / "canvas.html").read_text(encoding="utf-8")
    assert "<script src" not in page and "<link" not in page and "import " not in page.split(
        "<script type=\"module\">")[1].split("function button")[0]
    assert "const __default__ = { render };" in page
    assert '"node:state:promo/show"' in page and "carousel" in page  # hover panels computed
    assert "</script>" not in page.split('<script type="module">')[1].rsplit("</script>", 1)[0]


def test_the_canvas_widget_carries_its_static_drawing(canvas: FlowCanvas) -> None:
    bundle = canvas._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/html"].startswith("<svg") and "data-kind" not in bundle["text/html"]


def test_traffic_from_a_log_file_igbot_reads(canvas: FlowCanvas) -> None:
    log = Path(__file__).resolve().parents[2] / "data" / "logs" / "igbot_log.jsonl"
    canvas.show_traffic(log)
    assert canvas.counts is not None and canvas.counts.sessions > 0
    assert f"traffic: {canvas.counts.sessions} sessions" == canvas.canvas.message
    canvas.handle({"event": "select", "kind": "node", "id": "state:promo/show"})
    names = canvas.sessions_of()
    assert names and canvas.open_session(names[0]).count("<div") > 2
