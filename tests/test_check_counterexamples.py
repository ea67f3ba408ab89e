"""Counterexamples check can confirm: matrices (exact rationals) and entries of written-out sums.

Each refutation is confirmed here independently: the values are read back from the report and
both sides evaluated with plain SymPy matrices and sums, without the judge or check.
"""
from __future__ import annotations

import re

from sympy import IndexedBase, Integer, Matrix, Rational, Sum, Symbol

from symderive.check import Settings, check_document
from symderive.judge import Context, judge
from symderive.latex_in.document import parse_document
from symderive.model import Outcome


def _report(text: str):
    return check_document(parse_document(text, "t.tex", "tex"), Settings())


def _matrix(text: str) -> Matrix:
    return Matrix([[Rational(x) for x in row.split(",")] for row in re.findall(r"\[([^\[\]]*)\]", text[1:-1])])


def test_a_swapped_transpose_order_is_refuted_with_the_matrices():
    report = _report("% symderive: matrix A, B : n x n\n$$(A B)^T = A^T B^T$$\n$$(A B)^T = B^T A^T$$\n")
    wrong, right = report.entries
    assert right.verdict == "verified"
    assert wrong.verdict == "refuted", wrong.reason
    values = wrong.counterexample["values"]
    A, B = _matrix(values["A"]), _matrix(values["B"])
    assert (A * B).T != A.T * B.T  # confirmed without the judge


def test_a_wrong_determinant_step_is_refuted_not_left_unknown():
    report = _report("% symderive: matrix A : n x n, invertible\n$$\\det\\left(A^{-1}\\right) = \\det A$$\n")
    (entry,) = report.entries
    assert entry.verdict == "refuted", entry.reason
    A = _matrix(entry.counterexample["values"]["A"])
    assert A.inv().det() != A.det()


# A mistake from the init-variance transcript (step 26 with a sign flipped): the sums cancel in
# the difference, but each side still needs a value for n_0 to be a number at l = 0.
LEFT = r"\frac{3^{- l} v_{0}}{3} + \sum_{k=1}^{l + 1} \frac{3^{k - l - 2}}{n_{k - 1}}"
RIGHT = r"\sum_{k=1}^{l + 1} \frac{3^{k - l - 1}}{3 n_{k - 1}} - 3^{-(l + 1)} v_{0}"


def test_an_entry_that_cancels_in_the_difference_still_gets_a_value():
    l, k = Symbol("l", integer=True, nonnegative=True), Symbol("k", integer=True, positive=True)
    n, v = IndexedBase("n", integer=True, positive=True), IndexedBase("v", nonnegative=True)
    left = v[0] * 3**-l / 3 + Sum(3 ** (k - l - 2) / n[k - 1], (k, 1, l + 1))
    right = Sum(3 ** (k - l - 1) / (3 * n[k - 1]), (k, 1, l + 1)) - 3 ** -(l + 1) * v[0]
    verdict = judge(left, right, Context(seconds=60))
    assert verdict.outcome is Outcome.REFUTED, verdict.reason
    shown = verdict.counterexample
    at = {l: Integer(shown["l"]), v[0]: Rational(shown["v[0]"])}
    at.update({n[int(m.group(1))]: Integer(value) for name, value in shown.items()
               if (m := re.fullmatch(r"n\[(\d+)\]", name))})
    values = [side.xreplace({l: at[l]}).doit().xreplace(at) for side in (left, right)]
    assert all(value.is_Rational for value in values) and values[0] != values[1]


def test_check_confirms_such_a_counterexample():
    report = check_document(parse_document(
        "% symderive: scalar l : nonnegative integer\n% symderive: scalar n_{i} : positive integer\n"
        f"% symderive: scalar v_{{i}} : nonnegative\n$$ {LEFT} = {RIGHT} $$\n", "t.tex", "tex"), Settings(timeout=60))
    (entry,) = report.entries
    assert entry.verdict == "refuted", entry.reason
    assert any(name.startswith("n[") for name in entry.counterexample["values"])
