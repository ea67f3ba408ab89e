"""The CNN Jacobian's closed form against real PyTorch autograd, in float64.

The network is built from ``torch.nn.functional.conv1d`` and ``tanh``;
``torch.autograd.functional.jacobian`` differentiates it with respect to every ``w_l`` and
``b_l``.  The closed form is evaluated from a separate forward pass in plain Python floats
(:func:`symderive.cnn.forward`, ``σ' = 1 - tanh²``) and multiplied out factor by factor.  Also:
``conv_transpose1d`` reproduces ``A_kᵀ v`` (the efficiency remark), and a deliberately wrong
formula (one factor's filter order reversed) is shown to disagree, so the comparison can fail.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..cnn import (
    Formula,
    Point,
    ProductEvaluator,
    Shape,
    Wrt,
    closed_form,
    conv_rows,
    factor_rows,
    flipped_filter_formula,
    forward,
    point_of,
)
from . import require_torch

# Depths 1, 2, 3 and 5 with uneven filters; every layer of each is compared, so l = L and L = 1 occur.
SHAPES: tuple[Shape, ...] = (
    Shape(7, (3,)),
    Shape(9, (2, 5)),
    Shape(12, (3, 4, 2)),
    Shape(20, (5, 3, 4, 2, 3)),
)
TOLERANCE = 1e-10  # max |formula - autograd| for agreement
WRONG_MARGIN = 1e-6  # a wrong formula must be off by more than this (10^4 x the tolerance)


@dataclass(frozen=True)
class Comparison:
    shape: Shape
    layer: int
    wrt: Wrt
    max_abs_error: float
    wrong_formula_error: float | None  # None when no factor changes under the flip

    @property
    def agrees(self) -> bool:
        return self.max_abs_error <= TOLERANCE


@dataclass(frozen=True)
class TransposeComparison:
    shape: Shape
    layer: int
    max_abs_error: float  # |conv_transpose1d(v, w_k) - A_kᵀ v|


@dataclass(frozen=True)
class CrossCheck:
    comparisons: tuple[Comparison, ...]
    transposes: tuple[TransposeComparison, ...]

    @property
    def agrees(self) -> bool:
        """The derived formula matches autograd, and conv_transpose1d matches ``A_kᵀ v``, everywhere."""
        return (bool(self.comparisons) and all(c.agrees for c in self.comparisons)
                and all(t.max_abs_error <= TOLERANCE for t in self.transposes))

    @property
    def wrong_formula_rejected(self) -> bool:
        errors = [c.wrong_formula_error for c in self.comparisons if c.wrong_formula_error is not None]
        return bool(errors) and all(e > WRONG_MARGIN for e in errors)


@dataclass(frozen=True)
class Parameters:
    """One random draw: input, filters and biases as Python floats (biases per layer: list or float)."""

    x: list[float]
    weights: list[list[float]]
    biases: list[Any]


def draw(shape: Shape, generator: Any) -> Parameters:
    """Input N(0, 1); filters and biases U(-1/sqrt(f), 1/sqrt(f)), like conv1d's default init."""
    torch = require_torch()

    def uniform(size: int, bound: float) -> list[float]:
        return ((torch.rand(size, generator=generator, dtype=torch.float64) * 2 - 1) * bound).tolist()

    widths = shape.widths
    weights = [uniform(f, 1 / math.sqrt(f)) for f in shape.filters]
    biases = [uniform(1, 1 / math.sqrt(f))[0] if shape.scalar_bias else uniform(widths[k], 1 / math.sqrt(f))
              for k, f in enumerate(shape.filters, start=1)]
    x = torch.randn(shape.n0, generator=generator, dtype=torch.float64).tolist()
    return Parameters(x, weights, biases)


def torch_output(shape: Shape, x: Any, weights: list[Any], biases: list[Any]) -> Any:
    """``y_L`` from ``conv1d`` (scalar bias: conv1d's own ``bias``) and ``tanh``."""
    torch = require_torch()
    conv1d = torch.nn.functional.conv1d
    y = x.reshape(1, 1, -1)
    for layer, (w, b) in enumerate(zip(weights, biases), start=1):
        if shape.scalar_bias:
            y = conv1d(y, w.reshape(1, 1, -1), bias=b.reshape(1))
        else:
            y = conv1d(y, w.reshape(1, 1, -1)) + b.reshape(1, 1, -1)
        if layer < shape.depth:
            y = torch.tanh(y)
    return y.reshape(-1)


def autograd_jacobian(shape: Shape, params: Parameters, layer: int, wrt: Wrt) -> Any:
    """``torch.autograd.functional.jacobian`` of ``y_L`` with respect to ``w_l`` or ``b_l``."""
    torch = require_torch()
    x = torch.tensor(params.x, dtype=torch.float64)
    weights = [torch.tensor(w, dtype=torch.float64) for w in params.weights]
    biases = [torch.tensor(b, dtype=torch.float64).reshape(-1) for b in params.biases]
    chosen = weights if wrt == "w" else biases

    def output_of(parameter: Any) -> Any:
        replaced = list(chosen)
        replaced[layer - 1] = parameter
        return torch_output(shape, x, replaced if wrt == "w" else weights, replaced if wrt == "b" else biases)

    return torch.autograd.functional.jacobian(output_of, chosen[layer - 1])


