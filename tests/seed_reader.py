r"""A small explicit reader for the seed's problem-5 formulas, for the tests only.

The matrix formulas of problems 4 and 6 are read by the notation layer (as
``symderive check`` reads them); ``D_{KL}(X_i || Y_i)`` is not in its grammar,
so the tests read the KL lines with this reader: a recursive-descent parser for exactly the
constructs those lines use, refusing anything else.  Products keep source order
(matrices do not commute); ``^T`` is a transpose, ``^{-1}`` of a matrix an
inverse, ``|M|`` of a matrix its determinant, ``e^{...}`` the exponential, a
1x1 product in a scalar position its only entry.  Names are looked up in the
given notation; ``D_{KL}(X_i || Y_i)`` calls the notation's ``"D_{KL}"`` entry.
"""
from __future__ import annotations

import re
from typing import Callable, Mapping

from sympy import (
    Abs,
    Add,
    Basic,
    Determinant,
    Integer,
    MatAdd,
    MatMul,
    MatrixExpr,
    Mul,
    Pow,
    Sum,
    Trace,
    exp,
    log,
    pi,
    sqrt,
)
from sympy.matrices.expressions.inverse import Inverse
from sympy.matrices.expressions.matexpr import MatrixElement
from sympy.matrices.expressions.transpose import Transpose

TOKEN = re.compile(r"\\left|\\right|\\[A-Za-z]+|\\[,;!]|\|\||[0-9]+|[A-Za-z]|[{}()\[\]|^_+\-=&.]|\S")
SKIP = {r"\left", r"\right", r"\,", r"\;", r"\!", r"\quad"}


class ReaderError(ValueError):
    pass


def read(text: str, notation: Mapping[str, object]) -> Basic:
    """The formula in ``text`` (one expression) with names from ``notation``."""
    tokens = [t for t in TOKEN.findall(text) if t not in SKIP]
    reader = _Reader(tokens, notation)
    value = reader.expression()
    if reader.position != len(tokens):
        raise ReaderError(f"unexpected {tokens[reader.position]!r} in {text!r}")
    return _scalar(value)


def _scalar(value: Basic) -> Basic:
    if isinstance(value, MatrixExpr):
        if value.shape != (1, 1):
            raise ReaderError(f"a {value.shape} matrix where a number is expected")
        return MatrixElement(value, 0, 0)
    return value


class _Reader:
    def __init__(self, tokens: list[str], notation: Mapping[str, object]) -> None:
        self.tokens, self.notation, self.position = tokens, notation, 0
        self.open_bars = 0  # a "|" closes a determinant only inside one; elsewhere it opens one

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise ReaderError(f"expected {expected!r}, got {token!r}")
        self.position += 1
        return token

    def expression(self) -> Basic:
        terms = [self.signed_term()]
        while self.peek() in ("+", "-"):
            terms.append(self.signed_term())
        if any(isinstance(t, MatrixExpr) and t.shape != (1, 1) for t in terms):
            return MatAdd(*terms)
        return Add(*(_scalar(t) for t in terms))

    def signed_term(self) -> Basic:
        sign = 1
        while self.peek() in ("+", "-"):
            sign = -sign if self.take() == "-" else sign
        term = self.term()
        return term if sign == 1 else (-term if isinstance(term, MatrixExpr) else Mul(-1, term))

    def term(self) -> Basic:
        factors = [self.factor()]
        while self.peek() not in (None, "+", "-", ")", "}", "||", "]", r"\right", "=", "&") \
                and not (self.peek() == "|" and self.open_bars):
            if self.peek() == r"\cdot":
                self.take()
            factors.append(self.factor())
        return _product(factors)

    def group(self) -> Basic:
        self.take("{")
        value = self.expression()
        self.take("}")
        return value

    def factor(self) -> Basic:
        value = self.atom()
        while self.peek() == "^":
            self.take()
            if self.peek() == "T":
                self.take()
                value = Transpose(value)
                continue
            exponent = self.group() if self.peek() == "{" else self.atom()
            if isinstance(value, MatrixExpr):
                if exponent != -1:
                    raise ReaderError(f"matrix power {exponent}")
                value = Inverse(value)
            else:
                value = Pow(value, exponent)
        return value

    def atom(self) -> Basic:
        token = self.take()
        if token.isdigit():
            return Integer(token)
        if token == "(":
            value = self.expression()
            self.take(")")
            return value
        if token == "{":
            self.position -= 1
            return self.group()
        if token == "|":
            self.open_bars += 1
            inner = self.expression()
            self.take("|")
            self.open_bars -= 1
            return Determinant(inner) if isinstance(inner, MatrixExpr) else Abs(inner)
        if token == r"\frac":
            numerator, denominator = self.group(), self.group()
            return _product([numerator, Pow(_scalar(denominator), -1)])
        if token == r"\sqrt":
            return sqrt(_scalar(self.group()))
        if token == r"\pi":
            return pi
        if token == r"\log":
            return log(_scalar(self.factor()))
        if token == r"\text":
            self.take("{")
            name = self.take()
            while self.peek() != "}":
                name += self.take()
            self.take("}")
            if name != "tr":
                raise ReaderError(f"unknown \\text{{{name}}}")
            self.take("(")
            value = self.expression()
            self.take(")")
            return Trace(value)
        if token == r"\sum":
            return self.sum()
        if token == "e" and self.peek() == "^":
            self.take("^")
            return exp(_scalar(self.group()))
        return self.name(token)

    def sum(self) -> Basic:
        self.take("_")
        self.take("{")
        index = self.name(self.take())
        self.take("=")
        lower = self.expression()
        self.take("}")
        self.take("^")
        upper = self.group() if self.peek() == "{" else self.name(self.take())
        return Sum(_scalar(self.term()), (index, lower, upper))

    def name(self, token: str) -> Basic:
        if not (token.isalpha() or token.startswith("\\")):
            raise ReaderError(f"unexpected {token!r}")
        subscript = ""
        if self.peek() == "_":
            self.take()
            if self.peek() == "{":
                self.take()
                while self.peek() != "}":
                    subscript += self.take()
                self.take("}")
            else:
                subscript = self.take()
        key = f"{token}_{subscript}" if subscript else token
        if key == "D_KL":
            return self.divergence()
        if key in self.notation:
            return self.notation[key]
        if subscript and f"{token}_" in self.notation:  # an indexed family such as X_i
            family: Callable[[Basic], Basic] = self.notation[f"{token}_"]
            return family(self.notation[subscript])
        raise ReaderError(f"undeclared name {key!r}")

    def divergence(self) -> Basic:
        self.take("(")
        left = self.expression()
        self.take("||")
        right = self.expression()
        self.take(")")
        return self.notation["D_{KL}"](left, right)


def _product(factors: list[Basic]) -> Basic:
    matrices = [f for f in factors if isinstance(f, MatrixExpr)]
    if not matrices:
        return Mul(*factors)
    scalars = [_scalar(f) for f in factors if not isinstance(f, MatrixExpr)]
    product = MatMul(*matrices) if len(matrices) > 1 else matrices[0]
    if not scalars:
        return product
    if product.shape == (1, 1):
        return Mul(*scalars, MatrixElement(product, 0, 0))
    return MatMul(Mul(*scalars), *matrices)
