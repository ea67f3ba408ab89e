"""The cnn-jacobian derivation end to end: honest steps, the homework's own formula read from its LaTeX and
compared with the derived one on exact instances, the homework's slips named, the transcript current."""
from __future__ import annotations

import re

import pytest
from sympy import Identity, MatMul, Matrix, OneMatrix, ZeroMatrix, diag

from conftest import ROOT
from symderive import derive
from symderive.calc import VerificationFailed, judging_context
from symderive.cnn import Shape, conv_matrix, symbolic_net
from symderive.cnn_check import first_difference
from symderive.cnn_instances import (
    A, D, SIGMA, Y, Y_ENTRY, L, b, below_the_last, f, i, j, k, l, n, network_verifier, the_last, w, y, y_pre,
)
from symderive.jacobians import EntryMatrix, Jacobian
from symderive.latex_in import Notation, parse_expression
from symderive.matrices import IndexedMatrix, OrderedProduct
from symderive.judge import judge
from symderive.model import Outcome, Status
from symderive.render.json import derivation_to_dict
from symderive.render.latex import derivation_to_latex

NOTATION = Notation(symbols={"L": L, "l": l}, indexed={"n": n, "f": f})


@pytest.fixture(scope="module")
def derivation():
    return derive("cnn-jacobian")


def chain(derivation, heading: str):
    return next(c for c in derivation.chains if c.heading == heading)


# --- every step ------------------------------------------------------------------------------------


def test_every_step_has_rule_justification_and_honest_verification(derivation):
    data = derivation_to_dict(derivation)
    assert data["name"] == "cnn-jacobian" and len(data["steps"]) >= 60
    for step in data["steps"]:
        assert step["rule"] and step["justification"] and step["latex"]
        verification = step["verification"]
        assert verification["status"] in {"proved", "proved-on-instances"}, step
        assert verification["method"]
        if verification["status"] == "proved-on-instances":
            assert "exact" in verification["detail"] or "induction" in verification["method"]
        else:  # proved for all sizes: by the matrix normal form, or identical once a stated hypothesis is unfolded
            assert verification["method"] in {"noncommutative normal form", "identical"}
    assert derivation.weakest_status is Status.PROVED_ON_INSTANCES


def test_layer_steps_list_their_sizes_and_chain_rule_steps_their_networks(derivation):
    layer = chain(derivation, "The Jacobian of a convolution by its filter")
    for step in layer.steps:
        assert "(n[l - 1], f[l]) in {(3, 1), (5, 2), (4, 4), (6, 3)}" in step.verification.detail
    rule = chain(derivation, "The chain rule through one layer")
    for step in rule.steps:
        assert "n_0=8, f=[2, 3, 2, 2] (L=4, l in {1, 2, 3})" in step.verification.detail


# --- the derivation's content ---------------------------------------------------------------------


def test_the_hankel_matrix_is_derived_from_the_convolution_and_equals_sympys_jacobian(derivation):
    layer = chain(derivation, "The Jacobian of a convolution by its filter")
    assert layer.start == Jacobian(y_pre(l), w(l))
    assert [s.rule for s in layer.steps] == ["Jacobian entry by entry", "definition of the layer", "differentiate",
                                             "sum against a Kronecker delta", "the Hankel matrix"]
    derived = layer.steps[-2].after  # the entries, before they are named
    assert derived == EntryMatrix(Y_ENTRY[l - 1, i + j - 1], (i, n[l]), (j, f[l]))
    for width_in, size in [(3, 1), (4, 2), (6, 3), (5, 5)]:  # independently of the derivation's own checks
        inputs = [Y_ENTRY[1, r] for r in range(1, width_in + 1)]
        filt = [Y_ENTRY[9, r] for r in range(1, size + 1)]  # any symbols will do for the filter
        truth = (conv_matrix(filt, width_in) * Matrix(inputs)).jacobian(filt)
        at = {l: 2}
        sizes = {n[2]: width_in - size + 1, f[2]: size}
        assert derived.xreplace(at).xreplace(sizes).explicit() == truth


