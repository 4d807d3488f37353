"""``igbot serve``, ``igbot resolve``, ``igbot agent-send`` and ``igbot ice-breakers``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

__all__ = ["register"]

DEFAULT_URL = "http://127.0.0.1:8000"


def register(subparsers: Any) -> None:
    """Add the webhook server's commands to the ``igbot`` command line."""
    serve = subparsers.add_parser(
        "serve", help="serve a bot on Instagram's webhooks",
        description="Serve BOT behind Meta's webhooks. Secrets come from the environment: "
                    "IGBOT_APP_SECRET, IGBOT_VERIFY_TOKEN, IGBOT_ACCESS_TOKEN (required), "
                    "IGBOT_ADMIN_TOKEN (enables /api/*); also IGBOT_GRAPH_URL, "
                    "IGBOT_ACCOUNT_ID, IGBOT_APP_ID, IGBOT_AGENT_APP_ID.")
    serve.add_argument("bot", help="bot.yml or the folder holding it")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port (0: any free port)")
    serve.add_argument("--data-dir", default="./igbot-data", help="inbox, state and log.jsonl")
    serve.add_argument("--workers", type=int, default=4, help="worker threads")
    serve.add_argument("--database", default=None, metavar="URL",
                       help="postgresql://... (default $IGBOT_DATABASE_URL): keep everything in "
                            "PostgreSQL, shared by several `igbot serve` processes; unset: "
                            "SQLite in --data-dir (one process)")
    serve.add_argument("--send-rate", type=float, default=100.0,
                       help="Send API calls per second (0: unpaced)")
    serve.add_argument("--echo-grace", type=float, default=10.0,
                       help="after a crash, seconds to wait for Meta's echo of an interrupted send")
    serve.add_argument("--reorder-window", type=float, default=1.0,
                       help="seconds to hold a person's message for an earlier one arriving "
                            "late, to process them in the order sent (0: arrival order)")
    serve.add_argument("--max-sends", type=int, default=10,
                       help="messages one incoming event may send; the rest are dropped, logged")
    serve.add_argument("--processing-processes", type=int, default=None, choices=(0, 1),
                       help="1: run the workers, the Graph calls and the log writer in a "
                            "process of their own, so they never hold up the 200s (SQLite; "
                            "default 1 with two cores or more, else 0); 0: in this process")
    serve.add_argument("--request-timeout", type=float, default=10.0,
                       help="seconds a client may take to send a request's head, and again "
                            "its body (then 408, connection closed)")
    serve.set_defaults(func=_serve)

    for name, help_text in (("resolve", "give a conversation back to the bot"),
                            ("agent-send", "send a human agent's reply through the server")):
        parser = subparsers.add_parser(name, help=help_text)
        parser.add_argument("user", help="the person's Instagram-scoped id (IGSID)")
        if name == "agent-send":
            parser.add_argument("text", help="the message")
        parser.add_argument("--url", default=os.environ.get("IGBOT_SERVER_URL", DEFAULT_URL),
                            help="the running server (default $IGBOT_SERVER_URL or "
                                 f"{DEFAULT_URL}); uses $IGBOT_ADMIN_TOKEN")
        parser.set_defaults(func=_resolve if name == "resolve" else _agent_send)

    db = subparsers.add_parser(
        "db", help="the PostgreSQL database of `igbot serve --database`",
        description="URL: --database or $IGBOT_DATABASE_URL (postgresql://user:pass@host/db).")
    db_actions = db.add_subparsers(dest="db_action", metavar="ACTION", required=True)
    up = db_actions.add_parser("upgrade", help="create or migrate the tables to this igbot's "
                                               "schema version")
    status = db_actions.add_parser("status", help="print the schema version and row counts")
    export = db_actions.add_parser("export-log", help="write the conversation log to a JSONL "
                                                      "or Parquet file")
    export.add_argument("output", help="FILE.jsonl or FILE.parquet")
    for sub in (up, status, export):
        sub.add_argument("--database", default=None, metavar="URL",
                         help="default $IGBOT_DATABASE_URL")
    db.set_defaults(func=_db)

    ice = subparsers.add_parser("ice-breakers", help="set, show or delete the ice breakers",
                                description="Uses IGBOT_ACCESS_TOKEN, IGBOT_GRAPH_URL and "
                                            "IGBOT_ACCOUNT_ID.")
    actions = ice.add_subparsers(dest="ice_action", metavar="ACTION", required=True)
    put = actions.add_parser("set", help="set them from a bot (config.instagram.ice_breakers) "
                                         "or a JSON/YAML file")
    put.add_argument("file", help="bot.yml, a bot folder, or a JSON/YAML list")
    put.add_argument("--dry-run", action="store_true", help="check them, send nothing")
    actions.add_parser("get", help="print the current ones as JSON")
    actions.add_parser("delete", help="remove them")
    ice.set_defaults(func=_ice_breakers)


