r"""The symbols of the CNN Jacobian derivation, and exact checks of its steps on concrete instances.

The derivation (:mod:`symderive.results.cnn_jacobian`) writes the network of :mod:`symderive.cnn`
with symbolic depth ``L``, layer ``l`` and sizes ``n_k``, ``f_k``: vectors ``y_k``, ``y'_k``,
``w_k``, ``b_k`` (``β_k`` for one scalar bias per layer) as :class:`IndexedMatrix` columns, the
matrices ``A_k`` (convolution), ``D_k = diag(σ'(y'_k))`` and ``Y_k`` (Hankel), and Jacobians
``∂u/∂v``.  A step about them is an identity the relation judge cannot check alone (it does not
know how ``y_L`` is computed from ``w_l``).  Two verifiers check such steps exactly on instances:

* :func:`layer_verifier`: one layer at concrete sizes (``n_{l-1}``, ``f_l``), every other symbol
  kept symbolic: each ``∂`` is SymPy's ``Matrix.jacobian`` of the layer written out with
  :func:`symderive.cnn.correlate` (``σ`` an undefined function); ``A`` and ``Y`` are
  :func:`symderive.cnn.conv_matrix` and :func:`~symderive.cnn.hankel_matrix`; entry-wise matrices
  are written out term by term and SymPy takes their derivatives.  Compared with ``expand`` of the
  difference (:func:`symderive.cnn_check.first_difference`).
* :func:`network_verifier`: whole networks of several shapes at every admissible ``(L, l)``, over
  the integer polynomials in the inputs, weights, biases and the free values
  ``s_{k,i} = σ((y'_k)_i)`` and ``t_{k,i} = σ'((y'_k)_i)`` (python-flint's ``fmpz_mpoly``).  Every
  ``∂`` is computed by forward-mode differentiation of the network's definition (sum and product
  rules, and ``σ`` mapping a value with tangent ``dz`` to ``s`` with tangent ``t dz``): no matrix
  and no chain rule between layers.  Both sides are then equal polynomials or not.

An identity between polynomials in free values ``σ(·)`` and ``σ'(·)`` holds for every
differentiable ``σ``; agreement at every instance is ``proved-on-instances`` at the listed sizes.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Callable, ClassVar, Sequence

from flint import fmpz_mpoly, fmpz_mpoly_ctx
from sympy import (
    Add, Basic, Derivative, Expr, Function, Identity, Indexed, IndexedBase, Integer, MatAdd, MatMul, Matrix,
    MatrixExpr, OneMatrix, Sum, Symbol, Transpose, ZeroMatrix, diag, eye, ones, zeros,
)

from sympy.matrices.exceptions import ShapeError

from .calc import VerificationFailed
from .cnn import Shape, conv_matrix, conv_rows, correlate, hankel_matrix, hankel_rows
from .cnn_check import first_difference
from .exprjson import register
from .jacobians import EntryMatrix, Jacobian
from .matrices import IndexedMatrix, MatrixFacts, MatrixFamily, OrderedProduct
from .model import Status, Verification

# --- the vocabulary ---------------------------------------------------------------------------

SIGMA = Function("sigma")
L = Symbol("L", integer=True, positive=True)  # depth
l = Symbol("l", integer=True, positive=True)  # the layer differentiated by
k = Symbol("k", integer=True, positive=True)  # a generic layer, and the index of ordered products
i, j, m = (Symbol(s, integer=True, positive=True) for s in "ijm")  # entry indices, summation index
n = IndexedBase("n")  # widths n_0, ..., n_L (no assumptions: entries with them are slow to build)
f = IndexedBase("f")  # filter sizes f_1, ..., f_L

SCALAR_BIAS = r"\beta"
VECTORS = ("y", "y'", "w", "b", SCALAR_BIAS, "v", "u")  # names of the vector families
PARAMETERS = ("w", "b", SCALAR_BIAS)


def y(at) -> IndexedMatrix:
    """``y_k`` (``y_0 = x``), ``n_k × 1``."""
    return IndexedMatrix("y", at, n[at], 1)


def y_pre(at) -> IndexedMatrix:
    """``y'_k = A_k y_{k-1} + b_k``, ``n_k × 1``."""
    return IndexedMatrix("y'", at, n[at], 1)


def w(at) -> IndexedMatrix:
    """The filter ``w_k``, ``f_k × 1``."""
    return IndexedMatrix("w", at, f[at], 1)


def b(at) -> IndexedMatrix:
    """The bias vector ``b_k``, ``n_k × 1`` (the homework's)."""
    return IndexedMatrix("b", at, n[at], 1)


def beta(at) -> IndexedMatrix:
    """One scalar bias ``β_k`` per layer (PyTorch's), as a ``1 × 1`` vector."""
    return IndexedMatrix(SCALAR_BIAS, at, 1, 1)


def v(at) -> IndexedMatrix:
    """A vector ``v`` of ``n_k`` entries (what backpropagation multiplies by)."""
    return IndexedMatrix("v", at, n[at], 1)


