r"""Attacks on the declared densities of ``check`` (``density f, g on \mathbb{R}^d : positive``, ``random \alpha ~ f``).

What broke (fixed here, each guarded below):

* ``random X ~ N(0, 1)`` beside ``random \alpha ~ f``: ``\mathbb{E}[\alpha X^2] = \alpha``, ``\mathbb{E}[\alpha + X] = \alpha``
  and ``\operatorname{Var}[\alpha X] = \alpha^2`` were *verified* (and ``\operatorname{Var}[\alpha] = 0`` plausible): an
  expectation with a density variable and another random quantity is not unfolded into an integral, and the moment
  rules then took the density variable for a constant.  A density variable left under E/Var/Cov after unfolding now
  makes the relation ``unknown`` (:func:`symderive.check_densities.left_under_operators`).

What held (guarded as regressions): Jensen's inequality is not applied to a concave phi, to the wrong direction, to a
strict inequality, to a phi with a constant of unknown sign, to a Z not shown positive, nor to densities not declared
positive (or positive on another region); a density's mass is 1 only for the density itself over its own region;
redeclaring the density or the variable drops the law.
"""
from __future__ import annotations

import pytest

from symderive.check import Settings, check_document
from symderive.latex_in.document import parse_document


@pytest.fixture(autouse=True)
def no_default_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMDERIVE_CACHE_DIR", str(tmp_path / "default-cache"))


DENSITIES = (r"scalar \alpha", r"density f, g on \mathbb{R}^d : positive", r"random \alpha ~ f")
E = r"\mathbb{E}"
R = r"\int_{\mathbb{R}^d}"
Z = r"\frac{g(\alpha)}{f(\alpha)}"
KL_JENSEN = rf"{E}\left[-\log {Z}\right] \geq -\log {E}\left[{Z}\right]"


def entries(*relations: str, directives: tuple[str, ...] = DENSITIES, timeout: float = 20.0):
    text = "".join(f"<!-- symderive: {d} -->\n" for d in directives) + "".join(f"$${r}$$\n" for r in relations)
    return check_document(parse_document(text, "t.md"), Settings(timeout=timeout)).entries


def verdicts(*relations: str, directives: tuple[str, ...] = DENSITIES) -> list[str]:
    return [entry.verdict for entry in entries(*relations, directives=directives)]


# -- a density variable beside other random quantities ---------------------------------------------------------


@pytest.mark.parametrize("relation", [
    rf"{E}[\alpha X^2] = \alpha",  # E[alpha] E[X^2] = E[alpha], not alpha
    rf"{E}[\alpha + X] = \alpha",
    rf"{E}[X^2 \log f(\alpha)] = \log f(\alpha)",
    r"\operatorname{Var}[\alpha X] = \alpha^2",
    r"\operatorname{Var}[\alpha + X] = 1",
    r"\operatorname{Var}[\alpha] = 0",
])
def test_a_density_variable_is_not_a_constant_beside_another_random_variable(relation):
    (entry,) = entries(relation, directives=(*DENSITIES, r"random X ~ N(0, 1)"))
    assert entry.verdict == "unknown"
    assert "declared density" in entry.reason


def test_a_density_variable_beside_random_entries_is_not_judged():
    assert verdicts(rf"{E}[\alpha (A)_{{ij}}^2] = \alpha \frac{{c^2}}{{3}}", rf"{E}[\alpha + (A)_{{ij}}] = \alpha",
                    directives=(*DENSITIES, r"random (A)_{ij} ~ U(-c, c)")) == ["unknown", "unknown"]


def test_an_expectation_made_constant_by_its_density_still_meets_the_moment_rules():
    # E[alpha] is an integral (a constant), so E[E[alpha] X^2] = E[alpha] E[X^2] = E[alpha]
    assert verdicts(rf"{E}[{E}[\alpha] X^2] = {E}[\alpha]",
                    directives=(*DENSITIES, r"random X ~ N(0, 1)")) == ["verified"]


# -- Jensen's inequality: only convex phi, the right direction, Z > 0 ------------------------------------------


def test_jensen_verifies_the_seed_step_both_ways_round():
    assert verdicts(KL_JENSEN, rf"-\log {E}\left[{Z}\right] \leq {E}\left[-\log {Z}\right]") == ["verified", "verified"]


