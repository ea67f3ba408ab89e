"""Drawing evaluation points: sizes first, then symbols, then one value per distinct entry.

Every value respects the assumptions of what it is given to (a plain SymPy
``Symbol`` is complex, so it gets complex values).  Integers include the
boundary values 0, 1, -1, 2 where allowed; rationals include both signs, zero
and large random denominators; sizes include values drawn well beyond every
constant of the expression.  Everything is ordered by a canonical key and
drawn from a seeded generator, so a verdict never depends on the hash seed.
"""
from __future__ import annotations

import random
from typing import Iterable

from sympy import Basic, Expr, I, Indexed, Integer, Product, Rational, S, Sum, Symbol, default_sort_key, sqrt

_FACTS = ("integer", "rational", "real", "positive", "negative", "nonnegative", "nonpositive",
          "zero", "nonzero", "even", "odd", "prime", "composite", "finite", "infinite", "imaginary",
          "irrational", "noninteger", "algebraic", "transcendental", "extended_real", "complex")
_PRIMES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47)
ATTEMPTS = 60


def canonical_order(items: Iterable[Basic]) -> list[Basic]:
    return sorted(items, key=lambda e: (default_sort_key(e), str(e)))


def consistent(variable: Basic, value: Expr) -> bool:
    """Whether ``value`` has every property SymPy knows ``variable`` to have (or not to have)."""
    for fact in _FACTS:
        wanted = getattr(variable, f"is_{fact}")
        if wanted is not None and getattr(value, f"is_{fact}") is not wanted:
            return False
    return True


def _integer_candidate(rng: random.Random, boundary: bool) -> int:
    if boundary or rng.random() < 0.35:
        return rng.choice((0, 1, -1, 2, -2))
    return rng.choice((1, -1)) * rng.randint(3, 40)


def _rational_candidate(rng: random.Random) -> Rational:
    kind = rng.random()
    if kind < 0.15:
        return Rational(rng.choice((0, 1, -1)))
    if kind < 0.55:
        return Rational(rng.randint(-40, 40), rng.randint(1, 11))
    denominator = rng.randint(10**4, 10**6)  # no small period or grid can hide between these
    return Rational(rng.randint(-20 * denominator, 20 * denominator), denominator)


