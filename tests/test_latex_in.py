"""The notation layer: every silent misreading of latex2sympy2 is read as meant, refused or ambiguous.

One test per item of the attacker list in the `symderive check` issue, then the declared
matrices, then the older ``parse_expression`` API the derivations use.
"""
from __future__ import annotations

import re
import time

import pytest
from sympy import (
    Abs,
    E,
    Integral,
    MatrixSymbol,
    Piecewise,
    Product,
    Tuple,
    oo,
    Function,
    I,
    IndexedBase,
    Integer,
    Rational,
    Symbol,
    exp,
    log,
    pi,
    sin,
    cos,
    Derivative,
)
from sympy.matrices.expressions import (
    Determinant, Identity, Inverse, MatAdd, MatMul, OneMatrix, Trace, Transpose, ZeroMatrix,
)
from sympy.matrices.expressions.diagonal import DiagMatrix
from sympy.matrices.expressions.matexpr import MatrixElement

from symderive.latex_in import LatexInputError, Notation, parse_expression
from symderive.densities import KL, IntegralOver, Region, indexed_function
from symderive.latex_in.declarations import apply_rewrites, declarations_from
from symderive.render.printer import to_latex
from symderive.latex_in.notation import Ambiguous, Declarations, Undeclared, Unsupported, read_side
from symderive.randomvars import Cov, Expect, Var
from symderive.randomvectors import MatExpect

a, b, x, y, z, X = (Symbol(s, real=True) for s in ("a", "b", "x", "y", "z", "X"))
NONE = Declarations()


def read(text: str, declarations: Declarations = NONE):
    return read_side(text, declarations).expr


def declared(*lines: str) -> Declarations:
    return declarations_from(list(lines))


# -- the attacker list -------------------------------------------------------------------


def test_gcd_is_refused_not_read_as_one():
    with pytest.raises(Unsupported, match="gcd"):
        read(r"\gcd(a, b)")


def test_scientific_notation_is_a_number_not_e_minus_40():
    reading = read_side("1e-40", NONE)
    assert reading.expr == Rational(1, 10**40)
    assert any("scientific" in c for c in reading.conventions)
    assert read("2.5E3") == 2500


def test_var_without_backslash_is_the_variance():
    assert read("Var(X)") == Var(X)
    assert read("Cov(X, a)") == Cov(X, a)


def test_products_over_an_undeclared_sequence_are_refused_like_sums():
    with pytest.raises(Undeclared, match="declare m"):
        read(r"\prod_{k=1}^{n} m_k")
    with pytest.raises(Undeclared, match="declare m"):
        read(r"\sum_{k=1}^{n} m_k")
    family = declared("scalar m_k")
    assert read(r"\prod_{k=1}^{n} m_k", family).function == family.families["m"].base[Symbol("k", integer=True)]


def test_escaped_braces_are_ambiguous_unless_declared_brackets():
    with pytest.raises(Ambiguous, match="set or a fractional part"):
        read(r"\{x\} + 1")
    assert read(r"2 \{x + 1\}", declared(r"read \{\} as brackets")) == 2 * (x + 1)


def test_gamma_and_zeta_are_the_special_functions():
    assert read(r"\Gamma(5)").doit() == 24
    assert read(r"\zeta(2)").doit() == pi**2 / 6
    assert read(r"\Gamma(5)", declared(r"scalar \Gamma")) == 5 * Symbol(r"\Gamma", real=True)


def test_slash_before_a_juxtaposition_is_ambiguous():
    with pytest.raises(Ambiguous, match="a/bc"):
        read("1/2x")
    with pytest.raises(Ambiguous):
        read("a/b c")
    assert read("1/2 + x") == Rational(1, 2) + x
    assert read(r"(2\pi)^{-n/2}") == (2 * pi) ** (-Symbol("n", real=True) / 2)


