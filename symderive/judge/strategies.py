"""The judge's strategies: small objects tried in order, each with a name a verdict reports.

A strategy returns a verdict when it decides and None when it cannot; it never
returns ``verified`` with a status stronger than its own evidence.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from typing import Iterable

from sympy import (
    Abs, Basic, Expr, Heaviside, MatrixExpr, Integral, Max, Min, Piecewise, Pow, Product, S, Sum, Tuple, arg, binomial, cancel,
    ceiling, cot, csc,
    expand, factorial, floor, frac, gamma, im, log, preorder_traversal, re, sec, simplify, tan,
)
from sympy import sign as sign_function
from sympy.core.function import UndefinedFunction

from ..model import Outcome, Status, Verdict, Verification
from ..randomvars import Expect, Undecidable, operators_in
from .context import Context, Convention
from .evaluation import Point, Sampler, confirmed, evaluate_at, symbolic_value, value_at_sizes
from .functions import abstracted, functions_in, show_function
from ..quadrature import Agreement, compare
from .numbers import Sign, classify, show
from .sampling import beyond_reach, draw_value, free_symbols_of, largest_constant, size_values, sizes_of
from .sums import align_sums, expand_finite_sums, ranges_nonreversed

import random


@dataclass
class Problem:
    """One relation ``lhs = rhs`` prepared for the strategies: definitions unfolded, premises noted."""

    lhs: Expr
    rhs: Expr
    context: Context
    premises: set[str] = field(default_factory=set)  # labels actually used
    notes: list[str] = field(default_factory=list)  # why a stronger strategy did not decide
    _defined: bool | None = None  # whether some drawn point defines both sides

    @property
    def difference(self) -> Expr:
        return self.lhs - self.rhs

    @property
    def has_ranges(self) -> bool:
        return bool(self.lhs.atoms(Sum, Product) or self.rhs.atoms(Sum, Product))

    @property
    def convention_matters(self) -> bool:
        """Whether some range may be reversed, where the conventions disagree."""
        return not (ranges_nonreversed(self.lhs) and ranges_nonreversed(self.rhs))

    def undefined_everywhere(self) -> Verdict | None:
        """Unknown when a side may be undefined (a division, a log, an integral) and no drawn point
        defines both: ``1/(sin^2 + cos^2 - 1)`` equals itself nowhere."""
        if not (may_be_undefined(self.lhs) or may_be_undefined(self.rhs)) or self.lhs.atoms(MatrixExpr):
            return None  # (matrix instance checks draw again where a side is undefined)
        if self._defined is None:
            self._defined = self._defined_somewhere()
        if self._defined:
            return None
        return Verdict(Outcome.UNKNOWN, "both sides are undefined at every sample point tried")

    def _defined_somewhere(self) -> bool:
        """False only on evidence: every point that could be evaluated makes a side undefined.

        Each side is evaluated on its own (their difference may well be 0 where
        neither is defined); points that cannot be evaluated prove nothing either way.
        """
        undefined = 0
        try:
            for point in Sampler(self.lhs, self.context, (self.lhs, self.rhs)).points(6, large_sizes=False):
                right = classify(evaluate_at(self.rhs, point.assignment, self.context, set()))
                if point.sign is Sign.UNDEFINED or right is Sign.UNDEFINED:
                    undefined += 1
                elif point.sign in _A_NUMBER and right in _A_NUMBER:
                    return True
        except Exception:  # an expression the sampler cannot evaluate: no evidence of undefinedness
            return True
        return undefined == 0

    def sampler(self) -> Sampler:
        return Sampler(self.difference, self.context, (self.lhs, self.rhs))

    def verified(self, status: Status, method: str, detail: str = "", used: Iterable[str] = ()) -> Verdict:
        premises = tuple(sorted(self.premises | set(used)))
        if self.convention_matters:
            detail = "; ".join(filter(None, (detail, self.context.convention.describe())))
        reason = method + (f": {detail}" if detail else "")
        if premises:
            reason += f" (using {', '.join(premises)})"
        return Verdict(Outcome.VERIFIED, reason, Verification(status, method, detail, premises))

    def refute_at(self, points: Iterable[Point], lhs: Expr | None = None, rhs: Expr | None = None) -> Verdict | None:
        """The first point where the sides certainly differ, re-checked; else None."""
        lhs = self.lhs if lhs is None else lhs
        rhs = self.rhs if rhs is None else rhs
        for point in points:
            if point.sign is Sign.NONZERO and confirmed(lhs, rhs, point.assignment, self.context):
                shown = _counterexample(point.assignment)
                where = ", ".join(f"{k} = {v}" for k, v in shown.items()) or "every value"
                return Verdict(
                    Outcome.REFUTED,
                    f"the two sides differ by {show(point.value)} at {where}",
                    counterexample=shown,
                )
        return None


def _counterexample(assignment: dict) -> dict[str, str]:
    """Printable values by name; two variables that print alike are told apart by their assumptions."""
    names = [str(k) for k in assignment]
    shown = {}
    for key, value in assignment.items():
        name, text = _shown(key, value)
        if names.count(str(key)) > 1:
            facts = ", ".join(sorted(f for f, v in getattr(key, "assumptions0", {}).items() if v)) or "no assumptions"
            name = f"{name} ({facts})"
        shown[name] = text
    return shown


def _shown(key: Basic, value: Basic) -> tuple[str, str]:
    if isinstance(key, UndefinedFunction):
        return show_function(key, value)
    return str(key), show(value)


_A_NUMBER = (Sign.ZERO, Sign.NONZERO)


class Strategy:
    name = ""

    def run(self, problem: Problem) -> Verdict | None:
        raise NotImplementedError


class Identical(Strategy):
    """The two sides are the same expression (after unfolding the cited definitions)."""

    name = "identical"

    def run(self, problem: Problem) -> Verdict | None:
        if problem.lhs == problem.rhs:
            return problem.undefined_everywhere() or problem.verified(Status.PROVED, self.name)
        if equal_up_to_bound_names(problem.lhs, problem.rhs):  # ∫ f(α) dα = ∫ f(t) dt: only bound names differ
            return problem.undefined_everywhere() or problem.verified(Status.PROVED, f"{self.name} up to bound names")
        return None


def equal_up_to_bound_names(lhs: Basic, rhs: Basic) -> bool:
    """``lhs`` and ``rhs`` differ only in the names of their bound variables, as far as SymPy's ``as_dummy`` can tell
    soundly: it names the variables of every binder ``_0, _1, …`` innermost first, so an outer binder of another kind
    captures an inner one's (∫ Σ_j j x dx and ∫ Σ_j j² dx both become ∫ Σ _0 _0); nested binders are not compared."""
    if _has_nested_binders(lhs) or _has_nested_binders(rhs):
        return False
    return lhs.as_dummy() == rhs.as_dummy()


