"""``FlowEditor``: edit a Kata-ML bot in a notebook, with live checks, lint, preview and graph.

The widgets are a view: every button and field calls one of the edit methods of
:class:`~igbot.widgets._editing.BotEditing` (``add_state``, ``rename_state``, ``set_transition``,
``add_action``, ``undo``, ``save``, …), and after each edit the lists, the forms, the lint list,
the action preview (``preview_action`` + ``requests_html``) and the graph are redrawn.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path
from typing import Any

import ipywidgets as w

from igbot._errors import IgbotError
from igbot.engine import requests_html
from igbot.kataml import Bot
from igbot.widgets._editing import BotEditing
from igbot.widgets._editor_forms import FORM_KINDS, ActionForm, new_action
from igbot.widgets._editor_panels import IntentPanel, StatePanel, messages_html
from igbot.widgets._graphview import GraphView
from igbot.widgets._lintview import LintView

__all__ = ["FlowEditor"]

logger = logging.getLogger(__name__)

_TABS = ("intents", "states", "actions")


class FlowEditor(BotEditing):
    """A notebook editor for a bot's flows: intents, states with transitions, actions.

    Args:
        bot: a loaded bot (edited in place) or a path to load.
        flow: the flow to show first (default: the first one).
        graph: draw the selected flow's graph after each change.
        debounce: seconds to wait after an edit before redrawing the graph (in a kernel).
    """

    def __init__(self, bot: Bot | str | Path, *, flow: str | None = None, graph: bool = True,
                 debounce: float = 0.4, max_undo: int = 100) -> None:
        super().__init__(bot, max_undo=max_undo)
        self._ready = False
        self.flow_select = w.Dropdown(description="flow", options=list(self.bot.flows))
        self.new_flow = w.Text(placeholder="new flow name", layout=w.Layout(width="160px"))
        self.add_flow_button = w.Button(description="Add flow", icon="plus")
        self.undo_button = w.Button(description="Undo", icon="undo")
        self.save_path = w.Text(placeholder="folder or bot.yml to save to",
                                value=str(self.bot.source_file or ""))
        self.save_button = w.Button(description="Save", icon="save", button_style="success")
        self.message = w.HTML()
        self.lists = {tab: w.Select(rows=8, layout=w.Layout(width="200px")) for tab in _TABS}
        self.names = {tab: w.Text(placeholder=f"{tab[:-1]} name", layout=w.Layout(width="200px"))
                      for tab in _TABS}
        self.kind = w.Dropdown(options=FORM_KINDS, description="kind",
                               layout=w.Layout(width="200px"))
        self.intent_panel = IntentPanel(self)
        self.state_panel = StatePanel(self)
        self.action_form = ActionForm(self._action_edited)
        self.preview_html = w.HTML()
        self.preview_problems = w.HTML()
        self.lint_view = LintView(self.goto)
        self.graph = GraphView(lambda: (self.bot, self.flow), delay=debounce, enabled=graph)
        self.buttons: dict[str, dict[str, w.Button]] = {}
        self.tabs = w.Tab(children=[self._tab(tab) for tab in _TABS])
        for i, tab in enumerate(_TABS):
            self.tabs.set_title(i, tab)
        self.widget = w.VBox([
            w.HBox([self.flow_select, self.new_flow, self.add_flow_button, self.undo_button]),
            w.HBox([self.save_path, self.save_button]), self.message,
            w.HBox([self.tabs, w.VBox([w.HTML("<b>Preview</b>"), self.preview_html,
                                       self.preview_problems])]),
            self.lint_view.widget, self.graph.widget])
        self.flow_select.observe(lambda _c: self._refresh(), names="value")
        for tab in _TABS:
            self.lists[tab].observe(lambda _c, tab=tab: self._select(tab), names="value")
        self.add_flow_button.on_click(lambda _b: self._try(lambda: self.add_flow(self.new_flow.value)))
        self.undo_button.on_click(lambda _b: self.undo())
        self.save_button.on_click(lambda _b: self._try(lambda: self._save_clicked()))
        if flow is not None:
            self.flow_select.value = flow
        self._ready = True
        self._refresh()

    # -- selection ------------------------------------------------------------------------

    @property
    def flow(self) -> str | None:
        """The selected flow."""
        return self.flow_select.value

    def selected(self, tab: str) -> str | None:
        """The selected intent, state or action (``tab`` is ``intents``/``states``/``actions``)."""
        return self.lists[tab].value

    def select(self, *, flow: str | None = None, intent: str | None = None,
               state: str | None = None, action: str | None = None) -> None:
        """Select a flow and an intent, state or action in it (and show its tab)."""
        if flow is not None and flow != self.flow:
            self.flow_select.value = flow
        for i, (tab, name) in enumerate(zip(_TABS, (intent, state, action), strict=True)):
            if name is not None and name in self.lists[tab].options:
                self.lists[tab].value = name
                self.tabs.selected_index = i

    def goto(self, finding: Any) -> None:
        """Select the place of a lint finding."""
        if finding.flow is not None and finding.flow in self.bot.flows:
            self.select(flow=finding.flow, state=finding.state, intent=finding.intent,
                        action=finding.action)
        self.message.value = f"<i>{html.escape(str(finding.message))}</i>"

    # -- redrawing ------------------------------------------------------------------------

    def _changed(self, what: str) -> None:
        self.message.value = f"<i>{html.escape(what)}</i>"
        if getattr(self, "_ready", False):
            self._refresh()

    def _refresh(self) -> None:
        if not self._ready:
            return
        flows = list(self.bot.flows)
        if list(self.flow_select.options) != flows:
            keep = self.flow
            self._ready = False
            self.flow_select.options = flows
            self.flow_select.value = keep if keep in flows else (flows[0] if flows else None)
            self._ready = True
        flow = self.bot.flows.get(self.flow or "")
        for tab in _TABS:
            names = list(getattr(flow, tab)) if flow is not None else []
            keep = self.lists[tab].value
            self._ready = False
            self.lists[tab].options = names
            self.lists[tab].value = keep if keep in names else (names[0] if names else None)
            self._ready = True
        self._show_selected()
        self.lint_view.update(self.lint())
        self.undo_button.disabled = not self.can_undo
        self.graph.request()

    def _select(self, tab: str) -> None:
        if self._ready:
            self._show_selected()

    def _show_selected(self) -> None:
        self.intent_panel.load(self.flow, self.selected("intents"))
        self.state_panel.load(self.flow, self.selected("states"))
        flow = self.bot.flows.get(self.flow or "")
        name = self.selected("actions")
        action = flow.actions.get(name) if flow is not None and name else None
        self.action_form.load(action)
        self._preview()

    def _preview(self) -> None:
        name = self.selected("actions")
        if self.flow is None or name is None:
            self.preview_html.value = self.preview_problems.value = ""
            return
        requests, problems = self.preview(self.flow, name)
        self.preview_html.value = requests_html(requests)
        self.preview_problems.value = messages_html(problems)

    # -- buttons ---------------------------------------------------------------------------

    def _tab(self, tab: str) -> w.Widget:
        add = w.Button(description="Add", icon="plus", layout=w.Layout(width="64px"))
        rename = w.Button(description="Rename", layout=w.Layout(width="72px"))
        delete = w.Button(description="Delete", icon="trash", layout=w.Layout(width="72px"))
        add.on_click(lambda _b: self._try(lambda: self._add(tab)))
        rename.on_click(lambda _b: self._try(lambda: self._rename(tab)))
        delete.on_click(lambda _b: self._try(lambda: self._delete(tab)))
        self.buttons[tab] = {"add": add, "rename": rename, "delete": delete}
        side = [self.lists[tab], self.names[tab]]
        if tab == "actions":
            side.append(self.kind)
        side.append(w.HBox([add, rename, delete]))
        panel = {"intents": lambda: self.intent_panel.widget,
                 "states": lambda: self.state_panel.widget,
                 "actions": lambda: self.action_form.widget}[tab]()
        return w.HBox([w.VBox(side), panel])

    def _try(self, do: Any) -> None:
        try:
            do()
        except IgbotError as exc:
            self.message.value = messages_html([str(exc)])

    def _add(self, tab: str) -> None:
        name, flow = self.names[tab].value.strip(), self.flow or ""
        if tab == "intents":
            self.add_intent(flow, name)
        elif tab == "states":
            self.add_state(flow, name)
        else:
            kind, options = new_action(self.kind.value)
            self.add_action(flow, name, kind, options)
        self.select(**{tab[:-1]: name})

    def _rename(self, tab: str) -> None:
        old, new = self.selected(tab), self.names[tab].value.strip()
        if old is not None:
            getattr(self, f"rename_{tab[:-1]}")(self.flow or "", old, new)
            self.select(**{tab[:-1]: new})

    def _delete(self, tab: str) -> None:
        name = self.selected(tab)
        if name is not None:
            getattr(self, f"delete_{tab[:-1]}")(self.flow or "", name)

    def _action_edited(self, type_: str, options: dict[str, Any], condition: str | None) -> None:
        name = self.selected("actions")
        if self.flow is not None and name is not None:
            self.set_action(self.flow, name, type=type_, options=options, condition=condition)

    def _save_clicked(self) -> None:
        if not self.save_path.value.strip():
            self.message.value = messages_html(["type a folder or a .yml file to save to"])
            return
        path = self.save(self.save_path.value.strip())
        self.message.value = f"saved to <code>{html.escape(str(path))}</code>"

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)
