r"""The re-check of a counterexample before `symderive check` reports `refuted` (symderive.recheck).

Three kinds of counterexample the re-check must evaluate on its own: one that gives a law's
parameter (``c`` of ``a ~ U(-c, c)``), one that gives explicit matrices, one that gives a
random variable a value (which must lie strictly inside its law's support).  Each refutation is
confirmed here once more by hand (the variance of ``U(-c, c)`` is ``c^2/3``; plain SymPy
matrices).  Forged counterexamples -- a point where the step holds, a value its declaration
forbids, a matrix of the wrong shape or without its declared property, a value outside the
support -- must leave the step unknown, never refuted.
"""
from __future__ import annotations

import re

import pytest
from sympy import Abs, Matrix, Rational, sign, simplify, sqrt
from sympy import stats

from symderive import check_relation
from symderive.check import Settings, check_document
from symderive.check_relation import judge_context, judge_relation
from symderive.latex_in.declarations import apply_rewrites, declare
from symderive.latex_in.directives import parse_directive
from symderive.latex_in.document import parse_document
from symderive.latex_in.notation import Declarations, read_side
from symderive.model import Outcome, Verdict
from symderive.realisations import EntryLaw
from symderive.recheck import continuous_in, law_moment, polynomial_value, recheck

UNIFORM = ["read E as expectation", "scalar c : positive", "random a ~ U(-c, c)", "random d ~ U(-c, c)"]


def report(directives: list[str], *relations: str):
    text = "".join(f"<!-- symderive: {d} -->\n" for d in directives) + "".join(f"$${r}$$\n" for r in relations)
    return check_document(parse_document(text, "t.md"), Settings(timeout=20.0)).entries


def declarations_of(directives: list[str]) -> Declarations:
    declarations = Declarations()
    for number, text in enumerate(directives):
        declarations = declare(declarations, parse_directive(text), f"directive {number}")
    return declarations


def sides(directives: list[str], lhs: str, rhs: str):
    """Both sides read as check reads them, and the judge's context of the declarations."""
    declarations = declarations_of(directives)
    read = [apply_rewrites(read_side(text, declarations).expr, declarations)[0] for text in (lhs, rhs)]
    return read[0], read[1], judge_context(declarations)


def matrix(text: str) -> Matrix:
    return Matrix([[Rational(x) for x in row.split(",")] for row in re.findall(r"\[([^\[\]]*)\]", text[1:-1])])


# -- (a) a law's parameter ----------------------------------------------------------------------


@pytest.mark.parametrize("k", [2, 3])
def test_a_variance_mistake_is_refuted_with_the_law_parameter(k: int):
    (entry,) = report(UNIFORM, rf"\text{{Var}}({k} a) = {k} \text{{Var}}(a)")
    assert entry.verdict == "refuted", entry.reason
    c = Rational(entry.counterexample["values"]["c"])
    variance = (2 * c) ** 2 / 12  # of U(-c, c), by hand
    assert Rational(entry.counterexample["lhs"]) == k**2 * variance
    assert Rational(entry.counterexample["rhs"]) == k * variance != k**2 * variance


def test_a_variance_of_a_sum_mistake_is_refuted_with_the_law_parameter():
    (entry,) = report(UNIFORM, r"\text{Var}(a + d) = \text{Var}(a) - \text{Var}(d)")
    assert entry.verdict == "refuted", entry.reason
    c = Rational(entry.counterexample["values"]["c"])
    assert Rational(entry.counterexample["lhs"]) == 2 * c**2 / 3 and Rational(entry.counterexample["rhs"]) == 0


def test_the_recheck_computes_moments_at_the_given_parameter():
    left, right, context = sides(UNIFORM, r"\text{Var}(2 a)", r"2 \text{Var}(a)")
    checked = recheck(left, right, "=", {"c": "2"}, context)
    assert checked.refuted and (checked.lhs, checked.rhs) == (Rational(16, 3), Rational(8, 3))


def test_a_normal_law_with_a_parameter_is_rechecked():
    declared = ["read E as expectation", "scalar s : positive", r"random g ~ N(1, s)"]
    left, right, context = sides(declared, r"E(g^2)", "1 + 2 s")
    checked = recheck(left, right, "=", {"s": "3"}, context)
    assert checked.refuted and (checked.lhs, checked.rhs) == (4, 7)  # E g^2 = 1 + s


