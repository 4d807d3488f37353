"""Lint for Kata-ML bots: what would break, misbehave or be lost on Instagram, before it runs.

:func:`lint` checks a loaded :class:`~igbot.kataml.Bot`; :func:`lint_path` also turns a bot that
cannot be loaded into ``load-error`` findings. Each :class:`~igbot.kataml.Finding` names the file,
the YAML path, the flow and the state/intent/action; ``LINT_CODES`` (in ``_findings``) lists every
code with its level. The checks are grouped by what they hold a bot against: its own structure
(``_lint_flow``), the expression language (``_lint_expr``) and Instagram (``_lint_content``).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from igbot._errors import BotLoadError
from igbot.kataml import _lint_content, _lint_expr, _lint_flow
from igbot.kataml._findings import LINT_CODES, Finding, Reporter
from igbot.kataml._loader import load_bot
from igbot.kataml._models import Bot

__all__ = ["lint", "lint_path"]

def js_engine_available() -> bool:
    """Whether a JavaScript engine for methods (``quickjs``) is importable."""
    return importlib.util.find_spec("quickjs") is not None


def lint(bot: Bot, *, classifier: Any = None, js_available: bool | None = None) -> list[Finding]:
    """Check ``bot``; returns its findings in the order of the bot's flows.

    Args:
        bot: a loaded bot.
        classifier: the cloud-NLU classifier that will be plugged into the engine, if any;
            without one, intents using ``nl``/``verstand*``/``wit*`` NLUs are reported.
        js_available: whether JavaScript methods can run; ``None`` detects ``quickjs``.
    """
    if js_available is None:
        js_available = js_engine_available()
    findings: list[Finding] = []
    report = _make_reporter(bot, findings)
    _lint_flow.check_bot(bot, report, classifier=classifier, js_available=js_available)
    _lint_expr.check_expressions(bot, report)
    _lint_content.check_content(bot, report)
    return _ordered(bot, findings)


def lint_path(path: str | Path, *, classifier: Any = None,
              js_available: bool | None = None) -> tuple[Bot | None, list[Finding]]:
    """Load and lint a bot; a bot that cannot be loaded gives ``load-error`` findings."""
    try:
        bot = load_bot(path)
    except BotLoadError as exc:
        problems = getattr(exc, "problems", None) or [(exc.file, exc.path, exc.reason)]
        root = Path(path).resolve()
        root = root if root.is_dir() else root.parent
        return None, [Finding("error", "load-error", message,
                              file=_relative(Path(file), root) if file else None, path=where)
                      for file, where, message in problems]
    return bot, lint(bot, classifier=classifier, js_available=js_available)


def _make_reporter(bot: Bot, findings: list[Finding]) -> Reporter:
    root = bot.source_file.parent if bot.source_file else None

    def report(code: str, message: str, path: str, *, flow: str | None = None,
               state: str | None = None, intent: str | None = None,
               action: str | None = None) -> None:
        level = LINT_CODES[code][0]
        file, line = bot.locate(path)
        if file is None and flow is not None and flow in bot.flows:
            file = bot.flows[flow].source_file
        shown = _relative(file, root)
        findings.append(Finding(level, code, message, shown, path, line, flow, state, intent,
                                action))

    return report


def _relative(file: Path | None, root: Path | None) -> str | None:
    if file is None:
        return None
    if root is not None:
        try:
            return str(file.relative_to(root))
        except ValueError:
            pass
    return str(file)


def _ordered(bot: Bot, findings: list[Finding]) -> list[Finding]:
    """Bot-level findings first, then flow by flow in the bot's order; stable otherwise."""
    flows = {name: i for i, name in enumerate(bot.flows)}

    def key(f: Finding) -> tuple[int, str, int]:
        return (-1 if f.flow is None else flows.get(f.flow, len(flows)), f.file or "", f.line or 0)

    return sorted(findings, key=key)

