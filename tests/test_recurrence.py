"""Induction is checked from what its chains prove and from what they assume (issue 5)."""
from __future__ import annotations

import pytest
from sympy import IndexedBase, S, Sum, Symbol

from symderive.calc import Calc, VerificationFailed
from symderive.judge import Context
from symderive.model import Hypothesis, Status
from symderive.recurrence import LinearRecurrence, induction_chains, induction_verifier, unroll
from symderive.rules import RuleNotApplicable
from symderive.rules.algebra import substitute, unfold

x = IndexedBase("x")
l = Symbol("l", integer=True, positive=True)
t = Symbol("t", integer=True, nonnegative=True)
L = Symbol("L", integer=True, nonnegative=True)
k = Symbol("k", integer=True)
PLUS_ONE = LinearRecurrence.read(x, l, x[l - 1] + 1)  # x_l = x_{l-1} + 1
CONTEXT = Context()


def _base_case(claim):
    return Calc("Base case", claim.xreplace({t: 0}), CONTEXT).done()  # x_0 + 2*0 is x_0 already


def test_a_step_that_assumes_the_claim_at_t_plus_1_proves_nothing():
    false_claim = x[0] + 2 * t  # true would be x_0 + t
    circular = Hypothesis("IH", x[t + 1], false_claim.xreplace({t: t + 1}))
    step = Calc("Inductive step", x[t + 1], CONTEXT, hypotheses=(circular,))
    step.by(unfold(x[t + 1], circular.value, "induction hypothesis", "The claim (at t + 1)."))
    verify = induction_verifier(PLUS_ONE, t, L, _base_case(false_claim), step.done(), CONTEXT)
    with pytest.raises(VerificationFailed, match="neither the recurrence nor the claim at t"):
        verify(x[L], x[0] + 2 * L)


def test_a_step_with_a_different_recurrence_proves_nothing():
    false_claim = x[0] + 2 * t
    wrong = Hypothesis("recurrence", x[t + 1], x[t] + 2)
    hypothesis = Hypothesis("IH", x[t], false_claim)
    step = Calc("Inductive step", x[t + 1], CONTEXT, hypotheses=(wrong, hypothesis))
    step.by(unfold(x[t + 1], wrong.value, "the recurrence", "A recurrence."))
    step.by(unfold(x[t], false_claim, "induction hypothesis", "The claim at t."))
    verify = induction_verifier(PLUS_ONE, t, L, _base_case(false_claim), step.done(), CONTEXT)
    with pytest.raises(VerificationFailed):
        verify(x[L], x[0] + 2 * L)


def test_the_honest_chains_for_a_false_claim_fail():
    false_claim = x[0] + Sum(2, (k, 1, t))
    with pytest.raises((VerificationFailed, RuleNotApplicable)):
        induction_chains(PLUS_ONE, false_claim, t, CONTEXT)


def test_the_genuine_induction_is_proved_and_cites_only_its_hypotheses():
    halving = LinearRecurrence.read(x, l, x[l - 1] / 2 + 1)
    claim = unroll(halving, k)(x[t])
    base, step = induction_chains(halving, claim, t, CONTEXT)
    assert {h.label for h in step.hypotheses} == {"recurrence", "IH"}
    assert all(set(s.verification.premises) <= {"recurrence", "IH"} for s in step.steps)
    verification = induction_verifier(halving, t, L, base, step, CONTEXT)(x[L], claim.xreplace({t: L}))
    assert verification.status is Status.PROVED


def test_a_chain_hypothesis_is_stated_and_used_only_in_its_chain():
    v = IndexedBase("v")
    special = Calc("special case", v[0] + 1, CONTEXT, hypotheses=(Hypothesis("H1", v[0], S.One),))
    special.by(substitute({v[0]: 1}, "substitute", "H1."))
    chain = special.done()
    assert chain.hypotheses[0].label == "H1"
    assert chain.steps[0].verification.premises == ("H1",)
    plain = Calc("no hypothesis", v[0] + 1, CONTEXT)
    with pytest.raises(VerificationFailed):
        plain.by(substitute({v[0]: 1}, "substitute", "H1."))
