"""Simulated conversations: people writing to a shop's Instagram bot, for sample logs and benchmarks.

The bot is the real flow engine running a Kata-ML bot (by default the sample shop bot in
``data/bots/shop``); the people, their timing and the human agents are simulated.

- :func:`generate_events` simulates people over days and returns canonical log records;
  :func:`write_all` writes them in every input format :func:`igbot.analytics.load` reads.
- :class:`EngineResponder` is the bot: it turns a simulated message into the Kata message a
  webhook would give and the engine's turn into a :class:`BotTurn` of :class:`Reply` objects;
  any callable of the :data:`Responder` shape can stand in for it.
- ``python -m igbot.sim --out data/logs --people 20 --seed 7`` writes the sample logs.
"""

from __future__ import annotations

from igbot.sim._engine import EngineResponder
from igbot.sim._formats import write_all
from igbot.sim._generate import generate_events
from igbot.sim._turn import BotTurn, Reply, Responder

__all__ = ["BotTurn", "EngineResponder", "Reply", "Responder", "generate_events", "write_all"]
