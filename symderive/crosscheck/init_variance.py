"""Monte-Carlo check of ``init-variance`` with real ``torch.nn.Linear`` layers.

Each re-initialisation calls ``reset_parameters()``, the code ``nn.Linear``
runs in its constructor, so the law under test is PyTorch's own.  Outputs that
share one initialisation are correlated, so the standard error is computed from
the per-initialisation means: the re-initialisations are the independent samples.
"""
from __future__ import annotations

from dataclasses import dataclass
from math import sqrt

from sympy import Expr, Rational

from ..results import init_variance
from . import require_torch

# Depths 1..5 with uneven widths n_0, ..., n_L.
WIDTH_SETTINGS: tuple[tuple[int, ...], ...] = (
    (5, 3),
    (2, 9, 4),
    (8, 2, 6, 3),
    (7, 3, 11, 5, 4),
    (7, 3, 11, 5, 4, 6),
)
Z_LIMIT = 4.0  # a false alarm at |z| > 4 has probability about 6e-5 per setting


@dataclass(frozen=True)
class Comparison:
    widths: tuple[int, ...]
    predicted: Rational
    measured: float
    standard_error: float
    reinitialisations: int
    weight_range_ok: bool
    max_weight_ratio: float  # max |entry| * sqrt(fan_in), over all layers: must be <= 1, and near 1

    @property
    def z(self) -> float:
        return (self.measured - float(self.predicted)) / self.standard_error

    @property
    def agrees(self) -> bool:
        return abs(self.z) <= Z_LIMIT and self.weight_range_ok


def predicted_variance(result: Expr, widths: tuple[int, ...]) -> Rational:
    """The derived formula at depth ``len(widths) - 1`` and the given widths, exactly."""
    depth = len(widths) - 1
    at_depth = result.subs(init_variance.L, depth).doit()
    return at_depth.subs({init_variance.n[k]: w for k, w in enumerate(widths)})


def measure(widths: tuple[int, ...], reinitialisations: int, inputs: int, seed: int) -> tuple[float, float, float]:
    """(mean of y_L^2, its standard error, max |entry| * sqrt(fan_in)) over real inits."""
    torch = require_torch()
    torch.manual_seed(seed)
    layers = [torch.nn.Linear(a, b, dtype=torch.float64) for a, b in zip(widths, widths[1:])]
    per_init = torch.empty(reinitialisations, dtype=torch.float64)
    ratio = 0.0
    with torch.no_grad():
        for r in range(reinitialisations):
            for layer in layers:
                layer.reset_parameters()
                bound = 1 / sqrt(layer.in_features)
                ratio = max(ratio, layer.weight.abs().max().item() / bound, layer.bias.abs().max().item() / bound)
            x = torch.randn(inputs, widths[0], dtype=torch.float64)
            for layer in layers:
                x = layer(x)
            per_init[r] = (x**2).mean()
    mean = per_init.mean().item()
    standard_error = per_init.std().item() / sqrt(reinitialisations)
    return mean, standard_error, ratio


def run(reinitialisations: int = 20000, inputs: int = 8, seed: int = 0,
        settings: tuple[tuple[int, ...], ...] = WIDTH_SETTINGS) -> list[Comparison]:
    result = init_variance.derive().result
    comparisons = []
    for offset, widths in enumerate(settings):
        measured, error, ratio = measure(widths, reinitialisations, inputs, seed + offset)
        comparisons.append(Comparison(
            widths, predicted_variance(result, widths), measured, error, reinitialisations,
            weight_range_ok=0.99 <= ratio <= 1.0 + 1e-12, max_weight_ratio=ratio,
        ))
    return comparisons


def table(comparisons: list[Comparison]) -> str:
    rows = ["widths n_0..n_L        predicted   measured    std.err    z      max|w|*sqrt(fan_in)  agrees"]
    for c in comparisons:
        rows.append(
            f"{str(list(c.widths)):<22} {float(c.predicted):<11.6f} {c.measured:<11.6f} "
            f"{c.standard_error:<10.6f} {c.z:+6.2f} {c.max_weight_ratio:<20.4f} {'yes' if c.agrees else 'NO'}"
        )
    return "\n".join(rows)
