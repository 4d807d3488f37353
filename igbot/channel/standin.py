"""The Graph API stand-in: a local server answering like Meta (see :class:`GraphStandIn`)."""

from igbot.channel._standin import DEFAULT_STANDIN_APP_ID, GraphStandIn, RecordedRequest

__all__ = ["DEFAULT_STANDIN_APP_ID", "GraphStandIn", "RecordedRequest"]
