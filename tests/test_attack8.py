r"""Attacks on the speed changes of 26 Nov to ``symderive check`` (c084705, ec70aa9): documents prepared
and judged at once (:class:`~symderive.check_pool._Schedule`), a worker keeping the declarations it built,
one encoding for a scope's text and key, cached ``IndexedBase``/``Indexed`` constructors, a side read once
per worker, cached rewrite target names.

What held (each guarded here): equal keys only for equal declarations (IndexedBase facts, Symbol against
IndexedBase of one name, Dummies shared or not, replaced directives, ``:=``); the same reports with
``--jobs 1`` and ``--jobs 2``, cold and warm cache; no hang on a directive that hangs, crashes its worker or
is refused, on documents without relations or with every relation cached; error offsets per copy.

What broke (fixed in :mod:`symderive.recheck`, found as a ``--jobs 1``/``--jobs 2`` difference): with
``scalar i : positive integer`` and ``define f_i = i^2``, ``\sum_{i=1}^{3} f_i = 14`` is
``Sum(i_declared**2, (i_bound, 1, 3))``, two atoms printed ``i``.  The re-check took the value of the
counterexample ``i = 1`` for whichever came first in a set, so the step was "refuted" (lhs = 3) or
"unknown" depending on the process's history; now a name that stands for two things is refused.
"""
from __future__ import annotations

import json
import time

import pytest
from sympy import Dummy, Indexed, IndexedBase, Integer, Sum, Symbol

from symderive import check, check_pool, check_relation
from symderive.check import Settings, check_documents, grader_for
from symderive.check_relation import judge_context, judge_relation
from symderive.check_pool import _declared, _decoded, _defined, empty_scope, scope_of
from symderive.exprjson import Decoder, Encoder, _indexed_base_assumptions
from symderive.latex_in import declarations as declarations_module
from symderive.latex_in.declarations import declarations_from
from symderive.latex_in.document import parse_document
from symderive.latex_in.notation import Declarations
from symderive.limits import from_wire
from symderive.recheck import recheck


@pytest.fixture(autouse=True)
def no_default_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMDERIVE_CACHE_DIR", str(tmp_path / "default-cache"))


def reports(texts: list[str], settings: Settings) -> list[dict]:
    documents = [parse_document(text, f"doc{number}.md") for number, text in enumerate(texts)]
    with grader_for(settings) as grader:
        return [report.as_dict() for report in check_documents(documents, settings, grader)]


def verdicts(report: dict) -> list[str]:
    return [entry["verdict"] for entry in report["relations"]]


def directives(*lines: str) -> str:
    return "".join(f"<!-- symderive: {line} -->\n" for line in lines)


# -- the re-check: a name that stands for two atoms (the bug) ------------------------------------------

i_declared = Symbol("i", positive=True, integer=True)
i_bound = Symbol("i", integer=True)
SUM_OF_DECLARED = Sum(i_declared**2, (i_bound, 1, 3))  # how the step of the third test is read: 3 i^2


def test_a_counterexample_name_that_stands_for_two_atoms_is_refused():
    context = judge_context(Declarations())
    for _ in range(5):  # the order of a set of atoms decided which ``i`` got the value
        checked = recheck(SUM_OF_DECLARED, Integer(14), "=", {"i": "1"}, context)
        assert not checked.refuted and "two different things" in checked.reason


def test_a_name_that_stands_for_one_atom_is_still_read():
    context = judge_context(Declarations())
    k = Symbol("k", integer=True)  # a sum whose index is named otherwise: the value of i is read
    checked = recheck(Sum(k**2, (k, 1, 3)) * i_declared, Integer(14), "=", {"i": "2"}, context)
    assert checked.refuted and checked.lhs == 28


def test_the_sum_of_a_defined_entry_is_never_refuted_whatever_ran_before():
    declarations = declarations_from(["scalar i : positive integer", "define f_i = i^2"])
    decoded = from_wire(scope_of(declarations).text)
    for under in (declarations, decoded, declarations):
        outcome = judge_relation(r"\sum_{i=1}^{3} f_i", "=", "14", under)
        assert outcome["verdict"] != "refuted", outcome


