"""An independent oracle for the judge's tests: the truth of a relation, computed without the judge.

Nothing here imports ``symderive.judge`` or reuses its evaluation code: sums are
written out by a loop of our own (in either convention), entries get values
from a seeded generator keyed by their *evaluated* indices (so one entry under
two spellings gets one value), and moments of random entries are computed by
integrating against the densities of a concrete realisation.  The judge's
tests compare its verdicts against this oracle.
"""
from __future__ import annotations

import itertools
import random
from typing import Callable, Iterable, Iterator, Mapping

from sympy.core.evalf import PrecisionExhausted
from sympy import (
    Abs, Add, Basic, Expr, I, Indexed, Integer, Mul, Product, Rational, S, Sum, Symbol, exp, integrate,
    oo, pi, sqrt,
)

from symderive.randomvars import Cov, Expect, Var

DIGITS = 60
ZERO_BELOW = Rational(1, 10**45)  # |difference| below this at 60 digits counts as 0


# -- sums and products, written out in either convention -------------------------------


def write_out(expr: Basic, karr: bool) -> Basic:
    """Every sum and product with integer bounds as explicit terms; outermost range first."""
    if isinstance(expr, (Sum, Product)):
        *inner, (var, lower, upper) = expr.limits
        lower, upper = _as_int(lower), _as_int(upper)
        body = type(expr)(expr.function, *inner) if inner else expr.function
        is_sum = isinstance(expr, Sum)
        if upper >= lower - 1:
            terms = [write_out(body.xreplace({var: Integer(t)}), karr) for t in range(lower, upper + 1)]
            return Add(*terms) if is_sum else Mul(*terms)
        if not karr:  # textbook: a reversed range is empty
            return S.Zero if is_sum else S.One
        # Karr: sum_{a}^{b} f = -sum_{b+1}^{a-1} f, prod_{a}^{b} f = 1 / prod_{b+1}^{a-1} f
        terms = [write_out(body.xreplace({var: Integer(t)}), karr) for t in range(upper + 1, lower)]
        return -Add(*terms) if is_sum else 1 / Mul(*terms)
    if not expr.args:
        return expr
    return expr.func(*(write_out(a, karr) for a in expr.args))


def _as_int(bound: Expr) -> int:
    value = bound.evalf(DIGITS)
    nearest = int(value.round())
    if abs(value - nearest) > ZERO_BELOW:
        raise ValueError(f"bound {bound} is not an integer")
    return nearest


# -- entries: one value per evaluated index ---------------------------------------------


def canonical_index(index: Expr) -> Expr:
    """An index as an exact integer when it evaluates to one (``log 8 / log 2`` -> 3)."""
    if index.is_Integer:
        return index
    value = index.evalf(DIGITS)
    if value.is_real is not False and value.is_number:
        nearest = Integer(int(value.round()))
        if abs(value - nearest) < ZERO_BELOW:
            return nearest
    return index


def entry_key(entry: Indexed) -> tuple:
    return (str(entry.base.label), tuple(canonical_index(i) for i in entry.indices))


def entry_value(entry: Indexed) -> Expr:
    """A fixed value for an entry, drawn from a generator seeded by its evaluated indices."""
    rng = random.Random(repr(entry_key(entry)))
    if entry.is_integer:
        return Integer(rng.randint(1, 9))
    return Rational(rng.randint(-97, 97), rng.randint(1, 13))


def with_entry_values(expr: Basic, given: Mapping[tuple, Expr] | None = None) -> Basic:
    """Entries with numeric indices replaced by ``given[key]`` or else by their seeded value."""
    given = given or {}

    def value(entry: Indexed) -> Expr:
        key = entry_key(entry)
        return given[key] if key in given else entry_value(entry)

    return expr.replace(lambda e: isinstance(e, Indexed) and not any(i.free_symbols for i in e.indices), value)


# -- the value of a relation's difference at a point -----------------------------------


def value_at(expr: Expr, point: Mapping[Basic, Expr], karr: bool = False) -> Expr:
    """``expr`` at ``point``: symbols first, then sums written out, then entries (the point's or seeded)."""
    symbols = {k: v for k, v in point.items() if not isinstance(k, Indexed)}
    entries = {entry_key(k.xreplace(symbols)): v for k, v in point.items() if isinstance(k, Indexed)}
    at = with_entry_values(expr.xreplace(symbols), entries)  # entries that bound a sum, such as s[1]
    at = write_out(at, karr)
    at = with_entry_values(at, entries)
    return at.doit()


