"""Building derivations: apply a rule, have the judge verify the step, record it.

Reads like Lean's ``calc``::

    chain = Calc("Mean of a weight", Expect(w), context)
    chain.by(expectation_from_density(model)).by(evaluate_integrals)
    chain.done()
"""
from __future__ import annotations

from typing import Callable

from sympy import Basic

from .judge import Context, Definition, judge
from .model import Chain, Hypothesis, Outcome, Step, Verification
from .rules import ParametricRule, Rule, RuleNotApplicable

# A verifier for steps the relation judge cannot see alone (e.g. induction).  It
# returns the step's verification or raises VerificationFailed; with a rule whose
# relation is ">=" it verifies ``before >= after``.
Verifier = Callable[[Basic, Basic], Verification]


class VerificationFailed(RuntimeError):
    """A step was not verified: it must not reach a transcript."""


class RuleDidNotApply(VerificationFailed):
    """A rule of a chain does not apply to the expression it was given: the derivation fails there."""

    def __init__(self, heading: str, rule: str, reason: str) -> None:
        super().__init__(f"{heading}: rule '{rule}' does not apply: {reason}")
        self.heading, self.rule, self.reason = heading, rule, reason


class Calc:
    """A chain under construction; :meth:`done` freezes it into a :class:`Chain`.

    ``hypotheses`` are the chain's own labelled premises (an induction
    hypothesis, a special case such as ``v_0 = 1``): the judge may use them in
    this chain only, and the transcript states them where the chain starts.
    """

    def __init__(
        self, heading: str, start: Basic, context: Context, premise: str = "",
        hypotheses: tuple[Hypothesis, ...] = (),
    ) -> None:
        self.heading = heading
        self.start = start
        self.hypotheses = hypotheses
        self.base_context = context
        self.context = judging_context(context, hypotheses)
        self.premise = premise
        self.current = start
        self.steps: list[Step] = []

    def by(self, rule: Rule | ParametricRule, *, verifier: Verifier | None = None) -> "Calc":
        """Apply ``rule``; the step is ``before REL after`` with the rule's relation (``=`` unless it says)."""
        try:
            after = rule(self.current)
        except RuleNotApplicable as exc:
            raise RuleDidNotApply(self.heading, rule.name, str(exc)) from exc
        relation = getattr(rule, "relation", "=")
        if verifier is not None:
            verification = verifier(self.current, after)
        else:
            verdict = judge(self.current, after, self.context, relation)
            if verdict.outcome is not Outcome.VERIFIED or verdict.verification is None:
                raise VerificationFailed(
                    f"{self.heading}: step '{rule.name}' is {verdict.outcome.value}: {verdict.reason}"
                )
            verification = verdict.verification
        replay = rule if isinstance(rule, ParametricRule) else None
        self.steps.append(Step(self.current, after, rule.name, rule.justification, verification, relation, replay))
        self.current = after
        return self

    def done(self, conclusion: str = "") -> Chain:
        return Chain(
            self.heading, self.start, tuple(self.steps), conclusion, self.premise, self.hypotheses, self.base_context
        )


def judging_context(context: Context, hypotheses: tuple[Hypothesis, ...]) -> Context:
    """The context a chain's steps are judged in: the shared one plus the chain's own hypotheses."""
    return context.with_definitions(*(Definition(h.label, h.target, h.value) for h in hypotheses))
