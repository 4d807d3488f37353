"""``igbot analyze`` on every format, through the lead's CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from igbot.cli import main

KEYS = {"events", "conversations", "sessions", "messages_in", "messages_out", "handover_rate",
        "containment_rate", "fallback_rate", "median_bot_response_s",
        "median_agent_first_response_s", "triggers", "skipped"}


@pytest.mark.parametrize("name, extra", [
    ("igbot_log.jsonl", []), ("webhooks.jsonl", []), ("graph", []), ("dyi_export", []),
    ("dyi_export.zip", []),
    ("agent_inbox.csv", ["--map", "conversation_id=Contact ID", "--map", "timestamp=Created At",
                         "--map", "role=Sender Type", "--map", "text=Message"]),
])
def test_json_on_every_format(samples: Path, capsys: pytest.CaptureFixture[str], name: str,
                              extra: list[str]) -> None:
    assert main(["analyze", str(samples / name), "--format", "json", *extra]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= KEYS
    assert data["events"] > 0 and data["sessions"] > 0 and data["skipped"] == 0


def test_text_html_output_file_and_gap(samples: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    log = str(samples / "igbot_log.jsonl")
    assert main(["analyze", log]) == 0
    out = capsys.readouterr().out
    assert out.startswith("events") and "handover rate" in out
    assert main(["analyze", log, "--format", "html", "-o", str(tmp_path / "r.html")]) == 0
    assert "data:image/png;base64" in (tmp_path / "r.html").read_text(encoding="utf-8")
    main(["analyze", log, "--format", "json", "--gap", "30min"])
    short = json.loads(capsys.readouterr().out)["sessions"]
    main(["analyze", log, "--format", "json", "--gap", "72h"])
    assert json.loads(capsys.readouterr().out)["sessions"] < short


def test_problems_are_printed_and_errors_exit_nonzero(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text('{"conversation_id":"a","timestamp":0,"direction":"in","role":"user",'
                    '"kind":"text"}\n{broken\n')
    assert main(["analyze", str(path)]) == 0
    assert f"skipped {path}:2: not JSON" in capsys.readouterr().out
    assert main(["analyze", str(tmp_path / "missing.jsonl")]) == 1
    assert "no such file" in capsys.readouterr().err
    assert main(["analyze", str(path), "--map", "oops"]) == 2


def test_analyze_with_the_bot_uses_its_end_states(capsys) -> None:
    import json
    from pathlib import Path

    from igbot.cli import main

    root = Path(__file__).resolve().parents[2]
    log = str(root / "data" / "logs" / "igbot_log.jsonl")
    assert main(["analyze", log, "--format", "json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert main(["analyze", log, "--format", "json", "--bot", str(root / "data" / "bots" / "shop")]) == 0
    with_bot = json.loads(capsys.readouterr().out)
    assert with_bot["abandonment_rate"] < plain["abandonment_rate"]
    assert with_bot["sessions"] == plain["sessions"]


def test_nothing_loaded_exits_nonzero_with_one_line_per_input(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = tmp_path / "inbox.csv"
    csv.write_text("Ticket,When,Who\n1,2024-05-01T10:00:00Z,customer\n", encoding="utf-8")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    odd = tmp_path / "odd.jsonl"
    odd.write_text('{"hello": "world"}\n{"hello": "again"}\n', encoding="utf-8")
    assert main(["analyze", str(csv), str(empty), str(odd)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 3 and all(x.startswith("igbot analyze: ") for x in lines), lines
    assert f"nothing loaded from {csv}: column mapping needs conversation_id" in lines[0]
    assert lines[1] == f"igbot analyze: nothing loaded from {empty}: empty file"
    assert lines[2] == f"igbot analyze: nothing loaded from {odd}: format not recognised " \
                       "(pass format=)"


@pytest.mark.parametrize("extra, says", [
    (["--tz", "Mars/Olympus"], "tz 'Mars/Olympus': not a known time zone"),
    (["--gap", "soon"], "gap 'soon': not a duration"),
    (["--gap=-5min"], "gap '-5min': must be positive"),
    (["--funnel", "show,claimed", "--flow", "nosuchflow"],
     "flow 'nosuchflow': no event of the log is in this flow; flows: "),
    (["--funnel", "show,nosuchstate", "--flow", "promo"],
     "state 'nosuchstate': not a state of the log's flow 'promo'"),
    (["--funnel", "show", "--flow", "nosuchflow", "--bot", "BOT"],
     "flow 'nosuchflow': the bot has no such flow; flows: "),
])
def test_bad_parameters_are_one_line_errors(samples: Path, capsys: pytest.CaptureFixture[str],
                                            extra: list[str], says: str) -> None:
    bot = str(Path(__file__).resolve().parents[2] / "data" / "bots" / "shop")
    args = [bot if x == "BOT" else x for x in extra]
    assert main(["analyze", str(samples / "igbot_log.jsonl"), *args]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    errors = captured.err.splitlines()
    assert len(errors) == 1 and errors[0].startswith("igbot analyze: ") and says in errors[0], \
        captured.err


def test_funnel_in_every_output_format(samples: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    log = str(samples / "igbot_log.jsonl")
    funnel = ["--funnel", "show,claimed", "--flow", "promo"]
    assert main(["analyze", log, *funnel]) == 0
    text = capsys.readouterr().out
    assert "funnel (flow promo)" in text and "1. show" in text and "2. claimed" in text
    assert main(["analyze", log, "--format", "json", *funnel]) == 0
    data = json.loads(capsys.readouterr().out)
    steps = data["funnel"]["steps"]
    assert data["funnel"]["flow"] == "promo"
    assert [s["state"] for s in steps] == ["show", "claimed"]
    assert steps[0]["sessions"] >= steps[1]["sessions"] > 0
    assert main(["analyze", log, "--format", "html", "-o", str(tmp_path / "r.html"), *funnel]) == 0
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<h2>Funnel</h2>" in page and "<td>claimed</td>" in page