@pytest.mark.parametrize("leibniz", [r"\frac{dy}{dx}", r"\frac{d p^3}{dp}", r"\frac{d^2 y}{dx^2}"])
def test_leibniz_notation_is_ambiguous_not_a_quotient(leibniz):
    """Read as d/(d p) it would refute the true step d/dp p^3 = 3p^2."""
    with pytest.raises(Ambiguous, match="Leibniz"):
        read(leibniz)


def test_the_derivative_operator_of_an_explicit_expression_is_evaluated():
    p, t = Symbol("p", real=True), Symbol("t", real=True)
    assert read(r"\frac{d}{dp} p^3") == 3 * p**2
    assert read(r"\dfrac{\mathrm{d}}{\mathrm{d}x} \left(x^2\right) + 1") == 2 * x + 1  # brackets: + 1 is outside
    assert read(r"\tfrac{d}{dp} \sin(p)") == cos(p)
    assert read(r"\frac{d}{dp} \int_0^p t^2 \, dt") == p**2
    f = Function("f", real=True)
    assert read(r"\frac{d}{dp} \int_0^p f(t) \, dt", declared("function f")) == f(p)
    assert read(r"\frac{d}{dp} f(p)", declared("function f")) == Derivative(f(p), p)


def test_the_derivative_operator_keeps_what_may_depend_on_the_variable():
    p, y = Symbol("p", real=True), Symbol("y", real=True)
    assert read(r"\frac{d}{dp} (p y)") == Derivative(p * y, p)  # y undeclared: it may be y(p)
    for unclear in (r"\frac{d}{dp} p^2 \sin(p)", r"\frac{d}{dp}", r"\frac{d}{dp} + 1",
                    r"\frac{d}{dp} p^2 + 3p", r"\frac{d}{dp} \int_0^p t \, dt + p"):  # the first term, or the sum?
        with pytest.raises(Ambiguous, match="differentiate"):
            read(unclear)
    with pytest.raises(Ambiguous, match="d declared"):
        read(r"\frac{d}{dp} p^2", declared("scalar d : positive"))


def test_a_quotient_with_a_variable_d_is_still_read():
    d, n = Symbol("d", real=True), Symbol("n", real=True)
    assert read(r"\frac{d}{2}") == d / 2
    assert read(r"\frac{d}{d \cdot n}") == 1 / n
    assert read(r"\frac{d n}{d}") == n


def test_a_function_followed_by_several_factors_is_ambiguous():
    with pytest.raises(Ambiguous, match=r"\\sin"):
        read(r"\sin x y")
    with pytest.raises(Ambiguous):
        read(r"\log \frac{a}{b} c")
    assert read(r"\sin 2x") == sin(2 * x)
    assert read(r"\sin x \cos y") == sin(x) * read(r"\cos y")
    assert read(r"\sin(x) y") == sin(x) * y


def test_a_multi_letter_subscript_of_a_one_index_family_is_ambiguous():
    with pytest.raises(Ambiguous, match=re.escape("n_{in}")):
        read("n_{in}", declared("scalar n_k"))
    assert read("n_{in}") == Symbol("n_{in}", real=True)  # undeclared: one name
    two = declared("scalar m_{ij}")
    assert read("m_{in}", two) == two.families["m"].base[Symbol("i", real=True), Symbol("n", real=True)]


def test_frac_with_single_token_arguments():
    assert read(r"\frac12") == Rational(1, 2)
    assert read(r"\frac1x") == 1 / x


def test_declared_functions_are_applications_undeclared_ones_ambiguous():
    sigma = Function(r"\sigma", real=True)
    assert read(r"\sigma(z+1)", declared(r"function \sigma")) == sigma(z + 1)
    with pytest.raises(Ambiguous, match=r"declare 'function \\sigma'"):
        read(r"\sigma(z+1)")
    assert read(r"\sigma(z+1)", declared(r"scalar \sigma")) == Symbol(r"\sigma", real=True) * (z + 1)


