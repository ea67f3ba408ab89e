"""Unit tests of the finite-sum helpers (``symderive/judge/sums.py``), called directly.

The judge's rows reach these helpers through whole judgements, where another strategy often
decides anyway; these tests pin down what each helper returns.  Written against the mutation run
of the judge (benchmarks/README.md).
"""
from __future__ import annotations

import pytest
from sympy import Dummy, Integral, Product, Rational, S, Sum, Symbol, factorial, simplify

from symderive.judge import sums
from symderive.judge.context import Convention
from symderive.randomvars import Undecidable

import test_judge_table as table

k, j, n, L, N, x = table.k, table.j, table.n, table.L, table.N, table.x


def test_bounds_must_be_declared_integers():
    assert sums.bounds_are_integers(Sum(k, (k, 1, L)) + Product(k, (k, 0, n))) is None
    reason = sums.bounds_are_integers(Sum(k, (k, 1, x)))
    assert reason is not None and "x" in reason and "sum" in reason
    assert "product" in sums.bounds_are_integers(Product(k, (k, x, 3)))


def test_ranges_are_nonreversed_only_when_provably_so():
    assert sums.ranges_nonreversed(Sum(k, (k, 1, L)))  # L >= 1
    assert sums.ranges_nonreversed(Sum(k, (k, 1, N)))  # N >= 0: empty at most
    assert sums.ranges_nonreversed(Sum(k, (k, 3, 2)))  # empty, not reversed
    assert not sums.ranges_nonreversed(Sum(k, (k, 3, 1)))
    assert not sums.ranges_nonreversed(Sum(k, (k, 1, n)))  # n may be negative
    assert not sums.ranges_nonreversed(Sum(k, (k, 1, L)) + Product(k, (k, 0, n)))


def test_sums_and_products_are_written_out_term_by_term():
    assert sums.expand_finite_sums(Sum(k**2, (k, 1, 4))) == 1 + 4 + 9 + 16
    assert sums.expand_finite_sums(Product(k, (k, 1, 5))) == factorial(5)
    assert sums.expand_finite_sums(Sum(k * j, (j, 1, k), (k, 1, 2))) == 1 + 2 * (1 + 2)  # inner bound from outer
    assert sums.expand_finite_sums(Sum(k, (k, 1, L))) == Sum(k, (k, 1, L))  # a symbolic bound stays


def test_reversed_ranges_follow_the_convention():
    assert sums.expand_finite_sums(Sum(k, (k, 5, 1))) == 0
    assert sums.expand_finite_sums(Product(k, (k, 5, 1))) == 1
    assert sums.expand_finite_sums(Sum(k, (k, 4, 3))) == 0  # empty in both conventions
    karr = Convention.KARR
    assert sums.expand_finite_sums(Sum(k, (k, 5, 1)), karr) == -(2 + 3 + 4)  # -sum_{2}^{4}
    assert sums.expand_finite_sums(Product(k, (k, 5, 1)), karr) == Rational(1, 2 * 3 * 4)
    assert sums.expand_finite_sums(Sum(k, (k, 4, 3)), karr) == 0


def test_a_bound_that_is_a_number_but_not_an_integer_is_undecidable():
    with pytest.raises(Undecidable):
        sums.expand_finite_sums(Sum(k, (k, 0, Rational(1, 2))))


def test_ranges_longer_than_the_limit_are_refused_or_kept():
    limit = sums.MAX_TERMS
    assert sums.expand_finite_sums(Sum(1, (k, 1, limit))) == limit
    with pytest.raises(Undecidable):
        sums.expand_finite_sums(Sum(1, (k, 1, limit + 1)))
    long = Sum(k, (k, 1, limit + 1))
    assert sums.expand_finite_sums(long, keep_long=True) == long
    with pytest.raises(Undecidable):  # a reversed long range is never kept: its value depends on the convention
        sums.expand_finite_sums(Sum(k, (k, limit + 3, 1)), Convention.KARR, keep_long=True)


def test_shifted_sums_are_aligned_and_merged():
    shifted = Sum(k + 1, (k, 0, L - 1))  # sum_{k=1}^{L} k, re-indexed
    assert sums.align_sums(shifted - Sum(k, (k, 1, L))) == 0
    longer = Sum(k, (k, 1, L + 2)) - Sum(k, (k, 1, L))  # the two extra terms peeled off
    assert simplify(sums.align_sums(longer) - (2 * L + 3)) == 0
    assert sums.align_sums(3 * Sum(k, (k, 1, L)) - 3 * Sum(k, (k, 1, L))) == 0
    assert sums.align_sums(Sum(k, (k, 1, L)) + x) == Sum(k, (k, 1, L)) + x  # one sum: unchanged


def test_sums_whose_lengths_differ_by_a_non_integer_are_left_alone():
    unaligned = Sum(k, (k, 1, L)) - Sum(k, (k, 1, N))
    assert sums.align_sums(unaligned) == unaligned
    assert sums._smallest([L + 2, L, L + 5]) == L
    assert sums._smallest([L, N]) is None


def test_bound_variables_become_integer_dummies_shared_across_sides():
    left, right = sums.canonical_bound_variables(Sum(k**2, (k, 1, L)), Sum(k**2, (k, 1, L)) + 1)
    (index, *_), = left.limits
    assert isinstance(index, Dummy) and index.is_integer
    assert left + 1 == right  # one Dummy per name: identical sums stay identical
    integral, = sums.canonical_bound_variables(Integral(x**2, (x, 0, 1)))
    (variable, *_), = integral.limits
    assert isinstance(variable, Dummy) and variable.is_real and not variable.is_integer
    nested, = sums.canonical_bound_variables(Sum(Sum(j, (j, 1, k)), (k, 1, L)))
    assert nested.doit() == Sum(Sum(j, (j, 1, k)), (k, 1, L)).doit()  # the inner bound follows the outer index
    assert sums.canonical_bound_variables(Sum(L, (L, 1, L)))[0].doit().subs(L, 3) == 6  # the free L is not captured


def test_the_common_index_of_aligned_sums_is_an_integer():
    """cos(pi q)^2 is 1 only for an integer q: the common index must say so (q itself is a plain symbol)."""
    from sympy import cos, pi

    q = Symbol("q")
    assert sums.align_sums(Sum(cos(pi * q) ** 2, (q, 1, L)) - Sum(1, (q, 1, L + 1))) == -1


def test_aligned_sums_that_do_not_cancel_keep_their_merged_sum():
    squares_minus_k = L * (L + 1) * (2 * L + 1) / 6 - L * (L + 1) / 2
    merged = sums.align_sums(Sum(k**2, (k, 1, L)) - Sum(k, (k, 1, L)))
    assert isinstance(merged, Sum) and simplify(merged.doit() - squares_minus_k) == 0
    longer = sums.align_sums(Sum(k**2, (k, 1, L + 1)) - Sum(k, (k, 1, L)))  # one extra term peeled off
    assert simplify(longer.doit() - squares_minus_k - (L + 1) ** 2) == 0
    merged_to_one = sums.align_sums(Sum(k + 1, (k, 1, L)) - Sum(k, (k, 1, L + 1)))  # summand 1, one term peeled off
    assert merged_to_one.has(Sum) and simplify(merged_to_one.doit()) == -1
