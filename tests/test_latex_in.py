"""The notation layer: what it reads, and clear errors in bounded time for what it cannot."""
from __future__ import annotations

import time

import pytest
from sympy import IndexedBase, Symbol, log

from symderive.latex_in import LatexInputError, Notation, parse_expression
from symderive.randomvars import Cov, Expect, Var

n = IndexedBase("n")
NOTATION = Notation(indexed={"n": n})


def test_indexed_names_become_entries():
    k, L = Symbol("k"), Symbol("L")
    assert parse_expression(r"\sum_{k=0}^{L-1} \frac{1}{n_k}", NOTATION).function == 1 / n[k]
    assert parse_expression(r"n_{L-1}", NOTATION) == n[L - 1]


def test_letter_subscripts_of_indexed_names_are_several_indices():
    A, i, j = IndexedBase("A"), Symbol("i"), Symbol("j")
    notation = Notation(indexed={"A": A})
    assert parse_expression("A_{ij}", notation) == A[i, j] == parse_expression("A_{i,j}", notation)


def test_operators_are_ours():
    x, y = Symbol("x"), Symbol("y")
    assert parse_expression(r"\operatorname{Var}(x)") == Var(x)
    assert parse_expression(r"\text{Var}\left(x + y\right)") == Var(x + y)
    assert parse_expression(r"\mathbb{E}[x^2] - \mathbb{E}[x]^2") == Expect(x**2) - Expect(x) ** 2
    assert parse_expression(r"\operatorname{Cov}(x, y)") == Cov(x, y)


def test_log_is_natural():
    x = Symbol("x")
    assert parse_expression(r"\log x") == log(x)
    assert parse_expression(r"\ln x") == log(x)


def test_declared_symbols_keep_their_assumptions():
    L = Symbol("L", integer=True, nonnegative=True)
    exponent = parse_expression("3^L", Notation(symbols={"L": L})).exp
    assert exponent == L and exponent.is_integer and exponent.is_nonnegative


@pytest.mark.parametrize(
    "text, expected",
    [
        (r"(y_l)_i + 1", "expected the end"),  # latex2sympy2 would silently drop "+ 1"
        (r"x + 1 ) + 2", "expected the end"),
        (r"a = b", "expected one expression"),
        (r"\operatorname{tr}(A)", "unsupported operator"),
        (r"\text{fan_in}", "unsupported construct"),
        (r"f(x) dx", "differential"),
        (r"\operatorname{Var}(x", "unbalanced"),
        (r"\frac{1}{", "cannot parse"),
        ("", "empty expression"),
        (r"\operatorname{Cov}(x)", "takes 2 argument"),
        (r"y' + 1", "prime"),
        (r"x^T A x", "transpose"),
        (r"x^{\top} y", "transpose"),
        (r"\sum_{k=1}^{N} m_k", "declare 'm' as an indexed name"),
    ],
)
def test_bad_input_gets_a_clear_error(text, expected):
    with pytest.raises(LatexInputError, match=expected):
        parse_expression(text)


def test_pathological_input_is_cut_off_in_bounded_time():
    deep = "(" * 3000 + "x" + ")" * 3000
    started = time.monotonic()
    with pytest.raises(LatexInputError):
        parse_expression(deep, seconds=2)
    assert time.monotonic() - started < 10


def test_earlier_parses_do_not_leak_into_later_ones():
    with pytest.raises(LatexInputError):
        parse_expression("a = b")
    assert parse_expression("a") == Symbol("a")
