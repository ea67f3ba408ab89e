"""Rules and verifiers added for densities and KL: each does what its name says, refuses what it must,
and every verifier rejects a wrong step."""
from __future__ import annotations

import pytest
from sympy import (
    Abs,
    Determinant,
    Function,
    Identity,
    ImmutableMatrix,
    IndexedBase,
    Integral,
    KroneckerDelta,
    Lambda,
    MatAdd,
    MatMul,
    MatrixSymbol,
    Product,
    Rational,
    S,
    Sum,
    Symbol,
    Trace,
    Transpose,
    Tuple,
    ZeroMatrix,
    exp,
    log,
    oo,
    sqrt,
)
from sympy.matrices.expressions.inverse import Inverse
from sympy.matrices.expressions.matexpr import MatrixElement

from symderive import Outcome, Status, judge
from symderive.calc import Calc, VerificationFailed
from symderive.densities import (
    KL,
    Density,
    IntegralOver,
    ProductInstances,
    Region,
    exponential,
    indexed_function,
    normal,
    standard_normal,
)
from symderive.judge import Context
from symderive.matrices import MatrixFacts, prove_equal
from symderive.model import Chain, Hypothesis, Step, Verification
from symderive.randomvars import Expect
from symderive.randomvectors import MatExpect, RandomVector, VectorModel
from symderive.render.latex import derivation_to_latex
from symderive.render.printer import to_latex
from symderive.results.evidence import evidence_overview
from symderive.rules import Rule, RuleNotApplicable
from symderive.rules import gaussians as G
from symderive.rules import kl as K
from symderive.rules import logs as L
from symderive.rules.densities import affine_jacobian_entry, check_convex, density_definition, integrate_exactly
from symderive.rules.lemmas import result_at, use_lemma
from symderive.rules.theorems import assumed, checked
from symderive import verifiers as V

n = Symbol("n", integer=True, positive=True)
A, B, M = (MatrixSymbol(s, n, n) for s in "ABM")
u, v, x, m = (MatrixSymbol(s, n, 1) for s in ("u", "v", "x", "m"))
S0 = MatrixSymbol("Sigma", n, n)
FACTS = MatrixFacts(invertible=frozenset({A, B}), positive_definite=frozenset({S0}))
a, b, c = (Symbol(s, positive=True) for s in "abc")


def same(before, after, facts=FACTS) -> bool:
    return prove_equal(before, after, facts)


# -- logarithms ----------------------------------------------------------------------------


def test_log_rules_split_and_combine():
    assert L.log_of_quotient(log(a / b)) == log(a) - log(b)
    assert L.log_of_reciprocal(log(a / b)) == -log(b / a)
    assert L.expand_logarithms(log(a * exp(c) / sqrt(b))) == log(a) + c - log(b) / 2
    assert L.difference_of_logarithms(log(a) / 2 - log(b) / 2 + 1) == log(a / b) / 2 + 1
    assert L.log_of_one(-log(S.One, evaluate=False)) == 0
    with pytest.raises(RuleNotApplicable):
        L.log_of_quotient(log(a))
    with pytest.raises(RuleNotApplicable):
        L.difference_of_logarithms(log(a) / 2 + log(b) / 2)  # a sum of logs, not a difference


def test_log_of_a_product_and_one_sum():
    k = Symbol("k", integer=True, positive=True)
    s = IndexedBase("s", positive=True)
    assert L.log_of_product_as_sum(log(Product(s[k], (k, 1, n)))) == Sum(log(s[k]), (k, 1, n))
    total = Sum(s[k], (k, 1, n)) / 2 - n / 2 - Sum(log(s[k]), (k, 1, n)) / 2
    one = L.sums_into_one_sum(total)
    assert one.args[0] == S.Half and one.args[1] == Sum(s[k] - 1 - log(s[k]), (k, 1, n))
    assert judge(total, one).outcome is Outcome.VERIFIED
    with pytest.raises(RuleNotApplicable):
        L.sums_into_one_sum(Sum(s[k], (k, 1, n)) + Sum(s[k], (k, 0, n)))  # two ranges


