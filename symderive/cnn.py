r"""The 1-D convolutional network of seed problem 3 and the closed form of its Jacobians.

The network: :math:`y_0 = x \in \mathbb{R}^{n_0}`; for :math:`l = 1, \dots, L`,

.. math::  y'_l = A_l(w_l)\, y_{l-1} + b_l, \qquad y_l = \sigma(y'_l) \ (l < L), \qquad y_L = y'_L,

where :math:`A_l` is the :math:`n_l \times n_{l-1}` matrix of the valid, stride-1
cross-correlation with the filter :math:`w_l \in \mathbb{R}^{f_l}` (the convention of
``torch.nn.functional.conv1d``): :math:`(A_l)_{ij} = (w_l)_{j-i+1}` for
:math:`0 \le j - i < f_l`, and :math:`n_l = n_{l-1} - f_l + 1`.  The bias is either a
vector :math:`b_l \in \mathbb{R}^{n_l}` (the seed's) or one scalar per layer (PyTorch's).

The closed form (what the derivation reaches; here it is the thing being checked):

.. math::
   \frac{\partial y_L}{\partial w_l} = A_L\,[D_{L-1} A_{L-1}] \cdots [D_{l+1} A_{l+1}]\, D_l\, Y_{l-1},
   \qquad D_k = \operatorname{diag}(\sigma'(y'_k)),

with :math:`Y_{l-1}` the :math:`n_l \times f_l` Hankel matrix :math:`(Y_{l-1})_{ij} = (y_{l-1})_{i+j-1}`,
and the same product ending in :math:`I_{n_l}` (vector bias) or :math:`\mathbf{1}_{n_l}` (scalar
bias) for :math:`\partial y_L / \partial b_l`.  At :math:`l = L` the product is just the last factor.

Everything numeric here is generic in the scalars (SymPy expressions, floats, finite-field
elements, operation counters): the formula is a tuple of :class:`Factor` records, realised by
whichever arithmetic the caller brings.  Indices in code are 0-based; layers are 1-based as in
the text.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass
from enum import Enum
from functools import reduce
from typing import Any, Callable, Generic, Literal, Sequence, TypeVar

from sympy import Expr, Function, IndexedBase, Matrix, S, Sum, Symbol

Scalar = Any  # a SymPy expression, a float, a flint nmod, a counter: anything with + and *
M = TypeVar("M")  # a matrix type of some arithmetic backend
Wrt = Literal["w", "b"]
Rows = list[list[Scalar]]


# --- shapes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """Input width ``n0`` and filter sizes ``f_1..f_L``; ``scalar_bias`` picks PyTorch's bias."""

    n0: int
    filters: tuple[int, ...]
    scalar_bias: bool = False

    def __post_init__(self) -> None:
        if not self.filters:
            raise ValueError("a network needs at least one layer")
        if any(f < 1 for f in self.filters):
            raise ValueError(f"filter sizes must be at least 1, got {self.filters}")
        if self.widths[-1] < 1:
            raise ValueError(f"input width {self.n0} is too small for filters {self.filters}")

    @property
    def depth(self) -> int:
        return len(self.filters)

    @property
    def widths(self) -> tuple[int, ...]:
        """``(n_0, ..., n_L)`` with ``n_l = n_{l-1} - f_l + 1``."""
        widths = [self.n0]
        for f in self.filters:
            widths.append(widths[-1] - f + 1)
        return tuple(widths)

    def check_layer(self, layer: int, wrt: str) -> None:
        if not 1 <= layer <= self.depth:
            raise ValueError(f"layer must be in 1..{self.depth}, got {layer}")
        if wrt not in ("w", "b"):
            raise ValueError(f"wrt must be 'w' or 'b', got {wrt!r}")


# --- the convolution and its matrices ------------------------------------------------------


def _sum(terms: Sequence[Scalar]) -> Scalar:
    # reduce, not sum(): no hidden "0 +" (the operation counts are exact) and no int 0 in SymPy
    return reduce(operator.add, terms)


def correlate(y: Sequence[Scalar], w: Sequence[Scalar]) -> tuple[Scalar, ...]:
    """Valid, stride-1 cross-correlation, as ``conv1d``: ``out_i = sum_j w_j y_{i+j}``."""
    f = len(w)
    return tuple(_sum([w[j] * y[i + j] for j in range(f)]) for i in range(len(y) - f + 1))


