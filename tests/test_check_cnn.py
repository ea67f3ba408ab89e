r"""``symderive check`` on the CNN Jacobian's notation: what is read as meant, what is refused, and why.

Partial derivatives and Jacobians, matrices given by their entries, Kronecker deltas, ``\sigma'``,
families of matrices of symbolic size and ordered products.  Derivatives are never evaluated (what is
differentiated is not declared as a function of the variable): they are judged only through hypotheses.
"""
from __future__ import annotations

import pytest
from sympy import Derivative, Indexed, IndexedBase, KroneckerDelta, Symbol
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagMatrix

from symderive.check_relation import judge_relation
from symderive.jacobians import EntryMatrix, Jacobian
from symderive.latex_in import directives as grammar
from symderive.latex_in.declarations import DeclarationError, declarations_from
from symderive.latex_in.notation import Ambiguous, LatexInputError, Unsupported, read_side
from symderive.matrices import IndexedMatrix, OrderedProduct
from symderive.render.directives import _matrix_family_directives, _product_order_directives, _scalar_directives

CNN = [
    "scalar L, i, j, k, l, m : positive integer",
    "scalar n_{i} : real", "scalar f_{i} : real",
    "scalar (A_{i})_{jk} : real", "scalar (y_{i})_{j} : real", "scalar (y'_{i})_{j} : real",
    "scalar (w_{i})_{j} : real", "scalar (b_{i})_{j} : real", "scalar (u_{i})_{j} : real", "scalar x_{i} : real",
    "function \\sigma",
    "matrices A_{k} : n_{k} x n_{k - 1}",
    "vectors b_{k}, u_{k}, y'_{k}, y_{k} : n_{k}",
    "vectors w_{k} : f_{k}",
    r"read \prod_{k=L - 1}^{l + 1} as descending",
]
ENTRIES = r"_{\substack{1 \le i \le n_{l} \\ 1 \le j \le f_{l}}}"
BAND = r"_{\substack{1 \le i \le n_{k + 1} \\ 1 \le j \le n_{k}}}"
PIECEWISE = (r"\left[\begin{cases} (w_{k + 1})_{j + 1 - i} & \text{for}\: 1 \leq j + 1 - i \wedge j + 1 - i \leq "
             r"f_{k + 1} \\0 & \text{otherwise} \end{cases}\right]" + BAND)

i, j, k, l, m, L = (Symbol(s, integer=True, positive=True) for s in "ijklmL")
n, f, y, yp, w = (IndexedBase(s) for s in ("n", "f", "y", "y'", "w"))


def read(text: str, extra: tuple[str, ...] = ()):
    return read_side(text, declarations_from(CNN + list(extra))).expr


def verdict(lhs: str, rhs: str, extra: tuple[str, ...] = ()) -> dict:
    return judge_relation(lhs, "=", rhs, declarations_from(CNN + list(extra)))


# -- reading -----------------------------------------------------------------------------------


def test_a_member_of_a_family_of_matrices_has_the_sizes_at_its_index():
    member = read("A_{l + 1}")
    assert isinstance(member, IndexedMatrix) and member.index == l + 1
    assert [str(s) for s in member.shape] == ["n[l + 1]", "n[l]"]
    assert read("y'_{k}").shape[1] == 1


def test_the_entries_of_a_family_stay_the_declared_scalars():
    assert read("(y'_{l})_{i}") == Indexed(IndexedBase("y'", real=True), l, i)


def test_a_jacobian_of_column_vectors():
    jacobian = read(r"\frac{\partial y'_{l}}{\partial w_{l}}")
    assert isinstance(jacobian, Jacobian)
    assert [str(s) for s in jacobian.shape] == ["n[l]", "f[l]"]


def test_a_partial_derivative_is_kept_unevaluated():
    # (y'_l)_i depends on (w_l)_j through the definition of the layer: it must never become 0 here
    value = read(r"\frac{\partial}{\partial (w_{l})_{j}} (y'_{l})_{i}")
    assert isinstance(value, Derivative)
    assert value.expr.base.label.name == "y'" and value.variables[0].base.label.name == "w"


def test_the_operator_applies_to_the_one_factor_after_it():
    value = read(r"\frac{\partial}{\partial (w_{l})_{j}} \left((b_{l})_{i} + (w_{l})_{j}\right) (y_{l})_{i}")
    assert value.is_Mul and any(isinstance(a, Derivative) for a in value.args)


def test_a_matrix_given_by_its_entries():
    matrix = read(r"\left[(y_{l - 1})_{i + j - 1}\right]" + ENTRIES)
    assert isinstance(matrix, EntryMatrix)
    assert [str(s) for s in matrix.shape] == ["n[l]", "f[l]"]
    assert str(matrix.at(2, 3)) == "y[l - 1, 4]"


