"""Outbound requests drawn as Instagram bubbles in a notebook."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

__all__ = ["requests_html"]


def requests_html(requests: Sequence[Any]) -> str:
    """HTML bubbles for engine requests (messages as bubbles, thread control as a banner)."""
    from igbot.models import SendMessageRequest, render_bubbles

    parts: list[str] = []
    batch: list[Any] = []
    for request in requests:
        if request.endpoint == "messages":
            batch.append(SendMessageRequest.model_validate(request.body))
            continue
        if batch:
            parts.append(render_bubbles(batch))
            batch = []
        target = html.escape(str(request.body.get("target_app_id", "")))
        parts.append(
            '<div style="margin:6px 0;padding:6px 10px;border-radius:8px;background:#fff4e5;'
            'color:#8a4b00;font:13px sans-serif">&#128100; handed over to the agent inbox'
            f" ({html.escape(request.endpoint)} {target})</div>"
        )
    if batch:
        parts.append(render_bubbles(batch))
    return "".join(parts)
