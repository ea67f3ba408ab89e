r"""An invertible affine image of a standard Gaussian vector is Gaussian: ``AY + b ~ N(b, AAᵀ)``.

Seed problem 4.  ``Y ~ N(0, I_n)``, ``A`` an invertible real ``n × n`` matrix,
``X = AY + b``.  The proof, in the order of the transcript:

1. the change-of-variables theorem with the inverse map ``φ(x) = A⁻¹(x - b)``,
   its hypotheses discharged by checks (the Jacobian ``Dφ = A⁻¹`` by
   differentiating ``φ`` entrywise for a symbolic ``n``);
2. the standard normal density at ``φ(x)``, the transpose of a product and
   ``(A⁻¹)ᵀA⁻¹ = (AAᵀ)⁻¹``;
3. ``|det A⁻¹| = 1/|det A|`` and ``|det A| = √(det A det Aᵀ) = √det(AAᵀ)``;
4. ``Σ := AAᵀ``: the result is the ``N(b, Σ)`` density, then written in ``A``.
"""
from __future__ import annotations

from sympy import Function, Lambda, MatMul, MatrixSymbol, Symbol, Transpose

from ..calc import Calc
from ..densities import Density, standard_normal, WHOLE_LINE
from ..judge import Context
from ..matrices import MatrixFacts
from ..model import Assumption, Chain, Derivation, Status
from ..rules.algebra import unfold
from ..rules.densities import affine_change_of_variables, check_affine, density_definition
from ..rules.gaussians import (
    determinants_into_product,
    flatten_products,
    product_of_inverses,
    square_of_determinant,
    transpose_of_inverse,
)
from ..rules.logs import absolute_value_as_root
from ..rules.matrices import determinant_of_inverse, transpose_of_product
from ..verifiers import Unfolding, by_definitions, theorem_application
from .evidence import evidence_overview

NAME = "affine-gaussian"
TITLE = "An invertible affine image of a standard Gaussian vector is Gaussian"

n = Symbol("n", integer=True, positive=True)
A = MatrixSymbol("A", n, n)
b, x, y = MatrixSymbol("b", n, 1), MatrixSymbol("x", n, 1), MatrixSymbol("y", n, 1)
Sigma = MatrixSymbol("Sigma", n, n)
p_X, p_Y = Function("p_X"), Function("p_Y")

FACTS = MatrixFacts(invertible=frozenset({A}))
STANDARD = standard_normal(y)
DENSITY_OF_Y = Unfolding("H2", p_Y, Lambda(y, STANDARD.expr))
COVARIANCE = Unfolding("D2", Sigma, MatMul(A, Transpose(A)))

ASSUMPTIONS = (
    Assumption("H1", r"$A$ is a real invertible $n \times n$ matrix and $b \in \mathbb{R}^n$."),
    Assumption(
        "H2",
        r"$Y \sim N(0, I_n)$: its density is $p_Y(y) = (2\pi)^{-n/2} e^{-\frac{1}{2} y^\top y}$ on $\mathbb{R}^n$.",
    ),
    Assumption(
        "D1",
        r"$X = g(Y) = AY + b$; the inverse map is $\varphi(x) = A^{-1}(x - b)$, and $p_X$ is the density of $X$.",
        "definition",
    ),
    Assumption("D2", r"$\Sigma = AA^\top$.", "definition"),
)

WHY = {
    Status.PROVED: (
        "for a symbolic size $n$: the matrix identities by the judge's noncommutative normal form, "
        "the definitions by unfolding, and the change of variables by the cited theorem, each of its "
        "hypotheses checked symbolically (the Jacobian by differentiating "
        r"$\varphi_i = \sum_j (A^{-1})_{ij}(x_j - b_j)$ in $x_k$)"
    ),
    Status.PROVED_ON_INSTANCES: (
        r"only at sizes $n \le 12$ with random rational matrices: the normal form treats $\det A$ as an "
        r"unknown scalar, not known to be real, so $\lvert t\rvert = \sqrt{t^2}$ is checked exactly "
        "on instances instead"
    ),
}


def derive() -> Derivation:
    context = Context(matrix_facts=FACTS)
    density = _density_of_x(context)
    in_a = Calc(r"The result in terms of $A$", density.end, context)
    in_a.by(unfold(Sigma, COVARIANCE.value, "definition of the covariance", "Definition D2."),
            verifier=by_definitions(context, COVARIANCE))
    chains = (density, in_a.done())
    return Derivation(
        name=NAME,
        title=TITLE,
        assumptions=ASSUMPTIONS,
        chains=chains,
        result=in_a.current,
        result_statement="p_X(x)",
        summary=(
            r"With $\Sigma = AA^\top$ the density of $X$ is "
            r"$(2\pi)^{-n/2} (\det\Sigma)^{-1/2} e^{-\frac{1}{2}(x - b)^\top \Sigma^{-1}(x - b)}$, "
            r"that of $N(b, \Sigma)$. " + evidence_overview(chains, WHY)
        ),
    )


def _density_of_x(context: Context) -> Chain:
    source = Density("p_Y", (y,), p_Y(y), (WHOLE_LINE,))
    change = affine_change_of_variables(p_X, x, source, A, b, check_affine(A, b, x, y, "H1"))
    definitions = by_definitions(context, DENSITY_OF_Y, COVARIANCE)
    chain = Calc("The density of $X$", p_X(x), context)
    chain.by(change, verifier=theorem_application(change))
    chain.by(density_definition(p_Y, STANDARD, "H2"), verifier=definitions)
    chain.by(transpose_of_product)
    chain.by(flatten_products)
    chain.by(transpose_of_inverse)
    chain.by(product_of_inverses(FACTS))
    chain.by(determinant_of_inverse)
    chain.by(absolute_value_as_root)
    chain.by(square_of_determinant)
    chain.by(determinants_into_product)
    fold = unfold(MatMul(A, Transpose(A)), Sigma, "definition of the covariance", r"Definition D2, $AA^\top = \Sigma$.")
    chain.by(fold, verifier=definitions)
    return chain.done(r"This is the density of $N(b, \Sigma)$: $X \sim N(b, AA^\top)$.")
