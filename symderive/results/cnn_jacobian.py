r"""The gradient of a deep 1-D convolutional network by its filters and biases (seed problem 3).

The network: :math:`y_0 = x`; for :math:`l = 1, \dots, L`, :math:`y'_l = A_l y_{l-1} + b_l` with
:math:`A_l` the matrix of the valid cross-correlation with the filter :math:`w_l`, and
:math:`y_l = \sigma(y'_l)` for :math:`l < L`, :math:`y_L = y'_L`.  The proof, in the order of the
transcript:

1. the Jacobians of one layer, entry by entry from the definitions: by the filter (the Hankel
   matrix :math:`Y_{l-1}`), by the bias (:math:`I` or the ones vector), by the input
   (:math:`A_{l+1}`), and of the activation (:math:`\operatorname{diag}(\sigma'(y'_l))`);
2. the chain rule through one layer, and by induction on :math:`L - l` the product
   :math:`\partial y_L/\partial y'_l = A_L \prod_{k=L-1}^{l+1}[D_k A_k]\, D_l`;
3. the Jacobians by :math:`w_l` and :math:`b_l` (and the edge cases :math:`l = L`, :math:`L = 1`);
4. the efficiency remark: :math:`A_k^\top v` is a full convolution, so backpropagation needs
   only transposed convolutions of stored forward outputs, and what that saves.

Steps about Jacobians are checked by explicit verifiers on exact instances
(:mod:`symderive.cnn_instances`); steps between matrix products by the judge.
"""
from __future__ import annotations

from sympy import Identity, MatMul, OneMatrix, Transpose, Wild

from ..calc import Calc, VerificationFailed, Verifier
from ..cnn import Shape, conv_matrix, multiplication_count_formulas, operation_counts, symbolic_net
from ..cnn_check import every_setting, exact_instance_check, field_check, instance_verification
from ..cnn_instances import (
    A, A_ENTRY, D, FACTS, HANKEL_ENTRY, NETWORK_SHAPES, SCALAR_BIAS_SHAPES, SIGMA, W_ENTRY, X_ENTRY, Y, Y_ENTRY,
    Y_PRE_ENTRY, L, LayerKind, LayerSize, b, below_the_last, beta, f, i, j, k, l, layer_verifier, n,
    network_verifier, no_layer, pre_activation_entry, the_last, u, v, w, written_out, y, y_pre,
)
from ..induction import DownwardInduction
from ..jacobians import EntryMatrix, Jacobian, bmatrix, sketch
from ..judge import Context
from ..matrices import OrderedProduct
from ..model import Assumption, Chain, Derivation, Status
from ..render.latex import STATUS_WORDS, escape_text
from ..render.printer import to_latex
from ..rules import ParametricRule, Rule
from ..rules.algebra import Claim, Replace, Rewrite, rewrite, unfold
from ..rules.calculus import (
    chain_rule, differentiate, entries_of_transposed_product, entrywise_jacobian, name_the_matrix,
    sum_against_kronecker_delta, sum_over_the_band,
)
from ..rules.matrices import (
    absorb_next_factor, drop_identity_factors, flatten_products, symmetric_is_its_transpose,
    transpose_of_ordered_product, transpose_of_product,
)

NAME = "cnn-jacobian"
TITLE = "Jacobians of a deep 1-D convolutional network by its filters and biases"

CONTEXT = Context(matrix_facts=FACTS)

# One layer is checked at these (n_{l-1}, f_l): uneven, a filter of size 1, a filter as long as the input.
CONVOLUTION_SIZES = (LayerSize(3, 1), LayerSize(5, 2), LayerSize(4, 4), LayerSize(6, 3))
ACTIVATION_SIZES = (LayerSize(1), LayerSize(3))


def example_matrix() -> str:
    """``A_l`` for ``n_{l-1} = 5``, ``f_l = 3``, from :func:`symderive.cnn.conv_matrix`."""
    filt = [W_ENTRY[l, r] for r in range(1, 4)]
    return bmatrix(conv_matrix(filt, 5))