def _has_nested_binders(expr: Basic) -> bool:
    binders = [node for node in preorder_traversal(expr) if getattr(node, "bound_symbols", None)]
    return any(inner is not outer and outer.has(inner) for outer in binders for inner in binders)


@dataclass
class RefutationAtPoints(Strategy):
    """Exact evaluation at drawn points; a nonzero difference, re-checked, refutes."""

    count: int | None  # None: every combination of sizes and equality pattern
    large_sizes: bool
    name: str = "refutation at sample points"

    def run(self, problem: Problem) -> Verdict | None:
        try:
            return problem.refute_at(problem.sampler().points(self.count, self.large_sizes))
        except Undecidable as exc:
            problem.notes.append(str(exc))
            return None


class SymbolicProof(Strategy):
    """Moments and integrals evaluated, sums aligned, the difference simplified to 0."""

    name = "symbolic simplification"

    def run(self, problem: Problem) -> Verdict | None:
        context = problem.context
        try:
            # Sums with numeric bounds are written out under the convention; only symbolic ranges remain.
            difference = expand_finite_sums(problem.difference, context.convention, keep_long=True)
            for definition in context.definitions:  # entries such as p[1] appear once sums are written out
                difference = definition.unfold(difference)
        except Undecidable as exc:
            problem.notes.append(str(exc))
            return None
        if context.convention is Convention.TEXTBOOK and not ranges_nonreversed(difference):
            problem.notes.append("a range may be reversed, where SymPy's closed forms follow another convention")
            return None
        used: set[str] = set()
        try:
            value = symbolic_value(difference, context, used)
        except Undecidable as exc:
            problem.notes.append(str(exc))
            return None
        if functions_in(value):
            # Sound for a proof only: an identity in independent unknowns holds for every function.
            if _reduce(abstracted(value)) == 0:
                method = _method(problem.difference) + ", every function application an independent unknown"
                return problem.undefined_everywhere() or problem.verified(Status.PROVED, method, used=used)
            return None
        reduced = _reduce(value)
        if reduced == 0:
            return problem.undefined_everywhere() or problem.verified(
                Status.PROVED, _method(problem.difference), used=_needed(problem, used))
        if not reduced.free_symbols and classify(reduced) is Sign.NONZERO:
            return Verdict(Outcome.REFUTED, f"the difference simplifies to {show(reduced)} for every value",
                           counterexample={"every value": "the difference is " + show(reduced)})
        return self._refute_closed_form(problem, reduced)

    @staticmethod
    def _refute_closed_form(problem: Problem, reduced: Expr) -> Verdict | None:
        """A nonzero closed form points to a counterexample, which the original sides must confirm."""
        if reduced.atoms(Sum, Product, Integral) or operators_in(reduced) or reduced.atoms(Expect):
            return None
        try:
            sampler = Sampler(reduced, problem.context, (problem.lhs, problem.rhs))
            return problem.refute_at(sampler.points(12, large_sizes=True))
        except Undecidable:
            return None


