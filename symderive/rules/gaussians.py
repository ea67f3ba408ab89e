r"""Rules for Gaussian densities and quadratic forms over matrices of symbolic size.

Products of matrices are built unevaluated (``MatMul(...)``, not ``*``, which
would distribute ``(x - \mu)^\top`` over the difference), so each rule changes
only what its name says.  A quadratic form ``v^\top M v`` is the only entry of a
1x1 product (:func:`~symderive.densities.quadratic_form`).  Rules that need a
matrix to be invertible ask the declared :class:`~symderive.matrices.MatrixFacts`.
"""
from __future__ import annotations

from dataclasses import dataclass

from sympy import (
    Add,
    Basic,
    Determinant,
    Expr,
    Identity,
    MatAdd,
    MatMul,
    MatrixExpr,
    Mul,
    S,
    Trace,
    ZeroMatrix,
    expand,
)
from sympy.matrices.expressions.inverse import Inverse
from sympy.matrices.expressions.matexpr import MatrixElement
from sympy.matrices.expressions.transpose import Transpose

from ..matrices import MatrixFacts
from ..randomvars import Expect
from ..randomvectors import MatExpect, VectorModel
from . import ParametricRule, RuleNotApplicable, rule
from .algebra import Replace
from .matrices import declared_invertible


def quadratic(vector: MatrixExpr, matrix: MatrixExpr) -> Expr:
    """``vᵀ M v`` as the entry of a 1x1 product, ``(v)ᵀ`` kept as one factor."""
    return MatrixElement(MatMul(Transpose(vector), matrix, vector), 0, 0)


def _is_one_by_one_entry(node: Basic) -> bool:
    return isinstance(node, MatrixElement) and node.parent.shape == (1, 1) and node.i == 0 and node.j == 0


def _factors(product: MatMul) -> list[MatrixExpr]:
    coefficient, matrices = product.as_coeff_matrices()
    if coefficient != 1:
        raise RuleNotApplicable(f"a scalar factor {coefficient} inside {product}")
    return list(matrices)


def _same_matrix(a: MatrixExpr, b: MatrixExpr) -> bool:
    return MatAdd(a, -b).doit() == ZeroMatrix(*a.shape)


def _square(m: MatrixExpr) -> bool:
    return expand(m.rows - m.cols) == 0


# -- products ------------------------------------------------------------------


@rule("associativity of the product", r"$(AB)(CD) = ABCD$: matrix multiplication is associative.")
def flatten_products(expr: Basic) -> Basic:
    def flat(node: MatMul) -> MatMul:
        factors = []
        for factor in node.args:
            factors.extend(factor.args if isinstance(factor, MatMul) else [factor])
        return MatMul(*factors)

    return expr.replace(lambda e: isinstance(e, MatMul) and any(isinstance(a, MatMul) for a in e.args), flat)


@rule("identity factor", r"$AI = IA = A$.")
def drop_identity_factor(expr: Basic) -> Basic:
    def drop(node: MatMul) -> MatrixExpr:
        kept = [a for a in node.args if not isinstance(a, Identity)]
        return kept[0] if len(kept) == 1 else MatMul(*kept)

    return expr.replace(lambda e: isinstance(e, MatMul) and any(isinstance(a, Identity) for a in e.args), drop)


def _adjacent_pairs(node: MatMul, merge) -> MatrixExpr:
    """``node`` with its first adjacent pair of factors that ``merge(left, right)`` turns into one
    matrix (not None) replaced by it; ``node`` itself when no pair merges."""
    factors = list(node.args)
    for k in range(len(factors) - 1):
        merged = merge(factors[k], factors[k + 1])
        if merged is not None:
            rest = factors[:k] + [merged] + factors[k + 2:]
            return rest[0] if len(rest) == 1 else MatMul(*rest)
    return node


@dataclass(frozen=True)
class InverseTimesMatrix(ParametricRule):
    """``A⁻¹ A -> I`` and ``A A⁻¹ -> I`` for adjacent factors, ``A`` declared invertible in ``facts``."""

    facts: MatrixFacts

    def apply(self, expr: Basic) -> Basic:
        return expr.replace(lambda e: isinstance(e, MatMul), lambda e: _adjacent_pairs(e, self._cancel))

    def _cancel(self, left: MatrixExpr, right: MatrixExpr) -> MatrixExpr | None:
        if isinstance(left, Inverse) and left.arg == right or isinstance(right, Inverse) and right.arg == left:
            if not declared_invertible(right if isinstance(left, Inverse) else left, self.facts):
                raise RuleNotApplicable(f"{right} is not declared invertible")
            return Identity(left.rows)
        return None


def inverse_times_matrix(facts: MatrixFacts) -> InverseTimesMatrix:
    return InverseTimesMatrix("a matrix times its inverse", r"$A^{-1}A = AA^{-1} = I$ for invertible $A$.", facts)


