"""Rules of the random-variable algebra, each citing the fact it needs.

Independence and zero means are not silently assumed: every rule that needs
them checks them against the declared :class:`~symderive.randomvars.RandomModel`
(distinct families are independent; a zero mean comes from a law or a stated
fact) and raises :class:`~symderive.rules.RuleNotApplicable` otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sympy import Add, And, Basic, Dummy, Expr, Indexed, IndexedBase, Integral, Mul, Piecewise, Sum, Symbol

from ..randomvars import (
    Expect,
    RandomModel,
    Var,
    families_of,
    has_zero_mean,
    is_random,
)
from . import ParametricRule, Rule, RuleNotApplicable


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


@dataclass(frozen=True)
class OperatorRule(ParametricRule):
    """Rewrites every application of :attr:`operator` (``E`` or ``Var``) with :meth:`rewrite` of its argument,
    deciding what is random, independent or centred by the declared ``model``."""

    model: RandomModel
    operator: ClassVar[type] = Expect

    def apply(self, expr: Basic) -> Basic:
        return expr.replace(lambda e: isinstance(e, self.operator), lambda e: self.rewrite(e.args[0]))

    def rewrite(self, arg: Expr) -> Expr:
        raise NotImplementedError


@dataclass(frozen=True)
class LinearityOfExpectation(OperatorRule):
    """``E`` through finite sums (also inside a sum over an index) and constant factors."""

    def rewrite(self, arg: Expr) -> Expr:
        total = []
        for term in Add.make_args(arg.expand()):
            constant, random_part = _split_constant(term, self.model)
            if random_part == 1:
                total.append(constant)
            elif isinstance(random_part, Sum):
                total.append(constant * Sum(self.rewrite(random_part.function), *random_part.limits))
            else:
                total.append(constant * Expect(random_part))
        return Add(*total)


def linearity_of_expectation(model: RandomModel) -> LinearityOfExpectation:
    return LinearityOfExpectation(
        "linearity of expectation",
        r"$\mathbb{E}$ is linear: it passes through finite sums and constant factors.",
        model,
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


@dataclass(frozen=True)
class ExpectationOfIndependentProduct(OperatorRule):
    """``E[XY] -> E[X] E[Y]`` for groups of factors whose families are stated independent."""

    def rewrite(self, arg: Expr) -> Expr:
        constant, random_part = _split_constant(arg, self.model)
        groups = _independent_groups(list(Mul.make_args(random_part)), self.model)
        if len(groups) < 2:
            return Expect(arg)
        return constant * Mul(*(Expect(Mul(*g)) for g in groups))


def expectation_of_independent_product(model: RandomModel, cite: str) -> ExpectationOfIndependentProduct:
    return ExpectationOfIndependentProduct(
        "expectation of an independent product",
        rf"$\mathbb{{E}}[XY] = \mathbb{{E}}[X]\,\mathbb{{E}}[Y]$ for independent $X$, $Y$ ({cite}).",
        model,
    )


@dataclass(frozen=True)
class VarianceOfIndependentSum(OperatorRule):
    """``Var(X + Y) -> Var X + Var Y`` for groups of terms whose families are stated independent."""

    operator: ClassVar[type] = Var

    def rewrite(self, arg: Expr) -> Expr:
        groups = _independent_groups(list(Add.make_args(arg)), self.model)
        if len(groups) < 2:
            return Var(arg)
        return Add(*(Var(Add(*g)) for g in groups))


def variance_of_independent_sum(model: RandomModel, cite: str) -> VarianceOfIndependentSum:
    return VarianceOfIndependentSum(
        "variance of an independent sum",
        r"$\operatorname{Var}(X+Y) = \operatorname{Var}X + \operatorname{Var}Y$ "
        rf"for independent $X$, $Y$ ({cite}).",
        model,
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


@dataclass(frozen=True)
class VarianceOfUncorrelatedSum(OperatorRule):
    """``Var(sum_j a_j Z_j) = sum_j Var(a_j Z_j)`` when the ``a_j`` are i.i.d., centred, independent of the ``Z``."""

    operator: ClassVar[type] = Var

    def rewrite(self, arg: Expr) -> Expr:
        if not isinstance(arg, Sum) or len(arg.limits) != 1:
            return Var(arg)
        index = arg.limits[0][0]
        _centred_factor(arg.function, index, self.model)
        return Sum(Var(arg.function), *arg.limits)


def variance_of_uncorrelated_sum(model: RandomModel, cite: str) -> VarianceOfUncorrelatedSum:
    return VarianceOfUncorrelatedSum(
        "variance of an uncorrelated sum",
        r"The terms are pairwise uncorrelated: for $j \ne k$, "
        r"$\operatorname{Cov}(a_j Z_j, a_k Z_k) = \mathbb{E}[a_j]\,\mathbb{E}[a_k]\,\mathbb{E}[Z_j Z_k] "
        r"- \mathbb{E}[a_j]\mathbb{E}[Z_j]\,\mathbb{E}[a_k]\mathbb{E}[Z_k] = 0$ since $\mathbb{E}[a_j] = 0$ "
        rf"({cite}); no independence among the $Z_j$ is needed.",
        model,
    )


@dataclass(frozen=True)
class VarianceOfCentredProduct(OperatorRule):
    """``Var(a Z) = Var(a) E[Z^2]`` for an entry ``a`` of ``centred``, independent of ``Z``, with ``E[a] = 0``."""

    centred: IndexedBase
    operator: ClassVar[type] = Var

    def rewrite(self, arg: Expr) -> Expr:
        for a in Mul.make_args(arg):
            if not (isinstance(a, Indexed) and a.base == self.centred):
                continue
            (family,) = families_of(a, self.model)
            rest = arg / a
            if not has_zero_mean(family):
                raise RuleNotApplicable(f"{a} is not known to have mean zero")
            if family in families_of(rest, self.model) or not is_random(rest, self.model):
                raise RuleNotApplicable(f"{a} is not independent of a random {rest}")
            return Var(a) * Expect(rest**2)
        return Var(arg)


def variance_of_centred_product(model: RandomModel, centred: IndexedBase, cite: str) -> VarianceOfCentredProduct:
    return VarianceOfCentredProduct(
        "variance of a centred product",
        r"For independent $a$, $Z$ with $\mathbb{E}[a] = 0$: "
        r"$\operatorname{Var}(aZ) = \mathbb{E}[a^2]\,\mathbb{E}[Z^2] - (\mathbb{E}[a]\,\mathbb{E}[Z])^2 "
        rf"= \operatorname{{Var}}(a)\,\mathbb{{E}}[Z^2]$ ({cite}).",
        model, centred,
    )


@dataclass(frozen=True)
class SecondMomentOfCentred(OperatorRule):
    """``E[Z^2] = Var(Z)`` when ``E[Z] = 0``."""

    def rewrite(self, arg: Expr) -> Expr:
        base, power = arg.as_base_exp()
        fams = families_of(base, self.model)
        if power == 2 and isinstance(base, Indexed) and len(fams) == 1 and has_zero_mean(next(iter(fams))):
            return Var(base)
        return Expect(arg)


def second_moment_of_centred(model: RandomModel, cite: str) -> SecondMomentOfCentred:
    return SecondMomentOfCentred(
        "second moment of a centred variable",
        r"$\mathbb{E}[Z^2] = \operatorname{Var}(Z) + \mathbb{E}[Z]^2 = \operatorname{Var}(Z)$ "
        rf"as $\mathbb{{E}}[Z] = 0$ ({cite}).",
        model,
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


@dataclass(frozen=True)
class ExpectationFromDensity(OperatorRule):
    """``E[g(X)] = \\int g(u) f_X(u) du`` over the support, with ``f_X`` read from ``sympy.stats``.

    The integration variable ``u`` is a parameter (a Dummy made once), so that
    replaying the rule gives the very integral it gave.
    """

    variable: Symbol

    def rewrite(self, arg: Expr) -> Expr:
        from sympy.stats import density

        model = self.model
        entries = [e for e in arg.atoms(Indexed) if is_random(e, model)]
        if len(entries) != 1 or any(is_random(t.function, model) for t in arg.atoms(Sum)):
            return Expect(arg)
        (entry,) = entries
        (family,) = families_of(entry, model)
        if family.law is None:
            raise RuleNotApplicable(f"no law is declared for {entry}")
        at_entry = dict(zip(family.index_symbols, entry.indices))
        u = self.variable
        pdf = density(family.law)(u)
        support = family.law.pspace.domain.set
        on_support = isinstance(pdf, Piecewise) and _same_conditions(pdf.args[0].cond, support.as_relational(u))
        if not on_support:
            raise RuleNotApplicable("the density is not read off as one piece on its support")
        def at(e: Expr) -> Expr:  # the law is written in the family's index symbols
            return e.subs(at_entry, simultaneous=True)

        integrand = arg.xreplace({entry: u}) * at(pdf.args[0].expr)
        return Integral(integrand, (u, at(support.inf), at(support.sup)))


def expectation_from_density(model: RandomModel) -> ExpectationFromDensity:
    return ExpectationFromDensity(
        "expectation from the density",
        r"$\mathbb{E}[g(X)] = \int g(u)\, f_X(u)\, du$ over the support of $X$, "
        r"with the density $f_X$ of the stated law.",
        model, Dummy("u", real=True),
    )