def _needed(problem: Problem, used: set[str]) -> set[str]:
    """The premises a proof cannot do without: each one consulted is withdrawn in turn, and kept
    only if the difference no longer reduces to 0 without it.  (Evaluating every moment consults
    facts that cancel, such as the mean of a layer multiplied by the zero mean of a weight.)"""
    context = problem.context
    if context.random_model is None or not used:
        return used
    try:
        if not _cheaply_zero(symbolic_value(problem.difference, context, set(), closed_forms=False)):
            return used  # the proof needed full simplification: too dear to repeat per premise
    except Undecidable:
        return used
    needed = set(used)
    # The facts stated last (the induction's local claim, say) are withdrawn first, so a step
    # that two facts each settle cites the one stated up front.
    for label in sorted(used, key=lambda label: -_declared_at(context.random_model, label)):
        lighter = replace(context, random_model=context.random_model.without(label))
        try:
            if _cheaply_zero(symbolic_value(problem.difference, lighter, set(), closed_forms=False)):
                needed.discard(label)
                context = lighter
        except Undecidable:
            continue
    return needed


def _cheaply_zero(expr: Expr) -> bool:
    """Zero by expansion, sums of zero dropped and sums aligned to common limits: the cheap part of
    :func:`_reduce`."""
    expr = expand(expr.replace(lambda e: isinstance(e, Sum) and e.function == 0, lambda e: S.Zero))
    # cancel, not simplify: a rational normal form is what "cheap" buys (simplify was most of a proof's time).
    return expr == 0 or (expr.has(Sum) and expand(align_sums(expr, cancel)) == 0)


def _declared_at(model, label: str) -> int:
    order = [label for family in model.families for label in (family.label, family.independence_label)]
    order += [fact.label for fact in model.independence]
    return order.index(label) if label in order else len(order)


def _reduce(expr: Expr) -> Expr:
    expr = expand(expr)
    if expr == 0:
        return expr
    if expr.has(Sum):
        expr = expand(align_sums(expr))
        if expr == 0:
            return expr
    return simplify(expr)


def _method(difference: Expr) -> str:
    parts = []
    if operators_in(difference):
        parts.append("moment evaluation")
    if difference.has(Integral):
        parts.append("exact integration")
    return " and ".join(parts + ["symbolic simplification"])


MAX_INSTANCES = 48


