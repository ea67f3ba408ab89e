"""Exact integrals: a table of true and false relations, cross-checks, refusals, and mutants."""
from __future__ import annotations

import random
from typing import Callable, Iterator

import pytest
from sympy import (
    Abs,
    Expr,
    Function,
    Heaviside,
    Integral,
    Matrix,
    Piecewise,
    Rational,
    S,
    Symbol,
    exp,
    integrate,
    log,
    oo,
    pi,
    simplify,
    sqrt,
    symbols,
)

from symderive import integrals
from symderive.integrals import (
    NotEvaluable,
    decide_le,
    evaluate_integral,
    evaluate_integrals,
    gaussian_integral,
    gaussian_moments,
    integrate_1d,
    is_positive_definite,
)
from symderive.randomvars import Undecidable

x, y, z = symbols("x y z")
mu = Symbol("mu", real=True)
sigma = Symbol("sigma", positive=True)
a, b = symbols("a b", real=True)
rate = Symbol("lambda", positive=True)


def normal_density(variable: Expr, mean: Expr, std: Expr) -> Expr:
    return exp(-(variable - mean) ** 2 / (2 * std**2)) / sqrt(2 * pi * std**2)


N = normal_density(x, mu, sigma)
WHOLE = (x, -oo, oo)

# (integral, claimed value, whether the claim is true, facts)
TABLE: list[tuple[Integral, Expr, bool, tuple]] = [
    # Gaussian normalising constants, with and without the constant
    (Integral(exp(-x**2 / 2), WHOLE), sqrt(2 * pi), True, ()),
    (Integral(exp(-x**2 / 2), WHOLE), S.One, False, ()),
    (Integral(exp(-x**2 / 2), WHOLE), sqrt(pi), False, ()),
    (Integral(N, WHOLE), S.One, True, ()),
    (Integral(N * sqrt(2 * pi), WHOLE), S.One, False, ()),
    (Integral(exp(-(x - mu) ** 2 / (2 * sigma**2)), WHOLE), sigma * sqrt(2 * pi), True, ()),
    (Integral(exp(-(x - mu) ** 2 / (2 * sigma**2)), WHOLE), sigma**2 * sqrt(2 * pi), False, ()),
    # first and second moments, E[x^2] under N(mu, sigma^2), wrong variances
    (Integral(x * N, WHOLE), mu, True, ()),
    (Integral(x * N, WHOLE), S.Zero, False, ()),
    (Integral(x**2 * N, WHOLE), mu**2 + sigma**2, True, ()),
    (Integral(x**2 * N, WHOLE), sigma**2, False, ()),
    (Integral(x**2 * N, WHOLE), mu**2 + sigma, False, ()),
    (Integral((x - mu) ** 2 * N, WHOLE), sigma**2, True, ()),
    (Integral((x - mu) ** 2 * N, WHOLE), 2 * sigma**2, False, ()),
    (Integral(x**3 * N, WHOLE), mu**3 + 3 * mu * sigma**2, True, ()),
    (Integral((x - mu) ** 4 * N, WHOLE), 3 * sigma**4, True, ()),
    (Integral((x - mu) ** 4 * N, WHOLE), sigma**4, False, ()),
    (Integral(exp(-x**2 + 2 * x), WHOLE), sqrt(pi) * exp(1), True, ()),
    (Integral(exp(-x**2 + 2 * x), WHOLE), sqrt(pi), False, ()),
    # polynomials over [a, b]
    (Integral(x**2, (x, a, b)), (b**3 - a**3) / 3, True, ()),
    (Integral(x**2, (x, a, b)), (b**3 - a**3) / 2, False, ()),
    (Integral(x**2, (x, b, a)), (a**3 - b**3) / 3, True, ()),
    (Integral(3 * x**2 + a * x, (x, 0, 1)), 1 + a / 2, True, ()),
    (Integral(3 * x**2 + a * x, (x, 0, 1)), 1 + a, False, ()),
    # polynomial times a uniform density
    (Integral(x * Piecewise((1 / (b - a), (x >= a) & (x <= b)), (0, True)), WHOLE), (a + b) / 2, True, (a < b,)),
    (Integral(x**2 * Piecewise((1 / (b - a), (x >= a) & (x <= b)), (0, True)), WHOLE),
     (a**2 + a * b + b**2) / 3, True, (a < b,)),
    (Integral(x**2 * Piecewise((1 / (b - a), (x >= a) & (x <= b)), (0, True)), WHOLE), (a + b) ** 2 / 4, False, (a < b,)),
    (Integral(Piecewise((1, (x >= 0) & (x <= 1)), (0, True)), (x, -2, Rational(1, 2))), Rational(1, 2), True, ()),
    # exponential and Laplace shapes
    (Integral(x * rate * exp(-rate * x), (x, 0, oo)), 1 / rate, True, ()),
    (Integral(x * rate * exp(-rate * x), (x, 0, oo)), rate, False, ()),
    (Integral(x**2 * exp(-Abs(x)) / 2, WHOLE), S(2), True, ()),
    (Integral(x**2 * exp(-Abs(x)) / 2, WHOLE), S.One, False, ()),
    (Integral(Heaviside(x) * exp(-x), WHOLE), S.One, True, ()),
    # multiple integrals
    (Integral(exp(-(x**2 + y**2) / 2), WHOLE, (y, -oo, oo)), 2 * pi, True, ()),
    (Integral(exp(-(x**2 + y**2) / 2), WHOLE, (y, -oo, oo)), sqrt(2 * pi), False, ()),
    (Integral(x * y, (x, 0, y), (y, 0, 1)), Rational(1, 8), True, ()),
    (Integral(x * y, (x, 0, y), (y, 0, 1)), Rational(1, 4), False, ()),
]


