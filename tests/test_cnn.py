"""The CNN of seed problem 3: the model, the closed-form Jacobian against independent computations,
the efficiency remark's operation counts, and the seed's own statement of the result."""
from __future__ import annotations

import random

import pytest
from sympy import Derivative, Function, IndexedBase, Matrix, Poly, Symbol, diag, eye, tanh, zeros

from symderive.cnn import (
    Factor,
    Kind,
    Operations,
    Shape,
    closed_form,
    conv_matrix,
    correlate,
    flipped_filter_formula,
    form_jacobian,
    formula_latex,
    forward,
    full_convolution,
    hankel_matrix,
    multiplication_count_formulas,
    jacobian_factors,
    operation_counts,
    product_size,
    row_times_matrix,
    sympy_formula,
    symbolic_net,
    vector_jacobian_product,
)
from symderive.cnn_check import (
    PRIME,
    dual_jacobian,
    entry_degree,
    every_setting,
    exact_instance_check,
    field_check,
    first_difference,
    instance_verification,
    random_instance,
    sympy_jacobian_at,
)
from symderive.model import Status

# Different depths and input widths, uneven filters (including a size-1 filter), L = 1, and the
# scalar-bias variant; every layer of each is checked, so l = L always occurs.
EXACT_SHAPES = (
    Shape(4, (2,)),
    Shape(6, (2, 3)),
    Shape(7, (3, 2, 2)),
    Shape(9, (3, 1, 4)),
    Shape(8, (2, 3, 2, 2)),
    Shape(6, (2, 3), scalar_bias=True),
    Shape(5, (3,), scalar_bias=True),
)


@pytest.fixture(scope="module", params=EXACT_SHAPES, ids=str)
def net(request):
    return symbolic_net(request.param)


# --- the model -------------------------------------------------------------------------------


def test_widths_follow_valid_convolutions_and_bad_shapes_are_refused():
    assert Shape(10, (3, 4)).widths == (10, 8, 5)
    assert Shape(10, (3, 4)).depth == 2
    for bad in [(5, ()), (5, (0,)), (3, (2, 3))]:
        with pytest.raises(ValueError):
            Shape(*bad)
    with pytest.raises(ValueError):
        Shape(5, (2,)).check_layer(2, "w")
    with pytest.raises(ValueError):
        Shape(5, (2,)).check_layer(1, "x")


def test_correlation_and_full_convolution_on_numbers():
    assert correlate([1, 2, 3, 4], [1, 10]) == (21, 32, 43)  # conv1d's cross-correlation
    assert full_convolution([1, 2], [1, 10]) == (1, 12, 20)


def test_conv_matrix_is_the_correlation_and_its_transpose_the_full_convolution():
    w = [Symbol(f"w{j}") for j in range(3)]
    y = [Symbol(f"y{i}") for i in range(6)]
    u = [Symbol(f"u{i}") for i in range(4)]
    a = conv_matrix(w, 6)
    assert a.shape == (4, 6)
    assert a[1, 1] == w[0] and a[1, 3] == w[2] and a[1, 0] == 0 and a[1, 4] == 0
    assert list(a * Matrix(y)) == list(correlate(y, w))
    assert list(a.T * Matrix(u)) == list(full_convolution(u, w))


def test_the_hankel_matrix_is_the_derivative_of_the_correlation_by_its_filter():
    w = [Symbol(f"w{j}") for j in range(3)]
    y = [Symbol(f"y{i}") for i in range(7)]
    derivative = Matrix(correlate(y, w)).jacobian(w)
    assert derivative == hankel_matrix(y, 3)
    assert hankel_matrix(y, 3)[4, 2] == y[6]  # (Y)_{ij} = y_{i+j-1}, 1-based


def test_forward_pass_applies_sigma_on_every_layer_but_the_last():
    sigma = Function("sigma")
    x, w1, w2, b1, b2 = Symbol("x"), Symbol("w1"), Symbol("w2"), Symbol("b1"), Symbol("b2")
    run = forward([x], [[w1], [w2]], [b1, b2], sigma, scalar_bias=True)
    assert run.y(1) == (sigma(w1 * x + b1),)
    assert run.y(2) == run.y_pre(2) == (w2 * sigma(w1 * x + b1) + b2,)


