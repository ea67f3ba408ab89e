r"""Declared probability densities in ``check``: the directives, E against a density, a density's mass,
integrals compared integrand by integrand, and Jensen's inequality as a named rule (the seed's KL >= 0)."""
from __future__ import annotations

import pytest
from sympy import Function, S, Symbol, log

from symderive.check import Settings, check_document
from symderive.check_densities import unfold_densities
from symderive.densities import IntegralOver, Region
from symderive.latex_in.declarations import DeclarationError, declare
from symderive.latex_in.directives import Densities, DirectiveError, Random, parse_directive
from symderive.latex_in.document import parse_document
from symderive.latex_in.notation import Declarations, read_side

DENSITIES = (r"scalar \alpha", r"density f, g on \mathbb{R}^d : positive", r"random \alpha ~ f")
R_D = Region("R^d", r"\mathbb{R}^{d}")


@pytest.fixture(autouse=True)
def no_default_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMDERIVE_CACHE_DIR", str(tmp_path / "default-cache"))


def entries(*relations: str, directives: tuple[str, ...] = DENSITIES):
    text = "".join(f"<!-- symderive: {d} -->\n" for d in directives) + "".join(f"$${r}$$\n" for r in relations)
    return check_document(parse_document(text, "t.md"), Settings(timeout=20.0)).entries


def verdict(relation: str, directives: tuple[str, ...] = DENSITIES) -> tuple[str, str]:
    (entry,) = [e for e in entries(relation, directives=directives) if e.relation not in ("directive", "")]
    return entry.verdict, entry.reason


def declared(*directives: str) -> Declarations:
    declarations = Declarations()
    for text in directives:
        declarations = declare(declarations, parse_directive(text), "L")
    return declarations


# -- the directives ---------------------------------------------------------------------------------------


def test_the_density_directive_is_parsed():
    assert parse_directive(r"density f, g on \mathbb{R}^d : positive") == Densities(("f", "g"), r"\mathbb{R}^d", True)
    assert parse_directive(r"density p on \operatorname{supp} p") == Densities(("p",), r"\operatorname{supp} p")
    assert parse_directive(r"random \alpha \sim f") == Random((r"\alpha",), "density", ("f",))


@pytest.mark.parametrize("text, message", [
    ("density f, g", "NAMES on REGION"),
    (r"density f on \mathbb{R}^d :", "only property is 'positive'"),
    (r"density f on \mathbb{R}^d : big", "only property is 'positive'"),
    ("random x ~ f(x)", "name of a declared density"),
])
def test_malformed_density_directives_say_what_was_expected(text, message):
    with pytest.raises(DirectiveError, match=message):
        parse_directive(text)


@pytest.mark.parametrize("directives, message", [
    ((r"random \alpha ~ f",), "not a declared density"),
    ((r"density f on \mathbb{R}^d", "random f ~ f"), "itself"),
    ((r"density f on \mathbb{R}",), r"not supported yet"),
    ((r"density f on S",), "regions read"),
])
def test_bad_density_declarations_are_refused(directives, message):
    with pytest.raises(DeclarationError, match=message):
        declared(*directives)


def test_redeclaring_the_density_forgets_the_variables_drawn_from_it():
    declarations = declared(*DENSITIES[1:], "function f")
    assert "f" not in declarations.densities and r"\alpha" not in declarations.density_variables


# -- unfolding ------------------------------------------------------------------------------------------


def test_an_expectation_against_a_density_is_its_integral_and_a_density_has_mass_one():
    declarations = declared(*DENSITIES)
    alpha, f, g = Symbol(r"\alpha", real=True), Function("f", real=True), Function("g", real=True)
    expectation = read_side(r"\mathbb{E}\left[\frac{g(\alpha)}{f(\alpha)}\right]", declarations).expr
    unfolded, labels = unfold_densities(expectation, declarations, masses=False)
    assert unfolded == IntegralOver(g(alpha), alpha, R_D) and labels == ("L",)
    assert unfold_densities(-log(unfolded), declarations)[0] == S.Zero  # -log ∫ g = -log 1
    other_region = IntegralOver(g(alpha), alpha, Region("supp f", r"\operatorname{supp} f"))
    assert unfold_densities(other_region, declarations)[0] == other_region
    squared = IntegralOver(g(alpha) ** 2, alpha, R_D)
    assert unfold_densities(squared, declarations)[0] == squared


def test_an_expectation_of_two_density_variables_is_left_alone():
    declarations = declared(*DENSITIES, r"scalar \beta", r"random \beta ~ g")
    expectation = read_side(r"\mathbb{E}\left[\alpha \beta\right]", declarations).expr
    assert unfold_densities(expectation, declarations)[0] == expectation


# -- judged steps ---------------------------------------------------------------------------------------------


def test_the_seeds_kl_chain_is_verified():
    found = entries(
        r"\int_{\mathbb{R}^d} f(\alpha) \log\left(\frac{f(\alpha)}{g(\alpha)}\right) d\alpha "
        r"= \mathbb{E}\left[-\log \frac{g(\alpha)}{f(\alpha)}\right]",
        r"\mathbb{E}\left[-\log \frac{g(\alpha)}{f(\alpha)}\right] \geq -\log \mathbb{E}\left[\frac{g(\alpha)}{f(\alpha)}\right]",
        r"-\log \mathbb{E}\left[\frac{g(\alpha)}{f(\alpha)}\right] = -\log \int_{\mathbb{R}^d} \frac{g(\alpha)}{f(\alpha)} "
        r"f(\alpha) d\alpha",
        r"-\log \int_{\mathbb{R}^d} g(\alpha) d\alpha = 0",
    )
    judged = [e for e in found if e.relation not in ("directive", "")]
    assert [e.verdict for e in judged] == ["verified"] * 4
    assert "Jensen's inequality" in judged[1].reason and "assumed to exist" in judged[1].reason