def _differs(value: Expr, claim: Expr) -> bool:
    """A false claim must be *certainly* false: nonzero difference at an exact rational point."""
    difference = simplify(value - claim)
    if difference == 0:
        return False
    rng = random.Random(5)
    for _ in range(10):
        point = {s: Rational(rng.randint(1, 9), rng.randint(1, 4)) for s in difference.free_symbols}
        if {a, b} <= point.keys() and point[a] >= point[b]:
            point[a], point[b] = point[b] - 1, point[a]
        number = difference.xreplace(point)
        if number.is_zero is False:
            return True
    return False


def _table_failures(evaluate: Callable[[Integral, tuple], Expr]) -> Iterator[str]:
    for integral, claim, truth, facts in TABLE:
        value = evaluate(integral, facts)
        if truth and simplify(value - claim) != 0:
            yield f"false 'unequal': {integral} = {claim}, got {value}"
        if not truth and not _differs(value, claim):
            yield f"false 'equal': {integral} = {claim}, got {value}"


def _fails(evaluate: Callable[[Integral, tuple], Expr]) -> bool:
    return next(_table_failures(evaluate), None) is not None


def test_the_table_has_no_false_equal_and_no_false_unequal():
    assert list(_table_failures(evaluate_integral)) == []


def test_a_mutant_that_drops_the_normalising_constant_fails_the_table(monkeypatch):
    genuine = integrals.gaussian_integral

    def dropped(*args):  # the (2π)^{n/2} factor forgotten
        return genuine(*args).xreplace({pi: S.One})

    monkeypatch.setattr(integrals, "gaussian_integral", dropped)
    assert _fails(evaluate_integral)


def test_a_mutant_with_a_wrong_polynomial_antiderivative_fails_the_table(monkeypatch):
    monkeypatch.setattr(integrals, "_check_antiderivative", lambda *args: None)
    original = integrals._polynomial_integral

    def doubled(polynomial, variable, lower, upper):
        return 2 * original(polynomial, variable, lower, upper)

    monkeypatch.setattr(integrals, "_polynomial_integral", doubled)
    assert _fails(evaluate_integral)


def test_an_evaluator_that_always_agrees_fails_the_table():
    assert _fails(lambda integral, facts: next(c for i, c, _, _ in TABLE if i == integral))


@pytest.mark.parametrize("power", [0, 1, 2, 3])
def test_symbolic_gaussian_moments_agree_with_sympy_integrate(power):
    real_x = Symbol("x", real=True)
    density = normal_density(real_x, mu, sigma)
    ours = evaluate_integral(Integral(real_x**power * density, (real_x, -oo, oo)))
    theirs = integrate(real_x**power * density, (real_x, -oo, oo))
    assert simplify(ours - theirs) == 0


def test_exponential_and_polynomial_antiderivatives_agree_with_sympy_integrate():
    for integrand, limits in [
        (x**3 * exp(-2 * x), (x, 0, oo)),
        ((x**2 + a) * exp(3 * x), (x, -1, 2)),
        (x**4 - a * x, (x, a, b)),
    ]:
        assert simplify(evaluate_integral(Integral(integrand, limits)) - integrate(integrand, limits)) == 0