def test_a_column_given_by_its_entries_and_a_range_from_zero():
    column = read(r"\left[x_{i}\right]_{\substack{0 \le i \le n_{l}}}")
    assert column.is_column and str(column.rows) == "n[l] + 1"
    assert str(column.at(1)) == "x[0]"  # the first entry is the one at i = 0


def test_kronecker_deltas():
    assert read(r"\delta_{j m}") == KroneckerDelta(j, m)
    assert read(r"\delta_{j, i + m - 1}") == KroneckerDelta(j, i + m - 1)
    declared = read(r"\delta_{j m}", ("scalar \\delta_{jm} : real",))  # a declared family wins
    assert isinstance(declared, Indexed) and declared.base.label.name == "\\delta"


def test_diag_of_sigma_prime_of_a_vector():
    value = read(r"\operatorname{diag}(\sigma'(y'_{k}))")
    assert isinstance(value, DiagMatrix) and isinstance(value.args[0], ElementwiseApplyFunction)
    assert [str(s) for s in value.shape] == ["n[k]", "n[k]"]
    assert str(read(r"\sigma'((y'_{k})_{i})").func) == "\\sigma'"


def test_an_ordered_product_in_the_declared_order():
    product = read(r"\prod_{k=L - 1}^{l + 1} \left[\operatorname{diag}(\sigma'(y'_{k})) A_{k}\right] A_{l}")
    factor = next(a for a in product.args if isinstance(a, OrderedProduct))
    assert factor.step == -1 and (factor.start, factor.stop) == (L - 1, l + 1)
    ascending = read(r"\prod_{k=1}^{3} \left(A_{k}\right)^{T}")  # A_1^T A_2^T A_3^T: numbers decide the order
    assert isinstance(ascending, OrderedProduct) and ascending.step == 1


def test_an_ordered_product_with_symbolic_bounds_and_no_declared_order_is_ambiguous():
    with pytest.raises(Ambiguous, match="read .prod_"):
        read(r"\prod_{k=l + 1}^{L - 1} A_{k}")


@pytest.mark.parametrize("text, reason", [
    (r"\frac{\partial^2 y_{l}}{\partial w_{l}^2}", "higher"),
    (r"\frac{\partial A_{l}}{\partial w_{l}}", "Jacobian is taken of a column vector"),
    (r"\frac{\partial}{\partial (w_{l})_{j}}", "followed by"),
    (r"x_{\substack{1 \le i \le n}}", "substack"),
    (r"\left[x_{i}\right]_{i}", "LOW"),
    (r"\left[A_{l}\right]" + ENTRIES, "block"),
])
def test_what_is_refused_says_why(text, reason):
    with pytest.raises(Unsupported, match=reason):
        read(text)


def test_garbage_is_an_error_not_a_traceback():
    for text in (r"\left[x\right]_{\substack{1 \le i}}", r"\frac{\partial}{\partial}", r"\prod_{k=1}^{2} \left["):
        with pytest.raises(LatexInputError):
            read(text)


# -- judging -------------------------------------------------------------------------------------


def test_a_true_step_by_entries_is_plausible_and_a_shifted_one_refuted():
    lhs = r"\left[\sum_{m=1}^{f_{l}} \delta_{j m} (y_{l - 1})_{i + m - 1}\right]" + ENTRIES
    good = verdict(lhs, r"\left[(y_{l - 1})_{i + j - 1}\right]" + ENTRIES)
    assert good["verdict"] == "plausible", good
    bad = verdict(lhs, r"\left[(y_{l - 1})_{i + j}\right]" + ENTRIES)
    assert bad["verdict"] == "refuted" and bad["counterexample"], bad


def test_the_band_of_a_convolution_by_entries():
    lhs = r"\left[\sum_{m=1}^{f_{k + 1}} \delta_{j, i + m - 1} (w_{k + 1})_{m}\right]" + BAND
    assert verdict(lhs, PIECEWISE)["verdict"] == "plausible"
    assert verdict(lhs, PIECEWISE.replace("f_{k + 1} \\\\0", "f_{k + 2} \\\\0"))["verdict"] == "refuted"


def test_a_derivative_is_neither_evaluated_nor_refuted():
    derivative = r"\frac{\partial}{\partial (w_{l})_{j}} (y'_{l})_{i}"
    for rhs in ("0", "1", r"(y_{l - 1})_{i + j - 1}"):
        assert verdict(derivative, rhs)["verdict"] == "unknown"


