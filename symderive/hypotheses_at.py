r"""Whether a counterexample lies within the hypotheses between plain scalars.

A hypothesis (``assume z^2 = x``) is applied only where its left side is written, so ``x \geq 0`` reaches
the judge with ``x`` free and is refuted at ``x = -1``: but no real ``z`` has ``z^2 = -1``, so that point is
no counterexample.  A point counts only when every hypothesis that shares a name with it (directly, or
through other hypotheses sharing the names it leaves free) holds there *exactly*: the names the point
leaves free get values from a bounded search (fixed values for all but one, the exact roots for the last),
and every hypothesis is then re-evaluated at the completed point (the search only proposes candidates).

Hypotheses about anything else (entries, matrices, functions, operators, sums, integrals) are left to
other checks: none of their names is decided here.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import Sequence

from sympy import (
    Basic, Derivative, Expr, Indexed, Integral, Poly, Product, Rational, S, Sum, Symbol, expand, fraction, roots,
    simplify, together,
)
from sympy.core.function import AppliedUndef
from sympy.matrices import MatrixBase
from sympy.matrices.expressions import MatrixExpr

from .latex_in.notation import Rewrite
from .randomvars import RandomOperator

MAX_FREE_NAMES = 3  # searching more unknowns together is neither quick nor needed by a human's hypotheses
MAX_DEGREE = 4  # of each hypothesis in the free names: the search stays quick
LEFTOVER_VALUES = (S.One, S.Zero, Rational(2), S.Half, Rational(-1))  # tried for all free names but one


@dataclass(frozen=True)
class Within:
    """The hypotheses a point contradicts, those it is not shown to satisfy, and the values found for
    the names it left free (shown as text, like the point's own)."""

    contradicted: tuple[str, ...] = ()
    unconfirmed: tuple[str, ...] = ()
    completion: tuple[tuple[str, str], ...] = ()

    @property
    def holds(self) -> bool:
        return not self.contradicted and not self.unconfirmed


def within_hypotheses(values: dict[str, str], hypotheses: Sequence[Rewrite]) -> Within:
    """Check the scalar hypotheses at the point ``values`` (name -> text), completing it where they leave names free."""
    equations = [(h.label, difference) for h in hypotheses if (difference := _scalar_difference(h)) is not None]
    given = _given(values, equations)
    if given is None:
        unreadable = [label for label, d in equations if any(str(s) in values for s in d.free_symbols)]
        return Within(unconfirmed=tuple(unreadable))
    relevant = _sharing_names(equations, set(given))
    at_point = [(label, d.xreplace(given)) for label, d in relevant]
    closed = [(label, d) for label, d in at_point if not d.free_symbols]
    contradicted = tuple(label for label, d in closed if d.is_zero is False)
    undecided = tuple(label for label, d in closed if d.is_zero is not False and not _exactly_zero(d))
    if contradicted or undecided:
        return Within(contradicted=contradicted, unconfirmed=undecided)
    open_ = [(label, d) for label, d in at_point if d.free_symbols]
    if not open_:
        return Within()
    completion = _completion([d for _, d in open_])
    if completion is None:
        return Within(unconfirmed=tuple(label for label, _ in open_))
    shown = tuple((str(s), str(v)) for s, v in sorted(completion.items(), key=lambda item: str(item[0])))
    return Within(completion=shown)


def _scalar_difference(hypothesis: Rewrite) -> Expr | None:
    """``target - value`` of a hypothesis between plain scalars; None for anything else."""
    sides = (hypothesis.target, hypothesis.value)
    if any(not isinstance(side, Basic) or isinstance(side, (MatrixExpr, MatrixBase))
           or side.has(Indexed, MatrixExpr, AppliedUndef, RandomOperator, Sum, Product, Integral, Derivative)
           for side in sides):
        return None
    difference = sides[0] - sides[1]
    if not difference.free_symbols or not all(isinstance(s, Symbol) for s in difference.free_symbols):
        return None
    return difference


def _given(values: dict[str, str], equations: list[tuple[str, Expr]]) -> dict[Symbol, Rational] | None:
    """The point's values of the hypotheses' names, exact; None if one cannot be read as a rational."""
    names = {s for _, d in equations for s in d.free_symbols if str(s) in values}
    try:
        return {s: Rational(values[str(s)]) for s in names}
    except (TypeError, ValueError):  # a matrix, or a value that is no rational
        return None


def _sharing_names(equations: list[tuple[str, Expr]], given: set[Symbol]) -> list[tuple[str, Expr]]:
    """The hypotheses that mention a name the point gives, and those sharing a free name with them
    (``z^2 = x`` and ``z = 5``: each alone could hold, together not at x = -1)."""
    reached = {index for index, (_, d) in enumerate(equations) if d.free_symbols & given}
    names = {s for index in reached for s in equations[index][1].free_symbols} - given
    grown = True
    while grown:
        grown = False
        for index, (_, d) in enumerate(equations):
            if index not in reached and d.free_symbols & names:
                reached.add(index)
                names |= d.free_symbols - given
                grown = True
    return [equations[index] for index in sorted(reached)]


def _completion(differences: list[Expr]) -> dict[Symbol, Expr] | None:
    """Real values of the free names at which every difference is exactly 0, respecting each name's
    assumptions; None if none is found (candidates are re-checked, never trusted).

    All names but one are tried at LEFTOVER_VALUES and the last one at the exact roots the hypotheses give it
    (up to quadratic factors): a bounded search, where ``solve`` on several names of degree 4 runs for minutes.
    """
    names = sorted(set().union(*(d.free_symbols for d in differences)), key=str)
    if len(names) > MAX_FREE_NAMES:
        return None
    numerators = [fraction(together(d))[0] for d in differences]
    if not all(n.is_polynomial(*names) and _degree(n, names) <= MAX_DEGREE for n in numerators):
        return None
    for solved in names:
        others = [s for s in names if s != solved]
        for guesses in product(LEFTOVER_VALUES, repeat=len(others)):
            chosen = dict(zip(others, guesses))
            for value in _roots_in(solved, [expand(n.xreplace(chosen)) for n in numerators]):
                candidate = {**chosen, solved: value}
                if _admissible(candidate, names) and all(_exactly_zero(d.xreplace(candidate)) for d in differences):
                    return candidate
    return None


def _roots_in(name: Symbol, polynomials: list[Expr]) -> list[Expr]:
    """The exact roots in ``name`` of the polynomials that do not vanish identically (those ``roots`` finds
    without the cubic and quartic formulas); LEFTOVER_VALUES when all vanish."""
    found: list[Expr] = []
    for polynomial in polynomials:
        if polynomial != 0:
            found.extend(roots(Poly(polynomial, name), cubics=False, quartics=False) if polynomial.has(name) else ())
    return list(dict.fromkeys(found)) if any(p != 0 for p in polynomials) else list(LEFTOVER_VALUES)


def _degree(polynomial: Expr, names: list[Symbol]) -> int:
    return max((sum(monomial) for monomial in expand(polynomial).as_poly(*names).monoms()), default=0)


def _admissible(candidate: dict[Symbol, Expr], names: list[Symbol]) -> bool:
    """Every name has a real number consistent with its assumptions (positive, integer, ...)."""
    for name in names:
        value = candidate.get(name)
        if value is None or not value.is_number or value.is_real is not True:
            return False
        for fact in ("integer", "positive", "negative", "nonnegative", "nonpositive", "nonzero"):
            wanted = getattr(name, f"is_{fact}")
            if wanted is not None and getattr(value, f"is_{fact}") is not wanted:
                return False
    return True


def _exactly_zero(value: Expr) -> bool:
    return value.is_zero is True or (value.is_number and simplify(value) == 0)


__all__ = ["Within", "within_hypotheses"]
