"""Rules of the random-variable algebra, each citing the fact it needs.

Independence and zero means are not silently assumed: every rule that needs
them checks them against the declared :class:`~symderive.randomvars.RandomModel`
(distinct families are independent; a zero mean comes from a law or a stated
fact) and raises :class:`~symderive.rules.RuleNotApplicable` otherwise.
"""
from __future__ import annotations

from sympy import Add, And, Basic, Dummy, Expr, Indexed, IndexedBase, Integral, Mul, Piecewise, Sum

from ..randomvars import (
    Expect,
    RandomModel,
    Var,
    families_of,
    has_zero_mean,
    is_random,
)
from . import Rule, RuleNotApplicable


def _split_constant(term: Expr, model: RandomModel) -> tuple[Expr, Expr]:
    """``term = constant * random part``."""
    constant: list[Expr] = []
    random_part: list[Expr] = []
    for factor in Mul.make_args(term):
        (random_part if is_random(factor, model) else constant).append(factor)
    return Mul(*constant), Mul(*random_part)


def _operator_rule(name: str, justification: str, operator: type, rewrite) -> Rule:
    """A rule rewriting every application of ``operator`` with ``rewrite(arg)``."""

    def transform(expr: Basic) -> Basic:
        return expr.replace(lambda e: isinstance(e, operator), lambda e: rewrite(e.args[0]))

    return Rule(name, justification, transform)


def linearity_of_expectation(model: RandomModel) -> Rule:
    def expand_expectation(arg: Expr) -> Expr:
        total = []
        for term in Add.make_args(arg.expand()):
            constant, random_part = _split_constant(term, model)
            if random_part == 1:
                total.append(constant)
            elif isinstance(random_part, Sum):
                total.append(constant * Sum(expand_expectation(random_part.function), *random_part.limits))
            else:
                total.append(constant * Expect(random_part))
        return Add(*total)

    return _operator_rule(
        "linearity of expectation",
        r"$\mathbb{E}$ is linear: it passes through finite sums and constant factors.",
        Expect,
        expand_expectation,
    )


def _independent_groups(factors: list[Expr], model: RandomModel) -> list[list[Expr]]:
    """Group factors so that families in different groups are stated to be independent."""
    groups: list[tuple[set, list[Expr]]] = []

    def related(these: set, those: set) -> bool:
        return any(f is g or model.independence_of(f, g) is None for f in these for g in those)

    for factor in factors:
        fams = set(families_of(factor, model))
        touching = [g for g in groups if related(g[0], fams)]
        merged_fams = fams.union(*(g[0] for g in touching))
        merged = [x for g in touching for x in g[1]] + [factor]
        groups = [g for g in groups if g not in touching] + [(merged_fams, merged)]
    return [g[1] for g in groups]


def expectation_of_independent_product(model: RandomModel, cite: str) -> Rule:
    def factorise(arg: Expr) -> Expr:
        constant, random_part = _split_constant(arg, model)
        groups = _independent_groups(list(Mul.make_args(random_part)), model)
        if len(groups) < 2:
            return Expect(arg)
        return constant * Mul(*(Expect(Mul(*g)) for g in groups))

    return _operator_rule(
        "expectation of an independent product",
        rf"$\mathbb{{E}}[XY] = \mathbb{{E}}[X]\,\mathbb{{E}}[Y]$ for independent $X$, $Y$ ({cite}).",
        Expect,
        factorise,
    )


def variance_of_independent_sum(model: RandomModel, cite: str) -> Rule:
    def split(arg: Expr) -> Expr:
        groups = _independent_groups(list(Add.make_args(arg)), model)
        if len(groups) < 2:
            return Var(arg)
        return Add(*(Var(Add(*g)) for g in groups))

    return _operator_rule(
        "variance of an independent sum",
        r"$\operatorname{Var}(X+Y) = \operatorname{Var}X + \operatorname{Var}Y$ "
        rf"for independent $X$, $Y$ ({cite}).",
        Var,
        split,
    )


def _moves_with(entry: Indexed, index) -> bool:
    """Distinct values of ``index`` give distinct entries: one position is ``index`` + constant."""
    return any(index in i.free_symbols and (i - index).expand().is_number for i in entry.indices)


def _centred_factor(summand: Expr, index, model: RandomModel) -> Indexed:
    """The zero-mean i.i.d. entry of ``summand`` that moves with ``index``."""
    for factor in Mul.make_args(summand):
        if isinstance(factor, Indexed) and _moves_with(factor, index):
            (family,) = families_of(factor, model) or (None,)
            if family is not None and family.iid and has_zero_mean(family):
                others = summand / factor
                if family not in families_of(others, model):
                    return factor
    raise RuleNotApplicable(f"no zero-mean i.i.d. factor carries the index {index} in {summand}")


