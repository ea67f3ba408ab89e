"""Ball-arithmetic enclosures: refute only when the enclosure excludes 0, never on a tolerance."""
from __future__ import annotations

import random
from typing import Callable, Iterator, Mapping

import pytest
from flint import acb, arb, ctx
from sympy import (
    Abs,
    Expr,
    Float,
    Function,
    Heaviside,
    Integral,
    MatrixSymbol,
    Piecewise,
    Rational,
    S,
    Sum,
    Symbol,
    cos,
    exp,
    log,
    oo,
    pi,
    sin,
    sqrt,
    symbols,
)

from symderive import quadrature
from symderive.integrals import evaluate_integral
from symderive.quadrature import (
    Agreement,
    NotEnclosable,
    certainly_nonzero,
    compare,
    enclose,
    enclose_real,
)
from symderive.randomvars import Expect

x, y, k = symbols("x y k")
mu = Symbol("mu", real=True)
sigma = Symbol("sigma", positive=True)
N = exp(-(x - mu) ** 2 / (2 * sigma**2)) / sqrt(2 * pi * sigma**2)
POINT = {mu: Rational(1, 3), sigma: Rational(3, 2)}
TINY = Rational(1, 10**30)

# (expression, point, whether it is exactly zero there)
ZERO_TABLE: list[tuple[Expr, Mapping, bool]] = [
    (Integral(N, (x, -oo, oo)) - 1, POINT, True),
    (Integral(N, (x, -oo, oo)) - 1 - TINY, POINT, False),
    (Integral(x**2 * N, (x, -oo, oo)) - mu**2 - sigma**2, POINT, True),
    (Integral(x**2 * N, (x, -oo, oo)) - mu**2 - sigma**2 + TINY, POINT, False),
    (Integral(x**2 * N, (x, -oo, oo)) - sigma**2, POINT, False),
    (Integral(exp(-x**2 / 2), (x, -oo, oo)) - 1, {}, False),
    (Integral(exp(-x**2 / 2), (x, -oo, oo)) - sqrt(2 * pi), {}, True),
    (Integral(exp(x), (x, 0, pi)) - exp(pi) + 1, {}, True),
    (Integral(exp(x), (x, 0, pi)) - exp(pi) + 1 + TINY, {}, False),
    (Integral(x * y, (x, 0, y), (y, 0, 1)) - Rational(1, 8), {}, True),
    (Integral(Abs(x - Rational(1, 3)), (x, 0, 1)) - Rational(5, 18), {}, True),
    (Integral(x**2 * exp(-Abs(x - 1) / 3) / 6, (x, -oo, oo)) - 19, {}, True),
    (Integral(x * Piecewise((2 * exp(-2 * x), x >= 0), (0, True)), (x, -oo, oo)) - S.Half, {}, True),
    (Integral(x * Piecewise((2 * exp(-2 * x), x >= 0), (0, True)), (x, -oo, oo)) - 2, {}, False),
    (Integral(sin(x) ** 2 * exp(-x**2), (x, -oo, oo)) - sqrt(pi) * (1 - exp(-1)) / 2, {}, True),
    (Sum(1 / k**2, (k, 1, 50)) - Sum(1 / k**2, (k, 1, 49)) - Rational(1, 2500), {}, True),
]


def _table_failures(nonzero: Callable[[Expr, Mapping], bool]) -> Iterator[str]:
    for expr, point, is_zero in ZERO_TABLE:
        said_nonzero = nonzero(expr, point)
        if is_zero and said_nonzero:
            yield f"false 'unequal': {expr} at {point}"
        if not is_zero and not said_nonzero:
            yield f"false 'equal' (or a missed refutation): {expr} at {point}"


def test_the_zero_table_has_no_false_equal_and_no_false_unequal():
    assert list(_table_failures(certainly_nonzero)) == []


def _tolerance_check(expr: Expr, point: Mapping) -> bool:
    """The forbidden shortcut: a midpoint compared with a tolerance."""
    return abs(float(enclose(expr, point).real.mid())) > 1e-12


def _midpoint_check(expr: Expr, point: Mapping) -> bool:
    """Another forbidden shortcut: trusting the midpoint of a ball at 53 bits."""
    with ctx.workprec(53):
        return enclose(expr, point, prec=53).real.mid() != 0


@pytest.mark.parametrize("mutant", [_tolerance_check, _midpoint_check])
def test_a_checker_that_uses_a_tolerance_or_a_midpoint_fails_the_table(mutant):
    assert next(_table_failures(mutant), None) is not None


def test_a_checker_that_always_refutes_or_never_refutes_fails_the_table():
    assert next(_table_failures(lambda e, p: True), None) is not None
    assert next(_table_failures(lambda e, p: False), None) is not None


