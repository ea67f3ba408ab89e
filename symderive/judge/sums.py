"""Finite sums and products: writing them out at concrete bounds, aligning their ranges."""
from __future__ import annotations

from collections.abc import Callable

from sympy import Add, Basic, Dummy, Expr, Integer, Integral, Mul, Product, S, Sum, expand, simplify

from ..randomvars import Undecidable
from .context import Convention

MAX_TERMS = 10_000


def bounds_are_integers(expr: Basic) -> str | None:
    """None when every sum and product bound is an integer; otherwise why not."""
    for node in expr.atoms(Sum, Product):
        for _, lower, upper in node.limits:
            for bound in (lower, upper):
                if bound.is_integer is not True:
                    return f"the bound {bound} of {type(node).__name__.lower()} {node} is not declared an integer"
    return None


def ranges_nonreversed(expr: Basic) -> bool:
    """Whether every range provably has ``upper >= lower - 1``: then both conventions agree."""
    return all(
        (upper - lower + 1).is_nonnegative is True
        for node in expr.atoms(Sum, Product)
        for _, lower, upper in node.limits
    )


def expand_finite_sums(expr: Basic, convention: Convention = Convention.TEXTBOOK, keep_long: bool = False) -> Basic:
    """Write out every sum and product whose bounds are whole numbers, outermost index first.

    A bound that is a number but not an integer is undecidable (``sum_{k=0}^{1/2}``
    has no meaning), never rounded.  A range longer than ``MAX_TERMS`` is
    undecidable, or left as it is with ``keep_long`` (for a closed form to settle).
    """

    def write_out(node: Sum | Product) -> Expr:
        *inner, (var, lower, upper) = node.limits
        if not (lower.is_number and upper.is_number):
            return node
        if not (lower.is_Integer and upper.is_Integer):
            raise Undecidable(f"{node} has a bound that is not an integer")
        combine = Add if isinstance(node, Sum) else Mul
        inverted = False
        if upper < lower - 1:
            if convention is Convention.TEXTBOOK:
                return S.Zero if isinstance(node, Sum) else S.One
            # Karr: sum_{a}^{b} = -sum_{b+1}^{a-1}; prod_{a}^{b} = 1 / prod_{b+1}^{a-1}.
            inverted, lower, upper = True, upper + 1, lower - 1
        if upper - lower + 1 > MAX_TERMS:
            if keep_long and not inverted:
                return node
            raise Undecidable(f"{type(node).__name__.lower()} of {upper - lower + 1} terms is too long to write out")
        body = type(node)(node.function, *inner) if inner else node.function
        value = combine(*(expand_finite_sums(body.xreplace({var: Integer(v)}), convention, keep_long)
                             for v in range(lower, upper + 1)))
        if not inverted:
            return value
        return -value if isinstance(node, Sum) else 1 / value

    return expr.replace(lambda e: isinstance(e, (Sum, Product)), write_out)


def align_sums(expr: Expr, normalise: Callable[[Expr], Expr] = simplify) -> Expr:
    """Rewrite the sums of ``expr`` over one common range and merge them.

    Every single sum is re-indexed to start at 0; sums whose lengths differ by
    whole numbers are cut to the shortest length (the extra terms peeled off) and
    added summand-wise, the merged summand passed through ``normalise``.  The value of ``expr`` is unchanged when no range is
    reversed (the caller checks that).
    """
    index = Dummy("k", integer=True)
    sums: list[tuple[Expr, Expr]] = []  # (summand in `index`, last value of `index`)
    rest = S.Zero
    for term in Add.make_args(expand(expr)):
        parts = Mul.make_args(term)
        single = [p for p in parts if isinstance(p, Sum) and len(p.limits) == 1]
        if len(single) != 1:
            rest += term
            continue
        the_sum = single[0]
        (var, lower, upper) = the_sum.limits[0]
        coefficient = Mul(*(p for p in parts if p is not the_sum))
        if var in coefficient.free_symbols:
            rest += term
            continue
        sums.append((coefficient * the_sum.function.xreplace({var: index + lower}), upper - lower))
    if len(sums) < 2:
        return expr
    shortest = _smallest([last for _, last in sums])
    if shortest is None:
        return expr
    summand = S.Zero
    for function, last in sums:
        for extra in range(1, int(last - shortest) + 1):
            rest += function.xreplace({index: shortest + extra})
        summand += function
    merged = normalise(summand)
    return rest if merged == 0 else rest + Sum(merged, (index, 0, shortest))


def _smallest(bounds: list[Expr]) -> Expr | None:
    """The smallest of ``bounds`` if they differ by whole numbers, else None."""
    base = bounds[0]
    offsets = [expand(b - base) for b in bounds]
    if not all(o.is_Integer for o in offsets):
        return None
    return base + min(offsets)


def canonical_bound_variables(*exprs: Basic) -> tuple[Basic, ...]:
    """Summation and product indices become integer Dummies, integration variables real ones.

    One Dummy per name across all ``exprs``, so identical sums stay identical.
    A bound name's declared assumptions are never trusted (``i`` declared
    positive while it runs from 0), and a bound name never clashes with the
    same name used freely (``sum_{L=1}^{L} L``).
    """
    chosen: dict[tuple[Basic, bool], Dummy] = {}

    def fresh(variable: Basic, integer: bool) -> Dummy:
        key = (variable, integer)
        if key not in chosen:
            chosen[key] = Dummy(str(variable), integer=True) if integer else Dummy(str(variable), real=True)
        return chosen[key]

    def rename(node: Basic) -> Basic:
        function, limits = node.function, list(node.limits)
        integer = isinstance(node, (Sum, Product))
        for position, (variable, *bounds) in enumerate(limits):
            if isinstance(variable, Dummy):
                continue
            new = fresh(variable, integer)
            function = function.xreplace({variable: new})
            # Inner limits (listed first) may depend on this index; its own bounds may not.
            limits[:position] = [(v, *(b.xreplace({variable: new}) for b in rest)) for v, *rest in limits[:position]]
            limits[position] = (new, *bounds)
        return type(node)(function, *limits)

    return tuple(e.replace(lambda x: isinstance(x, (Sum, Product, Integral)), rename) for e in exprs)
