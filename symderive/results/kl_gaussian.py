r"""The KL divergence between two Gaussians in ``ℝ^d``, in closed form.

Seed problem 6.  ``X ~ N(μ0, Σ0)`` with density ``f`` and ``Y ~ N(μ1, Σ1)``
with density ``g``, ``Σ0`` and ``Σ1`` symmetric positive definite ``d × d``.
The proof, in the order of the transcript:

1. a lemma, derived by rules: ``E[(x - m)ᵀM(x - m)] = tr(MΣ0) + (μ0 - m)ᵀM(μ0 - m)``
   for ``x ~ N(μ0, Σ0)`` and constant ``M``, ``m`` (a 1x1 matrix is its
   trace, cyclicity, ``E`` through the trace, linearity, ``E[xxᵀ] = Σ0 + μ0μ0ᵀ``);
2. ``D_KL = E[-log(g(x)/f(x))]``: the two densities, the logarithm of their
   positive factors, linearity of the expectation, the lemma twice,
   ``tr(Σ0⁻¹Σ0) = d``;
3. the corollary for ``N(μ, diag(σ²))`` against ``N(0, I)`` (the VAE term).

The tests check the result against the definition integrated exactly at
``d = 1`` (symbolic parameters) and at ``d = 2, 3`` (random rational SPD
matrices), and ``symderive crosscheck kl-gaussian`` against torch.
"""
from __future__ import annotations

from sympy import (
    Determinant,
    Function,
    Identity,
    ImmutableMatrix,
    IndexedBase,
    Lambda,
    MatMul,
    MatrixSymbol,
    Product,
    Sum,
    Symbol,
    Trace,
    Transpose,
    ZeroMatrix,
    log,
)
from sympy.matrices.expressions.matexpr import MatrixElement

from ..calc import Calc
from ..densities import multivariate_normal
from ..judge import Context
from ..matrices import MatrixFacts
from ..model import Assumption, Chain, Derivation, Status
from ..randomvars import Expect
from ..randomvectors import RandomVector, VectorModel
from ..rules.algebra import substitute
from ..rules.densities import density_definition
from ..rules.gaussians import (
    collect_quadratic_form,
    difference_with_itself,
    drop_identity_factor,
    expectation_of_transpose,
    identity_matrix,
    in_coordinates,
    inverse_times_matrix,
    linearity_of_scalar_expectation,
    one_by_one_as_trace,
    quadratic,
    quadratic_form_is_even,
    quadratic_form_of_zero,
    take_out_one_half,
    trace_of_identity,
)
from ..rules.lemmas import use_lemma
from ..rules.logs import (
    difference_of_logarithms,
    expand_logarithms,
    log_of_product_as_sum,
    log_of_quotient,
    sums_into_one_sum,
)
from ..rules.matrices import trace_cyclicity, trace_linearity
from ..rules.randomvectors import (
    expectation_through_trace,
    linearity_of_matrix_expectation,
    mean_of_random_vector,
    second_moment_of_random_vector,
)
from ..verifiers import (
    Unfolding,
    by_definitions,
    by_lemma,
    expectation_on_instances,
    on_explicit_instances,
    pointwise_under_expectation,
)
from .evidence import evidence_overview

NAME = "kl-gaussian"
TITLE = "The KL divergence between two Gaussian distributions"

d = Symbol("d", integer=True, positive=True)
Sigma_0, Sigma_1 = MatrixSymbol("Sigma_0", d, d), MatrixSymbol("Sigma_1", d, d)
mu_0, mu_1, x = MatrixSymbol("mu_0", d, 1), MatrixSymbol("mu_1", d, 1), MatrixSymbol("x", d, 1)
M, m = MatrixSymbol("M", d, d), MatrixSymbol("m", d, 1)  # the lemma's generic constants
f, g = Function("f", positive=True), Function("g", positive=True)  # Gaussian densities are positive
k = Symbol("k", integer=True, positive=True)
sigma, nu = IndexedBase("sigma", positive=True), IndexedBase("nu", real=True)  # coordinates (corollary)

