"""The scope of a step: the variables expressions read, and mappings writing into it."""

from __future__ import annotations

import pytest

from igbot._errors import ExpressionError
from igbot._message import Message
from igbot.engine._scope import Scope, compile_mapping
from igbot.engine._session import Session


def _scope(payload: dict[str, object] | None) -> tuple[Scope, Message]:
    message = Message(type="data", content="x", payload=payload, metadata={"senderId": "u"})
    session = Session(user="u", context={"a": 1, "$flow": "shadowed"}, flow="f", state="s")
    return Scope(message, session, {}, clock=lambda: 1.5, deployment_id="bot@1"), message


def test_variables_context_is_the_flow_context_then_the_meta_context() -> None:
    scope, _ = _scope(None)
    scope.meta = {"$to": "t"}
    context = scope.variables()["context"]
    assert context == {**scope.session.context, **scope.meta_context()}
    assert list(context) == list({**scope.session.context, **scope.meta_context()})
    assert context["$flow"] == "f" and context["$now"] == 1500 and context["$to"] == "t"


def test_a_payload_mapping_copies_the_message_payload_before_writing() -> None:
    scope, message = _scope({"type": "menu"})
    assert scope.variables()["payload"] is message.payload  # read as it is, no copy
    scope.apply_mapping({"payload.topic": "'promo'", "payload.type": "'other'"})
    assert message.payload == {"type": "menu"}
    assert scope.variables()["payload"] == {"type": "other", "topic": "promo"}
    scope.apply_mapping({"payload.more": "1"})  # later writes go to the scope's own copy
    assert scope.payload == {"type": "other", "topic": "promo", "more": 1}
    assert message.payload == {"type": "menu"}


def test_a_payload_mapping_without_a_payload_starts_one() -> None:
    scope, message = _scope(None)
    scope.apply_mapping({"payload.n": "2"})
    assert scope.payload == {"n": 2} and message.payload is None


def test_variables_without_context_are_the_same_but_the_context() -> None:
    scope, _ = _scope({"type": "menu"})
    scope.intent = "hi"
    full, light = scope.variables(), scope.variables(with_context=False)
    assert "context" not in light
    assert light == {k: v for k, v in full.items() if k != "context"}


def test_a_compiled_mapping_writes_what_the_mapping_writes() -> None:
    mapping = {"context.n": "(context.a || 0) + 1", "data.seen": "payload.type", "data.k": 3}
    plain, _ = _scope({"type": "menu"})
    compiled, _ = _scope({"type": "menu"})
    plain.apply_mapping(mapping)
    compiled.apply_mapping(compile_mapping(mapping))
    assert compiled.session.context == plain.session.context == {"a": 1, "$flow": "shadowed",
                                                                 "n": 2}
    assert compiled.session.data == plain.session.data == {"seen": "menu", "k": 3}


def test_a_compiled_mapping_with_a_syntax_error_raises_it_before_writing() -> None:
    scope, _ = _scope(None)
    compiled = compile_mapping({"context.x": "1", "context.y": "(("})
    with pytest.raises(ExpressionError):
        scope.apply_mapping(compiled)
    assert "x" not in scope.session.context


def test_own_context_is_the_flow_context_itself() -> None:
    scope, _ = _scope(None)
    variables = scope.variables(own_context=True)
    assert variables["context"] is scope.session.context
    assert scope.variables(with_context=False, own_context=True).get("context") is None


def test_variables_are_one_dict_brought_up_to_date() -> None:
    scope, _ = _scope({"type": "menu"})
    first = scope.variables(with_context=False)
    scope.intent, scope.result = "hi", 3
    again = scope.variables()
    assert again is first and again["intent"] == "hi" and again["result"] == 3
    context = again["context"]
    assert scope.variables()["context"] is not context  # a new context each time