ASSUMPTIONS = (
    Assumption(
        "D1",
        r"$y_0 = x \in \mathbb{R}^{n_0}$; for $l = 1, \dots, L$: $y'_l = A_l y_{l-1} + b_l$, that is "
        r"$(y'_l)_i = \sum_{m=1}^{f_l} (w_l)_m (y_{l-1})_{i+m-1} + (b_l)_i$ for $1 \le i \le n_l = n_{l-1} - f_l + 1$ "
        r"(valid, stride-1 cross-correlation with the filter $w_l \in \mathbb{R}^{f_l}$, as "
        r"\texttt{torch.nn.functional.conv1d}); $(y_l)_i = \sigma((y'_l)_i)$ for $l < L$ and $y_L = y'_L$ "
        r"(no activation on the last layer).",
        "definition",
    ),
    Assumption(
        "D2",
        r"$A_l$ is the $n_l \times n_{l-1}$ band matrix with $(A_l)_{ij} = (w_l)_{j-i+1}$ for $0 \le j - i < f_l$ "
        r"and $0$ otherwise; for example, with $n_{l-1} = 5$ and $f_l = 3$, "
        rf"$A_l = {example_matrix()}$.",
        "definition",
    ),
    Assumption(
        "D3",
        r"PyTorch's variant has one scalar bias $\beta_l$ per layer: $(y'_l)_i = \sum_{m=1}^{f_l} (w_l)_m "
        r"(y_{l-1})_{i+m-1} + \beta_l$.",
        "definition",
    ),
    Assumption(
        "H1",
        r"$\sigma$ is differentiable, applied entry by entry; $\operatorname{diag}(\sigma'(y'_k))$ is the diagonal "
        r"matrix of the $\sigma'((y'_k)_i)$. Jacobians are in numerator layout: entry $(i, j)$ of "
        r"$\frac{\partial u}{\partial v}$ is $\frac{\partial u_i}{\partial v_j}$.",
    ),
)


def _by(calc: Calc, verifier: Verifier | None, *rules: Rule | ParametricRule) -> Calc:
    for one in rules:
        calc.by(one, verifier=verifier)
    return calc


def _cite(chain: Chain) -> str:
    return f"By '{chain.heading}'."


# --- 1. one layer, entry by entry ------------------------------------------------------------------


def _filter_jacobian() -> tuple[Chain, EntryMatrix]:
    check = _layer(LayerKind.CONVOLUTION, l)
    calc = Calc(r"The Jacobian of a convolution by its filter", Jacobian(y_pre(l), w(l)), CONTEXT,
                premise=r"For $1 \le l \le L$, differentiating the definition D1 entry by entry:")
    _by(calc, check, entrywise_jacobian(i, j), _unfold_pre_activation(l), differentiate, sum_against_kronecker_delta)
    entries = calc.current
    calc.by(name_the_matrix(Y(l - 1), "the Hankel matrix",
                            r"Notation: $Y_{l-1}$ is the $n_l \times f_l$ matrix with these entries."), verifier=check)
    conclusion = (rf"So $\frac{{\partial y'_l}}{{\partial w_l}} = Y_{{l-1}} = {sketch(entries)}$, the "
                  r"$n_l \times f_l$ Hankel matrix of $y_{l-1}$ (constant along anti-diagonals).")
    return calc.done(conclusion), entries


def _layer(kind: LayerKind, layer, scalar_bias: bool = False) -> Verifier:
    sizes = CONVOLUTION_SIZES if kind is LayerKind.CONVOLUTION else ACTIVATION_SIZES
    return layer_verifier(kind, layer, sizes, scalar_bias)


def _unfold_pre_activation(layer, scalar_bias: bool = False) -> Replace:
    return unfold(Y_PRE_ENTRY[layer, i], pre_activation_entry(layer, i, scalar_bias), "definition of the layer",
                  "Definition D3." if scalar_bias else "Definition D1.")


