"""Unit tests of ``symderive/judge/functions.py`` (undeclared functions: abstracted for a proof, random
polynomials for sample points), called directly.

Written against the mutation run of the judge (benchmarks/README.md): the judge's rows with functions
check only verdicts, not which unknowns and which polynomials stand in for the functions.
"""
from __future__ import annotations

import random

from sympy import (
    Derivative, Dummy, Function, Integral, Lambda, Poly, Rational, Subs, Symbol, symbols,
)

from symderive.judge.functions import (
    abstracted, arities, functions_in, random_polynomials, show_function, with_functions,
)

x, y = symbols("x y", real=True)
t, t1, t2 = Symbol("t"), Symbol("t1"), Symbol("t2")
f, g = Function("f"), Function("g")
SEEDS = range(60)


def test_the_functions_applied_are_listed_once_by_name():
    assert functions_in(g(x) * f(x, y) + f(y) + x) == [f, g]
    assert functions_in(x**2) == []


def test_a_derivative_of_a_function_becomes_one_unknown():
    unknown = abstracted(Derivative(f(x), x))
    assert isinstance(unknown, Dummy) and not unknown.free_symbols & {x}
    # the same derivative twice is the same unknown; the value and the derivative are different ones
    both = abstracted(Derivative(f(x), x) * f(x) + Derivative(f(x), x))
    assert len(both.free_symbols) == 2 and x not in both.free_symbols


def test_the_chain_rule_is_written_out_before_abstraction():
    # (f(g(x)))' = f'(g(x)) g'(x): two unknowns, the derivative at g(x) and g'(x)
    written = abstracted(Derivative(f(g(x)), x))
    assert not written.atoms(Derivative, Subs) and x not in written.free_symbols
    assert len(written.free_symbols) == 2


def test_an_unknown_keeps_what_is_declared_of_the_function_and_nothing_more():
    positive = Function("p", positive=True)
    assert abstracted(positive(x)).is_positive is True
    plain = abstracted(f(x))
    assert isinstance(plain, Dummy) and plain.is_real is None and plain.is_positive is None


def test_arities_are_the_most_arguments_a_function_is_given_in_name_order():
    found = arities(g(x) + f(x, y) + f(x))
    assert found == {f: 2, g: 1} and list(found) == [f, g]


def _constants_and_coefficients(arity: int) -> tuple[list, list]:
    constants, coefficients = [], []
    for seed in SEEDS:
        body = random_polynomials({f: arity}, random.Random(seed))[f].expr
        variables = (t1, t2) if arity > 1 else (t,)
        constants.append(body.subs({v: 0 for v in variables}))
        for variable in variables:
            polynomial = Poly(body.subs({v: 0 for v in variables if v != variable}), variable)
            assert polynomial.degree() <= 3
            coefficients.append(polynomial.all_coeffs()[::-1][1:])  # the coefficients of t, t^2, t^3
    return constants, coefficients


def test_a_random_polynomial_has_one_variable_per_argument():
    rng = random.Random(0)
    assert random_polynomials({f: 1}, rng)[f].variables == (t,)
    assert random_polynomials({f: 2}, rng)[f].variables == (t1, t2)
    assert random_polynomials({f: 3}, rng)[f].variables == (t1, t2, Symbol("t3"))


def test_a_random_polynomial_has_degree_three_in_each_argument_with_rational_coefficients_of_both_signs():
    for arity in (1, 2):
        constants, per_variable = _constants_and_coefficients(arity)
        linear = [c[0] for c in per_variable if len(c) >= 1]
        cubic = [c[2] for c in per_variable if len(c) == 3]
        for values in (constants, linear, cubic):
            assert any(v < 0 for v in values) and any(v > 0 for v in values)
            assert any(not v.is_integer for v in values)  # rational, not only integers
            assert any(abs(v) > 5 for v in values)  # numerators up to 9 over denominators from 1
            assert all(v.is_Rational and abs(v) <= 9 for v in values)
        assert cubic, "some polynomial has degree 3"


def test_a_random_polynomial_is_a_polynomial():
    for seed in SEEDS:
        body = random_polynomials({f: 1}, random.Random(seed))[f].expr
        assert body.is_polynomial(t)


def _body(function, seed: int):
    return random_polynomials({function: 1}, random.Random(seed))[function].expr.subs(t, x)  # x is real


def test_a_function_declared_with_a_sign_gets_a_polynomial_with_that_sign():
    declared = {
        "positive": Function("p", positive=True), "nonnegative": Function("q", nonnegative=True),
        "negative": Function("m", negative=True), "nonpositive": Function("r", nonpositive=True),
        "nonzero": Function("s", nonzero=True, real=True),
    }
    for seed in range(20):
        assert _body(declared["positive"], seed).is_positive is True
        assert _body(declared["nonnegative"], seed).is_nonnegative is True
        assert _body(declared["negative"], seed).is_negative is True
        assert _body(declared["nonpositive"], seed).is_nonpositive is True
        assert _body(declared["nonzero"], seed).is_nonzero is True
        assert _body(f, seed).is_polynomial(x) and Poly(_body(f, seed), x).degree() <= 3  # no sign: not squared


def test_functions_are_replaced_and_their_derivatives_evaluated():
    square = {f: Lambda(t, t**2)}
    assert with_functions(f(x) + Derivative(f(x), x), square) == x**2 + 2 * x
    unevaluated = Integral(x, (x, 0, 1))
    assert with_functions(unevaluated, {}) == unevaluated  # no functions: the expression untouched


def test_a_polynomial_is_shown_with_its_arguments():
    assert show_function(f, Lambda((t1, t2), t1 + Rational(1, 2) * t2)) == ("f(t1, t2)", "t1 + t2/2")
    assert show_function(g, Lambda(t, 3 * t)) == ("g(t)", "3*t")