def numeric(value: Expr) -> Expr | None:
    """A 60-digit value, or None where the expression is undefined."""
    if value.has(S.NaN, S.ComplexInfinity, oo, -oo):
        return None
    approx = value.evalf(DIGITS)
    if approx.has(S.NaN, S.ComplexInfinity, oo, -oo) or not approx.is_number:
        return None
    return approx


def differs_at(lhs: Expr, rhs: Expr, point: Mapping, karr: bool = False) -> bool:
    """Whether the sides certainly differ at ``point``: exactly, or by a strict 60-digit evaluation."""
    difference = value_at(lhs, point, karr) - value_at(rhs, point, karr)
    if difference.has(S.NaN, S.ComplexInfinity, oo, -oo):
        return False
    if difference.is_Rational:
        return difference != 0
    try:  # strict: SymPy raises instead of returning noise when it cannot reach the accuracy (a zero)
        approx = difference.evalf(DIGITS, strict=True)
    except PrecisionExhausted:
        return False
    return approx.is_number and not approx.has(S.NaN, S.ComplexInfinity) and approx != 0


def agrees_at(lhs: Expr, rhs: Expr, point: Mapping, karr: bool = False) -> bool | None:
    """True or False at a point where both sides are defined; None where one is not."""
    left, right = numeric(value_at(lhs, point, karr)), numeric(value_at(rhs, point, karr))
    if left is None or right is None:
        return None
    return bool(Abs(left - right) < ZERO_BELOW)


# -- candidate points, from the assumptions alone --------------------------------------

_INTEGERS = (0, 1, -1, 2, -2, 3, 5, -3, 7, 4, 12, -5, 9, 13, 6, 17)
_REALS = (Rational(1, 2), -1, Rational(7, 3), 0, Rational(-5, 4), 2, Rational(5, 97), Rational(-13, 6), 1,
          Rational(3, 65537), Rational(11, 5), -2)
_COMPLEX = (1 + 2 * I, -1, Rational(-1, 2) - 5 * I / 2, I, 2, 7 * I, Rational(1, 3) + I / 5, -3 - I, 0)


def candidates(symbol: Symbol) -> list[Expr]:
    """Values a symbol may take under its assumptions, a fixed list (no sampling shared with the judge)."""
    if symbol.is_integer:
        pool = [Integer(v) for v in _INTEGERS]
    elif symbol.is_real or symbol.is_rational:
        pool = [Rational(v) for v in _REALS] + [Integer(v) for v in _INTEGERS[:8]]
    else:
        pool = [S(v) for v in _COMPLEX] + [Rational(v) for v in _REALS[:4]]
    facts = ("integer", "real", "positive", "negative", "nonnegative", "nonpositive", "even", "odd",
             "zero", "nonzero", "prime", "rational")
    kept = []
    for value in pool:
        if all(getattr(symbol, f"is_{f}") is None or getattr(value, f"is_{f}") is getattr(symbol, f"is_{f}")
               for f in facts) and value not in kept:
            kept.append(value)
    return kept


def points_for(symbols: Iterable[Symbol], count: int = 14) -> Iterator[dict]:
    """Deterministic points: each symbol walks its candidate list with its own stride."""
    symbols = sorted(symbols, key=lambda s: s.name)
    lists = [candidates(s) for s in symbols]
    if not symbols:
        yield {}
        return
    total = 1
    for values in lists:
        total *= len(values)
    if total <= count:
        for combo in itertools.product(*lists):
            yield dict(zip(symbols, combo))
        return
    strides = (1, 3, 5, 7, 11, 13)
    base_points = [{s: vs[(n * strides[m % len(strides)] + m) % len(vs)] for m, (s, vs) in enumerate(zip(symbols, lists))}
                   for n in range(count)]
    yield from base_points
    # Coincidences of integer symbols (indices): all equal, then each pair equal.
    integers = [s for s in symbols if s.is_integer]
    groups = [integers] + [list(pair) for pair in itertools.combinations(integers, 2)] if len(integers) > 1 else []
    for number, group in enumerate(groups):
        common = [v for v in candidates(group[0]) if all(v in candidates(s) for s in group[1:])]
        if common:
            point = dict(base_points[number % len(base_points)])
            point.update({s: common[number % len(common)] for s in group})
            yield point


def free_unknowns(*exprs: Expr) -> set[Symbol]:
    """Symbols that need a value: free symbols that are not the labels of indexed bases."""
    labels = {e.base.label for x in exprs for e in x.atoms(Indexed)}
    return {s for x in exprs for s in x.free_symbols if isinstance(s, Symbol) and s not in labels}


