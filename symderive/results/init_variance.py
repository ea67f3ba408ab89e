r"""Variance of a linear network's output under PyTorch's default initialisation.

Seed problem 2.  A linear network :math:`y_l = A_l y_{l-1} + b_l`, with every
entry of :math:`A_l` and :math:`b_l` drawn i.i.d. from
:math:`U(-1/\sqrt{n_{l-1}}, 1/\sqrt{n_{l-1}})` (``torch.nn.Linear``'s default,
``fan_in = n_{l-1}``).  The proof, in the order of the transcript:

1. the mean and variance of one entry, integrated against the uniform density;
2. induction over the layers: if ``y_{l-1}`` has centred coordinates of common
   variance ``v_{l-1}`` (claim P(l-1)), so has ``y_l``, with
   ``v_l = v_{l-1}/3 + 1/(3 n_{l-1})``;
3. the recurrence unrolled, proved by induction on the layer, and the result for
   unit input variance.
"""
from __future__ import annotations

from sympy import IndexedBase, S, Sum, Symbol, Wild, sqrt
from sympy.stats import Uniform

from ..calc import Calc, VerificationFailed
from ..judge import Context, Definition
from ..model import Assumption, Chain, Derivation, Hypothesis
from ..randomvars import Expect, Independence, RandomFamily, RandomModel, Var
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
layer = Symbol("l", integer=True, nonnegative=True)  # the induction variable, 0 <= l <= L
m, r, c = (Symbol(s, integer=True) for s in "mrc")  # indices of a generic entry

n = IndexedBase("n", integer=True, positive=True)  # widths n_0, ..., n_L
v = IndexedBase("v", nonnegative=True)  # v_l = Var((y_l)_i)
A, b, y = IndexedBase("A"), IndexedBase("b"), IndexedBase("y")


def default_init_law(name: str, at_layer: Symbol) -> Uniform:
    bound = 1 / sqrt(n[at_layer - 1])
    return Uniform(name, -bound, bound)


MODEL = RandomModel(
    (
        RandomFamily(A, (l,), (m, r, c), iid=True, law=default_init_law("A", m), label="H2", iid_label="H3"),
        RandomFamily(b, (l,), (m, r), iid=True, law=default_init_law("b", m), label="H2", iid_label="H3"),
        # P(l-1): centred coordinates with a common variance; they may be correlated.
        RandomFamily(y, (l - 1,), (m, r), iid=False, mean=S.Zero, variance=v[m], label="P(l-1)"),
    ),
    independence=(Independence("H3", (A, b, y)),),
    constants=(n,),
)
LAYER = Definition("D1", y[l, i], Sum(A[l, i, j] * y[l - 1, j], (j, 1, n[l - 1])) + b[l, i], (i,))

