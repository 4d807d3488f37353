"""``load``: any supported input (or several) into one canonical frame, detecting the format.

Formats: ``igbot_log`` (JSON lines, :data:`LOG_FIELDS`), ``parquet`` (written by :func:`save`),
``webhooks`` (one body a line), ``graph`` (Conversations export pages), ``dyi`` (Instagram's
"Download your information" folder or zip) and ``csv`` (agent inbox, with ``columns=``).
"""

from __future__ import annotations

import glob
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from igbot.analytics._load_csv import load_csv
from igbot.analytics._load_dyi import is_dyi_path, load_dyi
from igbot.analytics._load_graph import graph_object_kind, load_graph
from igbot.analytics._load_postgres import is_postgres_url, load_postgres
from igbot.analytics._load_webhooks import INBOX_APP_IDS, load_webhooks
from igbot.analytics._log import read_jsonl_log, read_parquet
from igbot.analytics._schema import Problems, concat_frames

__all__ = ["FORMATS", "detect_format", "load", "why_empty"]

FORMATS = ("auto", "igbot_log", "parquet", "webhooks", "graph", "dyi", "csv")
_PEEK = 1 << 16
_WHOLE_LIMIT = 256 << 20


def _classify(obj: Any) -> str | None:
    if isinstance(obj, list):
        return "graph" if obj and all(isinstance(p, dict) and "data" in p for p in obj) else None
    if not isinstance(obj, dict):
        return None
    if "object" in obj and "entry" in obj:
        return "webhooks"
    if "conversation_id" in obj and ("kind" in obj or "direction" in obj):
        return "igbot_log"
    if isinstance(obj.get("data"), list) or graph_object_kind(obj):
        return "graph"  # a single Graph object is read by load_graph, which says why it skips it
    if "participants" in obj and "messages" in obj:
        return "dyi"
    return None


def detect_format(path: str | Path) -> str | None:
    """The format of one input (see :data:`FORMATS`), or None when it is not recognised."""
    path = Path(path)
    suffix = path.suffix.lower()
    if path.is_dir() or suffix == ".zip":
        return "dyi" if is_dyi_path(path) else None
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix in (".csv", ".tsv"):
        return "csv"
    try:
        with open(path, "rb") as fh:
            head = fh.read(_PEEK)
    except OSError:
        return None
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \r\n\t")
    first = text.split("\n", 1)[0]
    try:
        found = _classify(json.loads(first))
        if found:
            return found
    except ValueError:
        pass
    if text[:1] in "[{" and path.stat().st_size <= _WHOLE_LIMIT:
        try:
            return _classify(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, UnicodeDecodeError):
            return None
    return None


def _expand(path_or_paths: str | Path | Iterable[str | Path]) -> list[Path]:
    items = [path_or_paths] if isinstance(path_or_paths, str | Path) else list(path_or_paths)
    out: list[Path] = []
    for item in items:
        text = str(item)
        if any(ch in text for ch in "*?[") and not Path(text).exists():
            out.extend(Path(p) for p in sorted(glob.glob(text, recursive=True)))
        else:
            out.append(Path(item))
    return out


