r"""The KL divergence is nonnegative (Gibbs' inequality), by Jensen's inequality.

Seed problem 5(a).  ``f`` and ``g`` are densities on ``ℝ^d`` with ``g > 0``
wherever ``f > 0``.  The proof, in the order of the transcript:

1. ``D_KL(f‖g) = ∫_{supp f} f log(f/g) = ∫_{supp f} f (-log(g/f))``;
2. Jensen's inequality for the convex ``-log`` (convexity proved from its
   second derivative) against the density ``f`` on ``supp f``: ``≥ -log ∫_{supp f} g``;
3. ``∫_{supp f} g ≤ 1``, so ``-log ∫_{supp f} g ≥ -log 1 = 0``.  The seed
   writes ``= -log 1``, which needs ``∫_{supp f} g = 1``, that is
   ``supp g ⊆ supp f`` up to a null set; the honest step is ``≥``.

Sanity checks on concrete pairs follow: two Gaussians and two discrete
distributions (exact values, both ``≥ 0``), and a pair with ``supp g ⊄ supp f``
where ``-log ∫_{supp f} g`` is ``log 3``, not ``-log 1 = 0``.
"""
from __future__ import annotations

from sympy import Function, GreaterThan, IndexedBase, Integral, Rational, Sum, Symbol, Tuple, log, oo

from ..calc import Calc
from ..densities import KL, kl, normal, support_of, uniform
from ..judge import Context, Definition
from ..model import Assumption, Chain, Derivation, Status
from ..rules.algebra import substitute
from ..rules.densities import integrate_exactly, kl_definition
from ..rules.kl import cancel_density, kl_definition_value, kl_over_support, nonnegative_number, write_out_sum
from ..rules.logs import log_of_one, log_of_reciprocal
from ..verifiers import MINUS_LOG, T, JensenOnRegion, MassOnSubset, PointwiseOnRegion
from .evidence import evidence_overview

NAME = "kl-nonnegative"
TITLE = "The KL divergence is nonnegative"

alpha = Symbol("alpha", real=True)  # a point of R^d
f, g = Function("f"), Function("g")
SUPPORT = support_of("f")

ASSUMPTIONS = (
    Assumption(
        "H1",
        r"$f$ and $g$ are probability densities on $\mathbb{R}^d$ ($f, g \geq 0$, $\int f = \int g = 1$); "
        r"$\alpha$ ranges over $\mathbb{R}^d$ and $\operatorname{supp} f = \{\alpha : f(\alpha) > 0\}$.",
    ),
    Assumption("H2", r"$g(\alpha) > 0$ wherever $f(\alpha) > 0$ (else the divergence is $+\infty$)."),
    Assumption(
        "H3",
        r"$D_{\mathrm{KL}}(f \,\|\, g)$ is finite: $f \log\frac{f}{g}$ is integrable on $\operatorname{supp} f$.",
    ),
    Assumption(
        "D1",
        r"$D_{\mathrm{KL}}(f \,\|\, g) = \int_{\operatorname{supp} f} f(\alpha) \log\frac{f(\alpha)}{g(\alpha)}"
        r"\,\mathrm{d}\alpha$.",
        "definition",
    ),
)

WHY = {
    Status.PROVED: (
        "for every dimension $d$ and every pair of densities satisfying H1--H3: the definition by unfolding, "
        "the rewrites under the integral pointwise on $\\operatorname{supp} f$ (where $f, g > 0$ by H2), and the "
        "two inequalities by cited theorems whose hypotheses are checked (convexity of $-\\log$ from "
        "$(-\\log)''(t) = 1/t^2 \\geq 0$, monotonicity from $(-\\log)'(t) = -1/t < 0$) or taken from H1--H3; "
        "the checks on concrete pairs by exact integration and exact arithmetic"
    ),
}


def derive() -> Derivation:
    p, q = f(alpha), g(alpha)
    definition = Definition("D1", KL(p, q, Tuple(alpha)), kl_definition_value(p, q, alpha, SUPPORT))
    main = _nonnegativity(Context(definitions=(definition,)))
    checks = (_two_gaussians(), _two_discrete(), _support_too_small(Context()))
    chains = (main, *checks)
    return Derivation(
        name=NAME,
        title=TITLE,
        assumptions=ASSUMPTIONS,
        chains=chains,
        result=GreaterThan(main.start, main.end),
        summary=(
            r"Jensen's inequality for the convex $-\log$ against the density $f$ on its support, then "
            r"$\int_{\operatorname{supp} f} g \leq 1$. " + evidence_overview(chains, WHY)
        ),
    )


