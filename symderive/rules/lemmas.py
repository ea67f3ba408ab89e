"""Using a derived lemma: its statement, instantiated, rewrites an expression.

A lemma is a finished :class:`~symderive.model.Chain` ``start = ... = end`` in
some generic constants (a matrix ``M``, a vector ``m``); using it with a
substitution of those constants replaces ``start`` by ``end``, both
substituted.  The verifier :func:`symderive.verifiers.by_lemma` gives such a
step the strength of the lemma's weakest step.
"""
from __future__ import annotations

from typing import Mapping, Sequence

from sympy import Basic

from ..model import Chain
from ..render.printer import to_latex
from .algebra import Claim, Replace


def lemma_instances(lemma: Chain, substitutions: Sequence[Mapping[Basic, Basic]]) -> dict[Basic, Basic]:
    """``start -> end`` of the lemma under each substitution of its generic constants."""
    return {lemma.start.xreplace(dict(s)): lemma.end.xreplace(dict(s)) for s in substitutions}


def use_lemma(lemma: Chain, substitutions: Sequence[Mapping[Basic, Basic]], label: str) -> Replace:
    """Replace each instance of the lemma's start by the same instance of its end (a :class:`Replace`, so a
    transcript records the instances and ``verify`` replays them)."""
    instances = lemma_instances(lemma, substitutions)
    shown = "; ".join(", ".join(f"${to_latex(k)} = {to_latex(v)}$" for k, v in s.items()) for s in substitutions)
    return Replace(f"lemma: {label}", f"{lemma.heading} (derived above), with {shown}.", tuple(instances.items()))


def result_at(result: Basic, substitution: Mapping[Basic, Basic], name: str, justification: str) -> Claim:
    """``expr -> result`` with the substitution made and evaluated: the step claims ``expr`` equals
    a derived result at a special case (the judge checks the claim)."""
    return Claim(name, justification, result.xreplace(dict(substitution)).doit())


__all__ = ["lemma_instances", "use_lemma", "result_at"]