def _bias_jacobian(scalar_bias: bool) -> Chain:
    check = _layer(LayerKind.CONVOLUTION, l, scalar_bias)
    bias, named = (beta(l), OneMatrix(n[l], 1)) if scalar_bias else (b(l), Identity(n[l]))
    heading = "The Jacobian of a layer by its scalar bias" if scalar_bias else "The Jacobian of a layer by its bias"
    calc = Calc(heading, Jacobian(y_pre(l), bias), CONTEXT)
    _by(calc, check, entrywise_jacobian(i, j), _unfold_pre_activation(l, scalar_bias), differentiate)
    if scalar_bias:
        calc.by(name_the_matrix(named, "the ones vector", r"A column of $n_l$ ones is $\mathbf{1}_{n_l}$."),
                verifier=check)
    else:
        calc.by(name_the_matrix(named, "the identity", r"The matrix with entries $\delta_{ij}$ is $I_{n_l}$."),
                verifier=check)
    return calc.done()


def _input_jacobian() -> tuple[Chain, EntryMatrix]:
    check = _layer(LayerKind.CONVOLUTION, k + 1)
    calc = Calc(r"The Jacobian of a layer by its input", Jacobian(y_pre(k + 1), y(k)), CONTEXT,
                premise=r"For $0 \le k < L$:")
    _by(calc, check, entrywise_jacobian(i, j), _unfold_pre_activation(k + 1), differentiate,
        sum_against_kronecker_delta)
    entries = calc.current
    calc.by(name_the_matrix(A(k + 1), "the band matrix",
                            r"These are the entries of $A_{k+1}$ (D2): $(w_{k+1})_{j-i+1}$ on the band "
                            r"$0 \le j - i < f_{k+1}$, $0$ elsewhere."), verifier=check)
    return calc.done(), entries


def _activation_jacobian() -> Chain:
    check = _layer(LayerKind.ACTIVATION, k)
    calc = Calc(r"The Jacobian of the activation", Jacobian(y(k), y_pre(k)), CONTEXT,
                premise=r"For $1 \le k < L$:")
    _by(calc, check, entrywise_jacobian(i, j),
        unfold(Y_ENTRY[k, i], SIGMA(Y_PRE_ENTRY[k, i]), "definition of the activation",
               r"D1: $(y_k)_i = \sigma((y'_k)_i)$ for $k < L$."),
        differentiate)
    calc.by(name_the_matrix(D(k), "the diagonal matrix",
                            r"The matrix with entries $\delta_{ij}\, c_i$ is $\operatorname{diag}(c)$."),
            verifier=check)
    return calc.done()


def _last_layer_jacobian() -> Chain:
    check = _layer(LayerKind.LAST, L)
    calc = Calc(r"The last layer has no activation", Jacobian(y(L), y_pre(L)), CONTEXT)
    _by(calc, check, entrywise_jacobian(i, j),
        unfold(Y_ENTRY[L, i], Y_PRE_ENTRY[L, i], "definition of the last layer", r"D1: $y_L = y'_L$."),
        differentiate)
    calc.by(name_the_matrix(Identity(n[L]), "the identity", r"The matrix with entries $\delta_{ij}$ is $I_{n_L}$."),
            verifier=check)
    return calc.done()


# --- 2. the chain rule, and the product by induction on L - l --------------------------------------


def _use(lemma: Chain, index, name: str) -> Rewrite:
    """Replace every instance of the lemma ``start(index) = end(index)``, at any value of ``index``."""
    at = Wild("c")
    return rewrite(lemma.start.xreplace({index: at}), lemma.end.xreplace({index: at}), name, _cite(lemma))


def backprop_product(layer) -> MatMul:
    r"""The claim ``A_L \prod_{k=L-1}^{l+1} [D_k A_k] D_l`` (the product is empty at ``l = L - 1``)."""
    return MatMul(A(L), OrderedProduct(MatMul(D(k), A(k)), (k, L - 1, layer + 1)), D(layer))


