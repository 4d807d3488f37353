"""``igbot persistent-menu``: set, show or delete the account's persistent menu.

A bot declares its menu in ``config.instagram.persistent_menu`` (a list of items, or Meta's
locale form); a tap arrives as a postback whose payload the bot's intents match, like a
button's. Uses ``IGBOT_ACCESS_TOKEN``, ``IGBOT_GRAPH_URL`` and ``IGBOT_ACCOUNT_ID``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from igbot._errors import IgbotError
from igbot.channel._client import GraphClient
from igbot.kataml import Bot, load_bot
from igbot.models import PersistentMenuRequest, normalise_menu

__all__ = ["load_persistent_menu", "persistent_menu_from_bot", "profile_command", "register"]


def persistent_menu_from_bot(bot: Bot) -> list[dict[str, Any]]:
    """The bot's ``config.instagram.persistent_menu``, checked, in Meta's locale form.

    Raises:
        ValueError: the bot declares none.
        pydantic.ValidationError: Meta would refuse it (the field and the limit named).
    """
    declared = ((bot.config or {}).get("instagram") or {}).get("persistent_menu")
    if not declared:
        raise ValueError(f"bot {bot.name!r} declares no config.instagram.persistent_menu")
    return _checked(declared)


def load_persistent_menu(path: str | Path) -> list[dict[str, Any]]:
    """A persistent menu from a bot (``bot.yml`` or its folder) or a JSON/YAML file holding the
    list itself or ``{"persistent_menu": [...]}``."""
    path = Path(path)
    if path.is_dir() or path.name in ("bot.yml", "bot.yaml"):
        return persistent_menu_from_bot(load_bot(path))
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if isinstance(data, dict) and "persistent_menu" in data:
        data = data["persistent_menu"]
    if not data:
        raise ValueError(f"{path}: no persistent menu in the file")
    return _checked(data)


def _checked(menu: Any) -> list[dict[str, Any]]:
    request = PersistentMenuRequest.model_validate({"persistent_menu": normalise_menu(menu)})
    return [m.model_dump(exclude_none=True) for m in request.persistent_menu]


def register(subparsers: Any) -> None:
    """Add ``persistent-menu set|get|delete``."""
    menu = subparsers.add_parser("persistent-menu", help="set, show or delete the persistent menu",
                                 description=__doc__)
    actions = menu.add_subparsers(dest="menu_action", metavar="ACTION", required=True)
    put = actions.add_parser("set", help="set it from a bot (config.instagram.persistent_menu) "
                                         "or a JSON/YAML file")
    put.add_argument("file", help="bot.yml, a bot folder, or a JSON/YAML list")
    put.add_argument("--dry-run", action="store_true", help="check it, send nothing")
    actions.add_parser("get", help="print the current menu as JSON")
    actions.add_parser("delete", help="remove it")
    menu.set_defaults(func=_run)


def profile_command(command: str, field: str, action: str,
                    items: list[dict[str, Any]] | None = None) -> int:
    """``set``, ``get`` or ``delete`` one Messenger Profile field (``ice_breakers``,
    ``persistent_menu``) with the client the environment configures: prints Meta's answer as
    JSON, or one line ``igbot <command>: <reason>``; returns the exit code."""
    try:
        graph = GraphClient.from_env()
    except ValueError as exc:
        print(f"igbot {command}: {exc}", file=sys.stderr)
        return 2
    try:
        with graph as client:
            setter, getter, deleter = {
                "ice_breakers": (client.set_ice_breakers, client.get_ice_breakers,
                                 client.delete_ice_breakers),
                "persistent_menu": (client.set_persistent_menu, client.get_persistent_menu,
                                    client.delete_persistent_menu),
            }[field]
            if action == "set":
                setter(items or [])
                print(json.dumps({"set": items}, ensure_ascii=False))
            elif action == "get":
                print(json.dumps(getter(), ensure_ascii=False))
            else:
                deleter()
                print(json.dumps({"deleted": True}))
    except IgbotError as exc:
        print(f"igbot {command}: {exc}", file=sys.stderr)
        return 1
    return 0


def _fail(message: str, code: int = 2) -> int:
    print(f"igbot persistent-menu: {message}", file=sys.stderr)
    return code


def _run(args: argparse.Namespace) -> int:
    items = None
    if args.menu_action == "set":
        try:
            items = load_persistent_menu(args.file)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"])
            return _fail(f"{args.file}: persistent_menu.{where}: {first['msg']}")
        except (IgbotError, OSError, ValueError, yaml.YAMLError) as exc:
            return _fail(str(exc))
        if args.dry_run:
            print(json.dumps(items, ensure_ascii=False))
            return 0
    return profile_command("persistent-menu", "persistent_menu", args.menu_action, items)
