"""``FlowCanvas``: the bot as an interactive graph in a notebook (JupyterLab, Notebook 7, Voilà).

The drawing is :mod:`igbot.graph`'s layout and SVG; the front end (``static/canvas.js``, an
anywidget module shipped in the package, no CDN) only draws it and reports what the person
does. Every piece of state lives here, in Python: the flow shown, the view box, the
selection, the hover panel, the transition being added, the traffic and the open session. So
:meth:`FlowCanvas.handle` with the front end's events is all a headless test needs.

Editing goes through a :class:`~igbot.widgets.FlowEditor` shown beside the canvas: a click
opens the editor's form for what was clicked (``editor.select``), and after every edit, made
here or in the editor's forms, the canvas redraws and keeps its view (``editor.observe_bot``).
"""

from __future__ import annotations

import html
import inspect
import json
import logging
import sys
from pathlib import Path
from typing import Any

import anywidget
import ipywidgets as w
import networkx as nx
import pandas as pd
import traitlets as t

from igbot._errors import IgbotError
from igbot.analytics import load
from igbot.engine import requests_html
from igbot.graph import (
    Layout,
    add_traffic,
    count_traffic,
    flow_graph,
    layered_layout,
    render_svg,
    show,
)
from igbot.kataml import Bot, Flow
from igbot.models import SendMessageRequest, render_bubbles
from igbot.widgets._canvas_hover import edge_html, node_html
from igbot.widgets._editing import BotEditing
from igbot.widgets._editor import FlowEditor
from igbot.widgets._validation import check_condition

__all__ = ["CanvasView", "FlowCanvas", "canvas_bundle", "canvas_page"]

logger = logging.getLogger(__name__)

_STATIC = Path(__file__).parent / "static"


class CanvasView(anywidget.AnyWidget):
    """The drawing area: synced state only; :class:`FlowCanvas` decides what it holds."""

    _esm = (_STATIC / "canvas.js").read_text(encoding="utf-8")
    _css = (_STATIC / "canvas.css").read_text(encoding="utf-8")
    svg = t.Unicode("").tag(sync=True)
    flows = t.List(t.Unicode()).tag(sync=True)
    flow = t.Unicode("").tag(sync=True)
    view = t.Dict().tag(sync=True)
    selection = t.Dict().tag(sync=True)
    hover = t.Dict().tag(sync=True)
    message = t.Unicode("").tag(sync=True)
    height = t.Int(560).tag(sync=True)


