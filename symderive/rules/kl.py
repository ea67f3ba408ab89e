r"""Rules for the Kullback-Leibler divergence of densities in a symbolic dimension.

The integrals are :class:`~symderive.densities.IntegralOver` a named region
(``supp f``, ``ℝ^d``).  Two cited theorems are :class:`~.theorems.TheoremRule`s
whose hypotheses must be discharged: Jensen's inequality for a probability
density on a region, and the bound ``-log ∫_S g ≥ -log 1`` for the mass of a
density on a subset.  The rest are rewrites the verifiers check (pointwise on
the region, or by exact integration on instances).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from sympy import Basic, Expr, Indexed, Integer, Lambda, Mul, Product, S, Sum, Symbol, Tuple, expand, latex, log
from sympy.core.relational import GreaterThan, LessThan, Relational, StrictGreaterThan, StrictLessThan

from ..densities import KL, IntegralOver, Region
from ..inequalities import prove_nonnegative, prove_positive
from . import ParametricRule, Rule, RuleNotApplicable, rule
from .theorems import Discharge, Hypothesis, Theorem, TheoremRule, checked


def unfold_kl(expr: Basic, p: Expr, q: Expr, definition: Expr) -> Basic:
    """Every ``D_KL(p‖q)`` in ``expr`` replaced by ``definition`` (whichever integral defines it)."""
    return expr.replace(lambda e: isinstance(e, KL) and e.args[0] == p and e.args[1] == q, lambda e: definition)


@dataclass(frozen=True)
class KLOverSupport(ParametricRule):
    """``D_KL(p‖q) -> ∫_{support} p log(p/q) d(variable)``, the support a named region."""

    p: Expr
    q: Expr
    variable: Basic
    support: Region

    def apply(self, expr: Basic) -> Basic:
        return unfold_kl(expr, self.p, self.q, kl_definition_value(self.p, self.q, self.variable, self.support))


def kl_over_support(p: Expr, q: Expr, variable: Basic, support: Region) -> KLOverSupport:
    """``D_KL(p‖q) -> ∫_{supp p} p log(p/q)``."""
    return KLOverSupport(
        "definition of the KL divergence",
        r"$D_{\mathrm{KL}}(p\,\|\,q) = \int_{\operatorname{supp} p} p \log\frac{p}{q}$, "
        r"finite only when $q > 0$ wherever $p > 0$.",
        p, q, variable, support,
    )


def kl_definition_value(p: Expr, q: Expr, variable: Basic, support: Region) -> Expr:
    """The right side of the definition (for the verifier that unfolds it)."""
    return IntegralOver(p * log(p / q), variable, support)


# -- Jensen's inequality against a density on a region ------------------------------

JENSEN_ON_A_REGION = Theorem(
    "Jensen's inequality",
    r"For a probability density $f$ on a region $S$ ($f \geq 0$, $\int_S f = 1$), $\varphi$ convex on an "
    r"interval $I$, and $Z(\alpha) \in I$ for $\alpha \in S$ with $Z$ and $\varphi(Z)$ integrable against $f$: "
    r"$\int_S f\,\varphi(Z) \geq \varphi\left(\int_S f Z\right)$.",
    (
        Hypothesis("probability density", r"$f \geq 0$ and $\int_S f = 1$"),
        Hypothesis("convex", r"$\varphi$ is convex on $I$"),
        Hypothesis("values in the domain", r"$Z(\alpha) \in I$ for $\alpha \in S$"),
        Hypothesis("integrable", r"$Z$ and $\varphi(Z)$ are integrable against $f$"),
    ),
)


def jensen_on_region(phi: Lambda, density: Expr, z: Expr, region: Region,
                     discharges: Sequence[Discharge]) -> TheoremRule:
    """``∫_S f φ(z) -> φ(∫_S f·z)`` for the integral over ``S = region`` whose integrand is ``f φ(z)``.

    The integral must be the whole expression: inside another (under a minus
    sign, say) the bound could point the other way.  ``f·z`` is kept
    unevaluated, so the reader sees the expectation of ``z`` before the density cancels.
    """
    expected = density * phi(z)

    def transform(expr: Basic) -> Basic:
        if not (isinstance(expr, IntegralOver) and expr.region == region
                and expand(expr.integrand - expected) == 0):
            raise RuleNotApplicable(f"{expr} is not an integral over {region.name} of {expected}")
        return phi(IntegralOver(Mul(density, z, evaluate=False), expr.variable, expr.region))

    return TheoremRule(JENSEN_ON_A_REGION, tuple(discharges), transform, relation=">=")


def check_values_in_domain(z: Expr, phi: Lambda, domain: Sequence[Relational], values: Mapping[Basic, Basic],
                           because: str) -> Discharge | None:
    """``z`` satisfies every relation of ``φ``'s domain, proved with the densities' values on the region
    replaced by positive unknowns.

    ``values`` maps each application (``f(α)``) to a positive symbol; ``because``
    cites the hypothesis that makes them positive on the region.
    """
    (t,) = phi.variables
    if not domain or not all(_holds(relation.xreplace({t: z.xreplace(dict(values))})) for relation in domain):
        return None
    where = ", ".join(f"${latex(r)}$" for r in domain)
    return checked("values in the domain", f"{where} at ${latex(t)} = {latex(z)}$ on the region, since the "
                                           f"densities are positive there ({because})", premises=(because,))


def _holds(relation: Basic) -> bool:
    """A relation ``a > b``, ``a >= b``, ``a < b`` or ``a <= b`` proved (structurally) for every value."""
    if relation is S.true:
        return True
    if not isinstance(relation, (StrictGreaterThan, GreaterThan, StrictLessThan, LessThan)):
        return False
    gap = relation.lhs - relation.rhs if isinstance(relation, (StrictGreaterThan, GreaterThan)) \
        else relation.rhs - relation.lhs
    strict = isinstance(relation, (StrictGreaterThan, StrictLessThan))
    return prove_positive(gap) if strict else prove_nonnegative(gap)


# -- the mass of a density on a subset -------------------------------------------------

MASS_ON_A_SUBSET = Theorem(
    "mass on a subset",
    r"If $g \geq 0$ and $\int_{\mathbb{R}^d} g = 1$, then $\int_S g \leq 1$ for $S \subseteq \mathbb{R}^d$; when "
    r"$\int_S g > 0$, as $-\log$ is decreasing on $(0, \infty)$, $-\log\int_S g \geq -\log 1$, with equality "
    r"exactly when $\int_S g = 1$ (for instance when $\operatorname{supp} g \subseteq S$).",
    (
        Hypothesis("probability density", r"$g \geq 0$ and $\int_{\mathbb{R}^d} g = 1$"),
        Hypothesis("positive mass", r"$\int_S g > 0$"),
        Hypothesis("decreasing", r"$-\log$ is decreasing on $(0, \infty)$"),
    ),
)


def mass_at_most_one(density: Expr, discharges: Sequence[Discharge]) -> TheoremRule:
    """``-log ∫_S g -> -log 1`` (a ``>=`` step; ``log 1`` kept unevaluated).

    The expression must be exactly ``-log ∫_S g``: elsewhere (``log ∫_S g``) the bound points the other way.
    """

    def transform(expr: Basic) -> Basic:
        inner = (-expr).args[0] if isinstance(-expr, log) else None
        if not (isinstance(inner, IntegralOver) and inner.integrand == density):
            raise RuleNotApplicable(f"{expr} is not -log of an integral of {density}")
        return -log(Integer(1), evaluate=False)

    return TheoremRule(MASS_ON_A_SUBSET, tuple(discharges), transform, relation=">=")


def check_decreasing(phi: Lambda, domain: Sequence) -> Discharge | None:
    """``φ' < 0`` on the domain, proved: ``φ`` is decreasing there."""
    (t,) = phi.variables
    slope = phi.expr.diff(t)
    if prove_positive(-slope, domain):
        where = ", ".join(f"${latex(r)}$" for r in domain)
        return checked("decreasing", rf"$\varphi'({latex(t)}) = {latex(slope)} < 0$ for {where}")
    return None


