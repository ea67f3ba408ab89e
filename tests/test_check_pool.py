"""`symderive check` on many files: reused workers, declarations carried to them, the verdict cache."""
from __future__ import annotations

import contextlib
import io
import json
import sqlite3
from pathlib import Path

import pytest

from symderive import cli
from symderive import check_pool
from symderive.check import Settings, _prepare, _report, check_documents, grader_for
from symderive.check_pool import (
    Grader,
    Job,
    _judged,
    _collapsed_offset,
    _declared,
    _decoded,
    _written_offset,
    empty_scope,
    scope_of,
)
from symderive.latex_in.declarations import declarations_from
from symderive.latex_in.document import parse_document
from symderive.limits import bounded, from_wire, to_wire
from symderive.verdict_cache import FILE_NAME, VerdictCache, relation_key

UNIFORM = "<!-- symderive: scalar c : positive -->\n<!-- symderive: random a ~ U(-c, c) -->\n"


@pytest.fixture(autouse=True)
def no_default_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMDERIVE_CACHE_DIR", str(tmp_path / "default-cache"))


def check_texts(texts: list[str], settings: Settings, grader: Grader | None = None):
    documents = [parse_document(text, f"doc{number}.md") for number, text in enumerate(texts)]
    if grader is not None:
        return check_documents(documents, settings, grader)
    with grader_for(settings) as own:
        return check_documents(documents, settings, own)


def verdicts(report) -> list[str]:
    return [entry.verdict for entry in report.entries]


# -- scopes: declarations as workers receive them -------------------------------------------------


def test_equal_declarations_have_equal_keys_across_fresh_dummies():
    lines = ["scalar c : positive", "random a ~ U(-c, c)", "random (A_L)_{ij} ~ U(0, 1)"]
    first, second = declarations_from(lines), declarations_from(lines)
    assert first.random_families[0].index_symbols != second.random_families[0].index_symbols  # fresh Dummies
    assert scope_of(first).key == scope_of(second).key
    assert scope_of(first).laws == scope_of(second).laws and len(scope_of(first).laws) == 2


def test_different_declarations_have_different_keys():
    base = ["scalar c : positive", "random a ~ U(-c, c)"]
    keys = {scope_of(declarations_from(lines)).key for lines in (
        base, ["scalar c : negative", "random a ~ U(c, -c)"], base + ["function f"], ["random a ~ U(-c, c)"],
    )}
    assert len(keys) == 4
    assert scope_of(declarations_from(base)).key != empty_scope().key


def test_directive_labels_are_part_of_the_key():
    # A reason cites the label ("using random at line 6"): another label is another key.
    from symderive.latex_in import directives as grammar
    from symderive.latex_in.declarations import declare
    from symderive.latex_in.notation import Declarations

    directive = grammar.parse_directive("random a ~ U(0, 1)")
    assert scope_of(declare(Declarations(), directive, "random at line 1")).key != \
        scope_of(declare(Declarations(), directive, "random at line 2")).key


def test_scope_text_keeps_the_dummy_indices_the_key_leaves_out():
    declarations = declarations_from(["random (A_L)_{ij} ~ U(0, 1)"])
    scope = scope_of(declarations)
    assert from_wire(scope.text) == declarations  # the text decodes to the very Dummies
    assert scope_of(from_wire(scope.text)).key == scope.key


def test_a_worker_keeps_the_declarations_it_made_equal_to_their_text():
    # The next directive usually reaches the same worker: it need not decode what it just built.
    scope = _declared(empty_scope().text, empty_scope().key, "random (A_L)_{ij} ~ U(-1, 1)", "random at line 1")
    assert _decoded(scope.text, scope.key) == from_wire(scope.text)
    assert _decoded(scope.text, scope.key) is _decoded(scope.text, scope.key)


# -- the pool -------------------------------------------------------------------------------------


def test_one_grader_serves_many_documents_with_reused_workers():
    texts = [UNIFORM + r"$$\text{Var}(a) = \frac{c^2}{3}$$ $$x + x = 2x$$",
             UNIFORM + r"$$\text{Var}(a) = \frac{c^2}{12}$$",
             r"$$x + x = 3x$$"]
    settings = Settings(timeout=10.0, jobs=2)
    with grader_for(settings) as grader:
        reports = check_texts(texts, settings, grader)
        workers = grader._pool._pool._pool_manager.worker_manager.workers  # pebble's, for this test only
        assert 1 <= len(workers) <= 2
    assert [verdicts(r) for r in reports] == [["verified", "verified"], ["refuted"], ["refuted"]]
    assert grader.statistics.judged == 4 and grader.statistics.relations == 4


