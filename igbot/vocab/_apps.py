"""Meta's apps igbot meets in webhooks and thread control, by id (one definition each).

An id is a string everywhere in igbot: webhooks carry it as a number or as text (``app_id`` of an
echo, ``new_owner_app_id`` of a thread-control event), and callers compare ``str(value)``.
"""

from __future__ import annotations

__all__ = ["INBOX_APP_IDS", "INSTAGRAM_INBOX_APP_ID", "PAGE_INBOX_APP_ID"]

INSTAGRAM_INBOX_APP_ID = "1217981644879628"
"""Meta's Inbox for Instagram accounts: where a thread goes when the bot hands it to people."""

PAGE_INBOX_APP_ID = "263902037430900"
"""Meta's Page Inbox (Messenger; the same agents' tool for Facebook Pages)."""

INBOX_APP_IDS: frozenset[str] = frozenset({INSTAGRAM_INBOX_APP_ID, PAGE_INBOX_APP_ID})
"""Apps whose sends are a human agent's, not a bot's."""
