"""The instance verifiers of the CNN derivation and the downward induction: they accept true steps, refuse
false ones, and the polynomial network differentiates as SymPy does."""
from __future__ import annotations

import random

import pytest
from sympy import Identity, Integer, Lambda, MatMul, Piecewise, Symbol, ZeroMatrix

from symderive.calc import VerificationFailed
from symderive.cnn import Shape, forward, symbolic_net
from symderive.cnn_instances import (
    A, D, W_ENTRY, Y, Y_ENTRY, L, LayerKind, LayerSize, PolynomialNet, below_the_last, f, i, j, k, l, layer_verifier,
    n, network_verifier, no_layer, the_last, w, y, y_pre,
)
from symderive.induction import DownwardInduction
from symderive.jacobians import EntryMatrix, Jacobian
from symderive.matrices import OrderedProduct
from symderive.model import Chain, Hypothesis, Status, Step, Verification

SIZES = (LayerSize(3, 1), LayerSize(5, 2), LayerSize(4, 4))
PRODUCT = MatMul(A(L), OrderedProduct(MatMul(D(k), A(k)), (k, L - 1, l + 1)), D(l))


# --- one layer ------------------------------------------------------------------------------------------


def test_the_layer_verifier_accepts_the_hankel_matrix_and_refuses_a_shifted_one():
    check = layer_verifier(LayerKind.CONVOLUTION, l, SIZES)
    right = EntryMatrix(Y_ENTRY[l - 1, i + j - 1], (i, n[l]), (j, f[l]))
    verification = check(Jacobian(y_pre(l), w(l)), right)
    assert verification.status is Status.PROVED_ON_INSTANCES
    assert "(3, 1), (5, 2), (4, 4)" in verification.detail
    assert check(right, Y(l - 1)).status is Status.PROVED_ON_INSTANCES
    shifted = right.with_entry(Y_ENTRY[l - 1, i + j])
    with pytest.raises(VerificationFailed):
        check(Jacobian(y_pre(l), w(l)), shifted)


def test_the_layer_verifier_refuses_the_transposed_band():
    check = layer_verifier(LayerKind.CONVOLUTION, k + 1, SIZES)
    band = EntryMatrix(Piecewise((W_ENTRY[k + 1, j - i + 1], (j - i >= 0) & (j - i < f[k + 1])), (0, True)),
                       (i, n[k + 1]), (j, n[k]))
    assert check(Jacobian(y_pre(k + 1), y(k)), A(k + 1)).status is Status.PROVED_ON_INSTANCES
    assert check(band, A(k + 1)).status is Status.PROVED_ON_INSTANCES
    flipped = band.with_entry(band.entry.xreplace({j - i + 1: i - j + 1}))
    with pytest.raises(VerificationFailed):
        check(band, flipped)


def test_the_activation_and_the_last_layer():
    assert layer_verifier(LayerKind.ACTIVATION, k, (LayerSize(3),))(Jacobian(y(k), y_pre(k)), D(k))
    last = layer_verifier(LayerKind.LAST, L, (LayerSize(3),))
    assert last(Jacobian(y(L), y_pre(L)), Identity(n[L]))
    with pytest.raises(VerificationFailed):
        last(Jacobian(y(L), y_pre(L)), D(L))  # no activation on the last layer


# --- networks -------------------------------------------------------------------------------------------


def test_the_network_verifier_accepts_the_closed_form_and_refuses_near_misses():
    check = network_verifier(below_the_last)
    assert check(Jacobian(y(L), y_pre(l)), PRODUCT).status is Status.PROVED_ON_INSTANCES
    assert check(Jacobian(y(L), w(l)), MatMul(*PRODUCT.args, Y(l - 1)))
    without_last_slope = MatMul(*PRODUCT.args[:-1])
    with pytest.raises(VerificationFailed, match="differ"):
        check(Jacobian(y(L), y_pre(l)), without_last_slope)
    with pytest.raises(VerificationFailed):  # the slope of the wrong layer: sizes do not even chain
        check(Jacobian(y(L), y_pre(l)), MatMul(*PRODUCT.args[:-1], D(l + 1)))
    with pytest.raises(VerificationFailed):  # at l = L there is no activation, so no diag(σ'(y'_L))
        network_verifier(the_last)(Jacobian(y(L), w(L)), MatMul(D(L), Y(L - 1)))


def test_jacobians_by_later_vectors_vanish_and_by_the_same_vector_are_the_identity():
    check = network_verifier(below_the_last)
    assert check(Jacobian(y(l - 1), y_pre(l)), ZeroMatrix(n[l - 1], n[l]))
    assert network_verifier(no_layer)(Jacobian(y(L), y_pre(L)), Identity(n[L]))
    assert network_verifier(no_layer, depths=lambda depth: depth >= 2)(Jacobian(y(L), y(L - 1)), A(L))


