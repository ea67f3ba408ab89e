"""Strategies for relations between matrix expressions (or scalars built from them).

A noncommutative normal form proves identities for general dimensions
(:mod:`symderive.matrices`); otherwise exact evaluation at instances of every
dimension, with random rational matrices that have the declared properties
(:mod:`symderive.matrix_instances`), gives ``proved-on-instances`` or a
re-checked counterexample.  Expectations of random vectors are evaluated
exactly from their declared means and covariances (:mod:`symderive.randomvectors`).
"""
from __future__ import annotations

import itertools

from sympy import Basic, MatrixBase, MatrixExpr

from ..matrices import prove_equal
from ..matrix_instances import InstanceResult, InstanceStatus, check_on_instances
from ..model import Outcome, Status, Verdict
from ..randomvars import Expect
from ..randomvectors import MatExpect, check_expectation_identity
from .functions import show_function
from .numbers import show
from .strategies import Problem, Strategy


def involves_matrices(expr: Basic) -> bool:
    return isinstance(expr, MatrixExpr) or bool(expr.atoms(MatrixExpr))


class MatrixNormalForm(Strategy):
    """Transposes and inverses pushed to the leaves, products expanded, traces rotated canonically."""

    name = "noncommutative normal form"

    def run(self, problem: Problem) -> Verdict | None:
        # prove_equal answers False for what it cannot normalise: "not proved", never an exception
        if prove_equal(problem.lhs, problem.rhs, problem.context.matrix_facts):
            return problem.verified(Status.PROVED, self.name, "general dimensions")
        return None


class MatrixInstances(Strategy):
    """Exact evaluation at instances of every dimension, random matrices with the declared properties."""

    name = "exact evaluation on matrix instances"

    def run(self, problem: Problem) -> Verdict | None:
        context = problem.context
        if _has_matexpect(problem):
            if context.vector_model is None:
                return Verdict(Outcome.UNKNOWN, "an expectation of a random vector appears but no vector is declared")
            result = check_expectation_identity(problem.lhs, problem.rhs, context.vector_model,
                                                context.matrix_facts, context.seed)
            used = (context.vector_model.cites,) if context.vector_model.cites else ()
        else:
            result = check_on_instances(problem.lhs, problem.rhs, context.matrix_facts, seed=context.seed)
            used = ()
        return _verdict(problem, result, self.name, used)


def _has_matexpect(problem: Problem) -> bool:
    """An expectation of random vectors: ``E[M]`` of a matrix or ``E[...]`` of a scalar built from matrices."""
    return any(
        isinstance(node, MatExpect) or isinstance(node, Expect) and involves_matrices(node.args[0])
        for side in (problem.lhs, problem.rhs)
        for node in side.atoms(MatrixExpr, Expect)
    )


def _verdict(problem: Problem, result: InstanceResult, method: str, used: tuple[str, ...]) -> Verdict:
    if result.status is InstanceStatus.UNEQUAL and result.counterexample is not None:
        instance = result.counterexample.instance
        shown = {str(k): str(v) for k, v in {**instance.indices, **instance.dims}.items()}
        shown.update({str(k): show(v) for k, v in instance.scalars.items()})
        shown.update(dict(show_function(f, p) for f, p in instance.functions.items()))
        shown.update({str(leaf): str(value.tolist()) for leaf, value in instance.matrices.items()})
        return Verdict(Outcome.REFUTED, result.reason, counterexample=shown, rechecked_by=result.rechecked_by)
    if result.status is InstanceStatus.EQUAL:
        sizes = "; ".join(", ".join(f"{k} = {v}" for k, v in round_.items()) for round_ in result.sizes)
        if result.functions_replaced:
            detail = (f"exact agreement with {', '.join(result.functions_replaced)} replaced by random polynomials "
                      f"at {sizes}")
            return problem.verified(Status.TESTED_NUMERICALLY, method, detail, used)
        return problem.verified(Status.PROVED_ON_INSTANCES, method, f"exact at {sizes}", used)
    return Verdict(Outcome.UNKNOWN, result.reason)


class ExplicitEntries(Strategy):
    """Two explicit matrices (a Jacobian written out, say): equal shapes, then each entry by the scalar judge."""

    name = "entry by entry"

    def __init__(self, judge_entry) -> None:
        self.judge_entry = judge_entry

    def run(self, problem: Problem) -> Verdict | None:
        lhs, rhs = _explicit(problem.lhs), _explicit(problem.rhs)
        if lhs is None or rhs is None:
            return None
        if lhs.shape != rhs.shape:
            return Verdict(Outcome.REFUTED, f"the two sides have different shapes, {lhs.shape} and {rhs.shape}",
                           counterexample={"shape of the left side": str(lhs.shape), "shape of the right side": str(rhs.shape)})
        weakest, premises, methods = Status.PROVED, set(), set()
        for (row, column), left in ((p, lhs[p]) for p in itertools.product(range(lhs.rows), range(lhs.cols))):
            verdict = self.judge_entry(left, rhs[row, column], problem.context)
            if verdict.outcome is not Outcome.VERIFIED or verdict.verification is None:
                where = f"entry ({row + 1}, {column + 1})"
                return Verdict(verdict.outcome, f"{where}: {verdict.reason}", counterexample=verdict.counterexample)
            if verdict.verification.status.strength < weakest.strength:
                weakest = verdict.verification.status
            premises |= set(verdict.verification.premises)
            methods.add(verdict.verification.method)
        detail = f"{lhs.rows * lhs.cols} entries: " + "; ".join(sorted(methods))
        return problem.verified(weakest, self.name, detail, premises)


def _explicit(side: Basic) -> MatrixBase | None:
    if isinstance(side, MatrixBase):
        return side
    value = side.doit() if isinstance(side, MatrixExpr) else None
    return value if isinstance(value, MatrixBase) else None


def matrix_strategies(judge_entry) -> tuple[Strategy, ...]:
    return (ExplicitEntries(judge_entry), MatrixNormalForm(), MatrixInstances())
