"""Instagram messaging as data: webhook events in, Send API requests out, Meta's limits between.

- :func:`parse_webhook` turns a webhook body into typed :class:`Event` objects (time-ordered);
  ``event.to_message()`` gives the Kata message a flow sees. :func:`decode_messages` is its
  fast path for a person's messages and taps: straight to Kata messages (msgspec, no pydantic),
  ``None`` for any body it does not read, which then goes to :func:`parse_webhook`;
  :func:`read_webhook` does both (what the server and the engine read a body with).
- :class:`SendMessageRequest` and friends are the Send API bodies (``model_dump(exclude_none=True)``
  is Meta's JSON); :func:`check_limits` and :func:`apply_limits` hold them to Meta's limits.
- :class:`OutboundRequest` is what the engine (or an agent) sends, typed from the engine to the
  Graph API: read by attribute (``kind``, ``text``, ``quick_replies``, ``taps``, ``log_fields()``),
  its JSON made at the edge (``body``, ``to_json()``); ``OutboundMessage.build_*`` write each
  message shape once.
- :func:`encode_payload`/:func:`decode_payload` carry Kata's object payloads through Instagram's
  string payloads; :func:`render_bubbles` shows a conversation as Instagram-like HTML.

Nothing here imports pandas, matplotlib, networkx or ipywidgets, so a webhook server stays light.
"""

from igbot.models._bubbles import person_bubble_html, render_bubbles
from igbot.models._checks import (
    LimitResult,
    LimitViolation,
    LimitWarning,
    apply_limits,
    apply_message_limits,
    check_limits,
)
from igbot.models._decode import Incoming, decode_messages, read_webhook
from igbot.models._events import (
    Attachment,
    AttachmentEvent,
    Event,
    InlineReplyEvent,
    PostbackEvent,
    QuickReplyEvent,
    StoryReplyEvent,
    TextEvent,
)
from igbot.models._events_changes import AnyEvent, CommentEvent, ThreadControlEvent, UnknownEvent
from igbot.models._events_signals import (
    DeletedEvent,
    EchoEvent,
    MessageEditEvent,
    ReactionEvent,
    ReadEvent,
    ReferralEvent,
    UnsupportedEvent,
)
from igbot.models._limits import Limit, meta_limits
from igbot.models._outbound import OutboundRequest, Tap, message_kind, requests_html
from igbot.models._payload import decode_payload, encode_payload
from igbot.models._send import (
    CommentReplyRequest,
    ExtendThreadControlRequest,
    HideCommentRequest,
    IceBreaker,
    IceBreakerQuestion,
    IceBreakersRequest,
    MenuItem,
    OutboundMessage,
    PassThreadControlRequest,
    PersistentMenu,
    PersistentMenuRequest,
    QuickReply,
    ReactionPayload,
    ReactionRequest,
    Recipient,
    ReleaseThreadControlRequest,
    ReplyTo,
    RequestThreadControlRequest,
    SenderActionRequest,
    SendMessageRequest,
    SendRequest,
    TakeThreadControlRequest,
    ThreadControl,
    normalise_menu,
)
from igbot.models._split import split_text
from igbot.models._templates import (
    ButtonTemplate,
    DefaultAction,
    GenericElement,
    GenericTemplate,
    LikeHeartAttachment,
    MediaAttachment,
    MediaPayload,
    MediaShareAttachment,
    MediaSharePayload,
    PostbackButton,
    TemplateAttachment,
    WebUrlButton,
)
from igbot.models._time import parse_time
from igbot.models._webhook import parse_webhook

__all__ = [
    "AnyEvent",
    "Attachment",
    "AttachmentEvent",
    "ButtonTemplate",
    "CommentEvent",
    "CommentReplyRequest",
    "DefaultAction",
    "DeletedEvent",
    "EchoEvent",
    "Event",
    "ExtendThreadControlRequest",
    "GenericElement",
    "GenericTemplate",
    "HideCommentRequest",
    "IceBreaker",
    "IceBreakerQuestion",
    "IceBreakersRequest",
    "Incoming",
    "InlineReplyEvent",
    "LikeHeartAttachment",
    "Limit",
    "LimitResult",
    "LimitViolation",
    "LimitWarning",
    "MediaAttachment",
    "MediaPayload",
    "MediaShareAttachment",
    "MediaSharePayload",
    "MenuItem",
    "MessageEditEvent",
    "OutboundMessage",
    "OutboundRequest",
    "PassThreadControlRequest",
    "PersistentMenu",
    "PersistentMenuRequest",
    "PostbackButton",
    "PostbackEvent",
    "QuickReply",
    "QuickReplyEvent",
    "ReactionEvent",
    "ReactionPayload",
    "ReactionRequest",
    "ReadEvent",
    "Recipient",
    "ReferralEvent",
    "ReleaseThreadControlRequest",
    "ReplyTo",
    "RequestThreadControlRequest",
    "SendMessageRequest",
    "SendRequest",
    "SenderActionRequest",
    "StoryReplyEvent",
    "TakeThreadControlRequest",
    "Tap",
    "TemplateAttachment",
    "TextEvent",
    "ThreadControl",
    "ThreadControlEvent",
    "UnknownEvent",
    "UnsupportedEvent",
    "WebUrlButton",
    "apply_limits",
    "apply_message_limits",
    "check_limits",
    "decode_messages",
    "decode_payload",
    "encode_payload",
    "message_kind",
    "meta_limits",
    "normalise_menu",
    "parse_time",
    "parse_webhook",
    "person_bubble_html",
    "read_webhook",
    "render_bubbles",
    "requests_html",
    "split_text",
]