def _shape(variable: Basic, value: Expr, rng: random.Random) -> Expr:
    """Move a candidate towards the variable's sign and parity."""
    if variable.is_prime:
        return Integer(rng.choice(_PRIMES))
    if variable.is_nonnegative or variable.is_positive:
        value = abs(value)
    elif variable.is_nonpositive or variable.is_negative:
        value = -abs(value)
    if variable.is_even and value.is_integer:
        value = 2 * (value // 2)
    elif variable.is_odd and value.is_integer:
        value = 2 * (value // 2) + 1
    return value


# Values every sampler tries first, in this order (point k gets the k-th where the assumptions allow):
# zero, both signs and small integers, where identities with a hidden period or jump tend to fail.
_SPECIAL_INTEGERS = (0, 1, -1, 2, -2)
_SPECIAL_REALS = (S.Zero, S.One, S.NegativeOne)
_SPECIAL_COMPLEX = (S.Zero, S.One, S.NegativeOne, I, -I)
_SPECIAL_IMAGINARY = (I, -I)


def _special(variable: Basic, number: int) -> Expr | None:
    if variable.is_integer:
        values = tuple(map(Integer, _SPECIAL_INTEGERS))
    elif variable.is_imaginary:
        values = _SPECIAL_IMAGINARY
    elif variable.is_irrational:
        values = ()
    elif variable.is_real or variable.is_rational:
        values = _SPECIAL_REALS
    else:
        values = _SPECIAL_COMPLEX
    return values[number] if number < len(values) else None


def draw_value(variable: Basic, rng: random.Random, boundary: bool = False, number: int | None = None
               ) -> Expr | None:
    """A value with ``variable``'s assumptions, or None when none was found.

    ``number`` is the point's position: the first points take the special values (zero, ±1, ...)
    that the assumptions allow, so every seed tries them."""
    if variable.is_infinite or variable.is_commutative is False:
        return None  # no number is infinite, and numbers commute
    special = _special(variable, number) if number is not None else None
    if special is not None and consistent(variable, special):
        return special
    for attempt in range(ATTEMPTS):
        if variable.is_integer:
            value: Expr = Integer(_integer_candidate(rng, boundary and attempt < 10))
        elif variable.is_imaginary:
            value = I * _rational_candidate(rng)
        elif variable.is_irrational:
            value = _rational_candidate(rng) * sqrt(rng.choice(_PRIMES))
        elif variable.is_real or variable.is_rational:
            value = _rational_candidate(rng)
        else:  # complex: a plain Symbol; a nonzero imaginary part most of the time
            value = _rational_candidate(rng)
            if rng.random() < 0.8:
                value += I * _rational_candidate(rng)
        value = _shape(variable, value, rng)
        if consistent(variable, value):
            return value
    return None


SIZE_CEILING = 1000  # sizes are drawn at most this far beyond 0: sums written out further cost too much


def largest_constant(expr: Basic) -> int:
    """The largest integer written in ``expr``, so sizes can be drawn beyond it.

    Numerators and denominators count: ``floor(L/100)`` holds 100 only as a denominator.
    """
    found = [abs(int(part)) for number in expr.atoms(Rational) for part in (number.p, number.q)]
    return max(found, default=0)


def beyond_reach(expr: Basic) -> str:
    """Why sizes drawn for ``expr`` cannot pass all of its constants ('' when they can).

    A size below a constant can hide a difference such as ``Max(0, L - 1000)``:
    agreement at such sizes is no evidence.
    """
    if largest_constant(expr) <= SIZE_CEILING:
        return ""
    return f"a constant of the expression exceeds {SIZE_CEILING}, beyond every size that can be tried"


def size_values(size: Basic, listed: tuple[int, ...] | None, beyond: int, rng: random.Random) -> list[int]:
    """Values tried for a size: the listed (or small boundary) ones and two drawn well beyond ``beyond``."""
    if listed is not None:
        small = list(listed)
    elif size.is_positive:
        small = [1, 2, 3]
    elif size.is_nonnegative:
        small = [0, 1, 2, 3]
    else:
        small = [-2, -1, 0, 1, 2, 3]
    values = [v for v in small if consistent(size, Integer(v))]
    if listed is not None and not listed:
        return []
    drawn: list[int] = []
    for _ in range(ATTEMPTS):
        start = min(beyond, SIZE_CEILING)
        candidate = Integer(rng.randint(start + 6, start + 14))
        candidate = _shape(size, candidate, rng)
        if consistent(size, candidate) and int(candidate) not in values + drawn:
            drawn.append(int(candidate))
        if len(drawn) == 2:
            break
    return values + drawn


def sizes_of(expr: Basic) -> list[Basic]:
    """Free symbols or entries that bound a sum or product: the sizes to instantiate.

    The index of an outer sum bounding an inner one is not a size.
    """
    nodes = expr.atoms(Sum, Product)
    summation_indices = {v for node in nodes for v, *_ in node.limits}
    found: set[Basic] = set()
    for node in nodes:
        for _, lower, upper in node.limits:
            for bound in (lower, upper):
                found |= {s for s in unknowns(bound) if not (s.free_symbols & summation_indices)}
    return canonical_order(found)


def unknowns(expr: Basic) -> set[Basic]:
    """Free scalar unknowns: symbols and entries like ``n[l-1]`` (not their parts)."""
    bound = {v for node in expr.atoms(Sum, Product) for v, *_ in node.limits}
    entries = {e for e in expr.atoms(Indexed) if not (e.free_symbols & bound)}
    labels = {e.base.label for e in expr.atoms(Indexed)}
    hidden = {s for e in entries for s in e.free_symbols}
    symbols = {s for s in expr.free_symbols if isinstance(s, Symbol)} - labels
    placeholder = {e: Symbol(f"_entry{n}") for n, e in enumerate(canonical_order(entries))}
    outside = {s for s in expr.xreplace(placeholder).free_symbols if s in symbols}
    return entries | {s for s in symbols if s not in hidden} | outside


def free_symbols_of(expr: Basic) -> list[Symbol]:
    """Plain symbols free in ``expr`` (indices of entries included, labels and bound indices not)."""
    labels = {e.base.label for e in expr.atoms(Indexed)}
    return canonical_order(s for s in expr.free_symbols if isinstance(s, Symbol) and s not in labels)


def entries_of(expr: Basic) -> list[Indexed]:
    bound = {v for node in expr.atoms(Sum, Product) for v, *_ in node.limits}
    return canonical_order(e for e in expr.atoms(Indexed) if not (e.free_symbols & bound))
