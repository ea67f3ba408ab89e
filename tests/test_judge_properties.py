"""Properties of the judge over random relations (Hypothesis).

* an expression and a rewriting of it that is an identity (expansion, known laws under the
  symbols' assumptions) is never refuted, and a polynomial identity is proved;
* an expression and itself plus a nonzero constant is never verified;
* a polynomial relation is proved exactly when the difference expands to 0, else refuted;
* verdicts are reproducible: the same input twice gives the same verdict and counterexample;
* every counterexample re-checks: it respects the assumptions and the oracle
  (:mod:`judge_oracle`, which shares no code with the judge) finds a nonzero difference there.

The default run is small (derandomized, about 20 examples each); ``pytest -m slow`` runs more.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sympy import Abs, Integer, Rational, S, Sum, Symbol, exp, expand, log, sqrt, symbols

from symderive import Context, Outcome, Status, judge

import judge_oracle as oracle
from test_judge_table import slow_selected

x, y = symbols("x y", real=True)
p = Symbol("p", positive=True)
n = Symbol("n", integer=True)
L = Symbol("L", integer=True, nonnegative=True)
k = Symbol("k", integer=True)
VARIABLES = (x, y, n)

FAST = settings(max_examples=20, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
THOROUGH = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

coefficients = st.integers(-4, 4)
nonzero_rationals = st.builds(Rational, st.integers(-9, 9).filter(bool), st.integers(1, 7))


@st.composite
def monomials(draw):
    variable = draw(st.sampled_from(VARIABLES))
    return draw(coefficients) * variable ** draw(st.integers(0, 3))


@st.composite
def polynomials(draw):
    """A sum of products of small binomials and monomials: expanding it changes its shape."""
    terms = []
    for _ in range(draw(st.integers(1, 3))):
        factors = [draw(monomials()) + draw(coefficients) for _ in range(draw(st.integers(1, 3)))]
        term = S.One
        for factor in factors:
            term *= factor
        terms.append(term)
    return sum(terms, S.Zero)


@st.composite
def rationals_in_x(draw):
    """A polynomial over a denominator that never vanishes for real x."""
    return draw(polynomials()) / (x**2 + draw(st.integers(1, 5)))


@st.composite
def identities(draw):
    """(lhs, rhs): a rewriting that holds under the symbols' assumptions (real x, y; positive p)."""
    base = draw(polynomials())
    law = draw(st.sampled_from(("expand", "abs", "exp", "log", "sqrt")))
    if law == "expand":
        return base, expand(base)
    if law == "abs":  # |x|^2 = x^2 for real x
        return base * Abs(x) ** 2, expand(base * x**2)
    if law == "exp":  # exp(a) exp(b) = exp(a + b)
        return exp(base) * exp(x), exp(expand(base) + x)
    if law == "log":  # log(p^m q) = m log p + log q for positive p and q = 1 + x^2
        m = draw(st.integers(1, 4))
        return log(p**m * (1 + x**2)), m * log(p) + log(1 + x**2)
    return sqrt(base**2), Abs(expand(base))  # sqrt(u^2) = |u| for real u


def label(verdict) -> str:
    return verdict.verification.status.value if verdict.outcome is Outcome.VERIFIED else verdict.outcome.value


def counterexample_problem(lhs, rhs, verdict) -> str:
    """'' if the counterexample respects the assumptions and the oracle confirms the difference."""
    from sympy.parsing.sympy_parser import parse_expr

    named = oracle.unknowns_by_name(lhs, rhs)
    point = {}
    for name, text in (verdict.counterexample or {}).items():
        if name not in named or len(named[name]) != 1:
            return f"the counterexample names {name!r}, which is not one unknown of the relation"
        symbol = named[name][0]
        value = parse_expr(text, local_dict={"I": S.ImaginaryUnit}, evaluate=True)
        if oracle.violated_assumptions(symbol, value):
            return f"{name} = {text} violates {oracle.violated_assumptions(symbol, value)}"
        point[symbol] = value
    if oracle.free_unknowns(lhs, rhs) - set(point):
        return f"no value for {oracle.free_unknowns(lhs, rhs) - set(point)}"
    if not oracle.differs_at(lhs, rhs, point):
        return f"the oracle finds no difference at {verdict.counterexample}"
    return ""


