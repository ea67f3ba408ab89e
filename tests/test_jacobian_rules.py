"""Jacobians, entry-wise matrices and the rules that work on them; the ordered-product rules; their printing.

Each rule on a positive and a negative example; matrix rules are also checked on instances (a wrong variant
is refuted there, so the check can fail)."""
from __future__ import annotations

import pytest
from sympy import (
    Derivative, Function, Identity, IndexedBase, KroneckerDelta, MatMul, MatrixSymbol, Max, Min, OneMatrix,
    Piecewise, Sum, Transpose, symbols,
)

from symderive.cnn_instances import A, D, FACTS, Y, Y_ENTRY, Y_PRE_ENTRY, W_ENTRY, L, f, i, j, k, l, m, n, w, y, y_pre
from symderive.jacobians import EntryMatrix, Jacobian, bmatrix, entry_of, sketch
from symderive.matrices import IndexedMatrix, OrderedProduct
from symderive.matrix_instances import InstanceStatus, check_on_instances
from symderive.render.printer import to_latex
from symderive.rules import RuleNotApplicable
from symderive.rules.calculus import (
    chain_rule, differentiate, entries_of_transposed_product, entrywise_jacobian, name_the_matrix,
    sum_against_kronecker_delta, sum_over_the_band,
)
from symderive.rules.matrices import (
    absorb_next_factor, drop_identity_factors, flatten_products, symmetric_is_its_transpose,
    transpose_of_ordered_product,
)

sigma = Function("sigma")
PRODUCT_TERM = MatMul(D(k), A(k))


def equal_on_instances(before, after) -> bool:
    return check_on_instances(before, after, FACTS).status is InstanceStatus.EQUAL


def refuted(before, after) -> bool:
    return check_on_instances(before, after, FACTS).status is InstanceStatus.UNEQUAL


# --- Jacobian and EntryMatrix -------------------------------------------------------------------------


def test_a_jacobian_has_numerator_layout_and_takes_vectors_only():
    assert Jacobian(y(L), w(l)).shape == (n[L], f[l])
    with pytest.raises(TypeError):
        Jacobian(A(l), w(l))
    assert to_latex(Jacobian(y(L), y_pre(l))) == r"\frac{\partial y_{L}}{\partial y'_{l}}"


def test_an_entry_matrix_binds_its_indices_and_writes_out_at_numeric_sizes():
    hankel = EntryMatrix(Y_ENTRY[l - 1, i + j - 1], (i, n[l]), (j, f[l]))
    assert hankel.shape == (n[l], f[l])
    assert i not in hankel.free_symbols and j not in hankel.free_symbols and l in hankel.free_symbols
    assert hankel.at(2, 3) == Y_ENTRY[l - 1, 4]
    explicit = hankel.xreplace({n[l]: 2, f[l]: 3}).explicit()
    assert explicit.tolist() == [[Y_ENTRY[l - 1, c] for c in (1, 2, 3)], [Y_ENTRY[l - 1, c] for c in (2, 3, 4)]]
    with pytest.raises(ValueError):
        hankel.explicit()  # symbolic sizes
    with pytest.raises(TypeError):
        EntryMatrix(i, (i, 3), (i, 3))  # one index for rows and columns


def test_the_sketch_draws_corners_and_dots():
    hankel = EntryMatrix(Y_ENTRY[l - 1, i + j - 1], (i, n[l]), (j, f[l]))
    drawn = sketch(hankel)
    assert drawn.startswith(r"\begin{bmatrix} (y_{l - 1})_{1} & (y_{l - 1})_{2} & \cdots & (y_{l - 1})_{f_{l}}")
    assert r"\vdots & \vdots & \ddots & \vdots" in drawn and drawn.endswith(r"\end{bmatrix}")
    assert "f_{l} + n_{l} - 1" in drawn
    assert bmatrix(EntryMatrix(i * j, (i, 2), (j, 2)).explicit()) == r"\begin{bmatrix} 1 & 2 \\ 2 & 4 \end{bmatrix}"


def test_entries_of_a_vector_family():
    assert entry_of(y(l), i) == Y_ENTRY[l, i]
    assert entry_of(IndexedMatrix("beta", l, 1, 1), i) == IndexedBase("beta")[l]


# --- rules on Jacobians ---------------------------------------------------------------------------------


