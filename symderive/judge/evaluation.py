"""Exact evaluation of one side or difference: symbolically, at sizes, or at a full point."""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from functools import cached_property
from typing import Iterator

from sympy import Basic, Expr, Indexed, Integral, KroneckerDelta, Symbol, Tuple, expand
from sympy.core.function import UndefinedFunction

from ..densities import IntegralOver
from ..integrals import evaluate_integrals
from ..randomvars import Undecidable, evaluate_moments, numeric_difference_is_nonzero, opaque_moments, operators_in
from ..realisations import draw_realisation, entry_law, law_parameters
from .functions import arities, functions_in, random_polynomials, with_functions
from .context import Context
from .numbers import Sign, classify
from .sampling import (
    canonical_order,
    consistent,
    draw_value,
    entries_of,
    free_symbols_of,
    largest_constant,
    size_values,
    sizes_of,
)
from .sums import expand_finite_sums


def integrals_evaluated(expr: Basic) -> Basic:
    """Every definite integral replaced by its exact value (:mod:`symderive.integrals`).

    Antiderivatives are checked by differentiation and Gaussian integrals come
    from completing the square; any other integrand is undecidable here.
    """
    if not expr.has(Integral):
        return expr
    return evaluate_integrals(expr)


def symbolic_value(expr: Expr, context: Context, used: set[str], closed_forms: bool = True) -> Expr:
    """``expr`` with integrals and E/Var/Cov evaluated, every symbol kept symbolic.

    With ``closed_forms`` the remaining sums are evaluated too (``doit``): often needed, often dear.
    """
    expr = integrals_evaluated(expr)
    if operators_in(expr):
        expr = evaluate_moments(expr, _model(context), used)
    return expr.doit() if closed_forms else expr


def value_at_sizes(expr: Expr, sizes: dict, context: Context, used: set[str]) -> Expr:
    """Sizes substituted, finite sums written out, moments evaluated; other symbols kept."""
    expr = integrals_evaluated(expr)
    expr = canonical_indices(expand_finite_sums(expr.xreplace(sizes), context.convention))
    if operators_in(expr):
        expr = evaluate_moments(expr, _model(context).subs(sizes), used).xreplace(sizes)
    return expr.doit()


def _model(context: Context):
    if context.random_model is None:
        raise Undecidable("E/Var/Cov appear but no random model is declared")
    return context.random_model


def canonical_indices(expr: Basic) -> Basic:
    """Entries whose indices are numbers get those numbers as exact rationals.

    ``b[log 6 - log 2 - log 3 + 1]`` becomes ``b[1]``: the same entry under two
    spellings must receive the same value.  An index that cannot be decided
    to be a rational is undecidable.
    """

    def canonical(entry: Indexed) -> Basic:
        indices = [_canonical_number(i) if i.is_number else i for i in entry.indices]
        return entry.base[tuple(indices)] if indices != list(entry.indices) else entry

    return expr.replace(lambda e: isinstance(e, Indexed) and any(i.is_number for i in e.indices), canonical)


def _canonical_number(index: Expr) -> Expr:
    value = index.doit()
    if value.is_Rational:
        return value
    nearest = value.evalf(50).round()
    if nearest.is_Integer and not numeric_difference_is_nonzero(value - nearest):
        return nearest
    raise Undecidable(f"the index {index} is not a rational number")


@dataclass(frozen=True)
class Point:
    """A full assignment (sizes, symbols, entries, in the order drawn) and the exact value there."""

    assignment: dict
    value: Expr

    @property
    def sign(self) -> Sign:
        return classify(self.value)


def evaluate_at(expr: Expr, assignment: dict, context: Context, used: set[str]) -> Expr:
    """``expr`` at a full assignment, following the order in which it was drawn."""
    functions = {k: v for k, v in assignment.items() if isinstance(k, UndefinedFunction)}
    symbols = {k: v for k, v in assignment.items() if isinstance(k, Symbol)}
    entries = {k: v for k, v in assignment.items() if isinstance(k, Indexed)}
    expr = integrals_evaluated(with_functions(expr, functions))
    expr = _unfolded(canonical_indices(expr.xreplace(symbols)), context)
    expr = _unfolded(canonical_indices(expand_finite_sums(expr.xreplace(entries), context.convention)), context)
    if operators_in(expr):
        model = _model(context).subs({**symbols, **entries})
        expr = canonical_indices(evaluate_moments(expr, model, used))
        if opaque_moments(expr):
            # A joint moment of dependent entries is unknown: no value may be put inside it.
            raise Undecidable(f"the moment {next(iter(opaque_moments(expr)))} is not determined by the model")
    return expr.xreplace(entries).doit()


def _unfolded(expr: Basic, context: Context) -> Basic:
    """Definitions again, now that indices are numbers: ``Y[1] := 5`` also defines ``Y[log 6 - log 2 - log 3 + 1]``."""
    for definition in context.definitions:
        expr = definition.unfold(expr)
    return expr


