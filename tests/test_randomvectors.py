"""Random vectors: E[xx^T], linearity, independence, and E[x^T A x] derived by rules, checked exactly."""
from __future__ import annotations

import pytest
from sympy import Identity, Inverse, MatrixSymbol, Symbol, Trace, Transpose, latex, symbols

from symderive.matrices import MatrixFacts, prove_equal
from symderive.matrix_instances import InstanceStatus
from symderive.randomvars import Expect
from symderive.randomvectors import Independence, MatExpect, RandomVector, VectorModel, check_expectation_identity
from symderive.rules import RuleNotApplicable
from symderive.rules.randomvectors import (
    cross_moment_of_independent_vectors,
    expectation_through_trace,
    expected_quadratic_form,
    linearity_of_matrix_expectation,
    mean_of_random_vector,
    second_moment_of_random_vector,
)

n, d = symbols("n d", integer=True, positive=True)
A, Sigma, T, C = (MatrixSymbol(s, n, n) for s in ("A", "Sigma", "T", "C"))
x, y, w, mu, nu, b = (MatrixSymbol(s, n, 1) for s in ("x", "y", "w", "mu", "nu", "b"))
MODEL = VectorModel(
    (RandomVector(x, mu, Sigma), RandomVector(y, nu, T), RandomVector(w, b, Identity(n), gaussian=False)),
    (Independence(frozenset({x, y}), "H2"),),
    cites="H1",
)
EQUAL, UNEQUAL, UNDECIDED = InstanceStatus.EQUAL, InstanceStatus.UNEQUAL, InstanceStatus.UNDECIDED


def status(lhs, rhs, model=MODEL, facts=MatrixFacts()):
    return check_expectation_identity(lhs, rhs, model, facts, seed=5).status


def test_expected_quadratic_form_is_derived_by_rules_each_step_checked():
    steps = expected_quadratic_form(x, A, MODEL)
    assert [s.rule.name for s in steps] == [
        "cyclicity of the trace", "expectation through the trace", "linearity of the matrix expectation",
        "second moment of a random vector", "linearity of the trace", "cyclicity of the trace",
    ]
    for step in steps:
        assert status(step.before, step.after) is EQUAL, step.rule.name
    assert steps[0].before == Expect(Trace(x.T * A * x))
    assert prove_equal(steps[-1].after, Trace(A * Sigma) + Trace(mu.T * A * mu), MatrixFacts())


def test_expected_quadratic_form_needs_a_declared_vector():
    with pytest.raises(RuleNotApplicable):
        expected_quadratic_form(mu, A, MODEL)


QUADRATIC_FORMS = [
    ("E[x^T A x] = tr(A Sigma) + mu^T A mu", Expect(Trace(x.T * A * x)), Trace(A * Sigma) + Trace(mu.T * A * mu), EQUAL),
    ("E[x^T A x] = tr(A Sigma)", Expect(Trace(x.T * A * x)), Trace(A * Sigma), UNEQUAL),
    ("E[x^T A x] = tr(A) tr(Sigma) + mu^T A mu", Expect(Trace(x.T * A * x)),
     Trace(A) * Trace(Sigma) + Trace(mu.T * A * mu), UNEQUAL),
    ("E[(x-b)^T A (x-b)] = tr(A Sigma) + (mu-b)^T A (mu-b)", Expect(Trace(Transpose(x - b) * A * (x - b))),
     Trace(A * Sigma) + Trace(Transpose(mu - b) * A * (mu - b)), EQUAL),
    ("E[(x-b)^T A (x-b)] = tr(A Sigma) + (mu+b)^T A (mu+b)", Expect(Trace(Transpose(x - b) * A * (x - b))),
     Trace(A * Sigma) + Trace(Transpose(mu + b) * A * (mu + b)), UNEQUAL),
    ("E[x x^T] = Sigma + mu mu^T", MatExpect(x * x.T), Sigma + mu * mu.T, EQUAL),
    ("E[x x^T] = Sigma", MatExpect(x * x.T), Sigma, UNEQUAL),
    ("E[x x^T] = Sigma + mu^T mu I", MatExpect(x * x.T), Sigma + Trace(mu.T * mu) * Identity(n), UNEQUAL),
    ("E[x^T x] = tr Sigma + mu^T mu", Expect(Trace(x.T * x)), Trace(Sigma) + Trace(mu.T * mu), EQUAL),
    ("E[A x + b] = A mu + b", MatExpect(A * x + b), A * mu + b, EQUAL),
    ("E[A x + b] = A mu", MatExpect(A * x + b), A * mu, UNEQUAL),
    ("Cov(Ax) = A Sigma A^T", MatExpect(A * (x - mu) * Transpose(A * (x - mu))), A * Sigma * A.T, EQUAL),
    ("Cov(Ax) = A^T Sigma A", MatExpect(A * (x - mu) * Transpose(A * (x - mu))), A.T * Sigma * A, UNEQUAL),
    ("E[x y^T] = mu nu^T (independent, H2)", MatExpect(x * y.T), mu * nu.T, EQUAL),
    ("E[x y^T] = 0", MatExpect(x * y.T), 0 * mu * nu.T, UNEQUAL),
    ("E[(x^T x)^2] = 2 tr(Sigma^2) + tr(Sigma)^2 at mu = 0 (Gaussian)",
     Expect(Trace((x - mu).T * (x - mu)) ** 2), 2 * Trace(Sigma * Sigma) + Trace(Sigma) ** 2, EQUAL),
    ("E[(x^T x)^2] = tr(Sigma)^2 at mu = 0", Expect(Trace((x - mu).T * (x - mu)) ** 2), Trace(Sigma) ** 2, UNEQUAL),
    ("KL cross term: E[(x-nu)^T T^{-1} (x-nu)] = tr(T^{-1} Sigma) + (mu-nu)^T T^{-1} (mu-nu)",
     Expect(Trace(Transpose(x - nu) * Inverse(T) * (x - nu))),
     Trace(Inverse(T) * Sigma) + Trace(Transpose(mu - nu) * Inverse(T) * (mu - nu)), EQUAL),
    ("KL cross term with the covariances swapped", Expect(Trace(Transpose(x - nu) * Inverse(T) * (x - nu))),
     Trace(Inverse(Sigma) * T) + Trace(Transpose(mu - nu) * Inverse(T) * (mu - nu)), UNEQUAL),
    ("E[w w^T] = I + b b^T, known to second order", MatExpect(w * w.T), Identity(n) + b * b.T, EQUAL),
]


