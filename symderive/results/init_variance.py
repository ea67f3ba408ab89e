r"""Variance of a linear network's output under PyTorch's default initialisation.

Seed problem 2.  A linear network :math:`y_l = A_l y_{l-1} + b_l`, with every
entry of :math:`A_l` and :math:`b_l` drawn i.i.d. from
:math:`U(-1/\sqrt{n_{l-1}}, 1/\sqrt{n_{l-1}})` (``torch.nn.Linear``'s default,
``fan_in = n_{l-1}``).  We derive the recurrence
:math:`v_l = v_{l-1}/3 + 1/(3 n_{l-1})` for :math:`v_l = \operatorname{Var}((y_l)_i)`
and solve it for a symbolic depth :math:`L`.
"""
from __future__ import annotations

from sympy import IndexedBase, S, Sum, Symbol, Wild, sqrt
from sympy.stats import Uniform

from ..calc import Calc
from ..judge import Context, Definition
from ..model import Assumption, Derivation
from ..randomvars import Expect, RandomFamily, RandomModel, Var
from ..recurrence import LinearRecurrence, induction_chains, induction_verifier, unroll
from ..rules.algebra import rewrite, shift_index, substitute, sum_of_constant, unfold
from ..rules.calculus import evaluate_integrals
from ..rules.probability import (
    expectation_from_density,
    expectation_of_independent_product,
    linearity_of_expectation,
    second_moment_of_centred,
    variance_as_moments,
    variance_of_centred_product,
    variance_of_independent_sum,
    variance_of_uncorrelated_sum,
)

NAME = "init-variance"
TITLE = "Output variance of a linear network under PyTorch's default initialisation"

# Layer l >= 1, coordinates i (output) and j (input), depth L >= 0.
l = Symbol("l", integer=True, positive=True)
i, j = Symbol("i", integer=True, positive=True), Symbol("j", integer=True, positive=True)
L = Symbol("L", integer=True, nonnegative=True)
k = Symbol("k", integer=True, nonnegative=True)
m, r, c = (Symbol(s, integer=True) for s in "mrc")  # indices of a generic entry

n = IndexedBase("n", integer=True, positive=True)  # widths n_0, ..., n_L
v = IndexedBase("v", nonnegative=True)  # v_l = Var((y_l)_i)
A, b, y = IndexedBase("A"), IndexedBase("b"), IndexedBase("y")


def default_init_law(layer: Symbol) -> Uniform:
    bound = 1 / sqrt(n[layer - 1])
    return Uniform("w", -bound, bound)


MODEL = RandomModel((
    RandomFamily(A, (l,), (m, r, c), iid=True, law=default_init_law(m)),
    RandomFamily(b, (l,), (m, r), iid=True, law=default_init_law(m)),
    # Induction hypothesis on the layers: centred coordinates, common variance.
    RandomFamily(y, (l - 1,), (m, r), iid=False, mean=S.Zero, variance=v[m]),
))
LAYER = Definition(
    "D1", y[l, i], Sum(A[l, i, j] * y[l - 1, j], (j, 1, n[l - 1])) + b[l, i], (i,)
)

ASSUMPTIONS = (
    Assumption(
        "H1",
        r"$y_0 = x$ with $\mathbb{E}[x_j] = 0$ and $\operatorname{Var}(x_j) = v_0$ for every $j$ "
        r"(the homework takes $v_0 = 1$).",
    ),
    Assumption(
        "H2",
        r"Every entry $(A_l)_{ij}$ and $(b_l)_i$ is drawn from $U\!\left(-\frac{1}{\sqrt{n_{l-1}}}, "
        r"\frac{1}{\sqrt{n_{l-1}}}\right)$ (\texttt{torch.nn.Linear}'s default, $\mathrm{fan\_in} = n_{l-1}$).",
    ),
    Assumption(
        "H3",
        r"All weights, all biases and $x$ are mutually independent; so $A_l$, $b_l$ and $y_{l-1}$ "
        r"(a function of $x$ and of the layers before $l$) are independent.",
    ),
    Assumption(
        "D1",
        r"$y_l = A_l y_{l-1} + b_l$, that is $(y_l)_i = \sum_{j=1}^{n_{l-1}} (A_l)_{ij} (y_{l-1})_j + (b_l)_i$, "
        r"for $l = 1, \dots, L$.",
        "definition",
    ),
    Assumption(
        "IH",
        r"Induction on the layer $l \ge 1$: $\mathbb{E}[(y_{l-1})_j] = 0$ and "
        r"$\operatorname{Var}((y_{l-1})_j) = v_{l-1}$ for every $j$ (at $l = 1$ this is H1). "
        r"The coordinates of $y_{l-1}$ need not be independent.",
    ),
)