def u(at) -> IndexedMatrix:
    """The vector ``u_k`` backpropagation carries at layer ``k``, ``n_k × 1``."""
    return IndexedMatrix("u", at, n[at], 1)


class SlopeMatrix(IndexedMatrix):
    r"""``D_k = \operatorname{diag}(\sigma'(y'_k))``, printed as such."""

    def _latex(self, printer, exp=None) -> str:
        tex = rf"\operatorname{{diag}}(\sigma'(y'_{{{printer._print(self.index)}}}))"
        return rf"\left({tex}\right)^{{{exp}}}" if exp is not None else tex


register(SlopeMatrix, lambda name, index, rows, cols: SlopeMatrix(name, index, rows, cols), 4, 4)


def A(at) -> IndexedMatrix:
    """The ``n_k × n_{k-1}`` matrix of the valid cross-correlation with ``w_k``."""
    return IndexedMatrix("A", at, n[at], n[at - 1])


def D(at) -> SlopeMatrix:
    """``diag(σ'(y'_k))``, ``n_k × n_k``."""
    return SlopeMatrix("D", at, n[at], n[at])


def Y(at) -> IndexedMatrix:
    """The ``n_{k+1} × f_{k+1}`` Hankel matrix of ``y_k``."""
    return IndexedMatrix("Y", at, n[at + 1], f[at + 1])


FACTS = MatrixFacts(diagonal={MatrixFamily("D", k, n[k], n[k])})  # D_k is diagonal (so symmetric)

# Scalar entries, as the text writes them: (y'_l)_i, (w_l)_j, (A_k)_{ij}, ...
Y_ENTRY, Y_PRE_ENTRY, W_ENTRY, B_ENTRY = (IndexedBase(s) for s in ("y", "y'", "w", "b"))
BETA_ENTRY = IndexedBase(SCALAR_BIAS)
A_ENTRY, HANKEL_ENTRY, X_ENTRY = IndexedBase("A"), IndexedBase("Y"), IndexedBase("x")


def pre_activation_entry(layer: Expr, row: Expr, scalar_bias: bool = False) -> Expr:
    r"""``(y'_l)_i = \sum_{m=1}^{f_l} (w_l)_m (y_{l-1})_{i+m-1} + (b_l)_i`` (or ``+ β_l``): definition D1."""
    bias = BETA_ENTRY[layer] if scalar_bias else B_ENTRY[layer, row]
    return Sum(W_ENTRY[layer, m] * Y_ENTRY[layer - 1, row + m - 1], (m, 1, f[layer])) + bias


# --- exact evaluation ---------------------------------------------------------------------------


class Unevaluable(ValueError):
    """An expression the instance evaluator does not know how to write out."""


class _World:
    """Concrete values for one instance: vectors, named matrices, Jacobians, scalar entries.

    ``indices`` gives the layer symbols (``L``, ``l``, ``k``) their values, then ``sizes`` the
    widths and filter sizes (two passes: ``n_l`` becomes ``n_2`` before ``n_2`` becomes a number).
    Subclasses bring the arithmetic (SymPy matrices, or matrices of polynomials).
    """

    def __init__(self, indices: dict[Basic, int], sizes: dict[Basic, int]):
        self.indices, self.sizes = indices, sizes
        self._values: dict[Basic, object] = {}  # consecutive steps share a side

    def describe(self) -> str:
        raise NotImplementedError

    def vector(self, vector: IndexedMatrix):
        raise NotImplementedError

    def named(self, matrix: IndexedMatrix):
        raise NotImplementedError

    def jacobian(self, of: IndexedMatrix, wrt: IndexedMatrix):
        raise NotImplementedError

    def entries(self, matrix: EntryMatrix):
        raise NotImplementedError

    def constant(self, rows: int, cols: int, entry: Callable[[int, int], int]):
        raise NotImplementedError

    def difference(self, left, right) -> str | None:
        """``None`` when the two values are equal, else where they differ."""
        raise NotImplementedError

    def value(self, expr: MatrixExpr):
        if expr not in self._values:
            self._values[expr] = self._matrix(expr.xreplace(self.indices).xreplace(self.sizes))
        return self._values[expr]

    def _matrix(self, expr: MatrixExpr):
        if isinstance(expr, Jacobian):
            return self.jacobian(expr.of, expr.wrt)
        if isinstance(expr, IndexedMatrix):
            return self.vector(expr) if expr.name in VECTORS else self.named(expr)
        if isinstance(expr, EntryMatrix):
            return self.entries(expr)
        if isinstance(expr, OrderedProduct):
            return self._matrix(expr.doit(deep=False).xreplace(self.sizes))  # an empty one is I_{n_k}
        if isinstance(expr, (Identity, ZeroMatrix, OneMatrix)):
            entry = {Identity: lambda r, c: int(r == c), ZeroMatrix: lambda r, c: 0, OneMatrix: lambda r, c: 1}
            return self.constant(_size(expr.rows), _size(expr.cols), entry[type(expr)])
        if isinstance(expr, MatMul):
            coefficient, matrices = expr.as_coeff_matrices()
            if coefficient != 1:
                raise Unevaluable(f"a scalar factor {coefficient}")
            product = self._matrix(matrices[0])
            for factor in matrices[1:]:
                product = product * self._matrix(factor)
            return product
        if isinstance(expr, MatAdd):
            total = self._matrix(expr.args[0])
            for term in expr.args[1:]:
                total = total + self._matrix(term)
            return total
        if isinstance(expr, Transpose):
            return self._matrix(expr.arg).T
        raise Unevaluable(f"cannot write out {type(expr).__name__} {expr}")