def test_the_product_is_proved_by_induction_from_the_one_layer_chain_rule(derivation):
    product = chain(derivation, "The Jacobian of the output by a pre-activation")
    (step,) = product.steps
    assert step.verification.method == "induction on L - l"
    assert step.verification.status is Status.PROVED_ON_INSTANCES
    assert step.verification.premises == ("CR",)
    base = chain(derivation, "Base case $l = L - 1$")
    inductive = chain(derivation, "Inductive step from $l + 1$ to $l$")
    assert {h.label for h in base.hypotheses} == {"CR"}
    assert {h.label for h in inductive.hypotheses} == {"CR", "IH"}
    ih = next(h for h in inductive.hypotheses if h.label == "IH")
    assert ih.target == Jacobian(y(L), y_pre(l + 1))  # the claim at the previous depth, not at l


def test_steps_proved_as_identical_are_unfoldings_of_a_stated_hypothesis(derivation):
    """'identical' for all sizes is honest only because a hypothesis was unfolded: never a step that does nothing."""
    identical = [s for c in derivation.chains for s in c.steps if s.verification.method == "identical"]
    assert len(identical) == 3
    for step in identical:
        assert step.before != step.after and step.verification.premises


def test_the_judge_substitutes_the_induction_hypothesis_exactly_or_not_at_all(derivation):
    inductive = chain(derivation, "Inductive step from $l + 1$ to $l$")
    context = judging_context(inductive.context, inductive.hypotheses)
    ih = next(h for h in inductive.hypotheses if h.label == "IH")
    before = MatMul(ih.target, A(l + 1), D(l))
    verdict = judge(before, MatMul(ih.value, A(l + 1), D(l)), context)
    assert verdict.outcome is Outcome.VERIFIED and verdict.verification.status is Status.PROVED
    assert "IH" in verdict.verification.premises
    claim_at_l = ih.value.xreplace({l: l - 1})  # the claim at l put where IH's (at l + 1) belongs
    assert judge(before, MatMul(claim_at_l, A(l + 1), D(l)), context).outcome is Outcome.REFUTED
    without_ih = judging_context(inductive.context, tuple(h for h in inductive.hypotheses if h.label != "IH"))
    assert judge(before, MatMul(ih.value, A(l + 1), D(l)), without_ih).outcome is not Outcome.VERIFIED


def test_the_results_and_the_edge_cases(derivation):
    product = MatMul(A(L), OrderedProduct(MatMul(D(k), A(k)), (k, L - 1, l + 1)), D(l))
    assert derivation.result == MatMul(*product.args, Y(l - 1))
    assert chain(derivation, "The Jacobian by the bias $b_l$").end == MatMul(*product.args, Identity(n[l]))
    assert chain(derivation, r"The Jacobian by a scalar bias $\beta_l$").end == MatMul(*product.args, OneMatrix(n[l], 1))
    assert chain(derivation, "The last layer's filter ($l = L$)").end == Y(L - 1)
    assert chain(derivation, "The last layer's bias ($l = L$)").end == Identity(n[L])
    assert chain(derivation, "The last layer's scalar bias ($l = L$)").end == OneMatrix(n[L], 1)
    one_layer = chain(derivation, "A network of one layer ($L = 1$)")
    assert one_layer.start == Jacobian(y(1), w(1)) and isinstance(one_layer.end, EntryMatrix)
    assert "x_{i + j - 1}" in derivation_to_latex(derivation)


def test_backpropagation_runs_through_transposed_convolutions(derivation):
    backprop = chain(derivation, "Backpropagation")
    products = [node for node in backprop.end.atoms(OrderedProduct)]
    assert len(products) == 1 and products[0].step == 1  # ascending: A_{l+1}^T first
    transposed = chain(derivation, r"$A_k^\top v$ is a full convolution")
    assert "max" in str(transposed.end).lower() and "min" in str(transposed.end).lower()  # the band of i


def test_the_committed_transcript_is_current(derivation):
    committed = (ROOT / "derivations" / "cnn-jacobian.tex").read_text(encoding="utf-8")
    assert derivation_to_latex(derivation) == committed, "run: symderive derive --all"


# --- a small reader for the homework's LaTeX of problem 3 ----------------------------------------------