ASSUMPTIONS = (
    Assumption(
        "H1",
        r"$y_0 = x$ with $\mathbb{E}[x_j] = 0$ and $\operatorname{Var}(x_j) = v_0$ for every $j$ "
        r"(the homework takes $v_0 = 1$). Only $\mathbb{E}[x_j^2] = v_0$ enters the result; "
        r"the deeper layers are centred because the weights are.",
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
)

LAYER_CLAIM = (
    r"Claim $P(l)$: $\mathbb{E}[(y_l)_j] = 0$ and $\operatorname{Var}((y_l)_j) = v_l$ for every $j$. "
    r"$P(0)$ is H1. For $1 \le l \le L$ assume $P(l-1)$; the next two calculations prove $P(l)$."
)


def derive() -> Derivation:
    context = Context(definitions=(LAYER,), random_model=MODEL)
    mean, variance = _moments_of_one_entry(context)
    centred = _layer_stays_centred(context, mean)
    recurrence = _variance_recurrence(context, variance)
    closed_form, base, step, unit_input = _solve_the_recurrence(recurrence.end)
    return Derivation(
        name=NAME,
        title=TITLE,
        assumptions=ASSUMPTIONS,
        chains=(mean, variance, centred, recurrence, base, step, closed_form, unit_input),
        result=unit_input.end,
        result_statement=r"\operatorname{Var}((y_L)_i)",
        summary=(
            r"Every coordinate of $y_l$ is centred with the same variance $v_l$; we derive the recurrence "
            r"for $v_l$, solve it for a symbolic depth $L$, and state the result for unit input variance "
            r"$v_0 = 1$, as in the homework."
        ),
    )


def _moments_of_one_entry(context: Context) -> tuple[Chain, Chain]:
    """E and Var of a weight, integrated against the uniform density (a bias has the same law)."""
    from_density = expectation_from_density(MODEL)
    mean = Calc("Mean of a weight (and of a bias, by H2)", Expect(A[l, i, j]), context)
    mean.by(from_density).by(evaluate_integrals)
    variance = Calc("Variance of a weight (and of a bias, by H2)", Var(A[l, i, j]), context)
    variance.by(variance_as_moments()).by(from_density).by(evaluate_integrals)
    return mean.done(), variance.done()


def _uses_of(lemma: Chain, operator: type, what: str) -> list:
    """Rules replacing ``operator`` of any weight or bias entry by the lemma's value."""
    cite = f"{lemma.heading}"
    return [
        rewrite(operator(A[l, Wild("r"), Wild("c")]), lemma.end, f"{what} of a weight", f"By '{cite}'."),
        rewrite(operator(b[l, Wild("r")]), lemma.end, f"{what} of a bias", f"By '{cite}' (H2: same law)."),
    ]


def _layer_stays_centred(context: Context, mean: Chain) -> Chain:
    chain = Calc("Layer $l$ is centred", Expect(y[l, i]), context, premise=LAYER_CLAIM)
    chain.by(unfold(y[l, i], LAYER.value, "definition of the layer", "Definition D1."))
    chain.by(linearity_of_expectation(MODEL))
    chain.by(expectation_of_independent_product(MODEL, "H3"))
    for use in _uses_of(mean, Expect, "mean"):
        chain.by(use)
    chain.by(sum_of_constant)
    return chain.done()


def _variance_recurrence(context: Context, variance: Chain) -> Chain:
    chain = Calc("The variance of layer $l$", Var(y[l, i]), context)
    chain.by(unfold(y[l, i], LAYER.value, "definition of the layer", "Definition D1."))
    chain.by(variance_of_independent_sum(MODEL, "H3: $b_l$ is independent of $A_l$ and $y_{l-1}$"))
    chain.by(variance_of_uncorrelated_sum(MODEL, "the mean of a weight, H3"))
    chain.by(variance_of_centred_product(MODEL, A, "H3 and the zero mean of a weight"))
    chain.by(second_moment_of_centred(MODEL, "$P(l-1)$"))
    for use in _uses_of(variance, Var, "variance"):
        chain.by(use)
    chain.by(rewrite(Var(y[l - 1, Wild("c")]), v[l - 1], "claim P(l-1)",
                     r"$P(l-1)$: $\operatorname{Var}((y_{l-1})_j) = v_{l-1}$ for every $j$."))
    chain.by(sum_of_constant)
    return chain.done(_layer_conclusion(chain))


def _layer_conclusion(chain: Calc) -> str:
    """P(l) follows only if the variance does not depend on the coordinate i: check it."""
    if chain.start != Var(y[l, i]) or i in chain.current.free_symbols:
        raise VerificationFailed("the variance of layer l depends on the coordinate: P(l) does not follow")
    return (
        r"The result does not depend on $i$ (checked), and layer $l$ is centred (previous calculation): "
        r"this is $P(l)$ with $v_l = \frac{v_{l-1}}{3} + \frac{1}{3 n_{l-1}}$. By induction, $P(l)$ holds "
        r"for $l = 0, \dots, L$."
    )


def _solve_the_recurrence(variance_of_layer) -> tuple[Chain, Chain, Chain, Chain]:
    """Unroll ``v_l = v_{l-1}/3 + 1/(3 n_{l-1})``, prove it by induction on ``l``, then set ``v_0 = 1``."""
    context = Context()
    recurrence = LinearRecurrence.read(v, l, variance_of_layer)
    unrolling = unroll(recurrence, k)
    claim = unrolling(v[layer])
    base, step = induction_chains(recurrence, claim, layer, context)
    closed_form = Calc("Closed form", v[L], context)
    closed_form.by(unrolling, verifier=induction_verifier(recurrence, layer, L, base, step, context))
    closed_form.by(shift_index(-1))
    unit_input = Calc(r"The homework's case $v_0 = 1$", closed_form.current, context,
                      hypotheses=(Hypothesis("H1", v[0], S.One),))
    unit_input.by(substitute({v[0]: 1}, "unit input variance", r"H1 with $v_0 = \operatorname{Var}(x_j) = 1$."))
    return closed_form.done(), base, step, unit_input.done()
