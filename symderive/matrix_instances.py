"""Exact checks of matrix identities on instances, with re-checked counterexamples.

:func:`check_on_instances` gives every symbolic dimension concrete sizes (small
ones and ones drawn at random up to 12), draws random rational matrices that
satisfy the declared :class:`~symderive.matrices.MatrixFacts` (positive definite
as ``B^T B + I``, orthogonal by the Cayley transform, ...), random rationals for
scalars, and evaluates both sides exactly with python-flint's ``fmpq_mat``.

A mismatch is re-checked by a second, independent evaluation (SymPy's own
``doit`` on explicit matrices) and the drawn matrices are re-checked against
the declared properties before a counterexample is returned.  Equality on
instances is evidence at the listed sizes, not a proof for all sizes.

Undeclared scalar functions (``f(c)``, ``sigma`` applied elementwise) are
replaced by random polynomials; the result then lists them in
``functions_replaced`` (agreement is evidence for those polynomials only,
while a counterexample is a genuine one: a concrete function refutes).
"""
from __future__ import annotations

import random
from math import gcd
from dataclasses import dataclass, field
from functools import cached_property
from enum import Enum
from typing import Mapping, Sequence, Union

from flint import arb, ctx, fmpq, fmpq_mat
from sympy import (
    Add,
    Basic,
    Derivative,
    Determinant,
    Dummy,
    E,
    Expr,
    Function,
    Identity,
    ImmutableMatrix,
    Indexed,
    Integer,
    Lambda,
    MatAdd,
    MatMul,
    MatPow,
    MatrixExpr,
    MatrixSymbol,
    Mul,
    OneMatrix,
    Piecewise,
    Pow,
    QQ,
    Rational,
    S,
    Sum,
    Symbol,
    Trace,
    Transpose,
    ZeroMatrix,
    diff,
    exp,
    expand,
    log,
    pi,
    preorder_traversal,
)
from sympy.core.sympify import _sympify  # strict: never parses strings
from sympy.core.function import AppliedUndef
from sympy.matrices.utilities import dotprodsimp
from sympy.polys.matrices import DomainMatrix
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagMatrix
from sympy.matrices.expressions.inverse import Inverse
from sympy.matrices.expressions.matexpr import MatrixElement

from .jacobians import EntryMatrix
from .matrices import (
    ScalarDifferential,
    IndexedMatrix,
    MatrixDifferential,
    MatrixFacts,
    OrderedProduct,
    Unsupported,
)

DEFAULT_PLAN = ((1, 1), (2, 2), (3, 3), (1, 4), (2, 6), (5, 12))  # size ranges, one round each
DIFFERENTIAL_PLAN = ((1, 1), (2, 2), (1, 3), (2, 4))  # a directional derivative needs symbolic t: stay small
DRAWS_PER_ROUND = 6  # redraws when an expression is undefined at a draw (a singular inverse, log of <= 0)


class InstanceStatus(str, Enum):
    EQUAL = "equal"          # equal at every instance tried
    UNEQUAL = "unequal"      # a counterexample, re-checked
    UNDECIDED = "undecided"  # could not evaluate or compare exactly


@dataclass(frozen=True)
class Instance:
    """Concrete values for everything in an expression."""

    dims: Mapping[Basic, int]
    indices: Mapping[Symbol, int]
    scalars: Mapping[Basic, Rational]
    functions: Mapping[Function, Lambda]
    exact: Mapping[MatrixExpr, fmpq_mat] = field(repr=False)  # keyed by leaf (after the indices are substituted)

    @cached_property
    def matrices(self) -> dict[MatrixExpr, ImmutableMatrix]:
        """The drawn matrices as SymPy matrices (converted only when needed: it is slow at large sizes)."""
        return {leaf: _sympy_of(value) for leaf, value in self.exact.items()}

    def describe(self) -> str:
        parts = [f"{k} = {v}" for k, v in {**self.indices, **self.dims}.items()]
        parts += [f"{k} = {v}" for k, v in self.scalars.items()]
        parts += [f"{f} = {lam}" for f, lam in self.functions.items()]
        parts += [f"{leaf} = {value.tolist()}" for leaf, value in self.matrices.items()]
        return ", ".join(parts)


@dataclass(frozen=True)
class Counterexample:
    instance: Instance
    lhs: Basic
    rhs: Basic


@dataclass(frozen=True)
class InstanceResult:
    status: InstanceStatus
    reason: str
    sizes: tuple[Mapping[str, int], ...] = ()  # the dimensions (and indices) of every instance evaluated
    counterexample: Counterexample | None = None
    functions_replaced: tuple[str, ...] = ()
    rechecked_by: str | None = None  # the independent computation that confirmed the counterexample

    @property
    def equal(self) -> bool:
        return self.status is InstanceStatus.EQUAL


class _Undefined(ArithmeticError):
    """The expression is undefined at this draw (singular inverse, log of a non-positive number...)."""


# -- what an expression contains ------------------------------------------------


def _index_symbols(expr: Basic) -> set[Symbol]:
    """Integer symbols that index matrices or bound ordered products."""
    found: set[Symbol] = set()
    for node in preorder_traversal(expr):
        if isinstance(node, OrderedProduct):
            found |= node.start.free_symbols | node.stop.free_symbols
        elif isinstance(node, IndexedMatrix):
            found |= node.index.free_symbols
    bound = {node.index for node in preorder_traversal(expr) if isinstance(node, OrderedProduct)}
    return found - bound


