"""Random vectors: a mean vector and a covariance matrix, the matrix expectation, exact moments on instances.

* :class:`RandomVector`: ``x`` with ``E[x] = mu`` and ``Cov(x) = Sigma`` (Gaussian or known
  to second order only); :class:`VectorModel` holds them and the independence statements,
  each with its citation (independence is never assumed silently);
* :class:`MatExpect` ``E[M]`` for a matrix ``M`` (unevaluated; rules rewrite it), beside the
  scalar :class:`~symderive.randomvars.Expect` for ``E[tr(...)]``;
* :func:`check_expectation_identity`: exact values on instances.  Every random vector is
  ``x = mu + B z`` with ``B`` drawn and ``Sigma := B B^T`` (so the covariance is positive
  definite by construction), ``z`` a vector of independent standard normals; an expectation
  is the polynomial in ``z`` with each monomial replaced by its moment
  (``E[z^k] = (k-1)!!`` for even ``k``, ``0`` for odd).  A mismatch is re-checked with
  ``sympy.stats`` moments.  A vector known only to second order gets no moment above 2.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Mapping, Sequence

from flint import fmpq, fmpq_mat, fmpq_mpoly, fmpq_mpoly_ctx
from sympy import (
    Add,
    Basic,
    Dummy,
    Expr,
    Function,
    Identity,
    ImmutableMatrix,
    Integer,
    MatrixExpr,
    MatrixSymbol,
    Mul,
    Poly,
    Pow,
    Rational,
    S,
    Symbol,
    ZeroMatrix,
    factorial2,
    preorder_traversal,
)
from sympy.core.sympify import _sympify  # strict: never parses strings

from .exprjson import register
from .matrices import MatrixFacts, MatrixOperator, Unsupported
from .matrix_instances import (
    DEFAULT_PLAN,
    Counterexample,
    _eye,
    _Evaluator,
    Instance,
    InstanceResult,
    InstanceStatus,
    _comparable,
    _dimension_atoms,
    _random_matrix,
    _random_scalar,
    _scalar_unknowns,
    _sympy_of,
    _Undefined,
    _values_equal,
    satisfies,
)
from .randomvars import Expect


class MatExpect(MatrixOperator):
    r"""``E[M]`` for a random matrix (or vector) ``M``, entrywise: :math:`\mathbb{E}[M]`."""

    opaque_in_normal_form = True  # the matrix normal form treats it as one letter (same argument, same letter)
    refusal_hint = "; use Expect for scalars"

    def _sympystr(self, printer) -> str:
        return f"E[{printer._print(self.arg)}]"

    def _latex(self, printer, exp=None) -> str:
        tex = rf"\mathbb{{E}}\left[{printer._print(self.arg)}\right]"
        return f"{tex}^{{{exp}}}" if exp is not None else tex


@dataclass(frozen=True)
class RandomVector:
    """``symbol`` (an ``n x 1`` MatrixSymbol) with mean ``mean`` and covariance ``covariance``."""

    symbol: MatrixSymbol
    mean: MatrixExpr
    covariance: MatrixExpr
    gaussian: bool = True  # False: only the first two moments are known

    def __post_init__(self) -> None:
        n = self.symbol.rows
        if self.symbol.cols != 1 or self.mean.shape != (n, 1) or self.covariance.shape != (n, n):
            raise ValueError(f"{self.symbol} needs an {n}x1 mean and an {n}x{n} covariance")


@dataclass(frozen=True)
class Independence:
    """The vectors are stated mutually independent, by ``cite`` (e.g. "H2")."""

    vectors: frozenset
    cite: str


@dataclass(frozen=True)
class VectorModel:
    vectors: tuple[RandomVector, ...]
    independent: tuple[Independence, ...] = ()
    cites: str = ""  # the hypotheses that declare the vectors, e.g. "x ~ N(mu, Sigma) (H1)"

    def vector(self, symbol: Basic) -> RandomVector | None:
        return next((v for v in self.vectors if v.symbol == symbol), None)

    def independence_of(self, a: MatrixSymbol, b: MatrixSymbol) -> str | None:
        """The citation stating ``a`` and ``b`` independent, or None when it is not stated."""
        for statement in self.independent:
            if a != b and {a, b} <= statement.vectors:
                return statement.cite
        return None

    def random_symbols(self, expr: Basic) -> set[MatrixSymbol]:
        return {node for node in preorder_traversal(expr)
                if isinstance(node, MatrixSymbol) and self.vector(node) is not None}


# -- exact moments on instances -----------------------------------------------------

PLAN = DEFAULT_PLAN
RECHECKED_BY = "sympy.stats"  # a counterexample's moments recomputed from the laws by sympy.stats


def _gaussian_moment(power: int) -> Integer:
    return S.Zero if power % 2 else Integer(factorial2(power - 1))


def _second_order_moment(power: int) -> Integer:
    if power > 2:
        raise Unsupported("a moment above the second of a vector known only to second order")
    return (S.One, S.Zero, S.One)[power]


@dataclass(frozen=True)
class _PolyMatrix:
    rows: int
    cols: int
    entries: tuple  # row-major fmpq_mpoly entries


class _PolynomialMatrices:
    """Matrices whose entries are polynomials over Q in the coordinates ``z`` (python-flint ``fmpq_mpoly``)."""

    def __init__(self, ring):
        self.ring = ring

    def poly(self, value) -> fmpq_mpoly:
        if isinstance(value, fmpq_mpoly):
            return value
        if isinstance(value, fmpq):
            return self.ring.constant(value)
        value = _sympify(value)  # noqa: input-safe (strict: no strings)
        if not value.is_Rational:
            raise Unsupported(f"the non-rational number {value} inside an expectation")
        return self.ring.constant(fmpq(int(value.p), int(value.q)))

    def from_rationals(self, rows: int, cols: int, entries: Sequence) -> _PolyMatrix:
        return _PolyMatrix(rows, cols, tuple(self.poly(v) for v in entries))

    def entries(self, m: _PolyMatrix) -> list:
        return list(m.entries)

    def shape(self, m: _PolyMatrix) -> tuple[int, int]:
        return m.rows, m.cols

    def scale(self, m: _PolyMatrix, value) -> _PolyMatrix:
        factor = self.poly(value)
        return _PolyMatrix(m.rows, m.cols, tuple(factor * e for e in m.entries))

    def entry(self, m: _PolyMatrix, i: int, j: int) -> fmpq_mpoly:
        return m.entries[i * m.cols + j]

    def _constant_matrix(self, m: _PolyMatrix) -> fmpq_mat:
        if not all(e.is_constant() for e in m.entries):
            raise Unsupported("a determinant or inverse of a random matrix (not a polynomial moment)")
        return fmpq_mat(m.rows, m.cols, [e.leading_coefficient() if not e.is_zero() else 0 for e in m.entries])

    def det(self, m: _PolyMatrix) -> fmpq_mpoly:
        return self.ring.constant(self._constant_matrix(m).det())

    def inverse(self, m: _PolyMatrix) -> _PolyMatrix:
        constant = self._constant_matrix(m)
        if constant.det() == 0:
            raise _Undefined("a singular matrix is inverted")
        return self.from_rationals(m.rows, m.cols, constant.inv().entries())

    def trace(self, m: _PolyMatrix) -> fmpq_mpoly:
        return sum((self.entry(m, i, i) for i in range(m.rows)), self.ring.constant(0))

    def constant(self, rows: int, cols: int, entry) -> _PolyMatrix:
        return self.from_rationals(rows, cols, [fmpq(entry(i, j)) for i in range(rows) for j in range(cols)])

    def transpose(self, m: _PolyMatrix) -> _PolyMatrix:
        return _PolyMatrix(m.cols, m.rows, tuple(self.entry(m, i, j) for j in range(m.cols) for i in range(m.rows)))

    def product(self, a: _PolyMatrix, b: _PolyMatrix) -> _PolyMatrix:
        zero = self.ring.constant(0)
        return _PolyMatrix(a.rows, b.cols, tuple(
            sum((self.entry(a, i, k) * self.entry(b, k, j) for k in range(a.cols)), zero)
            for i in range(a.rows) for j in range(b.cols)))

    def sum(self, a: _PolyMatrix, b: _PolyMatrix) -> _PolyMatrix:
        return _PolyMatrix(a.rows, a.cols, tuple(x + y for x, y in zip(a.entries, b.entries)))


def _rational(constant: fmpq_mpoly) -> Rational:
    value = fmpq(0) if constant.is_zero() else constant.leading_coefficient()
    return Rational(int(value.p), int(value.q))


class _PolynomialEvaluator(_Evaluator):
    """Values as polynomials in ``z``: sums, products and integer powers of polynomials stay polynomials."""

    def _scalar(self, expr: Basic):
        backend: _PolynomialMatrices = self.m
        if isinstance(expr, (MatExpect, Expect)):
            raise Unsupported("an expectation inside an expectation")
        if isinstance(expr, Add):
            return sum((self.scalar(a) for a in expr.args[1:]), self.scalar(expr.args[0]))
        if isinstance(expr, Mul):
            result = self.scalar(expr.args[0])
            for a in expr.args[1:]:
                result = result * self.scalar(a)
            return result
        if isinstance(expr, Pow) and expr.exp.is_Integer and expr.exp >= 0:
            return self.scalar(expr.base) ** int(expr.exp)
        if isinstance(expr, (Pow, Function)):  # log, exp, a root: of a constant only (no flint value to SymPy)
            arguments = [self.scalar(a) for a in expr.args]
            if not all(a.is_constant() for a in arguments):
                raise Unsupported(f"{type(expr).__name__} of a random vector is not a polynomial moment")
            return backend.poly(expr.func(*(_rational(a) for a in arguments)))
        value = super()._scalar(expr)
        return value if isinstance(value, fmpq_mpoly) else backend.poly(value)

    def _matrix(self, expr: MatrixExpr):
        if isinstance(expr, MatExpect):
            raise Unsupported("an expectation inside an expectation")
        return super()._matrix(expr)


class _MomentEvaluator(_Evaluator):
    """Exact values with every E[...] computed as Gaussian (or second-order) moments of ``z``."""

    def __init__(self, instance: Instance, inner: _PolynomialEvaluator, laws: Sequence, vectors: Sequence = ()):
        super().__init__(instance, instance.exact)
        self.inner = inner
        self.laws = laws
        self.vectors = vectors

    def moment(self, p: fmpq_mpoly) -> Rational:
        total = fmpq(0)
        for powers, coefficient in p.terms():
            term = coefficient
            for law, k in zip(self.laws, powers):
                if k:
                    term *= fmpq(int(law(k)))
            total += term
        return Rational(int(total.p), int(total.q))

    def _matrix(self, expr: MatrixExpr):
        if isinstance(expr, MatExpect):
            value = self.inner.matrix(expr.arg)
            return fmpq_mat(value.rows, value.cols, [fmpq(*_pq(self.moment(e))) for e in value.entries])
        return super()._matrix(expr)

    def _scalar(self, expr: Basic) -> Expr:
        if isinstance(expr, Expect):
            # E[c + X] = c + E[X]: terms free of the random vectors (log det, say) need not be polynomials.
            random = tuple(v.symbol for v in self.vectors)
            constant = Add(*(t for t in Add.make_args(expr.args[0]) if not t.has(*random)))
            varying = expr.args[0] - constant
            value = self.moment(self.inner.scalar(varying)) if varying != 0 else S.Zero
            return value + (self.scalar(constant) if constant != 0 else S.Zero)
        return super()._scalar(expr)


def _pq(value: Rational) -> tuple[int, int]:
    return int(value.p), int(value.q)


def _expectation_by_sympy_stats(value: Expr, laws: Mapping[Symbol, object]) -> Expr:
    """The same expectation by ``sympy.stats`` (an independent implementation, used to re-check)."""
    from sympy.stats import E as stats_expectation
    from sympy.stats import Normal

    variables = [z for z in laws if value.has(z)]
    if not variables:
        return value
    normals = {z: Normal(f"z{i}", 0, 1) for i, z in enumerate(variables)}
    cache: dict[tuple, Expr] = {}
    total = S.Zero
    for powers, coefficient in Poly(value, *variables).terms():
        key = tuple(sorted(p for p in powers if p))
        if key not in cache:
            monomial = S.One
            for i, p in enumerate(key):
                monomial *= Normal(f"w{i}", 0, 1) ** p
            cache[key] = stats_expectation(monomial)
        total += coefficient * cache[key]
    return total


def _evaluate(expr: Basic, substitution: Mapping, dims: Mapping, scalars: Mapping, laws, expectation) -> Basic:
    """Substitute, then replace every E[...] (innermost first) by its exact value."""
    expr = expr.xreplace(dict(substitution)).xreplace(dict(dims))
    expr = expr.replace(lambda e: isinstance(e, (Identity, ZeroMatrix)) and e.rows.is_Integer,
                        lambda e: ImmutableMatrix(e.as_explicit()))
    expr = expr.xreplace(dict(scalars))

    def moment(node: Basic) -> Basic:
        value = node.args[0].doit()
        if isinstance(value, MatrixExpr):
            value = ImmutableMatrix(value.as_explicit())
            return value.applyfunc(lambda v: expectation(v, laws))
        return expectation(value, laws)

    expr = expr.replace(lambda e: isinstance(e, (MatExpect, Expect)), moment)
    value = expr.doit()
    if isinstance(value, MatrixExpr):
        value = ImmutableMatrix(value.as_explicit())
    if any(value.has(z) for z in laws):
        raise Unsupported("a random vector appears outside an expectation")
    return value


def _joint_law_known(expr: Basic, model: VectorModel) -> None:
    for node in preorder_traversal(expr):
        if isinstance(node, (MatExpect, Expect)):
            inside = sorted(model.random_symbols(node.args[0]), key=str)
            for i, a in enumerate(inside):
                for b in inside[i + 1:]:
                    if model.independence_of(a, b) is None:
                        raise Unsupported(f"the joint law of {a} and {b} is not stated (no independence)")


def check_expectation_identity(
    lhs: Basic,
    rhs: Basic,
    model: VectorModel,
    facts: MatrixFacts = MatrixFacts(),
    seed: int = 20261125,
    sizes: Sequence[int] | None = None,
) -> InstanceResult:
    """Exact check of an identity between expectations of random vectors, on instances.

    Equal at every instance, unequal with a counterexample re-checked by
    ``sympy.stats``, or undecided (with the reason).
    """
    rng = random.Random(seed)
    sides = (_sympify(lhs), _sympify(rhs))  # noqa: input-safe (strict: no strings)
    try:
        for side in sides:
            _joint_law_known(side, model)
    except Unsupported as exc:
        return InstanceResult(InstanceStatus.UNDECIDED, str(exc))
    scan = sides + tuple(e for v in model.vectors for e in (v.symbol, v.mean, v.covariance))
    dims = sorted(set().union(*(_dimension_atoms(e) for e in scan)), key=str)
    tried: list[dict[str, int]] = []
    plan = [(s, s) for s in sizes] if sizes is not None else PLAN
    for low, high in plan:
        dim_values = {d: Integer(rng.randint(low, high)) for d in dims}
        tried.append({str(d): int(v) for d, v in dim_values.items()})
        try:
            outcome = _check_round(sides, model, facts, dim_values, rng)
        except Unsupported as exc:
            return InstanceResult(InstanceStatus.UNDECIDED, f"not evaluable: {exc}", tuple(tried))
        if isinstance(outcome, Counterexample):
            return InstanceResult(InstanceStatus.UNEQUAL, "the two sides differ (re-checked with sympy.stats)",
                                  tuple(tried), outcome, rechecked_by=RECHECKED_BY)
        if outcome:
            return InstanceResult(InstanceStatus.UNDECIDED, outcome, tuple(tried))
    return InstanceResult(InstanceStatus.EQUAL, f"exactly equal at {len(tried)} instances", tuple(tried))


@dataclass(frozen=True)
class _Draw:
    """One instance: constant matrices (covariances ``B B^T`` included) and each vector's root ``B``."""

    instance: Instance
    roots: Mapping[MatrixSymbol, fmpq_mat]
    covariances: frozenset


