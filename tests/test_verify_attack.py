"""``symderive verify`` attacked: edited and hand-made transcripts that must not pass, hang or crash.

Each transcript here is small (one chain, the default context) so that a test
takes a second or two; the attacks on the committed transcripts live in
``test_verify.py``.
"""
from __future__ import annotations

import json

import pytest

from symderive.datajson import encode_value
from symderive.exprjson import Encoder, decode
from symderive.judge import Context, Convention
from symderive.render.latex import RELATION_SYMBOLS
from symderive.render.printer import to_latex
from symderive.verify import UNKNOWN, TranscriptReport, Verifier, parse_transcript

X = ["Symbol", "x", {}]


def integer(value: int) -> list:
    return ["Integer", str(value)]


def step(before: list, after: list, relation: str = "=", replay: dict | None = None) -> dict:
    return {
        "latex": f"{to_latex(decode(before))} {RELATION_SYMBOLS[relation]} {to_latex(decode(after))}",
        "relation": relation, "rule": "forged", "justification": "forged", "part": "c", "chain": 0,
        "verification": {"status": "proved", "method": "forged", "detail": "", "premises": [], "evidence": None},
        "before": before, "after": after, "replay": replay,
    }


def transcript(start: list, *afters: list, result: list | None = None, replay: dict | None = None,
               context: dict | None = None) -> dict:
    """One chain from ``start`` through ``afters`` (the first step replaying ``replay``), its end the result."""
    sides = [start, *afters]
    steps = [step(b, a, replay=replay if i == 0 else None) for i, (b, a) in enumerate(zip(sides, sides[1:]))]
    result = sides[-1] if result is None else result
    return {
        "name": "attack", "title": "attack", "assumptions": [], "steps": steps,
        "result": {"latex": to_latex(decode(result)), "srepr": "", "tree": result},
        "format": "symderive-transcript/1",
        "contexts": [context or encode_value(Context(seconds=5.0), Context, Encoder())],
        "chains": [{"heading": "c", "start": start, "hypotheses": [], "context": 0}],
    }


@pytest.fixture(scope="module")
def verifier():
    with Verifier(jobs=1, seconds=3.0) as shared:
        yield shared


def check(verifier: Verifier, data: dict) -> TranscriptReport:
    return verifier.verify_data(parse_transcript(json.dumps(data).encode()), "attack.json")


def test_the_control_transcript_passes_and_its_false_twin_fails(verifier):
    """The harness itself: a true step passes, a false one does not."""
    assert check(verifier, transcript(["Add", X, X], ["Mul", integer(2), X])).passed
    assert not check(verifier, transcript(X, integer(0))).passed


# ---------------------------------------------------------------- false PASSED


def test_a_chain_without_steps_carries_no_result(verifier):
    """A stepless chain 'ends' where it starts: it may not carry a result such as 1 = 2."""
    false = ["Equality", integer(1), integer(2)]
    data = transcript(["Add", X, X], ["Mul", integer(2), X], result=false)
    data["chains"].append({"heading": "empty", "start": false, "hypotheses": [], "context": None})
    report = check(verifier, data)
    assert all(s.passed for s in report.steps) and not report.passed
    assert "the result is not the end of any chain, nor the relation a chain shows" in report.problems


@pytest.mark.parametrize("tree", [
    ["Symbol", "x", {"zero": True}],
    ["Mul", ["Symbol", "y", {"positive": True}], ["Symbol", "x", {"zero": True}]],
])
def test_an_assumption_a_step_rests_on_is_a_stated_premise(verifier, tree):
    """``x = 0`` is true of a symbol assumed zero; the tree carries that, its LaTeX does not: the report must."""
    report = check(verifier, transcript(tree, integer(0)))
    assert report.passed  # the step is true given its assumption ...
    assert "assumed: x is zero" in report.premises  # ... which the report states


def test_the_assumptions_of_an_indexed_base_are_stated(verifier):
    entry = ["Indexed", ["IndexedBase", {"positive": True}, ["Symbol", "a", {}]], X]
    report = check(verifier, transcript(["Pow", ["Pow", entry, integer(2)], ["Rational", "1", "2"]], entry))
    assert "assumed: a is positive" in report.premises


def test_a_convention_other_than_the_textbook_one_is_a_stated_premise(verifier):
    """Under Karr's convention sum_{k=3}^{1} 1 = -1; a reader takes it to be 0: the report must say."""
    k = ["Symbol", "k", {"integer": True}]
    reversed_sum = ["Sum", integer(1), ["Tuple", k, integer(3), integer(1)]]
    karr = encode_value(Context(seconds=5.0, convention=Convention.KARR), Context, Encoder())
    report = check(verifier, transcript(reversed_sum, integer(-1), context=karr))
    assert report.passed and f"convention: {Convention.KARR.describe()}" in report.premises
    assert not check(verifier, transcript(reversed_sum, integer(-1))).passed


def test_the_assumptions_shown_are_the_concise_ones():
    from sympy import Function, Symbol

    from symderive.verify import assumption_premises

    f = Function("f", positive=True)
    assert assumption_premises([f(Symbol("t", real=True)), Symbol("n", integer=True, positive=True)]) == [
        "assumed: f (a function) is positive", "assumed: n is integer, positive", "assumed: t is real"]
    assert assumption_premises([Symbol("z")]) == []


# ---------------------------------------------------------------- bounded time