def written_out(expr: Expr, values: dict[Basic, Expr], at: dict[Basic, Integer] | None = None) -> Expr:
    """``expr`` with the symbols of ``at`` replaced, sums with numeric bounds written out term by term,
    entries given their ``values``, and derivatives taken by SymPy's ``diff`` (by the variables themselves,
    which are not given values).

    What ``doit`` would do after substituting, without building the intermediate derivatives or searching
    for closed forms of the sums (both slow, and not needed at numeric bounds).
    """
    at = at or {}
    if isinstance(expr, Sum):
        (variable, lower, upper), = expr.limits
        lower, upper = written_out(lower, values, at), written_out(upper, values, at)
        if not (lower.is_Integer and upper.is_Integer):
            raise Unevaluable(f"the bounds of {expr} are not numbers at this instance")
        return Add(*(written_out(expr.function, values, {**at, variable: Integer(c)})
                     for c in range(int(lower), int(upper) + 1)))
    if isinstance(expr, Derivative):
        result = written_out(expr.expr, values, at)
        for variable, count in expr.variable_count:
            result = result.diff(variable.xreplace(at), count)
        return result
    if isinstance(expr, Indexed):
        concrete = expr.xreplace(at) if at and expr.free_symbols & at.keys() else expr
        return values.get(concrete, concrete)
    if isinstance(expr, Symbol):
        return at.get(expr, expr)
    if not expr.args:
        return expr
    return expr.func(*(written_out(a, values, at) for a in expr.args))


def _size(size: Expr | int) -> int:
    if isinstance(size, int):
        return size
    if not getattr(size, "is_Integer", False):
        raise Unevaluable(f"the size {size} is not a number at this instance")
    return int(size)


def _index(matrix: IndexedMatrix) -> int:
    return _size(matrix.index)


# --- one layer, in SymPy ----------------------------------------------------------------------------


class LayerKind(str, Enum):
    CONVOLUTION = "convolution"  # y'_c from y_{c-1}, w_c, b_c (or β_c): all free
    ACTIVATION = "activation"  # y_c = σ(y'_c), y'_c free (c < L)
    LAST = "last layer"  # y_L = y'_L, y'_L free


@dataclass(frozen=True)
class LayerSize:
    """Input length and filter size of one layer (``n_{c-1}``, ``f_c``), or the width ``n_c`` alone."""

    width_in: int
    filter: int = 1

    @property
    def width_out(self) -> int:
        return self.width_in - self.filter + 1