def test_the_closed_form_as_factors():
    A, D = Kind.CONV, Kind.SLOPE
    assert jacobian_factors(3, 1, "w") == (Factor(A, 3), Factor(D, 2), Factor(A, 2), Factor(D, 1),
                                           Factor(Kind.HANKEL, 0))
    assert jacobian_factors(3, 2, "b") == (Factor(A, 3), Factor(D, 2), Factor(Kind.IDENTITY, 2))
    assert jacobian_factors(3, 2, "b", scalar_bias=True)[-1] == Factor(Kind.ONES, 2)
    assert jacobian_factors(3, 3, "w") == (Factor(Kind.HANKEL, 2),)  # l = L: no activation factor
    assert jacobian_factors(1, 1, "b") == (Factor(Kind.IDENTITY, 1),)  # L = 1
    with pytest.raises(ValueError):
        jacobian_factors(3, 4, "w")


def test_the_formula_in_latex():
    assert formula_latex(jacobian_factors(3, 1, "w")) == (
        r"A_{3} \operatorname{diag}(\sigma'(y'_{2})) A_{2} \operatorname{diag}(\sigma'(y'_{1})) Y_{0}")
    assert formula_latex(jacobian_factors(2, 1, "b", scalar_bias=True)).endswith(r"\mathbf{1}_{n_{1}}")
    assert formula_latex(flipped_filter_formula(Shape(6, (2, 3)), 2, "w")) == r"\operatorname{flip}(Y_{1})"


def test_the_flipped_filter_formula_reverses_one_factor_that_changes():
    assert flipped_filter_formula(Shape(6, (2, 3)), 1, "w")[-1] == Factor(Kind.HANKEL, 0, flipped=True)
    # Y_1 has f_2 = 1 column: nothing to flip there, so the first A_k with f_k >= 2 is flipped.
    assert Factor(Kind.CONV, 3, flipped=True) in flipped_filter_formula(Shape(9, (3, 1, 4)), 2, "w")
    assert flipped_filter_formula(Shape(6, (2, 3)), 2, "b") is None  # ∂y_L/∂b_L = I


# --- proved on exact instances -----------------------------------------------------------------


def test_the_formula_equals_sympys_jacobian_exactly(net):
    comparisons = [exact_instance_check(net.shape, layer, wrt, net=net) for layer, wrt in every_setting(net.shape)]
    assert all(c.agrees for c in comparisons), [c.reason for c in comparisons if not c.agrees]
    verification = instance_verification(comparisons)
    assert verification.status is Status.PROVED_ON_INSTANCES
    assert f"n_0={net.shape.n0}" in verification.detail


def test_the_entries_contain_sigma_prime_as_sympys_subs_atoms():
    net = symbolic_net(Shape(6, (2, 3)))
    entry = net.output().jacobian(net.parameters(1, "w"))[0, 0]
    slope = net.point().slope(1)[0]
    assert slope.has(net.sigma) and slope in entry.atoms(type(slope))


def test_a_wrong_formula_is_rejected_exactly(net):
    shape, wrong_seen = net.shape, 0
    for layer, wrt in every_setting(shape):
        wrong = flipped_filter_formula(shape, layer, wrt)
        if wrong is not None:
            wrong_seen += 1
            assert not exact_instance_check(shape, layer, wrt, factors=wrong, net=net).agrees
    assert wrong_seen > 0


def test_a_formula_without_one_slope_factor_is_rejected_and_never_verified():
    shape = Shape(7, (3, 2, 2))
    without_slope = tuple(f for f in closed_form(shape, 1, "w") if f != Factor(Kind.SLOPE, 2))
    comparison = exact_instance_check(shape, 1, "w", factors=without_slope)
    assert not comparison.agrees and comparison.reason.startswith("entry")
    good = exact_instance_check(shape, 1, "b")
    assert instance_verification([good, comparison]) is None
    assert instance_verification([]) is None


