r"""Attacks on three ``check`` features: E[F] = Σ c_i E[G_i] + d judged pointwise for declared random vectors
(check_pointwise.py), D_KL of declared densities unfolded into its integral (check_densities.py, the reader's
``D_{KL}(x \| Y)``), and Jensen's inequality with the average written more than once.

What broke (fixed here, each guarded below):

* Jensen with the average written twice in a ``cases``: ``E[min(W, 2)]`` written as ``\begin{cases} W & W < 2 \\ 2
  \end{cases}`` was *verified* ``>= min(E[W], 2)`` (the wrong direction: min(t, 2) is concave).  SymPy differentiates
  a Piecewise piece by piece, dropping the kink, so ``phi'' = 0 >= 0`` "proved" it convex.
  The same ``phi'' >= 0`` away from a kink or a pole *verified* ``E[-|W - 1|] >= -|E[W] - 1|`` (written
  ``-\sqrt{W^2 - 2W + 1}``, the average three times), ``E[-log((W - 1)^2)] >= -log((E[W] - 1)^2)`` and
  ``E[1/(W - 1)^2] >= 1/(E[W] - 1)^2`` (false when E[W] = 1, e.g. W = e^alpha, alpha ~ N(-1/2, 1)).
  :func:`symderive.inequalities.prove_convex` now first shows phi smooth on the domain (sums, products, exp, and
  powers and logs of parts proved positive there); a Piecewise, |.|, max, a pole or a radical of a square is not.
* Integrands compared where the densities are positive: ``\int g(\alpha) \partial f(\alpha)/\partial\alpha d\alpha =
  \int g(\alpha) \cdot 0 d\alpha`` was *verified*: ``f(\alpha)`` was replaced by a positive constant also inside the
  derivative, whose slope then vanished.  :func:`symderive.verifiers._positive_values` (PointwiseOnRegion and
  JensenOnRegion) leaves an application under a derivative, substitution, integral or sum as it is.
"""
from __future__ import annotations

import pytest
from sympy import Abs, Dummy, Max, Piecewise, exp, log, sqrt

from symderive.check import Settings, check_document
from symderive.inequalities import prove_convex
from symderive.latex_in.document import parse_document


@pytest.fixture(autouse=True)
def no_default_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMDERIVE_CACHE_DIR", str(tmp_path / "default-cache"))


E = r"\mathbb{E}"
R = r"\int_{\mathbb{R}^d}"
DENSITIES = (r"scalar \alpha", r"density f, g on \mathbb{R}^d : positive", r"random \alpha, x ~ f", r"random Y ~ g")
GAUSSIAN = ("scalar d : positive integer", r"matrix \Sigma_0, \Sigma_1 : d x d, positive definite",
            "matrix A : d x d, invertible", r"vector x, y, \mu_0, \mu_1 : d", "read |A| as det",
            r"random x ~ N(\mu_0, \Sigma_0)")
LOG = r"\log(1 + x^T x)"  # not a polynomial moment: only the pointwise judgement can verify a step with it


def entries(*relations: str, directives: tuple[str, ...] = DENSITIES, timeout: float = 20.0):
    text = "".join(f"<!-- symderive: {d} -->\n" for d in directives) + "".join(f"$${r}$$\n" for r in relations)
    return check_document(parse_document(text, "t.md"), Settings(timeout=timeout)).entries


def verdicts(*relations: str, directives: tuple[str, ...] = DENSITIES) -> list[str]:
    return [entry.verdict for entry in entries(*relations, directives=directives)]


# -- Jensen's inequality: phi convex, proved only where phi'' means what it says -----------------------------

W = r"(1 + \alpha^2)"
EW = rf"{E}\left[{W}\right]"


def _capped(value: str) -> str:
    return rf"\begin{{cases}} {value} & \text{{for }} {value} < 2 \\ 2 & \text{{otherwise}} \end{{cases}}"


def test_jensen_is_not_applied_to_a_concave_piecewise_phi():
    # min(t, 2) is concave: E[min(W, 2)] <= min(E[W], 2), and the step claims >=
    assert verdicts(rf"{E}\left[{_capped(W)}\right] \geq {_capped(EW)}") == ["unknown"]