# -- the properties ------------------------------------------------------------------------------


def identity_is_never_refuted(pair) -> None:
    lhs, rhs = pair
    verdict = judge(lhs, rhs)
    assert verdict.outcome is not Outcome.REFUTED, (lhs, rhs, verdict.reason)


def polynomial_identity_is_proved(polynomial) -> None:
    verdict = judge(polynomial, expand(polynomial))
    assert label(verdict) == "proved", (polynomial, verdict.reason)


def shifted_is_never_verified(expression, shift) -> None:
    verdict = judge(expression, expression + shift)
    assert verdict.outcome is not Outcome.VERIFIED, (expression, shift, verdict.reason)
    assert verdict.outcome is Outcome.REFUTED, (expression, shift, verdict.reason)
    problem = counterexample_problem(expression, expression + shift, verdict)
    assert not problem, problem


def polynomial_relation_is_decided(first, second) -> None:
    """Between polynomials the judge is complete: proved iff the difference expands to 0, else refuted."""
    verdict = judge(first, second)
    if expand(first - second) == 0:
        assert label(verdict) == "proved", verdict.reason
        return
    assert verdict.outcome is Outcome.REFUTED, (first, second, verdict.reason)
    problem = counterexample_problem(first, second, verdict)
    assert not problem, problem


def verdicts_are_reproducible(first, second) -> None:
    once, again = judge(first, second), judge(first, second)
    assert (once.outcome, once.reason, once.counterexample) == (again.outcome, again.reason, again.counterexample)


def sum_split_is_never_refuted(summand, shift) -> None:
    """sum_{k=0}^{L} f(k) = sum_{k=0}^{L-1} f(k) + f(L) for L >= 0; adding a constant breaks it."""
    whole = Sum(summand, (k, 0, L))
    split = Sum(summand, (k, 0, L - 1)) + summand.xreplace({k: L})
    verdict = judge(whole, split)
    assert verdict.outcome is not Outcome.REFUTED, (summand, verdict.reason)
    shifted = judge(whole, split + shift)
    assert shifted.outcome is not Outcome.VERIFIED, (summand, shift, shifted.reason)


summands = st.builds(lambda a, b, c: a * k**2 + b * k + c, coefficients, coefficients, coefficients)
polynomial_pairs = st.tuples(polynomials(), polynomials()) | polynomials().map(lambda e: (e, expand(e)))
shiftable = polynomials() | rationals_in_x()

PROPERTIES = {
    "identity_is_never_refuted": (identity_is_never_refuted, (identities(),)),
    "polynomial_identity_is_proved": (polynomial_identity_is_proved, (polynomials(),)),
    "shifted_is_never_verified": (shifted_is_never_verified, (shiftable, nonzero_rationals)),
    "polynomial_relation_is_decided": (polynomial_relation_is_decided, (polynomials(), polynomials())),
    "verdicts_are_reproducible": (verdicts_are_reproducible, (shiftable, shiftable)),
    "sum_split_is_never_refuted": (sum_split_is_never_refuted, (summands, nonzero_rationals)),
}


def _run(name: str, profile: settings) -> None:
    check, arguments = PROPERTIES[name]
    profile(given(*arguments)(check))()


@pytest.mark.parametrize("name", sorted(PROPERTIES))
def test_property(name):
    _run(name, FAST)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PROPERTIES))
def test_property_thoroughly(name, request):
    if not slow_selected(request.config):
        pytest.skip("the long run: pytest -m slow")
    _run(name, THOROUGH)


def test_the_counterexample_check_catches_a_bad_counterexample():
    """The re-check itself can fail: a value violating an assumption, and a point where the sides agree."""
    from symderive.model import Verdict

    wrong_sign = Verdict(Outcome.REFUTED, "", counterexample={"p": "-1"})
    assert counterexample_problem(p, p + 1, wrong_sign)
    agreeing = Verdict(Outcome.REFUTED, "", counterexample={"x": "1"})
    assert counterexample_problem(x**2, x, agreeing)
    assert not counterexample_problem(x**2, x, Verdict(Outcome.REFUTED, "", counterexample={"x": "2"}))