def test_e_and_i_are_decided_by_declaration():
    reading = read_side("e^{x}", NONE)
    assert reading.expr == exp(x) and "e is Euler's number" in reading.conventions
    assert read("e", declared("scalar e")) == Symbol("e", real=True)
    with pytest.raises(Ambiguous, match="imaginary unit or an identity"):
        read("I")
    assert read("I", declared("read I as imaginary")) == I
    assert read("I", declared("scalar I")) == Symbol("I", real=True)


def test_expectation_without_blackboard_bold_needs_a_declaration():
    with pytest.raises(Ambiguous, match="read E as expectation"):
        read("E(x)")
    assert read("E(x) + E[y]", declared("read E as expectation")) == Expect(x) + Expect(y)
    assert read(r"\mathbb{E}[x^2] - \mathbb{E}[x]^2") == Expect(x**2) - Expect(x) ** 2
    assert read("E", NONE) == Symbol("E", real=True)  # a name when not applied


def test_text_names_need_a_declaration():
    with pytest.raises(Undeclared, match=r"\\text\{fan_in\}"):
        read(r"\text{fan_in}")
    fan_in = Symbol("fan_in", positive=True)
    assert read(r"\frac{1}{\text{fan\_in}}", declared(r"scalar \text{fan_in} : positive")) == 1 / fan_in


def test_log_is_natural():
    assert read(r"\log x") == log(x)
    assert read(r"\ln x") == log(x)
    assert read(r"\log_2 x") == log(x, 2)


def test_trailing_input_is_never_dropped():
    with pytest.raises(Undeclared):
        read("(y_l)_i + 1")  # an entry of an undeclared y_l
    family = declared("scalar (y_l)_i")
    assert read("(y_l)_i + 1", family) == family.families["y"].base[Symbol("l", real=True), Symbol("i", real=True)] + 1
    with pytest.raises(LatexInputError, match="unbalanced"):
        read("x + 1 ) + 2")


def test_a_subscript_on_a_product_is_an_entry_not_a_falling_factorial():
    declarations = declared("matrix W : m x n", "vector v : n")
    entry = read("(Wv)_i", declarations)
    assert isinstance(entry, MatrixElement) and entry.args[0] == MatMul(read("W", declarations), read("v", declarations))
    with pytest.raises(Unsupported, match="scalar expression"):
        read("(ab)_i")


def test_a_transpose_of_an_undeclared_name_is_ambiguous_or_refused():
    with pytest.raises(Ambiguous, match="transpose or a power"):
        read("x^T A x")
    with pytest.raises(Undeclared, match="transpose"):
        read(r"x^{\top} y")
    assert read("x^T", declared("scalar T")) == x ** Symbol("T", real=True)


# -- declared matrices -------------------------------------------------------------------------

MATRICES = ("matrix A, B, \\Sigma : n x n", "vector x, b : n", "read |A| as det")


@pytest.mark.parametrize("spelling", ["A^T", "A^{T}", r"A^\top", r"A^{\top}", r"A^\intercal", r"A^{\mathsf{T}}"])
def test_every_transpose_spelling(spelling):
    declarations = declared(*MATRICES)
    assert read(spelling, declarations) == Transpose(read("A", declarations))


def test_products_keep_their_order_and_inverses_are_inverses():
    declarations = declared(*MATRICES)
    A, B = read("A", declarations), read("B", declarations)
    assert read("AB", declarations) == MatMul(A, B) != read("BA", declarations)
    assert read("(AB)^{-1}", declarations) == Inverse(MatMul(A, B))
    assert read("A^{-1}B^{-1}", declarations) != read("(AB)^{-1}", declarations)
    assert read("(AB)^T", declarations) != read("A^T B^T", declarations)


def test_determinant_trace_and_diag():
    declarations = declared(*MATRICES)
    A, bb = read("A", declarations), read("b", declarations)
    assert read(r"\det A^{-1}", declarations) == Determinant(Inverse(A))
    assert read("|A|^{-1}", declarations) == Determinant(A) ** -1
    assert read("|A||A^T|", declarations) == Determinant(A) * Determinant(Transpose(A))
    for spelling in (r"\operatorname{tr}", r"\mathrm{tr}", r"\text{tr}", "tr"):
        assert read(spelling + r"(A \Sigma)", declarations) == Trace(MatMul(A, read(r"\Sigma", declarations)))
    assert read(r"\text{diag}(b)", declarations) == DiagMatrix(bb)
    with pytest.raises(LatexInputError, match="square"):
        read(r"\text{tr}(A b)", declarations)


