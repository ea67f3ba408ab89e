"""Calculus rules: integrals, Jacobians and entry-wise derivatives.

The Jacobian rules work on :class:`~symderive.jacobians.Jacobian` and
:class:`~symderive.jacobians.EntryMatrix`; what a Jacobian *is* depends on how
the vectors were computed, so steps made with them are checked by explicit
verifiers on concrete instances (see :mod:`symderive.cnn_instances`).
"""
from __future__ import annotations

from dataclasses import dataclass

from sympy import (
    And, Basic, Derivative, Expr, IndexedBase, Integral, KroneckerDelta, MatMul, Max, Min, Mul, Piecewise, S, Sum,
    Symbol, Transpose, expand,
)
from sympy.core.relational import Relational

from ..jacobians import EntryMatrix, Jacobian, entry_of
from ..matrices import IndexedMatrix
from . import ParametricRule, RuleNotApplicable, rule


@rule("evaluate the integral", "Fundamental theorem of calculus: evaluate an antiderivative at the limits.")
def evaluate_integrals(expr: Basic) -> Basic:
    return expr.replace(lambda e: isinstance(e, Integral), lambda e: e.doit())


# --- Jacobians ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainRule(ParametricRule):
    r"""``∂a/∂c -> ∂a/∂b_1 ∂b_1/∂b_2 ··· ∂b_r/∂c`` for ``target = ∂a/∂c``, ``through = (b_1, ..., b_r)``."""

    target: Jacobian
    through: tuple[IndexedMatrix, ...]

    def apply(self, expr: Basic) -> Basic:
        if not self.through:
            raise RuleNotApplicable("the chain rule goes through at least one intermediate vector")
        if not expr.has(self.target):
            raise RuleNotApplicable(f"{self.target} does not occur in {expr}")
        vectors = (self.target.of, *self.through, self.target.wrt)
        factors = [Jacobian(outer, inner) for outer, inner in zip(vectors, vectors[1:])]
        return expr.xreplace({self.target: MatMul(*factors)})


def chain_rule(target: Jacobian, *through: IndexedMatrix) -> ChainRule:
    r"""``∂a/∂c = ∂a/∂b_1 ∂b_1/∂b_2 ··· ∂b_r/∂c`` for ``target = ∂a/∂c``."""
    if not through:
        raise ValueError("the chain rule goes through at least one intermediate vector")
    return ChainRule(
        "chain rule",
        r"If $a$ depends on $c$ only through $b$, then "
        r"$\frac{\partial a}{\partial c} = \frac{\partial a}{\partial b}\frac{\partial b}{\partial c}$ "
        r"(the Jacobian of a composition is the product of the Jacobians).",
        target, tuple(through),
    )


@dataclass(frozen=True)
class EntrywiseJacobian(ParametricRule):
    r"""``∂u/∂v -> [∂u_i/∂v_j]`` for vectors ``u``, ``v``, with ``i = row`` and ``j = col``."""

    row: Symbol
    col: Symbol

    def apply(self, expr: Basic) -> Basic:
        return expr.replace(lambda e: isinstance(e, Jacobian), self._entries)

    def _entries(self, node: Jacobian) -> EntryMatrix:
        of, wrt = node.of, node.wrt
        if not (isinstance(of, IndexedMatrix) and isinstance(wrt, IndexedMatrix)):
            raise RuleNotApplicable(f"{node} is not a Jacobian of one named vector by another")
        return EntryMatrix(Derivative(entry_of(of, self.row), entry_of(wrt, self.col)),
                           (self.row, of.rows), (self.col, wrt.rows))


def entrywise_jacobian(row: Symbol, col: Symbol) -> EntrywiseJacobian:
    r"""``∂u/∂v = [∂u_i/∂v_j]`` for vectors ``u``, ``v`` (entries by :func:`~symderive.jacobians.entry_of`)."""
    return EntrywiseJacobian(
        "Jacobian entry by entry",
        r"By definition, entry $(i, j)$ of $\frac{\partial u}{\partial v}$ is "
        r"$\frac{\partial u_i}{\partial v_j}$.",
        row, col,
    )


@rule("differentiate",
      r"Term by term: $\frac{\partial}{\partial x_j}\sum_m c_m x_m = \sum_m c_m \delta_{mj}$, "
      r"$\frac{\partial \sigma(u_i)}{\partial u_j} = \sigma'(u_i)\,\delta_{ij}$ (chain rule), and a term "
      r"without the variable has derivative $0$.")