def _size_indices(expr: Basic) -> set[Symbol]:
    """Integer symbols inside the sizes of matrices given by their entries (``l`` of ``n_l``): drawn like
    indices, so that every entry written out is a named number (``y[1, 3]``, not ``y[l - 1, 3]``)."""
    found: set[Symbol] = set()
    for node in preorder_traversal(expr):
        if isinstance(node, EntryMatrix):
            sizes = [*node.shape, *(limit for s in node.entry.atoms(Sum) for limit in s.limits[0][1:])]
            found |= {v for size in sizes for e in _sympify(size).atoms(Indexed)  # noqa: input-safe
                      for v in e.free_symbols if isinstance(v, Symbol) and v.is_integer}
    bound = {v for node in preorder_traversal(expr) if isinstance(node, EntryMatrix) for v in node.ranges()}
    bound |= {v for node in preorder_traversal(expr) if isinstance(node, (Sum, OrderedProduct))
              for v in ([node.index] if isinstance(node, OrderedProduct) else [lim[0] for lim in node.limits])}
    return found - bound


def _entry_sizes(expr: Basic) -> set[Basic]:
    """The bounds of the sums inside the entries of matrices given by their entries: sizes (whole numbers)."""
    found: set[Basic] = set()
    for node in preorder_traversal(expr):
        if isinstance(node, EntryMatrix):
            bound = set(node.ranges())
            for total in node.entry.atoms(Sum):
                bound |= {lim[0] for lim in total.limits}
                for _, low, high in total.limits:
                    for bound_expr in (low, high):
                        entries = bound_expr.atoms(Indexed)
                        inside = {v for e in entries for v in e.free_symbols}
                        found |= {e for e in entries if not (e.free_symbols & bound)}
                        found |= {v for v in bound_expr.free_symbols
                                  if isinstance(v, Symbol) and v not in inside and v not in bound}
    return found


def _entries_written_out(expr: Basic, dims: Mapping[Basic, Integer]) -> Basic:
    """Every matrix given by its entries, at this instance's sizes, as an explicit matrix (sums written out,
    an empty one 0).  A derivative inside is refused: what it differentiates is not known here."""

    def explicit(node: EntryMatrix) -> ImmutableMatrix:
        if node.entry.has(Derivative):
            raise Unsupported("a derivative inside a matrix given by its entries is not evaluated")
        sized = node.xreplace(dict(dims))
        rows, cols = sized.shape
        if not (rows.is_Integer and cols.is_Integer and rows >= 0 and cols >= 0):
            raise Unsupported(f"the size {rows} x {cols} is not a whole number at this instance")
        return ImmutableMatrix(int(rows), int(cols), [_sums_written_out(sized.at(r + 1, c + 1))
                                                      for r in range(int(rows)) for c in range(int(cols))])

    return expr.replace(lambda e: isinstance(e, EntryMatrix), explicit)


def _sums_written_out(expr: Basic) -> Basic:
    """Sums with whole-number bounds as their terms (an empty one, upper < lower, is 0: the human reading)."""

    def write_out(node: Sum) -> Basic:
        *inner, (variable, low, high) = node.limits
        if not (low.is_Integer and high.is_Integer):
            raise Unsupported(f"the bounds of {node} are not whole numbers at this instance")
        body = Sum(node.function, *inner) if inner else node.function
        return Add(*(_sums_written_out(body.xreplace({variable: Integer(v)})) for v in range(int(low), int(high) + 1)))

    return expr.replace(lambda e: isinstance(e, Sum), write_out)


def _expand_products(expr: Basic) -> Basic:
    """Write out every ordered product (all bounds are numbers now), innermost first."""
    return expr.replace(lambda e: isinstance(e, OrderedProduct), lambda e: e.doit(deep=False))


def _dimension_atoms(expr: Basic) -> set[Basic]:
    """Symbols and entries (``n[3]``) in the shapes of the matrices of ``expr``."""
    dims: set[Basic] = set()
    for node in preorder_traversal(expr):
        if isinstance(node, MatrixExpr):
            for size in node.shape:
                size = Integer(size) if isinstance(size, int) else size
                entries = size.atoms(Indexed)
                inside = {s for e in entries for s in e.free_symbols}
                dims |= entries | {s for s in size.free_symbols if isinstance(s, Symbol) and s not in inside}
    return dims


def _is_leaf(node: Basic) -> bool:
    return isinstance(node, (MatrixSymbol, IndexedMatrix))


def _leaves(expr: Basic) -> set[MatrixExpr]:
    """The matrices to draw: symbols, and a direction ``dX`` for every ``X`` under a differential."""
    leaves = {node for node in preorder_traversal(expr)
              if _is_leaf(node) or (isinstance(node, MatrixDifferential) and _is_leaf(node.arg))}
    for node in preorder_traversal(expr):
        if isinstance(node, (ScalarDifferential, MatrixDifferential)):
            leaves |= {MatrixDifferential(x) for x in preorder_traversal(node.args[0]) if _is_leaf(x)}
    return leaves


def _scalar_unknowns(expr: Basic, dims: set[Basic]) -> list[Basic]:
    labels = {e.base.label for e in expr.atoms(Indexed)}
    entries = {e for e in expr.atoms(Indexed) if e not in dims}
    inside = {s for e in expr.atoms(Indexed) for s in e.free_symbols}
    symbols = {s for s in expr.free_symbols if isinstance(s, Symbol) and not isinstance(s, Dummy)}
    return sorted((symbols - dims - labels - inside) | entries, key=str)


def _undefined_functions(expr: Basic) -> list:
    """The functions to replace by random polynomials: of scalars only (``f(x)`` of a vector has no polynomial here)."""
    applications = expr.atoms(AppliedUndef)
    for application in applications:
        if any(isinstance(a, MatrixExpr) for a in application.args):
            raise Unsupported(f"{application} is a function of a matrix or vector: declare its definition")
    return sorted({a.func for a in applications}, key=str)