class _LayerWorld(_World):
    """One layer ``c`` at concrete sizes; the free entries are symbols, the defined ones have values."""

    def __init__(self, kind: LayerKind, layer: int, size: LayerSize, scalar_bias: bool, indices: dict):
        self.kind, self.layer, self.size, self.scalar_bias = kind, layer, size, scalar_bias
        c = layer
        sizes = {n[c - 1]: size.width_in, f[c]: size.filter, n[c]: size.width_out} \
            if kind is LayerKind.CONVOLUTION else {n[c]: size.width_in}
        super().__init__(indices, sizes)
        self._defined = self._definitions()
        self._scalars: dict[Basic, Expr] | None = None

    def describe(self) -> str:
        if self.kind is LayerKind.CONVOLUTION:
            return f"({self.size.width_in}, {self.size.filter})"
        return str(self.size.width_in)

    def _entries(self, base: IndexedBase, at: int, count: int) -> list[Expr]:
        return [base[at, r] for r in range(1, count + 1)]

    def _definitions(self) -> dict[Basic, Expr]:
        c = self.layer
        if self.kind is LayerKind.CONVOLUTION:
            inputs = self._entries(Y_ENTRY, c - 1, self.size.width_in)
            out = correlate(inputs, self._entries(W_ENTRY, c, self.size.filter))
            bias = [BETA_ENTRY[c]] * len(out) if self.scalar_bias else self._entries(B_ENTRY, c, len(out))
            return {Y_PRE_ENTRY[c, r]: out[r - 1] + bias[r - 1] for r in range(1, len(out) + 1)}
        apply = SIGMA if self.kind is LayerKind.ACTIVATION else (lambda z: z)
        return {Y_ENTRY[c, r]: apply(Y_PRE_ENTRY[c, r]) for r in range(1, self.size.width_in + 1)}

    def _scalar_values(self) -> dict[Basic, Expr]:
        """The defined entries, and the entries of ``A_c`` and ``Y_{c-1}``."""
        if self._scalars is None:
            values = dict(self._defined)
            if self.kind is LayerKind.CONVOLUTION:
                c = self.layer
                for base, at, matrix in ((A_ENTRY, c, self.named(A(c))), (HANKEL_ENTRY, c - 1, self.named(Y(c - 1)))):
                    values.update({base[at, r + 1, s + 1]: matrix[r, s]
                                   for r in range(matrix.rows) for s in range(matrix.cols)})
            self._scalars = values
        return self._scalars

    def vector(self, vector: IndexedMatrix) -> Matrix:
        at, base = _index(vector), IndexedBase(vector.name)
        if vector.name == SCALAR_BIAS:  # one scalar per layer, whatever the sizes
            entries = [base[at]]
        else:
            entries = [base[at, r] for r in range(1, _size(vector.rows) + 1)]
        return Matrix([self._defined.get(e, e) for e in entries])

    def named(self, matrix: IndexedMatrix) -> Matrix:
        at = _index(matrix)

        def size(expr: Expr) -> int:
            return _size(expr.xreplace(self.sizes))

        if matrix.name == "A":
            return conv_matrix(self._entries(W_ENTRY, at, size(f[at])), size(n[at - 1]))
        if matrix.name == "Y":
            return hankel_matrix(self._entries(Y_ENTRY, at, size(n[at])), size(f[at + 1]))
        if matrix.name == "D":
            return diag(*[SIGMA(z).fdiff(1) for z in self._entries(Y_PRE_ENTRY, at, size(n[at]))])
        raise Unevaluable(f"no value for {matrix}")

    def jacobian(self, of: IndexedMatrix, wrt: IndexedMatrix) -> Matrix:
        variables = list(self.vector(wrt))
        if not all(getattr(x, "is_symbol", False) for x in variables):
            raise Unevaluable(f"{wrt} is not a free variable in the {self.kind.value} world")
        return self.vector(of).jacobian(variables)

    def entries(self, matrix: EntryMatrix) -> Matrix:
        values, (rows, cols) = self._scalar_values(), (_size(matrix.rows), _size(matrix.cols))
        return Matrix(rows, cols, lambda r, c: written_out(
            matrix.entry, values, {matrix.row_index: Integer(r + 1), matrix.col_index: Integer(c + 1)}))

    def constant(self, rows: int, cols: int, entry) -> Matrix:
        return Matrix(rows, cols, entry)

    def difference(self, left: Matrix, right: Matrix) -> str | None:
        return first_difference(left, right)


def layer_instances(kind: LayerKind, layer: Expr, sizes: Sequence[LayerSize], layer_value: int = 2,
                    scalar_bias: bool = False) -> list[_LayerWorld]:
    """Worlds for one layer written ``layer`` (e.g. ``k + 1``) at each size, the layer index at ``layer_value``."""
    (symbol,) = layer.free_symbols
    at = {symbol: layer_value - (layer - symbol)}  # layer = symbol + constant
    return [_LayerWorld(kind, layer_value, size, scalar_bias, at) for size in sizes]


# --- whole networks, over integer polynomials ----------------------------------------------------------


class PolyMatrix:
    """A matrix of ``fmpz_mpoly`` entries with the few operations the evaluation needs."""

    def __init__(self, rows: Sequence[Sequence[fmpz_mpoly]], zero: fmpz_mpoly, cols: int | None = None):
        self.rows = [list(row) for row in rows]
        self.zero = zero
        self.shape = (len(self.rows), len(self.rows[0]) if self.rows else (cols or 0))

    def __mul__(self, other: "PolyMatrix") -> "PolyMatrix":
        if self.shape[1] != other.shape[0]:
            raise Unevaluable(f"sizes {self.shape} and {other.shape} do not chain at this instance")
        columns = list(zip(*other.rows)) if other.rows else []
        return PolyMatrix([[_dot(row, column, self.zero) for column in columns] for row in self.rows], self.zero,
                          other.shape[1])

    def __add__(self, other: "PolyMatrix") -> "PolyMatrix":
        if self.shape != other.shape:
            raise Unevaluable(f"adding sizes {self.shape} and {other.shape}")
        return PolyMatrix([[a + b for a, b in zip(r, s)] for r, s in zip(self.rows, other.rows)], self.zero,
                          self.shape[1])

    @property
    def T(self) -> "PolyMatrix":
        return PolyMatrix([list(column) for column in zip(*self.rows)], self.zero, self.shape[0])


def _dot(row: Sequence[fmpz_mpoly], column: Sequence[fmpz_mpoly], zero: fmpz_mpoly) -> fmpz_mpoly:
    total = zero
    for a, b in zip(row, column):
        if a != 0 and b != 0:
            total = total + a * b
    return total