def test_a_piecewise_is_not_proved_convex_from_its_pieces():
    t = Dummy("t", real=True)
    assert prove_convex(Piecewise((t, t < 2), (2, True)), t, [t > 0])[0] is False
    assert prove_convex(Piecewise((0, t < 1), (1 - t, True)), t, [t > 0])[0] is False
    assert prove_convex(t**2, t, [t > 0])[0] is True  # a smooth convex phi still is


def test_convexity_is_not_proved_across_a_kink_or_a_pole():
    t = Dummy("t", real=True)
    for phi in (-sqrt(t**2 - 2 * t + 1), 1 / (t - 1) ** 2, -log((t - 1) ** 2), Abs(t - 1), Max(t, 1)):
        assert prove_convex(phi, t, [t > 0])[0] is False, phi
    for phi in (-log(t), t * log(t), 1 / t, -sqrt(t), exp(t), t**3, log(t**t)):  # smooth on t > 0, convex
        assert prove_convex(phi, t, [t > 0])[0] is True, phi


WE = r"e^{\alpha}"
EWE = rf"{E}\left[{WE}\right]"


@pytest.mark.parametrize("relation", [
    rf"{E}\left[-\sqrt{{{WE}^2 - 2 {WE} + 1}}\right] \geq -\sqrt{{{EWE}^2 - 2 {EWE} + 1}}",  # -|t - 1| is concave
    rf"{E}\left[-\log(({WE} - 1)^2)\right] \geq -\log(({EWE} - 1)^2)",  # a pole at t = 1
    rf"{E}\left[\frac{{1}}{{({WE} - 1)^2}}\right] \geq \frac{{1}}{{({EWE} - 1)^2}}",
])
def test_jensen_is_not_applied_across_a_kink_or_a_pole_of_phi(relation):
    assert verdicts(relation) == ["unknown"]


@pytest.mark.parametrize("relation", [
    rf"{E}\left[{W}^2 - {W}^3\right] \geq {EW}^2 - {EW}^3",  # t^2 - t^3 is concave for t > 1/3
    rf"{E}\left[{W}^{{1/d}}\right] \geq {EW}^{{1/d}}",  # concave for d >= 2
    rf"{E}\left[-{W} \log {W}\right] \geq -{EW} \log {EW}",
    rf"{E}\left[\min({W}, 2)\right] \geq \min({EW}, 2)",
])
def test_jensen_with_the_average_written_twice_still_needs_phi_convex(relation):
    assert verdicts(relation, directives=(*DENSITIES, "scalar d : positive integer")) == ["unknown"]


def test_jensen_with_the_average_written_twice_holds_for_convex_phi():
    assert verdicts(rf"{E}\left[{W} \log {W}\right] \geq {EW} \log {EW}",
                    rf"{E}\left[{W}^3\right] \geq {EW}^2 {EW}") == ["verified", "verified"]


def test_jensen_needs_one_average_not_two_of_different_variables():
    # E[W(alpha)] and E[W(x)] are equal (x ~ f too) but are two integrals: phi is not read from them
    assert verdicts(rf"{E}\left[{W} \log {W}\right] \geq {EW} \log {E}\left[(1 + x^2)\right]") == ["unknown"]


# -- E[F] = Σ c_i E[G_i] + d pointwise: every c_i and d deterministic ----------------------------------------


def test_linearity_under_e_is_verified_pointwise():
    assert verdicts(rf"{E}[{LOG} + 1] = {E}[{LOG}] + 1", rf"{E}[-{LOG}/2] = -{E}[{LOG}]/2",
                    rf"2{E}[{LOG}] = {E}[{LOG} + {LOG}]", directives=GAUSSIAN) == ["verified"] * 3