def _check_round(sides, model: VectorModel, facts: MatrixFacts, dims: Mapping, rng) -> Counterexample | str | None:
    draw = _draw(sides, model, facts, dims, rng)
    try:
        first = _primary_values(sides, model, draw)
    except (_Undefined, ZeroDivisionError):
        return "undefined at the draw (a singular matrix)"
    verdict = _values_equal(*first)
    if verdict is True:
        return None
    if verdict is None:
        return "equality is not decided exactly"
    return _recheck(sides, model, facts, draw)


def _draw(sides, model: VectorModel, facts: MatrixFacts, dims: Mapping, rng) -> _Draw:
    for v in model.vectors:
        if not isinstance(v.covariance, (MatrixSymbol, Identity)):
            raise Unsupported(f"the covariance of {v.symbol} must be a matrix symbol or the identity")
    covariances = frozenset(v.covariance for v in model.vectors if isinstance(v.covariance, MatrixSymbol))
    randoms = {v.symbol for v in model.vectors}
    scan = tuple(sides) + tuple(v.mean for v in model.vectors)
    leaves = sorted({node for e in scan for node in preorder_traversal(e) if isinstance(node, MatrixSymbol)}
                    - randoms - covariances, key=str)

    def size(e: Expr) -> int:
        return int(_sympify(e).xreplace(dict(dims)))  # noqa: input-safe (strict: no strings)

    constants = {leaf: _random_matrix(size(leaf.rows), size(leaf.cols), facts.properties(leaf), rng)
                 for leaf in leaves}
    roots = {}
    for v in model.vectors:
        n = size(v.symbol.rows)
        if isinstance(v.covariance, MatrixSymbol):
            roots[v.symbol] = _random_matrix(n, n, frozenset({"invertible"}), rng)
            constants[v.covariance] = roots[v.symbol] * roots[v.symbol].transpose()  # positive definite
        else:
            roots[v.symbol] = _eye(n)
    scalars = sorted(set().union(*(_scalar_unknowns(e, set(dims)) for e in sides)), key=str)
    instance = Instance(dims=dict(dims), indices={}, scalars={s: _random_scalar(s, rng) for s in scalars},
                        functions={}, exact=constants)
    return _Draw(instance, roots, covariances)


