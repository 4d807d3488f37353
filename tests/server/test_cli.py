"""The server's commands: serve (refusing to start without secrets), resolve, agent-send,
ice-breakers; and the promise that the webhook runtime stays light."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import igbot.server
from igbot.channel import GraphStandIn
from igbot.server._cli import register

from ._support import ACCOUNT, ADMIN, BOT_YAML, Live, env, text_body, texts_to

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "matplotlib", "networkx", "ipywidgets")


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="igbot")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    code = args.func(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_public_surface_is_sorted_and_complete() -> None:
    def isort_style(name: str) -> tuple[int, str]:  # ruff's RUF022 order
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert igbot.server.__all__ == sorted(igbot.server.__all__, key=isort_style)
    for name in igbot.server.__all__:
        assert hasattr(igbot.server, name)


@pytest.mark.parametrize("module", ["igbot.server", "igbot.server._app", "igbot.server._cli",
                                    "igbot.server._runner"])
def test_the_webhook_runtime_imports_no_notebook_libraries(module: str) -> None:
    code = (f"import sys, {module}; import igbot.server._worker, igbot.server._icebreakers; "
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT)
    assert out.stdout.strip() == ""


def test_serve_refuses_to_start_without_secrets(tmp_path: Path) -> None:
    bot_file = tmp_path / "bot.yml"
    bot_file.write_text(BOT_YAML)
    env = {k: v for k, v in os.environ.items() if not k.startswith("IGBOT_")}
    env.update(IGBOT_APP_SECRET="super-secret-value", PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-m", "igbot.server", "serve", str(bot_file), "--port", "0"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 2
    assert "IGBOT_VERIFY_TOKEN" in out.stderr and "IGBOT_ACCESS_TOKEN" in out.stderr
    assert "IGBOT_APP_SECRET" not in out.stderr and "super-secret-value" not in out.stderr


@pytest.mark.parametrize(("option", "named"), [
    (["--reorder-window", "-1"], "--reorder-window"),
    (["--max-sends", "0"], "--max-sends"),
    (["--request-timeout", "0"], "--request-timeout"),
])
def test_serve_refuses_a_bad_limit_in_one_line(tmp_path: Path, standin: GraphStandIn,
                                               capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch,
                                               option: list[str], named: str) -> None:
    bot_file = tmp_path / "bot.yml"
    bot_file.write_text(BOT_YAML)
    for key, value in env(standin, tmp_path).items():
        monkeypatch.setenv(key, value)
    code, _, err = run(["serve", str(bot_file), "--data-dir", str(tmp_path / "data"), *option],
                       capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert err.startswith(f"igbot serve: {named}: ") and "Traceback" not in err
    assert not (tmp_path / "data").exists()  # refused before touching anything


def test_resolve_and_agent_send_talk_to_the_running_server(
        live: Live, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IGBOT_ADMIN_TOKEN", ADMIN)
    live.post(text_body("c1", "agent", "cli-1"))
    live.idle()
    code, out, _ = run(["agent-send", "c1", "an agent writes", "--url", live.url], capsys)
    assert code == 1  # the inbox owns the thread now: Meta refuses our app's message
    code, out, _ = run(["resolve", "c1", "--url", live.url], capsys)
    assert code == 0 and json.loads(out)["resolved"] is True
    code, out, _ = run(["agent-send", "c1", "an agent writes", "--url", live.url], capsys)
    assert code == 0 and json.loads(out)["message_id"]
    assert texts_to(live.standin, "c1")[-1] == "an agent writes"
    monkeypatch.setenv("IGBOT_ADMIN_TOKEN", "wrong")
    code, _, err = run(["resolve", "c1", "--url", live.url], capsys)
    assert code == 1 and "403" in err and "wrong" not in err


ICE_BOT = BOT_YAML.replace("name: shop\n", textwrap.dedent("""\
    name: shop
    config:
      instagram:
        ice_breakers:
          - {question: "What do you sell?", payload: PRODUCTS}
          - {question: "Talk to a person", payload: AGENT}
    """))


def test_ice_breakers_set_from_a_bot_get_and_delete(
        standin: GraphStandIn, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {"IGBOT_ACCESS_TOKEN": standin.access_token, "IGBOT_GRAPH_URL": standin.url,
                       "IGBOT_ACCOUNT_ID": ACCOUNT}.items():
        monkeypatch.setenv(key, value)
    bot_file = tmp_path / "bot.yml"
    bot_file.write_text(ICE_BOT)
    code, out, _ = run(["ice-breakers", "set", str(bot_file)], capsys)
    assert code == 0
    assert standin.ice_breakers == [{"call_to_actions": [
        {"question": "What do you sell?", "payload": "PRODUCTS"},
        {"question": "Talk to a person", "payload": "AGENT"}], "locale": "default"}]
    code, out, _ = run(["ice-breakers", "get"], capsys)
    assert code == 0 and json.loads(out)[0]["locale"] == "default"
    code, out, _ = run(["ice-breakers", "delete"], capsys)
    assert code == 0 and standin.ice_breakers == []


def test_ice_breakers_are_checked_before_anything_is_sent(
        standin: GraphStandIn, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IGBOT_ACCESS_TOKEN", standin.access_token)
    monkeypatch.setenv("IGBOT_GRAPH_URL", standin.url)
    five = tmp_path / "five.json"
    five.write_text(json.dumps([{"question": f"q{n}", "payload": f"P{n}"} for n in range(5)]))
    code, _, err = run(["ice-breakers", "set", str(five)], capsys)
    assert code == 2 and "over Instagram's limit of 4" in err
    no_default = tmp_path / "locales.yml"
    no_default.write_text("ice_breakers:\n  - locale: id_ID\n    call_to_actions: [{question: Halo, payload: HI}]\n")
    code, _, err = run(["ice-breakers", "set", str(no_default)], capsys)
    assert code == 2 and "default" in err
    plain = tmp_path / "plain.yml"
    plain.write_text(BOT_YAML)
    code, _, err = run(["ice-breakers", "set", str(plain)], capsys)
    assert code == 2 and "declares no ice breakers" in err
    assert standin.requests == []
    code, _, _ = run(["ice-breakers", "set", "--dry-run", str(tmp_path / "five.json")], capsys)
    assert code == 2


def test_an_ice_breaker_tap_reaches_the_flow_as_a_postback(live: Live) -> None:
    item = {"sender": {"id": "c2"}, "recipient": {"id": ACCOUNT}, "timestamp": 0,
            "postback": {"mid": "pb-1", "title": "What do you sell?", "payload": "PRODUCTS"}}
    import time

    item["timestamp"] = int(time.time() * 1000)
    body = json.dumps({"object": "instagram", "entry": [{"id": ACCOUNT, "time": 0, "messaging": [item]}]})
    assert live.post(body.encode()).status_code == 200
    live.idle()
    assert texts_to(live.standin, "c2") == ["Hi! You said: What do you sell?"]
    (line,) = [r for r in live.log() if r["direction"] == "in"]
    assert line["kind"] == "postback"
    assert json.loads(line["payload"])["payload"] == "PRODUCTS"


def test_db_upgrade_status_and_export(postgres, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    from igbot.server._postgres import LATEST, PgState, connect_pool

    url = postgres.createdb(f"cli{os.getpid()}")
    code, out, _ = run(["db", "upgrade", "--database", url], capsys)
    assert code == 0 and f"upgraded from 0 to schema version {LATEST}" in out
    code, out, _ = run(["db", "upgrade", "--database", url], capsys)
    assert code == 0 and f"already at schema version {LATEST}" in out
    pool = connect_pool(url, 2)
    try:
        PgState(pool, url).queue_log([('{"conversation_id":"c1","session_id":null,'
                                       '"timestamp":"2026-01-02T03:04:05.000Z","direction":"in",'
                                       '"role":"user","kind":"text","text":"hi","payload":null,'
                                       '"flow":null,"state":null,"intent":null,"is_fallback":null,'
                                       '"mid":"m1","source":"igbot_log"}', "m1")])
    finally:
        pool.close()
    code, out, _ = run(["db", "status", "--database", url], capsys)
    status = json.loads(out)
    assert code == 0 and status["schema_version"] == LATEST and status["log"] == 1
    code, out, _ = run(["db", "export-log", str(tmp_path / "log.jsonl"), "--database", url], capsys)
    assert code == 0 and "1 log lines" in out
    (line,) = (tmp_path / "log.jsonl").read_text().splitlines()
    assert json.loads(line)["text"] == "hi"
    code, out, _ = run(["db", "export-log", str(tmp_path / "log.parquet"), "--database", url], capsys)
    assert code == 0 and (tmp_path / "log.parquet").stat().st_size > 0


def test_db_commands_fail_in_one_line(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IGBOT_DATABASE_URL", raising=False)
    code, _, err = run(["db", "upgrade"], capsys)
    assert code == 2 and err.strip() == "igbot db: set --database or IGBOT_DATABASE_URL (a postgresql:// URL)"
    code, _, err = run(["db", "upgrade", "--database", "sqlite:///x"], capsys)
    assert code == 2 and "expected a postgresql:// URL" in err
    secret = "pw-5e1f9c"
    code, _, err = run(["db", "status", "--database", f"postgresql://me:{secret}@127.0.0.1:1/none"], capsys)
    assert code == 1 and err.count("\n") == 1 and "cannot connect to postgresql://me@127.0.0.1:1/none" in err
    assert secret not in err and "Traceback" not in err


def test_serve_refuses_a_database_that_is_not_upgraded(postgres, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from ._support import SECRET, VERIFY

    url = postgres.createdb(f"empty{os.getpid()}")
    for name, value in {"IGBOT_APP_SECRET": SECRET, "IGBOT_VERIFY_TOKEN": VERIFY,
                        "IGBOT_ACCESS_TOKEN": "t", "IGBOT_DATABASE_URL": url}.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "bot.yml").write_text(BOT_YAML)
    code, _, err = run(["serve", str(tmp_path / "bot.yml"), "--port", "0"], capsys)
    assert code == 2 and "schema version 0" in err and "igbot db upgrade" in err
    assert err.count("\n") == 1