FACTS = MatrixFacts(positive_definite=frozenset({Sigma_0, Sigma_1}))
MODEL = VectorModel((RandomVector(x, mu_0, Sigma_0),), cites="H1")
P0, P1 = multivariate_normal(x, mu_0, Sigma_0), multivariate_normal(x, mu_1, Sigma_1)
DENSITIES = (Unfolding("D2", f, Lambda(x, P0.expr)), Unfolding("D2", g, Lambda(x, P1.expr)))
LEMMA = "expected quadratic form"

ASSUMPTIONS = (
    Assumption(
        "H1",
        r"$X \sim N(\mu_0, \Sigma_0)$ and $Y \sim N(\mu_1, \Sigma_1)$ in $\mathbb{R}^d$, with "
        r"$\Sigma_0$, $\Sigma_1$ symmetric positive definite; $x$ denotes a random vector with the law of $X$ "
        r"(every $\mathbb{E}$ below is over $x \sim N(\mu_0, \Sigma_0)$).",
    ),
    Assumption(
        "D1",
        r"$D_{\mathrm{KL}}(X \,\|\, Y) = \int_{\mathbb{R}^d} f \log\frac{f}{g} = "
        r"\mathbb{E}\left[-\log\frac{g(x)}{f(x)}\right]$.",
        "definition",
    ),
    Assumption(
        "D2",
        r"$f(x) = (2\pi)^{-d/2} (\det\Sigma_0)^{-1/2} e^{-\frac{1}{2}(x - \mu_0)^\top\Sigma_0^{-1}(x - \mu_0)}$ "
        r"and $g$ likewise with $\mu_1$, $\Sigma_1$: the densities of $X$ and $Y$.",
        "definition",
    ),
)

WHY = {
    Status.PROVED: (
        "for a symbolic dimension $d$, by the judge's noncommutative normal form (traces, inverses, "
        "quadratic forms), by unfolding the definitions, or by symbolic simplification of sums"
    ),
    Status.PROVED_ON_INSTANCES: (
        r"exactly at dimensions $d \le 12$ with random rational matrices: expectations of a random vector "
        "are computed from exact Gaussian moments at concrete sizes (there is no symbolic moment calculus "
        r"for a vector of symbolic dimension), and identities under $\log$ and $\exp$ of matrix expressions are "
        "outside the normal form, so they are evaluated exactly on instances; a step using the lemma is as "
        r"strong as the lemma; writing the diagonal covariance in coordinates is checked at $d \le 4$ with "
        "symbolic entries"
    ),
}


def derive() -> Derivation:
    context = Context(matrix_facts=FACTS, vector_model=MODEL)
    lemma = _expected_quadratic_form(context)
    divergence = _divergence(context, lemma)
    vae = _standard_normal_prior(divergence.end)
    chains = (lemma, divergence, vae)
    return Derivation(
        name=NAME,
        title=TITLE,
        assumptions=ASSUMPTIONS,
        chains=chains,
        result=divergence.end,
        result_statement=r"D_{\mathrm{KL}}(X \,\|\, Y)",
        summary=(
            r"The divergence is an expectation over $x \sim N(\mu_0, \Sigma_0)$ of a difference of quadratic "
            r"forms; a lemma gives their expectations. " + evidence_overview(chains, WHY)
        ),
    )


def _expected_quadratic_form(context: Context) -> Chain:
    pointwise = pointwise_under_expectation(context)
    chain = Calc(
        f"Lemma ({LEMMA})", Expect(quadratic(x - m, M)), context,
        premise=r"For $x \sim N(\mu_0, \Sigma_0)$ (H1), a constant $d \times d$ matrix $M$ and a constant "
                r"$m \in \mathbb{R}^d$:",
    )
    chain.by(one_by_one_as_trace, verifier=pointwise)
    chain.by(trace_cyclicity(1), verifier=pointwise)
    chain.by(expectation_through_trace)
    chain.by(linearity_of_matrix_expectation(MODEL))
    chain.by(expectation_of_transpose)
    chain.by(second_moment_of_random_vector(MODEL))
    chain.by(mean_of_random_vector(MODEL))
    chain.by(trace_linearity)
    chain.by(trace_cyclicity(2))
    chain.by(collect_quadratic_form(mu_0, m, M))
    return chain.done()


