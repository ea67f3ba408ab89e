r"""Refuting a step about unknown densities: put concrete densities in and integrate exactly.

A step such as ``∫_{supp f} f log(f/g) dα = -∫_{supp f} f log(f/g) dα`` is about *every* pair
of densities ``f, g`` (or every family ``f_j, g_j`` of marginals in a dimension ``d``).  The
judge cannot integrate unknown functions, but one pair of concrete densities for which the two
sides differ is a counterexample: here ``f_j, g_j`` become Gaussian, exponential and Laplace
densities (the supports of ``f_j`` inside those of ``g_j``, so ``g_j > 0`` wherever ``f_j > 0``),
integer symbols such as ``d`` become 2, and both sides are integrated exactly
(:mod:`symderive.integrals`).  Agreement there proves nothing, so this only ever refutes.

The densities must also satisfy what the document assumes about ``f`` and ``g``: ``assume f(x) = g(x)`` or
``assume D_KL(f(x) || g(x)) = 0`` is applied only where it is written, so a step about ``f(y)`` reaches the judge
with ``f`` and ``g`` free.  Every hypothesis that mentions the densities is evaluated at them the same way as the
step (for every value of the names the step does not fix, and for some value of an index or dimension it leaves
free) and must hold exactly; otherwise the densities are no counterexample.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import Sequence

from sympy import (
    Basic, Expr, Indexed, IndexedBase, Integer, Integral, Product, S, Sum, Symbol, expand, log, preorder_traversal,
    simplify,
)
from sympy.core.function import AppliedUndef

from .densities import KL, Density, FamilyMember, IntegralOver, exponential, laplace, normal
from .integrals import NotEvaluable, evaluate_integrals
from .randomvars import Undecidable

_t = Symbol("t", real=True)
Families = tuple[tuple[Density, Density], ...]
FAMILIES: Families = (  # (f_j, g_j) for j = 1, 2, 3, with supp f_j = supp g_j
    (normal(_t, 0, 1), normal(_t, 1, 2)),
    (exponential(_t, 2), exponential(_t, 3)),
    (laplace(_t, 0, 1), laplace(_t, 1, 2)),
)
NARROW_FAMILIES: Families = (  # supp f_j a proper part of supp g_j: g has mass outside supp f
    (exponential(_t, 2), laplace(_t, 0, 1)),
    (exponential(_t, 1), laplace(_t, 0, 2)),
    (exponential(_t, 3), laplace(_t, 1, 1)),
)
FAMILY_SETS = (FAMILIES, NARROW_FAMILIES)
SIZE = 2  # the value of every free integer symbol (the dimension d, an index i)
FREE_COORDINATE = S.Half  # a coordinate left free (x_{d+1}): inside every support
MAX_FUNCTIONS = 2  # the two densities of a divergence
MAX_FREE_INDICES = 2  # indices or dimensions a hypothesis leaves free, each tried at 1, 2, 3
Constraint = tuple[str, Basic, Basic, tuple]  # (label, one side, the other, pattern indices) of a hypothesis


class _Unusable(Exception):
    """The expression is not one these instances can make concrete."""


@dataclass(frozen=True)
class DensityCounterexample:
    values: dict[str, str]  # name -> what was put in
    lhs: Expr
    rhs: Expr
    unconfirmed: tuple[str, ...] = ()  # hypotheses the densities are not shown to satisfy: then no counterexample


def density_counterexample(left: Basic, right: Basic, constraints: Sequence[Constraint] = (),
                           positive: frozenset[str] = frozenset()) -> DensityCounterexample | None:
    """Concrete densities at which the two scalar sides differ, exactly, and every constraint that mentions
    them holds; None if the sides agree on every family tried or are not about unknown densities under
    integrals or divergences.  Where they differ only on densities not shown to satisfy some constraint, the
    first such is returned with those constraints in ``unconfirmed`` (it refutes nothing).  The functions
    named in ``positive`` are declared positive: they only become densities positive on the whole line."""
    sides = (left, right)
    if not any(isinstance(n, (IntegralOver, KL)) for side in sides for n in preorder_traversal(side)):
        return None
    stated = _density_names(sides)
    if not 1 <= len(stated) <= MAX_FUNCTIONS:
        return None
    mentioning, involved = _constraining(constraints, stated)
    names = sorted(involved if len(involved) <= MAX_FUNCTIONS else stated)  # g of a hypothesis about f and g too
    roles = {name: role for role, name in enumerate(names)}
    families_of = {a.func.__name__ for expr in (*sides, *(side for c in mentioning for side in c[1:3]))
                   for a in expr.atoms(FamilyMember)}
    integers = {s: Integer(SIZE) for side in sides for s in side.free_symbols
                if isinstance(s, Symbol) and s.is_integer}
    unconfirmed: DensityCounterexample | None = None
    for families in FAMILY_SETS:
        if not _positive_where_declared(families, roles, positive, families_of):
            continue
        found = _difference(sides, roles, integers, families)
        if found is None:
            continue
        free, lhs, rhs = found
        values = _shown_values(names, families_of, integers, families)
        values.update({str(s): str(FREE_COORDINATE) for s in sorted(free, key=str)})
        point = {s: FREE_COORDINATE for s in free}
        chosen, failed = _within_constraints(mentioning, roles, integers, point, families)
        if not failed:
            values.update({str(s): str(v) for s, v in sorted(chosen.items(), key=lambda item: item[0].name)})
            return DensityCounterexample(values, lhs, rhs)
        unconfirmed = unconfirmed or DensityCounterexample(values, lhs, rhs, failed)
    return unconfirmed


def _positive_where_declared(families: Families, roles: dict[str, int], positive: frozenset[str],
                             families_of: set[str]) -> bool:
    """Every density put in for a function declared positive is positive on the whole line (an exponential
    density, zero below 0, would refute steps that hold because the function is positive)."""
    for name in positive & roles.keys():
        used = [pair[roles[name]] for pair in families] if name in families_of else [families[0][roles[name]]]
        if any(bounds != (S.NegativeInfinity, S.Infinity) for density in used for bounds in density.support):
            return False
    return True


def _constraining(constraints: Sequence[Constraint], names: set[str]) -> tuple[list[Constraint], set[str]]:
    """The constraints that mention the densities ``names``, or functions those constrain with them (closed
    under sharing a function), and all the functions they mention."""
    mentioning: list[Constraint] = []
    involved = set(names)
    grown = True
    while grown:
        grown = False
        for constraint in constraints:
            mentioned = _density_names(constraint[1:3])
            if constraint not in mentioning and mentioned & involved:
                mentioning.append(constraint)
                involved |= mentioned
                grown = True
    return mentioning, involved


def _density_names(exprs: Sequence[Basic]) -> set[str]:
    """The unknown functions applied in ``exprs`` and those whose support is integrated over."""
    applied = {a.func.__name__ for expr in exprs for a in expr.atoms(AppliedUndef)}
    regions = {n.region.name[len("supp "):].split("_", 1)[0] for expr in exprs for n in preorder_traversal(expr)
               if isinstance(n, IntegralOver) and n.region.name.startswith("supp ")}
    return applied | regions


def _within_constraints(constraints: list[Constraint], roles: dict[str, int], integers: dict[Symbol, Integer],
                        point: dict[Symbol, Expr], families: Families) -> tuple[dict[Symbol, Integer], tuple[str, ...]]:
    """Values for the integers the step leaves free (an index ``i`` of ``D_KL(f_i || g_i)``) at which every
    constraint holds on ``families``, and the labels of those that do not hold for any such values.

    Such an integer is one name of the document (not a pattern), so the counterexample may choose it: each is
    tried at every index the families give a density for, all constraints together.  A pattern (``define`` over
    entry indices) must hold for every index, which finitely many densities cannot show: it is never confirmed.
    """
    free = sorted({s for _, target, value, _ in constraints for side in (target, value) for s in side.free_symbols
                   if isinstance(s, Symbol) and s.is_integer and s not in integers}, key=lambda s: s.name)
    if len(free) > MAX_FREE_INDICES:
        return {}, tuple(label for label, *_ in constraints)
    failed: tuple[str, ...] = ()
    for values in product(range(1, len(families) + 1), repeat=len(free)):
        chosen = {s: Integer(v) for s, v in zip(free, values)}
        broken = tuple(label for label, target, value, pattern in constraints  # a pattern holds for every index
                       if pattern or not _holds(target, value, roles, {**integers, **chosen}, point, families))
        if not broken:
            return chosen, ()
        failed = failed or broken
    return {}, failed


def _holds(target: Basic, value: Basic, roles: dict[str, int], integers: dict[Symbol, Integer],
           point: dict[Symbol, Expr], families: Families) -> bool:
    """Whether ``target = value`` holds exactly on ``families``, with the step's values in ``point`` put in and
    for every value of the names left (a difference that simplifies to 0)."""
    if target == value:
        return True
    try:
        sides = [evaluate_integrals(_concrete(side, roles, integers, families)) for side in (target, value)]
        difference = simplify(expand((sides[0] - sides[1]).xreplace(point)))
    except (_Unusable, NotEvaluable, Undecidable, ValueError, TypeError, ZeroDivisionError):
        return False
    return difference == 0


def _difference(sides: tuple[Basic, Basic], roles: dict[str, int], integers: dict[Symbol, Integer],
                families: Families) -> tuple[set, Expr, Expr] | None:
    """(the coordinates left free, both sides' values) if the sides differ certainly on ``families``."""
    try:
        values = [evaluate_integrals(_concrete(side, roles, integers, families)) for side in sides]
        free = set().union(*(v.free_symbols for v in values))
        if any(not (isinstance(s, Symbol) and s.is_real) for s in free):
            return None
        values = [v.xreplace({s: FREE_COORDINATE for s in free}) for v in values]
        difference = simplify(expand(values[0] - values[1]))
    except (_Unusable, NotEvaluable, Undecidable, ValueError, TypeError, ZeroDivisionError):
        return None
    if not all(_finite_real(v) for v in values) or not _certainly_nonzero(difference):
        return None
    return free, values[0], values[1]


def _finite_real(value: Expr) -> bool:
    if not value.is_number:
        return False
    estimate = value.evalf(30)
    return estimate.is_real is True and estimate.is_finite is True


def _certainly_nonzero(value: Expr) -> bool:
    if value.is_zero is False:
        return True
    if not value.is_number:
        return False
    estimate = value.evalf(50)
    return estimate.is_real is True and abs(estimate) > 1e-30


def _shown_values(names: list[str], families_of: set[str], integers: dict[Symbol, Integer],
                  families: Families) -> dict[str, str]:
    shown = {str(s): str(v) for s, v in sorted(integers.items(), key=lambda item: item[0].name)}
    for role, name in enumerate(names):
        if name in families_of:
            shown[f"{name}_j"] = ", ".join(f"{pair[role].name} (j = {j})" for j, pair in enumerate(families, 1))
        else:
            shown[name] = f"the density of {families[0][role].name}"
    return shown


def _concrete(expr: Basic, roles: dict[str, int], integers: dict[Symbol, Integer], families: Families) -> Expr:
    """``expr`` with the integers put in, finite sums written out, integrals over regions and
    divergences made ordinary integrals, and the unknown functions replaced by densities."""
    expr = expr.xreplace(integers)
    expr = expr.replace(lambda e: isinstance(e, (Sum, Product)), lambda e: e.doit(deep=False))
    if expr.has(Sum, Product):
        raise _Unusable("a sum or product that does not write out")
    coordinates: dict[Basic, Symbol] = {}
    expr = expr.replace(lambda e: isinstance(e, IntegralOver), lambda e: _integral(e, roles, coordinates, families))
    expr = expr.replace(lambda e: isinstance(e, KL), lambda e: _divergence(e, coordinates, families))
    expr = expr.replace(lambda e: isinstance(e, AppliedUndef), lambda e: _density_at(e, roles, families))
    return expr.xreplace(coordinates)


def _density_at(application: AppliedUndef, roles: dict[str, int], families: Families) -> Expr:
    role = roles.get(application.func.__name__)
    if role is None:
        raise _Unusable(f"no density for {application.func}")
    if isinstance(application, FamilyMember):
        index, argument = application.args
        return _family(index, families)[role].at(argument)
    if len(application.args) != 1:
        raise _Unusable(f"{application.func} takes several arguments")
    return families[0][role].at(application.args[0])


def _family(index: Basic, families: Families) -> tuple[Density, Density]:
    if not (index.is_Integer and 1 <= int(index) <= len(families)):
        raise _Unusable(f"no family for the coordinate {index}")
    return families[int(index) - 1]


def _integral(node: IntegralOver, roles: dict[str, int], coordinates: dict[Basic, Symbol],
              families: Families) -> Integral:
    region = node.region.name
    if region.startswith("supp "):
        role = roles.get(region[len("supp "):].split("_", 1)[0])
        if role is None:
            raise _Unusable(f"no density for the region {region}")
    elif region.startswith("R^"):
        role = None  # the whole space
    else:
        raise _Unusable(f"the region {region}")
    limits = _limits(node.variable, role, coordinates, families)
    return Integral(node.integrand.xreplace(coordinates), *limits)


def _divergence(node: KL, coordinates: dict[Basic, Symbol], families: Families) -> Integral:
    p, q, variables = node.args
    if not variables:
        raise _Unusable("a divergence whose variables are not known")
    limits = [limit for v in variables for limit in _limits(v, 0, coordinates, families)]
    return Integral((p * log(p / q)).xreplace(coordinates), *limits)


def _limits(variable: Basic, role: int | None, coordinates: dict[Basic, Symbol], families: Families) -> list[tuple]:
    """One ``(coordinate, lower, upper)`` per scalar the variable stands for, over the support of
    the density in ``role`` (None: the whole line)."""
    if isinstance(variable, IndexedBase):
        entries = [variable[j] for j in range(1, SIZE + 1)]
    elif isinstance(variable, (Indexed, Symbol)):
        entries = [variable]
    else:
        raise _Unusable(f"the variable {variable}")
    limits = []
    for entry in entries:
        if isinstance(entry, Indexed):
            if len(entry.indices) != 1:
                raise _Unusable(f"the variable {entry}")
            family = _family(entry.indices[0], families)
            coordinate = coordinates.setdefault(entry, Symbol(f"{entry.base.label.name}_{entry.indices[0]}", real=True))
        else:
            family = families[0]
            coordinate = entry
        lower, upper = family[role].support[0] if role is not None else (S.NegativeInfinity, S.Infinity)
        limits.append((coordinate, lower, upper))
    return limits


__all__ = ["DensityCounterexample", "density_counterexample", "FAMILIES", "SIZE"]