class _Dual:
    """A polynomial with its tangent (derivatives by the entries of one vector)."""

    __slots__ = ("value", "tangent")

    def __init__(self, value: fmpz_mpoly, tangent: list[fmpz_mpoly]):
        self.value, self.tangent = value, tangent

    def __add__(self, other: "_Dual") -> "_Dual":
        return _Dual(self.value + other.value, [a + b for a, b in zip(self.tangent, other.tangent)])

    def __mul__(self, other: "_Dual") -> "_Dual":  # the product rule
        return _Dual(self.value * other.value,
                     [a * other.value + self.value * b for a, b in zip(self.tangent, other.tangent)])


class PolynomialNet:
    """The network of ``shape`` over ``Z[x, w, b, s, t]``, ``s_{k,i} = σ((y'_k)_i)``, ``t_{k,i} = σ'((y'_k)_i)``."""

    def __init__(self, shape: Shape):
        self.shape = shape
        depth, widths = shape.depth, shape.widths
        names = [f"x{i}" for i in range(widths[0])]
        names += [f"w{c}_{j}" for c in range(1, depth + 1) for j in range(shape.filters[c - 1])]
        names += [f"beta{c}" for c in range(1, depth + 1)] if shape.scalar_bias else \
            [f"b{c}_{i}" for c in range(1, depth + 1) for i in range(widths[c])]
        names += [f"{v}{c}_{i}" for v in "st" for c in range(1, depth) for i in range(widths[c])]
        self.ctx = fmpz_mpoly_ctx.get(tuple(names), "lex")
        gens = dict(zip(names, self.ctx.gens()))
        self.zero = self.ctx.constant(0)
        self.x = [gens[f"x{i}"] for i in range(widths[0])]
        self.weights = [[gens[f"w{c}_{j}"] for j in range(shape.filters[c - 1])] for c in range(1, depth + 1)]
        self.biases = [[gens[f"beta{c}"]] if shape.scalar_bias else [gens[f"b{c}_{i}"] for i in range(widths[c])]
                       for c in range(1, depth + 1)]
        self.sigmas = {c: [gens[f"s{c}_{i}"] for i in range(widths[c])] for c in range(1, depth)}
        self.slopes = {c: [gens[f"t{c}_{i}"] for i in range(widths[c])] for c in range(1, depth)}

    def parameters(self, name: str, layer: int) -> list[fmpz_mpoly]:
        return self.weights[layer - 1] if name == "w" else self.biases[layer - 1]

    def run(self, seed: tuple[str, int] | None = None) -> dict[tuple[str, int], list[_Dual]]:
        """Every vector of the forward pass as duals; tangents by the entries of ``seed`` (zero if ``None``)."""
        width = 0 if seed is None else self.seed_width(seed)

        def constant(value: fmpz_mpoly) -> _Dual:
            return _Dual(value, [self.zero] * width)

        def seeded(values: list[fmpz_mpoly]) -> list[_Dual]:
            return [_Dual(value, [self.ctx.constant(int(r == c)) for c in range(width)])
                    for r, value in enumerate(values)]

        vectors = {("y", 0): [constant(value) for value in self.x]}
        for c in range(1, self.shape.depth + 1):
            filt = self.weights[c - 1]
            filt = seeded(filt) if seed == ("w", c) else [constant(value) for value in filt]
            bias = self.biases[c - 1]
            bias = seeded(bias) if seed in (("b", c), (SCALAR_BIAS, c)) else [constant(value) for value in bias]
            out = correlate(vectors[("y", c - 1)], filt)
            pre = [z + (bias[0] if self.shape.scalar_bias else bias[r]) for r, z in enumerate(out)]
            vectors[("y'", c)] = seeded([d.value for d in pre]) if seed == ("y'", c) else pre
            if c < self.shape.depth:  # σ: value s, tangent t times the tangent (the derivative of σ∘z)
                post = [_Dual(s, [t * dz for dz in d.tangent])
                        for d, s, t in zip(vectors[("y'", c)], self.sigmas[c], self.slopes[c])]
            else:
                post = vectors[("y'", c)]
            vectors[("y", c)] = seeded([d.value for d in post]) if seed == ("y", c) else post
        return vectors

    def seed_width(self, seed: tuple[str, int]) -> int:
        """How many entries the vector ``seed`` has (the columns of a Jacobian by it)."""
        name, layer = seed
        return len(self.parameters(name, layer)) if name in PARAMETERS else self.shape.widths[layer]


@lru_cache(maxsize=None)
def _polynomial_net(shape: Shape) -> PolynomialNet:
    return PolynomialNet(shape)


