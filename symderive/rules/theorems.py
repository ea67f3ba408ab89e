"""Cited theorems as rules whose hypotheses are explicit data.

A :class:`Theorem` names its hypotheses; a :class:`TheoremRule` applies it only
when every hypothesis has a :class:`Discharge` saying how it was checked (a
symbolic check run by this package, or a stated assumption of the derivation).
The rule then lists the theorem and the discharges among its premises, so a
step that cites a theorem is never more trusted than its hypotheses.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sympy import Basic

from ..model import Status
from . import RuleNotApplicable


@dataclass(frozen=True)
class Hypothesis:
    name: str  # short handle, e.g. "bijective"
    statement: str  # LaTeX


@dataclass(frozen=True)
class Theorem:
    name: str
    statement: str  # LaTeX
    hypotheses: tuple[Hypothesis, ...]

    def hypothesis(self, name: str) -> Hypothesis:
        for h in self.hypotheses:
            if h.name == name:
                return h
        raise KeyError(f"{self.name} has no hypothesis '{name}'")


@dataclass(frozen=True)
class Discharge:
    """How one hypothesis was established: ``method`` is "checked: ..." or "assumed: ...".

    ``status`` is the strength of a check (a check on instances only is
    ``proved-on-instances``); a hypothesis taken from the stated assumptions is a
    premise, cited by its label, and does not weaken the step.
    """

    hypothesis: str
    method: str
    detail: str = ""
    status: Status = Status.PROVED
    premises: tuple[str, ...] = ()  # labels of stated assumptions a check relied on

    @property
    def checked(self) -> bool:
        return self.method.startswith("checked")


def checked(hypothesis: str, how: str, detail: str = "", status: Status = Status.PROVED,
            premises: tuple[str, ...] = ()) -> Discharge:
    return Discharge(hypothesis, f"checked: {how}", detail, status, premises)


def assumed(hypothesis: str, label: str) -> Discharge:
    """A hypothesis taken from the derivation's stated assumptions (cite its label)."""
    return Discharge(hypothesis, f"assumed: {label}")


@dataclass(frozen=True)
class TheoremRule:
    """A rule ``expr -> expr`` that applies a :class:`Theorem` with every hypothesis discharged.

    ``relation`` is the relation between the expression before and after
    (``"="``, or ``">="`` when the theorem is an inequality ``before >= after``).
    """

    theorem: Theorem
    discharges: tuple[Discharge, ...]
    transform: Callable[[Basic], Basic]
    relation: str = "="

    @property
    def name(self) -> str:
        return self.theorem.name

    @property
    def justification(self) -> str:
        parts = [f"{d.hypothesis} ({d.method})" for d in self.discharges]
        return f"{self.theorem.statement} Hypotheses: {'; '.join(parts)}."

    @property
    def premises(self) -> tuple[str, ...]:
        return (self.theorem.name, *(f"{d.hypothesis}: {d.method}" for d in self.discharges))

    def missing(self) -> tuple[str, ...]:
        done = {d.hypothesis for d in self.discharges}
        return tuple(h.name for h in self.theorem.hypotheses if h.name not in done)

    def __call__(self, expr: Basic) -> Basic:
        missing = self.missing()
        if missing:
            raise RuleNotApplicable(f"{self.theorem.name}: hypotheses not discharged: {', '.join(missing)}")
        result = self.transform(expr)
        if result == expr:
            raise RuleNotApplicable(f"rule '{self.name}' does not change {expr}")
        return result


__all__ = ["Hypothesis", "Theorem", "Discharge", "TheoremRule", "checked", "assumed"]
