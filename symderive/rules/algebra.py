"""Algebra rules: definitions, stated facts, and finite sums."""
from __future__ import annotations

from dataclasses import dataclass

from sympy import Add, Basic, Dummy, Expr, Mul, S, Sum, Wild, expand, powsimp
from sympy.core.sympify import _sympify

from . import ParametricRule, RuleNotApplicable, rule


@dataclass(frozen=True)
class Replace(ParametricRule):
    """Replace every occurrence of each ``old`` (exactly, all at once) by its ``new``."""

    pairs: tuple[tuple[Basic, Basic], ...]

    def apply(self, expr: Basic) -> Basic:
        return expr.xreplace(dict(self.pairs))


def unfold(target: Expr, value: Expr, name: str, justification: str) -> Replace:
    """Replace every occurrence of ``target`` (exactly) by ``value``."""
    return Replace(name, justification, ((target, value),))


@dataclass(frozen=True)
class Rewrite(ParametricRule):
    """Replace every match of ``pattern`` by ``template``; ``wildcards`` stand for any subexpression.

    The wildcards are kept as Dummy symbols (``Wild`` carries no data a transcript
    can hold) and become ``Wild`` symbols only while matching.
    """

    pattern: Basic
    template: Basic
    wildcards: tuple[Basic, ...]

    def apply(self, expr: Basic) -> Basic:
        wild = {w: Wild(f"wildcard{i}") for i, w in enumerate(self.wildcards)}
        return expr.replace(self.pattern.xreplace(wild), self.template.xreplace(wild))


def rewrite(pattern: Expr, template: Expr, name: str, justification: str) -> Rewrite:
    """Replace every match of ``pattern`` (with ``Wild`` symbols) by ``template``.

    This is how a lemma or hypothesis such as ``Var((A_l)_{ij}) = 1/(3 n_{l-1})``
    is used inside a larger expression.
    """
    wilds = sorted(pattern.atoms(Wild), key=str)
    if any(w.exclude or w.properties for w in wilds):
        raise ValueError("a rewrite's wildcards match anything: no exclude or properties")
    stand_ins = {w: Dummy(w.name) for w in wilds}
    return Rewrite(name, justification, pattern.xreplace(stand_ins), template.xreplace(stand_ins),
                   tuple(stand_ins.values()))


@dataclass(frozen=True)
class Claim(ParametricRule):
    """``expr -> value``: the step claims its left side equals ``value`` (a special case of a derived result,
    the claim of an induction); the judge or the step's verifier checks the claim."""

    value: Basic

    def apply(self, expr: Basic) -> Basic:
        return self.value


@rule("sum of a constant", r"A sum of $m$ equal terms is $m$ times the term.")
def sum_of_constant(expr: Basic) -> Basic:
    def collapse(s: Sum) -> Expr:
        if len(s.limits) != 1 or s.limits[0][0] in s.function.free_symbols:
            return s
        _, lower, upper = s.limits[0]
        return (upper - lower + 1) * s.function

    return expr.replace(lambda e: isinstance(e, Sum), collapse)


@rule("constant factor into the sum", r"$c\sum_k a_k = \sum_k c\,a_k$ for $c$ not depending on $k$.")
def factor_into_sum(expr: Basic) -> Basic:
    terms = []
    for term in Add.make_args(expand(expr)):
        sums = [f for f in Mul.make_args(term) if isinstance(f, Sum)]
        if len(sums) == 1 and len(sums[0].limits) == 1:
            the_sum = sums[0]
            coefficient = term / the_sum
            if the_sum.limits[0][0] not in coefficient.free_symbols:
                term = Sum(powsimp(expand(coefficient * the_sum.function)), *the_sum.limits)
        terms.append(term)
    return Add(*terms)


@rule("absorb the last term", r"$\sum_{k=a}^{b} f(k) + f(b+1) = \sum_{k=a}^{b+1} f(k)$.")
def absorb_next_term(expr: Basic) -> Basic:
    terms = list(Add.make_args(expr))
    for s in [t for t in terms if isinstance(t, Sum) and len(t.limits) == 1]:
        var, lower, upper = s.limits[0]
        following = s.function.xreplace({var: upper + 1})
        for t in terms:
            if t is not s and expand(t - following) == 0:
                rest = [u for u in terms if u is not s and u is not t]
                return Add(*rest, Sum(s.function, (var, lower, upper + 1)))
    raise RuleNotApplicable("no term continues a sum")


@rule("empty sum", r"A sum over an empty range of indices is $0$.")
def empty_sum(expr: Basic) -> Basic:
    def drop(s: Sum) -> Expr:
        var, lower, upper = s.limits[0]
        return S.Zero if (upper - lower + 1).is_zero else s

    return expr.replace(lambda e: isinstance(e, Sum) and len(e.limits) == 1, drop)


@dataclass(frozen=True)
class ShiftIndex(ParametricRule):
    """``sum_{k=a}^{b} f(k) = sum_{k=a+by}^{b+by} f(k - by)`` for every single-index sum."""

    by: int

    def apply(self, expr: Basic) -> Basic:
        def shift(s: Sum) -> Expr:
            var, lower, upper = s.limits[0]
            return Sum(powsimp(expand(s.function.xreplace({var: var - self.by}))),
                       (var, lower + self.by, upper + self.by))

        return expr.replace(lambda x: isinstance(x, Sum) and len(x.limits) == 1, shift)


def shift_index(by: int) -> ShiftIndex:
    return ShiftIndex(
        "shift the summation index",
        rf"Substitute $k \to k {'-' if by > 0 else '+'} {abs(by)}$ in the sum (same terms, relabelled).",
        by,
    )


@dataclass(frozen=True)
class Substitute(ParametricRule):
    """Substitute values for symbols (for a stated special case), as SymPy's ``subs`` does."""

    pairs: tuple[tuple[Basic, Basic], ...]

    def apply(self, expr: Basic) -> Basic:
        return expr.subs(dict(self.pairs))


def substitute(mapping: dict, name: str, justification: str) -> Substitute:
    # Strict _sympify (it refuses strings) turns a number given as 2 into a SymPy value a transcript can hold.
    pairs = tuple((_sympify(old), _sympify(new)) for old, new in mapping.items())  # noqa: input-safe
    return Substitute(name, justification, pairs)


__all__ = [
    "Replace", "Rewrite", "ShiftIndex", "Substitute", "Claim", "unfold", "rewrite", "sum_of_constant",
    "factor_into_sum",
    "absorb_next_term", "empty_sum", "shift_index", "substitute",
]
