"""Each strategy of the judge guards something: break it and a row of the table gets a wrong verdict.

Every test first checks a row of ``test_judge_table`` with the real judge, then
breaks one strategy (or one part of the sampling it relies on) with
``monkeypatch`` and shows that the same row's verdict becomes wrong (a false
relation verified, a true one refuted) or misses its curated expectation.  So
the table's tests fail whenever that strategy is broken that way: these are
mutant-killing tests, and they keep the table honest about what it covers.

The judge runs in a forked child, which inherits the patched modules.
"""
from __future__ import annotations

import importlib
import random

import pytest
from sympy import Integer, Rational, S, Sum, Symbol

from symderive import Context, Outcome, judge
from symderive.judge import evaluation, sampling, strategies
from symderive.judge.numbers import Sign
from symderive.judge.strategies import Problem
from symderive import randomvars

import test_judge_table as table


def judged(row_id: str):
    row = table.BY_ID[row_id]
    return row, judge(row.lhs, row.rhs, row.context)


def assert_right(row_id: str) -> None:
    row, verdict = judged(row_id)
    assert not table.wrong_outcome(row, verdict), table.wrong_outcome(row, verdict)
    if row.expect is not None:
        assert table.label(verdict) == row.expect, verdict.reason


def assert_wrong(row_id: str) -> str:
    """The row's verdict contradicts its truth or misses its expectation; returns the verdict's label."""
    row, verdict = judged(row_id)
    missed = row.expect is not None and table.label(verdict) != row.expect
    assert table.wrong_outcome(row, verdict) or missed, f"{row_id} is still right: {verdict.reason}"
    return table.label(verdict)


# -- 1. identical ---------------------------------------------------------------------------


def test_identical_sides_are_reported_as_identical(monkeypatch):
    """After unfolding X := sum_{k=1}^{n} f(k) the sides are one expression, and the verdict says so.

    Identity is not needed for soundness: lhs - rhs of equal sides is 0 as SymPy builds it, so the
    symbolic proof proves it too; what breaks is the report of how it was verified.
    """
    row, verdict = judged("defined-identical")
    assert table.label(verdict) == "proved" and verdict.verification.method == "identical"
    monkeypatch.setattr(strategies.Identical, "run", lambda self, problem: None)
    _, verdict = judged("defined-identical")
    assert verdict.verification.method != "identical"


def test_identical_that_always_agrees_verifies_falsehoods(monkeypatch):
    assert_right("alias-distinct")
    monkeypatch.setattr(strategies.Identical, "run",
                        lambda self, problem: problem.verified(strategies.Status.PROVED, self.name))
    assert assert_wrong("alias-distinct") == "proved"


# -- 2. refutation at small sizes ---------------------------------------------------------------


def _without_small_sizes(monkeypatch) -> None:
    real_run = strategies.RefutationAtPoints.run

    def run(self, problem):
        return None if self.name == "refutation at small sizes" else real_run(self, problem)

    monkeypatch.setattr(strategies.RefutationAtPoints, "run", run)


def test_small_sizes_stop_a_symbolic_proof_that_fails_at_zero(monkeypatch):
    """SymPy sums (-1)^k C(N, k) to 0, false at N = 0: only the small sizes catch it before the proof."""
    assert_right("sum-alternating-binomial-N")
    _without_small_sizes(monkeypatch)
    assert assert_wrong("sum-alternating-binomial-N") == "proved"


# -- 3. symbolic proof --------------------------------------------------------------------------


def test_a_symbolic_proof_that_always_succeeds_proves_falsehoods(monkeypatch):
    """The relation holds at L = 1..4 only: nothing before the proof refutes it."""
    assert_right("sum-k2-small-only")
    monkeypatch.setattr(strategies.SymbolicProof, "run",
                        lambda self, problem: problem.verified(strategies.Status.PROVED, self.name))
    assert assert_wrong("sum-k2-small-only") == "proved"


def test_without_the_symbolic_proof_theorems_are_not_proved(monkeypatch):
    assert_right("sum-k")
    assert_right("E-b")
    monkeypatch.setattr(strategies.SymbolicProof, "run", lambda self, problem: None)
    assert assert_wrong("sum-k") == "proved-on-instances"
    assert assert_wrong("E-b") in ("unknown", "tested-numerically")  # moments at points are evidence only