@pytest.mark.parametrize("relation, extra", [
    (rf"X {E}[{LOG}] = {E}[X {LOG}]", r"random X ~ N(0, 1)"),  # a random scalar outside E
    (rf"{E}[{LOG}] + X = {E}[{LOG} + X]", r"random X ~ N(0, 1)"),  # a random rest (E[X] = 0, not X)
    (rf"w^T w {E}[{LOG}] = {E}[w^T w {LOG}]", r"random w ~ N(0, \Sigma_1)"),  # a second random vector outside E
    (rf"{E}[{LOG}] + w^T w = {E}[{LOG} + w^T w]", r"random w ~ N(0, \Sigma_1)"),
    (rf"{E}[{LOG}] \, x^T x = {E}[{LOG} x^T x]", "scalar c"),  # the random vector itself outside E
    (rf"{E}[{LOG}] + {LOG} = 2 {E}[{LOG}]", "scalar c"),
    (rf"{E}[{LOG}] \, {E}[x^T x] = {E}[{LOG} x^T x]", "scalar c"),  # E of a product
    (rf"{E}[{LOG}]^2 = {E}[{LOG}^2]", "scalar c"),
    (rf"\log {E}[{LOG}] = {E}[\log {LOG}]", "scalar c"),
    (rf"{E}[{LOG} \, {E}[x^T x]] = {E}[{LOG} \, x^T x]", "scalar c"),  # a nested E is not the integrand
    (rf"{E}[{E}[{LOG}] + {LOG}] = {E}[{LOG}] + {LOG}", "scalar c"),
    (rf"{E}[{LOG} + \operatorname{{Var}}(\mu_0^T x)] = {E}[{LOG}]", "scalar c"),  # Var is not 0
])
def test_a_random_coefficient_or_rest_is_not_taken_under_e(relation, extra):
    directives = (*GAUSSIAN, r"vector w : d", extra) if "w" in extra else (*GAUSSIAN, extra)
    (entry,) = entries(relation, directives=directives)
    assert entry.verdict not in ("verified", "plausible"), entry.reason


def test_a_density_variable_outside_e_beside_a_random_vector_is_not_judged():
    directives = (*GAUSSIAN, r"scalar \alpha", r"density f on \mathbb{R}^d : positive", r"random \alpha ~ f")
    assert verdicts(rf"\alpha {E}[{LOG}] = {E}[\alpha {LOG}]", rf"{E}[{LOG}] + \alpha = {E}[{LOG} + \alpha]",
                    directives=directives) == ["unknown", "unknown"]


# -- D_KL of declared densities ------------------------------------------------------------------------------

KL_INTEGRAL = rf"{R} f(\alpha) \log\left(\frac{{f(\alpha)}}{{g(\alpha)}}\right) d\alpha"


def test_a_divergence_is_its_integral_only_in_its_own_order():
    assert verdicts(rf"D_{{KL}}(x \| Y) = {KL_INTEGRAL}", rf"D_{{KL}}(Y \| x) = {KL_INTEGRAL}",
                    rf"D_{{KL}}(x \| Y) = D_{{KL}}(Y \| x)",
                    rf"D_{{KL}}(x \| Y) = {R} g(\alpha) \log\left(\frac{{g(\alpha)}}{{f(\alpha)}}\right) d\alpha") \
        == ["verified", "refuted", "refuted", "refuted"]


def test_a_divergence_is_an_expectation_under_its_first_law_only():
    assert verdicts(rf"D_{{KL}}(x \| Y) = {E}[\log f(x) - \log g(x)]", rf"D_{{KL}}(x \| Y) = {E}[\log f(Y) - \log g(Y)]") \
        == ["verified", "refuted"]


@pytest.mark.parametrize("directives", [
    (r"scalar \alpha", r"density f, g on \mathbb{R}^d", r"random \alpha, x ~ f", r"random Y ~ g"),
    (r"scalar \alpha", r"density f on \mathbb{R}^d : positive", r"density g on \mathbb{R}^d", r"random \alpha, x ~ f",
     r"random Y ~ g"),
    (r"scalar \alpha", r"density f on \mathbb{R}^d : positive", r"density g on \mathbb{R}^k : positive",
     r"random \alpha, x ~ f", r"random Y ~ g"),
    (*DENSITIES, r"random Y ~ N(0, 1)"),  # Y no longer drawn from g
    (*DENSITIES, r"random x ~ g"),  # now x ~ g: D_KL(x || Y) = 0
])
def test_a_divergence_is_unfolded_only_between_densities_positive_on_one_region(directives):
    (entry,) = entries(rf"D_{{KL}}(x \| Y) = {KL_INTEGRAL}", directives=directives)
    assert entry.verdict not in ("verified", "plausible"), entry.reason


