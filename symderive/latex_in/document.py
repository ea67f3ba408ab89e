r"""Reading documents: where the maths is, and which relations it states.

A ``.tex`` or ``.md`` file is scanned for maths (``$$…$$``, ``\[…\]``, ``$…$`` and ``\(…\)``
in prose, ``equation``, ``align``, ``gather``, ``multline`` and their starred forms, with
``aligned``/``split``/``gathered`` inside) and for directives (``% symderive: …`` in TeX,
``<!-- symderive: … -->`` in Markdown).  Each display is cut into lines at ``\\``, each
line into a main chain and side remarks, each chain into relations ``a = b``, ``b = c``:

* ``&``, ``\tag``, ``\label``, ``\therefore``, numbering such as ``4. \quad`` or
  ``(a) \quad``, prose ``\text{Hence, }`` and trailing punctuation are not maths;
* after ``\quad`` (often behind a comma) comes a side remark, judged as its own chain;
  a remark that only states a range (``l = 1, \dots, L-1``) or a domain (``x \in …``)
  is not a relation;
* a line without a relation that starts with an operator (``&\quad + …``) continues
  the side above it; a display that starts with ``=`` continues the display before;
* after prose that opens a condition (``\text{ for } t > 0``, ``\quad \text{if $x \ne 0$}``,
  ``\text{where } a = 2``) come conditions: they are not claims, and each relation of the line
  carries them, to be judged under them.

Every relation keeps the offset of its sign, and every character of its sides keeps its
offset in the file, so a report can say line and column.  Nothing here parses maths.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterator, Sequence, Union

from .tokens import Token, next_non_space, tokenize

MAX_DOCUMENT_BYTES = 1_000_000

MATH_ENVIRONMENTS = frozenset(
    name + star
    for name in ("equation", "align", "gather", "multline", "flalign", "eqnarray", "displaymath", "math", "alignat")
    for star in ("", "*")
)
# Environments that only lay out lines inside a display.
LAYOUT_ENVIRONMENTS = frozenset(("aligned", "split", "gathered", "alignedat", "multlined"))
VERBATIM_ENVIRONMENTS = frozenset(("verbatim", "verbatim*", "lstlisting", "minted", "comment"))

DIRECTIVE_PREFIX = "symderive:"

# Relation signs and how the report spells them.
SIGN_COMMANDS = {
    r"\le": "<=", r"\leq": "<=", r"\leqslant": "<=", r"\ge": ">=", r"\geq": ">=", r"\geqslant": ">=",
    r"\lt": "<", r"\gt": ">", r"\neq": "!=", r"\ne": "!=", r"\sim": "~", r"\coloneqq": ":=",
    r"\approx": "≈", r"\simeq": "≈", r"\equiv": "≡", r"\propto": "∝", r"\cong": "≅",
}
SIGN_CHARS = {"=": "=", "<": "<", ">": ">", "≤": "<=", "≥": ">=", "≠": "!=", "≈": "≈"}
# Between two statements, never inside one.
SEPARATOR_COMMANDS = frozenset((
    r"\quad", r"\qquad", r"\implies", r"\Rightarrow", r"\Longrightarrow", r"\iff", r"\Leftrightarrow",
    r"\Longleftrightarrow", r"\therefore", r"\because", r"\hspace", r"\text", r"\textrm", r"\mbox",
    r"\textbf", r"\textit", r"\intertext",
))
# A segment using one of these states a domain, not an equation to check.
DOMAIN_COMMANDS = frozenset((r"\in", r"\notin", r"\subset", r"\subseteq", r"\forall", r"\exists", r"\mid"))
DOTS = frozenset((r"\dots", r"\ldots", r"\cdots", r"\dotsc", r"\dotsb"))
CONTINUING_OPERATORS = frozenset(("+", "-", "/", r"\cdot", r"\times", r"\pm", r"\mp"))
PROSE_COMMANDS = frozenset((r"\text", r"\textrm", r"\mbox", r"\textbf", r"\textit", r"\intertext"))
ANNOTATION_COMMANDS = frozenset((r"\nonumber", r"\notag", r"\displaystyle", r"\hfill", r"\noindent"))
ANNOTATION_WITH_ARGUMENT = frozenset((r"\tag", r"\tag*", r"\label", r"\eqref", r"\hspace", r"\vspace"))
# Prose that opens a condition on the claims before it (``\text{ for } t > 0``).
CONDITION_WORDS = frozenset(("for", "if", "when", "whenever", "where", "provided", "assuming", "given", "with",
                             "since", "because", "as", "assume", "suppose"))  # never "unless": it negates
DOMAIN_SIGN = "in"  # of a condition that states a domain or a range (both sides are the whole statement)
PROSE_WORDS = frozenset(("and", "or", "where", "for", "if", "since", "hence", "thus", "so", "with", "then",
                         "because", "therefore", "by", "using", "when", "all", "any", "some"))


class DocumentError(Exception):
    """The file cannot be read at all (missing, unreadable, too large)."""


@dataclass(frozen=True)
class Place:
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.line}:{self.column}"


@dataclass(frozen=True)
class Side:
    """One side of a relation as written; ``origins[i]`` is the file offset of ``text[i]``."""

    text: str
    origins: tuple[int, ...]

    @property
    def shown(self) -> str:
        """The side with white space runs collapsed, as a report shows it."""
        return " ".join(self.text.split())

    def joined(self, more: "Side") -> "Side":
        return Side(self.text + " " + more.text, self.origins + (more.origins[0],) + more.origins)


@dataclass(frozen=True)
class Relation:
    """``lhs sign rhs``; ``sign`` is one of ``= < > <= >= != := ~`` (or ``≈ ≡ ∝ ≅``, not judged)."""

    lhs: Side
    sign: str
    rhs: Side
    offset: int  # of the relation sign
    prose: bool = False  # written inline in prose (``$…$``), where a relation is often a hypothesis or a case
    conditions: tuple["Relation", ...] = ()  # ``t > 0`` of ``\text{ for } t > 0`` after it: it is claimed under them


@dataclass(frozen=True)
class DirectiveLine:
    text: str
    offset: int


@dataclass(frozen=True)
class ReadingProblem:
    """Something in the document that is not well formed, e.g. an unclosed ``$$``."""

    message: str
    offset: int


Item = Union[Relation, DirectiveLine, ReadingProblem]


@dataclass(frozen=True)
class Document:
    name: str
    text: str
    items: tuple[Item, ...]
    _line_starts: tuple[int, ...] = field(default=(), repr=False, compare=False)

    def place(self, offset: int) -> Place:
        starts = self._line_starts or _line_starts(self.text)
        line = bisect_right(starts, offset)
        return Place(line, offset - starts[line - 1] + 1)

    @property
    def relations(self) -> tuple[Relation, ...]:
        return tuple(item for item in self.items if isinstance(item, Relation))


def _line_starts(text: str) -> tuple[int, ...]:
    return (0,) + tuple(m.end() for m in re.finditer("\n", text))


def read_document(path: Path, limit: int = MAX_DOCUMENT_BYTES) -> Document:
    """Read a ``.tex`` or ``.md`` file (anything else is read as Markdown)."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise DocumentError(f"{path}: {size} bytes is over the limit of {limit} bytes")
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        raise DocumentError(f"cannot read {path}: {exc.strerror or exc}") from None
    return parse_document(text, str(path), kind_of(path))


