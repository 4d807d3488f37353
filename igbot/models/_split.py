"""Cutting and splitting text the way a reader sees it: never inside a grapheme.

A grapheme (``regex``'s ``\\X``) is what a person sees as one character: a letter with its
accents, a flag, a skin-toned emoji, a ZWJ family. Every cut here falls between two of them.
"""

from __future__ import annotations

import regex

__all__ = ["graphemes", "split_text", "truncate_chars", "truncate_graphemes"]

_GRAPHEME = regex.compile(r"\X")


def graphemes(text: str) -> list[str]:
    """The text's graphemes, in order."""
    return _GRAPHEME.findall(text)


def truncate_chars(text: str, max_chars: int) -> str:
    """The longest start of ``text`` of at most ``max_chars`` code points ending on a grapheme."""
    if len(text) <= max_chars:
        return text
    out: list[str] = []
    size = 0
    for g in graphemes(text):
        if size + len(g) > max_chars:
            break
        out.append(g)
        size += len(g)
    return "".join(out)


def truncate_graphemes(text: str, max_graphemes: int) -> str:
    """The first ``max_graphemes`` graphemes of ``text``."""
    return "".join(graphemes(text)[:max_graphemes])


def split_text(text: str, max_bytes: int = 1000) -> list[str]:
    """``text`` in parts of at most ``max_bytes`` UTF-8 bytes each.

    A part ends at the last whitespace that fits (the whitespace itself is dropped), else at the
    last grapheme that fits. Only a single grapheme longer than ``max_bytes`` (hundreds of
    combining marks) is cut between code points. Text that fits comes back as ``[text]``.
    """
    if max_bytes < 4:
        raise ValueError("max_bytes must be at least 4 (one code point)")
    if len(text.encode("utf-8")) <= max_bytes:
        return [text]
    units: list[str] = []
    for g in graphemes(text):
        if len(g.encode("utf-8")) <= max_bytes:
            units.append(g)
        else:
            units.extend(g)  # a monster grapheme: code points are the only place left to cut
    parts: list[str] = []
    start = 0
    while start < len(units):
        size = 0
        end = start
        last_space = -1
        while end < len(units):
            n = len(units[end].encode("utf-8"))
            if size + n > max_bytes:
                break
            if units[end].isspace():
                last_space = end
            size += n
            end += 1
        if end >= len(units):
            parts.append("".join(units[start:]))
            break
        if units[end].isspace():
            cut, resume = end, end + 1  # the part ends right before a space
        elif last_space > start:
            cut, resume = last_space, last_space + 1
        else:
            cut, resume = end, end
        part = "".join(units[start:cut]).rstrip()
        if part:
            parts.append(part)
        start = resume
        while start < len(units) and units[start].isspace():
            start += 1
    return [p for p in parts if p] or [""]
