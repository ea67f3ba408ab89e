"""Unit tests of the evaluation helpers (``symderive/judge/evaluation.py``), called directly.

The judge's rows reach these helpers only through whole judgements, where a weaker helper (fewer
equality patterns, a missed size combination, an unconfirmed counterexample) may still give the
right verdict: these tests pin down what each one returns.  Written against the mutation run of the
judge (benchmarks/README.md).
"""
from __future__ import annotations

import random

import pytest
from sympy import Derivative, Function, IndexedBase, Integral, KroneckerDelta, Rational, S, Sum, Symbol, log, sqrt

from symderive import Context
from symderive.judge import evaluation
from symderive.randomvars import Expect, Undecidable

import test_judge_table as table

BELL = (1, 1, 2, 5, 15)  # the number of set partitions of 0..4 items


def test_partitions_are_every_set_partition_once():
    for size, count in enumerate(BELL):
        items = list(range(size))
        partitions = list(evaluation._partitions(items))
        assert len(partitions) == count
        assert len({tuple(sorted(tuple(sorted(block)) for block in p)) for p in partitions}) == count
        assert all(sorted(x for block in p for x in block) == items for p in partitions)


def test_up_to_four_symbols_every_equality_pattern_is_tried():
    i, j, k, t = table.i, table.j, table.k, table.t
    assert evaluation._equality_patterns([], random.Random(0), S.Zero) == [[]]
    patterns = evaluation._equality_patterns([i, j, k, t], random.Random(0), S.Zero)
    assert len({tuple(sorted(tuple(sorted(map(str, block))) for block in p)) for p in patterns}) == 15 == len(patterns)
    five = [Symbol(f"i{n}", integer=True) for n in range(5)]
    assert len(evaluation._equality_patterns(five, random.Random(0), S.Zero)) == evaluation.MAX_PATTERNS  # not 52


def test_more_symbols_get_the_extremes_the_delta_ties_and_random_patterns():
    symbols = list(Symbol(f"i{n}", integer=True) for n in range(6))
    expr = KroneckerDelta(symbols[0], symbols[1]) * KroneckerDelta(symbols[1], symbols[2])
    patterns = evaluation._equality_patterns(symbols, random.Random(0), expr)
    assert len(patterns) == evaluation.MAX_PATTERNS == 15
    assert patterns[0] == [[s] for s in symbols] and patterns[1] == [symbols]
    assert patterns[2] == [symbols[:3], [symbols[3]], [symbols[4]], [symbols[5]]]
    for pattern in patterns[3:]:
        assert sorted((s for block in pattern for s in block), key=str) == sorted(symbols, key=str)
    assert any(1 < len(pattern) < 6 for pattern in patterns[3:])  # random ones between the extremes


def test_deltas_tie_their_symbols_into_one_block():
    i, j, k, t = table.i, table.j, table.k, table.t
    expr = KroneckerDelta(i, j) * KroneckerDelta(k, j) + KroneckerDelta(t, 1)
    assert evaluation._tied_by_deltas([i, j, k, t], expr) == [[i, j, k], [t]]
    assert evaluation._tied_by_deltas([i, j, k, t], S.One) == [[i], [j], [k], [t]]


def test_few_size_combinations_are_all_tried_and_many_keep_both_corners():
    choices = [[1, 2, 3], [0, 5]]
    assert evaluation._combinations(choices, 6, random.Random(0)) == [
        (1, 0), (1, 5), (2, 0), (2, 5), (3, 0), (3, 5)]
    picked = evaluation._combinations(choices, 4, random.Random(0))
    assert len(picked) == 4 and picked[:2] == [(1, 0), (3, 5)]
    assert evaluation._combinations([[7]], 0, random.Random(0)) == [(7,)]


def test_a_block_gets_one_value_that_fits_every_symbol_in_it():
    value = evaluation._draw_common([table.n, table.e], random.Random(0), False, 3)
    assert value is not None and value.is_even
    assert evaluation._draw_common([table.n, table.e], random.Random(0), True, 0) == 0  # the special value
    assert evaluation._draw_common([table.n, table.o], random.Random(0), True, 0).is_odd  # 0 is not odd
    assert evaluation._draw_common([table.e, table.o], random.Random(0), True, 0) is None


def test_numeric_indices_become_exact_rationals_or_are_undecidable():
    a = table.a
    assert evaluation.canonical_indices(a[log(6) - log(2) - log(3) + 1]) == a[1]
    assert evaluation.canonical_indices(a[Rational(1, 2)] + a[table.i]) == a[Rational(1, 2)] + a[table.i]
    with pytest.raises(Undecidable):
        evaluation.canonical_indices(a[sqrt(2)])
    with pytest.raises(Undecidable):
        evaluation.canonical_indices(a[1 + Rational(1, 10**70) * sqrt(2)])  # within 50 digits of 1, not 1


def test_a_counterexample_is_confirmed_only_where_the_sides_differ_within_the_assumptions():
    x, n = table.x, table.n
    context = Context()
    assert evaluation.confirmed(x**2, x, {x: S(2)}, context)
    assert not evaluation.confirmed(x**2, x, {x: S(1)}, context)  # equal there
    assert not evaluation.confirmed(x**2, x, {x: S(2) * 1j}, context)  # x is real
    assert not evaluation.confirmed(n**2, n + table.y, {n: S(2)}, context)  # y left free
    assert not evaluation.confirmed(table.a[sqrt(2) * x], S.Zero, {x: S(1)}, context)  # undecidable there