def test_a_formula_whose_sizes_do_not_chain_is_a_disagreement_not_an_error():
    shape = Shape(7, (3, 2, 2))  # n = (7, 5, 4, 3)
    swapped = (Factor(Kind.CONV, 3), Factor(Kind.CONV, 2), Factor(Kind.SLOPE, 2), Factor(Kind.SLOPE, 1),
               Factor(Kind.HANKEL, 0))  # [A_2 D_2] for [D_2 A_2]: A_2 is 4x5, D_2 is 4x4
    assert product_size(shape, swapped) is None
    comparison = exact_instance_check(shape, 1, "w", factors=swapped)
    assert not comparison.agrees and "do not chain" in comparison.reason
    assert not field_check(shape, formula=lambda *_: swapped, settings=[(1, "w")]).agrees


def test_product_sizes():
    shape = Shape(7, (3, 2, 2))
    assert product_size(shape, closed_form(shape, 1, "w")) == (3, 3)
    assert product_size(shape, closed_form(shape, 2, "b")) == (3, 4)
    assert product_size(shape, closed_form(Shape(7, (3, 2, 2), True), 1, "b")) == (3, 1)
    assert product_size(shape, ()) is None


def test_first_difference_reports_shape_and_entry():
    a, b = Symbol("a"), Symbol("b")
    assert first_difference(Matrix([[a * (a + b)]]), Matrix([[a**2 + a * b]])) is None
    assert first_difference(Matrix([[a, b]]), Matrix([[a, a]])) == "entry (1, 2) differs"
    assert "shapes differ" in first_difference(Matrix([[a]]), Matrix([[a, b]]))


# --- tested numerically in a prime field ---------------------------------------------------------


@pytest.mark.parametrize("shape", [Shape(6, (2, 3)), Shape(8, (2, 3, 2, 2)), Shape(6, (2, 3), True)], ids=str)
def test_dual_numbers_equal_sympys_jacobian_at_the_same_point(shape):
    """The fast check's independent side is SymPy's Jacobian, evaluated in GF(p)."""
    net = symbolic_net(shape)
    instance = random_instance(shape, random.Random(7))
    for layer, wrt in every_setting(shape):
        assert dual_jacobian(instance, layer, wrt) == sympy_jacobian_at(net, instance, layer, wrt)


def test_sympy_jacobian_at_refuses_a_mismatched_instance():
    with pytest.raises(ValueError):
        sympy_jacobian_at(symbolic_net(Shape(6, (2, 3))), random_instance(Shape(7, (2, 3)), random.Random(0)), 1, "w")


@pytest.mark.parametrize("shape", [Shape(64, (3, 5, 7, 9, 4, 6)), Shape(40, (3, 9, 5), True), Shape(9, (4,))],
                         ids=str)
def test_the_field_check_agrees_and_says_how_strong_it_is(shape):
    check = field_check(shape, seed=3)
    assert check.agrees
    assert {(c.layer, c.wrt) for c in check.comparisons} == set(every_setting(shape))
    verification = check.verification
    assert verification.status is Status.TESTED_NUMERICALLY
    assert "Schwartz-Zippel" in verification.detail and "2^64 - 59" in verification.detail
    assert check.false_pass_bound == max(c.degree for c in check.comparisons) / PRIME < 1e-18


def test_a_wrong_formula_is_rejected_in_the_field():
    shape = Shape(64, (3, 5, 7, 9, 4, 6))
    check = field_check(shape, formula=flipped_filter_formula)
    assert check.comparisons and not any(c.agrees for c in check.comparisons)
    assert check.verification is None
    transposed_order = field_check(shape, formula=lambda s, l, w: tuple(reversed(closed_form(s, l, w))),
                                   settings=[(6, "w")])  # a single factor: reversing changes nothing
    assert transposed_order.agrees
    dropped = field_check(shape, formula=lambda s, l, w: closed_form(s, l, w)[2:], settings=[(4, "w")])
    assert not dropped.agrees  # A_6 D_5 dropped: a shape mismatch is a disagreement, not an error