def test_absolute_values():
    d = Determinant(A)
    assert L.absolute_value_as_root(Abs(d)) == sqrt(d**2)
    assert L.absolute_value_of_reciprocal(Abs(1 / Symbol("t"), evaluate=False)) == 1 / Abs(Symbol("t"))


# -- matrices and quadratic forms ------------------------------------------------------------


def test_products_inverses_and_identities():
    nested = MatMul(MatMul(A, B), MatMul(B, A))
    assert G.flatten_products(nested).args == (A, B, B, A)
    assert G.drop_identity_factor(MatMul(A, Identity(n), B)) == MatMul(A, B)
    assert G.inverse_times_matrix(FACTS)(MatMul(Inverse(A), A, B)) == MatMul(Identity(n), B)
    with pytest.raises(RuleNotApplicable):
        G.inverse_times_matrix(FACTS)(MatMul(Inverse(M), M))  # M is not declared invertible
    assert G.trace_of_identity(Trace(Identity(n))) == n
    assert G.identity_matrix(Determinant(Identity(n)) + Trace(Inverse(Identity(n)))) == 1 + Trace(Identity(n))
    assert G.transpose_of_inverse(Transpose(Inverse(A))) == Inverse(Transpose(A))
    combined = G.product_of_inverses(FACTS)(MatMul(Inverse(Transpose(A)), Inverse(A)))
    assert combined == Inverse(MatMul(A, Transpose(A))) and same(combined, MatMul(Inverse(Transpose(A)), Inverse(A)))
    with pytest.raises(RuleNotApplicable):
        G.product_of_inverses(FACTS)(MatMul(Inverse(M), Inverse(A)))


def test_determinant_rules_are_identities():
    before = Determinant(A) ** 2
    after = G.square_of_determinant(before)
    assert after == Determinant(A) * Determinant(Transpose(A)) and same(before, after)
    joined = G.determinants_into_product(after)
    assert joined == Determinant(MatMul(A, Transpose(A))) and same(after, joined)


def test_quadratic_form_rules():
    form = G.quadratic(x - m, M)
    assert to_latex(form) == r"\left(x - m\right)^{T} M \left(x - m\right)"
    assert G.one_by_one_as_trace(form) == Trace(form.parent)
    zero = G.difference_with_itself(G.quadratic(MatAdd(u, -u), M))
    assert zero.parent.args[2] == ZeroMatrix(n, 1) and G.quadratic_form_of_zero(zero) == 0
    turned = G.quadratic_form_is_even(u - v)(G.quadratic(v - u, M))
    assert turned == G.quadratic(u - v, M) and same(turned, G.quadratic(v - u, M))
    with pytest.raises(RuleNotApplicable):
        G.quadratic_form_is_even(u - v)(G.quadratic(u - v, M))  # already in the asked orientation
    expanded = (Trace(MatMul(Transpose(u), M, u)) - Trace(MatMul(Transpose(u), M, v))
                - Trace(MatMul(Transpose(v), M, u)) + Trace(MatMul(Transpose(v), M, v)) + Trace(M))
    collected = G.collect_quadratic_form(u, v, M)(expanded)
    assert same(expanded, collected)
    with pytest.raises(RuleNotApplicable):
        G.collect_quadratic_form(u, v, M)(expanded - Trace(MatMul(Transpose(v), M, v)))
    half = G.take_out_one_half(Trace(M) / 2 + n / 2)
    assert half.args == (S.Half, Trace(M) + n)


def test_expectation_rules():
    model = VectorModel((RandomVector(x, m, S0),), cites="H1")
    assert G.expectation_of_transpose(MatExpect(Transpose(x))) == Transpose(MatExpect(x))
    c0 = Symbol("c0")
    split = G.linearity_of_scalar_expectation(model)(Expect(c0 + G.quadratic(x, M) / 2))
    assert split == c0 + Expect(G.quadratic(x, M)) / 2


