r"""A fast, exact reader for the common skeletons, beside latex2sympy2's ANTLR parser.

The notation layer hands latex2sympy2 a *skeleton*: every name and number already a
placeholder ``\variable{sdp3x}``.  Most skeletons use a handful of constructs (``+ - * /``,
``\cdot``, juxtaposition, ``^``, brackets, ``\frac``, ``\sqrt``, ``\sum``/``\prod`` with
bounds, ``\ln(…)``, ``\exp(…)``, ``\pi``, ``\infty``), yet ANTLR's adaptive prediction spends tens of
milliseconds on each new shape.  :func:`parse_skeleton` reads that subset by recursive
descent and builds the tree with latex2sympy2's own constructors (``add_flat``, ``mul_flat``,
unevaluated ``Pow``/``Mul``/``log``), so the result is the very object
``latex2sympy2.convert_relation`` returns: same classes, same argument order.

It mirrors the grammar (PS.g4 of latex2sympy2 1.9.1):
``additive: additive (+|-) additive | mp`` (left-associative),
``mp: mp (*|\cdot|\times|/) mp | unary`` (left-associative),
``unary: (+|-) unary | postfix+`` (juxtaposition binds tighter than ``\cdot`` and ``/``),
``exp: exp ^ (atom | {expr}) | comp``, and ``\sum_{i=a}^{b} mp`` whose body is a whole ``mp``.
Where the grammar is ambiguous and ANTLR's choice is not obvious (``\ln(x) y``,
``\ln(x)^2``) it does not guess: anything outside the subset, or malformed, gives None and
the caller falls back on ANTLR, which then reads it or reports the error.
"""
from __future__ import annotations

import hashlib
import re
from typing import Any, Callable

import sympy
from sympy import Basic

# Commands of the subset, as latex2sympy2's lexer names them.
_COMMANDS = frozenset((r"\frac", r"\sqrt", r"\cdot", r"\times", r"\left", r"\right", r"\sum", r"\prod", r"\ln",
                       r"\exp", r"\pi", r"\infty"))
_CHARACTERS = frozenset("+-*/(){}[]^_=|")
# White space is what the lexer skips (not Unicode's: ANTLR refuses a no-break space).
_TOKEN = re.compile(r"(?P<space>[ \t\r\n]+)|(?P<placeholder>\\variable\{[A-Za-z0-9]+\})|\\[A-Za-z]+|.", re.DOTALL)
_MULTIPLY = ("*", r"\cdot", r"\times")
# After the argument of ``\ln(…)``, ``\ln{…}`` or ``\ln x`` every reading the grammar allows (the
# argument in brackets, or one without brackets that runs on) ends here, so they agree; elsewhere
# (``\ln(x) y``, ``\ln(x)^2``) we do not guess.
_ENDS_A_FUNCTION = frozenset(("+", "-", ")", "}", "]", r"\right", None))
# What may start the argument of ``\ln x`` (no brackets): a factor that is not itself a function.
_PLAIN_FACTORS = ("|", r"\left", r"\frac", r"\pi", r"\infty")


class _Outside(Exception):
    """The skeleton leaves the subset (or is malformed): the ANTLR path decides."""


def parse_skeleton(text: str) -> Basic | None:
    """latex2sympy2's reading of the skeleton ``text``, or None if it is outside the subset.

    Exact: wherever it answers, the answer is ``==`` (and ``srepr``-identical) to
    ``convert_relation`` on ANTLR's parse tree of ``text``, with latex2sympy2's global
    tables reset.  It never raises on malformed input: it returns None.
    """
    tokens = _tokens(text)
    if not tokens:
        return None
    opening_bars = _opening_bars(tokens)
    if opening_bars is None:
        return None
    try:
        reader = _Reader(tokens, opening_bars)
        value = reader.expr()
        if reader.peek() is not None:
            return None
        return value
    except (_Outside, RecursionError):
        return None
    except Exception:  # SymPy refused a construction (e.g. a limit): ANTLR's path reports it as the user's error
        return None