# -- keys: equal only for equal declarations ----------------------------------------------------------


def test_scope_keys_tell_indexed_base_facts_and_symbols_apart():
    variants = [[], ["scalar n_k : positive"], ["scalar n_k : negative"], ["scalar n : positive"],
                ["scalar n_k : positive", "scalar n_k : real"], ["scalar n_k : positive", "scalar n : negative"]]
    keys = [scope_of(declarations_from(lines)).key for lines in variants]
    assert len(set(keys)) == len(keys)


def test_scope_keys_keep_which_dummies_are_the_same():
    first, second = Dummy("k", integer=True), Dummy("k", integer=True)
    shared = Declarations(symbols={"a": first, "b": first})
    apart = Declarations(symbols={"a": first, "b": second})
    assert scope_of(shared).key != scope_of(apart).key
    decoded = from_wire(scope_of(shared).text)
    assert decoded.symbols["a"] == decoded.symbols["b"]
    assert from_wire(scope_of(apart).text).symbols["a"] != from_wire(scope_of(apart).text).symbols["b"]
    # and the key does not depend on the Dummies' run-dependent indices
    again = Dummy("k", integer=True)
    assert scope_of(Declarations(symbols={"a": again, "b": again})).key == scope_of(shared).key


def test_indexed_bases_of_one_label_with_other_facts_decode_apart():
    n, k = Symbol("n"), Symbol("k", integer=True)
    positive, plain, negative = (IndexedBase(n, **facts) for facts in ({"positive": True}, {}, {"negative": True}))
    for order in ((positive, plain, negative), (plain, negative, positive)):
        trees = [Encoder().encode(Indexed(base, k)) for base in order]
        decoded = [Decoder(fresh_dummies=False).decode(tree) for tree in trees]
        assert [d.is_positive for d in decoded] == [b[k].is_positive for b in order]
        assert [d.is_negative for d in decoded] == [b[k].is_negative for b in order]
    assert _indexed_base_assumptions(plain) == ()
    assert dict(_indexed_base_assumptions(positive))["positive"] is True
    assert dict(_indexed_base_assumptions(negative)).get("positive") is False
    # facts that come from the label are not the base's own
    assert _indexed_base_assumptions(IndexedBase(Symbol("n", positive=True))) == ()


# -- a worker's own declarations: what it keeps is what it sent ---------------------------------------


@pytest.mark.parametrize("lines", [
    ["function g", "define g(x) = x^2 + 1"],
    ["scalar n_k : positive integer", r"random (A_L)_{ij} ~ U\left(0, \frac{1}{n_{L-1}}\right)"],
    ["matrices A_{k} : n_{k} x n_{k - 1}", "scalar c : positive"],
])
def test_the_declarations_a_worker_keeps_equal_their_text_and_do_not_change(lines):
    scope = empty_scope()
    kept = []
    for number, line in enumerate(lines, start=1):
        scope = _declared(scope.text, scope.key, line, f"directive {number}")
        assert isinstance(scope, check_pool.Scope), scope
        kept.append((scope, _decoded(scope.text, scope.key)))
    for scope, declarations in kept:  # the next directive was declared on top of each: none changed
        assert declarations == from_wire(scope.text)
        assert scope_of(declarations).key == scope.key


def test_a_definition_kept_by_its_worker_equals_its_text():
    scope = _defined(empty_scope().text, empty_scope().key, "f", "x^2", ":= at line 1")
    assert _decoded(scope.text, scope.key) == from_wire(scope.text)
    assert judge_relation("f", "=", "x^2", _decoded(scope.text, scope.key))["verdict"] == "verified"
    assert judge_relation("f", "=", "x^2", from_wire(scope.text))["verdict"] == "verified"


# -- a side read once per worker -------------------------------------------------------------------------


