"""Meta's limits applied to what the engine sends (lenient by default, like Instagram itself)."""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from typing import Any

from igbot.models import SendMessageRequest, apply_limits

__all__ = ["finalize_message"]

logger = logging.getLogger(__name__)

_CACHE_SIZE = 4096
# Most replies are static (the same message for everyone), so the checked result is cached by
# the message's content (the caller adds the recipient).
_cache: OrderedDict[tuple[str, str], tuple[str, list[str]]] = OrderedDict()


def finalize_message(message: dict[str, Any], mode: str, warnings: list[str]) -> list[dict[str, Any]]:
    """Validate a Send API message (the body without its recipient) against Meta's limits.

    ``lenient``: split text over 1,000 bytes, trim titles, keep the first 13 quick replies (and
    so on), each change added to ``warnings``. ``strict``: raise :class:`igbot.LimitError`.
    Returns the bodies to send without their recipient, exactly as Meta's JSON otherwise.
    """
    key = (mode, repr(message))
    hit = _cache.get(key)
    if hit is None:
        request = SendMessageRequest.model_validate({"message": message, "recipient": {"id": "_"}})
        result = apply_limits(request, mode=mode)  # type: ignore[arg-type]
        bodies = [r.model_dump(mode="json", exclude_none=True, by_alias=True) for r in result.requests]
        hit = (json.dumps([{k: v for k, v in b.items() if k != "recipient"} for b in bodies]),
               [str(w) for w in result.warnings])
        _cache[key] = hit
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    else:
        _cache.move_to_end(key)
    warnings.extend(hit[1])
    parts: list[dict[str, Any]] = json.loads(hit[0])
    return parts