def _tokens(text: str) -> list[str] | None:
    r"""The lexer's tokens (a placeholder is one token ``\variable{name}``), or None outside the subset."""
    tokens: list[str] = []
    for found in _TOKEN.finditer(text):
        token = found.group(0)
        if found.group("space") is not None:
            continue
        if found.group("placeholder") is None and token not in _COMMANDS and token not in _CHARACTERS:
            return None
        tokens.append(token)
    return tokens


def _opening_bars(tokens: list[str]) -> frozenset[int] | None:
    """The index of the opening ``|`` of each ``|…|``, or None if some ``|`` is not surely one.

    ``|a| b |c|`` is ambiguous in the grammar (ANTLR reads ``|a |b| c|``), and ``|`` also opens
    ``|_{…}`` (evaluation at a point); a bracket group with exactly two bars has one reading.
    """
    groups: list[list[int]] = [[]]  # the bars directly inside each open bracket
    opening: set[int] = set()
    for index, token in enumerate(tokens):
        if token in ("(", "{", "["):
            groups.append([])
        elif token in (")", "}", "]"):
            if len(groups) == 1:
                return None
            bars = groups.pop()
            if bars and len(bars) != 2:
                return None
            opening.update(bars[:1])
        elif token == "|":
            groups[-1].append(index)
    if len(groups) != 1 or (groups[0] and len(groups[0]) != 2):
        return None
    opening.update(groups[0][:1])
    return frozenset(opening)


def _placeholder(token: str) -> Basic:
    r"""``\variable{name}`` as latex2sympy2 makes it: a symbol named ``name`` + md5(name), ``real=None``."""
    name = token[len(r"\variable{"):-1]
    return sympy.Symbol(name + hashlib.md5(name.encode()).hexdigest(), real=None)


def _latex2sympy2() -> Any:
    import latex2sympy2

    return latex2sympy2


