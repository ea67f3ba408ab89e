"""The derived Gaussian results against scipy and PyTorch, in float64.

* ``affine-gaussian``: the derived density of ``X = AY + b`` (over ``A``, ``b``,
  ``x``), evaluated at random invertible ``A`` and random points, against
  ``scipy.stats.multivariate_normal(b, AAᵀ).logpdf`` and
  ``torch.distributions.MultivariateNormal(b, AAᵀ).log_prob``, ``n = 1..5``;
* ``kl-gaussian``: the derived divergence (over ``Σ0``, ``Σ1``, ``μ0``, ``μ1``),
  at random SPD covariances, against ``torch.distributions.kl_divergence``
  between ``MultivariateNormal``s, ``d = 2..6``.

The derived expression itself is evaluated: its symbolic size is set, then it
is compiled by ``lambdify`` (NumPy, with ``det`` and ``tr`` added) and called
at the concrete matrices; nothing is retyped.  A deliberately wrong variant of
each (``AᵀA`` for ``AAᵀ``; the trace term with ``Σ0`` and ``Σ1`` swapped) is
shown to disagree, so the comparison can fail.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from sympy import Basic, Integer, MatrixSymbol, Symbol, lambdify
from sympy.printing.numpy import NumPyPrinter

from . import TorchMissing, require_torch

TOLERANCE = 1e-9  # relative error for agreement
WRONG_MARGIN = 1e-6  # a wrong formula must be off by more than this
AFFINE_SIZES = (1, 2, 3, 4, 5)
KL_SIZES = (2, 3, 4, 5, 6)
POINTS = 4  # random points per size (affine-gaussian)


class _NumPyWithMatrixFunctions(NumPyPrinter):
    """NumPy code for SymPy's matrix expressions, with the determinant and trace it lacks."""

    def _print_Determinant(self, expr) -> str:
        return f"numpy.linalg.det({self._print(expr.arg)})"

    def _print_Trace(self, expr) -> str:
        return f"numpy.trace({self._print(expr.arg)})"


def compile_at_size(expr: Basic, size: Symbol, value: int, arguments: Sequence[MatrixSymbol]) -> Callable[..., float]:
    """``expr`` with ``size = value``, as a NumPy function of the (sized) matrix arguments."""
    at = {size: Integer(value)}
    sized = [a.xreplace(at) for a in arguments]
    return lambdify(sized, expr.xreplace(at), modules="numpy", printer=_NumPyWithMatrixFunctions)


@dataclass(frozen=True)
class Comparison:
    size: int
    predicted: float  # the derived expression
    measured: float  # the library
    library: str
    wrong: float | None  # the deliberately wrong variant (None where it coincides with the right one)

    @property
    def relative_error(self) -> float:
        return abs(self.predicted - self.measured) / max(abs(self.measured), 1e-300)

    @property
    def agrees(self) -> bool:
        return self.relative_error <= TOLERANCE

    @property
    def wrong_rejected(self) -> bool | None:
        if self.wrong is None:
            return None
        return abs(self.wrong - self.measured) / max(abs(self.measured), 1e-300) > WRONG_MARGIN


def affine_gaussian(result: Basic, n: Symbol, A: MatrixSymbol, b: MatrixSymbol, x: MatrixSymbol,
                    seed: int = 0) -> list[Comparison]:
    """log of the derived density against scipy's ``logpdf`` and torch's ``log_prob``."""
    torch = require_torch()
    import numpy

    try:
        from scipy.stats import multivariate_normal
    except ImportError as exc:  # pragma: no cover - exercised only without scipy
        raise TorchMissing("scipy is not installed: pip install 'symderive[torch]'") from exc
    rng = numpy.random.default_rng(seed)
    wrong_result = result.xreplace({A: A.T})  # A^T A where A A^T belongs
    comparisons = []
    for size in AFFINE_SIZES:
        density = compile_at_size(result, n, size, (A, b, x))
        wrong = compile_at_size(wrong_result, n, size, (A, b, x))
        a = rng.normal(size=(size, size)) + 2 * numpy.eye(size)
        shift = rng.normal(size=(size, 1))
        covariance = a @ a.T
        scipy_law = multivariate_normal(shift[:, 0], covariance)
        torch_law = torch.distributions.MultivariateNormal(
            torch.tensor(shift[:, 0], dtype=torch.float64), torch.tensor(covariance, dtype=torch.float64))
        for _ in range(POINTS):
            point = shift + rng.normal(size=(size, 1))
            predicted = math.log(float(density(a, shift, point)))
            # At n = 1, A^T A = A A^T: the wrong variant is right there.
            wrong_value = math.log(float(wrong(a, shift, point))) if size > 1 else None
            comparisons.append(Comparison(size, predicted, float(scipy_law.logpdf(point[:, 0])),
                                          "scipy.stats.multivariate_normal.logpdf", wrong_value))
            measured = float(torch_law.log_prob(torch.tensor(point[:, 0], dtype=torch.float64)))
            comparisons.append(Comparison(size, predicted, measured, "torch MultivariateNormal.log_prob",
                                          wrong_value))
    return comparisons