def _one_layer_chain_rule(input_chain: Chain, activation_chain: Chain) -> Chain:
    calc = Calc(r"The chain rule through one layer", Jacobian(y(L), y_pre(l)), CONTEXT,
                premise=r"For $1 \le l < L$: $y_L$ depends on $y'_l$ only through $y_l$ and $y'_{l+1}$.")
    _by(calc, network_verifier(below_the_last),
        chain_rule(Jacobian(y(L), y_pre(l)), y_pre(l + 1), y(l)),
        _use(input_chain, k, r"Jacobian by the input"),
        _use(activation_chain, k, r"Jacobian of the activation"))
    return calc.done()


def _by_induction(lemma: Chain, last_chain: Chain) -> tuple[Chain, Chain, Chain]:
    """``∂y_L/∂y'_l = A_L ∏ [D_k A_k] D_l`` for ``1 <= l <= L - 1``: base case, inductive step, conclusion."""
    induction = DownwardInduction(l, L - 1, Jacobian(y(L), y_pre(l)), backprop_product(l), lemma, "CR",
                                  "induction on L - l")
    claim = (rf"Claim: $\frac{{\partial y_L}}{{\partial y'_l}} = {to_latex(backprop_product(l))}$ for "
             r"$1 \le l \le L - 1$ (so $L \ge 2$), by induction on $L - l$.")

    base_lemma = induction.lemma_at(L - 1)
    base = Calc(r"Base case $l = L - 1$", induction.at(induction.subject, L - 1), CONTEXT,
                premise=claim, hypotheses=(base_lemma,))
    base.by(unfold(base_lemma.target, base_lemma.value, "chain rule through one layer (CR)",
                   r"'The chain rule through one layer' at $l = L - 1$."))
    base.by(_use(last_chain, L, "the last layer"),
            verifier=network_verifier(no_layer, min_depth=2))
    base.by(drop_identity_factors)
    base.by(Claim("the claim at l = L - 1", r"An empty product ($\prod_{k=L-1}^{L}$) is the identity.",
                  induction.at(induction.claim, L - 1)))

    step_lemma, hypothesis = induction.lemma_at(l), induction.induction_hypothesis()
    step = Calc(r"Inductive step from $l + 1$ to $l$", induction.subject, CONTEXT,
                premise=r"For $1 \le l \le L - 2$, assuming the claim at $l + 1$ (IH):",
                hypotheses=(step_lemma, hypothesis))
    step.by(unfold(step_lemma.target, step_lemma.value, "chain rule through one layer (CR)",
                   r"'The chain rule through one layer' at $l$."))
    step.by(unfold(hypothesis.target, hypothesis.value, "induction hypothesis", r"The claim at $l + 1$ (IH)."))
    step.by(absorb_next_factor)

    base_chain, step_chain = base.done(), step.done()
    product = Calc(r"The Jacobian of the output by a pre-activation", induction.subject, CONTEXT,
                   premise=r"For $1 \le l \le L - 1$:")
    product.by(Claim("induction on L - l",
                     r"Base case and inductive step above; they use only the chain rule through one layer and the "
                     r"claim at $l + 1$.",
                     induction.claim),
               verifier=induction.verifier(base_chain, step_chain))
    return base_chain, step_chain, product.done()


# --- 3. by the filter and the bias, and the edge cases -------------------------------------------------


def _by_parameter(parameter, bias_chain: Chain, product: Chain, heading: str, scalar_bias: bool = False) -> Chain:
    calc = Calc(heading, Jacobian(y(L), parameter), CONTEXT, premise=r"For $1 \le l < L$:")
    _by(calc, network_verifier(below_the_last, scalar_bias=scalar_bias),
        chain_rule(Jacobian(y(L), parameter), y_pre(l)),
        unfold(product.start, product.end, r"Jacobian by a pre-activation", _cite(product)),
        unfold(bias_chain.start, bias_chain.end, bias_chain.steps[-1].rule, _cite(bias_chain)))
    calc.by(flatten_products)
    return calc.done()