def differentiate(expr: Basic) -> Basic:
    derived = expr.replace(lambda e: isinstance(e, Derivative) and not _is_slope(e), lambda e: e.doit())
    return derived.replace(lambda e: isinstance(e, Sum) and e.function == 0, lambda e: S.Zero)


def _is_slope(derivative: Derivative) -> bool:
    """``σ'(u)`` written as ``Derivative(σ(u), u)``: already a derivative of a function at a variable."""
    inner = derivative.expr
    return len(derivative.variables) == 1 and getattr(inner, "args", ()) == derivative.variables \
        and not inner.is_Symbol and not inner.is_Indexed


# --- sums with a Kronecker delta or over a band ------------------------------------------------------


def _linear_bounds(expr: Expr, ranges: dict[Symbol, tuple[Expr, Expr]]) -> tuple[Expr, Expr] | None:
    """The least and greatest value of ``expr`` (linear in the bounded indices) over ``ranges``."""
    low = high = expand(expr)
    for index, (first, last) in ranges.items():
        coefficient = low.coeff(index)
        if expand(expr).diff(index, 2) != 0 or coefficient.has(*ranges):
            return None
        rest_low, rest_high = expand(low - coefficient * index), expand(high - coefficient * index)
        if coefficient.is_nonnegative:
            low, high = rest_low + coefficient * first, rest_high + coefficient * last
        elif coefficient.is_nonpositive:
            low, high = rest_low + coefficient * last, rest_high + coefficient * first
        else:
            return None
    return low, high


def _implied(condition: Relational, ranges: dict[Symbol, tuple[Expr, Expr]]) -> bool:
    """Whether ``lhs <= rhs`` (or ``>=``) holds for every value of the indices in their ranges."""
    if condition.rel_op not in ("<=", ">="):
        return False
    small, large = (condition.lhs, condition.rhs) if condition.rel_op == "<=" else (condition.rhs, condition.lhs)
    bounds = _linear_bounds(large - small, ranges)
    return bounds is not None and expand(bounds[0]).is_nonnegative is True


def _within(expr: Expr, lower: Expr, upper: Expr, ranges: dict) -> list[Relational]:
    """The conditions ``lower <= expr <= upper`` that the index ranges do not already guarantee."""
    from sympy import Le

    return [c for c in (Le(lower, expr, evaluate=False), Le(expr, upper, evaluate=False)) if not _implied(c, ranges)]


def _delta_sum(total: Sum, ranges: dict) -> Expr:
    (variable, lower, upper), = total.limits
    deltas = [factor for factor in Mul.make_args(total.function) if isinstance(factor, KroneckerDelta)]
    if len(deltas) != 1:
        return total
    difference = expand(deltas[0].args[0] - deltas[0].args[1])
    slope = difference.coeff(variable)
    if slope not in (1, -1) or expand(difference - slope * variable).has(variable):
        return total
    solution = expand(-(difference - slope * variable) / slope)  # the one value of the variable with delta 1
    others = Mul(*(factor for factor in Mul.make_args(total.function) if factor is not deltas[0]))
    value = others.xreplace({variable: solution})
    conditions = _within(solution, lower, upper, ranges)
    if not conditions:
        return value
    return Piecewise((value, And(*conditions, evaluate=False)), (S.Zero, True), evaluate=False)


@rule("sum against a Kronecker delta",
      r"$\sum_{m=a}^{b} \delta_{m,s}\, g(m) = g(s)$ if $a \le s \le b$ and $0$ otherwise; a condition the "
      r"ranges of the entry indices already guarantee is dropped.")
def sum_against_kronecker_delta(expr: Basic) -> Basic:
    def inside(matrix: EntryMatrix) -> EntryMatrix:
        ranges = matrix.ranges()
        return matrix.with_entry(matrix.entry.replace(
            lambda e: isinstance(e, Sum) and len(e.limits) == 1, lambda e: _delta_sum(e, ranges)))

    return expr.replace(lambda e: isinstance(e, EntryMatrix), inside)


