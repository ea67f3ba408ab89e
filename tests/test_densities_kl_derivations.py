"""The four derivations of seed problems 4-6: results against the seed's stated formulas, honest labels,
and independent checks (exact integration, instances), each able to fail."""
from __future__ import annotations

import random
import re

import pytest
from sympy import (
    Basic,
    GreaterThan,
    ImmutableMatrix,
    Integral,
    Matrix,
    MatMul,
    MatrixSymbol,
    Rational,
    Sum,
    Symbol,
    Transpose,
    Tuple,
    log,
    oo,
    simplify,
)

from seed_reader import read  # only for D_{KL}(X_i || Y_i), which the notation layer does not read
from symderive import Outcome, Status, derive, judge
from symderive.densities import KL, instantiate, multivariate_normal, random_spd, random_vector, total_mass
from symderive.integrals import evaluate_integrals
from symderive.judge import Context
from symderive.latex_in.declarations import declarations_from
from symderive.latex_in.notation import read_side
from symderive.results import affine_gaussian as AG
from symderive.results import kl_additive as KA
from symderive.results import kl_gaussian as KG
from symderive.results import kl_nonnegative as KN

NAMES = ("affine-gaussian", "kl-nonnegative", "kl-additive", "kl-gaussian")


@pytest.fixture(scope="module")
def derived():
    return {name: derive(name) for name in NAMES}


# -- the seed's stated formulas ------------------------------------------------------


def _aligned_block(homework: str, marker: str) -> str:
    blocks = re.findall(r"\\begin\{aligned\}(.*?)\\end\{aligned\}", homework, re.S)
    (block,) = [b for b in blocks if marker in b]
    return block


def _stated(homework: str, marker: str) -> str:
    """The right side of the last line of the aligned block containing ``marker``."""
    last = _aligned_block(homework, marker).split(r"\\")[-1]
    return last.strip().removeprefix("&=").strip().rstrip(".")


# The declarations `symderive check` uses for these lines; the names then become the derivations' own.
AFFINE_DIRECTIVES = ["scalar n : positive integer", "matrix \\Sigma : n x n", "vector x, b : n", "read |A| as det"]
AFFINE_NAMES = {"x": AG.x, "b": AG.b, "n": AG.n, r"\Sigma": AG.Sigma}
KL_DIRECTIVES = ["scalar d : positive integer", "matrix \\Sigma_0, \\Sigma_1 : d x d", "vector \\mu_0, \\mu_1 : d",
                 "read |A| as det"]
KL_NAMES = {r"\Sigma_0": KG.Sigma_0, r"\Sigma_1": KG.Sigma_1, r"\mu_0": KG.mu_0, r"\mu_1": KG.mu_1, "d": KG.d}


def read_declared(text: str, directives: list[str], names: dict) -> Basic:
    """The seed's LaTeX read by the notation layer under declarations, in the derivation's own symbols."""
    expr = read_side(text, declarations_from(directives)).expr
    atoms = {a for a in expr.atoms(Symbol, MatrixSymbol) if str(a) in names}
    sizes = {s for a in atoms if isinstance(a, MatrixSymbol) for s in a.shape if str(s) in names}
    return expr.xreplace({a: names[str(a)] for a in atoms | sizes})


def test_affine_gaussian_equals_the_seeds_last_line(derived, homework):
    stated = read_declared(_stated(homework, r"P_X(\alpha)"), AFFINE_DIRECTIVES, AFFINE_NAMES)
    assert stated.has(AG.Sigma)
    # The seed states |Σ| = |AA^T|: with Σ = AA^T the two must agree.
    in_a = stated.xreplace({AG.Sigma: MatMul(AG.A, Transpose(AG.A))})
    context = Context(matrix_facts=AG.FACTS)
    assert judge(derived["affine-gaussian"].result, in_a, context).outcome is Outcome.VERIFIED
    # The seed's third line has (2π)^n where (2π)^{n/2} belongs: that version is refuted.
    slip = read_declared(r"\frac{1}{(2\pi)^n |\Sigma|} e^{-\frac{1}{2} (x-b)^T \Sigma^{-1} (x-b)}",
                         AFFINE_DIRECTIVES, AFFINE_NAMES).xreplace({AG.Sigma: MatMul(AG.A, Transpose(AG.A))})
    assert judge(derived["affine-gaussian"].result, slip, context).outcome is Outcome.REFUTED


def test_kl_gaussian_equals_the_seeds_last_line(derived, homework):
    stated = read_declared(_stated(homework, r"\text{tr}(\Sigma_1^{-1} \Sigma_0) + (\mu_1"), KL_DIRECTIVES, KL_NAMES)
    context = Context(matrix_facts=KG.FACTS)
    verdict = judge(derived["kl-gaussian"].result, stated, context)
    assert verdict.outcome is Outcome.VERIFIED and verdict.verification.status is Status.PROVED
    wrong = read_declared(r"\frac{1}{2} \left(\text{tr}(\Sigma_1^{-1} \Sigma_0) "
                          r"+ (\mu_1 - \mu_0)^T \Sigma_1^{-1} (\mu_1 - \mu_0)"
                          r" + d + \log \frac{|\Sigma_1|}{|\Sigma_0|} \right)", KL_DIRECTIVES, KL_NAMES)
    assert judge(derived["kl-gaussian"].result, wrong, context).outcome is Outcome.REFUTED


