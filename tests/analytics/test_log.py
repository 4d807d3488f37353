"""The igbot log line format: writing, the fast reader, the careful reader, Parquet."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd
import pytest

from igbot.analytics import LOG_FIELDS, SCHEMA, load, save, to_log_record, write_log
from igbot.analytics._log import _read_lines
from igbot.analytics._schema import Problems, concat_frames, sort_events

from ._varied import BAD_LINES, MIXED, varied_records, write_varied


def _records() -> list[dict]:
    return [
        to_log_record("p1", 1714989600000, "in", "user", "story_reply", text="café 😍",
                      payload={"story_id": "9"}, flow="promo", state="offer", intent="ask",
                      is_fallback=False, mid="m1"),
        to_log_record("p1", "2024-05-06T10:00:01.500Z", "out", "bot", "text", text="hi",
                      flow="promo", state="offer"),
        to_log_record("p2", "2024-05-06T12:00:00+07:00", "in", "user", "text", text="x"),
    ]


def test_record_has_exactly_the_log_fields() -> None:
    rec = _records()[0]
    assert tuple(rec) == LOG_FIELDS == tuple(SCHEMA)
    assert rec["timestamp"] == "2024-05-06T10:00:00.000Z"
    assert rec["payload"] == '{"story_id":"9"}'


def test_to_log_record_rejects_bad_values() -> None:
    with pytest.raises(ValueError, match="direction"):
        to_log_record("p", 0, "sideways", "user", "text")
    with pytest.raises(ValueError, match="role"):
        to_log_record("p", 0, "in", "robot", "text")


def test_write_then_load_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    assert write_log(_records(), path) == 3
    df = load(path)
    assert list(df.columns) == list(LOG_FIELDS)
    assert str(df["timestamp"].dtype) == "datetime64[ns, UTC]"
    assert isinstance(df["kind"].dtype, pd.CategoricalDtype)
    assert list(df["direction"].cat.categories) == ["in", "out"]
    assert df.loc[0, "text"] == "café 😍"
    assert df.loc[1, "timestamp"] == pd.Timestamp("2024-05-06T10:00:01.500Z")
    assert df.loc[2, "timestamp"] == pd.Timestamp("2024-05-06T05:00:00Z")  # +07:00 -> UTC
    assert df["is_fallback"].tolist()[0] is False
    assert pd.isna(df["is_fallback"].iloc[1])
    assert df.attrs["skipped"] == 0


def test_ms_timestamps_and_parquet_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "ms.jsonl"
    lines = [dict(r, timestamp=1714989600000 + i) for i, r in enumerate(_records())]
    path.write_text("".join(json.dumps(r) + "\n" for r in lines))
    df = load(path)
    assert df["timestamp"].iloc[0] == pd.Timestamp("2024-05-06T10:00:00Z")
    save(df, tmp_path / "log.parquet")
    back = load(tmp_path / "log.parquet")
    pd.testing.assert_frame_equal(back, df, check_categorical=False)
    assert back.dtypes.to_dict() == df.dtypes.to_dict()


def test_text_columns_without_a_value_share_one_array(tmp_path: Path) -> None:
    """payload and mid hold no value here: both read from Parquet as one shared Arrow array of
    pandas' own string type (a string array would be cast once per column, 8 MB a million rows)."""
    path = tmp_path / "log.jsonl"
    write_log([{k: v for k, v in r.items() if k not in ("payload", "mid")} for r in _records()],
              path)
    save(load(path), tmp_path / "log.parquet")
    df = load(tmp_path / "log.parquet")
    payload, mid = (df[c].array.__arrow_array__() for c in ("payload", "mid"))
    assert str(payload.type) == "large_string"
    assert payload.chunk(0).buffers()[1].address == mid.chunk(0).buffers()[1].address
    assert df["payload"].isna().all() and df["mid"].isna().all()


