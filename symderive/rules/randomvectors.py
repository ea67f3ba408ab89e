r"""Rules for random vectors: the expectation through traces and constant matrices, first and
second moments, independent cross moments; and :func:`expected_quadratic_form`, which derives
:math:`\mathbb{E}[x^\top A x] = \operatorname{tr}(A\Sigma) + \mu^\top A\mu` as a chain of these rules.

Each rule that uses the random model reads the mean and covariance from it, and a rule that
needs independence cites the statement declaring it (raising
:class:`~symderive.rules.RuleNotApplicable` when none does).
"""
from __future__ import annotations

from dataclasses import dataclass

from sympy import Basic, Expr, MatAdd, MatMul, MatrixExpr, MatrixSymbol, S, Trace

from ..randomvars import Expect
from ..randomvectors import MatExpect, VectorModel
from . import ParametricRule, Rule, RuleNotApplicable, rule
from .matrices import trace_cyclicity, trace_linearity


def _product(coefficient: Expr, matrices) -> Expr:
    if not matrices:
        raise RuleNotApplicable("a term without a matrix factor")
    product = matrices[0] if len(matrices) == 1 else MatMul(*matrices)
    return product if coefficient == 1 else coefficient * product


@rule("expectation through the trace",
      r"$\mathbb{E}[\operatorname{tr} M] = \operatorname{tr}\mathbb{E}[M]$: the trace is a finite sum of entries.")
def expectation_through_trace(expr: Basic) -> Basic:
    return expr.replace(lambda e: isinstance(e, Expect) and isinstance(e.args[0], Trace),
                        lambda e: Trace(MatExpect(e.args[0].arg)))


@dataclass(frozen=True)
class LinearityOfMatrixExpectation(ParametricRule):
    """``E[A X B + c Y] -> A E[X] B + c E[Y]`` for factors free of ``model``'s random vectors."""

    model: VectorModel

    def apply(self, expr: Basic) -> Basic:
        return expr.replace(lambda e: isinstance(e, MatExpect), self._linearise)

    def _linearise(self, node: MatExpect) -> Expr:
        expanded = node.arg.expand()
        terms = expanded.args if isinstance(expanded, MatAdd) else (expanded,)
        parts = [self._split_term(t) for t in terms]
        return parts[0] if len(parts) == 1 else MatAdd(*parts)

    def _split_term(self, term: MatrixExpr) -> Expr:
        coefficient, matrices = term.as_coeff_matrices() if isinstance(term, MatMul) else (S.One, [term])
        if self.model.random_symbols(coefficient):
            raise RuleNotApplicable(f"the scalar factor {coefficient} is random")
        random = [i for i, m in enumerate(matrices) if self.model.random_symbols(m)]
        if not random:
            return _product(coefficient, matrices)  # E[C] = C for a constant matrix
        first, last = random[0], random[-1]
        middle = MatExpect(_product(S.One, matrices[first:last + 1]))
        return _product(coefficient, [*matrices[:first], middle, *matrices[last + 1:]])


def linearity_of_matrix_expectation(model: VectorModel) -> LinearityOfMatrixExpectation:
    return LinearityOfMatrixExpectation(
        "linearity of the matrix expectation",
        r"$\mathbb{E}[A X B + c\,Y] = A\,\mathbb{E}[X]\,B + c\,\mathbb{E}[Y]$ for constant $A$, $B$, $c$: "
        r"each entry is a linear combination of entries.",
        model,
    )


def _vector(node: Basic, model: VectorModel):
    return model.vector(node) if isinstance(node, MatrixSymbol) else None


@dataclass(frozen=True)
class MeanOfRandomVector(ParametricRule):
    """``E[x] -> μ`` for a random vector ``x`` that ``model`` declares with mean ``μ``."""

    model: VectorModel

    def apply(self, expr: Basic) -> Basic:
        def mean(node: MatExpect) -> Expr:
            v = _vector(node.arg, self.model)
            return v.mean if v is not None else node

        return expr.replace(lambda e: isinstance(e, MatExpect), mean)


def mean_of_random_vector(model: VectorModel) -> MeanOfRandomVector:
    return MeanOfRandomVector(
        "mean of a random vector",
        rf"$\mathbb{{E}}[x] = \mu$ by the declared law ({model.cites or 'the random model'}).",
        model,
    )