@rule("the identity matrix", r"$I^{-1} = I$ and $\det I = 1$.")
def identity_matrix(expr: Basic) -> Basic:
    return expr.replace(
        lambda e: isinstance(e, (Inverse, Determinant)) and isinstance(e.arg, Identity),
        lambda e: e.arg if isinstance(e, Inverse) else S.One,
    )


@rule("trace of the identity", r"$\operatorname{tr} I_d = d$.")
def trace_of_identity(expr: Basic) -> Basic:
    return expr.replace(lambda e: isinstance(e, Trace) and isinstance(e.arg, Identity), lambda e: e.arg.rows)


@rule("transpose of an inverse", r"$(A^{-1})^\top = (A^\top)^{-1}$: transpose $A A^{-1} = I$.")
def transpose_of_inverse(expr: Basic) -> Basic:
    return expr.replace(lambda e: isinstance(e, Transpose) and isinstance(e.arg, Inverse),
                        lambda e: Inverse(Transpose(e.arg.arg)))


@dataclass(frozen=True)
class ProductOfInverses(ParametricRule):
    """``B⁻¹ A⁻¹ -> (AB)⁻¹`` for adjacent inverses of square matrices declared invertible in ``facts``."""

    facts: MatrixFacts

    def apply(self, expr: Basic) -> Basic:
        return expr.replace(lambda e: isinstance(e, MatMul), lambda e: _adjacent_pairs(e, self._combine))

    def _combine(self, left: MatrixExpr, right: MatrixExpr) -> MatrixExpr | None:
        if not (isinstance(left, Inverse) and isinstance(right, Inverse)):
            return None
        a, b = right.arg, left.arg
        if not all(_square(m) and declared_invertible(m, self.facts) for m in (a, b)):
            raise RuleNotApplicable(f"{a} and {b} are not both declared invertible")
        return Inverse(MatMul(a, b))


def product_of_inverses(facts: MatrixFacts) -> ProductOfInverses:
    """``B⁻¹ A⁻¹ -> (AB)⁻¹`` for adjacent inverses of square matrices declared invertible."""
    return ProductOfInverses(
        "inverse of a product, read backwards",
        r"$B^{-1}A^{-1} = (AB)^{-1}$ for invertible square $A$, $B$: $(AB)B^{-1}A^{-1} = I$.",
        facts,
    )


# -- determinants ----------------------------------------------------------------


@rule("square of a determinant", r"$(\det A)^2 = \det A \det A^\top$, since $\det A^\top = \det A$.")
def square_of_determinant(expr: Basic) -> Basic:
    return expr.replace(lambda e: e.is_Pow and isinstance(e.base, Determinant) and e.exp == 2,
                        lambda e: Mul(e.base, Determinant(Transpose(e.base.arg))))


@rule("product of determinants", r"$\det A \det B = \det(AB)$ for square $A$, $B$ of one size.")
def determinants_into_product(expr: Basic) -> Basic:
    def combine(node: Mul) -> Expr:
        dets = sorted((f for f in node.args if isinstance(f, Determinant)),
                      key=lambda f: isinstance(f.arg, Transpose))
        if len(dets) < 2 or dets[0].arg.shape != dets[1].arg.shape:
            return node
        rest = [f for f in node.args if f not in dets[:2]]
        return Mul(*rest, Determinant(MatMul(dets[0].arg, dets[1].arg)))

    return expr.replace(lambda e: isinstance(e, Mul), combine)


# -- quadratic forms -------------------------------------------------------------


@rule("a 1x1 matrix is its trace",
      r"$v^\top M v = \operatorname{tr}(v^\top M v)$: a $1\times 1$ matrix is its only entry.")
def one_by_one_as_trace(expr: Basic) -> Basic:
    return expr.replace(_is_one_by_one_entry, lambda e: Trace(e.parent))


@rule("a vector minus itself", r"$\mu - \mu = 0$.")
def difference_with_itself(expr: Basic) -> Basic:
    def zero(node: MatAdd) -> MatrixExpr:
        return ZeroMatrix(*node.shape) if node.doit() == ZeroMatrix(*node.shape) else node

    return expr.replace(lambda e: isinstance(e, MatAdd), zero)


@rule("quadratic form of the zero vector", r"$0^\top M\, 0 = 0$.")
def quadratic_form_of_zero(expr: Basic) -> Basic:
    return expr.replace(lambda e: _is_one_by_one_entry(e) and isinstance(e.parent, MatMul)
                        and any(isinstance(f, ZeroMatrix) for f in e.parent.args), lambda e: S.Zero)


@dataclass(frozen=True)
class QuadraticFormIsEven(ParametricRule):
    """``(-v)ᵀ M (-v) -> vᵀ M v`` for the given ``v`` (written ``u - w``, its negative is ``w - u``)."""

    vector: MatrixExpr

    def apply(self, expr: Basic) -> Basic:
        negative = MatAdd(*(-term for term in MatAdd.make_args(self.vector)))

        def turn(node: MatrixElement) -> Expr:
            parent = node.parent
            if isinstance(parent, MatMul) and len(parent.args) == 3 and parent.args[0] == Transpose(parent.args[2]) \
                    and _same_matrix(parent.args[2], negative) and parent.args[2] != self.vector:
                return quadratic(self.vector, parent.args[1])
            return node

        return expr.replace(_is_one_by_one_entry, turn)


