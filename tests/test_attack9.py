r"""Attacks on the check features of 27 Nov: conditions after a claim (``\text{ for } t > 0``, also in brackets),
hypotheses whose names a counterexample leaves free (``assume z^2 = x``), the derivative operator
``\frac{d}{dx} F``, bare operator arguments.

What broke (fixed here, each guarded below):

* ``y := x^2`` then ``\frac{d}{dx} (x y) = x^2`` was *verified* (and the true ``= 3x^2`` refuted): the reader took
  the derivative with ``y`` a declared constant, and the definition was put in afterwards.  Now a derivative of
  an expression with a name that a definition or hypothesis replaces is kept until the rewrites are applied,
  then taken (:func:`symderive.check_relation._read_rewritten`); ``\partial y / \partial x`` under ``define y = x^2`` and
  ``\frac{d}{dx} f(x)`` under ``assume f(x) = x^2`` are judged too (they stopped at "derivative wrt 0").
* ``\frac{1}{t} > 0 \text{ for } t \in (0, \infty)`` was refuted at t = -1: a condition that states a domain or
  a range was dropped.  It is now kept (sign ``in``), and a claim under it is not refuted (``\in \mathbb{R}``
  restricts nothing: still refuted).
* ``\sqrt{x^2} = x \text{ for } t > 0 \quad x + 1 = x + 2``: the false ``x + 1 = x + 2`` after the ``\quad`` was
  read as a condition, so it was never judged nor shown.  A ``\quad`` after a condition's maths now starts a new
  statement (right after the prose, or before ``\text{and}``, it still does not); so does one after prose that
  opens a condition and completes it (``\text{as required} \quad c = c + 1``).
* ``n^2 = 4k^2 \quad (\text{if } n \text{ is even, } n = 2k)`` refuted ``n = 2k`` as a claim (and the step without
  its condition): inside a bracketed condition, other prose no longer ends it.
* ``assume z^2 = x`` then ``w > 0 \text{ for } w > x`` was refuted at w = -1 "with x = -2": the values drawn for
  a condition's names were not checked against the hypotheses (no real z has z^2 = -2).  Now they are.
* ``\mathbb{E} X_1 \cdot X_1 = 1`` (X_1 ~ N(0, 1)) was refuted, read E(X_1)·X_1 = 0: a bare operator argument
  followed by ``\cdot`` or ``\times`` and a random factor is as ambiguous as one followed by ``+`` (E[X_1 X_1]
  is the likelier reading); with a constant factor (``\operatorname{Var} X_1 \cdot 2``) it is still read.
* ``assume z^4 + z^3 w + w^4 = x`` then ``x \geq 0`` ran into the time limit: ``solve`` on two names of degree
  4.  The completion of a point (:mod:`symderive.hypotheses_at`) now tries all names but one at a few values and
  the last at the exact roots of one variable.
"""
from __future__ import annotations

import pytest
from sympy import Rational, Symbol

from symderive.check import Settings, check_document
from symderive.hypotheses_at import within_hypotheses
from symderive.latex_in.document import parse_document
from symderive.latex_in.notation import Rewrite


@pytest.fixture(autouse=True)
def no_default_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMDERIVE_CACHE_DIR", str(tmp_path / "default-cache"))


def entries(*relations: str, directives: tuple[str, ...] = (), timeout: float = 20.0):
    text = "".join(f"<!-- symderive: {d} -->\n" for d in directives) + "".join(f"$${r}$$\n" for r in relations)
    return check_document(parse_document(text, "t.md"), Settings(timeout=timeout)).entries


def verdicts(*relations: str, directives: tuple[str, ...] = ()) -> list[str]:
    return [entry.verdict for entry in entries(*relations, directives=directives)]


# -- \frac{d}{dx} of a name a definition or hypothesis replaces ----------------------------------------------