# -- random values --------------------------------------------------------------


def _rational(rng: random.Random) -> fmpq:
    return fmpq(rng.randint(-5, 5), rng.choice((1, 1, 1, 2, 3)))


def _general(rows: int, cols: int, rng: random.Random) -> fmpq_mat:
    return fmpq_mat(rows, cols, [_rational(rng) for _ in range(rows * cols)])


def _eye(n: int) -> fmpq_mat:
    return fmpq_mat(n, n, [1 if i == j else 0 for i in range(n) for j in range(n)])


def _diagonal(values: Sequence) -> fmpq_mat:
    n = len(values)
    return fmpq_mat(n, n, [values[i] if i == j else 0 for i in range(n) for j in range(n)])


def _nonzero(rng: random.Random) -> fmpq:
    value = _rational(rng)
    return value if value != 0 else fmpq(1)


def _signs(n: int, rng: random.Random) -> fmpq_mat:
    return _diagonal([rng.choice((1, -1)) for _ in range(n)])


def _orthogonal(n: int, rng: random.Random, symmetric: bool) -> fmpq_mat:
    # Cayley transform of a skew matrix S: (I - S)(I + S)^{-1} (I + S is always invertible) has det +1;
    # a random diagonal of signs reaches det -1 as well.
    b = _general(n, n, rng)
    skew = b - b.transpose()
    rotation = (_eye(n) - skew) * (_eye(n) + skew).inv()
    if symmetric:  # Q D Q^T with D = diag(+-1): every symmetric orthogonal matrix has this form
        return rotation * _signs(n, rng) * rotation.transpose()
    return rotation * _signs(n, rng)


def _random_matrix(rows: int, cols: int, properties: frozenset[str], rng: random.Random) -> fmpq_mat:
    n = rows
    if "orthogonal" in properties:
        if "positive_definite" in properties:
            return _eye(n)  # the only orthogonal positive definite matrix
        if "diagonal" in properties:
            return _signs(n, rng)
        return _orthogonal(n, rng, symmetric="symmetric" in properties)
    if "diagonal" in properties:
        if "positive_definite" in properties:
            return _diagonal([fmpq(rng.randint(1, 5), rng.choice((1, 2, 3))) for _ in range(n)])
        if "invertible" in properties:
            return _diagonal([_nonzero(rng) for _ in range(n)])
        return _diagonal([_rational(rng) for _ in range(n)])
    if "positive_definite" in properties:
        b = fmpq_mat(n, n, [rng.randint(-3, 3) for _ in range(n * n)])
        return b.transpose() * b + _eye(n)
    for _ in range(50):
        m = _general(rows, cols, rng)
        if "symmetric" in properties:
            m = m + m.transpose()
        if "invertible" not in properties or m.det() != 0:
            return m
    raise _Undefined("no invertible matrix was drawn")


_FACTS = ("integer", "positive", "negative", "nonnegative", "nonpositive", "zero", "nonzero", "even", "odd")


def _random_scalar(symbol: Basic, rng: random.Random) -> Rational:
    for _ in range(50):
        if symbol.is_integer:
            value = Integer(rng.randint(-6, 6))
        else:
            value = Rational(rng.randint(-30, 30), rng.randint(1, 7))
        if symbol.is_nonnegative:
            value = abs(value)
        if all(getattr(symbol, f"is_{f}") in (None, getattr(value, f"is_{f}")) for f in _FACTS):
            return value
    raise Unsupported(f"no rational value satisfies the assumptions on {symbol}")


def _random_function(function, rng: random.Random) -> Lambda:
    u = Dummy("u")
    coefficients = [Rational(rng.randint(-4, 4), rng.choice((1, 2))) for _ in range(3)]
    if coefficients[1] == 0:
        coefficients[1] = S.One  # keep it non-constant
    return Lambda(u, coefficients[0] + coefficients[1] * u + coefficients[2] * u**2)


Round = Union[tuple[int, int], Mapping[Basic, int]]  # a range for every dimension, or one size each


def _size_plan(sizes: Sequence[int | Mapping[Basic, int]] | None, differential: bool) -> list[Round]:
    if sizes is not None:
        return [(s, s) if isinstance(s, int) else s for s in sizes]
    return list(DIFFERENTIAL_PLAN if differential else DEFAULT_PLAN)


def _dimension_values(dims: list[Basic], round_sizes: Round, rng: random.Random) -> dict[Basic, Integer]:
    if isinstance(round_sizes, tuple):
        low, high = round_sizes
        return {d: Integer(rng.randint(low, high)) for d in dims}
    missing = [d for d in dims if d not in round_sizes]
    if missing:
        raise Unsupported(f"no size given for {', '.join(map(str, missing))}")
    return {d: Integer(round_sizes[d]) for d in dims}


def _index_plan(indices: list[Symbol], sides: Sequence[Basic], index_values: Mapping, rng: random.Random) -> dict:
    """Integer values for the indices such that every ordered product has >= 0 factors."""
    if not indices:
        return {}
    products = [node for e in sides for node in preorder_traversal(e) if isinstance(node, OrderedProduct)]
    for _ in range(200):
        choice = {}
        for s in indices:
            options = [v for v in index_values.get(s, range(-1, 7)) if _allowed(s, v)]
            if not options:
                raise Unsupported(f"no integer value satisfies the assumptions on {s}")
            choice[s] = Integer(rng.choice(options))
        if all(p.count.xreplace(choice).is_nonnegative for p in products):
            return choice
    raise Unsupported("no values of the indices give every ordered product a non-negative length")