@pytest.mark.parametrize("name, lhs, rhs, expected", QUADRATIC_FORMS, ids=[r[0] for r in QUADRATIC_FORMS])
def test_expectation_identities(name, lhs, rhs, expected):
    result = check_expectation_identity(lhs, rhs, MODEL, MatrixFacts(positive_definite={T}), seed=5)
    assert result.status is expected, result.reason
    if expected is UNEQUAL:
        assert result.counterexample is not None
        assert result.rechecked_by == "sympy.stats"  # check relies on this flag, not on the reason's words


def test_moments_beyond_the_second_need_a_gaussian():
    assert status(Expect(Trace((w - b).T * (w - b)) ** 2), 3 * n) is UNDECIDED


def test_joint_moments_need_stated_independence():
    unstated = VectorModel(MODEL.vectors)
    assert status(MatExpect(x * y.T), mu * nu.T, unstated) is UNDECIDED
    with pytest.raises(RuleNotApplicable):
        cross_moment_of_independent_vectors(unstated)(MatExpect(x * y.T))


def test_cross_moment_rule_cites_the_independence():
    rule = cross_moment_of_independent_vectors(MODEL)
    assert rule(MatExpect(x * y.T)) == mu * nu.T
    assert "H2" in rule.justification
    assert status(MatExpect(x * y.T), rule(MatExpect(x * y.T))) is EQUAL


def test_linearity_pulls_out_constant_matrices_only():
    rule = linearity_of_matrix_expectation(MODEL)
    after = rule(MatExpect(A * x * x.T * C + C))
    assert prove_equal(after, A * MatExpect(x * x.T) * C + C, MatrixFacts())
    assert status(MatExpect(A * x * x.T * C + C), after) is EQUAL
    with pytest.raises(RuleNotApplicable):
        rule(MatExpect(Trace(x.T * x) * A))  # a random scalar factor is not a constant


def test_mean_and_second_moment_rules():
    assert prove_equal(mean_of_random_vector(MODEL)(MatExpect(x) + b), mu + b, MatrixFacts())
    assert second_moment_of_random_vector(MODEL)(MatExpect(x * x.T)) == Sigma + mu * mu.T
    assert "H1" in second_moment_of_random_vector(MODEL).justification
    with pytest.raises(RuleNotApplicable):
        second_moment_of_random_vector(MODEL)(MatExpect(mu * mu.T))  # mu is not random
    with pytest.raises(RuleNotApplicable):
        second_moment_of_random_vector(MODEL)(MatExpect(x * y.T))  # not a second moment of one vector


def test_expectation_through_trace():
    assert expectation_through_trace(Expect(Trace(A * x * x.T))) == Trace(MatExpect(A * x * x.T))
    with pytest.raises(RuleNotApplicable):
        expectation_through_trace(Expect(Symbol("s")))


def test_random_vector_shapes_are_checked():
    with pytest.raises(ValueError):
        RandomVector(x, A, Sigma)


def test_matrix_expectation_prints():
    assert latex(MatExpect(x * x.T)) == r"\mathbb{E}\left[x x^{T}\right]"


def test_a_function_of_a_random_vector_is_undecided_not_a_crash():
    from sympy import Pow, S, exp, log

    facts = MatrixFacts(positive_definite={Sigma})
    # of a constant: evaluated (sqrt(4) = 2); of the random vector: honestly undecided
    root = Pow(4, S.Half, evaluate=False)
    assert check_expectation_identity(Expect(root * Trace(x.T * x)), 2 * Expect(Trace(x.T * x)), MODEL,
                                      facts, seed=1).status is EQUAL
    undecided = check_expectation_identity(Expect(-log(exp(Trace(x.T * x)))), -Expect(Trace(x.T * x)), MODEL,
                                           facts, seed=1)
    assert undecided.status is UNDECIDED and "not a polynomial moment" in undecided.reason
