"""Strategies for ``<=``, ``>=``, ``<``, ``>``: refuted by a counterexample, proved by a manifestly
nonnegative difference, otherwise unknown (a cited theorem such as Jensen's inequality is
checked where the step applies it, with its hypotheses)."""
from __future__ import annotations

from dataclasses import dataclass

from sympy import Expr

from ..inequalities import prove_nonnegative, prove_positive
from ..model import Outcome, Status, Verdict
from ..randomvars import Undecidable
from .evaluation import Sampler, evaluate_at
from .numbers import show, sign
from .strategies import Problem, Strategy, _reduce, _shown

RELATIONS = ("=", "<=", ">=", "<", ">")


@dataclass(frozen=True)
class Order:
    """``lhs REL rhs`` as ``gap >= 0`` (or ``gap > 0`` when strict)."""

    relation: str

    @property
    def strict(self) -> bool:
        return self.relation in ("<", ">")

    def gap(self, lhs: Expr, rhs: Expr) -> Expr:
        return rhs - lhs if self.relation in ("<=", "<") else lhs - rhs

    def violated_by(self, sign_of_gap: int) -> bool:
        return sign_of_gap < 0 or (self.strict and sign_of_gap == 0)


@dataclass
class InequalityRefutation(Strategy):
    order: Order
    count: int = 24
    name: str = "refutation at sample points"

    def run(self, problem: Problem) -> Verdict | None:
        gap = self.order.gap(problem.lhs, problem.rhs)
        try:
            for point in Sampler(gap, problem.context, (problem.lhs, problem.rhs)).points(self.count):
                decided = sign(point.value)
                if decided is None or not self.order.violated_by(decided):
                    continue
                left = evaluate_at(problem.lhs, point.assignment, problem.context, set())
                right = evaluate_at(problem.rhs, point.assignment, problem.context, set())
                again = sign(self.order.gap(left, right))
                if again is not None and self.order.violated_by(again):
                    shown = dict(_shown(k, v) for k, v in point.assignment.items())
                    where = ", ".join(f"{k} = {v}" for k, v in shown.items()) or "every value"
                    return Verdict(Outcome.REFUTED, f"{show(left)} {self.order.relation} {show(right)} fails at {where}",
                                   counterexample=shown)
        except Undecidable as exc:
            problem.notes.append(str(exc))
        return None


@dataclass
class ManifestlyNonnegative(Strategy):
    order: Order
    name: str = "manifestly nonnegative difference"

    def run(self, problem: Problem) -> Verdict | None:
        gap = _reduce(self.order.gap(problem.lhs, problem.rhs))
        proved = prove_positive(gap) if self.order.strict else prove_nonnegative(gap)
        if proved:
            side = "positive" if self.order.strict else "nonnegative"
            return problem.verified(Status.PROVED, f"the difference is manifestly {side}")
        return None


def inequality_strategies(relation: str, refute: bool = True) -> tuple[Strategy, ...]:
    order = Order(relation)
    proof = (ManifestlyNonnegative(order),)
    return ((InequalityRefutation(order),) + proof) if refute else proof