@pytest.mark.parametrize("law, random_symbol", [
    (EntryLaw("uniform", (Rational(-3), Rational(5))), lambda: stats.Uniform("u", -3, 5)),
    (EntryLaw("normal", (Rational(1), sqrt(2))), lambda: stats.Normal("z", 1, sqrt(2))),
])
def test_closed_form_moments_agree_with_sympy_stats(law, random_symbol):
    X = random_symbol()
    for order in range(5):
        assert simplify(law_moment(law, order) - stats.E(X**order)) == 0, order


def test_a_moment_that_is_no_polynomial_is_rechecked_by_sympy_stats():
    left, right, context = sides(UNIFORM, "E(|a|)", "c")
    checked = recheck(left, right, "=", {"c": "2"}, context)
    assert checked.refuted and (checked.lhs, checked.rhs) == (1, 2)  # E|U(-c, c)| = c/2
    half, _, _ = sides(UNIFORM, r"\frac{c}{2}", "c")
    assert not recheck(left, half, "=", {"c": "2"}, context).refuted


# -- (b) matrices --------------------------------------------------------------------------------


def test_matrix_counterexamples_are_rechecked_on_explicit_matrices():
    (wrong, right) = report(["matrix A, B : n x n"], "(A B)^T = A^T B^T", "(A B)^T = B^T A^T")
    assert right.verdict == "verified"
    assert wrong.verdict == "refuted", wrong.reason
    A, B = matrix(wrong.counterexample["values"]["A"]), matrix(wrong.counterexample["values"]["B"])
    assert A.shape == (int(wrong.counterexample["values"]["n"]),) * 2
    assert matrix(wrong.counterexample["lhs"]) == (A * B).T != A.T * B.T == matrix(wrong.counterexample["rhs"])


def test_a_matrix_with_a_declared_property_is_refuted_with_such_a_matrix():
    (entry,) = report(["matrix S : n x n, positive definite"], "S^{-1} = S")
    assert entry.verdict == "refuted", entry.reason
    S = matrix(entry.counterexample["values"]["S"])
    assert S == S.T and all(S[:k, :k].det() > 0 for k in range(1, S.rows + 1)) and S.inv() != S


def test_the_recheck_evaluates_given_matrices():
    left, right, context = sides(["matrix A, B : n x n"], "(A B)^T", "A^T B^T")
    checked = recheck(left, right, "=", {"n": "2", "A": "[[1, 2], [0, 1]]", "B": "[[1, 0], [3, 1]]"}, context)
    A, B = Matrix([[1, 2], [0, 1]]), Matrix([[1, 0], [3, 1]])
    assert checked.refuted and checked.lhs == (A * B).T and checked.rhs == A.T * B.T


def test_a_matrix_of_the_wrong_shape_is_no_counterexample():
    left, right, context = sides(["matrix A, B : n x n"], "(A B)^T", "A^T B^T")
    checked = recheck(left, right, "=", {"n": "3", "A": "[[1, 2], [0, 1]]", "B": "[[1, 0], [3, 1]]"}, context)
    assert not checked.refuted and "declared 3×3" in checked.reason


@pytest.mark.parametrize("declared, value", [
    ("symmetric", "[[1, 2], [0, 1]]"),
    ("diagonal", "[[1, 2], [2, 1]]"),
    ("invertible", "[[1, 2], [2, 4]]"),
    ("orthogonal", "[[1, 1], [0, 1]]"),
    ("positive definite", "[[1, 2], [2, 1]]"),  # symmetric, but its determinant is -3
])
def test_a_matrix_without_its_declared_property_is_no_counterexample(declared: str, value: str):
    left, right, context = sides([f"matrix S : n x n, {declared}"], "S^T", "S")
    checked = recheck(left, right, "=", {"n": "2", "S": value}, context)
    assert not checked.refuted and declared in checked.reason


# -- (c) realisations of random variables ----------------------------------------------------------


def test_a_pointwise_step_about_a_uniform_variable_is_refuted_inside_its_support():
    (entry,) = report(UNIFORM, "|a| = a")
    assert entry.verdict == "refuted", entry.reason
    values = {name: Rational(v) for name, v in entry.counterexample["values"].items()}
    a, c = values["a[0]"], values["c"]
    assert -c < a < c and Abs(a) != a