def derive() -> Derivation:
    context = Context(definitions=(LAYER,), random_model=MODEL)
    moments = _moments_of_the_uniform_entries(context)
    mean_zero = _layers_stay_centred(context, moments)
    recurrence = _variance_recurrence(context, moments)
    base, step, closed_form, seed_case = _solve_the_recurrence(recurrence.end)
    return Derivation(
        name=NAME,
        title=TITLE,
        assumptions=ASSUMPTIONS,
        chains=(*moments.values(), mean_zero, recurrence, base, step, closed_form, seed_case),
        result=seed_case.end,
        result_statement=r"\operatorname{Var}((y_L)_i)",
        summary=(
            r"Every coordinate of $y_l$ is centred with the same variance $v_l$; we derive the recurrence "
            r"for $v_l$, solve it for a symbolic depth $L$, and state the result for unit input variance "
            r"$v_0 = 1$, as in the homework."
        ),
    )


def _moments_of_the_uniform_entries(context: Context) -> dict:
    """E and Var of one weight and one bias, integrated against the uniform density."""
    from_density = expectation_from_density(MODEL)
    chains = {}
    for label, entry in (("weight", A[l, i, j]), ("bias", b[l, i])):
        mean = Calc(f"Mean of a {label}", Expect(entry), context)
        mean.by(from_density).by(evaluate_integrals)
        variance = Calc(f"Variance of a {label}", Var(entry), context)
        variance.by(variance_as_moments()).by(from_density).by(evaluate_integrals)
        chains[("mean", label)] = mean.done()
        chains[("variance", label)] = variance.done()
    return chains


def _lemma(moments: dict, kind: str, operator, name: str) -> list:
    """Rules that use the computed mean or variance of weights and biases."""
    weight_pattern = operator(A[l, Wild("r"), Wild("c")])
    bias_pattern = operator(b[l, Wild("r")])
    cite = f"the {kind} computed above"
    return [
        rewrite(weight_pattern, moments[(kind, "weight")].end, name, f"The {kind} of a weight entry, {cite}."),
        rewrite(bias_pattern, moments[(kind, "bias")].end, name, f"The {kind} of a bias entry, {cite}."),
    ]


def _layers_stay_centred(context: Context, moments: dict):
    chain = Calc("Every layer stays centred", Expect(y[l, i]), context)
    chain.by(unfold(y[l, i], LAYER.value, "definition of the layer", "Definition D1."))
    chain.by(linearity_of_expectation(MODEL))
    chain.by(expectation_of_independent_product(MODEL, "H3"))
    for use in _lemma(moments, "mean", Expect, "zero-mean entries"):
        chain.by(use)
    chain.by(sum_of_constant)
    return chain.done(
        r"So $\mathbb{E}[(y_l)_i] = 0$: the first half of IH carries over from layer $l-1$ to layer $l$."
    )


def _variance_recurrence(context: Context, moments: dict):
    chain = Calc("The variance recurrence", Var(y[l, i]), context)
    chain.by(unfold(y[l, i], LAYER.value, "definition of the layer", "Definition D1."))
    chain.by(variance_of_independent_sum(MODEL, "H3: $b_l$ is independent of $A_l$ and $y_{l-1}$"))
    chain.by(variance_of_uncorrelated_sum(MODEL, "the mean of a weight computed above, H3"))
    chain.by(variance_of_centred_product(MODEL, A, "H3 and the zero mean of a weight"))
    chain.by(second_moment_of_centred(MODEL, "IH"))
    for use in _lemma(moments, "variance", Var, "variance of the uniform entries"):
        chain.by(use)
    chain.by(rewrite(Var(y[l - 1, Wild("c")]), v[l - 1], "induction hypothesis",
                     r"IH: $\operatorname{Var}((y_{l-1})_j) = v_{l-1}$ for every $j$."))
    chain.by(sum_of_constant)
    return chain.done(
        r"The right-hand side does not depend on $i$, so $v_l := \operatorname{Var}((y_l)_i)$ is well defined "
        r"and IH holds at layer $l$: by induction on $l$, for $l = 1, \dots, L$, "
        r"$v_l = v_{l-1}/3 + 1/(3 n_{l-1})$."
    )


def _solve_the_recurrence(variance_at_layer):
    """Unroll ``v_l = v_{l-1}/3 + 1/(3 n_{l-1})``, prove it by induction on ``L``, then set ``v_0 = 1``."""
    context = Context()
    recurrence = LinearRecurrence.read(v, l, variance_at_layer)
    unrolling = unroll(recurrence, k)
    candidate = unrolling(v[L])
    base, step = induction_chains(recurrence, candidate, L, context)
    closed_form = Calc("Closed form", v[L], context)
    closed_form.by(unrolling, verifier=induction_verifier(recurrence, L, base, step, context))
    closed_form.by(shift_index(-1))
    seed_case = Calc(r"The homework's case $v_0 = 1$", closed_form.current, context)
    unit_input = context.with_definitions(Definition("H1", v[0], S.One))
    seed_case.by(
        substitute({v[0]: 1}, "unit input variance", r"H1 with $v_0 = \operatorname{Var}(x_j) = 1$."),
        context=unit_input,
    )
    return base, step, closed_form.done(), seed_case.done()
