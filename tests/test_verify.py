"""``symderive verify``: saved transcripts re-judged from their JSON alone, read as untrusted input."""
from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sympy import Dummy, Symbol, srepr

from conftest import ROOT
from symderive import cli, results
from symderive.calc import judging_context
from symderive.datajson import dumps, encode_value, decode_value
from symderive.exprjson import Decoder, Encoder, decode
from symderive.judge import Context, judge
from symderive.render.json import EVIDENCE, derivation_to_dict, derivation_to_json, stable_srepr
from symderive.render.latex import RELATION_SYMBOLS
from symderive.render.printer import to_latex
from symderive.verify import (
    RE_VERIFIED, REFUTED, UNKNOWN, WEAKER, TranscriptError, TranscriptReport, Verifier, _Rebuilt, _report,
    _survey, chained_relation, parse_transcript, replay_problems,
)

COMMITTED = sorted((ROOT / "derivations").glob("*.json"))
INIT_VARIANCE = ROOT / "derivations" / "init-variance.json"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "symderive.cli", *args], capture_output=True, text=True, cwd=ROOT, timeout=600
    )


def transcript() -> dict:
    return json.loads(INIT_VARIANCE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def verifier():
    """One pool of workers for the module (they keep the laws' moments cached between transcripts)."""
    with Verifier() as shared:
        yield shared


def check(verifier: Verifier, data: dict) -> TranscriptReport:
    """Verify an edited transcript the way the command does: from its bytes."""
    return verifier.verify_data(parse_transcript(json.dumps(data).encode()), "edited.json")


def step_numbered(data: dict, rule: str) -> int:
    """The 0-based position of the (first) step made by ``rule``."""
    return next(n for n, step in enumerate(data["steps"]) if step["rule"] == rule)


def only_chains(data: dict, *headings: str) -> dict:
    """The transcript cut down to some chains (and every context): a quicker test of a step in them."""
    kept = [i for i, chain in enumerate(data["chains"]) if chain["heading"] in headings]
    assert len(kept) == len(headings)
    renumber = {old: new for new, old in enumerate(kept)}

    def moved(value):  # chain references inside evidence, renumbered
        if isinstance(value, dict):
            if set(value) == {"chain"}:
                return {"chain": renumber[value["chain"]]}
            return {k: moved(v) for k, v in value.items()}
        return value

    steps = [dict(step, chain=renumber[step["chain"]], verification=moved(step["verification"]))
             for step in data["steps"] if step["chain"] in renumber]
    result = {"tree": steps[-1]["after"], "latex": steps[-1]["latex"].split(" = ")[-1], "srepr": ""}
    return dict(data, chains=[data["chains"][i] for i in kept], steps=steps, result=result)


def induction_chains() -> dict:
    return only_chains(transcript(), "Base case", "Inductive step", "Closed form")


def save(tmp_path: Path, data: dict, name: str = "edited.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def replace_first(tree, old, new):
    """``tree`` with its first subtree equal to ``old`` replaced by ``new``, and whether one was found."""
    if tree == old:
        return new, True
    if isinstance(tree, list):
        out, done = [], False
        for item in tree:
            if not done:
                item, done = replace_first(item, old, new)
            out.append(item)
        return out, done
    return tree, False


def relatex(data: dict, number: int) -> None:
    """Re-render a step's LaTeX from its (edited) trees and relation, as a careful forger would."""
    step = data["steps"][number]
    decoder = Decoder()
    relation = RELATION_SYMBOLS[step["relation"]]
    step["latex"] = f"{to_latex(decoder.decode(step['before']))} {relation} {to_latex(decoder.decode(step['after']))}"


# ---------------------------------------------------------------- the committed transcripts


def test_there_are_committed_json_transcripts():
    assert [p.name for p in COMMITTED] == [f"{name}.json" for name in sorted(results.names())]


@pytest.fixture(scope="module")
def committed_reports() -> dict[str, dict]:
    """``symderive verify derivations/*.json --format json``: exit 0, and the report by file name."""
    done = run("verify", *map(str, COMMITTED), "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["passed"] and report["errors"] == []
    return {Path(t["file"]).name: t for t in report["transcripts"]}


@pytest.mark.parametrize("name", [p.name for p in COMMITTED])
def test_every_committed_transcript_re_verifies_with_its_recorded_status(name, committed_reports):
    report = committed_reports[name]
    assert report["passed"] and report["steps"] and report["problems"] == []
    for step in report["steps"]:
        assert step["outcome"] == RE_VERIFIED and step["passed"] and step["problems"] == [], step
        assert step["rejudged"]["status"] == step["recorded"]["status"]


def test_the_induction_step_is_re_checked_by_its_verifier(committed_reports):
    steps = committed_reports[INIT_VARIANCE.name]["steps"]
    (induction,) = [s for s in steps if s["rejudged"]["method"] == "induction"]
    assert induction["rule"] == "unroll the linear recurrence" and induction["reason"] == "Induction re-checked"


def test_the_cnn_instance_checks_and_induction_are_re_run_from_their_evidence(committed_reports):
    steps = committed_reports["cnn-jacobian.json"]["steps"]
    reasons = {s["reason"] for s in steps if s["recorded"]["method"].startswith(("exact comparison", "induction"))}
    assert reasons == {"LayerCheck re-checked", "NetworkCheck re-checked", "InductionProof re-checked"}


def test_the_json_report_shape(committed_reports):
    step = committed_reports[INIT_VARIANCE.name]["steps"][0]
    assert set(step) == {"step", "chain", "rule", "recorded", "outcome", "reason", "rejudged", "counterexample",
                         "problems", "passed"}
    assert step["rejudged"]["premises"] == ["H2"]


def test_the_text_report_has_a_line_per_step(tmp_path, capsys):
    path = save(tmp_path, induction_chains())
    assert cli.main(["verify", path, "--jobs", "2"]) == 0
    out = capsys.readouterr().out
    assert "init-variance: 8 steps (8 re-verified)" in out and out.rstrip().endswith("PASSED")
    assert "step 7 ('unroll the linear recurrence' in 'Closed form'): re-verified: proved by induction " \
           "from recurrence, IH (recorded proved)" in out


@pytest.mark.parametrize("name", [p.stem for p in COMMITTED])
def test_committed_json_is_current(name, derived):
    # Dummies made before the derivation shift the process's Dummy counter: the JSON must not depend on it.
    [Dummy("u") for _ in range(7)]
    committed = (ROOT / "derivations" / f"{name}.json").read_text(encoding="utf-8")
    assert derivation_to_json(derived[name]) == committed, "run: symderive derive --all"


def test_the_result_srepr_does_not_depend_on_which_assumption_order_came_first():
    """Equal Symbols print their assumptions in the order they were given, and SymPy's cache hands out
    whichever equal expression was built first (a MatrixSymbol over the other n): CI failed on it, stop 14."""
    given_one_way = Symbol("n_order", positive=True, integer=True)
    given_the_other = Symbol("n_order", integer=True, positive=True)
    assert given_one_way == given_the_other and srepr(given_one_way) != srepr(given_the_other)
    assert stable_srepr(given_one_way) == stable_srepr(given_the_other) == \
        "Symbol('n_order', integer=True, positive=True)"
    dummy = Dummy("u", positive=True)
    assert stable_srepr(dummy) == f"Dummy('u', dummy_index={dummy.dummy_index}, positive=True)"


# ---------------------------------------------------------------- edited transcripts fail


def test_an_edited_coefficient_fails_with_that_step_named(tmp_path):
    """Through the command: one ``after`` tree edited (1/3 -> 1/4), nothing else."""
    data = only_chains(transcript(), "The variance of layer $l$")
    number = step_numbered(data, "variance of a weight")
    after, found = replace_first(data["steps"][number]["after"], ["Rational", "1", "3"], ["Rational", "1", "4"])
    assert found
    data["steps"][number]["after"] = after
    done = run("verify", save(tmp_path, data))
    assert done.returncode == 1, done.stdout + done.stderr
    line = next(line for line in done.stdout.splitlines() if line.startswith(f"  step {number + 1} "))
    assert "'variance of a weight'" in line and "REFUTED" in line and "counterexample" in line
    assert "FAILED" in done.stdout


def test_a_consistently_forged_step_is_still_refuted(verifier):
    """The forger also fixes the next step's left side and both LaTeX lines: the judge still catches it."""
    data = only_chains(transcript(), "The variance of layer $l$")
    number = step_numbered(data, "variance of a weight")
    after, _ = replace_first(data["steps"][number]["after"], ["Rational", "1", "3"], ["Rational", "1", "4"])
    data["steps"][number]["after"] = data["steps"][number + 1]["before"] = after
    relatex(data, number)
    relatex(data, number + 1)
    data["steps"][number]["replay"] = None  # replaying the recorded rule would show the edit at once
    report = check(verifier, data)
    assert not report.passed
    forged = report.steps[number]
    assert forged.outcome == REFUTED and not forged.problems and forged.counterexample
    assert not report.steps[number + 1].passed  # its right side still has the true coefficient
    assert all(step.passed for step in report.steps[:number])


def test_edited_latex_is_inconsistent(verifier):
    data = only_chains(transcript(), "The variance of layer $l$")
    number = step_numbered(data, "variance of a weight")
    latex = data["steps"][number]["latex"]
    data["steps"][number]["latex"] = latex.replace("{3", "{4")
    assert data["steps"][number]["latex"] != latex
    report = check(verifier, data)
    step = report.steps[number]
    assert step.outcome == RE_VERIFIED and not step.passed and not report.passed
    assert step.problems == ("its LaTeX does not show its two sides",)


def test_a_step_that_does_not_continue_its_chain_fails(verifier):
    data = only_chains(transcript(), "Layer $l$ is centred")
    number = step_numbered(data, "sum of a constant")
    data["steps"][number]["before"] = data["steps"][number]["after"]  # a true but disconnected a = a
    relatex(data, number)
    report = check(verifier, data)
    assert not report.passed
    assert any("previous step" in problem for problem in report.steps[number].problems)


def test_a_wrong_result_fails(verifier):
    data = only_chains(transcript(), "Layer $l$ is centred")
    assert check(verifier, data).passed
    data["result"] = {"tree": ["Integer", "1"], "latex": "1", "srepr": ""}
    report = check(verifier, data)
    assert not report.passed and report.problems == ("the result is not the end of any chain, nor the relation a "
                                                     "chain shows",)


# ---------------------------------------------------------------- replaying rules with parameters


def replayed_step(data: dict, rule: str) -> tuple[int, dict]:
    number = step_numbered(data, rule)
    assert data["steps"][number]["replay"] is not None, "the rule's parameters are recorded"
    return number, data["steps"][number]["replay"]


def test_a_rule_with_parameters_is_replayed():
    data = only_chains(transcript(), "Layer $l$ is centred")
    number, replay = replayed_step(data, "definition of the layer")
    assert replay["type"] == "Replace"
    assert _survey(data)["problems"] == {} and replay_problems(data, number) == []


def test_a_replay_with_edited_parameters_is_a_problem_of_its_step(verifier):
    """A step that is true but is not what its recorded rule gives: the transcript is inconsistent."""
    data = only_chains(transcript(), "Layer $l$ is centred")
    number, replay = replayed_step(data, "definition of the layer")
    (target, value), = replay["pairs"]
    replay["pairs"] = [[target, ["Mul", ["Integer", "2"], value]]]
    report = check(verifier, data)
    step = report.steps[number]
    assert not report.passed and not step.passed
    assert any(problem.startswith("replaying its rule gives") for problem in step.problems)


def test_a_replay_under_another_rule_name_is_a_problem():
    data = only_chains(transcript(), "Layer $l$ is centred")
    number, replay = replayed_step(data, "definition of the layer")
    replay["name"] = "something else"
    assert _survey(data)["problems"][str(number)] == ["its recorded rule is 'something else', not "
                                                      "'definition of the layer'"]


def test_a_replay_that_does_not_apply_is_a_problem():
    data = induction_chains()
    number, replay = replayed_step(data, "shift the summation index")
    data["steps"][number]["replay"] = dict(replay, type="Replace", pairs=[])
    del data["steps"][number]["replay"]["by"]
    (problem,) = replay_problems(data, number)
    assert problem.startswith("replaying its rule: rule 'shift the summation index' does not change")


def test_replay_parameters_of_the_wrong_type_are_refused():
    data = induction_chains()
    number, replay = replayed_step(data, "shift the summation index")
    replay["by"] = "-1"
    assert "by: expected an int" in _survey(data)["error"]


def committed(name: str) -> dict:
    return json.loads((ROOT / "derivations" / f"{name}.json").read_text(encoding="utf-8"))


def test_a_marginalisation_replayed_over_another_region_is_a_problem(verifier):
    """kl-additive: the step is re-judged as recorded, but its recorded rule gives an integral over another region."""
    data = committed("kl-additive")
    number, replay = replayed_step(data, "marginalisation")
    assert replay["type"] == "Marginalise" and _survey(data)["problems"] == {}
    replay["own"] = ["Region", ["Str", "supp g_i"], ["Str", r"\operatorname{supp} g_i"]]
    report = check(verifier, data)
    step = report.steps[number]
    assert not report.passed and not step.passed
    (problem,) = step.problems
    assert problem.startswith("replaying its rule gives") and "supp g_i" in problem


def test_a_density_definition_replayed_with_another_density_is_a_problem():
    """kl-gaussian: unfolding g with f's density (Sigma_0 for Sigma_1) does not give the recorded step."""
    data = committed("kl-gaussian")
    number, replay = replayed_step(data, "the density g")
    assert replay["type"] == "DensityDefinition"
    edited, found = replace_first(replay["density"]["expr"], ["Str", "Sigma_1"], ["Str", "Sigma_0"])
    assert found
    replay["density"]["expr"] = edited
    (problem,) = replay_problems(data, number)
    assert problem.startswith("replaying its rule gives")


def test_an_expectation_replayed_under_another_law_is_a_problem(verifier):
    """init-variance: the weights' law edited in the recorded model (uniform on (-c, 1), not (-c, c))."""
    data = only_chains(transcript(), "Mean of a weight (and of a bias, by H2)")
    number, replay = replayed_step(data, "expectation from the density")
    assert replay["type"] == "ExpectationFromDensity" and check(verifier, data).passed
    law = replay["model"]["families"][0]["law"]["law"]
    assert law["name"] == "A"
    law["parameters"][1] = ["Integer", "1"]
    report = check(verifier, data)
    step = report.steps[number]
    assert step.outcome == RE_VERIFIED and not step.passed and not report.passed
    assert any(problem.startswith("replaying its rule gives") for problem in step.problems)


def test_a_variance_rule_replayed_for_another_family_is_a_problem():
    """init-variance: 'variance of a centred product' recorded for the biases b, not the weights A: it refuses."""
    data = only_chains(transcript(), "The variance of layer $l$")
    number, replay = replayed_step(data, "variance of a centred product")
    assert replay["type"] == "VarianceOfCentredProduct" and _survey(data)["problems"] == {}
    replay["centred"] = ["IndexedBase", {}, ["Symbol", "b", {}]]
    (problem,) = replay_problems(data, number)
    assert problem.startswith("replaying its rule: ") and "is not independent of" in problem


# ---------------------------------------------------------------- the induction step


def induction_step(data: dict) -> int:
    return step_numbered(data, "unroll the linear recurrence")


def test_induction_with_a_forged_recurrence_is_not_re_verified(verifier):
    data = induction_chains()
    assert check(verifier, data).passed
    number = induction_step(data)
    data["steps"][number]["verification"]["evidence"]["recurrence"]["ratio"] = ["Rational", "1", "2"]
    step = check(verifier, data).steps[number]
    assert step.outcome == UNKNOWN and "Induction not re-verified" in step.reason
    assert "the inductive step assumes recurrence" in step.reason


def test_induction_rests_on_its_chains_as_re_judged(verifier):
    data = induction_chains()
    base = step_numbered(data, "empty sum")
    data["steps"][base]["after"] = ["Integer", "0"]  # the base case now "shows" C(0) = 0
    relatex(data, base)
    report = check(verifier, data)
    assert report.steps[base].outcome != RE_VERIFIED
    induction = report.steps[induction_step(data)]
    assert induction.outcome == UNKNOWN and f"step {base + 1}, which did not re-verify" in induction.reason


def test_induction_without_evidence_is_not_silently_passed(verifier):
    data = induction_chains()
    number = induction_step(data)
    data["steps"][number]["verification"]["evidence"] = None
    step = check(verifier, data).steps[number]
    assert step.outcome != RE_VERIFIED and not step.passed  # the judge alone cannot see an induction


# ---------------------------------------------------------------- the other custom verifiers


def committed(name: str) -> dict:
    return json.loads((ROOT / "derivations" / f"{name}.json").read_text(encoding="utf-8"))


def evidence_of(data: dict, rule: str) -> dict:
    return data["steps"][step_numbered(data, rule)]["verification"]["evidence"]


def test_every_custom_verifier_is_re_run_from_its_evidence(committed_reports):
    re_checked = {step["reason"].removesuffix(" re-checked") for report in committed_reports.values()
                  for step in report["steps"] if step["reason"].endswith(" re-checked")}
    assert re_checked == set(EVIDENCE)


def test_every_evidence_reads_back_and_gives_its_recorded_verification(derived):
    """In-process, what verify does in its workers: each evidence decoded from the JSON and run again."""
    for name, derivation in derived.items():
        data = json.loads(derivation_to_json(derivation))
        rebuilt = _Rebuilt(data)
        for number, step in enumerate(data["steps"]):
            if step["verification"]["evidence"] is None:
                continue
            verification = rebuilt.evidence(number)(*rebuilt.sides(number))
            recorded = step["verification"]
            assert (verification.status.value, verification.method, verification.detail,
                    list(verification.premises)) == (recorded["status"], recorded["method"], recorded["detail"],
                                                     recorded["premises"]), (name, step["rule"])


def nonnegativity() -> dict:
    return only_chains(committed("kl-nonnegative"), "Nonnegativity")


def test_a_theorem_application_may_not_cite_what_it_must_check(verifier):
    data = nonnegativity()
    assert check(verifier, data).passed
    evidence_of(data, "Jensen's inequality")["cited"].append(["convex", "H1"])
    step = check(verifier, data).steps[step_numbered(data, "Jensen's inequality")]
    assert step.outcome == UNKNOWN and "'convex' must be checked, not cited" in step.reason


def test_a_theorem_application_re_runs_its_checks(verifier):
    data = nonnegativity()
    domain = evidence_of(data, "Jensen's inequality")["domain"]
    assert domain == [["StrictGreaterThan", ["Symbol", "t", {"real": True}], ["Integer", "0"]]]
    domain[0][2] = ["Integer", "1"]  # -log is convex there too, but g/f > 1 is not known on supp f
    step = check(verifier, data).steps[step_numbered(data, "Jensen's inequality")]
    assert step.outcome == UNKNOWN and "hypotheses not discharged: values in the domain" in step.reason


def test_a_pointwise_step_rests_on_the_positivity_it_states(verifier):
    data = nonnegativity()
    evidence = evidence_of(data, "logarithm of a reciprocal ratio")
    evidence["positive"] = evidence["positive"][:1]  # only f positive: log(f/g) = -log(g/f) needs g > 0 as well
    step = check(verifier, data).steps[step_numbered(data, "logarithm of a reciprocal ratio")]
    assert step.outcome == UNKNOWN and "PointwiseOnRegion not re-verified" in step.reason


def test_what_the_evidence_states_is_listed_among_the_premises(committed_reports):
    premises = committed_reports["kl-nonnegative.json"]["premises"]
    assert "H2: f, g positive on the region of integration (in the evidence of step 2)" in premises
    assert "H1, H3: integrable, for f(alpha) on supp f (a hypothesis of Jensen's inequality) (in the evidence of " \
           "step 3)" in premises
    assert "H1, H2: positive mass, for g(alpha) (a hypothesis of mass on a subset) (in the evidence of step 5)" \
        in premises
    additive = committed_reports["kl-additive.json"]["premises"]
    assert any(p.startswith("checked with the marginals (f_j, g_j) = (N(0, 1**2), N(1, 2**2))") for p in additive)


def lemma_and_divergence() -> dict:
    return only_chains(committed("kl-gaussian"), "Lemma (expected quadratic form)", "The divergence")


def test_a_lemma_is_used_only_for_its_generic_constants(verifier):
    data = lemma_and_divergence()
    evidence = evidence_of(data, "lemma: expected quadratic form")
    substitution = evidence["substitutions"][0][0]
    assert substitution[0][:2] == ["MatrixSymbol", ["Str", "M"]]
    substitution[0][1] = ["Str", "Sigma_0"]  # a declared matrix, not a generic constant
    step = check(verifier, data).steps[step_numbered(data, "lemma: expected quadratic form")]
    assert step.outcome == UNKNOWN and "is not a generic constant of the lemma" in step.reason


def test_a_lemma_step_rests_on_the_lemma_as_re_judged(verifier):
    data = lemma_and_divergence()
    number = step_numbered(data, "second moment of a random vector")
    after, found = replace_first(data["steps"][number]["after"], ["Str", "mu_0"], ["Str", "mu_1"])
    assert found
    data["steps"][number]["after"] = after
    relatex(data, number)
    report = check(verifier, data)
    assert report.steps[number].outcome != RE_VERIFIED
    use = report.steps[step_numbered(data, "lemma: expected quadratic form")]
    assert use.outcome == UNKNOWN and f"step {number + 1}, which did not re-verify" in use.reason


def test_evidence_must_be_checked_in_its_chains_context(verifier):
    data = committed("kl-gaussian")
    evidence = evidence_of(data, "lemma: expected quadratic form")
    other = next(i for i in range(len(data["contexts"])) if {"context": i} != evidence["context"])
    evidence["context"] = {"context": other}
    report = check(verifier, data)
    number = step_numbered(data, "lemma: expected quadratic form")
    assert "its evidence was checked in another context than its chain's" in report.steps[number].problems
    assert not report.passed


def test_instances_need_a_size(verifier):
    data = committed("kl-additive")
    evidence_of(data, "marginalisation")["sizes"] = []
    step = check(verifier, data).steps[step_numbered(data, "marginalisation")]
    assert step.outcome == UNKNOWN and "no dimension to check at" in step.reason


def _result(data: dict, tree: list) -> None:
    data["result"] = {"tree": tree, "latex": to_latex(Decoder().decode(tree)), "srepr": ""}


def test_a_result_may_be_the_relation_its_chain_shows(verifier):
    data = committed("kl-nonnegative")
    assert data["result"]["tree"][0] == "GreaterThan"
    start, end = data["chains"][0]["start"], data["steps"][step_numbered(data, "logarithm of one")]["after"]
    assert data["result"]["tree"][1:] == [start, end] and check(verifier, data).passed
    for forged in (["LessThan", start, end], ["Equality", start, end], ["StrictGreaterThan", start, end],
                   ["GreaterThan", start, ["Integer", "1"]]):
        _result(data, forged)
        report = check(verifier, data)
        assert report.problems == ("the result is not the end of any chain, nor the relation a chain shows",), forged


@pytest.mark.parametrize(
    "relations, shown",
    [([], "="), (["=", "="], "="), (["=", ">=", "="], ">="), ([">=", ">"], ">"), (["<", "="], "<"),
     ([">=", "<="], None), (["<=", ">"], None)],
)
def test_the_relation_a_chain_shows(relations, shown):
    assert chained_relation(relations) == shown


def test_a_chain_without_a_context_is_not_re_judgeable(verifier):
    data = only_chains(transcript(), "Layer $l$ is centred")
    data["chains"][0]["context"] = None
    report = check(verifier, data)
    assert all(s.outcome == UNKNOWN and s.reason.startswith("not re-judgeable") for s in report.steps)


# ---------------------------------------------------------------- the density and KL transcripts: edited or forged

N = ["Symbol", "n", {"integer": True, "positive": True}]
B = ["MatrixSymbol", ["Str", "b"], N, ["Integer", "1"]]
COROLLARY = "Corollary: a diagonal Gaussian against $N(0, I)$"

EDITED_AFTER = {  # transcript: (chains kept, the edited step's rule, a subtree of its `after`, replaced by)
    "affine-gaussian": (("The density of $X$",), "change of variables",
                        ["MatMul", ["Integer", "-1"], B], ["MatMul", ["Integer", "-2"], B]),  # x - 2b for x - b
    "kl-nonnegative": (("Nonnegativity",), "Jensen's inequality", ["Integer", "-1"], ["Integer", "1"]),  # log for -log
    "kl-additive": (("Additivity",), "marginalisation", ["Integer", "1"], ["Integer", "2"]),  # the sum from i = 2
    "kl-gaussian": (("Lemma (expected quadratic form)", "The divergence"), "lemma: expected quadratic form",
                    ["Rational", "1", "2"], ["Rational", "1", "3"]),
}


@pytest.mark.parametrize("name", sorted(EDITED_AFTER))
def test_an_edited_step_of_a_density_transcript_fails_the_command(name, tmp_path):
    """One ``after`` tree of a step checked by re-run evidence edited, nothing else: exit 1, that step failed."""
    headings, rule, old, new = EDITED_AFTER[name]
    data = only_chains(committed(name), *headings)
    number = step_numbered(data, rule)
    assert data["steps"][number]["verification"]["evidence"] is not None
    after, found = replace_first(data["steps"][number]["after"], old, new)
    assert found
    data["steps"][number]["after"] = after
    done = run("verify", save(tmp_path, data), "--format", "json")
    assert done.returncode == 1, done.stdout + done.stderr
    (report,) = json.loads(done.stdout)["transcripts"]
    edited = report["steps"][number]
    assert edited["outcome"] == UNKNOWN and "not re-verified" in edited["reason"], edited
    assert all(step["passed"] for step in report["steps"][:number])


def test_evidence_of_a_bound_does_not_show_an_equality(verifier):
    data = nonnegativity()
    number = step_numbered(data, "Jensen's inequality")
    data["steps"][number]["relation"] = "="
    relatex(data, number)
    step = check(verifier, data).steps[number]
    assert step.outcome == UNKNOWN and "its evidence shows before >= after, not before = after" in step.reason


def test_bounds_forged_into_equalities_do_not_make_kl_zero(verifier):
    data = nonnegativity()
    bounds = [step_numbered(data, rule) for rule in ("Jensen's inequality", "mass on a subset")]
    for number in bounds:
        data["steps"][number]["relation"] = "="
        relatex(data, number)
    _result(data, ["Equality", data["chains"][0]["start"], data["steps"][-1]["after"]])  # "KL(f, g) = -log 1"
    report = check(verifier, data)
    assert not report.passed and [report.steps[n].outcome for n in bounds] == [UNKNOWN, UNKNOWN]


def test_a_chain_of_bounds_is_not_a_lemma(verifier):
    data = lemma_and_divergence()
    number = step_numbered(data, "a 1x1 matrix is its trace")
    data["steps"][number]["relation"] = ">="  # true as a bound, but the lemma is then no rewrite
    relatex(data, number)
    report = check(verifier, data)
    use = report.steps[step_numbered(data, "lemma: expected quadratic form")]
    # The judge decides no bound between matrices, so the step fails first; a lemma whose bound did
    # re-verify is refused as no chain of equalities (tests/test_kl_rules.py).
    assert use.outcome == UNKNOWN and f"step {number + 1}, which did not re-verify" in use.reason


def test_a_lemma_whose_steps_do_not_join_up_is_not_used(verifier):
    data = lemma_and_divergence()
    number = step_numbered(data, "expectation of a transpose")
    data["steps"][number]["before"] = data["steps"][number]["after"]  # a true a = a, cut off from its chain
    relatex(data, number)
    report = check(verifier, data)
    use = report.steps[step_numbered(data, "lemma: expected quadratic form")]
    assert use.outcome == UNKNOWN and f"step {number + 1}, which is inconsistent" in use.reason


def test_induction_on_a_bound_is_not_re_verified(verifier):
    data = induction_chains()
    base = step_numbered(data, "empty sum")
    data["steps"][base]["relation"] = ">="
    relatex(data, base)
    report = check(verifier, data)
    induction = report.steps[induction_step(data)]
    assert report.steps[base].outcome == RE_VERIFIED  # true as a bound: an equality is one
    assert induction.outcome == UNKNOWN and "an induction chain is not a chain of equalities" in induction.reason


def affine_density() -> dict:
    return only_chains(committed("affine-gaussian"), "The density of $X$")


@pytest.mark.parametrize(
    "field, value, reason",
    [
        ("b", ["MatrixSymbol", ["Str", "c"], N, ["Integer", "1"]], "the step is not the conclusion of"),
        ("A", ["MatrixSymbol", ["Str", "Sigma"], N, N], "Sigma is not declared invertible"),
        ("target", ["UndefinedFunction", "p_Z", {}, ["MatrixSymbol", ["Str", "x"], N, ["Integer", "1"]]],
         "the step is not the conclusion of"),
    ],
)
def test_a_theorem_application_about_another_expression_is_rejected(verifier, field, value, reason):
    data = affine_density()
    assert check(verifier, data).passed
    evidence_of(data, "change of variables")[field] = value
    step = check(verifier, data).steps[step_numbered(data, "change of variables")]
    assert step.outcome == UNKNOWN and reason in step.reason, step.reason


def test_the_affine_change_of_variables_states_what_it_rests_on(committed_reports):
    assert "D1: p_X is the density of X = A*Y + b, where Y has the density p_Y (in the evidence of step 1)" \
        in committed_reports["affine-gaussian.json"]["premises"]


def additivity() -> dict:
    return only_chains(committed("kl-additive"), "Additivity")


def _double(density: dict) -> None:
    density["expr"] = ["Mul", ["Integer", "2"], density["expr"]]


@pytest.mark.parametrize(
    "edit, reason",
    [
        (lambda e: _double(e["instances"]["families"][0][0]), "N(0, 1**2) has total mass 2, not 1"),
        (lambda e: e["instances"]["families"][0].__setitem__(1, copy.deepcopy(e["instances"]["families"][1][1])),
         "the support of N(0, 1**2) is not inside that of Exp(3)"),
        (lambda e: e["instances"]["families"][1][0].update(
            expr=["Mul", ["Integer", "-1"], e["instances"]["families"][1][0]["expr"]]), "Exp(2) is not shown nonnegative"),
        (lambda e: e["instances"].update(d=["Symbol", "e", {"integer": True, "positive": True}]), "in dimension e"),
    ],
    ids=["mass", "support", "sign", "dimension"],
)
def test_product_instances_must_be_densities_of_the_steps_functions(verifier, edit, reason):
    data = additivity()
    number = step_numbered(data, "marginalisation")
    edit(evidence_of(data, "marginalisation"))
    step = check(verifier, data).steps[number]
    assert step.outcome == UNKNOWN and reason in step.reason, step.reason


def test_explicit_matrices_must_be_the_steps(verifier):
    data = only_chains(committed("kl-gaussian"), COROLLARY)
    assert check(verifier, data).passed
    evidence_of(data, "in coordinates")["matrices"][0]["symbol"][1] = ["Str", "Sigma_1"]  # not in the step (= I there)
    step = check(verifier, data).steps[step_numbered(data, "in coordinates")]
    assert step.outcome == UNKNOWN and "the step is not about Sigma_1" in step.reason, step.reason


# ---------------------------------------------------------------- statuses


def _answer(status: str) -> dict:
    return {"outcome": "verified", "reason": "",
            "verification": {"status": status, "method": "m", "detail": "", "premises": []}}


@pytest.mark.parametrize(
    "recorded, found, outcome",
    [
        ("proved", "proved", RE_VERIFIED),
        ("tested-numerically", "proved", RE_VERIFIED),
        ("proved", "proved-on-instances", WEAKER),
        ("proved-on-instances", "tested-numerically", WEAKER),
    ],
)
def test_a_weaker_status_than_recorded_fails(recorded, found, outcome):
    data = {"steps": [{"chain": 0, "rule": "r", "verification": {"status": recorded, "method": "m"}}],
            "chains": [{"heading": "h"}]}
    report = _report(0, data, _answer(found), [])
    assert report.outcome == outcome and report.passed is (outcome == RE_VERIFIED)
    assert (report.recorded_status, report.status) == (recorded, found)


def test_refuted_and_unknown_fail():
    data = {"steps": [{"chain": 0, "rule": "r", "verification": {"status": "proved", "method": "m"}}],
            "chains": [{"heading": "h"}]}
    refuted = _report(0, data, {"outcome": "refuted", "reason": "differ", "counterexample": {"a": "1"}}, [])
    unknown = _report(0, data, {"outcome": "unknown", "reason": "time limit"}, [])
    assert (refuted.outcome, refuted.passed, refuted.counterexample) == (REFUTED, False, {"a": "1"})
    assert (unknown.outcome, unknown.passed) == (UNKNOWN, False)


# ---------------------------------------------------------------- hostile input: exit 2, a message, no traceback


def hostile(edit) -> bytes:
    data = transcript()
    edit(data)
    return json.dumps(data).encode()


def nested_tree(depth: int) -> list:
    tree: list = ["Symbol", "x", {}]
    for _ in range(depth):
        tree = ["Mul", tree, ["Integer", "2"]]
    return tree


def _law(data: dict) -> dict:
    return data["contexts"][0]["random_model"]["families"][0]["law"]["law"]


HOSTILE = {
    "not json": (b"{\"name\": ", "not valid JSON"),
    "not utf-8": (b"\xff\xfe", "not UTF-8"),
    "a list": (b"[]", "expected an object"),
    "deep json": (b"[" * 100_000 + b"]" * 100_000, "JSON"),
    "huge json number": (b'{"name": ' + b"9" * 5000 + b"}", "not valid JSON"),
    "nan": (b'{"x": NaN}', "not valid JSON"),
    "old format": (b'{"name": "x", "steps": []}', "older symderive"),
    "missing key": (hostile(lambda d: d.pop("result")), "missing key 'result'"),
    "unknown key": (hostile(lambda d: d["steps"][0].update(extra=1)), "unknown key 'extra'"),
    "steps not a list": (hostile(lambda d: d.update(steps={})), "$.steps: expected a list"),
    "bad status": (hostile(lambda d: d["steps"][0]["verification"].update(status="divine")), "is not a status"),
    "bad chain index": (hostile(lambda d: d["steps"][0].update(chain=99)), "expected an index below"),
    "unknown class": (hostile(lambda d: d["steps"][0].update(after=["Eval", ["Str", "1"]])),
                      "class 'Eval' at $ is not on the allow-list"),
    "huge literal": (hostile(lambda d: d["steps"][0].update(after=["Integer", "9" * 30_000])),
                     "integer literal of at most"),
    "deep tree": (hostile(lambda d: d["steps"][0].update(after=nested_tree(500))), "nested deeper"),
    "wrong tree type": (hostile(lambda d: d["steps"][0].update(after={"Integer": 1})), "expected a node"),
    "unknown evidence": (hostile(lambda d: d["steps"][0]["verification"].update(evidence={"type": "os.system"})),
                         "expected null or one of"),
    "unknown replayed rule": (hostile(lambda d: d["steps"][0].update(replay={"type": "Rule", "name": "x"})),
                              "replay: expected null or one of"),
    "context field type": (hostile(lambda d: d["contexts"][0].update(seed="1")), "seed: expected an integer"),
    "huge context int": (hostile(lambda d: d["contexts"][0].update(seed=2**80)), "seed: expected an integer"),
    "context unknown key": (hostile(lambda d: d["contexts"][0].update(hook="x")), "unknown key 'hook'"),
    "context wrong dataclass": (hostile(lambda d: d["contexts"][0].update(type="RandomModel")), "expected type 'Context'"),
    "law not allowed": (hostile(lambda d: _law(d).update(distribution="FiniteDistributionHandmade")),
                        "is not on the allow-list"),
    "law refused by sympy.stats": (hostile(lambda d: _law(d).update(parameters=[["Integer", "1"], ["Integer", "0"]])),
                                   "invalid UniformDistribution law"),
    "convention": (hostile(lambda d: d["contexts"][0].update(convention="lenient")), "expected one of"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_input_exits_2_with_a_message(case, tmp_path, capsys):
    raw, message = HOSTILE[case]
    path = tmp_path / "hostile.json"
    path.write_bytes(raw)
    assert cli.main(["verify", str(path)]) == 2
    captured = capsys.readouterr()
    assert message in captured.err, captured.err
    assert captured.err.startswith("symderive: error: ") and "Traceback" not in captured.err
    assert captured.out == ""


def test_hostile_input_through_the_real_command(tmp_path):
    path = tmp_path / "hostile.json"
    path.write_bytes(HOSTILE["unknown class"][0])
    readable = save(tmp_path, only_chains(transcript(), "Base case"), "readable.json")
    done = run("verify", str(path), readable)
    assert done.returncode == 2  # one unreadable file: usage/input error, the other is still reported
    assert "not on the allow-list" in done.stderr and "Traceback" not in done.stderr
    assert "init-variance: 1 steps (1 re-verified)" in done.stdout


def test_a_file_too_large_or_missing_exits_2(tmp_path, monkeypatch, capsys):
    from symderive import verify

    monkeypatch.setattr(verify, "MAX_FILE_BYTES", 1000)
    assert cli.main(["verify", str(INIT_VARIANCE)]) == 2
    assert "larger than" in capsys.readouterr().err
    assert cli.main(["verify", str(tmp_path / "absent.json")]) == 2
    assert "cannot read" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args, message",
    [
        (("verify",), "required"),
        (("verify", "x.json", "--jobs", "0"), "--jobs must be at least 1"),
        (("verify", "x.json", "--seconds", "0"), "--seconds must be above 0"),
        (("verify", "x.json", "--format", "xml"), "invalid choice"),
    ],
)
def test_verify_usage_errors(args, message, capsys):
    try:
        status = cli.main(list(args))
    except SystemExit as exit_:  # argparse's own errors
        status = exit_.code
    captured = capsys.readouterr()
    assert status == 2 and message in captured.err
    assert "Traceback" not in captured.err and captured.out == ""


def test_parse_transcript_accepts_what_derive_writes():
    data = parse_transcript(INIT_VARIANCE.read_bytes())
    assert data["name"] == "init-variance"
    with pytest.raises(TranscriptError):
        parse_transcript(b'{"format": "symderive-transcript/0"}')


# ---------------------------------------------------------------- the contexts round-trip


def _contexts(derivation) -> list[Context]:
    found: list[Context] = []
    for chain in derivation.chains:
        if chain.context is not None and not any(chain.context is c for c in found):
            found.append(chain.context)
    return found


@pytest.fixture(scope="module")
def derived(init_variance) -> dict:
    return {name: init_variance if name == "init-variance" else results.derive(name) for name in results.names()}


def _round_trip(context: Context) -> Context:
    return decode_value(json.loads(dumps(encode_value(context, Context, Encoder()))), Context, Decoder())


@pytest.mark.parametrize("name", [p.stem for p in COMMITTED])
def test_contexts_round_trip_to_equal_contexts_and_equal_verdicts(name, derived):
    """Every step judged again in the read-back context gets the verification it was recorded with."""
    derivation = derived[name]
    contexts = _contexts(derivation)
    assert contexts
    read_back = {id(context): _round_trip(context) for context in contexts}
    for context in contexts:
        assert read_back[id(context)] == context
    for chain in derivation.chains:
        rebuilt = judging_context(read_back[id(chain.context)], chain.hypotheses)
        for step in chain.steps:
            if step.verification.evidence is not None:
                continue  # a custom verifier's step: the judge alone is not its verifier
            verdict = judge(step.before, step.after, rebuilt, step.relation)
            assert verdict.verification == step.verification, step.rule


def test_the_judge_sees_the_rebuilt_law(derived):
    """The rebuilt law is the same sympy.stats law: the judge gets the same moments from it."""
    context = _contexts(derived["init-variance"])[0]
    law, rebuilt = context.random_model.families[0].law, _round_trip(context).random_model.families[0].law
    assert rebuilt == law and rebuilt.pspace.distribution == law.pspace.distribution


# ---------------------------------------------------------------- what the steps rest on is shown


def test_the_report_lists_the_stated_premises(committed_reports):
    premises = committed_reports[INIT_VARIANCE.name]["premises"]
    assert premises[0].startswith("D1: y[l, i] := ")
    assert any(p.startswith("H2: A[m, r, c] with m = l has law UniformDistribution") for p in premises)
    assert any(p.startswith("H1 (in chain \"The homework's case") and p.endswith("only): v[0] = 1") for p in premises)


def test_a_forged_premise_makes_a_false_step_pass_only_in_plain_sight(verifier):
    """A transcript may state what it likes; verify re-judges *from* it, and shows it."""
    data = only_chains(transcript(), "Base case")
    number = step_numbered(data, "empty sum")
    v0 = data["steps"][number]["after"]
    data["steps"][number]["after"] = ["Integer", "7"]
    relatex(data, number)
    data["result"] = {"tree": ["Integer", "7"], "latex": "7", "srepr": ""}
    assert not check(verifier, data).passed
    data["chains"][0]["hypotheses"] = [{"label": "forged", "target": v0, "value": ["Integer", "7"]}]
    report = check(verifier, data)
    assert report.passed and report.steps[number].premises == ("forged",)
    assert any(p.startswith("forged (in chain 'Base case' only): ") for p in report.premises)


def test_a_transcript_without_steps_does_not_pass(verifier):
    data = only_chains(transcript(), "Base case")
    data["result"] = {"tree": data["chains"][0]["start"], "latex": data["steps"][0]["latex"].split(" = ")[0],
                      "srepr": ""}
    data["steps"] = []
    report = check(verifier, data)
    assert not report.passed and "no steps: nothing is derived" in report.problems