def load(path_or_paths: str | Path | Iterable[str | Path], format: str = "auto", *,
         progress: bool | None = None, account: str | None = None, owner: str | None = None,
         columns: Mapping[str, str] | None = None,
         values: Mapping[str, Mapping[str, str]] | None = None, tz: str = "UTC",
         out_role: str = "bot", agent_app_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Load conversation data into the canonical frame (see ``SCHEMA``), sorted by
    conversation and time.

    Args:
        path_or_paths: a file, a folder (a DYI export, or a folder of files), a zip, a glob, a
            ``postgresql://`` URL (the log table of ``igbot serve --database``), or a list of
            these; each is detected on its own unless ``format`` says.
        format: one of :data:`FORMATS`.
        progress: show tqdm progress bars (None: only on a terminal).
        account: Graph API exports: the account's id or username if it cannot be inferred.
        owner: DYI exports: the owner's name if it cannot be inferred.
        columns: CSV: canonical name -> CSV header (``conversation_id``, ``timestamp``, ``role``
            or ``direction``, optional ``text``, ``kind``, ``agent``, ...).
        values: CSV: extra value mappings, e.g. ``{"role": {"Kunde": "user"}}``.
        tz: CSV: the time zone of naive times.
        out_role: Graph/DYI: the role of the account's messages (they cannot tell bot from agent).
        agent_app_ids: webhooks: app ids of agent inboxes (default Meta's inboxes).
    Returns:
        The frame; ``df.attrs["skipped"]`` counts skipped records and files and
        ``df.attrs["problems"]`` lists them as ``{"file", "line", "reason"}``.
    Raises:
        FileNotFoundError: a path does not exist. AccountUnknownError: see ``account``/``owner``.
        ConnectionError: a ``postgresql://`` database cannot be read.
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    problems = Problems()
    groups: dict[str, list[Path]] = {}
    items = [path_or_paths] if isinstance(path_or_paths, str | Path) else list(path_or_paths)
    frames: list[pd.DataFrame] = [load_postgres(str(u), problems, progress)
                                  for u in items if is_postgres_url(u)]
    inputs = _expand([u for u in items if not is_postgres_url(u)])
    for path in inputs:
        if not path.exists():
            raise FileNotFoundError(f"no such file or folder: {path}")
        if path.is_file() and path.stat().st_size == 0:
            problems.add(str(path), None, "empty file")
            continue
        fmt = format if format != "auto" else detect_format(path)
        if fmt is None and path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                child_fmt = detect_format(child) if child.stat().st_size else None
                if child.stat().st_size == 0:
                    problems.add(str(child), None, "empty file")
                elif child_fmt is None:
                    problems.add(str(child), None, "format not recognised")
                else:
                    groups.setdefault(child_fmt, []).append(child)
            continue
        if fmt is None:
            problems.add(str(path), None, "format not recognised (pass format=)")
            continue
        groups.setdefault(fmt, []).append(path)
    from tqdm.auto import tqdm

    files = tqdm(total=sum(len(v) for v in groups.values()), desc="files", unit=" file",
                 delay=1.0, leave=False, disable=None if progress is None else not progress)
    for fmt, paths in groups.items():
        if fmt in ("igbot_log", "parquet", "csv"):
            for path in paths:  # one file at a time: the bar moves as each is read
                if fmt == "igbot_log":
                    frames.append(read_jsonl_log(path, problems, progress=progress))
                elif fmt == "parquet":
                    frames.append(read_parquet(path, problems, progress=progress))
                else:
                    frames.append(load_csv(path, problems, columns, values, tz))
                files.update()
            continue
        files.update(len(paths))
        if fmt == "graph":
            frames.append(load_graph(paths, problems, account, out_role))
        elif fmt == "dyi":
            frames.append(load_dyi(paths, problems, owner, out_role))
        elif fmt == "webhooks":
            frames.append(load_webhooks(paths, problems, agent_app_ids or INBOX_APP_IDS,
                                        progress))
    files.close()
    df = problems.attach(concat_frames(frames))
    df.attrs["inputs"] = [str(p) for p in inputs]
    return df


def why_empty(df: pd.DataFrame) -> list[tuple[str, str]]:
    """For a frame :func:`load` returned: each input with why it gave no event (one line each).

    Uses ``df.attrs["inputs"]`` and ``df.attrs["problems"]``: a file-level problem (unknown
    format, unusable CSV columns, empty file), else how many records were skipped and the first
    reason, else "no events in it".
    """
    problems = df.attrs.get("problems", [])
    out: list[tuple[str, str]] = []
    for given in df.attrs.get("inputs", []):
        inside = [p for p in problems if p["file"] == given
                  or p["file"].startswith(given.rstrip("/") + "/")]
        if not inside:
            out.append((given, "no events in it"))
            continue
        files = [p for p in inside if not p["line"]]
        lines = [p for p in inside if p["line"]]
        if files and not lines and len(files) == 1:
            out.append((files[0]["file"], files[0]["reason"]))
            continue
        parts = []
        if files:
            parts.append(f"{len(files)} file(s) unusable (first: {files[0]['file']}: "
                         f"{files[0]['reason']})")
        if lines:
            first = lines[0]
            parts.append(f"{len(lines)} record(s) skipped (first: line {first['line']}: "
                         f"{first['reason']})")
        out.append((given, "; ".join(parts)))
    return out