class FlowCanvas(w.HBox):
    """The bot's graph to pan, zoom, hover, click, connect and delete on, with traffic.

    Args:
        bot: a loaded bot (edited in place), or a path to load.
        editor: the :class:`FlowEditor` whose forms open beside the canvas; ``None`` makes
            one on the same bot; ``False`` shows the canvas alone, read-only.
        flow: the flow to show first (``None``: the whole bot).
        height: the drawing area's height in pixels.
    """

    def __init__(self, bot: Bot | Flow | str | Path, *, editor: Any = None,
                 flow: str | None = None, height: int = 560) -> None:
        if isinstance(bot, Flow):
            bot = Bot(name="flow", flows={"flow": bot})
        self.read_only = editor is False
        if editor is False:
            editor = BotEditing(bot)
        elif editor is None:  # the editor's own graph would repeat the canvas
            quiet: dict[str, Any] = (
                {"graph": False} if "graph" in inspect.signature(FlowEditor).parameters else {})
            editor = FlowEditor(bot, **quiet)
        self.editor: Any = editor
        self.canvas = CanvasView(height=height, layout=w.Layout(flex="3 1 520px",
                                                                 min_width="420px"))
        self.condition = w.Text(description="condition", placeholder="e.g. intent == \"yes\"",
                                layout=w.Layout(width="100%"), continuous_update=True)
        self.condition_check = w.HTML()
        self.add_button = w.Button(description="Add transition", button_style="primary",
                                   layout=w.Layout(width="auto"))
        self.cancel_button = w.Button(description="Cancel", layout=w.Layout(width="auto"))
        self.connect_box = w.VBox([w.HTML(), self.condition, self.condition_check,
                                   w.HBox([self.add_button, self.cancel_button])],
                                  layout=w.Layout(display="none"))
        self.sessions = w.Select(rows=6, layout=w.Layout(width="100%"))
        self.session_html = w.HTML()
        self.traffic_box = w.VBox([w.HTML(), self.sessions, self.session_html],
                                  layout=w.Layout(display="none"))
        side = [self.connect_box, self.traffic_box]
        if not self.read_only and hasattr(self.editor, "widget"):
            side.append(self.editor.widget)
        self.side = w.VBox(side, layout=w.Layout(flex="2 1 380px", min_width="360px"))
        super().__init__([self.canvas, self.side] if not self.read_only else [self.canvas],
                         layout=w.Layout(flex_flow="row wrap", width="100%",
                                         align_items="flex-start"))
        self.graph: nx.MultiDiGraph = nx.MultiDiGraph()
        self.layout_: Layout | None = None
        self.pending: tuple[str, str, str] | None = None
        self.counts: Any = None
        self.traffic_log: pd.DataFrame | None = None
        self.redraws = 0
        self.canvas.on_msg(lambda _w, content, _b: self.handle(content))
        self.condition.observe(lambda _c: self._check_condition(), names="value")
        self.add_button.on_click(lambda _b: self.confirm_transition())
        self.cancel_button.on_click(lambda _b: self.cancel_transition())
        self.sessions.observe(lambda c: self.open_session(c["new"]) if c["new"] else None,
                              names="value")
        self._observe_editor()
        self.show_flow(flow)

    # -- the bot and the drawing -----------------------------------------------------------

    @property
    def bot(self) -> Bot:
        """The bot being shown (the editor's: after an undo it is a new object)."""
        return self.editor.bot

    @property
    def flow(self) -> str | None:
        """The flow shown, ``None`` for the whole bot."""
        return self.canvas.flow or None

    def _observe_editor(self) -> None:
        observe = getattr(self.editor, "observe_bot", None)
        if callable(observe):
            observe(lambda _bot: self.redraw())
            return
        # until the editor has observe_bot: hear its edits through its change hook
        changed = self.editor._changed

        def hook(what: str) -> None:
            changed(what)
            self.redraw()
        self.editor._changed = hook

    def redraw(self) -> None:
        """Lay the graph out again and send it to the front end; the view is kept."""
        flows = list(self.bot.flows)
        if self.canvas.flow and self.canvas.flow not in flows:
            self.canvas.flow = ""
        self.canvas.flows = flows
        graph = flow_graph(self.bot, self.flow, collapse_floats=True)
        if self.counts is not None:
            graph = add_traffic(graph, self.counts)
        self.graph = graph
        self.layout_ = layered_layout(graph)
        self.canvas.svg = render_svg(layout=self.layout_, interactive=True)
        self.redraws += 1
        self._reselect()

    def edge_id(self, u: str, v: str, key: str) -> str | None:
        """The canvas id of an edge (its index in the layout), or ``None``."""
        for i, edge in enumerate(self.layout_.edges if self.layout_ else []):
            if (edge.u, edge.v, edge.key) == (u, v, key):
                return str(i)
        return None

    def _edge(self, id_: Any) -> tuple[str, str, str] | None:
        try:
            edge = (self.layout_.edges if self.layout_ else [])[int(id_)]
        except (ValueError, IndexError, TypeError):
            return None
        return str(edge.u), str(edge.v), str(edge.key)

    # -- the view ----------------------------------------------------------------------------

    def fit(self) -> None:
        """Show the whole drawing."""
        if self.layout_ is not None:
            self.canvas.view = {"x": 0.0, "y": 0.0, "w": self.layout_.width,
                                "h": max(self.layout_.height, 1.0)}

    def zoom(self, factor: float, x: float | None = None, y: float | None = None) -> None:
        """Zoom by ``factor`` (> 1 shows more) around ``(x, y)`` (default: the centre)."""
        v = dict(self.canvas.view)
        cx = v["x"] + v["w"] / 2 if x is None else x
        cy = v["y"] + v["h"] / 2 if y is None else y
        self.canvas.view = {"x": cx - (cx - v["x"]) * factor, "y": cy - (cy - v["y"]) * factor,
                            "w": v["w"] * factor, "h": v["h"] * factor}

    def pan(self, dx: float, dy: float) -> None:
        """Move the view by ``(dx, dy)`` points."""
        v = dict(self.canvas.view)
        self.canvas.view = {**v, "x": v["x"] + dx, "y": v["y"] + dy}

    def show_flow(self, flow: str | None) -> None:
        """Show one flow (``None`` or ``""``: the whole bot) and fit it."""
        if flow and flow not in self.bot.flows:
            self._say(f"the bot has no flow {flow!r}")
            return
        self.canvas.flow = flow or ""
        self.select(None)
        self.redraw()
        self.fit()
        if flow and not self.read_only and callable(getattr(self.editor, "select", None)):
            self.editor.select(flow=flow)

    # -- events from the front end -----------------------------------------------------------

    def handle(self, event: dict[str, Any]) -> None:
        """Apply one front-end event (see ``static/canvas.js`` for their shapes)."""
        kind = event.get("event")
        try:
            if kind == "select":
                self.select(event.get("kind"), event.get("id"))
            elif kind == "hover":
                self.hover(event.get("kind"), event.get("id"))
            elif kind == "connect":
                self.connect(str(event["source"]), str(event["target"]))
            elif kind == "delete":
                self.delete_selection()
            elif kind == "undo":
                self.undo()
            elif kind == "view":
                view = event.get("view") or {}
                self.canvas.view = {k: float(view[k]) for k in ("x", "y", "w", "h")}
            elif kind == "zoom":
                self.zoom(float(event.get("factor", 1.0)))
            elif kind == "fit":
                self.fit()
            elif kind == "flow":
                self.show_flow(event.get("flow") or None)
            else:
                logger.debug("unknown canvas event %r", kind)
        except IgbotError as exc:
            self._say(str(exc))

    def _say(self, text: str) -> None:
        self.canvas.message = text

    # -- hover and selection -----------------------------------------------------------------

    def hover(self, kind: str | None, id_: Any = None) -> None:
        """Fill the hover panel for a node or an edge (``kind`` ``None`` hides it)."""
        if kind == "node" and id_ in self.graph:
            self.canvas.hover = {"kind": kind, "id": str(id_),
                                 "html": node_html(self.graph, str(id_), self._preview)}
        elif kind == "edge" and (edge := self._edge(id_)) is not None:
            self.canvas.hover = {"kind": kind, "id": str(id_), "html": edge_html(self.graph, *edge)}
        else:
            self.canvas.hover = {}

    def _preview(self, flow: str, action: str) -> str:
        requests, problems = self.editor.preview(flow, action)
        text = requests_html(requests) if requests else ""
        return text + "".join(f"<div><i>{html.escape(p)}</i></div>" for p in problems)

    def select(self, kind: str | None, id_: Any = None) -> None:
        """Select a node or an edge (``None`` clears): the editor opens its form."""
        if kind == "node" and id_ in self.graph:
            self.canvas.selection = {"kind": "node", "id": str(id_)}
        elif kind == "edge" and (edge := self._edge(id_)) is not None:
            u, v, key = edge
            self.canvas.selection = {"kind": "edge", "id": str(id_), "u": u, "v": v, "key": key}
        else:
            self.canvas.selection = {}
            self.traffic_box.layout.display = "none"
            return
        self._open_form()
        self._list_sessions()

    def _reselect(self) -> None:
        sel = dict(self.canvas.selection)
        if sel.get("kind") == "edge":
            new = self.edge_id(sel["u"], sel["v"], sel["key"])
            self.canvas.selection = {**sel, "id": new} if new is not None else {}
        elif sel.get("kind") == "node" and sel["id"] not in self.graph:
            self.canvas.selection = {}

    def _open_form(self) -> None:
        select = getattr(self.editor, "select", None)
        if self.read_only or not callable(select):
            return
        sel = self.canvas.selection
        if sel["kind"] == "node":
            d = self.graph.nodes[sel["id"]]
            where = {"flow": d.get("flow"), d.get("kind"): d.get("name")}
        else:
            d = self.graph.edges[sel["u"], sel["v"], sel["key"]]
            u = self.graph.nodes[sel["u"]]
            where = {"flow": u.get("flow"), "state": u.get("name") if u.get("kind") == "state"
                     else None}
            if d.get("kind") == "transition":
                where["transition"] = (u.get("name"), self.graph.nodes[sel["v"]].get("name"))
        params = inspect.signature(select).parameters
        where = {k: v for k, v in where.items() if k in params and v is not None}
        if where.get("flow") in self.bot.flows:
            select(**where)

    # -- editing -------------------------------------------------------------------------------

    def _state(self, node: str) -> tuple[str, str] | None:
        d = self.graph.nodes.get(node) if node in self.graph else None
        if not d or d.get("kind") != "state" or d.get("external"):
            return None
        return str(d["flow"]), str(d["name"])

    def connect(self, source: str, target: str) -> None:
        """Start adding a transition ``source -> target``: asks for its condition."""
        if self.read_only:
            self._say("read-only canvas: use FlowCanvas(bot) to edit")
            return
        a, b = self._state(source), self._state(target)
        if a is None or b is None:
            self._say("a transition joins two states: drag from a state to a state")
            return
        if a[0] != b[0]:
            self._say(f"a transition stays in its flow: {a[0]}.{a[1]} and {b[0]}.{b[1]} are in "
                      "different flows (use a command action to open another flow)")
            return
        self.pending = (a[0], a[1], b[1])
        self.connect_box.children[0].value = html.escape(
            f"new transition in flow {a[0]}: {a[1]} → {b[1]}")
        self.condition.value = ""
        self._check_condition()
        self.connect_box.layout.display = "flex"
        self._say(f"condition for {a[1]} → {b[1]}?")

    def _check_condition(self) -> list[str]:
        problems = check_condition(self.condition.value)
        self.condition_check.value = "".join(
            f'<div style="color:#b00020;white-space:pre-wrap;font-family:monospace">'
            f"{html.escape(p)}</div>" for p in problems)
        self.add_button.disabled = bool(problems) or self.pending is None
        return problems

    def confirm_transition(self, condition: str | None = None) -> None:
        """Add the pending transition with ``condition`` (default: what the box holds)."""
        if self.pending is None:
            return
        if condition is not None:
            self.condition.value = condition
        if self._check_condition():
            self._say("fix the condition first")
            return
        flow, src, dst = self.pending
        self.pending = None
        self.connect_box.layout.display = "none"
        self.editor.set_transition(flow, src, dst, condition=self.condition.value.strip() or None)
        new = self.edge_id(f"state:{flow}/{src}", f"state:{flow}/{dst}", "transition")
        if new is not None:
            self.select("edge", new)
        self._say(f"added transition {src} → {dst}")

    def cancel_transition(self) -> None:
        """Forget the transition being added."""
        self.pending = None
        self.connect_box.layout.display = "none"
        self._say("")

    def delete_selection(self) -> None:
        """Delete what is selected (a state, an intent, a flow or a transition); undo brings
        it back."""
        if self.read_only:
            self._say("read-only canvas: use FlowCanvas(bot) to edit")
            return
        sel = dict(self.canvas.selection)
        if not sel:
            self._say("select a state, an intent, a flow or a transition to delete")
            return
        if sel["kind"] == "node":
            d = self.graph.nodes[sel["id"]]
            kind, flow, name = d.get("kind"), d.get("flow"), d.get("name")
            if d.get("external") or kind not in ("state", "intent", "flow"):
                self._say(f"cannot delete the {kind} {name} here")
                return
            self.canvas.selection = {}
            if kind == "flow":
                self.editor.delete_flow(name)
            else:
                getattr(self.editor, f"delete_{kind}")(flow, name)
            self._say(f"deleted {kind} {flow}.{name} (Undo brings it back)")
            return
        d = self.graph.edges[sel["u"], sel["v"], sel["key"]]
        if d.get("kind") != "transition":
            self._say(f"a {d.get('kind')} edge comes from an action or an intent: edit that instead")
            return
        a, b = self._state(sel["u"]), self._state(sel["v"])
        if a is None or b is None:
            return
        self.canvas.selection = {}
        self.editor.delete_transition(a[0], a[1], b[1])
        self._say(f"deleted transition {a[1]} → {b[1]} (Undo brings it back)")

    def undo(self) -> None:
        """Undo the last edit."""
        what = self.editor.undo()
        self._say(f"undid: {what}" if what else "nothing to undo")

    # -- export ------------------------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The widget where widgets run, and the drawing as static SVG for everything else
        (nbconvert HTML, GitHub)."""
        bundle = dict(super()._repr_mimebundle_(**kwargs) or {})
        if self.layout_ is not None:
            bundle["text/html"] = render_svg(layout=self.layout_)
        return bundle

    def to_html(self) -> str:
        """The canvas as a standalone HTML page (see :func:`canvas_page`)."""
        return canvas_page(self)

    def save(self, path: str | Path) -> Path:
        """Write :meth:`to_html` to ``path``."""
        path = Path(path)
        path.write_text(self.to_html(), encoding="utf-8")
        return path

    # -- traffic -------------------------------------------------------------------------------

    def show_traffic(self, logs: pd.DataFrame | str | Path | list[str | Path], *,
                     gap: str = "30min") -> None:
        """Put session counts and drop-off on the drawing, from any log igbot reads.

        Args:
            logs: a canonical event frame, or what :func:`igbot.analytics.load` reads (a file,
                a folder, a glob or a list of them).
            gap: inactivity that ends a session.
        """
        frame = logs if isinstance(logs, pd.DataFrame) else load(logs)
        self.traffic_log = frame.reset_index(drop=True)
        self.counts = count_traffic(self.traffic_log, gap=gap, sessions=True)
        self.redraw()
        self._say(f"traffic: {self.counts.sessions} sessions")

    def clear_traffic(self) -> None:
        """Draw the bot without traffic."""
        self.counts = self.traffic_log = None
        self.traffic_box.layout.display = "none"
        self.redraw()

    def sessions_of(self) -> list[str]:
        """The sessions that went through the selected node or edge (traffic shown)."""
        sel = self.canvas.selection
        if not sel or self.counts is None:
            return []
        d = (self.graph.nodes[sel["id"]] if sel["kind"] == "node"
             else self.graph.edges[sel["u"], sel["v"], sel["key"]])
        return list(d.get("session_ids") or [])

    def _list_sessions(self) -> None:
        names = self.sessions_of()
        if self.counts is None:
            return
        self.traffic_box.layout.display = "flex"
        self.traffic_box.children[0].value = (
            f"<b>{len(names)} sessions</b> went this way" if names
            else "<i>no session in the log went this way</i>")
        self.sessions.options = names
        self.sessions.value = None
        self.session_html.value = ""

    def open_session(self, name: str) -> str:
        """Show one session of the log as chat bubbles; returns the HTML."""
        if self.counts is None or self.traffic_log is None or name not in self.counts.session_rows:
            return ""
        rows = self.traffic_log.iloc[self.counts.session_rows[name]]
        items: list[Any] = []
        for _, row in rows.iterrows():
            text = row.get("text")
            if not isinstance(text, str) or not text:
                continue
            if row.get("direction") == "in":
                items.append(text)
            else:
                items.append(SendMessageRequest.text(str(row.get("conversation_id")), text))
        self.session_html.value = (f"<b>{html.escape(name)}</b>" + render_bubbles(items))
        return str(self.session_html.value)


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body {{ margin: 16px; font-family: "DejaVu Sans", Verdana, Arial, sans-serif; }}
{css}</style></head>
<body><div id="canvas"></div>
<script type="module">
{esm}
const state = {state};
const hovers = {hovers};
const listeners = {{}};
const set = (name, value) => {{
  state[name] = value;
  (listeners["change:" + name] || []).forEach((f) => f());
}};
const model = {{
  get: (name) => state[name],
  on: (name, f) => {{ (listeners[name] = listeners[name] || []).push(f); }},
  send: (msg) => {{
    if (msg.event === "view") set("view", msg.view);
    else if (msg.event === "fit") set("view", state.fit);
    else if (msg.event === "hover") set("hover", msg.kind ? hovers[msg.kind + ":" + msg.id] || {{}} : {{}});
    else if (msg.event === "select") set("selection", msg.kind ? {{kind: msg.kind, id: msg.id}} : {{}});
    else set("message", "this page is a snapshot: open the notebook to edit");
  }},
}};
__default__.render({{ model, el: document.getElementById("canvas") }});
</script></body></html>
"""


