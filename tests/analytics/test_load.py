"""Format detection, several inputs at once, bad paths."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from igbot.analytics import detect_format, load


def test_detect_every_sample(samples: Path) -> None:
    assert detect_format(samples / "igbot_log.jsonl") == "igbot_log"
    assert detect_format(samples / "webhooks.jsonl") == "webhooks"
    assert detect_format(next((samples / "graph").glob("*.json"))) == "graph"
    assert detect_format(samples / "dyi_export") == "dyi"
    assert detect_format(samples / "dyi_export.zip") == "dyi"
    assert detect_format(samples / "agent_inbox.csv") == "csv"
    assert detect_format(samples / "graph") is None  # a folder of files, not an export


def test_many_inputs_one_frame(samples: Path, tmp_path: Path) -> None:
    shutil.copy(samples / "igbot_log.jsonl", tmp_path / "a.jsonl")
    (tmp_path / "notes.txt").write_text("hello")
    df = load([tmp_path / "a.jsonl", samples / "dyi_export", tmp_path / "notes.txt"])
    assert set(df["source"]) == {"igbot_log", "dyi"}
    assert df.attrs["skipped"] == 1
    assert df.attrs["problems"][0]["reason"].startswith("format not recognised")
    conv = df["conversation_id"].cat.codes.to_numpy()
    assert (conv[1:] >= conv[:-1]).all()  # sorted by conversation, then time


def test_glob_and_folder_of_files(samples: Path) -> None:
    by_glob = load(str(samples / "graph" / "page_*.json"))
    by_folder = load(samples / "graph")
    assert len(by_glob) == len(by_folder) > 0


def test_missing_path_and_bad_format(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "nope.jsonl")
    with pytest.raises(ValueError, match="format"):
        load(tmp_path, format="xml")


def test_empty_file_gives_an_empty_typed_frame(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("")
    df = load(path, format="igbot_log")
    assert df.empty and str(df["timestamp"].dtype) == "datetime64[ns, UTC]"
    path.write_text(json.dumps({"conversation_id": "a", "timestamp": 0, "direction": "in",
                                "role": "user", "kind": "text"}) + "\n")
    assert len(load(path)) == 1