SUB = r"(?:\{(?:[^{}]|\{[^{}]*\})*\}|\w)"  # a subscript: one character, or braces (nested once)
TOKEN = re.compile(
    r"\\frac\{\\partial (?P<of>(?:[^{}]|\{[^{}]*\})*)\}\{\\partial (?P<wrt>(?:[^{}]|\{[^{}]*\})*)\}"
    rf"|\\left\[\\text\{{diag\}}\(\\sigma'\(y'_(?P<bracket_slope>{SUB})\)\) A_(?P<bracket_conv>{SUB}) \\right\]"
    rf"|\\text\{{diag\}}\(\\sigma'\(y'_(?P<slope>{SUB})\)\)"
    rf"|A_(?P<conv>{SUB})"
    rf"|I_(?P<identity>{SUB})"
    rf"|\\begin\{{bmatrix\}}(?P<rows>.*?)\\end\{{bmatrix\}}_(?P<size>{SUB})"
    r"|(?P<dots>\\cdots)|(?P<times>\\cdot)|(?P<space>\s+)",
    re.S,
)
KINDS = ("of", "bracket_conv", "slope", "conv", "identity", "rows", "dots", "times", "space")
ENTRY = re.compile(rf"^\(y_({SUB})\)_({SUB})$")
VECTORS = {"y": y, "y'": y_pre, "w": w, "b": b}


def index(text: str):
    """A subscript such as ``{L-1}`` or ``l``, read by the project's LaTeX reader."""
    inside = text[1:-1] if text.startswith("{") and text.endswith("}") else text
    return parse_expression(inside, NOTATION)


def vector(text: str) -> IndexedMatrix:
    name, sub = re.fullmatch(rf"(y'|y|w|b)_({SUB})", text.strip()).groups()
    return VECTORS[name](index(sub))


def read_matrix(rows: str):
    """A drawn matrix: the cells of each row (``\\cdots``, ``\\vdots`` and blanks kept as they are)."""
    return [[cell.strip() for cell in row.split("&")] for row in rows.split(r"\\")]


def hankel_from_drawing(cells) -> tuple[EntryMatrix, object]:
    """Entry ``(i, j)`` read off the corners: ``(1,1)``, ``(1,2)``, ``(2,1)`` fix ``i + j - 1``; the last column
    and row give the sizes, checked against the last corner."""
    def entry(cell: str):
        match = ENTRY.match(cell)
        assert match, f"not an entry of y: {cell!r}"
        return index(match.group(1)), index(match.group(2))

    (first_vec, e11), (_, e12), (_, e21) = entry(cells[0][0]), entry(cells[0][1]), entry(cells[1][0])
    assert (e11, e12, e21) == (1, 2, 2)  # so e(i, j) = i + j - 1
    columns = entry(cells[0][-1])[1]  # e(1, C) = C
    rows = entry(cells[-2][0])[1]  # e(R, 1) = R (the last row of cells; the drawing ends with an empty row)
    assert entry(cells[-2][-1])[1] == rows + columns - 1  # e(R, C), consistent
    return EntryMatrix(Y_ENTRY[first_vec, i + j - 1], (i, rows), (j, columns)), first_vec


def read_product(display: str):
    """The factors of one line of the homework's display, as our matrix expressions (strict: no leftovers)."""
    factors, position = [], 0
    while position < len(display):
        match = TOKEN.match(display, position)
        assert match, f"cannot read {display[position:position + 40]!r}"
        position = match.end()
        kind = next(name for name in KINDS if match.group(name) is not None)
        if kind == "of":
            factors.append(Jacobian(vector(match.group("of")), vector(match.group("wrt"))))
        elif kind == "bracket_conv":
            slope, conv = index(match.group("bracket_slope")), index(match.group("bracket_conv"))
            assert slope == conv
            factors.append(("bracket", conv))
        elif kind == "slope":
            factors.append(D(index(match.group("slope"))))
        elif kind == "conv":
            factors.append(A(index(match.group("conv"))))
        elif kind == "identity":
            factors.append(Identity(index(match.group("identity"))))
        elif kind == "rows":
            factors.append(("matrix", read_matrix(match.group("rows")), index(match.group("size"))))
        elif kind == "dots":
            factors.append("dots")
    return factors


def as_expression(factors) -> MatMul:
    """``[D_a A_a] ... [D_b A_b]`` becomes the ordered product from ``a`` down to ``b``; a drawn Hankel matrix
    its entry-wise matrix."""
    out, position = [], 0
    while position < len(factors):
        factor = factors[position]
        if isinstance(factor, tuple) and factor[0] == "bracket":
            assert factors[position + 1] == "dots" and factors[position + 2][0] == "bracket"
            first, last = factor[1], factors[position + 2][1]
            out.append(OrderedProduct(MatMul(D(k), A(k)), (k, first, last)))
            position += 3
            continue
        if isinstance(factor, tuple) and factor[0] == "matrix":
            out.append(hankel_from_drawing(factor[1])[0])
        else:
            out.append(factor)
        position += 1
    return MatMul(*out)