def test_a_simplification_that_always_reaches_zero_proves_falsehoods(monkeypatch):
    assert_right("sum-odd-small-only")
    monkeypatch.setattr(strategies, "_reduce", lambda expr: S.Zero)
    assert assert_wrong("sum-odd-small-only") == "proved"


# -- 4. refutation at sample points (sizes beyond the constants) -----------------------------


def _only_small_sizes(monkeypatch) -> None:
    """The mutant 'instance sizes only small': the sizes drawn beyond the constants are dropped."""
    real = sampling.size_values

    def small_only(size, listed, beyond, rng):
        values = real(size, listed, beyond, rng)
        return [v for v in values if v <= 4] or values

    for module in (strategies, evaluation):
        monkeypatch.setattr(module, "size_values", small_only)


def test_refutation_at_large_sizes_finds_the_counterexample_beyond_the_constants(monkeypatch):
    """The strategy on its own: a sum whose terms vanish for k <= 4 is refuted at a size beyond 4."""
    row = table.BY_ID["sum-vanishing-terms"]
    strategy = strategies.RefutationAtPoints(count=8, large_sizes=True)
    verdict = strategy.run(Problem(row.lhs, row.rhs, row.context))
    assert verdict is not None and verdict.outcome is Outcome.REFUTED
    assert int(verdict.counterexample["L"]) > 4
    _only_small_sizes(monkeypatch)
    assert strategy.run(Problem(row.lhs, row.rhs, row.context)) is None


def test_sizes_only_small_verify_a_sum_false_beyond_them(monkeypatch):
    assert_right("sum-vanishing-terms")
    _only_small_sizes(monkeypatch)
    assert assert_wrong("sum-vanishing-terms") == "proved-on-instances"


# -- 5. exact evaluation on instances --------------------------------------------------------------


def test_instances_that_always_agree_verify_falsehoods(monkeypatch):
    """E[b_1 sum_k b_k] = 0 is false at every L; only the exact instances stand between it and a verdict."""
    assert_right("E-first-times-sum-wrong")
    monkeypatch.setattr(strategies, "value_at_sizes", lambda *args, **kwargs: Integer(0))
    assert assert_wrong("E-first-times-sum-wrong") == "proved-on-instances"


def test_without_instances_a_reordered_double_sum_is_only_tested(monkeypatch):
    row, verdict = judged("sum-reorder")
    assert table.label(verdict) == table.RECORDED["sum-reorder"] == "proved-on-instances"
    monkeypatch.setattr(strategies.ExactInstances, "run", lambda self, problem: None)
    _, weaker = judged("sum-reorder")
    assert table.STRENGTH[table.label(weaker)] < table.STRENGTH["proved-on-instances"]


def test_instances_refute_what_the_small_sizes_hide():
    """(L-1)(L-2)(L-3) times a textbook/Karr discrepancy: the instances beyond 3 refute it on their own."""
    row = table.BY_ID["positive-index-from-zero-plain"]
    verdict = strategies.ExactInstances().run(Problem(row.lhs, row.rhs, row.context))
    assert verdict is not None and verdict.outcome is Outcome.REFUTED, verdict
    assert int(verdict.counterexample["L"]) > 3


def test_instances_list_sizes_beyond_every_constant():
    row = table.BY_ID["sum-reorder"]
    verdict = strategies.ExactInstances().run(Problem(row.lhs, row.rhs, row.context))
    listed = verdict.verification.detail.split("{", 1)[1].split("}", 1)[0]
    assert max(int(v) for v in listed.split(",")) > 4


# -- 6. agreement at random points -------------------------------------------------------------------


def test_point_comparison_that_always_agrees_verifies_falsehoods(monkeypatch):
    """The issue's example: making the point comparison always agree must fail a test."""
    for row_id in ("sin-27720", "alias-distinct"):
        assert_right(row_id)
    monkeypatch.setattr(evaluation.Point, "sign", property(lambda self: Sign.ZERO))
    for row_id in ("sin-27720", "alias-distinct"):
        assert assert_wrong(row_id) == "tested-numerically"


