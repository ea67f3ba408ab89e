"""Each matrix rule on a positive and a negative example; every result is checked on instances."""
from __future__ import annotations

import pytest
from sympy import Determinant, IndexedBase, MatMul, MatrixSymbol, Symbol, Trace, Transpose, ZeroMatrix, log, symbols
from sympy.matrices.expressions.inverse import Inverse

from symderive.matrices import MatrixDifferential, MatrixFacts, MatrixFamily, OrderedProduct, ScalarDifferential
from symderive.matrix_instances import InstanceStatus, check_on_instances
from symderive.rules import RuleNotApplicable
from symderive.rules.matrices import (
    declared_invertible,
    determinant_of_inverse,
    determinant_of_product,
    determinant_of_transpose,
    differential_of_inverse,
    differential_of_log_det,
    inverse_of_product,
    peel_first_factor,
    peel_last_factor,
    trace_cyclicity,
    transpose_of_product,
)

n, m = symbols("n m", integer=True, positive=True)
k, L, l = symbols("k L l", integer=True)
A, B, C, S = (MatrixSymbol(s, n, n) for s in "ABCS")
P, M = MatrixSymbol("P", n, m), MatrixSymbol("M", m, n)
sizes = IndexedBase("n")
Ak = MatrixFamily("A", k, sizes[k], sizes[k - 1])
FACTS = MatrixFacts(invertible={A, B}, positive_definite={S})


def equal_on_instances(before, after, facts=FACTS) -> bool:
    return check_on_instances(before, after, facts).status is InstanceStatus.EQUAL


def refuted(before, after, facts=FACTS) -> bool:
    return check_on_instances(before, after, facts).status is InstanceStatus.UNEQUAL


def test_transpose_of_product():
    before = Transpose(2 * A * P * M)
    after = transpose_of_product(before)
    assert after == MatMul(2, Transpose(M), Transpose(P), Transpose(A))
    assert equal_on_instances(before, after)
    assert refuted(before, 2 * Transpose(A) * Transpose(P) * Transpose(M))  # the order matters
    with pytest.raises(RuleNotApplicable):
        transpose_of_product(Transpose(A) + B)


def test_inverse_of_product():
    rule = inverse_of_product(FACTS)
    before = Inverse(3 * A * Transpose(B))
    after = rule(before)
    assert after == MatMul(Inverse(Transpose(B)), Inverse(A)) / 3
    assert equal_on_instances(before, after)
    assert refuted(before, Inverse(A) * Inverse(Transpose(B)) / 3)


def test_inverse_of_product_needs_declared_invertible_square_factors():
    rule = inverse_of_product(FACTS)
    with pytest.raises(RuleNotApplicable):
        rule(Inverse(A * C))  # C is not declared invertible
    with pytest.raises(RuleNotApplicable):
        rule(Inverse(P * M))  # P and M are not square: (PM)^{-1} may exist, P^{-1} does not


def test_declared_invertible():
    assert declared_invertible(Transpose(Inverse(A)) * B**2, FACTS)
    assert not declared_invertible(A * C, FACTS)
    assert not declared_invertible(A + B, FACTS)


def test_trace_cyclicity():
    before = Trace(2 * A * P * M)
    after = trace_cyclicity()(before)
    assert after == 2 * Trace(P * M * A)
    assert equal_on_instances(before, after)
    assert trace_cyclicity(2)(before) == 2 * Trace(M * A * P)
    assert refuted(Trace(A * B * C), Trace(A * C * B))  # not a rotation
    with pytest.raises(RuleNotApplicable):
        trace_cyclicity()(Trace(A))


def test_determinant_of_product():
    c = Symbol("c")
    before = Determinant(c * A * C)
    after = determinant_of_product(before)
    assert after == c**n * Determinant(A) * Determinant(C)
    assert equal_on_instances(before, after)
    assert refuted(before, c * Determinant(A) * Determinant(C))
    with pytest.raises(RuleNotApplicable):
        determinant_of_product(Determinant(P * M))  # Cauchy-Binet, not a product of determinants


