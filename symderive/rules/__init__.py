"""Named rewrite rules.

A :class:`Rule` is a small pure function ``expr -> expr`` with a name a reader
can cite and a sentence that justifies it.  Both are LaTeX text: maths goes
in dollars (``claim $P(l-1)$``), a quotation opens with two backquotes and
closes with two apostrophes.  Rules know nothing about how their results are
checked: the judge does that independently.

A rule that takes parameters (which definition to unfold, which values to
substitute) is a :class:`ParametricRule`: a frozen dataclass of its parameters
with an ``apply``.  A saved transcript records those parameters, so
``symderive verify`` can replay the rule on a step's left side without the code
that built the derivation.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, ClassVar

from sympy import Basic


class RuleNotApplicable(ValueError):
    """The rule does not apply to the expression it was given."""


@dataclass(frozen=True)
class Rule:
    """``before REL after`` with ``after = transform(before)``; ``relation`` is ``"="`` for a rewrite
    and ``">="`` for a step that only bounds (the judge then checks ``before >= after``)."""

    name: str
    justification: str
    transform: Callable[[Basic], Basic]
    relation: str = "="

    def __call__(self, expr: Basic) -> Basic:
        result = self.transform(expr)
        if result == expr:
            raise RuleNotApplicable(f"rule '{self.name}' does not change {expr}")
        return result


def rule(name: str, justification: str) -> Callable[[Callable[[Basic], Basic]], Rule]:
    """Decorator: turn ``f(expr) -> expr`` into a named :class:`Rule`."""

    def wrap(transform: Callable[[Basic], Basic]) -> Rule:
        return Rule(name, justification, transform)

    return wrap


@dataclass(frozen=True)
class ParametricRule:
    """A rule whose parameters are data (SymPy values, ints): ``after = apply(before)``.

    Subclasses add their parameters as fields with type hints that
    :mod:`symderive.datajson` can write and read back; a transcript replays those
    listed in :data:`symderive.render.json.REPLAYABLE`.
    """

    name: str
    justification: str
    relation: ClassVar[str] = "="

    def apply(self, expr: Basic) -> Basic:
        raise NotImplementedError

    def __call__(self, expr: Basic) -> Basic:
        result = self.apply(expr)
        if result == expr:
            raise RuleNotApplicable(f"rule '{self.name}' does not change {expr}")
        return result