def test_undecided_points_are_not_agreement(monkeypatch):
    """E[b_i b_j] = 0 is false at i = j, where the judge cannot decide the indices: unknown, not agreement."""
    assert_right("E-bibj")
    real_classify = evaluation.classify

    def undecided_as_zero(self):
        sign = real_classify(self.value)
        return Sign.ZERO if sign is Sign.UNDECIDED else sign

    monkeypatch.setattr(evaluation.Point, "sign", property(undecided_as_zero))
    assert assert_wrong("E-bibj") == "tested-numerically"


# -- 7. the sampling every strategy relies on ---------------------------------------------------------


def test_sampling_that_skips_boundary_values_verifies_falsehoods(monkeypatch):
    """delta(n, 0) = 0 and delta(x, 0) = 0 fail only at 0 (and have no jump function to make them unknown)."""
    for row_id in ("delta-at-zero", "delta-at-zero-real"):
        assert_right(row_id)
    monkeypatch.setattr(sampling, "_integer_candidate",
                        lambda rng, boundary: rng.choice((1, -1)) * rng.randint(3, 40))
    monkeypatch.setattr(sampling, "_rational_candidate", lambda rng: Rational(2 * rng.randint(-40, 40) + 1, 2))
    monkeypatch.setattr(sampling, "_special", lambda variable, number: None)
    for row_id in ("delta-at-zero", "delta-at-zero-real"):
        assert assert_wrong(row_id) == "tested-numerically"


def test_sampling_without_equality_patterns_verifies_falsehoods(monkeypatch):
    """delta_ij delta_jk delta_kt = 0 fails only where four indices coincide."""
    assert_right("delta-chain-zero")
    monkeypatch.setattr(evaluation, "_equality_patterns", lambda symbols, rng, expr: [[[s] for s in symbols]])
    monkeypatch.setattr(sampling, "_special", lambda variable, number: None)  # (all zero at the first point)
    assert assert_wrong("delta-chain-zero") == "tested-numerically"


def test_entries_under_two_spellings_must_get_one_value(monkeypatch):
    """a[1] = a[log 6 - log 2 - log 3 + 1]: one entry; sampled as two it is refuted."""
    assert_right("alias-log")
    monkeypatch.setattr(evaluation, "canonical_indices", lambda expr: expr)
    assert assert_wrong("alias-log") == "refuted"


def test_special_values_come_first_where_the_assumptions_allow():
    rng = random.Random(0)
    assert [sampling.draw_value(table.n, rng, number=k) for k in range(5)] == [0, 1, -1, 2, -2]
    assert [sampling.draw_value(table.x, rng, number=k) for k in range(3)] == [0, 1, -1]
    assert table.p.is_positive and sampling.draw_value(table.p, rng, number=0) > 0  # 0 is skipped, not forced


def test_draws_respect_the_assumptions():
    """Every value drawn for a symbol has the symbol's assumptions (the sampler's own contract)."""
    rng = random.Random(5)
    for symbol in (table.x, table.p, table.u, table.ng, table.nz, table.n, table.N, table.L, table.e, table.o,
                   table.composite, table.even_prime, table.noninteger):
        for _ in range(30):
            value = sampling.draw_value(symbol, rng, boundary=rng.random() < 0.5)
            assert value is not None and sampling.consistent(symbol, value), (symbol, value)


def test_sizes_go_beyond_every_constant():
    rng = random.Random(1)
    values = sampling.size_values(table.L, None, 12, rng)
    assert min(values) >= 1 and max(values) > 12 + 5
    assert sampling.size_values(table.L, (), 12, rng) == []  # no listed instance: no evidence


# -- the random model, which the moment evaluation relies on --------------------------------------------


def test_independence_granted_without_a_statement_verifies(monkeypatch):
    assert_right("unstated-independence")
    monkeypatch.setattr(randomvars.RandomModel, "independence_of", lambda self, x, y: "anything")
    assert assert_wrong("unstated-independence") == "proved"


def test_undeclared_names_taken_as_constants_verify(monkeypatch):
    assert_right("undeclared-X-E")
    monkeypatch.setattr(randomvars, "_refuse_undeclared", lambda arg, model: None)
    monkeypatch.setattr(randomvars, "check_declared", lambda expr, model: None)
    monkeypatch.setattr(importlib.import_module("symderive.judge"), "check_declared", lambda expr, model: None)
    assert assert_wrong("undeclared-X-E") == "proved"


