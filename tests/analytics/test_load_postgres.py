"""``load("postgresql://...")``: the log table of ``igbot serve --database``, read directly."""

from __future__ import annotations

import json

import pytest

from igbot.analytics import load
from igbot.server import log_line
from igbot.server._postgres import PgState, connect_pool


def test_the_log_table_loads_like_the_jsonl_log(database_url: str) -> None:
    lines = [log_line("c1", 1_767_225_600_000 + i * 1000, "in" if i % 2 == 0 else "out",
                      "user" if i % 2 == 0 else "bot", "text", text=f"t{i}", mid=f"m{i}",
                      flow="main", state="start", is_fallback=False) for i in range(6)]
    pool = connect_pool(database_url, 2)
    try:
        db = PgState(pool, database_url)
        db.queue_log([(line, None) for line in lines])
        with db.transaction() as conn:  # a row damaged by hand
            conn.execute("INSERT INTO igbot_log (conversation_id, timestamp, kind, line) "
                         "VALUES ('c1', '', 'text', 'not json')")
    finally:
        pool.close()
    df = load(database_url, progress=False)
    assert list(df["text"]) == [f"t{i}" for i in range(6)]
    assert list(df["direction"].astype(str)) == ["in", "out"] * 3
    assert df["timestamp"].is_monotonic_increasing and str(df["timestamp"].dt.tz) == "UTC"
    (problem,) = df.attrs["problems"]
    assert problem["line"] == 7 and "not JSON" in problem["reason"]
    assert "@" not in problem["file"] or "igbot@" in problem["file"]
    assert json.loads(lines[0])["source"] == "igbot_log"


def test_an_unreachable_database_is_a_clear_error() -> None:
    with pytest.raises(ConnectionError, match=r"cannot read postgresql://127\.0\.0\.1:1/none") as info:
        load("postgresql://me:s3cret-pw@127.0.0.1:1/none")
    assert "s3cret-pw" not in str(info.value)
