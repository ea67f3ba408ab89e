"""Unit tests of ``symderive/judge/inequality.py`` (``<=``, ``>=``, ``<``, ``>``), its strategies called directly.

Written against the mutation run of the judge (benchmarks/README.md): the judge's inequality rows reach
the strategies only through whole judgements, so the order's arithmetic, the re-check of a violation
and the counterexample's wording need their own tests.
"""
from __future__ import annotations

import dataclasses

import pytest
from sympy import Integer, Rational, Symbol, sqrt

from symderive import Context, Outcome, Status
from symderive.judge import inequality
from symderive.judge.inequality import InequalityRefutation, ManifestlyNonnegative, Order, inequality_strategies
from symderive.judge.strategies import Problem

z = Symbol("z", real=True)
sigma = Symbol("sigma", positive=True)


def _problem(lhs, rhs) -> Problem:
    return Problem(Integer(lhs) if isinstance(lhs, int) else lhs, Integer(rhs) if isinstance(rhs, int) else rhs,
                   Context())


def test_only_the_strict_relations_are_strict():
    assert [Order(r).strict for r in ("<", ">", "<=", ">=")] == [True, True, False, False]


def test_the_gap_is_the_larger_side_minus_the_smaller():
    assert Order("<=").gap(Integer(1), Integer(3)) == 2 and Order("<").gap(Integer(1), Integer(3)) == 2
    assert Order(">=").gap(Integer(1), Integer(3)) == -2 and Order(">").gap(Integer(1), Integer(3)) == -2


def test_a_negative_gap_violates_every_order_and_a_zero_gap_only_the_strict_ones():
    assert [Order(">=").violated_by(s) for s in (-1, 0, 1)] == [True, False, False]
    assert [Order(">").violated_by(s) for s in (-1, 0, 1)] == [True, True, False]


def test_an_order_cannot_be_changed_after_it_is_made():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Order("<=").relation = ">"  # type: ignore[misc]


def test_a_violation_is_refuted_at_a_named_point_that_is_shown():
    verdict = InequalityRefutation(Order(">=")).run(_problem(z, 0))
    assert verdict is not None and verdict.outcome is Outcome.REFUTED
    value = Rational(verdict.counterexample["z"])
    assert value < 0  # the point really violates z >= 0
    assert f"z = {verdict.counterexample['z']}" in verdict.reason and ">=" in verdict.reason


def test_a_violation_without_unknowns_fails_at_every_value():
    verdict = InequalityRefutation(Order("<=")).run(_problem(Rational(1, 2), Rational(1, 3)))
    assert verdict.outcome is Outcome.REFUTED and verdict.counterexample == {}
    assert verdict.reason == "1/2 <= 1/3 fails at every value"


def test_a_zero_gap_refutes_only_a_strict_relation():
    assert InequalityRefutation(Order(">")).run(_problem(z**2, 0)).counterexample == {"z": "0"}
    assert InequalityRefutation(Order(">=")).run(_problem(z**2, 0)) is None


def test_points_where_the_gap_has_no_sign_are_passed_over():
    # sqrt(z) + 1 is complex for z < 0 (no order there) and positive elsewhere: nothing to refute
    assert InequalityRefutation(Order(">=")).run(_problem(sqrt(z), -1)) is None


def test_a_violation_the_sides_do_not_confirm_is_no_counterexample(monkeypatch):
    # The gap at the point says "violated"; the sides evaluated again say "not": no refutation.
    answers = iter([-1, 1] * 100)
    monkeypatch.setattr(inequality, "sign", lambda value: next(answers))
    assert InequalityRefutation(Order(">=")).run(_problem(z, 0)) is None


def test_without_points_nothing_is_refuted():
    assert InequalityRefutation(Order(">="), count=0).run(_problem(z, 0)) is None
    assert InequalityRefutation(Order(">=")).count > 0


def test_a_manifestly_nonnegative_gap_is_proved_and_says_so():
    verdict = ManifestlyNonnegative(Order(">=")).run(_problem(z**2, 0))
    assert verdict.outcome is Outcome.VERIFIED and verdict.verification.status is Status.PROVED
    assert verdict.reason.endswith("manifestly nonnegative")
    strict = ManifestlyNonnegative(Order(">")).run(_problem(z**2 + 1, 0))
    assert strict.outcome is Outcome.VERIFIED and strict.reason.endswith("manifestly positive")


def test_a_nonnegative_gap_is_no_proof_of_a_strict_relation():
    assert ManifestlyNonnegative(Order(">")).run(_problem(z**2, 0)) is None
    assert ManifestlyNonnegative(Order("<")).run(_problem(0, sigma**2)) is not None
    assert ManifestlyNonnegative(Order("<=")).run(_problem(z, 0)) is None


def test_the_strategies_refute_first_then_prove():
    strategies = inequality_strategies("<")
    assert [type(s) for s in strategies] == [InequalityRefutation, ManifestlyNonnegative]
    assert all(s.order == Order("<") for s in strategies)


def test_without_refutation_an_inequality_is_only_proved_or_left_unknown():
    from symderive import judge

    x = Symbol("x", real=True)
    assert [type(s) for s in inequality_strategies(">=", refute=False)] == [ManifestlyNonnegative]
    assert judge(x + 1, x, Context(), "<=").outcome is Outcome.REFUTED
    assert judge(x + 1, x, Context(), "<=", refute=False).outcome is Outcome.UNKNOWN
    assert judge(x**2 + 1, Integer(0), Context(), ">", refute=False).outcome is Outcome.VERIFIED
