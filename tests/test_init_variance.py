"""End to end: derive -> compare with the homework's stated formulas -> transcripts are current."""
from __future__ import annotations

import re

import pytest
from sympy import Sum, srepr

from conftest import ROOT
from symderive import Outcome, Status, derive, judge
from symderive.latex_in import Notation, parse_expression
from symderive.randomvars import Var
from symderive.render.json import derivation_to_dict
from symderive.render.latex import derivation_to_latex
from symderive.results import names
from symderive.render.printer import to_latex
from symderive.results.init_variance import L, i, l, n, v, y

NOTATION = Notation(symbols={"L": L}, indexed={"n": n, "y": y})


def _display_math(homework: str, marker: str) -> str:
    """The $$...$$ block of the homework containing ``marker``."""
    for block in re.findall(r"\$\$(.*?)\$\$", homework, flags=re.S):
        if marker in block:
            return block
    raise AssertionError(f"no display containing {marker!r}")


def _stated_closed_forms(homework: str):
    general = _display_math(homework, r"\therefore").split("=", 1)[1]
    unit_input = _display_math(homework, r"= \frac{1}{3^L} + \sum").split("=", 1)[1]
    return parse_expression(general, NOTATION), parse_expression(unit_input, NOTATION)


def test_result_equals_the_stated_closed_form_for_unit_input(init_variance, homework):
    _, stated = _stated_closed_forms(homework)
    verdict = judge(init_variance.result, stated)
    assert verdict.outcome is Outcome.VERIFIED, verdict.reason
    assert verdict.verification.status is Status.PROVED


def test_general_closed_form_equals_the_stated_one(init_variance, homework):
    stated, _ = _stated_closed_forms(homework)
    # The homework writes Var(y_0) for the input variance we call v_0.
    stated = stated.xreplace({Var(y[0]): v[0]})
    closed_form = next(c for c in init_variance.chains if c.heading == "Closed form")
    assert closed_form.start == v[L]
    verdict = judge(closed_form.end, stated)
    assert verdict.verification.status is Status.PROVED, verdict.reason


def test_a_wrong_stated_formula_is_refuted(init_variance):
    wrong = parse_expression(r"\frac{1}{3^L} + \sum_{k=0}^{L-1} \frac{1}{2^{L-k}} \cdot \frac{1}{n_k}", NOTATION)
    assert judge(init_variance.result, wrong).outcome is Outcome.REFUTED


def test_weight_variance_matches_the_stated_one(init_variance, homework):
    stated_line = _display_math(homework, r"\text{Var}((A_L)_{ij})")
    stated = parse_expression(stated_line.rsplit("=", 1)[1], NOTATION)  # 1/3 * 1/n_{L-1}
    weight = next(c for c in init_variance.chains if c.heading.startswith("Variance of a weight"))
    assert judge(weight.end.subs(l, L), stated).outcome is Outcome.VERIFIED


def test_recurrence_is_derived_from_the_variance_operator(init_variance):
    chain = next(c for c in init_variance.chains if c.heading == "The variance of layer $l$")
    assert chain.start == Var(y[l, i])
    # The recurrence as issue 2 states it (the homework garbles its indices here).
    notation = Notation(symbols={"l": l}, indexed={"n": n, "v": v})
    stated = parse_expression(r"\frac{v_{l-1}}{3} + \frac{1}{3 n_{l-1}}", notation)
    assert judge(chain.end, stated).verification.status is Status.PROVED


def test_every_step_has_rule_justification_and_honest_verification(init_variance):
    data = derivation_to_dict(init_variance)
    assert data["name"] == "init-variance"
    assert len(data["steps"]) >= 20
    for step in data["steps"]:
        assert step["rule"] and step["justification"] and step["latex"]
        assert step["verification"]["status"] in {"proved", "proved-on-instances", "tested-numerically"}
        assert step["verification"]["method"]
    instance_steps = [s for s in data["steps"] if s["verification"]["status"] == "proved-on-instances"]
    for step in instance_steps:
        assert " in {" in step["verification"]["detail"]  # the sizes are listed
    assert data["result"]["srepr"] == srepr(init_variance.result)


