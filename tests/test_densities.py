"""Densities, their normalising integrals, change of variables, Jensen, KL, nonnegativity."""
from __future__ import annotations

import random

import pytest
from sympy import (
    Abs,
    Function,
    Identity,
    ImmutableMatrix,
    Integral,
    Lambda,
    Matrix,
    MatrixSymbol,
    Rational,
    S,
    Sum,
    Symbol,
    cos,
    exp,
    latex,
    log,
    oo,
    pi,
    simplify,
    sqrt,
    symbols,
)

from symderive.densities import (
    KL,
    Density,
    exponential,
    expectation,
    instantiate,
    kl,
    laplace,
    multivariate_normal,
    normal,
    product,
    quadratic_form,
    random_spd,
    random_vector,
    total_mass,
    uniform,
    WHOLE_LINE,
)
from symderive.inequalities import prove_convex, prove_nonnegative, prove_positive
from symderive.integrals import NotEvaluable, evaluate_integrals
from symderive.quadrature import certainly_nonzero
from symderive.rules import RuleNotApplicable
from symderive.rules.densities import (
    affine_change_of_variables,
    change_of_variables,
    check_affine,
    check_bijective,
    check_convex,
    check_differentiable,
    check_jacobian_nonzero,
    check_values_in,
    jensen,
    kl_definition,
)
from symderive.rules.theorems import assumed

u, v, w = symbols("u v w", real=True)
mu, m0, m1 = symbols("mu m0 m1", real=True)
sigma, s0, s1, lam, scale = symbols("sigma s0 s1 lambda b", positive=True)
a, b = symbols("a b", real=True)
n = Symbol("n", integer=True, positive=True)
p_X = Function("p_X")


# -- scalar families: mass, moments, a wrong constant ------------------------------


@pytest.mark.parametrize(
    "density, mean, second",
    [
        (normal(u, mu, sigma), mu, mu**2 + sigma**2),
        (uniform(u, a, b), (a + b) / 2, (a**2 + a * b + b**2) / 3),
        (exponential(u, lam), 1 / lam, 2 / lam**2),
        (laplace(u, mu, scale), mu, mu**2 + 2 * scale**2),
    ],
)
def test_scalar_families_are_normalised_with_the_known_moments(density, mean, second):
    assert simplify(total_mass(density) - 1) == 0
    assert simplify(expectation(density, u) - mean) == 0
    assert simplify(expectation(density, u**2) - second) == 0


def test_a_normal_density_without_its_constant_is_not_normalised():
    wrong = Density("wrong", (u,), exp(-(u - mu) ** 2 / (2 * sigma**2)), (WHOLE_LINE,), (sigma > 0,))
    mass = total_mass(wrong)
    assert simplify(mass - 1) != 0
    assert certainly_nonzero(mass - 1, {mu: 0, sigma: 1})


def test_product_densities_integrate_to_one_and_refuse_shared_coordinates():
    joint = product(normal(u, 0, 1), exponential(v, 2), laplace(w, 1, 3))
    assert total_mass(joint) == 1
    assert simplify(expectation(joint, u**2 * v * w) - 1 * Rational(1, 2) * 1) == 0
    with pytest.raises(ValueError):
        product(normal(u, 0, 1), exponential(u, 2))
    with pytest.raises(ValueError):
        product(normal(u, v, 1), exponential(v, 2))


def test_integer_parameters_stay_exact():
    assert uniform(u, 0, 3).expr.args[0][0] == Rational(1, 3)
    with pytest.raises(TypeError):
        uniform(u, 0, 0.5)


# -- the multivariate normal ---------------------------------------------------------

x = MatrixSymbol("x", n, 1)
m = MatrixSymbol("mu", n, 1)
Sigma = MatrixSymbol("Sigma", n, n)


@pytest.mark.parametrize("size", [1, 2, 3])
def test_multivariate_normal_is_normalised_exactly_on_instances(size):
    rng = random.Random(size)
    scalar = instantiate(multivariate_normal(x, m, Sigma), {n: size},
                         {m: random_vector(size, rng), Sigma: random_spd(size, rng)})
    assert total_mass(scalar) == 1


