"""Nonnegativity that is manifest: a sound, incomplete prover for ``≥`` steps.

:func:`prove_nonnegative` answers True only when ``expr >= 0`` follows from the
structure of the expression under the stated assumptions: nonnegative numbers,
squares and even powers of real quantities, ``exp``/``Abs``/``sqrt``,
sums and products of nonnegative parts, and quadratic polynomials whose Gram
matrix is positive semidefinite (sums of squares).  False means "not proved",
never "negative".
"""
from __future__ import annotations

import itertools
from typing import Sequence

from sympy import (
    Abs,
    Add,
    Basic,
    Dummy,
    Expr,
    Matrix,
    Mul,
    Poly,
    Pow,
    S,
    Symbol,
    cancel,
    exp,
    expand,
    factor,
    log,
    together,
)
from sympy.core.relational import Relational

Assumptions = Sequence[Relational]

MAX_GRAM_SIZE = 6  # principal minors of a Gram matrix: 2^size determinants


def prove_nonnegative(expr: Expr, assumptions: Assumptions = ()) -> bool:
    """True only if ``expr >= 0`` for every real value of its symbols satisfying ``assumptions``.

    ``assumptions`` are relations ``s > c``, ``s >= c``, ``c < s``, ``s < c``... between one
    symbol and a constant, or ``s < t`` between two symbols; symbols' own SymPy
    assumptions (``positive=True``) count too.  Every free symbol must be real
    (declared, or constrained by an assumption): complex values have no order.
    """
    rewritten = _with_assumptions(expr, assumptions)
    if rewritten is None or any(s.is_extended_real is not True for s in rewritten.free_symbols):
        return False
    candidates = [rewritten, expand(rewritten), factor(rewritten), together(rewritten)]
    return any(_manifestly_nonnegative(c) for c in candidates)


def prove_positive(expr: Expr, assumptions: Assumptions = ()) -> bool:
    """True only if ``expr > 0`` under ``assumptions`` (structurally, as above)."""
    rewritten = _with_assumptions(expr, assumptions)
    if rewritten is None or any(s.is_extended_real is not True for s in rewritten.free_symbols):
        return False
    return any(_manifestly_positive(c) for c in (rewritten, expand(rewritten), factor(rewritten)))


def _with_assumptions(expr: Expr, assumptions: Assumptions) -> Expr | None:
    """Substitute for each constrained symbol a shifted symbol carrying the constraint.

    ``s > c`` becomes ``s = c + u`` with ``u > 0``; ``s < t`` becomes ``t = s + u``.
    None if an assumption is not of a supported form (nothing is proved then).
    """
    # An order between symbols says they are real: give such symbols a real twin.
    ordered = {s for r in assumptions if isinstance(r, Relational) for s in r.free_symbols}
    realify = {s: Dummy(s.name, real=True) for s in ordered if isinstance(s, Symbol) and s.is_extended_real is None}
    expr = expr.xreplace(realify)
    replacements: dict[Basic, Expr] = {}
    for relation in (r.xreplace(realify) for r in assumptions):
        if relation == S.true:
            continue
        if not isinstance(relation, Relational) or relation.rel_op not in ("<", "<=", ">", ">="):
            return None
        small, large = (relation.lhs, relation.rhs) if relation.rel_op in ("<", "<=") else (relation.rhs, relation.lhs)
        gap = Dummy("u", positive=True) if relation.rel_op in ("<", ">") else Dummy("u", nonnegative=True)
        small, large = small.xreplace(replacements), large.xreplace(replacements)
        if isinstance(large, Symbol) and large not in small.free_symbols and not large.is_number:
            replacements = {k: v.xreplace({large: small + gap}) for k, v in replacements.items()}
            replacements[large] = small + gap
        elif isinstance(small, Symbol) and small not in large.free_symbols:
            replacements = {k: v.xreplace({small: large - gap}) for k, v in replacements.items()}
            replacements[small] = large - gap
        else:
            return None
    for symbol in list(replacements):
        if symbol.is_extended_real is False:
            return None
    return expr.xreplace(replacements)


def _manifestly_nonnegative(expr: Expr) -> bool:
    if expr.is_nonnegative is True:
        return True
    if expr.is_number:
        return expr.is_Rational and expr >= 0
    if isinstance(expr, Add):
        if all(_manifestly_nonnegative(t) for t in expr.args):
            return True
        return _sum_of_squares(expr)
    if isinstance(expr, Mul):
        return _product_sign(expr.args) == 1
    if isinstance(expr, Pow):
        return _power_nonnegative(expr)
    return isinstance(expr, (Abs, exp))


def _manifestly_positive(expr: Expr) -> bool:
    if expr.is_positive is True:
        return True
    if expr.is_number:
        return expr.is_Rational and expr > 0
    if isinstance(expr, Add):
        return all(_manifestly_nonnegative(t) for t in expr.args) and any(
            _manifestly_positive(t) for t in expr.args
        )
    if isinstance(expr, Mul):
        return all(_manifestly_positive(f) for f in expr.args)
    if isinstance(expr, Pow):
        return _manifestly_positive(expr.base) and expr.exp.is_real is True
    return isinstance(expr, exp) and expr.args[0].is_extended_real is True


