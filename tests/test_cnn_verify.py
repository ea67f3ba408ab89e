"""``symderive verify`` on the CNN Jacobian transcript: its instance checks and its induction are recorded as
evidence, rebuilt from the JSON alone and re-run on each step's own two sides; edits and forgeries fail."""
from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest
from sympy import Identity, MatMul, Symbol, ZeroMatrix

from conftest import ROOT
from symderive.calc import VerificationFailed
from symderive.cnn_instances import (
    A, D, L, LayerCheck, LayerKind, LayerSize, NetworkCheck, Layers, NETWORK_SHAPES, Y, f, k, l, n, y, y_pre,
    network_verifier,
)
from symderive.datajson import decode_dataclass, encode_dataclass
from symderive.exprjson import Decoder, Encoder
from symderive.induction import DownwardInduction
from symderive.jacobians import Jacobian
from symderive.model import Chain, Hypothesis, Status, Step, Verification
from symderive.render.json import EVIDENCE
from symderive.render.latex import RELATION_SYMBOLS
from symderive.render.printer import to_latex
from symderive.verify import RE_VERIFIED, UNKNOWN, TranscriptError, Verifier, parse_transcript

CNN = ROOT / "derivations" / "cnn-jacobian.json"
FILTER = "The Jacobian of a convolution by its filter"
ACTIVATION = "The Jacobian of the activation"
ONE_LAYER = "The chain rule through one layer"
BY_FILTER = r"The Jacobian by the filter $w_l$"
LAST_FILTER = r"The last layer's filter ($l = L$)"
INDUCTION = (ONE_LAYER, r"Base case $l = L - 1$", r"Inductive step from $l + 1$ to $l$",
             "The Jacobian of the output by a pre-activation")


