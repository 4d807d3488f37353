"""``FlowEditor``: edit a Kata-ML bot in a notebook, with live checks, lint, preview and graph.

The widgets are a view: every button and field calls one of the edit methods of
:class:`~igbot.widgets._editing.BotEditing` (``add_state``, ``rename_state``, ``set_transition``,
``add_action``, ``undo``, ``review_save``, …), and after each edit the lists, the forms, the lint
list, the action preview (``preview_action`` + ``requests_html``) and the graph are redrawn.

Saving never overwrites silently: **Save…** with an empty folder box shows the diff of the bot's
own files first (only the lines the edits changed) and writes after **Confirm**, keeping a backup
that **Restore** puts back; a folder typed in the box gets a copy of the bot instead.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path
from typing import Any

import ipywidgets as w

from igbot._errors import IgbotError
from igbot.engine import requests_html
from igbot.kataml import Bot, SavePlan
from igbot.widgets._editing import BotEditing, EditError
from igbot.widgets._editor_forms import FORM_KINDS, LABEL_WIDTH, ActionForm, new_action
from igbot.widgets._editor_panels import IntentPanel, StatePanel, messages_html
from igbot.widgets._graphview import GraphView
from igbot.widgets._lintview import LintView

__all__ = ["FlowEditor"]

logger = logging.getLogger(__name__)

_TABS = ("intents", "states", "actions")


def _auto() -> w.Layout:
    """A button as wide as its label (never cut to "Rena…")."""
    return w.Layout(width="auto", min_width="fit-content")


def _row() -> w.Layout:
    """A row that wraps onto the next line instead of cutting its children."""
    return w.Layout(flex_flow="row wrap", align_items="flex-start")


def _widen_labels(widget: w.Widget) -> None:
    """Give every labelled field room for its whole label (ipywidgets cuts them at 90 px)."""
    style = getattr(widget, "style", None)
    if style is not None and bool(getattr(widget, "description", None)) \
            and hasattr(style, "description_width") and not isinstance(widget, w.Button):
        style.description_width = LABEL_WIDTH
    for child in getattr(widget, "children", ()):
        _widen_labels(child)


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
        self.pending_save: SavePlan | None = None
        self.flow_select = w.Dropdown(description="flow", options=list(self.bot.flows),
                                      layout=w.Layout(width="auto", min_width="220px"))
        self.new_flow = w.Text(placeholder="new flow name", layout=w.Layout(width="200px"))
        self.new_flow_error = w.HTML()
        self.add_flow_button = w.Button(description="Add flow", icon="plus", layout=_auto())
        self.undo_button = w.Button(description="Undo", icon="undo", layout=_auto())
        self.save_path = w.Text(placeholder="a new folder (empty: the bot's own files)",
                                layout=w.Layout(width="320px"))
        self.save_button = w.Button(description="Save…", icon="save", button_style="success",
                                    layout=_auto(),
                                    tooltip="shows what will change before anything is written")
        self.confirm_button = w.Button(description="Confirm save", icon="check",
                                       button_style="danger", layout=_auto())
        self.cancel_button = w.Button(description="Cancel", layout=_auto())
        self.review_html = w.HTML()
        self.review_box = w.VBox([self.review_html,
                                  w.HBox([self.confirm_button, self.cancel_button],
                                         layout=_row())],
                                 layout=w.Layout(display="none"))
        self.restore_select = w.Dropdown(description="backup",
                                         layout=w.Layout(width="auto", display="none"))
        self.restore_button = w.Button(description="Restore", icon="history",
                                       tooltip="put the files of this backup back",
                                       layout=w.Layout(width="auto", display="none"))
        self.message = w.HTML()
        self.lists = {tab: w.Select(rows=8, layout=w.Layout(width="220px")) for tab in _TABS}
        self.names = {tab: w.Text(placeholder=f"{tab[:-1]} name", layout=w.Layout(width="220px"))
                      for tab in _TABS}
        self.name_errors = {tab: w.HTML(layout=w.Layout(width="220px")) for tab in _TABS}
        self.kind = w.Dropdown(options=FORM_KINDS, description="kind",
                               layout=w.Layout(width="220px"))
        self.intent_panel = IntentPanel(self)
        self.state_panel = StatePanel(self)
        self.action_form = ActionForm(self._action_edited)
        self.preview_html = w.HTML()
        self.preview_problems = w.HTML()
        self.lint_view = LintView(self.goto)
        self.graph = GraphView(lambda: (self.bot, self.flow), delay=debounce, enabled=graph)
        self.buttons: dict[str, dict[str, w.Button]] = {}
        self.tabs = w.Tab(children=[self._tab(tab) for tab in _TABS],
                          layout=w.Layout(flex="1 1 560px", min_width="0"))
        for i, tab in enumerate(_TABS):
            self.tabs.set_title(i, tab)
        self.preview_box = w.VBox([w.HTML("<b>Preview</b>"), self.preview_html,
                                   self.preview_problems],
                                  layout=w.Layout(flex="0 1 380px", min_width="300px"))
        self.widget = w.VBox([
            w.HBox([self.flow_select, self.new_flow, self.add_flow_button, self.undo_button],
                   layout=_row()),
            self.new_flow_error,
            w.HBox([self.save_path, self.save_button, self.restore_select, self.restore_button],
                   layout=_row()),
            self.review_box, self.message,
            w.HBox([self.tabs, self.preview_box], layout=_row()),
            self.lint_view.widget, self.graph.widget])
        _widen_labels(self.widget)
        self.flow_select.observe(lambda _c: self._refresh(), names="value")
        for tab in _TABS:
            self.lists[tab].observe(lambda _c, tab=tab: self._select(tab), names="value")
            self.names[tab].observe(lambda _c, tab=tab: self._check_name(tab), names="value")
        self.new_flow.observe(lambda _c: self._check_new_flow(), names="value")
        self.add_flow_button.on_click(lambda _b: self._try(self._add_flow_clicked))
        self.undo_button.on_click(lambda _b: self.undo())
        self.save_button.on_click(lambda _b: self._try(self._save_clicked))
        self.confirm_button.on_click(lambda _b: self._try(self._confirm_clicked))
        self.cancel_button.on_click(
            lambda _b: self._close_review("save cancelled: nothing was written"))
        self.restore_button.on_click(lambda _b: self._try(self._restore_clicked))
        if flow is not None:
            self.flow_select.value = flow
        self._ready = True
        self._refresh()
        self._refresh_backups()

    # -- selection ------------------------------------------------------------------------

    @property
    def flow(self) -> str | None:
        """The selected flow."""
        return self.flow_select.value

    def selected(self, tab: str) -> str | None:
        """The selected intent, state or action (``tab`` is ``intents``/``states``/``actions``)."""
        return self.lists[tab].value

    def select(self, flow: str | None = None, state: str | None = None,
               intent: str | None = None, transition: tuple[str, str] | None = None, *,
               action: str | None = None) -> None:
        """Open the form of a state, an intent, an action or a transition ``(source, dest)``.

        The canvas calls this when a node or an edge is clicked. ``flow=None`` stays in the
        selected flow.
        """
        if flow is not None and flow != self.flow:
            if flow not in self.bot.flows:
                raise EditError(f"the bot has no flow {flow!r} (flows: {list(self.bot.flows)})")
            self.flow_select.value = flow
        if transition is not None:
            state = transition[0]
        for i, (tab, name) in enumerate(zip(_TABS, (intent, state, action), strict=True)):
            if name is not None and name in self.lists[tab].options:
                self.lists[tab].value = name
                self.tabs.selected_index = i
        if transition is not None and transition[1] in self.state_panel.transitions.options:
            self.state_panel.transitions.value = transition[1]

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
            if self.pending_save is not None:
                self._close_review(f"{html.escape(what)}: the reviewed save was dropped; "
                                   "press Save… again")
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

    # -- names -----------------------------------------------------------------------------

    def _check_name(self, tab: str) -> str | None:
        """Show beside a name box why its name cannot be added (nothing when it can)."""
        name = self.names[tab].value.strip()
        problem = self.name_problem(tab[:-1], name, self.flow) if name else None
        self.name_errors[tab].value = messages_html([problem] if problem else [])
        return problem

    def _check_new_flow(self) -> str | None:
        name = self.new_flow.value.strip()
        problem = self.name_problem("flow", name) if name else None
        self.new_flow_error.value = messages_html([problem] if problem else [])
        return problem

    def _add_flow_clicked(self) -> None:
        name = self.new_flow.value.strip()
        problem = self.name_problem("flow", name)
        if problem is not None:
            self.new_flow_error.value = messages_html([problem])
            return
        self.add_flow(name)
        self.select(flow=name)
        self.new_flow.value = ""
        self.new_flow_error.value = ""

    # -- buttons ---------------------------------------------------------------------------

    def _tab(self, tab: str) -> w.Widget:
        add = w.Button(description="Add", icon="plus", layout=_auto())
        rename = w.Button(description="Rename", icon="pencil", layout=_auto())
        delete = w.Button(description="Delete", icon="trash", layout=_auto())
        add.on_click(lambda _b: self._try(lambda: self._add(tab)))
        rename.on_click(lambda _b: self._try(lambda: self._rename(tab)))
        delete.on_click(lambda _b: self._try(lambda: self._delete(tab)))
        self.buttons[tab] = {"add": add, "rename": rename, "delete": delete}
        side = [self.lists[tab], self.names[tab], self.name_errors[tab]]
        if tab == "actions":
            side.append(self.kind)
        side.append(w.HBox([add, rename, delete], layout=_row()))
        panel = {"intents": lambda: self.intent_panel.widget,
                 "states": lambda: self.state_panel.widget,
                 "actions": lambda: self.action_form.widget}[tab]()
        panel.layout.flex = "1 1 320px"
        panel.layout.min_width = "0"
        return w.HBox([w.VBox(side, layout=w.Layout(flex="0 0 230px")), panel], layout=_row())

    def _try(self, do: Any) -> None:
        try:
            do()
        except IgbotError as exc:
            self.message.value = messages_html([str(exc)])

    def _add(self, tab: str) -> None:
        name, flow = self.names[tab].value.strip(), self.flow or ""
        problem = self.name_problem(tab[:-1], name, flow)
        if problem is not None:
            self.name_errors[tab].value = messages_html([problem])
            self.message.value = messages_html([problem])
            return
        if tab == "intents":
            self.add_intent(flow, name)
        elif tab == "states":
            self.add_state(flow, name)
        else:
            kind, options = new_action(self.kind.value)
            self.add_action(flow, name, kind, options)
        self.select(**{tab[:-1]: name})
        self.names[tab].value = ""

    def _rename(self, tab: str) -> None:
        old, new = self.selected(tab), self.names[tab].value.strip()
        problem = self.name_problem(tab[:-1], new, self.flow)
        if problem is not None:
            self.name_errors[tab].value = messages_html([problem])
            self.message.value = messages_html([problem])
            return
        if old is not None:
            getattr(self, f"rename_{tab[:-1]}")(self.flow or "", old, new)
            self.select(**{tab[:-1]: new})
            self.names[tab].value = ""

    def _delete(self, tab: str) -> None:
        name = self.selected(tab)
        if name is not None:
            getattr(self, f"delete_{tab[:-1]}")(self.flow or "", name)

    def _action_edited(self, type_: str, options: dict[str, Any], condition: str | None) -> None:
        name = self.selected("actions")
        if self.flow is not None and name is not None:
            self.set_action(self.flow, name, type=type_, options=options, condition=condition)

    # -- saving ----------------------------------------------------------------------------

    def _save_clicked(self) -> None:
        target = self.save_path.value.strip()
        if target:
            path = self.save(target)
            self.message.value = (f"saved a copy of the bot to "
                                  f"<code>{html.escape(str(path))}</code>")
            return
        if self.source is None:
            self.message.value = messages_html(["this bot was not loaded from files: type a new "
                                                "folder to save it to"])
            return
        plan = self.review_save()
        if not plan:
            self.message.value = "<i>no changes: the bot's files already say this</i>"
            return
        self.pending_save = plan
        self.review_html.value = plan.diff_html()
        self.confirm_button.description = f"Confirm: write {len(plan.files)} file(s)"
        self.review_box.layout.display = None
        self.message.value = ("<i>review what will change, then confirm; a backup of every "
                              "file replaced is kept</i>")

    def _confirm_clicked(self) -> None:
        plan = self.pending_save
        if plan is None:
            return
        again = self.review_save()
        if again.diff() != plan.diff():  # the files changed on disk since the review
            self.pending_save = again
            self.review_html.value = again.diff_html()
            self.message.value = messages_html(["the files changed since the review: check "
                                                "the new diff and confirm again"])
            return
        kept = plan.write()
        self._close_review(f"saved {html.escape(plan.summary())}"
                           + (f"; backup {html.escape(kept.stamp)} (Restore puts it back)"
                              if kept else ""))
        self._refresh_backups()

    def _close_review(self, message: str) -> None:
        self.pending_save = None
        self.review_html.value = ""
        self.review_box.layout.display = "none"
        self.message.value = f"<i>{message}</i>"

    def _refresh_backups(self) -> None:
        try:
            kept = self.backups()
        except IgbotError as exc:  # the bot's files are gone or unreadable: saving will say so
            logger.warning("no backups listed: %s", exc)
            kept = []
        self.restore_select.options = [(str(b), b) for b in kept]
        self.restore_select.value = kept[0] if kept else None
        shown = None if kept else "none"
        self.restore_select.layout.display = self.restore_button.layout.display = shown

    def _restore_clicked(self) -> None:
        chosen = self.restore_select.value
        if chosen is None:
            return
        self.restore(chosen)
        self.message.value = (f"<i>restored backup {html.escape(chosen.stamp)}; Undo brings "
                              "the edited bot back</i>")
        self._refresh_backups()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)
