"""Rules with parameters are data: each reads back from a transcript's JSON (no code) and makes the same step.

One example per rule class of :data:`symderive.render.json.REPLAYABLE` (``Replace``,
``Rewrite``, ``ShiftIndex``, ``Substitute`` and the two quadratic-form rules are in test_rules.py): the
rule, a left side, and the right side it gives, written with one encoder and read
back with one decoder as a transcript is, so Dummies stay shared.
"""
from __future__ import annotations

import json
from typing import Any, Callable

import pytest
from sympy import (
    Determinant, Function, IndexedBase, Inverse, MatMul, MatrixSymbol, Product, S, Sum, Symbol, Trace, Transpose, Tuple,
    log, symbols,
)
from sympy.stats import Uniform

from symderive.cnn_instances import (
    A as A_LAYER, D as D_LAYER, FACTS as CNN_FACTS, L, Y, Y_ENTRY, i, j, k, l, n, w, y, y_pre,
)
from symderive.datajson import decode_dataclass, decode_tree, encode_dataclass, encode_tree
from symderive.densities import KL, IntegralOver, Region, indexed_function, normal, standard_normal
from symderive.exprjson import Decoder, Encoder
from symderive.jacobians import EntryMatrix, Jacobian
from symderive.matrices import (
    IndexedMatrix, MatrixDifferential, MatrixFacts, MatrixFamily, OrderedProduct, ScalarDifferential,
)
from symderive.model import Chain, Status, Step, Verification
from symderive.randomvars import Expect, Independence, RandomFamily, RandomModel, Var
from symderive.randomvectors import Independence as VectorIndependence, MatExpect, RandomVector, VectorModel
from symderive.recurrence import LinearRecurrence, unroll
from symderive.render.json import REPLAYABLE
from symderive.rules import ParametricRule
from symderive.rules import calculus as C
from symderive.rules import densities as DR
from symderive.rules import gaussians as G
from symderive.rules import kl as K
from symderive.rules import matrices as M
from symderive.rules import probability as P
from symderive.rules import randomvectors as RV
from symderive.rules.lemmas import result_at, use_lemma

# Classes whose round trip test_rules.py covers.
COVERED_ELSEWHERE = {"Replace", "Rewrite", "ShiftIndex", "Substitute", "QuadraticFormIsEven", "CollectQuadraticForm"}

d = Symbol("d", integer=True, positive=True)
A, B, Sigma = (MatrixSymbol(s, d, d) for s in ("A", "B", "Sigma"))
x, yv, mu, nu = (MatrixSymbol(s, d, 1) for s in ("x", "y", "mu", "nu"))
FACTS = MatrixFacts(invertible=frozenset({A, B}), positive_definite=frozenset({Sigma}))
VECTORS = VectorModel((RandomVector(x, mu, Sigma), RandomVector(yv, nu, Sigma)),
                      (VectorIndependence(frozenset({x, yv}), "H2"),), cites="H1")

r, c = symbols("r c", integer=True)
m = Symbol("m", integer=True, positive=True)
a = Symbol("a", positive=True)
W, bias, z = IndexedBase("W"), IndexedBase("b"), IndexedBase("z")
RANDOM = RandomModel((
    RandomFamily(W, (), (r, c), iid=True, law=Uniform("w", -a, a)),
    RandomFamily(bias, (), (r,), iid=True, law=Uniform("w", -a, a)),
    RandomFamily(z, (), (r,), iid=False, mean=S.Zero, variance=Symbol("v")),
), independence=(Independence("H", (W, bias, z)),))

alpha = Symbol("alpha", real=True)
f, g = Function("f"), Function("g")
SUPP = Region("supp f", r"\operatorname{supp} f")
OWN = Region("supp f_i", r"\operatorname{supp} f_i")
xs = IndexedBase("x", real=True)
F, G_ = indexed_function("f"), indexed_function("g")
ii, jj = Symbol("i", integer=True, positive=True), Symbol("j", integer=True, positive=True)
PRODUCT_F, PRODUCT_G = Product(F(jj, xs[jj]), (jj, 1, d)), Product(G_(jj, xs[jj]), (jj, 1, d))
t = Symbol("t", real=True)