def test_the_same_relation_under_the_same_declarations_is_judged_once_per_run():
    other = "<!-- symderive: scalar c : positive -->\n"  # declarations that do not touch a or b
    texts = [r"$$(a+b)^2 = a^2 + b^2$$", r"$$(a+b)^2   =   a^2 +   b^2$$", other + r"$$(a+b)^2 = a^2 + b^2$$"]
    settings = Settings(timeout=10.0)
    with grader_for(settings) as grader:
        reports = check_texts(texts, settings, grader)
    assert [verdicts(r) for r in reports] == [["refuted"]] * 3
    assert grader.statistics.judged == 2 and grader.statistics.repeated == 1  # other declarations: judged again


def test_an_error_position_is_right_in_each_copy_of_a_shared_outcome():
    texts = ["$$x = \\frac{1}{2} +$$", "$$x =   \\frac{1}{2}   +$$", "$$x = \n   \\frac{1}{2} \n+$$"]
    settings = Settings(timeout=10.0)
    with grader_for(settings) as grader:
        reports = check_texts(texts, settings, grader)
    assert grader.statistics.judged == 1
    for text, report in zip(texts, reports):
        (entry,) = report.entries
        line = text.splitlines()[entry.line - 1]
        assert entry.verdict == "error" and line[entry.column - 1] == "\\", (text, entry)


def test_offsets_move_between_written_and_collapsed_sides():
    text = "  a  +\n  {b  "
    collapsed = " ".join(text.split())
    for offset, character in enumerate(text):
        if not character.isspace():
            assert collapsed[_collapsed_offset(text, offset)] == character
            assert _written_offset(text, _collapsed_offset(text, offset)) == offset
    assert _written_offset(text, len(collapsed) + 3) == len(text)


def test_moments_of_declared_laws_are_computed_once_per_run():
    text = ("<!-- symderive: scalar n : positive integer -->\n"
            "<!-- symderive: random w ~ U\\left(-\\frac{1}{\\sqrt{n}}, \\frac{1}{\\sqrt{n}}\\right) -->\n"
            + "".join(f"$$\\text{{Var}}(w) = \\frac{{{k}}}{{3 \\cdot {k} n}}$$\n" for k in range(1, 4)))
    settings = Settings(timeout=10.0, jobs=2)
    with grader_for(settings) as grader:
        (report,) = check_texts([text], settings, grader)
        assert len(grader._moments) == 1 and all(grader._moments.values())
    assert verdicts(report) == ["verified"] * 3


def test_the_moments_sent_with_a_relation_are_the_ones_its_worker_uses():
    from sympy import S, Symbol

    scope = scope_of(declarations_from(["scalar c : positive", "random a ~ U(-c, c)"]))
    (law,) = scope.laws
    c = Symbol("c", positive=True)
    true = to_wire([(from_wire(law), 1, S.Zero), (from_wire(law), 2, c**2 / 3)])
    wrong = to_wire([(from_wire(law), 1, S.Zero), (from_wire(law), 2, c**2)])  # E[a^2] = c^2: a planted error
    relation = (r"\text{Var}(a)", "=", r"\frac{c^2}{3}", scope.text, scope.key)
    assert bounded(_judged, *relation, (true,), seconds=30)["verdict"] == "verified"
    assert bounded(_judged, *relation, (wrong,), seconds=30)["verdict"] != "verified"


# -- the schedule: documents prepared and judged at once ----------------------------------------------


def _counting(monkeypatch, method: str) -> list[tuple]:
    """Record the calls of a Grader method (still made)."""
    calls: list[tuple] = []
    original = getattr(Grader, method)

    def counted(self, *args, **kwargs):
        calls.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Grader, method, counted)
    return calls


INTERLEAVED = ("<!-- symderive: scalar c : positive -->\n" r"$$\sqrt{c^2} = c$$" "\n"
               "<!-- symderive: scalar c : negative -->\n" r"$$\sqrt{c^2} = c$$ $$\sqrt{c^2} = -c$$" "\n"
               "<!-- symderive: random a ~ U(c, 0) -->\n" r"$$\mathbb{E}[a] = \frac{c}{2}$$ $$x + x = 3x$$" "\n")


