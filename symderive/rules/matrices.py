r"""Matrix rules: products under transposition and inversion, trace, determinant,
ordered products, and two matrix-calculus differentials.

Rules that need a property (invertibility, a non-empty product) check it against
the declared :class:`~symderive.matrices.MatrixFacts` or a cited hypothesis and
raise :class:`~symderive.rules.RuleNotApplicable` otherwise.

SymPy's own matrix calculus is not used, because in SymPy 1.14 (measured):
``log(Determinant(X)).diff(X)`` returns ``0``; ``Determinant(X).diff(X)`` stays
unevaluated; ``(A.I*(x-b)).diff(x)`` gives ``A.T**(-1)`` (the transpose of the
Jacobian, SymPy's layout convention); ``ZeroMatrix`` does not compare equal to
``0``; a scalar plus a 1x1 quadratic form raises; ``(A*B).I`` becomes
``B**-1*A**-1`` without asking whether ``A`` and ``B`` are invertible.  The
differentials below are ours, named and justified, and the judge checks their
results on instances (directional derivatives computed exactly).
"""
from __future__ import annotations

from dataclasses import dataclass

from sympy import (
    Add, Basic, Determinant, Expr, Identity, MatAdd, MatMul, MatPow, MatrixExpr, MatrixSymbol, Mul, S, Trace, expand, log,
)
from sympy.matrices.expressions.inverse import Inverse
from sympy.matrices.expressions.transpose import Transpose

from ..matrices import ScalarDifferential, IndexedMatrix, MatrixDifferential, MatrixFacts, OrderedProduct
from . import ParametricRule, RuleNotApplicable, rule


def _square(m: MatrixExpr) -> bool:
    return expand(m.rows - m.cols) == 0


def _transpose(m: MatrixExpr) -> MatrixExpr:
    return m.arg if isinstance(m, Transpose) else Transpose(m)


def _inverse(m: MatrixExpr) -> MatrixExpr:
    return m.arg if isinstance(m, Inverse) else Inverse(m)


def declared_invertible(m: MatrixExpr, facts: MatrixFacts) -> bool:
    """Whether ``m`` is invertible by the declared facts (products, transposes, inverses and powers of such)."""
    if isinstance(m, (MatrixSymbol, IndexedMatrix)):
        return facts.is_invertible(m)
    if isinstance(m, Identity):
        return True
    if isinstance(m, (Transpose, Inverse)):
        return declared_invertible(m.arg, facts)
    if isinstance(m, MatPow):
        return declared_invertible(m.base, facts)
    if isinstance(m, MatMul):
        coefficient, matrices = m.as_coeff_matrices()
        return coefficient.is_zero is False and all(_square(f) and declared_invertible(f, facts) for f in matrices)
    return False


def _product(coefficient: Expr, matrices) -> Expr:
    if len(matrices) == 1 and coefficient == 1:
        return matrices[0]
    return MatMul(*matrices) if coefficient == 1 else MatMul(coefficient, *matrices)


def _rewrite(expr: Basic, applies, rewrite) -> Basic:
    return expr.replace(lambda e: applies(e), rewrite)


@rule("transpose of a product", r"$(AB)^\top = B^\top A^\top$ for conformable $A$, $B$ (entrywise: $\sum_k a_{jk} b_{ki}$).")
def transpose_of_product(expr: Basic) -> Basic:
    def reverse(node: Transpose) -> Expr:
        coefficient, matrices = node.arg.as_coeff_matrices()
        return _product(coefficient, [_transpose(m) for m in reversed(matrices)])

    return _rewrite(expr, lambda e: isinstance(e, Transpose) and isinstance(e.arg, MatMul), reverse)


@dataclass(frozen=True)
class InverseOfProduct(ParametricRule):
    """``(c A B)⁻¹ -> c⁻¹ B⁻¹ A⁻¹`` for square factors declared invertible in ``facts`` and ``c ≠ 0``."""

    facts: MatrixFacts

    def apply(self, expr: Basic) -> Basic:
        return _rewrite(expr, lambda e: isinstance(e, Inverse) and isinstance(e.arg, MatMul), self._reverse)

    def _reverse(self, node: Inverse) -> Expr:
        coefficient, matrices = node.arg.as_coeff_matrices()
        for m in matrices:
            if not (_square(m) and declared_invertible(m, self.facts)):
                raise RuleNotApplicable(f"{m} is not a square matrix declared invertible")
        if coefficient.is_zero is not False:
            raise RuleNotApplicable(f"the factor {coefficient} may be 0")
        return _product(1 / coefficient, [_inverse(m) for m in reversed(matrices)])


