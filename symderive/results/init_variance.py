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
from ..model import Assumption, Chain, Derivation, Hypothesis, Status
from ..randomvars import Expect, Independence, RandomFamily, RandomModel, Var
from ..recurrence import LinearRecurrence, induction_chains, induction_verifier, unroll
from ..render.latex import STATUS_WORDS
from ..render.premises import definition_formula, facts_sentence, iid_sentence, independence_sentence, law_sentence
from ..render.printer import to_latex
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


WEIGHTS = RandomFamily(A, (l,), (m, r, c), iid=True, law=default_init_law("A", m), label="H2", iid_label="H3")
BIASES = RandomFamily(b, (l,), (m, r), iid=True, law=default_init_law("b", m), label="H2", iid_label="H3")
# P(l-1): centred coordinates with a common variance; they may be correlated.
PREVIOUS_LAYER = RandomFamily(y, (l - 1,), (m, r), iid=False, mean=S.Zero, variance=v[m], label="P(l-1)")
MODEL = RandomModel(
    (WEIGHTS, BIASES, PREVIOUS_LAYER),
    independence=(Independence("H3", (A, b, y)),),
    constants=(n,),
)
LAYER = Definition("D1", y[l, i], Sum(A[l, i, j] * y[l - 1, j], (j, 1, n[l - 1])) + b[l, i], (i,))
UNIT_INPUT = Hypothesis("H1", v[0], S.One)  # the homework's input variance


def assumptions(model: RandomModel = MODEL, layer: Definition = LAYER) -> tuple[Assumption, ...]:
    """The stated premises, their mathematics printed from the forms the judge uses."""
    weights, biases, previous = (_family(model, base) for base in (A, b, y))
    (independence,) = model.independence
    unit = f"{to_latex(UNIT_INPUT.target)} = {to_latex(UNIT_INPUT.value)}"
    laws: dict[str, list] = {}  # one assumption per label stating laws
    for family, free in ((weights, (i, j)), (biases, (i,))):
        laws.setdefault(family.label, []).append((family, free))
    iid = [f for f in model.families if f.iid and f.independence_label == independence.label]
    iid_clause = f", and {iid_sentence(iid)}" if iid else ""
    return (
        Assumption(
            UNIT_INPUT.label,
            rf"The input is $y_0 = x$, with {facts_sentence(previous, (S.Zero, j))} for every $j$ "
            rf"(the homework takes ${unit}$). Only the second moment of $x$ enters the result; "
            r"the deeper layers are centred because the weights are.",
        ),
        *(Assumption(label, f"{law_sentence(governed)}{_torch_note(governed)}.") for label, governed in laws.items()),
        Assumption(
            independence.label,
            f"{independence_sentence(independence, model.families)}{iid_clause}: all weights, all biases and $x$ "
            r"are drawn independently, and $y_{l-1}$ is a function of $x$ and of the layers before $l$.",
        ),
        Assumption(
            layer.label,
            rf"The layer map: ${definition_formula(layer)}$ for every $i$ and $l = 1, \dots, L$.",
            "definition",
        ),
    )


def _torch_note(governed: list) -> str:
    """Say that the laws are PyTorch's default only when they are."""
    default = all(
        f.law.pspace.distribution == default_init_law(str(f.base), f.index_symbols[0]).pspace.distribution
        for f, _ in governed
    )
    return r" ($\texttt{torch.nn.Linear}$'s default initialisation)" if default else ""


def layer_claim(model: RandomModel = MODEL) -> str:
    """The induction claim P(l), printed from the facts stated of the previous layer."""
    previous = _family(model, y)
    return (
        rf"Claim $P(l)$: {facts_sentence(previous, (l, j))} for every $j$. "
        rf"$P(0)$ is {UNIT_INPUT.label}. For $1 \le l \le L$ assume $P(l-1)$; "
        r"the next two calculations prove $P(l)$."
    )


def derive(model: RandomModel = MODEL) -> Derivation:
    context = Context(definitions=(LAYER,), random_model=model)
    mean, variance = _moments_of_one_entry(context, model)
    centred = _layer_stays_centred(context, model, mean)
    recurrence = _variance_recurrence(context, model, mean, variance)
    closed_form, base, step, unit_input = _solve_the_recurrence(recurrence.end)
    return Derivation(
        name=NAME,
        title=TITLE,
        assumptions=assumptions(model),
        chains=(mean, variance, centred, recurrence, base, step, closed_form, unit_input),
        result=unit_input.end,
        result_statement=r"\operatorname{Var}((y_L)_i)",
        summary=(
            r"Every coordinate of $y_l$ is centred with the same variance $v_l$; we derive the recurrence "
            r"for $v_l$, solve it for a symbolic depth $L$, and state the result for unit input variance "
            rf"${to_latex(UNIT_INPUT.target)} = {to_latex(UNIT_INPUT.value)}$, as in the homework."
        ),
    )


