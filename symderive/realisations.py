r"""Realisations of declared random variables: where their values may lie, and drawing them there.

A pointwise step about a random variable (``|a| = a`` with ``a ~ U(-c, c)``) speaks of the
values the variable takes, so a counterexample must give it a value of its law's support,
and a value *inside* it: ``U(-c, c)`` takes values in the open interval ``(-c, c)``,
``N(\mu, \sigma^2)`` any real.  The support depends on the law's parameters (``c``), so
those get values first.  Both laws have a positive density on the open support; a
difference of continuous functions that is nonzero at an inner point is nonzero on a
neighbourhood of it, an event of positive probability, which is why an inner point is
required and a boundary point never is.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from sympy import Basic, Expr, Indexed, Rational, S, Symbol, oo

from .randomvars import RandomFamily, RandomModel, Undecidable

# The laws a declaration can state (``random a ~ N(mean, variance)`` / ``U(low, high)``), by
# the name of their sympy.stats distribution: the meaning of its two arguments.
LAWS = {"UniformDistribution": "uniform", "NormalDistribution": "normal"}


@dataclass(frozen=True)
class EntryLaw:
    """The law of one random entry: its kind and its two parameters, in the entry's own indices.

    ``uniform``: (low, high); ``normal``: (mean, standard deviation), as sympy.stats writes them.
    """

    kind: str
    parameters: tuple[Expr, Expr]

    def at(self, values: dict) -> "EntryLaw":
        return EntryLaw(self.kind, tuple(p.xreplace(values) for p in self.parameters))  # type: ignore[arg-type]

    @property
    def well_defined(self) -> bool | None:
        """True when the parameters certainly make a law (low < high; a positive deviation), None if unknown."""
        first, second = self.parameters
        spread = second - first if self.kind == "uniform" else second
        return spread.is_positive

    def interior(self) -> tuple[Expr, Expr] | None:
        """The open support ``(low, high)`` as exact real numbers, or None when it is not known numerically."""
        if self.well_defined is not True:
            return None
        if self.kind == "normal":
            return (-oo, oo) if all(p.is_number and p.is_real for p in self.parameters) else None
        low, high = self.parameters
        if not (low.is_number and high.is_number and low.is_real and high.is_real):
            return None
        return low, high

    def free_symbols(self) -> set[Basic]:
        return set().union(*(p.free_symbols for p in self.parameters))


def entry_law(entry: Indexed, model: RandomModel | None) -> EntryLaw | None:
    """The law of ``entry`` when it is a random entry with a declared law; None when it is not random.

    Raises Undecidable for a random entry whose law is not declared (only its mean and
    variance, say) or not one of the laws above: its values cannot be placed.
    """
    if model is None:
        return None
    family = model.family_of(entry)
    if family is None:
        return None
    return family_law(family, entry)


def family_law(family: RandomFamily, entry: Indexed) -> EntryLaw:
    if family.law is None:
        raise Undecidable(f"{entry} has no declared law (only facts about it), so its values cannot be placed")
    distribution = family.law.pspace.distribution
    kind = LAWS.get(type(distribution).__name__)
    if kind is None:
        raise Undecidable(f"the law of {entry} ({type(distribution).__name__}) is not one this check knows")
    indices = dict(zip(family.index_symbols, entry.indices))
    first, second = (p.xreplace(indices) for p in distribution.args)
    return EntryLaw(kind, (first, second))


def law_parameters(law: EntryLaw) -> list[Basic]:
    """The unknowns of a law's parameters (symbols and entries such as ``n[0]``) that need values."""
    found: set[Basic] = set()
    for parameter in law.parameters:
        entries = parameter.atoms(Indexed)
        labels = {e.base.label for e in entries}
        found |= entries | {s for s in parameter.free_symbols if isinstance(s, Symbol) and s not in labels
                            and not any(s in e.free_symbols for e in entries)}
    return sorted(found, key=str)


def strictly_inside(value: Expr, bounds: tuple[Expr, Expr]) -> bool:
    """Whether the real number ``value`` lies in the open interval ``bounds``, certainly."""
    low, high = bounds
    if not (value.is_number and value.is_real):
        return False
    return bool((value - low).is_positive is True and (high - value).is_positive is True) if low != -oo \
        else bool(value.is_finite)


_INNER = tuple(Rational(p, q) for p, q in ((1, 2), (1, 3), (2, 3), (1, 4), (3, 4), (1, 5), (4, 5), (2, 7), (5, 7),
                                            (1, 8), (7, 8), (3, 10), (7, 10)))


def draw_realisation(law: EntryLaw, rng: random.Random) -> Expr | None:
    """An exact rational strictly inside the law's support (its parameters already numbers), or None.

    Uniform: a point between the bounds at a drawn inner fraction (a rational point when the
    bounds are rational, else the nearest rational strictly inside); normal: a rational near
    the mean, of either sign, zero included.
    """
    bounds = law.interior()
    if bounds is None:
        return None
    if law.kind == "normal":
        centre = _rational_near(law.parameters[0])
        scale = _rational_near(law.parameters[1]) or S.One
        if centre is None:
            return None
        value = centre + scale * rng.choice((S.Zero, S.One, -S.One, Rational(1, 2), Rational(-3, 2), Rational(5, 2)))
        return value
    low, high = bounds
    fraction = rng.choice(_INNER)
    value = low + (high - low) * fraction
    if not value.is_Rational:
        value = _rational_near(value)
    return value if value is not None and strictly_inside(value, bounds) else None


def _rational_near(value: Expr) -> Expr | None:
    """``value`` itself when rational, else a rational within 10^-6 of it (None if not a real number)."""
    if value.is_Rational:
        return value
    if not (value.is_number and value.is_real):
        return None
    return Rational(str(value.evalf(20))).limit_denominator(10**6)


__all__ = ["EntryLaw", "LAWS", "draw_realisation", "entry_law", "family_law", "law_parameters", "strictly_inside"]