def full_convolution(u: Sequence[Scalar], w: Sequence[Scalar]) -> tuple[Scalar, ...]:
    """Full convolution ``out_j = sum_{0 <= j-i < f} w_{j-i} u_i``, of length ``len(u) + f - 1``.

    This is ``A(w)ᵀ u`` (``conv_transpose1d``): column ``j`` of ``A`` holds ``w_{j-i}`` in row ``i``.
    """
    f, n = len(w), len(u)
    return tuple(_sum([w[j - i] * u[i] for i in range(max(0, j - f + 1), min(j, n - 1) + 1)])
                 for j in range(n + f - 1))


@dataclass(frozen=True)
class Entries:
    """A matrix given by its size and its structurally nonzero entries ``(i, j, value)``, 0-based."""

    rows: int
    cols: int
    nonzero: tuple[tuple[int, int, Scalar], ...]

    def dense(self, zero: Scalar) -> Rows:
        rows = [[zero] * self.cols for _ in range(self.rows)]
        for i, j, value in self.nonzero:
            rows[i][j] = value
        return rows


def conv_entries(w: Sequence[Scalar], n_in: int) -> Entries:
    """``A(w)``, ``(n_in - f + 1) x n_in``: ``A_ij = w_{j-i}`` for ``0 <= j-i < f`` (the band)."""
    f = len(w)
    n_out = n_in - f + 1
    return Entries(n_out, n_in, tuple((i, i + j, w[j]) for i in range(n_out) for j in range(f)))


def hankel_entries(y: Sequence[Scalar], f: int) -> Entries:
    """The ``(len(y) - f + 1) x f`` Hankel matrix ``Y_ij = y_{i+j}`` (0-based)."""
    n_out = len(y) - f + 1
    return Entries(n_out, f, tuple((i, j, y[i + j]) for i in range(n_out) for j in range(f)))


def conv_rows(w: Sequence[Scalar], n_in: int, zero: Scalar) -> Rows:
    return conv_entries(w, n_in).dense(zero)


def hankel_rows(y: Sequence[Scalar], f: int) -> Rows:
    return hankel_entries(y, f).dense(y[0])  # a Hankel matrix has no structural zeros


def conv_matrix(w: Sequence[Scalar], n_in: int) -> Matrix:
    """The SymPy matrix ``A(w)`` of the valid cross-correlation of a length-``n_in`` input with ``w``."""
    return Matrix(conv_rows(w, n_in, S.Zero))


def hankel_matrix(y: Sequence[Scalar], f: int) -> Matrix:
    """The SymPy Hankel matrix of ``y`` with ``f`` columns: ``∂(A(w) y)/∂w``."""
    return Matrix(hankel_rows(y, f))


# --- the forward pass ------------------------------------------------------------------------


@dataclass(frozen=True)
class ForwardPass:
    """``outputs[k] = y_k`` for ``k = 0..L`` and ``pre_activations[k - 1] = y'_k`` for ``k = 1..L``."""

    outputs: tuple[tuple[Scalar, ...], ...]
    pre_activations: tuple[tuple[Scalar, ...], ...]

    def y(self, k: int) -> tuple[Scalar, ...]:
        return self.outputs[k]

    def y_pre(self, k: int) -> tuple[Scalar, ...]:
        return self.pre_activations[k - 1]


def forward(x: Sequence[Scalar], weights: Sequence[Sequence[Scalar]], biases: Sequence[Any],
            sigma: Callable[[Scalar], Scalar], scalar_bias: bool = False) -> ForwardPass:
    """Run the network: ``y'_l = correlate(y_{l-1}, w_l) + b_l``, ``σ`` on every layer but the last."""
    outputs, pre = [tuple(x)], []
    depth = len(weights)
    for layer, (w, b) in enumerate(zip(weights, biases, strict=True), start=1):
        z = correlate(outputs[-1], w)
        z = tuple(zi + (b if scalar_bias else b[i]) for i, zi in enumerate(z))
        pre.append(z)
        outputs.append(z if layer == depth else tuple(sigma(zi) for zi in z))
    return ForwardPass(tuple(outputs), tuple(pre))