def test_an_operator_takes_one_bare_name_without_brackets():
    declarations = declared(*MATRICES)
    A = read("A", declarations)
    assert read(r"\operatorname{tr} A + 1", declarations) == Trace(A) + 1
    assert read(r"\mathrm{tr}\, \Sigma", declarations) == Trace(read(r"\Sigma", declarations))
    for unclear in (r"\operatorname{tr} A B", r"\operatorname{tr} A^T", r"\operatorname{tr} A (B)"):
        with pytest.raises(Ambiguous, match="which part is the argument"):
            read(unclear, declarations)
    with pytest.raises(LatexInputError, match=r"followed by its argument"):
        read(r"\operatorname{tr} + A", declarations)


def test_an_operator_takes_one_bracketed_operator_without_brackets():
    declarations = declared(*MATRICES)
    A = read("A", declarations)
    bracketed = read(r"\operatorname{tr}(\mathbb{E}[A])", declarations)
    assert read(r"\operatorname{tr}\mathbb{E}[A]", declarations) == bracketed
    assert read(r"\operatorname{tr} \operatorname{E}(A) + 1", declarations) == bracketed + 1
    assert read(r"\operatorname{tr} \mathbb{E}[A]", declarations) != Trace(A)  # the expectation is kept
    for unclear in (r"\operatorname{tr} \mathbb{E}[A] B", r"\operatorname{tr} \mathbb{E}[A]^T"):
        with pytest.raises(Ambiguous, match="which part is the argument"):
            read(unclear, declarations)
    with pytest.raises(LatexInputError, match=r"followed by its argument"):
        read(r"\operatorname{tr} \mathbb{R}", declarations)


def test_bars_around_a_matrix_need_a_declaration():
    with pytest.raises(Ambiguous, match="read \\|A\\| as det"):
        read("|A|", declared("matrix A : n x n"))
    assert read("|x|") == abs(x)


def test_quadratic_forms_are_scalars_in_scalar_places():
    declarations = declared(*MATRICES)
    form = read(r"e^{-\frac{1}{2} (x-b)^T \Sigma^{-1} (x-b)}", declarations)
    assert form.func == exp and isinstance(form.args[0].args[-1], MatrixElement) or form.has(MatrixElement)
    assert read("x^T A x + 1", declarations).has(MatrixElement)


def test_shape_errors_are_errors():
    declarations = declared("matrix A : n x m", "vector x : n")
    with pytest.raises(LatexInputError, match="cannot multiply"):
        read("A x", declarations)
    with pytest.raises(LatexInputError, match="square"):
        read("A^{-1}", declarations)
    with pytest.raises(LatexInputError, match="scalar to a matrix"):
        read("A + 1", declarations)


# -- bounded, and never a silent change ---------------------------------------------------------


