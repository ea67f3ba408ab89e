"""Directives: the grammar, what each declares, and their scope."""
from __future__ import annotations

import pytest
from sympy import I, Indexed, IndexedBase, MatrixSymbol, Rational, Symbol
from sympy.matrices.expressions import Identity
from sympy.stats import E as stats_E
from sympy.stats import variance as stats_variance

from symderive.latex_in import directives as d
from symderive.latex_in.declarations import (
    DeclarationError,
    apply_rewrites,
    declarations_from,
    declare,
)
from symderive.latex_in.notation import Ambiguous, Declarations, LatexInputError, Undeclared, read_side
from symderive.randomvars import Expect


def read(text: str, declarations: Declarations):
    return read_side(text, declarations).expr


# -- the grammar ---------------------------------------------------------------------


def test_the_grammar_of_each_directive():
    assert d.parse_directive(r"matrix A, \Sigma, \Sigma_0 : n x n, symmetric") == d.Shape(
        ("A", r"\Sigma", r"\Sigma_0"), "n", "n", ("symmetric",))
    assert d.parse_directive(r"matrix W : n_l \times n_{l-1}") == d.Shape(("W",), "n_l", "n_{l-1}")
    assert d.parse_directive(r"vector x, b, \mu_0 : n") == d.Shape(("x", "b", r"\mu_0"), "n", "1")
    assert d.parse_directive(r"scalar n_k, \text{fan\_in} : positive integer") == d.Scalar(
        ("n_k", r"\text{fan\_in}"), ("positive", "integer"))
    assert d.parse_directive(r"function \sigma, f, g") == d.Functions((r"\sigma", "f", "g"))
    assert d.parse_directive(r"random y ~ N(\mu, \Sigma)") == d.Random(("y",), "normal", (r"\mu", r"\Sigma"))
    assert d.parse_directive(r"random a \sim U(-c, c)") == d.Random(("a",), "uniform", ("-c", "c"))
    assert d.parse_directive(r"random (A_l)_{ij} ~ \mathcal{U}\left(-c, c\right), dependent").independence == "dependent"
    assert d.parse_directive("random (y_l)_i : mean 0, variance v_l").variance == "v_l"
    assert d.parse_directive(r"define P_Y(z) = (2\pi)^{-n/2} e^{-\frac{1}{2} z^T z}") == d.Define(
        "P_Y(z)", r"(2\pi)^{-n/2} e^{-\frac{1}{2} z^T z}")
    assert d.parse_directive(r"assume \Sigma = A A^T") == d.Assume(r"\Sigma", "A A^T")
    assert d.parse_directive("read E as expectation") == d.Read("E", "expectation")
    assert d.parse_directive(r"read |A| as det") == d.Read("|A|", "det")
    assert d.parse_directive(r"read \{x\} as brackets") == d.Read(r"\{\}", "brackets")
    assert d.parse_directive("index j : 1 .. n_{L-1}") == d.IndexRange("j", "1", "n_{L-1}")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("bogus x", "unknown directive"),
        ("matrix A", "NAMES : SIZE"),
        ("matrix A : n", "ROWS x COLS"),
        ("matrix A : n x n, hermitian", "unknown matrix property"),
        ("scalar x : complex", "unknown scalar property"),
        ("random a ~ Poisson(2)", "a law"),
        ("random a ~ N(0)", "two parameters"),
        ("random a : median 0", "mean M"),
        ("define x", "LHS = RHS"),
        ("read E as variance", "can be read as expectation"),
        ("read Q as brackets", "unknown spelling"),
        ("index j : 1", "LOW .. HIGH"),
        ("scalar", "needs something"),
        (r"scalar \variable{op0}", "reserved"),
    ],
)
def test_bad_directives_say_what_was_expected(text, expected):
    with pytest.raises(d.DirectiveError, match=expected):
        d.parse_directive(text)


def test_notation_files_accept_plain_lines_and_comment_wrappers():
    text = "# widths\nscalar n_k : positive\n\n% symderive: function f\n<!-- symderive: read E as expectation -->\n"
    assert d.notation_file_lines(text) == [(2, "scalar n_k : positive"), (4, "function f"), (5, "read E as expectation")]


# -- what they declare -----------------------------------------------------------------


def test_matrices_and_vectors_are_matrix_symbols_with_their_sizes():
    declarations = declarations_from([r"matrix A, \Sigma_0 : n x n", "vector x : n", "matrix I : n x n, identity"])
    n = declarations.symbols["n"]
    assert n.is_integer and n.is_positive  # an undeclared size becomes a positive integer
    assert read("A", declarations) == MatrixSymbol("A", n, n)
    assert read(r"\Sigma_{0}", declarations) == MatrixSymbol(r"\Sigma_0", n, n)
    assert read("x", declarations).shape == (n, 1)
    assert read("I", declarations) == Identity(n)


def test_scalars_keep_their_assumptions_and_letter_subscripts_declare_families():
    declarations = declarations_from([r"scalar n_k : positive integer", r"scalar \text{fan\_in} : positive",
                                      "scalar x_0 : nonnegative"])
    k, L = Symbol("k", real=True), Symbol("L", real=True)
    entry = read("n_{L-1}", declarations)
    assert isinstance(entry, Indexed) and entry.indices == (L - 1,) and entry.is_positive and entry.is_integer
    assert read("n_k", declarations) == declarations.families["n"].base[k]
    assert read(r"\text{fan_in}", declarations) == Symbol("fan_in", positive=True)
    assert read("x_0", declarations).is_nonnegative