def float_point(shape: Shape, params: Parameters) -> Point:
    """The formula's inputs from a plain-Python forward pass (not torch): ``σ = tanh``."""
    run = forward(params.x, params.weights, params.biases, math.tanh, shape.scalar_bias)
    return point_of(run, params.weights, lambda z: 1.0 - math.tanh(z) ** 2)


def float_evaluator(point: Point) -> ProductEvaluator[Any]:
    torch = require_torch()
    return ProductEvaluator(lambda f: torch.tensor(factor_rows(f, point, 0.0, 1.0), dtype=torch.float64),
                            torch.matmul)


def max_abs_difference(formula: Any, jacobian: Any) -> float:
    if tuple(formula.shape) != tuple(jacobian.shape):
        return math.inf
    return (formula - jacobian).abs().max().item()


def compare_shape(shape: Shape, generator: Any) -> tuple[list[Comparison], list[TransposeComparison]]:
    torch = require_torch()
    params = draw(shape, generator)
    point = float_point(shape, params)
    evaluate = float_evaluator(point)
    comparisons = []
    for layer in range(1, shape.depth + 1):
        for wrt in ("w", "b"):
            jacobian = autograd_jacobian(shape, params, layer, wrt).reshape(shape.widths[-1], -1)
            wrong: Formula | None = flipped_filter_formula(shape, layer, wrt)
            comparisons.append(Comparison(
                shape, layer, wrt, max_abs_difference(evaluate(closed_form(shape, layer, wrt)), jacobian),
                None if wrong is None else max_abs_difference(evaluate(wrong), jacobian),
            ))
    transposes = []
    for k in range(1, shape.depth + 1):
        v = torch.randn(shape.widths[k], generator=generator, dtype=torch.float64)
        w = torch.tensor(params.weights[k - 1], dtype=torch.float64)
        a = torch.tensor(conv_rows(params.weights[k - 1], shape.widths[k - 1], 0.0), dtype=torch.float64)
        transposed = torch.nn.functional.conv_transpose1d(v.reshape(1, 1, -1), w.reshape(1, 1, -1)).reshape(-1)
        transposes.append(TransposeComparison(shape, k, max_abs_difference(transposed, a.T @ v)))
    return comparisons, transposes


def run(seed: int = 0, shapes: tuple[Shape, ...] = SHAPES) -> CrossCheck:
    torch = require_torch()
    generator = torch.Generator().manual_seed(seed)
    comparisons: list[Comparison] = []
    transposes: list[TransposeComparison] = []
    for shape in shapes:
        more, more_transposes = compare_shape(shape, generator)
        comparisons += more
        transposes += more_transposes
    return CrossCheck(tuple(comparisons), tuple(transposes))


def to_json(check: CrossCheck) -> dict[str, Any]:
    """``{"settings": [{"depth", "widths", "filters", "layer", "wrt", "max_abs_error"}], "agrees", ...}``."""
    return {
        "settings": [
            {"depth": c.shape.depth, "widths": list(c.shape.widths), "filters": list(c.shape.filters),
             "layer": c.layer, "wrt": c.wrt,
             "max_abs_error": c.max_abs_error if math.isfinite(c.max_abs_error) else None}  # inf: shapes differ
            for c in check.comparisons
        ],
        "agrees": check.agrees,
        "wrong_formula_rejected": check.wrong_formula_rejected,
    }


def table(check: CrossCheck) -> str:
    rows = ["depth  widths n_0..n_L         filters           l  wrt  max|formula-autograd|  "
            "flipped-filter error  agrees"]
    for c in check.comparisons:
        wrong = "n/a (nothing to flip)" if c.wrong_formula_error is None else f"{c.wrong_formula_error:.3e}"
        rows.append(f"{c.shape.depth:<6} {str(list(c.shape.widths)):<23} {str(list(c.shape.filters)):<17} "
                    f"{c.layer:<2} {c.wrt:<4} {c.max_abs_error:<22.3e} {wrong:<21} {'yes' if c.agrees else 'NO'}")
    worst = max((t.max_abs_error for t in check.transposes), default=math.nan)
    rows.append(f"conv_transpose1d(v, w_k) = A_k^T v for {len(check.transposes)} layers: max error {worst:.3e}")
    rows.append(f"formula agrees with autograd (<= {TOLERANCE:g}): {'yes' if check.agrees else 'NO'}; "
                f"flipped-filter formula rejected (> {WRONG_MARGIN:g}): "
                f"{'yes' if check.wrong_formula_rejected else 'NO'}")
    return "\n".join(rows)