# -- densities and KL ------------------------------------------------------------------------


alpha = Symbol("alpha", real=True)
f, g = Function("f"), Function("g")
SUPP = Region("supp f", r"\operatorname{supp} f")
T = Symbol("t", real=True)
MINUS_LOG = Lambda(T, -log(T))


def test_integral_over_a_region_prints_and_binds_its_variable():
    integral = IntegralOver(f(alpha) * a, alpha, SUPP)
    assert to_latex(integral) == r"\int_{\operatorname{supp} f} a f\left(\alpha\right) \, \mathrm{d}\alpha"
    assert integral.free_symbols == {a}
    with pytest.raises(TypeError):
        IntegralOver(f(alpha), alpha, "supp f")


def test_indexed_functions_and_product_instances():
    d = Symbol("d", integer=True, positive=True)
    j = Symbol("j", integer=True, positive=True)
    xs = IndexedBase("x", real=True)
    F, G_ = indexed_function("f"), indexed_function("g")
    assert to_latex(F(j, xs[j])) == r"f_{j}\left(x_{j}\right)"
    t = Symbol("t", real=True)
    families = ((normal(t, 0, 1), normal(t, 1, 1)), (exponential(t, 1), exponential(t, 2)))
    instances = ProductInstances(F, G_, xs, d, families)
    joint = IntegralOver(Product(F(j, xs[j]), (j, 1, d)), xs, SUPP)
    at_two = instances.at(joint, 2)
    assert isinstance(at_two, Integral) and len(at_two.limits) == 2
    assert at_two.limits[1][1:] == (0, oo)  # the exponential's support
    with pytest.raises(ValueError):
        instances.at(joint, 3)  # no family for a third coordinate


def test_kl_definition_and_its_reverse():
    divergence = KL(f(alpha), g(alpha), Tuple(alpha))
    unfolded = K.kl_over_support(f(alpha), g(alpha), alpha, SUPP)(divergence)
    assert unfolded == IntegralOver(f(alpha) * log(f(alpha) / g(alpha)), alpha, SUPP)
    assert K.kl_of_marginals(f(alpha), g(alpha), alpha, SUPP)(unfolded) == divergence


POSITIVE = {f(alpha): Symbol("F", positive=True), g(alpha): Symbol("G", positive=True)}


def _discharges():
    return (assumed("probability density", "H1"), check_convex(MINUS_LOG, [T > 0]),
            K.check_values_in_domain(g(alpha) / f(alpha), MINUS_LOG, [T > 0], POSITIVE, "H2"),
            assumed("integrable", "H3"))


def _jensen(discharges):
    return K.jensen_on_region(MINUS_LOG, f(alpha), g(alpha) / f(alpha), SUPP, discharges)


def test_jensen_on_a_region_needs_every_hypothesis_and_the_right_integrand():
    integral = IntegralOver(-f(alpha) * log(g(alpha) / f(alpha)), alpha, SUPP)
    rule = _jensen(_discharges())
    after = rule(integral)
    assert rule.relation == ">=" and isinstance(after, type(-log(T)))
    with pytest.raises(RuleNotApplicable, match="convex"):
        _jensen(tuple(d for d in _discharges() if d.hypothesis != "convex"))(integral)
    with pytest.raises(RuleNotApplicable):
        rule(IntegralOver(f(alpha) * log(g(alpha) / f(alpha)), alpha, SUPP))  # log, not -log: concave
    with pytest.raises(RuleNotApplicable):
        rule(IntegralOver(-f(alpha) * log(g(alpha) / f(alpha)), alpha, Region("R", "R")))  # f is a density on S
    with pytest.raises(RuleNotApplicable):
        rule(-integral)  # under a minus sign the bound would point the other way


