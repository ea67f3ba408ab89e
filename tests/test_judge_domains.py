"""The judge on matrices, random vectors, functions and integrals (issue 6's table).

The matrix and random-vector rows are the tables of ``test_matrices`` and
``test_randomvectors``, now judged through :func:`symderive.judge` itself: what a
normal form settles must be ``proved`` for general dimensions, what only
instances settle ``proved-on-instances``, and every false row ``refuted``.
"""
from __future__ import annotations

import pytest
from sympy import (
    Derivative, Function, Integral, Matrix, MatrixSymbol, Rational, S, Symbol, diag, exp, oo, pi, sqrt, symbols,
)

from symderive import Context, Outcome, Status, judge
from symderive.matrices import MatrixFacts
from test_matrices import FACTS, I_, P_, R_, TABLE
from test_randomvectors import MODEL, QUADRATIC_FORMS, T, UNEQUAL

MATRICES = Context(matrix_facts=FACTS, seed=7)


@pytest.mark.parametrize("name, lhs, rhs, expected", TABLE, ids=[row[0] for row in TABLE])
def test_matrix_relation(name, lhs, rhs, expected):
    verdict = judge(lhs, rhs, MATRICES)
    if expected == R_:
        assert verdict.outcome is Outcome.REFUTED, verdict.reason
        assert verdict.counterexample
        return
    assert verdict.outcome is Outcome.VERIFIED, verdict.reason
    if expected == P_:
        assert verdict.verification.status is Status.PROVED, verdict.reason
    else:
        assert verdict.verification.status in (Status.PROVED_ON_INSTANCES, Status.TESTED_NUMERICALLY)


VECTORS = Context(vector_model=MODEL, matrix_facts=MatrixFacts(positive_definite={T}), seed=5)


@pytest.mark.parametrize("name, lhs, rhs, expected", QUADRATIC_FORMS, ids=[r[0] for r in QUADRATIC_FORMS])
def test_expectation_of_random_vectors(name, lhs, rhs, expected):
    verdict = judge(lhs, rhs, VECTORS)
    if expected is UNEQUAL:
        assert verdict.outcome is Outcome.REFUTED, verdict.reason
    else:
        assert verdict.outcome is Outcome.VERIFIED, verdict.reason
        assert verdict.verification.status is Status.PROVED_ON_INSTANCES
        assert "H1" in verdict.verification.premises


# -- functions and Jacobians -------------------------------------------------------------

t, u, x1, x2 = symbols("t u x1 x2", real=True)
f, g = Function("f"), Function("g")
X = Matrix([x1, x2])
A2 = Matrix([[1, 2], [3, 5]])
b2 = Matrix([7, -1])

FUNCTIONS = [
    ("product rule", Derivative(f(t) * g(t), t), f(t) * Derivative(g(t), t) + g(t) * Derivative(f(t), t), True),
    ("product rule without one term", Derivative(f(t) * g(t), t), f(t) * Derivative(g(t), t), False),
    ("chain rule", Derivative(f(g(t)), t), Derivative(f(u), u).subs(u, g(t)) * Derivative(g(t), t), True),
    ("chain rule with the derivative at the wrong point", Derivative(f(g(t)), t),
     Derivative(f(t), t) * Derivative(g(t), t), False),
    ("a product of function values is not their sum", f(t) * g(t), f(t) + g(t), False),
    ("f(x + 1) is not f(x) + 1", f(t + 1), f(t) + 1, False),
    ("Jacobian of an affine map", (A2 * X + b2).jacobian(X), A2, True),
    ("Jacobian of an affine map is not the transpose", (A2 * X + b2).jacobian(X), A2.T, False),
    ("Jacobian of an elementwise map is diagonal", Matrix([f(x1), f(x2)]).jacobian(X),
     diag(Derivative(f(x1), x1), Derivative(f(x2), x2)), True),
    ("elementwise Jacobian with the same derivative twice", Matrix([f(x1), f(x2)]).jacobian(X),
     diag(Derivative(f(x1), x1), Derivative(f(x1), x1)), False),
    ("chain rule for maps: J_{f o h} = J_f(h) J_h", Matrix([f(x1 + 2 * x2), f(3 * x1)]).jacobian(X),
     diag(Derivative(f(u), u).subs(u, x1 + 2 * x2), Derivative(f(u), u).subs(u, 3 * x1)) * Matrix([[1, 2], [3, 0]]),
     True),
    ("chain rule for maps in the wrong order: J_h J_f(h)", Matrix([f(x1 + 2 * x2), f(3 * x1)]).jacobian(X),
     Matrix([[1, 2], [3, 0]]) * diag(Derivative(f(u), u).subs(u, x1 + 2 * x2), Derivative(f(u), u).subs(u, 3 * x1)),
     False),
]


def test_a_refuted_function_identity_names_the_polynomial():
    verdict = judge(f(t) * g(t), f(t) + g(t))
    assert any(key.startswith("f(") for key in verdict.counterexample)


# -- Gaussian integrals ----------------------------------------------------------------------