def _divergence(context: Context, lemma: Chain) -> Chain:
    pointwise = pointwise_under_expectation(context)
    chain = Calc(
        "The divergence", Expect(-log(g(x) / f(x))), context,
        premise=r"By definition D1, $D_{\mathrm{KL}}(X \,\|\, Y)$ is the expectation below.",
    )
    chain.by(density_definition(g, P1, "D2"), verifier=by_definitions(context, *DENSITIES))
    chain.by(density_definition(f, P0, "D2"), verifier=by_definitions(context, *DENSITIES))
    chain.by(expand_logarithms, verifier=pointwise)
    chain.by(difference_of_logarithms, verifier=pointwise)
    chain.by(linearity_of_scalar_expectation(MODEL), verifier=expectation_on_instances(context))
    uses = ({M: Sigma_1.I, m: mu_1}, {M: Sigma_0.I, m: mu_0})
    chain.by(use_lemma(lemma, uses, LEMMA), verifier=by_lemma(lemma, uses, LEMMA))
    chain.by(difference_with_itself)
    chain.by(quadratic_form_of_zero)
    chain.by(inverse_times_matrix(FACTS))
    chain.by(trace_of_identity)
    chain.by(quadratic_form_is_even(mu_1 - mu_0))
    chain.by(take_out_one_half)
    return chain.done()


def _standard_normal_prior(result) -> Chain:
    """``N(μ, diag(σ²))`` against ``N(0, I)``: the KL term of a variational autoencoder."""
    context = Context(matrix_facts=FACTS)
    prior = (Unfolding("C1", Sigma_1, Identity(d)), Unfolding("C1", mu_1, ZeroMatrix(d, 1)))
    chain = Calc(
        r"Corollary: a diagonal Gaussian against $N(0, I)$", result, context,
        premise=(r"Take $\Sigma_1 = I_d$, $\mu_1 = 0$ (C1), and $\Sigma_0 = \operatorname{diag}(\sigma_1^2, \dots, "
                 r"\sigma_d^2)$ with $\sigma_k > 0$, $\mu_0 = (\nu_1, \dots, \nu_d)^\top$, "
                 r"written in coordinates (C2)."),
    )
    chain.by(substitute({Sigma_1: Identity(d), mu_1: ZeroMatrix(d, 1)}, "the special case", "C1."),
             verifier=by_definitions(context, *prior))
    chain.by(identity_matrix)
    chain.by(quadratic_form_is_even(mu_0))
    chain.by(drop_identity_factor)
    chain.by(log_of_quotient)
    coordinates = {
        Trace(Sigma_0): Sum(sigma[k] ** 2, (k, 1, d)),
        MatrixElement(MatMul(Transpose(mu_0), mu_0), 0, 0): Sum(nu[k] ** 2, (k, 1, d)),
        Determinant(Sigma_0): Product(sigma[k] ** 2, (k, 1, d)),
    }
    chain.by(in_coordinates(coordinates, "C2"),
             verifier=on_explicit_instances(d, (1, 2, 3, 4), _diagonal_case, ("C2",)))
    chain.by(log_of_product_as_sum)
    chain.by(sums_into_one_sum)
    return chain.done(r"This is $-\frac{1}{2}\sum_k (1 + \log\sigma_k^2 - \nu_k^2 - \sigma_k^2)$, the KL term of a "
                      r"variational autoencoder with encoder mean $\nu$ and variances $\sigma_k^2$.")


def _diagonal_case(size: int) -> dict:
    return {
        Sigma_0: ImmutableMatrix.diag(*(sigma[j] ** 2 for j in range(1, size + 1))),
        mu_0: ImmutableMatrix([nu[j] for j in range(1, size + 1)]),
    }