# -- ℝⁿ -------------------------------------------------------------------------


def _random_spd(n: int, rng: random.Random) -> Matrix:
    root = Matrix(n, n, lambda i, j: Rational(rng.randint(-3, 3), rng.randint(1, 3)))
    return root.T * root + Matrix.eye(n)


def _gaussian_density(variables: list[Symbol], mean: Matrix, covariance: Matrix) -> Expr:
    v = Matrix(variables) - mean
    n = len(variables)
    return exp(-(v.T * covariance.inv() * v)[0, 0] / 2) / sqrt((2 * pi) ** n * covariance.det())


def _pairings(items: list[int]) -> list[list[tuple[int, int]]]:
    """All perfect matchings of ``items`` (independent of the recursion under test)."""
    if not items:
        return [[]]
    first, rest = items[0], items[1:]
    return [[(first, partner)] + tail for k, partner in enumerate(rest)
            for tail in _pairings(rest[:k] + rest[k + 1:])]


@pytest.mark.parametrize("n", [2, 3])
def test_multivariate_gaussian_mass_and_moments_at_instances(n):
    rng = random.Random(n)
    covariance = _random_spd(n, rng)
    mean = Matrix([Rational(rng.randint(-4, 4), rng.randint(1, 3)) for _ in range(n)])
    xs = list(symbols(f"x1:{n + 1}"))
    density = _gaussian_density(xs, mean, covariance)
    limits = [(v, -oo, oo) for v in xs]
    assert evaluate_integral(Integral(density, *limits)) == 1
    # Without (2π)^{n/2} the "density" integrates to (2π)^{n/2}: not 1.
    wrong = evaluate_integral(Integral(density * (2 * pi) ** Rational(n, 2), *limits))
    assert simplify(wrong - (2 * pi) ** Rational(n, 2)) == 0 and simplify(wrong - 1) != 0
    for i, j in [(0, 0), (0, n - 1), (n - 1, 1)]:
        second = evaluate_integral(Integral(xs[i] * xs[j] * density, *limits))
        assert second == covariance[i, j] + mean[i] * mean[j]
    i, j, k, l = (rng.randrange(n) for _ in range(4))
    centred = [xs[t] - mean[t] for t in (i, j, k, l)]
    fourth = evaluate_integral(Integral(centred[0] * centred[1] * centred[2] * centred[3] * density, *limits))
    indices = (i, j, k, l)
    isserlis = sum(covariance[indices[p], indices[q]] * covariance[indices[r], indices[s]]
                   for (p, q), (r, s) in _pairings([0, 1, 2, 3]))
    assert simplify(fourth - isserlis) == 0


def test_joint_and_iterated_evaluation_agree():
    rng = random.Random(11)
    covariance = _random_spd(3, rng)
    mean = Matrix([1, -2, Rational(1, 3)])
    xs = list(symbols("x1:4"))
    integrand = (xs[0] ** 2 * xs[2] + xs[1]) * _gaussian_density(xs, mean, covariance)
    joint = evaluate_integral(Integral(integrand, *[(v, -oo, oo) for v in xs]))
    iterated = integrand
    for v in xs:
        iterated = integrate_1d(iterated, v, -oo, oo)
    assert simplify(joint - iterated) == 0


def test_gaussian_moments_match_the_pairing_formula():
    rng = random.Random(3)
    covariance = _random_spd(3, rng)
    moment = gaussian_moments(covariance)
    for alpha in [(2, 0, 0), (1, 1, 0), (2, 2, 0), (1, 1, 2), (3, 1, 2), (1, 0, 0), (2, 1, 0)]:
        items = [i for i, k in enumerate(alpha) for _ in range(k)]
        expected = sum(_product(covariance[items[u], items[v]] for u, v in pairing)
                       for pairing in _pairings(list(range(len(items)))))
        assert moment(alpha) == expected


def _product(factors) -> Expr:
    total = S.One
    for f in factors:
        total *= f
    return total


def test_gaussian_integral_with_an_explicit_quadratic():
    Q = Matrix([[2, 1], [1, 2]])
    bvec = Matrix([1, 0])
    value = gaussian_integral(x * y, [x, y], Q, bvec, S.Zero)
    covariance = Q.inv()
    m = covariance * bvec
    normaliser = 2 * pi / sqrt(Q.det()) * exp((bvec.T * m)[0, 0] / 2)
    assert simplify(value - normaliser * (covariance[0, 1] + m[0] * m[1])) == 0