def _laws(model: VectorModel, draw: _Draw) -> list:
    """The moment law of every coordinate of z, in order (vector by vector)."""
    return [_gaussian_moment if v.gaussian else _second_order_moment
            for v in model.vectors for _ in range(draw.roots[v.symbol].nrows())]


def _primary_values(sides, model: VectorModel, draw: _Draw) -> list:
    """Both sides: python-flint outside expectations, polynomials in z (``fmpq_mpoly``) inside."""
    for side in sides:
        outside = side.replace(lambda e: isinstance(e, (MatExpect, Expect)),
                               lambda e: S.Zero if isinstance(e, Expect) else ZeroMatrix(*e.shape))
        if model.random_symbols(outside):
            raise Unsupported("a random vector appears outside an expectation")
    laws = _laws(model, draw)
    instance = draw.instance
    inner_leaves: dict[MatrixExpr, object] = {}
    backend = None
    if laws:
        ring = fmpq_mpoly_ctx.get(("z", len(laws)), "lex")
        backend = _PolynomialMatrices(ring)
        z = iter(ring.gens())
        outer = _Evaluator(instance, instance.exact)
        inner_leaves = {leaf: backend.from_rationals(value.nrows(), value.ncols(), value.entries())
                        for leaf, value in instance.exact.items()}
        for v in model.vectors:  # x = mu + B z
            root = draw.roots[v.symbol]
            mean = outer.matrix(v.mean)
            coordinates = [next(z) for _ in range(root.nrows())]
            entries = [backend.poly(mean[i, 0]) + sum((c * root[i, j] for j, c in enumerate(coordinates)),
                                                      backend.poly(0)) for i in range(root.nrows())]
            inner_leaves[v.symbol] = _PolyMatrix(root.nrows(), 1, tuple(entries))
    inner = _PolynomialEvaluator(instance, inner_leaves, backend)
    evaluator = _MomentEvaluator(instance, inner, laws, model.vectors)
    return [evaluator.value(e) for e in sides]


