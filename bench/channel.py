"""The Send API client's own cost per call: ``GraphClient.send_message`` against bare httpx.

Both talk to the same in-process ``httpx.MockTransport`` answering like Meta (no network), so
what is measured is the client code: building the request, adding the token below httpx's
logging, the per-person ordering lock, the send policy's window check, the typed answer. The
baseline, measured in the same run, is ``httpx.Client.post`` of the same body to the same url
with the token as a query parameter. Reported: microseconds per call and the ratio.

    python bench/channel.py [--calls 1000] [--repeat 11]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable

import httpx

from igbot.channel import GraphClient, MemoryPolicyStore, SendPolicy

ACCOUNT = "17841400000000001"
TOKEN = "bench-token"
BASE = "https://graph.facebook.com"
ANSWER = json.dumps({"recipient_id": "6251234567890123", "message_id": "m_bench"}).encode()


def meta(request: httpx.Request) -> httpx.Response:
    """Meta's answer to a ``messages`` call (Send API reference: recipient_id, message_id)."""
    return httpx.Response(200, content=ANSWER, headers={"content-type": "application/json"})


def per_call(fns: list[Callable[[int], object]], calls: int, repeat: int) -> list[float]:
    """For each function, the median over ``repeat`` rounds of microseconds per call. The
    rounds alternate between the functions, so a busy moment of the machine hits them alike."""
    rounds: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, times in zip(fns, rounds, strict=True):
            started = time.perf_counter()
            for n in range(calls):
                fn(n)
            times.append((time.perf_counter() - started) / calls * 1e6)
    return [statistics.median(times) for times in rounds]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=11)
    args = parser.parse_args()

    bare = httpx.Client(transport=httpx.MockTransport(meta))
    url = f"{BASE}/v21.0/{ACCOUNT}/messages"

    def baseline(n: int) -> object:
        body = {"recipient": {"id": f"user-{n % 500}"}, "messaging_type": "RESPONSE",
                "message": {"text": f"You said: message {n}"}}
        return bare.post(url, json=body, params={"access_token": TOKEN}).json()

    policy = SendPolicy(MemoryPolicyStore())
    for n in range(500):
        policy.record_inbound(f"user-{n}", "message", time.time())
    client = GraphClient(TOKEN, account_id=ACCOUNT, base_url=BASE, rate_limit=None,
                         policy=policy, transport=httpx.MockTransport(meta))

    def igbot(n: int) -> object:
        return client.send_message(f"user-{n % 500}", f"You said: message {n}")

    baseline(0), igbot(0)  # warm up
    base_us, ours_us = per_call([baseline, igbot], args.calls, args.repeat)
    print(f"bare httpx post: {base_us:.0f} us per call")
    print(f"GraphClient.send_message (token below logging, policy, ordering): {ours_us:.0f} us "
          f"per call = {ours_us / base_us:.2f} x bare httpx")
    bare.close()
    client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
