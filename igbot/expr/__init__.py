"""JavaScript expressions for Kata-ML bots: conditions, mapping values and ``$(...)`` templates.

Our own lexer, Pratt parser and closure compiler for the subset of JavaScript bots use; nothing
is ever passed to ``eval``/``exec``. A missing variable or path reads as :data:`UNDEFINED`, and
evaluation raises nothing but :class:`igbot.ExpressionError`.

>>> compile_expr("intent == 'greeting' ? (context.n || 0) + 1 : 0").evaluate(
...     {"intent": "greeting", "context": {}})
1
"""

from igbot.expr._expression import Expression, compile_expr
from igbot.expr._template import Template, compile_template, render_value
from igbot.expr._values import (
    UNDEFINED,
    loose_equals,
    strict_equals,
    to_js_string,
    to_number,
    truthy,
)

__all__ = [
    "UNDEFINED",
    "Expression",
    "Template",
    "compile_expr",
    "compile_template",
    "loose_equals",
    "render_value",
    "strict_equals",
    "to_js_string",
    "to_number",
    "truthy",
]