def test_a_kept_reading_is_only_used_for_the_very_same_declarations():
    square = declarations_from(["define f = x^2"])
    cube = declarations_from(["define f = x^3"])
    assert judge_relation("f", "=", "x^2", square)["verdict"] == "verified"
    assert judge_relation("f", "=", "x^2", cube)["verdict"] == "refuted"
    assert judge_relation("f", "=", "x^2", square)["verdict"] == "verified"
    # an entry left under the id of other declarations (ids are reused once an object is gone) is not used
    planted = check_relation._read_rewritten("f", square)
    check_relation._READINGS[("f", id(cube))] = (square, *planted)
    try:
        assert judge_relation("f", "=", "x^3", cube)["verdict"] == "verified"
    finally:
        check_relation._READINGS.pop(("f", id(cube)), None)


def test_rewrite_target_names_follow_the_rewrites_they_come_from():
    from sympy import Function

    from symderive.latex_in.notation import Rewrite

    divergence, f = Function("D"), IndexedBase("f")
    bound = Symbol("i", integer=True)
    for declared in (Symbol("i", positive=True, integer=True), Symbol("i", integer=True, nonnegative=True)):
        declarations = Declarations(rewrites=(Rewrite("define at line 1", divergence(f[declared]), declared**2),))
        assert declarations_module._target_names(declarations.rewrites)["i"] is declared
        renamed, back = declarations_module._bound_like_targets(Sum(divergence(f[bound]), (bound, 1, 3)), declarations)
        assert renamed == Sum(divergence(f[declared]), (declared, 1, 3)) and back == {declared: bound}
        plain = divergence(f[bound]) + 1  # no sum, nothing renamed
        assert declarations_module._bound_like_targets(plain, declarations) == (plain, {})


# -- the schedule ------------------------------------------------------------------------------------------

MIXED = [
    directives("scalar n_k : positive") + "$$\\sqrt{n_1^2} = n_1$$\n$$|n_2| = n_2$$\n",
    "$$\\sqrt{n_1^2} = n_1$$\n$$|n_2| = n_2$$\n",
    directives("scalar n : positive") + "$$\\sqrt{n_1^2} = n_1$$\n$$\\sqrt{n^2} = n$$\n",
    directives("scalar n_k : positive") + "$$\\sqrt{n_1^2} = n_1$$\n" + directives("scalar n_k : real")
    + "$$\\sqrt{n_1^2} = n_1$$\n",
    "$$f := x^2$$\n$$f = x^2$$\n",
    "$$f := x^3$$\n$$f = x^2$$\n",
    "Nothing to check.\n",
    directives("scalar c : positive"),
    "$$x   =   \\frac{1}{2}   +$$\n",
    "$$x = a   +   b   \\frac{1}$$\n",  # an error after runs of spaces: shared, at the right place in each copy
    "Prose.\n$$x = a + \n b \\frac{1}$$\n",
]
MIXED_VERDICTS = [["verified", "verified"], ["refuted", "refuted"], ["refuted", "verified"],
                  ["verified", "refuted"], ["verified"], ["refuted"], [], [], ["error"], ["error"], ["error"]]


def assert_errors_point_at_a_backslash(texts: list[str], found: list[dict]) -> None:
    for text, report in zip(texts, found):
        for entry in report["relations"]:
            if entry["verdict"] == "error":
                line = text.splitlines()[entry["line"] - 1]
                assert line[entry["column"] - 1] == "\\", (text, entry)


def test_one_worker_and_two_give_the_same_reports():
    one = reports(MIXED, Settings(timeout=20.0, jobs=1))
    two = reports(MIXED, Settings(timeout=20.0, jobs=2))
    assert one == two
    assert [verdicts(r) for r in one] == MIXED_VERDICTS
    assert_errors_point_at_a_backslash(MIXED, one)