def test_determinant_of_inverse_and_transpose():
    before = Determinant(Inverse(A)) * Determinant(Transpose(C))
    after = determinant_of_transpose(determinant_of_inverse(before))
    assert after == Determinant(C) / Determinant(A)
    assert equal_on_instances(before, after)
    assert refuted(Determinant(Inverse(A)), Determinant(A))
    with pytest.raises(RuleNotApplicable):
        determinant_of_inverse(Determinant(A))
    with pytest.raises(RuleNotApplicable):
        determinant_of_transpose(Determinant(A))


def test_peel_first_factor():
    product = OrderedProduct(Ak(k), (k, L, l + 1))
    after = peel_first_factor("l < L (H1)")(product)
    assert after == MatMul(Ak(L), OrderedProduct(Ak(k), (k, L - 1, l + 1)))
    assert equal_on_instances(product, after)
    assert "(l < L (H1))" in peel_first_factor("l < L (H1)").justification


def test_peel_last_factor():
    product = OrderedProduct(Ak(k), (k, L, l + 1))
    after = peel_last_factor("l < L")(product)
    assert after == MatMul(OrderedProduct(Ak(k), (k, L, l + 2)), Ak(l + 1))
    assert equal_on_instances(product, after)


def test_peeling_a_possibly_empty_product_needs_a_reason():
    with pytest.raises(RuleNotApplicable):
        peel_first_factor()(OrderedProduct(Ak(k), (k, L, l + 1)))
    known = OrderedProduct(Ak(k), (k, l + 3, l + 1))  # three factors whatever l is
    assert peel_first_factor()(known) == MatMul(Ak(l + 3), OrderedProduct(Ak(k), (k, l + 2, l + 1)))


def test_peeling_on_the_wrong_side_is_refuted():
    square = MatrixFamily("B", k, n, n)
    product = OrderedProduct(square(k), (k, L, l + 1))
    wrong = MatMul(OrderedProduct(square(k), (k, L - 1, l + 1)), square(L))
    assert refuted(product, wrong)


def test_differential_of_log_det():
    before = ScalarDifferential(log(Determinant(S)))
    after = differential_of_log_det(FACTS)(before)
    assert after == Trace(Inverse(S) * MatrixDifferential(S))
    assert equal_on_instances(before, after)
    assert refuted(before, Trace(S * MatrixDifferential(S)))
    assert refuted(before, 0)  # SymPy's log(Determinant(S)).diff(S) is 0: the instances refute it
    with pytest.raises(RuleNotApplicable):
        differential_of_log_det(FACTS)(ScalarDifferential(log(Determinant(C))))


def test_differential_of_inverse():
    before = MatrixDifferential(Inverse(S))
    after = differential_of_inverse(FACTS)(before)
    assert after == -Inverse(S) * MatrixDifferential(S) * Inverse(S)
    assert equal_on_instances(before, after)
    assert refuted(before, -Inverse(S) * Inverse(S) * MatrixDifferential(S))
    with pytest.raises(RuleNotApplicable):
        differential_of_inverse(FACTS)(MatrixDifferential(Inverse(C)))


def test_differential_of_inverse_of_a_general_invertible_matrix():
    before = MatrixDifferential(Inverse(A))
    after = differential_of_inverse(FACTS)(before)
    assert equal_on_instances(before, after)
    assert refuted(before, -Inverse(A) * Transpose(MatrixDifferential(A)) * Inverse(A))


def test_sympy_matrix_calculus_traps_are_as_documented():
    """The measured SymPy 1.14 behaviour that the rules above replace (if this fails, revisit the rules' doc)."""
    x, b = MatrixSymbol("x", n, 1), MatrixSymbol("b", n, 1)
    derivative = log(Determinant(S)).diff(S)
    assert derivative == ZeroMatrix(n, n) and derivative != 0  # wrong, and not even equal to 0
    assert (A.I * (x - b)).diff(x) == A.T**-1
