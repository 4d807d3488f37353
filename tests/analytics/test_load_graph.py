"""Graph API Conversations exports: pages, account inference, kinds, overlapping pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from igbot.analytics import AccountUnknownError, load
from tests._conformance import EXPORTS

ME = {"username": "shop", "id": "100"}


def _conv(pid: str, messages: list[dict]) -> dict:
    return {"id": f"t_{pid}", "participants": {"data": [{"username": f"u{pid}", "id": pid}, ME]},
            "messages": {"data": messages}}


def _msg(mid: str, when: str, sender: dict, text: str = "", **extra: object) -> dict:
    return {"id": mid, "created_time": when, "from": sender, "message": text, **extra}


def _pages(tmp_path: Path) -> list[Path]:
    p1 = {"data": [_conv("1", [
        _msg("m3", "2024-05-06T10:00:09+0000", ME, "hello!"),
        _msg("m2", "2024-05-06T10:00:05+0000", {"id": "1"}, "",
             attachments={"data": [{"image_data": {"url": "x"}}]}),
        _msg("m1", "2024-05-06T10:00:00+0000", {"id": "1"}, "wow",
             story={"reply_to": {"id": "s1", "link": "l"}}),
    ])], "paging": {"next": "https://graph/next"}}
    p2 = {"data": [_conv("2", [
        _msg("n1", "2024-05-06T11:00:00+0000", {"id": "2"}, "",
             story={"mention": {"id": "s2", "link": "l"}}),
    ]), _conv("1", [_msg("m3", "2024-05-06T10:00:09+0000", ME, "hello!")])]}
    a, b = tmp_path / "page_1.json", tmp_path / "page_2.json"
    a.write_text(json.dumps(p1, indent=2))
    b.write_text(json.dumps(p2))
    return [a, b]


def test_pages_into_the_canonical_frame(tmp_path: Path) -> None:
    df = load(_pages(tmp_path))
    assert df.attrs["skipped"] == 0
    assert df["conversation_id"].tolist() == ["1", "1", "1", "2"]  # m3 on both pages: once
    assert df["kind"].tolist() == ["story_reply", "image", "text", "story_mention"]
    assert df["direction"].tolist() == ["in", "in", "out", "in"]
    assert df["mid"].tolist() == ["m1", "m2", "m3", "n1"]
    assert set(df["source"]) == {"graph"}


def test_list_of_pages_in_one_file_and_account_by_name(tmp_path: Path) -> None:
    pages = [json.loads(p.read_text()) for p in _pages(tmp_path)]
    path = tmp_path / "all.json"
    path.write_text(json.dumps(pages))
    assert len(load(path)) == 4
    single = tmp_path / "single.json"
    single.write_text(json.dumps({"data": [pages[1]["data"][0]]}))
    with pytest.raises(AccountUnknownError, match="account="):
        load(single)
    assert load(single, account="shop")["direction"].tolist() == ["in"]


def test_bad_pages_and_messages_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "pages.jsonl"
    good = json.loads(_pages(tmp_path)[0].read_text())
    good["data"][0]["messages"]["data"].append({"id": "m0", "from": {"id": "1"}})  # no time
    other = {"data": [_conv("3", [_msg("k", "2024-05-06T12:00:00+0000", {"id": "3"}, "x")])]}
    path.write_text("\n".join([json.dumps(good), "{oops", json.dumps({"nodata": 1}),
                               json.dumps(other)]) + "\n")
    df = load(path, format="graph")
    assert len(df) == 4
    assert df.attrs["skipped"] == 3
    assert [p["line"] for p in df.attrs["problems"]][:2] == [2, 3]


def test_committed_sample_pages(samples: Path) -> None:
    df = load(samples / "graph")
    assert df.attrs["skipped"] == 0 and df["conversation_id"].nunique() == 20
    assert {"story_reply", "text"} <= set(df["kind"])


def test_single_graph_objects_of_the_corpus_are_skipped_with_a_reason() -> None:
    folder = EXPORTS / "graph-restfb"
    if not folder.is_dir():
        pytest.skip(f"no conformance export at {folder}")
    df = load(folder)
    assert len(df) == 0
    reasons = {Path(p["file"]).name: p["reason"] for p in df.attrs["problems"]}
    assert set(reasons) == {"instagram-conversation.json", "instagram-message.json",
                            "instagram-message-story.json"}
    assert reasons["instagram-conversation.json"].startswith(
        "a single Graph API conversation object (GET /{conversation-id}), not a Conversations page")
    assert all("a single Graph API message object" in reasons[f]
               for f in ("instagram-message.json", "instagram-message-story.json"))