def test_chain_rule_through_intermediate_vectors():
    target = Jacobian(y(L), y_pre(l))
    after = chain_rule(target, y_pre(l + 1), y(l))(target)
    assert after == MatMul(Jacobian(y(L), y_pre(l + 1)), Jacobian(y_pre(l + 1), y(l)), Jacobian(y(l), y_pre(l)))
    with pytest.raises(RuleNotApplicable):
        chain_rule(target, y(l))(Jacobian(y(L), w(l)))
    with pytest.raises(ValueError):
        chain_rule(target)


def test_entrywise_jacobian():
    after = entrywise_jacobian(i, j)(Jacobian(y_pre(l), w(l)))
    assert after == EntryMatrix(Derivative(Y_PRE_ENTRY[l, i], W_ENTRY[l, j]), (i, n[l]), (j, f[l]))
    with pytest.raises(RuleNotApplicable):
        entrywise_jacobian(i, j)(A(l))


def test_differentiate_a_linear_form_and_sigma():
    linear = Sum(W_ENTRY[l, m] * Y_ENTRY[l - 1, i + m - 1], (m, 1, f[l])) + IndexedBase("b")[l, i]
    after = differentiate(EntryMatrix(Derivative(linear, W_ENTRY[l, j]), (i, n[l]), (j, f[l])))
    assert after.entry == Sum(KroneckerDelta(j, m) * Y_ENTRY[l - 1, i + m - 1], (m, 1, f[l]))
    bias = differentiate(EntryMatrix(Derivative(linear, IndexedBase("b")[l, j]), (i, n[l]), (j, n[l])))
    assert bias.entry == KroneckerDelta(i, j)  # no Sum(0, ...) left over
    activation = differentiate(EntryMatrix(Derivative(sigma(Y_PRE_ENTRY[k, i]), Y_PRE_ENTRY[k, j]), (i, n[k]), (j, n[k])))
    assert activation.entry == KroneckerDelta(i, j) * Derivative(sigma(Y_PRE_ENTRY[k, i]), Y_PRE_ENTRY[k, i])
    with pytest.raises(RuleNotApplicable):
        differentiate(activation)  # sigma' stays sigma'


def test_sum_against_a_kronecker_delta_drops_only_the_conditions_the_ranges_guarantee():
    hankel = EntryMatrix(Sum(KroneckerDelta(j, m) * Y_ENTRY[l - 1, i + m - 1], (m, 1, f[l])), (i, n[l]), (j, f[l]))
    assert sum_against_kronecker_delta(hankel).entry == Y_ENTRY[l - 1, i + j - 1]
    band = EntryMatrix(Sum(KroneckerDelta(j, i + m - 1) * W_ENTRY[k + 1, m], (m, 1, f[k + 1])), (i, n[k + 1]),
                       (j, n[k]))
    entry = sum_against_kronecker_delta(band).entry
    assert isinstance(entry, Piecewise)  # 1 <= j - i + 1 <= f_{k+1} is not guaranteed by the ranges
    assert entry.subs({i: 2, j: 3, f[k + 1]: 3}) == W_ENTRY[k + 1, 2]
    assert entry.subs({i: 3, j: 2, f[k + 1]: 3}) == 0
    wider = EntryMatrix(Sum(KroneckerDelta(j, m) * Y_ENTRY[l - 1, m], (m, 1, f[l])), (i, n[l]), (j, f[l] + 1))
    assert isinstance(sum_against_kronecker_delta(wider).entry, Piecewise)  # j = f_l + 1 is outside the sum
    with pytest.raises(RuleNotApplicable):  # the delta does not pick one m
        sum_against_kronecker_delta(EntryMatrix(Sum(KroneckerDelta(j, 2 * m) * m, (m, 1, 5)), (i, 3), (j, 3)))


def test_sum_over_the_band():
    term = Piecewise((W_ENTRY[k, j - i + 1] * IndexedBase("v")[k, i], (j - i + 1 >= 1) & (j - i + 1 <= f[k])),
                     (0, True))
    after = sum_over_the_band(Sum(term, (i, 1, n[k])))
    assert after == Sum(W_ENTRY[k, j - i + 1] * IndexedBase("v")[k, i], (i, Max(1, j - f[k] + 1), Min(n[k], j)))
    for size, filt, col in [(4, 2, 1), (4, 2, 3), (4, 2, 5), (3, 3, 4)]:
        at = {n[k]: size, f[k]: filt, j: col}
        assert after.xreplace(at).doit() == Sum(term, (i, 1, n[k])).xreplace(at).doit()
    with pytest.raises(RuleNotApplicable):
        sum_over_the_band(Sum(W_ENTRY[k, i], (i, 1, n[k])))


