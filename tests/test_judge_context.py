"""Unit tests of ``symderive/judge/context.py`` (definitions, conventions, the judgement's settings), called
directly.

Written against the mutation run of the judge (benchmarks/README.md): the judge's rows unfold
definitions of symbols and entries, but no row checks which targets a definition must *not* match.
"""
from __future__ import annotations

import dataclasses
import math

import pytest
from sympy import Dummy, Function, Idx, IndexedBase, Integer, MatrixSymbol, Sum, Symbol, symbols

from symderive.judge.context import Context, Convention, Definition

i, j, k, l, n = symbols("i j k l n", integer=True)
x, z = symbols("x z", real=True)
y = IndexedBase("y")
w = IndexedBase("w")
p, q = Function("p"), Function("q")
W = MatrixSymbol("W", 2, 2)


def test_each_convention_describes_itself():
    assert "textbook" in Convention.TEXTBOOK.describe() and "empty" in Convention.TEXTBOOK.describe()
    assert "Karr" in Convention.KARR.describe() and "negate" in Convention.KARR.describe()


def test_a_definition_of_a_function_binds_its_arguments_and_matches_only_that_function():
    defined = Definition("D", p(z), z**2, (z,))
    assert defined.matches(p(x + 1)) == {z: x + 1}
    assert defined.matches(q(x)) is None  # another function
    assert defined.matches(x) is None  # not an application at all
    assert defined.unfold(p(3) + q(3)) == 9 + q(3)


def test_a_definition_of_a_function_at_a_fixed_argument_matches_only_there():
    at_zero = Definition("D", p(Integer(0)), Integer(5))
    assert at_zero.matches(p(Integer(0))) == {} and at_zero.matches(p(x)) is None
    assert at_zero.unfold(p(0) + p(1)) == 5 + p(1)


def test_a_definition_of_a_symbol_or_a_matrix_matches_exactly_that():
    assert Definition("D", x, z + 1).matches(x) == {}
    assert Definition("D", x, z + 1).matches(z) is None
    assert Definition("M", W, 2 * W).matches(W) == {}
    assert Definition("D", x, z + 1).unfold(x**2 + z) == (z + 1) ** 2 + z


def test_a_definition_of_an_entry_binds_its_pattern_indices_and_matches_the_rest_exactly():
    entry = Definition("E", y[l, i], w[l, i] + 1, (i,))
    assert entry.matches(y[l, j]) == {i: j}
    assert entry.matches(y[l - 1, j]) is None  # l is not a pattern: it must match exactly
    assert entry.matches(w[l, j]) is None  # another base
    assert entry.matches(x) is None  # not an entry
    assert entry.matches(y[l]) is None  # another number of indices
    assert entry.unfold(y[l, j] + y[l - 1, j]) == w[l, j] + 1 + y[l - 1, j]


def test_a_pattern_index_used_twice_must_take_one_value():
    diagonal = Definition("E", y[i, i], Integer(1), (i,))
    assert diagonal.matches(y[j, j]) == {i: j}
    assert diagonal.matches(y[j, k]) is None
    assert diagonal.unfold(y[j, j] + y[j, k]) == 1 + y[j, k]


def test_unfolding_renames_a_summation_index_the_argument_would_be_captured_by():
    defined = Definition("S", p(z), Sum(z * k, (k, 1, n)), (z,))
    unfolded = defined.unfold(p(k))
    (summed,) = unfolded.atoms(Sum)
    index = summed.limits[0][0]
    assert index != k and isinstance(index, Dummy) and index.is_integer  # renamed, its assumptions kept
    assert unfolded.doit().subs({n: 3, k: 2}) == 2 * (1 + 2 + 3)  # k stays free: 2 (1 + 2 + 3)
    assert Definition("S", p(z), Sum(z * k, (k, 1, n)), (z,)).unfold(p(x)) == Sum(x * k, (k, 1, n))


def test_definitions_and_contexts_cannot_be_changed_after_they_are_made():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Definition("D", x, z).label = "E"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        Context().seed = 1  # type: ignore[misc]


def test_more_definitions_are_appended_in_order():
    first, second = Definition("A", x, z), Definition("B", z, Integer(1))
    context = Context(definitions=(first,)).with_definitions(second)
    assert context.definitions == (first, second)
    assert Context().with_definitions() == Context()


def test_a_time_limit_must_be_a_finite_positive_number():
    for seconds in (0.5, 1, 30.0, 1e9):
        assert Context(seconds=seconds).seconds == seconds
    for seconds in (0, -1, 0.0, math.inf, math.nan, "5", None):
        with pytest.raises(ValueError):
            Context(seconds=seconds)


def test_the_default_context_draws_random_points():
    assert Context().random_points > 0 and Context().convention is Convention.TEXTBOOK