def test_hypothesis_checks_refuse_what_does_not_hold():
    assert K.check_values_in_domain(g(alpha) - f(alpha), MINUS_LOG, [T > 0], POSITIVE, "H2") is None
    assert K.check_values_in_domain(g(alpha) / f(alpha), MINUS_LOG, [T > 1], POSITIVE, "H2") is None
    assert K.check_values_in_domain(g(alpha) / f(alpha), MINUS_LOG, [], POSITIVE, "H2") is None
    assert K.check_values_in_domain(g(alpha) / f(alpha), MINUS_LOG, [T >= 0], POSITIVE, "H2") is not None
    assert K.check_decreasing(Lambda(T, log(T)), [T > 0]) is None
    assert K.check_decreasing(MINUS_LOG, [T > 0]) is not None
    assert check_convex(Lambda(T, log(T)), [T > 0]) is None


def test_mass_on_a_subset_is_a_bound():
    rule = K.mass_at_most_one(g(alpha), (assumed("probability density", "H1"), assumed("positive mass", "H2"),
                                         K.check_decreasing(MINUS_LOG, [T > 0])))
    after = rule(-log(IntegralOver(g(alpha), alpha, SUPP)))
    assert after == -log(S.One, evaluate=False) and rule.relation == ">="
    with pytest.raises(RuleNotApplicable):
        rule(log(IntegralOver(g(alpha), alpha, SUPP)))  # log ∫ g <= log 1: the other way


def test_integral_rules_for_products():
    d = Symbol("d", integer=True, positive=True)
    i, j = Symbol("i", integer=True, positive=True), Symbol("j", integer=True, positive=True)
    xs = IndexedBase("x", real=True)
    F, G_ = indexed_function("f"), indexed_function("g")
    product_f, product_g = Product(F(j, xs[j]), (j, 1, d)), Product(G_(j, xs[j]), (j, 1, d))
    split = K.log_of_product_ratio(i)(log(product_f / product_g))
    assert split == Sum(log(F(i, xs[i]) / G_(i, xs[i])), (i, 1, d))
    summed = K.integral_of_sum(IntegralOver(product_f * split, xs, SUPP))
    assert summed == Sum(IntegralOver(product_f * log(F(i, xs[i]) / G_(i, xs[i])), xs, SUPP), (i, 1, d))
    own = Region("supp f_i", r"\operatorname{supp} f_i")
    marginal = K.marginalise(i, own)(summed)
    assert marginal == Sum(IntegralOver(F(i, xs[i]) * log(F(i, xs[i]) / G_(i, xs[i])), xs[i], own), (i, 1, d))
    with pytest.raises(RuleNotApplicable, match="other coordinates"):
        K.marginalise(i, own)(IntegralOver(product_f * log(F(i, xs[i]) / G_(j + 1, xs[j + 1])), xs, SUPP))


def test_bounds_and_finite_sums():
    k = Symbol("k", integer=True, positive=True)
    p = IndexedBase("p")
    assert K.write_out_sum(Sum(p[k], (k, 1, 2))) == p[1] + p[2]
    assert K.nonnegative_number(log(2)) == 0 and K.nonnegative_number.relation == ">="
    context = Context()
    chain = Calc("bound", log(2) / 4, context).by(K.nonnegative_number)
    assert chain.steps[0].relation == ">=" and chain.steps[0].verification.status is Status.PROVED
    with pytest.raises(VerificationFailed):
        Calc("false bound", -log(2), context).by(K.nonnegative_number)


def test_density_rules():
    y = MatrixSymbol("y", n, 1)
    p_Y = Function("p_Y", positive=True)
    standard = standard_normal(y)
    assert density_definition(p_Y, standard, "H2")(p_Y(x)) == standard.at(x)
    t = Symbol("t", real=True)
    assert integrate_exactly(Integral(normal(t, 0, 1).expr * t**2, (t, -oo, oo))) == 1
    i, k = Symbol("i", integer=True), Symbol("k", integer=True)
    b = MatrixSymbol("b", n, 1)
    assert affine_jacobian_entry(A, b, x, i, k) == Inverse(A)[i, k]