def test_malformed_lines_are_reported_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    good = [json.dumps(r) for r in _records()]
    bad_type = json.dumps(dict(_records()[0], is_fallback="yes"))
    bad_time = json.dumps(dict(_records()[0], timestamp="yesterday"))
    no_conv = json.dumps(dict(_records()[0], conversation_id=None))
    path.write_text("\n".join([good[0], "{not json", bad_type, good[1], bad_time, "[1, 2]",
                               no_conv, "", good[2]]) + "\n")
    df = load(path)
    assert len(df) == 3
    assert df.attrs["skipped"] == 5
    lines = [(p["line"], p["reason"].split(":")[0]) for p in df.attrs["problems"]]
    assert lines == [(2, "not JSON"), (3, "is_fallback"), (5, "timestamp"),
                     (6, "expected a JSON object, got list"), (7, "conversation_id")]
    assert all(p["file"] == str(path) for p in df.attrs["problems"])


def test_wrong_role_value_falls_back_to_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "role.jsonl"
    rows = [json.dumps(r) for r in _records()] + [json.dumps(dict(_records()[0], role="robot"))]
    path.write_text("\n".join(rows) + "\n")
    df = load(path)
    assert len(df) == 3 and df.attrs["skipped"] == 1
    assert df.attrs["problems"][0]["line"] == 4


def test_unreadable_parquet_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1 not really")
    df = load(path)
    assert df.empty and df.attrs["skipped"] == 1
    assert df.attrs["problems"][0]["line"] is None