def test_run_gives_what_preparing_then_judging_one_by_one_gives():
    texts = [INTERLEAVED, UNIFORM + r"$$\text{Var}(a) = \frac{c^2}{3}$$", INTERLEAVED, r"$$x = \frac{1}{2} +$$"]
    documents = [parse_document(text, f"doc{number}.md") for number, text in enumerate(texts)]
    settings = Settings(timeout=20.0, jobs=2)
    with grader_for(settings) as grader:
        together = [report.as_dict() for report in check_documents(documents, settings, grader)]
    one_by_one = []
    for document in documents:  # a fresh grader each: nothing shared, each relation judged in turn
        with grader_for(Settings(timeout=20.0, jobs=1)) as own:
            prepared = _prepare(document, settings, own)
            outcomes = [own.run([iter_jobs([job])])[0][1][0] for job in prepared.jobs]
        one_by_one.append(_report(prepared, outcomes).as_dict())
    assert together == one_by_one
    assert [e["verdict"] for e in together[0]["relations"]] == ["verified", "refuted", "verified", "verified",
                                                                "refuted"]


def iter_jobs(jobs):
    """A preparation that only yields relations."""
    for job in jobs:
        yield job
    return None


def test_documents_waiting_for_the_same_declarations_share_one_compilation(monkeypatch):
    compiled = _counting(monkeypatch, "_submit_scope")
    settings = Settings(timeout=20.0, jobs=2)
    with grader_for(settings) as grader:
        reports = check_texts([UNIFORM + "$$x + x = 2x$$"] * 3, settings, grader)
    assert len(compiled) == 2  # the two directives, once for the three documents
    assert [verdicts(r) for r in reports] == [["verified"]] * 3 and grader.statistics.judged == 1


def test_while_documents_are_prepared_a_directive_waits_behind_at_most_one_relation_per_worker(monkeypatch):
    in_flight: list[int] = []
    original = Grader._submit

    def watched(self, function, *args, seconds):
        if function is _declared:  # relations in flight when a directive is sent to the pool
            in_flight.append(sum(1 for kind, _ in self._watch.running.values() if kind == "relation"))
        return original(self, function, *args, seconds=seconds)

    original_init = check_pool._Schedule.__init__

    def remembered(schedule, grader, preparations):
        original_init(schedule, grader, preparations)
        grader._watch = schedule

    monkeypatch.setattr(Grader, "_submit", watched)
    monkeypatch.setattr(check_pool._Schedule, "__init__", remembered)
    ready = "".join(f"$$(x + {k})^2 = x^2 + {2 * k} x + {k * k}$$\n" for k in range(16))  # all ready at once
    directives = "".join(f"<!-- symderive: scalar y_{{{k}}} : positive -->\n$$y_{{{k}}} = y_{{{k}}}$$\n"
                         for k in range(8))
    settings = Settings(timeout=20.0, jobs=2)
    with grader_for(settings) as grader:
        first, second = check_texts([ready, directives], settings, grader)
    assert verdicts(first) == ["verified"] * 16 and verdicts(second) == ["verified"] * 8
    assert len(in_flight) == 8 and max(in_flight[1:]) >= 1  # the relations of the first document were running
    assert len(in_flight) == 8 and max(in_flight) <= 2


# -- the cache ------------------------------------------------------------------------------------


def test_a_second_run_is_served_from_the_cache_with_the_same_report(tmp_path):
    texts = [UNIFORM + r"$$\text{Var}(a) = \frac{c^2}{12}$$ $$\text{Var}(a) = \frac{c^2}{3}$$ $$x = \frac{1}{2} +$$"]
    settings = Settings(timeout=10.0, cache=str(tmp_path))
    with grader_for(settings) as first:
        cold = check_texts(texts, settings, first)
    with grader_for(settings) as second:
        warm = check_texts(texts, settings, second)
        assert second._pool is None  # nothing needed a worker: directives and outcomes both cached
    assert first.statistics.judged == 3 and second.statistics.from_cache == 3 and second.statistics.judged == 0
    assert [r.as_dict() for r in warm] == [r.as_dict() for r in cold]