@dataclass(frozen=True)
class Sampler:
    """Draws points for one expression: every symbol, then sizes that are entries, then entries."""

    expr: Expr
    context: Context
    companions: tuple[Expr, ...] = ()  # the two sides: their symbols get values even if they cancel

    @cached_property
    def prepared(self) -> Expr:
        """The integrals evaluated once, symbolically (after the functions when there are any)."""
        return self.expr if functions_in(self.expr) else integrals_evaluated(self.expr)

    def points(self, count: int | None, large_sizes: bool = True, used: set[str] | None = None) -> Iterator[Point]:
        """Up to ``count`` points; None means one per combination of sizes and equality pattern (4 to 16)."""
        used = set() if used is None else used
        rng = random.Random(f"{self.context.seed}:{count}:{large_sizes}")
        beyond = largest_constant(self.expr)
        size_symbols = [s for s in sizes_of(self.expr) if isinstance(s, Symbol)]
        choices = [self._values(s, beyond, rng, large_sizes) for s in size_symbols]
        if any(not c for c in choices):
            raise Undecidable("no instance of the sizes was given: no evidence")
        combos = _combinations(choices, count or 16, rng)
        every_symbol = set(free_symbols_of(self.expr)).union(*(free_symbols_of(c) for c in self.companions))
        symbols = [s for s in canonical_order(every_symbol) if s not in size_symbols]
        # Integer symbols (indices, mostly) are drawn by equality pattern, so that
        # coincidences such as i = j are tried as systematically as differences.
        integers = [s for s in symbols if s.is_integer]
        functions = arities(Tuple(self.expr, *self.companions))
        over_regions = Tuple(self.expr, *self.companions).atoms(IntegralOver)
        if any(region.has(*functions) for region in over_regions):
            # ∫_{supp f} or ∫_{ℝ^d} of an unknown function: a polynomial put in its place has no such integral
            raise Undecidable("an integral of an undeclared function over a named region (supp f, R^d) "
                              "is not evaluated at sample polynomials")
        patterns = _equality_patterns(integers, rng, self.expr)
        if count is None:
            count = min(16, max(4, len(combos) * len(patterns)))
        for number in range(count):
            combo = combos[number % len(combos)]
            pattern = patterns[(number // len(combos)) % len(patterns)]
            assignment: dict = random_polynomials(functions, rng)
            assignment.update(zip(size_symbols, map(_integer, combo)))
            boundary = number < len(combos)
            possible = True
            for block in pattern:
                value = _draw_common(block, rng, boundary, number)
                if value is None and len(block) > 1:
                    possible = False  # symbols that cannot be equal (an even and an odd one): no such point
                    break
                if value is None:
                    raise Undecidable(f"no value satisfies the assumptions on {', '.join(map(str, block))}")
                assignment.update({s: value for s in block})
            if not possible:
                continue
            for symbol in symbols:
                if symbol in assignment:
                    continue
                value = draw_value(symbol, rng, boundary=boundary, number=number)
                if value is None:
                    raise Undecidable(f"no value satisfies the assumptions on {symbol}")
                assignment[symbol] = value
            point = self._complete(assignment, beyond, rng, large_sizes, used)
            if point is not None:
                yield point

    def _values(self, size: Basic, beyond: int, rng: random.Random, large: bool) -> list[int]:
        listed = self.context.instance_values.get(size)
        values = size_values(size, tuple(listed) if listed is not None else None, beyond, rng)
        return values if large or listed is not None and not values else values[:-2] or values

    def _complete(self, assignment: dict, beyond: int, rng: random.Random, large: bool, used: set[str]) -> Point | None:
        """Sizes that are entries (such as ``n[l-1]`` once ``l`` is known), then the remaining entries."""
        functions = {k: v for k, v in assignment.items() if isinstance(k, UndefinedFunction)}
        symbols = {k: v for k, v in assignment.items() if not isinstance(k, UndefinedFunction)}
        at_symbols = canonical_indices(integrals_evaluated(with_functions(self.prepared, functions)).xreplace(symbols))
        for size in sizes_of(at_symbols):
            values = self._values(size, beyond, rng, large)
            if not values:
                raise Undecidable(f"no instance of the size {size}")
            assignment[size] = _integer(rng.choice(values))
        value = evaluate_at(self.prepared, assignment, self.context, used)
        for entry in entries_of(value):
            if entry not in assignment and not draw_entry(entry, assignment, self.context, rng):
                return None
        if not self._draw_cancelled_entries(assignment):
            return None
        return Point(assignment, value.xreplace({e: assignment[e] for e in entries_of(value)}).doit())

    def _draw_cancelled_entries(self, assignment: dict) -> bool:
        """Values for the sides' own entries that cancel in the difference (``1/n_0`` on both
        sides): a counterexample must make each side a number.  Drawn from their own generator,
        seeded by the point, so the points drawn for the difference stay what they were.  Sides
        with E/Var/Cov or integrals are left alone: an entry there is a random variable or bound."""
        indices = {k: v for k, v in assignment.items() if isinstance(k, Symbol) and k.is_integer}
        plain = [c for c in self.companions if not operators_in(c) and not c.has(Integral)]  # no entry under E
        try:
            sides = [companion.xreplace(indices) for companion in plain]
        except (ValueError, TypeError):  # e.g. a derivative with respect to a number
            return True
        missing = [e for side in sides for e in entries_of(side)
                   if all(i.is_number for i in e.indices) and e not in assignment]
        rng = random.Random(f"{self.context.seed}:{sorted(map(str, assignment.items()))}")
        for entry in canonical_order(set(missing)):
            if entry not in assignment and not draw_entry(entry, assignment, self.context, rng):
                return False
        return True


def draw_entry(entry: Indexed, assignment: dict, context: Context, rng: random.Random) -> bool:
    """Give ``entry`` a value in ``assignment`` (False when none can be found).

    The realisation of a random entry with a declared law lies strictly inside the law's
    support, at the parameters' values (drawn here first when the point has none yet, such
    as ``c`` for ``a ~ U(-c, c)`` in ``|a| = a``); any other entry gets a value with its
    assumptions.
    """
    try:
        law = entry_law(entry, context.random_model)
    except Undecidable:  # random, but its values cannot be placed: drawn as an unknown, as before
        law = None
    if law is not None:
        for parameter in law_parameters(law):
            if parameter not in assignment:
                drawn = draw_value(parameter, rng)
                if drawn is None:
                    return False
                assignment[parameter] = drawn
        value = draw_realisation(law.at(assignment), rng)
    else:
        value = draw_value(entry, rng)
    if value is None:
        return False
    assignment[entry] = value
    return True


MAX_PATTERNS = 15


def _equality_patterns(symbols: list[Symbol], rng: random.Random, expr: Basic) -> list[list[list[Symbol]]]:
    """Set partitions of ``symbols`` (blocks get equal values): all of them for up to four symbols.

    For more, the extremes first (all distinct, all equal, the symbols that a Kronecker
    delta ties merged), since a product of deltas is nonzero only there, then random ones.
    """
    if len(symbols) <= 4:
        return list(_partitions(symbols)) or [[]]
    patterns = [[[s] for s in symbols], [list(symbols)], _tied_by_deltas(symbols, expr)]
    while len(patterns) < MAX_PATTERNS:
        blocks: list[list[Symbol]] = []
        for s in symbols:
            choice = rng.randint(0, len(blocks))
            if choice == len(blocks):
                blocks.append([s])
            else:
                blocks[choice].append(s)
        patterns.append(blocks)
    return patterns


def _tied_by_deltas(symbols: list[Symbol], expr: Basic) -> list[list[Symbol]]:
    """The partition in which the two symbols of every ``KroneckerDelta(i, j)`` share a block."""
    block_of = {s: [s] for s in symbols}
    for delta in canonical_order(expr.atoms(KroneckerDelta)):
        first, second = delta.args
        if first in block_of and second in block_of and block_of[first] is not block_of[second]:
            merged = block_of[first] + block_of[second]
            for s in merged:
                block_of[s] = merged
    blocks: list[list[Symbol]] = []
    for s in symbols:
        if block_of[s] not in blocks:
            blocks.append(block_of[s])
    return blocks


def _partitions(items: list) -> Iterator[list[list]]:
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for partition in _partitions(rest):
        yield [[first]] + partition
        for position in range(len(partition)):
            yield partition[:position] + [[first] + partition[position]] + partition[position + 1:]


def _draw_common(block: list[Symbol], rng: random.Random, boundary: bool, number: int) -> Expr | None:
    """One value satisfying the assumptions of every symbol of ``block`` (the point's special value first)."""
    for attempt in range(20):
        value = draw_value(block[0], rng, boundary=boundary, number=number if attempt == 0 else None)
        if value is not None and all(consistent(s, value) for s in block[1:]):
            return value
    return None


def _integer(value: int):
    from sympy import Integer

    return Integer(value)


def _combinations(choices: list[list[int]], count: int, rng: random.Random) -> list[tuple[int, ...]]:
    """Every combination of size values when few; otherwise the small corner, the large corner and random ones."""
    total = 1
    for c in choices:
        total *= len(c)
    if total <= max(count, 1):
        return list(itertools.product(*choices))
    picked = [tuple(c[0] for c in choices), tuple(c[-1] for c in choices)]
    while len(picked) < count:
        picked.append(tuple(rng.choice(c) for c in choices))
    return picked


def confirmed(lhs: Expr, rhs: Expr, assignment: dict, context: Context) -> bool:
    """Re-check a counterexample: values respect the assumptions and the sides differ there."""
    if not all(consistent(variable, value) for variable, value in assignment.items()
               if not isinstance(variable, UndefinedFunction)):
        return False
    try:
        left = evaluate_at(lhs, assignment, context, set())
        right = evaluate_at(rhs, assignment, context, set())
    except Undecidable:
        return False
    return classify(expand(left - right)) is Sign.NONZERO and not (left.free_symbols | right.free_symbols)
