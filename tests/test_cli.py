"""The command line: outputs, exit codes 0 / 1 / 2, messages on stderr, no tracebacks."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT
from symderive import cli
from symderive.calc import VerificationFailed


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "symderive.cli", *args], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


def test_help_and_list():
    assert run("--help").returncode == 0
    listing = run("list")
    assert listing.returncode == 0 and listing.stdout.startswith("init-variance\t")


def test_derive_all_reproduces_the_committed_transcripts(tmp_path):
    done = run("derive", "--all", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    written = sorted(p.name for p in tmp_path.iterdir())
    committed = sorted(p.name for p in (ROOT / "derivations").glob("*.tex")) + sorted(
        p.name for p in (ROOT / "derivations").glob("*.json"))
    assert written == sorted(committed) and any(name.endswith(".json") for name in written)
    for name in written:
        assert (tmp_path / name).read_text() == (ROOT / "derivations" / name).read_text(), name


def test_derive_all_json_writes_exactly_the_committed_json(tmp_path):
    done = run("derive", "--all", "--format", "json", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    committed = sorted((ROOT / "derivations").glob("*.json"))
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in committed]
    for path in committed:
        assert (tmp_path / path.name).read_text() == path.read_text(), path.name


def test_json_to_stdout_has_the_documented_shape():
    done = run("derive", "init-variance", "--format", "json", "--out", "-")
    assert done.returncode == 0
    data = json.loads(done.stdout)
    assert done.stdout == (ROOT / "derivations" / "init-variance.json").read_text()
    assert set(data) == {"name", "title", "assumptions", "steps", "result", "format", "contexts", "chains"}
    assert set(data["result"]) == {"latex", "srepr", "tree"}
    step = data["steps"][0]
    assert set(step) == {"latex", "relation", "rule", "justification", "verification", "part", "chain", "before",
                         "after", "replay"}
    assert set(step["verification"]) == {"status", "method", "detail", "premises", "evidence"}


@pytest.mark.parametrize(
    "args, message",
    [
        ((), "required"),
        (("derive",), "name at least one result"),
        (("derive", "no-such-result"), "unknown result 'no-such-result'"),
        (("derive", "--all", "init-variance"), "not both"),
        (("derive", "--all", "--format", "pdf"), "invalid choice"),
        (("crosscheck", "init-variance", "--reinitialisations", "2", "--inputs", "1"), "at least 30"),
        (("crosscheck", "init-variance", "--format", "json"), "cnn-jacobian only"),
        (("frobnicate",), "invalid choice"),
    ],
)
def test_usage_errors_exit_2_with_a_message_on_stderr(args, message):
    done = run(*args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_unwritable_output_exits_2(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    done = run("derive", "--all", "--out", str(blocker / "sub"))
    assert done.returncode == 2 and "cannot write" in done.stderr


def test_a_failed_verification_exits_1(monkeypatch, capsys):
    def refuted(name):
        raise VerificationFailed("step 'x' is refuted: the two sides differ by 1 at a = 0")

    monkeypatch.setattr(cli.results, "derive", refuted)
    assert cli.main(["derive", "init-variance", "--out", "-"]) == 1
    assert "verification failed" in capsys.readouterr().err


def test_internal_errors_are_one_line(monkeypatch, capsys):
    def broken(name):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(cli.results, "derive", broken)
    monkeypatch.delenv("SYMDERIVE_DEBUG", raising=False)
    assert cli.main(["derive", "init-variance", "--out", "-"]) == 2
    err = capsys.readouterr().err
    assert "internal error" in err and "Traceback" not in err


def test_crosscheck_without_torch_exits_2_with_the_install_hint(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError
    assert cli.main(["crosscheck", "init-variance", "--reinitialisations", "30"]) == 2
    assert "pip install 'symderive[torch]'" in capsys.readouterr().err


def _broken_derivation():
    """A derivation whose second step applies a rule that does not apply (no sum to collapse)."""
    from sympy import Symbol

    from symderive.calc import Calc
    from symderive.judge import Context
    from symderive.rules import Rule
    from symderive.rules.algebra import empty_sum

    x = Symbol("x")
    chain = Calc("Squaring $x + 1$", (x + 1) ** 2, Context())
    chain.by(Rule("expand", "Multiply out.", lambda e: e.expand()))
    chain.by(empty_sum)
    raise AssertionError("unreachable: the rule must not apply")


def test_a_rule_that_does_not_apply_is_a_failed_derivation_naming_chain_and_rule(monkeypatch, capsys):
    monkeypatch.setitem(cli.results.REGISTRY, "broken", ("Broken", _broken_derivation))
    monkeypatch.delenv("SYMDERIVE_DEBUG", raising=False)
    assert cli.main(["derive", "broken", "--out", "-"]) == 1
    err = capsys.readouterr().err
    assert "derivation failed: Squaring $x + 1$: rule 'empty sum' does not apply" in err
    assert "internal error" not in err and "Traceback" not in err


def test_a_rule_failure_carries_its_chain_and_rule():
    from symderive.calc import RuleDidNotApply

    with pytest.raises(RuleDidNotApply) as raised:
        _broken_derivation()
    assert (raised.value.heading, raised.value.rule) == ("Squaring $x + 1$", "empty sum")
    assert isinstance(raised.value, VerificationFailed)


def test_an_inconclusive_crosscheck_exits_2_with_the_sample_size_needed(monkeypatch, capsys):
    from sympy import Rational

    from symderive.crosscheck import init_variance as crosscheck

    pytest.importorskip("torch", reason="the command checks for torch before running")
    blurry = crosscheck.Comparison((5, 3), Rational(2, 5), 0.39, 0.05, 100, True, 1.0, Rational(1, 3))
    monkeypatch.setattr(crosscheck, "run", lambda *args: [blurry])
    assert cli.main(["crosscheck", "init-variance", "--reinitialisations", "100"]) == 2
    err = capsys.readouterr().err
    assert "too small to tell the formula from the one without the bias term" in err
    assert f"--reinitialisations {blurry.reinitialisations_needed} or more" in err
