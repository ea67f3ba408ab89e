"""The judge: rules on one relation ``lhs = rhs`` under a declared context.

It never looks at how ``rhs`` was obtained.  It is an ordered list of small
strategies (:mod:`symderive.judge.strategies`), cheapest first:

1. *identical*: the two sides are the same expression;
2. *refutation at small sizes*: exact evaluation at drawn points — every
   combination of the small and boundary sizes, symbols with their assumptions,
   one value per distinct entry; a difference, re-checked, refutes;
3. *symbolic simplification*: stated definitions unfolded, E/Var/Cov evaluated
   from first principles, finite sums aligned, the difference simplified to 0
   -> ``proved`` (general sizes);
4. *refutation at sample points*, now with sizes drawn beyond every constant;
5. *exact evaluation on instances*: every listed size, other symbols kept
   symbolic -> ``proved-on-instances`` with the sizes;
6. agreement at random points only -> ``tested-numerically``; otherwise ``unknown``.

Only stated premises are used (the context's definitions and random model),
and a verification cites the ones it actually used.  Every judgement runs in
a child process under a wall-clock limit; an exception or a timeout is
``unknown`` with its reason, never ``verified``.  The judge is the same for
built-in derivations and for a human's LaTeX.
"""
from __future__ import annotations

from dataclasses import replace

from sympy import Basic, Expr, ImmutableMatrix, Integer, Integral, MatrixBase, Product, Sum, expand

from ..limits import ChildFailed, TimeLimitExceeded, bounded, inside_limit
from ..model import Outcome, Verdict
from ..randomvars import Undecidable, check_declared, operators_in, warm_moments
from .context import Context, Convention, Definition
from .numbers import is_undefined
from .inequality import RELATIONS, inequality_strategies
from .matrix_strategies import involves_matrices, matrix_strategies
from .strategies import Identical, Problem, default_strategies
from .sums import align_sums, bounds_are_integers, canonical_bound_variables, expand_finite_sums

__all__ = ["Context", "Convention", "Definition", "RELATIONS", "judge", "align_sums", "expand_finite_sums"]


def judge(lhs: Expr | int, rhs: Expr | int, context: Context = Context(), relation: str = "=",
          refute: bool = True) -> Verdict:
    """Judge ``lhs REL rhs`` (``=``, ``<=``, ``>=``, ``<``, ``>``): verified (and how),
    refuted (with a counterexample) or unknown (and why).  ``refute=False``: an inequality is only
    proved or left unknown, no counterexample is searched for (a caller that searches its own)."""
    try:
        lhs, rhs = _as_expr(lhs), _as_expr(rhs)
    except TypeError as exc:
        return Verdict(Outcome.UNKNOWN, str(exc))
    if relation not in RELATIONS:
        return Verdict(Outcome.UNKNOWN, f"unknown relation {relation!r}: expected one of {', '.join(RELATIONS)}")
    if inside_limit():
        return _judge_safely(lhs, rhs, context, relation, refute)
    warm_moments(context.random_model)  # cached here, inherited by every child
    try:
        return bounded(_judge_safely, lhs, rhs, context, relation, refute, seconds=context.seconds)
    except TimeLimitExceeded:
        return Verdict(Outcome.UNKNOWN, f"time limit: no decision within {context.seconds:g} s")
    except ChildFailed as exc:
        return Verdict(Outcome.UNKNOWN, f"the judge failed ({exc.kind}: {exc})")


def _as_expr(value: Expr | int) -> Expr:
    """SymPy expressions pass; Python integers become Integers; nothing is parsed from text."""
    if isinstance(value, bool):
        raise TypeError("a truth value is not an expression")
    if isinstance(value, int):
        return Integer(value)
    if isinstance(value, Basic):
        return value
    if isinstance(value, MatrixBase):  # a mutable Matrix: its immutable twin is an expression
        return ImmutableMatrix(value)
    raise TypeError(f"expected a SymPy expression or an int, got {type(value).__name__}")


def _meaningless(side: Basic) -> str:
    """Why a side cannot take part in an equation between numbers ('' when it can)."""
    if isinstance(side, MatrixBase):
        return ""
    if not isinstance(side, Expr) or side.is_Boolean or side.is_Relational:
        return f"{type(side).__name__} is not a number-valued expression: a relation between them means nothing here"
    outside_limits = side.replace(lambda e: isinstance(e, (Integral, Sum, Product)), lambda e: e.function)
    if is_undefined(outside_limits):
        return f"{side} contains an undefined value (nan, zoo or an infinity)"
    infinite = [s for s in side.free_symbols if s.is_finite is False]
    if infinite:
        return f"{infinite[0]} is declared infinite: arithmetic with it is undefined"
    return ""