def _product_sign(factors: Sequence[Expr]) -> int:
    """1 if the product is manifestly >= 0 (a nonnegative factor count with negatives paired)."""
    negatives = 0
    for f in factors:
        if _manifestly_nonnegative(f):
            continue
        if _manifestly_nonpositive(f):
            negatives += 1
            continue
        return 0
    return 1 if negatives % 2 == 0 else 0


def _manifestly_nonpositive(factor: Expr) -> bool:
    """A factor of a product that is certainly <= 0 (a negative number, ``-(sum >= 0)``)."""
    if factor.is_nonpositive is True:
        return True
    # -1 * (a sum) distributes into a sum, so this recursion does not come back here with ``factor``.
    return isinstance(factor, Add) and _manifestly_nonnegative(-factor)


def _power_nonnegative(expr: Pow) -> bool:
    base, exponent = expr.base, expr.exp
    if exponent.is_integer and exponent.is_even and base.is_extended_real is True:
        return True  # an even power of a real quantity (negative even powers: of a nonzero one, or undefined)
    if _manifestly_nonnegative(base) and exponent.is_real is True:
        return exponent.is_nonnegative is True or _manifestly_positive(base)
    return False


def _sum_of_squares(expr: Expr) -> bool:
    """A polynomial of degree <= 2 in its symbols whose Gram matrix is positive semidefinite.

    ``p(x) = [x; 1]ᵀ G [x; 1]`` with ``G`` symmetric; ``G ⪰ 0`` (every principal
    minor >= 0) makes ``p`` a sum of squares of affine functions.  Coefficients
    must be rational (the minors are then decided exactly).
    """
    symbols = sorted(expr.free_symbols, key=str)
    if not symbols or len(symbols) + 1 > MAX_GRAM_SIZE or not expr.is_polynomial(*symbols):
        return False
    poly = Poly(expr, *symbols)
    if poly.total_degree() > 2 or not all(c.is_Rational for c in poly.coeffs()):
        return False
    n = len(symbols)
    gram = Matrix.zeros(n + 1, n + 1)
    for monomial, coefficient in poly.terms():
        used = [i for i, k in enumerate(monomial) for _ in range(k)]
        i, j = (used + [n, n])[:2]
        if i == j:
            gram[i, i] += coefficient
        else:
            gram[i, j] += coefficient / 2
            gram[j, i] += coefficient / 2
    return _positive_semidefinite(gram)


def _positive_semidefinite(matrix: Matrix) -> bool:
    size = matrix.rows
    for k in range(1, size + 1):
        for rows in itertools.combinations(range(size), k):
            if cancel(matrix.extract(list(rows), list(rows)).det()) < 0:
                return False
    return True


def prove_convex(function: Expr, variable: Symbol, assumptions: Assumptions = ()) -> tuple[bool, Expr]:
    """Convexity on the domain described by ``assumptions``, from ``f'' >= 0`` there.

    Returns whether it is proved and the second derivative used (for the record).
    A twice-differentiable function with a nonnegative second derivative on an
    interval is convex there, so the function must be shown smooth on the domain first
    (:func:`_smooth`): ``f'' >= 0`` away from a kink, a jump or a pole proves nothing
    (``-|t - 1|``, ``min(t, 2)`` as a Piecewise and ``1/(t - 1)^2`` all have it).
    """
    second = cancel(function.diff(variable, 2))
    if not _smooth(function, variable, assumptions):
        return False, second
    return prove_nonnegative(second, assumptions), second


def _smooth(expr: Expr, variable: Symbol, assumptions: Assumptions) -> bool:
    """``expr`` built from ``variable`` by sums, products, ``exp``, and powers and ``log`` of parts proved
    positive on the domain (integer powers of anything), hence infinitely differentiable there; False when not shown."""
    if not expr.has(variable) or expr == variable:
        return True
    if isinstance(expr, (Add, Mul)):
        return all(_smooth(a, variable, assumptions) for a in expr.args)
    if isinstance(expr, exp):
        return _smooth(expr.args[0], variable, assumptions)
    if isinstance(expr, log):
        return _smooth(expr.args[0], variable, assumptions) and prove_positive(expr.args[0], assumptions)
    if isinstance(expr, Pow):
        base, exponent = expr.args
        if not (_smooth(base, variable, assumptions) and _smooth(exponent, variable, assumptions)):
            return False
        whole = exponent.is_integer and exponent.is_nonnegative and not exponent.has(variable)
        return bool(whole) or prove_positive(base, assumptions)
    return False  # Abs, Max, Piecewise, sign, floor, …: not shown differentiable


__all__ = ["prove_nonnegative", "prove_positive", "prove_convex"]
