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
    Indexed,
    IndexedBase,
    Integer,
    Integral,
    Inverse,
    MatMul,
    Matrix,
    MatrixSymbol,
    Mul,
    Piecewise,
    Rational,
    S,
    Symbol,
    Transpose,
    Tuple,
    exp,
    log,
    pi,
    sqrt,
    symbols,
)
from sympy.core.function import AppliedUndef, UndefinedFunction
from sympy.core.symbol import Str
from sympy.core.sympify import _sympify  # strict: never parses strings
from sympy.logic.boolalg import Boolean
from sympy.matrices.expressions.matexpr import MatrixElement

from .exprjson import register, register_function_base
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
    hypotheses: tuple[Boolean, ...] = ()  # relations (a numeric one may already be True)
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
    instance is substituted.  The product is built unevaluated, so ``(x - μ)ᵀ``
    stays one factor (``.T`` would distribute it over the difference).
    """
    return MatrixElement(MatMul(Transpose(vector), matrix, vector), 0, 0)


def multivariate_normal(x: MatrixSymbol, mean: MatrixSymbol, covariance: MatrixSymbol) -> Density:
    """``N(μ, Σ)`` on ``ℝⁿ``: ``(2π)^{-n/2} det(Σ)^{-1/2} exp(-½ (x-μ)ᵀ Σ⁻¹ (x-μ))``."""
    n = x.shape[0]
    if x.shape != (n, 1) or mean.shape != (n, 1) or covariance.shape != (n, n):
        raise ValueError(f"shapes must be n×1, n×1, n×n; got {x.shape}, {mean.shape}, {covariance.shape}")
    expr = (2 * pi) ** (-n / 2) * Determinant(covariance) ** Rational(-1, 2) * exp(
        -quadratic_form(x - mean, Inverse(covariance)) / 2
    )
    return Density(
        f"N({mean}, {covariance})", (x,), expr, (WHOLE_LINE,), (),
        (rf"{covariance} \text{{ symmetric positive definite}}",),
    )


def standard_normal(y: MatrixSymbol) -> Density:
    """``N(0, I)`` on ``ℝⁿ``: ``(2π)^{-n/2} exp(-½ yᵀy)``."""
    n = y.shape[0]
    if y.shape != (n, 1):
        raise ValueError(f"the variable of N(0, I) must be n×1, got {y.shape}")
    expr = (2 * pi) ** (-n / 2) * exp(-MatrixElement(MatMul(Transpose(y), y), 0, 0) / 2)
    return Density("N(0, I)", (y,), expr, (WHOLE_LINE,))


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


# -- integrals over named regions and product densities of symbolic dimension ------


class Region(Basic):
    """A named region of integration (``supp f``, ``ℝ^d``), printed as its LaTeX."""

    def __new__(cls, name: str | Str, tex: str | Str):
        return Basic.__new__(cls, *(v if isinstance(v, Str) else Str(v) for v in (name, tex)))

    @property
    def name(self) -> str:
        return self.args[0].name

    @property
    def tex(self) -> str:
        return self.args[1].name

    def _latex(self, printer, exp=None) -> str:
        return self.tex

    def _sympystr(self, printer) -> str:
        return self.name


def support_of(function: str) -> Region:
    """The region ``supp f`` where the density named ``function`` is positive, printed ``\\operatorname{supp} f``."""
    return Region(f"supp {function}", rf"\operatorname{{supp}} {function}")


class IntegralOver(Expr):
    r"""``∫_R integrand d(variable)`` over a named :class:`Region`, never evaluated.

    For statements about densities in a symbolic dimension (``x ∈ ℝ^d``,
    ``∫_{supp f}``) that no finite list of limits can write; rules rewrite it and
    verifiers check it pointwise or on concrete instances.
    """

    is_commutative = True

    def __new__(cls, integrand, variable, region: Region):
        if not isinstance(region, Region):
            raise TypeError(f"the region of an IntegralOver must be a Region, not {region!r}")
        return Expr.__new__(cls, _sympify(integrand), _sympify(variable), region)  # noqa: input-safe

    @property
    def integrand(self) -> Expr:
        return self.args[0]

    @property
    def variable(self) -> Basic:
        return self.args[1]

    @property
    def region(self) -> Region:
        return self.args[2]

    @property
    def free_symbols(self) -> set:
        variable = self.variable
        bound = {variable, variable.label} if isinstance(variable, IndexedBase) else {variable}
        return self.integrand.free_symbols - bound

    def _latex(self, printer, exp=None) -> str:
        body = printer._print(self.integrand)
        tex = rf"\int_{{{self.region.tex}}} {body} \, \mathrm{{d}}{printer._print(self.variable)}"
        return rf"\left({tex}\right)^{{{exp}}}" if exp is not None else tex

    def _sympystr(self, printer) -> str:
        return f"IntegralOver({printer._print(self.integrand)}, {printer._print(self.variable)}, {self.region.name})"


class FamilyMember(AppliedUndef):
    """An application ``f(j, t)`` of an undeclared function family, printed ``f_j(t)``.

    A notation base for :func:`indexed_function` (registered with
    :mod:`symderive.exprjson`, so a transcript keeps the notation).
    """

    arity = 2  # the index j and the argument t

    def _latex(self, printer, exp=None) -> str:
        index, argument = self.args
        tex = rf"{self.func.name}_{{{printer._print(index)}}}\left({printer._print(argument)}\right)"
        return rf"{tex}^{{{exp}}}" if exp is not None else tex


def indexed_function(name: str) -> UndefinedFunction:
    """An undeclared function ``f(j, t)`` printed ``f_j(t)``: the ``j``-th member of a family."""
    return UndefinedFunction(name, bases=(FamilyMember,), nargs=FamilyMember.arity)


@dataclass(frozen=True)
class ProductInstances:
    """Concrete marginals for statements about ``f = Π_j f_j(x_j)`` and ``g = Π_j g_j(x_j)``.

    ``families[j - 1]`` is the pair ``(f_j, g_j)`` of scalar densities (each over
    its own variable) put in for coordinate ``j``.  :meth:`at` turns an
    expression in the symbolic dimension ``d`` into ordinary integrals at a
    concrete ``d``: products and sums written out, ``f(j, t)`` replaced by the
    ``j``-th density at ``t``, each :class:`IntegralOver` and each ``KL`` an
    iterated integral over the support of ``f`` in the variables it binds.
    """

    f: UndefinedFunction
    g: UndefinedFunction
    x: IndexedBase
    d: Symbol
    families: tuple[tuple[Density, Density], ...]

    def at(self, expr: Basic, size: int) -> Expr:
        if not 1 <= size <= len(self.families):
            raise ValueError(f"families are given for d <= {len(self.families)}, not d = {size}")
        coordinates = {j: Symbol(f"{self.x.label.name}_{j}", real=True) for j in range(1, size + 1)}
        concrete = expr.xreplace({self.d: Integer(size)}).doit()
        concrete = concrete.replace(lambda e: isinstance(e, IntegralOver), lambda e: self._integral(e, coordinates))
        concrete = concrete.replace(lambda e: isinstance(e, KL), lambda e: self._kl(e, coordinates))
        concrete = concrete.replace(
            lambda e: isinstance(e, AppliedUndef) and e.func in (self.f, self.g), lambda e: self._marginal(e))
        return concrete.xreplace({self.x[j]: c for j, c in coordinates.items()})

    def _coordinate(self, index: Basic) -> int:
        if not index.is_Integer or not 1 <= int(index) <= len(self.families):
            raise ValueError(f"no family for the coordinate {index}")
        return int(index)

    def _marginal(self, application: Basic) -> Expr:
        index, argument = application.args
        f_j, g_j = self.families[self._coordinate(index) - 1]
        return (f_j if application.func == self.f else g_j).at(argument)

    def _limits(self, variables, coordinates) -> tuple:
        limits = []
        for variable in variables:
            j = self._coordinate(variable.indices[0]) if isinstance(variable, Indexed) else None
            if j is None:
                raise ValueError(f"{variable} is not a coordinate x[j]")
            lower, upper = self.families[j - 1][0].support[0]
            limits.append((variable, lower, upper))
        return tuple(limits)

    def _bound(self, variables, coordinates) -> list:
        """The coordinates an integral binds: ``x`` itself stands for all of them."""
        return [entry for v in variables for entry in ([self.x[j] for j in coordinates] if v == self.x else [v])]

    def _integral(self, node: IntegralOver, coordinates) -> Integral:
        return Integral(node.integrand, *self._limits(self._bound([node.variable], coordinates), coordinates))

    def _kl(self, node: KL, coordinates) -> Integral:
        p, q, variables = node.args
        return Integral(p * log(p / q), *self._limits(self._bound(variables, coordinates), coordinates))


__all__ = [
    "Density", "normal", "uniform", "exponential", "laplace", "product", "quadratic_form",
    "multivariate_normal", "standard_normal", "instantiate", "random_spd", "random_vector", "total_mass",
    "expectation", "KL", "kl", "WHOLE_LINE", "Region", "support_of", "IntegralOver", "FamilyMember", "indexed_function",
    "ProductInstances",
]


# Allow-listed for JSON transcripts (symderive.exprjson), rebuilt without evaluation.
register(KL)
register(Region, lambda name, tex: Region(name, tex), 2, 2)
register(IntegralOver, lambda integrand, variable, region: IntegralOver(integrand, variable, region), 3, 3)
register_function_base(FamilyMember)
