"""Probability densities as SymPy expressions, with their support and parameter hypotheses.

A :class:`Density` is data: the expression of ``p(x)`` in its variables, the
interval of each scalar coordinate it is integrated over, and the conditions on
its parameters (``σ > 0``, ``a < b``) that make it a density.  Scalar families
live over symbols; ``N(μ, Σ)`` lives over ``MatrixSymbol``s of a symbolic size
and becomes a scalar density on an *instance* (concrete size, concrete matrices)
through :func:`instantiate`.  :func:`total_mass` integrates a scalar density
exactly with :mod:`symderive.integrals`, so a wrong normalising constant shows.

``KL`` is the unevaluated Kullback-Leibler divergence; its definition is a rule in
:mod:`symderive.rules.densities`.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Mapping

from sympy import (
    Abs,
    Basic,
    Determinant,
    Expr,
    Function,
    ImmutableMatrix,
    Integer,
    Integral,
    Matrix,
    MatrixSymbol,
    Mul,
    Piecewise,
    Rational,
    S,
    Symbol,
    Tuple,
    exp,
    pi,
    sqrt,
    symbols,
)
from sympy.core.relational import Relational
from sympy.matrices.expressions.matexpr import MatrixElement

from .integrals import NotEvaluable, evaluate_integral

WHOLE_LINE = (S.NegativeInfinity, S.Infinity)


@dataclass(frozen=True)
class Density:
    """``p(x) = expr`` for ``x`` in ``variables``; ``p > 0`` exactly on the box ``support``.

    ``support`` holds one ``(lower, upper)`` per scalar variable (for a
    ``MatrixSymbol`` variable: the whole space, stated once); ``p = 0`` outside
    it, so integrals against ``p`` are taken over it.  ``hypotheses``
    are relations between parameters that must hold (``σ > 0``); ``conditions``
    are the ones that are not relations, in LaTeX (``Σ`` symmetric positive
    definite).
    """

    name: str
    variables: tuple[Basic, ...]
    expr: Expr
    support: tuple[tuple[Expr, Expr], ...]
    hypotheses: tuple[Relational, ...] = ()
    conditions: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if any(h == S.false for h in self.hypotheses):
            raise ValueError(f"{self.name} is not a density: a parameter hypothesis is false")

    def at(self, *values: Expr) -> Expr:
        """The density evaluated at ``values`` (one per variable)."""
        if len(values) != len(self.variables):
            raise ValueError(f"{self.name} takes {len(self.variables)} arguments, got {len(values)}")
        return self.expr.xreplace(dict(zip(self.variables, values)))

    def normalising_integral(self) -> Integral:
        """``∫ p`` over the support (scalar variables only)."""
        return Integral(self.expr, *self.limits())

    def limits(self) -> tuple[tuple[Basic, Expr, Expr], ...]:
        if any(isinstance(v, MatrixSymbol) for v in self.variables):
            raise NotEvaluable(f"{self.name} is over a matrix variable: instantiate it first")
        return tuple((v, lower, upper) for v, (lower, upper) in zip(self.variables, self.support))


# -- scalar families ------------------------------------------------------------


def _parameter(value: Expr | int) -> Expr:
    """SymPy expressions pass and Python ints become Integers (so 1/(b-a) stays exact)."""
    if isinstance(value, Basic):
        return value
    if isinstance(value, int):
        return Integer(value)
    raise TypeError(f"a density parameter must be a SymPy expression or an int, got {type(value).__name__}")


def normal(x: Symbol, mean: Expr, std: Expr) -> Density:
    """``N(μ, σ²)``: ``exp(-(x-μ)²/(2σ²)) / sqrt(2πσ²)``, for ``σ > 0``."""
    mean, std = _parameter(mean), _parameter(std)
    expr = exp(-(x - mean) ** 2 / (2 * std**2)) / sqrt(2 * pi * std**2)
    return Density(f"N({mean}, {std}**2)", (x,), expr, (WHOLE_LINE,), (std > 0,))


def uniform(x: Symbol, lower: Expr, upper: Expr) -> Density:
    """``U(a, b)``: ``1/(b-a)`` on ``[a, b]`` and 0 elsewhere, for ``a < b``."""
    lower, upper = _parameter(lower), _parameter(upper)
    expr = Piecewise((1 / (upper - lower), (x >= lower) & (x <= upper)), (S.Zero, True))
    return Density(f"U({lower}, {upper})", (x,), expr, ((lower, upper),), (lower < upper,))


def exponential(x: Symbol, rate: Expr) -> Density:
    """``Exp(λ)``: ``λ exp(-λx)`` for ``x >= 0`` and 0 elsewhere, for ``λ > 0``."""
    rate = _parameter(rate)
    expr = Piecewise((rate * exp(-rate * x), x >= 0), (S.Zero, True))
    return Density(f"Exp({rate})", (x,), expr, ((S.Zero, S.Infinity),), (rate > 0,))


def laplace(x: Symbol, location: Expr, scale: Expr) -> Density:
    """``Laplace(μ, b)``: ``exp(-|x-μ|/b) / (2b)``, for ``b > 0``."""
    location, scale = _parameter(location), _parameter(scale)
    expr = exp(-Abs(x - location) / scale) / (2 * scale)
    return Density(f"Laplace({location}, {scale})", (x,), expr, (WHOLE_LINE,), (scale > 0,))


def product(*factors: Density) -> Density:
    """The density of independent coordinates: the product of the marginal densities.

    Each factor must depend on its own variables only (no shared variable, no
    variable of one factor inside another's expression).
    """
    variables: list[Basic] = []
    for factor in factors:
        if set(factor.variables) & set(variables):
            raise ValueError(f"{factor.name} reuses a variable of another factor")
        variables.extend(factor.variables)
    for factor in factors:
        foreign = (set(variables) - set(factor.variables)) & factor.expr.free_symbols
        if foreign:
            raise ValueError(f"{factor.name} depends on another coordinate: {sorted(map(str, foreign))}")
    return Density(
        " ⊗ ".join(f.name for f in factors),
        tuple(variables),
        Mul(*(f.expr for f in factors)),
        tuple(s for f in factors for s in f.support),
        tuple(h for f in factors for h in f.hypotheses),
        tuple(c for f in factors for c in f.conditions),
    )


# -- the multivariate normal ----------------------------------------------------


def quadratic_form(vector: Basic, matrix: Basic) -> Expr:
    """The scalar ``vᵀ M v`` kept as the (0, 0) entry of a 1×1 matrix product.

    A bare 1×1 ``MatMul`` cannot be added to a scalar in SymPy, and ``[0, 0]``
    would write it out as a double sum: the entry node keeps it compact until an
    instance is substituted.
    """
    return MatrixElement(vector.T * matrix * vector, 0, 0)


def multivariate_normal(x: MatrixSymbol, mean: MatrixSymbol, covariance: MatrixSymbol) -> Density:
    """``N(μ, Σ)`` on ``ℝⁿ``: ``(2π)^{-n/2} det(Σ)^{-1/2} exp(-½ (x-μ)ᵀ Σ⁻¹ (x-μ))``."""
    n = x.shape[0]
    if x.shape != (n, 1) or mean.shape != (n, 1) or covariance.shape != (n, n):
        raise ValueError(f"shapes must be n×1, n×1, n×n; got {x.shape}, {mean.shape}, {covariance.shape}")
    expr = (2 * pi) ** (-n / 2) * Determinant(covariance) ** Rational(-1, 2) * exp(
        -quadratic_form(x - mean, covariance.I) / 2
    )
    return Density(
        f"N({mean}, {covariance})", (x,), expr, (WHOLE_LINE,), (),
        (rf"{covariance} \text{{ symmetric positive definite}}",),
    )


def instantiate(density: Density, sizes: Mapping[Symbol, int], values: Mapping[MatrixSymbol, Matrix]) -> Density:
    """A scalar density at concrete sizes and matrices: the matrix variable becomes coordinates.

    ``sizes`` fixes the dimension symbols; ``values`` gives each parameter matrix
    (keys are the symbolic-size ``MatrixSymbol``s).  The variable ``x`` (n×1)
    becomes the symbols ``x_1 .. x_n`` (real).
    """
    expr = density.expr.subs(sizes)
    (variable,) = density.variables
    if not isinstance(variable, MatrixSymbol):
        raise ValueError(f"{density.name} is already scalar")
    concrete = variable.subs(sizes)
    rows, columns = concrete.shape
    if not (rows.is_Integer and columns == 1):
        raise ValueError(f"the size of {variable} is not fixed by {sizes}")
    coordinates = symbols(f"{variable.name}_1:{int(rows) + 1}", real=True)
    replacements = {concrete: ImmutableMatrix(coordinates)}
    for symbol, value in values.items():
        sized = symbol.subs(sizes)
        if sized.shape != Matrix(value).shape:
            raise ValueError(f"{symbol} is {sized.shape} at {sizes}, got a {Matrix(value).shape} value")
        replacements[sized] = ImmutableMatrix(value)
    scalar = expr.xreplace(replacements).doit()
    if scalar.atoms(MatrixSymbol):
        raise ValueError(f"no value given for {sorted(map(str, scalar.atoms(MatrixSymbol)))}")
    return Density(f"{density.name} at {dict(sizes)}", tuple(coordinates), scalar,
                   tuple(WHOLE_LINE for _ in coordinates), density.hypotheses, density.conditions)


def random_spd(n: int, rng: random.Random, spread: int = 3) -> Matrix:
    """A random symmetric positive-definite rational matrix ``BᵀB + I``."""
    entries = [Rational(rng.randint(-spread, spread), rng.randint(1, 3)) for _ in range(n * n)]
    b = Matrix(n, n, entries)
    return b.T * b + Matrix.eye(n)


def random_vector(n: int, rng: random.Random, spread: int = 4) -> Matrix:
    return Matrix([Rational(rng.randint(-spread, spread), rng.randint(1, 3)) for _ in range(n)])


# -- integrals of densities -------------------------------------------------------


def total_mass(density: Density) -> Expr:
    """``∫ p`` over the support, exactly; the density's hypotheses order its bounds."""
    return evaluate_integral(density.normalising_integral(), density.hypotheses)


def expectation(density: Density, function: Expr) -> Expr:
    """``E[g(X)] = ∫ g p`` over the support, exactly (``g`` in the density's variables)."""
    return evaluate_integral(Integral(function * density.expr, *density.limits()), density.hypotheses)


# -- the Kullback-Leibler divergence ---------------------------------------------


class KL(Function):
    r"""``KL(p, q, (x,...))``: :math:`D_{\mathrm{KL}}(p \,\|\, q)`, never evaluated automatically.

    The third argument is the tuple of integration variables of the two densities.
    """

    nargs = 3

    def _latex(self, printer, exp=None) -> str:
        p, q, _ = self.args
        tex = rf"D_{{\mathrm{{KL}}}}\left({printer._print(p)} \,\middle\|\, {printer._print(q)}\right)"
        return f"{tex}^{{{exp}}}" if exp is not None else tex


def kl(p: Density, q: Density) -> KL:
    """The unevaluated ``D_KL(p ‖ q)`` of two densities over the same variables."""
    if p.variables != q.variables:
        raise ValueError(f"{p.name} and {q.name} are over different variables")
    return KL(p.expr, q.expr, Tuple(*p.variables))


__all__ = [
    "Density", "normal", "uniform", "exponential", "laplace", "product", "quadratic_form",
    "multivariate_normal", "instantiate", "random_spd", "random_vector", "total_mass",
    "expectation", "KL", "kl", "WHOLE_LINE",
]