def test_dependent_entries_taken_as_independent_verify(monkeypatch):
    assert_right("dep-E-cross")
    monkeypatch.setattr(randomvars._MomentEvaluator, "dependent", lambda self, x, y, model: False)
    assert assert_wrong("dep-E-cross") == "proved"


# -- reports a reader can check ----------------------------------------------------------------------------


def test_a_refutation_names_each_unknown_once():
    row = table.BY_ID["positive-index-from-zero-plain"]
    verdict = strategies.ExactInstances().run(Problem(row.lhs, row.rhs, row.context))
    assert verdict is not None and verdict.outcome is Outcome.REFUTED
    where = verdict.reason.split(" at ", 1)[1]
    names = [part.split(" = ")[0].strip() for part in where.replace(", with ", ", ").split(", ")]
    assert len(names) == len(set(names)), verdict.reason


# -- the sampler's contract (sampling.py's docstring and issue 5) ------------------------------------------
# "Integers include the boundary values 0, 1, -1, 2 where allowed; rationals include both signs, zero and
# large random denominators": for every seed, over the points the judge's strategies draw.


def values_tried(expr, symbol, seed: int) -> set:
    sampler = evaluation.Sampler(expr, Context(seed=seed))
    points = [*sampler.points(None, False), *sampler.points(8, True), *sampler.points(12, True)]
    return {point.assignment[symbol] for point in points}


SEEDS = range(40)


def test_every_seed_tries_the_integer_boundary_values():
    n = table.n
    missing = {seed: {0, 1, -1, 2} - values_tried(n**2 + 1, n, seed) for seed in SEEDS}
    assert not {seed: gap for seed, gap in missing.items() if gap}


def test_every_seed_tries_zero_and_both_signs_for_a_real_symbol():
    x = table.x
    gaps = {}
    for seed in SEEDS:
        values = values_tried(x**2 + 1, x, seed)
        if not (0 in values and any(v < 0 for v in values) and any(v > 0 for v in values)):
            gaps[seed] = sorted(values)[:5]
    assert not gaps


def test_every_seed_tries_a_large_denominator_for_a_real_symbol():
    x = table.x
    for seed in SEEDS:
        assert any(v.q >= 10**4 for v in values_tried(x**2 + 1, x, seed)), seed


def test_every_seed_tries_zero_for_a_complex_symbol():
    z = table.z
    assert not [seed for seed in SEEDS if 0 not in values_tried(z**2 + 1, z, seed)]


def test_a_complex_symbol_gets_values_off_the_real_line():
    z = table.z
    for seed in SEEDS:
        assert any(v.as_real_imag()[1] != 0 for v in values_tried(z**2 + 1, z, seed)), seed


def test_meaningless_relations_say_why():
    from sympy import Eq, zoo

    assert "not a number-valued expression" in judge(Eq(table.x, 1), Eq(table.x, 1)).reason
    assert "undefined value" in judge(zoo, zoo).reason


def test_agreement_is_counted_at_twice_the_random_points():
    """AgreementAtPoints draws 2 x random_points points and reports how many agreed."""
    row = table.BY_ID["sqrt-shifted-N"]
    assert "agreement at 12 points" in judge(row.lhs, row.rhs).reason
    assert "agreement at 6 points" in judge(row.lhs, row.rhs, Context(random_points=3)).reason


def test_a_time_limit_that_is_not_a_finite_positive_number_is_refused():
    from math import inf, nan

    for seconds in (nan, inf):
        try:
            context = Context(seconds=seconds)
        except ValueError:
            continue  # refused where it is stated: fine
        verdict = judge(table.x + 1, table.x + 1, context)
        assert verdict.outcome is Outcome.UNKNOWN and "limit" in verdict.reason, (seconds, verdict.reason)


# -- the strategies' helpers, called directly (written against the mutation run of the judge) -----------


def test_cheap_zero_drops_sums_of_zero_and_aligns_shifted_sums():
    k, L, x = table.k, table.L, table.x
    assert strategies._cheaply_zero(Sum(S.Zero, (k, 1, L)) + (x + 1) ** 2 - x**2 - 2 * x - 1)
    assert strategies._cheaply_zero(Sum(k + 1, (k, 0, L - 1)) - Sum(k, (k, 1, L)))
    assert not strategies._cheaply_zero(Sum(k, (k, 1, L)) - Sum(k, (k, 1, L + 1)))
    assert not strategies._cheaply_zero(x)