def test_a_pointwise_step_about_a_normal_variable_is_refuted_at_a_real_value():
    (entry,) = report(["random g ~ N(0, 1)"], "g^2 = g")
    assert entry.verdict == "refuted", entry.reason
    g = Rational(entry.counterexample["values"]["g[0]"])  # a real, exact value (never complex)
    assert g**2 != g


@pytest.mark.parametrize("relation", ["|a| < c", r"a^2 \le c^2", "a^2 > 0", "|a| - c < 0"])
def test_a_step_true_on_the_support_is_never_refuted(relation: str):
    (entry,) = report(UNIFORM, relation)
    assert entry.verdict != "refuted", entry.reason


def test_a_false_inequality_about_a_realisation_is_refuted_inside_the_support():
    (entry,) = report(UNIFORM, "|a| > c")  # false everywhere on the support
    assert entry.verdict == "refuted", entry.reason
    values = {name: Rational(v) for name, v in entry.counterexample["values"].items()}
    assert -values["c"] < values["a[0]"] < values["c"]


def test_a_realisation_on_the_boundary_or_outside_is_no_counterexample():
    left, right, context = sides(UNIFORM, "|a|", "c")
    for value in ("-1", "1", "3"):
        checked = recheck(left, right, "<", {"c": "1", "a[0]": value}, context)
        assert not checked.refuted and "outside the support" in checked.reason, value
    assert recheck(left, right, "<", {"c": "2", "a[0]": "-1"}, context).refuted is False  # it holds there
    assert recheck(left, right, ">", {"c": "2", "a[0]": "-1"}, context).refuted


def test_values_of_dependent_entries_are_no_counterexample():
    """Each value inside its own support need not be a value the pair takes together (x_1 = x_2, say)."""
    declared = ["random x_{i} ~ U(-1, 1), dependent"]
    left, right, context = sides(declared, "x_1", "x_2")
    checked = recheck(left, right, "=", {"x[1]": "1/2", "x[2]": "-1/2"}, context)
    assert not checked.refuted and "not declared independent" in checked.reason
    left, right, context = sides(["random x_{i} ~ U(-1, 1)"], "x_1", "x_2")  # i.i.d.: a genuine counterexample
    assert recheck(left, right, "=", {"x[1]": "1/2", "x[2]": "-1/2"}, context).refuted


def test_a_jump_at_a_single_value_of_a_continuous_law_refutes_nothing():
    declarations = declarations_of(UNIFORM)
    a = read_side("a", declarations).expr
    checked = recheck(sign(a) ** 2, Rational(1), "=", {"c": "1", "a[0]": "0"}, judge_context(declarations))
    assert not checked.refuted and "jump" in checked.reason
    assert continuous_in(Abs(a) ** 2 + a, {a}) and not continuous_in(sign(a), {a})


# -- forged counterexamples ----------------------------------------------------------------------------


@pytest.mark.parametrize("directives, lhs, rhs, values", [
    (UNIFORM, r"\text{Var}(2 a)", r"4 \text{Var}(a)", {"c": "2"}),  # true: 4 Var(a)
    (UNIFORM, r"E(a) a", "0", {"c": "1", "a[0]": "1/2"}),  # inside E, a is the variable, not 1/2
    (["matrix A, B : n x n"], "(A B)^T", "B^T A^T", {"n": "2", "A": "[[1, 2], [0, 1]]", "B": "[[1, 0], [3, 1]]"}),
    (["scalar n : positive integer"], r"\sum_{k=1}^{n} 1", "n", {"n": "-2"}),  # n = -2 contradicts the declaration
    (UNIFORM, "|a|", "a", {"a[0]": "-3"}),  # the support of a is not known without c
    (["random a ~ U(-c, c)"], r"\text{Var}(a)", r"\frac{c^2}{3}", {"c": "-1"}),  # U(1, -1) is no law
    (UNIFORM, "a^2", "a", {"c": "1", "a[0]": "2 + I"}),  # not a rational
    (UNIFORM, "a", "2", {"c": "1", "b": "3"}),  # a name the step does not have
])
def test_a_forged_counterexample_is_rejected(directives, lhs, rhs, values):
    left, right, context = sides(directives, lhs, rhs)
    assert not recheck(left, right, "=", values, context).refuted