def test_the_degree_used_in_the_bound_is_the_entries_degree():
    """Schwartz-Zippel needs the total degree: with the σ atoms as fresh symbols, measure it."""
    shape = Shape(7, (3, 2, 2))
    net = symbolic_net(shape)
    point = net.point()
    fresh = {}
    for k in range(1, shape.depth):
        for i, (value, slope) in enumerate(zip(point.y(k), point.slope(k))):
            fresh[value], fresh[slope] = Symbol(f"s_{k}_{i}"), Symbol(f"d_{k}_{i}")
    for layer, wrt in every_setting(shape):
        jacobian = net.output().jacobian(net.parameters(layer, wrt)).xreplace(fresh)
        generators = sorted(jacobian.free_symbols | {Symbol("z")}, key=str)  # z: constants need one
        degrees = {Poly(e, *generators).total_degree() for e in jacobian if e != 0}
        assert max(degrees) == entry_degree(shape.depth, layer, wrt)


# --- the efficiency remark ------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [Shape(4, (2,)), Shape(7, (3, 2, 2)), Shape(9, (3, 1, 4)),
                                   Shape(6, (2, 3), scalar_bias=True)], ids=str)
def test_backprop_and_the_formed_jacobian_equal_the_formula(shape):
    net = symbolic_net(shape)
    point = net.point()
    v = [Symbol(f"v_{i}") for i in range(shape.widths[-1])]
    for layer, wrt in every_setting(shape):
        formula = sympy_formula(point, closed_form(shape, layer, wrt))
        backprop = vector_jacobian_product(point, v, layer, wrt, shape.scalar_bias)
        assert first_difference(Matrix([backprop]), Matrix([v]) * formula) is None
        formed = Matrix(form_jacobian(point, layer, wrt, shape.scalar_bias, 0, 1))
        assert first_difference(formed, formula) is None


class Tally:
    def __init__(self) -> None:
        self.multiplications = self.additions = 0


class Counted:
    """A number that counts the operations done on it."""

    def __init__(self, tally: Tally) -> None:
        self.tally = tally

    def __add__(self, other: "Counted") -> "Counted":
        self.tally.additions += 1
        return Counted(self.tally)

    def __mul__(self, other: "Counted") -> "Counted":
        self.tally.multiplications += 1
        return Counted(self.tally)


def counted_point(shape: Shape, tally: Tally):
    point = random_instance(shape, random.Random(0)).point()
    return type(point)(*[tuple(tuple(Counted(tally) for _ in row) for row in part)
                         for part in (point.weights, point.outputs, point.slopes)])


@pytest.mark.parametrize("shape", [Shape(40, (3, 5, 7, 4)), Shape(40, (3, 5, 7, 4), True), Shape(12, (4,))], ids=str)
def test_operation_counts_are_what_the_two_ways_actually_do(shape):
    for layer, wrt in every_setting(shape):
        backprop_tally, formed_tally = Tally(), Tally()
        v = [Counted(backprop_tally) for _ in range(shape.widths[-1])]
        vector_jacobian_product(counted_point(shape, backprop_tally), v, layer, wrt, shape.scalar_bias)
        jacobian = form_jacobian(counted_point(shape, formed_tally), layer, wrt, shape.scalar_bias,
                                 Counted(formed_tally), Counted(formed_tally))
        row_times_matrix([Counted(formed_tally) for _ in range(shape.widths[-1])], jacobian)
        counts = operation_counts(shape, layer, wrt)
        assert counts.backprop == Operations(backprop_tally.multiplications, backprop_tally.additions)
        assert counts.via_jacobian == Operations(formed_tally.multiplications, formed_tally.additions)


def test_the_symbolic_multiplication_counts_match_the_counts_on_instances():
    L, l = Symbol("L", integer=True), Symbol("l", integer=True)
    n, f = IndexedBase("n"), IndexedBase("f")
    for shape in (Shape(40, (3, 5, 7, 4)), Shape(30, (2, 9, 1, 3, 4, 2))):
        sizes = {**{n[k]: w for k, w in enumerate(shape.widths)},
                 **{f[k]: size for k, size in enumerate(shape.filters, start=1)}}
        for layer in range(1, shape.depth):
            for wrt in ("w", "b"):
                backprop, via = multiplication_count_formulas(L, l, n, f, wrt)
                at = {L: shape.depth, l: layer}
                counts = operation_counts(shape, layer, wrt)
                assert backprop.subs(at).doit().subs(sizes) == counts.backprop.multiplications
                assert via.subs(at).doit().subs(sizes) == counts.via_jacobian.multiplications