def inverse_of_product(facts: MatrixFacts) -> InverseOfProduct:
    return InverseOfProduct(
        "inverse of a product",
        r"$(AB)^{-1} = B^{-1}A^{-1}$ for invertible square $A$, $B$: $(AB)(B^{-1}A^{-1}) = I$.",
        facts,
    )


@dataclass(frozen=True)
class TraceCyclicity(ParametricRule):
    """Move the first ``shift`` factors of every trace of a product to its end."""

    shift: int

    def apply(self, expr: Basic) -> Basic:
        return _rewrite(expr, lambda e: isinstance(e, Trace) and isinstance(e.arg, MatMul), self._rotate)

    def _rotate(self, node: Trace) -> Expr:
        coefficient, matrices = node.arg.as_coeff_matrices()
        if len(matrices) < 2:
            return node
        k = self.shift % len(matrices)
        return coefficient * Trace(MatMul(*matrices[k:], *matrices[:k]))


def trace_cyclicity(shift: int = 1) -> TraceCyclicity:
    """Move the first ``shift`` factors of every trace of a product to its end."""
    return TraceCyclicity(
        "cyclicity of the trace",
        r"$\operatorname{tr}(XY) = \operatorname{tr}(YX)$ for $X$ of size $m\times n$ and $Y$ of size $n\times m$ "
        r"(both are $\sum_{i,j} x_{ij} y_{ji}$).",
        shift,
    )


@rule("linearity of the trace",
      r"$\operatorname{tr}(cX + Y) = c\operatorname{tr}X + \operatorname{tr}Y$ (a sum of diagonal entries).")
def trace_linearity(expr: Basic) -> Basic:
    def split(node: Trace) -> Expr:
        expanded = node.arg.expand()
        terms = expanded.args if isinstance(expanded, MatAdd) else (expanded,)
        total = []
        for term in terms:
            coefficient, matrices = term.as_coeff_matrices() if isinstance(term, MatMul) else (S.One, [term])
            total.append(coefficient * Trace(_product(S.One, matrices)))
        return Add(*total)

    return _rewrite(expr, lambda e: isinstance(e, Trace), split)


@rule("determinant of a product",
      r"$\det(cAB) = c^n \det A \det B$ for square $A$, $B$ of the same size $n$ (multiplicativity of $\det$).")
def determinant_of_product(expr: Basic) -> Basic:
    def split(node: Determinant) -> Expr:
        coefficient, matrices = node.arg.as_coeff_matrices()
        n = node.arg.rows
        for m in matrices:
            if not (expand(m.rows - n) == 0 and expand(m.cols - n) == 0):
                raise RuleNotApplicable(f"{m} is not square of size {n}: det does not split")
        return coefficient**n * Mul(*(Determinant(m) for m in matrices))

    return _rewrite(expr, lambda e: isinstance(e, Determinant) and isinstance(e.arg, MatMul), split)


@rule("determinant of an inverse", r"$\det(A^{-1}) = 1/\det A$, from $\det(A)\det(A^{-1}) = \det I = 1$.")
def determinant_of_inverse(expr: Basic) -> Basic:
    return _rewrite(expr, lambda e: isinstance(e, Determinant) and isinstance(e.arg, Inverse),
                    lambda e: 1 / Determinant(e.arg.arg))


@rule("determinant of a transpose", r"$\det(A^\top) = \det A$ (Leibniz's formula is symmetric in rows and columns).")
def determinant_of_transpose(expr: Basic) -> Basic:
    return _rewrite(expr, lambda e: isinstance(e, Determinant) and isinstance(e.arg, Transpose),
                    lambda e: Determinant(e.arg.arg))


def _require_nonempty(product: OrderedProduct, because: str | None) -> None:
    if (product.count - 1).is_nonnegative:
        return
    if because is None:
        raise RuleNotApplicable(f"{product} may be empty (it has {product.count} factors); cite why it is not")


@dataclass(frozen=True)
class PeelFirstFactor(ParametricRule):
    """``prod_{k=a}^{b} M_k = M_a prod_{k=a-1}^{b} M_k`` (descending; ascending likewise); a product that may
    be empty is peeled only when ``nonempty_because`` cites why it is not."""

    nonempty_because: str | None

    def apply(self, expr: Basic) -> Basic:
        def peel(p: OrderedProduct) -> Expr:
            _require_nonempty(p, self.nonempty_because)
            rest = OrderedProduct(p.term, (p.index, p.start + p.step, p.stop), p.step)
            return MatMul(p.factor(p.start), rest)

        return _rewrite(expr, lambda e: isinstance(e, OrderedProduct), peel)


