"""The editor's lint panel: the whole bot's findings, each a button that selects its place and
the message beside it, wrapped to the width there is (never cut mid-sentence)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as w

__all__ = ["LintView", "finding_label"]

_STYLE = {"error": "danger", "warning": "warning", "info": "info"}
_TEXT = ("white-space:normal;overflow-wrap:anywhere;line-height:1.4;padding:4px 0;"
         "font:13px sans-serif")
_ICON = {"error": "times-circle", "warning": "exclamation-triangle", "info": "info-circle"}


def finding_label(finding: Any) -> str:
    """``error missing-state promo/show: ...``: level, code, place and message on one line."""
    place = "/".join(p for p in (finding.flow, finding.state or finding.intent or finding.action)
                     if p)
    return f"{finding.level} {finding.code} {place}: {finding.message}"


class LintView:
    """A summary line and one row per finding: a button naming its place (a click calls
    ``on_select(finding)``) and the message beside it, wrapped, never cut."""

    def __init__(self, on_select: Callable[[Any], None]) -> None:
        self.on_select = on_select
        self.findings: list[Any] = []
        self.summary = w.HTML()
        self.list = w.VBox(layout=w.Layout(max_height="260px", overflow="auto"))
        self.widget = w.VBox([self.summary, self.list])

    @property
    def buttons(self) -> list[w.Button]:
        """One button per finding, in lint's order."""
        return [row.children[0] for row in self.list.children]

    @property
    def messages(self) -> list[str]:
        """The full text of each finding's row, as shown."""
        return [html.unescape(re.sub(r"<[^>]+>", "", row.children[1].value))
                for row in self.list.children]

    def update(self, findings: Sequence[Any]) -> None:
        """Show these findings."""
        self.findings = list(findings)
        counts = {level: sum(f.level == level for f in self.findings)
                  for level in ("error", "warning", "info")}
        text = ", ".join(f"{n} {level}{'s' if n != 1 else ''}" for level, n in counts.items())
        mark = "✅" if not counts["error"] else "❌"
        self.summary.value = f"<b>Lint</b> {mark} {html.escape(text)}"
        rows = []
        for finding in self.findings:
            place = "/".join(p for p in (finding.flow, finding.state or finding.intent
                                         or finding.action) if p)
            button = w.Button(description=f"{finding.level} {finding.code}",
                              tooltip=f"go to {place or 'the bot'}",
                              button_style=_STYLE.get(finding.level, ""),
                              icon=_ICON.get(finding.level, ""),
                              layout=w.Layout(width="auto", min_width="fit-content",
                                              flex="0 0 auto"))
            button.on_click(lambda _b, f=finding: self.on_select(f))
            message = w.HTML(
                f'<div style="{_TEXT}"><b>{html.escape(place)}</b>'
                f'{": " if place else ""}{html.escape(str(finding.message))}</div>',
                layout=w.Layout(flex="1 1 300px", min_width="0"))
            rows.append(w.HBox([button, message],
                               layout=w.Layout(align_items="flex-start")))
        self.list.children = rows