@pytest.mark.parametrize(
    "text, kind, expected",
    [
        ("a = b", LatexInputError, "relation"),
        (r"\frac{1}{", LatexInputError, "argument|unbalanced"),
        ("", LatexInputError, "empty"),
        (r"\operatorname{Cov}(x)", LatexInputError, "takes 2 argument"),
        (r"\foo x", Unsupported, "unknown command"),
        (r"\int_0^1 x", Unsupported, "differential"),
        (r"\frac{\partial^2 y}{\partial x^2}", Unsupported, "partial"),  # (first derivatives are read, opaque)
        (r"D_{KL}(p \| q \| r)", LatexInputError, "two densities"),
        (r"a + \cdots + b", Unsupported, "elided"),
        (r"\begin{bmatrix} 1 \end{bmatrix}", Unsupported, "environments"),
        ("10^{10^{10}}", Unsupported, "too large"),
        (r"\sum_{k=0}^{10^{9}} \frac{1}{k^2}", Unsupported, "too long"),
        ("1000000!", Unsupported, "factorial"),
        (r"\binom{1000000}{500000}", Unsupported, "binomial"),
        (r"\binom{10^{6}}{5 \cdot 10^{5}}", Unsupported, "binomial"),
        (r"\sum_j x", Undeclared, "index j"),
        ("x" * 6000, LatexInputError, "limit"),
        ("(" * 100 + "x" + ")" * 100, LatexInputError, "nested"),
    ],
)
def test_bad_input_gets_a_clear_error(text, kind, expected):
    with pytest.raises(kind, match=expected):
        read(text)


def test_errors_carry_the_offset_in_the_side():
    with pytest.raises(LatexInputError) as caught:
        read(r"x + \foo")
    assert caught.value.offset == 4


def test_declarations_do_not_leak_between_reads():
    with pytest.raises(LatexInputError):
        read("a = b")
    assert read("a") == a


# -- the older API ---------------------------------------------------------------------------------

n = IndexedBase("n")
NOTATION = Notation(indexed={"n": n})


def test_indexed_names_become_entries():
    k, L = Symbol("k", integer=True), Symbol("L")
    assert parse_expression(r"\sum_{k=0}^{L-1} \frac{1}{n_k}", NOTATION).function == 1 / n[k]
    assert parse_expression(r"n_{L-1}", NOTATION) == n[L - 1]


def test_operators_and_declared_symbols_through_parse_expression():
    L = Symbol("L", integer=True, nonnegative=True)
    exponent = parse_expression("3^L", Notation(symbols={"L": L})).exp
    assert exponent == L and exponent.is_integer and exponent.is_nonnegative
    assert parse_expression(r"\operatorname{Var}(u)") == Var(Symbol("u"))
    assert parse_expression("u") == Symbol("u")  # this API keeps undeclared names plain


def test_parse_expression_errors_are_latex_input_errors():
    for text in ("a = b", r"\operatorname{tr}(A)", r"\text{fan_in}", r"f(x) dx", r"y' + 1 = 2"):
        with pytest.raises(LatexInputError):
            parse_expression(text)
    assert parse_expression("y'") != parse_expression("y")  # a prime makes another name, never drops


def test_pathological_input_is_cut_off_in_bounded_time():
    deep = "(" * 3000 + "x" + ")" * 3000
    started = time.monotonic()
    with pytest.raises(LatexInputError):
        parse_expression(deep, seconds=2)
    assert time.monotonic() - started < 10
    assert Integer(2) * E != 0


# -- integrals, divergences, norms (as the transcripts print them) ------------------------------------

DENSITIES = (r"scalar d, i, j : positive integer", r"scalar x_{i} : real", "function f, g", r"scalar \alpha, t : real")


def test_an_integral_with_bounds_is_an_integral_and_binds_its_variable():
    u = Symbol("u", real=True)
    reading = read_side(r"\int\limits_{0}^{1} \frac{u^{2}}{2}\, du - \left(\int\limits_{0}^{1} u\, du\right)^{2}", NONE)
    assert reading.expr == Integral(u**2 / 2, (u, 0, 1)) - Integral(u, (u, 0, 1)) ** 2
    assert "u" not in reading.undeclared


def test_nested_integrals_close_innermost_first():
    u, w = Symbol("u", real=True), Symbol("w", real=True)
    assert read(r"\int_0^1 \int_0^2 u w \, du \, dw") == Integral(u * w, (u, 0, 2), (w, 0, 1))


def test_an_integral_over_the_real_line():
    t = Symbol("t", real=True)
    reading = read_side(r"\int_{\mathbb{R}} e^{-t^2} \, dt", NONE)
    assert reading.expr == Integral(exp(-t**2), (t, -oo, oo))
    assert any("whole real line" in c for c in reading.conventions)


