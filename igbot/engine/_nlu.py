"""NLUs: ``keyword`` and ``regex`` run here, ``method`` runs as JavaScript, cloud NLUs go
through a pluggable classifier.

A classifier is any callable ``classifier(name, nlu, message, options) -> result`` (the result is
what the cloud NLU would output: a label, a list of labels or a dict). Without one, cloud NLUs
output nothing and the intents using them never match (lint says so).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from igbot._errors import MethodError
from igbot._message import KataMessage, Message, as_model
from igbot.kataml import Bot, Nlu

__all__ = ["CLOUD_NLU_TYPES", "Classifier", "NluRunner"]

logger = logging.getLogger(__name__)

CLOUD_NLU_TYPES = frozenset({"nl", "verstandClassifier", "verstandTagger", "witIntent", "witEntity"})

Classifier = Callable[[str, Nlu, Message, dict[str, Any]], Any]

_PARAM_ALIASES = {
    "message": "message", "msg": "message", "m": "message",
    "options": "options", "opt": "options", "opts": "options",
    "config": "config", "cfg": "config", "conf": "config",
    "context": "context", "ctx": "context", "data": "data",
}


@lru_cache(maxsize=1024)
def _regex(source: str) -> re.Pattern[str]:
    return re.compile(source)


_Phrase = tuple[int, int, str]  # (length, definition order, label)
_KeywordIndex = tuple[re.Pattern[str], dict[str, _Phrase], dict[str, _Phrase | None]]
_MEMO_SIZE = 4096  # texts whose best phrase a keyword table remembers (then it starts afresh)
_keyword_indexes: dict[tuple[int, bool], tuple[Any, _KeywordIndex]] = {}


def _keyword_index(keywords: dict[str, Any], case: bool) -> _KeywordIndex:
    """One regex for all phrases of a keyword NLU (longest first), phrase -> (length,
    definition order, label), and a memo of texts already scanned; built once per keywords
    table."""
    key = (id(keywords), case)
    hit = _keyword_indexes.get(key)
    if hit is not None and hit[0] is keywords:
        return hit[1]
    phrases: dict[str, tuple[int, int, str]] = {}
    for label, items in keywords.items():
        for phrase in items if isinstance(items, list) else [items]:
            text = str(phrase).strip()
            norm = text if case else text.casefold()
            if norm and norm not in phrases:
                phrases[norm] = (len(text), len(phrases), str(label))
    alternation = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    # a lookahead finds a phrase at every position, also where matches overlap
    pattern = re.compile(r"(?=(?<!\w)(" + (alternation or "(?!)") + r")(?!\w))",
                         0 if case else re.IGNORECASE)
    index: _KeywordIndex = (pattern, phrases, {})
    _keyword_indexes[key] = (keywords, index)
    return index


def keyword_nlu(text: str, options: dict[str, Any]) -> str | None:
    """Kata's keyword NLU: the label whose phrase occurs in ``text`` as whole words.

    Options: ``keywords: {label: [phrases]}``, ``case`` (true = case sensitive), ``exact``
    (true = the whole message must equal a phrase), ``default`` (label when nothing matches).
    The longest matching phrase wins (so "order pizza" beats "pizza"), then definition order.
    """
    keywords = options.get("keywords") or {}
    case, exact = bool(options.get("case")), bool(options.get("exact"))
    pattern, phrases, memo = _keyword_index(keywords, case)
    if exact:
        message = text.strip() if case else text.strip().casefold()
        best = phrases.get(message)
    elif text in memo:  # the scan below depends on the text and the table alone
        best = memo[text]
    else:
        best = None
        for match in pattern.finditer(text):
            phrase = match.group(1) if case else match.group(1).casefold()
            candidate = phrases.get(phrase)
            if candidate is None:
                continue
            if best is None or (-candidate[0], candidate[1]) < (-best[0], best[1]):
                best = candidate
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        memo[text] = best
    if best is not None:
        return best[2]
    default = options.get("default")
    return None if default is None else str(default)


def regex_nlu(text: str, options: dict[str, Any]) -> Any:
    """Kata's regex NLU: one regex (whole match, or group ``index``, or a dict of named
    indexes) or a dict of regexes (a dict of whole matches)."""
    pattern, index = options.get("regex"), options.get("index")
    if isinstance(pattern, dict):
        out = {}
        for key, source in pattern.items():
            found = _regex(str(source)).search(text)
            if found:
                out[str(key)] = found.group(0)
        return out or None
    if not pattern:
        return None
    found = _regex(str(pattern)).search(text)
    if not found:
        return None
    if isinstance(index, dict):
        return {str(k): found.group(int(i)) for k, i in index.items()}
    return found.group(int(index)) if index is not None else found.group(0)


class NluRunner:
    """Runs a bot's NLUs on a message, once each per message (results are cached per call)."""

    def __init__(self, bot: Bot, js: Any, classifier: Classifier | None = None) -> None:
        self.bot = bot
        self.js = js
        self.classifier = classifier
        self._option_keys: dict[int, tuple[dict[str, Any], str]] = {}
        self._nlus: dict[str, tuple[Nlu, str, dict[str, Any]]] = {}

    def options_key(self, options: dict[str, Any] | None) -> str:
        """The cache key of a classifier's options (read once per options object)."""
        if not options:
            return "[]"
        known = self._option_keys.get(id(options))
        if known is not None and known[0] is options:
            return known[1]
        key = repr(sorted(options.items()))
        if len(self._option_keys) < 4096:
            self._option_keys[id(options)] = (options, key)
        return key

    def run(
        self, name: str, message: KataMessage, options: dict[str, Any] | None, hint: str | None,
        cache: dict[Any, Any], errors: list[str],
    ) -> Any:
        """The output of NLU ``name`` (a defined NLU or an NLU type) for ``message``."""
        key = (name, self.options_key(options), hint)
        if key in cache:
            return cache[key]
        known = self._nlus.get(name)
        if known is None:  # read once per name
            nlu = self.bot.nlus.get(name) or Nlu(type=name)
            known = self._nlus[name] = (nlu, nlu.type, nlu.options or {})
        nlu, nlu_type, nlu_options = known
        merged = {**nlu_options, **options} if options else dict(nlu_options)
        content = message.content
        text = (hint or "") + (content or "")
        if self.classifier is None and nlu_type in CLOUD_NLU_TYPES:
            unplugged = (f"nlu {name!r}: {nlu.type} is a cloud NLU and no classifier is plugged "
                         "in (Engine(classifier=...)); the intents that use it cannot match")
            if unplugged not in errors:
                errors.append(unplugged)
        result: Any  # any NLU's output: a keyword NLU's is a label, a method's anything
        try:
            if nlu_type == "keyword" and content is not None:  # the common NLU
                result = keyword_nlu(text, merged)
            else:
                result = self._run(name, nlu, message, merged, text)
        except (MethodError, re.error) as exc:
            errors.append(f"nlu {name!r}: {exc}")
            result = None
        cache[key] = result
        return result

    def _run(self, name: str, nlu: Nlu, message: KataMessage, options: dict[str, Any],
             text: str) -> Any:
        if nlu.type == "keyword":
            return keyword_nlu(text, options) if message.content is not None else None
        if nlu.type == "regex":
            return regex_nlu(text, options) if message.content is not None else None
        if nlu.type == "method":
            return self._method(nlu, message, options)
        if nlu.type in CLOUD_NLU_TYPES or self.classifier is not None:
            if self.classifier is None:
                return None
            return self.classifier(name, nlu, as_model(message), options)
        logger.warning("nlu %r has unknown type %r", name, nlu.type)
        return None

    def _method(self, nlu: Nlu, message: KataMessage, options: dict[str, Any]) -> Any:
        method = self.bot.find_method(nlu.method or "")
        if method is None:
            raise MethodError(f"nlu method {nlu.method!r} is not defined")
        values = {
            "message": message.to_context(),
            "options": options,
            "config": self.bot.config,
            "context": {},
            "data": {},
        }
        params = method.params or ["message", "options", "config"]
        positional = ["message", "options", "config"]
        args = [
            values[_PARAM_ALIASES.get(p, positional[i] if i < 3 else "data")]
            for i, p in enumerate(params)
        ]
        return self.js.call(method, args)