def test_the_cache_never_serves_a_verdict_for_other_declarations(tmp_path):
    settings = Settings(timeout=10.0, cache=str(tmp_path))
    (refuted,) = check_texts([r"$$\sqrt{c^2} = c$$"], settings)
    (verified,) = check_texts(["<!-- symderive: scalar c : positive -->\n" + r"$$\sqrt{c^2} = c$$"], settings)
    (again,) = check_texts([r"$$\sqrt{c^2} = c$$"], settings)
    assert verdicts(refuted) == ["refuted"] and verdicts(verified) == ["verified"] and verdicts(again) == ["refuted"]


def test_time_limits_are_not_cached(tmp_path):
    settings = Settings(timeout=0.2, cache=str(tmp_path))
    slow = r"$$e^{\sin(x)^2 + \cos(x)^2} = e$$"  # about 1.6 s
    (first,) = check_texts([slow], settings)
    assert verdicts(first) == ["unknown"] and "time limit" in first.entries[0].reason
    (second,) = check_texts([slow], Settings(timeout=30.0, cache=str(tmp_path)))
    assert verdicts(second) == ["verified"]


def test_a_damaged_or_foreign_cache_entry_is_a_miss(tmp_path):
    cache = VerdictCache(tmp_path)
    key = relation_key(empty_scope().key, "x", "=", "x")
    for damaged in ("not json", json.dumps({"verdict": "proved!"}), json.dumps(["verified"]),
                    json.dumps({"verdict": "verified", "reason": 3}),
                    json.dumps({"verdict": "error", "side": "lhs", "offset": "3"}),
                    json.dumps({"verdict": "error", "side": "middle", "offset": 3}),
                    json.dumps({"verdict": "verified", "conventions": "abc"}),
                    json.dumps({"verdict": "refuted", "counterexample": {"values": {"x": [1]}}}),
                    json.dumps({"verdict": "refuted", "counterexample": "x = 1"})):
        with sqlite3.connect(tmp_path / FILE_NAME) as db:
            db.execute("INSERT OR REPLACE INTO entries VALUES (?, ?)", (key, damaged))
        assert cache.outcome(key) is None, damaged
    sound = {"verdict": "refuted", "reason": "r", "counterexample": {"values": {"x": "1"}, "lhs": "1", "rhs": "2"}}
    with sqlite3.connect(tmp_path / FILE_NAME) as db:
        db.execute("INSERT OR REPLACE INTO entries VALUES (?, ?)", (key, json.dumps(sound)))
    assert cache.outcome(key) == sound  # the check above is not one that refuses everything
    cache.close()


def test_a_cache_file_that_is_not_a_database_is_ignored_with_a_warning(tmp_path):
    (tmp_path / FILE_NAME).write_bytes(b"\x00garbage, not SQLite" * 100)
    settings = Settings(timeout=10.0, cache=str(tmp_path))
    with grader_for(settings) as grader:
        (report,) = check_texts(["$$x + x = 3x$$"], settings, grader)
    assert verdicts(report) == ["refuted"]
    assert grader.warnings and "cannot use the cache" in grader.warnings[0]


def _planted_judge(real):
    """judge_relation, except that some left sides crash the worker, hang it or run out of memory."""
    import os
    import time

    def planted(lhs, sign, rhs, declarations, conditions=()):
        if lhs == "crash":
            os._exit(3)
        if lhs == "hang":
            time.sleep(60)
        if lhs == "memory":
            return {"verdict": "unknown", "reason": "the judge could not decide (MemoryError: )"}
        return real(lhs, sign, rhs, declarations, conditions)

    return planted


def test_a_worker_that_crashes_or_hangs_gives_unknown_for_that_relation_only(tmp_path, monkeypatch):

    # The pool's workers are forked after this (the pool starts with the first task), so they see it.
    monkeypatch.setattr(check_pool, "judge_relation", _planted_judge(check_pool.judge_relation))
    settings = Settings(timeout=2.0, jobs=2, cache=str(tmp_path))
    text = "$$crash = 1$$\n$$hang = 1$$\n$$memory = 1$$\n$$x + x = 2x$$\n$$y + y = 3y$$"
    with grader_for(settings) as grader:
        (report,) = check_texts([text], settings, grader)
    assert verdicts(report) == ["unknown", "unknown", "unknown", "verified", "refuted"]
    crashed, hung = report.entries[0].reason, report.entries[1].reason
    assert "checker failed" in crashed and "time limit" in hung
    with sqlite3.connect(tmp_path / FILE_NAME) as db:
        stored = [json.loads(value)["verdict"] for (value,) in db.execute("SELECT value FROM entries")]
    assert sorted(stored) == ["refuted", "verified"]  # a crash, a time limit or no memory is not stored


