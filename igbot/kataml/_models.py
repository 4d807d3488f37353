"""Typed models of a Kata-ML bot: Bot, Flow, Intent, State, Transition, Action, Nlu, Method.

Every model keeps keys it does not know (``extra="allow"``, listed by ``unknown_keys()``) and
holds one canonical shape: the shorthands Kata-ML allows are normalised when a model is built
(see :mod:`igbot.kataml._normalise`). Dicts keep the YAML's order of definition, which decides
between intents and transitions of equal priority. :func:`to_data` turns a model back into plain
Kata-ML data (the writer dumps that as YAML).
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from igbot.kataml._display import display_bundle
from igbot.kataml._dump import dump_yaml
from igbot.kataml._normalise import (
    flatten_mapping,
    js_literal,
    normalise_action_refs,
    normalise_classifiers,
    normalise_conditions,
    normalise_methods,
    normalise_transition,
    normalise_transitions,
    str_keys,
)
from igbot.kataml._yamlpath import Position, locate

__all__ = [
    "ACTION_TYPES",
    "Action",
    "ActionRef",
    "Attribute",
    "Bot",
    "Classifier",
    "Flow",
    "Intent",
    "KataModel",
    "Method",
    "Nlu",
    "State",
    "Transition",
    "plain",
    "to_data",
]

MappingSpec = dict[str, Any] | str | None
"""A mapping (flat path -> expression), the name of a JavaScript method, or nothing."""


class KataModel(BaseModel):
    """Base of the Kata-ML models: keeps unknown keys and the YAML's key order.

    Equality compares the Kata-ML content only: where a model was loaded from
    (``source_file``) and the remembered key order do not count.
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    _NOT_COMPARED: ClassVar[frozenset[str]] = frozenset({"source_file"})
    _key_order: list[str] = PrivateAttr(default_factory=list)

    @model_validator(mode="wrap")
    @classmethod
    def _remember_key_order(cls, data: Any, handler: Any) -> Any:
        obj = handler(data)
        if isinstance(data, Mapping):
            obj._key_order = [js_literal(key) for key in data]
        return obj

    def unknown_keys(self) -> list[str]:
        """The keys this model does not define (kept as they were, for lint to report)."""
        return list(self.model_extra or {})

    def _compared(self) -> tuple[dict[str, Any], dict[str, Any]]:
        fields = {k: v for k, v in self.__dict__.items() if k not in self._NOT_COMPARED}
        return fields, dict(self.model_extra or {})

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, KataModel) or type(self) is not type(other):
            return NotImplemented
        return self._compared() == other._compared()

    __hash__ = None  # type: ignore[assignment]  # mutable, like a dict

    def to_data(self) -> dict[str, Any]:
        """The model as plain Kata-ML data (normalised forms, YAML key order, no ``None`` keys)."""
        return to_data(self)


class Classifier(KataModel):
    """One classifier of an intent: an NLU and what its output must match."""

    nlu: str | None = None
    match: Any = None
    hint: Any = None
    options: dict[str, Any] | None = None
    process: Any = None


class Attribute(KataModel):
    """One attribute (slot) an intent fills from an NLU's output."""

    nlu: str | None = None
    path: str | None = None
    options: dict[str, Any] | None = None
    process: Any = None


class Intent(KataModel):
    """What a message must look like to be this intent (type, conditions, classifiers)."""

    type: Literal["text", "data", "command"] | None = None
    condition: list[str] = Field(default_factory=list)
    classifier: list[Classifier] = Field(default_factory=list)
    attributes: dict[str, Attribute] = Field(default_factory=dict)
    initial: bool | None = None
    fallback: bool | None = None
    priority: float | None = None

    _condition = field_validator("condition", mode="before")(
        lambda v: normalise_conditions(v)
    )
    _classifier = field_validator("classifier", mode="before")(
        lambda v: normalise_classifiers(v)
    )
    _attributes = field_validator("attributes", mode="before")(lambda v: str_keys(v))


class ActionRef(KataModel):
    """A state's reference to an action: a defined action's name or an action type."""

    name: str
    condition: str | None = None
    options: dict[str, Any] | None = None

    @field_validator("condition", mode="before")
    @classmethod
    def _js_condition(cls, value: Any) -> Any:
        return value if value is None or isinstance(value, str | Mapping | list) else js_literal(
            value
        )


class Transition(KataModel):
    """A transition to its destination state (the key it is stored under)."""

    condition: str | None = None
    priority: float | None = None
    fallback: bool | None = None
    mapping: MappingSpec = None

    @field_validator("condition", mode="before")
    @classmethod
    def _js_condition(cls, value: Any) -> Any:
        return value if value is None or isinstance(value, str | Mapping | list) else js_literal(
            value
        )

    _mapping = field_validator("mapping", mode="before")(lambda v: flatten_mapping(v))


