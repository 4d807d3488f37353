"""Agent-inbox CSV with a column mapping."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from igbot.analytics import load

from ._data import CSV_MAP

CSV = """Ticket,Contact ID,Created At,Sender Type,Agent,Message
T-1,p1,2024-05-06 10:00:00,Customer,,hello
T-1,p1,2024-05-06T10:00:02+07:00,Bot,,hi there
T-1,p1,1714989700000,Agent,Rina,"Hi, Rina here"
T-1,p1,not a date,Customer,,lost
T-2,,2024-05-06 11:00:00,Customer,,no contact
T-2,p2,2024-05-06 11:00:00,Martian,,who
T-2,p2,2024-05-06 11:00:00,Customer
T-2,p2,2024-05-06 11:00:05,customer,,ok
"""


def test_mapping_types_and_problems(tmp_path: Path) -> None:
    path = tmp_path / "inbox.csv"
    path.write_text(CSV, encoding="utf-8")
    df = load(path, columns=CSV_MAP)
    assert df["text"].tolist() == ["hi there", "hello", "Hi, Rina here", "ok"]
    assert df["role"].tolist() == ["bot", "user", "agent", "user"]
    assert df["direction"].tolist() == ["out", "in", "out", "in"]
    assert df.loc[0, "timestamp"] == pd.Timestamp("2024-05-06T03:00:02Z")
    assert df.loc[2, "timestamp"] == pd.Timestamp(1714989700000, unit="ms", tz="UTC")
    assert df.loc[2, "payload"] == '{"agent": "Rina"}'
    assert df.attrs["skipped"] == 4
    assert [(p["line"], p["reason"].split(":")[0]) for p in df.attrs["problems"]] == [
        (8, "4 fields, the header has 6"), (5, "timestamp"), (6, "conversation_id"),
        (7, "role")]


def test_naive_times_in_a_time_zone_and_extra_role_values(tmp_path: Path) -> None:
    path = tmp_path / "inbox.csv"
    path.write_text("conv,when,who\na,2024-05-06 17:00:00,Kunde\na,2024-05-06 17:01:00,Team\n")
    df = load(path, format="csv", tz="Asia/Jakarta",
              columns={"conversation_id": "conv", "timestamp": "when", "role": "who"},
              values={"role": {"kunde": "user", "team": "agent"}})
    assert df["timestamp"].iloc[0] == pd.Timestamp("2024-05-06T10:00:00Z")
    assert df["role"].tolist() == ["user", "agent"]


def test_missing_mapping_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    df = load(path)
    assert df.empty and df.attrs["skipped"] == 1
    assert "column mapping" in df.attrs["problems"][0]["reason"]


def test_canonical_headers_need_no_mapping(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("conversation_id,timestamp,direction,kind,text\nz,2024-05-06T10:00:00Z,in,"
                    "postback,Buy\nz,2024-05-06T10:00:01Z,out,,ok\n")
    df = load(path)
    assert df["role"].tolist() == ["user", "agent"]
    assert df["kind"].tolist() == ["postback", "text"]


def test_committed_sample(samples: Path) -> None:
    df = load(samples / "agent_inbox.csv", columns=CSV_MAP)
    assert df.attrs["skipped"] == 0 and (df["role"] == "agent").any()