def test_a_replay_that_evaluates_for_ever_is_bounded_by_the_step_limit(verifier):
    """Substituting 7 for x in x**(10**8) computes a 10**8-digit power: the step is unknown within its limit,
    the rest of the transcript is still read (not 'unreadable' after the whole file's 120 s)."""
    power = ["Pow", X, integer(10**8)]
    replay = {"type": "Substitute", "name": "forged", "justification": "forged", "pairs": [[X, integer(7)]]}
    data = transcript(power, ["Pow", integer(7), integer(10**8)], replay=replay)
    report = check(verifier, data)
    (only,) = report.steps
    assert not report.passed and only.outcome == UNKNOWN and "time limit" in only.reason


def test_a_replay_that_gives_another_side_is_still_a_problem(verifier):
    replay = {"type": "Substitute", "name": "forged", "justification": "forged", "pairs": [[X, integer(3)]]}
    report = check(verifier, transcript(["Add", X, X], ["Mul", integer(2), X], replay=replay))
    (only,) = report.steps
    assert not report.passed and only.problems == ("replaying its rule gives 6, not its right side",)


def test_a_lemma_is_not_instantiated_beyond_its_constants_assumptions(verifier):
    """A lemma sqrt(x^2) = x proved for x > 0, used with x = y for a real y, would 'prove' |y| = y."""
    x, y = ["Symbol", "x", {"positive": True}], ["Symbol", "y", {"real": True}]
    data = transcript(["Pow", ["Pow", x, integer(2)], ["Rational", "1", "2"]], x)
    use = step(["Abs", y], y)
    use.update(chain=1, part="use")
    use["verification"]["evidence"] = {"type": "ByLemma", "lemma": {"chain": 0}, "substitutions": [[[x, y]]],
                                       "label": "L", "context": {"context": 0}}
    data["steps"].append(use)
    data["chains"].append({"heading": "use", "start": ["Abs", y], "hypotheses": [], "context": 0})
    data["result"] = {"tree": y, "latex": "y", "srepr": ""}
    report = check(verifier, data)
    assert report.steps[0].passed and not report.passed
    assert "is not known to satisfy the assumptions on x" in report.steps[1].reason
    positive = ["Symbol", "z", {"positive": True}]  # a value that keeps the assumption may be used
    data["steps"][1].update(step(["Abs", positive], positive), chain=1, part="use",
                            verification=use["verification"])
    data["steps"][1]["verification"]["evidence"]["substitutions"] = [[[x, positive]]]
    data["chains"][1]["start"] = ["Abs", positive]
    data["result"] = {"tree": positive, "latex": "z", "srepr": ""}
    assert check(verifier, data).passed


def test_a_transcript_of_too_many_steps_is_refused(monkeypatch):
    """Verifying n steps costs more than n step-limits (each task carries its chains): the count is bounded."""
    from symderive import verify

    monkeypatch.setattr(verify, "MAX_STEPS", 3)
    with pytest.raises(verify.TranscriptError, match=r"\$.steps: more than 3 items"):
        parse_transcript(json.dumps(transcript(X, X, X, X, X)).encode())
    assert parse_transcript(json.dumps(transcript(X, X, X, X)).encode())


def test_a_lone_surrogate_is_refused_with_a_message(tmp_path, capsys):
    """'\\ud800' is valid JSON but no text: printing the report would fail with an internal error."""
    from symderive import cli

    data = transcript(X, X)
    data["chains"][0]["heading"] = data["steps"][0]["part"] = "\ud800"
    path = tmp_path / "surrogate.json"
    path.write_text(json.dumps(data), encoding="ascii")
    assert cli.main(["verify", "--jobs", "1", str(path)]) == 2
    captured = capsys.readouterr()
    assert "a lone surrogate" in captured.err and "internal error" not in captured.err


# ---------------------------------------------------------------- evidence on degenerate instances


def _cnn_chain_with_forged_last_step(number: int, evidence_edit) -> dict:
    """cnn-jacobian cut to step ``number``'s chain, that step's right side transposed, its replay dropped."""
    from test_verify import committed, only_chains

    data = committed("cnn-jacobian")
    forged = data["steps"][number]
    forged["after"] = ["Transpose", forged["after"]]
    forged["latex"] = step(forged["before"], forged["after"])["latex"]
    forged["replay"] = None  # a replay is optional: without it only the evidence speaks for the step
    evidence_edit(forged["verification"])
    data = only_chains(data, data["chains"][forged["chain"]]["heading"])
    data["result"] = {"tree": forged["after"], "latex": to_latex(decode(forged["after"])), "srepr": ""}
    return data


def test_a_layer_check_at_1x1_sizes_only_does_not_show_a_transpose(verifier):
    """'[y_{i+j-1}] = Y^T' holds for 1x1 matrices: evidence at (1, 1) alone may not pass it."""
    def at_one_by_one(verification: dict) -> None:
        verification["evidence"]["sizes"] = [{"type": "LayerSize", "width_in": 1, "filter": 1}]
        verification["detail"] = "exact at (n[l - 1], f[l]) in {(1, 1)} with l = 2; sigma undefined"

    data = _cnn_chain_with_forged_last_step(4, at_one_by_one)
    assert data["steps"][-1]["rule"] == "the Hankel matrix"
    report = check(verifier, data)
    assert not report.passed and "a transpose goes unnoticed" in report.steps[-1].reason


def test_a_network_check_needs_a_shape_with_distinct_widths():
    from symderive.calc import VerificationFailed
    from symderive.cnn import Shape
    from symderive.cnn_instances import Layers, NetworkCheck

    for degenerate in (Shape(1, (1,)), Shape(4, (1, 1))):  # widths (1, 1) and (4, 4, 4)
        with pytest.raises(VerificationFailed, match="a transpose goes unnoticed"):
            NetworkCheck(Layers.NONE, (degenerate,))._check_shapes()
    NetworkCheck(Layers.NONE, (Shape(1, (1,)), Shape(4, (2,))))._check_shapes()  # widths (4, 3) tell them apart