def test_an_integral_over_a_support_reads_back_as_printed():
    f, g = Function("f", real=True), Function("g", real=True)
    alpha = Symbol(r"\alpha", real=True)
    printed = IntegralOver(f(alpha) * log(f(alpha) / g(alpha)), alpha, Region("supp f", r"\operatorname{supp} f"))
    assert read(to_latex(printed), declared(*DENSITIES)) == printed


def test_an_integral_over_r_n_and_over_all_coordinates_of_a_family():
    decl = declared(*DENSITIES)
    f = indexed_function("f")
    x, j = IndexedBase("x", real=True), Symbol("j", integer=True)
    d = Symbol("d", integer=True, positive=True)
    expr = read(r"\int_{\mathbb{R}^{d}} \prod_{j=1}^{d} f_{j}\left(x_{j}\right) \, \mathrm{d}x", decl)
    assert isinstance(expr, IntegralOver) and expr.region.name == "R^d"
    assert expr.integrand == Product(f(j, x[j]), (j, 1, d)) and expr.variable == x


@pytest.mark.parametrize("text, kind, expected", [
    (r"\int_0^1 x", Unsupported, "differential"),
    (r"\int t \, dt", Unsupported, "antiderivative"),
    (r"\int^{1} t \, dt", Unsupported, "upper bound only"),
    (r"\int_{S} t \, dt", Unsupported, "regions read"),
    (r"\int_0^1 t \, dv", Unsupported, "not a scalar"),
    (r"\int_{\mathbb{R}^{2x}} t \, dt", LatexInputError, ""),
    (r"\int_0^1 \frac{1}{ \, dt", LatexInputError, "unbalanced|argument"),
])
def test_malformed_integrals_are_refused_with_a_reason(text, kind, expected):
    with pytest.raises(kind, match=expected):
        read(text, declared(*DENSITIES, "vector v : n"))


def test_a_divergence_reads_with_the_variables_of_its_densities():
    f, g = Function("f", real=True), Function("g", real=True)
    alpha = Symbol(r"\alpha", real=True)
    decl = declared(*DENSITIES)
    expected = KL(f(alpha), g(alpha), Tuple(alpha))
    assert read(r"D_{\mathrm{KL}}\left(f\left(\alpha\right) \,\middle\|\, g\left(\alpha\right)\right)", decl) == expected
    assert read(r"D_{KL}(f(\alpha) || g(\alpha))", decl) == expected
    member = read(r"D_{\mathrm{KL}}(f_{i}(x_{i}) \| g_{i}(x_{i}))", decl)
    x, i = IndexedBase("x", real=True), Symbol("i", integer=True, positive=True)
    assert member.args[2] == Tuple(x[i])  # one coordinate, not all of x


@pytest.mark.parametrize("text, kind, expected", [
    (r"D_{\mathrm{KL}}(f(\alpha))", LatexInputError, "two densities"),
    (r"D_{\mathrm{KL}}(f(\alpha) \| )", LatexInputError, "two densities"),
    (r"D_{\mathrm{KL}} + 1", Unsupported, "needs its two densities"),
    (r"\text{KL}(f(\alpha) \| g(\alpha))", Unsupported, "D_"),
])
def test_malformed_divergences_are_refused_with_a_reason(text, kind, expected):
    with pytest.raises(kind, match=expected):
        read(text, declared(*DENSITIES))


def test_a_member_of_a_declared_function_family():
    decl = declared(*DENSITIES)
    f = indexed_function("f")
    x, j = IndexedBase("x", real=True), Symbol("j", integer=True)
    assert read(r"f_{j}\left(x_{j}\right)", decl) == f(Symbol("j", integer=True, positive=True),
                                                        x[Symbol("j", integer=True, positive=True)])
    with pytest.raises(Unsupported, match="one scalar argument"):
        read(r"f_{j}(x_{j}, t)", decl)


