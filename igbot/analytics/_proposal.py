"""A proposed intent for a topic the bot missed: an NLU, a flow that answers it, and the missed
messages as a Kata test spec.

The NLU is Kata's ``keyword`` NLU (whole words, any case; the topic's keywords plus the forms the
examples used, such as *harganya* for *harga*) or a ``regex`` NLU (the keywords as word prefixes,
any case). The flow is new: its intent is initial (a person can ask from anywhere) and its one
answer is a text the owner rewrites, in the FlowEditor or the YAML. Nothing here is trusted from
the messages but as data: keywords are escaped in the regex and quoted in the YAML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape
from typing import Any

import yaml

from igbot._errors import IgbotError
from igbot.kataml import Bot, Flow, Nlu

__all__ = ["IntentProposal", "ProposalError", "propose"]

SPEC_SCHEMA = "kata.ai/schema/kata-ml/1.0/test/intents"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ProposalError(IgbotError, ValueError):
    """A proposal that cannot be added to a bot (a name already taken, no keywords)."""


def _forms(keywords: list[str], examples: list[str]) -> list[str]:
    """The keywords and the words of the examples that extend one (harga -> harganya)."""
    out = list(dict.fromkeys(k.casefold() for k in keywords))
    for text in examples:
        for word in re.findall(r"(?u)\b\w+\b", text.casefold()):
            if word not in out and any(word.startswith(k) and len(k) >= 3 for k in keywords):
                out.append(word)
    return out


@dataclass
class IntentProposal:
    """An intent to add, as data (see :func:`propose`).

    Attributes:
        name: the intent's name (and the NLU's, and the new flow's unless ``flow``).
        keywords: the words the NLU looks for.
        examples: the missed messages it should match.
        nlu_type: ``keyword`` or ``regex``.
        flow: the new flow that answers it.
        reply: the answer's text, to be rewritten by the bot's owner.
    """

    name: str
    keywords: list[str]
    examples: list[str]
    nlu_type: str = "keyword"
    flow: str = ""
    reply: str = ""
    action: str = field(init=False)

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ProposalError(f"intent name {self.name!r} must be letters, digits and _")
        if not self.keywords:
            raise ProposalError(f"proposal {self.name!r} has no keywords to match")
        self.flow = self.flow or self.name
        self.action = f"{self.name}Answer"
        self.reply = self.reply or ("(Write the answer here.) People asked: "
                                    + " | ".join(self.examples[:2]))

    @property
    def pattern(self) -> str:
        """The regex the ``regex`` NLU uses: any keyword as the start of a word, any case."""
        return r"(?i)(?<!\w)(?:" + "|".join(re.escape(k) for k in self.keywords) + r")\w*"

    def nlu(self) -> Nlu:
        """The NLU, as a Kata-ML model."""
        if self.nlu_type == "regex":
            return Nlu.model_validate({"type": "regex", "options": {"regex": self.pattern}})
        return Nlu.model_validate({"type": "keyword",
                                   "options": {"keywords": {self.name: list(self.keywords)}}})

    def flow_model(self) -> Flow:
        """The new flow, as a Kata-ML model."""
        classifier: dict[str, Any] = {"nlu": self.name}
        if self.nlu_type != "regex":
            classifier["match"] = self.name
        return Flow.model_validate({
            "intents": {self.name: {"initial": True, "type": "text", "classifier": [classifier]}},
            "states": {
                "init": {"initial": True, "transitions": {"answer": {"fallback": True}}},
                "answer": {"end": True, "action": [{"name": self.action}]},
            },
            "actions": {self.action: {"type": "text", "options": {"text": self.reply}}},
        })

    def apply(self, bot: Bot) -> Bot:
        """A copy of ``bot`` with the NLU and the flow added (``bot`` is not changed).

        Raises:
            ProposalError: the bot already has an NLU or a flow of that name.
        """
        if self.name in bot.nlus:
            raise ProposalError(f"bot {bot.name!r} already has an NLU named {self.name!r}; "
                                "pass another name")
        if self.flow in bot.flows:
            raise ProposalError(f"bot {bot.name!r} already has a flow named {self.flow!r}; "
                                "pass another name")
        new = bot.model_copy(deep=True)
        new.nlus = {**bot.nlus, self.name: self.nlu()}
        new.flows = {**bot.flows, self.flow: self.flow_model()}
        return new

    def to_yaml(self) -> str:
        """The NLU and the flow as Kata-ML YAML (to paste into a bot)."""
        data = {
            "nlus": {self.name: self.nlu().model_dump(exclude_none=True, by_alias=True)},
            "flows": {self.flow: self.flow_model().model_dump(exclude_none=True, by_alias=True,
                                                              exclude_defaults=True)},
        }
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)

    def spec(self) -> str:
        """The examples as a Kata intents test spec (``igbot test BOT SPEC``)."""
        tests = {f"missed #{i + 1}: {text[:40]}": {
            "message": {"type": "text", "content": text},
            "expect": {"intent": self.name}} for i, text in enumerate(self.examples)}
        return yaml.safe_dump({"schema": SPEC_SCHEMA, "flow": self.flow,
                               "desc": f"messages the bot missed, now {self.name}",
                               "test": tests}, sort_keys=False, allow_unicode=True, width=100)

    def _repr_html_(self) -> str:
        return (f"<p>Proposed intent <b>{escape(self.name)}</b> ({escape(self.nlu_type)} NLU: "
                f"{escape(', '.join(self.keywords))})</p><pre>{escape(self.to_yaml())}</pre>"
                f"<details><summary>test spec ({len(self.examples)} examples)</summary>"
                f"<pre>{escape(self.spec())}</pre></details>")


def propose(keywords: list[str], examples: list[str], *, name: str, nlu: str = "keywords",
            flow: str | None = None, reply: str | None = None) -> IntentProposal:
    """An intent that matches ``examples`` by ``keywords``.

    Args:
        keywords: the topic's words.
        examples: the messages it should match (the test spec's cases).
        name: the intent (and NLU) name.
        nlu: ``keywords`` (Kata keyword NLU, whole words; the examples' longer forms of a
            keyword are added) or ``regex`` (keywords as word prefixes).
        flow: the new flow's name (default: ``name``).
        reply: the answer's text.
    """
    if nlu not in ("keywords", "regex"):
        raise ProposalError(f"nlu must be 'keywords' or 'regex', got {nlu!r}")
    words = _forms(keywords, examples) if nlu == "keywords" else list(
        dict.fromkeys(k.casefold() for k in keywords))
    return IntentProposal(name=name, keywords=words, examples=list(examples),
                          nlu_type="regex" if nlu == "regex" else "keyword",
                          flow=flow or name, reply=reply or "")
