r"""The KL divergence of independent coordinates is the sum of the coordinates' divergences.

Seed problem 5(b).  ``f(x) = Π_j f_j(x_j)`` and ``g(x) = Π_j g_j(x_j)`` on
``ℝ^d`` (independent coordinates), ``d`` symbolic.  The proof, in the order of
the transcript: the definition; the logarithm of a product as a sum; linearity
of the integral; marginalisation (Fubini, then ``∫ f_j = 1`` for ``j ≠ i``); the
definition again, for each coordinate.

The middle steps are about arbitrary marginal densities in a symbolic
dimension; they are checked by exact integration at ``d = 2`` and ``d = 3``
with concrete families (Gaussian, exponential, Laplace) put in for the
marginals.
"""
from __future__ import annotations

from sympy import IndexedBase, Product, Symbol, Tuple

from ..calc import Calc
from ..densities import KL, ProductInstances, exponential, indexed_function, laplace, normal, support_of
from ..judge import Context, Definition
from ..model import Assumption, Derivation, Status
from ..rules.kl import (
    integral_of_sum,
    kl_definition_value,
    kl_of_marginals,
    kl_over_support,
    log_of_product_ratio,
    marginalise,
)
from ..verifiers import OnProductInstances
from .evidence import evidence_overview

NAME = "kl-additive"
TITLE = "The KL divergence of independent coordinates is additive"

d = Symbol("d", integer=True, positive=True)
i, j = Symbol("i", integer=True, positive=True), Symbol("j", integer=True, positive=True)
x = IndexedBase("x", real=True)
f, g = indexed_function("f"), indexed_function("g")
F, G = Product(f(j, x[j]), (j, 1, d)), Product(g(j, x[j]), (j, 1, d))
SUPPORT = support_of("f")
MARGINAL_SUPPORT = support_of("f_i")

t = Symbol("t", real=True)
FAMILIES = (
    (normal(t, 0, 1), normal(t, 1, 2)),
    (exponential(t, 2), exponential(t, 3)),
    (laplace(t, 0, 1), laplace(t, 1, 2)),
)
FAMILY_NAMES = (r"$(f_j, g_j) = (N(0, 1), N(1, 2^2))$, $(\mathrm{Exp}(2), \mathrm{Exp}(3))$, "
                r"$(\mathrm{Laplace}(0, 1), \mathrm{Laplace}(1, 2))$")
INSTANCES = ProductInstances(f, g, x, d, FAMILIES)

ASSUMPTIONS = (
    Assumption(
        "H1",
        r"$X$ and $Y$ have independent coordinates: $f(x) = \prod_{j=1}^d f_j(x_j)$ and "
        r"$g(x) = \prod_{j=1}^d g_j(x_j)$ with probability densities $f_j$, $g_j$ on $\mathbb{R}$, so "
        r"$\int f_j = 1$ and $\operatorname{supp} f = \prod_j \operatorname{supp} f_j$.",
    ),
    Assumption("H2", r"$g_j > 0$ wherever $f_j > 0$, for every $j$."),
    Assumption("H3", r"Every $D_{\mathrm{KL}}(f_j \,\|\, g_j)$ is finite (so $f \log\frac{f}{g}$ is integrable)."),
    Assumption(
        "D1",
        r"$D_{\mathrm{KL}}(p \,\|\, q) = \int_{\operatorname{supp} p} p \log\frac{p}{q}$, in any dimension.",
        "definition",
    ),
)

WHY = {
    Status.PROVED: "for a symbolic $d$: the definition D1 unfolded and folded back",
    Status.PROVED_ON_INSTANCES: (
        r"only at $d = 2$ and $d = 3$, by exact integration with concrete marginals " + FAMILY_NAMES +
        r" put in for $j = 1, 2, 3$: the steps hold for arbitrary densities (the rules cite Fubini's theorem and "
        r"$\int f_j = 1$), but the judge has no integrals over $\mathbb{R}^d$ of unknown functions for a symbolic $d$, "
        r"so this is evidence at those sizes and families, not a proof"
    ),
}


def derive() -> Derivation:
    joint = Definition("D1", KL(F, G, Tuple(x)), kl_definition_value(F, G, x, SUPPORT))
    marginal = Definition("D1", KL(f(i, x[i]), g(i, x[i]), Tuple(x[i])),
                          kl_definition_value(f(i, x[i]), g(i, x[i]), x[i], MARGINAL_SUPPORT))
    instances = OnProductInstances(INSTANCES, (2, 3), ("H1", "H2", "H3"))
    chain = Calc("Additivity", KL(F, G, Tuple(x)), Context(definitions=(joint, marginal)))
    chain.by(kl_over_support(F, G, x, SUPPORT))
    chain.by(log_of_product_ratio(i), verifier=instances)
    chain.by(integral_of_sum, verifier=instances)
    chain.by(marginalise(i, MARGINAL_SUPPORT), verifier=instances)
    chain.by(kl_of_marginals(f(i, x[i]), g(i, x[i]), x[i], MARGINAL_SUPPORT))
    chains = (chain.done(),)
    return Derivation(
        name=NAME,
        title=TITLE,
        assumptions=ASSUMPTIONS,
        chains=chains,
        result=chain.current,
        result_statement=r"D_{\mathrm{KL}}(X \,\|\, Y)",
        summary=(
            r"The logarithm of the product of the ratios $f_j/g_j$ is the sum of their logarithms, and integrating "
            r"out the other coordinates leaves one divergence per coordinate. " + evidence_overview(chains, WHY)
        ),
    )