def display(homework: str, marker: str) -> str:
    for block in re.findall(r"\$\$(.*?)\$\$", homework, flags=re.S):
        if marker in block:
            return block
    raise AssertionError(f"no display containing {marker!r}")


SEED_W = r"= A_L \left[\text{diag}(\sigma'(y'_{L-1})) A_{L-1} \right] \cdots"


def seed_formula_for_the_filter(homework: str) -> MatMul:
    line = display(homework, SEED_W).strip()
    return as_expression(read_product(line.removeprefix("=").strip()))


def seed_formula_for_the_bias(homework: str) -> MatMul:
    block = display(homework, r"\cdot I_{n_l}")
    line = next(part for part in block.split(r"\\") if r"\cdot I_{n_l}" in part)
    line = line.replace("&=", "").strip()
    return as_expression(read_product(line))


def sympy_value(expr, net, layer) -> Matrix:
    """The homework's formula at one network and layer, in SymPy (independent of the derivation's evaluators)."""
    depth, run = net.shape.depth, net.run
    sizes = {n[c]: width for c, width in enumerate(net.shape.widths)}
    sizes.update({f[c]: size for c, size in enumerate(net.shape.filters, start=1)})
    expr = expr.xreplace({L: depth, l: layer})
    expr = expr.replace(lambda e: isinstance(e, OrderedProduct), lambda e: e.doit(deep=False)).xreplace(sizes)
    outputs = {Y_ENTRY[c, r + 1]: z for c in range(depth) for r, z in enumerate(run.y(c))}

    def value(factor) -> Matrix:
        if isinstance(factor, IndexedMatrix) and factor.name == "A":
            c = int(factor.index)
            return conv_matrix(net.weights[c - 1], net.shape.widths[c - 1])
        if isinstance(factor, IndexedMatrix) and factor.name == "D":
            return diag(*[SIGMA(z).fdiff(1) for z in run.y_pre(int(factor.index))])
        if isinstance(factor, EntryMatrix):
            return factor.explicit().xreplace(outputs)
        if isinstance(factor, Identity):
            return Matrix.eye(int(factor.rows))
        raise AssertionError(f"unexpected factor {factor}")

    def flat(product) -> list:
        return [leaf for arg in product.args for leaf in (flat(arg) if isinstance(arg, MatMul) else [arg])]

    result = value(flat(expr)[0])
    for factor in flat(expr)[1:]:
        result = result * value(factor)
    return result


SHAPES = (Shape(6, (2, 3)), Shape(7, (3, 2, 2)), Shape(9, (3, 1, 4)))


def test_the_seeds_formula_for_the_filter_equals_the_derived_one_on_exact_instances(derivation, homework):
    seed = seed_formula_for_the_filter(homework)
    # Against SymPy's Jacobian of the network, in SymPy, independently of the derivation:
    for shape in SHAPES:
        net = symbolic_net(shape, SIGMA)
        for layer in range(1, shape.depth):
            truth = net.output().jacobian(net.parameters(layer, "w"))
            assert first_difference(sympy_value(seed, net, layer), truth) is None
    # And the derived result equals it on the derivation's exact network instances (every admissible L, l):
    network_verifier(below_the_last)(derivation.result, seed)


def test_the_seeds_formula_for_the_bias_equals_the_derived_one_on_exact_instances(derivation, homework):
    seed = seed_formula_for_the_bias(homework)
    assert seed.args[-1] == Identity(n[l])
    for shape in SHAPES:
        net = symbolic_net(shape, SIGMA)
        for layer in range(1, shape.depth):
            truth = net.output().jacobian(net.parameters(layer, "b"))
            assert first_difference(sympy_value(seed, net, layer), truth) is None
    network_verifier(below_the_last)(chain(derivation, "The Jacobian by the bias $b_l$").end, seed)


def test_a_misread_formula_is_rejected(derivation, homework):
    """The comparison can fail: the seed's formula without its last slope, or without the product, is refused."""
    seed = seed_formula_for_the_filter(homework)
    without_slope = MatMul(*[arg for arg in seed.args if arg != D(l)])
    without_product = MatMul(*[arg for arg in seed.args if not isinstance(arg, OrderedProduct)])
    for wrong in (without_slope, without_product):
        with pytest.raises(VerificationFailed):
            network_verifier(below_the_last)(derivation.result, wrong)


