r"""Rules for the Kullback-Leibler divergence of densities in a symbolic dimension.

The integrals are :class:`~symderive.densities.IntegralOver` a named region
(``supp f``, ``ℝ^d``).  Two cited theorems are :class:`~.theorems.TheoremRule`s
whose hypotheses must be discharged: Jensen's inequality for a probability
density on a region, and the bound ``-log ∫_S g ≥ -log 1`` for the mass of a
density on a subset.  The rest are rewrites the verifiers check (pointwise on
the region, or by exact integration on instances).
"""
from __future__ import annotations

from typing import Sequence

from sympy import Basic, Expr, Indexed, Integer, Lambda, Mul, Product, S, Sum, Symbol, Tuple, expand, latex, log

from ..densities import KL, IntegralOver, Region
from ..inequalities import prove_positive
from . import Rule, RuleNotApplicable, rule
from .theorems import Discharge, Hypothesis, Theorem, TheoremRule, checked


def kl_over_support(p: Expr, q: Expr, variable: Basic, support: Region) -> Rule:
    """``D_KL(p‖q) -> ∫_{supp p} p log(p/q)``."""
    definition = IntegralOver(p * log(p / q), variable, support)

    def unfold(expr: Basic) -> Basic:
        return expr.replace(lambda e: isinstance(e, KL) and e.args[0] == p and e.args[1] == q, lambda e: definition)

    return Rule(
        "definition of the KL divergence",
        r"$D_{\mathrm{KL}}(p\,\|\,q) = \int_{\operatorname{supp} p} p \log\frac{p}{q}$, "
        r"finite only when $q > 0$ wherever $p > 0$.",
        unfold,
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
    """``∫_S f φ(z) -> φ(∫_S f·z)`` for the integrals over ``S = region`` whose integrand is ``f φ(z)``.

    ``f·z`` is kept unevaluated, so the reader sees the expectation of ``z``
    before the density cancels.
    """
    expected = density * phi(z)

    def transform(expr: Basic) -> Basic:
        def matches(node: Basic) -> bool:
            return (isinstance(node, IntegralOver) and node.region == region
                    and expand(node.integrand - expected) == 0)

        return expr.replace(matches, lambda node: phi(IntegralOver(Mul(density, z, evaluate=False),
                                                                   node.variable, node.region)))

    return TheoremRule(JENSEN_ON_A_REGION, tuple(discharges), transform, relation=">=")


def check_values_positive(z: Expr, values: dict, because: str) -> Discharge | None:
    """``z > 0`` on the region, proved with the densities' values there replaced by positive unknowns.

    ``values`` maps each application (``f(α)``) to a positive symbol; ``because``
    cites the hypothesis that makes them positive on the region.
    """
    if prove_positive(z.xreplace(values)):
        return checked("values in the domain", f"${latex(z)} > 0$ on the region, since the densities are "
                                               f"positive there ({because})", premises=(because,))
    return None


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
    """``-log ∫_S g -> -log 1`` (a ``>=`` step; ``log 1`` kept unevaluated)."""

    def transform(expr: Basic) -> Basic:
        return expr.replace(
            lambda e: isinstance(e, log) and isinstance(e.args[0], IntegralOver) and e.args[0].integrand == density,
            lambda e: log(Integer(1), evaluate=False),
        )

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


def log_of_product_ratio(index: Symbol) -> Rule:
    """``log(Π_j a_j / Π_j b_j) -> Σ_i log(a_i / b_i)`` (a fresh index, so no product shares it)."""

    def split(node: log) -> Expr:
        numerator, denominator = node.args[0].as_numer_denom()
        if not (isinstance(numerator, Product) and isinstance(denominator, Product)
                and numerator.limits == denominator.limits and len(numerator.limits) == 1):
            return node
        j, lower, upper = numerator.limits[0]
        ratio = (numerator.function / denominator.function).xreplace({j: index})
        return Sum(log(ratio), (index, lower, upper))

    return Rule(
        "logarithm of a product",
        r"$\log\frac{\prod_j a_j}{\prod_j b_j} = \sum_i \log\frac{a_i}{b_i}$ for $a_j, b_j > 0$ "
        r"(finitely many factors; on $\operatorname{supp} f$ every $f_j > 0$, and $g_j > 0$ by H2).",
        lambda expr: expr.replace(lambda e: isinstance(e, log), split),
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


def marginalise(factor_index: Symbol, own: Region) -> Rule:
    r"""``∫ Π_j f_j(x_j) h(x_i) dx -> ∫ f_i(x_i) h(x_i) dx_i`` over ``own = supp f_i``.

    The integrand must be a product over ``j`` times a function of the one
    coordinate ``x_i`` (checked: ``h`` involves no other coordinate).
    """

    def integrate_out(node: IntegralOver) -> Expr:
        products = [f for f in Mul.make_args(node.integrand) if isinstance(f, Product)]
        if len(products) != 1 or len(products[0].limits) != 1:
            return node
        product = products[0]
        j = product.limits[0][0]
        rest = node.integrand / product
        coordinate = node.variable[factor_index]
        others = {e for e in rest.atoms(Indexed) if e.base == node.variable and e != coordinate}
        if others:
            raise RuleNotApplicable(f"{rest} depends on other coordinates than {coordinate}")
        marginal = product.function.xreplace({j: factor_index})
        return IntegralOver(marginal * rest, coordinate, own)

    return Rule(
        "marginalisation",
        r"Fubini's theorem for the integrable $\prod_j f_j(x_j)\,h(x_i)$, then $\int f_j = 1$ for every $j \neq i$: "
        r"$\int_{\mathbb{R}^d} \prod_j f_j(x_j)\, h(x_i)\,\mathrm{d}x = \int f_i(x_i)\, h(x_i)\,\mathrm{d}x_i$.",
        lambda expr: expr.replace(lambda e: isinstance(e, IntegralOver), integrate_out),
    )


def kl_of_marginals(p: Expr, q: Expr, variable: Basic, support: Region) -> Rule:
    """``∫_{supp p} p log(p/q) -> D_KL(p‖q)``: the definition read backwards."""
    definition = IntegralOver(p * log(p / q), variable, support)
    return Rule(
        "definition of the KL divergence",
        r"$\int_{\operatorname{supp} p} p \log\frac{p}{q} = D_{\mathrm{KL}}(p\,\|\,q)$, read backwards.",
        lambda expr: expr.xreplace({definition: KL(p, q, Tuple(variable))}),
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
    "kl_over_support", "kl_definition_value", "JENSEN_ON_A_REGION", "jensen_on_region", "check_values_positive",
    "MASS_ON_A_SUBSET", "mass_at_most_one", "check_decreasing", "cancel_density", "integral_of_sum",
    "log_of_product_ratio", "marginalise", "kl_of_marginals", "write_out_sum", "nonnegative_number",
]