def quadratic_form_is_even(vector: MatrixExpr) -> QuadraticFormIsEven:
    return QuadraticFormIsEven("quadratic form of the negated vector", r"$(-v)^\top M (-v) = v^\top M v$.", vector)


@dataclass(frozen=True)
class CollectQuadraticForm(ParametricRule):
    r"""``tr(uᵀMu) - tr(uᵀMv) - tr(vᵀMu) + tr(vᵀMv) -> (u - v)ᵀ M (u - v)`` inside a sum."""

    u: MatrixExpr
    v: MatrixExpr
    m: MatrixExpr

    def apply(self, expr: Basic) -> Basic:
        u, v, m = self.u, self.v, self.m
        pieces = {
            Trace(MatMul(Transpose(u), m, u)): S.One, Trace(MatMul(Transpose(u), m, v)): S.NegativeOne,
            Trace(MatMul(Transpose(v), m, u)): S.NegativeOne, Trace(MatMul(Transpose(v), m, v)): S.One,
        }
        if not isinstance(expr, Add):
            raise RuleNotApplicable("the quadratic form's four terms are collected from a sum")
        terms = list(expr.args)
        for piece, sign in pieces.items():
            match = next((t for t in terms if t == sign * piece), None)
            if match is None:
                raise RuleNotApplicable(f"no term {sign * piece} in the sum")
            terms.remove(match)
        return Add(*terms, quadratic(MatAdd(u, -v), m))


def collect_quadratic_form(u: MatrixExpr, v: MatrixExpr, m: MatrixExpr) -> CollectQuadraticForm:
    return CollectQuadraticForm(
        "collect a quadratic form",
        r"$u^\top M u - u^\top M v - v^\top M u + v^\top M v = (u - v)^\top M (u - v)$ (expand the right side).",
        u, v, m,
    )


def in_coordinates(values: dict, cite: str) -> Replace:
    """Replace traces, quadratic forms and determinants by their values in coordinates (a stated case)."""
    return Replace(
        "in coordinates",
        rf"The traces, quadratic forms and determinants written entry by entry ({cite}).",
        tuple(values.items()),
    )


@rule("common factor", r"$\tfrac{1}{2}a + \tfrac{1}{2}b = \tfrac{1}{2}(a + b)$.")
def take_out_one_half(expr: Basic) -> Basic:
    if not isinstance(expr, Add):
        raise RuleNotApplicable("a common factor is taken out of a sum")
    return Mul(S.Half, Add(*(2 * t for t in expr.args)), evaluate=False)


# -- expectations of random vectors -----------------------------------------------


@rule("expectation of a transpose", r"$\mathbb{E}[X^\top] = \mathbb{E}[X]^\top$ (entrywise).")
def expectation_of_transpose(expr: Basic) -> Basic:
    return expr.replace(lambda e: isinstance(e, MatExpect) and isinstance(e.arg, Transpose),
                        lambda e: Transpose(MatExpect(e.arg.arg)))


@dataclass(frozen=True)
class LinearityOfScalarExpectation(ParametricRule):
    """``E[Σ c_k s_k] -> Σ c_k E[s_k]``, and ``E[c] = c`` for a term free of ``model``'s random vectors."""

    model: VectorModel

    def apply(self, expr: Basic) -> Basic:
        return expr.replace(lambda e: isinstance(e, Expect) and bool(self.model.random_symbols(e.args[0])),
                            self._split)

    def _split(self, node: Expect) -> Expr:
        total = []
        for term in Add.make_args(node.args[0]):
            coefficient, rest = term.as_independent(*self.model.random_symbols(term), as_Add=False)
            total.append(term if rest == 1 else coefficient * Expect(rest))
        return Add(*total)


def linearity_of_scalar_expectation(model: VectorModel) -> LinearityOfScalarExpectation:
    return LinearityOfScalarExpectation(
        "linearity of the expectation",
        r"$\mathbb{E}[aX + bY + c] = a\,\mathbb{E}[X] + b\,\mathbb{E}[Y] + c$ for constants $a$, $b$, $c$.",
        model,
    )


__all__ = [
    "InverseTimesMatrix", "ProductOfInverses", "LinearityOfScalarExpectation",
    "quadratic", "flatten_products", "drop_identity_factor", "identity_matrix", "in_coordinates",
    "inverse_times_matrix", "trace_of_identity",
    "transpose_of_inverse", "product_of_inverses", "square_of_determinant", "determinants_into_product",
    "one_by_one_as_trace", "difference_with_itself", "quadratic_form_of_zero", "quadratic_form_is_even",
    "collect_quadratic_form", "take_out_one_half", "expectation_of_transpose", "linearity_of_scalar_expectation",
]