def peel_first_factor(nonempty_because: str | None = None) -> PeelFirstFactor:
    reason = f" ({nonempty_because})" if nonempty_because else ""
    return PeelFirstFactor(
        "peel the first factor",
        rf"A non-empty ordered product is its first factor times the product of the others{reason}.",
        nonempty_because,
    )


@dataclass(frozen=True)
class PeelLastFactor(ParametricRule):
    """``prod_{k=a}^{b} M_k = (prod_{k=a}^{b+1} M_k) M_b`` (descending; ascending likewise), as
    :class:`PeelFirstFactor` for a product that may be empty."""

    nonempty_because: str | None

    def apply(self, expr: Basic) -> Basic:
        def peel(p: OrderedProduct) -> Expr:
            _require_nonempty(p, self.nonempty_because)
            rest = OrderedProduct(p.term, (p.index, p.start, p.stop - p.step), p.step)
            return MatMul(rest, p.factor(p.stop))

        return _rewrite(expr, lambda e: isinstance(e, OrderedProduct), peel)


def peel_last_factor(nonempty_because: str | None = None) -> PeelLastFactor:
    reason = f" ({nonempty_because})" if nonempty_because else ""
    return PeelLastFactor(
        "peel the last factor",
        rf"A non-empty ordered product is the product of all but its last factor, times the last factor{reason}.",
        nonempty_because,
    )


@dataclass(frozen=True)
class DifferentialOfLogDet(ParametricRule):
    """``d log det Σ -> tr(Σ⁻¹ dΣ)`` for ``Σ`` declared invertible in ``facts``."""

    facts: MatrixFacts

    def apply(self, expr: Basic) -> Basic:
        return _rewrite(
            expr,
            lambda e: isinstance(e, ScalarDifferential) and isinstance(e.args[0], log)
            and isinstance(e.args[0].args[0], Determinant),
            self._differentiate,
        )

    def _differentiate(self, node: ScalarDifferential) -> Expr:
        (x,) = node.args[0].args[0].args
        if not declared_invertible(x, self.facts):
            raise RuleNotApplicable(f"{x} is not declared invertible")
        return Trace(Inverse(x) * MatrixDifferential(x))


def differential_of_log_det(facts: MatrixFacts) -> DifferentialOfLogDet:
    return DifferentialOfLogDet(
        "differential of log det",
        r"$\mathrm{d}\log\det\Sigma = \operatorname{tr}(\Sigma^{-1}\,\mathrm{d}\Sigma)$ for invertible $\Sigma$: "
        r"Jacobi's formula $\mathrm{d}\det\Sigma = \det\Sigma\,\operatorname{tr}(\Sigma^{-1}\mathrm{d}\Sigma)$ "
        r"divided by $\det\Sigma$.",
        facts,
    )


@dataclass(frozen=True)
class DifferentialOfInverse(ParametricRule):
    """``d(Σ⁻¹) -> -Σ⁻¹ dΣ Σ⁻¹`` for ``Σ`` declared invertible in ``facts``."""

    facts: MatrixFacts

    def apply(self, expr: Basic) -> Basic:
        return _rewrite(expr, lambda e: isinstance(e, MatrixDifferential) and isinstance(e.arg, Inverse),
                        self._differentiate)

    def _differentiate(self, node: MatrixDifferential) -> Expr:
        x = node.arg.arg
        if not declared_invertible(x, self.facts):
            raise RuleNotApplicable(f"{x} is not declared invertible")
        return -Inverse(x) * MatrixDifferential(x) * Inverse(x)


def differential_of_inverse(facts: MatrixFacts) -> DifferentialOfInverse:
    return DifferentialOfInverse(
        "differential of an inverse",
        r"$\mathrm{d}(\Sigma^{-1}) = -\Sigma^{-1}\,\mathrm{d}\Sigma\,\Sigma^{-1}$ for invertible $\Sigma$: "
        r"differentiate $\Sigma\Sigma^{-1} = I$ to get "
        r"$\mathrm{d}\Sigma\,\Sigma^{-1} + \Sigma\,\mathrm{d}(\Sigma^{-1}) = 0$.",
        facts,
    )


__all__ = [
    "declared_invertible", "transpose_of_product", "inverse_of_product", "trace_cyclicity", "trace_linearity",
    "determinant_of_product", "determinant_of_inverse", "determinant_of_transpose",
    "peel_first_factor", "peel_last_factor", "differential_of_log_det", "differential_of_inverse",
    "InverseOfProduct", "TraceCyclicity", "PeelFirstFactor", "PeelLastFactor", "DifferentialOfLogDet",
    "DifferentialOfInverse",
]


