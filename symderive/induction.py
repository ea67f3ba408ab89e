"""Induction downwards over a layer index, from chains with their own hypotheses.

:class:`DownwardInduction` proves ``S(l) = C(l)`` for ``lo <= l <= top`` from a base case at
``top`` and an inductive step from ``l + 1`` to ``l``, each a :class:`~symderive.model.Chain`.
Its verifier re-checks what the chains prove and from what: the base case may assume only the
one-step lemma at ``top``; the inductive step only the lemma at ``l`` and the claim at ``l + 1``
(never the claim at ``l`` itself).
"""
from __future__ import annotations

from dataclasses import dataclass

from sympy import Basic, Expr, Symbol

from .calc import VerificationFailed, Verifier
from .model import Chain, Hypothesis, Status, Verification

INDUCTION_HYPOTHESIS = "IH"


def weakest(chains: tuple[Chain, ...]) -> Status:
    return min((s.verification.status for c in chains for s in c.steps), key=lambda s: s.strength)


@dataclass(frozen=True)
class DownwardInduction:
    """``subject(l) = claim(l)`` for ``lo <= l <= top``, by induction on ``top - l``.

    ``lemma`` is a proved chain from ``subject(l)`` to an expression in ``subject(l + 1)`` (the
    one-step relation), valid for ``lo <= l <= top``; ``lemma_label`` is how the chains cite it.
    """

    variable: Symbol
    top: Expr
    subject: Expr
    claim: Expr
    lemma: Chain
    lemma_label: str
    method: str = "induction"  # how the verification names it, e.g. "induction on L - l"

    def at(self, expr: Expr, value: Expr) -> Expr:
        return expr.xreplace({self.variable: value})

    def lemma_at(self, value: Expr) -> Hypothesis:
        """The one-step lemma at ``l = value``, as a chain-local hypothesis."""
        return Hypothesis(self.lemma_label, self.at(self.lemma.start, value), self.at(self.lemma.end, value))

    def induction_hypothesis(self) -> Hypothesis:
        """The claim at ``l + 1``."""
        following = self.variable + 1
        return Hypothesis(INDUCTION_HYPOTHESIS, self.at(self.subject, following), self.at(self.claim, following))

    def verifier(self, base: Chain, step: Chain) -> Verifier:
        """Verify ``subject(l) = claim(l)`` from the two chains, re-checking what they prove and from what."""

        def verify(before: Basic, after: Basic) -> Verification:
            if (before, after) != (self.subject, self.claim):
                raise VerificationFailed("induction proves the claim for its subject, not this relation")
            if self.lemma.start != self.subject:
                raise VerificationFailed("the one-step lemma is not about the subject")
            self._check_chain(base, self.at(self.subject, self.top), self.at(self.claim, self.top),
                              (self.lemma_at(self.top),))
            self._check_chain(step, self.subject, self.claim,
                              (self.lemma_at(self.variable), self.induction_hypothesis()))
            status = weakest((base, step, self.lemma))
            if status is Status.ASSUMED:
                raise VerificationFailed("an induction chain rests on an assumed step")
            return Verification(
                status,
                self.method,
                f"base case at {self.variable} = {self.top} (chain '{_plain(base.heading)}') and inductive step "
                f"from {self.variable} + 1 to {self.variable} (chain '{_plain(step.heading)}'), using only the "
                f"one-step lemma (chain '{_plain(self.lemma.heading)}') and the claim at {self.variable} + 1; "
                f"weakest status {status.value}",
                (self.lemma_label,),
            )

        return verify

    @staticmethod
    def _check_chain(chain: Chain, start: Expr, end: Expr, allowed: tuple[Hypothesis, ...]) -> None:
        if (chain.start, chain.end) != (start, end):
            raise VerificationFailed(f"chain '{chain.heading}' does not go from {start} to {end}")
        labels = {h.label: h for h in allowed}
        for hypothesis in chain.hypotheses:
            if labels.get(hypothesis.label) != hypothesis:
                raise VerificationFailed(
                    f"chain '{chain.heading}' assumes ({hypothesis.label}) {hypothesis.target} = {hypothesis.value}, "
                    "which is neither the one-step lemma nor the claim at the previous depth")
        stated = {h.label for h in chain.hypotheses}
        for s in chain.steps:
            extra = set(s.verification.premises) - stated
            if extra:
                raise VerificationFailed(f"step '{s.rule}' of '{chain.heading}' uses {sorted(extra)}")


def _plain(heading: str) -> str:
    """A chain heading (LaTeX) for a plain-text detail: without the math shifts."""
    return heading.replace("$", "")


__all__ = ["INDUCTION_HYPOTHESIS", "weakest", "DownwardInduction"]
