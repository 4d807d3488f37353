"""The words of lint: the codes with their levels, a :class:`Finding`, and the :class:`Reporter`
the checks call. The checks (``_lint_flow``, ``_lint_expr``, ``_lint_content``) and :func:`lint`
all speak these.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal, Protocol

__all__ = ["LINT_CODES", "Finding", "Level", "Reporter"]

Level = Literal["error", "warning", "info"]

LINT_CODES: dict[str, tuple[Level, str]] = {
    # loading and keys
    "load-error": ("error", "the bot cannot be loaded (bad YAML, missing include, wrong type)"),
    "duplicate-key": ("warning", "a key written twice in one mapping: only the last one counts"),
    "unknown-key": ("info", "a key Kata-ML does not define (kept, but the platform ignores it)"),
    "unknown-schema": ("warning", "schema is neither kata.ai/schema/kata-ml/1.0 nor kataml"),
    "expression-syntax": ("error", "a condition, mapping or $(...) that does not parse"),
    # flow structure
    "no-initial-state": ("error", "a flow with no initial state"),
    "several-initial-states": ("error", "a flow with more than one initial state"),
    "missing-state": ("error", "a transition to a state the flow does not have"),
    "undefined-action": ("error", "a state action that is neither a flow action nor a type"),
    "unreachable-state": ("warning", "a state no transition leads to from the initial state"),
    "no-fallback-transition": ("warning", "a non-end state where a message can match nothing"),
    "unknown-intent": ("warning", "a transition condition naming an intent the flow lacks"),
    "unused-intent": ("info", "an intent no transition condition names (not initial/fallback)"),
    "unused-action": ("info", "an action no state runs"),
    "no-fallback-flow": ("warning", "no flow has fallback: true: unmatched messages get no reply"),
    # NLUs and methods
    "unknown-nlu": ("error", "a classifier or attribute naming an NLU the bot lacks"),
    "unknown-nlu-type": ("warning", "an NLU type igbot does not know"),
    "unused-nlu": ("info", "an NLU no intent uses"),
    "cloud-nlu": ("warning", "a cloud NLU with no classifier plugged in: the intent never matches"),
    "undefined-method": ("error", "a mapping or NLU naming a JS method that is not defined"),
    "js-unavailable": ("error", "a JS method is used but no JS engine (quickjs) is installed"),
    # Instagram
    "limit-exceeded": ("error", "static content over a Meta limit Instagram rejects or drops"),
    "limit-adjusted": ("warning", "static content over a Meta limit: cut or split when sent"),
    "line-sticker": ("warning", "a LINE sticker: sent as Instagram's like_heart sticker instead"),
    "line-location": ("warning", "a location message: sent as a text with a map link instead"),
    "line-imagemap": ("error", "a LINE imagemap: Instagram has none; nothing is sent"),
    "unknown-template-type": ("warning", "a template type igbot cannot render on Instagram"),
    "incomplete-card": ("error", "a card with only a title: Meta needs one more field; not sent"),
    "image-without-url": ("error", "an image action with no url: nothing can be sent"),
    "bad-sender-action": ("error", "a senderAction/react action Instagram cannot perform"),
    "bad-comment-action": ("error", "a commentReply with no text or over 2,200 characters"),
    "share-without-post": ("error", "a template share with no items.postId"),
    "bad-persistent-menu": ("error", "config.instagram.persistent_menu that Meta would refuse"),
    "bad-thread-control": ("error", "config.instagram.thread_control or an extension Meta refuses"),
    "non-web-button": ("warning", "a url button that is not http(s): Instagram cannot open it"),
    "unsupported-button": ("warning", "a button type Instagram has no counterpart for"),
    "unsupported-quick-reply": ("warning", "a quick reply type other than text"),
    "yaml-boolean": ("warning", "unquoted Yes/No/On/Off read as a boolean where text is shown"),
    "schedule-action": ("warning", "a schedule action: Instagram forbids unprompted messages"),
    "async-api-action": ("warning", "an asyncApi action: its reply would arrive unprompted"),
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One lint finding: what, how bad, and exactly where."""

    level: Level
    code: str
    message: str
    file: str | None = None
    path: str | None = None
    line: int | None = None
    flow: str | None = None
    state: str | None = None
    intent: str | None = None
    action: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The finding as plain JSON-ready data."""
        return asdict(self)

    def __str__(self) -> str:
        where = f"{self.file or '<bot>'}:{self.path or ''}"
        return f"{self.level} {self.code} {where} {self.message}"


class Reporter(Protocol):
    """What the checks call to report a finding (the path locates it in the files)."""

    def __call__(self, code: str, message: str, path: str, *, flow: str | None = None,
                 state: str | None = None, intent: str | None = None,
                 action: str | None = None) -> None: ...