def test_small_points_keep_the_small_sizes_only():
    """Without large sizes the two drawn beyond the constants are left out (unless nothing else is)."""
    L = table.L
    sampler = evaluation.Sampler(Sum(table.k, (table.k, 1, L)), Context())
    small = sampler._values(L, 0, random.Random(0), False)
    large = sampler._values(L, 0, random.Random(0), True)
    assert small == [1, 2, 3] and large[:3] == small and len(large) == 5
    listed = evaluation.Sampler(S.Zero, Context(instance_values={L: (4,)}))
    assert listed._values(L, 0, random.Random(0), False) == [4]


def test_the_number_of_points_follows_the_sizes_and_patterns():
    """count=None: one point per combination of sizes and equality pattern, 4 to 16."""
    i, j, L = table.i, table.j, table.L
    few = evaluation.Sampler(table.x + 1, Context())
    assert len(list(few.points(None, False))) == 4
    one_size = evaluation.Sampler(Sum(table.a[table.k], (table.k, 1, L)) + KroneckerDelta(i, j), Context())
    assert len(list(one_size.points(None, False))) == 6  # 3 sizes x 2 patterns of i, j
    assert len(list(few.points(7, True))) == 7


def test_a_large_index_under_another_spelling_is_read_exactly():
    """10^12 + 1 written with roots: a low-precision rounding would read 10^12 and refuse it."""
    spelled = (10**6 + sqrt(2)) ** 2 - 2 * 10**6 * sqrt(2) - 1
    assert evaluation.canonical_indices(table.a[spelled]) == table.a[10**12 + 1]


def test_integrals_are_evaluated_exactly_and_other_expressions_left_alone():
    x = table.x
    assert evaluation.integrals_evaluated(Integral(x, (x, 0, 1)) + x) == Rational(1, 2) + x
    assert evaluation.integrals_evaluated(x + 1) == x + 1


def test_symbolic_values_take_closed_forms_of_sums_unless_asked_not_to():
    n, k = table.N, table.k
    total = Sum(k, (k, 1, n))
    assert (evaluation.symbolic_value(total, Context(), set()) - n * (n + 1) / 2).expand() == 0
    assert evaluation.symbolic_value(total, Context(), set(), closed_forms=False) == total


def test_points_record_the_premises_their_moments_used():
    used: set[str] = set()
    sampler = evaluation.Sampler(Expect(table.b[1] * table.b[2]) + table.x, table.RV)
    assert len(list(sampler.points(2, True, used))) == 2
    assert "H_b" in used


def test_points_draw_large_sizes_unless_told_not_to():
    L = table.L
    sampler = evaluation.Sampler(Sum(table.a[table.k], (table.k, 1, L)), Context())
    assert max(point.assignment[L] for point in sampler.points(4)) > 5
    assert max(point.assignment[L] for point in sampler.points(4, large_sizes=False)) <= 3


def test_integer_symbols_that_cannot_be_equal_skip_that_pattern():
    points = list(evaluation.Sampler(table.e + table.o, Context()).points(None, False))
    assert points and all(p.assignment[table.e].is_even and p.assignment[table.o].is_odd for p in points)


def test_a_symbol_no_value_satisfies_makes_the_points_undecidable(monkeypatch):
    monkeypatch.setattr(evaluation, "draw_value", lambda *args, **kwargs: None)
    with pytest.raises(Undecidable):
        list(evaluation.Sampler(table.n + 1, Context()).points(4))


def test_a_size_that_is_an_entry_is_drawn_once_its_index_is_known():
    """sum_{k=1}^{s[t]} a[k]: t is drawn first, then s[2] (say) from the small sizes, as a size."""
    t, sz = table.t, table.sz
    points = list(evaluation.Sampler(Sum(table.a[table.k], (table.k, 1, sz[t])) + t, Context()).points(None, False))
    sizes = [(entry, value) for p in points for entry, value in p.assignment.items()
             if getattr(entry, "base", None) == sz]
    assert points and sizes and all(entry.indices[0].is_number and value in (1, 2, 3) for entry, value in sizes)


def test_entries_that_cancel_in_the_difference_still_get_values():
    """1/a[0] on both sides cancels, but a counterexample must make each side a number."""
    a, x = table.a, table.x
    sampler = evaluation.Sampler(x - 1, Context(), (1 / a[0] + x, 1 / a[0] + 1))
    points = list(sampler.points(3))
    assert len(points) == 3 and all(a[0] in p.assignment for p in points)


def test_a_point_is_dropped_when_a_cancelled_entry_gets_no_value():
    """An entry that takes no number (a non-commuting one) cannot complete a counterexample."""
    matrix_entry = IndexedBase("A", commutative=False)[0]
    x = table.x
    assert list(evaluation.Sampler(x - 1, Context(), (1 / matrix_entry + x, 1 / matrix_entry + 1)).points(3)) == []


def test_sides_that_cannot_take_index_values_keep_their_points():
    """d/di of f(x) i at i = 2 is no expression: the sides' entries are left alone, the points kept."""
    i, x = table.i, table.x
    derivative = Derivative(Function("f")(x) * i, i)
    assert len(list(evaluation.Sampler(x - 1, Context(), (derivative + x, derivative + 1)).points(3))) == 3