class ExactInstances(Strategy):
    """Exact evaluation at every listed size (and sizes drawn beyond the constants), the rest symbolic."""

    name = "exact evaluation on instances"

    def run(self, problem: Problem) -> Verdict | None:
        difference, context = problem.difference, problem.context
        sizes = sizes_of(difference)
        if not sizes:
            return None
        rng = random.Random(f"{context.seed}:instances")
        beyond = largest_constant(difference)
        choices = []
        for size in sizes:
            listed = context.instance_values.get(size)
            values = size_values(size, tuple(listed) if listed is not None else None, beyond, rng)
            if not values:
                return Verdict(Outcome.UNKNOWN, f"no instance of the size {size} to check: no evidence")
            choices.append(values)
        instances = list(itertools.product(*choices))
        if len(instances) > MAX_INSTANCES:
            instances = instances[:1] + instances[-1:] + rng.sample(instances[1:-1], MAX_INSTANCES - 2)
        used: set[str] = set()
        for combo in instances:
            at = dict(zip(sizes, map(_integer, combo)))
            try:
                value = value_at_sizes(difference, at, context, used)
                if _reduce(value) == 0:
                    continue
                lhs, rhs = problem.lhs.xreplace(at), problem.rhs.xreplace(at)
                # The companions are taken at these sizes too, so a size is never sampled a second time.
                refutation = problem.refute_at(
                    Sampler(difference.xreplace(at), context, (lhs, rhs)).points(8, large_sizes=True), lhs, rhs,
                ) or self._refute_written_out(problem, at, value)
            except Undecidable as exc:
                return Verdict(Outcome.UNKNOWN, f"at {_show(at)}: {exc}")
            if refutation is not None:
                refutation.counterexample.update({str(k): str(v) for k, v in at.items()})  # type: ignore[union-attr]
                _name_hidden_symbols(refutation.counterexample, problem, rng)  # type: ignore[arg-type]
                return replace(refutation, reason=f"{refutation.reason}, with {_show(at)}")
            return Verdict(
                Outcome.UNKNOWN,
                f"the difference does not simplify to 0 at {_show(at)}, and no concrete counterexample was found",
            )
        ranges = ", ".join(f"{s} in {{{', '.join(map(str, sorted(set(vs))))}}}" for s, vs in zip(sizes, zip(*instances)))
        if len(sizes) > 1:
            ranges = f"{len(instances)} combinations of " + ranges
        unreached = beyond_reach(difference)
        if unreached:
            return Verdict(Outcome.UNKNOWN, f"exact at {ranges}, but {unreached}: instances are no evidence")
        detail = f"exact at {ranges}, all other symbols kept symbolic"
        if problem.notes:
            detail += f" (no general proof: {problem.notes[0]})"
        return problem.verified(Status.PROVED_ON_INSTANCES, self.name, detail, used)

    @staticmethod
    def _refute_written_out(problem: Problem, at: dict, value: Expr) -> Verdict | None:
        """Sample the sides with their sums written out at these sizes.

        An entry such as ``n_0`` of ``sum_{k=1}^{l+1} 1/n_{k-1}`` at ``l = 0`` only appears
        once the sum is written out, so the points drawn for the unexpanded sides miss it.
        """
        used: set[str] = set()
        lhs = value_at_sizes(problem.lhs, at, problem.context, used)
        rhs = value_at_sizes(problem.rhs, at, problem.context, used)
        return problem.refute_at(Sampler(value, problem.context, (lhs, rhs)).points(8, large_sizes=True), lhs, rhs)


def _name_hidden_symbols(counterexample: dict[str, str], problem: Problem, rng: random.Random) -> None:
    """Give a value to each free symbol the sizes hid (``t`` when only ``s[t-1]``, ``s[t]`` were sizes).

    It no longer occurs in the sides at those sizes, so any value its assumptions allow completes
    the counterexample."""
    named = {key.split(" (")[0] for key in counterexample}
    for symbol in free_symbols_of(Tuple(problem.lhs, problem.rhs)):
        if str(symbol) not in named:
            value = draw_value(symbol, rng, number=1)
            if value is not None:
                counterexample[str(symbol)] = str(value)