@dataclass(frozen=True)
class Point:
    """What the formula reads from one forward pass, in any arithmetic.

    ``weights[k-1] = w_k`` (k = 1..L), ``outputs[k] = y_k`` (k = 0..L-1) and
    ``slopes[k-1] = σ'(y'_k)`` (k = 1..L-1).  The formula never needs ``y'_k`` itself.
    """

    weights: tuple[tuple[Scalar, ...], ...]
    outputs: tuple[tuple[Scalar, ...], ...]
    slopes: tuple[tuple[Scalar, ...], ...]

    @property
    def depth(self) -> int:
        return len(self.weights)

    def w(self, k: int) -> tuple[Scalar, ...]:
        return self.weights[k - 1]

    def y(self, k: int) -> tuple[Scalar, ...]:
        return self.outputs[k]

    def slope(self, k: int) -> tuple[Scalar, ...]:
        return self.slopes[k - 1]

    def width(self, k: int) -> int:
        """``n_k``; ``n_L`` from the last filter."""
        if k < self.depth:
            return len(self.outputs[k])
        return len(self.outputs[-1]) - len(self.weights[-1]) + 1


def point_of(run: ForwardPass, weights: Sequence[Sequence[Scalar]],
             sigma_prime: Callable[[Scalar], Scalar]) -> Point:
    """The :class:`Point` of a forward pass, with ``σ'`` applied to the stored pre-activations."""
    depth = len(weights)
    return Point(
        weights=tuple(tuple(w) for w in weights),
        outputs=run.outputs[:depth],
        slopes=tuple(tuple(sigma_prime(z) for z in run.y_pre(k)) for k in range(1, depth)),
    )


# --- the symbolic network ----------------------------------------------------------------------


@dataclass(frozen=True)
class SymbolicNet:
    """The network with a SymPy symbol for every input, weight and bias entry."""

    shape: Shape
    sigma: Any  # a SymPy function class: an undefined Function("sigma") or e.g. sympy.tanh
    x: tuple[Symbol, ...]
    weights: tuple[tuple[Symbol, ...], ...]
    biases: tuple[Any, ...]  # per layer: a tuple of symbols, or one symbol (scalar bias)
    run: ForwardPass

    def parameters(self, layer: int, wrt: Wrt) -> tuple[Symbol, ...]:
        """The symbols of ``w_l`` or ``b_l``, in order."""
        self.shape.check_layer(layer, wrt)
        if wrt == "w":
            return self.weights[layer - 1]
        bias = self.biases[layer - 1]
        return (bias,) if self.shape.scalar_bias else bias

    def output(self) -> Matrix:
        """``y_L`` as a column."""
        return Matrix(self.run.y(self.shape.depth))

    def point(self) -> Point:
        # fdiff gives σ'(z) exactly as SymPy's chain rule writes it (Subs(Derivative(σ(ξ), ξ), ξ, z)),
        # so formula and Jacobian share their atoms and an exact comparison needs no simplification.
        return point_of(self.run, self.weights, lambda z: self.sigma(z).fdiff(1))


def symbolic_net(shape: Shape, sigma: Any = None) -> SymbolicNet:
    """Symbols ``x_i``, ``w_{l,j}``, ``b_{l,i}`` (or ``b_l``), all 1-based; ``σ`` undefined by default."""
    sigma = Function("sigma") if sigma is None else sigma
    widths = shape.widths
    x = tuple(Symbol(f"x_{{{i}}}") for i in range(1, shape.n0 + 1))
    weights = tuple(tuple(Symbol(f"w_{{{l},{j}}}") for j in range(1, f + 1))
                    for l, f in enumerate(shape.filters, start=1))
    if shape.scalar_bias:
        biases: tuple[Any, ...] = tuple(Symbol(f"b_{{{l}}}") for l in range(1, shape.depth + 1))
    else:
        biases = tuple(tuple(Symbol(f"b_{{{l},{i}}}") for i in range(1, widths[l] + 1))
                       for l in range(1, shape.depth + 1))
    run = forward(x, weights, biases, sigma, shape.scalar_bias)
    return SymbolicNet(shape, sigma, x, weights, biases, run)


# --- the closed form, as a product of factors ---------------------------------------------------


class Kind(str, Enum):
    CONV = "A"  # A_k, n_k x n_{k-1}
    SLOPE = "D"  # diag(σ'(y'_k)), n_k x n_k
    HANKEL = "Y"  # Y_k, n_{k+1} x f_{k+1}
    IDENTITY = "I"  # I_{n_k}
    ONES = "1"  # the ones column of length n_k