def _band(total: Sum) -> Expr:
    """``sum_i [c(i)] g(i) = sum_{i in band} g(i)`` for a condition ``c`` of linear bounds on ``i``."""
    (variable, lower, upper), = total.limits
    pieces = [factor for factor in Mul.make_args(total.function) if isinstance(factor, Piecewise)]
    if len(pieces) != 1 or len(pieces[0].args) != 2 or pieces[0].args[1] != (S.Zero, True):
        return total
    (value, condition), _ = pieces[0].args
    rest = Mul(*(factor for factor in Mul.make_args(total.function) if factor is not pieces[0]))
    lows, highs = [lower], [upper]
    for relation in (condition.args if isinstance(condition, And) else (condition,)):
        if not isinstance(relation, Relational) or relation.rel_op not in ("<=", ">=", "<", ">"):
            return total
        # write as  slope * variable + offset  (<= or <)  0
        if relation.rel_op in ("<=", "<"):
            difference, strict = expand(relation.lhs - relation.rhs), relation.rel_op == "<"
        else:
            difference, strict = expand(relation.rhs - relation.lhs), relation.rel_op == ">"
        slope = difference.coeff(variable)
        offset = expand(difference - slope * variable)
        if slope not in (1, -1) or offset.has(variable):
            return total
        bound = -offset * slope  # the variable's bound: slope=1: v <= -offset; slope=-1: v >= offset
        if slope == 1:
            highs.append(bound - 1 if strict else bound)
        else:
            lows.append(bound + 1 if strict else bound)
    return Sum(value * rest, (variable, Max(*lows), Min(*highs)))


@rule("sum over the band",
      r"A sum of terms that vanish outside $a \le i \le b$ is the sum over that range "
      r"(intersected with the range of the sum).")
def sum_over_the_band(expr: Basic) -> Basic:
    return expr.replace(lambda e: isinstance(e, Sum) and len(e.limits) == 1, _band)


@dataclass(frozen=True)
class EntriesOfTransposedProduct(ParametricRule):
    r"""``M^T v -> [\sum_i M_{ij} v_i]_j`` for a named matrix ``M`` and vector ``v``, ``j = row``, ``i = summation``."""

    row: Symbol
    summation: Symbol

    def apply(self, expr: Basic) -> Basic:
        return expr.replace(lambda e: isinstance(e, MatMul), self._entries)

    def _entries(self, product: MatMul) -> Expr:
        coefficient, matrices = product.as_coeff_matrices()
        if coefficient != 1 or len(matrices) != 2 or not isinstance(matrices[0], Transpose):
            return product
        matrix, vector = matrices[0].arg, matrices[1]
        if not (isinstance(matrix, IndexedMatrix) and isinstance(vector, IndexedMatrix) and vector.cols == 1):
            return product
        entry = IndexedBase(matrix.name)[matrix.index, self.summation, self.row] * entry_of(vector, self.summation)
        return EntryMatrix(Sum(entry, (self.summation, 1, matrix.rows)), (self.row, matrix.cols))


def entries_of_transposed_product(row: Symbol, summation: Symbol) -> EntriesOfTransposedProduct:
    r"""``M^T v = [\sum_i M_{ij} v_i]_j`` for a named matrix ``M`` and a named vector ``v``."""
    return EntriesOfTransposedProduct(
        "entries of a matrix-vector product",
        r"$(M^\top v)_j = \sum_i (M^\top)_{ji} v_i = \sum_i M_{ij} v_i$.",
        row, summation,
    )


# --- naming a matrix given by its entries -------------------------------------------------------------


@dataclass(frozen=True)
class NameTheMatrix(ParametricRule):
    """Replace the one entry-wise matrix of the expression (of ``named``'s shape) by ``named``."""

    named: Basic

    def apply(self, expr: Basic) -> Basic:
        shape = getattr(self.named, "shape", None)
        found = [e for e in expr.atoms(EntryMatrix) if e.shape == shape]
        if len(found) != 1:
            raise RuleNotApplicable(f"expected one entry-wise matrix of shape {shape}, found {len(found)}")
        return expr.xreplace({found[0]: self.named})


def name_the_matrix(named, name: str, justification: str) -> NameTheMatrix:
    """Replace the one entry-wise matrix of the expression (of ``named``'s shape) by ``named``."""
    return NameTheMatrix(name, justification, named)


__all__ = [
    "evaluate_integrals", "chain_rule", "entrywise_jacobian", "differentiate", "sum_against_kronecker_delta",
    "sum_over_the_band", "entries_of_transposed_product", "name_the_matrix",
    "ChainRule", "EntrywiseJacobian", "EntriesOfTransposedProduct", "NameTheMatrix",
]
