r"""Checks of the CNN Jacobian's closed form (:mod:`symderive.cnn`) against independent computations.

Two checks, with labels no stronger than their evidence:

* :func:`exact_instance_check` (``proved-on-instances``): the network built from SymPy symbols
  with an undefined ``σ``; SymPy's own ``Matrix.jacobian`` of ``y_L`` against the formula, entry by
  entry, with ``expand`` of the difference (no ``simplify``: the two sides share their atoms
  ``σ(y'_k)`` and ``σ'(y'_k)``, so an exact polynomial comparison settles it).
* :func:`field_check` (``tested-numerically``): at one random point of the prime field GF(p),
  forward-mode dual numbers run through the network's definition (the cross-correlation written
  out, the chain rule applied by the arithmetic, no matrix and no formula) against the formula's
  matrix product in ``flint.nmod_mat``.  The values ``σ(y'_k)_i`` and ``σ'(y'_k)_i`` are independent
  uniform field elements: both sides are polynomials in them and in the inputs and filters, so the
  identity for free values implies it for every differentiable ``σ``, and by Schwartz–Zippel a false
  pass has probability at most ``D/p`` with ``D`` the total degree ``2(L-l) + [wrt = w]``.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from flint import nmod, nmod_mat, nmod_poly
from sympy import Expr, Integer, Matrix, expand

from .cnn import (
    Factor,
    Formula,
    Point,
    ProductEvaluator,
    Shape,
    SymbolicNet,
    Wrt,
    closed_form,
    correlate,
    factor_entries,
    product_size,
    sympy_formula,
    symbolic_net,
)
from .model import Status, Verification

PRIME = 2**64 - 59  # the largest prime below 2^64: flint's word-size modulus

FormulaFor = Callable[[Shape, int, Wrt], "Formula | None"]  # (shape, layer, wrt) -> factors


def every_setting(shape: Shape) -> tuple[tuple[int, Wrt], ...]:
    """``(layer, wrt)`` for every layer and both parameters."""
    return tuple((layer, wrt) for layer in range(1, shape.depth + 1) for wrt in ("w", "b"))


# --- exact instances -------------------------------------------------------------------------


@dataclass(frozen=True)
class ExactComparison:
    shape: Shape
    layer: int
    wrt: Wrt
    agrees: bool
    reason: str  # why not, or "" when the sides agree
    sigma: str  # the activation of the symbolic network, e.g. "sigma" (undefined) or "tanh"


def first_difference(formula: Matrix, jacobian: Matrix) -> str | None:
    """``None`` when every entry of ``formula - jacobian`` expands to 0, else where they differ.

    Sound in one direction only, which is the one that matters: ``expand`` preserves value, so a
    zero after expansion is a proof; a nonzero remainder is reported as a difference.
    """
    if formula.shape != jacobian.shape:
        return f"shapes differ: formula {formula.shape}, Jacobian {jacobian.shape}"
    for index, entry in enumerate(formula - jacobian):  # row by row
        if expand(entry) != 0:
            i, j = divmod(index, formula.cols)
            return f"entry ({i + 1}, {j + 1}) differs"
    return None


def exact_instance_check(shape: Shape, layer: int, wrt: Wrt, factors: Formula | None = None,
                         net: SymbolicNet | None = None) -> ExactComparison:
    """The formula (default: the closed form) against SymPy's Jacobian of the symbolic network."""
    shape.check_layer(layer, wrt)
    net = symbolic_net(shape) if net is None else net
    if net.shape != shape:
        raise ValueError(f"the network has shape {net.shape}, not {shape}")
    if factors is None:
        factors = closed_form(shape, layer, wrt)
    sigma = str(net.sigma)
    if product_size(shape, factors) is None:
        return ExactComparison(shape, layer, wrt, False, "the factors' sizes do not chain", sigma)
    jacobian = net.output().jacobian(net.parameters(layer, wrt))
    reason = first_difference(sympy_formula(net.point(), factors), jacobian)
    return ExactComparison(shape, layer, wrt, reason is None, reason or "", sigma)


def instance_verification(comparisons: Sequence[ExactComparison]) -> Verification | None:
    """``proved-on-instances`` when every comparison agrees; ``None`` otherwise (never a weaker claim)."""
    if not comparisons or not all(c.agrees for c in comparisons):
        return None
    cases = "; ".join(
        f"n_0={c.shape.n0}, f={list(c.shape.filters)}{', scalar bias' if c.shape.scalar_bias else ''}, "
        f"l={c.layer}, wrt {c.wrt}, activation {c.sigma}" for c in comparisons
    )
    return Verification(
        Status.PROVED_ON_INSTANCES,
        "exact comparison with SymPy's Matrix.jacobian",
        f"every entry of formula - Jacobian expands to 0 (activation 'sigma' is an undefined function) at: {cases}",
    )


# --- the finite field ----------------------------------------------------------------------