@dataclass(frozen=True)
class Factor:
    """One factor of the product; ``flipped`` reverses the filter order (a deliberate error)."""

    kind: Kind
    layer: int
    flipped: bool = False

    def latex(self) -> str:
        k = self.layer
        body = {
            Kind.CONV: f"A_{{{k}}}",
            Kind.SLOPE: rf"\operatorname{{diag}}(\sigma'(y'_{{{k}}}))",
            Kind.HANKEL: f"Y_{{{k}}}",
            Kind.IDENTITY: f"I_{{n_{{{k}}}}}",
            Kind.ONES: rf"\mathbf{{1}}_{{n_{{{k}}}}}",
        }[self.kind]
        return rf"\operatorname{{flip}}({body})" if self.flipped else body


Formula = tuple[Factor, ...]


def jacobian_factors(depth: int, layer: int, wrt: Wrt, scalar_bias: bool = False) -> Formula:
    """The closed form of ``∂y_L/∂w_l`` (or ``∂y_L/∂b_l``) as factors, left to right.

    ``A_L, D_{L-1}, A_{L-1}, ..., D_{l+1}, A_{l+1}, D_l`` and then ``Y_{l-1}``, ``I_{n_l}`` or
    ``1_{n_l}``; at ``l = L`` only the last factor (no activation on the last layer).
    """
    if not 1 <= layer <= depth:
        raise ValueError(f"layer must be in 1..{depth}, got {layer}")
    factors: list[Factor] = []
    if layer < depth:
        factors.append(Factor(Kind.CONV, depth))
        for k in range(depth - 1, layer, -1):
            factors += [Factor(Kind.SLOPE, k), Factor(Kind.CONV, k)]
        factors.append(Factor(Kind.SLOPE, layer))
    if wrt == "w":
        factors.append(Factor(Kind.HANKEL, layer - 1))
    elif wrt == "b":
        factors.append(Factor(Kind.ONES if scalar_bias else Kind.IDENTITY, layer))
    else:
        raise ValueError(f"wrt must be 'w' or 'b', got {wrt!r}")
    return tuple(factors)


def closed_form(shape: Shape, layer: int, wrt: Wrt) -> Formula:
    """:func:`jacobian_factors` for a :class:`Shape`."""
    shape.check_layer(layer, wrt)
    return jacobian_factors(shape.depth, layer, wrt, shape.scalar_bias)


def flipped_filter_formula(shape: Shape, layer: int, wrt: Wrt) -> Formula | None:
    """A deliberately wrong formula: one factor's filter order reversed (convolution, not correlation).

    The Hankel factor ``Y_{l-1}`` (its columns reversed) if ``f_l >= 2``, else the first ``A_k``
    with ``f_k >= 2``; ``None`` when no factor changes under the flip (e.g. ``∂y_L/∂b_L = I``).
    Used to show that each check can fail.
    """
    factors = closed_form(shape, layer, wrt)

    def filter_size(factor: Factor) -> int:
        return shape.filters[factor.layer if factor.kind is Kind.HANKEL else factor.layer - 1]

    for kind in (Kind.HANKEL, Kind.CONV):
        for index, factor in enumerate(factors):
            if factor.kind is kind and filter_size(factor) >= 2:
                return factors[:index] + (Factor(kind, factor.layer, flipped=True),) + factors[index + 1:]
    return None


def factor_size(shape: Shape, factor: Factor) -> tuple[int, int]:
    """Rows and columns of one factor in a network of ``shape``."""
    n, k = shape.widths, factor.layer
    return {
        Kind.CONV: lambda: (n[k], n[k - 1]),
        Kind.SLOPE: lambda: (n[k], n[k]),
        Kind.HANKEL: lambda: (n[k + 1], shape.filters[k]),
        Kind.IDENTITY: lambda: (n[k], n[k]),
        Kind.ONES: lambda: (n[k], 1),
    }[factor.kind]()


def product_size(shape: Shape, factors: Formula) -> tuple[int, int] | None:
    """The size of the product, or ``None`` when neighbouring factors' sizes do not chain."""
    if not factors:
        return None
    sizes = [factor_size(shape, factor) for factor in factors]
    if any(left[1] != right[0] for left, right in zip(sizes, sizes[1:])):
        return None
    return sizes[0][0], sizes[-1][1]


def formula_latex(factors: Formula) -> str:
    return " ".join(factor.latex() for factor in factors)