def _at_the_last_layer(parameter, layer_chain: Chain, last_chain: Chain, heading: str,
                       scalar_bias: bool = False) -> Chain:
    calc = Calc(heading, Jacobian(y(L), parameter), CONTEXT, premise=r"At $l = L$ (no activation after $y'_L$):")
    _by(calc, network_verifier(the_last, scalar_bias=scalar_bias),
        chain_rule(Jacobian(y(L), parameter), y_pre(L)),
        unfold(last_chain.start, last_chain.end, "the last layer", _cite(last_chain)),
        _use(layer_chain, l, layer_chain.steps[-1].rule))
    calc.by(drop_identity_factors)
    return calc.done()


def _one_layer_network(filter_chain: Chain, last_chain: Chain, hankel: EntryMatrix) -> Chain:
    """``L = 1``: the Jacobian by the only filter is the Hankel matrix of the input."""
    one = {L: 1}
    parameter = w(1)
    calc = Calc(r"A network of one layer ($L = 1$)", Jacobian(y(1), parameter), CONTEXT,
                premise=r"With $L = 1$ the only layer is the last one: $y_1 = y'_1 = A_1 x + b_1$.")
    check = network_verifier(no_layer, max_depth=1)
    _by(calc, check,
        chain_rule(Jacobian(y(1), parameter), y_pre(1)),
        unfold(last_chain.start.xreplace(one), last_chain.end.xreplace(one), "the last layer", _cite(last_chain)),
        unfold(filter_chain.start.xreplace({l: 1}), filter_chain.end.xreplace({l: 1}), "Jacobian by the filter",
               _cite(filter_chain)))
    calc.by(drop_identity_factors)
    calc.by(unfold(Y(0), hankel.xreplace({l: 1}), "entries of the Hankel matrix", _cite(filter_chain)), verifier=check)
    position = Wild("p")
    calc.by(rewrite(Y_ENTRY[0, position], X_ENTRY[position], "the input", r"D1: $y_0 = x$."), verifier=check)
    return calc.done(rf"So $\frac{{\partial y_1}}{{\partial w_1}} = {sketch(calc.current)}$, the Hankel matrix of "
                     r"the input; and $\frac{\partial y_1}{\partial b_1} = I_{n_1}$ ('The last layer's bias' at "
                     r"$L = 1$).")


# --- 4. the efficiency remark: backpropagation by transposed convolutions -------------------------------


def _transposed_convolution(band: EntryMatrix) -> Chain:
    check = _layer(LayerKind.CONVOLUTION, k)
    calc = Calc(r"$A_k^\top v$ is a full convolution", MatMul(Transpose(A(k)), v(k)), CONTEXT,
                premise=r"For $v \in \mathbb{R}^{n_k}$:")
    entry_of_a = band.entry.xreplace({k: k - 1})  # (A_k)_{ij}, derived in 'The Jacobian of a layer by its input'
    _by(calc, check, entries_of_transposed_product(j, i),
        rewrite(A_ENTRY[k, i, j], entry_of_a, "entries of the band matrix",
                r"As derived in 'The Jacobian of a layer by its input'."),
        sum_over_the_band)
    return calc.done(r"This is the full convolution of $v$ with $w_k$ (\texttt{conv\_transpose1d}): "
                     r"$n_k f_k$ multiplications, and $A_k$ is never formed.")


def _correlation_with_the_input(hankel: EntryMatrix) -> Chain:
    check = _layer(LayerKind.CONVOLUTION, l)
    calc = Calc(r"$Y_{l-1}^\top u$ is a cross-correlation of the stored $y_{l-1}$", MatMul(Transpose(Y(l - 1)), u(l)),
                CONTEXT, premise=r"For $u \in \mathbb{R}^{n_l}$:")
    _by(calc, check, entries_of_transposed_product(j, i),
        rewrite(HANKEL_ENTRY[l - 1, i, j], hankel.entry, "entries of the Hankel matrix",
                r"As derived in 'The Jacobian of a convolution by its filter'."))
    return calc.done(r"This is the valid cross-correlation of the forward output $y_{l-1}$ with $u$ "
                     r"(\texttt{conv1d} with $u$ as the filter): $n_l f_l$ multiplications.")


