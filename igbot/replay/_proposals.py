"""``try_proposals``: replay a log with each proposed intent added, and count the fallbacks it
would have removed.

The proof for :meth:`igbot.analytics.MissTopic.proposal`: the same sessions go through the bot
as it is and through the bot with the proposal applied (each alone, then all together); a
fallback removed is a replayed message that the bot answered with a fallback before and not
after. Messages a proposal matched that were *not* fallbacks before (it took them from another
intent) are counted too, as ``taken``: a keyword too broad shows up there.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from igbot.analytics import IntentProposal, load
from igbot.kataml import Bot, load_bot
from igbot.replay._replay import replay
from igbot.replay._result import ReplayResult

__all__ = ["PROPOSAL_COLUMNS", "try_proposals"]

PROPOSAL_COLUMNS = ("proposal", "keywords", "fallbacks_before", "fallbacks_after", "removed",
                    "removed_share", "matched", "taken")


def _row(name: str, keywords: str, before: ReplayResult, after: ReplayResult,
         intents: set[str]) -> dict[str, Any]:
    key = ["session_id", "index"]
    old = before.messages.set_index(key)["is_fallback"].astype(bool)
    new = after.messages.set_index(key)
    new_fb = new["is_fallback"].astype(bool).reindex(old.index, fill_value=False)
    matched = new["intent"].astype("string").isin(list(intents)).reindex(old.index,
                                                                         fill_value=False)
    removed = int((old & ~new_fb).sum())
    n_before = int(old.sum())
    return {"proposal": name, "keywords": keywords, "fallbacks_before": n_before,
            "fallbacks_after": int(new_fb.sum()), "removed": removed,
            "removed_share": removed / n_before if n_before else 0.0,
            "matched": int(matched.sum()), "taken": int((matched & ~old).sum())}


def try_proposals(bot: Bot | str | Path, log: Any, proposals: Sequence[IntentProposal], *,
                  each: bool = True, together: bool = True, progress: bool | None = False,
                  **replay_options: Any) -> pd.DataFrame:
    """How many fallbacks each proposal would have removed on ``log``.

    Args:
        bot: the bot that answered the log (loaded, or a path).
        log: a canonical frame or paths :func:`igbot.analytics.load` reads.
        proposals: from :meth:`igbot.analytics.MissTopic.proposal`.
        each: a row per proposal (one replay each).
        together: add a row ``(all)`` with every proposal applied at once.
        progress: tqdm bars of the replays.
        replay_options: passed to :func:`igbot.replay.replay` (``gap``, ``api``, ``seed``, ...).
    Returns:
        One row per proposal: :data:`PROPOSAL_COLUMNS`.
    Raises:
        igbot.analytics.ProposalError: a proposal's name is taken in the bot.
    """
    base = load_bot(bot) if isinstance(bot, str | Path) else bot
    if not isinstance(log, pd.DataFrame):
        log = load(log)
    before = replay(base, log, progress=progress, **replay_options)
    rows = []
    for proposal in proposals if each else []:
        after = replay(proposal.apply(base), log, progress=progress, **replay_options)
        rows.append(_row(proposal.name, ", ".join(proposal.keywords), before, after,
                         {proposal.name}))
    if together and (len(proposals) > 1 or not each):
        combined = base
        for proposal in proposals:
            combined = proposal.apply(combined)
        after = replay(combined, log, progress=progress, **replay_options)
        rows.append(_row("(all)", "", before, after, {p.name for p in proposals}))
    return pd.DataFrame(rows, columns=list(PROPOSAL_COLUMNS))
