"""Monte-Carlo check of ``init-variance`` with real ``torch.nn.Linear`` layers.

Each re-initialisation calls ``reset_parameters()``, the code ``nn.Linear``
runs in its constructor, so the law under test is PyTorch's own.  Outputs that
share one initialisation are correlated, so the standard error is computed from
the per-initialisation means: the re-initialisations are the independent samples.
"""
from __future__ import annotations

from dataclasses import dataclass
from math import ceil, sqrt

from sympy import Expr, Rational, S, Sum

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
# Fewer re-initialisations give a standard error too unreliable to judge anything by.
MIN_REINITIALISATIONS = 30


@dataclass(frozen=True)
class Comparison:
    widths: tuple[int, ...]
    predicted: Rational
    measured: float
    standard_error: float
    reinitialisations: int
    weight_range_ok: bool
    max_weight_ratio: float  # max |entry| * sqrt(fan_in), over all layers: must be <= 1, and near 1
    without_bias: Rational  # the rival formula's value: the network without its biases

    @property
    def z(self) -> float:
        return (self.measured - float(self.predicted)) / self.standard_error

    @property
    def agrees(self) -> bool:
        return abs(self.z) <= Z_LIMIT and self.weight_range_ok

    @property
    def separation(self) -> float:
        """How far apart the formula and its rival without the bias term are."""
        return abs(float(self.predicted - self.without_bias))

    @property
    def tells_apart(self) -> bool:
        """Whether a measurement within Z_LIMIT standard errors of the formula excludes the rival.

        That needs the two predictions at least 2 * Z_LIMIT standard errors apart.
        """
        return self.separation >= 2 * Z_LIMIT * self.standard_error

    @property
    def reinitialisations_needed(self) -> int:
        """Re-initialisations (same inputs each) for the rival to be told apart: se shrinks as 1/sqrt(R)."""
        if self.separation == 0:
            raise ValueError(f"at widths {list(self.widths)} the formula and its rival coincide")
        return max(MIN_REINITIALISATIONS, ceil(self.reinitialisations * (2 * Z_LIMIT * self.standard_error
                                                                             / self.separation) ** 2))


def predicted_variance(result: Expr, widths: tuple[int, ...]) -> Rational:
    """The derived formula at depth ``len(widths) - 1`` and the given widths, exactly."""
    depth = len(widths) - 1
    at_depth = result.subs(init_variance.L, depth).doit()
    return at_depth.subs({init_variance.n[k]: w for k, w in enumerate(widths)})


def without_bias_term(result: Expr) -> Expr:
    """The rival formula: the derived one without the sum, which is the biases' contribution.

    The sum collects the forcing ``1/(3 n_{l-1})`` that the bias adds at each
    layer (the recurrence's ``Var((b_l)_i)`` term); without biases ``v_L = 3^{-L} v_0``.
    """
    return result.replace(lambda e: isinstance(e, Sum), lambda e: S.Zero)


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
    rival = without_bias_term(result)
    comparisons = []
    for offset, widths in enumerate(settings):
        measured, error, ratio = measure(widths, reinitialisations, inputs, seed + offset)
        comparisons.append(Comparison(
            widths, predicted_variance(result, widths), measured, error, reinitialisations,
            weight_range_ok=0.99 <= ratio <= 1.0 + 1e-12, max_weight_ratio=ratio,
            without_bias=predicted_variance(rival, widths),
        ))
    return comparisons


def table(comparisons: list[Comparison]) -> str:
    rows = ["widths n_0..n_L        predicted   no bias     measured    std.err    z      "
            "max|w|*sqrt(fan_in)  agrees"]
    for c in comparisons:
        rows.append(
            f"{str(list(c.widths)):<22} {float(c.predicted):<11.6f} {float(c.without_bias):<11.6f} "
            f"{c.measured:<11.6f} {c.standard_error:<10.6f} {c.z:+6.2f} {c.max_weight_ratio:<20.4f} "
            f"{'yes' if c.agrees else 'NO'}"
        )
    return "\n".join(rows)


def too_small(comparisons: list[Comparison]) -> str:
    """Why the sample cannot tell the formula from the one without the bias term ('' when it can)."""
    blind = [c for c in comparisons if not c.tells_apart]
    if not blind:
        return ""
    worst = max(blind, key=lambda c: c.reinitialisations_needed)
    return (
        f"the sample is too small to tell the formula from the one without the bias term: at widths "
        f"{list(worst.widths)} they differ by {worst.separation:.4g} while the standard error is "
        f"{worst.standard_error:.4g} (they must be {2 * Z_LIMIT:g} standard errors apart); "
        f"use --reinitialisations {worst.reinitialisations_needed} or more"
    )
