"""``igbot dashboard LOGS --bot BOT``: the Dashboard and the Explorer served by Voilà on 127.0.0.1.

The logs are read once here (a load that reads nothing is a one-line error, before any server
starts) and handed to the notebook shipped in the package (``dashboard.ipynb``) as one Parquet
file in a temporary folder, removed when the server stops.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from igbot._errors import IgbotError
from igbot.kataml import load_bot

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``dashboard`` subcommand."""
    parser = subparsers.add_parser(
        "dashboard", help="serve a dashboard of conversation logs (Voilà, on 127.0.0.1)",
        description=__doc__)
    parser.add_argument("logs", nargs="+", metavar="LOGS", help="files, folders, zips or globs")
    parser.add_argument("--bot", help="the Kata-ML bot that wrote the log (end states, "
                                      "fallback flow, ice breakers)")
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    parser.add_argument("--gap", default="30min", help="session gap (default 30min)")
    parser.add_argument("--tz", default="UTC", help="time zone of days, weeks and months")
    parser.add_argument("--input-format", default="auto",
                        help="auto, igbot_log, parquet, webhooks, graph, dyi or csv")
    parser.set_defaults(func=_dashboard)


def _fail(message: str) -> int:
    sys.stderr.write(f"igbot dashboard: {message}\n")
    return 1


def _dashboard(args: argparse.Namespace) -> int:
    # pandas (and the analytics modules built on it) load when the command runs, not with `igbot`
    import pandas as pd

    from igbot.analytics._load import load
    from igbot.analytics._log import save
    from igbot.analytics._sessions import MetricParams

    if not getattr(args, "verbose", False):  # problems are summed up in our one line
        logging.getLogger("igbot.analytics").setLevel(logging.ERROR)
    if importlib.util.find_spec("voila") is None:
        return _fail("needs Voilà: pip install 'igbot[dashboard]'")
    try:
        bot_path = str(Path(args.bot).resolve()) if args.bot else None
        if bot_path:
            load_bot(bot_path)
        try:
            pd.Timestamp("2024-01-01").tz_localize(args.tz)
        except KeyError:  # zoneinfo's ZoneInfoNotFoundError
            return _fail(f"unknown time zone {args.tz!r} (--tz wants e.g. Asia/Jakarta)")
        try:
            positive = pd.Timedelta(args.gap) > pd.Timedelta(0)
        except ValueError:
            positive = False
        if not positive:
            return _fail(f"--gap wants a positive duration such as 30min or 2h, got {args.gap!r}")
        MetricParams.make({"gap": args.gap, "tz": args.tz})
        df = load(args.logs, format=args.input_format, tz=args.tz, progress=None)
    except (OSError, ValueError, IgbotError) as exc:
        return _fail(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    if df.empty:
        problems = df.attrs.get("problems", [])
        why = f": {problems[0]['file']}: {problems[0]['reason']}" if problems else ""
        return _fail(f"nothing was loaded from {' '.join(args.logs)}{why}")
    folder = Path(tempfile.mkdtemp(prefix="igbot-dashboard-"))
    save(df, folder / "events.parquet")
    port = args.port or _free_port()
    settings = {"logs": str(folder / "events.parquet"), "bot": bot_path,
                "params": {"gap": args.gap, "tz": args.tz}}
    notebook = Path(__file__).with_name("dashboard.ipynb")
    env = {**os.environ, "IGBOT_DASHBOARD": json.dumps(settings)}
    log = (folder / "voila.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}",
         "--Voila.ip=127.0.0.1"],
        env=env, cwd=folder, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    previous = signal.signal(signal.SIGTERM, _stop)  # a terminated CLI stops its server too
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                err = (folder / "voila.log").read_text(errors="replace")
                last = [line for line in err.splitlines() if line.strip()][-1:] or ["no output"]
                return _fail(f"Voilà stopped (exit {proc.returncode}): {last[0]}")
            try:
                httpx.get(url + "api", timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    return _fail(f"Voilà did not answer on {url} within 90 s")
                time.sleep(0.3)
        sys.stdout.write(f"igbot dashboard: {len(df):,} events at {url} (Ctrl+C stops)\n")
        sys.stdout.flush()
        proc.wait()
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        log.close()
        shutil.rmtree(folder, ignore_errors=True)
        signal.signal(signal.SIGTERM, previous)


def _stop(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
