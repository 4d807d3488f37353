"""Instagram's "Download your information" export: mis-encoding, owner, kinds, folder and zip."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from igbot.analytics import AccountUnknownError, fix_mojibake, load
from tests._conformance import EXPORTS


def _bad(text: str) -> str:
    """Text mis-encoded the way Instagram writes it."""
    return text.encode("utf-8").decode("latin-1")


def _write_thread(root: Path, thread: str, person: str, messages: list[dict],
                  n: int = 1) -> Path:
    doc = {"participants": [{"name": _bad(person)}, {"name": _bad("Café Owner")}],
           "messages": messages, "title": _bad(person), "is_still_participant": True,
           "thread_path": f"inbox/{thread}", "magic_words": []}
    path = root / "your_instagram_activity" / "messages" / "inbox" / thread / f"message_{n}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=True))
    return path


def _export(root: Path) -> Path:
    owner, zoe = _bad("Café Owner"), _bad("Zoë")
    _write_thread(root, "zoe_1", "Zoë", [  # newest first
        {"sender_name": owner, "timestamp_ms": 1714989605000, "content": _bad("Merci ❤️")},
        {"sender_name": zoe, "timestamp_ms": 1714989604000, "is_unsent": True},
        {"sender_name": zoe, "timestamp_ms": 1714989603000, "photos": [{"uri": "a.jpg"}]},
        {"sender_name": zoe, "timestamp_ms": 1714989602000, "content": "look",
         "share": {"link": "https://www.instagram.com/p/abc/", "share_text": "post"}},
        {"sender_name": zoe, "timestamp_ms": 1714989601000, "content": _bad("j'adore 😍"),
         "share": {"link": "https://www.instagram.com/stories/cafe/123"},
         "reactions": [{"reaction": _bad("❤"), "actor": owner}]},
        {"sender_name": zoe, "timestamp_ms": 1714989600000,
         "content": "Zoë mentioned you in their story".encode().decode("latin-1")},
    ])
    _write_thread(root, "budi_2", "Budi", [
        {"sender_name": owner, "timestamp_ms": 1714989700000, "content": "hi Budi"},
    ], n=2)
    _write_thread(root, "budi_2", "Budi", [
        {"sender_name": "Budi", "timestamp_ms": 1714989800000, "content": "thanks"},
    ], n=1)
    return root


def test_fix_mojibake_repairs_only_round_tripping_strings() -> None:
    assert fix_mojibake("\u00f0\u009f\u0098\u0080") == "😀"
    assert fix_mojibake("caf\u00c3\u00a9") == "café"
    assert fix_mojibake("café") == "café"  # already right: é alone is not UTF-8 bytes
    assert fix_mojibake("😀") == "😀"  # not Latin-1 at all
    assert fix_mojibake({"a": ["caf\u00c3\u00a9", 3]}) == {"a": ["café", 3]}


@pytest.mark.parametrize("as_zip", [False, True])
def test_folder_and_zip(tmp_path: Path, as_zip: bool) -> None:
    root = _export(tmp_path / "export")
    path = Path(shutil.make_archive(str(tmp_path / "export"), "zip", root)) if as_zip else root
    df = load(path)
    assert df.attrs["skipped"] == 0
    zoe = df[df["conversation_id"] == "zoe_1"].reset_index(drop=True)
    assert zoe["kind"].tolist() == ["story_mention", "story_reply", "reaction", "share", "image",
                                    "deleted", "text"]
    assert zoe["direction"].tolist() == ["in", "in", "out", "in", "in", "in", "out"]
    assert zoe.loc[1, "text"] == "j'adore 😍"
    assert zoe.loc[2, "text"] == "❤"
    assert zoe.loc[6, "text"] == "Merci ❤️"
    assert set(df["source"]) == {"dyi"}
    budi = df[df["conversation_id"] == "budi_2"]
    assert budi["text"].tolist() == ["hi Budi", "thanks"]  # message_2 is older than message_1
    assert budi["role"].tolist() == ["bot", "user"]


def test_owner_is_inferred_or_given(tmp_path: Path) -> None:
    root = tmp_path / "one"
    _write_thread(root, "x_1", "Xavi", [{"sender_name": "Xavi", "timestamp_ms": 1, "content": "a"}])
    df = load(root)  # one thread: the participant who is not the title is the owner
    assert df["direction"].tolist() == ["in"]
    df = load(root, owner="Xavi")
    assert df["direction"].tolist() == ["out"]


def test_ambiguous_owner_raises(tmp_path: Path) -> None:
    root = tmp_path / "amb"
    path = _write_thread(root, "x_1", "Xavi", [{"sender_name": "Xavi", "timestamp_ms": 1}])
    doc = json.loads(path.read_text())
    doc["title"] = "Group"
    path.write_text(json.dumps(doc))
    with pytest.raises(AccountUnknownError, match="owner="):
        load(root)


def test_bad_files_and_messages_are_reported(tmp_path: Path) -> None:
    root = _export(tmp_path / "export")
    broken = root / "your_instagram_activity/messages/inbox/broken_3/message_1.json"
    broken.parent.mkdir()
    broken.write_text("{ not json")
    _write_thread(root, "odd_4", "Odd", [{"sender_name": "Odd"},  # no timestamp
                                         {"sender_name": "Odd", "timestamp_ms": 5}])
    df = load(root)
    assert df.attrs["skipped"] == 2
    reasons = sorted(p["reason"][:12] for p in df.attrs["problems"])
    assert reasons == ["not a DYI me", "thread odd_4"]
    assert (df["conversation_id"] == "odd_4").sum() == 1


def test_bad_zip_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "x.zip"
    path.write_bytes(b"not a zip")
    df = load(path, format="dyi")
    assert df.empty and df.attrs["skipped"] == 1


def test_committed_samples(samples: Path) -> None:
    folder, archive = load(samples / "dyi_export"), load(samples / "dyi_export.zip")
    assert len(folder) == len(archive) > 100
    assert folder["text"].str.contains("😍|🙏|☕|👋", regex=True).any()
    assert not folder["text"].str.contains("Ã|ð", regex=True).any()
    assert zipfile.is_zipfile(samples / "dyi_export.zip")


# -- the public exports of the conformance corpus -----------------------------------------------
def _corpus(name: str) -> Path:
    path = EXPORTS / name
    if not path.is_dir():
        pytest.skip(f"no conformance export at {path}")
    return path


def _senders(df) -> set[str]:
    inbound = df[(df.direction == "in") & (df.kind != "reaction")]
    return {json.loads(p)["sender"] for p in inbound.payload}


def test_chatflashback_group_chat_with_its_owner_named() -> None:
    path = _corpus("dyi-chatflashback")
    with pytest.raises(AccountUnknownError, match="pass owner="):  # a group: who is the owner?
        load(path)
    with pytest.raises(AccountUnknownError, match="'Zed' is not a participant"):
        load(path, owner="Zed")
    df = load(path, owner="Alice")
    messages = df[df.kind != "reaction"]
    assert len(messages) == 31 and set(df.conversation_id) == {"saturdaysquad"}
    assert _senders(df) == {"Bob", "Charlie", "Dana"}
    assert (messages.direction == "out").sum() == sum(
        m["sender_name"] == "Alice" for m in _raw(path)["messages"])
    reactions = df[df.kind == "reaction"]  # non-standard keys: "reactor" and "act"
    assert len(reactions) == sum(len(m.get("reactions") or []) for m in _raw(path)["messages"])
    assert "👍" in set(reactions.text)  # mis-encoded in the file, repaired
    assert df.attrs["problems"] == []


def test_instaparse_older_layout_with_its_owner_named() -> None:
    path = _corpus("dyi-instaparse")
    with pytest.raises(AccountUnknownError):
        load(path)
    df = load(path, owner="user")
    messages = df[df.kind != "reaction"]
    assert len(messages) == 7 and dict(messages.direction.value_counts()) == {
        "out": sum(m["sender_name"] == "user" for m in _raw(path)["messages"]),
        "in": sum(m["sender_name"] == "friend" for m in _raw(path)["messages"])}
    assert (df.kind == "share").sum() == 1 and (df.kind == "reaction").sum() == 2
    assert df.payload.isna().all()  # two people: the conversation is the person


def _raw(path: Path) -> dict:
    (file,) = path.rglob("message_1.json")
    return json.loads(file.read_text(encoding="utf-8"))