def test_a_cold_and_a_warm_cache_give_the_same_reports_and_offsets(tmp_path):
    settings = Settings(timeout=20.0, jobs=2, cache=str(tmp_path))
    cold = reports(MIXED, settings)
    respaced = ["Some prose first.\n\n$$x = \n   \\frac{1}{2} \n+$$\n$$x = a  +\n  b  \n \\frac{1}$$\n"]  # cached, elsewhere
    with grader_for(settings) as grader:
        documents = [parse_document(text, f"doc{number}.md") for number, text in enumerate(MIXED + respaced)]
        warm = [report.as_dict() for report in check_documents(documents, settings, grader)]
        assert grader._pool is None and grader.statistics.judged == 0
    assert warm[:-1] == cold
    assert verdicts(warm[-1]) == ["error", "error"]
    assert_errors_point_at_a_backslash(MIXED + respaced, warm)


def _planted_declare(real):
    """declare, except that a directive about ``hangs`` sleeps and one about ``crashes`` kills the worker."""
    import os

    def planted(declarations, directive, label):
        if "hangs" in repr(directive):
            time.sleep(60)
        if "crashes" in repr(directive):
            os._exit(3)
        return real(declarations, directive, label)

    return planted


def test_documents_waiting_for_a_directive_that_hangs_or_crashes_finish(monkeypatch):
    # The workers are forked after this (the pool starts with the first task), so they see it.
    monkeypatch.setattr(declarations_module, "declare", _planted_declare(declarations_module.declare))
    hanging = directives("scalar hangs : positive") + "$$x + x = 2x$$\n" + directives("scalar c : positive") \
        + "$$\\sqrt{c^2} = c$$\n"
    crashing = directives("scalar crashes : positive") + "$$x + x = 3x$$\n"
    failing = "$$f := \\frac{1}{$$\n$$f = f$$\n"
    started = time.monotonic()
    found = reports([hanging, hanging, crashing, hanging, failing, ""], Settings(timeout=1.0, jobs=2))
    assert time.monotonic() - started < 30
    for report in (found[0], found[1], found[3]):
        assert verdicts(report) == ["error", "verified", "verified"]
        assert "time limit" in report["relations"][0]["reason"]
    assert verdicts(found[2]) == ["error", "refuted"] and "failed" in found[2]["relations"][0]["reason"]
    assert verdicts(found[4])[0] == "error" and "cannot be used" in found[4]["relations"][0]["reason"]
    assert verdicts(found[5]) == []


def test_relations_past_the_limit_are_not_judged_and_the_others_keep_their_places(monkeypatch):
    monkeypatch.setattr(check, "MAX_RELATIONS", 3)
    text = "$$x + x = 2x$$\n$$x + x = 3x$$\n$$x + x = 2x$$\n$$y = y + 1$$\n$$y = y$$\n"
    first, second = reports([text, text], Settings(timeout=20.0, jobs=2))
    assert first["relations"] == second["relations"]
    judged = [e for e in first["relations"] if e["relation"]]
    assert [e["verdict"] for e in judged] == ["verified", "refuted", "verified"]
    assert [e["line"] for e in judged] == [1, 2, 3]
    (limit,) = [e for e in first["relations"] if not e["relation"]]
    assert limit["verdict"] == "error" and limit["line"] == 4 and "only the first 3" in limit["reason"]


def test_notation_errors_are_reported_in_every_document_and_the_rest_holds():
    notation = (("n.txt:1", "scalar c : positive"), ("n.txt:2", "this is not a directive"),
                ("n.txt:3", "define d = \\frac{1}{"), ("n.txt:4", "scalar e : negative"))
    texts = ["$$\\sqrt{c^2} = c$$\n", "$$\\sqrt{e^2} = -e$$\n$$\\sqrt{c^2} = c$$\n", ""]
    found = reports(texts, Settings(timeout=20.0, jobs=2, notation=notation))
    for report, judged in zip(found, (["verified"], ["verified", "verified"], [])):
        errors = [e for e in report["relations"] if e["verdict"] == "error"]
        assert [e["reason"].split(":")[0] for e in errors] == ["n.txt", "n.txt"]
        assert [e["verdict"] for e in report["relations"] if e["relation"] == "="] == judged
    assert json.dumps(found)  # plain data throughout