def _backpropagation(by_filter: Chain) -> Chain:
    start = MatMul(Transpose(by_filter.end), v(L))
    calc = Calc(r"Backpropagation", start, CONTEXT,
                premise=r"For $v \in \mathbb{R}^{n_L}$ and $1 \le l < L$, the gradient "
                        r"$\bigl(v^\top \frac{\partial y_L}{\partial w_l}\bigr)^\top = "
                        r"\bigl(\frac{\partial y_L}{\partial w_l}\bigr)^\top v$ is, by '" + by_filter.heading + "',")
    diagonal = symmetric_is_its_transpose(FACTS)
    for one in (transpose_of_product, diagonal, transpose_of_ordered_product, transpose_of_product, diagonal):
        calc.by(one)
    return calc.done(_cost_conclusion())


def _cost_conclusion() -> str:
    """What backpropagation costs against forming the Jacobian, checked against the counted operations."""
    check_counts()
    backprop, via = multiplication_count_formulas(L, l, n, f, "w")
    return (
        r"Read from the right: $u_L = v$; for $k = L, \dots, l + 1$, $u_{k-1} = D_{k-1}(A_k^\top u_k)$, a transposed "
        r"convolution with $w_k$ and a scaling by the stored $\sigma'(y'_{k-1})$; finally $Y_{l-1}^\top u_l$, a "
        r"cross-correlation of the stored forward output $y_{l-1}$ with $u_l$. No matrix is formed. Multiplications "
        rf"(the $\sigma'$ values come from the forward pass in both ways): backpropagation ${to_latex(backprop)}$; "
        rf"forming $\frac{{\partial y_L}}{{\partial w_l}}$ first (each of its $n_L$ rows is one such pass, with "
        rf"$A_L$ free) and then $v^\top J$: ${to_latex(via)}$, about $n_L$ times more. These formulas equal the "
        r"operations counted in \texttt{symderive.cnn.operation\_counts} (checked when this transcript is derived, "
        r"at every layer of two networks; the counts are tested against the arithmetic the two ways actually do). "
        rf"At $L = 6$, $n_0 = 512$, filters $3, 5, 7, 9, 4, 6$, $l = 1$: {_example_counts()}."
    )


COUNT_SHAPES = (Shape(40, (3, 5, 7, 4)), Shape(30, (2, 9, 1, 3, 4, 2)))


def check_counts() -> None:
    """The symbolic multiplication counts equal :func:`symderive.cnn.operation_counts` on instances."""
    for shape in COUNT_SHAPES:
        sizes = {**{n[c]: width for c, width in enumerate(shape.widths)},
                 **{f[c]: size for c, size in enumerate(shape.filters, start=1)}}
        for layer in range(1, shape.depth):
            for wrt in ("w", "b"):
                at = {L: shape.depth, l: layer}
                backprop, via = (written_out(formula.xreplace(at), {}).xreplace(sizes)
                                 for formula in multiplication_count_formulas(L, l, n, f, wrt))
                counts = operation_counts(shape, layer, wrt)
                if (backprop, via) != (counts.backprop.multiplications, counts.via_jacobian.multiplications):
                    raise VerificationFailed(f"the multiplication counts disagree at {shape}, l={layer}, {wrt}")


def _example_counts() -> str:
    counts = operation_counts(Shape(512, (3, 5, 7, 9, 4, 6)), 1, "w")
    ratio = counts.via_jacobian.multiplications / counts.backprop.multiplications
    return (f"{counts.backprop.multiplications:,} against {counts.via_jacobian.multiplications:,} "
            f"(a factor of {ratio:.0f})").replace(",", "{,}")


# --- the derivation ------------------------------------------------------------------------------------


