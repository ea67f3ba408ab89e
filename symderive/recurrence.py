"""First-order linear recurrences: the unrolling rule and its proof by induction."""
from __future__ import annotations

from dataclasses import dataclass

from sympy import Expr, IndexedBase, Sum, Symbol, expand

from .calc import Calc, VerificationFailed, Verifier
from .judge import Context, judge
from .model import Chain, Outcome, Status, Verification
from .rules import Rule, RuleNotApplicable
from .rules.algebra import absorb_next_term, empty_sum, factor_into_sum


@dataclass(frozen=True)
class LinearRecurrence:
    """``x_l = ratio * x_{l-1} + forcing(l)`` for ``l >= 1``."""

    sequence: IndexedBase
    index: Symbol
    ratio: Expr
    forcing: Expr

    @classmethod
    def read(cls, sequence: IndexedBase, index: Symbol, rhs: Expr) -> "LinearRecurrence":
        """Read ``ratio`` and ``forcing`` off the right-hand side ``rhs`` of ``x_l = rhs``."""
        previous = sequence[index - 1]
        rhs = expand(rhs)
        ratio = rhs.coeff(previous)
        forcing = expand(rhs - ratio * previous)
        if ratio.has(sequence) or forcing.has(sequence) or ratio.has(index):
            raise RuleNotApplicable(f"{rhs} is not linear with a constant ratio in {previous}")
        return cls(sequence, index, ratio, forcing)

    def apply(self, previous_value: Expr, at: Expr) -> Expr:
        """The right-hand side at ``l = at`` with ``x_{at-1}`` replaced by ``previous_value``."""
        return self.ratio * previous_value + self.forcing.xreplace({self.index: at})


def unroll(recurrence: LinearRecurrence, summation_index: Symbol) -> Rule:
    """``x_L = a^L x_0 + sum_{k=1}^{L} a^{L-k} c_k``, read off the recurrence."""

    def solve(expr: Expr) -> Expr:
        if not (getattr(expr, "base", None) == recurrence.sequence and len(expr.indices) == 1):
            raise RuleNotApplicable(f"{expr} is not a term of {recurrence.sequence}")
        (last,) = expr.indices
        a, k = recurrence.ratio, summation_index
        return a**last * recurrence.sequence[0] + Sum(
            a ** (last - k) * recurrence.forcing.xreplace({recurrence.index: k}), (k, 1, last)
        )

    return Rule(
        "unroll the linear recurrence",
        r"Applying $x_l = a\,x_{l-1} + c_l$ for $l = L, L-1, \dots, 1$ gives "
        r"$x_L = a^L x_0 + \sum_{k=1}^{L} a^{L-k} c_k$; "
        r"proved by induction on $L$ (base case and inductive step above).",
        solve,
    )


def induction_chains(
    recurrence: LinearRecurrence, closed_form: Expr, variable: Symbol, context: Context
) -> tuple[Chain, Chain]:
    """Chains proving ``C(0) = x_0`` and ``a C(L) + c_{L+1} = C(L+1)`` for ``C = closed_form``."""
    base = Calc("Base case", closed_form.xreplace({variable: 0}), context)
    base.by(empty_sum)
    step_start = recurrence.apply(closed_form, variable + 1)
    step = Calc("Inductive step", step_start, context)
    step.by(factor_into_sum).by(absorb_next_term)
    return base.done(), step.done()


def induction_verifier(
    recurrence: LinearRecurrence, variable: Symbol, base: Chain, step: Chain, context: Context
) -> Verifier:
    """Verify ``x_L = C(L)`` from the two induction chains, re-checking what they prove."""

    def verify(before: Expr, after: Expr) -> Verification:
        if before != recurrence.sequence[variable]:
            raise VerificationFailed(
                f"induction proves a value of {recurrence.sequence}[{variable}], not {before}"
            )
        obligations = [
            (base.start, after.xreplace({variable: 0})),
            (base.end, recurrence.sequence[0]),
            (step.start, recurrence.apply(after, variable + 1)),
            (step.end, after.xreplace({variable: variable + 1})),
        ]
        statuses = [s.verification.status for s in base.steps + step.steps]
        for lhs, rhs in obligations:
            verdict = judge(lhs, rhs, context)
            if verdict.outcome is not Outcome.VERIFIED or verdict.verification is None:
                raise VerificationFailed(f"induction obligation {lhs} = {rhs}: {verdict.reason}")
            statuses.append(verdict.verification.status)
        weakest = min(statuses, key=lambda s: s.strength)
        if weakest is Status.ASSUMED:
            raise VerificationFailed("an induction chain rests on an assumed step")
        return Verification(
            weakest,
            "induction",
            f"base case (chain '{base.heading}') and inductive step (chain '{step.heading}') "
            f"checked for symbolic {variable}, weakest status {weakest.value}",
        )

    return verify
