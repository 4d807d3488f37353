"""The editor's lint panel: the whole bot's findings, each a button that selects its place."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as w

__all__ = ["LintView", "finding_label"]

_STYLE = {"error": "danger", "warning": "warning", "info": "info"}
_ICON = {"error": "times-circle", "warning": "exclamation-triangle", "info": "info-circle"}


def finding_label(finding: Any) -> str:
    """``error missing-state promo/show: ...``: level, code, place and message on one line."""
    place = "/".join(p for p in (finding.flow, finding.state or finding.intent or finding.action)
                     if p)
    return f"{finding.level} {finding.code} {place}: {finding.message}"


class LintView:
    """A summary line and one button per finding; a click calls ``on_select(finding)``."""

    def __init__(self, on_select: Callable[[Any], None]) -> None:
        self.on_select = on_select
        self.findings: list[Any] = []
        self.summary = w.HTML()
        self.list = w.VBox(layout=w.Layout(max_height="260px", overflow="auto"))
        self.widget = w.VBox([self.summary, self.list])

    @property
    def buttons(self) -> list[w.Button]:
        """One button per finding, in lint's order."""
        return list(self.list.children)

    def update(self, findings: Sequence[Any]) -> None:
        """Show these findings."""
        self.findings = list(findings)
        counts = {level: sum(f.level == level for f in self.findings)
                  for level in ("error", "warning", "info")}
        text = ", ".join(f"{n} {level}{'s' if n != 1 else ''}" for level, n in counts.items())
        mark = "✅" if not counts["error"] else "❌"
        self.summary.value = f"<b>Lint</b> {mark} {html.escape(text)}"
        buttons = []
        for finding in self.findings:
            label = finding_label(finding)
            button = w.Button(description=label[:90], tooltip=label,
                              button_style=_STYLE.get(finding.level, ""),
                              icon=_ICON.get(finding.level, ""),
                              layout=w.Layout(width="auto", max_width="640px"))
            button.on_click(lambda _b, f=finding: self.on_select(f))
            buttons.append(button)
        self.list.children = buttons