@pytest.mark.parametrize("lhs, rhs, values", [
    (r"\text{Var}(3 a)", r"9 \text{Var}(a)", {"c": "2"}),
    (r"\text{Var}(a + d)", r"\text{Var}(a) + \text{Var}(d)", {"c": "1"}),
    (r"E(a) a", "0", {"c": "1", "a[0]": "1/2"}),
])
def test_check_never_reports_a_forged_refutation(monkeypatch, lhs, rhs, values):
    """A judge that claims a counterexample for a true step: check re-checks it and says unknown."""
    monkeypatch.setattr(check_relation, "judge", lambda *args, **kwargs: Verdict(Outcome.REFUTED, "forged", counterexample=values))
    outcome = judge_relation(lhs, "=", rhs, declarations_of(UNIFORM))
    assert outcome["verdict"] == "unknown" and "forged" in outcome["reason"]


def test_check_reports_a_confirmed_refutation_from_the_judge(monkeypatch):
    """The same path with a genuine counterexample: the control for the test above."""
    monkeypatch.setattr(check_relation, "judge", lambda *args, **kwargs: Verdict(Outcome.REFUTED, "real", counterexample={"c": "3"}))
    outcome = judge_relation(r"\text{Var}(3 a)", "=", r"3 \text{Var}(a)", declarations_of(UNIFORM))
    assert outcome["verdict"] == "refuted" and outcome["counterexample"]["lhs"] == "27"


# -- (d) a function given as a polynomial -------------------------------------------------------------


def test_an_integral_of_an_undeclared_function_is_refuted_with_a_polynomial():
    (entry,) = report(["function f"], r"\int_0^1 f(\alpha) \, d\alpha = \int_0^2 f(t) \, dt")
    assert entry.verdict == "refuted", entry.reason
    from sympy import Symbol, integrate

    t = Symbol("t")
    polynomial = polynomial_value(entry.counterexample["values"]["f(t)"], (t,))
    # by hand: both integrals of the polynomial given
    assert Rational(entry.counterexample["lhs"]) == integrate(polynomial, (t, 0, 1))
    assert Rational(entry.counterexample["rhs"]) == integrate(polynomial, (t, 0, 2))


def test_a_forged_function_counterexample_is_not_reported():
    left, right, context = sides(["function f"], r"\int_0^1 f(t) \, dt", r"\int_0^1 f(s) \, ds")
    holds = recheck(left, right, "=", {"f(t)": "3*t**2 - 1"}, context)
    assert not holds.refuted and "holds there" in holds.reason
    unreadable = recheck(left, right, "=", {"f(t)": "__import__('os')"}, context)
    assert not unreadable.refuted and "cannot be read back" in unreadable.reason


@pytest.mark.parametrize("text, value", [
    ("-2*t**3/3 - t**2 - 5*t/4 - 9", "-2*t**3/3 - t**2 - 5*t/4 - 9"),
    ("(t - 1)**2 + 7/3", "(t - 1)**2 + 7/3"),
    ("-(-t)**3", "t**3"),
    ("t1*t2 - 3", "t1*t2 - 3"),
])
def test_polynomials_are_read_back_exactly(text: str, value: str):
    from sympy import Symbol, expand

    variables = (Symbol("t"), Symbol("t1"), Symbol("t2"))
    by_hand = {"-2*t**3/3 - t**2 - 5*t/4 - 9": -Rational(2, 3) * variables[0] ** 3 - variables[0] ** 2
               - Rational(5, 4) * variables[0] - 9,
               "(t - 1)**2 + 7/3": (variables[0] - 1) ** 2 + Rational(7, 3),
               "t**3": variables[0] ** 3, "t1*t2 - 3": variables[1] * variables[2] - 3}[value]
    assert expand(polynomial_value(text, variables) - by_hand) == 0


@pytest.mark.parametrize("text", ["t**100", "t**(1/2)", "x + 1", "1/0", "(t + 1", "t +", "exp(t)", "t" * 3000,
                                  "1e5", "t**-1"])
def test_what_is_no_polynomial_is_refused(text: str):
    from sympy import Symbol

    with pytest.raises(ValueError):
        polynomial_value(text, (Symbol("t"),))