@pytest.mark.parametrize("size", [2, 3])
def test_without_the_two_pi_factor_the_mass_is_not_one(size):
    rng = random.Random(10 + size)
    wrong = Density("no (2π)^{n/2}", (x,), multivariate_normal(x, m, Sigma).expr * (2 * pi) ** (n / 2), (WHOLE_LINE,))
    scalar = instantiate(wrong, {n: size}, {m: random_vector(size, rng), Sigma: random_spd(size, rng)})
    mass = total_mass(scalar)
    assert simplify(mass - (2 * pi) ** Rational(size, 2)) == 0
    assert certainly_nonzero(mass - 1)


def test_multivariate_normal_moments_at_an_instance():
    rng = random.Random(4)
    mean, covariance = random_vector(2, rng), random_spd(2, rng)
    scalar = instantiate(multivariate_normal(x, m, Sigma), {n: 2}, {m: mean, Sigma: covariance})
    x1, x2 = scalar.variables
    assert expectation(scalar, x1) == mean[0]
    assert expectation(scalar, x1 * x2) == covariance[0, 1] + mean[0] * mean[1]
    assert expectation(scalar, x2**2) != covariance[1, 1]  # E[x²] is not the variance unless μ = 0
    assert mean[1] != 0


def test_instantiate_needs_every_parameter():
    with pytest.raises(ValueError):
        instantiate(multivariate_normal(x, m, Sigma), {n: 2}, {m: Matrix([0, 0])})


def test_quadratic_form_stays_compact_until_instantiated():
    form = quadratic_form(x - m, Sigma.I)
    assert not form.has(Sum)


# -- change of variables ------------------------------------------------------------------


def test_change_of_variables_for_an_affine_scalar_map():
    forward, inverse = [2 * v + 1], [(u - 1) / 2]
    discharges = [check_bijective(forward, inverse, [v], [u]), check_differentiable(inverse, [u]),
                  check_jacobian_nonzero(inverse, [u])]
    assert all(d is not None and d.checked for d in discharges)
    rule = change_of_variables(p_X, [u], normal(v, 0, 1), inverse, discharges)
    assert simplify(rule(p_X(u)) - normal(u, 1, 2).expr) == 0
    assert rule.premises[0] == "change of variables"


def test_change_of_variables_refuses_undischarged_hypotheses():
    inverse = [(u - 1) / 2]
    rule = change_of_variables(p_X, [u], normal(v, 0, 1), inverse, [check_differentiable(inverse, [u])])
    with pytest.raises(RuleNotApplicable, match="bijective"):
        rule(p_X(u))


def test_hypothesis_checks_fail_where_they_should():
    assert check_bijective([v**3], [u], [v], [u]) is None  # not inverse to each other
    assert check_bijective([exp(v)], [log(u)], [v], [u]) is None  # not polynomial: not checked here
    assert check_jacobian_nonzero([u**3], [u]) is None  # 3u² vanishes at 0
    assert check_differentiable([Abs(u)], [u]) is None


def _at_instance(expr, size: int, values: dict):
    """``expr`` at ``n = size`` with each matrix symbol replaced by its value."""
    sized = {symbol.subs(n, size): ImmutableMatrix(value) for symbol, value in values.items()}
    return expr.subs(n, size).xreplace(sized).doit()


