"""What the judge may use: stated definitions, the random model, sizes, conventions, limits."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Mapping

from sympy import Basic, Dummy, Expr, Indexed, Product, Sum, Symbol
from sympy.core.function import AppliedUndef

from ..matrices import MatrixFacts
from ..randomvars import RandomModel
from ..randomvectors import VectorModel


class Convention(str, Enum):
    """How a sum (or product) whose upper bound is below its lower bound is read."""

    TEXTBOOK = "textbook"  # empty: a sum is 0, a product is 1 (what a student means)
    KARR = "karr"  # SymPy's: sum_{a}^{b} = -sum_{b+1}^{a-1} when b < a - 1

    def describe(self) -> str:
        if self is Convention.TEXTBOOK:
            return "textbook sums (empty when reversed)"
        return "Karr's sums (SymPy's: reversed ranges negate)"


@dataclass(frozen=True)
class Definition:
    """``target := value`` for every value of the pattern symbols ``params``.

    ``target`` is a symbol, a matrix symbol, an entry such as ``y[l, i]`` or a
    function application such as ``p(y)``; indices or arguments that are not in
    ``params`` must match exactly (so ``y[l, i]`` does not unfold ``y[l-1, j]``).
    ``label`` is how a verification cites it.
    """

    label: str
    target: Expr
    value: Expr
    params: tuple[Symbol, ...] = ()

    def matches(self, expr: Basic) -> dict | None:
        if isinstance(self.target, AppliedUndef):
            # p(y) := ... for every y: binds the arguments named in params
            if not isinstance(expr, AppliedUndef) or expr.func != self.target.func:
                return None
            return self._bind(self.target.args, expr.args)
        if not isinstance(self.target, Indexed):
            return {} if expr == self.target else None  # a symbol, a matrix symbol
        if not isinstance(expr, Indexed) or expr.base != self.target.base:
            return None
        return self._bind(self.target.indices, expr.indices)

    def _bind(self, patterns: tuple, actuals: tuple) -> dict | None:
        if len(patterns) != len(actuals):
            return None
        binding: dict = {}
        for pattern, actual in zip(patterns, actuals):
            if pattern in self.params:
                if binding.setdefault(pattern, actual) != actual:
                    return None
            elif pattern != actual:
                return None
        return binding

    def unfold(self, expr: Basic) -> Basic:
        def replace_match(e: Basic) -> Basic:
            binding = self.matches(e)
            return _without_capture(self.value, binding).xreplace(binding) if binding is not None else e

        return expr.replace(lambda e: self.matches(e) is not None, replace_match)


def _without_capture(value: Expr, binding: dict) -> Expr:
    """Rename the summation indices of ``value`` that the bound values would be captured by."""
    incoming = set().union(*(v.free_symbols for v in binding.values())) if binding else set()
    bound = {v for node in value.atoms(Sum, Product) for v, *_ in node.limits}
    clashes = bound & incoming
    return value.xreplace({v: Dummy(v.name, **v.assumptions0) for v in clashes}) if clashes else value


@dataclass(frozen=True)
class Context:
    """The premises and settings of one judgement.

    Only what is stated here may be used: ``definitions`` (each with its label),
    the ``random_model`` (laws, facts and independence, each labelled), the
    declared properties of matrices and the random vectors.
    ``instance_values`` lists sizes to try for a symbol bounding a sum (random
    larger sizes are always added; an empty tuple means no instances: unknown).
    """

    definitions: tuple[Definition, ...] = ()
    random_model: RandomModel | None = None
    matrix_facts: MatrixFacts = MatrixFacts()  # symmetric, positive definite, invertible, ...
    vector_model: VectorModel | None = None  # random vectors: means, covariances, independence
    instance_values: Mapping[Basic, tuple[int, ...]] = field(default_factory=dict)
    convention: Convention = Convention.TEXTBOOK
    random_points: int = 6
    seed: int = 20261125
    seconds: float = 30.0  # wall-clock limit of one judgement

    def __post_init__(self) -> None:
        # nan or inf would be no limit at all (or a traceback inside the limit's machinery)
        if not (isinstance(self.seconds, (int, float)) and 0 < self.seconds < float("inf")):
            raise ValueError(f"a time limit must be a finite positive number of seconds, not {self.seconds!r}")

    def with_definitions(self, *more: Definition) -> "Context":
        return replace(self, definitions=self.definitions + more)