def test_lemmas_are_used_by_substitution():
    context = Context(matrix_facts=FACTS)
    lemma = Chain("lemma", Trace(MatMul(M, A)), (Step(Trace(MatMul(M, A)), Trace(MatMul(A, M)), "cyclicity", "",
                                                     Verification(Status.PROVED_ON_INSTANCES, "m", "n = 2")),),
                  context=context)
    rule = use_lemma(lemma, ({M: B},), "cyclic")
    assert rule(Trace(MatMul(B, A)) + 1) == Trace(MatMul(A, B)) + 1
    verify = V.ByLemma(lemma, (((M, B),),), "cyclic", context)
    verification = verify(Trace(MatMul(B, A)), Trace(MatMul(A, B)))
    assert verification.status is Status.PROVED_ON_INSTANCES and verification.evidence is verify
    with pytest.raises(VerificationFailed, match="not an instance"):
        verify(Trace(MatMul(B, A)), Trace(MatMul(B, A)) * 2)
    assert result_at(a + b, {b: 1}, "at b = 1", "")(c) == a + 1


def test_a_lemma_is_used_only_for_its_generic_constants_and_in_its_context():
    context = Context(matrix_facts=FACTS)
    lemma = Chain("lemma", Trace(MatMul(M, A)), (Step(Trace(MatMul(M, A)), Trace(MatMul(A, M)), "cyclicity", "",
                                                     Verification(Status.PROVED, "m")),), context=context)
    before, after = Trace(MatMul(M, B)), Trace(MatMul(B, M))
    with pytest.raises(VerificationFailed, match="generic constant"):
        V.ByLemma(lemma, (((A, B),),), "cyclic", context)(before, after)  # A is declared invertible
    with pytest.raises(VerificationFailed, match="another context"):
        V.ByLemma(lemma, (((M, B),),), "cyclic", Context())(Trace(MatMul(B, A)), Trace(MatMul(A, B)))
    model = VectorModel((RandomVector(x, m, S0),), cites="H1")
    random = Context(matrix_facts=FACTS, vector_model=model)
    on_random = Chain("lemma", Trace(MatMul(M, A)), lemma.steps, context=random)
    with pytest.raises(VerificationFailed, match="random"):
        V.ByLemma(on_random, (((M, MatMul(x, Transpose(x))),),), "cyclic", random)(
            Trace(MatMul(x, Transpose(x), A)), Trace(MatMul(A, x, Transpose(x))))
    assumed_step = Step(lemma.start, lemma.end, "assumed", "", Verification(Status.ASSUMED, "m"))
    weak = Chain("lemma", lemma.start, (assumed_step,), context=context)
    with pytest.raises(VerificationFailed, match="assumed"):
        V.ByLemma(weak, (((M, B),),), "cyclic", context)(Trace(MatMul(B, A)), Trace(MatMul(A, B)))
    hypothetical = Chain("lemma", lemma.start, lemma.steps, hypotheses=(Hypothesis("C", M, A),), context=context)
    with pytest.raises(VerificationFailed, match="hypotheses"):
        V.ByLemma(hypothetical, (((M, B),),), "cyclic", context)(Trace(MatMul(B, A)), Trace(MatMul(A, B)))


def test_a_lemma_must_be_a_chain_of_equalities():
    context = Context(matrix_facts=FACTS)
    bound = Step(Trace(MatMul(M, A)), Trace(MatMul(A, M)), "cyclicity", "", Verification(Status.PROVED, "m"), ">=")
    lemma = Chain("lemma", bound.before, (bound,), context=context)
    with pytest.raises(VerificationFailed, match="not a chain of equalities"):
        V.ByLemma(lemma, (((M, B),),), "cyclic", context)(Trace(MatMul(B, A)), Trace(MatMul(A, B)))