def test_the_polynomial_network_differentiates_as_sympy_does():
    """At random integers and σ(z) = z^2 + 2z - 1, the dual numbers give SymPy's Jacobian of the network."""
    z = Symbol("z")
    sigma = Lambda(z, z**2 + 2 * z - 1)
    rng = random.Random(1)
    for shape in (Shape(6, (2, 3)), Shape(7, (3, 2, 2)), Shape(6, (2, 3), scalar_bias=True)):
        net = symbolic_net(shape, sigma)
        values = {s: Integer(rng.randint(-4, 4)) for s in net.x + sum(net.weights, ())}
        values.update({s: Integer(rng.randint(-4, 4)) for s in
                       (net.biases if shape.scalar_bias else sum(net.biases, ()))})
        run = forward([values[s] for s in net.x], [[values[s] for s in ws] for ws in net.weights],
                      [values[s] if shape.scalar_bias else [values[t] for t in s] for s in net.biases],
                      sigma, shape.scalar_bias)
        poly = PolynomialNet(shape)
        by_name = {f"x{r}": values[s] for r, s in enumerate(net.x)}
        by_name.update({f"w{c}_{r}": values[s] for c, ws in enumerate(net.weights, start=1) for r, s in enumerate(ws)})
        for c, bias in enumerate(net.biases, start=1):
            if shape.scalar_bias:
                by_name[f"beta{c}"] = values[bias]
            else:
                by_name.update({f"b{c}_{r}": values[s] for r, s in enumerate(bias)})
        for c in range(1, shape.depth):
            by_name.update({f"s{c}_{r}": sigma(p) for r, p in enumerate(run.y_pre(c))})
            by_name.update({f"t{c}_{r}": 2 * p + 2 for r, p in enumerate(run.y_pre(c))})  # σ'(z) = 2z + 2
        order = [int(by_name[name]) for name in poly.ctx.names()]
        for layer in range(1, shape.depth + 1):
            for name in ("w", "b"):
                truth = net.output().jacobian(net.parameters(layer, name)).xreplace(values)
                seed = (r"\beta" if shape.scalar_bias and name == "b" else name, layer)
                duals = poly.run(seed)[("y", shape.depth)]
                assert [[int(entry(*order)) for entry in d.tangent] for d in duals] == truth.tolist()


# --- hypotheses and induction ---------------------------------------------------------------------------


def _step(before, after, status: Status, premises=()) -> Step:
    return Step(before, after, "rule", "why", Verification(status, "method", "", tuple(premises)))


def _induction() -> tuple[DownwardInduction, Chain, Chain]:
    subject = Jacobian(y(L), y_pre(l))
    lemma_end = MatMul(Jacobian(y(L), y_pre(l + 1)), A(l + 1), D(l))
    lemma = Chain("lemma", subject, (_step(subject, lemma_end, Status.PROVED_ON_INSTANCES),))
    induction = DownwardInduction(l, L - 1, subject, PRODUCT, lemma, "CR", "induction on L - l")
    base_start, base_end = subject.xreplace({l: L - 1}), PRODUCT.xreplace({l: L - 1})
    base = Chain("base", base_start, (_step(base_start, base_end, Status.PROVED, ("CR",)),),
                 hypotheses=(induction.lemma_at(L - 1),))
    inductive = Chain("step", subject, (_step(subject, PRODUCT, Status.PROVED, ("CR", "IH")),),
                      hypotheses=(induction.lemma_at(l), induction.induction_hypothesis()))
    return induction, base, inductive


def test_the_induction_verifier_accepts_a_sound_induction_with_its_weakest_status():
    induction, base, step = _induction()
    verification = induction.verifier(base, step)(induction.subject, induction.claim)
    assert verification.status is Status.PROVED_ON_INSTANCES  # the lemma's
    assert verification.method == "induction on L - l" and verification.premises == ("CR",)


def test_the_induction_verifier_refuses_the_claim_assumed_at_l():
    induction, base, step = _induction()
    circular = Hypothesis("IH", induction.subject, induction.claim)
    cheat = Chain("step", induction.subject, step.steps, hypotheses=(induction.lemma_at(l), circular))
    with pytest.raises(VerificationFailed, match="neither"):
        induction.verifier(base, cheat)(induction.subject, induction.claim)


def test_the_induction_verifier_refuses_foreign_premises_wrong_ends_and_assumed_steps():
    induction, base, step = _induction()
    verify = induction.verifier
    extra = Chain("base", base.start, base.steps, hypotheses=base.hypotheses + (Hypothesis("X", A(L), A(L)),))
    with pytest.raises(VerificationFailed):
        verify(extra, step)(induction.subject, induction.claim)
    uses_ih_in_base = Chain("base", base.start, (_step(base.start, base.end, Status.PROVED, ("IH",)),),
                            hypotheses=base.hypotheses)
    with pytest.raises(VerificationFailed, match="uses"):
        verify(uses_ih_in_base, step)(induction.subject, induction.claim)
    short = Chain("step", induction.subject, (_step(induction.subject, A(L), Status.PROVED),), hypotheses=step.hypotheses)
    with pytest.raises(VerificationFailed, match="does not go"):
        verify(base, short)(induction.subject, induction.claim)
    assumed = Chain("step", induction.subject, (_step(induction.subject, induction.claim, Status.ASSUMED),),
                    hypotheses=step.hypotheses)
    with pytest.raises(VerificationFailed, match="assumed"):
        verify(base, assumed)(induction.subject, induction.claim)
    with pytest.raises(VerificationFailed):
        verify(base, step)(induction.subject, A(L))  # not the claim
