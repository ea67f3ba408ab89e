r"""LaTeX sentences printed from the premises the judge uses, so prose cannot drift from them.

An assumption's mathematics is printed from its form: a law from the
``sympy.stats`` random symbol of a :class:`~symderive.randomvars.RandomFamily`
(``U\left(a, b\right)``), independence from an
:class:`~symderive.randomvars.Independence` fact and the families' ``iid``
flags, known moments from a family's ``mean`` and ``variance``, a definition
from its :class:`~symderive.judge.Definition`.  Changing the form changes the
sentence; nothing here computes.
"""
from __future__ import annotations

from typing import Iterable, Sequence

from sympy import Basic, Expr, Indexed

from ..judge import Definition
from ..randomvars import Expect, Independence, RandomFamily, Var
from .printer import to_latex


def entry_at(family: RandomFamily, indices: Sequence[Expr]) -> tuple[Indexed, dict]:
    """The family's entry at ``indices`` and the substitution of its index symbols by them."""
    if len(indices) != len(family.index_symbols):
        raise ValueError(f"{family.base} takes {len(family.index_symbols)} indices, not {len(indices)}")
    return family.base[tuple(indices)], dict(zip(family.index_symbols, indices))


def generic_entry(family: RandomFamily, free: Sequence[Expr]) -> tuple[Indexed, dict]:
    """The family's entry with its fixed prefix (e.g. the layer) and ``free`` for the other indices."""
    return entry_at(family, tuple(family.prefix) + tuple(free))


def object_name(family: RandomFamily) -> str:
    """The object whose entries the family holds: ``A_{l}`` for the entries ``(A_l)_{ij}``."""
    return to_latex(family.base[tuple(family.prefix)]) if family.prefix else to_latex(family.base)


def law_to_latex(law: Basic, at: dict | None = None) -> str:
    r"""``U\left(a, b\right)`` or ``\mathcal{N}\left(\mu, \sigma^{2}\right)``, index symbols replaced by ``at``."""
    distribution = law.pspace.distribution
    args = [a.xreplace(at or {}) for a in distribution.args]
    kind = type(distribution).__name__
    if kind == "UniformDistribution":
        low, high = args
        return rf"U\left({to_latex(low)}, {to_latex(high)}\right)"
    if kind == "NormalDistribution":
        mean, deviation = args
        return rf"\mathcal{{N}}\left({to_latex(mean)}, {to_latex(deviation**2)}\right)"
    raise ValueError(f"no notation for the law {kind}")


def law_sentence(governed: Iterable[tuple[RandomFamily, Sequence[Expr]]]) -> str:
    """Which entries are drawn from which law, for ``(family, free indices)`` pairs."""
    stated = []
    for family, free in governed:
        if family.law is None:
            raise ValueError(f"no law is declared for {family.base}")
        entry, at = generic_entry(family, free)
        stated.append((to_latex(entry), law_to_latex(family.law, at)))
    if not stated:
        raise ValueError("no family to state a law for")
    laws = {law for _, law in stated}
    if len(laws) == 1:
        entries = _conjunction([f"${entry}$" for entry, _ in stated])
        return f"Every entry {entries} is drawn from ${laws.pop()}$"
    return _conjunction([f"${entry} \\sim {law}$" for entry, law in stated])


def independence_sentence(fact: Independence, families: Sequence[RandomFamily]) -> str:
    """``A_l, b_l and y_{l-1} are mutually independent``, for the families the fact names."""
    named = [next((f for f in families if f.base == base), None) for base in fact.bases]
    if any(f is None for f in named):
        raise ValueError(f"the fact {fact.label} names a base with no family")
    return f"{_conjunction([f'${object_name(f)}$' for f in named])} are mutually independent"


def iid_sentence(families: Sequence[RandomFamily]) -> str:
    """``the entries of A_l are i.i.d.``, for the families declared i.i.d."""
    iid = [f for f in families if f.iid]
    if not iid:
        raise ValueError("no family is declared i.i.d.")
    names = _conjunction([f"${object_name(f)}$" for f in iid])
    each = "each of " if len(iid) > 1 else ""
    return f"the entries of {each}{names} are independent and identically distributed"


def facts_sentence(family: RandomFamily, indices: Sequence[Expr]) -> str:
    """The stated mean and variance of the family's entry at ``indices``."""
    entry, at = entry_at(family, indices)
    facts = [(Expect(entry), family.mean), (Var(entry), family.variance)]
    stated = [f"${to_latex(lhs)} = {to_latex(value.xreplace(at))}$" for lhs, value in facts if value is not None]
    if not stated:
        raise ValueError(f"no mean or variance is stated for {family.base}")
    return _conjunction(stated)


def definition_formula(definition: Definition) -> str:
    """``target = value`` of a definition, without dollars."""
    return f"{to_latex(definition.target)} = {to_latex(definition.value)}"


def _conjunction(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" and {items[-1]}"


__all__ = [
    "entry_at", "generic_entry", "object_name", "law_to_latex", "law_sentence", "independence_sentence",
    "iid_sentence", "facts_sentence", "definition_formula",
]
