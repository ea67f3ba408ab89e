"""Each rule on small inputs: what it produces, and that it refuses what it must not touch."""
from __future__ import annotations

import pytest
from sympy import IndexedBase, Integral, S, Sum, Symbol, Wild, symbols
from sympy.stats import Uniform

from symderive.randomvars import Independence, Expect, RandomFamily, RandomModel, Var
from symderive.recurrence import LinearRecurrence, unroll
from symderive.rules import RuleNotApplicable
from symderive.rules.algebra import (
    absorb_next_term,
    empty_sum,
    factor_into_sum,
    rewrite,
    shift_index,
    substitute,
    sum_of_constant,
    unfold,
)
from symderive.rules.calculus import evaluate_integrals
from symderive.rules.probability import (
    expectation_from_density,
    expectation_of_independent_product,
    linearity_of_expectation,
    second_moment_of_centred,
    variance_as_moments,
    variance_of_centred_product,
    variance_of_independent_sum,
    variance_of_uncorrelated_sum,
)

k, j, r, c = symbols("k j r c", integer=True)
L = Symbol("L", integer=True, nonnegative=True)
m = Symbol("m", integer=True, positive=True)
n, x = IndexedBase("n", positive=True), IndexedBase("x")
a = Symbol("a", positive=True)
A, b, z = IndexedBase("A"), IndexedBase("b"), IndexedBase("z")
MODEL = RandomModel((
    RandomFamily(A, (), (r, c), iid=True, law=Uniform("w", -a, a)),
    RandomFamily(b, (), (r,), iid=True, law=Uniform("w", -a, a)),
    RandomFamily(z, (), (r,), iid=False, mean=S.Zero, variance=Symbol("v")),
), independence=(Independence("H", (A, b, z)),))


def test_rule_that_changes_nothing_is_not_applicable():
    with pytest.raises(RuleNotApplicable):
        sum_of_constant(x[1])


def test_unfold_and_rewrite():
    t = Symbol("t")
    assert unfold(t, x[1] + 1, "d", "D")(2 * t) == 2 * x[1] + 2
    w = Wild("w")
    assert rewrite(Var(b[w]), a**2 / 3, "lemma", "L")(Var(b[1]) + Var(b[2])) == 2 * a**2 / 3


def test_sum_rules():
    assert sum_of_constant(Sum(5, (k, 1, m))) == 5 * m
    assert factor_into_sum(3 * Sum(n[k], (k, 0, L))) == Sum(3 * n[k], (k, 0, L))
    assert absorb_next_term(Sum(n[k], (k, 0, L)) + n[L + 1]) == Sum(n[k], (k, 0, L + 1))
    with pytest.raises(RuleNotApplicable):
        absorb_next_term(Sum(n[k], (k, 0, L)) + n[L + 2])
    assert empty_sum(Sum(n[k], (k, 1, 0)) + 1) == 1
    assert shift_index(-1)(Sum(n[k - 1], (k, 1, L))) == Sum(n[k], (k, 0, L - 1))
    assert substitute({a: 1}, "s", "S")(a + 1) == 2


def test_linearity_and_independent_products():
    expr = Expect(2 * b[1] + Sum(A[1, j] * z[j], (j, 1, m)))
    linear = linearity_of_expectation(MODEL)(expr)
    assert linear == 2 * Expect(b[1]) + Sum(Expect(A[1, j] * z[j]), (j, 1, m))
    factored = expectation_of_independent_product(MODEL, "H")(linear)
    assert factored == 2 * Expect(b[1]) + Sum(Expect(A[1, j]) * Expect(z[j]), (j, 1, m))


def test_independent_product_keeps_dependent_factors_together():
    with pytest.raises(RuleNotApplicable):
        expectation_of_independent_product(MODEL, "H")(Expect(z[1] * z[2]))


def test_variance_rules():
    the_sum = Sum(A[1, j] * z[j], (j, 1, m))
    assert variance_of_independent_sum(MODEL, "H")(Var(b[1] + the_sum)) == Var(b[1]) + Var(the_sum)
    assert variance_of_uncorrelated_sum(MODEL, "H")(Var(the_sum)) == Sum(Var(A[1, j] * z[j]), (j, 1, m))
    product = variance_of_centred_product(MODEL, A, "H")(Var(A[1, j] * z[j]))
    assert product == Var(A[1, j]) * Expect(z[j] ** 2)
    assert second_moment_of_centred(MODEL, "IH")(Expect(z[j] ** 2)) == Var(z[j])
    assert variance_as_moments()(Var(b[1])) == Expect(b[1] ** 2) - Expect(b[1]) ** 2


