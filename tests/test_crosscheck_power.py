"""Whether a Monte-Carlo sample can tell the derived formula from its rival without the bias term.

Pure arithmetic on the comparisons: no torch needed.
"""
from __future__ import annotations

import pytest
from sympy import Rational

from symderive.crosscheck import init_variance as crosscheck


def comparison(standard_error: float, reinitialisations: int = 100, rival: Rational = Rational(1, 3)):
    return crosscheck.Comparison(
        (5, 3), Rational(2, 5), 0.4, standard_error, reinitialisations, True, 1.0, rival,
    )


def test_the_rival_is_the_formula_without_the_bias_sum(init_variance):
    rival = crosscheck.without_bias_term(init_variance.result)
    for widths in ((5, 3), (2, 9, 4), (7, 3, 11, 5, 4, 6)):
        depth = len(widths) - 1
        assert crosscheck.predicted_variance(rival, widths) == Rational(1, 3**depth)
        assert crosscheck.predicted_variance(init_variance.result, widths) > Rational(1, 3**depth)


def test_predictions_far_apart_in_standard_errors_are_told_apart():
    separation = float(Rational(2, 5) - Rational(1, 3))
    assert comparison(separation / (2 * crosscheck.Z_LIMIT) * 0.99).tells_apart
    assert not comparison(separation / (2 * crosscheck.Z_LIMIT) * 1.01).tells_apart


def test_the_needed_sample_grows_with_the_square_of_the_standard_error():
    separation = float(Rational(2, 5) - Rational(1, 3))
    twice_too_blurry = comparison(2 * separation / (2 * crosscheck.Z_LIMIT), reinitialisations=100)
    assert twice_too_blurry.reinitialisations_needed == 400
    assert comparison(1e-6).reinitialisations_needed == crosscheck.MIN_REINITIALISATIONS


def test_a_rival_equal_to_the_formula_cannot_be_told_apart_at_any_size():
    same = comparison(0.01, rival=Rational(2, 5))
    assert not same.tells_apart
    with pytest.raises(ValueError, match="coincide"):
        same.reinitialisations_needed


def test_the_reason_names_the_worst_setting_and_the_size_needed():
    fine, blurry = comparison(1e-4), comparison(0.05)
    assert crosscheck.too_small([fine]) == ""
    reason = crosscheck.too_small([fine, blurry])
    assert "at widths [5, 3]" in reason and f"--reinitialisations {blurry.reinitialisations_needed}" in reason
