"""Writes shop_demo.jsonl: webhook bodies of a few people talking to the shop bot.

Run from the repo root: ``.venv/bin/python data/webhooks/make_shop_demo.py``. Deterministic.
"""

from __future__ import annotations

import json
from pathlib import Path

from igbot.models import encode_payload

ACCOUNT = "17841400000000001"
START = 1732500000000  # 2024-11-25 02:00 UTC
_n = 0


def envelope(item: dict, field: str = "messaging") -> dict:
    return {"object": "instagram", "entry": [{"id": ACCOUNT, "time": item.get("timestamp", START), field: [item]}]}


def message(person: str, at: int, **message: object) -> dict:
    global _n
    _n += 1
    return envelope({"sender": {"id": person}, "recipient": {"id": ACCOUNT}, "timestamp": START + at,
                     "message": {"mid": f"aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlE{_n:04d}", **message}})


def postback(person: str, at: int, title: str, payload: dict) -> dict:
    global _n
    _n += 1
    return envelope({"sender": {"id": person}, "recipient": {"id": ACCOUNT}, "timestamp": START + at,
                     "postback": {"mid": f"aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlE{_n:04d}", "title": title,
                                  "payload": encode_payload(payload)}})


def quick(person: str, at: int, title: str, payload: dict) -> dict:
    return message(person, at, text=title, quick_reply={"payload": encode_payload(payload)})


def comment(person: str, username: str, at: int, text: str, comment_id: str) -> dict:
    return {"object": "instagram", "entry": [{"id": ACCOUNT, "time": START + at, "changes": [{
        "field": "comments", "value": {"id": comment_id, "from": {"id": person, "username": username},
                                       "text": text, "media": {"id": "17900000000000001",
                                                               "media_product_type": "FEED"}}}]}]}


def thread_control(person: str, at: int, kind: str, field: str, extra: dict) -> dict:
    return envelope({"sender": {"id": person}, "recipient": {"id": ACCOUNT}, "timestamp": START + at,
                     kind: extra}, field)


ANA, BUDI, CITRA, DEWI = "6251234567890123", "6251234567890456", "6251234567890789", "6251234567890999"
MIN = 60_000

EVENTS = [
    # Ana replies to a story, then claims a promo from the carousel
    message(ANA, 0, text="omg this latte art 😍", reply_to={"story": {"url": "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1", "id": "3456"}}),
    quick(ANA, 1 * MIN, "Promos", {"type": "menu", "topic": "promo"}),
    postback(ANA, 2 * MIN, "Claim 20% off", {"type": "promo_pick", "item": "tote", "code": "SENJA-TOTE20"}),
    # Budi mentions the shop in his story, then taps an ice breaker and asks about delivery
    message(BUDI, 3 * MIN, attachments=[{"type": "story_mention", "payload": {"url": "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=2"}}]),
    postback(BUDI, 4 * MIN, "Opening hours & FAQ", {"type": "ice_breaker", "topic": "faq"}),
    quick(BUDI, 5 * MIN, "Delivery", {"type": "faq", "q": "delivery"}),
    # Citra comments on a post: one private reply; she answers in DM
    comment(CITRA, "citra.snaps", 6 * MIN, "What's the price of the kopi susu?", "17850000000000001"),
    message(CITRA, 8 * MIN, text="where is the shop?"),
    # Dewi is not understood twice, asks for a person, an agent takes it and gives it back
    message(DEWI, 9 * MIN, text="do u have oat milk"),
    message(DEWI, 10 * MIN, text="hello??"),
    message(DEWI, 11 * MIN, text="can I talk to a person"),
    thread_control(DEWI, 12 * MIN, "message", "standby", {"mid": "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEsb01", "text": "it's about oat milk"}),
    thread_control(DEWI, 20 * MIN, "pass_thread_control", "messaging", {"previous_owner_app_id": "1217981644879628", "metadata": "resolved"}),
    message(DEWI, 21 * MIN, text="thanks! any promo today?"),
]

if __name__ == "__main__":
    out = Path(__file__).with_name("shop_demo.jsonl")
    out.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in EVENTS), encoding="utf-8")
    print(f"wrote {len(EVENTS)} webhook bodies to {out}")