@dataclass(frozen=True)
class SecondMomentOfRandomVector(ParametricRule):
    """``E[x xᵀ] -> Σ + μμᵀ`` for a random vector ``x`` that ``model`` declares."""

    model: VectorModel

    def apply(self, expr: Basic) -> Basic:
        def second_moment(node: MatExpect) -> Expr:
            arg = node.arg
            if isinstance(arg, MatMul) and len(arg.args) == 2 and arg.args[1] == arg.args[0].T:
                v = _vector(arg.args[0], self.model)
                if v is not None:
                    return v.covariance + v.mean * v.mean.T
            return node

        return expr.replace(lambda e: isinstance(e, MatExpect), second_moment)


def second_moment_of_random_vector(model: VectorModel) -> SecondMomentOfRandomVector:
    return SecondMomentOfRandomVector(
        "second moment of a random vector",
        r"$\mathbb{E}[x x^\top] = \Sigma + \mu\mu^\top$, since "
        r"$\Sigma = \mathbb{E}[(x-\mu)(x-\mu)^\top] = \mathbb{E}[xx^\top] - \mu\mu^\top$ "
        rf"({model.cites or 'the random model'}).",
        model,
    )


@dataclass(frozen=True)
class CrossMomentOfIndependentVectors(ParametricRule):
    """``E[x yᵀ] -> E[x] E[y]ᵀ`` for distinct random vectors that ``model`` states independent."""

    model: VectorModel

    def apply(self, expr: Basic) -> Basic:
        return expr.replace(lambda e: isinstance(e, MatExpect), self._cross_moment)

    def _cross_moment(self, node: MatExpect) -> Expr:
        arg = node.arg
        if not (isinstance(arg, MatMul) and len(arg.args) == 2):
            return node
        x, y = arg.args[0], arg.args[1].T
        vx, vy = _vector(x, self.model), _vector(y, self.model)
        if vx is None or vy is None or x == y:
            return node
        if self.model.independence_of(x, y) is None:
            raise RuleNotApplicable(f"{x} and {y} are not stated independent")
        return vx.mean * vy.mean.T


def cross_moment_of_independent_vectors(model: VectorModel) -> CrossMomentOfIndependentVectors:
    statements = ", ".join(sorted({s.cite for s in model.independent})) or "none stated"
    return CrossMomentOfIndependentVectors(
        "cross moment of independent vectors",
        r"$\mathbb{E}[x y^\top] = \mathbb{E}[x]\,\mathbb{E}[y]^\top$ for independent $x$, $y$ "
        rf"(entrywise $\mathbb{{E}}[x_i y_j] = \mathbb{{E}}[x_i]\mathbb{{E}}[y_j]$; independence: {statements}).",
        model,
    )


@dataclass(frozen=True)
class RuleStep:
    """One step of a derivation: ``before = after`` by ``rule`` (to be judged independently)."""

    rule: Rule | ParametricRule
    before: Basic
    after: Basic


def expected_quadratic_form(x: MatrixSymbol, a: MatrixExpr, model: VectorModel) -> tuple[RuleStep, ...]:
    r"""Derive :math:`\mathbb{E}[x^\top A x] = \operatorname{tr}(A\Sigma) + \mu^\top A\mu` by rules.

    The steps: rotate the trace, take E through it, pull out the constant ``A``,
    the second moment ``E[xx^T] = Sigma + mu mu^T``, split the trace, rotate back.
    """
    if model.vector(x) is None:
        raise RuleNotApplicable(f"{x} is not a declared random vector")
    plan = [
        trace_cyclicity(1),
        expectation_through_trace,
        linearity_of_matrix_expectation(model),
        second_moment_of_random_vector(model),
        trace_linearity,
        trace_cyclicity(2),
    ]
    steps: list[RuleStep] = []
    current: Basic = Expect(Trace(x.T * a * x))
    for step_rule in plan:
        after = step_rule(current)
        steps.append(RuleStep(step_rule, current, after))
        current = after
    return tuple(steps)


__all__ = [
    "LinearityOfMatrixExpectation", "MeanOfRandomVector", "SecondMomentOfRandomVector",
    "CrossMomentOfIndependentVectors", "expectation_through_trace", "linearity_of_matrix_expectation",
    "mean_of_random_vector",
    "second_moment_of_random_vector", "cross_moment_of_independent_vectors", "RuleStep",
    "expected_quadratic_form",
]
