r"""Directives: declarations written as comments, so the document still compiles.

``% symderive: …`` in TeX, ``<!-- symderive: … -->`` in Markdown, or one per line in a
``--notation`` file.  The grammar (names are LaTeX, lists are comma separated)::

    matrix A, \Sigma, \Sigma_0 : n x n [, symmetric] [, invertible] [, positive definite]
    vector x, b, \mu_0 : n
    matrices A_k : n_k x n_{k-1}                       (a family: A_{k+1} is n_{k+1} x n_k)
    vectors y_k, b_k : n_k                             (a family of column vectors)
    scalar n_k, \text{fan\_in} : positive integer      (positive, negative, nonnegative, real, integer)
    function \sigma, f, g
    random y ~ N(\mu, \Sigma)                          (N(mean, variance), U(low, high))
    random (A_l)_{ij} ~ U(-c, c) [, iid | dependent]   (entries of A_l: i.i.d. unless stated)
    random (y_{l-1})_i : mean 0, variance v [, iid | dependent]
    density f, g on \mathbb{R}^d [: positive]        (probability densities on that region; positive there)
    random \alpha ~ f                                  (E[h(\alpha)] is the integral of h f over f's region)
    define P_Y(z) = (2\pi)^{-n/2} e^{-\frac{1}{2} z^T z}
    assume \Sigma = A A^T
    read E as expectation | read |A| as det | read \{\} as brackets | read I as imaginary
    read \prod_{k=L-1}^{l+1} as descending            (or ascending: the order of matrix factors)
    index j : 1 .. n_{L-1}                             (the range of a bare \sum_j)

This module only splits the text; the LaTeX inside is read by the notation layer.
Nothing here evaluates anything.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Union

SCALAR_PROPERTIES = frozenset(("positive", "negative", "nonnegative", "nonpositive", "real", "integer", "nonzero"))
MATRIX_PROPERTIES = frozenset(("symmetric", "invertible", "positive definite", "orthogonal", "identity", "diagonal"))
READINGS = {
    "E": ("expectation",),
    "|A|": ("det", "abs"),
    r"\{\}": ("brackets",),
    "I": ("imaginary",),
    "e": ("euler",),
}
PRODUCT_ORDERS = ("descending", "ascending")  # read \prod_{k=a}^{b} as …: M_a M_{a-1} … M_b or M_a M_{a+1} … M_b
LAWS = {"N": "normal", "U": "uniform"}
RESERVED = r"\variable"  # the placeholders of the notation layer use it; user text never may


class DirectiveError(ValueError):
    """A directive that does not follow the grammar; the message says what was expected."""


@dataclass(frozen=True)
class Shape:
    """``matrix`` or ``vector`` declarations: ``rows`` and ``cols`` are LaTeX (``n``, ``n_{l-1}``, ``3``)."""

    names: tuple[str, ...]
    rows: str
    cols: str
    properties: tuple[str, ...] = ()
    family: bool = False  # ``matrices A_k : …``: one matrix per value of the subscript letter


@dataclass(frozen=True)
class Scalar:
    names: tuple[str, ...]
    properties: tuple[str, ...] = ()


@dataclass(frozen=True)
class Functions:
    names: tuple[str, ...]


@dataclass(frozen=True)
class Random:
    """``targets ~ law(parameters)`` or ``targets : mean …, variance …``."""

    targets: tuple[str, ...]
    law: str | None = None  # "normal" or "uniform"
    parameters: tuple[str, ...] = ()
    mean: str | None = None
    variance: str | None = None
    independence: str | None = None  # "iid", "dependent" or None for the default


@dataclass(frozen=True)
class Densities:
    """``density f, g on REGION [: positive]``: probability densities on the region (as LaTeX)."""

    names: tuple[str, ...]
    region: str
    positive: bool = False


@dataclass(frozen=True)
class Define:
    lhs: str
    rhs: str


@dataclass(frozen=True)
class Assume:
    lhs: str
    rhs: str


@dataclass(frozen=True)
class Read:
    spelling: str  # a key of READINGS, or a product's \prod_{k=a}^{b} without spaces
    meaning: str


@dataclass(frozen=True)
class IndexRange:
    name: str
    low: str
    high: str


Directive = Union[Shape, Scalar, Functions, Densities, Random, Define, Assume, Read, IndexRange]


def parse_directive(text: str) -> Directive:
    """The directive in ``text`` (without the ``symderive:`` prefix)."""
    if RESERVED in text:
        raise DirectiveError(f"{RESERVED} is reserved for symderive's own placeholders")
    keyword, _, rest = text.strip().partition(" ")
    rest = rest.strip()
    parser = _PARSERS.get(keyword)
    if parser is None:
        raise DirectiveError(f"unknown directive {keyword!r}: expected one of {', '.join(_PARSERS)}")
    if not rest:
        raise DirectiveError(f"{keyword} needs something to declare")
    return parser(rest)


def split_top_level(text: str, separator: str = ",") -> list[str]:
    """Split at ``separator`` outside ``{}``, ``()`` and ``[]``; pieces are stripped."""
    parts, depth, current = [], 0, []
    position = 0
    while position < len(text):
        ch = text[position]
        if depth == 0 and text.startswith(separator, position):
            parts.append("".join(current).strip())
            current = []
            position += len(separator)
            continue
        if ch == "\\" and position + 1 < len(text):  # \{ and \, are not brackets or separators
            current.append(text[position : position + 2])
            position += 2
            continue
        if ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth = max(depth - 1, 0)
        current.append(ch)
        position += 1
    parts.append("".join(current).strip())
    return parts


def _names(text: str, keyword: str) -> tuple[str, ...]:
    names = tuple(split_top_level(text))
    if not all(names):
        raise DirectiveError(f"{keyword}: an empty name in {text!r}")
    return names


def _names_and_rest(text: str, keyword: str, needs_rest: bool) -> tuple[tuple[str, ...], str]:
    names, colon, rest = _partition_top_level(text, ":")
    if needs_rest and not colon:
        raise DirectiveError(f"{keyword}: expected 'NAMES : SIZE' in {text!r}")
    return _names(names, keyword), rest.strip()


def _partition_top_level(text: str, separator: str) -> tuple[str, str, str]:
    parts = split_top_level(text, separator)
    if len(parts) == 1:
        return text, "", ""
    return parts[0], separator, separator.join(parts[1:])


def _parse_matrix(text: str) -> Shape:
    names, rest = _names_and_rest(text, "matrix", True)
    size, *properties = split_top_level(rest)
    dimensions = re.split(r"\s+x\s+|\\times|×", size)
    if len(dimensions) != 2 or not all(d.strip() for d in dimensions):
        raise DirectiveError(f"matrix: expected 'ROWS x COLS' (e.g. n x n), got {size!r}")
    return Shape(names, dimensions[0].strip(), dimensions[1].strip(), _matrix_properties(properties))


def _matrix_properties(properties: list[str]) -> tuple[str, ...]:
    cleaned = tuple(" ".join(p.split()) for p in properties)
    unknown = [p for p in cleaned if p not in MATRIX_PROPERTIES]
    if unknown:
        raise DirectiveError(f"unknown matrix property {unknown[0]!r}: expected {', '.join(sorted(MATRIX_PROPERTIES))}")
    return cleaned


def _parse_vector(text: str) -> Shape:
    names, rest = _names_and_rest(text, "vector", True)
    size, *properties = split_top_level(rest)
    if not size:
        raise DirectiveError(f"vector: expected 'NAMES : SIZE', got {text!r}")
    return Shape(names, size, "1", _matrix_properties(properties))


def _parse_matrices(text: str) -> Shape:
    """``matrices A_k : n_k x n_{k-1}``: a family, its sizes written in the subscript letter."""
    return replace(_parse_matrix(text), family=True)


def _parse_vectors(text: str) -> Shape:
    return replace(_parse_vector(text), family=True)


def _parse_scalar(text: str) -> Scalar:
    names, rest = _names_and_rest(text, "scalar", False)
    properties = tuple(word for word in re.split(r"[\s,]+", rest) if word)
    unknown = [p for p in properties if p not in SCALAR_PROPERTIES]
    if unknown:
        raise DirectiveError(f"unknown scalar property {unknown[0]!r}: expected {', '.join(sorted(SCALAR_PROPERTIES))}")
    return Scalar(names, properties)


def _parse_function(text: str) -> Functions:
    return Functions(_names(text, "function"))


_LAW = re.compile(r"^(?:\\mathcal\{(N|U)\}|\\mathrm\{(N|U)\}|(N|U))\s*(?:\\left)?\s*\((.*)\)\s*$", re.S)
_NAME = re.compile(r"^(?:[A-Za-z]|\\[A-Za-z]+)(?:_(?:[A-Za-z0-9]|\{[A-Za-z0-9]+\}))?$")
_INDEPENDENCE = {"iid": "iid", "i.i.d.": "iid", "independent": "iid", "dependent": "dependent"}


def _parse_random(text: str) -> Random:
    for separator in (r"\sim", "~"):
        targets, found, rest = _partition_top_level(text, separator)
        if found:
            law_text, *options = split_top_level(rest.strip())
            law = _LAW.match(_strip_right(law_text))
            if law is None and _NAME.match(law_text.strip()):  # a declared density: checked when declared
                return Random(_names(targets, "random"), "density", (law_text.strip(),),
                              independence=_independence(options))
            if law is None:
                raise DirectiveError(f"random: expected a law N(mean, variance), U(low, high) or the name of a "
                                     f"declared density, got {law_text!r}")
            letter = next(g for g in law.groups()[:3] if g)
            parameters = tuple(split_top_level(law.group(4)))
            if len(parameters) != 2 or not all(parameters):
                raise DirectiveError(f"random: {letter}(…) takes two parameters, got {law_text!r}")
            return Random(_names(targets, "random"), LAWS[letter], parameters,
                          independence=_independence(options))
    targets, colon, rest = _partition_top_level(text, ":")
    if not colon:
        raise DirectiveError(f"random: expected 'TARGET ~ LAW' or 'TARGET : mean M, variance V', got {text!r}")
    facts: dict[str, str] = {}
    options = []
    for part in split_top_level(rest):
        word, _, value = part.partition(" ")
        if word in ("mean", "variance") and value.strip():
            facts[word] = value.strip()
        else:
            options.append(part)
    if not facts:
        raise DirectiveError(f"random: expected 'mean M' and/or 'variance V' after ':', got {rest!r}")
    return Random(_names(targets, "random"), mean=facts.get("mean"), variance=facts.get("variance"),
                  independence=_independence(options))


def _parse_density(text: str) -> Densities:
    head, colon, options = _partition_top_level(text, ":")
    names, on, region = _partition_top_level(head, " on ")
    if not on or not region.strip():
        raise DirectiveError(r"density: expected 'NAMES on REGION' (e.g. density f, g on \mathbb{R}^d), "
                             f"got {text!r}")
    words = [w for w in re.split(r"[\s,]+", options) if w]
    if colon and not words or any(w != "positive" for w in words):
        raise DirectiveError(f"density: the only property is 'positive' (on the region), got {options.strip()!r}")
    return Densities(_names(names, "density"), region.strip(), bool(words))


def _strip_right(text: str) -> str:
    return re.sub(r"\\right\s*\)\s*$", ")", text.strip())


def _independence(options: list[str]) -> str | None:
    chosen = None
    for option in options:
        if option not in _INDEPENDENCE:
            raise DirectiveError(f"random: unknown option {option!r}: expected iid or dependent")
        chosen = _INDEPENDENCE[option]
    return chosen


def _equation(text: str, keyword: str) -> tuple[str, str]:
    for separator in (":=", r"\coloneqq", "="):
        lhs, found, rhs = _partition_top_level(text, separator)
        if found and lhs.strip() and rhs.strip():
            return lhs.strip(), rhs.strip()
    raise DirectiveError(f"{keyword}: expected 'LHS = RHS', got {text!r}")


def _parse_define(text: str) -> Define:
    return Define(*_equation(text, "define"))


def _parse_assume(text: str) -> Assume:
    return Assume(*_equation(text, "assume"))


def _parse_read(text: str) -> Read:
    found = re.match(r"^(.*?)\s+as\s+(\w+)\s*$", text)
    if found is None:
        raise DirectiveError(f"read: expected 'read SPELLING as MEANING', got {text!r}")
    spelling = "".join(found.group(1).split())
    if spelling.startswith(r"\prod_"):
        if found.group(2) not in PRODUCT_ORDERS:
            raise DirectiveError(f"read: {spelling} can be read as descending or ascending, not {found.group(2)!r}")
        return Read(spelling, found.group(2))
    spelling = {r"\{x\}": r"\{\}", r"\{…\}": r"\{\}", "||": "|A|", "|.|": "|A|", "|x|": "|A|"}.get(spelling, spelling)
    meaning = found.group(2)
    if spelling not in READINGS:
        raise DirectiveError(f"read: unknown spelling {spelling!r}: expected one of {', '.join(READINGS)}")
    if meaning not in READINGS[spelling]:
        raise DirectiveError(f"read: {spelling} can be read as {' or '.join(READINGS[spelling])}, not {meaning!r}")
    return Read(spelling, meaning)


def _parse_index(text: str) -> IndexRange:
    name, colon, rest = _partition_top_level(text, ":")
    low, dots, high = rest.partition("..")
    if not colon or not dots or not low.strip() or not high.strip() or not name.strip():
        raise DirectiveError(f"index: expected 'index j : LOW .. HIGH', got {text!r}")
    return IndexRange(name.strip(), low.strip(), high.strip())


_PARSERS = {
    "matrix": _parse_matrix,
    "vector": _parse_vector,
    "matrices": _parse_matrices,
    "vectors": _parse_vectors,
    "scalar": _parse_scalar,
    "function": _parse_function,
    "density": _parse_density,
    "random": _parse_random,
    "define": _parse_define,
    "assume": _parse_assume,
    "read": _parse_read,
    "index": _parse_index,
}


def notation_file_lines(text: str) -> list[tuple[int, str]]:
    """(line number, directive) of a ``--notation`` file: one directive per line.

    Blank lines and lines starting with ``#`` are skipped; the comment wrappers of a
    document (``% symderive:``, ``<!-- symderive: … -->``) are accepted too.
    """
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.strip()
        content = re.sub(r"^<!--\s*|\s*-->$", "", content)
        content = re.sub(r"^%\s*", "", content)
        if content.startswith("symderive:"):
            content = content[len("symderive:"):].strip()
        if content and not content.startswith("#"):
            found.append((number, content))
    return found