def test_exact_integrals_lie_in_the_enclosures_at_random_points():
    rng = random.Random(2)
    for power in range(5):
        exact = evaluate_integral(Integral(x**power * N, (x, -oo, oo)))
        for _ in range(2):
            point = {mu: Rational(rng.randint(-9, 9), rng.randint(1, 4)), sigma: Rational(rng.randint(1, 9), rng.randint(1, 4))}
            difference = Integral(x**power * N, (x, -oo, oo)) - exact
            assert not certainly_nonzero(difference, point)
            assert certainly_nonzero(difference + TINY, point)


def test_enclosures_are_narrow_and_contain_the_value():
    ball = enclose(Integral(exp(-x**2), (x, -oo, oo)), prec=128)
    assert ball.is_finite() and ball.rad() < arb(2) ** -100
    assert ball.real.overlaps(arb.pi().sqrt())
    wide = enclose(Integral(exp(-x**2 / 20000), (x, -oo, oo)))
    assert wide.real.overlaps((20000 * arb.pi()).sqrt())
    narrow = enclose(Integral(exp(-10000 * x**2), (x, -oo, oo)))
    assert narrow.real.overlaps((arb.pi() / 10000).sqrt())


def test_enclose_real_returns_an_arb_and_rejects_non_real_values():
    value = enclose_real(Integral(x**2, (x, 0, 1)))
    assert isinstance(value, arb) and value.overlaps(arb(1) / 3)
    with pytest.raises(NotEnclosable):
        enclose_real(sqrt(-1 - x**2), {x: 1})


def test_compare_is_rigorous_only_when_it_says_differ():
    assert compare(Integral(x**2 * N, (x, -oo, oo)), mu**2 + sigma**2, POINT).agreement is Agreement.CONSISTENT
    verdict = compare(Integral(x**2 * N, (x, -oo, oo)), mu**2 + sigma**2 + TINY, POINT)
    assert verdict.agreement is Agreement.DIFFER and verdict.precision > 64


def test_non_finite_enclosures_never_refute():
    # log is singular at 0: the certified integrator cannot bound the first piece.
    assert not certainly_nonzero(Integral(log(x), (x, 0, 1)) - 5)
    assert compare(Integral(log(x), (x, 0, 1)), S(5)).agreement is Agreement.INCONCLUSIVE


def test_an_integrand_with_a_branch_cut_is_handled_analytically():
    assert not certainly_nonzero(Integral(sqrt(x), (x, 1, 4)) - Rational(14, 3))
    assert certainly_nonzero(Integral(sqrt(x), (x, 1, 4)) - Rational(14, 3) - TINY)


def test_piecewise_and_heaviside_integrands():
    indicator = Piecewise((1, (x >= 0) & (x <= S.Half)), (0, True))
    assert not certainly_nonzero(Integral(indicator, (x, -1, 1)) - S.Half)
    assert certainly_nonzero(Integral(indicator, (x, -1, 1)) - 1)
    assert not certainly_nonzero(Integral(Heaviside(x) * exp(-x), (x, -oo, oo)) - 1)


@pytest.mark.parametrize(
    "expr, point",
    [
        (Float(0.1) + x, {x: 1}),  # a float is not an exact value
        (x + y, {x: 1}),  # no value for y
        (Function("f")(x), {x: 1}),
        (Expect(x), {x: 1}),
        (MatrixSymbol("A", 2, 2)[0, 0], {}),
        (Integral(1 / (1 + x**2), (x, -oo, oo)), {}),  # decay too slow for the tail bound
        (Integral(exp(x), (x, 0, oo)), {}),  # no decay
        (Integral(x * y, (x, -oo, oo), (y, 0, 1)), {}),  # an unbounded inner integral
        (Integral(x, x), {}),
        (Integral(Integral(exp(x), (x, 0, oo)) * y, (y, 0, 1)), {}),  # raised inside the integrator
        (Integral(Abs(log(x - 2)), (x, 0, 1)), {}),  # |z| of a possibly complex z is not enclosed
    ],
)
def test_unsupported_input_raises_instead_of_guessing(expr, point):
    with pytest.raises(NotEnclosable):
        enclose(expr, point)


def test_point_values_must_be_exact():
    with pytest.raises(NotEnclosable):
        enclose(x, {x: 0.5})


def test_tail_bound_is_an_upper_bound():
    # ∫_R^∞ exp(-x²) for the cut R chosen: compare the bound with erfc.
    t = symbols("t", real=True)
    with ctx.workprec(64):
        cut, tail = quadrature._tail_bound(exp(-t**2), t, [1], [])
        true_tail = arb.pi().sqrt() / 2 * arb(cut).erfc()
        assert true_tail <= tail
        cut, tail = quadrature._tail_bound(t**3 * exp(-t**2 / 8 + t) * cos(t), t, [1, -1], [])
        assert tail < arb(2) ** -60


def test_precision_is_restored():
    before = ctx.prec
    enclose(Integral(exp(-x**2), (x, -oo, oo)), prec=256)
    assert ctx.prec == before


def test_enclose_returns_an_acb():
    assert isinstance(enclose(pi), acb)
