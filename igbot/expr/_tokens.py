"""The lexer: JavaScript expression text to tokens, with 0-based positions for error messages."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from igbot._errors import ExpressionSyntaxError
from igbot.expr._values import JS_WHITESPACE, MAX_SAFE_INT

__all__ = ["KEYWORDS", "Token", "iter_tokens", "tokenize"]

KEYWORDS: Final = frozenset({"true", "false", "null", "undefined", "typeof"})
_UNSUPPORTED_WORDS: Final = frozenset(
    {
        "new", "function", "this", "var", "let", "const", "return", "class", "delete", "void",
        "in", "instanceof", "await", "yield", "import", "super", "if", "else", "for", "while",
        "do", "switch", "throw", "try", "catch", "with", "debugger", "export", "extends",
    }
)  # fmt: skip
_PUNCTUATORS: Final = (
    "===", "!==", "**=", "...", ">>>", "&&=", "||=", "??=",
    "?.", "??", "==", "!=", "<=", ">=", "&&", "||", "**", "=>", "++", "--", "+=", "-=", "*=",
    "/=", "%=", "<<", ">>", "&=", "|=", "^=",
    "(", ")", "[", "]", "{", "}", ".", ",", "?", ":", "!", "<", ">", "+", "-", "*", "/", "%",
    "=", "&", "|", "^", "~", ";",
)  # fmt: skip
_SIMPLE_ESCAPES: Final = {
    "n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v",
}  # fmt: skip
_LINE_BREAKS: Final = "\n\r\u2028\u2029"


@dataclass(slots=True, frozen=True)
class Token:
    """One token: ``kind`` is num, str, name, punct, regex or eof."""

    kind: str
    value: Any
    start: int
    end: int


def _is_id_start(c: str) -> bool:
    return c == "$" or c == "_" or c.isalpha()


def _is_id_part(c: str) -> bool:
    return c == "$" or c == "_" or c.isalnum()


class _Lexer:
    def __init__(self, text: str, pos: int) -> None:
        self.text, self.pos = text, pos

    def error(self, message: str, pos: int) -> ExpressionSyntaxError:
        return ExpressionSyntaxError(message, self.text, pos)

    def skip_space(self) -> None:
        text, n = self.text, len(self.text)
        while self.pos < n and text[self.pos] in JS_WHITESPACE:
            self.pos += 1

    def next(self, regex_allowed: bool) -> Token:
        self.skip_space()
        text, start = self.text, self.pos
        if start >= len(text):
            return Token("eof", None, start, start)
        c = text[start]
        if c.isdigit() or (c == "." and text[start + 1 : start + 2].isdigit()):
            return self.number()
        if c in "'\"":
            return self.string(c)
        if _is_id_start(c):
            end = start + 1
            while end < len(text) and _is_id_part(text[end]):
                end += 1
            self.pos = end
            word = text[start:end]
            if word in _UNSUPPORTED_WORDS:
                raise self.error(f"'{word}' is not supported in expressions", start)
            return Token("name", word, start, end)
        if c == "/" and regex_allowed:
            return self.regex()
        if c == "`":
            raise self.error("template literals (`...`) are not supported", start)
        for p in _PUNCTUATORS:
            if text.startswith(p, start):
                if p == "?." and text[start + 2 : start + 3].isdigit():
                    continue  # `a ?.5 : b` is a ternary
                self.pos = start + len(p)
                return Token("punct", p, start, self.pos)
        raise self.error(f"unexpected character {c!r}", start)

    def number(self) -> Token:
        text, start = self.text, self.pos
        n = len(text)
        end = start
        value: int | float
        if text[start] == "0" and text[start + 1 : start + 2].lower() in ("x", "o", "b"):
            base = {"x": 16, "o": 8, "b": 2}[text[start + 1].lower()]
            end = start + 2
            while end < n and text[end].isalnum():
                end += 1
            try:
                value = int(text[start + 2 : end], base)
            except ValueError:
                raise self.error("malformed number", start) from None
        else:
            while end < n and text[end].isdigit():
                end += 1
            if end - start > 1 and text[start] == "0":
                raise self.error(
                    "numbers with a leading zero (legacy octal) are not allowed", start
                )
            is_float = False
            if end < n and text[end] == ".":
                is_float = True
                end += 1
                while end < n and text[end].isdigit():
                    end += 1
            if end < n and text[end] in "eE":
                e = end + 1
                if e < n and text[e] in "+-":
                    e += 1
                if e >= n or not text[e].isdigit():
                    raise self.error("malformed exponent", end)
                while e < n and text[e].isdigit():
                    e += 1
                end, is_float = e, True
            raw = text[start:end]
            if not raw.isascii():
                raise self.error("malformed number", start)
            if is_float or end - start > 300:
                f = float(raw)
                value = int(f) if f.is_integer() and abs(f) <= MAX_SAFE_INT else f
            else:
                value = int(raw)
        if end < n and _is_id_part(text[end]):
            raise self.error("identifier starts immediately after a number", end)
        if isinstance(value, int) and abs(value) > MAX_SAFE_INT:
            value = float(value)
        self.pos = end
        return Token("num", value, start, end)

    def string(self, quote: str) -> Token:
        text, start = self.text, self.pos
        n = len(text)
        i = start + 1
        out: list[str] = []
        while True:
            if i >= n or text[i] in "\n\r":
                raise self.error("unterminated string", start)
            c = text[i]
            if c == quote:
                i += 1
                break
            if c != "\\":
                j = i
                while j < n and text[j] not in (quote, "\\", "\n", "\r"):
                    j += 1
                out.append(text[i:j])
                i = j
                continue
            if i + 1 >= n:
                raise self.error("unterminated string", start)
            e = text[i + 1]
            i += 2
            if e in _SIMPLE_ESCAPES:
                out.append(_SIMPLE_ESCAPES[e])
            elif e == "0" and not text[i : i + 1].isdigit():
                out.append("\0")
            elif e == "x":
                out.append(self._hex(i, 2, 0xFF, i - 2))
                i += 2
            elif e == "u":
                if text[i : i + 1] == "{":
                    close = text.find("}", i)
                    if close < 0:
                        raise self.error("malformed \\u{...} escape", i - 2)
                    out.append(self._hex(i + 1, close - i - 1, 0x10FFFF, i - 2))
                    i = close + 1
                else:
                    out.append(self._hex(i, 4, 0xFFFF, i - 2))
                    i += 4
            elif e in _LINE_BREAKS:
                if e == "\r" and text[i : i + 1] == "\n":
                    i += 1
            elif e.isdigit():
                raise self.error("octal escapes are not allowed", i - 2)
            else:
                out.append(e)
        self.pos = i
        return Token("str", _join_surrogates("".join(out)), start, i)

    def _hex(self, pos: int, length: int, max_value: int, escape_at: int) -> str:
        digits = self.text[pos : pos + length]
        if (
            length == 0
            or len(digits) != length
            or not all(c in "0123456789abcdefABCDEF" for c in digits)
            or int(digits, 16) > max_value
        ):
            raise self.error("malformed escape sequence", escape_at)
        return chr(int(digits, 16))

    def regex(self) -> Token:
        text, start = self.text, self.pos
        n = len(text)
        i = start + 1
        in_class = False
        while True:
            if i >= n or text[i] in _LINE_BREAKS:
                raise self.error("unterminated regular expression", start)
            c = text[i]
            if c == "\\":
                i += 2
                continue
            if c == "[":
                in_class = True
            elif c == "]":
                in_class = False
            elif c == "/" and not in_class:
                break
            i += 1
        body = text[start + 1 : i]
        i += 1
        flags_start = i
        while i < n and _is_id_part(text[i]):
            i += 1
        self.pos = i
        return Token("regex", (body, text[flags_start:i]), start, i)


def _join_surrogates(s: str) -> str:
    """Combine UTF-16 surrogate pairs from escapes; a lone surrogate becomes U+FFFD."""
    if not any("\ud800" <= c <= "\udfff" for c in s):
        return s
    out: list[str] = []
    i = 0
    while i < len(s):
        c = s[i]
        if "\ud800" <= c <= "\udbff" and i + 1 < len(s) and "\udc00" <= s[i + 1] <= "\udfff":
            out.append(chr(0x10000 + ((ord(c) - 0xD800) << 10) + (ord(s[i + 1]) - 0xDC00)))
            i += 2
            continue
        out.append("\ufffd" if "\ud800" <= c <= "\udfff" else c)
        i += 1
    return "".join(out)


def _regex_allowed(prev: Token | None) -> bool:
    if prev is None:
        return True
    if prev.kind == "punct":
        return prev.value not in (")", "]", "}")
    return prev.kind == "name" and prev.value == "typeof"


def iter_tokens(text: str, pos: int = 0) -> Iterator[Token]:
    """Yield tokens of ``text`` from ``pos``, ending with an ``eof`` token."""
    lexer = _Lexer(text, pos)
    prev: Token | None = None
    while True:
        tok = lexer.next(_regex_allowed(prev))
        yield tok
        if tok.kind == "eof":
            return
        prev = tok


def tokenize(text: str) -> list[Token]:
    """All tokens of ``text``, ending with an ``eof`` token."""
    return list(iter_tokens(text))
