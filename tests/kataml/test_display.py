"""How a bot shows itself: the renderer registered from above (graph, widgets), never imported
by kataml; a failing renderer does not hide the bot."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from igbot.kataml import Bot, load_bot_text, register_display
from igbot.kataml._display import _RENDERERS, display_bundle

BOT = """
schema: kata.ai/schema/kata-ml/1.0
name: tiny
flows:
  main:
    states:
      start: {initial: true, end: true}
"""


def test_without_a_renderer_a_bot_is_text_and_its_table() -> None:
    code = ("import sys\nfrom igbot.kataml import load_bot_text\n"
            f"bot = load_bot_text({BOT!r})\n"
            "b = bot._repr_mimebundle_()\n"
            "print(sorted(b), '<table>' in b['text/html'], 'igbot.graph' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['text/html', 'text/plain'] True False"


def test_the_last_registered_renderer_draws_and_errors_do_not_hide_the_bot() -> None:
    bot: Bot = load_bot_text(BOT)
    saved = list(_RENDERERS)

    def broken(_model: Any) -> dict[str, Any]:
        raise RuntimeError("no pen")
    try:
        register_display(lambda model: {"text/html": f"<svg>{model.name}</svg>"})
        assert display_bundle(bot, "<table></table>")["text/html"] == "<table></table><svg>tiny</svg>"
        register_display(broken)
        bundle = bot._repr_mimebundle_()
        assert "no drawing: no pen" in bundle["text/html"] and "<table>" in bundle["text/html"]
        assert bundle["text/plain"] == repr(bot)
    finally:
        _RENDERERS[:] = saved