def _allowed(symbol: Symbol, value: int) -> bool:
    v = Integer(value)
    return all(getattr(symbol, f"is_{f}") in (None, getattr(v, f"is_{f}")) for f in _FACTS)


# -- exact evaluation (primary: flint; Q(t) for directional derivatives) ---------


def _to_rational(q: fmpq) -> Rational:
    return Rational(int(q.p), int(q.q))


def _to_fmpq(value: Expr) -> fmpq:
    if not value.is_Rational:
        raise Unsupported(f"a matrix multiplied by the non-rational number {value}")
    return fmpq(int(value.p), int(value.q))


def _check_defined(value: Expr) -> Expr:
    if value.has(S.ImaginaryUnit, S.ComplexInfinity, S.NaN, S.Infinity, S.NegativeInfinity):
        raise _Undefined(f"the expression is undefined here ({value})")
    return value


class _FlintMatrices:
    """Matrices over Q as python-flint ``fmpq_mat`` (fast at sizes in the hundreds)."""

    def from_rationals(self, rows: int, cols: int, entries: Sequence[Expr]) -> fmpq_mat:
        return fmpq_mat(rows, cols, [_to_fmpq(_check_defined(v)) for v in entries])

    def entries(self, m: fmpq_mat) -> list[Expr]:
        return [_to_rational(q) for q in m.entries()]

    def shape(self, m: fmpq_mat) -> tuple[int, int]:
        return m.nrows(), m.ncols()

    def scale(self, m: fmpq_mat, value: Expr) -> fmpq_mat:
        return m * _to_fmpq(value)

    def entry(self, m: fmpq_mat, i: int, j: int) -> Expr:
        return _to_rational(m[i, j])

    def det(self, m: fmpq_mat) -> Expr:
        return _to_rational(m.det())

    def trace(self, m: fmpq_mat) -> Expr:
        return _to_rational(sum((m[i, i] for i in range(m.nrows())), fmpq(0)))

    def constant(self, rows: int, cols: int, entry) -> fmpq_mat:
        return fmpq_mat(rows, cols, [entry(i, j) for i in range(rows) for j in range(cols)])

    def inverse(self, m: fmpq_mat) -> fmpq_mat:
        if m.det() == 0:
            raise _Undefined("a singular matrix is inverted")
        return m.inv()

    def transpose(self, m: fmpq_mat) -> fmpq_mat:
        return m.transpose()

    def product(self, a: fmpq_mat, b: fmpq_mat) -> fmpq_mat:
        return a * b

    def sum(self, a: fmpq_mat, b: fmpq_mat) -> fmpq_mat:
        return a + b


class _RationalFunctionMatrices:
    """Matrices over Q(t) as SymPy ``DomainMatrix``: exact values along ``X + t dX``."""

    def __init__(self, t: Symbol):
        self.field = QQ.frac_field(t)

    def from_rationals(self, rows: int, cols: int, entries: Sequence[Expr]) -> DomainMatrix:
        return DomainMatrix.from_list_flat([self.field.from_sympy(v) for v in entries], (rows, cols), self.field)

    def entries(self, m: DomainMatrix) -> list[Expr]:
        return [self.field.to_sympy(v) for v in m.to_list_flat()]

    def shape(self, m: DomainMatrix) -> tuple[int, int]:
        return m.shape

    def scale(self, m: DomainMatrix, value: Expr) -> DomainMatrix:
        try:
            return m.mul(self.field.from_sympy(value))
        except Exception as exc:  # e.g. log(t) is not a rational function of t
            raise Unsupported(f"a matrix multiplied by {value}") from exc

    def entry(self, m: DomainMatrix, i: int, j: int) -> Expr:
        return self.field.to_sympy(m[i, j].element)

    def det(self, m: DomainMatrix) -> Expr:
        return self.field.to_sympy(m.det())

    def trace(self, m: DomainMatrix) -> Expr:
        return Add(*(self.entry(m, i, i) for i in range(m.shape[0])))

    def constant(self, rows: int, cols: int, entry) -> DomainMatrix:
        return self.from_rationals(rows, cols, [Integer(entry(i, j)) for i in range(rows) for j in range(cols)])

    def inverse(self, m: DomainMatrix) -> DomainMatrix:
        if m.det() == self.field.zero:
            raise _Undefined("a singular matrix is inverted")
        return m.inv()

    def transpose(self, m: DomainMatrix) -> DomainMatrix:
        return m.transpose()

    def product(self, a: DomainMatrix, b: DomainMatrix) -> DomainMatrix:
        return a * b

    def sum(self, a: DomainMatrix, b: DomainMatrix) -> DomainMatrix:
        return a + b


