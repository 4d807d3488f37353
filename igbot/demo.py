"""``make demo``: the sample bot on sample events, the graph, the analytics report, the notebooks.

Writes under ``out/`` (or ``--out``):

- ``replies.jsonl``: every request the shop bot sends for ``data/webhooks/shop_demo.jsonl``;
- ``records.jsonl``: what happened to each message (flow, state, intent, fallback);
- ``conversation.html``: the simulated conversations as Instagram bubbles;
- ``lint.txt``: the bot's lint findings;
- ``graph.png``, ``graph.svg``, ``graph.mmd``, ``graph.dot``: the bot's flow graph;
- ``canvas.html``: the bot's canvas as a standalone page, and ``canvas.png``, its screenshot
  (where Chromium and playwright are installed);
- ``traffic.png``: the graph with the sample log's traffic on its edges;
- ``report.html`` and ``plots/*.png``: the analytics report of the sample log;
- ``notebooks/*.html``: every notebook, executed.

Run: ``python -m igbot.demo [--out out] [--skip-notebooks]``.
"""

from __future__ import annotations

import argparse
import html
import json
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
from tqdm import tqdm
from traitlets.config import Config

from igbot import Engine, MemoryStore, parse_webhook
from igbot.analytics import load, report
from igbot.graph import show, traffic_graph
from igbot.kataml import lint, load_bot
from igbot.models import render_bubbles
from igbot.widgets import FlowCanvas

__all__ = ["main"]

ROOT = Path(__file__).resolve().parents[1]
SHOP = ROOT / "data" / "bots" / "shop"
EVENTS = ROOT / "data" / "webhooks" / "shop_demo.jsonl"
LOG = ROOT / "data" / "logs" / "igbot_log.jsonl"
NOTEBOOKS = ROOT / "notebooks"


def _say(text: str) -> None:
    print(text, flush=True)


def run_bot(out: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The shop bot on the sample webhooks: requests, records and the bubbles page."""
    engine = Engine(SHOP, MemoryStore(), seed=1)
    requests: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    pages: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for line in EVENTS.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        body = json.loads(line)
        for event in parse_webhook(body):
            person = event.person_id or "?"
            page = pages.setdefault(person, [])
            username = getattr(event, "username", None)
            if username:
                names.setdefault(person, f"@{username}")
            if event.triggers_bot or event.standby:
                note = ("<div style='text-align:center;color:#8e8e8e;font-size:12px'>"
                        "to the agent inbox</div>") if event.standby else ""
                page.append(note + render_bubbles([event]))
        turn = engine.handle_webhook(body)
        for request in turn.requests:
            requests.append(request.to_dict())
            person = (request.recipient or {}).get("id") or _comment_owner(body)
            pages.setdefault(person, []).append(request._repr_html_())
        records += [r.to_dict() for r in turn.records]
    _write_jsonl(out / "replies.jsonl", requests)
    _write_jsonl(out / "records.jsonl", records)
    sections = "".join(
        f"<section><h2>{_person_title(p, names, i)}</h2>{''.join(parts)}</section>"
        for i, (p, parts) in enumerate(pages.items(), start=1)
    )
    (out / "conversation.html").write_text(
        "<!doctype html><meta charset='utf-8'><title>igbot demo conversations</title>"
        "<body style='font-family:sans-serif;max-width:420px;margin:auto'>"
        f"<h1>Kopi Senja bot: sample conversations</h1>{sections}</body>", encoding="utf-8")
    return requests, records


def _person_title(person: str, names: dict[str, str], number: int) -> str:
    """A conversation's heading: the person's name where the log has one (a comment's
    username), else "Instagram user N"; the id only as a small grey note."""
    name = names.get(person) or f"Instagram user {number}"
    return (f"{html.escape(name)} <small style='color:#8e8e8e;font-weight:normal;font-size:12px'>"
            f"id …{html.escape(person[-4:])}</small>")


def _comment_owner(body: dict[str, Any]) -> str:
    for entry in body.get("entry", []):
        for change in entry.get("changes", []):
            return str(change.get("value", {}).get("from", {}).get("id", "?"))
    return "?"


def _write_jsonl(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in rows),
                    encoding="utf-8")


def lint_bot(out: Path) -> int:
    """Lint findings of the shop bot, one per line; returns the number of errors."""
    findings = lint(load_bot(SHOP))
    lines = [f"{f.level} {f.code} {f.path}: {f.message}" for f in findings]
    (out / "lint.txt").write_text("\n".join(lines) + ("\n" if lines else "no findings\n"), encoding="utf-8")
    return sum(f.level == "error" for f in findings)


def draw_graph(out: Path) -> None:
    """The shop bot's graph in every format."""
    graph = show(load_bot(SHOP))
    for suffix in ("png", "svg", "mmd", "dot"):
        graph.save(out / f"graph.{suffix}")


def draw_canvas(out: Path) -> Path | None:
    """The shop bot's canvas as a standalone page (``canvas.html``) and, where Chromium and
    Playwright are installed, its screenshot (``canvas.png``); returns the screenshot."""
    page = FlowCanvas(load_bot(SHOP), editor=False, height=900).save(out / "canvas.html")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    try:  # Playwright is optional (the test extra): without it the demo skips the screenshot
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if chromium is None:
        return None
    shot = out / "canvas.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync"])
        try:
            tab = browser.new_page(viewport={"width": 1100, "height": 1000})
            tab.goto(page.as_uri())
            tab.wait_for_selector('.igbot-canvas [data-kind="node"]')
            tab.hover('.igbot-canvas [data-kind="node"][data-id="state:promo/show"] circle')
            tab.wait_for_selector(".igbot-canvas-tip:not([hidden])")
            tab.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    return shot