def test_each_verifier_says_which_relation_it_shows():
    equalities = (V.PointwiseUnderExpectation(Context()), V.PointwiseOnRegion(Context(), (f,), "H2"),
                  V.ByLemma(Chain("lemma", a, ()), (), "L", Context()))
    assert {verifier.relation for verifier in equalities} == {"="}
    assert _jensen_application().relation == ">="
    assert V.MassOnSubset(g(alpha), (("probability density", "H1"), ("positive mass", "H1"))).relation == ">="


# -- verifiers -------------------------------------------------------------------------------------


def test_pointwise_under_expectation_needs_a_true_integrand_identity():
    model = VectorModel((RandomVector(x, m, S0),), cites="H1")
    context = Context(matrix_facts=FACTS, vector_model=model)
    verify = V.PointwiseUnderExpectation(context)
    q = G.quadratic(x - m, M)
    verification = verify(Expect(q), Expect(G.one_by_one_as_trace(q)))
    assert verification.status is Status.PROVED and verification.premises == ("H1",)
    with pytest.raises(VerificationFailed):
        verify(Expect(q), Expect(2 * q))
    with pytest.raises(VerificationFailed, match="one expectation"):
        verify(Expect(q), q)


def test_pointwise_on_region_checks_integrands_where_the_densities_are_positive():
    verify = V.PointwiseOnRegion(Context(), (f, g), "H2")
    before = IntegralOver(f(alpha) * log(f(alpha) / g(alpha)), alpha, SUPP)
    assert verify(before, L.log_of_reciprocal(before)).premises == ("H2",)
    with pytest.raises(VerificationFailed):
        verify(before, IntegralOver(f(alpha) * log(g(alpha) / f(alpha)), alpha, SUPP))
    with pytest.raises(VerificationFailed, match="outside"):
        verify(-log(before), log(before))
    with pytest.raises(VerificationFailed, match="regions"):
        verify(before, IntegralOver(f(alpha) * log(f(alpha) / g(alpha)), alpha, Region("R", r"\mathbb{R}")))
    with pytest.raises(VerificationFailed):  # only f is positive: log(f/g) = -log(g/f) needs g > 0 too
        V.PointwiseOnRegion(Context(), (f,), "H2")(before, L.log_of_reciprocal(before))
    assert verify.stated() == ("H2: f, g positive on the region of integration",)


def test_on_product_instances_rejects_a_wrong_marginalisation():
    d = Symbol("d", integer=True, positive=True)
    i, j = Symbol("i", integer=True, positive=True), Symbol("j", integer=True, positive=True)
    xs = IndexedBase("x", real=True)
    F, G_ = indexed_function("f"), indexed_function("g")
    t = Symbol("t", real=True)
    families = ((normal(t, 0, 1), normal(t, 1, 1)), (exponential(t, 1), exponential(t, 2)))
    instances = ProductInstances(F, G_, xs, d, families)
    verify = V.OnProductInstances(instances, (2,))
    own = Region("supp f_i", "")
    joint = Sum(IntegralOver(Product(F(j, xs[j]), (j, 1, d)) * log(F(i, xs[i]) / G_(i, xs[i])), xs, SUPP), (i, 1, d))
    right = Sum(IntegralOver(F(i, xs[i]) * log(F(i, xs[i]) / G_(i, xs[i])), xs[i], own), (i, 1, d))
    verification = verify(joint, right)
    assert verification.status is Status.PROVED_ON_INSTANCES and "(N(0, 1**2), N(1, 1**2))" in verification.detail
    wrong = Sum(IntegralOver(log(F(i, xs[i]) / G_(i, xs[i])) ** 2 * F(i, xs[i]), xs[i], own), (i, 1, d))
    with pytest.raises(VerificationFailed, match="differ"):
        verify(joint, wrong)
    with pytest.raises(VerificationFailed, match="not evaluable"):
        V.OnProductInstances(instances, (3,))(joint, right)  # no family for a third coordinate
    with pytest.raises(VerificationFailed, match="no dimension"):
        V.OnProductInstances(instances, ())(joint, wrong)
    with pytest.raises(VerificationFailed, match="not about"):  # evidence about other functions than the step's
        V.OnProductInstances(ProductInstances(G_, F, xs, Symbol("e", integer=True), families), (2,))(joint, right)