def test_a_jacobian_is_not_refuted_against_a_generic_matrix():
    assert verdict(r"\frac{\partial y'_{k + 1}}{\partial y_{k}}", "A_{k + 1}")["verdict"] == "unknown"


def test_a_hypothesis_makes_the_derivative_steps_follow():
    hypothesis = f"assume {PIECEWISE} = A_{{k + 1}}"
    assert verdict("A_{k + 1}", PIECEWISE, (hypothesis,))["verdict"] == "verified"
    # A_{k+1} is unfolded into its entries, and its declared entries with it
    entries = r"\left[(A_{k + 1})_{ij}\right]" + BAND
    assert verdict(entries, "A_{k + 1}", (hypothesis,))["verdict"] in ("verified", "plausible")
    wrong = PIECEWISE.replace("(w_{k + 1})_{j + 1 - i}", "(w_{k + 1})_{j - i}")
    refuted = verdict("A_{k + 1}", wrong, (hypothesis,))
    assert refuted["verdict"] == "refuted", refuted


def test_a_matrix_and_its_declared_entries_are_one_thing():
    # a member and its declared scalar entries are drawn together, never apart (else: a false refutation)
    entries = r"\left[(A_{k})_{ij}\right]_{\substack{1 \le i \le n_{k} \\ 1 \le j \le n_{k - 1}}}"
    assert verdict(entries, "A_{k}")["verdict"] == "plausible"
    transposed = r"\left[(A_{k})_{ji}\right]_{\substack{1 \le i \le n_{k - 1} \\ 1 \le j \le n_{k}}}"
    assert verdict(transposed, "A_{k}")["verdict"] != "verified"
    slopes = r"\left[\delta_{i j} \sigma'((y'_{k})_{i})\right]_{\substack{1 \le i \le n_{k} \\ 1 \le j \le n_{k}}}"
    assert verdict(slopes, r"\operatorname{diag}(\sigma'(y'_{k}))")["verdict"] == "plausible"


def test_ordered_products_at_random_sizes():
    lhs = r"A_{L} \prod_{k=L - 1}^{l + 1} \left[\operatorname{diag}(\sigma'(y'_{k})) A_{k}\right]"
    transposed = (r"\left(" + lhs + r"\right)^{T}")
    extra = (r"read \prod_{k=l + 1}^{L - 1} as ascending",)
    rhs = r"\prod_{k=l + 1}^{L - 1} \left[\left(A_{k}\right)^{T} \operatorname{diag}(\sigma'(y'_{k}))\right] \left(A_{L}\right)^{T}"
    assert verdict(transposed, rhs, extra)["verdict"] in ("verified", "plausible")
    swapped = r"\prod_{k=l + 1}^{L - 1} \left[\operatorname{diag}(\sigma'(y'_{k})) \left(A_{k}\right)^{T}\right] \left(A_{L}\right)^{T}"
    assert verdict(transposed, swapped, extra)["verdict"] != "verified"


# -- the grammar and derive's printer ------------------------------------------------------------


def test_the_family_and_order_directives_parse():
    family = grammar.parse_directive("matrices A_k : n_k x n_{k-1}")
    assert family.family and family.rows == "n_k"
    assert grammar.parse_directive("vectors y_k, b_k : n_k").cols == "1"
    order = grammar.parse_directive(r"read \prod_{k=L - 1}^{l + 1} as descending")
    assert order.spelling == r"\prod_{k=L-1}^{l+1}" and order.meaning == "descending"
    with pytest.raises(grammar.DirectiveError):
        grammar.parse_directive(r"read \prod_{k=1}^{n} as sideways")


def test_a_family_needs_a_one_letter_subscript():
    with pytest.raises(DeclarationError):
        declarations_from(["scalar n_{i} : real", "matrices A_{kl} : n_{k} x n_{l}"])


def test_derive_prints_families_and_orders_from_the_expressions():
    A = lambda at: IndexedMatrix("A", at, n[at], n[at - 1])  # noqa: E731
    Y = IndexedMatrix("Y", l - 1, n[l], f[l])
    product = OrderedProduct(A(k), (k, L, l + 1), -1)
    column = EntryMatrix(y[l, i], (i, n[l]))
    expressions = (A(L) * product, Y, column)
    assert _matrix_family_directives(expressions) == [
        "matrices A_{k} : n_{k} x n_{k - 1}", "matrices Y_{k} : n_{k + 1} x f_{k + 1}"]
    assert _product_order_directives(expressions) == [r"read \prod_{k=L}^{l + 1} as descending"]
    assert "_column" not in " ".join(_scalar_directives(expressions))