@pytest.mark.parametrize("directives", [
    ("define y = x^2",),
    ("scalar y", "define y = x^2"),
    ("assume y = x^2",),
    ("scalar y", "assume y = x^2"),
])
def test_a_derivative_is_taken_after_the_definitions_are_put_in(directives):
    # d/dx (x · x^2) = 3x^2; taking it with y a constant gives y = x^2 (was: verified)
    assert verdicts(r"\frac{d}{dx} (x y) = x^2", r"\frac{d}{dx} (x y) = 3x^2", directives=directives) \
        == ["refuted", "verified"]


def test_a_derivative_is_taken_after_a_definition_in_the_document():
    text = "$$y := x^2$$\n" r"$$\frac{d}{dx} (x y) = x^2$$" "\n" r"$$\frac{d}{dx} (x y) = 3x^2$$" "\n"
    found = check_document(parse_document(text, "t.md"), Settings(timeout=20.0)).entries
    assert [e.verdict for e in found] == ["refuted", "verified"]


def test_a_derivative_made_explicit_by_the_rewrites_is_judged():
    assert verdicts(r"\frac{\partial y}{\partial x} = 2x", r"\frac{\partial y}{\partial x} = x",
                    directives=("define y = x^2",)) == ["verified", "refuted"]
    assert verdicts(r"\frac{d}{dx} f(x) = 2x", r"\frac{d}{dx} f(x) = 0",
                    directives=("function f", "assume f(x) = x^2")) == ["verified", "refuted"]


def test_a_declared_constant_is_still_differentiated_at_once():
    assert verdicts(r"\frac{d}{dx} (a x^2) = 2 a x", r"\frac{d}{dx} (a x^2) = a x",
                    directives=("scalar a",)) == ["verified", "refuted"]


# -- completing a point in the hypotheses: bounded -----------------------------------------------------------


def test_a_quartic_hypothesis_in_several_free_names_is_completed_without_solve():
    # x = -1 with z = 0, w = 1, u = 1 satisfies it (solve on three names of degree 4 ran past the time limit)
    (entry,) = entries(r"x \geq 0", directives=("assume z^4 - 3 z^2 w + w^3 u - u^4 = x + 1",))
    assert entry.verdict == "refuted", entry.reason
    values = {name: Rational(v) for name, v in entry.counterexample["values"].items()}
    z, w, u, x = (values[n] for n in "zwux")
    assert z**4 - 3 * z**2 * w + w**3 * u - u**4 == x + 1


def test_a_quartic_hypothesis_without_a_real_completion_refutes_nothing():
    # z^4 + z^3 w + w^4 > 0 for real z, w: no point with x < 0 lies within it
    (entry,) = entries(r"x \geq 0", directives=("assume z^4 + z^3 w + w^4 = x",))
    assert entry.verdict == "unknown" and "time limit" not in entry.reason, entry.reason


def test_an_irrational_completion_is_exact():
    x, z = Symbol("x", real=True), Symbol("z", positive=True)
    within = within_hypotheses({"x": "2"}, [Rewrite("h", z**2, x, kind="hypothesis")])
    assert within.holds and dict(within.completion)["z"] == "sqrt(2)"


# -- conditions: domains, what a \quad after one starts, brackets ------------------------------------------


@pytest.mark.parametrize("display", [
    r"\frac{1}{t} > 0 \text{ for } t \in (0, \infty)",
    r"\sqrt{x^2} = x \text{ for } x \in [0, 1]",
    r"\sqrt{l^2} = l \text{ for } l = 1, \dots, 5",
])
def test_a_claim_under_a_domain_it_holds_on_is_not_refuted(display):
    (entry,) = entries(display)
    assert entry.verdict == "unknown", entry.reason


def test_a_claim_false_everywhere_is_refuted_under_the_real_line():
    assert verdicts(r"x + 1 = x + 2 \text{ for all } x \in \mathbb{R}") == ["refuted"]


def test_a_domain_condition_is_kept_whole():
    (relation,) = parse_document(r"$$\frac{1}{t} > 0 \text{ for } t \in (0, \infty)$$", "t.md").relations
    (condition,) = relation.conditions
    assert condition.sign == "in" and condition.lhs.text.strip() == r"t \in (0, \infty)"
    (bare,) = parse_document(r"$$x + 1 = x + 2 \text{ for all } x$$", "t.md").relations
    assert bare.conditions == ()