class _NetworkWorld(_World):
    """A network of ``shape`` over integer polynomials, at ``L`` = its depth and the given ``l``."""

    def __init__(self, shape: Shape, layer: int | None):
        self.shape, self.layer = shape, layer
        self.net = _polynomial_net(shape)
        at: dict[Basic, int] = {L: shape.depth}
        if layer is not None:
            at[l] = layer
        sizes = {n[c]: width for c, width in enumerate(shape.widths)}
        sizes.update({f[c]: size for c, size in enumerate(shape.filters, start=1)})
        super().__init__(at, sizes)

    def describe(self) -> str:
        return f"n_0={self.shape.n0}, f={list(self.shape.filters)}"

    def _column(self, values: list[fmpz_mpoly]) -> PolyMatrix:
        return PolyMatrix([[value] for value in values], self.net.zero, 1)

    def _entries_of(self, name: str, layer: int) -> list[fmpz_mpoly]:
        if name in PARAMETERS:
            if (name == SCALAR_BIAS) != self.shape.scalar_bias:
                raise Unevaluable(f"{name} is not a parameter of a network with {self.shape}")
            return self.net.parameters(name, layer)
        return [d.value for d in _forward(self.shape)[(name, layer)]]

    def vector(self, vector: IndexedMatrix) -> PolyMatrix:
        if vector.name not in ("y", "y'") + PARAMETERS:
            raise Unevaluable(f"no value for {vector} in a network")
        return self._column(self._entries_of(vector.name, _index(vector)))

    def named(self, matrix: IndexedMatrix) -> PolyMatrix:
        c, shape, zero = _index(matrix), self.shape, self.net.zero
        if matrix.name == "A":
            return PolyMatrix(conv_rows(self.net.weights[c - 1], shape.widths[c - 1], zero), zero)
        if matrix.name == "Y":
            return PolyMatrix(hankel_rows(self._entries_of("y", c), shape.filters[c]), zero)
        if matrix.name == "D":
            slopes = self.net.slopes.get(c)
            if slopes is None:
                raise Unevaluable(f"no activation at layer {c}")
            return PolyMatrix([[s if r == q else zero for q in range(len(slopes))] for r, s in enumerate(slopes)], zero)
        raise Unevaluable(f"no value for {matrix}")

    def jacobian(self, of: IndexedMatrix, wrt: IndexedMatrix) -> PolyMatrix:
        target, seed = (of.name, _index(of)), (wrt.name, _index(wrt))
        if of.name not in ("y", "y'") or wrt.name not in ("y", "y'") + PARAMETERS:
            raise Unevaluable(f"no Jacobian of {of} by {wrt} in a network")
        if wrt.name in PARAMETERS:
            self._entries_of(*seed)  # refuses a bias the network does not have
        return PolyMatrix([d.tangent for d in _forward(self.shape, seed)[target]], self.net.zero,
                          self.net.seed_width(seed))

    def entries(self, matrix: EntryMatrix) -> PolyMatrix:
        values = {X_ENTRY[r + 1]: x for r, x in enumerate(self.net.x)}
        for c in range(self.shape.depth + 1):
            values.update({Y_ENTRY[c, r + 1]: z for r, z in enumerate(self._entries_of("y", c))})
        rows = []
        for row in matrix.explicit().tolist():
            if not all(entry in values for entry in row):
                raise Unevaluable(f"entries other than the layers' outputs in {matrix}")
            rows.append([values[entry] for entry in row])
        return PolyMatrix(rows, self.net.zero)

    def constant(self, rows: int, cols: int, entry) -> PolyMatrix:
        return PolyMatrix([[self.net.ctx.constant(entry(r, c)) for c in range(cols)] for r in range(rows)],
                          self.net.zero, cols)

    def difference(self, left: PolyMatrix, right: PolyMatrix) -> str | None:
        if left.shape != right.shape:
            return f"shapes differ: {left.shape} and {right.shape}"
        for r, (a, b) in enumerate(zip(left.rows, right.rows)):
            for c, (p, q) in enumerate(zip(a, b)):
                if p != q:
                    return f"entry ({r + 1}, {c + 1}) differs"
        return None


@lru_cache(maxsize=None)
def _forward(shape: Shape, seed: tuple[str, int] | None = None) -> dict[tuple[str, int], list[_Dual]]:
    return _polynomial_net(shape).run(seed)


NETWORK_SHAPES = (
    Shape(4, (2,)),
    Shape(6, (2, 3)),
    Shape(7, (3, 2, 2)),
    Shape(9, (3, 1, 4)),
    Shape(8, (2, 3, 2, 2)),
)
SCALAR_BIAS_SHAPES = (Shape(5, (3,), scalar_bias=True), Shape(6, (2, 3), scalar_bias=True),
                      Shape(7, (3, 2, 2), scalar_bias=True))

class Layers(str, Enum):
    """At which layers ``l`` a relation about a network is claimed, given its depth ``L``."""

    NONE = "no layer"  # the relation does not mention l
    BELOW_THE_LAST = "1 <= l < L"
    THE_LAST = "l = L"

    def at(self, depth: int) -> tuple[int | None, ...]:
        if self is Layers.NONE:
            return (None,)
        return tuple(range(1, depth)) if self is Layers.BELOW_THE_LAST else (depth,)


no_layer, below_the_last, the_last = Layers.NONE, Layers.BELOW_THE_LAST, Layers.THE_LAST