def test_backprop_is_cheaper_by_about_the_output_width():
    shape = Shape(512, (3, 5, 7, 9, 4, 6))
    counts = operation_counts(shape, 1, "w")
    n_out = shape.widths[-1]
    assert counts.backprop.multiplications * n_out / 2 < counts.via_jacobian.multiplications
    assert counts.backprop.multiplications < 12 * sum(shape.widths) * max(shape.filters)  # linear in the widths


# --- the seed's statement of problem 3 ------------------------------------------------------------
# Transcribed from tests/fixtures/homework.md (problem 3); each quoted piece is asserted to be there.


def seed_banded(y: tuple, n_out: int, f: int) -> Matrix:
    """The first display: row i holds (y_{l-1})_i .. (y_{l-1})_{i+f_l-1} at columns i .. i+f_l-1."""
    return Matrix(n_out, len(y), lambda i, j: y[j] if i <= j < i + f else 0)


def seed_hankel(y: tuple, n_out: int, f: int) -> Matrix:
    """The later displays: row i holds (y_{l-1})_i .. (y_{l-1})_{i+f_l-1}; last row ends at f_l+n_l-1."""
    return Matrix(n_out, f, lambda i, j: y[i + j])


def derivative_by_pre_activation(net, layer: int) -> Matrix:
    """∂y_L/∂y'_l by SymPy: the network's tail as a function of fresh symbols u = y'_l."""
    shape = net.shape
    u = [Symbol(f"u_{i}") for i in range(shape.widths[layer])]
    tail = forward([net.sigma(ui) for ui in u], net.weights[layer:], net.biases[layer:], net.sigma, shape.scalar_bias)
    jacobian = Matrix(tail.y(shape.depth - layer)).jacobian(u)
    at = {}
    for ui, zi in zip(u, net.run.y_pre(layer)):  # u -> y'_l; σ'(u) first, so as to match SymPy's own atoms
        at[Derivative(net.sigma(ui), ui)], at[ui] = net.sigma(zi).fdiff(1), zi
    return jacobian.xreplace(at)


SEED_PIECES = {
    "banded": r"0 & (y_{l-1})_2 & (y_{l-1})_3 & \cdots & (y_{l-1})_{f_l+1} & 0 & \cdots & 0",
    "subscript": r"\end{bmatrix}_{n_{l-1}}",
    "double_slope": r"= \frac{\partial y_L}{\partial y'_l} \text{diag}(\sigma'(y'_l)) \begin{bmatrix}",
    "bias_identity": r"$$\frac{\partial y_L}{\partial b_l} = I_{n_l}$$",
    "garbled_chain": r"\frac{\partial y_L}{\partial y'_l} \frac{\partial y'_l}{\partial y'_L} \frac{\partial y'_L}{\partial w_l}",
    "bias_chain": r"\frac{\partial y_L}{\partial y_{l-1}} \frac{\partial y_{l-1}}{\partial y_{l-2}} \cdots "
                  r"\frac{\partial y_{l-1}}{\partial y'_l}",
    "final": r"= A_L \left[\text{diag}(\sigma'(y'_{L-1})) A_{L-1} \right] \cdots \left[\text{diag}(\sigma'(y'_{l+1})) "
             r"A_{l+1} \right] \text{diag}(\sigma'(y'_l))",
    "range": r"l=1, \dots, L-1",
}


def test_the_transcribed_pieces_are_in_the_seed(homework):
    for name, piece in SEED_PIECES.items():
        assert piece in homework, name


SEED_NET = symbolic_net(Shape(7, (3, 2, 2)))  # n = (7, 5, 4, 3): every shape differs


def test_seed_slip_the_first_display_is_not_the_jacobian_by_the_filter():
    net, layer = SEED_NET, 2
    n, f = net.shape.widths, net.shape.filters[layer - 1]
    y = net.run.y(layer - 1)
    by_filter = Matrix(net.run.y_pre(layer)).jacobian(net.parameters(layer, "w"))
    banded = seed_banded(y, n[layer], f)
    assert banded.shape == (n[layer], n[layer - 1]) != by_filter.shape == (n[layer], f)
    assert by_filter == seed_hankel(y, n[layer], f)  # the later displays' matrix is the right one
    assert net.output().jacobian(net.parameters(layer, "w")).shape == (n[-1], f)  # nor is it ∂y_L/∂w_l