def test_uncorrelated_sum_needs_a_centred_iid_factor():
    """Var(sum_j z_j) does not split: the z_j may be correlated."""
    with pytest.raises(RuleNotApplicable):
        variance_of_uncorrelated_sum(MODEL, "H")(Var(Sum(z[j], (j, 1, m))))


def test_variance_of_independent_sum_refuses_dependent_terms():
    with pytest.raises(RuleNotApplicable):
        variance_of_independent_sum(MODEL, "H")(Var(z[1] + z[2]))


def test_expectation_from_density_reads_the_uniform_density():
    integral = expectation_from_density(MODEL)(Expect(b[1] ** 2))
    assert isinstance(integral, Integral)
    assert evaluate_integrals(integral) == a**2 / 3


def test_unroll_reads_the_recurrence():
    v, l = IndexedBase("v"), Symbol("l", integer=True, positive=True)
    recurrence = LinearRecurrence.read(v, l, v[l - 1] / 2 + n[l])
    assert (recurrence.ratio, recurrence.forcing) == (S.Half, n[l])
    unrolled = unroll(recurrence, k)(v[L])
    assert unrolled.subs(L, 2).doit() == v[0] / 4 + n[1] / 2 + n[2]
    with pytest.raises(RuleNotApplicable):
        LinearRecurrence.read(v, l, v[l - 1] ** 2)


# ---------------------------------------------------------------- rules with parameters are data


def _replayable_examples() -> list:
    from sympy import MatrixSymbol, Trace, MatMul, Transpose
    from symderive.rules import gaussians as G

    x, y, k, n, d = symbols("x y k n d")
    a = IndexedBase("a")
    u, v, M = MatrixSymbol("u", d, 1), MatrixSymbol("v", d, 1), MatrixSymbol("M", d, d)
    quadratic_terms = sum(sign * Trace(MatMul(Transpose(p), M, q))
                          for sign, p, q in ((1, u, u), (-1, u, v), (-1, v, u), (1, v, v)))
    return [
        (unfold(y, x + 1, "definition of y", "D1."), y ** 2),
        (rewrite(a[Wild("i")] ** 2, x, "square of an entry", "H."), a[1] ** 2 + a[k] ** 2),
        (shift_index(-1), Sum(a[k], (k, 1, n))),
        (substitute({x: 2}, "the case x = 2", "C."), x * y + x),
        (G.in_coordinates({Trace(M): Sum(a[k], (k, 1, d))}, "C2"), 2 * Trace(M)),
        (G.quadratic_form_is_even(u - v), G.quadratic(v - u, M)),
        (G.collect_quadratic_form(u, v, M), quadratic_terms + x),
    ]


@pytest.mark.parametrize("example", range(7))
def test_a_rule_with_parameters_reads_back_from_json_and_gives_the_same_step(example):
    """A transcript records such a rule as data; the rule rebuilt from it (no code) makes the same step."""
    from symderive.datajson import decode_dataclass, encode_dataclass
    from symderive.exprjson import Decoder, Encoder
    from symderive.render.json import REPLAYABLE

    made, before = _replayable_examples()[example]
    assert REPLAYABLE[type(made).__name__] is type(made)
    data = encode_dataclass(made, Encoder())
    rebuilt = decode_dataclass(data, type(made), Decoder())
    assert rebuilt == made or type(made).__name__ == "Rewrite"  # a Rewrite's wildcards are fresh Dummies
    after = made(before)
    assert after != before and rebuilt(before) == after


def test_a_rewrite_keeps_its_wildcards_as_data_and_matches_any_subexpression():
    a = IndexedBase("a")
    k, x = symbols("k x")
    use = rewrite(a[Wild("i")] ** 2, x, "square of an entry", "H.")
    assert not use.pattern.atoms(Wild) and len(use.wildcards) == 1
    assert use(a[1] ** 2 + a[k + 1] ** 2 + a[k]) == 2 * x + a[k]
    with pytest.raises(ValueError):
        rewrite(a[Wild("i", exclude=[k])], x, "restricted", "H.")