def factor_entries(factor: Factor, point: Point, one: Scalar) -> Entries:
    """One factor at ``point``, in the point's arithmetic (sparse: big factors are mostly zeros)."""
    k = factor.layer
    if factor.kind is Kind.CONV:
        w = point.w(k)
        return conv_entries(w[::-1] if factor.flipped else w, point.width(k - 1))
    if factor.kind is Kind.SLOPE:
        slope = point.slope(k)
        return Entries(len(slope), len(slope), tuple((i, i, s) for i, s in enumerate(slope)))
    if factor.kind is Kind.HANKEL:
        entries = hankel_entries(point.y(k), len(point.w(k + 1)))
        if factor.flipped:  # columns reversed
            return Entries(entries.rows, entries.cols,
                           tuple((i, entries.cols - 1 - j, v) for i, j, v in entries.nonzero))
        return entries
    n = point.width(k)
    if factor.kind is Kind.IDENTITY:
        return Entries(n, n, tuple((i, i, one) for i in range(n)))
    return Entries(n, 1, tuple((i, 0, one) for i in range(n)))


def factor_rows(factor: Factor, point: Point, zero: Scalar, one: Scalar) -> Rows:
    """One factor at ``point`` as dense rows."""
    return factor_entries(factor, point, one).dense(zero)


class ProductEvaluator(Generic[M]):
    """Multiplies factor lists left to right, reusing the product of every prefix already seen.

    The formulas for ``l = 1..L`` share their prefixes ``A_L D_{L-1} ... D_l``, so evaluating all
    layers costs about ``2L`` matrix products instead of ``L^2``.
    """

    def __init__(self, realise: Callable[[Factor], M], multiply: Callable[[M, M], M]) -> None:
        self._realise = realise
        self._multiply = multiply
        self._prefixes: dict[Formula, M] = {}

    def __call__(self, factors: Formula) -> M:
        value: M | None = None
        for end in range(1, len(factors) + 1):
            prefix = factors[:end]
            if prefix not in self._prefixes:
                factor = self._realise(factors[end - 1])
                self._prefixes[prefix] = factor if value is None else self._multiply(value, factor)
            value = self._prefixes[prefix]
        assert value is not None, "a formula has at least one factor"
        return value


def sympy_formula(point: Point, factors: Formula) -> Matrix:
    """The product of the factors as an exact SymPy matrix (entries unexpanded)."""
    return ProductEvaluator(lambda f: Matrix(factor_rows(f, point, S.Zero, S.One)), operator.mul)(factors)


# --- the efficiency remark: backpropagation against forming the Jacobian ----------------------------


def vector_jacobian_product(point: Point, v: Sequence[Scalar], layer: int, wrt: Wrt,
                            scalar_bias: bool = False) -> tuple[Scalar, ...]:
    """``vᵀ ∂y_L/∂w_l`` (or ``∂y_L/∂b_l``) by backpropagation, never forming a matrix.

    ``u ← A_kᵀ u`` is the full (transposed) convolution of ``u`` with ``w_k`` and ``u ← D_{k-1} u``
    scales by the stored slopes; at the end ``Y_{l-1}ᵀ u`` is the valid cross-correlation of the
    stored forward output ``y_{l-1}`` with ``u``.
    """
    u = tuple(v)
    for k in range(point.depth, layer, -1):
        u = full_convolution(u, point.w(k))
        u = tuple(s * ui for s, ui in zip(point.slope(k - 1), u, strict=True))
    if wrt == "w":
        return correlate(point.y(layer - 1), u)
    return (_sum(u),) if scalar_bias else u


def form_jacobian(point: Point, layer: int, wrt: Wrt, scalar_bias: bool, zero: Scalar, one: Scalar) -> Rows:
    """The Jacobian as a dense matrix, multiplied left to right as the formula is written.

    Charitable to this way: ``M A_k`` uses only the band of ``A_k`` (each row of ``M`` is fully
    convolved with ``w_k``), ``M D_k`` scales columns, and ``M I`` costs nothing.
    """
    depth = point.depth
    if layer == depth:
        last = jacobian_factors(depth, layer, wrt, scalar_bias)[-1]
        return factor_rows(last, point, zero, one)
    rows = conv_rows(point.w(depth), point.width(depth - 1), zero)
    for k in range(depth - 1, layer - 1, -1):
        slope = point.slope(k)
        rows = [[m * s for m, s in zip(row, slope, strict=True)] for row in rows]
        if k > layer:
            rows = [list(full_convolution(row, point.w(k))) for row in rows]
    if wrt == "w":
        return [list(correlate(point.y(layer - 1), row)) for row in rows]
    return [[_sum(row)] for row in rows] if scalar_bias else rows