def test_kl_additive_equals_the_seeds_last_line(derived, homework):
    notation = {
        "d": KA.d, "i": KA.i,
        "X_": lambda i: KA.f(i, KA.x[i]), "Y_": lambda i: KA.g(i, KA.x[i]),
        "D_{KL}": lambda p, q: KL(p, q, Tuple(p.args[1])),
    }
    stated = read(_stated(homework, r"\text{pdf}_{X_1}(x_1) \cdots"), notation)
    assert stated == derived["kl-additive"].result
    assert stated != Sum(KL(KA.f(KA.i, KA.x[KA.i]), KA.g(KA.i, KA.x[KA.i]), Tuple(KA.x[KA.i])), (KA.i, 1, KA.d - 1))


def test_kl_nonnegative_ends_like_the_seed_with_its_inequality(derived, homework):
    block = _aligned_block(homework, "Jensen")
    assert r"\geq" in block
    stated = read(_stated(homework, "Jensen"), {})
    result = derived["kl-nonnegative"].result
    assert isinstance(result, GreaterThan) and result.rhs == stated == 0
    assert result.lhs == KL(KN.f(KN.alpha), KN.g(KN.alpha), Tuple(KN.alpha))
    # The seed's "= -log 1" is our "≥": the transcript says which side condition it needs.
    chain = derived["kl-nonnegative"].chains[0]
    assert [s.relation for s in chain.steps].count(">=") == 2
    assert r"\operatorname{supp} g \subseteq \operatorname{supp} f" in chain.conclusion


def test_results_are_over_matrix_symbols_of_symbolic_size(derived):
    from sympy import MatrixSymbol, srepr

    kl_leaves = {m for m in derived["kl-gaussian"].result.atoms(MatrixSymbol)}
    assert kl_leaves == {KG.Sigma_0, KG.Sigma_1, KG.mu_0, KG.mu_1} and KG.Sigma_0.shape == (KG.d, KG.d)
    assert derived["affine-gaussian"].result.atoms(MatrixSymbol) == {AG.A, AG.b, AG.x}
    assert "MatrixSymbol(Str('Sigma_0'), Symbol('d', integer=True, positive=True)" in srepr(derived["kl-gaussian"].result)


# -- honest labels ---------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_every_step_has_a_rule_a_justification_and_an_honest_label(derived, name):
    derivation = derived[name]
    assert derivation.steps
    for step in derivation.steps:
        assert step.rule and step.justification and step.verification.method
        assert step.verification.status is not Status.ASSUMED
        if step.verification.status is Status.PROVED_ON_INSTANCES:
            assert re.search(r"(?:d|n) (?:=|in) ", step.verification.detail), step.verification.detail
        if step.relation != "=":
            assert step.relation == ">=" and name == "kl-nonnegative"


@pytest.mark.parametrize("name", NAMES)
def test_the_header_names_every_weaker_step(derived, name):
    derivation = derived[name]
    for status in {s.verification.status for s in derivation.steps}:
        assert f"\\emph{{{status.value}}}" in derivation.summary


def test_cited_theorems_are_named_among_the_premises(derived):
    steps = {s.rule: s for name in ("affine-gaussian", "kl-nonnegative") for s in derived[name].steps}
    assert "change of variables" in steps["change of variables"].verification.premises
    assert "H1" in steps["change of variables"].verification.premises
    jensen = steps["Jensen's inequality"].verification
    assert "Jensen's inequality" in jensen.premises and {"H1", "H2", "H3"} <= set(jensen.premises)
    assert "mass on a subset" in steps["mass on a subset"].verification.premises


def test_affine_step_counts_the_one_instance_check(derived):
    statuses = [s.verification.status for s in derived["affine-gaussian"].steps]
    assert statuses.count(Status.PROVED_ON_INSTANCES) == 1  # |t| = sqrt(t^2) for a determinant


# -- independent checks of the results ------------------------------------------------------


def test_affine_result_is_the_normal_density_with_covariance_a_a_transpose(derived):
    target = multivariate_normal(AG.x, AG.b, MatMul(AG.A, Transpose(AG.A))).expr
    context = Context(matrix_facts=AG.FACTS)
    assert judge(derived["affine-gaussian"].result, target, context).outcome is Outcome.VERIFIED
    assert judge(derived["affine-gaussian"].result, 2 * target, context).outcome is Outcome.REFUTED


