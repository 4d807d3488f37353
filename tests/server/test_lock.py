"""One server per data directory: a second one refuses to start; a killed one blocks nothing."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from igbot import IgbotError
from igbot.channel import GraphStandIn
from igbot.server import DataDirLock, DataDirLockedError, ServerRunner, WebhookServer

from ._support import (
    BOT_YAML,
    bot,
    config,
    free_port,
    post,
    serve_command,
    serve_env,
    start_serve,
    text_body,
    texts_to,
    wait_for,
)


def test_a_second_server_on_the_same_data_dir_refuses(standin: GraphStandIn, tmp_path: Path) -> None:
    data = tmp_path / "data"
    with ServerRunner(bot(), config(standin, data)):
        with pytest.raises(DataDirLockedError) as info:
            WebhookServer(bot(), config(standin, data))
        assert isinstance(info.value, IgbotError)
        message = str(info.value)
        assert str(data) in message and "--data-dir" in message
        assert "pid " in message  # who holds it
        # another directory is fine
        other = WebhookServer(bot(), config(standin, tmp_path / "other"))
        other.stop()
    # once the first one stopped, the directory is free again
    again = WebhookServer(bot(), config(standin, data))
    assert again.lock.held
    again.stop()
    assert not again.lock.held


def test_the_lock_alone(tmp_path: Path) -> None:
    with DataDirLock(tmp_path) as first:
        assert first.held and "held=True" in repr(first)
        with pytest.raises(DataDirLockedError):
            DataDirLock(tmp_path).acquire()
    with DataDirLock(tmp_path) as second:  # released on exit
        assert second.held


def test_igbot_serve_twice_prints_one_line_and_a_killed_server_blocks_nothing(
    standin: GraphStandIn, tmp_path: Path,
) -> None:
    bot_file = tmp_path / "bot.yml"
    bot_file.write_text(BOT_YAML)
    data = tmp_path / "data"
    port = free_port()
    first = start_serve(bot_file, data, port, standin)
    try:
        second = subprocess.run(serve_command(bot_file, data, free_port()),
                                env=serve_env(standin, data), capture_output=True, text=True,
                                timeout=60)
        assert second.returncode != 0
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1, second.stderr
        assert lines[0].startswith("igbot serve: ") and "in use by another igbot server" in lines[0]
        assert f"pid {first.pid}" in lines[0]
        # the first server was not disturbed
        with httpx.Client(timeout=10) as client:
            assert post(client, f"http://127.0.0.1:{port}",
                        text_body("l1", "hello", "m-l1")).status_code == 200
        wait_for(lambda: texts_to(standin, "l1"), timeout=20)
    finally:
        first.send_signal(signal.SIGKILL)  # no clean shutdown: the lock file stays behind
        first.wait()
        if first.stderr:
            first.stderr.close()
    assert (data / "igbot.lock").exists()
    restarted = start_serve(bot_file, data, port, standin)
    try:
        with httpx.Client(timeout=10) as client:
            assert post(client, f"http://127.0.0.1:{port}",
                        text_body("l1", "again", "m-l2")).status_code == 200
        wait_for(lambda: "Hi! You said: again" in texts_to(standin, "l1"), timeout=20)
        # "hello" twice only if its send was on the wire at the kill (no echo in this test)
        assert texts_to(standin, "l1").count("Hi! You said: hello") <= 2
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.communicate(timeout=30)