# --- the homework's slips, each read from its text ---------------------------------------------------


def test_slip_the_first_display_is_a_band_not_the_jacobian_by_the_filter(derivation, homework):
    block = display(homework, r"(y_{l-1})_{f_l} & 0 & \cdots & 0")
    (drawing,) = [factor for factor in read_product(block.split("=", 1)[1].strip()) if isinstance(factor, tuple)]
    cells = drawing[1]
    assert cells[1][0] == "0"  # the homework's entry (2, 1)
    hankel = chain(derivation, "The Jacobian of a convolution by its filter").steps[-2].after
    assert hankel.at(2, 1) == Y_ENTRY[l - 1, 2]  # the derived entry (2, 1): not 0
    assert cells[0][-1] == "0" and cells[0][0] != "0"  # a band: row 1 ends in zeros, n_{l-1} columns


def test_slip_the_size_written_under_the_hankel_matrix_is_neither_of_its_sizes(derivation, homework):
    line = display(homework, SEED_W)
    ((_, _, size),) = [factor for factor in read_product(line.strip().removeprefix("=").strip())
                       if isinstance(factor, tuple) and factor[0] == "matrix"]
    assert size == n[l - 1]
    assert Y(l - 1).shape == (n[l], f[l]) and size not in Y(l - 1).shape  # it is the length of y_{l-1}


def test_slip_the_first_chain_line_runs_through_the_last_layer(derivation, homework):
    block = display(homework, r"\frac{\partial y'_l}{\partial y'_L}")
    garbled = MatMul(*read_product(block.split("=")[2].split(",")[0].strip()))
    assert garbled == MatMul(Jacobian(y(L), y_pre(l)), Jacobian(y_pre(l), y_pre(L)), Jacobian(y_pre(L), w(l)))
    with pytest.raises(VerificationFailed, match="differ"):  # ∂y'_l/∂y'_L = 0: the product vanishes
        network_verifier(below_the_last)(Jacobian(y(L), w(l)), garbled)
    derived_chain_rule = chain(derivation, "The Jacobian by the filter $w_l$").steps[0].after
    assert derived_chain_rule == MatMul(Jacobian(y(L), y_pre(l)), Jacobian(y_pre(l), w(l)))


def test_slip_the_second_chain_line_counts_sigma_prime_twice(homework):
    block = display(homework, r"= \frac{\partial y_L}{\partial y'_l} \text{diag}(\sigma'(y'_l)) \begin{bmatrix}")
    doubled = as_expression(read_product(block.strip().removeprefix("=").strip()))
    with pytest.raises(VerificationFailed, match="differ"):
        network_verifier(below_the_last)(Jacobian(y(L), w(l)), doubled)


def test_slip_the_bias_jacobian_is_the_identity_only_at_the_last_layer(derivation, homework):
    stated = read_product(display(homework, r"\frac{\partial y_L}{\partial b_l} = I_{n_l}").split("=")[1].strip())
    assert stated == [Identity(n[l])]
    with pytest.raises(VerificationFailed):
        network_verifier(below_the_last)(Jacobian(y(L), b(l)), Identity(n[l]))
    network_verifier(the_last)(Jacobian(y(L), b(l)), Identity(n[l]))  # true at l = L
    assert chain(derivation, "The last layer's bias ($l = L$)").end == Identity(n[L])


def test_slip_the_bias_chain_runs_through_a_layer_computed_before_b_l(homework):
    block = display(homework, r"\frac{\partial y_{l-1}}{\partial y'_l}")
    chain_line = block.split("=")[2].split(r"\\")[0].strip()
    factors = read_product(chain_line)
    assert Jacobian(y(l - 1), y_pre(l)) in factors
    # y_{l-1} is computed before y'_l: that factor is 0, so the homework's chain is 0, unlike the Jacobian.
    network_verifier(below_the_last)(Jacobian(y(l - 1), y_pre(l)), ZeroMatrix(n[l - 1], n[l]))
    with pytest.raises(VerificationFailed, match="differ"):
        network_verifier(below_the_last)(Jacobian(y(L), b(l)), ZeroMatrix(n[L], n[l]))
