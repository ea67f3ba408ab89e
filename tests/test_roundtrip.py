"""Round trip: every transcript `derive` writes is a document `symderive check` can read.

No step of any transcript may be refuted; a step check judges gets a verdict that its own
evidence justifies (``verified`` only with a proof, ``plausible`` only with instances or
points); a step check cannot read is ``unknown`` with a reason.  The counts are printed
(``pytest -s``) so that a change in coverage shows.
"""
from __future__ import annotations

import pytest

from symderive.render.directives import PREFIX
from transcript_steps import labels, step_lines, step_verdicts, transcripts, whole_report

PLAUSIBLE_STATUSES = {"proved-on-instances", "tested-numerically"}


@pytest.fixture(scope="module")
def reports():
    found: dict = {}

    def of(path):
        if path not in found:
            found[path] = whole_report(path)
        return found[path]

    return of


@pytest.fixture(scope="module")
def verdicts(reports):
    return lambda path: step_verdicts(path, reports(path))


@pytest.mark.parametrize("path", transcripts(), ids=lambda p: p.stem)
def test_nothing_in_the_transcript_is_refuted_prose_included(path, reports):
    """A user checks the whole document: a hypothesis stated in prose ('$t > 0$') is no refuted claim."""
    refuted = [f"{e.line}: {e.lhs} {e.relation} {e.rhs} ({e.reason})" for e in reports(path).entries
               if e.verdict == "refuted"]
    assert not refuted, "\n".join(refuted)


@pytest.mark.parametrize("path", transcripts(), ids=lambda p: p.stem)
def test_the_transcript_declares_its_names(path):
    text = path.read_text(encoding="utf-8")
    assert PREFIX.strip() in text
    assert step_lines(text), "no numbered step found"


@pytest.mark.parametrize("path", transcripts(), ids=lambda p: p.stem)
def test_no_step_is_refuted_and_every_verdict_is_justified(path, verdicts):
    found = verdicts(path)
    statuses = labels(path)
    assert sorted(found) == list(range(1, len(statuses) + 1)), "every step of the JSON is displayed once"
    counts = {"verified": 0, "plausible": 0, "unknown": 0, "error": 0}
    for number, entries in found.items():
        if not entries:
            # A left side that does not parse is reported where it stands, on the line above.
            entries = [e for e in found.get(number - 1, []) if e.verdict == "error" and "left side" in e.reason]
        assert entries, f"step ({number}) got no verdict"
        for entry in entries:
            assert entry.verdict != "refuted", f"step ({number}) refuted: {entry.reason} {entry.counterexample}"
            if entry.verdict == "verified":
                assert entry.status == "proved", f"step ({number}) verified without a proof: {entry.status}"
            elif entry.verdict == "plausible":
                assert entry.status in PLAUSIBLE_STATUSES, f"step ({number}): plausible from {entry.status}"
            else:
                assert entry.reason, f"step ({number}) is {entry.verdict} without a reason"
        worst = min(entries, key=lambda e: ["error", "unknown", "plausible", "verified"].index(e.verdict))
        counts[worst.verdict] += 1
    print(f"\n{path.stem}: {len(found)} steps, {counts}")
