"""The one log-row function: fields, timestamps, checks; the server and analytics share it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from igbot.analytics._log import read_jsonl_log, to_log_record
from igbot.analytics._schema import SCHEMA, Problems
from igbot.server import LOG_FIELDS as SERVER_FIELDS
from igbot.server import log_line as server_log_line
from igbot.vocab import LOG_FIELDS, LOG_SCHEMA, dump_row, iso_ms, log_line, log_row, timestamp_ns


def test_a_row_has_exactly_the_schema_columns_in_order() -> None:
    row = log_row("u1", 1732500000123, "in", "user", "story_reply", text="love it",
                  payload={"story_id": "9"}, flow="promo", state="offer", intent="ask",
                  is_fallback=False, mid="m1")
    assert tuple(row) == LOG_FIELDS == tuple(LOG_SCHEMA)
    assert row["timestamp"] == "2024-11-25T02:00:00.123Z"
    assert row["payload"] == '{"story_id":"9"}'
    assert row["source"] == "igbot_log"


@pytest.mark.parametrize("value", [
    1732500000123, 1732500000123.0, "2024-11-25T02:00:00.123Z", "2024-11-25T02:00:00.123+0000",
    "2024-11-25T09:00:00.123+07:00", "2024-11-25T02:00:00.123",
    datetime(2024, 11, 25, 2, 0, 0, 123000), datetime(2024, 11, 25, 2, 0, 0, 123000, UTC),
    datetime(2024, 11, 25, 9, 0, 0, 123999, timezone(timedelta(hours=7))),
])
def test_every_timestamp_form_gives_the_same_millisecond(value: object) -> None:
    assert log_row("u1", value, "in", "user", "text")["timestamp"] == (  # type: ignore[arg-type]
        "2024-11-25T02:00:00.123Z")


def test_milliseconds_are_exact_not_float_rounded() -> None:
    # 1732500000123 / 1000 is 1732500000.1229999... as a float: the row must still say .123
    assert iso_ms(timestamp_ns(1732500000123)) == "2024-11-25T02:00:00.123Z"


@pytest.mark.parametrize(("args", "field"), [
    (("", 0, "in", "user", "text"), "conversation_id"),
    (("u1", 0, "up", "user", "text"), "direction"),
    (("u1", 0, "in", "robot", "text"), "role"),
    (("u1", 0, "in", "user", ""), "kind"),
    (("u1", "yesterday", "in", "user", "text"), "timestamp"),
    (("u1", True, "in", "user", "text"), "timestamp"),
])
def test_a_wrong_field_is_named(args: tuple[object, ...], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        log_row(*args)  # type: ignore[arg-type]


def test_a_wrong_type_is_named() -> None:
    with pytest.raises(ValueError, match="is_fallback"):
        log_row("u1", 0, "in", "user", "text", is_fallback="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="flow"):
        log_row("u1", 0, "in", "user", "text", flow=3)  # type: ignore[arg-type]


def test_the_server_and_analytics_write_with_the_same_function(tmp_path: Path) -> None:
    assert server_log_line is log_line
    assert SERVER_FIELDS == LOG_FIELDS
    assert SCHEMA is LOG_SCHEMA
    fields: dict[str, Any] = {"text": "hi ☕", "payload": {"a": [1, 2]}, "flow": "f", "state": "s",
              "intent": "i", "is_fallback": True, "mid": "m1"}
    line = log_line("u1", 1732500000123, "in", "user", "text", **fields)
    assert json.loads(line) == to_log_record("u1", 1732500000123, "in", "user", "text", **fields)
    assert line == dump_row(log_row("u1", 1732500000123, "in", "user", "text", **fields))
    path = tmp_path / "log.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    problems = Problems()
    df = read_jsonl_log(path, problems)
    assert len(problems) == 0
    assert df.iloc[0]["text"] == "hi ☕"
    assert str(df["timestamp"].dtype) == LOG_SCHEMA["timestamp"][0]
    for name, (dtype, _meaning) in LOG_SCHEMA.items():
        assert str(df[name].dtype).startswith(dtype.split("[")[0]), name