class State(KataModel):
    """A state of a flow: its actions, its outgoing transitions and its mappings."""

    initial: bool | None = None
    end: bool | None = None
    action: list[ActionRef] = Field(default_factory=list)
    transitions: dict[str, Transition] = Field(default_factory=dict)
    float: Transition | None = None
    enter: MappingSpec = None
    transit: MappingSpec = None
    exit: MappingSpec = None

    _action = field_validator("action", mode="before")(lambda v: normalise_action_refs(v))
    _transitions = field_validator("transitions", mode="before")(
        lambda v: normalise_transitions(v)
    )
    _float = field_validator("float", mode="before")(
        lambda v: None if v is None else normalise_transition(v)
    )
    _mappings = field_validator("enter", "transit", "exit", mode="before")(
        lambda v: flatten_mapping(v)
    )


ACTION_TYPES = frozenset({"text", "template", "command", "api", "asyncApi", "method", "schedule",
                          "handover", "image", "senderAction", "react", "unreact",
                          "commentReply", "hideComment", "extendThreadControl"})
"""The action types Kata-ML defines and igbot runs (``Action.type``, or a state action's name)."""


class Action(KataModel):
    """A named action of a flow: a ``type`` (text, template, command, api, ...) and options."""

    type: str
    options: dict[str, Any] = Field(default_factory=dict)
    condition: str | None = None

    _options = field_validator("options", mode="before")(lambda v: {} if v is None else v)


class Nlu(KataModel):
    """An NLU of the bot: ``keyword``, ``regex``, ``method`` or a cloud type."""

    type: str
    options: dict[str, Any] | None = None
    method: str | None = None
    process: Any = None


class Method(KataModel):
    """A JavaScript method.

    ``key`` is the YAML key as written (``mapper(ctx)``), ``name`` the bare name. For the
    ``"name(params)": body`` form ``code`` is the body and ``entry`` is ``None``; for the
    ``{code, entry}`` form ``code`` is the whole function source and ``entry`` its name.
    """

    key: str
    name: str
    params: list[str] = Field(default_factory=list)
    code: str = ""
    entry: str | None = None


def _methods_validator(value: Any) -> Any:
    return normalise_methods(value)


class Flow(KataModel):
    """A flow: intents, states, actions and methods, plus how it is stacked and selected."""

    intents: dict[str, Intent] = Field(default_factory=dict)
    states: dict[str, State] = Field(default_factory=dict)
    actions: dict[str, Action] = Field(default_factory=dict)
    methods: dict[str, Method] = Field(default_factory=dict)
    active: bool | None = None
    volatile: bool | None = None
    expire: int | None = None
    fallback: bool | None = None
    priority: float | None = None
    source_file: Path | None = Field(default=None, exclude=True, repr=False)

    _names = field_validator("intents", "states", "actions", mode="before")(
        lambda v: str_keys(v)
    )
    _methods = field_validator("methods", mode="before")(_methods_validator)

    def __repr__(self) -> str:
        flags = "".join(f", {k}=True" for k in ("fallback", "volatile") if getattr(self, k))
        return (f"Flow(states={list(self.states)}, intents={list(self.intents)}, "
                f"actions={len(self.actions)}{flags})")

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """In a notebook: the drawing registered by igbot.graph or igbot.widgets."""
        return display_bundle(self)

    def initial_state(self) -> str | None:
        """The name of the first state marked ``initial: true``, or ``None``."""
        return next((name for name, state in self.states.items() if state.initial), None)

    def find_method(self, name: str) -> Method | None:
        """The flow's method called ``name`` (bare name or YAML key), or ``None``."""
        return _find(self.methods, name)


def _find(methods: Mapping[str, Method], name: str) -> Method | None:
    for method in methods.values():
        if name in (method.name, method.key):
            return method
    return None


_TEXT_FIELDS = ("name", "desc", "id", "version", "tag", "lang")


