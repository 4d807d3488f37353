"""Simulated conversations with a shop's Instagram bot, as canonical log records.

People arrive from story replies, story mentions, comments (answered with a private reply), ice
breakers, ad referrals or plain DMs, tap quick-reply menus and promo carousels, type things the bot
does not understand, ask for a human (agents answer late, sometimes after the 24 h window with the
HUMAN_AGENT tag), and come back on later days. The bot is a pluggable ``responder``
(:data:`~igbot.sim.Responder`); by default the real flow engine running the sample shop bot
(``data/bots/shop``). :func:`generate_events` returns canonical records (plus ``_``-prefixed
details the other formats need); :func:`igbot.sim.write_all` writes every input format.
"""

from __future__ import annotations

import random
from typing import Any

from tqdm import tqdm

from igbot.sim._engine import EngineResponder
from igbot.sim._people import entry_of, person, simulate_person, start_time
from igbot.sim._turn import Responder

__all__ = ["generate_events"]


def generate_events(people: int = 200, seed: int = 7, days: int = 14,
                    responder: Responder | None = None,
                    progress: bool | None = None) -> list[dict[str, Any]]:
    """Simulate ``people`` people talking to the shop's bot over ``days`` days.

    Args:
        people: how many people write to the shop.
        seed: seeds the people (and the default bot's choice among text variants).
        days: the span their visits fall in, from Monday 2024-05-06.
        responder: the bot; default :class:`~igbot.sim.EngineResponder` on ``data/bots/shop``.
        progress: a tqdm bar of the people simulated; ``None`` shows it on a terminal only.

    Returns:
        Canonical records (``to_log_record`` keys, timestamps as datetimes) with extra
        ``_person`` (id, name, username), ``_entry`` and ``_comment_id``/``_story_id`` details,
        ordered by time.
    """
    rng = random.Random(seed)
    bot = responder or EngineResponder(seed=seed)
    events: list[dict[str, Any]] = []
    disable = None if progress is None else not progress  # None: tqdm shows it on a terminal only
    for i in tqdm(range(people), desc="people", unit="person", disable=disable):
        who = person(rng, i)
        visits = 1 + min(int(rng.expovariate(1.6)), 4)
        times = sorted(start_time(rng, days) for _ in range(visits))
        session: dict[str, Any] = {"name": who["name"].split()[0]}
        for v, when in enumerate(times):
            events.extend(simulate_person(rng, bot, who, session, when,
                                          entry_of(rng, v == 0), i * 100 + v))
    events.sort(key=lambda e: (e["timestamp"], e["conversation_id"]))
    return events
