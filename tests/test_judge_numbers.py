"""Unit tests of ``symderive/judge/numbers.py`` (deciding zero, the sign, showing numbers), called directly.

Written against the mutation run of the judge (benchmarks/README.md): the judge's rows reach ``classify``
mostly with rationals, so its complex, irrational and undefined branches and ``sign`` need their own tests.
"""
from __future__ import annotations

from sympy import E, I, Integer, Rational, Symbol, cos, exp, log, nan, oo, pi, sin, sqrt, zoo

from symderive.judge.numbers import Sign, classify, show, sign
from symderive.randomvars import Expect

import test_judge_table as table


def test_exact_numbers_are_decided_exactly():
    assert classify(Integer(0)) is Sign.ZERO and classify(Rational(1, 10**40)) is Sign.NONZERO
    assert classify(2 + 0 * I) is Sign.NONZERO and classify(3 * I) is Sign.NONZERO
    assert classify(1 + I - 1 - I) is Sign.ZERO
    assert classify((1 + I) ** 2 - 2 * I) is Sign.ZERO  # as_real_imag: 0 and 0
    assert classify((2 + I) * (2 - I) - 4) is Sign.NONZERO  # 1


def test_irrational_numbers_need_a_strict_evaluation_or_an_exact_simplification():
    assert classify(exp(-100)) is Sign.NONZERO  # tiny, but certainly not 0
    assert classify(sqrt(2) - 1) is Sign.NONZERO
    assert classify(sin(1) ** 2 + cos(1) ** 2 - 1) is Sign.ZERO  # no strict evaluation: simplified to 0
    assert classify(log(6) - log(2) - log(3)) is Sign.ZERO
    assert classify(1 / (sin(1) ** 2 + cos(1) ** 2 - 1)) is Sign.UNDEFINED


def test_symbols_moments_and_undefined_values_are_not_decided():
    assert classify(table.x) is Sign.UNDECIDED
    assert classify(Expect(table.b[1])) is Sign.UNDECIDED
    for undefined in (nan, zoo, oo, -oo, 1 + zoo):
        assert classify(undefined) is Sign.UNDEFINED


def test_sign_of_real_numbers_only():
    assert [sign(v) for v in (Integer(-3), Integer(0), Rational(1, 2))] == [-1, 0, 1]
    assert sign(pi - 3) == 1 and sign(3 - pi) == -1 and sign(E - E) == 0
    assert sign(I) is None and sign(table.x) is None and sign(nan) is None
    assert sign(sqrt(2) * I * I) == -1  # -sqrt(2): real once evaluated


def test_huge_rationals_are_shown_with_their_size():
    assert show(Rational(1, 3)) == "1/3"
    shown = show(Rational(10**50 + 1, 3))
    assert "a rational with about 49 digits" in shown or "about 50 digits" in shown
    assert show(Integer(10**39)) == str(10**39)  # 40 digits: still printed in full
    assert show(Symbol("y") ** 300).startswith("y**300") and len(show(sum(Symbol(f"s{k}") for k in range(100)))) <= 203


def test_a_complex_number_has_no_sign_whatever_its_imaginary_part():
    # imaginary part exactly 1 (the mutant `imaginary != 1` gave it the sign of its real part)
    assert sign(2 + I) is None and sign(sqrt(2) + I) is None and sign(sqrt(2) - I) is None


def test_an_unevaluated_moment_of_numbers_is_not_a_number_we_know():
    assert classify(Expect(Integer(2)) - 2) is Sign.UNDECIDED
    assert classify(Expect(sqrt(2)) - sqrt(2)) is Sign.UNDECIDED
    assert sign(Expect(Integer(2))) is None
