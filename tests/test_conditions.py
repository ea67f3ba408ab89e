r"""Conditions written after a claim in a display (``\frac{1}{t} > 0 \text{ for } t > 0``), and hypotheses whose
names a counterexample leaves free (``assume z^2 = x``): a counterexample must satisfy both.

Each group has tests that fail if the condition (or hypothesis) is ignored, and tests that fail if it is used
to spare steps that are false under it.
"""
from __future__ import annotations

import pytest
from sympy import Rational, Symbol

from symderive.check import Settings, check_document
from symderive.hypotheses_at import within_hypotheses
from symderive.latex_in.document import parse_document
from symderive.latex_in.notation import Rewrite


def entries(*relations: str, directives: tuple[str, ...] = ()):
    text = "".join(f"<!-- symderive: {d} -->\n" for d in directives) + "".join(f"$${r}$$\n" for r in relations)
    return check_document(parse_document(text, "t.md"), Settings(timeout=20.0)).entries


# -- the document reader -----------------------------------------------------------------------------


@pytest.mark.parametrize("display, condition", [
    (r"\frac{1}{t} > 0 \text{ for } t > 0", ("t", ">", "0")),
    (r"\frac{1}{t} > 0 \quad \text{for} t > 0", ("t", ">", "0")),
    (r"\frac{1}{t} > 0 \quad \text{for $t > 0$}", ("t", ">", "0")),
    (r"\frac{1}{t} > 0, \quad \text{if } t > 0", ("t", ">", "0")),
    (r"\frac{1}{t} > 0 \text{ when } t > 0", ("t", ">", "0")),
    (r"y = 2a \text{ where } a = 3", ("a", "=", "3")),
    (r"\frac{1}{t} > 0 \quad (\text{for } t > 0)", ("t", ">", "0")),
    (r"\frac{1}{t} > 0 \quad \left(\text{for } t > 0\right)", ("t", ">", "0")),
    (r"\frac{1}{t} > 0 \quad (\text{if $t > 0$})", ("t", ">", "0")),
    (r"\sqrt{x^2} = x \qquad (\text{since } x \geq 0)", ("x", ">=", "0")),
])
def test_a_condition_is_carried_by_the_claim_and_is_no_claim_itself(display: str, condition: tuple[str, str, str]):
    (relation,) = parse_document(f"$${display}$$", "t.md").relations
    assert [(c.lhs.text, c.sign, c.rhs.text) for c in relation.conditions] == [condition]


def test_conditions_joined_by_and_and_chained_are_all_carried():
    (relation,) = parse_document(r"$$f(t) = 1 \text{ for } 0 < t < 1 \text{ and } s > 0$$", "t.md").relations
    assert [(c.lhs.text, c.sign, c.rhs.text) for c in relation.conditions] == [
        ("0", "<", "t"), ("t", "<", "1"), ("s", ">", "0")]


def test_prose_that_opens_no_condition_leaves_claims_alone():
    relations = parse_document(r"$$y = 2a \text{, hence } a = 3$$", "t.md").relations
    assert [(r.lhs.text, r.rhs.text, r.conditions) for r in relations] == [("y", "2a", ()), ("a", "3", ())]


# -- judged under the condition --------------------------------------------------------------------


@pytest.mark.parametrize("display", [
    r"\frac{1}{t} > 0 \text{ for } t > 0",
    r"\frac{1}{t} > 0 \quad \text{for $t > 0$}",
    r"|x| = x \text{ when } x \geq 0",
    r"t^2 > t \text{ if } t > 1",
    r"2a = 6 \text{ where } a = 3",
    r"\frac{x}{x} = 1 \text{ for } x \neq 0",
    r"\frac{1}{t} > 0 \quad (\text{for } t > 0)",  # in brackets
    r"\sqrt{x^2} = x \qquad \left(\text{if } x \geq 0\right)",
    r"\sqrt{x^2} = x \quad (\text{since $x \ge 0$})",
])
def test_a_step_true_under_its_condition_is_not_refuted(display: str):
    (entry,) = entries(display)
    assert entry.verdict != "refuted", entry.reason


@pytest.mark.parametrize("display", [
    r"|x| = x \text{ when } x \leq -1",  # false at every x the condition allows
    r"t^2 > t \text{ if } t > 0",  # false at t = 1/2
    r"x + 1 = x + 2 \quad \text{for $t > 0$}",  # false whatever t is
    r"x + 1 = x + 2 \text{ for } t > 0",
])
def test_a_step_false_under_its_condition_is_still_refuted(display: str):
    (entry,) = entries(display)
    assert entry.verdict == "refuted", entry.reason


def test_the_counterexample_of_a_conditional_step_satisfies_the_condition():
    (entry,) = entries(r"x + 1 = x + 2 \text{ for } t > 0")
    assert Rational(entry.counterexample["values"]["t"]) > 0


def test_a_condition_that_cannot_be_read_spares_the_step():
    (entry,) = entries(r"x + 1 = x + 2 \text{ for } \frac{}{} > 0")
    assert entry.verdict == "unknown"


# -- hypotheses with names the point leaves free ----------------------------------------------------

x, z, w = Symbol("x", real=True), Symbol("z", real=True), Symbol("w", real=True)
zp = Symbol("z", positive=True)


def test_a_free_name_gets_an_exact_value_that_satisfies_the_hypothesis():
    within = within_hypotheses({"x": "4"}, [Rewrite("h", z**2, x, kind="hypothesis")])
    assert within.holds
    assert Rational(dict(within.completion)["z"]) ** 2 == 4


@pytest.mark.parametrize("hypotheses", [
    [Rewrite("h", z**2, x, kind="hypothesis")],  # no real z with z^2 = -1
    [Rewrite("h", z**2, x, kind="hypothesis"), Rewrite("k", z, 5, kind="hypothesis")],  # together: x = 25
])
def test_a_point_no_free_values_can_complete_is_not_within(hypotheses):
    assert not within_hypotheses({"x": "-1"}, hypotheses).holds


def test_a_free_name_keeps_its_assumptions():
    assert not within_hypotheses({"x": "-1"}, [Rewrite("h", zp, x, kind="hypothesis")]).holds
    assert within_hypotheses({"x": "2"}, [Rewrite("h", zp, x, kind="hypothesis")]).holds


def test_a_point_contradicting_a_hypothesis_is_not_within():
    within = within_hypotheses({"x": "1", "z": "2"}, [Rewrite("h", z, x, kind="hypothesis")])
    assert within.contradicted == ("h",)


def test_hypotheses_sharing_no_name_with_the_point_are_not_asked():
    within = within_hypotheses({"x": "1"}, [Rewrite("h", z * w, 3, kind="hypothesis")])
    assert within.holds and not within.completion


def test_a_solution_with_a_name_left_free_is_completed_and_rechecked():
    within = within_hypotheses({"x": "3"}, [Rewrite("h", z + w, x, kind="hypothesis")])
    values = {name: Rational(v) for name, v in within.completion}
    assert values["z"] + values["w"] == 3


def test_a_claim_false_under_its_bracketed_condition_is_still_refuted():
    (entry,) = entries(r"x + 1 = x + 2 \quad (\text{for } t > 0)")
    assert entry.verdict == "refuted"
    (remark,) = parse_document(r"$$a = b \quad (\text{Since } -\log \text{ convex, Jensen})$$", "t.md").relations
    assert (remark.lhs.text.strip(), remark.rhs.text.strip()) == ("a", "b")  # a bracketed reason without maths: dropped