def _family(model: RandomModel, base: IndexedBase) -> RandomFamily:
    return next(f for f in model.families if f.base == base)


def _moments_of_one_entry(context: Context, model: RandomModel) -> tuple[Chain, Chain]:
    """E and Var of a weight, integrated against the uniform density (a bias has the same law)."""
    from_density = expectation_from_density(model)
    law = _family(model, A).label
    mean = Calc(f"Mean of a weight (and of a bias, by {law})", Expect(A[l, i, j]), context)
    mean.by(from_density).by(evaluate_integrals)
    variance = Calc(f"Variance of a weight (and of a bias, by {law})", Var(A[l, i, j]), context)
    variance.by(variance_as_moments()).by(from_density).by(evaluate_integrals)
    return mean.done(), variance.done()


def premises_of(chain: Chain) -> str:
    """The labels the judge cited in a lemma's steps, e.g. ``H2``: what a use of the lemma rests on."""
    labels = sorted({p for s in chain.steps for p in s.verification.premises})
    return ", ".join(labels)


def _uses_of(lemma: Chain, model: RandomModel, operator: type, what: str) -> list:
    """Rules replacing ``operator`` of any weight or bias entry by the lemma's value."""
    same_law = _family(model, b).label
    cite = f"By ``{lemma.heading}''"
    return [
        rewrite(operator(A[l, Wild("r"), Wild("c")]), lemma.end, f"{what} of a weight", f"{cite}."),
        rewrite(operator(b[l, Wild("r")]), lemma.end, f"{what} of a bias", f"{cite} ({same_law}: same law)."),
    ]


def _layer_stays_centred(context: Context, model: RandomModel, mean: Chain) -> Chain:
    chain = Calc("Layer $l$ is centred", Expect(y[l, i]), context, premise=layer_claim(model))
    chain.by(unfold(y[l, i], LAYER.value, "definition of the layer", f"Definition {LAYER.label}."))
    chain.by(linearity_of_expectation(model))
    chain.by(expectation_of_independent_product(model, _independence(model)))
    for use in _uses_of(mean, model, Expect, "mean"):
        chain.by(use)
    chain.by(sum_of_constant)
    return chain.done()


def _independence(model: RandomModel) -> str:
    (fact,) = model.independence
    return fact.label


def _variance_recurrence(context: Context, model: RandomModel, mean: Chain, variance: Chain) -> Chain:
    independent = _independence(model)
    zero_mean = f"the mean of a weight, by {premises_of(mean)}"
    previous = _family(model, y)
    chain = Calc("The variance of layer $l$", Var(y[l, i]), context)
    chain.by(unfold(y[l, i], LAYER.value, "definition of the layer", f"Definition {LAYER.label}."))
    chain.by(variance_of_independent_sum(model, f"{independent}: $b_l$ is independent of $A_l$ and $y_{{l-1}}$"))
    chain.by(variance_of_uncorrelated_sum(model, f"{zero_mean}; {independent} for the independence"))
    chain.by(variance_of_centred_product(model, A, f"{independent}; {zero_mean}"))
    chain.by(second_moment_of_centred(model, "$P(l-1)$"))
    for use in _uses_of(variance, model, Var, "variance"):
        chain.by(use)
    previous_variance, at = Var(y[l - 1, c]), {m: l - 1, r: c}
    chain.by(rewrite(previous_variance.xreplace({c: Wild("c")}), previous.variance.xreplace(at), "claim $P(l-1)$",
                     f"$P(l-1)$: {facts_sentence(previous, (l - 1, j))} for every $j$."))
    chain.by(sum_of_constant)
    return chain.done(_layer_conclusion(chain))


def _layer_conclusion(chain: Calc) -> str:
    """P(l) follows only if the variance does not depend on the coordinate i: check it, with a status."""
    if chain.start != Var(y[l, i]) or i in chain.current.free_symbols:
        raise VerificationFailed("the variance of layer l depends on the coordinate: P(l) does not follow")
    checked = rf"\emph{{[{STATUS_WORDS[Status.PROVED]}: the expression has no free ${to_latex(i)}$]}}"
    return (
        rf"The result does not depend on ${to_latex(i)}$ {checked}, "
        r"and layer $l$ is centred (previous calculation): "
        rf"this is $P(l)$ with ${to_latex(v[l])} = {to_latex(chain.current)}$. By induction, $P(l)$ holds "
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
    unit = f"{to_latex(UNIT_INPUT.target)} = {to_latex(UNIT_INPUT.value)}"
    unit_input = Calc(f"The homework's case ${unit}$", closed_form.current, context, hypotheses=(UNIT_INPUT,))
    unit_input.by(substitute({UNIT_INPUT.target: UNIT_INPUT.value}, "unit input variance",
                             f"{UNIT_INPUT.label}: the input variance is ${unit}$."))
    return closed_form.done(), base, step, unit_input.done()