def test_affine_change_of_variables_gives_the_gaussian_with_covariance_a_a_transpose():
    y = MatrixSymbol("y", n, 1)
    A, shift = MatrixSymbol("A", n, n), MatrixSymbol("b", n, 1)
    standard = Density("N(0, I)", (y,), (2 * pi) ** (-n / 2) * exp(-quadratic_form(y, Identity(n)) / 2), (WHOLE_LINE,))
    rule = affine_change_of_variables(p_X, x, standard, A, shift, check_affine(A, shift, x, y, "A invertible (H1)"))
    derived = rule(p_X(x))
    rng = random.Random(8)
    for size in (1, 2, 3):
        a_value = Matrix(size, size, lambda i, j: rng.randint(-3, 3) + (4 if i == j else 0))
        b_value = random_vector(size, rng)
        point = random_vector(size, rng)
        ours = _at_instance(derived, size, {A: a_value, shift: b_value, x: point})
        target = _at_instance(multivariate_normal(x, shift, Sigma).expr, size,
                              {shift: b_value, Sigma: a_value * a_value.T, x: point})
        assert simplify(ours - target) == 0


def test_affine_change_of_variables_needs_the_jacobian_discharge():
    y = MatrixSymbol("y", n, 1)
    A, shift = MatrixSymbol("A", n, n), MatrixSymbol("b", n, 1)
    standard = Density("N(0, I)", (y,), exp(-quadratic_form(y, Identity(n)) / 2), (WHOLE_LINE,))
    discharges = check_affine(A, shift, x, y, "H1")[:2]
    with pytest.raises(RuleNotApplicable, match="Jacobian"):
        affine_change_of_variables(p_X, x, standard, A, shift, discharges)(p_X(x))


# -- Jensen's inequality -----------------------------------------------------------------

t = Symbol("t")


def test_convexity_of_minus_log_is_proved_from_its_second_derivative():
    proved, second = prove_convex(-log(t), t, [t > 0])
    assert proved and simplify(second - 1 / t**2) == 0
    assert check_convex(Lambda(t, -log(t)), [t > 0]) is not None
    assert check_convex(Lambda(t, log(t)), [t > 0]) is None  # concave
    assert check_convex(Lambda(t, t**3), []) is None  # not convex on ℝ
    assert check_convex(Lambda(t, t**3), [t > 0]) is not None


def test_jensen_gives_kl_nonnegative_for_two_gaussians():
    f, g = normal(u, m0, 1), normal(u, m1, 1)
    ratio = g.expr / f.expr
    phi = Lambda(t, -log(t))
    discharges = [check_convex(phi, [t > 0]), check_values_in(ratio, 0), assumed("integrable", "H2")]
    rule = jensen(phi, f, ratio, discharges)
    before = Integral(f.expr * -log(ratio), (u, -oo, oo))
    after = rule(before)
    assert after == -log(Integral(f.expr * ratio, (u, -oo, oo)))
    assert rule.relation == ">="
    difference = evaluate_integrals(before) - evaluate_integrals(after)
    assert prove_nonnegative(difference)
    with pytest.raises(RuleNotApplicable, match="convex"):
        jensen(phi, f, ratio, discharges[1:])(before)


# -- KL divergence -----------------------------------------------------------------------


def test_kl_of_two_scalar_gaussians_has_the_closed_form():
    f, g = normal(u, m0, s0), normal(u, m1, s1)
    value = evaluate_integrals(kl_definition(f, g)(kl(f, g)))
    expected = log(s1 / s0) + (s0**2 + (m0 - m1) ** 2) / (2 * s1**2) - S.Half
    assert simplify(value - expected) == 0
    assert simplify(value - (expected + S.Half)) != 0


def test_kl_of_exponentials_uniforms_and_laplaces():
    l1, l2 = symbols("l1 l2", positive=True)
    value = evaluate_integrals(kl_definition(exponential(u, l1), exponential(u, l2))(kl(exponential(u, l1), exponential(u, l2))))
    assert simplify(value - (log(l1 / l2) + l2 / l1 - 1)) == 0
    f, g = laplace(u, 0, l1), laplace(u, 0, l2)
    assert simplify(evaluate_integrals(kl_definition(f, g)(kl(f, g))) - (log(l2 / l1) + l1 / l2 - 1)) == 0
    narrow, wide = uniform(u, 0, 1), uniform(u, -1, 2)
    assert evaluate_integrals(kl_definition(narrow, wide)(kl(narrow, wide))) == log(3)
    with pytest.raises(NotEvaluable):  # q = 0 on part of supp p: the divergence is infinite
        evaluate_integrals(kl_definition(wide, narrow)(kl(wide, narrow)))