class _Reader:
    def __init__(self, tokens: list[str], opening_bars: frozenset[int]) -> None:
        self.tokens = tokens
        self.opening_bars = opening_bars
        self.index = 0
        module = _latex2sympy2()
        self.add_flat: Callable[[Any, Any], Basic] = module.add_flat
        self.mul_flat: Callable[[Any, Any], Basic] = module.mul_flat

    # -- tokens --

    def peek(self) -> str | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise _Outside
        self.index += 1
        return token

    # -- the grammar --

    def expr(self) -> Basic:
        """``additive``: left-associative ``+``/``-`` (convert_add)."""
        value = self.mp()
        while self.peek() in ("+", "-"):
            sign = self.take()
            right = self.mp()
            _scalar(value, right)
            if sign == "+":
                value = self.add_flat(value, right)
            else:
                right = -right if right.func.is_Number else self.mul_flat(-1, right)
                value = self.add_flat(value, right)
        return value

    def mp(self) -> Basic:
        """Left-associative ``*``, ``\\cdot``, ``\\times``, ``/`` over unaries (convert_mp)."""
        value = self.unary()
        while self.peek() in _MULTIPLY or self.peek() == "/":
            operator = self.take()
            right = self.unary()
            _scalar(value, right)
            if operator == "/":
                value = sympy.Mul(value, sympy.Pow(right, -1, evaluate=False), evaluate=False)
            else:
                value = self.mul_flat(value, right)
        return value

    def unary(self) -> Basic:
        """``(+|-) unary | postfix+`` (convert_unary, convert_postfix_list)."""
        token = self.peek()
        if token == "+":
            self.take()
            return self.unary()
        if token == "-":
            self.take()
            value = self.unary()
            _scalar(value)
            return -value if value.func.is_Number else self.mul_flat(-1, value)
        factors = [self.power()]
        while self.starts_factor():
            factors.append(self.power())
        value = factors[-1]
        for factor in reversed(factors[:-1]):  # a b c is mul_flat(a, mul_flat(b, c))
            _scalar(factor, value)
            value = self.mul_flat(factor, value)
        return value

    def starts_factor(self) -> bool:
        token = self.peek()
        if token == "|":
            return self.index in self.opening_bars
        return token is not None and (token.startswith(r"\variable{") or token in (
            "(", "{", r"\left", r"\frac", r"\sqrt", r"\sum", r"\prod", r"\ln", r"\exp", r"\pi", r"\infty"))

    def power(self) -> Basic:
        """``exp ^ (atom | {expr})``, left-associative (convert_exp); no subscript after it."""
        value = self.component()
        while self.peek() == "^":
            self.take()
            if self.peek() == "{":
                self.take()
                exponent = self.expr()
                self.take("}")
            else:
                exponent = self.atom()
            value = sympy.Pow(value, exponent, evaluate=False)
        if self.peek() == "_":
            raise _Outside
        return value

    def atom(self) -> Basic:
        token = self.take()
        if token.startswith(r"\variable{"):
            return _placeholder(token)
        if token == r"\pi":
            return sympy.pi
        if token == r"\infty":
            return sympy.oo
        raise _Outside

    def component(self) -> Basic:
        token = self.peek()
        if token is None:
            raise _Outside
        if token in ("(", "{"):
            self.take()
            value = self.expr()
            self.take(")" if token == "(" else "}")
            return value
        if token == "|" and self.index in self.opening_bars:
            self.take()
            value = self.expr()
            self.take("|")
            _scalar(value)
            return sympy.Abs(value, evaluate=False)
        if token == r"\left":
            self.take()
            self.take("(")
            value = self.expr()
            self.take(r"\right")
            self.take(")")
            return value
        if token == r"\frac":
            self.take()
            upper = self.braced()
            lower = self.braced()
            _scalar(upper, lower)
            return sympy.Mul(upper, sympy.Pow(lower, -1, evaluate=False), evaluate=False)
        if token == r"\sqrt":
            return self.square_root()
        if token in (r"\sum", r"\prod"):
            return self.big_operator()
        if token in (r"\ln", r"\exp"):
            return self.function()
        return self.atom()

    def braced(self) -> Basic:
        self.take("{")
        value = self.expr()
        self.take("}")
        return value

    def square_root(self) -> Basic:
        """``\\sqrt[r]{x}`` is ``Pow(x, 1/r)``, ``\\sqrt{x}`` is ``Pow(x, 1/2)``, unevaluated."""
        self.take(r"\sqrt")
        root = None
        if self.peek() == "[":
            self.take()
            root = self.expr()
            self.take("]")
        base = self.braced()
        if root is None:
            return sympy.Pow(base, sympy.S.Half, evaluate=False)
        _scalar(root, base)
        return sympy.Pow(base, 1 / root, evaluate=False)

    def big_operator(self) -> Basic:
        """``\\sum_{i=a}^{b} body`` with the body an ``mp`` (handle_sum_or_prod); the index a placeholder."""
        kind = sympy.Sum if self.take() == r"\sum" else sympy.Product
        self.take("_")
        self.take("{")
        index = self.expr()
        self.take("=")
        low = self.expr()
        self.take("}")
        self.take("^")
        if self.peek() == "{":
            high = self.braced()
        else:
            high = self.atom()
        if not isinstance(index, sympy.Symbol):
            raise _Outside  # latex2sympy2 hands SymPy an invalid limit: ANTLR's path reports it
        body = self.mp()
        _scalar(body, low, high)
        return kind(body, (index, low, high))

    def function(self) -> Basic:
        r"""``\ln(…)``/``\ln{…}`` and ``\exp`` likewise, only where no reading of the grammar can run on."""
        name = self.take()
        opening = self.peek()
        if opening in ("(", "{"):
            self.take()
            argument = self.expr()
            self.take(")" if opening == "(" else "}")
        elif opening is not None and (opening.startswith(r"\variable{") or opening in _PLAIN_FACTORS):
            argument = self.power()  # \ln x^{2} is log(x^2); more factors after it: ANTLR decides
        else:
            raise _Outside  # \ln -x, \ln \ln x, \ln^2(x), \ln_b(x): ANTLR decides
        if self.peek() not in _ENDS_A_FUNCTION:
            raise _Outside
        _scalar(argument)
        if name == r"\ln":
            return sympy.log(argument, sympy.E, evaluate=False)
        return sympy.exp(argument)


def _scalar(*values: Basic) -> None:
    """latex2sympy2 takes matrix branches for matrices; placeholders never are, but be sure."""
    for value in values:
        if getattr(value, "is_Matrix", False) or not isinstance(value, sympy.Expr):
            raise _Outside