def test_closed_form_is_proved_by_induction_for_symbolic_depth(init_variance):
    closed_form = next(c for c in init_variance.chains if c.heading == "Closed form")
    unrolling = closed_form.steps[0]
    assert unrolling.verification.method == "induction"
    assert unrolling.verification.status is Status.PROVED
    assert L in closed_form.end.free_symbols and closed_form.end.has(Sum)


def test_transcripts_are_current(init_variance):
    committed = (ROOT / "derivations" / "init-variance.tex").read_text(encoding="utf-8")
    assert derivation_to_latex(init_variance) == committed, "run: symderive derive --all"


def test_jupyter_rendering_shows_assumptions_headings_and_result(init_variance):
    rendered = init_variance._repr_latex_()
    assert rendered.startswith(r"$$\textbf{" + init_variance.title)
    for assumption in init_variance.assumptions:
        assert f"$\\textbf{{{assumption.label}}}$ ({assumption.kind})" in rendered
    for chain in init_variance.chains:
        assert f"$$\\textbf{{{chain.heading}}}$$" in rendered
    assert rendered.endswith(f"$$\\operatorname{{Var}}((y_L)_i) = {to_latex(init_variance.result)}$$")
    assert r"\emph" not in rendered and "``" not in rendered  # text-mode LaTeX MathJax would show raw


@pytest.mark.parametrize("status", list(Status))
def test_status_words_exist(status):
    from symderive.render.latex import STATUS_WORDS

    assert STATUS_WORDS[status]


# --- Premises printed from their forms -------------------------------------------------------

from dataclasses import replace as _replace  # noqa: E402

from sympy import sqrt  # noqa: E402
from sympy.stats import Uniform  # noqa: E402

from symderive.judge import Definition  # noqa: E402
from symderive.randomvars import Independence  # noqa: E402
from symderive.results import UnknownResult, init_variance as module  # noqa: E402


def _h2_bounds(transcript: str):
    """The two bounds of the law H2 states, read back from the transcript with our LaTeX parser."""
    (line,) = [t for t in transcript.splitlines() if t.startswith(r"\item[H2]")]
    inside = line.split(r"U\left(", 1)[1]
    depth, position, parts, current = 0, 0, [], ""
    while not (depth == 0 and inside.startswith(r"\right)", position)):
        char = inside[position]
        depth += (char == "{") - (char == "}")
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
        position += 1
    parts.append(current)
    notation = Notation(symbols={"l": l}, indexed={"n": n})
    return tuple(parse_expression(p, notation) for p in parts)


def _law_bounds(family):
    distribution = family.law.pspace.distribution
    at = {family.index_symbols[0]: l}
    return distribution.left.xreplace(at), distribution.right.xreplace(at)


def _agree(stated, law) -> bool:
    return all(judge(s, t).outcome is Outcome.VERIFIED for s, t in zip(stated, law))


def test_h2_states_the_law_of_the_model_as_the_judge_reads_it(init_variance):
    stated = _h2_bounds(derivation_to_latex(init_variance))
    assert len(stated) == 2
    for family in (module.WEIGHTS, module.BIASES):
        assert _agree(stated, _law_bounds(family))
    assert judge(stated[1], 1 / sqrt(n[l])).outcome is Outcome.REFUTED  # the parse is not vacuous


def _with_laws(bound):
    weights = _replace(module.WEIGHTS, law=Uniform("A", -bound, bound))
    biases = _replace(module.BIASES, law=Uniform("b", -bound, bound))
    return _replace(module.MODEL, families=(weights, biases, module.PREVIOUS_LAYER))


@pytest.fixture(scope="module")
def wider_init():
    """The derivation again, under a law twice as wide: the transcript must follow the model."""
    return module.derive(_with_laws(2 / sqrt(n[module.m - 1])))


def test_changing_the_law_in_the_model_changes_the_transcript(init_variance, wider_init):
    original, wider = derivation_to_latex(init_variance), derivation_to_latex(wider_init)
    assert original != wider
    stated = _h2_bounds(wider)
    assert _agree(stated, _law_bounds(_with_laws(2 / sqrt(n[module.m - 1])).families[0]))
    assert not _agree(stated, _law_bounds(module.WEIGHTS))
    assert "torch.nn.Linear" in original and "torch.nn.Linear" not in wider  # not PyTorch's default any more
    weight = next(c for c in wider_init.chains if c.heading.startswith("Variance of a weight"))
    assert judge(weight.end, 4 / (3 * n[l - 1])).outcome is Outcome.VERIFIED
    assert wider_init.weakest_status is Status.PROVED