@pytest.mark.parametrize(
    "pair, reason",
    [
        ((normal(T, 0, 1), Density("2 N(1, 1)", (T,), 2 * normal(T, 1, 1).expr, ((-oo, oo),))), "total mass 2"),
        ((normal(T, 0, 1), Density("-N(1, 1)", (T,), -normal(T, 1, 1).expr, ((-oo, oo),))), "not shown nonnegative"),
        ((normal(T, 0, 1), exponential(T, 2)), r"support of N\(0, 1\*\*2\) is not inside that of Exp\(2\)"),
        ((normal(T, 0, Symbol("s")), normal(T, 1, 1)), "not concrete values"),
    ],
    ids=["mass", "sign", "support", "parameter"],
)
def test_product_instances_are_probability_densities(pair, reason):
    d = Symbol("d", integer=True, positive=True)
    i = Symbol("i", integer=True, positive=True)
    xs, F, G_ = IndexedBase("x", real=True), indexed_function("f"), indexed_function("g")
    instances = ProductInstances(F, G_, xs, d, (pair, pair))
    left = Sum(IntegralOver(F(i, xs[i]), xs[i], Region("supp f_i", "")), (i, 1, d))
    with pytest.raises(VerificationFailed, match=reason):
        V.OnProductInstances(instances, (2,))(left, d)


def _jensen_application(**changes):
    fields = dict(phi=MINUS_LOG, domain=(T > 0,), density=f(alpha), z=g(alpha) / f(alpha), variable=alpha,
                  region=SUPP, positive=(f, g), because="H2",
                  cited=(("probability density", "H1"), ("integrable", "H1, H3")))
    return V.JensenOnRegion(**{**fields, **changes})


def test_theorem_application_is_as_strong_as_its_weakest_discharge():
    integral = IntegralOver(-f(alpha) * log(g(alpha) / f(alpha)), alpha, SUPP)
    jensen = _jensen_application()
    verification = jensen(integral, jensen.rule(integral))
    assert verification.status is Status.PROVED and verification.evidence is jensen
    assert verification.premises == ("Jensen's inequality", "H1", "H3", "H2")
    with pytest.raises(VerificationFailed, match="conclusion"):
        jensen(integral, -log(IntegralOver(g(alpha), alpha, SUPP)))
    with pytest.raises(VerificationFailed, match="integrals in alpha"):
        jensen(-integral, -jensen.rule(integral))  # a bound under a minus sign points the other way
    with pytest.raises(VerificationFailed, match="not discharged"):
        _jensen_application(cited=(("integrable", "H3"),))(integral, jensen.rule(integral))


def test_a_theorem_application_checks_what_it_may_not_cite():
    integral = IntegralOver(-f(alpha) * log(g(alpha) / f(alpha)), alpha, SUPP)
    after = _jensen_application().rule(integral)
    forged = _jensen_application(cited=(("probability density", "H1"), ("integrable", "H3"), ("convex", "H1")))
    with pytest.raises(VerificationFailed, match="must be checked"):
        forged(integral, after)
    concave = _jensen_application(phi=Lambda(T, log(T)))
    with pytest.raises(VerificationFailed, match="not discharged: convex"):
        concave(IntegralOver(f(alpha) * log(g(alpha) / f(alpha)), alpha, SUPP), log(IntegralOver(g(alpha), alpha, SUPP)))
    narrow = _jensen_application(domain=(T > 1,))  # g/f > 1 is not known on the region
    with pytest.raises(VerificationFailed, match="values in the domain"):
        narrow(integral, after)
    unknown_sign = _jensen_application(positive=(f,))  # g's sign on the region is not stated
    with pytest.raises(VerificationFailed, match="values in the domain"):
        unknown_sign(integral, after)
    mass = V.MassOnSubset(g(alpha), (("probability density", "H1"), ("positive mass", "H1, H2")))
    assert mass(-log(IntegralOver(g(alpha), alpha, SUPP)), -log(S.One, evaluate=False)).status is Status.PROVED
    with pytest.raises(VerificationFailed, match="does not apply"):
        mass(log(IntegralOver(g(alpha), alpha, SUPP)), log(S.One, evaluate=False))