def variance_of_uncorrelated_sum(model: RandomModel, cite: str) -> Rule:
    """``Var(sum_j a_j Z_j) = sum_j Var(a_j Z_j)`` when the ``a_j`` are i.i.d., centred, independent of the ``Z``."""

    def split(arg: Expr) -> Expr:
        if not isinstance(arg, Sum) or len(arg.limits) != 1:
            return Var(arg)
        index = arg.limits[0][0]
        _centred_factor(arg.function, index, model)
        return Sum(Var(arg.function), *arg.limits)

    return _operator_rule(
        "variance of an uncorrelated sum",
        r"The terms are pairwise uncorrelated: for $j \ne k$, "
        r"$\operatorname{Cov}(a_j Z_j, a_k Z_k) = \mathbb{E}[a_j]\,\mathbb{E}[a_k]\,\mathbb{E}[Z_j Z_k] "
        r"- \mathbb{E}[a_j]\mathbb{E}[Z_j]\,\mathbb{E}[a_k]\mathbb{E}[Z_k] = 0$ since $\mathbb{E}[a_j] = 0$ "
        rf"({cite}); no independence among the $Z_j$ is needed.",
        Var,
        split,
    )


def variance_of_centred_product(model: RandomModel, centred: IndexedBase, cite: str) -> Rule:
    """``Var(a Z) = Var(a) E[Z^2]`` for an entry ``a`` of ``centred``, independent of ``Z``, with ``E[a] = 0``."""

    def split(arg: Expr) -> Expr:
        for a in Mul.make_args(arg):
            if not (isinstance(a, Indexed) and a.base == centred):
                continue
            (family,) = families_of(a, model)
            rest = arg / a
            if not has_zero_mean(family):
                raise RuleNotApplicable(f"{a} is not known to have mean zero")
            if family in families_of(rest, model) or not is_random(rest, model):
                raise RuleNotApplicable(f"{a} is not independent of a random {rest}")
            return Var(a) * Expect(rest**2)
        return Var(arg)

    return _operator_rule(
        "variance of a centred product",
        r"For independent $a$, $Z$ with $\mathbb{E}[a] = 0$: "
        r"$\operatorname{Var}(aZ) = \mathbb{E}[a^2]\,\mathbb{E}[Z^2] - (\mathbb{E}[a]\,\mathbb{E}[Z])^2 "
        rf"= \operatorname{{Var}}(a)\,\mathbb{{E}}[Z^2]$ ({cite}).",
        Var,
        split,
    )


def second_moment_of_centred(model: RandomModel, cite: str) -> Rule:
    """``E[Z^2] = Var(Z)`` when ``E[Z] = 0``."""

    def rewrite(arg: Expr) -> Expr:
        base, power = arg.as_base_exp()
        fams = families_of(base, model)
        if power == 2 and isinstance(base, Indexed) and len(fams) == 1 and has_zero_mean(next(iter(fams))):
            return Var(base)
        return Expect(arg)

    return _operator_rule(
        "second moment of a centred variable",
        r"$\mathbb{E}[Z^2] = \operatorname{Var}(Z) + \mathbb{E}[Z]^2 = \operatorname{Var}(Z)$ "
        rf"as $\mathbb{{E}}[Z] = 0$ ({cite}).",
        Expect,
        rewrite,
    )


def _same_conditions(a: Basic, b: Basic) -> bool:
    """Two conjunctions of inequalities with the same canonical parts."""
    def parts(condition: Basic) -> set:
        return {c.canonical for c in (condition.args if isinstance(condition, And) else (condition,))}

    return parts(a) == parts(b)


def variance_as_moments() -> Rule:
    return _operator_rule(
        "variance from moments",
        r"$\operatorname{Var}(X) = \mathbb{E}[X^2] - \mathbb{E}[X]^2$.",
        Var,
        lambda x: Expect(x**2) - Expect(x) ** 2,
    )


def expectation_from_density(model: RandomModel) -> Rule:
    """``E[g(X)] = \\int g(u) f_X(u) du`` over the support, with ``f_X`` read from ``sympy.stats``."""
    from sympy.stats import density

    def integrate_against_density(arg: Expr) -> Expr:
        entries = [e for e in arg.atoms(Indexed) if is_random(e, model)]
        if len(entries) != 1 or any(is_random(t.function, model) for t in arg.atoms(Sum)):
            return Expect(arg)
        (entry,) = entries
        (family,) = families_of(entry, model)
        if family.law is None:
            raise RuleNotApplicable(f"no law is declared for {entry}")
        at_entry = dict(zip(family.index_symbols, entry.indices))
        u = Dummy("u", real=True)
        pdf = density(family.law)(u)
        support = family.law.pspace.domain.set
        on_support = isinstance(pdf, Piecewise) and _same_conditions(pdf.args[0].cond, support.as_relational(u))
        if not on_support:
            raise RuleNotApplicable("the density is not read off as one piece on its support")
        def at(e: Expr) -> Expr:  # the law is written in the family's index symbols
            return e.subs(at_entry, simultaneous=True)

        integrand = arg.xreplace({entry: u}) * at(pdf.args[0].expr)
        return Integral(integrand, (u, at(support.inf), at(support.sup)))

    return _operator_rule(
        "expectation from the density",
        r"$\mathbb{E}[g(X)] = \int g(u)\, f_X(u)\, du$ over the support of $X$, "
        r"with the density $f_X$ of the stated law.",
        Expect,
        integrate_against_density,
    )
