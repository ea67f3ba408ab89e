"""First-order linear recurrences: the unrolling rule and its proof by induction."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sympy import Expr, IndexedBase, Sum, Symbol, expand

from .calc import Calc, VerificationFailed, Verifier
from .judge import Context
from .model import Chain, Hypothesis, Status, Verification
from .rules import ParametricRule, RuleNotApplicable
from .rules.algebra import Claim, absorb_next_term, empty_sum, factor_into_sum, unfold


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


@dataclass(frozen=True)
class Unroll(ParametricRule):
    """``x_L -> a^L x_0 + sum_{k=1}^{L} a^{L-k} c_k`` for the ``recurrence``, ``k = summation_index``."""

    recurrence: LinearRecurrence
    summation_index: Symbol

    def apply(self, expr: Expr) -> Expr:
        recurrence = self.recurrence
        if not (getattr(expr, "base", None) == recurrence.sequence and len(expr.indices) == 1):
            raise RuleNotApplicable(f"{expr} is not a term of {recurrence.sequence}")
        (last,) = expr.indices
        a, k = recurrence.ratio, self.summation_index
        return a**last * recurrence.sequence[0] + Sum(
            a ** (last - k) * recurrence.forcing.xreplace({recurrence.index: k}), (k, 1, last)
        )


def unroll(recurrence: LinearRecurrence, summation_index: Symbol) -> Unroll:
    """``x_L = a^L x_0 + sum_{k=1}^{L} a^{L-k} c_k``, read off the recurrence."""
    return Unroll("unroll the linear recurrence", _unrolling_justification(recurrence, summation_index),
                  recurrence, summation_index)


def _unrolling_justification(recurrence: LinearRecurrence, k: Symbol) -> str:
    """The unrolled form, written in the sequence's own letter so it cannot clash with other names."""
    x, l = recurrence.sequence, recurrence.index
    last, a, c = Symbol("L"), Symbol("a"), IndexedBase("c")
    general = f"{_latex(x[l])} = a\\,{_latex(x[l - 1])} + {_latex(c[l])}"
    unrolled = f"{_latex(x[last])} = {_latex(a**last)} {_latex(x[0])} + {_latex(Sum(a ** (last - k) * c[k], (k, 1, last)))}"
    coefficients = f"a = {_latex(recurrence.ratio)}$ and ${_latex(c[l])} = {_latex(recurrence.forcing)}"
    return (
        f"Applying ${general}$ (here ${coefficients}$) for ${_latex(l)} = L, L-1, \\dots, 1$ gives "
        f"${unrolled}$; proved by induction (base case and inductive step above)."
    )


RECURRENCE = "recurrence"
INDUCTION_HYPOTHESIS = "IH"


def induction_chains(
    recurrence: LinearRecurrence, claim: Expr, variable: Symbol, context: Context
) -> tuple[Chain, Chain]:
    """Chains proving ``C(0) = x_0`` and ``x_{t+1} = C(t+1)`` from ``x_t = C(t)``, for ``C = claim``.

    ``claim`` is ``C(t)`` written in the induction ``variable`` ``t``.  The
    inductive step's only premises are its two stated hypotheses: the
    recurrence at ``t + 1`` and the claim at ``t``.
    """
    x, t = recurrence.sequence, variable
    statement = rf"Claim: ${_latex(x[t])} = {_latex(claim)}$ for $0 \le {_latex(t)} \le L$."
    base = Calc("Base case", claim.xreplace({t: 0}), context,
                premise=statement + rf" At ${_latex(t)} = 0$ the claim reads ${_latex(x[0])} = "
                rf"{_latex(claim.xreplace({t: 0}))}$:")
    base.by(empty_sum)

    hypotheses = (
        Hypothesis(RECURRENCE, x[t + 1], recurrence.apply(x[t], t + 1)),
        Hypothesis(INDUCTION_HYPOTHESIS, x[t], claim),
    )
    step = Calc("Inductive step", x[t + 1], context, hypotheses=hypotheses,
                premise=rf"For $0 \le {_latex(t)} < L$:")
    at, following = _latex(t), _latex(t + 1)
    step.by(unfold(x[t + 1], hypotheses[0].value, "the recurrence",
                   f"The recurrence derived above, at ${following}$ ({RECURRENCE})."))
    step.by(unfold(x[t], claim, "induction hypothesis", f"The claim at ${at}$ ({INDUCTION_HYPOTHESIS})."))
    step.by(factor_into_sum).by(absorb_next_term)
    step.by(Claim(f"the claim at ${following}$", f"The claimed expression with ${following}$ for ${at}$.",
                  claim.xreplace({t: t + 1})))
    return base.done(), step.done()