def test_positive_definiteness_is_proved_or_refused():
    assert is_positive_definite(Matrix([[2, 1], [1, 2]]))
    assert not is_positive_definite(Matrix([[1, 2], [2, 1]]))
    assert not is_positive_definite(Matrix([[1, 1], [0, 1]]))  # not symmetric
    s = Symbol("s", positive=True)
    assert is_positive_definite(Matrix([[s, 0], [0, s**2]]))
    assert not is_positive_definite(Matrix([[a, 0], [0, 1]]))  # sign of a unknown


# -- refusals -------------------------------------------------------------------


@pytest.mark.parametrize(
    "integral, facts",
    [
        (Integral(S.One, (x, 0, oo)), ()),  # diverges
        (Integral(exp(x**2), WHOLE), ()),  # diverges
        (Integral(exp(-a * x**2), WHOLE), ()),  # sign of a unknown
        (Integral(x * exp(mu * x), (x, 0, oo)), ()),  # sign of mu unknown
        (Integral(exp(-x**2), (x, 0, 1)), ()),  # needs erf
        (Integral(1 / x, (x, 1, 2)), ()),  # not a supported shape
        (Integral(log(x), (x, 1, 2)), ()),
        (Integral(Function("f")(x), (x, 0, 1)), ()),
        (Integral(x**2, x), ()),  # indefinite
        (Integral(exp(-x**4), WHOLE), ()),  # degree 4 exponent
        (Integral(Piecewise((1, (x >= a) & (x <= b)), (0, True)), WHOLE), ()),  # order of a, b unknown
        (Integral(Piecewise((1, x**2 <= 1), (0, True)), WHOLE), ()),  # nonlinear condition
        (Integral(exp(-Abs(x**2 - 1)), WHOLE), ()),
        (Integral(x**2 * exp(-x**2 / 2) * exp(y), WHOLE, (y, -oo, oo)), ()),  # diverges in y
    ],
)
def test_unsupported_or_divergent_integrals_are_refused(integral, facts):
    with pytest.raises(NotEvaluable):
        evaluate_integral(integral, facts)


def test_not_evaluable_is_undecidable_so_the_judge_answers_unknown():
    assert issubclass(NotEvaluable, Undecidable)


def test_evaluate_integrals_replaces_every_integral_inside_an_expression():
    expr = 3 * Integral(x, (x, 0, 1)) + Integral(exp(-x**2), WHOLE) ** 2
    assert simplify(evaluate_integrals(expr) - (Rational(3, 2) + pi)) == 0


def test_bounds_are_ordered_by_assumptions_and_facts():
    assert decide_le(-oo, a) is True and decide_le(oo, a) is False
    assert decide_le(a, b) is None
    assert decide_le(a, b, (a < b,)) is True
    assert decide_le(b, a, (a < b,)) is False
    assert decide_le(a, b + 1, (a <= b,)) is True
    assert decide_le(b, a, (a <= b,)) is None  # a = b is possible
    assert decide_le(mu, mu + sigma) is True


def test_parameter_conditions_give_a_piecewise_answer():
    density = Piecewise((exp(-y) * exp(-x**2 / 2), y >= 0), (0, True))
    value = evaluate_integral(Integral(density, WHOLE))
    assert simplify(value.subs(y, 1) - sqrt(2 * pi) * exp(-1)) == 0
    assert value.subs(y, -1) == 0


def test_repeated_variables_and_non_polynomial_moments_are_refused():
    with pytest.raises(NotEvaluable):
        evaluate_integral(Integral(exp(-x**2), WHOLE, WHOLE))
    with pytest.raises(NotEvaluable):
        gaussian_integral(exp(x), [x], Matrix([[1]]), Matrix([0]), S.Zero)


def test_an_antiderivative_is_used_only_after_differentiating_back():
    integrals._check_antiderivative(x**3 / 3, x**2, x)
    integrals._check_antiderivative(exp(2 * x) * (x / 2 - S(1) / 4), x * exp(2 * x), x)
    with pytest.raises(NotEvaluable):
        integrals._check_antiderivative(x**3 / 2, x**2, x)
    with pytest.raises(NotEvaluable):
        integrals._check_antiderivative(exp(2 * x) * x / 2, x * exp(2 * x), x)