def test_an_unusable_cache_is_a_warning_not_an_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    settings = Settings(timeout=10.0, cache=str(blocker / "cache"))
    with grader_for(settings) as grader:
        (report,) = check_texts(["$$x + x = 2x$$"], settings, grader)
    assert verdicts(report) == ["verified"]
    assert grader.warnings and "cannot use the cache" in grader.warnings[0]


# -- the command -----------------------------------------------------------------------------------


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(list(argv))
    return status, out.getvalue(), err.getvalue()


def test_the_command_caches_by_default_and_not_with_no_cache(tmp_path, monkeypatch):
    default = tmp_path / "default"
    monkeypatch.setenv("SYMDERIVE_CACHE_DIR", str(default))
    document = tmp_path / "a.md"
    document.write_text("$$x + x = 2x$$", encoding="utf-8")
    assert run("check", str(document), "--no-cache")[0] == 0
    assert not default.exists()
    assert run("check", str(document))[0] == 0
    assert (default / FILE_NAME).exists()
    chosen = tmp_path / "chosen"
    assert run("check", str(document), "--cache", str(chosen))[0] == 0
    assert (chosen / FILE_NAME).exists()


def test_several_files_give_one_report_each_and_a_summary_table(tmp_path):
    for name, text in (("a.md", "$$x + x = 2x$$"), ("b.md", "$$x + x = 3x$$"), ("c.tex", r"\[ x = \frac{1}{ \]")):
        (tmp_path / name).write_text(text, encoding="utf-8")
    status, out, _ = run("check", str(tmp_path), "--jobs", "2", "--no-cache")
    assert status == 1
    table = out.rstrip().splitlines()[-5:]
    assert table[0].split() == ["file", "verified", "plausible", "refuted", "unknown", "error"]
    assert [row.split()[1:] for row in table[1:]] == [
        ["1", "0", "0", "0", "0"], ["0", "0", "1", "0", "0"], ["0", "0", "0", "0", "1"], ["1", "0", "1", "0", "1"]]
    status, out, _ = run("check", str(tmp_path), "--format", "json", "--no-cache")
    assert [Path(r["file"]).name for r in json.loads(out)] == ["a.md", "b.md", "c.tex"]


def test_jobs_are_sent_with_their_scope():
    job = Job("x", "=", "x", empty_scope())
    assert job.scope.text and len(job.scope.key) == 64


# -- the parser's fast path -------------------------------------------------------------------------


def _tree_or_error(text: str, fast: bool) -> str:
    import latex2sympy2

    from symderive.latex_in.notation import _parsed_math

    try:
        tree, stream = _parsed_math(text, fast=fast)
    except RecursionError:
        raise
    except Exception:
        return "error"
    return f"{tree.toStringTree(ruleNames=latex2sympy2.PSParser.ruleNames)} next={stream.LA(1)}"


def test_the_fast_parse_gives_the_trees_the_full_parse_gives():
    # SLL prediction first, LL when SLL fails: every side of the seed and of the transcripts,
    # and inputs that must fail, read exactly as LL alone reads them.
    root = Path(__file__).resolve().parent.parent
    paths = [root / "tests" / "fixtures" / "homework_declared.md", *sorted((root / "derivations").glob("*.tex"))]
    texts = {side.text for path in paths for item in parse_document(path.read_text(encoding="utf-8"), path.name).items
             if hasattr(item, "lhs") for side in (item.lhs, item.rhs)}
    texts |= {r"\frac{1}{", r"x +", r"a b c", r"(x", r"x)", r"\sin x y", r"1/2x", r"n_{L-1} \frac{1}{3} v", "x^{2^{3}}"}
    parsed = 0
    for text in sorted(texts):
        full = _tree_or_error(text, fast=False)
        assert _tree_or_error(text, fast=True) == full, text
        parsed += full != "error"
    assert parsed >= 50  # the comparison is not only between two errors