@dataclass
class RigorousQuadrature(Strategy):
    """Integrals with no exact value, enclosed in ball arithmetic at drawn points.

    Only an enclosure of the difference that excludes 0 refutes; narrow
    enclosures containing 0 at every point are evidence (``tested-numerically``).
    """

    count: int = 4
    name: str = "ball-arithmetic quadrature"

    def run(self, problem: Problem) -> Verdict | None:
        if not problem.difference.has(Integral) or operators_in(problem.difference) or problem.has_ranges:
            return None
        rng = random.Random(f"{problem.context.seed}:quadrature")
        symbols = free_symbols_of(problem.difference)
        consistent_points = 0
        for _ in range(self.count):
            point = {s: draw_value(s, rng) for s in symbols}
            if any(v is None or not v.is_real for v in point.values()):
                return None  # complex values: the enclosure code works on the real line
            try:
                comparison = compare(problem.lhs, problem.rhs, point)
            except Undecidable as exc:
                problem.notes.append(str(exc))
                return None
            if comparison.agreement is Agreement.DIFFER:
                shown = {str(k): show(v) for k, v in point.items()}
                where = ", ".join(f"{k} = {v}" for k, v in shown.items()) or "every value"
                return Verdict(Outcome.REFUTED, f"the two sides differ by {comparison.difference} "
                               f"(a rigorous enclosure) at {where}", counterexample=shown)
            if comparison.agreement is Agreement.CONSISTENT:
                consistent_points += 1
        if consistent_points < self.count:
            return None
        detail = f"enclosures of the difference contain 0 at {consistent_points} points (seed {problem.context.seed})"
        return problem.verified(Status.TESTED_NUMERICALLY, self.name, detail)


@dataclass
class AgreementAtPoints(Strategy):
    """Exact agreement at drawn points: evidence, not proof."""

    count: int
    name: str = "exact evaluation at random points"

    def run(self, problem: Problem) -> Verdict | None:
        context = problem.context
        agreed = 0
        used: set[str] = set()
        try:
            points = list(problem.sampler().points(self.count, True, used))
        except Undecidable as exc:
            return Verdict(Outcome.UNKNOWN, str(exc))
        refutation = problem.refute_at(points)
        if refutation is not None:
            return refutation
        unreached = beyond_reach(problem.difference) if sizes_of(problem.difference) else ""
        if unreached:
            return Verdict(Outcome.UNKNOWN, f"the sides agree at the sample points, but {unreached}")
        jumps = non_analytic(problem.difference)
        if jumps:
            return Verdict(Outcome.UNKNOWN, f"the sides agree at the sample points, but {jumps} can jump "
                           "between them: agreement at points is no evidence here")
        for point in points:
            sign = point.sign
            if sign is Sign.UNDEFINED:
                continue
            if sign is not Sign.ZERO:
                why = problem.notes[0] if problem.notes else "no symbolic proof was found"
                return Verdict(Outcome.UNKNOWN, f"the difference is not certainly 0 at a sample point ({why})")
            agreed += 1
        if agreed == 0:
            return Verdict(Outcome.UNKNOWN, "no sample point could be evaluated")
        detail = f"agreement at {agreed} points (seed {context.seed}); no symbolic proof found"
        return problem.verified(Status.TESTED_NUMERICALLY, self.name, detail, used)


_NON_ANALYTIC = (sign_function, floor, ceiling, frac, Max, Min, Piecewise, Heaviside, Abs, re, im, arg)


def non_analytic(expr: Basic) -> str:
    """The name of a function in ``expr`` whose value can jump or kink between sample points ('' if none)."""
    found = sorted({type(node).__name__ for node in expr.atoms(*_NON_ANALYTIC)})
    return ", ".join(found)


_MAY_BE_UNDEFINED = (log, tan, cot, sec, csc, gamma, factorial, binomial, Integral)


def may_be_undefined(expr: Basic) -> bool:
    """Whether ``expr`` contains something undefined at some points (a division, a log, an integral)."""
    if expr.atoms(*_MAY_BE_UNDEFINED):
        return True
    return any(
        not (power.exp.is_integer and power.exp.is_nonnegative) and not (power.base.is_positive and power.base.is_finite)
        for power in expr.atoms(Pow)
    )


def _integer(value: int):
    from sympy import Integer

    return Integer(value)


def _show(mapping: dict) -> str:
    return ", ".join(f"{k} = {v}" for k, v in mapping.items()) or "no sizes"


def default_strategies(context: Context) -> tuple[Strategy, ...]:
    """Cheapest first: identity, a quick refutation at small sizes, proof, then weaker evidence.

    The quick refutation covers every combination of the small (boundary) sizes,
    so a symbolic "proof" that fails at ``L = 0`` never stands.
    """
    return (
        Identical(),
        RefutationAtPoints(count=None, large_sizes=False, name="refutation at small sizes"),
        SymbolicProof(),
        RefutationAtPoints(count=8, large_sizes=True),
        ExactInstances(),
        RigorousQuadrature(),
        AgreementAtPoints(count=max(context.random_points, 1) * 2),
    )