def row_times_matrix(v: Sequence[Scalar], rows: Rows) -> tuple[Scalar, ...]:
    """``vᵀ M`` for a dense ``M``."""
    return tuple(_sum([v[r] * rows[r][c] for r in range(len(rows))]) for c in range(len(rows[0])))


@dataclass(frozen=True)
class Operations:
    multiplications: int
    additions: int

    def __add__(self, other: "Operations") -> "Operations":
        return Operations(self.multiplications + other.multiplications, self.additions + other.additions)


@dataclass(frozen=True)
class OperationCounts:
    """Cost of ``vᵀ ∂y_L/∂θ_l``: by backpropagation, and by forming the Jacobian first."""

    backprop: Operations
    via_jacobian: Operations


def operation_counts(shape: Shape, layer: int, wrt: Wrt) -> OperationCounts:
    """Exact counts for :func:`vector_jacobian_product` and :func:`form_jacobian` + ``vᵀ J``.

    With ``n = shape.widths`` and ``f = shape.filters`` (1-based ``f_k``), backpropagation costs
    ``sum_{k=l+1}^{L} (n_k f_k + n_{k-1})`` multiplications plus ``n_l f_l`` for the weights — linear
    in the widths.  Forming the Jacobian costs about ``n_L`` times that (every row of the product is
    one backpropagation; only ``A_L`` comes free), plus ``n_L`` times the number of columns for
    ``vᵀ J``.  The slopes ``σ'(y'_k)`` come from the stored forward pass in both ways and are not
    counted.  :func:`multiplication_count_formulas` gives the multiplications for symbolic sizes.
    """
    shape.check_layer(layer, wrt)
    n, depth = shape.widths, shape.depth

    def f(k: int) -> int:
        return shape.filters[k - 1]

    def transposed_conv(k: int, times: int) -> Operations:  # `times` rows through A_kᵀ
        return Operations(times * n[k] * f(k), times * (n[k] * f(k) - n[k - 1]))

    backprop = Operations(0, 0)
    for k in range(depth, layer, -1):
        backprop += transposed_conv(k, 1) + Operations(n[k - 1], 0)
    if wrt == "w":
        backprop += Operations(n[layer] * f(layer), f(layer) * (n[layer] - 1))
    elif shape.scalar_bias:
        backprop += Operations(0, n[layer] - 1)

    formed = Operations(0, 0)
    if layer < depth:
        for k in range(depth - 1, layer - 1, -1):
            formed += Operations(n[depth] * n[k], 0)
            if k > layer:
                formed += transposed_conv(k, n[depth])
        if wrt == "w":
            formed += Operations(n[depth] * n[layer] * f(layer), n[depth] * f(layer) * (n[layer] - 1))
        elif shape.scalar_bias:
            formed += Operations(0, n[depth] * (n[layer] - 1))
    columns = f(layer) if wrt == "w" else 1 if shape.scalar_bias else n[layer]
    formed += Operations(n[depth] * columns, (n[depth] - 1) * columns)
    return OperationCounts(backprop, formed)


def multiplication_count_formulas(depth: Expr, layer: Expr, n: IndexedBase, f: IndexedBase,
                                  wrt: Wrt) -> tuple[Expr, Expr]:
    """Multiplications of (backprop, via the Jacobian) for ``vᵀ ∂y_L/∂θ_l``, vector bias, ``l < L``.

    The symbolic form of :func:`operation_counts` (tested equal on instances), for the transcript::

        backprop:      sum_{k=l+1}^{L} (n_k f_k + n_{k-1})  [+ n_l f_l for w]
        via Jacobian:  sum_{k=l+1}^{L-1} n_L n_k f_k + sum_{k=l}^{L-1} n_L n_k  [+ n_L n_l f_l + n_L f_l for w,
                       + n_L n_l for b]

    Only for ``l < L``: at ``l = L`` both ways cost ``n_L f_L`` (w), and 0 against ``n_L^2`` (b).
    """
    k = Symbol("k", integer=True)
    L, l = depth, layer
    backprop: Expr = Sum(n[k] * f[k] + n[k - 1], (k, l + 1, L))
    via_jacobian: Expr = Sum(n[L] * n[k] * f[k], (k, l + 1, L - 1)) + Sum(n[L] * n[k], (k, l, L - 1))
    if wrt == "w":
        return backprop + n[l] * f[l], via_jacobian + n[L] * n[l] * f[l] + n[L] * f[l]
    return backprop, via_jacobian + n[L] * n[l]
