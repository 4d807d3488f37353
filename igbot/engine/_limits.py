"""Meta's limits applied to what the engine sends (lenient by default, like Instagram itself)."""

from __future__ import annotations

import logging
from typing import Any

from igbot.models import SendMessageRequest, apply_limits

__all__ = ["finalize_message"]

logger = logging.getLogger(__name__)


def finalize_message(body: dict[str, Any], mode: str, warnings: list[str]) -> list[dict[str, Any]]:
    """Validate a Send API body against Meta's limits.

    ``lenient``: split text over 1,000 bytes, trim titles, keep the first 13 quick replies (and
    so on), each change added to ``warnings``. ``strict``: raise :class:`igbot.LimitError`.
    Returns the bodies to send, exactly as Meta's JSON.
    """
    request = SendMessageRequest.model_validate(body)
    result = apply_limits(request, mode=mode)  # type: ignore[arg-type]
    warnings.extend(str(w) for w in result.warnings)
    return [r.model_dump(mode="json", exclude_none=True, by_alias=True) for r in result.requests]
