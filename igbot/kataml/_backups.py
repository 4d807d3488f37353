"""Backups of a bot's files: what a save replaced, kept so it can be put back.

Each save that writes into a bot's own files first copies every file it replaces into
``.igbot-backups/<stamp>/`` beside the bot's main file, with a ``manifest.json`` listing those
files and the ones the save created. :func:`restore` puts a backup back (and removes the files
that save created), after backing up what it replaces, so a restore can be undone too.
"""

from __future__ import annotations

import datetime as _dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from igbot._errors import IgbotError

__all__ = ["BACKUP_DIR", "Backup", "SaveError", "backups", "keep_backup", "restore"]

BACKUP_DIR = ".igbot-backups"
"""The folder, beside a bot's main file, that keeps the files a save replaced."""


class SaveError(IgbotError, ValueError):
    """A save that cannot be done safely (names the file and what went wrong); nothing written."""


@dataclass
class Backup:
    """The files one save replaced, kept under ``.igbot-backups/<stamp>/``."""

    folder: Path
    root: Path
    files: list[str]
    created: list[str]

    @property
    def stamp(self) -> str:
        return self.folder.name

    def __str__(self) -> str:
        return f"{self.stamp}: {len(self.files)} file(s) replaced, {len(self.created)} created"



def keep_backup(root: Path, files: list[tuple[Path, bool]]) -> Backup:
    """Copy each ``(path, is_new)`` file about to be replaced into a new backup of the bot
    in ``root`` (new files are only listed, so a restore removes them)."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    folder = root / BACKUP_DIR / stamp
    kept: list[str] = []
    created: list[str] = []
    for path, is_new in files:
        if not path.is_relative_to(root):
            raise SaveError(f"{path} is outside the bot's folder {root}: no backup can be "
                            "kept for it")
        rel = str(path.relative_to(root))
        if is_new:
            created.append(rel)
            continue
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        kept.append(rel)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(
        json.dumps({"files": kept, "created": created}, indent=2), encoding="utf-8")
    return Backup(folder, root, kept, created)


def backups(bot: str | Path) -> list[Backup]:
    """The backups kept for the bot at ``bot`` (its folder or main file), newest first."""
    root = _root_of(Path(bot))
    out = []
    for folder in sorted((root / BACKUP_DIR).glob("*"), reverse=True):
        manifest = folder / "manifest.json"
        if not manifest.is_file():
            continue
        data = json.loads(manifest.read_text(encoding="utf-8"))
        out.append(Backup(folder, root, list(data.get("files", [])),
                          list(data.get("created", []))))
    return out


def restore(backup: Backup) -> list[Path]:
    """Put the files of ``backup`` back (and remove the files that save created).

    The files it replaces are backed up first, so a restore can be undone too.
    """
    existing = [(backup.root / rel, False) for rel in [*backup.files, *backup.created]
                if (backup.root / rel).exists()]
    if existing:
        keep_backup(backup.root, existing)
    restored = []
    for rel in backup.files:
        shutil.copyfile(backup.folder / rel, backup.root / rel)
        restored.append(backup.root / rel)
    for rel in backup.created:
        (backup.root / rel).unlink(missing_ok=True)
    return restored


def _root_of(path: Path) -> Path:
    return path.parent if path.suffix.lower() in (".yml", ".yaml") else path