@pytest.mark.parametrize("display", [
    r"\sqrt{x^2} = x \text{ for } t > 0 \quad x + 1 = x + 2",
    r"\frac{1}{t} > 0 \text{ for $t > 0$} \quad x + 1 = x + 2",
    r"\frac{1}{t} > 0 \text{ for } t > 0 \text{ and } s > 0 \quad x + 1 = x + 2",
    r"\frac{1}{t} > 0 \quad (\text{for } t > 0) \quad x + 1 = x + 2",
    r"a = a \text{ as required} \quad x + 1 = x + 2",
])
def test_a_claim_after_a_condition_and_a_quad_is_judged(display):
    found = entries(display)
    assert [(e.lhs, e.verdict) for e in found if e.lhs == "x + 1"] == [("x + 1", "refuted")]


@pytest.mark.parametrize("display", [
    r"\frac{1}{ts} > 0 \text{ for } t > 0 \quad \text{and} \quad s > 0",
    r"\frac{1}{ts} > 0 \text{ for} \quad t > 0 \text{ and } s > 0",
    r"\frac{1}{ts} > 0 \text{ for all} \quad t > 0 \text{ and } s > 0",
    r"\frac{1}{ts} > 0 \quad (\text{for } t > 0, \quad s > 0)",
    r"\frac{1}{ts} > 0 \quad (\text{for } t > 0 \text{ with } s > 0)",
])
def test_a_condition_continued_after_a_quad_is_still_one(display):
    (relation,) = parse_document(f"$${display}$$", "t.md").relations
    assert [(c.lhs.text.strip(), c.sign, c.rhs.text.strip()) for c in relation.conditions] \
        == [("t", ">", "0"), ("s", ">", "0")]


def test_prose_inside_a_bracketed_condition_does_not_end_it():
    display = r"n^2 = 4k^2 \quad (\text{if } n \text{ is even, } n = 2k)"
    (relation,) = parse_document(f"$${display}$$", "t.md").relations
    assert (relation.lhs.text.strip(), relation.rhs.text.strip()) == ("n^2", "4k^2")
    assert [(c.lhs.text.strip(), c.sign, c.rhs.text.strip()) for c in relation.conditions] == [("n", "=", "2k")]
    (entry,) = entries(display)
    assert entry.verdict == "unknown", entry.reason
    (false,) = entries(r"x + 1 = x + 2 \quad (\text{if } n \text{ is even, } n = 2k)")
    assert false.verdict == "refuted", false.reason


# -- a bare operator argument followed by a product with a random factor ------------------------------------


def test_a_bare_argument_times_a_random_factor_is_ambiguous():
    found = entries(r"\mathbb{E} X_1 \cdot X_1 = 1", r"\operatorname{Var} X_1 \times X_2 = 1",
                    r"\operatorname{Var} X_1 \cdot 2 = 2", r"\operatorname{Var} X_1 \cdot 2 = 1",
                    directives=("random X_i ~ N(0, 1)",))
    assert [e.verdict for e in found] == ["unknown", "unknown", "verified", "refuted"]
    assert all("add parentheses" in e.reason for e in found[:2])


# -- values drawn for a condition must lie within the hypotheses ----------------------------------------------


@pytest.mark.parametrize("relation, directives", [
    (r"w > 0 \text{ for } w > x", ("assume z^2 = x",)),
    (r"w > 0 \text{ for } w > x \text{ where } x = z^2", ()),
])
def test_values_drawn_for_a_condition_obey_the_hypotheses(relation, directives):
    (entry,) = entries(relation, directives=directives)  # x = z^2 >= 0, so w > x gives w > 0
    assert entry.verdict != "refuted", entry.reason


def test_a_point_completed_for_conditions_and_hypotheses_still_refutes():
    (entry,) = entries(r"x \geq 5 \text{ for } t > 0", directives=("scalar x : positive", "assume z^2 = x"))
    assert entry.verdict == "refuted", entry.reason
    values = {name: value for name, value in entry.counterexample["values"].items()}
    assert {"x", "z", "t"} <= set(values)