def derive() -> Derivation:
    filter_chain, hankel = _filter_jacobian()
    bias_chain = _bias_jacobian(False)
    scalar_bias_chain = _bias_jacobian(True)
    input_chain, band = _input_jacobian()
    activation_chain = _activation_jacobian()
    last_chain = _last_layer_jacobian()
    one_layer = _one_layer_chain_rule(input_chain, activation_chain)
    base, step, product = _by_induction(one_layer, last_chain)
    by_filter = _by_parameter(w(l), filter_chain, product, r"The Jacobian by the filter $w_l$")
    by_bias = _by_parameter(b(l), bias_chain, product, r"The Jacobian by the bias $b_l$")
    by_scalar_bias = _by_parameter(beta(l), scalar_bias_chain, product, r"The Jacobian by a scalar bias $\beta_l$",
                                   scalar_bias=True)
    last_filter = _at_the_last_layer(w(L), filter_chain, last_chain, r"The last layer's filter ($l = L$)")
    last_bias = _at_the_last_layer(b(L), bias_chain, last_chain, r"The last layer's bias ($l = L$)")
    last_scalar_bias = _at_the_last_layer(beta(L), scalar_bias_chain, last_chain,
                                          r"The last layer's scalar bias ($l = L$)", scalar_bias=True)
    one_layer_net = _one_layer_network(filter_chain, last_chain, hankel)
    transposed = _transposed_convolution(band)
    correlation = _correlation_with_the_input(hankel)
    backprop = _backpropagation(by_filter)
    chains = (filter_chain, bias_chain, scalar_bias_chain, input_chain, activation_chain, last_chain,
              one_layer, base, step, product, by_filter, by_bias, by_scalar_bias,
              last_filter, last_bias, last_scalar_bias, one_layer_net, transposed, correlation, backprop)
    return Derivation(
        name=NAME,
        title=TITLE,
        assumptions=ASSUMPTIONS,
        chains=chains,
        result=by_filter.end,
        result_statement=r"\frac{\partial y_L}{\partial w_l} \ (1 \le l < L)",
        summary=_summary(chains),
    )


# --- the verification summary and the cross-checks -------------------------------------------------------

# Cross-checks run whenever the transcript is derived (small enough to take well under a second).
EXACT_CHECK_SHAPES = (Shape(5, (2,)), Shape(5, (3,), scalar_bias=True), Shape(5, (2, 1, 2)))
FIELD_CHECK_SHAPE = Shape(64, (3, 5, 7, 9, 4, 6))
FIELD_SEED = 0


def cross_checks() -> str:
    """The closed form against SymPy's Jacobian (exact) and dual numbers in GF(p) (at one random point)."""
    comparisons = []
    for shape in EXACT_CHECK_SHAPES:
        net = symbolic_net(shape)  # one network per shape, differentiated by every parameter
        comparisons += [exact_instance_check(shape, layer, wrt, net=net) for layer, wrt in every_setting(shape)]
    exact = instance_verification(comparisons)
    field = field_check(FIELD_CHECK_SHAPE, FIELD_SEED)
    if exact is None or field.verification is None:
        raise VerificationFailed("a cross-check of the closed form disagrees")
    shapes = "; ".join(f"$n_0 = {shape.n0}$, $f = ({', '.join(map(str, shape.filters))})$"
                       + (" with a scalar bias" if shape.scalar_bias else "") for shape in EXACT_CHECK_SHAPES)
    degree = max(c.degree for c in field.comparisons)
    return (
        r"\emph{Cross-checks}, run when this transcript is derived. (i) The closed form (as factors, "
        r"\texttt{symderive.cnn.closed\_form}) against SymPy's \texttt{Matrix.jacobian} of the network built "
        rf"from symbols with $\sigma$ undefined, exactly, entry by entry, at every layer, for $w_l$ and $b_l$: "
        rf"{shapes}: "
        rf"all agree (proved on instances). (ii) Forward-mode dual numbers through the network's definition "
        rf"against the closed form in $\mathrm{{GF}}(p)$, $p = 2^{{64}} - 59$, at one random point with the values "
        rf"of $\sigma$ and $\sigma'$ free: $L = {FIELD_CHECK_SHAPE.depth}$, $n_0 = {FIELD_CHECK_SHAPE.n0}$, filters "
        rf"${', '.join(map(str, FIELD_CHECK_SHAPE.filters))}$, every layer, $w_l$ and $b_l$: all agree (tested "
        rf"numerically: the entries have degree at most {degree}, so by Schwartz--Zippel a false pass has "
        rf"probability at most ${degree}/p \approx {_scientific(field.false_pass_bound)}$ per setting). "
        r"At $n_0 = 512$ the "
        r"same check takes about 5\,s (\texttt{benchmarks/bench\_cnn\_jacobian.py}, recorded in "
        r"\texttt{benchmarks/README.md}; SymPy's Jacobian followed by \texttt{expand} does not settle $L = 6$ within "
        r"10\,s even at $n_0 = 29$); "
        r"\texttt{symderive crosscheck cnn-jacobian} compares the closed form with \texttt{torch.autograd} "
        r"(float64, \texttt{conv1d}, $\tanh$)."
    )