def _fail(command: str, message: str, code: int = 2) -> int:
    print(f"igbot {command}: {message}", file=sys.stderr)
    return code


def _serve(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from igbot._errors import IgbotError
    from igbot.server._config import ServerConfig
    from igbot.server._runner import serve

    try:
        config = ServerConfig.from_env(
            host=args.host, port=args.port, data_dir=args.data_dir, workers=args.workers,
            send_rate=args.send_rate, echo_grace=args.echo_grace,
            reorder_window=args.reorder_window, max_sends=args.max_sends,
            request_timeout=args.request_timeout, database=args.database,
            processing_processes=_processing_processes(args))
        from igbot.kataml import load_bot
        from igbot.server._server import WebhookServer

        server = WebhookServer(load_bot(args.bot), config)  # takes the data directory's lock
    except IgbotError as exc:
        return _fail("serve", str(exc))
    except ValidationError as exc:  # a bad option value (named, never echoed)
        return _fail("serve", "; ".join(f"--{'.'.join(map(str, e['loc'])).replace('_', '-')}: "
                                        f"{e['msg']}" for e in exc.errors()))
    if config.database is not None:
        from igbot.server._postgres import safe_url

        where = f"database {safe_url(config.database.get_secret_value())}"
    else:
        where = f"data in {config.data_dir}"
    print(f"igbot serve: {server.bot.name!r} on http://{config.host}:{config.port}/webhook "
          f"({where})", file=sys.stderr)
    serve(server)
    return 0


def _processing_processes(args: argparse.Namespace) -> int:
    """``--processing-processes``, or its default: 1 on SQLite with two cores or more."""
    if args.processing_processes is not None:
        return int(args.processing_processes)
    if args.database or os.environ.get("IGBOT_DATABASE_URL"):
        return 0  # several servers share the work on PostgreSQL: one process each
    return 1 if (os.cpu_count() or 1) >= 2 else 0


def _db(args: argparse.Namespace) -> int:
    from igbot._errors import IgbotError
    from igbot.server._postgres import export_log, is_postgres_url, safe_url, table_counts, upgrade

    url = args.database or os.environ.get("IGBOT_DATABASE_URL")
    if not url:
        return _fail("db", "set --database or IGBOT_DATABASE_URL (a postgresql:// URL)")
    if not is_postgres_url(url):
        return _fail("db", "--database / IGBOT_DATABASE_URL: expected a postgresql:// URL")
    try:
        if args.db_action == "upgrade":
            before, after = upgrade(url)
            said = "already at" if before == after else f"upgraded from {before} to"
            print(f"igbot db: {safe_url(url)} {said} schema version {after}")
        elif args.db_action == "status":
            print(json.dumps(table_counts(url)))
        elif args.output.endswith((".parquet", ".pq")):
            from igbot.analytics import load, save

            frame = load(url, progress=False)
            save(frame, args.output)
            print(f"igbot db: {len(frame)} log lines written to {args.output}")
        else:
            count = export_log(url, args.output)
            print(f"igbot db: {count} log lines written to {args.output}")
    except (IgbotError, OSError) as exc:
        return _fail("db", str(exc), 1)
    return 0


def _admin_call(command: str, url: str, path: str, data: dict[str, Any]) -> int:
    import httpx

    token = os.environ.get("IGBOT_ADMIN_TOKEN")
    if not token:
        return _fail(command, "set IGBOT_ADMIN_TOKEN (the server's admin token)")
    try:
        response = httpx.post(url.rstrip("/") + path, json=data, timeout=60,
                              headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError as exc:
        return _fail(command, f"cannot reach the server at {url}: {type(exc).__name__}", 1)
    try:
        answer = response.json()
    except ValueError:
        answer = {"error": {"message": response.text}}
    if response.status_code != 200:
        error = answer.get("error", answer) if isinstance(answer, dict) else answer
        return _fail(command, f"{response.status_code}: {json.dumps(error)}", 1)
    print(json.dumps(answer))
    return 0


def _resolve(args: argparse.Namespace) -> int:
    return _admin_call("resolve", args.url, "/api/resolve", {"user": args.user})


def _agent_send(args: argparse.Namespace) -> int:
    return _admin_call("agent-send", args.url, "/api/agent/send",
                       {"user": args.user, "text": args.text})


def _ice_breakers(args: argparse.Namespace) -> int:
    from igbot._errors import IgbotError
    from igbot.channel import profile_command
    from igbot.server._icebreakers import load_ice_breakers

    items = None
    if args.ice_action == "set":
        try:
            items = load_ice_breakers(args.file)
        except (IgbotError, OSError) as exc:
            return _fail("ice-breakers", str(exc))
        if args.dry_run:
            print(json.dumps(items, ensure_ascii=False))
            return 0
    return profile_command("ice-breakers", "ice_breakers", args.ice_action, items)