# -- random entries: moments by integration over a concrete realisation ----------------


class Realisation:
    """Each random entry as an expression in independent underlying variables with known laws.

    ``of_entry`` maps an entry's key (base name, evaluated indices) to an expression in
    underlying variables; ``uniform`` gives each variable's half-width (Uniform(-h, h))
    and ``normal`` lists standard normal variables.
    """

    def __init__(self, of_entry: Callable[[tuple], Expr], uniform: Mapping[Symbol, Expr] | None = None,
                 normal: Iterable[Symbol] = ()) -> None:
        self.of_entry = of_entry
        self.uniform = dict(uniform or {})
        self.normal = set(normal)

    def expectation(self, expr: Expr) -> Expr:
        expr = expr.replace(lambda e: isinstance(e, Indexed), lambda e: self.of_entry(entry_key(e)))
        for variable in sorted(expr.free_symbols & (set(self.uniform) | self.normal), key=str):
            if variable in self.normal:
                density = exp(-variable**2 / 2) / sqrt(2 * pi)
                expr = integrate(expr * density, (variable, -oo, oo))
            else:
                h = self.uniform[variable]
                expr = integrate(expr / (2 * h), (variable, -h, h))
        return expr

    def value(self, expr: Expr) -> Expr:
        """Every E, Var, Cov in ``expr`` computed from their definitions (innermost first)."""
        if not expr.args:
            return expr
        args = [self.value(a) for a in expr.args]
        if isinstance(expr, Expect):
            return self.expectation(args[0])
        if isinstance(expr, Var):
            return self.expectation(args[0] ** 2) - self.expectation(args[0]) ** 2
        if isinstance(expr, Cov):
            return self.expectation(args[0] * args[1]) - self.expectation(args[0]) * self.expectation(args[1])
        return expr.func(*args)


def iid_uniform(half_width: Expr, names: Iterable[str]) -> Realisation:
    """Entries of the named bases as independent Uniform(-h, h) variables, one per distinct entry."""
    names = set(names)
    made: dict[tuple, Symbol] = {}

    def of_entry(key: tuple) -> Expr:
        if key[0] not in names:
            raise KeyError(f"{key} has no law in this realisation")
        if key not in made:
            made[key] = Symbol(f"t{len(made)}", real=True)
            realisation.uniform[made[key]] = half_width
        return made[key]

    realisation = Realisation(of_entry)
    return realisation


def random_value(expr: Expr, realisation: Realisation, point: Mapping[Basic, Expr] = {}, karr: bool = False) -> Expr:
    """E/Var/Cov in ``expr`` at ``point`` under ``realisation``, sums written out in the convention."""
    at = write_out(expr.xreplace(dict(point)), karr=karr)
    return realisation.value(at)


def random_agrees(lhs: Expr, rhs: Expr, realisation: Realisation, point: Mapping = {}, karr: bool = False) -> bool:
    difference = random_value(lhs, realisation, point, karr) - random_value(rhs, realisation, point, karr)
    return difference.simplify() == 0


# -- counterexamples reported by the judge ----------------------------------------------

_ASSUMPTIONS = ("integer", "rational", "irrational", "real", "imaginary", "complex", "finite", "infinite",
                "positive", "negative", "nonnegative", "nonpositive", "zero", "nonzero", "even", "odd", "prime",
                "composite", "commutative", "algebraic", "transcendental")


def violated_assumptions(variable: Basic, value: Expr) -> list[str]:
    """The assumptions of ``variable`` that ``value`` certainly contradicts."""
    wrong = []
    for fact in _ASSUMPTIONS:
        wanted, actual = getattr(variable, f"is_{fact}", None), getattr(value, f"is_{fact}", None)
        if wanted is not None and actual is not None and wanted is not actual:
            wrong.append(fact if wanted else f"not {fact}")
    return wrong


def unknowns_by_name(*exprs: Expr) -> dict[str, list[Basic]]:
    """Every free symbol and indexed base of the sides, by printed name (several when names clash)."""
    named: dict[str, list[Basic]] = {}
    for expr in exprs:
        for base in {e.base for e in expr.atoms(Indexed)}:
            named.setdefault(str(base.label), [])
            if base not in named[str(base.label)]:
                named[str(base.label)].append(base)
        labels = {e.base.label for e in expr.atoms(Indexed)}
        for symbol in expr.free_symbols - labels:
            named.setdefault(str(symbol), [])
            if symbol not in named[str(symbol)]:
                named[str(symbol)].append(symbol)
    return named