def _scientific(value: float) -> str:
    mantissa, exponent = f"{value:.0e}".split("e")
    return rf"{mantissa} \cdot 10^{{{int(exponent)}}}"


def _summary(chains: tuple[Chain, ...]) -> str:
    return (
        r"We differentiate one layer entry by entry, prove "
        r"$\frac{\partial y_L}{\partial y'_l} = A_L \prod_{k=L-1}^{l+1}[\operatorname{diag}(\sigma'(y'_k)) A_k]\,"
        r"\operatorname{diag}(\sigma'(y'_l))$ by induction on $L - l$ from the chain rule through one layer, and "
        r"read off the Jacobians by $w_l$ and $b_l$, the cases $l = L$ and $L = 1$, and what backpropagation costs."
        "\n\n" + _verification_summary(chains) + "\n\n" + cross_checks() + "\n"
    )


def _verification_summary(chains: tuple[Chain, ...]) -> str:
    """How many steps each kind of evidence carries, and at which sizes (read off the steps)."""
    steps = [step for chain in chains for step in chain.steps]
    methods: dict[Status, dict[str, int]] = {}
    for step in steps:
        tally = methods.setdefault(step.verification.status, {})
        tally[step.verification.method] = tally.get(step.verification.method, 0) + 1
    parts = []
    for status in sorted(methods, key=lambda s: -s.strength):
        inner = "; ".join(f"{escape_text(method)}: {count}" for method, count in methods[status].items())
        parts.append(f"{sum(methods[status].values())} {STATUS_WORDS[status]} ({inner})")
    layer_sizes = ", ".join(f"({size.width_in}, {size.filter})" for size in CONVOLUTION_SIZES)
    widths = ", ".join(str(size.width_in) for size in ACTIVATION_SIZES)
    networks = "; ".join(f"$n_0 = {shape.n0}$, $f = ({', '.join(map(str, shape.filters))})$"
                         for shape in NETWORK_SHAPES)
    scalar = "; ".join(f"$n_0 = {shape.n0}$, $f = ({', '.join(map(str, shape.filters))})$"
                       for shape in SCALAR_BIAS_SHAPES)
    return (
        rf"\emph{{Verification}} ({len(steps)} steps): {', '.join(parts)}. "
        r"Steps about one layer are exact comparisons with SymPy's derivatives of the layer written out, at "
        rf"$(n_{{l-1}}, f_l) \in \{{{layer_sizes}\}}$ (the activation at $n_k \in \{{{widths}\}}$), every entry "
        rf"symbolic and $\sigma$ undefined. Chain-rule steps are exact comparisons on whole networks ({networks}; "
        rf"with a scalar bias: {scalar}) at every admissible $(L, l)$: both sides are polynomials in the inputs, "
        r"weights, biases and free values of $\sigma$ and $\sigma'$, so they agree for every differentiable "
        r"$\sigma$. The judge proves the steps between matrix products for general sizes, except those that move "
        r"factors into or out of an ordered product with symbolic bounds, which it checks by exact evaluation with "
        r"random rational matrices at random sizes and layer indices. The induction is as strong as its weakest "
        r"step: the result, for symbolic $L$ and $l$, is proved on instances."
    )


