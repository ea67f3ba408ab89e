"""The derived variance against real torch.nn.Linear layers (CI installs torch==2.13.0)."""
from __future__ import annotations

import pytest
from sympy import Rational

torch = pytest.importorskip("torch", reason="torch is not installed: pip install -e '.[torch]' (torch==2.13.0)")

from symderive.crosscheck import init_variance as crosscheck  # noqa: E402


@pytest.fixture(scope="module")
def comparisons(init_variance):
    return crosscheck.run(reinitialisations=20000, inputs=8, seed=0)


def test_predictions_are_exact_values_of_the_derived_formula(init_variance):
    # One layer of width 5 -> 3: v_1 = v_0/3 + 1/(3*5) with v_0 = 1.
    assert crosscheck.predicted_variance(init_variance.result, (5, 3)) == Rational(1, 3) + Rational(1, 15)


def test_monte_carlo_variance_agrees_with_the_derived_formula(comparisons):
    assert {len(c.widths) - 1 for c in comparisons} == {1, 2, 3, 4, 5}
    for c in comparisons:
        assert abs(c.z) <= crosscheck.Z_LIMIT, crosscheck.table(comparisons)
        assert c.standard_error < 0.01 * float(c.predicted)  # the test can tell 1 % apart


def test_weights_stay_within_one_over_sqrt_fan_in(comparisons):
    for c in comparisons:
        assert c.weight_range_ok, crosscheck.table(comparisons)


def test_the_check_would_catch_a_formula_without_the_bias_term(comparisons):
    """Guard against a test that cannot fail: drop the bias contribution and it must disagree."""
    for c in comparisons:
        without_bias = Rational(1, 3 ** (len(c.widths) - 1))
        assert c.without_bias == without_bias and c.tells_apart
        assert abs(c.measured - float(without_bias)) / c.standard_error > crosscheck.Z_LIMIT
