"""The CNN Jacobian's closed form against real PyTorch autograd (CI installs torch==2.13.0)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed: pip install -e '.[torch]' (torch==2.13.0)")

from conftest import ROOT  # noqa: E402
from symderive.cnn import Shape, closed_form, vector_jacobian_product  # noqa: E402
from symderive.crosscheck import cnn_jacobian as crosscheck  # noqa: E402


@pytest.fixture(scope="module")
def check():
    return crosscheck.run(seed=0)


def test_the_formula_equals_autograd_for_every_layer_and_parameter(check):
    assert check.agrees, crosscheck.table(check)
    for c in check.comparisons:
        assert c.max_abs_error <= crosscheck.TOLERANCE, crosscheck.table(check)
    settings = {(c.shape, c.layer, c.wrt) for c in check.comparisons}
    assert settings == {(s, layer, wrt) for s in crosscheck.SHAPES for layer in range(1, s.depth + 1) for wrt in "wb"}
    assert any(c.shape.depth == 1 for c in check.comparisons)  # L = 1; l = L occurs for every shape


def test_conv_transpose1d_is_the_transposed_conv_matrix(check):
    assert len(check.transposes) == sum(s.depth for s in crosscheck.SHAPES)
    assert max(t.max_abs_error for t in check.transposes) <= crosscheck.TOLERANCE


def test_a_wrong_formula_is_rejected(check):
    assert check.wrong_formula_rejected
    errors = [c.wrong_formula_error for c in check.comparisons if c.wrong_formula_error is not None]
    assert len(errors) >= len(check.comparisons) // 2 and min(errors) > crosscheck.WRONG_MARGIN


def test_a_check_that_cannot_fail_would_be_caught():
    """The comparison itself must be able to say no: a formula missing its first factor disagrees."""
    shape = Shape(12, (3, 4, 2))
    params = crosscheck.draw(shape, torch.Generator().manual_seed(1))
    evaluate = crosscheck.float_evaluator(crosscheck.float_point(shape, params))
    jacobian = crosscheck.autograd_jacobian(shape, params, 1, "w")
    truncated = evaluate(closed_form(shape, 1, "w")[2:])  # D_2 A_2 D_1 Y_0: wrong shape
    assert crosscheck.max_abs_difference(truncated, jacobian) > crosscheck.WRONG_MARGIN


def test_pytorchs_scalar_bias_variant_agrees():
    """conv1d's own bias (one scalar per layer): the formula ends in the ones vector."""
    shapes = (Shape(7, (3,), scalar_bias=True), Shape(12, (3, 4, 2), scalar_bias=True))
    check = crosscheck.run(seed=2, shapes=shapes)
    assert check.agrees and check.wrong_formula_rejected, crosscheck.table(check)


def test_backprop_with_transposed_convolutions_is_vjp_of_autograd():
    shape = Shape(20, (5, 3, 4, 2, 3))
    params = crosscheck.draw(shape, torch.Generator().manual_seed(3))
    point = crosscheck.float_point(shape, params)
    v = torch.randn(shape.widths[-1], dtype=torch.float64, generator=torch.Generator().manual_seed(4))
    for layer in range(1, shape.depth + 1):
        for wrt in ("w", "b"):
            jacobian = crosscheck.autograd_jacobian(shape, params, layer, wrt)
            backprop = torch.tensor(vector_jacobian_product(point, v.tolist(), layer, wrt), dtype=torch.float64)
            assert (backprop - v @ jacobian).abs().max().item() <= crosscheck.TOLERANCE


def test_json_has_exactly_the_documented_shape(check):
    data = crosscheck.to_json(check)
    assert set(data) == {"settings", "agrees", "wrong_formula_rejected"}
    for setting in data["settings"]:
        assert set(setting) == {"depth", "widths", "filters", "layer", "wrt", "max_abs_error"}
        assert setting["wrt"] in ("w", "b") and len(setting["widths"]) == setting["depth"] + 1
    assert json.loads(json.dumps(data)) == data


def test_the_table_names_every_setting_and_the_verdicts(check):
    table = crosscheck.table(check)
    assert len(table.splitlines()) == len(check.comparisons) + 3
    assert "conv_transpose1d" in table and "agrees with autograd (<= 1e-10): yes" in table
    assert "n/a (nothing to flip)" in table  # ∂y_L/∂b_L = I has no filter to flip


def test_the_command_prints_json_on_stdout():
    as_json = subprocess.run(
        [sys.executable, "-m", "symderive.cli", "crosscheck", "cnn-jacobian", "--format", "json", "--seed", "5"],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    assert data["agrees"] is True and data["wrong_formula_rejected"] is True
    assert {(s["depth"], s["layer"]) for s in data["settings"]} >= {(1, 1), (3, 3)}