@pytest.mark.parametrize("size", [1, 2])
def test_affine_result_integrates_to_one_on_instances(derived, size):
    rng = random.Random(size)
    a = Matrix(size, size, lambda i, j: rng.randint(-2, 2) + (3 if i == j else 0))
    assert a.det() != 0
    coordinates = [Symbol(f"x_{k}", real=True) for k in range(1, size + 1)]
    sized = {AG.n: size}
    values = {AG.A.subs(sized): ImmutableMatrix(a), AG.b.subs(sized): ImmutableMatrix(random_vector(size, rng)),
              AG.x.subs(sized): ImmutableMatrix(coordinates)}
    density = derived["affine-gaussian"].result.subs(sized).xreplace(values).doit()
    mass = evaluate_integrals(Integral(density, *((c, -oo, oo) for c in coordinates)))
    assert simplify(mass - 1) == 0


def _kl_at(result, values: dict, size: int):
    sized = {KG.d: size}
    explicit = {symbol.subs(sized): ImmutableMatrix(value) for symbol, value in values.items()}
    return result.subs(sized).xreplace(explicit).doit()


def test_kl_gaussian_at_d_1_equals_the_definition_integrated_exactly(derived):
    t, m0, m1 = (Symbol(s, real=True) for s in ("t", "m_0", "m_1"))
    s0, s1 = Symbol("s_0", positive=True), Symbol("s_1", positive=True)
    from symderive.densities import normal

    p, q = normal(t, m0, s0), normal(t, m1, s1)
    integrated = evaluate_integrals(Integral(p.expr * log(p.expr / q.expr), (t, -oo, oo)))
    values = {KG.Sigma_0: [[s0**2]], KG.Sigma_1: [[s1**2]], KG.mu_0: [m0], KG.mu_1: [m1]}
    ours = _kl_at(derived["kl-gaussian"].result, values, 1)
    assert simplify(integrated - ours) == 0
    assert simplify(integrated - ours.subs(s1, s0)) != 0  # the check can fail


@pytest.mark.parametrize("size", [2, 3])
def test_kl_gaussian_on_exact_instances_equals_the_definition_integrated(derived, size):
    rng = random.Random(100 + size)
    s0, s1 = random_spd(size, rng), random_spd(size, rng)
    m0, m1 = random_vector(size, rng), random_vector(size, rng)
    x = KG.x
    p = instantiate(multivariate_normal(x, KG.mu_0, KG.Sigma_0), {KG.d: size}, {KG.mu_0: m0, KG.Sigma_0: s0})
    q = instantiate(multivariate_normal(x, KG.mu_1, KG.Sigma_1), {KG.d: size}, {KG.mu_1: m1, KG.Sigma_1: s1})
    assert total_mass(p) == 1
    integrated = evaluate_integrals(Integral(p.expr * log(p.expr / q.expr), *p.limits()))
    ours = _kl_at(derived["kl-gaussian"].result, {KG.Sigma_0: s0, KG.Sigma_1: s1, KG.mu_0: m0, KG.mu_1: m1}, size)
    assert simplify(integrated - ours) == 0
    swapped = _kl_at(derived["kl-gaussian"].result, {KG.Sigma_0: s1, KG.Sigma_1: s0, KG.mu_0: m0, KG.mu_1: m1}, size)
    assert simplify(integrated - swapped) != 0


def test_the_vae_corollary_at_d_2_matches_the_result(derived):
    chain = derived["kl-gaussian"].chains[2]
    sigma, nu = KG.sigma, KG.nu
    values = {KG.Sigma_0: Matrix.diag(sigma[1] ** 2, sigma[2] ** 2), KG.Sigma_1: Matrix.eye(2),
              KG.mu_0: [nu[1], nu[2]], KG.mu_1: [0, 0]}
    at_two = _kl_at(derived["kl-gaussian"].result, values, 2)
    assert simplify(at_two - chain.end.subs(KG.d, 2).doit()) == 0


def test_kl_additive_holds_for_other_families_than_the_ones_checked(derived):
    from symderive.densities import ProductInstances, laplace, normal

    t = Symbol("t", real=True)
    families = ((laplace(t, 1, 3), laplace(t, 0, 1)), (normal(t, 2, 1), normal(t, 0, 3)))
    instances = ProductInstances(KA.f, KA.g, KA.x, KA.d, families)
    start = derived["kl-additive"].chains[0].start
    joint = evaluate_integrals(instances.at(start, 2))
    additive = evaluate_integrals(instances.at(derived["kl-additive"].result, 2))
    assert simplify(joint - additive) == 0
    assert simplify(joint - evaluate_integrals(instances.at(derived["kl-additive"].result.subs(KA.d, 1), 2))) != 0


def test_kl_nonnegative_checks_on_concrete_pairs(derived):
    chains = derived["kl-nonnegative"].chains
    gaussians, discrete, too_small = chains[1], chains[2], chains[3]
    assert simplify(gaussians.steps[-2].after - (log(2) - Rational(1, 4))) == 0 and gaussians.end == 0
    assert discrete.steps[-2].after == log(2) / 4
    assert too_small.end == log(3)  # -log of ∫_{supp f} g = 1/3: the seed's "= -log 1" fails here