def test_kl_is_an_unevaluated_operator():
    f, g = normal(u, 0, 1), normal(u, 1, 1)
    divergence = kl(f, g)
    assert isinstance(divergence, KL) and divergence.doit() == divergence
    assert r"D_{\mathrm{KL}}" in latex(divergence)
    with pytest.raises(ValueError):
        kl(f, normal(v, 0, 1))


def test_kl_is_additive_over_independent_coordinates():
    f = product(normal(u, m0, 1), exponential(v, 2))
    g = product(normal(u, m1, 1), exponential(v, 3))
    joint = evaluate_integrals(kl_definition(f, g)(kl(f, g)))
    first = evaluate_integrals(kl_definition(normal(u, m0, 1), normal(u, m1, 1))(kl(normal(u, m0, 1), normal(u, m1, 1))))
    second = evaluate_integrals(kl_definition(exponential(v, 2), exponential(v, 3))(kl(exponential(v, 2), exponential(v, 3))))
    assert simplify(joint - first - second) == 0


# -- nonnegativity ------------------------------------------------------------------------

p, q = symbols("p q", real=True)
NONNEGATIVE = [
    ((p - q) ** 2, ()),
    (p**2 - 2 * p * q + q**2, ()),
    (2 * p**2 + 2 * p * q + q**2 + 3, ()),
    (exp(p) * (p - q) ** 2 + Abs(q), ()),
    (q - p, (p < q,)),
    (t**2 - 1, (t > 1,)),
    (1 / t**2, (t > 0,)),
    (sqrt(p**2 + 1) - 0, ()),
    (-(p - q) * (q - p), ()),
]
# Each false claim comes with a point where the expression is negative (so the label is right).
NOT_NONNEGATIVE = [
    (p**2 - 2 * p * q, (), {p: 1, q: 1}),
    (p**2 + 4 * p * q + q**2, (), {p: 1, q: -1}),
    (p - q, (p < q,), {p: 0, q: 1}),
    (t - 2, (t > 1,), {t: Rational(3, 2)}),
    (cos(p), (), {p: pi}),
    (-exp(p), (), {p: 0}),
    ((p - q) * (q - p), (), {p: 0, q: 1}),
    (log(t), (t > 0,), {t: Rational(1, 2)}),
]


@pytest.mark.parametrize("expr, assumptions", NONNEGATIVE)
def test_manifestly_nonnegative_differences_are_proved(expr, assumptions):
    assert prove_nonnegative(expr, assumptions)


@pytest.mark.parametrize("expr, assumptions, witness", NOT_NONNEGATIVE)
def test_expressions_negative_somewhere_are_never_proved(expr, assumptions, witness):
    assert expr.subs(witness).evalf() < 0
    assert not prove_nonnegative(expr, assumptions)


def test_complex_symbols_are_not_ordered():
    z = Symbol("z")  # no realness: z**2 can be negative (z = i)
    assert not prove_nonnegative(z**2)
    assert prove_nonnegative(z**2, (z > 0,))


def test_prove_positive_is_strict():
    assert prove_positive(exp(p) + p**2)
    assert not prove_positive(p**2)
    assert prove_positive(t, (t > 0,))


def test_parameters_that_break_a_hypothesis_are_refused():
    with pytest.raises(ValueError):
        uniform(u, 2, 1)
    with pytest.raises(ValueError):
        normal(u, 0, -1)


def test_jacobian_assumptions_may_not_restrict_the_variables():
    c = Symbol("c", real=True)
    assert check_jacobian_nonzero([c * u], [u], (c > 0,)) is not None
    assert check_jacobian_nonzero([c * u], [u]) is None  # c = 0 is possible
    with pytest.raises(ValueError):
        check_jacobian_nonzero([u**3], [u], (u > 0,))