@dataclass(frozen=True)
class FieldInstance:
    """A random point of GF(p): inputs, filters, biases, and free values for ``σ`` and ``σ'``.

    ``sigmas[k-1][i]`` stands for ``σ(y'_k)_i`` and ``slopes[k-1][i]`` for ``σ'(y'_k)_i``
    (``k = 1..L-1``); all entries are integers in ``[0, p)``.
    """

    shape: Shape
    prime: int
    x: tuple[int, ...]
    weights: tuple[tuple[int, ...], ...]
    biases: tuple[Any, ...]  # per layer: a tuple, or one int (scalar bias)
    sigmas: tuple[tuple[int, ...], ...]
    slopes: tuple[tuple[int, ...], ...]

    def point(self) -> Point:
        return Point(self.weights, (self.x,) + self.sigmas, self.slopes)


def random_instance(shape: Shape, rng: random.Random, prime: int = PRIME) -> FieldInstance:
    def vector(size: int) -> tuple[int, ...]:
        return tuple(rng.randrange(prime) for _ in range(size))

    widths = shape.widths
    biases = tuple(rng.randrange(prime) if shape.scalar_bias else vector(widths[k])
                   for k in range(1, shape.depth + 1))
    return FieldInstance(
        shape, prime, vector(shape.n0), tuple(vector(f) for f in shape.filters), biases,
        tuple(vector(widths[k]) for k in range(1, shape.depth)),
        tuple(vector(widths[k]) for k in range(1, shape.depth)),
    )


class Dual:
    """A field element with a tangent vector (stored as the coefficients of an ``nmod_poly``)."""

    __slots__ = ("value", "tangent")

    def __init__(self, value: nmod, tangent: nmod_poly) -> None:
        self.value, self.tangent = value, tangent

    def __add__(self, other: "Dual") -> "Dual":
        return Dual(self.value + other.value, self.tangent + other.tangent)

    def __mul__(self, other: "Dual") -> "Dual":  # the product rule; zero tangents skipped for speed
        if not other.tangent:
            return Dual(self.value * other.value, self.tangent * other.value)
        if not self.tangent:
            return Dual(self.value * other.value, other.tangent * self.value)
        return Dual(self.value * other.value, self.tangent * other.value + other.tangent * self.value)


def dual_jacobian(instance: FieldInstance, layer: int, wrt: Wrt) -> nmod_mat:
    """``∂y_L/∂θ_l`` by forward-mode differentiation of the network.

    Parameter ``j`` of ``θ_l`` is seeded with the tangent ``e_j``; ``σ`` maps the dual number at
    ``(y'_k)_i`` to value ``σ(y'_k)_i`` and tangent ``σ'(y'_k)_i`` times its tangent (the chain rule).
    """
    shape, p = instance.shape, instance.prime
    shape.check_layer(layer, wrt)
    zero = nmod_poly(0, p)

    def unit(j: int) -> nmod_poly:
        return nmod_poly([0] * j + [1], p)

    def constant(value: int) -> Dual:
        return Dual(nmod(value, p), zero)

    y = [constant(v) for v in instance.x]
    for k in range(1, shape.depth + 1):
        seeded = k == layer
        w = [Dual(nmod(v, p), unit(j) if seeded and wrt == "w" else zero)
             for j, v in enumerate(instance.weights[k - 1])]
        bias = instance.biases[k - 1]
        if shape.scalar_bias:
            b = [Dual(nmod(bias, p), unit(0) if seeded and wrt == "b" else zero)] * (len(y) - len(w) + 1)
        else:
            b = [Dual(nmod(v, p), unit(i) if seeded and wrt == "b" else zero) for i, v in enumerate(bias)]
        z = [zi + bi for zi, bi in zip(correlate(y, w), b, strict=True)]
        if k < shape.depth:
            sigma, slope = instance.sigmas[k - 1], instance.slopes[k - 1]
            z = [Dual(nmod(sigma[i], p), zi.tangent * nmod(slope[i], p)) for i, zi in enumerate(z)]
        y = z
    columns = len(instance.weights[layer - 1]) if wrt == "w" else 1 if shape.scalar_bias else shape.widths[layer]
    return nmod_mat([_padded(out.tangent.coeffs(), columns, nmod(0, p)) for out in y], p)


def _padded(coefficients: list[nmod], length: int, zero: nmod) -> list[nmod]:
    # nmod_poly drops trailing zero coefficients; a tangent never has more than `length`
    assert len(coefficients) <= length, "a tangent longer than the number of parameters"
    return coefficients + [zero] * (length - len(coefficients))


def field_evaluator(instance: FieldInstance) -> ProductEvaluator[nmod_mat]:
    """Multiplies formulas at ``instance`` in ``nmod_mat``, sharing prefix products across formulas."""
    point, p = instance.point(), instance.prime

    def realise(factor: Factor) -> nmod_mat:
        entries = factor_entries(factor, point, 1)
        matrix = nmod_mat(entries.rows, entries.cols, p)  # zeros; set the band only (dense lists are slow)
        for i, j, value in entries.nonzero:
            matrix[i, j] = value
        return matrix

    return ProductEvaluator(realise, lambda a, b: a * b)