def test_the_bound_variable_of_an_integral_is_not_the_free_one_outside():
    assert verdicts(rf"\alpha {R} g(\alpha) \alpha d\alpha = \alpha {R} g(\beta) \beta d\beta",
                    rf"\beta {R} g(\beta) \beta^2 d\beta = \beta {R} g(\alpha) \alpha^2 d\alpha",
                    rf"\alpha {R} g(\alpha) \alpha^2 d\alpha = \alpha^2 {R} g(\beta) \beta d\beta",
                    rf"{R} g(\alpha) \alpha d\alpha = {R} g(\beta) \alpha d\beta",
                    rf"{R} g(\alpha) \beta d\alpha = {R} g(\beta) \beta d\beta",
                    rf"D_{{KL}}(f(\alpha) \| g(\alpha)) \alpha = {R} f(\alpha) \alpha \log\left(\frac{{f(\alpha)}}{{g(\alpha)}}\right) d\alpha") \
        == ["verified", "verified", "refuted", "refuted", "refuted", "refuted"]


def test_nested_integrals_are_not_renamed_into_each_other():
    assert verdicts(rf"{R} \alpha {R} \alpha f(\alpha) d\alpha f(\alpha) d\alpha = {R} \alpha^2 f(\alpha) d\alpha",
                    rf"{R} {R} f(\alpha) g(\beta) \alpha d\alpha d\beta = {R} {R} f(\alpha) g(\beta) \beta d\alpha d\beta") \
        == ["refuted", "refuted"]


# -- a density positive on the region is a positive value only where it is a value, not under a derivative ------

DF = r"\frac{\partial f(\alpha)}{\partial \alpha}"


def test_the_derivative_of_a_positive_density_is_not_zero_in_an_integrand():
    # f(alpha) was replaced by a positive constant inside d/dalpha, so the slope became 0 and the integral too
    (entry,) = entries(rf"{R} g(\alpha) {DF} d\alpha = {R} g(\alpha) \cdot 0 \, d\alpha")
    assert entry.verdict not in ("verified", "plausible"), entry.reason


def test_positive_values_leave_applications_under_a_derivative_alone():
    from sympy import Derivative, Function, Symbol
    from symderive.verifiers import _positive_values
    f, g, a = Function("f"), Function("g"), Symbol("a", real=True)
    values = _positive_values((g(a) * Derivative(f(a), a) + f(a) ** 2 + g(a),), (f, g), a)
    assert set(values) == {g(a)} and all(v.is_positive for v in values.values())


# -- left as doubts by the attack, fixed after it ---------------------------------------------------------


def test_a_divergence_against_a_transformed_density_is_not_unfolded():
    """D_KL(f(α) || g(2α)): g(2α) is not the density g at the variable, so it is not D_KL(f || g)'s integral."""
    from symderive.check_densities import unfold_densities
    from symderive.latex_in.notation import read_side
    from symderive.latex_in.declarations import declarations_from

    declarations = declarations_from([r"scalar \alpha", r"density f, g on \mathbb{R}^d : positive"])
    divergence = read_side(r"D_{\mathrm{KL}}(f(\alpha) \,\|\, g(2\alpha))", declarations).expr
    assert unfold_densities(divergence, declarations)[0] == divergence


def test_a_hypothesis_equating_two_drawn_variables_is_not_contradicted_by_concrete_densities():
    """assume x = Y forces the densities of x and Y to be equal: f ≠ g is no counterexample."""
    from symderive.check import Settings, check_document
    from symderive.latex_in.document import parse_document

    directives = (r"scalar \alpha", r"density f, g on \mathbb{R}^d : positive", "random x ~ f", "random Y ~ g",
                  "assume x = Y")
    text = "".join(f"<!-- symderive: {d} -->\n" for d in directives)
    text += r"$$\mathbb{E}\left[\log f(x)\right] = \int_{\mathbb{R}^d} f(\alpha) \log f(\alpha) d\alpha$$" + "\n"
    (entry,) = [e for e in check_document(parse_document(text, "t.md"), Settings(timeout=20.0)).entries
                if e.relation not in ("directive", "")]
    assert entry.verdict != "refuted", entry.reason