def test_reduce_expands_aligns_then_simplifies():
    from sympy import cos, sin

    k, L, x = table.k, table.L, table.x
    assert strategies._reduce((x + 1) ** 2 - x**2 - 2 * x - 1) == 0
    assert strategies._reduce(Sum(k + 1, (k, 0, L - 1)) - Sum(k, (k, 1, L))) == 0
    assert strategies._reduce(sin(x) ** 2 + cos(x) ** 2 - 1) == 0
    aligned_rest = Sum(k + 1, (k, 0, L - 1)) - Sum(k, (k, 1, L)) + sin(x) ** 2 + cos(x) ** 2 - 1
    assert strategies._reduce(aligned_rest) == 0  # the sums cancel once aligned; the rest needs simplify
    assert strategies._reduce(Sum(k, (k, 1, L + 1)) - Sum(k, (k, 1, L))) == L + 1
    assert strategies._reduce(x) == x


def test_premises_are_ordered_as_declared():
    model = table.MODEL
    order = [label for family in model.families for label in (family.label, family.independence_label)]
    order += [fact.label for fact in model.independence]
    assert strategies._declared_at(model, table.UNIFORM_B.label) == 0
    assert strategies._declared_at(model, "I_q") == strategies._declared_at(model, "L_q") + 1  # a family's iid label
    assert strategies._declared_at(model, "not declared") == len(order)
    assert strategies._declared_at(table.STATED.random_model, "I_bC") == 4  # after both families' two labels


def test_the_method_names_what_the_proof_used():
    from sympy import Integral

    from symderive.randomvars import Expect

    x, b = table.x, table.b
    assert strategies._method(x) == "symbolic simplification"
    assert strategies._method(Expect(b[1]) + x) == "moment evaluation and symbolic simplification"
    assert strategies._method(Integral(x, (x, 0, 1)) + Expect(b[1])) == (
        "moment evaluation and exact integration and symbolic simplification")


def test_jumps_and_undefined_points_are_recognised():
    from sympy import Abs, floor, log

    x, p = table.x, table.p
    assert strategies.non_analytic(floor(x) + Abs(x)) == "Abs, floor" and strategies.non_analytic(x**2) == ""
    assert strategies.may_be_undefined(log(p)) and strategies.may_be_undefined(1 / x)
    assert strategies.may_be_undefined(x ** Rational(1, 2))  # x may be negative
    assert not strategies.may_be_undefined(x**2 + p ** Rational(-1, 2))  # p positive and finite
    assert strategies.may_be_undefined(table.u ** -1)  # nonnegative: may be 0


def test_sizes_are_shown_by_name():
    assert strategies._show({table.L: 2, table.N: 3}) == "L = 2, N = 3"
    assert strategies._show({}) == "no sizes"


def test_agreement_points_follow_the_context_and_the_strategies_their_order():
    listed = strategies.default_strategies(Context(random_points=3))
    assert [type(s).__name__ for s in listed] == ["Identical", "RefutationAtPoints", "SymbolicProof",
                                                 "RefutationAtPoints", "ExactInstances", "RigorousQuadrature",
                                                 "AgreementAtPoints"]
    assert listed[-1].count == 6 and listed[1].count is None and not listed[1].large_sizes and listed[3].large_sizes
    assert strategies.default_strategies(Context(random_points=0))[-1].count == 2


def test_instances_of_several_sizes_are_capped_and_counted():
    k, L, N = table.k, table.L, table.N
    m = Symbol("M", integer=True, positive=True)
    three = Problem(Sum(1, (k, 1, L)) + Sum(1, (k, 1, N)) + Sum(1, (k, 1, m)), L + N + m, Context())
    verdict = strategies.ExactInstances().run(three)
    assert verdict.outcome is Outcome.VERIFIED and f"{strategies.MAX_INSTANCES} combinations of" in verdict.reason
    two = Problem(Sum(1, (k, 1, L)) + Sum(1, (k, 1, m)), L + m, Context())
    verdict = strategies.ExactInstances().run(two)
    assert verdict.outcome is Outcome.VERIFIED and "25 combinations of" in verdict.reason  # 5 x 5 sizes
    one = strategies.ExactInstances().run(Problem(Sum(1, (k, 1, L)), L, Context()))
    assert one.outcome is Outcome.VERIFIED and "combinations" not in one.reason and "L in {1, 2, 3," in one.reason