# -- rewrites -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LogOfProductRatio(ParametricRule):
    """``log(Π_j a_j / Π_j b_j) -> Σ_i log(a_i / b_i)`` with ``i = index`` (fresh, so no product shares it)."""

    index: Symbol

    def apply(self, expr: Basic) -> Basic:
        def split(node: log) -> Expr:
            numerator, denominator = node.args[0].as_numer_denom()
            if not (isinstance(numerator, Product) and isinstance(denominator, Product)
                    and numerator.limits == denominator.limits and len(numerator.limits) == 1):
                return node
            j, lower, upper = numerator.limits[0]
            ratio = (numerator.function / denominator.function).xreplace({j: self.index})
            return Sum(log(ratio), (self.index, lower, upper))

        return expr.replace(lambda e: isinstance(e, log), split)


def log_of_product_ratio(index: Symbol) -> LogOfProductRatio:
    return LogOfProductRatio(
        "logarithm of a product",
        r"$\log\frac{\prod_j a_j}{\prod_j b_j} = \sum_i \log\frac{a_i}{b_i}$ for $a_j, b_j > 0$ "
        r"(finitely many factors; on $\operatorname{supp} f$ every $f_j > 0$, and $g_j > 0$ by H2).",
        index,
    )


@rule("cancel the density", r"$f \cdot \frac{g}{f} = g$ where $f > 0$, that is on $\operatorname{supp} f$.")
def cancel_density(expr: Basic) -> Basic:
    return expr.replace(lambda e: isinstance(e, IntegralOver), lambda e: e.func(
        Mul(*e.integrand.args) if isinstance(e.integrand, Mul) else e.integrand, e.variable, e.region))