@pytest.fixture(scope="module")
def transcript() -> dict:
    return json.loads(CNN.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def verifier():
    with Verifier() as shared:
        yield shared


def cut(data: dict, *headings: str) -> dict:
    """The transcript cut down to some chains (every context kept), chain references renumbered."""
    kept = [i for i, chain in enumerate(data["chains"]) if chain["heading"] in headings]
    assert len(kept) == len(headings)
    renumber = {old: new for new, old in enumerate(kept)}

    def moved(value):
        if isinstance(value, dict):
            if set(value) == {"chain"}:
                return {"chain": renumber[value["chain"]]}
            return {key: moved(item) for key, item in value.items()}
        if isinstance(value, list):
            return [moved(item) for item in value]
        return value

    steps = [dict(copy.deepcopy(step), chain=renumber[step["chain"]], verification=moved(step["verification"]))
             for step in data["steps"] if step["chain"] in renumber]
    end = steps[-1]["after"]
    result = {"tree": end, "latex": to_latex(Decoder().decode(end)), "srepr": ""}
    return dict(copy.deepcopy(data), chains=[copy.deepcopy(data["chains"][i]) for i in kept], steps=steps,
                result=result)


def numbered(data: dict, heading: str, rule: str | None = None, last: bool = False) -> int:
    """The position of the (first, or last) step of the chain ``heading`` (made by ``rule``)."""
    chain = next(i for i, c in enumerate(data["chains"]) if c["heading"] == heading)
    found = [i for i, s in enumerate(data["steps"]) if s["chain"] == chain and rule in (None, s["rule"])]
    return found[-1] if last else found[0]


def set_after(data: dict, number: int, tree) -> None:
    """Give step ``number`` a new right side (and the next step of its chain that left side), LaTeX redrawn."""
    step = data["steps"][number]
    step["after"] = tree
    following = [s for s in data["steps"][number + 1:] if s["chain"] == step["chain"]]
    for edited in [step] + following[:1]:
        if edited is not step:
            edited["before"] = tree
        decoder = Decoder()
        edited["latex"] = (f"{to_latex(decoder.decode(edited['before']))} {RELATION_SYMBOLS[edited['relation']]} "
                           f"{to_latex(decoder.decode(edited['after']))}")
    if not following:
        data["result"] = {"tree": tree, "latex": to_latex(Decoder().decode(tree)), "srepr": ""}


def tree(expr) -> list:
    return Encoder().encode(expr)


def check(verifier: Verifier, data: dict):
    return verifier.verify_data(parse_transcript(json.dumps(data).encode()), "edited.json")


def outcome(report, number: int):
    return report.steps[number]


# ---------------------------------------------------------------- the committed transcript


def test_every_instance_check_and_the_induction_record_their_evidence(transcript):
    """Each step the judge cannot see records the class that checked it; the others record none."""
    kinds = {}
    for step in transcript["steps"]:
        evidence = step["verification"]["evidence"]
        kinds[step["verification"]["method"]] = kinds.get(step["verification"]["method"], set()) | {
            None if evidence is None else evidence["type"]}
    for method, types in kinds.items():
        if method.startswith("exact comparison with SymPy's derivatives"):
            assert types == {"LayerCheck"}, method
        elif method.startswith("exact comparison on networks"):
            assert types == {"NetworkCheck"}, method
        elif method.startswith("induction"):
            assert types == {"InductionProof"}, method
        else:
            assert types == {None}, method


def test_the_evidence_classes_round_trip_through_json():
    decoder, encoder = Decoder(), Encoder()
    for evidence in (LayerCheck(LayerKind.CONVOLUTION, k + 1, (LayerSize(5, 2), LayerSize(3, 3))),
                     network_verifier(Layers.NONE, min_depth=2), network_verifier(Layers.THE_LAST, scalar_bias=True)):
        data = json.loads(json.dumps(encode_dataclass(evidence, encoder)))
        assert EVIDENCE[data["type"]] is type(evidence)
        assert decode_dataclass(data, type(evidence), decoder) == evidence


def test_the_induction_chains_re_verify_alone(verifier, transcript):
    report = check(verifier, cut(transcript, *INDUCTION))
    assert report.passed, [(s.number, s.outcome, s.reason) for s in report.steps if not s.passed]
    induction = report.steps[-1]
    assert induction.reason == "InductionProof re-checked" and induction.status == Status.PROVED_ON_INSTANCES.value


# ---------------------------------------------------------------- edited steps


def test_swapping_two_factors_of_a_product_makes_the_command_exit_non_zero(tmp_path, transcript):
    data = cut(transcript, ONE_LAYER)
    number = numbered(data, ONE_LAYER, last=True)
    after = data["steps"][number]["after"]
    assert after[0] == "MatMul" and len(after) == 4  # ∂y_L/∂y'_{l+1} A_{l+1} D_l
    set_after(data, number, [after[0], after[1], after[3], after[2]])
    path = tmp_path / "swapped.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "symderive.cli", "verify", str(path)], capture_output=True,
                          text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"step {number + 1} " in done.stdout and "NetworkCheck not re-verified" in done.stdout


def test_a_wrong_matrix_of_the_right_shape_differs_on_the_instances(verifier, transcript):
    data = cut(transcript, FILTER)
    number = numbered(data, FILTER, last=True)  # ... = Y_{l-1}
    set_after(data, number, tree(ZeroMatrix(n[l], f[l])))
    step = outcome(check(verifier, data), number)
    assert step.outcome == UNKNOWN and "LayerCheck not re-verified: the two sides differ" in step.reason


def test_an_edited_induction_claim_is_not_re_verified(verifier, transcript):
    data = cut(transcript, *INDUCTION)
    number = len(data["steps"]) - 1
    claim = Decoder().decode(data["steps"][number]["after"])
    set_after(data, number, tree(MatMul(*claim.args[:-1])))  # without D_l
    step = outcome(check(verifier, data), number)
    assert step.outcome == UNKNOWN and "InductionProof not re-verified" in step.reason


def test_an_equality_check_does_not_establish_another_relation(verifier, transcript):
    data = cut(transcript, FILTER)
    step = data["steps"][0]
    step["relation"] = "<"
    decoder = Decoder()
    step["latex"] = f"{to_latex(decoder.decode(step['before']))} < {to_latex(decoder.decode(step['after']))}"
    found = outcome(check(verifier, data), 0)
    assert found.outcome == UNKNOWN and "its evidence shows before = after, not before < after" in found.reason


# ---------------------------------------------------------------- forged evidence


def test_evidence_at_other_sizes_is_refused(verifier, transcript):
    data = cut(transcript, FILTER)
    data["steps"][0]["verification"]["evidence"]["sizes"] = [{"type": "LayerSize", "width_in": 5, "filter": 2}]
    report = check(verifier, data)
    assert not report.passed
    assert "re-checked other instances than the step records" in report.steps[0].reason
    assert all(s.outcome == RE_VERIFIED for s in report.steps[1:])


def test_evidence_of_another_step_is_refused(verifier, transcript):
    data = cut(transcript, FILTER, ACTIVATION, BY_FILTER, LAST_FILTER)
    # The activation's check (layer k) on the filter's step (layer l): it is about another layer.
    data["steps"][0]["verification"]["evidence"] = data["steps"][numbered(data, ACTIVATION)]["verification"]["evidence"]
    # The check at l = L on a step claimed for 1 <= l < L: it evaluates other instances.
    by_filter, at_last = numbered(data, BY_FILTER), numbered(data, LAST_FILTER)
    data["steps"][by_filter]["verification"]["evidence"] = data["steps"][at_last]["verification"]["evidence"]
    report = check(verifier, data)
    assert "does not mention k" in report.steps[0].reason
    assert "re-checked other instances" in report.steps[by_filter].reason
    assert [s.number - 1 for s in report.steps if not s.passed] == [0, by_filter]


def test_a_forged_detail_with_forged_shapes_still_evaluates_the_step(verifier, transcript):
    """Evidence and detail forged together are honest about what they check: the step's own sides are evaluated."""
    data = cut(transcript, ONE_LAYER)
    number = numbered(data, ONE_LAYER, last=True)
    after = data["steps"][number]["after"]
    set_after(data, number, [after[0], after[1], after[3], after[2]])
    narrow = [{"type": "Shape", "n0": 9, "filters": [3, 1, 4], "scalar_bias": False}]
    for step in data["steps"]:
        step["verification"]["evidence"]["shapes"] = narrow
        evidence = decode_dataclass(step["verification"]["evidence"], NetworkCheck, Decoder())
        step["verification"]["detail"] = evidence.detail  # what the narrowed check reports
    report = check(verifier, data)
    assert [s.number - 1 for s in report.steps if not s.passed] == [number]
    # At l = 1 the swapped factors commute (A_2 is w_2 I), at l = 2 they do not even chain.
    assert "NetworkCheck not re-verified: not evaluable at n_0=9" in report.steps[number].reason


def test_an_induction_pointing_at_other_chains_is_refused(verifier, transcript):
    data = cut(transcript, *INDUCTION)
    evidence = data["steps"][-1]["verification"]["evidence"]
    evidence["base"], evidence["step"] = evidence["step"], evidence["base"]
    step = check(verifier, data).steps[-1]
    assert step.outcome == UNKNOWN and "does not go from" in step.reason


@pytest.mark.parametrize("edit, message", [
    (lambda e: e.update(sizes=[{"type": "LayerSize", "width_in": 10**6, "filter": 3}]), "width at most"),
    (lambda e: e.update(sizes=[]), "expected 1 to"),
    (lambda e: e.update(sizes=[{"type": "LayerSize", "width_in": 2, "filter": 3}]), "width at most"),
    (lambda e: e.update(layer=["Symbol", "l", {}]), "is not L, l or k"),
    (lambda e: e.update(layer=["Add", ["Integer", "7"], ["Symbol", "l", {"integer": True, "positive": True}]]),
     "small integer"),
])
def test_hostile_layer_evidence_is_refused_with_a_reason(verifier, transcript, edit, message):
    data = cut(transcript, FILTER)
    edit(data["steps"][0]["verification"]["evidence"])
    step = check(verifier, data).steps[0]
    assert step.outcome == UNKNOWN and message in step.reason


@pytest.mark.parametrize("edit, message", [
    (lambda e: e.update(shapes=[{"type": "Shape", "n0": 10**9, "filters": [2], "scalar_bias": False}]),
     "input width at most"),
    (lambda e: e.update(shapes=[{"type": "Shape", "n0": 3, "filters": [5], "scalar_bias": False}]), "not a network"),
    (lambda e: e.update(shapes=[{"type": "Shape", "n0": 3, "filters": [], "scalar_bias": False}]), "not a network"),
    (lambda e: e.update(max_depth=1), "no instance"),
    (lambda e: e.update(layers="no layer"), "mentions l"),
])
def test_hostile_network_evidence_is_refused_with_a_reason(verifier, transcript, edit, message):
    data = cut(transcript, ONE_LAYER)
    edit(data["steps"][0]["verification"]["evidence"])
    step = check(verifier, data).steps[0]
    assert step.outcome == UNKNOWN and message in step.reason


@pytest.mark.parametrize("edit", [
    lambda e: e.update(kind="pooling"),
    lambda e: e.update(sizes="(3, 1)"),
    lambda e: e.update(extra=1),
    lambda e: e.update(type="Shape"),
])
def test_malformed_evidence_makes_the_file_unreadable(verifier, transcript, edit):
    data = cut(transcript, FILTER)
    edit(data["steps"][0]["verification"]["evidence"])
    with pytest.raises(TranscriptError):
        check(verifier, data)


# ---------------------------------------------------------------- the classes, directly


def test_the_checks_evaluate_the_step_they_are_given():
    hankel = LayerCheck(LayerKind.CONVOLUTION, l, (LayerSize(4, 2),))
    assert hankel(Jacobian(y_pre(l), y(l - 1)), A(l)).evidence is hankel
    with pytest.raises(VerificationFailed, match="differ"):
        hankel(Jacobian(y_pre(l), y(l - 1)), ZeroMatrix(n[l], n[l - 1]))
    last = NetworkCheck(Layers.NONE, NETWORK_SHAPES)
    assert last(Jacobian(y(L), y_pre(L)), Identity(n[L])).status is Status.PROVED_ON_INSTANCES
    with pytest.raises(VerificationFailed):
        last(Jacobian(y(L), y_pre(L)), 2 * Identity(n[L]))


def test_the_induction_refuses_a_lemma_that_assumes_something():
    subject, product = Jacobian(y(L), y_pre(l)), MatMul(A(L), D(l))
    assumed = Hypothesis("X", subject, product)
    lemma = Chain("lemma", subject, (Step(subject, product, "rule", "why",
                                          Verification(Status.PROVED, "m", "", ("X",))),), hypotheses=(assumed,))
    induction = DownwardInduction(l, L - 1, subject, product, lemma, "CR")
    with pytest.raises(VerificationFailed, match="rests on hypotheses"):
        induction.verifier(lemma, lemma)(subject, product)