class _Evaluator:
    """Evaluate a prepared expression (ordered products written out) at one instance."""

    def __init__(self, instance: Instance, leaves: Mapping[MatrixExpr, object], matrices=None):
        self.instance = instance
        self.leaves = leaves
        self.m = matrices or _FlintMatrices()
        self.sizes = {**instance.dims}
        self._memo: dict[Basic, object] = {}  # a repeated sub-expression (Sigma^{-1}) is evaluated once

    def size(self, expr: Expr) -> int:
        value = Integer(expr) if isinstance(expr, int) else expr.xreplace(self.sizes)
        if not value.is_Integer or value < 0:
            raise Unsupported(f"the size {expr} is not a whole number at this instance")
        return int(value)

    def value(self, expr: Basic):
        return self.matrix(expr) if isinstance(expr, MatrixExpr) else self.scalar(expr)

    def matrix(self, expr: MatrixExpr):
        if expr not in self._memo:
            self._memo[expr] = self._matrix(expr)
        return self._memo[expr]

    def scalar(self, expr: Basic) -> Expr:
        if expr not in self._memo:
            self._memo[expr] = self._scalar(expr)
        return self._memo[expr]

    def _constant(self, rows: Expr, cols: Expr, entry) -> object:
        return self.m.constant(self.size(rows), self.size(cols), entry)

    def _matrix(self, expr: MatrixExpr):
        m = self.m
        if expr in self.leaves:
            return self.leaves[expr]
        if isinstance(expr, ImmutableMatrix):  # a matrix given by its entries, written out
            return m.from_rationals(expr.rows, expr.cols, [self.scalar(v) for v in expr])
        if isinstance(expr, Identity):
            return self._constant(expr.rows, expr.cols, lambda i, j: int(i == j))
        if isinstance(expr, ZeroMatrix):
            return self._constant(expr.rows, expr.cols, lambda i, j: 0)
        if isinstance(expr, OneMatrix):
            return self._constant(expr.rows, expr.cols, lambda i, j: 1)
        if isinstance(expr, MatAdd):
            total = self.matrix(expr.args[0])
            for arg in expr.args[1:]:
                other = self.matrix(arg)
                if m.shape(total) != m.shape(other):
                    raise Unsupported("adding matrices of different shapes at this instance")
                total = m.sum(total, other)
            return total
        if isinstance(expr, MatMul):
            coefficient, matrices = expr.as_coeff_matrices()
            product = self.matrix(matrices[0])
            for factor in matrices[1:]:
                other = self.matrix(factor)
                if m.shape(product)[1] != m.shape(other)[0]:
                    raise Unsupported("shapes do not match at this instance")
                product = m.product(product, other)
            return m.scale(product, self.scalar(coefficient))
        if isinstance(expr, MatPow):
            if not expr.exp.is_Integer:
                raise Unsupported(f"matrix power {expr.exp}")
            base = self._square(self.matrix(expr.base))
            if expr.exp < 0:
                base = m.inverse(base)
            n = m.shape(base)[0]
            result = m.constant(n, n, lambda i, j: int(i == j))
            for _ in range(abs(int(expr.exp))):
                result = m.product(result, base)
            return result
        if isinstance(expr, Transpose):
            return m.transpose(self.matrix(expr.arg))
        if isinstance(expr, Inverse):
            return m.inverse(self._square(self.matrix(expr.arg)))
        if isinstance(expr, DiagMatrix):
            entries = m.entries(self.matrix(expr.args[0]))
            n = len(entries)
            return m.from_rationals(n, n, [entries[i] if i == j else S.Zero for i in range(n) for j in range(n)])
        if isinstance(expr, ElementwiseApplyFunction):
            argument = self.matrix(expr.expr)
            function = _replace_functions(expr.function, self.instance.functions)
            return m.from_rationals(*m.shape(argument), [function(v) for v in m.entries(argument)])
        if isinstance(expr, MatrixDifferential):
            value = _fast_derivative(expr.arg, self.instance, self.leaves_as_sympy())
            return m.from_rationals(*value.shape, list(value))
        raise Unsupported(f"cannot evaluate {type(expr).__name__}")

    def leaves_as_sympy(self) -> Mapping[MatrixExpr, ImmutableMatrix]:
        return {leaf: ImmutableMatrix(*self.m.shape(v), self.m.entries(v)) for leaf, v in self.leaves.items()}

    def _square(self, value):
        rows, cols = self.m.shape(value)
        if rows != cols:
            raise Unsupported("inverse, power or determinant of a non-square matrix")
        return value

    def _scalar(self, expr: Basic) -> Expr:
        m = self.m
        if isinstance(expr, MatrixExpr):
            value = self.matrix(expr)
            if m.shape(value) != (1, 1):
                raise Unsupported(f"a {m.shape(value)} matrix where a scalar is expected")
            return m.entry(value, 0, 0)
        if isinstance(expr, Trace):
            return m.trace(self._square(self.matrix(expr.arg)))
        if isinstance(expr, Determinant):
            return m.det(self._square(self.matrix(expr.arg)))
        if isinstance(expr, MatrixElement):
            value = self.matrix(expr.parent)
            i, j = (expr.i.xreplace(self.sizes), expr.j.xreplace(self.sizes))
            rows, cols = m.shape(value)
            if not (i.is_Integer and j.is_Integer and 0 <= i < rows and 0 <= j < cols):
                raise Unsupported(f"the entry ({expr.i}, {expr.j}) is not a concrete position")
            return m.entry(value, int(i), int(j))
        if isinstance(expr, ScalarDifferential):
            return _fast_derivative(expr.args[0], self.instance, self.leaves_as_sympy())
        if expr in self.instance.scalars:
            return self.instance.scalars[expr]
        if expr in self.sizes:
            return self.sizes[expr]
        if expr.is_Number or expr in (pi, E) or (isinstance(expr, Symbol) and expr in self.free_ok):
            return expr
        if isinstance(expr, Piecewise):  # the first case whose condition holds at this instance
            for value, condition in expr.args:
                holds = condition.xreplace({k: self.scalar(k) for k in _condition_unknowns(condition)})
                if holds not in (S.true, S.false):
                    raise Unsupported(f"the condition {condition} is not decided at this instance")
                if holds == S.true:
                    return self.scalar(value)
            raise Unsupported(f"no case of {expr} holds at this instance")
        if isinstance(expr, AppliedUndef):
            function = self.instance.functions[expr.func]
            return _check_defined(function(*(self.scalar(a) for a in expr.args)))
        if isinstance(expr, (Add, Mul, Pow, Function)):
            return _check_defined(expr.func(*(self.scalar(a) for a in expr.args)))
        raise Unsupported(f"cannot evaluate the scalar {expr}")

    free_ok: frozenset = frozenset()  # symbols kept symbolic (the t of a directional derivative)