@rule("linearity of the integral",
      r"$\int f \sum_i h_i = \sum_i \int f h_i$ for a finite sum of integrable terms.")
def integral_of_sum(expr: Basic) -> Basic:
    def split(node: IntegralOver) -> Expr:
        for factor in Mul.make_args(node.integrand):
            if isinstance(factor, Sum) and len(factor.limits) == 1:
                rest = node.integrand / factor
                index = factor.limits[0][0]
                if index in rest.free_symbols:
                    raise RuleNotApplicable(f"the summation index {index} appears outside the sum")
                return Sum(IntegralOver(rest * factor.function, node.variable, node.region), *factor.limits)
        return node

    return expr.replace(lambda e: isinstance(e, IntegralOver), split)


@dataclass(frozen=True)
class Marginalise(ParametricRule):
    r"""``∫ Π_j f_j(x_j) h(x_i) dx -> ∫ f_i(x_i) h(x_i) dx_i`` over ``own = supp f_i``, ``i = factor_index``.

    The integrand must be a product over ``j`` times a function of the one
    coordinate ``x_i`` (checked: ``h`` involves no other coordinate).
    """

    factor_index: Symbol
    own: Region

    def apply(self, expr: Basic) -> Basic:
        return expr.replace(lambda e: isinstance(e, IntegralOver), self._integrate_out)

    def _integrate_out(self, node: IntegralOver) -> Expr:
        products = [f for f in Mul.make_args(node.integrand) if isinstance(f, Product)]
        if len(products) != 1 or len(products[0].limits) != 1:
            return node
        product = products[0]
        j = product.limits[0][0]
        rest = node.integrand / product
        coordinate = node.variable[self.factor_index]
        others = {e for e in rest.atoms(Indexed) if e.base == node.variable and e != coordinate}
        if others:
            raise RuleNotApplicable(f"{rest} depends on other coordinates than {coordinate}")
        marginal = product.function.xreplace({j: self.factor_index})
        return IntegralOver(marginal * rest, coordinate, self.own)


def marginalise(factor_index: Symbol, own: Region) -> Marginalise:
    return Marginalise(
        "marginalisation",
        r"Fubini's theorem for the integrable $\prod_j f_j(x_j)\,h(x_i)$, then $\int f_j = 1$ for every $j \neq i$: "
        r"$\int_{\mathbb{R}^d} \prod_j f_j(x_j)\, h(x_i)\,\mathrm{d}x = \int f_i(x_i)\, h(x_i)\,\mathrm{d}x_i$.",
        factor_index, own,
    )


@dataclass(frozen=True)
class KLOfMarginals(ParametricRule):
    """``∫_{support} p log(p/q) d(variable) -> D_KL(p‖q)``: the definition read backwards."""

    p: Expr
    q: Expr
    variable: Basic
    support: Region

    def apply(self, expr: Basic) -> Basic:
        definition = kl_definition_value(self.p, self.q, self.variable, self.support)
        return expr.xreplace({definition: KL(self.p, self.q, Tuple(self.variable))})


def kl_of_marginals(p: Expr, q: Expr, variable: Basic, support: Region) -> KLOfMarginals:
    """``∫_{supp p} p log(p/q) -> D_KL(p‖q)``: the definition read backwards."""
    return KLOfMarginals(
        "definition of the KL divergence",
        r"$\int_{\operatorname{supp} p} p \log\frac{p}{q} = D_{\mathrm{KL}}(p\,\|\,q)$, read backwards.",
        p, q, variable, support,
    )


@rule("write out the sum", r"A sum over finitely many indices, written term by term.")
def write_out_sum(expr: Basic) -> Basic:
    return expr.replace(lambda e: isinstance(e, Sum) and all(l[1].is_Integer and l[2].is_Integer for l in e.limits),
                        lambda e: e.doit())


nonnegative_number = Rule(
    "a nonnegative number", "The value is a nonnegative real number (a bound, checked by the judge).",
    lambda expr: S.Zero, relation=">=",
)

__all__ = [
    "unfold_kl", "KLOverSupport", "LogOfProductRatio", "Marginalise", "KLOfMarginals",
    "kl_over_support", "kl_definition_value", "JENSEN_ON_A_REGION", "jensen_on_region", "check_values_in_domain",
    "MASS_ON_A_SUBSET", "mass_at_most_one", "check_decreasing", "cancel_density", "integral_of_sum",
    "log_of_product_ratio", "marginalise", "kl_of_marginals", "write_out_sum", "nonnegative_number",
]