def _lemma() -> Chain:
    N = MatrixSymbol("N", d, d)
    step = Step(Trace(MatMul(N, A)), Trace(MatMul(A, N)), "cyclicity", "", Verification(Status.PROVED, "m", ""))
    return Chain("lemma", Trace(MatMul(N, A)), (step,))


def _ordered_product() -> OrderedProduct:
    sizes = IndexedBase("n")
    family = MatrixFamily("A", k, sizes[k], sizes[k - 1])
    return OrderedProduct(family(k), (k, L, l + 1))


# name -> () -> (rule, left side)
EXAMPLES: dict[str, Callable[[], tuple[ParametricRule, Any]]] = {
    # densities and KL
    "KLOverSupport": lambda: (K.kl_over_support(f(alpha), g(alpha), alpha, SUPP), KL(f(alpha), g(alpha), Tuple(alpha))),
    "KLOfMarginals": lambda: (K.kl_of_marginals(f(alpha), g(alpha), alpha, SUPP),
                              IntegralOver(f(alpha) * log(f(alpha) / g(alpha)), alpha, SUPP) + 1),
    "LogOfProductRatio": lambda: (K.log_of_product_ratio(ii), log(PRODUCT_F / PRODUCT_G)),
    "Marginalise": lambda: (K.marginalise(ii, OWN),
                            IntegralOver(PRODUCT_F * log(F(ii, xs[ii]) / G_(ii, xs[ii])), xs, SUPP)),
    "DensityDefinition": lambda: (DR.density_definition(Function("p", positive=True), standard_normal(x), "H2"),
                                  log(Function("p", positive=True)(yv))),
    "KLDefinition": lambda: (DR.kl_definition(normal(t, 0, 1), normal(t, 1, 2)),
                             KL(normal(t, 0, 1).expr, normal(t, 1, 2).expr, Tuple(t)) + 1),
    # Gaussians and random vectors
    "InverseTimesMatrix": lambda: (G.inverse_times_matrix(FACTS), MatMul(Inverse(A), A, B)),
    "ProductOfInverses": lambda: (G.product_of_inverses(FACTS), MatMul(Inverse(Transpose(A)), Inverse(A))),
    "LinearityOfScalarExpectation": lambda: (G.linearity_of_scalar_expectation(VECTORS),
                                             Expect(Symbol("c0") + G.quadratic(x, A) / 2)),
    "LinearityOfMatrixExpectation": lambda: (RV.linearity_of_matrix_expectation(VECTORS), MatExpect(A * x * x.T + B)),
    "MeanOfRandomVector": lambda: (RV.mean_of_random_vector(VECTORS), MatExpect(x) + nu),
    "SecondMomentOfRandomVector": lambda: (RV.second_moment_of_random_vector(VECTORS), MatExpect(x * x.T)),
    "CrossMomentOfIndependentVectors": lambda: (RV.cross_moment_of_independent_vectors(VECTORS), MatExpect(x * yv.T)),
    # the random-variable algebra
    "LinearityOfExpectation": lambda: (P.linearity_of_expectation(RANDOM),
                                       Expect(2 * bias[1] + Sum(W[1, jj] * z[jj], (jj, 1, m)))),
    "ExpectationOfIndependentProduct": lambda: (P.expectation_of_independent_product(RANDOM, "H"),
                                                Expect(W[1, jj] * z[jj])),
    "VarianceOfIndependentSum": lambda: (P.variance_of_independent_sum(RANDOM, "H"),
                                         Var(bias[1] + Sum(W[1, jj] * z[jj], (jj, 1, m)))),
    "VarianceOfUncorrelatedSum": lambda: (P.variance_of_uncorrelated_sum(RANDOM, "H"),
                                          Var(Sum(W[1, jj] * z[jj], (jj, 1, m)))),
    "VarianceOfCentredProduct": lambda: (P.variance_of_centred_product(RANDOM, W, "H"), Var(W[1, jj] * z[jj])),
    "SecondMomentOfCentred": lambda: (P.second_moment_of_centred(RANDOM, "IH"), Expect(z[jj] ** 2)),
    "ExpectationFromDensity": lambda: (P.expectation_from_density(RANDOM), Expect(bias[1] ** 2) - Expect(bias[1]) ** 2),
    # matrices
    "InverseOfProduct": lambda: (M.inverse_of_product(FACTS), Inverse(3 * A * Transpose(B))),
    "TraceCyclicity": lambda: (M.trace_cyclicity(2), Trace(A * B * Sigma)),
    "PeelFirstFactor": lambda: (M.peel_first_factor("l < L (H1)"), _ordered_product()),
    "PeelLastFactor": lambda: (M.peel_last_factor("l < L"), _ordered_product()),
    "DifferentialOfLogDet": lambda: (M.differential_of_log_det(FACTS), ScalarDifferential(log(Determinant(Sigma)))),
    "DifferentialOfInverse": lambda: (M.differential_of_inverse(FACTS), MatrixDifferential(Inverse(Sigma))),
    "SymmetricIsItsTranspose": lambda: (M.symmetric_is_its_transpose(CNN_FACTS), Transpose(D_LAYER(l))),
    # Jacobians
    "ChainRule": lambda: (C.chain_rule(Jacobian(y(L), y_pre(l)), y_pre(l + 1), y(l)), Jacobian(y(L), y_pre(l))),
    "EntrywiseJacobian": lambda: (C.entrywise_jacobian(i, j), Jacobian(y_pre(l), w(l))),
    "EntriesOfTransposedProduct": lambda: (C.entries_of_transposed_product(j, i),
                                           MatMul(Transpose(A_LAYER(k)), IndexedMatrix("v", k, n[k], 1))),
    "NameTheMatrix": lambda: (C.name_the_matrix(Y(l - 1), "the Hankel matrix", "Notation."),
                              MatMul(D_LAYER(l), EntryMatrix(Y_ENTRY[l - 1, i + j - 1], (i, n[l]),
                                                             (j, IndexedBase("f")[l])))),
    # lemmas and recurrences
    "Claim": lambda: (result_at(a + Symbol("s"), {Symbol("s"): 1}, "at s = 1", ""), Symbol("q")),
    "Unroll": lambda: (unroll(LinearRecurrence.read(IndexedBase("v"), l, IndexedBase("v")[l - 1] / 2 + n[l]), k),
                       IndexedBase("v")[L]),
}