def test_norms_of_vectors_and_scalars():
    decl = declared("vector v : n", "matrix M : n x n")
    v = MatrixSymbol("v", Symbol("n", integer=True, positive=True), 1)
    reading = read_side(r"\|v\|^2", decl)
    assert reading.expr == MatrixElement(MatMul(Transpose(v), v), 0, 0)
    assert any("Euclidean" in c for c in reading.conventions)
    assert read(r"\lVert a \rVert") == Abs(a)
    with pytest.raises(Ambiguous, match="which norm"):
        read(r"\|M\|", decl)
    with pytest.raises(LatexInputError, match="closing"):
        read(r"\|v + 1", decl)
    with pytest.raises(LatexInputError, match="empty"):
        read(r"\| \|")


def test_a_braced_bracketed_function_argument_is_the_argument():
    p, q = Symbol("p", real=True), Symbol("q", real=True)
    assert read(r"\log{\left(\frac{p}{q} \right)} p") == p * log(p / q)
    assert read(r"\sin^{2}{\left(a \right)} b") == sin(a) ** 2 * b
    with pytest.raises(Ambiguous, match="several factors"):
        read(r"\log{p} q r")


def test_define_a_divergence_and_refuse_a_circular_one():
    decl = declared(*DENSITIES, r"define D_{\mathrm{KL}}(f(\alpha) \| g(\alpha)) = \int_{\operatorname{supp} f} "
                    r"f(\alpha) \log{\left(\frac{f(\alpha)}{g(\alpha)}\right)} \, \mathrm{d}\alpha")
    (rewrite,) = decl.rewrites
    assert isinstance(rewrite.target, KL) and isinstance(rewrite.value, IntegralOver)
    with pytest.raises(LatexInputError, match="refers to itself"):
        declared(*DENSITIES, r"define D_{\mathrm{KL}}(f(\alpha) \| g(\alpha)) = 1 + D_{\mathrm{KL}}(f(\alpha) \| g(\alpha))")


def test_rewrites_reach_written_out_sums_and_terms_of_a_sum():
    decl = declared("scalar p_{i} : real", "define p_{1} = 1", "define p_{2} = 2")
    value, used = apply_rewrites(read(r"\sum_{k=1}^{2} p_{k}", decl), decl)
    assert value == 3 and used
    decl = declared(*DENSITIES, r"define D_{\mathrm{KL}}(f_{i}(x_{i}) \| g_{i}(x_{i})) = 0")
    value, _ = apply_rewrites(read(r"\sum_{i=1}^{d} D_{\mathrm{KL}}(f_{i}(x_{i}) \| g_{i}(x_{i}))", decl), decl)
    assert value.doit() == 0


# -- vectors: the zero vector, quadratic forms, columns of ones, expectations, functions of vectors ------

VECTORS = ("scalar n : positive integer", "vector v, b : n", "matrix M, A : n x n")
N = Symbol("n", integer=True, positive=True)
V, M_ = MatrixSymbol("v", N, 1), MatrixSymbol("M", N, N)


def test_a_literal_zero_beside_vectors_is_the_zero_vector():
    decl = declared(*VECTORS)
    assert read(r"(0 - v)^T M (0 - v)", decl) == MatrixElement(MatMul(Transpose(-V), M_, -V), 0, 0)
    assert read(r"\left(0\right)^{T} M 0", decl) == 0
    assert read("0 + v", decl) == V
    with pytest.raises(LatexInputError, match="adding a scalar to a matrix"):
        read("1 + v", decl)


def test_the_trace_of_a_quadratic_form_is_the_form_but_not_of_a_scalar():
    decl = declared(*VECTORS)
    assert read(r"\operatorname{tr}\left(v^{T} M v \right)", decl) == read("v^T M v", decl)
    with pytest.raises(Undeclared, match="of a scalar"):
        read(r"\operatorname{tr}(a)", decl)