def test_quadrature_refutes_only_a_difference_its_enclosure_excludes_zero_from():
    from sympy import Integral, sin

    s = Symbol("s", real=True)
    p = table.p
    alone = Integral(sin(s**3), (s, 0, 1))
    refuted = strategies.RigorousQuadrature().run(Problem(alone, S.Zero, Context()))
    assert refuted.outcome is Outcome.REFUTED and "at every value" in refuted.reason
    scaled = strategies.RigorousQuadrature().run(Problem(p * alone, Integral(p * sin(s**3), (s, 0, 1)), Context()))
    assert scaled.outcome is Outcome.VERIFIED and "at 4 points" in scaled.reason
    two = strategies.RigorousQuadrature(count=2).run(Problem(p * alone, Integral(p * sin(s**3), (s, 0, 1)), Context()))
    assert "at 2 points" in two.reason
    at_p = strategies.RigorousQuadrature().run(Problem(Integral(sin(p * s**3), (s, 0, 1)), alone, Context()))
    assert at_p.outcome is Outcome.REFUTED and "p = " in at_p.reason and "p" in at_p.counterexample


def test_quadrature_leaves_sums_moments_and_complex_symbols_alone():
    from sympy import Integral, sin

    s, z, k = Symbol("s", real=True), table.z, table.k
    strategy = strategies.RigorousQuadrature()
    assert strategy.run(Problem(Integral(sin(z * s**3), (s, 0, 1)), S.Zero, Context())) is None  # complex z
    assert strategy.run(Problem(Integral(sin(s**3), (s, 0, 1)) + Sum(k, (k, 1, table.L)), S.Zero, Context())) is None
    assert strategy.run(Problem(table.x, table.x + 1, Context())) is None  # no integral


def test_instances_without_a_size_or_beyond_every_size_are_no_evidence():
    from sympy import Max

    k, L = table.k, table.L
    empty = strategies.ExactInstances().run(Problem(Sum(1, (k, 1, L)), L, Context(instance_values={L: ()})))
    assert empty.outcome is Outcome.UNKNOWN and "no instance of the size L" in empty.reason
    hidden = Problem(Sum(1, (k, 1, L)) + Max(0, L - 2000), L, Context())  # differs only beyond L = 2000
    beyond = strategies.ExactInstances().run(hidden)
    assert beyond.outcome is Outcome.UNKNOWN and "instances are no evidence" in beyond.reason


def test_agreement_at_points_refutes_and_refuses_what_points_cannot_show():
    from sympy import Max, cos, sign, sin

    k, L, x = table.k, table.L, table.x
    strategy = strategies.AgreementAtPoints(count=4)
    assert strategy.run(Problem(x, x + 1, Context())).outcome is Outcome.REFUTED
    beyond = strategy.run(Problem(Sum(1, (k, 1, L)) + Max(0, L - 2000), L, Context()))
    assert beyond.outcome is Outcome.UNKNOWN and "exceeds 1000" in beyond.reason
    jumps = strategy.run(Problem(sign(x) ** 3, sign(x), Context()))  # true for a real x
    assert jumps.outcome is Outcome.UNKNOWN and "sign can jump" in jumps.reason
    nowhere = 1 / (sin(x) ** 2 + cos(x) ** 2 - 1)  # undefined at every point
    undefined = strategy.run(Problem(nowhere, 2 * nowhere, Context()))
    assert undefined.outcome is Outcome.UNKNOWN and undefined.reason == "no sample point could be evaluated"


def test_a_refutation_at_sizes_names_the_symbols_the_sizes_hid():
    k, L, t = table.k, table.L, table.t
    counterexample = {"L": "2"}
    strategies._name_hidden_symbols(counterexample, Problem(Sum(1, (k, 1, L)) + t, L, Context()), random.Random(0))
    assert counterexample == {"L": "2", "t": "1"}  # the special value 1 (0 would hide a factor)