def _judge_safely(lhs: Expr, rhs: Expr, context: Context, relation: str, refute: bool = True) -> Verdict:
    try:
        # Screened here, under the limit: rebuilding a side can divide by zero or evaluate a huge power.
        meaningless = _meaningless(lhs) or _meaningless(rhs)
        if meaningless:
            return Verdict(Outcome.UNKNOWN, meaningless)
        return _judge(lhs, rhs, context, relation, refute)
    except Undecidable as exc:
        return Verdict(Outcome.UNKNOWN, str(exc))
    except RecursionError:
        return Verdict(Outcome.UNKNOWN, "the expression is nested too deeply for the judge")
    except Exception as exc:  # an unforeseen input is undecided, never verified
        return Verdict(Outcome.UNKNOWN, f"the judge could not decide ({type(exc).__name__}: {exc})")


def _judge(lhs: Expr, rhs: Expr, context: Context, relation: str = "=", refute: bool = True) -> Verdict:
    if lhs == rhs and relation in ("=", "<=", ">="):
        problem = Problem(lhs, rhs, context)
        return problem.undefined_everywhere() or problem.verified(*_identical())
    problem = _unfolded(lhs, rhs, context)
    if involves_matrices(problem.lhs) or involves_matrices(problem.rhs):
        if relation != "=":
            return Verdict(Outcome.UNKNOWN, "an inequality between matrix expressions is not supported")
        strategies = (Identical(),) + matrix_strategies(_judge_entry)
    else:
        not_integer = bounds_are_integers(problem.difference)
        if not_integer:
            return Verdict(Outcome.UNKNOWN, not_integer)
        if operators_in(problem.difference):
            if context.random_model is None:
                return Verdict(Outcome.UNKNOWN, "E/Var/Cov appear but no random model is declared")
            check_declared(problem.difference, context.random_model)
        strategies = default_strategies(context) if relation == "=" else inequality_strategies(relation, refute)
    for strategy in strategies:
        verdict = strategy.run(problem)
        if verdict is not None:
            return _without_unneeded_definitions(verdict, lhs, rhs, context) if relation == "=" else verdict
    return Verdict(Outcome.UNKNOWN, problem.notes[0] if problem.notes else "no strategy decided")


def _without_unneeded_definitions(verdict: Verdict, lhs: Expr, rhs: Expr, context: Context) -> Verdict:
    """Cite only the definitions the relation needs.

    Every stated definition that changes a side is unfolded, so a step may cite one it
    did not use (the induction hypothesis where the recurrence alone settles it).  Each
    cited definition, the last stated first, is withdrawn in turn and stays withdrawn
    when the sides are still the same expression, or equal after expansion, without it:
    that is a proof from the remaining premises.  Otherwise it stays cited.
    """
    verification = verdict.verification
    if verdict.outcome is not Outcome.VERIFIED or verification is None:
        return verdict
    cited = set(verification.premises)
    withdrawn: set[str] = set()
    for definition in reversed(context.definitions):
        label = definition.label
        if label not in cited or label in withdrawn:
            continue
        lighter = replace(context, definitions=tuple(d for d in context.definitions
                                                     if d.label not in withdrawn | {label}))
        if _agree_cheaply(_unfolded(lhs, rhs, lighter)):
            withdrawn.add(label)
    if not withdrawn:
        return verdict
    premises = tuple(p for p in verification.premises if p not in withdrawn)
    reason = verdict.reason.rsplit(" (using ", 1)[0] + (f" (using {', '.join(premises)})" if premises else "")
    return replace(verdict, reason=reason, verification=replace(verification, premises=premises))


def _agree_cheaply(problem: Problem) -> bool:
    if problem.lhs == problem.rhs:
        return True
    if involves_matrices(problem.lhs) or involves_matrices(problem.rhs):
        return False
    return expand(problem.lhs - problem.rhs) == 0


def _judge_entry(lhs: Expr, rhs: Expr, context: Context) -> Verdict:
    """One entry of an explicit matrix, judged as a relation of its own (inline, under the same limit)."""
    meaningless = _meaningless(lhs) or _meaningless(rhs)
    return Verdict(Outcome.UNKNOWN, meaningless) if meaningless else _judge_safely(lhs, rhs, context, "=")


def _identical():
    from ..model import Status

    return Status.PROVED, "identical"


def _unfolded(lhs: Expr, rhs: Expr, context: Context) -> Problem:
    """Both sides with the stated definitions unfolded (each one that changed something is cited)
    and their bound variables made canonical (see :func:`canonical_bound_variables`)."""
    used = set()
    for definition in context.definitions:
        new_lhs, new_rhs = definition.unfold(lhs), definition.unfold(rhs)
        if (new_lhs, new_rhs) != (lhs, rhs):
            used.add(definition.label)
        lhs, rhs = new_lhs, new_rhs
    lhs, rhs = canonical_bound_variables(lhs, rhs)
    return Problem(lhs, rhs, context, premises=used)
