"""The public surface of igbot.channel, and what importing it pulls in."""

from __future__ import annotations

import importlib
import subprocess
import sys

import igbot.channel

MODULES = ["_async_client", "_base", "_client", "_errors", "_policy", "_ratelimit", "_retry",
           "standin._meta", "standin._server"]
INTERNAL = {"DEFAULT_API_VERSION", "ENDPOINTS", "dump_body", "redact", "parse_retry_after",
            "AsyncConversationLocks", "ConversationLocks", "HUMAN_AGENT_WINDOW",
            "PRIVATE_REPLY_WINDOW", "STANDARD_WINDOW", "Role", "DEFAULT_STANDIN_APP_ID", "MetaBehaviour"}


def test_all_is_sorted_and_importable() -> None:
    names = igbot.channel.__all__
    assert names == sorted(names, key=lambda n: (not n.isupper(), n))
    for name in names:
        assert getattr(igbot.channel, name) is not None


def test_every_public_name_is_exported() -> None:
    for mod in MODULES:
        module = importlib.import_module(f"igbot.channel.{mod}")
        for name in module.__all__:
            assert hasattr(module, name), f"{mod}.__all__ lists missing {name}"
            if name not in INTERNAL:
                assert name in igbot.channel.__all__, f"{mod}.{name} not re-exported"


def test_import_stays_light() -> None:
    code = ("import sys, igbot.channel, igbot.channel.standin; "
            "print(sorted(m for m in ('pandas', 'matplotlib', 'networkx', 'ipywidgets') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