def kind_of(path: Path) -> str:
    return "tex" if path.suffix.lower() in (".tex", ".latex", ".ltx") else "md"


def parse_document(text: str, name: str = "<text>", kind: str = "md") -> Document:
    """The directives and relations of ``text``, in document order."""
    items: list[Item] = []
    tail: Side | None = None  # the last side of the previous display, for a display starting with "="
    for region in _scan(text, kind):
        if isinstance(region, (DirectiveLine, ReadingProblem)):
            items.append(region)
            continue
        found, display_tail = _relations_in_region(text, region, tail if region.display else None, kind)
        items.extend(found)
        if region.display:
            tail = display_tail
    return Document(name, text, tuple(sorted(items, key=lambda item: item.offset)), _line_starts(text))


# -- finding the maths ---------------------------------------------------------


@dataclass(frozen=True)
class _Region:
    start: int  # content start
    end: int  # content end
    display: bool


def _scan(text: str, kind: str) -> Iterator[_Region | DirectiveLine | ReadingProblem]:
    """Maths regions, directives and problems, left to right."""
    position, length = 0, len(text)
    at_line_start = True
    while position < length:
        ch = text[position]
        if kind == "md" and at_line_start and text.startswith(("```", "~~~"), _skip_indent(text, position)):
            position = _after_fence(text, _skip_indent(text, position))
            continue
        at_line_start = ch == "\n"
        if kind == "md" and ch == "`":
            position = _after_code_span(text, position)
        elif kind == "md" and text.startswith("<!--", position):
            close = text.find("-->", position + 4)
            end = length if close == -1 else close
            yield from _directives_in(text, position + 4, end)
            position = end + 3
        elif kind == "tex" and ch == "%":
            end = _line_end(text, position)
            yield from _directives_in(text, position + 1, end)
            position = end
        elif ch == "\\":
            found = _backslash_region(text, position, kind)
            if found is None:
                position += 2  # an escaped character (\$, \%) or a command we do not open
            elif isinstance(found, ReadingProblem):
                yield found
                return
            else:
                region, position = found
                if region is not None:
                    yield region
        elif ch == "$":
            found = _dollar_region(text, position)
            if isinstance(found, ReadingProblem):
                yield found
                return
            region, position = found
            if region is not None:
                yield region
        else:
            position += 1