def test_every_replayable_rule_has_an_example():
    assert set(REPLAYABLE) - COVERED_ELSEWHERE == set(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_a_rule_reads_back_from_json_and_makes_the_same_step(name):
    made, before = EXAMPLES[name]()
    assert REPLAYABLE[name] is type(made)
    after = made(before)
    assert after != before
    encoder = Encoder()
    text = json.dumps({"rule": encode_dataclass(made, encoder, where="replay"),
                       "before": encode_tree(before, encoder), "after": encode_tree(after, encoder)})
    data, decoder = json.loads(text), Decoder()
    rebuilt = decode_dataclass(data["rule"], REPLAYABLE[data["rule"]["type"]], decoder)
    assert (rebuilt.name, rebuilt.justification) == (made.name, made.justification)
    assert rebuilt(decode_tree(data["before"], decoder)) == decode_tree(data["after"], decoder)
    assert encode_dataclass(rebuilt, Encoder()) == encode_dataclass(made, Encoder())  # written again, the same JSON


def test_use_lemma_records_its_instances_as_a_replace():
    rule = use_lemma(_lemma(), ({MatrixSymbol("N", d, d): B},), "cyclic")
    assert type(rule).__name__ == "Replace" and rule(Trace(MatMul(B, A)) + 1) == Trace(MatMul(A, B)) + 1


def test_an_edited_parameter_changes_the_replayed_step():
    """The check verify makes can fail: the same rule with another parameter does not give the recorded step."""
    made, before = EXAMPLES["Marginalise"]()
    other = K.marginalise(ii, Region("supp g_i", r"\operatorname{supp} g_i"))
    assert other(before) != made(before)
    made, before = EXAMPLES["TraceCyclicity"]()
    assert M.trace_cyclicity(1)(before) != made(before)


def test_a_rule_from_json_with_a_kl_of_other_variables_refuses_to_unfold():
    """Decoded parameters skip the constructor's checks: apply checks again what it relies on."""
    rule = DR.kl_definition(normal(t, 0, 1), normal(t, 1, 2))
    other = DR.KLDefinition(rule.name, rule.justification, rule.p, normal(Symbol("u", real=True), 1, 2))
    with pytest.raises(Exception, match="different variables"):
        other(KL(rule.p.expr, other.q.expr, Tuple(t)))
