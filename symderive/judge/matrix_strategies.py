"""Strategies for relations between matrix expressions (or scalars built from them).

A noncommutative normal form proves identities for general dimensions
(:mod:`symderive.matrices`); otherwise exact evaluation at instances of every
dimension, with random rational matrices that have the declared properties
(:mod:`symderive.matrix_instances`), gives ``proved-on-instances`` or a
re-checked counterexample.  Expectations of random vectors are evaluated
exactly from their declared means and covariances (:mod:`symderive.randomvectors`).
"""
from __future__ import annotations

from sympy import Basic, MatrixExpr

from ..matrices import Unsupported, prove_equal
from ..matrix_instances import InstanceResult, InstanceStatus, check_on_instances
from ..model import Outcome, Status, Verdict
from ..randomvectors import MatExpect, check_expectation_identity
from .functions import show_function
from .numbers import show
from .strategies import Problem, Strategy


def involves_matrices(expr: Basic) -> bool:
    return isinstance(expr, MatrixExpr) or any(isinstance(node, MatrixExpr) for node in expr.atoms(MatrixExpr)) \
        or bool(expr.atoms(MatrixExpr))


class MatrixNormalForm(Strategy):
    """Transposes and inverses pushed to the leaves, products expanded, traces rotated canonically."""

    name = "noncommutative normal form"

    def run(self, problem: Problem) -> Verdict | None:
        try:
            if prove_equal(problem.lhs, problem.rhs, problem.context.matrix_facts):
                return problem.verified(Status.PROVED, self.name, "general dimensions")
        except Unsupported as exc:
            problem.notes.append(f"no normal form: {exc}")
        return None


class MatrixInstances(Strategy):
    """Exact evaluation at instances of every dimension, random matrices with the declared properties."""

    name = "exact evaluation on matrix instances"

    def run(self, problem: Problem) -> Verdict | None:
        context = problem.context
        if problem.difference.atoms(MatExpect) or _has_matexpect(problem):
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
    return any(isinstance(node, MatExpect) for side in (problem.lhs, problem.rhs) for node in side.atoms(MatrixExpr))


def _verdict(problem: Problem, result: InstanceResult, method: str, used: tuple[str, ...]) -> Verdict:
    if result.status is InstanceStatus.UNEQUAL and result.counterexample is not None:
        instance = result.counterexample.instance
        shown = {str(k): str(v) for k, v in {**instance.indices, **instance.dims}.items()}
        shown.update({str(k): show(v) for k, v in instance.scalars.items()})
        shown.update(dict(show_function(f, p) for f, p in instance.functions.items()))
        shown.update({str(leaf): str(value.tolist()) for leaf, value in instance.matrices.items()})
        return Verdict(Outcome.REFUTED, result.reason, counterexample=shown)
    if result.status is InstanceStatus.EQUAL:
        sizes = "; ".join(", ".join(f"{k} = {v}" for k, v in round_.items()) for round_ in result.sizes)
        if result.functions_replaced:
            detail = (f"exact agreement with {', '.join(result.functions_replaced)} replaced by random polynomials "
                      f"at {sizes}")
            return problem.verified(Status.TESTED_NUMERICALLY, method, detail, used)
        return problem.verified(Status.PROVED_ON_INSTANCES, method, f"exact at {sizes}", used)
    return Verdict(Outcome.UNKNOWN, result.reason)


def matrix_strategies() -> tuple[Strategy, ...]:
    return (MatrixNormalForm(), MatrixInstances())
