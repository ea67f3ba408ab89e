"""SymPy's LaTeX printer with the notation of the transcripts."""
from __future__ import annotations

from sympy import Add, Basic, Derivative, Determinant, MatrixSymbol, Rational, Sum
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter


class TranscriptPrinter(LatexPrinter):
    """Prints as a student would write.

    * An entry with one index is a subscript (``n[k]`` -> ``n_{k}``); with several,
      the first index names the layer, so ``A[l, i, j]`` -> ``(A_{l})_{ij}``.
    * In a sum of terms, subtracted terms come last and sums after plain terms:
      ``E[X^2] - E[X]^2``, ``3^{-L} + \\sum_k ...``.
    * A power whose exponent leads with a minus sign is written ``3^{-(L - k)}``.
    * A fraction times a sum is written ``\\frac{1}{3} \\sum ...``.
    * The only entry of a 1x1 matrix (a quadratic form ``v^T M v``) is written as the product.
    * A determinant is ``\\det``, never bars (which would read as an absolute value).
    * The identity matrix is ``I_n`` (SymPy's default is a blackboard ``\\mathbb{I}``), a column of ones
      ``\\mathbf{1}_{n}``.
    * The derivative of an undeclared one-argument function at a point is ``\\sigma'(u)``.
    """

    def _print_Identity(self, expr) -> str:
        return f"I_{{{self._print(expr.rows)}}}"

    def _print_MatrixElement(self, expr) -> str:
        if expr.parent.shape == (1, 1) and expr.i == 0 and expr.j == 0:
            return self._print(expr.parent)
        return super()._print_MatrixElement(expr)

    def _print_Determinant(self, expr, exp=None) -> str:
        argument = expr.arg
        inner = self._print(argument)
        tex = rf"\det {inner}" if isinstance(argument, MatrixSymbol) else rf"\det\left({inner}\right)"
        return rf"\left({tex}\right)^{{{exp}}}" if exp is not None else tex

    def _print_Indexed(self, expr) -> str:
        base = self._print(expr.base.label)
        first, *rest = (self._print(index) for index in expr.indices)
        if not rest:
            return f"{base}_{{{first}}}"
        separator = "" if all(len(x) == 1 for x in rest) else ","
        return f"({base}_{{{first}}})_{{{separator.join(rest)}}}"

    def _as_ordered_terms(self, expr, order=None):
        terms = super()._as_ordered_terms(expr, order=order)
        if not isinstance(expr, Add):
            return terms
        return sorted(terms, key=lambda t: (t.could_extract_minus_sign(), t.has(Sum)))

    def _print_Pow(self, expr) -> str:
        exponent = expr.exp
        if isinstance(expr.base, Determinant) and exponent.is_Integer and exponent > 0:
            return self._print_Determinant(expr.base, self._print(exponent))
        if isinstance(exponent, Add) and self._as_ordered_terms(exponent)[0].could_extract_minus_sign() \
                and not (-exponent).could_extract_minus_sign() and not expr.base.is_Function:
            base = self._print(expr.base)
            if not (expr.base.is_Atom or expr.base.is_Indexed):
                base = rf"\left({base}\right)"
            return f"{base}^{{-({self._print(-exponent)})}}"
        return super()._print_Pow(expr)

    def _print_Mul(self, expr) -> str:
        coefficient, rest = expr.as_coeff_Mul()
        if isinstance(coefficient, Rational) and coefficient.q != 1 and rest.has(Sum) and coefficient.p > 0:
            return f"{self._print(coefficient)} {self._print(rest)}"
        return super()._print_Mul(expr)


    def _print_Derivative(self, expr) -> str:
        at = _slope_point(expr.expr, expr.variable_count)
        if at is None:
            return super()._print_Derivative(expr)
        return f"{self._print(expr.expr.func)}'({self._print(at)})"

    def _print_Subs(self, expr) -> str:
        derivative, (variable,), (point,) = expr.args[0], expr.args[1], expr.args[2]
        if isinstance(derivative, Derivative) and _slope_point(derivative.expr, derivative.variable_count) == variable:
            return f"{self._print(derivative.expr.func)}'({self._print(point)})"
        return super()._print_Subs(expr)

    def _print_OneMatrix(self, expr) -> str:
        if expr.cols == 1:
            return rf"\mathbf{{1}}_{{{self._print(expr.rows)}}}"
        return super()._print_OneMatrix(expr)


def _slope_point(function: Basic, counts) -> Basic | None:
    """``u`` when ``function`` is ``f(u)`` for an undeclared ``f`` differentiated once by ``u``."""
    if not isinstance(function, AppliedUndef) or len(function.args) != 1 or len(counts) != 1:
        return None
    (variable, count), = counts
    return variable if count == 1 and function.args[0] == variable else None


def to_latex(expr: Basic) -> str:
    return TranscriptPrinter().doprint(expr)


__all__ = ["TranscriptPrinter", "to_latex"]