def analyse(out: Path) -> dict[str, Any]:
    """The analytics report and plots of the sample log, and its traffic on the graph."""
    matplotlib.use("Agg")
    frame = load(LOG, progress=False)
    bot = load_bot(SHOP)
    rep = report(frame, bot=bot, funnel_states=["show", "claimed"], funnel_flow="promo")
    rep.to_html(out / "report.html")
    plots = out / "plots"
    plots.mkdir(exist_ok=True)
    for name, figure in rep.figures().items():
        figure.savefig(plots / f"{name}.png", dpi=110, bbox_inches="tight")
    traffic_graph(bot, frame).save(out / "traffic.png")
    return rep.to_dict()["summary"]


_STATIC_HTML = Config({"NbConvertBase": {"display_data_priority": [
    "text/html", "text/markdown", "image/svg+xml", "image/png", "image/jpeg", "text/plain"]}})


def run_notebooks(out: Path) -> list[Path]:
    """Execute every notebook and write it as HTML."""
    # nbconvert (and nbformat with it) comes with the test extra, not with igbot: loaded only here
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import ExecutePreprocessor

    target = out / "notebooks"
    target.mkdir(exist_ok=True)
    written = []
    for path in tqdm(sorted(NOTEBOOKS.glob("*.ipynb")), desc="notebooks", unit="nb"):
        notebook = nbformat.read(path, as_version=4)
        ExecutePreprocessor(timeout=300, kernel_name="python3",
                            extra_arguments=["--IPKernelApp.log_level=ERROR"]).preprocess(
            notebook, {"metadata": {"path": str(NOTEBOOKS)}})
        # a widget view needs a widget manager (from a CDN): show the static drawing instead
        body, _ = HTMLExporter(config=_STATIC_HTML).from_notebook_node(notebook)
        destination = target / f"{path.stem}.html"
        destination.write_text(body, encoding="utf-8")
        written.append(destination)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m igbot.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out", help="where to write (default: out/)")
    parser.add_argument("--skip-notebooks", action="store_true", help="do not execute the notebooks")
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    _say(f"igbot demo: writing to {out}")
    requests, records = run_bot(out)
    fallbacks = sum(bool(r["is_fallback"]) for r in records)
    _say(f"  shop bot: {len(records)} messages handled, {len(requests)} requests, {fallbacks} fallbacks")
    errors = lint_bot(out)
    _say(f"  lint: {errors} errors (out/lint.txt)")
    draw_graph(out)
    _say("  graph: graph.png, graph.svg, graph.mmd, graph.dot")
    shot = draw_canvas(out)
    _say("  canvas: canvas.html" + (", canvas.png" if shot else
                                    " (no screenshot: Chromium or playwright missing)"))
    summary = analyse(out)
    keys = ("events", "sessions", "handover_rate", "containment_rate", "fallback_rate")
    _say("  analytics: " + ", ".join(
        f"{k}={summary[k]:.3f}" if isinstance(summary.get(k), float) else f"{k}={summary.get(k)}"
        for k in keys if k in summary))
    if not args.skip_notebooks:
        written = run_notebooks(out)
        _say(f"  notebooks: {len(written)} executed (out/notebooks/)")
    _say("Open:")
    for name in ("conversation.html", "report.html", "graph.png", "canvas.html", "traffic.png",
                 "replies.jsonl"):
        _say(f"  {out / name}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