def _nonnegativity(context: Context) -> Chain:
    p, q = f(alpha), g(alpha)
    on_support = PointwiseOnRegion(context, (f, g), "H2")
    jensen = JensenOnRegion(MINUS_LOG, (T > 0,), p, q / p, alpha, SUPPORT, (f, g), "H2",
                            (("probability density", "H1"), ("integrable", "H1, H3")))
    mass = MassOnSubset(q, (("probability density", "H1"), ("positive mass", "H1, H2")))
    chain = Calc("Nonnegativity", KL(p, q, Tuple(alpha)), context)
    chain.by(kl_over_support(p, q, alpha, SUPPORT))
    chain.by(log_of_reciprocal, verifier=on_support)
    chain.by(jensen.rule, verifier=jensen)
    chain.by(cancel_density, verifier=on_support)
    chain.by(mass.rule, verifier=mass)
    chain.by(log_of_one)
    return chain.done(
        r"So $D_{\mathrm{KL}}(f \,\|\, g) \geq 0$.  The step to $-\log 1$ is an equality exactly when "
        r"$\int_{\operatorname{supp} f} g = 1$, that is when $g = 0$ almost everywhere outside $\operatorname{supp} f$ "
        r"($\operatorname{supp} g \subseteq \operatorname{supp} f$ up to a null set); the seed's "
        r"$-\log\int_{\mathbb{R}^d} \frac{g}{f} f = -\log 1$ assumes it, and the last check below shows it can fail."
    )


def _two_gaussians() -> Chain:
    t = Symbol("t", real=True)
    p, q = normal(t, 0, 1), normal(t, 1, 2)
    definition = Definition("D1", kl(p, q), Integral(p.expr * log(p.expr / q.expr), (t, -oo, oo)))
    chain = Calc(r"Check: $N(0, 1)$ against $N(1, 2^2)$", kl(p, q), Context(definitions=(definition,)))
    chain.by(kl_definition(p, q))
    chain.by(integrate_exactly)
    chain.by(nonnegative_number)
    return chain.done()


def _two_discrete() -> Chain:
    k = Symbol("k", integer=True, positive=True)
    p, q = IndexedBase("p"), IndexedBase("q")
    values = {p[1]: Rational(1, 2), p[2]: Rational(1, 4), p[3]: Rational(1, 4),
              q[1]: Rational(1, 4), q[2]: Rational(1, 4), q[3]: Rational(1, 2)}
    context = Context(definitions=tuple(Definition("C1", entry, value) for entry, value in values.items()))
    chain = Calc(
        r"Check: two distributions on three points", Sum(p[k] * log(p[k] / q[k]), (k, 1, 3)), context,
        premise=r"$p = (\frac{1}{2}, \frac{1}{4}, \frac{1}{4})$ and "
                r"$q = (\frac{1}{4}, \frac{1}{4}, \frac{1}{2})$ (C1); "
                r"the divergence of probability vectors is the sum below (the integral against counting measure).",
    )
    chain.by(write_out_sum)
    chain.by(substitute(values, "the probabilities", "C1."))
    chain.by(nonnegative_number)
    return chain.done()


def _support_too_small(context: Context) -> Chain:
    t = Symbol("t", real=True)
    p, q = uniform(t, 0, 1), uniform(t, -1, 2)
    chain = Calc(
        r"Check: $f = U(0, 1)$, $g = U(-1, 2)$, where $\operatorname{supp} g \not\subseteq \operatorname{supp} f$",
        -log(Integral(q.expr, (t, 0, 1))), context,
        premise=r"Here $\operatorname{supp} f = [0, 1]$ and the last inequality of the proof is strict:",
    )
    chain.by(integrate_exactly)
    return chain.done(
        r"So $-\log\int_{\operatorname{supp} f} g = \log 3 > 0 = -\log 1$: here "
        r"$\int_{\operatorname{supp} f} g = \frac{1}{3} \neq 1$."
    )