def network_instances(layers: Layers, shapes: Sequence[Shape], min_depth: int = 1,
                      max_depth: int | None = None) -> list[_NetworkWorld]:
    """A world for every shape of an admitted depth and every layer ``layers`` claims at that depth."""
    return [_NetworkWorld(shape, layer) for shape in shapes
            if min_depth <= shape.depth and (max_depth is None or shape.depth <= max_depth)
            for layer in layers.at(shape.depth)]


# --- verifiers ----------------------------------------------------------------------------------------
#
# They are frozen dataclasses of plain data (no closures), so a transcript records each as its step's
# evidence and ``symderive verify`` rebuilds it from the JSON and re-runs it on the step's two sides.
# The data is untrusted there: every size is checked before a world is built.

MAX_LAYER_WIDTH = 16  # bounds on instances rebuilt from a transcript: SymPy's Jacobians stay quick
MAX_NETWORK_INPUT, MAX_NETWORK_DEPTH, MAX_INSTANCES = 24, 6, 8
LAYER_VALUE = 2  # the value of the layer index in a one-layer world (so layer - 1 and layer + 1 are layers)


def check_instances(worlds: Sequence[_World], before: Basic, after: Basic) -> None:
    """Both sides written out exactly in every world and compared entry by entry; raises if they differ."""
    if not worlds:
        raise VerificationFailed("no instance to check the step on")
    for world in worlds:
        try:
            difference = world.difference(world.value(before), world.value(after))
        except (Unevaluable, ShapeError) as exc:
            raise VerificationFailed(f"not evaluable at {world.describe()}: {exc}") from exc
        if difference is not None:
            raise VerificationFailed(f"the two sides differ at {world.describe()}: {difference}")


@dataclass(frozen=True)
class LayerCheck:
    """Exact comparison on one layer written ``layer`` (e.g. ``k + 1``) at concrete sizes, the layer index at 2.

    Every other symbol stays symbolic and ``σ`` undefined: the step's two sides are written out and
    compared with SymPy's derivatives of the layer (:class:`_LayerWorld`).
    """

    kind: LayerKind
    layer: Basic
    sizes: tuple[LayerSize, ...]
    scalar_bias: bool = False

    reproduces_detail: ClassVar[bool] = True  # verify compares the re-run detail (the sizes) with the recorded one
    relation: ClassVar[str] = "="  # what it shows between the step's sides

    def __call__(self, before: Basic, after: Basic) -> Verification:
        symbol = self._symbol()
        self._check_sizes()
        if symbol not in before.free_symbols | after.free_symbols:
            raise VerificationFailed(f"the step does not mention {symbol}: this check is about another layer")
        check_instances(_layer_worlds(self), before, after)
        return Verification(Status.PROVED_ON_INSTANCES, self.method, self.detail, evidence=self)

    def _symbol(self) -> Symbol:
        """The layer's symbol (``L``, ``l`` or ``k``); the layer must be it plus a small integer."""
        symbols = self.layer.free_symbols if isinstance(self.layer, Expr) else set()
        if len(symbols) != 1 or not symbols <= {L, l, k}:
            raise VerificationFailed(f"the layer {self.layer} is not L, l or k plus a constant")
        (symbol,) = symbols
        offset = self.layer - symbol
        if not (offset.is_Integer and abs(int(offset)) <= 2):
            raise VerificationFailed(f"the layer {self.layer} is not {symbol} plus a small integer")
        return symbol

    def _check_sizes(self) -> None:
        if not 0 < len(self.sizes) <= MAX_INSTANCES:
            raise VerificationFailed(f"expected 1 to {MAX_INSTANCES} sizes, got {len(self.sizes)}")
        for size in self.sizes:
            if not (1 <= size.filter <= size.width_in <= MAX_LAYER_WIDTH):
                raise VerificationFailed(f"the size {size} is not a layer of width at most {MAX_LAYER_WIDTH}")
            if self.kind is not LayerKind.CONVOLUTION and size.filter != 1:
                raise VerificationFailed(f"the {self.kind.value} has no filter, got {size}")
        dimensions = [(s.width_in, s.filter, s.width_out) if self.kind is LayerKind.CONVOLUTION else (s.width_in,)
                      for s in self.sizes]
        if not any(_generic(sizes) for sizes in dimensions):
            raise VerificationFailed(f"no size among {', '.join(map(str, self.sizes))} has its dimensions all at "
                                     "least 2 and distinct: at such sizes alone a transpose goes unnoticed")

    @property
    def method(self) -> str:
        return f"exact comparison with SymPy's derivatives of the {self.kind.value} written out"

    @property
    def detail(self) -> str:
        symbol = self._symbol()
        named = f"(n[{self.layer - 1}], f[{self.layer}])" if self.kind is LayerKind.CONVOLUTION else f"n[{self.layer}]"
        shown = ", ".join(world.describe() for world in _layer_worlds(self))
        return f"exact at {named} in {{{shown}}} with {symbol} = {LAYER_VALUE - (self.layer - symbol)}; sigma undefined"


