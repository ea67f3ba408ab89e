r"""`symderive check` on statements about unknown densities and random vectors.

A step about every pair of densities ``f, g`` is refuted by concrete densities for which the
two sides differ (:mod:`symderive.density_instances`), each refutation confirmed here by an
independent numerical quadrature; a true step is never refuted.  Expectations of declared
random vectors are judged with their laws.
"""
from __future__ import annotations

import math

from scipy.integrate import quad
from sympy import Symbol, lambdify

from symderive.check import Settings, check_document, report_text
from symderive.density_instances import FAMILY_SETS, density_counterexample
from symderive.latex_in.declarations import declarations_from
from symderive.latex_in.document import parse_document
from symderive.latex_in.notation import read_side

DENSITIES = ["scalar d, i, j : positive integer", "scalar x_{i} : real", "function f, g", r"scalar \alpha : real"]
KL_INTEGRAL = r"\int_{\operatorname{supp} f} f(\alpha) \log{\left(\frac{f(\alpha)}{g(\alpha)}\right)} \, \mathrm{d}\alpha"
FLIPPED = r"\int_{\operatorname{supp} f} f(\alpha) \log{\left(\frac{g(\alpha)}{f(\alpha)}\right)} \, \mathrm{d}\alpha"
REWRITTEN = r"\int_{\operatorname{supp} f} - f(\alpha) \log{\left(\frac{g(\alpha)}{f(\alpha)}\right)} \, \mathrm{d}\alpha"


def side(text: str):
    return read_side(text, declarations_from(DENSITIES)).expr


def test_a_sign_mistake_under_the_integral_is_refuted_with_the_densities_named():
    found = density_counterexample(side(KL_INTEGRAL), side(FLIPPED))
    assert found is not None and "N(0, 1**2)" in found.values["f"]
    # independently: the KL divergence of N(0, 1) from N(1, 2^2) by quadrature, and its negative
    p, q = (pair.at(Symbol("t", real=True)) for pair in FAMILY_SETS[0][0])
    t = Symbol("t", real=True)
    kl = quad(lambdify(t, p * (-t**2 / 2 + (t - 1) ** 2 / 8 + 0.6931471805599453)), -40, 40)[0]
    assert abs(float(found.lhs) - kl) < 1e-9 and abs(float(found.rhs) + kl) < 1e-9


def test_true_identities_and_expressions_without_densities_are_not_refuted():
    assert density_counterexample(side(KL_INTEGRAL), side(REWRITTEN)) is None
    assert density_counterexample(side(r"\alpha + 1"), side(r"\alpha + 2")) is None  # no integral: not ours


def test_mass_outside_the_support_needs_the_narrow_families():
    lhs = side(r"\log{\left(\int_{\operatorname{supp} f} g(\alpha) \, \mathrm{d}\alpha \right)}")
    found = density_counterexample(lhs, -lhs)
    assert found is not None and "Exp(2)" in found.values["f"] and "Laplace(0, 1)" in found.values["g"]
    mass = quad(lambda t: 0.5 * math.exp(-abs(t)), 0, math.inf)[0]  # Laplace(0, 1) on supp Exp(2) = [0, oo)
    assert abs(float(found.lhs) - math.log(mass)) < 1e-9 and abs(float(found.rhs) + math.log(mass)) < 1e-9


def test_check_refutes_a_wrong_step_about_densities_and_verifies_the_right_one():
    text = "\n".join(f"% symderive: {line}" for line in DENSITIES) + (
        "\n\\begin{align*}\n"
        f"  & {KL_INTEGRAL} \\\\\n  &= {REWRITTEN} \\\\\n  &= {FLIPPED}\n"
        "\\end{align*}\n")
    report = check_document(parse_document(text, "t.tex", "tex"), Settings(timeout=20.0))
    verdicts = [e.verdict for e in report.entries]
    assert verdicts[-1] == "refuted" and "concrete densities" in report.entries[-1].method
    assert verdicts[0] != "refuted"


def test_expectations_of_a_declared_random_vector():
    text = (
        "% symderive: scalar d : positive integer\n"
        "% symderive: matrix \\Sigma_{0} : d x d, positive definite\n"
        "% symderive: vector \\mu_{0}, \\mu_{1} : d\n"
        "% symderive: vector x : d\n"
        "% symderive: random x ~ N(\\mu_{0}, \\Sigma_{0})\n"
        "\\[ \\mathbb{E}[x x^T] = \\Sigma_0 + \\mu_0 \\mu_0^T \\]\n"
        "\\[ \\mathbb{E}[x] = \\mu_1 \\]\n")
    right, wrong = check_document(parse_document(text, "t.tex", "tex"), Settings(timeout=20.0)).entries
    assert right.verdict == "plausible" and right.status == "proved-on-instances"
    assert wrong.verdict == "refuted" and "sympy.stats" in wrong.reason


def test_a_standard_normal_vector_and_a_trace_of_an_expectation():
    # N(0, I_d): the scalar 0 is the zero mean; tr E[…] takes the bracketed expectation as its argument
    text = (
        "% symderive: matrix I_d : d x d, identity\n"
        "% symderive: vector x : d\n"
        "% symderive: random x ~ N(0, I_d)\n"
        "\\[ \\operatorname{tr} \\mathbb{E}[x x^T] = d \\]\n"
        "\\[ \\operatorname{tr} \\mathbb{E}[x x^T] = d + 1 \\]\n")
    report = check_document(parse_document(text, "t.tex", "tex"), Settings(timeout=20.0))
    right, wrong = (e for e in report.entries if e.relation == "=")
    assert [e.verdict for e in report.entries if e.relation == "directive"] == []
    assert right.verdict == "plausible" and wrong.verdict == "refuted"
    assert wrong.counterexample["lhs"] is None  # the sympy.stats re-check gives no side values: none are shown
    assert "there lhs" not in report_text([report])