def test_random_entries_get_their_law_and_independence():
    declarations = declarations_from([
        r"random (A_L)_{ij} ~ U(-\frac{1}{\sqrt{m}}, \frac{1}{\sqrt{m}})",
        "random (y_{L-1})_i : mean 0, variance v",
        r"random a \sim N(0, 4)",
    ])
    weights, inputs, a = declarations.random_families
    L, i, j = (Symbol(s, real=True) for s in "Lij")
    assert read("(A_L)_{ij}", declarations) == IndexedBase("A")[L, i, j]
    assert weights.iid and weights.prefix == (L,)
    assert stats_variance(weights.law) == Rational(1, 3) / Symbol("m", real=True)
    assert not inputs.iid and inputs.variance == Symbol("v", real=True) and inputs.prefix == (L - 1,)
    assert stats_variance(a.law) == 4 and stats_E(a.law) == 0  # N(mean, variance), not N(mean, sd)
    assert read("a", declarations) == IndexedBase("a")[0]


def test_random_vectors_are_recorded_for_later():
    declarations = declarations_from(["vector y, \\mu : n", "matrix \\Sigma : n x n", r"random y ~ N(\mu, \Sigma)"])
    assert declarations.random_vectors == {"y": r"normal(\mu, \Sigma)"}


def test_definitions_and_hypotheses_rewrite():
    declarations = declarations_from([
        r"scalar n_k : positive integer",
        r"define \text{fan_in} = n_{L-1}",
        "matrix A, \\Sigma : d x d",
        r"assume \Sigma = A A^T",
        "read |A| as det",
    ])
    value, used = apply_rewrites(read(r"\frac{1}{\text{fan_in}} + |\Sigma|", declarations), declarations)
    n = declarations.families["n"].base
    assert used == ("directive 2", "directive 4")
    assert value.has(n[Symbol("L", real=True) - 1]) and not value.has(MatrixSymbol(r"\Sigma", *read("A", declarations).shape))


def test_entry_definitions_hold_for_every_entry_index():
    declarations = declarations_from([
        "scalar n_k : positive integer",
        "random (A_L)_{ij} ~ U(-1, 1)",
        "random (y_{L-1})_i : mean 0, variance v",
        r"define (y_L)_i = \sum_{j=1}^{n_{L-1}} (A_L)_{ij} (y_{L-1})_j",
    ])
    value, used = apply_rewrites(read("(y_L)_k + (y_L)_2", declarations), declarations)
    A, y = IndexedBase("A"), IndexedBase("y")
    L, k = Symbol("L", real=True), Symbol("k", real=True)
    assert used == ("directive 4",)
    assert value.has(A[L, k, Symbol("j", integer=True)]) and value.has(A[L, 2, Symbol("j", integer=True)])
    assert not value.has(y[L, k])


def test_function_definitions_unfold_when_read():
    declarations = declarations_from(["vector z, x : n", r"define P(z) = e^{-\frac{1}{2} z^T z}"])
    reading = read_side("P(2 x)", declarations)
    assert reading.used == {"directive 2"}
    assert not reading.expr.has(MatrixSymbol("z", *read("x", declarations).shape))


def test_a_definition_that_refers_to_itself_is_refused():
    with pytest.raises(DeclarationError, match="refers to itself"):
        declarations_from(["define x = x + 1"])


def test_entry_definitions_must_not_hide_their_index_in_a_name():
    with pytest.raises(DeclarationError, match="depends on the index"):
        declarations_from(["scalar y_i", "define y_i = c_i"])


def test_shapes_of_definitions_must_agree():
    with pytest.raises(DeclarationError, match="matrix but its value is a scalar"):
        declarations_from(["matrix A : n x n", "define A = 2"])


def test_readings_and_ranges():
    declarations = declarations_from(["read E as expectation", r"read \{\} as brackets", "read I as imaginary",
                                      "index j : 1 .. m"])
    x = Symbol("x", real=True)
    assert read(r"E(x) + \{x\} + I", declarations) == Expect(x) + x + I
    assert read(r"\sum_j 1", declarations).doit() == Symbol("m", real=True)


def test_a_later_directive_replaces_an_earlier_one_for_the_same_name():
    declarations = declarations_from(["matrix A : n x n", "scalar A : positive"])
    assert read("A", declarations) == Symbol("A", positive=True)
    declarations = declare(declarations, d.parse_directive("function A"), "later")
    with pytest.raises(LatexInputError, match="needs an argument"):
        read("A", declarations)
    family_then_symbol = declarations_from(["scalar n_k", "scalar n : positive"])
    assert read("n", family_then_symbol) == Symbol("n", positive=True)


def test_placeholder_names_cannot_be_declared_or_written():
    with pytest.raises(d.DirectiveError, match="reserved"):
        d.parse_directive(r"define \variable{sdp0x} = 1")
    with pytest.raises(LatexInputError, match="reserved"):
        read(r"\variable{sdp0x} + 1", Declarations())


def test_undeclared_names_in_directives_follow_the_conventions():
    declarations = declarations_from(["random a ~ U(-c, c)"])
    assert declarations.random_families[0].law.pspace.distribution.left == -Symbol("c", real=True)


def test_bad_values_in_directives_are_refused():
    with pytest.raises(DeclarationError, match="positive"):
        declarations_from(["random a ~ N(0, -1)"])
    with pytest.raises(DeclarationError, match="low < high"):
        declarations_from(["random a ~ U(1, 0)"])
    with pytest.raises(DeclarationError, match="square"):
        declarations_from(["matrix A : n x m, symmetric"])
    with pytest.raises(DeclarationError, match="not a name"):
        declarations_from(["scalar x + y"])
    with pytest.raises((Ambiguous, Undeclared)):
        declarations_from([r"random a ~ U(f(x), 1)"])