def sympy_jacobian_at(net: SymbolicNet, instance: FieldInstance, layer: int, wrt: Wrt) -> nmod_mat:
    """SymPy's Jacobian of ``net`` evaluated at ``instance`` (atoms ``σ(y'_k)``, ``σ'(y'_k)`` replaced).

    For small networks: the link between the dual numbers and SymPy's differentiation.
    """
    if net.shape != instance.shape:
        raise ValueError("the network and the instance have different shapes")
    point = net.point()
    atoms: dict[Expr, Integer] = {}
    for k in range(1, net.shape.depth):
        for i in range(net.shape.widths[k]):
            atoms[point.y(k)[i]] = Integer(instance.sigmas[k - 1][i])
            atoms[point.slope(k)[i]] = Integer(instance.slopes[k - 1][i])
    symbols = dict(zip(net.x, map(Integer, instance.x)))
    for ws, values in zip(net.weights, instance.weights):
        symbols.update(zip(ws, map(Integer, values)))
    jacobian = net.output().jacobian(net.parameters(layer, wrt)).xreplace(atoms)
    leftover = jacobian.free_symbols - set(symbols)
    if leftover:  # an atom was not replaced: the instance cannot be evaluated faithfully
        raise ValueError(f"unreplaced symbols in the Jacobian: {sorted(map(str, leftover))[:3]}")
    values = jacobian.xreplace(symbols)
    return nmod_mat([[int(values[r, c]) % instance.prime for c in range(values.cols)] for r in range(values.rows)],
                    instance.prime)


@dataclass(frozen=True)
class FieldComparison:
    layer: int
    wrt: Wrt
    agrees: bool
    degree: int  # total degree of the entries of both sides in the free values


def entry_degree(depth: int, layer: int, wrt: Wrt) -> int:
    """Total degree of the Jacobian's entries in (x, w, σ-values, σ'-values): ``2(L-l) + [wrt = w]``.

    ``L - l`` filters, ``L - l`` slopes and, for ``w``, one entry of ``y_{l-1}``; biases do not appear.
    """
    return 2 * (depth - layer) + (1 if wrt == "w" else 0)


@dataclass(frozen=True)
class FieldCheck:
    shape: Shape
    prime: int
    seed: int
    comparisons: tuple[FieldComparison, ...]

    @property
    def agrees(self) -> bool:
        return bool(self.comparisons) and all(c.agrees for c in self.comparisons)

    @property
    def false_pass_bound(self) -> float:
        """Schwartz–Zippel: a nonzero difference of degree ``D`` vanishes at a random point w.p. ``<= D/p``."""
        return max(c.degree for c in self.comparisons) / self.prime

    @property
    def verification(self) -> Verification | None:
        """``tested-numerically`` when everything agrees, else ``None``."""
        if not self.agrees:
            return None
        degree = max(c.degree for c in self.comparisons)
        settings = ", ".join(f"l={c.layer}/{c.wrt}" for c in self.comparisons)
        return Verification(
            Status.TESTED_NUMERICALLY,
            "forward-mode dual numbers against the formula in GF(p), one random point",
            f"n_0={self.shape.n0}, f={list(self.shape.filters)}"
            f"{', scalar bias' if self.shape.scalar_bias else ''}; {settings}; p = 2^64 - 59, seed {self.seed}; "
            f"sigma(y'_k)_i and sigma'(y'_k)_i replaced by independent uniform values; entries have total "
            f"degree <= {degree}, so by Schwartz-Zippel a false pass has probability <= {degree}/p "
            f"= {self.false_pass_bound:.1e} per setting",
        )


def field_check(shape: Shape, seed: int = 0, prime: int = PRIME, formula: FormulaFor = closed_form,
                settings: Sequence[tuple[int, Wrt]] | None = None) -> FieldCheck:
    """Dual numbers against ``formula`` for every ``(layer, wrt)`` (default: all), one random point.

    ``formula`` may return ``None`` for a setting it does not cover (a deliberately wrong variant);
    that setting is then left out.
    """
    instance = random_instance(shape, random.Random(seed), prime)
    evaluate = field_evaluator(instance)
    comparisons = []
    for layer, wrt in every_setting(shape) if settings is None else settings:
        factors = formula(shape, layer, wrt)
        if factors is None:
            continue
        derived = dual_jacobian(instance, layer, wrt)
        if product_size(shape, factors) != (derived.nrows(), derived.ncols()):  # includes "do not chain"
            agrees = False
        else:
            agrees = evaluate(factors) == derived
        comparisons.append(FieldComparison(layer, wrt, agrees,
                                           entry_degree(shape.depth, layer, wrt)))
    return FieldCheck(shape, prime, seed, tuple(comparisons))
