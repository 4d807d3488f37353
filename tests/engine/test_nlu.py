from __future__ import annotations

from igbot.engine import keyword_nlu, regex_nlu

KEYWORDS = {"keywords": {"pizzaOrder": ["order", "order pizza", "pizza"], "hello": ["hi", "halo"]}}


def test_keyword_matches_whole_words_case_insensitively() -> None:
    assert keyword_nlu("I want to ORDER now", KEYWORDS) == "pizzaOrder"
    assert keyword_nlu("reorder", KEYWORDS) is None
    assert keyword_nlu("Hi there", KEYWORDS) == "hello"
    assert keyword_nlu("this is nothing", KEYWORDS) is None


def test_keyword_longest_phrase_wins() -> None:
    options = {"keywords": {"a": ["pizza"], "b": ["order pizza"]}}
    assert keyword_nlu("order pizza please", options) == "b"


def test_keyword_case_exact_and_default() -> None:
    assert keyword_nlu("hi", {**KEYWORDS, "case": True}) == "hello"
    assert keyword_nlu("HI", {**KEYWORDS, "case": True}) is None
    assert keyword_nlu("hi there", {**KEYWORDS, "exact": True}) is None
    assert keyword_nlu(" Hi ", {**KEYWORDS, "exact": True}) == "hello"
    assert keyword_nlu("nothing", {**KEYWORDS, "default": "other"}) == "other"


def test_regex_forms() -> None:
    assert regex_nlu("I want 3 please", {"regex": "[1-9]"}) == "3"
    assert regex_nlu("none", {"regex": "[1-9]"}) is None
    assert regex_nlu("nama saya Budi", {"regex": "nama saya (.+)", "index": 1}) == "Budi"
    named = regex_nlu("nama kamu Ana", {"regex": "nama (saya|kamu) (.+)", "index": {"who": 1, "name": 2}})
    assert named == {"who": "kamu", "name": "Ana"}
    multi = regex_nlu("mail me at a@b.co", {"regex": {"email": r"\w+@\w+\.\w+", "phone": r"\d{9,}"}})
    assert multi == {"email": "a@b.co"}


def test_keyword_overlapping_phrases_and_ties() -> None:
    options = {"keywords": {"a": ["order pizza"], "b": ["pizza please"], "c": ["pizza"]}}
    # both long phrases overlap; the longer one ("pizza please", 12) wins over "order pizza" (11)
    assert keyword_nlu("order pizza please", options) == "b"
    tie = {"keywords": {"first": ["menu"], "second": ["help"]}}
    assert keyword_nlu("help or menu", tie) == "first"  # same length: definition order
    assert keyword_nlu("two pizzas", {"keywords": {"k": ["pizza"]}}) is None  # not a whole word
    assert keyword_nlu("nothing", {"keywords": {}}) is None


def test_keyword_nlu_answers_a_repeated_text_as_the_first_time() -> None:
    options = {"keywords": {"pizza": ["pizza"], "order": ["order pizza"], "hi": ["hi", "halo"]}}
    texts = ["I want to order pizza", "pizza!", "halo kak", "nothing here", "Order Pizza now"]
    first = [keyword_nlu(t, options) for t in texts]
    assert first == ["order", "pizza", "hi", None, "order"]
    assert [keyword_nlu(t, options) for t in texts] == first  # remembered, same answers
    assert keyword_nlu("nothing here", {**options, "default": "other"}) == "other"
    case = {**options, "case": True}
    assert keyword_nlu("Order Pizza now", case) is None  # another table: its own memo
    changed = {"keywords": {"pizza": ["pizza"]}}  # a different table answers for itself
    assert keyword_nlu("I want to order pizza", changed) == "pizza"