def test_independence_iid_and_the_layer_map_are_printed_from_their_forms():
    h3 = {a.label: a.latex for a in module.assumptions()}["H3"]
    assert h3.startswith("$A_{l}$, $b_{l}$ and $y_{l - 1}$ are mutually independent")
    assert "the entries of each of $A_{l}$ and $b_{l}$ are independent and identically distributed" in h3
    fewer = _replace(module.MODEL, independence=(Independence("H3", (module.A, module.y)),))
    assert {a.label: a.latex for a in module.assumptions(fewer)}["H3"].startswith(
        "$A_{l}$ and $y_{l - 1}$ are mutually independent")
    other_layer = Definition("D1", y[l, i], 2 * module.b[l, i], (i,))
    d1 = {a.label: a.latex for a in module.assumptions(layer=other_layer)}["D1"]
    assert r"$(y_{l})_{i} = 2 (b_{l})_{i}$" in d1


def test_the_claim_and_h1_are_printed_from_the_facts_of_the_previous_layer():
    assert r"$\operatorname{Var}\left((y_{l})_{j}\right) = v_{l}$" in module.layer_claim()
    h1 = {a.label: a.latex for a in module.assumptions()}["H1"]
    assert r"$\operatorname{Var}\left((y_{0})_{j}\right) = v_{0}$" in h1
    doubled = _replace(module.PREVIOUS_LAYER, variance=2 * v[module.m])
    model = _replace(module.MODEL, families=(module.WEIGHTS, module.BIASES, doubled))
    assert r"= 2 v_{l}$" in module.layer_claim(model)


_LABELS = ("H1", "H2", "H3", "D1", "IH", "P(l-1)")


def _labels_named(text: str) -> set[str]:
    return {label for label in _LABELS if re.search(rf"(?<![\w(]){re.escape(label)}(?![\w)])", text)}


def test_every_label_a_justification_names_is_a_premise_the_judge_cited(init_variance):
    for step in init_variance.steps:
        named = _labels_named(step.justification)
        assert named <= set(step.verification.premises), (step.rule, named, step.verification.premises)


def test_the_zero_mean_of_a_weight_is_credited_to_the_law(init_variance):
    mean = next(c for c in init_variance.chains if c.heading.startswith("Mean of a weight"))
    assert {p for s in mean.steps for p in s.verification.premises} == {"H2"}
    uncorrelated = next(s for s in init_variance.steps if s.rule == "variance of an uncorrelated sum")
    assert "(the mean of a weight, by H2; H3 for the independence)" in uncorrelated.justification


def test_the_coordinate_check_carries_a_status(init_variance):
    chain = next(c for c in init_variance.chains if c.heading == "The variance of layer $l$")
    assert r"does not depend on $i$ \emph{[proved: the expression has no free $i$]}" in chain.conclusion
    assert r"$v_{l} = \frac{v_{l - 1}}{3} + \frac{1}{3 n_{l - 1}}$" in chain.conclusion


def test_the_unrolling_is_written_in_the_sequence_own_letter(init_variance):
    unrolling = next(s for s in init_variance.steps if s.rule == "unroll the linear recurrence")
    assert r"$v_{l} = a\,v_{l - 1} + c_{l}$" in unrolling.justification
    assert r"a = \frac{1}{3}" in unrolling.justification and "x_" not in unrolling.justification


def test_quotations_open_and_close(init_variance):
    transcript = derivation_to_latex(init_variance)
    assert "By ``Mean of a weight" in transcript
    assert not re.search(r"(^|[\s(])['\"]", transcript, flags=re.M)


def test_an_unknown_result_lists_the_known_names():
    with pytest.raises(KeyError) as raised:
        derive("nosuch")
    assert isinstance(raised.value, UnknownResult)
    assert str(raised.value) == f"unknown result 'nosuch'; known: {', '.join(names())}"
    assert "init-variance" in names()