def _condition_unknowns(condition: Basic) -> set[Basic]:
    """The entries and symbols a case's condition compares (their values decide it)."""
    entries = condition.atoms(Indexed)
    inside = {v for e in entries for v in e.free_symbols}
    return entries | {v for v in condition.free_symbols if isinstance(v, Symbol) and v not in inside}


def _fast_derivative(expr: Basic, instance: Instance, leaves: Mapping[MatrixExpr, ImmutableMatrix]) -> Basic:
    """``d/dt expr(X + t dX)`` at ``t = 0``: exact arithmetic over Q(t), then SymPy's ``diff``."""
    t = Dummy("t")
    backend = _RationalFunctionMatrices(t)
    inside = {node for node in preorder_traversal(expr) if _is_leaf(node)}
    moved = {leaf: backend.from_rationals(*leaves[leaf].shape, list(leaves[leaf] + t * leaves[MatrixDifferential(leaf)]))
             for leaf in inside}
    evaluator = _Evaluator(instance, moved, backend)
    evaluator.free_ok = frozenset({t})
    value = evaluator.value(expr)
    if isinstance(expr, MatrixExpr):
        rows, cols = backend.shape(value)
        return ImmutableMatrix(rows, cols, [_check_defined(diff(v, t).subs(t, 0)) for v in backend.entries(value)])
    return _check_defined(diff(value, t).subs(t, 0))


def _sympy_of(m: fmpq_mat) -> ImmutableMatrix:
    return ImmutableMatrix(m.nrows(), m.ncols(), [_to_rational(q) for q in m.entries()])


# -- exact evaluation (independent re-check: SymPy's own doit) -------------------


def _replace_functions(expr: Basic, functions: Mapping) -> Basic:
    if not functions:
        return expr
    return expr.replace(lambda e: isinstance(e, AppliedUndef) and e.func in functions,
                        lambda e: functions[e.func](*e.args))


def _explicit(expr: Basic, instance: Instance, matrices: Mapping[MatrixExpr, Basic]) -> Basic:
    """Substitute every value into ``expr`` (leaves first, then sizes and scalars)."""
    expr = expr.xreplace(dict(matrices))
    expr = expr.xreplace({**instance.dims})
    expr = expr.replace(lambda e: isinstance(e, (Identity, ZeroMatrix, OneMatrix)) and e.rows.is_Integer
                        and e.cols.is_Integer, lambda e: ImmutableMatrix(e.as_explicit()))
    expr = expr.xreplace({**instance.scalars})
    return _replace_functions(expr, instance.functions)


def _sympy_value(expr: Basic, instance: Instance) -> Basic:
    if expr.has(ScalarDifferential, MatrixDifferential):
        expr = _differentials_by_sympy(expr, instance)
    value = _explicit(expr, instance, instance.matrices).doit()
    if isinstance(value, MatrixExpr):
        value = ImmutableMatrix(value.as_explicit())
    return value if isinstance(value, ImmutableMatrix) else _check_defined(value)


def _differentials_by_sympy(expr: Basic, instance: Instance) -> Basic:
    def evaluate(node: Basic) -> Basic:
        if isinstance(node, MatrixDifferential) and node in instance.matrices:
            return node  # the direction dX itself, a leaf
        return _slow_derivative(node.args[0], instance)

    return expr.replace(lambda e: isinstance(e, (ScalarDifferential, MatrixDifferential)), evaluate)


def _slow_derivative(expr: Basic, instance: Instance) -> Basic:
    """``d/dt expr(X + t dX)`` at ``t = 0`` by SymPy's own matrix ``doit`` with a symbolic ``t``."""
    t = Dummy("t")
    inside = {node for node in preorder_traversal(expr) if _is_leaf(node)}
    moved = {leaf: instance.matrices[leaf] + t * instance.matrices[MatrixDifferential(leaf)] for leaf in inside}
    with dotprodsimp(False):
        value = _explicit(expr, instance, moved).doit()
    if isinstance(value, MatrixExpr):
        value = ImmutableMatrix(value.as_explicit())
        return ImmutableMatrix(value.applyfunc(lambda v: diff(v, t).subs(t, 0)))
    return _check_defined(diff(value, t).subs(t, 0))


# -- comparing exact values -------------------------------------------------------


