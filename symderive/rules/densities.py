"""Rules about densities: change of variables, Jensen's inequality, the definition of KL.

The two theorems are :class:`~symderive.rules.theorems.TheoremRule`s: they apply
only when each hypothesis is discharged, and the ``check_*`` functions here
discharge them by symbolic checks (compositions that reduce to the identity,
polynomial maps, determinants provably nonzero, convexity from a second
derivative proved nonnegative).  A check that does not succeed returns None:
the caller may then cite a stated assumption instead (:func:`~.theorems.assumed`).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Sequence

from sympy import (
    Abs,
    Basic,
    Determinant,
    Expr,
    Function,
    ImmutableMatrix,
    Inverse,
    Integral,
    Lambda,
    Matrix,
    MatrixSymbol,
    Symbol,
    cancel,
    expand,
    latex,
    powsimp,
    log,
)
from sympy.core.function import UndefinedFunction
from sympy.core.relational import Relational

from ..densities import KL, Density
from ..model import Status
from ..inequalities import prove_convex, prove_positive
from ..integrals import evaluate_integrals
from . import ParametricRule, RuleNotApplicable, rule
from .kl import unfold_kl
from .theorems import Discharge, Hypothesis, Theorem, TheoremRule, checked

# -- change of variables --------------------------------------------------------

CHANGE_OF_VARIABLES = Theorem(
    "change of variables",
    r"If $X = g(Y)$ where $g$ is a bijection of $\mathbb{R}^n$ whose inverse $\varphi$ is "
    r"continuously differentiable with $\det D\varphi(x) \neq 0$, then "
    r"$p_X(x) = p_Y(\varphi(x))\,\lvert\det D\varphi(x)\rvert$.",
    (
        Hypothesis("bijective", r"$g$ is a bijection of $\mathbb{R}^n$ with inverse $\varphi$"),
        Hypothesis("differentiable inverse", r"$\varphi$ is continuously differentiable"),
        Hypothesis("Jacobian nonzero", r"$\det D\varphi(x) \neq 0$ for every $x$"),
    ),
)


def change_of_variables(target: Function, x: Sequence[Symbol], source: Density,
                        inverse: Sequence[Expr], discharges: Sequence[Discharge]) -> TheoremRule:
    """``target(x) -> p_Y(φ(x)) |det Dφ(x)|`` for scalar coordinates, ``φ = inverse``.

    ``target`` is the undefined function naming the unknown density (``p_X``);
    the Jacobian of ``φ`` is computed by differentiation.
    """
    x, inverse = tuple(x), tuple(inverse)
    if len(inverse) != len(x) or len(source.variables) != len(x):
        raise ValueError("the inverse map, x and the source density must have the same dimension")
    jacobian = Matrix(inverse).jacobian(Matrix(x)).det()
    replacement = source.at(*inverse) * Abs(jacobian)

    def transform(expr: Basic) -> Basic:
        return expr.xreplace({target(*x): replacement})

    return TheoremRule(CHANGE_OF_VARIABLES, tuple(discharges), transform)


def check_bijective(forward: Sequence[Expr], inverse: Sequence[Expr],
                    y: Sequence[Symbol], x: Sequence[Symbol]) -> Discharge | None:
    """Polynomial ``g`` and ``φ`` with ``φ(g(y)) = y`` and ``g(φ(x)) = x`` identically.

    Both maps are defined everywhere (polynomials), so the two identities make
    ``g`` injective and onto with inverse ``φ``.
    """
    if not all(e.is_polynomial(*y) for e in forward) or not all(e.is_polynomial(*x) for e in inverse):
        return None
    back = [expand(p.xreplace(dict(zip(x, forward))) - v) for p, v in zip(inverse, y)]
    there = [expand(g.xreplace(dict(zip(y, inverse))) - v) for g, v in zip(forward, x)]
    if any(back) or any(there):
        return None
    return checked("bijective", r"polynomial maps with $\varphi \circ g = \mathrm{id}$ and "
                   r"$g \circ \varphi = \mathrm{id}$ (expanded)")


def check_differentiable(inverse: Sequence[Expr], x: Sequence[Symbol]) -> Discharge | None:
    if all(e.is_polynomial(*x) for e in inverse):
        return checked("differentiable inverse", r"$\varphi$ is polynomial, hence smooth")
    return None


def check_jacobian_nonzero(inverse: Sequence[Expr], x: Sequence[Symbol],
                           assumptions: Sequence[Relational] = ()) -> Discharge | None:
    """``det Dφ`` (by differentiation) is provably nonzero for every ``x``.

    ``assumptions`` may constrain parameters only: a condition on ``x`` would prove
    the determinant nonzero on part of the space, not everywhere.
    """
    if any(set(x) & r.free_symbols for r in assumptions):
        raise ValueError("assumptions for the Jacobian may not constrain the variables x")
    determinant = cancel(Matrix(inverse).jacobian(Matrix(x)).det())
    if determinant.is_nonzero or prove_positive(determinant, assumptions) or prove_positive(-determinant, assumptions):
        return checked("Jacobian nonzero", rf"$\det D\varphi = {latex(determinant)}$, provably nonzero")
    return None


def affine_change_of_variables(target: Function, x: MatrixSymbol, source: Density,
                               A: MatrixSymbol, b: MatrixSymbol, discharges: Sequence[Discharge]) -> TheoremRule:
    """``X = AY + b``: ``target(x) -> p_Y(A⁻¹(x - b)) |det A⁻¹|`` over matrix symbols.

    ``Dφ = A⁻¹`` for the affine ``φ(x) = A⁻¹(x - b)`` (its linear part; checked on
    instances by :func:`check_affine`).
    """
    (y,) = source.variables
    if not isinstance(y, MatrixSymbol) or y.shape != x.shape:
        raise ValueError("the source density must be over a matrix symbol of the shape of x")
    replacement = source.at(A.I * (x - b)) * Abs(Determinant(A.I))

    def transform(expr: Basic) -> Basic:
        return expr.xreplace({target(x): replacement})

    return TheoremRule(CHANGE_OF_VARIABLES, tuple(discharges), transform)


def check_affine(A: MatrixSymbol, b: MatrixSymbol, x: MatrixSymbol, y: MatrixSymbol,
                 invertible: str, sizes: Sequence[int] = (1, 2, 3, 4), seed: int = 0) -> tuple[Discharge, ...]:
    """Discharge all three hypotheses for ``g(y) = Ay + b`` with ``A`` declared invertible.

    ``invertible`` cites where ``A``'s invertibility is stated.  Bijectivity: the
    compositions reduce to the identity in SymPy's matrix normal form
    (``A A⁻¹ = I``).  The Jacobian ``Dφ = A⁻¹``: entry ``(i, k)`` is the
    derivative of ``φ_i = Σ_j (A⁻¹)_{ij}(x_j - b_j)`` in ``x_k``, taken for a
    symbolic size (:func:`affine_jacobian_entry`), and ``φ`` is also
    differentiated entrywise on instances (random invertible rational ``A``) at
    ``sizes``.  Without the symbolic derivative the discharge is only
    ``proved-on-instances``.
    """
    n = x.shape[0]
    if (A * (A.I * (x - b)) + b).doit() != x or (A.I * ((A * y + b) - b)).doit() != y:
        raise RuleNotApplicable("the affine compositions do not reduce to the identity")
    rng = random.Random(seed)
    for size in sizes:
        a_value = _random_invertible(size, rng)
        b_value = Matrix([rng.randint(-3, 3) for _ in range(size)])
        coordinates = Matrix(size, 1, lambda i, _: Symbol(f"x_{i + 1}", real=True))
        phi = a_value.inv() * (coordinates - b_value)
        if phi.jacobian(coordinates) != a_value.inv():
            raise RuleNotApplicable(f"Dφ ≠ A⁻¹ at size {size}")
    shown = ", ".join(map(str, sizes))
    i, k = Symbol("i", integer=True), Symbol("k", integer=True)
    symbolic = affine_jacobian_entry(A, b, x, i, k) == Inverse(A)[i, k]
    size = latex(n)
    how = (rf"$\partial\varphi_i/\partial x_k = \partial_{{x_k}} \sum_j (A^{{-1}})_{{ij}}(x_j - b_j) "
           rf"= (A^{{-1}})_{{ik}}$ "
           rf"for a symbolic size ${size}$ (and on instances ${size} \in \{{{shown}\}}$)"
           if symbolic else rf"$D\varphi = A^{{-1}}$ differentiated on instances ${size} \in \{{{shown}\}}$")
    return (
        checked("bijective",
                rf"$A(A^{{-1}}(x - b)) + b = x$ and $A^{{-1}}((Ay + b) - b) = y$, $A$ invertible ({invertible})",
                premises=(invertible,)),
        checked("differentiable inverse", r"$\varphi(x) = A^{-1}(x - b)$ is affine"),
        checked("Jacobian nonzero", rf"{how}; $\det A^{{-1}} = 1/\det A \neq 0$ ({invertible})",
                status=Status.PROVED if symbolic else Status.PROVED_ON_INSTANCES, premises=(invertible,)),
    )


def affine_jacobian_entry(A: MatrixSymbol, b: MatrixSymbol, x: MatrixSymbol, i: Symbol, k: Symbol) -> Expr:
    """``∂φ_i/∂x_k`` for ``φ(x) = A⁻¹(x - b)`` at a symbolic size, by SymPy's entrywise derivative.

    SymPy writes ``φ_i`` as the sum ``Σ_j (A⁻¹)_{ij}(x_j - b_j)`` over ``j`` in
    ``0..n-1`` and its derivative as a sum against a Kronecker delta whose range
    is that of ``k``; summing the delta leaves one entry.
    """
    entry = (Inverse(A) * (x - b))[i, 0]
    return entry.diff(x[k, 0]).doit()


def _random_invertible(n: int, rng: random.Random) -> Matrix:
    while True:
        candidate = Matrix(n, n, lambda i, j: rng.randint(-4, 4))
        if candidate.det() != 0:
            return ImmutableMatrix(candidate)


@dataclass(frozen=True)
class DensityDefinition(ParametricRule):
    """``f(a) -> p(a)`` for every application of ``function``, the name of the density ``p``."""

    function: UndefinedFunction
    density: Density

    def apply(self, expr: Basic) -> Basic:
        return expr.replace(lambda e: getattr(e, "func", None) == self.function and len(e.args) == 1,
                            lambda e: self.density.at(e.args[0]))


def density_definition(function: Function, density: Density, label: str) -> DensityDefinition:
    """``f(a) -> p(a)``, citing where ``f`` is defined (``label``)."""
    (variable,) = density.variables
    return DensityDefinition(f"the density {function}", f"Definition of ${latex(function(variable))}$ ({label}).",
                             function, density)


@rule("evaluate the integral",
      "Exact integration: Gaussian integrals by completing the square, the others through antiderivatives "
      "checked by differentiation; the value expanded.")
def integrate_exactly(expr: Basic) -> Basic:
    return expand(powsimp(expand(evaluate_integrals(expr))))


# -- Jensen's inequality --------------------------------------------------------

JENSEN = Theorem(
    "Jensen's inequality",
    r"For $\varphi$ convex on an interval $I$ and $Z \in I$ almost surely with $Z$ and "
    r"$\varphi(Z)$ integrable: $\mathbb{E}[\varphi(Z)] \geq \varphi(\mathbb{E}[Z])$.",
    (
        Hypothesis("convex", r"$\varphi$ is convex on $I$"),
        Hypothesis("values in the domain", r"$Z \in I$ wherever the density is positive"),
        Hypothesis("integrable", r"$Z$ and $\varphi(Z)$ are integrable"),
    ),
)


def jensen(phi: Lambda, density: Density, z: Expr, discharges: Sequence[Discharge]) -> TheoremRule:
    """``∫ p φ(z) -> φ(∫ p z)`` over the density's support: a ``>=`` step (before >= after).

    The integral must be the whole expression: inside another (under a minus
    sign, say) the bound could point the other way.
    """
    limits = density.limits()
    expected = density.expr * phi(z)

    def transform(expr: Basic) -> Basic:
        if not (isinstance(expr, Integral) and tuple(tuple(l) for l in expr.limits) == limits
                and expand(expr.function - expected) == 0):
            raise RuleNotApplicable(f"{expr} is not the integral of {expected} over the support")
        return phi(Integral(density.expr * z, *limits))

    return TheoremRule(JENSEN, tuple(discharges), transform, relation=">=")


def check_convex(phi: Lambda, domain: Sequence[Relational]) -> Discharge | None:
    """Convexity of ``φ`` on the domain from ``φ'' >= 0`` there, proved symbolically."""
    (t,) = phi.variables
    proved, second = prove_convex(phi.expr, t, domain)
    if not proved:
        return None
    where = ", ".join(f"${latex(r)}$" for r in domain) or "the real line"
    return checked("convex", rf"$\varphi''({latex(t)}) = {latex(second)} \geq 0$ for {where}")


def check_values_in(z: Expr, domain_lower: Expr, assumptions: Sequence[Relational] = ()) -> Discharge | None:
    """``z > domain_lower`` proved (e.g. ``g/f > 0`` for ``I = (0, ∞)``)."""
    if prove_positive(z - domain_lower, assumptions):
        return checked("values in the domain", f"${latex(z)} > {latex(domain_lower)}$ proved")
    return None


# -- KL divergence ----------------------------------------------------------------


@dataclass(frozen=True)
class KLDefinition(ParametricRule):
    """``KL(p, q) -> ∫ p log(p/q)`` over the support of ``p`` (two densities of the same variables)."""

    p: Density
    q: Density

    def apply(self, expr: Basic) -> Basic:
        if self.p.variables != self.q.variables:
            raise RuleNotApplicable(f"{self.p.name} and {self.q.name} are over different variables")
        definition = Integral(self.p.expr * log(self.p.expr / self.q.expr), *self.p.limits())
        return unfold_kl(expr, self.p.expr, self.q.expr, definition)


def kl_definition(p: Density, q: Density) -> KLDefinition:
    """``KL(p, q) -> ∫_{supp p} p log(p/q)`` (finite only when ``q > 0`` wherever ``p > 0``)."""
    if p.variables != q.variables:
        raise ValueError(f"{p.name} and {q.name} are over different variables")
    p.limits()  # scalar variables only: raises NotEvaluable for a density over a matrix symbol
    return KLDefinition(
        "definition of the KL divergence",
        r"$D_{\mathrm{KL}}(p\,\|\,q) = \int_{\operatorname{supp} p} p \log\frac{p}{q}$, "
        r"which requires $q > 0$ wherever $p > 0$.",
        p, q,
    )


__all__ = [
    "CHANGE_OF_VARIABLES", "change_of_variables", "check_bijective", "check_differentiable",
    "check_jacobian_nonzero", "affine_change_of_variables", "check_affine", "affine_jacobian_entry",
    "DensityDefinition", "density_definition", "integrate_exactly",
    "JENSEN", "jensen", "check_convex", "check_values_in", "KLDefinition", "kl_definition",
]
