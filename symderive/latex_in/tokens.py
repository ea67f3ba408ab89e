r"""A small LaTeX tokenizer: commands, single characters and runs of white space, with offsets.

Both the document reader (where are the relations?) and the notation layer (what do the
names mean?) work on these tokens rather than on regular expressions over the raw text,
so that ``f`` inside ``\frac`` or ``\text{fan_in}`` is never mistaken for a name.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence


@dataclass(frozen=True)
class Token:
    r"""One token: ``kind`` is ``"command"`` (``\alpha``, ``\{``), ``"space"`` or ``"char"``."""

    kind: str
    text: str
    start: int  # offset of the first character in the tokenized text

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    def is_command(self, *names: str) -> bool:
        return self.kind == "command" and (not names or self.text in names)

    def is_char(self, *chars: str) -> bool:
        return self.kind == "char" and (not chars or self.text in chars)


def tokenize(text: str) -> list[Token]:
    r"""Split ``text`` into tokens; ``\`` followed by letters is one command, ``\`` + any other character too."""
    tokens: list[Token] = []
    position, length = 0, len(text)
    while position < length:
        ch = text[position]
        if ch == "\\":
            end = position + 1
            while end < length and text[end].isascii() and text[end].isalpha():
                end += 1
            if end == position + 1 and end < length:
                end += 1  # \{ \, \\ and friends: backslash and one character
            tokens.append(Token("command", text[position:end], position))
            position = end
        elif ch.isspace():
            end = position + 1
            while end < length and text[end].isspace():
                end += 1
            tokens.append(Token("space", text[position:end], position))
            position = end
        else:
            tokens.append(Token("char", ch, position))
            position += 1
    return tokens


OPENING = {"{": "}", "(": ")", "[": "]"}
CLOSING = {v: k for k, v in OPENING.items()}


def matching_brace(tokens: Sequence[Token], opening: int) -> int | None:
    """Index of the token closing the ``{``/``(``/``[`` at ``opening`` (same kind only), or None."""
    open_text = tokens[opening].text
    close_text = OPENING[open_text]
    depth = 0
    for index in range(opening, len(tokens)):
        token = tokens[index]
        if token.kind != "char":
            continue
        if token.text == open_text:
            depth += 1
        elif token.text == close_text:
            depth -= 1
            if depth == 0:
                return index
    return None


def next_non_space(tokens: Sequence[Token], index: int) -> int:
    """The first index at or after ``index`` that is not white space (``len(tokens)`` if none)."""
    while index < len(tokens) and tokens[index].kind == "space":
        index += 1
    return index