def test_an_instance_that_cannot_be_evaluated_is_unknown_with_its_size():
    k, L = table.k, table.L
    verdict = strategies.ExactInstances().run(Problem(Sum(1, (k, 1, L**4)), L**4, Context()))  # 11^4 terms
    assert verdict.outcome is Outcome.UNKNOWN and "too long to write out" in verdict.reason and "at L = " in verdict.reason


def test_agreement_at_points_tries_large_sizes_and_reports_undecidable_points():
    """The issue's sum that holds at L = 1..4 only: with sizes beyond the constants the points refute it."""
    k, L = table.k, table.L
    false_beyond_four = Problem(Sum(k**2, (k, 1, L)) + (L - 1) * (L - 2) * (L - 3) * (L - 4),
                                L * (L + 1) * (2 * L + 1) / 6, Context())
    assert strategies.AgreementAtPoints(count=4).run(false_beyond_four).outcome is Outcome.REFUTED
    no_size = Problem(Sum(k, (k, 1, L)), L * (L + 1) / 2, Context(instance_values={L: ()}))
    verdict = strategies.AgreementAtPoints(count=4).run(no_size)
    assert verdict.outcome is Outcome.UNKNOWN and "no instance" in verdict.reason


def test_an_entry_that_only_a_written_out_sum_holds_is_sampled_for_a_refutation():
    """At ``L = 1`` both sides hold ``1/a_0`` only inside a one-term sum; their difference, 1, holds none.

    The points drawn for the unexpanded sides give ``a_0`` no value, so only the sides written out at
    the instance (``_refute_written_out``) can show a counterexample that makes each side a number."""
    k, L, a = table.k, table.L, table.a
    problem = Problem(Sum(1 / a[k - 1], (k, 1, L)) + 1, Sum(1 / a[k], (k, 0, L - 1)), Context())
    verdict = strategies.ExactInstances().run(problem)
    assert verdict.outcome is Outcome.REFUTED, verdict.reason
    assert verdict.counterexample["L"] == "1" and "a[0]" in verdict.counterexample


def test_a_difference_not_reduced_to_zero_without_a_counterexample_is_unknown_at_its_instance(monkeypatch):
    """``ExactInstances`` answers unknown itself (it does not fall through to weaker evidence) when an
    instance's difference is not brought to 0 and no point refutes it: here a reduction that never
    reaches 0, on a true relation."""
    k, L = table.k, table.L
    monkeypatch.setattr(strategies, "_reduce", lambda expr: S.One)
    verdict = strategies.ExactInstances().run(Problem(Sum(k, (k, 1, L)), L * (L + 1) / 2, Context()))
    assert verdict.outcome is Outcome.UNKNOWN
    assert verdict.reason.startswith("the difference does not simplify to 0 at L = ")


def test_an_identity_in_undeclared_functions_is_proved_with_every_application_an_unknown():
    """The difference keeps ``f(x)`` after evaluation: only the abstraction (each application an
    independent unknown) brings it to 0; a false relation in functions is not proved that way."""
    from sympy import Function

    f, g, x = Function("f"), Function("g"), table.x
    verdict = strategies.SymbolicProof().run(Problem((f(x) + 1) ** 2, f(x) ** 2 + 2 * f(x) + 1, Context()))
    assert verdict.outcome is Outcome.VERIFIED and verdict.verification.status.value == "proved"
    assert verdict.verification.method.endswith(", every function application an independent unknown")
    assert strategies.SymbolicProof().run(Problem(f(x) * g(x), f(x) + g(x), Context())) is None


def test_a_side_the_sampler_cannot_evaluate_is_no_evidence_of_being_undefined(monkeypatch):
    class Failing:
        def __init__(self, *args):
            raise ValueError("cannot sample")

    monkeypatch.setattr(strategies, "Sampler", Failing)
    assert Problem(1 / table.x, 1 / table.x, Context())._defined_somewhere() is True


def test_premises_are_all_kept_when_the_cheap_check_cannot_evaluate(monkeypatch):
    def undecidable(*args, **kwargs):
        raise randomvars.Undecidable("no closed form")

    monkeypatch.setattr(strategies, "symbolic_value", undecidable)
    problem = Problem(randomvars.Expect(table.b[1]), S.Zero, table.RV)
    assert strategies._needed(problem, {"L_b", "I_b"}) == {"L_b", "I_b"}