def test_seed_slip_the_hankel_subscript_is_neither_of_its_sizes():
    n, f = SEED_NET.shape.widths, SEED_NET.shape.filters
    for layer in range(1, SEED_NET.shape.depth + 1):
        rows, cols = seed_hankel(SEED_NET.run.y(layer - 1), n[layer], f[layer - 1]).shape
        assert n[layer - 1] not in (rows, cols) and n[layer - 1] == f[layer - 1] + n[layer] - 1  # the length of y


def test_seed_slip_the_second_chain_line_counts_sigma_prime_twice():
    net, layer = SEED_NET, 1
    point = net.point()
    truth = net.output().jacobian(net.parameters(layer, "w"))
    by_pre = derivative_by_pre_activation(net, layer)
    y = seed_hankel(net.run.y(layer - 1), net.shape.widths[layer], net.shape.filters[layer - 1])
    assert first_difference(by_pre * y, truth) is None  # the first equality of the seed's chain holds
    doubled = by_pre * diag(*point.slope(layer)) * y
    assert first_difference(doubled, truth) is not None


def test_seed_slip_the_bias_derivative_is_the_identity_only_at_the_last_layer():
    net, depth = SEED_NET, SEED_NET.shape.depth
    n = net.shape.widths
    assert net.output().jacobian(net.parameters(depth, "b")) == eye(n[depth])
    for layer in range(1, depth):
        jacobian = net.output().jacobian(net.parameters(layer, "b"))
        assert jacobian.shape != (n[layer], n[layer]) or jacobian != eye(n[layer])
        assert Matrix(net.run.y_pre(layer)).jacobian(net.parameters(layer, "b")) == eye(n[layer])  # ∂y'_l/∂b_l


def test_seed_slip_the_bias_chain_runs_through_a_layer_before_b_l():
    # ∂y_{l-1}/∂y'_l and ∂y_{l-1}/∂b_l vanish (y_{l-1} is computed before b_l), yet ∂y_L/∂b_l does not.
    net, layer = SEED_NET, 2
    assert Matrix(net.run.y(layer - 1)).jacobian(net.parameters(layer, "b")) == zeros(5, 4)
    assert net.output().jacobian(net.parameters(layer, "b")) != zeros(3, 4)


def test_seed_final_formula_is_right_for_l_below_L():
    """The seed's last line for ∂y_L/∂w_l and ∂y_L/∂b_l, read factor by factor at L = 3."""
    net, point = SEED_NET, SEED_NET.point()
    A, D = Kind.CONV, Kind.SLOPE
    seed_w = {1: (Factor(A, 3), Factor(D, 2), Factor(A, 2), Factor(D, 1), Factor(Kind.HANKEL, 0)),
              2: (Factor(A, 3), Factor(D, 2), Factor(Kind.HANKEL, 1))}
    for layer, factors in seed_w.items():
        truth = net.output().jacobian(net.parameters(layer, "w"))
        assert first_difference(sympy_formula(point, factors), truth) is None
        bias = factors[:-1] + (Factor(Kind.IDENTITY, layer),)
        assert first_difference(sympy_formula(point, bias), net.output().jacobian(net.parameters(layer, "b"))) is None


def test_the_seed_formula_read_at_l_equal_L_would_be_wrong():
    """Why the seed stops at L-1: a σ'(y'_L) factor at the last layer (no activation there) is wrong."""
    net = symbolic_net(Shape(6, (2, 3)), tanh)
    point, depth = net.point(), 2
    slope_at_l = diag(*[tanh(z).fdiff(1) for z in net.run.y_pre(depth)])
    y = hankel_matrix(point.y(depth - 1), 3)
    truth = net.output().jacobian(net.parameters(depth, "w"))
    assert first_difference(y, truth) is None
    assert first_difference(slope_at_l * y, truth) is not None