def test_columns_of_ones_and_zeros():
    decl = declared(*VECTORS)
    assert read(r"\mathbf{1}_{n}", decl) == OneMatrix(N, 1)
    assert read(r"M \mathbf{1}_{n} + \mathbf{0}_{n}", decl) == MatAdd(MatMul(M_, OneMatrix(N, 1)), ZeroMatrix(N, 1))
    with pytest.raises(LatexInputError, match="must be a size"):
        read(r"\mathbf{1}_{n + 1}", decl)


def test_the_expectation_of_a_random_vector_and_its_law():
    decl = declared(*VECTORS, r"vector \mu : n", r"matrix \Sigma : n x n", r"random v ~ N(\mu, \Sigma)")
    assert read(r"\mathbb{E}\left[v v^{T}\right]", decl) == MatExpect(MatMul(V, Transpose(V)))
    vector, label = decl.vector_laws["v"]
    assert vector.mean == MatrixSymbol(r"\mu", N, 1) and vector.gaussian and label
    with pytest.raises(Unsupported, match="vector or matrix"):
        read(r"\operatorname{Var}(v)", decl)
    with pytest.raises(LatexInputError, match="covariance"):
        declared(*VECTORS, r"random v ~ N(b, b)")


def test_a_declared_function_of_a_vector_and_a_definition_of_one_application():
    decl = declared(*VECTORS, "function p_{X}, p_{Y}",
                    r"define p_{Y}\left(A^{-1} \left(v - b\right)\right) = \left(2 \pi\right)^{- \frac{n}{2}}")
    application = read(r"p_{X}\left(v\right)", decl)
    assert application.args == (V,)
    (rewrite,) = decl.rewrites
    assert apply_rewrites(read(r"3 p_{Y}\left(A^{-1} \left(v - b\right)\right)", decl), decl)[0] == \
        3 * (2 * pi) ** (-N / 2)
    with pytest.raises(Unsupported, match="applied to a matrix"):
        read(r"p_{X}(M)", decl)


def test_a_function_defined_with_sized_brackets():
    decl = declared(*VECTORS, r"define f\left(v\right) = v^{T} v")
    assert read(r"f\left(b\right)", decl) == read("b^T b", decl)


def test_cases_are_a_piecewise_expression():
    t = Symbol("t", real=True)
    printed = Piecewise((Rational(1, 3), (t >= -1) & (t <= 2)), (0, True))
    assert read(to_latex(printed)) == printed
    assert read(r"\begin{cases} 1 & -1 < t \leq 0 \\ 0 & \text{otherwise} \end{cases}") == Piecewise(
        (1, (t > -1) & (t <= 0)), (0, True))


@pytest.mark.parametrize("text, kind, expected", [
    (r"\begin{cases} 1 \end{cases}", LatexInputError, "value & condition"),
    (r"\begin{cases} 1 & \text{sometimes} \end{cases}", Unsupported, "in words"),
    (r"\begin{cases} 1 & t \end{cases}", Unsupported, "compare"),
    (r"\begin{cases} \foo & t > 0 \end{cases}", Unsupported, "unknown command"),
    (r"\begin{cases} 1 & t > 0", LatexInputError, ""),
    (r"\begin{pmatrix} 1 \end{pmatrix}", Unsupported, "environments"),
    (r"D_{KL}(v \| v)", Unsupported, "between random vectors"),
])
def test_malformed_cases_are_refused_with_a_reason(text, kind, expected):
    with pytest.raises(kind, match=expected):
        read(text, declared("scalar n : positive integer", "vector v : n"))


def test_braces_around_a_one_symbol_script_do_not_make_another_name():
    # derive prints I_{n_{1}}; a human writes I_{n_1}: the same declared identity matrix
    declarations = declared("scalar n_k : positive integer", r"matrix I_{n_{1}} : n_{1} x n_{1}, identity")
    assert isinstance(read("I_{n_1}", declarations), Identity)
    assert read("I_{n_1}", declarations) == read("I_{n_{1}}", declarations)
    assert read(r"x_{\alpha}") == read(r"x_\alpha")
    assert read("x_{12}") != read("x_{1}")  # only one symbol loses its braces