class Bot(KataModel):
    """A whole Kata-ML bot. Build one with :func:`igbot.kataml.load_bot`."""

    schema_: str | None = Field(default=None, alias="schema")
    name: str | None = None
    desc: str | None = None
    id: str | None = None
    version: str | None = None
    tag: str | None = None
    lang: str | None = None
    flows: dict[str, Flow] = Field(default_factory=dict)
    nlus: dict[str, Nlu] = Field(default_factory=dict)
    methods: dict[str, Method] = Field(default_factory=dict)
    config: dict[str, Any] = Field(default_factory=dict)
    source_file: Path | None = Field(default=None, exclude=True, repr=False)

    _positions: dict[str, Position] = PrivateAttr(default_factory=dict)
    _duplicate_keys: list[str] = PrivateAttr(default_factory=list)

    @field_validator("schema_", *_TEXT_FIELDS, mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        if value is None or isinstance(value, str | Mapping | list | bool):
            return js_literal(value) if isinstance(value, bool) else value
        return str(value)  # version: 1.0 -> "1.0", as written

    _names = field_validator("flows", "nlus", "config", mode="before")(lambda v: str_keys(v))
    _methods = field_validator("methods", mode="before")(_methods_validator)

    def __repr__(self) -> str:
        return (f"Bot(name={self.name!r}, flows={list(self.flows)}, nlus={list(self.nlus)}, "
                f"methods={len(self.methods)})")

    def _repr_html_(self) -> str:
        """A table of the bot's flows, for notebooks."""
        rows = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in (
                name + (" (fallback)" if flow.fallback else ""),
                flow.initial_state() or "-", len(flow.states), len(flow.intents),
                len(flow.actions), flow.source_file.name if flow.source_file else "-",
            )) + "</tr>"
            for name, flow in self.flows.items()
        )
        head = "".join(f"<th>{h}</th>" for h in ("flow", "initial state", "states", "intents",
                                                  "actions", "file"))
        title = html.escape(f"{self.name or 'bot'}: {len(self.flows)} flows, "
                            f"{len(self.nlus)} NLUs, {len(self.methods)} bot methods")
        return (f"<div><strong>{title}</strong><table><thead><tr>{head}</tr></thead>"
                f"<tbody>{rows}</tbody></table></div>")

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """In a notebook: the table of flows and the drawing registered by igbot.graph or
        igbot.widgets (the canvas where widgets run, the static SVG elsewhere)."""
        return display_bundle(self, self._repr_html_())

    def fallback_flow(self) -> str | None:
        """The name of the first flow marked ``fallback: true``, or ``None``."""
        return next((name for name, flow in self.flows.items() if flow.fallback), None)

    def find_method(self, name: str, flow: str | Flow | None = None) -> Method | None:
        """A method by bare name (or YAML key): the flow's own first, then the bot's."""
        if isinstance(flow, str):
            flow = self.flows.get(flow)
        if flow is not None:
            found = flow.find_method(name)
            if found is not None:
                return found
        return _find(self.methods, name)

    def locate(self, path: str) -> tuple[Path | None, int | None]:
        """The file and 1-based line a YAML path (``flows.order.states.done``) was read from.

        Falls back to the longest known prefix of ``path``; ``(source_file, None)`` if unknown.
        """
        found = locate(self._positions, path)
        return found if found is not None else (self.source_file, None)

    def iter_unknown_keys(self) -> Iterator[tuple[str, str]]:
        """Every unknown key in the bot as ``(yaml_path_of_its_model, key)``."""
        yield from _walk_unknown(self, "")

    def to_yaml(self) -> str:
        """The bot as one Kata-ML YAML document (includes inlined, normalised forms)."""
        return dump_yaml(self.to_data())


def _walk_unknown(model: KataModel, path: str) -> Iterator[tuple[str, str]]:
    for key in model.unknown_keys():
        yield path, key
    for name in type(model).model_fields:
        value = getattr(model, name)
        field_path = f"{path}.{name}" if path else name
        if name == "schema_":
            continue
        if isinstance(value, KataModel):
            yield from _walk_unknown(value, field_path)
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, KataModel):
                    yield from _walk_unknown(item, f"{field_path}.{key}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, KataModel):
                    yield from _walk_unknown(item, f"{field_path}[{index}]")


_WHOLE_NUMBER_FIELDS = frozenset({"priority"})


def to_data(model: KataModel) -> dict[str, Any]:
    """A model as plain Kata-ML data: YAML key order, no ``None`` or empty-default fields."""
    fields = type(model).model_fields
    by_yaml_key = {(info.alias or name): name for name, info in fields.items()}
    extras = dict(model.model_extra or {})
    order = [k for k in model._key_order if k in by_yaml_key or k in extras]
    order += [k for k in by_yaml_key if k not in order]
    order += [k for k in extras if k not in order]
    out: dict[str, Any] = {}
    for key in order:
        if key in extras and key not in by_yaml_key:
            out[key] = plain(extras[key])
            continue
        name = by_yaml_key[key]
        info = fields[name]
        if info.exclude:
            continue
        value = getattr(model, name)
        if value is None or (isinstance(value, list | dict) and not value
                             and info.default_factory is not None):
            continue
        if name in _WHOLE_NUMBER_FIELDS and isinstance(value, float) and value.is_integer():
            value = int(value)
        out[key] = plain(value)
    return out


def _method_data(method: Method) -> Any:
    """``"name(params)": body`` for a body; ``{code, entry}`` for a whole function."""
    extras = dict(method.model_extra or {})
    if method.entry is None and not extras:
        return method.code
    return {"code": method.code, "entry": method.entry, **plain(extras)}


def plain(value: Any) -> Any:
    """A model, or any value holding models, as plain Kata-ML data."""
    if isinstance(value, Method):
        return _method_data(value)
    if isinstance(value, KataModel):
        return to_data(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value