def _generic(dimensions: tuple[int, ...]) -> bool:
    """Dimensions a check can tell apart: a 1x1 matrix is its transpose, an n x n one has the shape of it."""
    return all(d >= 2 for d in dimensions) and len(set(dimensions)) == len(dimensions)


@lru_cache(maxsize=64)
def _layer_worlds(check: LayerCheck) -> list[_LayerWorld]:
    """The worlds of a check, built once: consecutive steps share a side, and each world caches its values."""
    return layer_instances(check.kind, check.layer, check.sizes, LAYER_VALUE, check.scalar_bias)


def layer_verifier(kind: LayerKind, layer: Expr, sizes: Sequence[LayerSize], scalar_bias: bool = False) -> LayerCheck:
    """Exact comparison on one layer at concrete sizes (the layer index at 2, other symbols symbolic)."""
    return LayerCheck(kind, layer, tuple(sizes), scalar_bias)


@dataclass(frozen=True)
class NetworkCheck:
    """Exact comparison on whole networks of ``shapes`` over integer polynomials, at every admissible ``(L, l)``.

    ``L`` is each shape's depth (those from ``min_depth`` to ``max_depth``), ``l`` every layer
    ``layers`` claims at that depth.  Every Jacobian is forward-mode differentiation of the
    network's definition (:class:`_NetworkWorld`), with free values of ``σ`` and ``σ'``.
    """

    layers: Layers
    shapes: tuple[Shape, ...]
    min_depth: int = 1
    max_depth: int | None = None

    reproduces_detail: ClassVar[bool] = True  # verify compares the re-run detail (the shapes) with the recorded one
    relation: ClassVar[str] = "="  # what it shows between the step's sides

    method: ClassVar[str] = (
        "exact comparison on networks: forward-mode derivatives of the definition, as polynomials in the inputs, "
        "weights, biases and free values of sigma and sigma'")

    def __call__(self, before: Basic, after: Basic) -> Verification:
        self._check_shapes()
        if self.layers is Layers.NONE and l in before.free_symbols | after.free_symbols:
            raise VerificationFailed(f"the step mentions {l}, but this check is claimed at no layer")
        check_instances(_network_worlds(self), before, after)
        return Verification(Status.PROVED_ON_INSTANCES, self.method, self.detail, evidence=self)

    def _check_shapes(self) -> None:
        if not 0 < len(self.shapes) <= MAX_INSTANCES:
            raise VerificationFailed(f"expected 1 to {MAX_INSTANCES} shapes, got {len(self.shapes)}")
        for shape in self.shapes:  # read from a transcript, a Shape has not been through __post_init__
            if not (0 < len(shape.filters) <= MAX_NETWORK_DEPTH and 0 < shape.n0 <= MAX_NETWORK_INPUT
                    and all(size >= 1 for size in shape.filters) and shape.widths[-1] >= 1):
                raise VerificationFailed(f"{shape} is not a network of depth at most {MAX_NETWORK_DEPTH} and input "
                                         f"width at most {MAX_NETWORK_INPUT}")
        if len({shape.scalar_bias for shape in self.shapes}) > 1:
            raise VerificationFailed("the shapes mix the two kinds of bias")
        if not any(min(shape.widths) >= 2 and len(set(shape.widths)) > 1 for shape in self.shapes):
            raise VerificationFailed(f"no shape among {', '.join(map(str, self.shapes))} has its widths all at least 2 "
                                     "and not all equal: at such shapes alone a transpose goes unnoticed")

    @property
    def detail(self) -> str:
        by_shape: dict[str, list[str]] = {}
        for world in _network_worlds(self):
            by_shape.setdefault(f"{world.describe()} (L={world.shape.depth}", []).append(
                "" if world.layer is None else str(world.layer))
        return "exact at " + "; ".join(head + (f", l in {{{', '.join(ls)}}})" if any(ls) else ")")
                                       for head, ls in by_shape.items())


@lru_cache(maxsize=64)
def _network_worlds(check: NetworkCheck) -> list[_NetworkWorld]:
    return network_instances(check.layers, check.shapes, check.min_depth, check.max_depth)


def network_verifier(layers: Layers, min_depth: int = 1, max_depth: int | None = None,
                     scalar_bias: bool = False) -> NetworkCheck:
    """Exact comparison on the standard networks (with a scalar bias or not), at every admissible ``(L, l)``."""
    return NetworkCheck(layers, SCALAR_BIAS_SHAPES if scalar_bias else NETWORK_SHAPES, min_depth, max_depth)


__all__ = [
    "SIGMA", "L", "l", "k", "i", "j", "m", "n", "f", "y", "y_pre", "w", "b", "beta", "v", "u", "A", "D", "Y",
    "SlopeMatrix", "FACTS", "pre_activation_entry", "LayerKind", "LayerSize", "layer_verifier",
    "network_verifier", "LayerCheck", "NetworkCheck", "Layers", "below_the_last", "the_last", "no_layer", "NETWORK_SHAPES", "SCALAR_BIAS_SHAPES",
    "Unevaluable", "PolynomialNet",
]
