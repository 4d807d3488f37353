"""The sample generator: seeded, every format, a pluggable responder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from igbot import Message
from igbot.analytics import load, summary
from igbot.kataml import load_bot
from igbot.sim import BotTurn, Reply, generate_events
from igbot.sim.__main__ import main
from igbot.sim._engine import SHOP_BOT


def test_seeded_and_realistic() -> None:
    a, b = generate_events(30, seed=3), generate_events(30, seed=3)
    assert a == b and a != generate_events(30, seed=4)
    kinds = {e["kind"] for e in generate_events(120, seed=7)}
    assert {"story_reply", "story_mention", "comment", "postback", "quick_reply", "referral",
            "handover", "resolve", "carousel", "private_reply", "quick_replies"} <= kinds


def test_pluggable_responder() -> None:
    seen: list[tuple[Message, dict[str, Any]]] = []

    def echo_bot(message: Message, session: dict[str, Any]) -> BotTurn:
        seen.append((message, session))
        return BotTurn([Reply(f"you said {message.content}")], "echo", "said", "any")

    events = generate_events(5, seed=1, responder=echo_bot)
    assert seen and all(isinstance(m, Message) for m, _ in seen)
    bot = [e for e in events if e["role"] == "bot"]
    assert bot and all(e["flow"] == "echo" for e in bot)


def test_module_main_writes_every_format(tmp_path: Path, capsys: Any) -> None:
    assert main(["--out", str(tmp_path), "--people", "12", "--seed", "7"]) == 0
    assert "events for 12 people" in capsys.readouterr().out
    log = summary(load(tmp_path / "igbot_log.jsonl"))
    assert log["conversations"] == 12
    for name in ("webhooks.jsonl", "graph", "dyi_export", "dyi_export.zip"):
        df = load(tmp_path / name)
        assert df.attrs["skipped"] == 0 and df["conversation_id"].nunique() == 12, name


def test_committed_samples_are_small() -> None:
    samples = Path(__file__).resolve().parents[2] / "data" / "logs"
    assert (samples / "igbot_log.jsonl").exists()
    total = sum(p.stat().st_size for p in samples.rglob("*") if p.is_file())
    assert total < 300_000


def test_progress_bar_counts_the_people(capsys: Any) -> None:
    generate_events(3, seed=2, progress=True)
    assert "3/3" in capsys.readouterr().err
    generate_events(3, seed=2, progress=False)
    assert capsys.readouterr().err == ""


def test_the_default_bot_is_the_shop_bot_in_the_real_engine() -> None:
    shop = load_bot(SHOP_BOT)
    events = generate_events(40, seed=11)
    flows = {e["flow"] for e in events if e["role"] == "user" and e["flow"]}
    assert flows and flows <= set(shop.flows)
    assert {"greeting", "fallback"} <= flows
    states = {(e["flow"], e["state"]) for e in events if e["role"] == "bot"}
    assert all(state in shop.flows[flow].states for flow, state in states)
