"""The Graph API stand-in: a local server answering like Meta (see :class:`GraphStandIn`).

A real HTTP server (``http.server.ThreadingHTTPServer`` on 127.0.0.1, a free port) in a
background thread, for tests, notebooks and demos::

    with GraphStandIn() as g:
        client = g.client()            # a GraphClient pointed at g.url with g's token
        client.send_message("6251234567890123", "hi")
        g.requests[-1].json            # what Meta would have received

It checks the token (query ``access_token`` or ``Authorization: Bearer``), answers every Send
API endpoint igbot uses in Meta's shapes and error envelope, tracks thread owners and ice
breakers, and can be scripted to fail (``fail_next``, ``fail_next_http``, ``drop_next``), to be
slow (``delay_next``, ``latency``) or to rate-limit an account (``set_rate_limit``).
"""

from igbot.channel.standin._meta import DEFAULT_STANDIN_APP_ID, RecordedRequest
from igbot.channel.standin._server import GraphStandIn

__all__ = ["DEFAULT_STANDIN_APP_ID", "GraphStandIn", "RecordedRequest"]