y = Symbol("y", real=True)
mu = Symbol("mu", real=True)
sigma = Symbol("sigma", positive=True)
normal = exp(-((y - mu) ** 2) / (2 * sigma**2)) / sqrt(2 * pi * sigma**2)
y1, y2 = symbols("y1 y2", real=True)
bivariate = exp(-(2 * y1**2 - 2 * y1 * y2 + y2**2) / 2) / (2 * pi)  # covariance [[1, 1], [1, 2]], det 1

INTEGRALS = [
    ("normalising constant", Integral(normal, (y, -oo, oo)), S.One, True),
    ("normalising constant without sqrt(2 pi)", Integral(normal * sqrt(2 * pi), (y, -oo, oo)), S.One, False),
    ("mean", Integral(y * normal, (y, -oo, oo)), mu, True),
    ("second moment", Integral(y**2 * normal, (y, -oo, oo)), mu**2 + sigma**2, True),
    ("second moment without the mean", Integral(y**2 * normal, (y, -oo, oo)), sigma**2, False),
    ("bivariate normalising constant", Integral(bivariate, (y1, -oo, oo), (y2, -oo, oo)), S.One, True),
    ("bivariate constant with (2 pi)^(n/2) missing",
     Integral(2 * pi * bivariate, (y1, -oo, oo), (y2, -oo, oo)), S.One, False),
    ("bivariate covariance entry", Integral(y1 * y2 * bivariate, (y1, -oo, oo), (y2, -oo, oo)), S.One, True),
    ("bivariate variance entry", Integral(y2**2 * bivariate, (y1, -oo, oo), (y2, -oo, oo)), 2, True),
    ("bivariate variance entry, wrong", Integral(y2**2 * bivariate, (y1, -oo, oo), (y2, -oo, oo)), 1, False),
    ("uniform variance", Integral(y**2 / (2 * sigma), (y, -sigma, sigma)), sigma**2 / 3, True),
    ("uniform variance, wrong", Integral(y**2 / (2 * sigma), (y, -sigma, sigma)), sigma**2 / 12, False),
]


@pytest.mark.parametrize("name, lhs, rhs, true", FUNCTIONS + INTEGRALS, ids=[r[0] for r in FUNCTIONS + INTEGRALS])
def test_functions_jacobians_and_integrals(name, lhs, rhs, true):
    """True rows are proved (functions abstracted, integrals exact); false rows refuted."""
    verdict = judge(lhs, rhs)
    if true:
        assert verdict.outcome is Outcome.VERIFIED, verdict.reason
        assert verdict.verification.status is Status.PROVED, verdict.reason
    else:
        assert verdict.outcome is Outcome.REFUTED, verdict.reason


def test_the_table_is_large_enough():
    assert len(TABLE) + len(QUADRATIC_FORMS) + len(FUNCTIONS) + len(INTEGRALS) >= 100


# -- inequalities -------------------------------------------------------------------------------

z = Symbol("z", real=True)


@pytest.mark.parametrize("lhs, relation, rhs, expected", [
    (z**2, ">=", 0, Outcome.VERIFIED),
    (z**2 + 1, ">", 0, Outcome.VERIFIED),
    ((z - 1) ** 2, ">=", 0, Outcome.VERIFIED),
    (z, ">=", 0, Outcome.REFUTED),
    (z**2, ">", 0, Outcome.REFUTED),  # fails at z = 0
    (sigma, ">", 0, Outcome.VERIFIED),
    (-(sigma**2), ">=", 0, Outcome.REFUTED),
    (Rational(1, 3), "<=", Rational(1, 2), Outcome.VERIFIED),
])
def test_inequalities(lhs, relation, rhs, expected):
    assert judge(lhs, rhs, Context(), relation).outcome is expected


# -- functions the sample polynomials cannot stand for ------------------------------------------


def test_a_function_of_two_arguments_with_a_declared_sign_gets_a_polynomial_of_that_sign():
    h = Function("h", positive=True, nargs=2)  # as densities.indexed_function builds f_i(x)
    verdict = judge(h(t, y) + 1, h(y, t) + 1)  # h(t, y) = h(y, t) is not an identity
    assert verdict.outcome is Outcome.REFUTED, verdict.reason  # was a TypeError: h(t) built with one argument
    positive = judge(h(t, y) * h(y, t), -1)  # a product of positive values is never -1
    assert positive.outcome is Outcome.REFUTED, positive.reason


def test_a_function_of_a_vector_is_undecided_on_instances():
    x = MatrixSymbol("x", 3, 1)
    verdict = judge(f(x) * 2, f(x) + f(x))  # equal, but no polynomial of a vector is drawn
    assert verdict.outcome is not Outcome.REFUTED
    other = judge(f(x), 2 * f(x))
    assert other.outcome is Outcome.UNKNOWN and "function of a matrix or vector" in other.reason


def test_an_unknown_function_integrated_over_its_support_is_not_sampled():
    from symderive.densities import IntegralOver, support_of

    region_integral = IntegralOver(f(y), y, support_of("f"))
    verdict = judge(region_integral, 2 * region_integral)
    assert verdict.outcome is Outcome.UNKNOWN and "named region" in verdict.reason
