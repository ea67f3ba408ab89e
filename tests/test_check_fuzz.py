"""Fuzz: malformed and adversarial documents never produce a traceback or run past their limit.

The CI run draws 2,000+ documents (most fail fast: unbalanced braces, unknown macros, broken
directives) with a short per-relation limit; ``-m fuzz_long`` runs many more with longer inputs.
Each document goes through the same path as the command (reading, directives, bounded judging,
both report formats); a sample also goes through ``symderive check`` itself for the exit code.
"""
from __future__ import annotations

import contextlib
import io
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symderive import cli
from symderive.check import VERDICTS, Settings, check_document, report_json, report_text
from symderive.latex_in.document import parse_document
from symderive.latex_in.notation import warm_up_parser


@pytest.fixture(autouse=True, scope="module")
def cache_in_a_temporary_directory(tmp_path_factory):
    """The command caches verdicts by default: not in the home directory of whoever runs the tests."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SYMDERIVE_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield


LIMIT = 0.2  # seconds per relation in CI
SLACK = 3.0  # fork and bookkeeping per document, far above what is needed

FRAGMENTS = [
    "$$", "$", r"\[", r"\]", r"\begin{aligned}", r"\end{aligned}", r"\begin{align}", r"\end{align}", "&=", "&",
    r"\\", "=", "<", r"\geq", r"\le", ":=", r"\sim", ",", r"\quad", ".", "{", "}", "(", ")", "[", "]", "|",
    "x", "y_1", "n_{L-1}", r"\alpha", r"\Sigma", "2", "0", "1e-40", "+", "-", "/", "^", "_", "'", "!",
    r"\frac", r"\frac12", r"\sqrt", r"\sum_{k=0}^{10^{9}}", r"\prod_{k=1}^{10^{7}} k", "10^{10^{10}}",
    r"\unknownmacro", r"\foo{", r"\text{fan_in}", r"\text{Var}(", r"\mathbb{E}[", r"\operatorname{tr}(",
    r"\det", r"\left(", r"\right)", r"\{", r"\}", r"\gcd(a,b)", r"\Gamma(5)", "1000000!", r"\binom{1000000}{500000}",
    r"\partial", r"\int", r"\cdots", r"\variable{op0}", "%", "\n", "\n\n", " ", "`", "<!--", "-->",
    "<!-- symderive: matrix A : n x n -->", "<!-- symderive: random a ~ U(-c, c) -->",
    "<!-- symderive: define f(z) = z^2 -->", "<!-- symderive: scalar n_k : positive -->",
    "<!-- symderive: bogus -->", "<!-- symderive: read E as expectation -->", "A^T", "A^{-1}", r"\sigma(z+1)",
]


def nested(depth: int) -> str:
    return "$$" + "(" * depth + "x" + ")" * depth + " = x$$"


ATOMS = ["x", "y", "n_k", r"\alpha", "2", "0", r"\frac12", "1e-40", r"\pi", "e", "10^{10^{10}}", r"\Gamma(5)"]
expressions = st.recursive(
    st.sampled_from(ATOMS),
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda p: f"{p[0]} + {p[1]}"),
        st.tuples(inner, inner).map(lambda p: f"{p[0]} {p[1]}"),
        st.tuples(inner, inner).map(lambda p: rf"\frac{{{p[0]}}}{{{p[1]}}}"),
        st.tuples(inner, inner).map(lambda p: f"({p[0]})^{{{p[1]}}}"),
        inner.map(lambda e: rf"\sqrt{{{e}}}"),
        inner.map(lambda e: rf"\log({e})"),
        inner.map(lambda e: rf"\text{{Var}}({e})"),
        inner.map(lambda e: f"|{e}|"),
        inner.map(lambda e: rf"\sum_{{k=0}}^{{N}} {e}"),
        inner.map(lambda e: f"-({e})"),
    ),
    max_leaves=4,
)
relations = st.tuples(expressions, st.sampled_from(["=", "<", r"\geq", "="]), expressions).map(
    lambda r: f"$${r[0]} {r[1]} {r[2]}$$")

fragments = st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join)
displays = st.lists(st.sampled_from(FRAGMENTS), max_size=12).map(lambda parts: "$$" + " ".join(parts) + "$$")
garbage = st.text(max_size=200)
two_sides = st.builds(lambda a, b: f"$${a} = {b}$$", st.text(max_size=30), st.text(max_size=30))
# Mostly inputs that fail fast; one in ten a well-formed relation the judge works on.
documents = st.one_of(relations, st.integers(min_value=1, max_value=400).map(nested),
                      fragments, displays, garbage, two_sides, fragments, displays, garbage, two_sides)


def check_one(text: str) -> None:
    warm_up_parser()  # once per process, before the clock starts: it is not part of any relation
    started = time.monotonic()
    document = parse_document(text, "fuzz.md")
    report = check_document(document, Settings(timeout=LIMIT))
    elapsed = time.monotonic() - started
    assert all(entry.verdict in VERDICTS for entry in report.entries)
    assert report_json([report]) and report_text([report])
    # The limit holds: every relation and directive is cut off after LIMIT seconds.
    assert elapsed <= len(document.items) * (LIMIT + 0.5) + SLACK


@settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
          database=None)
@given(documents)
def test_adversarial_documents_get_verdicts_in_bounded_time(text):
    check_one(text)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
          database=None)
@given(documents)
def test_the_command_exits_with_0_1_or_2_and_no_traceback(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("fuzz") / "input.md"
    path.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(["check", str(path), "--timeout", str(LIMIT)])
    assert status in (0, 1, 2)
    assert "Traceback" not in out.getvalue() + err.getvalue()


def test_a_huge_file_is_refused_quickly(tmp_path):
    path = tmp_path / "huge.md"
    path.write_text("$$x = x$$\n" * 200_000, encoding="utf-8")
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        assert cli.main(["check", str(path)]) == 2
    assert "over the limit" in err.getvalue()


def test_many_relations_in_one_file_are_capped(monkeypatch):
    import symderive.check as check

    monkeypatch.setattr(check, "MAX_RELATIONS", 5)
    report = check_document(parse_document("$$x = x$$\n" * 8, "many.md"), Settings(timeout=LIMIT))
    assert sum(e.verdict == "verified" for e in report.entries) == 5
    assert any("only the first 5" in e.reason for e in report.entries)


@pytest.fixture
def long_run_selected(request) -> None:
    if "fuzz_long" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("the long run: python -m pytest -m fuzz_long tests/test_check_fuzz.py")


@pytest.mark.fuzz_long
@settings(max_examples=20_000, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(text=st.lists(documents, min_size=1, max_size=5).map("\n\n".join))
def test_long_fuzz(long_run_selected, text):
    check_one(text)
