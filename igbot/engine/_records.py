"""What a turn of the engine returns: the requests to send and the record of what happened.

The requests are :class:`igbot.models.OutboundRequest` objects (typed; their JSON is made at
the edge, when they are sent or stored).

With ``Engine(trace=True)`` each record also carries a :class:`TurnTrace`: every intent tried,
in order, with why it matched or not (type, each condition with the values it read, each
classifier's output); every transition considered, taken or not, with its condition's values;
``context`` and ``data`` before and after; and the requests the state's actions produced. It is
plain data (what the simulator's debugger shows); without the flag nothing of it is built.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from igbot._message import KataMessage
from igbot.models import OutboundRequest, requests_html

__all__ = [
    "ActionRecord",
    "ClassifierCheck",
    "ConditionCheck",
    "IntentTrial",
    "TransitionTrial",
    "Turn",
    "TurnRecord",
    "TurnTrace",
]


@dataclass
class ActionRecord:
    """One action of a state: run, skipped by its condition, or failed (with the reason)."""

    name: str
    type: str
    status: str = "ok"  # ok | skipped | error | substituted
    detail: str | None = None
    requests: int = 0


@dataclass
class ConditionCheck:
    """One condition evaluated: its value, whether it held, and the values it read."""

    expression: str
    holds: bool
    value: Any = None
    values: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


@dataclass
class ClassifierCheck:
    """One classifier of an intent: the NLU's output and whether it matched."""

    nlu: str | None
    output: Any
    match: Any
    matched: bool


@dataclass
class IntentTrial:
    """One intent the selection looked at, and why it matched or not.

    ``step`` is where in Kata's order it was tried: ``current`` (the current flow's intents),
    ``initial`` (other flows' initial intents), ``fallback-flow`` (the bot's fallback flow) or
    ``reenter``.
    """

    flow: str
    intent: str
    step: str
    matched: bool
    reason: str
    type: str | None = None
    priority: float = 0
    conditions: list[ConditionCheck] = field(default_factory=list)
    classifiers: list[ClassifierCheck] = field(default_factory=list)
    chosen: bool = False


@dataclass
class TransitionTrial:
    """One transition out of the state (or a float of the flow), taken or not, and why."""

    source: str
    dest: str
    taken: bool
    reason: str
    condition: ConditionCheck | None = None
    priority: float = 0
    fallback: bool = False
    float: bool = False


@dataclass
class TurnTrace:
    """Why a message went where it went (built only when the engine traces)."""

    intents: list[IntentTrial] = field(default_factory=list)
    via: str = "none"
    transitions: list[TransitionTrial] = field(default_factory=list)
    context_before: dict[str, Any] = field(default_factory=dict)
    context_after: dict[str, Any] = field(default_factory=dict)
    data_before: dict[str, Any] = field(default_factory=dict)
    data_after: dict[str, Any] = field(default_factory=dict)
    requests: list[OutboundRequest] = field(default_factory=list)


@dataclass
class TurnRecord:
    """What happened to one message (a person's, or a command the bot fed itself).

    ``flow``/``state`` are where the conversation is after the message; ``*_before`` where it
    was. ``is_fallback`` is true when the message was answered by a fallback intent or the
    fallback flow. ``errors`` holds typed problems (an action that failed, a method that threw,
    the recursion limit) as text; the turn goes on after them.
    """

    user: str
    message: dict[str, Any]
    depth: int = 0
    flow_before: str | None = None
    state_before: str | None = None
    flow: str | None = None
    state: str | None = None
    intent: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    is_fallback: bool = False
    transition: str | None = None
    flow_ended: bool = False
    handover: bool = False
    agent_owned: bool = False
    actions: list[ActionRecord] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    trace: TurnTrace | None = None

    @classmethod
    def of(cls, user: str, message: KataMessage, depth: int, flow: str | None,
           state: str | None) -> TurnRecord:
        """The record of ``message`` about to be processed in ``flow``/``state``; its
        ``message`` dict (``Message.to_record()``) is made when first read."""
        # what __init__ would set, in field order, attribute by attribute: the values stay
        # inline in the object (an instance dict, such as assigning __dict__ makes, costs
        # about 2.5 times as much to build and free); ``intent``, ``is_fallback``, ``transition``
        # and ``flow_ended`` are read from the class until the turn sets them (an agent-owned
        # turn never does), the rest of the fields are read on every turn (a read that falls
        # through to the class is not specialised: it costs more than the store it saves)
        record: Any = cls.__new__(cls)  # Any: ``_message`` is not a field
        record.user = user
        record._message = message
        record.depth = depth
        record.flow_before = flow
        record.state_before = state
        record.flow = flow
        record.state = state
        record.attributes = {}
        record.handover = False
        record.agent_owned = False
        record.actions = []
        record.errors = []
        record.warnings = []
        record.trace = None
        return record

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the record (the trace, when there is one, as nested dicts)."""
        out = {name: getattr(self, name) for name in _FIELD_NAMES}
        for name, value in self.__dict__.items():  # attributes a caller added, as before
            if name not in out and name != "_message":
                out[name] = value
        out["actions"] = [dict(a.__dict__) for a in self.actions]
        if self.trace is None:
            out.pop("trace")
        else:
            requests = self.trace.requests
            out["trace"] = trace = asdict(replace(self.trace, requests=[]))
            trace["requests"] = [{"endpoint": r.endpoint, "body": r.body, "action": r.action,
                                  "flow": r.flow} for r in requests]
        return out


def _get_message(record: Any) -> dict[str, Any]:
    value = record._message
    if type(value) is not dict:  # the Kata message itself (TurnRecord.of): its dict now
        value = record._message = value.to_record()
    return value


def _set_message(record: Any, value: dict[str, Any]) -> None:
    record._message = value


_FIELD_NAMES = tuple(f.name for f in fields(TurnRecord))

# ``message`` is a dataclass field (in __init__, __eq__, __repr__, fields()) kept under
# ``_message``, so that TurnRecord.of can leave the Kata message there until someone reads it
TurnRecord.message = property(_get_message, _set_message)  # type: ignore[assignment]


@dataclass(init=False)
class Turn:
    """Everything one incoming message caused: requests in order, and one record per message
    processed (the person's first, then any commands and re-entries it caused)."""

    requests: list[OutboundRequest] = field(default_factory=list)
    records: list[TurnRecord] = field(default_factory=list)

    def __init__(self, requests: list[OutboundRequest] | None = None,
                 records: list[TurnRecord] | None = None) -> None:
        self.requests = [] if requests is None else requests  # without a call per default
        self.records = [] if records is None else records

    @property
    def record(self) -> TurnRecord | None:
        """The record of the person's own message (the first one)."""
        return self.records[0] if self.records else None

    @property
    def errors(self) -> list[str]:
        """Every error of every record of the turn."""
        return [e for r in self.records for e in r.errors]

    def extend(self, other: Turn) -> None:
        """Append another turn's requests and records (for batches of events)."""
        self.requests.extend(other.requests)
        self.records.extend(other.records)

    def __iter__(self) -> Iterator[OutboundRequest]:
        return iter(self.requests)

    def __len__(self) -> int:
        return len(self.requests)

    def _repr_html_(self) -> str:
        return requests_html(self.requests)