def test_jensen_read_from_the_right():
    assert verdict(r"-\log \mathbb{E}\left[\frac{g(\alpha)}{f(\alpha)}\right] \leq "
                   r"\mathbb{E}\left[-\log \frac{g(\alpha)}{f(\alpha)}\right]")[0] == "verified"


@pytest.mark.parametrize("relation", [
    # the wrong direction, a strict inequality, a concave function, a constant of unknown sign
    r"\mathbb{E}\left[-\log \frac{g(\alpha)}{f(\alpha)}\right] \leq -\log \mathbb{E}\left[\frac{g(\alpha)}{f(\alpha)}\right]",
    r"\mathbb{E}\left[-\log \frac{g(\alpha)}{f(\alpha)}\right] > -\log \mathbb{E}\left[\frac{g(\alpha)}{f(\alpha)}\right]",
    r"\mathbb{E}\left[\log \frac{g(\alpha)}{f(\alpha)}\right] \geq \log \mathbb{E}\left[\frac{g(\alpha)}{f(\alpha)}\right]",
    r"\mathbb{E}\left[- c \log \frac{g(\alpha)}{f(\alpha)}\right] \geq - c \log \mathbb{E}\left[\frac{g(\alpha)}{f(\alpha)}\right]",
])
def test_what_jensen_does_not_give_is_not_verified(relation):
    assert verdict(relation)[0] != "verified"


def test_jensen_needs_the_densities_positive_on_the_region():
    unsigned = (r"scalar \alpha", r"density f, g on \mathbb{R}^d", r"random \alpha ~ f")
    found, reason = verdict(r"\mathbb{E}\left[-\log \frac{g(\alpha)}{f(\alpha)}\right] \geq "
                            r"-\log \mathbb{E}\left[\frac{g(\alpha)}{f(\alpha)}\right]", unsigned)
    assert found != "verified", reason


def test_integrals_over_one_region_with_different_integrands_are_not_verified():
    assert verdict(r"\int_{\mathbb{R}^d} f(\alpha) \log f(\alpha) d\alpha = "
                   r"\int_{\mathbb{R}^d} f(\alpha) \log g(\alpha) d\alpha")[0] != "verified"


Z = r"\frac{g(\alpha)}{f(\alpha)}"


@pytest.mark.parametrize("relation, expected", [
    (rf"\mathbb{{E}}\left[{Z} \log {Z}\right] \geq \mathbb{{E}}\left[{Z}\right] \log \mathbb{{E}}\left[{Z}\right]",
     "verified"),  # the average written twice: phi(t) = t log t
    (rf"\mathbb{{E}}\left[{Z}^2\right] \geq \mathbb{{E}}\left[{Z}\right]^2", "verified"),
    (rf"\mathbb{{E}}\left[{Z} \log {Z}\right] \leq \mathbb{{E}}\left[{Z}\right] \log \mathbb{{E}}\left[{Z}\right]",
     "unknown"),
    (rf"\mathbb{{E}}\left[{Z}^2\right] \geq \mathbb{{E}}\left[{Z}\right]^2 + \mathbb{{E}}\left[{Z}\right]", "unknown"),
])
def test_jensen_with_the_average_written_more_than_once(relation, expected):
    assert verdict(relation)[0] == expected


KL_DIRECTIVES = (*DENSITIES, "random x ~ f", "random Y ~ g")
KL_INTEGRAL = r"\int_{\mathbb{R}^d} f(\alpha) \log\left(\frac{f(\alpha)}{g(\alpha)}\right) d\alpha"


@pytest.mark.parametrize("lhs", [r"D_{KL}(x \| Y)", r"D_{\mathrm{KL}}(f(\alpha) \,\|\, g(\alpha))"])
def test_the_divergence_of_declared_positive_densities_is_their_integral(lhs):
    found, reason = verdict(rf"{lhs} = {KL_INTEGRAL}", KL_DIRECTIVES)
    assert found == "verified", reason


@pytest.mark.parametrize("relation, directives", [
    (r"D_{KL}(x \| Y) = \int_{\mathbb{R}^d} g(\alpha) \log\left(\frac{g(\alpha)}{f(\alpha)}\right) d\alpha",
     KL_DIRECTIVES),  # the other divergence
    (rf"D_{{KL}}(x \| Y) = {KL_INTEGRAL}",
     (r"scalar \alpha", r"density f, g on \mathbb{R}^d", "random x ~ f", "random Y ~ g")),  # not positive
    (rf"D_{{KL}}(Y \| x) = {KL_INTEGRAL}", KL_DIRECTIVES),
])
def test_a_divergence_that_is_not_that_integral_is_not_verified(relation, directives):
    assert verdict(relation, directives)[0] != "verified"


def test_a_divergence_of_a_variable_without_a_density_says_so():
    found, reason = verdict(rf"D_{{KL}}(X \| Y) = {KL_INTEGRAL}", KL_DIRECTIVES)
    assert found == "unknown" and "X has no declared density" in reason


def test_the_divergence_of_a_density_from_itself_is_zero():
    assert verdict(r"D_{KL}(x \| x) = 0", KL_DIRECTIVES)[0] == "verified"
    assert verdict(r"D_{KL}(x \| Y) = 0", KL_DIRECTIVES)[0] != "verified"