@dataclass(frozen=True)
class Induction:
    """Verifies ``x_T = C(T)`` from the two induction chains, re-checking what they prove and from what.

    The base chain must go from the claim at 0 to ``x_0`` on the derivation's
    premises alone; the inductive step from ``x_{t+1}`` to the claim at ``t + 1``
    using only the real recurrence and the claim at ``t``.  A chain that
    assumes anything else (the claim at ``t + 1``, say) proves nothing.

    It is plain data, so a saved transcript records it as the step's evidence and
    ``symderive verify`` re-checks the same obligations on the re-judged chains.
    """

    recurrence: LinearRecurrence
    variable: Symbol
    target: Symbol
    base: Chain
    step: Chain
    context: Context

    relation: ClassVar[str] = "="  # what it shows between the step's sides

    def __call__(self, before: Expr, after: Expr) -> Verification:
        x, t, base, step = self.recurrence.sequence, self.variable, self.base, self.step
        if any(s.relation != "=" for s in base.steps + step.steps):  # bounds do not carry an equality
            raise VerificationFailed("an induction chain is not a chain of equalities")
        if before != x[self.target]:
            raise VerificationFailed(f"induction proves a value of {x}[{self.target}], not {before}")
        claim = after.xreplace({self.target: t})
        allowed = {
            RECURRENCE: (x[t + 1], self.recurrence.apply(x[t], t + 1)),
            INDUCTION_HYPOTHESIS: (x[t], claim),
        }
        if base.hypotheses:
            raise VerificationFailed("the base case may not rest on hypotheses of its own")
        for hypothesis in step.hypotheses:
            if allowed.get(hypothesis.label) != (hypothesis.target, hypothesis.value):
                raise VerificationFailed(
                    f"the inductive step assumes {hypothesis.label}: {hypothesis.target} = {hypothesis.value}, "
                    "which is neither the recurrence nor the claim at t"
                )
        global_labels = {d.label for d in self.context.definitions}
        for chain, labels in ((base, global_labels), (step, global_labels | set(allowed))):
            for s in chain.steps:
                extra = set(s.verification.premises) - labels
                if extra and not _model_labels(self.context) >= extra:
                    raise VerificationFailed(f"step '{s.rule}' of '{chain.heading}' uses {sorted(extra)}")
        obligations = [
            (base.start, claim.xreplace({t: 0})),
            (base.end, x[0]),
            (step.start, x[t + 1]),
            (step.end, claim.xreplace({t: t + 1})),
        ]
        for lhs, rhs in obligations:
            if lhs != rhs:
                raise VerificationFailed(f"induction obligation {lhs} = {rhs} is not what the chain shows")
        statuses = [s.verification.status for s in base.steps + step.steps]
        if not statuses:
            raise VerificationFailed("an induction chain has no steps")
        weakest = min(statuses, key=lambda s: s.strength)
        if weakest is Status.ASSUMED:
            raise VerificationFailed("an induction chain rests on an assumed step")
        return Verification(
            weakest,
            "induction",
            f"base case (chain '{base.heading}') and inductive step (chain '{step.heading}') "
            f"checked for symbolic {t}, weakest status {weakest.value}",
            (RECURRENCE, INDUCTION_HYPOTHESIS),
            evidence=self,
        )


def induction_verifier(
    recurrence: LinearRecurrence, variable: Symbol, target: Symbol, base: Chain, step: Chain, context: Context
) -> Verifier:
    """The :class:`Induction` verifier of ``x_T = C(T)`` from the base and inductive-step chains."""
    return Induction(recurrence, variable, target, base, step, context)


def _model_labels(context: Context) -> set[str]:
    model = context.random_model
    if model is None:
        return set()
    return {f.label for f in model.families} | {f.iid_label for f in model.families} | {
        fact.label for fact in model.independence}


def _latex(expr: Expr) -> str:
    from .render.printer import to_latex

    return to_latex(expr)