def test_entries_of_a_transposed_product():
    after = entries_of_transposed_product(j, i)(MatMul(Transpose(A(k)), IndexedMatrix("v", k, n[k], 1)))
    assert after == EntryMatrix(Sum(IndexedBase("A")[k, i, j] * IndexedBase("v")[k, i], (i, 1, n[k])), (j, n[k - 1]))
    with pytest.raises(RuleNotApplicable):
        entries_of_transposed_product(j, i)(MatMul(A(k), IndexedMatrix("v", k - 1, n[k - 1], 1)))


def test_name_the_matrix_replaces_the_one_entry_wise_matrix_of_its_shape():
    hankel = EntryMatrix(Y_ENTRY[l - 1, i + j - 1], (i, n[l]), (j, f[l]))
    rule = name_the_matrix(Y(l - 1), "the Hankel matrix", "Notation.")
    assert rule(MatMul(D(l), hankel)) == MatMul(D(l), Y(l - 1))
    with pytest.raises(RuleNotApplicable):
        rule(Jacobian(y_pre(l), w(l)))


# --- ordered products, identities, transposes -----------------------------------------------------------


def test_absorb_the_next_factor_into_a_descending_product():
    product = OrderedProduct(PRODUCT_TERM, (k, L - 1, l + 2))
    before = MatMul(MatMul(A(L), product, D(l + 1)), A(l + 1), D(l))  # nested, as after a substitution
    after = absorb_next_factor(before)
    assert after == MatMul(A(L), OrderedProduct(PRODUCT_TERM, (k, L - 1, l + 1)), D(l))
    assert equal_on_instances(before, after)
    assert refuted(before, MatMul(A(L), OrderedProduct(PRODUCT_TERM, (k, L - 1, l)), D(l)))  # one too many
    with pytest.raises(RuleNotApplicable):
        absorb_next_factor(MatMul(A(L), product, D(l + 2), A(l + 2)))  # not the next factor


def test_transpose_of_an_ordered_product_reverses_it():
    product = OrderedProduct(PRODUCT_TERM, (k, L - 1, l + 1))
    after = transpose_of_ordered_product(Transpose(product))
    assert after == OrderedProduct(Transpose(PRODUCT_TERM), (k, l + 1, L - 1), 1)
    assert equal_on_instances(Transpose(product), after)
    assert refuted(Transpose(product), OrderedProduct(Transpose(PRODUCT_TERM), (k, l + 2, L - 1), 1))  # one short
    with pytest.raises(ValueError):  # the same order, transposed term by term, does not even chain
        OrderedProduct(Transpose(PRODUCT_TERM), (k, L - 1, l + 1))
    with pytest.raises(RuleNotApplicable):
        transpose_of_ordered_product(product)


def test_identities_brackets_and_symmetric_transposes():
    assert drop_identity_factors(MatMul(Identity(n[L]), A(L), D(L - 1))) == MatMul(A(L), D(L - 1))
    assert drop_identity_factors(MatMul(Identity(n[L]), Identity(n[L]))) == Identity(n[L])
    with pytest.raises(RuleNotApplicable):
        drop_identity_factors(MatMul(A(L), D(L - 1)))
    assert flatten_products(MatMul(MatMul(A(L), D(L - 1)), A(L - 1))) == MatMul(A(L), D(L - 1), A(L - 1))
    assert symmetric_is_its_transpose(FACTS)(Transpose(D(l))) == D(l)
    with pytest.raises(RuleNotApplicable):
        symmetric_is_its_transpose(FACTS)(Transpose(A(l)))  # A_l is not declared symmetric


# --- printing -----------------------------------------------------------------------------------------


def test_sigma_prime_identity_and_ones_are_printed_as_written():
    x, t = symbols("x t")
    assert to_latex(Derivative(sigma(x), x)) == r"\sigma'(x)"
    assert to_latex(sigma(x + 1).fdiff(1)) == r"\sigma'(x + 1)"  # SymPy's Subs form
    assert to_latex(Derivative(sigma(x), x, 2)) != r"\sigma'(x)"
    assert to_latex(Derivative(sigma(x, t), x)) != r"\sigma'(x)"
    assert to_latex(Identity(n[l])) == "I_{n_{l}}"
    assert to_latex(OneMatrix(n[l], 1)) == r"\mathbf{1}_{n_{l}}"
    assert to_latex(D(k)) == r"\operatorname{diag}(\sigma'(y'_{k}))"
    assert to_latex(MatrixSymbol("M", 2, 2)) == "M"
