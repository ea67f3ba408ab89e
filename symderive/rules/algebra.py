"""Algebra rules: definitions, stated facts, and finite sums."""
from __future__ import annotations

from sympy import Add, Basic, Expr, Mul, S, Sum, expand, powsimp

from . import Rule, RuleNotApplicable, rule


def unfold(target: Expr, value: Expr, name: str, justification: str) -> Rule:
    """Replace every occurrence of ``target`` (exactly) by ``value``."""
    return Rule(name, justification, lambda e: e.xreplace({target: value}))


def rewrite(pattern: Expr, template: Expr, name: str, justification: str) -> Rule:
    """Replace every match of ``pattern`` (with ``Wild`` symbols) by ``template``.

    This is how a lemma or hypothesis such as ``Var((A_l)_{ij}) = 1/(3 n_{l-1})``
    is used inside a larger expression.
    """
    return Rule(name, justification, lambda e: e.replace(pattern, template))


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


def shift_index(by: int) -> Rule:
    """``sum_{k=a}^{b} f(k) = sum_{k=a+by}^{b+by} f(k - by)``."""

    def shift(s: Sum) -> Expr:
        var, lower, upper = s.limits[0]
        return Sum(powsimp(expand(s.function.xreplace({var: var - by}))), (var, lower + by, upper + by))

    return Rule(
        "shift the summation index",
        rf"Substitute $k \to k {'-' if by > 0 else '+'} {abs(by)}$ in the sum (same terms, relabelled).",
        lambda e: e.replace(lambda x: isinstance(x, Sum) and len(x.limits) == 1, shift),
    )


def substitute(mapping: dict, name: str, justification: str) -> Rule:
    """Substitute values for symbols (for a stated special case)."""
    return Rule(name, justification, lambda e: e.subs(mapping))


__all__ = [
    "unfold", "rewrite", "sum_of_constant", "factor_into_sum",
    "absorb_next_term", "empty_sum", "shift_index", "substitute",
]
