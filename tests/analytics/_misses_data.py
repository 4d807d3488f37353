"""A generated log of missed messages whose true topics are known (short, mixed Indonesian and
English, with fillers, typos and slang spellings)."""

from __future__ import annotations

import random
from typing import Any

import pandas as pd

from ._data import ev, frame

TOPICS: dict[str, list[str]] = {
    "price": ["berapa harganya", "harga berapa", "how much is this", "price please", "brp harga",
              "harganya brp", "what's the price", "harga kopi susu berapa", "price list"],
    "order": ["mau pesan", "mau order", "how to order", "cara pesan gimana", "bisa order online",
              "i want to order", "pesan 2 ya", "order dong", "gimana cara order"],
    "stock": ["kapan restock", "ready stock", "masih ada stok", "stok habis ya", "when restock",
              "is it in stock", "restock kapan", "stoknya ada"],
    "colour": ["ada warna lain", "apakah ada warna lain", "other colors", "warna hitam ada",
               "any other colour", "warnanya apa aja", "ada warna putih"],
    "thanks": ["terima kasih", "makasih", "thank you", "thanks a lot", "makasih banyak",
               "terimakasih ya", "thank u", "thanks"],
    "wifi": ["ada wifi", "wifi password", "password wifinya apa", "wifi nya kenceng",
             "is there wifi", "wifi gratis"],
}
FILLERS = ["", "", " kak", " min", " dong", " ya", " sis", " please"]
ENDS = ["", "", "?", "??", "!", " 🙏", " 😊"]


def _typo(text: str, rng: random.Random) -> str:
    words = text.split()
    i = rng.randrange(len(words))
    w = words[i]
    if len(w) > 4:
        j = rng.randrange(1, len(w) - 1)
        words[i] = w[:j] + w[j + 1:]
    return " ".join(words)


def missed_log(per_topic: int = 40, seed: int = 3) -> tuple[pd.DataFrame, dict[str, str]]:
    """A canonical frame where every person message is answered by the fallback flow, and the
    true topic of every text written."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    truth: dict[str, str] = {}
    states = [("promo", "show"), ("faq", "ask"), ("greeting", "menu"), (None, None)]
    k = 0
    for topic, phrases in TOPICS.items():
        for _ in range(per_topic):
            text = rng.choice(phrases)
            if rng.random() < 0.25:
                text = _typo(text, rng)
            text = text + rng.choice(FILLERS) + rng.choice(ENDS)
            if rng.random() < 0.3:
                text = text.capitalize()
            truth[text.strip().lower()] = topic
            conv, t = f"p{k}", k * 7200
            flow, state = states[k % len(states)]
            if flow:
                rows.append(ev(conv, t, "in", "user", "text", text="hi", flow=flow, state=state))
                rows.append(ev(conv, t + 1, "out", "bot", "text", text="hello", flow=flow,
                               state=state))
            rows.append(ev(conv, t + 30, "in", "user", "text", text=text, flow="fallback",
                           state="sorry", intent="unknown", is_fallback=True))
            rows.append(ev(conv, t + 31, "out", "bot", "text", text="Sorry?", flow="fallback",
                           state="sorry"))
            k += 1
    return frame(rows), truth