def test_without_duckdb_pyarrow_reads_the_same(samples: Path) -> None:
    import subprocess
    import sys

    code = ("import sys; sys.modules['duckdb'] = None\n"
            "from igbot.analytics import load\n"
            f"df = load({str(samples / 'igbot_log.jsonl')!r})\n"
            "print(len(df), df.attrs['skipped'], df['kind'].value_counts().to_dict())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    df = load(samples / "igbot_log.jsonl")
    assert out == f"{len(df)} 0 {df['kind'].value_counts().to_dict()}"


def _careful(path: Path) -> pd.DataFrame:
    """The reference: the line-by-line reader, then the loader's sort."""
    problems = Problems()
    return problems.attach(concat_frames([_read_lines(path, problems, "igbot_log", False)]))


@pytest.mark.parametrize("seed", range(7))
def test_fast_reader_gives_the_careful_readers_frame(tmp_path: Path, seed: int,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    form = seed % (MIXED + 1)  # one timestamp form a file, and all of them mixed
    path = write_varied(tmp_path / "varied.jsonl", seed, form=form)
    with caplog.at_level(logging.DEBUG, logger="igbot.analytics._log"):
        fast = load(path)
    fell_back = [r.getMessage() for r in caplog.records if "line by line" in r.getMessage()]
    assert not fell_back, fell_back  # the fast reader did read it, mixed forms included
    pd.testing.assert_frame_equal(fast, _careful(path))
    assert fast.attrs["skipped"] == 0


@pytest.mark.parametrize("seed", range(4))
def test_malformed_lines_are_kept_as_problems_with_file_and_line(tmp_path: Path,
                                                                 seed: int) -> None:
    path = write_varied(tmp_path / "bad.jsonl", seed, bad=True)
    fast, careful = load(path), _careful(path)
    pd.testing.assert_frame_equal(fast, careful)
    assert fast.attrs["problems"] == careful.attrs["problems"]
    assert len(fast) == len(varied_records(seed))  # every good line kept
    assert fast.attrs["skipped"] == len(BAD_LINES)  # every bad one reported, none dropped
    text = path.read_text(encoding="utf-8").split("\n")
    for problem in fast.attrs["problems"]:
        assert problem["file"] == str(path)
        assert text[problem["line"] - 1] in BAD_LINES


@pytest.mark.parametrize("seed", range(4))
def test_parquet_sorted_column_by_column_equals_the_sorted_frame(tmp_path: Path,
                                                                 seed: int) -> None:
    frame = _careful(write_varied(tmp_path / "v.jsonl", seed))
    shuffled = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    save(shuffled, tmp_path / "v.parquet")
    back = load(tmp_path / "v.parquet")
    expected = sort_events(shuffled)
    pd.testing.assert_frame_equal(back, expected)


def test_without_duckdb_the_arrow_reader_gives_the_careful_readers_frame(tmp_path: Path) -> None:
    import subprocess
    import sys

    paths = [write_varied(tmp_path / f"v{form}.jsonl", 10 + form, form=form, plain=True)
             for form in range(MIXED + 1)]
    code = ("import logging, sys; sys.modules['duckdb'] = None\n"
            "logging.basicConfig(level=logging.DEBUG, format='%(message)s')\n"
            "from pathlib import Path\n"
            "from igbot.analytics import load, save\n"
            "for p in sys.argv[1:]:\n"
            "    save(load(p), Path(p).with_suffix('.parquet'))\n")
    run = subprocess.run([sys.executable, "-c", code, *map(str, paths)], check=True,
                         capture_output=True, text=True)
    fell_back = [line for line in run.stderr.splitlines() if "line by line" in line]
    assert len(fell_back) == 1 and "v6.jsonl" in fell_back[0], fell_back  # only the mixed one
    for path in paths:  # Parquet keeps the frame as it was: categories, order, values
        pd.testing.assert_frame_equal(load(path.with_suffix(".parquet")), _careful(path))


def test_parquet_of_many_row_groups_keeps_pandas_categories(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = _careful(write_varied(tmp_path / "v.jsonl", 3))
    path = tmp_path / "groups.parquet"
    table = pa.Table.from_pandas(frame.iloc[::-1], preserve_index=False)  # out of order
    pq.write_table(table, path, row_group_size=17)  # a dictionary a row group
    back = load(path)
    arrow = pq.read_table(path)
    for name in ("conversation_id", "kind", "flow", "state"):  # pyarrow's own conversion
        expected = arrow.column(name).to_pandas()
        assert list(back[name].cat.categories) == list(expected.cat.categories), name
    pd.testing.assert_frame_equal(back, sort_events(arrow.to_pandas().astype(
        {c: frame[c].dtype for c in ("direction", "role")})), check_dtype=False,
        check_categorical=False)  # category order checked above; an empty one's dtype differs


_GOOD = ('{"conversation_id": "a", "timestamp": "2024-05-06T10:00:00.123Z", "direction": "in", '
         '"role": "user", "kind": "text", "text": "hi"}')
_TRAPS = {  # a line the fast reader could take differently from the careful one
    "text_number": '{"conversation_id": "a", "timestamp": "2024-05-06T10:00:01Z", "direction": "in", "role": "user", '
                   '"kind": "text", "text": 5}',
    "kind_number": '{"conversation_id": "a", "timestamp": "2024-05-06T10:00:01Z", "direction": "in", "role": "user", '
                   '"kind": 5}',
    "flag_text": '{"conversation_id": "a", "timestamp": "2024-05-06T10:00:01Z", "direction": "in", "role": "user", '
                 '"kind": "text", "is_fallback": "true"}',
    "digits_as_text": '{"conversation_id": "a", "timestamp": "1714989600000", "direction": "in", '
                      '"role": "user", "kind": "text"}',
    "seven_decimals": '{"conversation_id": "a", "timestamp": "2024-05-06T10:00:00.1234567Z", '
                      '"direction": "in", "role": "user", "kind": "text"}',
    "lower_z": '{"conversation_id": "a", "timestamp": "2024-05-06T10:00:00z", "direction": "in", '
               '"role": "user", "kind": "text"}',
    "comma_decimals": '{"conversation_id": "a", "timestamp": "2024-05-06T10:00:00,5Z", '
                      '"direction": "in", "role": "user", "kind": "text"}',
    "float_ms": '{"conversation_id": "a", "timestamp": 1714989600123.5, "direction": "in", '
                '"role": "user", "kind": "text"}',
    "big_float_ms": '{"conversation_id": "b", "timestamp": 1.7149896001239e12, "direction": "in", '
                    '"role": "user", "kind": "text"}',
    "int_ms": '{"conversation_id": "b", "timestamp": 1714989600123, "direction": "out", '
              '"role": "bot", "kind": "text"}',
    "naive": '{"conversation_id": "b", "timestamp": "2024-05-06T10:00:00.5", "direction": "in", '
             '"role": "user", "kind": "text"}',
    "offset_no_colon": '{"conversation_id": "b", "timestamp": "2024-05-06T17:00:00+0700", '
                       '"direction": "in", "role": "user", "kind": "text"}',
    "numeric_id_and_payload_object": '{"conversation_id": 12, "session_id": 3.5, "timestamp": "2024-05-06T10:00:01Z", '
                                     '"direction": "in", "role": "user", "kind": "postback", '
                                     '"payload": {"b": [1.0, 1e20, "é\\u00e9"], "a": null}}',
    "payload_number": '{"conversation_id": "a", "timestamp": "2024-05-06T10:00:01Z", "direction": "in", "role": "user", '
                      '"kind": "text", "payload": 5}',
    "unicode_escapes": '{"conversation_id": "zo\\u00eb", "timestamp": "2024-05-06T10:00:01Z", "direction": "in", '
                       '"role": "user", "kind": "text", "text": "\\ud83d\\ude0d \\"q\\" \\\\ \\n"}',
    "missing_and_extra": '{"conversation_id": "a", "timestamp": "2024-05-06T10:00:01Z", "direction": "in", '
                         '"role": "user", "kind": "text", "flow": null, "x": {"y": 1}}',
    "null_line": "null",
    "duplicate_key": '{"conversation_id": "a", "timestamp": "2024-05-06T10:00:01Z", "direction": "in", "role": "user", '
                     '"kind": "text", "kind": "image"}',
    "not_json": '{"conversation_id": "a", "timestamp": 0',
    "array": "[1, 2]",
    "empty_conversation": '{"conversation_id": "", "timestamp": "2024-05-06T10:00:01Z", "direction": "in", '
                          '"role": "user", "kind": "text"}',
    "nan": '{"conversation_id": "a", "timestamp": NaN, "direction": "in", "role": "user", '
           '"kind": "text"}',
}


@pytest.mark.parametrize("trap", sorted(_TRAPS))
def test_fast_reader_equals_the_careful_one_on_each_trap(tmp_path: Path, trap: str) -> None:
    path = tmp_path / f"{trap}.jsonl"
    path.write_text("\n".join([_GOOD] * 3 + [_TRAPS[trap]] + [_GOOD.replace('"a"', '"c"')] * 2)
                    + "\n", encoding="utf-8")
    fast, careful = load(path), _careful(path)
    pd.testing.assert_frame_equal(fast, careful)
    assert fast.attrs["problems"] == careful.attrs["problems"]  # same reason, same line (4)


def test_a_byte_order_mark_is_reported_as_the_careful_reader_does(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_text("\ufeff" + "\n".join([_GOOD] * 3) + "\n", encoding="utf-8")
    fast, careful = load(path), _careful(path)
    pd.testing.assert_frame_equal(fast, careful)
    assert fast.attrs["problems"] == careful.attrs["problems"] != []


def test_clean_logs_with_every_value_form_stay_on_the_fast_reader(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "forms.jsonl"
    forms = ("float_ms", "big_float_ms", "int_ms", "naive", "offset_no_colon", "unicode_escapes",
             "numeric_id_and_payload_object", "missing_and_extra")
    path.write_text("\n".join([_GOOD, *(_TRAPS[f] for f in forms)]) + "\n", encoding="utf-8")
    with caplog.at_level(logging.DEBUG, logger="igbot.analytics._log"):
        fast = load(path)
    assert not [r for r in caplog.records if "line by line" in r.getMessage()]
    pd.testing.assert_frame_equal(fast, _careful(path))
    assert fast.attrs["skipped"] == 0
