"""The data of a derivation: immutable records, no mathematics and no rendering.

A :class:`Derivation` is a list of assumptions followed by chains of steps (one
chain per lemma or part of the proof).  Every :class:`Step` records the rule
that produced it and the :class:`Verification` an independent judge gave it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Mapping

from sympy import Basic

if TYPE_CHECKING:  # the judge's context is data the judge module defines; no import cycle at run time
    from .judge import Context
    from .rules import ParametricRule


class Status(str, Enum):
    """How strongly a step is established, weakest last."""

    PROVED = "proved"  # symbolically, for general sizes
    PROVED_ON_INSTANCES = "proved-on-instances"  # exact arithmetic at listed sizes
    TESTED_NUMERICALLY = "tested-numerically"  # agreement at sample points only
    ASSUMED = "assumed"  # a stated hypothesis or definition

    @property
    def strength(self) -> int:
        return _STRENGTH[self]


_STRENGTH = {
    Status.PROVED: 3,
    Status.PROVED_ON_INSTANCES: 2,
    Status.TESTED_NUMERICALLY: 1,
    Status.ASSUMED: 0,
}


@dataclass(frozen=True)
class Verification:
    """The evidence for one step: what was checked, how, and enough to reproduce it."""

    status: Status
    method: str
    detail: str = ""
    premises: tuple[str, ...] = ()  # labels of the definitions and hypotheses actually used
    # What a re-checker needs when the judge alone cannot see the step (a custom verifier's
    # inputs, e.g. :class:`symderive.recurrence.Induction`); None for the judge's own verdicts.
    evidence: Any = field(default=None, compare=False)
    # The stated definitions a verifier unfolded, as (label, target, value) (a function's value
    # a Lambda), so that a transcript can declare them for `symderive check`.
    unfolded: tuple[tuple[str, Any, Any], ...] = field(default=(), compare=False)


class Outcome(str, Enum):
    VERIFIED = "verified"
    REFUTED = "refuted"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Verdict:
    """The judge's answer on one relation ``lhs ~ rhs``.

    ``verification`` is set when the outcome is ``verified``; ``counterexample``
    (symbol name -> value, re-checked) when it is ``refuted``, with ``rechecked_by``
    naming the independent computation that confirmed it, if any (``"sympy.stats"``);
    ``reason`` always says why in one sentence.
    """

    outcome: Outcome
    reason: str
    verification: Verification | None = None
    counterexample: Mapping[str, str] | None = None
    rechecked_by: str | None = None


@dataclass(frozen=True)
class Assumption:
    """A hypothesis or definition stated up front, in LaTeX."""

    label: str
    latex: str
    kind: str = "hypothesis"  # or "definition"


@dataclass(frozen=True)
class Hypothesis:
    """A chain's own labelled premise ``target = value`` (an induction hypothesis, a special case).

    The transcript states it where the chain starts; only steps of that chain may use it.
    """

    label: str
    target: Basic
    value: Basic


@dataclass(frozen=True)
class Step:
    """``before REL after`` by ``rule``, with the judge's independent verification.

    ``relation`` is ``"="`` for a rewrite, or ``">="``/``"<="`` for a step that
    applies an inequality (Jensen's): the chain then proves a bound, not an equality.
    """

    before: Basic
    after: Basic
    rule: str
    justification: str
    verification: Verification
    relation: str = "="
    # The rule with its parameters when it is data (a :class:`ParametricRule`), so a transcript can replay it.
    replay: "ParametricRule | None" = field(default=None, compare=False)


@dataclass(frozen=True)
class Chain:
    """One calculation ``start = ... = end``, read like a ``calc`` block."""

    heading: str
    start: Basic
    steps: tuple[Step, ...]
    conclusion: str = ""
    premise: str = ""  # LaTeX said before the calculation (what is claimed or assumed)
    hypotheses: tuple[Hypothesis, ...] = ()  # stated where the chain starts
    # The judging context of its steps, without the chain's hypotheses (see ``calc.judging_context``);
    # None when the chain was not built by a Calc.  Recorded so a saved transcript can be re-judged.
    context: "Context | None" = field(default=None, compare=False)

    @property
    def end(self) -> Basic:
        return self.steps[-1].after if self.steps else self.start


@dataclass(frozen=True)
class Derivation:
    """A titled proof: assumptions, chains of verified steps, and the final expression."""

    name: str
    title: str
    assumptions: tuple[Assumption, ...]
    chains: tuple[Chain, ...]
    result: Basic
    result_statement: str = ""  # LaTeX of the claim the result answers, e.g. "v_L ="
    summary: str = ""

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(step for chain in self.chains for step in chain.steps)

    @property
    def weakest_status(self) -> Status:
        return min((s.verification.status for s in self.steps), key=lambda s: s.strength)

    def _repr_latex_(self) -> str:
        # Imported here so the data model stays free of rendering at import time.
        from .render.latex import derivation_to_mathjax

        return derivation_to_mathjax(self)