@pytest.mark.parametrize("relation", [
    rf"{E}\left[\log {Z}\right] \geq \log {E}\left[{Z}\right]",  # log is concave
    rf"{E}\left[\sqrt{{{Z}}}\right] \geq \sqrt{{{E}\left[{Z}\right]}}",  # so is the square root
    rf"{E}\left[-\log {Z}\right] \leq -\log {E}\left[{Z}\right]",  # the wrong direction
    rf"{E}\left[-\log {Z}\right] > -\log {E}\left[{Z}\right]",  # Jensen is not strict
    rf"{E}\left[-c\log {Z}\right] \geq -c\log {E}\left[{Z}\right]",  # c of unknown sign
    rf"{E}\left[-\log \alpha\right] \geq -\log {E}\left[\alpha\right]",  # alpha > 0 not shown
    rf"{E}\left[-\log (g(\alpha) - f(\alpha))\right] \geq -\log {E}\left[g(\alpha) - f(\alpha)\right]",
    rf"{E}\left[-\log {Z}\right] \geq -\log {E}\left[{Z}\right] + 1",
    rf"{E}\left[-\log {Z}\right] \geq -\log {E}\left[{Z}\right] + \alpha",  # the variable outside the integral
])
def test_jensen_is_not_applied_where_it_does_not_hold(relation):
    assert verdicts(relation) == ["unknown"]


@pytest.mark.parametrize("directives", [
    (r"scalar \alpha", r"density f, g on \mathbb{R}^d", r"random \alpha ~ f"),
    (r"scalar \alpha", r"density f on \mathbb{R}^d : positive", r"density g on \mathbb{R}^d", r"random \alpha ~ f"),
    (r"scalar \alpha", r"density f on \mathbb{R}^d : positive", r"density g on \mathbb{R}^k : positive",
     r"random \alpha ~ f"),
    (*DENSITIES, r"density g on \mathbb{R}^d"),  # g no longer declared positive
    (*DENSITIES, r"function g"),
])
def test_jensen_needs_z_positive_from_densities_declared_positive_on_the_region(directives):
    assert verdicts(KL_JENSEN, directives=directives) == ["unknown"]


# -- masses and unfolding ------------------------------------------------------------------------------------


def test_a_mass_is_one_only_for_the_density_over_its_region():
    assert verdicts(rf"{R} f(\alpha) d\alpha = 1", rf"{R} f(\beta) d\beta = 1", rf"{R} f(2\alpha) d\alpha = 1",
                    rf"{R} f(\alpha)^2 d\alpha = 1", rf"{R} f(\beta) d\alpha = 1",
                    rf"\int_{{\mathbb{{R}}^k}} f(\alpha) d\alpha = 1", rf"{R} 2 f(\alpha) d\alpha = 1") \
        == ["verified", "verified", "refuted", "refuted", "unknown", "unknown", "refuted"]


@pytest.mark.parametrize("redeclaration", [r"density f on \mathbb{R}^k", r"function f", r"scalar \alpha",
                                           r"random \alpha ~ N(0, 1)"])
def test_a_redeclaration_drops_the_law_of_the_variable(redeclaration):
    assert verdicts(KL_JENSEN, rf"{E}[\alpha] = {R} \alpha f(\alpha) d\alpha",
                    directives=(*DENSITIES, redeclaration)) == ["unknown", "unknown"]


def test_integrands_are_compared_with_positive_values_only_for_densities_declared_positive():
    positive = rf"{R} \log(f(\alpha)^2) d\alpha = {R} 2 \log f(\alpha) d\alpha"
    assert verdicts(positive) == ["verified"]
    assert verdicts(positive, directives=(r"density f on \mathbb{R}^d",)) == ["unknown"]
    assert verdicts(rf"\int_{{\mathbb{{R}}^k}} \log(f(\alpha)^2) d\alpha = \int_{{\mathbb{{R}}^k}} 2 \log f(\alpha) d\alpha",
                    directives=(r"density f on \mathbb{R}^d : positive",)) == ["unknown"]
    assert verdicts(rf"{R} \log(h(\alpha)^2) d\alpha = {R} 2 \log h(\alpha) d\alpha",
                    directives=(*DENSITIES, "function h")) == ["unknown"]


# -- a counterexample keeps the densities declared positive positive -----------------------------------------


CEILING_ONE = rf"{R} g(\alpha) \left\lceil \frac{{f(\alpha)}}{{f(\alpha)+1}} \right\rceil d\alpha = 1"


def test_a_density_declared_positive_is_not_refuted_with_an_exponential_density():
    # f > 0 on R^d makes the ceiling 1 and the integral g's mass; with f = Exp(2) (zero below 0) it is 1/2
    assert verdicts(CEILING_ONE) == ["unknown"]


def test_a_density_not_declared_positive_is_still_refuted_with_one():
    (entry,) = entries(CEILING_ONE, directives=(r"scalar \alpha", r"density f, g on \mathbb{R}^d"))
    assert entry.verdict == "refuted"
    assert "Exp(2)" in entry.reason


def test_a_positive_density_is_still_refuted_with_gaussians():
    assert verdicts(rf"{E}[\alpha] = {R} \alpha g(\alpha) d\alpha") == ["refuted"]
