"""Backups: a save keeps what it replaces; restore puts it back (and can itself be undone)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from igbot.kataml import Bot, BotSource, Flow, SaveError, State, backups, restore
from igbot.kataml._backups import keep_backup

SHOP = Path(__file__).resolve().parents[2] / "data" / "bots" / "shop"


@pytest.fixture
def shop_dir(tmp_path: Path) -> Path:
    target = tmp_path / "shop"
    shutil.copytree(SHOP, target)
    return target


def _texts(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".igbot-backups" not in p.parts}


def _edited(source: BotSource) -> Bot:
    return source.bot.model_copy(deep=True)


def test_backup_and_restore(shop_dir: Path) -> None:
    before = _texts(shop_dir)
    source = BotSource(shop_dir)
    bot = _edited(source)
    bot.flows["promo"].intents["pick"].priority = 20
    bot.flows["extra"] = Flow(states={"init": State(initial=True)})
    kept = source.plan(bot).write()
    assert kept is not None and sorted(kept.files) == ["bot.yml", "flows/promo.yml"]
    assert kept.created == ["flows/extra.yml"]
    assert _texts(shop_dir) != before
    assert backups(shop_dir)[0].stamp == kept.stamp
    restore(kept)
    assert _texts(shop_dir) == before
    assert len(backups(shop_dir)) == 2  # restoring kept what it replaced, too



def test_no_backups_yet_and_files_outside_the_bot(shop_dir: Path, tmp_path: Path) -> None:
    assert backups(shop_dir) == [] and backups(shop_dir / "bot.yml") == []
    outside = tmp_path / "elsewhere.yml"
    outside.write_text("x: 1\n")
    with pytest.raises(SaveError, match="outside the bot's folder"):
        keep_backup(shop_dir, [(outside, False)])