def _coprime_basis(numbers: set[int]) -> list[int]:
    """Pairwise coprime integers > 1 of which every given number is a product (gcds only, no factoring)."""
    basis = {abs(x) for x in numbers if abs(x) > 1}
    changed = True
    while changed:
        changed = False
        items = sorted(basis)
        for i, a in enumerate(items):
            for b in items[i + 1:]:
                g = gcd(a, b)
                if g > 1:
                    basis -= {a, b}
                    basis |= {x for x in (a // g, b // g, g) if x > 1}
                    changed = True
                    break
            if changed:
                break
    return sorted(basis)


def _exponents(number: int, basis: list[int]) -> list[tuple[int, int]]:
    found = []
    for b in basis:
        e = 0
        while number % b == 0:
            number //= b
            e += 1
        if e:
            found.append((b, e))
    return found


def _split_rational_logs(value: Expr) -> Expr:
    """Write ``log(p/q)`` over a coprime basis ``b_i``: logs of pairwise coprime integers > 1 are
    linearly independent over Q (unique factorisation), so a Q-combination of them is 0 only if
    every coefficient is."""
    logs = [e for e in value.atoms(log) if e.args[0].is_Rational and e.args[0] > 0]
    if not logs:
        return value
    basis = _coprime_basis({int(e.args[0].p) for e in logs} | {int(e.args[0].q) for e in logs})

    def split(r: Rational) -> Expr:
        return Add(*(e * log(Integer(b)) for b, e in _exponents(int(r.p), basis)),
                   *(-e * log(Integer(b)) for b, e in _exponents(int(r.q), basis)))

    return value.xreplace({e: split(e.args[0]) for e in logs})


def _ball(value: Expr) -> arb | None:
    """A rigorous enclosure of a real constant, or None for what is not handled here."""
    if value.is_Rational:
        return arb(fmpq(int(value.p), int(value.q)))
    if value == pi:
        return arb.pi()
    if value == E:
        return arb(1).exp()
    parts = [_ball(a) for a in value.args]
    if any(p is None for p in parts):
        return None
    if isinstance(value, Add):
        return sum(parts[1:], parts[0])
    if isinstance(value, Mul):
        result = parts[0]
        for p in parts[1:]:
            result = result * p
        return result
    if isinstance(value, Pow):
        base, exponent = parts
        if value.exp.is_Integer:
            return base ** int(value.exp)
        return (exponent * base.log()).exp() if base > 0 else None
    if isinstance(value, log):
        return parts[0].log() if parts[0] > 0 else None
    if isinstance(value, exp):
        return parts[0].exp()
    return None


def numbers_equal(a: Expr, b: Expr) -> bool | None:
    """Exact comparison of two real constants: True, False, or None when undecided."""
    difference = a - b
    if difference.is_Rational:
        return difference == 0
    difference = expand(_split_rational_logs(expand(difference)))
    if difference.is_Rational:
        return difference == 0
    old = ctx.prec
    ctx.prec = 300
    try:
        ball = _ball(difference)
    finally:
        ctx.prec = old
    if ball is not None and not ball.contains(0):
        return False
    return None


def _values_equal(a, b) -> bool | None:
    """Compare matrices (fmpq_mat or ImmutableMatrix) or scalars; 1x1 matrices are scalars."""
    a, b = _comparable(a), _comparable(b)
    if isinstance(a, ImmutableMatrix) != isinstance(b, ImmutableMatrix):
        matrix, scalar = (a, b) if isinstance(a, ImmutableMatrix) else (b, a)
        if scalar == 0:
            return all(v == 0 for v in matrix)
        raise Unsupported("a matrix is compared with a scalar")
    if isinstance(a, ImmutableMatrix):
        if a.shape != b.shape:
            return False
        verdicts = [numbers_equal(x, y) for x, y in zip(a, b)]
        if False in verdicts:
            return False
        return None if None in verdicts else True
    return numbers_equal(a, b)


def _comparable(value):
    if isinstance(value, fmpq_mat):
        value = _sympy_of(value)
    if isinstance(value, ImmutableMatrix) and value.shape == (1, 1):
        return value[0, 0]
    return value


# -- declared properties, re-checked on the drawn matrices -------------------------


def satisfies(value: ImmutableMatrix, properties: frozenset[str]) -> bool:
    """Whether an explicit rational matrix has the properties (checked exactly, independently of the draw)."""
    square = value.rows == value.cols
    if properties and not square:
        return False
    checks = {
        "symmetric": lambda: value == value.T,
        "diagonal": lambda: all(value[i, j] == 0 for i in range(value.rows) for j in range(value.cols) if i != j),
        "invertible": lambda: value.det() != 0,
        "orthogonal": lambda: value.T * value == ImmutableMatrix.eye(value.rows),
        # Sylvester's criterion: every leading principal minor is positive.
        "positive_definite": lambda: value == value.T
        and all(value[:k, :k].det() > 0 for k in range(1, value.rows + 1)),
    }
    return all(checks[p]() for p in properties)


# -- the check ----------------------------------------------------------------------


def check_on_instances(
    lhs: Basic,
    rhs: Basic,
    facts: MatrixFacts,
    seed: int = 20261125,
    sizes: Sequence[int | Mapping[Basic, int]] | None = None,
    index_values: Mapping[Symbol, Sequence[int]] | None = None,
) -> InstanceResult:
    """Evaluate ``lhs`` and ``rhs`` exactly at several instances: equal, unequal (re-checked) or undecided.

    ``sizes``: the rounds (an int gives every dimension that size, a mapping
    gives each dimension its own); by default sizes 1, 2, 3 and random sizes up
    to 12 (up to 4 when differentials are evaluated).  ``index_values``: candidate
    values of the integer symbols bounding ordered products and indexing matrix
    families (by default -1..6, kept to non-negative product lengths).
    """
    rng = random.Random(seed)
    sides = (_sympify(lhs), _sympify(rhs))  # noqa: input-safe (strict: no strings)
    indices = sorted(set().union(*(_index_symbols(e) | _size_indices(e) for e in sides)), key=str)
    try:
        functions = sorted(set().union(*(_undefined_functions(e) for e in sides)), key=str)
    except Unsupported as exc:
        return InstanceResult(InstanceStatus.UNDECIDED, f"not evaluable: {exc}")
    replaced = tuple(str(f) for f in functions)
    differential = any(e.has(ScalarDifferential, MatrixDifferential) for e in sides)
    tried: list[dict[str, int]] = []
    undecided = ""
    for round_sizes in _size_plan(sizes, differential):
        try:
            index_choice = _index_plan(indices, sides, index_values or {}, rng)
            prepared = tuple(_expand_products(e.xreplace(index_choice)) for e in sides)
            dims = sorted(set().union(*(_dimension_atoms(e) | _entry_sizes(e) for e in prepared)), key=str)
            dim_values = _dimension_values(dims, round_sizes, rng)
            prepared = tuple(_entries_written_out(e, dim_values) for e in prepared)
            tried.append({str(k): int(v) for k, v in {**index_choice, **dim_values}.items()})
            outcome = _check_round(prepared, facts, index_choice, dim_values, functions, rng)
        except Unsupported as exc:
            return InstanceResult(InstanceStatus.UNDECIDED, f"not evaluable: {exc}", tuple(tried),
                                  functions_replaced=replaced)
        if isinstance(outcome, Counterexample):
            return InstanceResult(
                InstanceStatus.UNEQUAL,
                f"the two sides differ at {_show(tried[-1])} (re-checked by a second exact evaluation)",
                tuple(tried), outcome, replaced,
            )
        undecided = undecided or outcome or ""
    if undecided:
        return InstanceResult(InstanceStatus.UNDECIDED, undecided, tuple(tried), functions_replaced=replaced)
    return InstanceResult(
        InstanceStatus.EQUAL, f"exactly equal at {len(tried)} instances: " + "; ".join(map(_show, tried)),
        tuple(tried), functions_replaced=replaced,
    )


def _check_round(
    sides: Sequence[Basic], facts: MatrixFacts, indices: Mapping, dims: Mapping[Basic, Integer],
    functions: Sequence, rng: random.Random,
) -> Counterexample | str | None:
    """None if equal at this round's sizes, a re-checked counterexample, or why it is undecided."""
    leaves = sorted(set().union(*(_leaves(e) for e in sides)), key=str)
    scalars = sorted(set().union(*(_scalar_unknowns(e, set(dims)) for e in sides)), key=str)
    for _ in range(DRAWS_PER_ROUND):
        try:
            instance = _draw(leaves, scalars, facts, indices, dims, functions, rng)
            evaluator = _Evaluator(instance, instance.exact)
            values = [evaluator.value(e) for e in sides]
        except (_Undefined, ZeroDivisionError):
            continue
        verdict = _values_equal(*values)
        if verdict is True:
            return None
        if verdict is None:
            return f"equality is not decided exactly at {instance.describe()}"
        return _recheck(sides, facts, instance)
    return "the expression is undefined at every draw (a singular inverse or the log of a non-positive number)"


def _draw(
    leaves: Sequence[MatrixExpr], scalars: Sequence[Basic], facts: MatrixFacts, indices: Mapping,
    dims: Mapping[Basic, Integer], functions: Sequence, rng: random.Random,
) -> Instance:
    values: dict[MatrixExpr, fmpq_mat] = {}
    for leaf in leaves:
        rows, cols = (int(size.xreplace(dims)) if not isinstance(size, int) else size for size in leaf.shape)
        properties = facts.properties(leaf)
        if properties and rows != cols:
            raise Unsupported(f"{leaf} is declared {', '.join(sorted(properties))} but is {rows}x{cols} here")
        values[leaf] = _random_matrix(rows, cols, properties, rng)
    drawn = {s: _random_scalar(s, rng) for s in scalars}
    for leaf in values:
        if isinstance(leaf, IndexedMatrix) and not facts.properties(leaf):
            values[leaf] = _with_its_entries(leaf, values[leaf], drawn)
    return Instance(
        dims=dict(dims),
        indices=dict(indices),
        scalars=drawn,
        functions={f: _random_function(f, rng) for f in functions},
        exact=values,
    )


def _with_its_entries(member: IndexedMatrix, value: fmpq_mat, scalars: Mapping[Basic, Rational]) -> fmpq_mat:
    """The member ``A_k`` with the values drawn for its entries ``A[k, i, j]`` (``y[k, i]`` of a column,
    1-based) where the expression has them: a matrix and its entries are one thing, never drawn apart."""
    rows, cols = value.nrows(), value.ncols()
    entries = [[value[r, c] for c in range(cols)] for r in range(rows)]
    for entry, drawn in scalars.items():
        if not (isinstance(entry, Indexed) and str(entry.base.label) == member.name and entry.indices[0] == member.index):
            continue
        position = entry.indices[1:]
        if cols == 1 and len(position) == 1:
            position = (position[0], Integer(1))
        if len(position) == 2 and all(p.is_Integer for p in position) and 1 <= position[0] <= rows \
                and 1 <= position[1] <= cols:
            entries[int(position[0]) - 1][int(position[1]) - 1] = _to_fmpq(drawn)
    return fmpq_mat(entries) if rows and cols else value


def _recheck(sides: Sequence[Basic], facts: MatrixFacts, instance: Instance) -> Counterexample | str:
    """Confirm a mismatch independently: the drawn matrices have their properties, SymPy agrees it differs."""
    for leaf, value in instance.matrices.items():
        if not satisfies(value, facts.properties(leaf)):
            return f"internal error: the drawn {leaf} lacks a declared property; no counterexample claimed"
    try:
        again = [_sympy_value(e, instance) for e in sides]
        verdict = _values_equal(*again)
    except Exception as exc:  # the second evaluation must confirm, or nothing is claimed
        return f"the second evaluation could not confirm the mismatch ({type(exc).__name__}: {exc})"
    if verdict is False:
        return Counterexample(instance, _comparable(again[0]), _comparable(again[1]))
    return "the two exact evaluations disagree; no counterexample claimed"


def _show(sizes: Mapping[str, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sizes.items()) or "no sizes"
