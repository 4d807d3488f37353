"""``make demo``'s main job (without the notebooks, which nbval runs): everything lands in out/."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

from igbot.demo import main


def test_demo_writes_replies_report_graph_and_plots(tmp_path: Path, capsys) -> None:
    assert main(["--out", str(tmp_path), "--skip-notebooks"]) == 0
    for name in ("replies.jsonl", "records.jsonl", "conversation.html", "lint.txt", "graph.png",
                 "graph.svg", "graph.mmd", "graph.dot", "traffic.png", "report.html",
                 "canvas.html"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert sorted(p.name for p in (tmp_path / "plots").iterdir())
    replies = [json.loads(line) for line in (tmp_path / "replies.jsonl").read_text().splitlines()]
    assert {r["endpoint"] for r in replies} == {"messages", "pass_thread_control"}
    assert any(r["body"]["recipient"].get("comment_id") for r in replies)  # the private reply
    assert (tmp_path / "graph.png").read_bytes().startswith(b"\x89PNG")
    assert "flowchart LR" in (tmp_path / "graph.mmd").read_text()
    page = (tmp_path / "conversation.html").read_text(encoding="utf-8")
    assert "mentioned you in their story" in page and "[story_mention]" not in page
    assert page.count('class="igbot-story"') == 2  # the mention and the story reply
    assert "<h2>@citra.snaps " in page  # the commenter's username
    assert "<h2>6251234567890123" not in page and "<h2>Instagram user 1 " in page
    canvas = (tmp_path / "canvas.html").read_text()
    assert 'data-id=\\"state:promo/show' in canvas and "<script src" not in canvas  # self-contained
    if shutil.which("chromium") and importlib.util.find_spec("playwright"):
        assert (tmp_path / "canvas.png").read_bytes().startswith(b"\x89PNG")
    out = capsys.readouterr().out
    assert "lint: 0 errors" in out and "Open:" in out
