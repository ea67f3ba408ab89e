r"""Our notation layer around latex2sympy2: LaTeX expression -> SymPy, safely.

latex2sympy2 changes meaning without an error in several ways (see the
project notes): ``=`` is an assignment with module-global side effects,
trailing input is dropped, ``\log`` is base 10, ``n_k`` under ``\sum_k`` is one
plain symbol.  So we

* drive its ANTLR parser ourselves and demand that the whole input is consumed;
* accept one expression, never a relation (chains are split before parsing);
* normalise the text (``\left``/``\right``, spacing, ``\log`` -> natural log);
* cut operator applications (``\operatorname{Var}(..)``, ``\mathbb{E}[..]``, ...)
  out into placeholders and parse their arguments separately;
* turn declared indexed names into entries (``n_k`` -> ``n[k]``, ``n_{L-1}`` -> ``n[L-1]``)
  and declared names into our symbols (with their assumptions);
* reject any LaTeX command word that survives as a symbol;
* run every parse in a child process with a wall-clock limit, with the
  module's global tables reset first.

No ``eval``, ``exec`` or ``sympify`` ever sees the user's text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

from sympy import E, Expr, IndexedBase, Sum, Symbol, log

from ..limits import ChildFailed, TimeLimitExceeded, bounded
from ..randomvars import Cov, Expect, Var

PARSE_SECONDS = 5.0


class LatexInputError(ValueError):
    """The LaTeX could not be read; the message says what and what was expected."""


@dataclass(frozen=True)
class Notation:
    """How to read names: ``symbols`` by name, ``indexed`` families by base name."""

    symbols: Mapping[str, Symbol] = field(default_factory=dict)
    indexed: Mapping[str, IndexedBase] = field(default_factory=dict)


# Operator spellings -> our operators.  Longest spellings first.
_OPERATORS: tuple[tuple[str, type], ...] = tuple(
    (spelling, op)
    for name, op in (("Var", Var), ("Cov", Cov))
    for spelling in (rf"\operatorname{{{name}}}", rf"\mathrm{{{name}}}", rf"\text{{{name}}}")
) + ((r"\mathbb{E}", Expect), (r"\operatorname{E}", Expect), (r"\mathrm{E}", Expect))
_ARITY = {Expect: 1, Var: 1, Cov: 2}

_UNKNOWN_OPERATOR = re.compile(r"\\(?:operatorname|mathrm|text)\{[^}]*\}\s*[(\[]")
_DIFFERENTIAL = re.compile(r"^d(?:[A-Za-z]|\\[A-Za-z]+)$")
_SPACING = re.compile(r"\\(?:left|right|displaystyle|textstyle|quad|qquad|[,;:!])(?![A-Za-z])|~|\$")
_CLOSING = {"(": ")", "[": "]", "{": "}"}


def parse_expression(text: str, notation: Notation = Notation(), seconds: float = PARSE_SECONDS) -> Expr:
    """Parse one LaTeX expression (not a relation) under ``notation``, within ``seconds``."""
    try:
        return bounded(_parse_in_child, text, notation, seconds=seconds)
    except TimeLimitExceeded:
        raise LatexInputError(f"parsing took longer than {seconds:g} s; simplify or split the expression") from None
    except ChildFailed as exc:
        if exc.kind == "LatexInputError":
            raise LatexInputError(str(exc)) from None
        if exc.kind == "RecursionError":
            raise LatexInputError("the expression is nested too deeply to parse") from None
        raise LatexInputError(f"cannot parse {text.strip()!r}: {_first_line(str(exc))}") from None


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "unknown parser error"


def _parse_in_child(text: str, notation: Notation) -> Expr:
    return _Reader(notation).read(text)


class _Reader:
    def __init__(self, notation: Notation) -> None:
        self.notation = notation
        self.placeholders: dict[str, Expr] = {}

    def read(self, text: str) -> Expr:
        normalised = self._cut_operators(_normalise(text))
        unknown = _UNKNOWN_OPERATOR.search(normalised)
        if unknown:
            raise LatexInputError(
                f"unsupported operator {unknown.group(0)!r} in {text.strip()!r}: "
                "expected one of Var, Cov, E (as \\operatorname{Var}(..), \\mathbb{E}[..])"
            )
        _refuse_silent_changes(normalised, text)
        expr = _raw_parse(normalised)
        self._refuse_undeclared_sequences(expr, text)
        return self._rebuild(expr, text)

    def _refuse_undeclared_sequences(self, expr: Expr, source: str) -> None:
        """``m_k`` under ``\\sum_k`` is a sequence: latex2sympy2 would make it one constant."""
        for node in expr.atoms(Sum):
            for index, *_ in node.limits:
                for symbol in node.function.atoms(Symbol):
                    base, _, subscript = symbol.name.partition("_")
                    if subscript and base not in self.notation.indexed and re.search(
                        rf"(?<![A-Za-z\\]){re.escape(index.name)}(?![A-Za-z])", subscript
                    ):
                        raise LatexInputError(
                            f"{symbol.name!r} depends on the summation index {index.name} in "
                            f"{source.strip()!r}: declare {base!r} as an indexed name"
                        )

    def _cut_operators(self, text: str) -> str:
        """Replace each operator application by a placeholder atom, arguments parsed apart."""
        out, position = [], 0
        while position < len(text):
            match = _next_operator(text, position)
            if match is None:
                out.append(text[position:])
                break
            start, spelling, operator = match
            opening = start + len(spelling)
            while opening < len(text) and text[opening] == " ":
                opening += 1
            if opening >= len(text) or text[opening] not in "([":
                raise LatexInputError(
                    f"{spelling} must be followed by its argument in ( ) or [ ], at column {start + 1}"
                )
            closing = _matching(text, opening)
            arguments = _split_top_level(text[opening + 1 : closing], ",")
            if len(arguments) != _ARITY[operator]:
                raise LatexInputError(f"{spelling} takes {_ARITY[operator]} argument(s), at column {start + 1}")
            value = operator(*(_Reader(self.notation).read(a) for a in arguments))
            name = f"op{len(self.placeholders)}"
            self.placeholders[name] = value
            out.append(text[position:start] + rf" \variable{{{name}}} ")
            position = closing + 1
        return "".join(out)

    def _rebuild(self, expr: Expr, source: str) -> Expr:
        replacements: dict = {}
        for symbol in expr.atoms(Symbol):
            replacements[symbol] = self._meaning(symbol.name, source)
        expr = expr.xreplace(replacements)
        # \ln x arrives as log(x, E); make it the natural logarithm SymPy simplifies.
        return expr.replace(lambda e: e.func == log and len(e.args) == 2 and e.args[1] == E, lambda e: log(e.args[0]))

    def _meaning(self, name: str, source: str) -> Expr:
        for placeholder, value in self.placeholders.items():
            if name.startswith(placeholder) and _is_variable_hash(name[len(placeholder):]):
                return value
        if name in self.notation.symbols:
            return self.notation.symbols[name]
        base, _, subscript = name.partition("_")
        if subscript and base in self.notation.indexed:
            inner = subscript[1:-1] if subscript.startswith("{") and subscript.endswith("}") else subscript
            # A_{ij} has two indices (not the product ij); A_{i,j} and A_{l-1} say so explicitly.
            indices = list(inner) if inner.isalpha() else _split_top_level(inner, ",")
            return self.notation.indexed[base][tuple(_Reader(self.notation).read(i) for i in indices)]
        if _DIFFERENTIAL.match(name):
            raise LatexInputError(
                f"{name!r} in {source.strip()!r} reads as a differential: integrals are not supported here"
            )
        if "\\" in name or "{" in name:
            raise LatexInputError(f"unsupported construct {name!r} in {source.strip()!r}")
        return Symbol(name)


_SILENT_CHANGES = (
    (re.compile(r"'"), "a prime (latex2sympy2 drops it: y' would read as y)"),
    (re.compile(r"\^\s*(?:\{\s*)?(?:T|\\top|\\intercal|\\mathsf\{T\}|\\mathrm\{T\})\b"),
     "a transpose (latex2sympy2 drops it; matrices are not supported here yet)"),
)


def _refuse_silent_changes(normalised: str, source: str) -> None:
    """Constructs latex2sympy2 would silently read with another meaning."""
    for pattern, what in _SILENT_CHANGES:
        found = pattern.search(normalised)
        if found:
            raise LatexInputError(f"unsupported: {what}, in {source.strip()!r}")


def _normalise(text: str) -> str:
    text = text.replace(r"\dfrac", r"\frac").replace(r"\tfrac", r"\frac")
    text = re.sub(r"\\log(?![A-Za-z])", r"\\ln", text)
    text = _SPACING.sub(" ", text)
    return text.strip()


def _next_operator(text: str, start: int):
    best = None
    for spelling, operator in _OPERATORS:
        found = text.find(spelling, start)
        if found != -1 and (best is None or found < best[0]):
            best = (found, spelling, operator)
    return best


def _matching(text: str, opening: int) -> int:
    close, depth = _CLOSING[text[opening]], 0
    for position in range(opening, len(text)):
        if text[position] == text[opening]:
            depth += 1
        elif text[position] == close:
            depth -= 1
            if depth == 0:
                return position
    raise LatexInputError(f"unbalanced {text[opening]!r} at column {opening + 1}: expected a closing {close!r}")


def _split_top_level(text: str, separator: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == separator and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts]


def _is_variable_hash(suffix: str) -> bool:
    return len(suffix) == 32 and all(c in "0123456789abcdef" for c in suffix)


def _raw_parse(text: str) -> Expr:
    """latex2sympy2's grammar on exactly one expression, all input consumed."""
    import latex2sympy2
    from antlr4 import CommonTokenStream, InputStream, Token

    if not text:
        raise LatexInputError("empty expression: expected a LaTeX expression")
    # Reset the module's global tables: earlier calls must not leak into this one.
    latex2sympy2.set_variances({})
    latex2sympy2.set_real(None)
    latex2sympy2.VARIABLE_VALUES = {}
    listener = latex2sympy2.MathErrorListener(text)
    lexer = latex2sympy2.PSLexer(InputStream(text))
    lexer.removeErrorListeners()
    lexer.addErrorListener(listener)
    tokens = CommonTokenStream(lexer)
    parser = latex2sympy2.PSParser(tokens)
    parser.removeErrorListeners()
    parser.addErrorListener(listener)
    try:
        tree = parser.math()
    except Exception as exc:
        raise LatexInputError(f"cannot parse {text!r}: {_first_line(str(exc))}") from None
    if tokens.LA(1) != Token.EOF:
        column = tokens.LT(1).column + 1
        raise LatexInputError(f"unexpected {tokens.LT(1).text!r} at column {column} of {text!r}: expected the end")
    relation = tree.relation()
    if relation is None or relation.expr() is None:
        raise LatexInputError(f"{text!r} is a relation or a list: expected one expression")
    try:
        return latex2sympy2.convert_relation(relation)
    except LatexInputError:
        raise
    except Exception as exc:
        raise LatexInputError(f"cannot read {text!r}: {_first_line(str(exc))}") from None