def _skip_indent(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t":
        position += 1
    return position


def _line_end(text: str, position: int) -> int:
    end = text.find("\n", position)
    return len(text) if end == -1 else end


def _after_fence(text: str, position: int) -> int:
    fence = text[position : position + 3]
    close = text.find("\n" + fence, position + 3)
    return len(text) if close == -1 else _line_end(text, close + 1)


def _after_code_span(text: str, position: int) -> int:
    run = len(text[position:]) - len(text[position:].lstrip("`"))
    close = text.find("`" * run, position + run)
    paragraph_end = text.find("\n\n", position)
    if close == -1 or (paragraph_end != -1 and close > paragraph_end):
        return position + run  # a lone backtick is just a character
    return close + run


def _directives_in(text: str, start: int, end: int) -> Iterator[DirectiveLine]:
    """Directive lines in a comment: the first line after ``symderive:``, and the lines that follow."""
    body = text[start:end]
    stripped = body.lstrip()
    if not stripped.startswith(DIRECTIVE_PREFIX):
        return
    offset = start + (len(body) - len(stripped)) + len(DIRECTIVE_PREFIX)
    for line in text[offset:end].split("\n"):
        content = line.strip()
        if content.startswith(DIRECTIVE_PREFIX):
            content = content[len(DIRECTIVE_PREFIX):].strip()
        if content:
            yield DirectiveLine(content, offset + line.find(content[0]) if content else offset)
        offset += len(line) + 1


_BEGIN = re.compile(r"\\begin\s*\{([A-Za-z*]+)\}")


def _backslash_region(text: str, position: int, kind: str):
    r"""A region opened by ``\[``, ``\(`` or ``\begin{…}`` at ``position``; None for anything else."""
    if text.startswith(r"\[", position) or text.startswith(r"\(", position):
        closing = r"\]" if text[position + 1] == "[" else r"\)"
        close = _find_unescaped(text, closing, position + 2)
        if close == -1:
            return ReadingProblem(f"{text[position:position + 2]} is never closed: expected {closing}", position)
        return _Region(position + 2, close, closing == r"\]"), close + 2
    begin = _BEGIN.match(text, position)
    if begin is None:
        return None
    environment = begin.group(1)
    if environment not in MATH_ENVIRONMENTS and environment not in VERBATIM_ENVIRONMENTS:
        return None, begin.end()
    end_marker = re.compile(r"\\end\s*\{" + re.escape(environment) + r"\}")
    close = end_marker.search(text, begin.end())
    if close is None:
        return ReadingProblem(f"\\begin{{{environment}}} is never closed: expected \\end{{{environment}}}", position)
    if environment in VERBATIM_ENVIRONMENTS:
        return None, close.end()
    return _Region(begin.end(), close.start(), environment not in ("math",)), close.end()


def _find_unescaped(text: str, needle: str, start: int) -> int:
    while True:
        found = text.find(needle, start)
        if found == -1 or not _escaped(text, found):
            return found
        start = found + 1


def _escaped(text: str, position: int) -> bool:
    backslashes = 0
    while position - backslashes - 1 >= 0 and text[position - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def _dollar_region(text: str, position: int):
    if text.startswith("$$", position):
        close = _find_unescaped(text, "$$", position + 2)
        if close == -1:
            return ReadingProblem("$$ is never closed: expected a closing $$", position)
        return _Region(position + 2, close, True), close + 2
    # Inline $…$: opens before a non-space, closes after one, within the paragraph.
    if position + 1 >= len(text) or text[position + 1].isspace():
        return None, position + 1
    paragraph_end = text.find("\n\n", position)
    limit = len(text) if paragraph_end == -1 else paragraph_end
    search = position + 1
    while True:
        close = _find_unescaped(text, "$", search)
        if close == -1 or close >= limit:
            return None, position + 1  # a lone dollar sign is just a character
        if text.startswith("$$", close):
            return None, position + 1
        if not text[close - 1].isspace():
            return _Region(position + 1, close, False), close + 1
        search = close + 1


# -- from a region to relations -------------------------------------------------


def _relations_in_region(text: str, region: _Region, tail: Side | None, kind: str) -> tuple[list[Item], Side | None]:
    chars = list(text[region.start : region.end])
    if kind == "tex":
        _blank_comments(chars)
    _blank_annotations(chars)
    chain = _Chain(region.start, tail)
    for start, end in _lines(chars):
        chain.add_line(chars, start, end)
    if region.display:
        return chain.items, chain.main_tail
    return [replace(item, prose=True) if isinstance(item, Relation) else item for item in chain.items], chain.main_tail


def _blank(chars: list[str], start: int, end: int) -> None:
    for index in range(max(start, 0), min(end, len(chars))):
        if chars[index] != "\n":
            chars[index] = " "


def _blank_comments(chars: list[str]) -> None:
    text = "".join(chars)
    for token in tokenize(text):
        if token.is_char("%"):
            _blank(chars, token.start, _line_end(text, token.start))


def _group_end(tokens: Sequence[Token], index: int) -> int:
    """Index after a ``{…}`` group starting at or after ``index`` (white space skipped); ``index`` if none."""
    from .tokens import matching_brace, next_non_space

    opening = next_non_space(tokens, index)
    if opening < len(tokens) and tokens[opening].is_char("{"):
        close = matching_brace(tokens, opening)
        if close is not None:
            return close + 1
    return index


def _blank_annotations(chars: list[str]) -> None:
    r"""Blank what is never maths: layout environments, ``\tag{…}``, ``\label{…}``, ``\nonumber``."""
    tokens = tokenize("".join(chars))
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.is_command(r"\begin", r"\end"):
            after = _group_end(tokens, index + 1)
            name = "".join(t.text for t in tokens[index + 1 : after]).strip().strip("{}").strip()
            if name in LAYOUT_ENVIRONMENTS:
                if name == "alignedat" and token.text == r"\begin":
                    after = _group_end(tokens, after)
                _blank(chars, token.start, tokens[after - 1].end)
                index = after
                continue
        if token.is_command(*ANNOTATION_COMMANDS):
            _blank(chars, token.start, token.end)
        elif token.is_command(*ANNOTATION_WITH_ARGUMENT):
            star = index + 1 < len(tokens) and tokens[index + 1].is_char("*")
            after = _group_end(tokens, index + 1 + star)
            _blank(chars, token.start, tokens[after - 1].end)
            index = after
            continue
        index += 1


def _lines(chars: list[str]) -> list[tuple[int, int]]:
    r"""Spans of the lines of a display: split at ``\\`` outside braces and nested environments."""
    tokens = tokenize("".join(chars))
    spans, start, depth = [], 0, 0
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.is_char("{"):
            depth += 1
        elif token.is_char("}"):
            depth = max(depth - 1, 0)
        elif token.is_command(r"\begin"):
            depth += 1
        elif token.is_command(r"\end"):
            depth = max(depth - 1, 0)
        elif token.is_command("\\\\", r"\cr", r"\newline") and depth == 0:
            spans.append((start, token.start))
            end = token.end
            following = index + 1
            while following < len(tokens) and tokens[following].kind == "space":
                following += 1
            if following < len(tokens) and tokens[following].is_char("["):  # \\[4pt]
                close = next((i for i in range(following, len(tokens)) if tokens[i].is_char("]")), None)
                if close is not None:
                    _blank(chars, tokens[following].start, tokens[close].end)
                    index, end = close, tokens[close].end
            start = end
        index += 1
    spans.append((start, len(chars)))
    return spans


class _Chain:
    """Builds relations from the lines of one region, keeping the side to continue."""

    def __init__(self, base: int, tail: Side | None) -> None:
        self.base = base
        self.items: list[Item] = []
        self.main_tail = tail  # the side a line starting with a relation continues
        self.tail_is_last_rhs = False
        self.inherited = tail is not None  # the tail is the previous display's until a line is read here

    def add_line(self, chars: list[str], start: int, end: int) -> None:
        _blank_alignment(chars, start, end)
        _blank_numbering(chars, start, end)
        held = _blank_prose_groups(chars, start, end)
        segments = [(s, e, condition) for s, e, condition in _segments(chars, start, end, held)
                    if not _is_blank(chars, (s, e))]
        claims = [(s, e) for s, e, condition in segments if not condition]
        if not claims:
            return
        first = len(self.items)
        main, *remarks = claims
        self._add_main(chars, main)
        self.inherited = False
        for remark in remarks:
            self._add_remark(chars, remark)
        conditions = tuple(relation for s, e, condition in segments if condition
                           for relation in self._conditions(chars, (s, e)))
        if conditions:
            self.items[first:] = [replace(item, conditions=conditions) if isinstance(item, Relation) else item
                                  for item in self.items[first:]]

    def _conditions(self, chars: list[str], segment: tuple[int, int]) -> list[Relation]:
        """The relations a condition states (``0 < t < 1``: two); none for a bare name (``for all x``).

        A domain or a range (``t \\in (0, 1)``, ``l = 1, \\dots, L``) restricts too, but is not read: it is kept
        whole, with the sign ``in`` (see :data:`DOMAIN_SIGN`), for the judge to know the claim is restricted."""
        pieces = _split_relations(chars, segment, self.base)
        if pieces is None:
            side = _side(chars, segment[0], segment[1], self.base)
            return [] if side is None else [Relation(side, DOMAIN_SIGN, side, side.origins[0])]
        sides, signs = pieces
        return [Relation(lhs, sign, rhs, offset) for (sign, offset), lhs, rhs in zip(signs, sides, sides[1:])
                if lhs is not None and rhs is not None]

    def _add_main(self, chars: list[str], segment: tuple[int, int]) -> None:
        pieces = _split_relations(chars, segment, self.base)
        if pieces is None:  # a range or a domain statement
            return
        sides, signs = pieces
        if not signs:
            only = sides[0]
            if only is None:
                return
            # an operator continues the side above in this display, not the last one of an earlier display
            # (a display that starts with a relation sign does continue it)
            if self.main_tail is not None and _starts_with_operator(only) and not self.inherited:
                self._continue(only)
            else:
                self.main_tail, self.tail_is_last_rhs = only, False
            return
        if sides[0] is None:
            if self.main_tail is None:
                self.items.append(ReadingProblem(f"nothing before {signs[0][0]!r} to continue", signs[0][1]))
                return
            sides[0] = self.main_tail
        self._emit(sides, signs)

    def _add_remark(self, chars: list[str], segment: tuple[int, int]) -> None:
        pieces = _split_relations(chars, segment, self.base)
        if pieces is None:
            return
        sides, signs = pieces
        if signs and sides[0] is not None:
            saved = (self.main_tail, self.tail_is_last_rhs)
            self._emit(sides, signs)
            self.main_tail, self.tail_is_last_rhs = saved
        elif not signs and sides[0] is not None and self.main_tail is not None and _starts_with_operator(sides[0]):
            self._continue(sides[0])

    def _emit(self, sides: list[Side | None], signs: list[tuple[str, int]]) -> None:
        for (sign, offset), lhs, rhs in zip(signs, sides, sides[1:]):
            if lhs is None or rhs is None:
                self.items.append(ReadingProblem(f"a side of {sign!r} is empty", offset))
                continue
            self.items.append(Relation(lhs, sign, rhs, offset))
        self.main_tail = sides[-1]
        self.tail_is_last_rhs = sides[-1] is not None and bool(signs)

    def _continue(self, more: Side) -> None:
        """A line such as ``&\\quad + x`` extends the side above it."""
        assert self.main_tail is not None
        extended = self.main_tail.joined(more)
        if self.tail_is_last_rhs and self.items and isinstance(self.items[-1], Relation):
            last = self.items[-1]
            self.items[-1] = Relation(last.lhs, last.sign, extended, last.offset)
        self.main_tail = extended


def _is_blank(chars: list[str], span: tuple[int, int]) -> bool:
    return not "".join(chars[span[0] : span[1]]).strip()


def _depth_tokens(tokens: Sequence[Token]) -> Iterator[tuple[int, Token, int]]:
    r"""(index, token, depth before it) for every token; ``\left``/``\right`` and ``\{ \}`` count as brackets."""
    depth = 0
    skip_next = False
    for index, token in enumerate(tokens):
        if skip_next and token.kind != "space":
            skip_next = False
            continue
        yield index, token, depth
        if token.is_char("{", "(", "[") or token.is_command(r"\{", r"\langle", r"\lvert", r"\lVert", r"\begin"):
            depth += 1
        elif token.is_char("}", ")", "]") or token.is_command(r"\}", r"\rangle", r"\rvert", r"\rVert", r"\end"):
            depth = max(depth - 1, 0)
        elif token.is_command(r"\left", r"\bigl", r"\Bigl", r"\biggl", r"\Biggl"):
            depth += 1
            skip_next = True  # the delimiter belongs to \left
        elif token.is_command(r"\right", r"\bigr", r"\Bigr", r"\biggr", r"\Biggr"):
            depth = max(depth - 1, 0)
            skip_next = True


def _blank_alignment(chars: list[str], start: int, end: int) -> None:
    for index, token, depth in _depth_tokens(tokenize("".join(chars[start:end]))):
        if token.is_char("&") and depth == 0:
            chars[start + token.start] = " "


_NUMBERED = re.compile(r"\s*\d{1,3}\.(?=\s|\\quad|\\qquad)")
_LABELLED = re.compile(r"\s*\(\s*(?:[a-z]{1,4}|\d{1,3})\s*\)\s*(?=\\quad|\\qquad)")


def _blank_numbering(chars: list[str], start: int, end: int) -> None:
    """``4.`` and ``(a) \\quad`` at the start of a line number a problem; they are not maths.

    ``(a)`` needs the ``\\quad``: ``(a) (b + c)`` is a product.
    """
    line = "".join(chars[start:end])
    found = _NUMBERED.match(line) or _LABELLED.match(line)
    if found:
        _blank(chars, start, start + found.end())


def _is_prose(tokens: Sequence[Token], index: int) -> bool:
    r"""Whether the ``\text{…}`` at ``index`` holds words of prose rather than a name (``\text{Var}``)."""
    if not tokens[index].is_command(*PROSE_COMMANDS):
        return False
    after = _group_end(tokens, index + 1)
    if after == index + 1:
        return True
    content = "".join(t.text for t in tokens[index + 1 : after]).strip()[1:-1]
    words = content.replace(r"\_", "_").strip()
    return not words or bool(re.search(r"\s|[,.;:!?']", content)) or words.lower() in PROSE_WORDS


def _blank_prose_groups(chars: list[str], start: int, end: int) -> list[tuple[int, int]]:
    r"""A parenthesised remark such as ``(\text{Since } -\log \text{ convex})`` is not maths; of a bracketed
    condition (``(\text{for } t > 0)``) only the brackets go.  The spans (in ``chars``) of those conditions."""
    tokens = tokenize("".join(chars[start:end]))
    from .tokens import matching_brace

    held: list[tuple[int, int]] = []
    index = 0
    while index < len(tokens):
        if tokens[index].is_char("("):
            close = matching_brace(tokens, index)
            if close is not None and _states_a_condition(tokens, index, close):
                # ``(\text{for } t > 0)``: only the brackets go, the condition is read as one after a claim
                for bracket in (index, close):
                    owner = bracket - 1 if bracket > 0 and tokens[bracket - 1].is_command(r"\left", r"\right") else bracket
                    _blank(chars, start + tokens[owner].start, start + tokens[bracket].end)
                held.append((start + tokens[index].start, start + tokens[close].end))
                index = close
            elif close is not None and any(_is_prose(tokens, i)
                                           for i in _outside_environments(tokens, index + 1, close)):
                _blank(chars, start + tokens[index].start, start + tokens[close].end)
                index = close
        index += 1
    return held


def _states_a_condition(tokens: Sequence[Token], opening: int, close: int) -> bool:
    r"""Whether the bracket ``(…)`` at ``opening`` starts with prose that opens a condition (``(\text{for } t > 0)``,
    ``(\text{if $x \ne 0$})``): its maths is a condition on the claim before it, not a remark to drop."""
    first = opening + 1
    while first < close and tokens[first].kind == "space":
        first += 1
    if first >= close or not _is_prose(tokens, first):
        return False
    return _opens_condition(tokens, first, _group_end(tokens, first + 1), False)


def _outside_environments(tokens: Sequence[Token], start: int, end: int) -> list[int]:
    r"""The token indices in ``start..end`` outside nested ``\begin…\end`` environments (the
    ``\text{for}`` of a ``cases`` is part of the maths, not a remark)."""
    found, depth = [], 0
    for index in range(start, end):
        if tokens[index].is_command(r"\begin"):
            depth += 1
        elif tokens[index].is_command(r"\end"):
            depth = max(depth - 1, 0)
        elif depth == 0:
            found.append(index)
    return found


def _segments(chars: list[str], start: int, end: int, held: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int, bool]]:
    r"""Spans of a line between separators (``\quad``, prose ``\text{…}``, ``\implies``) at depth 0, each with
    whether it is a condition: after prose opening one (``\text{ for }``), until other prose, an implication or a
    ``\quad`` after its maths (one right after the prose keeps it), or maths inside such prose
    (``\text{for $t > 0$}``).  Inside a bracketed condition (``held``, spans in ``chars``) nothing ends it."""
    tokens = tokenize("".join(chars[start:end]))
    spans, segment_start, condition = [], 0, False
    stated = False  # the open condition has maths since its last prose: a \quad after it starts a new statement
    awaiting = True  # the last prose ends with a word that wants maths after it (``for``, ``for all``, ``and``)
    skip_until = -1
    for index, token, depth in _depth_tokens(tokens):
        if index < skip_until or depth > 0:
            continue
        if token.is_command(*SEPARATOR_COMMANDS) and (
            not token.is_command(*PROSE_COMMANDS) or _is_prose(tokens, index)
        ):
            after = _group_end(tokens, index + 1) if token.is_command(*PROSE_COMMANDS, r"\hspace") else index + 1
            spans.append((start + segment_start, start + token.start, condition))
            stated = stated or (condition and not _is_blank(chars, spans[-1][:2]))
            inside = any(a <= start + token.start < b for a, b in held)
            if token.is_command(*PROSE_COMMANDS):
                condition = _opens_condition(tokens, index, after, condition) or (condition and inside)
                stated, awaiting = False, _awaits_maths(tokens, index, after)  # nothing stated after this prose yet
            elif not token.is_command(r"\quad", r"\qquad", r"\hspace"):
                condition, stated = condition and inside, False
            elif (stated or not awaiting) and not inside and not _is_prose_at(tokens, next_non_space(tokens, after)):
                # ``\text{for } t > 0 \quad c = d``, ``\text{as required} \quad c = d``: c = d is claimed
                condition, stated = False, False
            inner = _inner_maths(tokens, index, after) if condition else []
            stated = stated or bool(inner)
            kept = [(a, b, chars[start + a : start + b]) for a, b in inner]
            _blank(chars, start + token.start, start + (tokens[after - 1].end if after > index else token.end))
            for a, b, text in kept:
                chars[start + a : start + b] = text
                spans.append((start + a, start + b, True))
            segment_start = tokens[after - 1].end if after > index else token.end
            skip_until = after
    spans.append((start + segment_start, end, condition))
    return spans


AWAITING_WORDS = CONDITION_WORDS | {"all", "every", "each", "any", "some", "that", "and", "or"}


def _awaits_maths(tokens: Sequence[Token], index: int, after: int) -> bool:
    r"""Whether the prose ``\text{…}`` at ``index`` ends with a word that wants maths after it (``for``, ``for all``),
    not a complete remark (``as required``)."""
    content = "".join(t.text for t in tokens[index + 1 : after])
    words = [word.lower() for word in re.findall(r"[A-Za-z]+", content.split("$")[0])]
    return not words or words[-1] in AWAITING_WORDS


def _is_prose_at(tokens: Sequence[Token], index: int) -> bool:
    return index < len(tokens) and _is_prose(tokens, index)


def _opens_condition(tokens: Sequence[Token], index: int, after: int, within: bool) -> bool:
    r"""Whether what follows the prose ``\text{…}`` at ``index`` is a condition: its first word is one of
    CONDITION_WORDS, or ``and``/``or`` continues a condition (``\text{ for } t > 0 \text{ and } s > 0``)."""
    content = "".join(t.text for t in tokens[index + 1 : after])
    words = [word.lower() for word in re.findall(r"[A-Za-z]+", content.split("$")[0])]
    return bool(words) and (words[0] in CONDITION_WORDS or (within and words[0] in ("and", "or")))


def _inner_maths(tokens: Sequence[Token], index: int, after: int) -> list[tuple[int, int]]:
    r"""The spans (in the line) of the ``$…$`` inside the prose group ``tokens[index:after]``."""
    dollars = [t for t in tokens[index + 1 : after] if t.is_char("$")]
    return [(opening.end, closing.start) for opening, closing in zip(dollars[::2], dollars[1::2])]


def _split_relations(chars: list[str], span: tuple[int, int], base: int):
    """(sides, signs) of a segment, or None for a statement of a range or a domain.

    ``sides[i]`` is None where a side is empty (a segment that starts with ``=``).
    """
    start, end = span
    _blank_trailing_punctuation(chars, start, end)
    tokens = tokenize("".join(chars[start:end]))
    top = [(index, token) for index, token, depth in _depth_tokens(tokens) if depth == 0]
    if any(t.is_command(*DOMAIN_COMMANDS) for _, t in top):
        return None
    if any(t.is_command(*DOTS) for _, t in top) and any(t.is_char(",") for _, t in top):
        return None  # l = 1, \dots, L-1
    cuts: list[tuple[int, int, str]] = []  # (start, end) offsets in the segment, sign
    skip = set()
    for position, (index, token) in enumerate(top):
        if index in skip:
            continue
        sign = _sign_at(top, position)
        if sign is None:
            continue
        text, width = sign
        first, last = top[position][1], top[position + width - 1][1]
        cuts.append((first.start, last.end, text))
        skip.update(i for i, _ in top[position : position + width])
    sides: list[Side | None] = []
    signs: list[tuple[str, int]] = []
    previous = 0
    for cut_start, cut_end, text in cuts:
        sides.append(_side(chars, start + previous, start + cut_start, base))
        signs.append((text, base + start + cut_start))
        previous = cut_end
    sides.append(_side(chars, start + previous, end, base))
    return sides, signs


def _sign_at(top: list[tuple[int, Token]], position: int) -> tuple[str, int] | None:
    """The relation sign starting at ``top[position]`` and how many tokens it spans."""
    token = top[position][1]
    following = top[position + 1][1] if position + 1 < len(top) else None
    if token.is_char(":") and following is not None and following.is_char("="):
        return ":=", 2
    if token.is_char("<", ">") and following is not None and following.is_char("="):
        return token.text + "=", 2
    if token.is_char("!") and following is not None and following.is_char("="):
        return "!=", 2
    if token.kind == "char" and token.text in SIGN_CHARS:
        return SIGN_CHARS[token.text], 1
    if token.kind == "command" and token.text in SIGN_COMMANDS:
        return SIGN_COMMANDS[token.text], 1
    return None


def _blank_trailing_punctuation(chars: list[str], start: int, end: int) -> None:
    index = end - 1
    while index >= start and (chars[index].isspace() or chars[index] in ".,;"):
        chars[index] = " " if chars[index] != "\n" else "\n"
        index -= 1


def _side(chars: list[str], start: int, end: int, base: int) -> Side | None:
    while start < end and chars[start].isspace():
        start += 1
    while end > start and chars[end - 1].isspace():
        end -= 1
    if start == end:
        return None
    return Side("".join(chars[start:end]), tuple(range(base + start, base + end)))


def _starts_with_operator(side: Side) -> bool:
    tokens = [t for t in tokenize(side.text) if t.kind != "space"]
    return bool(tokens) and tokens[0].text in CONTINUING_OPERATORS