def kl_gaussian(result: Basic, d: Symbol, sigma_0: MatrixSymbol, sigma_1: MatrixSymbol, mu_0: MatrixSymbol,
                mu_1: MatrixSymbol, seed: int = 0) -> list[Comparison]:
    """The derived divergence against ``torch.distributions.kl_divergence``."""
    torch = require_torch()
    import numpy

    rng = numpy.random.default_rng(seed)
    arguments = (sigma_0, sigma_1, mu_0, mu_1)
    swapped = result.xreplace({sigma_0: sigma_1, sigma_1: sigma_0})  # every Σ0 and Σ1 exchanged
    comparisons = []
    for size in KL_SIZES:
        divergence = compile_at_size(result, d, size, arguments)
        wrong = compile_at_size(swapped, d, size, arguments)
        roots = [rng.normal(size=(size, size)) for _ in range(2)]
        covariances = [r @ r.T + numpy.eye(size) for r in roots]  # symmetric positive definite
        means = [rng.normal(size=(size, 1)) for _ in range(2)]
        laws = [torch.distributions.MultivariateNormal(torch.tensor(m[:, 0], dtype=torch.float64),
                                                       torch.tensor(c, dtype=torch.float64))
                for m, c in zip(means, covariances)]
        measured = float(torch.distributions.kl_divergence(*laws))
        values = (*covariances, *means)
        comparisons.append(Comparison(size, float(divergence(*values)), measured,
                                      "torch.distributions.kl_divergence", float(wrong(*values))))
    return comparisons


def agrees(comparisons: Sequence[Comparison]) -> bool:
    return bool(comparisons) and all(c.agrees for c in comparisons)


def wrong_rejected(comparisons: Sequence[Comparison]) -> bool:
    """Every comparison where the wrong variant differs in principle tells it apart."""
    verdicts = [c.wrong_rejected for c in comparisons if c.wrong_rejected is not None]
    return bool(verdicts) and all(verdicts)


def table(comparisons: Sequence[Comparison], what: str) -> str:
    rows = [f"{'size':<5} {'predicted (derived)':>22} {'measured':>22} {'rel. error':>11}  library"]
    for c in comparisons:
        rows.append(f"{c.size:<5} {c.predicted:>22.15g} {c.measured:>22.15g} {c.relative_error:>11.2e}  {c.library}")
    rows.append(f"{what}: derived agrees (rel. error <= {TOLERANCE:g}): {'yes' if agrees(comparisons) else 'NO'}; "
                f"wrong variant rejected (> {WRONG_MARGIN:g}): {'yes' if wrong_rejected(comparisons) else 'NO'}")
    return "\n".join(rows)


def to_json(comparisons: Sequence[Comparison]) -> dict[str, Any]:
    """``{"comparisons": [{"size", "predicted", "measured", "relative_error", "library"}], "agrees", ...}``."""
    return {
        "comparisons": [{"size": c.size, "predicted": c.predicted, "measured": c.measured,
                         "relative_error": c.relative_error, "library": c.library} for c in comparisons],
        "agrees": agrees(comparisons),
        "wrong_variant_rejected": wrong_rejected(comparisons),
    }