# -- identities, ordered products under absorption and transposition ------------------------------


@rule("drop the identity", r"$I M = M I = M$ for the identity $I$ of the matching size.")
def drop_identity_factors(expr: Basic) -> Basic:
    def drop(product: MatMul) -> Expr:
        coefficient, matrices = product.as_coeff_matrices()
        kept = [m for m in matrices if not isinstance(m, Identity)]
        if len(kept) == len(matrices):
            return product
        if not kept:  # only identities: one of them (they all have the product's size)
            kept = [matrices[0]]
        return _product(coefficient, kept)

    return _rewrite(expr, lambda e: isinstance(e, MatMul), drop)


def _flattened(product: MatMul) -> tuple[Expr, list[MatrixExpr]]:
    """``(AB)C`` as ``A, B, C`` (associativity), with the scalar factors collected."""
    coefficient, matrices = product.as_coeff_matrices()
    flat: list[MatrixExpr] = []
    for m in matrices:
        if isinstance(m, MatMul):
            inner, factors = _flattened(m)
            coefficient, flat = coefficient * inner, flat + factors
        else:
            flat.append(m)
    return coefficient, flat


def _term_factors(term: MatrixExpr) -> list[MatrixExpr]:
    return list(term.as_coeff_matrices()[1]) if isinstance(term, MatMul) else [term]


@rule("absorb the next factor into the product",
      r"$\Bigl(\prod_{k=a}^{b} M_k\Bigr) M_{b-1} = \prod_{k=a}^{b-1} M_k$ for a descending product "
      r"(ascending: $M_{b+1}$ and $b+1$): the product with one more factor at its end.")
def absorb_next_factor(expr: Basic) -> Basic:
    def absorb(product: MatMul) -> Expr:
        coefficient, matrices = _flattened(product)
        for position, factor in enumerate(matrices):
            if not isinstance(factor, OrderedProduct):
                continue
            following = _term_factors(factor.factor(factor.stop + factor.step))
            end = position + 1 + len(following)
            if matrices[position + 1:end] == following:
                limits = (factor.index, factor.start, factor.stop + factor.step)
                longer = OrderedProduct(factor.term, limits, factor.step)
                return _product(coefficient, matrices[:position] + [longer] + matrices[end:])
        return product

    return _rewrite(expr, lambda e: isinstance(e, MatMul), absorb)


@rule("transpose of an ordered product",
      r"$\Bigl(\prod_{k=a}^{b} M_k\Bigr)^\top = \prod_{k=b}^{a} M_k^\top$ with the order reversed "
      r"(the transpose of a product is the product of the transposes in reverse order).")
def transpose_of_ordered_product(expr: Basic) -> Basic:
    def reverse(node: Transpose) -> Expr:
        product: OrderedProduct = node.arg
        return OrderedProduct(Transpose(product.term), (product.index, product.stop, product.start), -product.step)

    return _rewrite(expr, lambda e: isinstance(e, Transpose) and isinstance(e.arg, OrderedProduct), reverse)


@dataclass(frozen=True)
class SymmetricIsItsTranspose(ParametricRule):
    """``Dᵀ -> D`` for a matrix ``D`` declared symmetric (a diagonal one is) in ``facts``."""

    facts: MatrixFacts

    def apply(self, expr: Basic) -> Basic:
        def drop(node: Transpose) -> Expr:
            leaf = node.arg
            if isinstance(leaf, (MatrixSymbol, IndexedMatrix)) and self.facts.is_symmetric(leaf):
                return leaf
            return node

        return _rewrite(expr, lambda e: isinstance(e, Transpose), drop)


def symmetric_is_its_transpose(facts: MatrixFacts) -> SymmetricIsItsTranspose:
    return SymmetricIsItsTranspose(
        "a diagonal matrix is symmetric",
        r"$D^\top = D$ for a diagonal (more generally, symmetric) matrix $D$.",
        facts,
    )


__all__ += ["drop_identity_factors", "absorb_next_factor", "transpose_of_ordered_product",
            "symmetric_is_its_transpose", "SymmetricIsItsTranspose"]


@rule("associativity", r"$(AB)C = A(BC) = ABC$: a product of matrices needs no brackets.")
def flatten_products(expr: Basic) -> Basic:
    def flatten(product: MatMul) -> Expr:
        coefficient, matrices = _flattened(product)
        return _product(coefficient, matrices)

    return _rewrite(expr, lambda e: isinstance(e, MatMul), flatten)


__all__ += ["flatten_products"]