def canvas_page(canvas: FlowCanvas) -> str:
    """The canvas as one standalone HTML page (pan, zoom, fit and hover work; no server, no
    network): its script and style inline, every hover panel computed here."""
    hovers: dict[str, Any] = {}
    for node in canvas.graph.nodes:
        canvas.hover("node", node)
        hovers[f"node:{node}"] = dict(canvas.canvas.hover)
    for i in range(len(canvas.layout_.edges if canvas.layout_ else [])):
        canvas.hover("edge", str(i))
        hovers[f"edge:{i}"] = dict(canvas.canvas.hover)
    canvas.hover(None)
    view = canvas.canvas
    state = {"svg": view.svg, "flows": view.flows, "flow": view.flow, "view": view.view,
             "fit": view.view, "selection": {}, "hover": {}, "message": view.message,
             "height": view.height}
    esm = view._esm.replace("export default { render };", "const __default__ = { render };")

    def js(value: Any) -> str:  # JSON inside a <script>: "</" must not close it
        return json.dumps(value).replace("</", "<\\/")
    return _PAGE.format(title=html.escape(str(canvas.bot.name or "bot")), css=view._css, esm=esm,
                        state=js(state), hovers=js(hovers))


def canvas_bundle(model: Bot | Flow) -> dict[str, Any]:
    """How a bot or a flow shows in a notebook: the canvas where widgets run (a kernel with
    a widget front end), the static SVG drawing everywhere else (nbconvert HTML, GitHub)."""
    svg = show(model).to_svg()
    bundle: dict[str, Any] = {"text/plain": repr(model), "text/html": svg}
    if "ipykernel" in sys.modules:
        view = FlowCanvas(model, editor=False)
        bundle.update(view._repr_mimebundle_() or {})
        bundle["text/plain"] = repr(model)
        bundle["text/html"] = svg
    return bundle