def test_the_affine_change_of_variables_needs_a_declared_invertible_matrix():
    y = MatrixSymbol("y", n, 1)
    b_ = MatrixSymbol("b", n, 1)
    p_X, p_Y = Function("p_X"), Function("p_Y")
    change = V.AffineChangeOfVariables(p_X(x), p_Y(y), A, b_, "D1", "H1", Context(matrix_facts=FACTS))
    after = p_Y(A.I * (x - b_)) * Abs(Determinant(A.I))
    verification = change(p_X(x), after)
    assert verification.status is Status.PROVED and verification.premises == ("change of variables", "H1", "D1")
    with pytest.raises(VerificationFailed, match="conclusion"):
        change(p_X(x), p_Y(A.I * (x - b_)))  # the Jacobian factor is missing
    undeclared = V.AffineChangeOfVariables(p_X(x), p_Y(y), M, b_, "D1", "H1", Context(matrix_facts=FACTS))
    with pytest.raises(VerificationFailed, match="not declared invertible"):
        undeclared(p_X(x), p_Y(M.I * (x - b_)) * Abs(Determinant(M.I)))


def test_on_explicit_instances_compares_entry_by_entry():
    s = IndexedBase("s", positive=True)
    k, i, j = (Symbol(name, integer=True, positive=True) for name in "kij")
    diagonal = (V.ExplicitMatrix(S0, Lambda((i, j), KroneckerDelta(i, j) * s[i])),)
    verify = V.OnExplicitInstances(n, (1, 2, 3), diagonal, ("C2",))
    assert verify(Trace(S0), Sum(s[k], (k, 1, n))).status is Status.PROVED_ON_INSTANCES
    with pytest.raises(VerificationFailed):
        verify(Determinant(S0), Sum(s[k], (k, 1, n)))
    assert verify.stated() == ("C2: Sigma[i, j] = KroneckerDelta(i, j)*s[i] (entries from 1)",)
    with pytest.raises(VerificationFailed, match="not about Sigma"):  # the explicit matrix is not in the step
        verify(Trace(M), Sum(s[k], (k, 1, n)))


# -- transcripts ---------------------------------------------------------------------------------


def test_the_header_explains_every_status_used():
    step = Step(a, a, "r", "j", Verification(Status.PROVED_ON_INSTANCES, "m", "n = 2"))
    chains = (Chain("c", a, (step, step, step)),)
    assert "(1)--(3)" in evidence_overview(chains, {Status.PROVED_ON_INSTANCES: "why"})
    with pytest.raises(ValueError):
        evidence_overview(chains, {Status.PROVED: "why"})


def test_an_inequality_step_is_printed_as_one():
    from symderive.model import Derivation

    step = Step(a + 1, a, "drop", "j", Verification(Status.PROVED, "m"), ">=")
    derivation = Derivation("x", "X", (), (Chain("c", a + 1, (step,)),), a)
    assert r"&\geq a" in derivation_to_latex(derivation)


def test_matrix_printing():
    assert to_latex(Determinant(S0)) == r"\det \Sigma"
    assert to_latex(Determinant(MatMul(A, B)) ** 2) == r"\left(\det\left(A B\right)\right)^{2}"
    assert to_latex(Identity(n)) == "I_{n}"
    assert to_latex(MatrixElement(MatMul(Transpose(u), M, u), 0, 0)) == r"u^{T} M u"
    assert to_latex(MatrixElement(M, 0, 1)) != to_latex(M)
    assert isinstance(Rule("r", "j", lambda e: e).relation, str)
    assert Rational(1, 2) == S.Half