def _recheck(sides, model: VectorModel, facts: MatrixFacts, draw: _Draw) -> Counterexample | str:
    """Confirm a mismatch by SymPy arithmetic and ``sympy.stats`` moments; check the drawn properties."""
    instance = draw.instance
    for leaf, value in instance.matrices.items():
        properties = facts.properties(leaf) | ({"positive_definite"} if leaf in draw.covariances else set())
        if not satisfies(value, frozenset(properties)):
            return f"internal error: the drawn {leaf} lacks a declared property; no counterexample claimed"
    laws: dict[Symbol, object] = {}
    substitution: dict[Basic, Basic] = dict(instance.matrices)
    for v in model.vectors:
        law = _gaussian_moment if v.gaussian else _second_order_moment
        root = _sympy_of(draw.roots[v.symbol])
        z = [Dummy(f"z_{v.symbol.name}{i}") for i in range(root.rows)]
        laws.update({coordinate: law for coordinate in z})
        mean = ImmutableMatrix(v.mean.xreplace(instance.matrices).xreplace(dict(instance.dims)).doit().as_explicit())
        substitution[v.symbol] = mean + root * ImmutableMatrix(z)
    try:
        again = [_evaluate(e, substitution, instance.dims, instance.scalars, laws, _expectation_by_sympy_stats)
                 for e in sides]
    except Exception as exc:  # the second evaluation must confirm, or nothing is claimed
        return f"the second evaluation could not confirm the mismatch ({type(exc).__name__}: {exc})"
    if _values_equal(*again) is not False:
        return "the two exact evaluations disagree; no counterexample claimed"
    return Counterexample(instance, _comparable(again[0]), _comparable(again[1]))


__all__ = [
    "MatExpect", "RandomVector", "Independence", "VectorModel", "check_expectation_identity",
]


# Allow-listed for JSON transcripts (symderive.exprjson), rebuilt without evaluation.
register(MatExpect, lambda arg: MatExpect(arg), 1, 1)
