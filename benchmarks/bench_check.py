"""Relations judged per second by ``symderive check``, beside the naive ``simplify(lhs - rhs) == 0``.

Three measurements, all in this one run (so the ratios compare like with like):

1. the seed (``tests/fixtures/homework_declared.md``) and the transcripts in ``derivations/``:
   ``check`` with ``--jobs 1`` and ``--jobs 2`` (no persistent cache), and the naive way on the
   same relations: both sides read by the same notation layer under the same declarations
   (compiled before the clock starts, which favours the naive way), then
   ``simplify(lhs - rhs) == 0``, each relation a task of a one-worker pool under the same time
   limit.  Where both give an answer, the verdicts are compared: a relation ``check`` refutes but
   ``simplify`` reduces to 0 (or ``check`` verifies and ``simplify`` leaves a non-zero) is a
   disagreement.  Also timed: reading only (what ``check`` does before judging, a side read once per
   worker), which gives the ceiling of any judge against this naive way: both read with the same
   notation layer;
2. a synthetic course: ``--submissions`` submissions of a 30-relation derivation (per-student
   constants, 0-3 planted mistakes each: a dropped square or root, a swapped transpose, a flipped
   sign, a shifted index, a wrong constant), graded with ``--jobs 1`` and ``--jobs 2`` from a cold
   cache, then again from the warm persistent cache.  Every verdict is compared with the
   construction: a correct step must never be refuted, a planted mistake never verified.
   The first ``--naive-submissions`` are also graded the naive way, beside ``--jobs 1``.

    python benchmarks/bench_check.py [--submissions 200] [--timeout 5] [--skip-corpora]

Prints tables; nothing is asserted (timings never go in the tests).
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from typing import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from symderive.check import Settings, _prepare, check_documents, grader_for  # noqa: E402
from symderive.check_pool import Grader, declarations_of, warm_up  # noqa: E402
from symderive.latex_in.document import Document, parse_document, read_document  # noqa: E402
from symderive.limits import BoundedPool  # noqa: E402

SEED = ROOT / "tests" / "fixtures" / "homework_declared.md"
DECIDED = ("verified", "plausible", "refuted")


# -- the naive way -------------------------------------------------------------------------------


def naive_answer(lhs: str, sign: str, rhs: str, scope_text: str, scope_key: str) -> str:
    """``"equal"`` when ``simplify(lhs - rhs) == 0``, ``"not shown equal"`` otherwise, or why not tried."""
    from sympy import simplify

    from symderive.latex_in.declarations import apply_rewrites
    from symderive.latex_in.notation import LatexInputError, read_side

    if sign != "=":
        return "not an equation"
    declarations = declarations_of(scope_text, scope_key)
    try:
        left, right = (apply_rewrites(read_side(text, declarations).expr, declarations)[0] for text in (lhs, rhs))
        difference = simplify(left - right)
    except LatexInputError:
        return "not read"
    except Exception:  # e.g. a matrix minus a scalar: the naive way has no answer
        return "failed"
    return "equal" if difference == 0 or getattr(difference, "is_ZeroMatrix", False) else "not shown equal"


def reading_answer(lhs: str, sign: str, rhs: str, scope_text: str, scope_key: str) -> str:
    """Only what ``check`` does before judging: both sides read and rewritten (a side read once per worker)."""
    from symderive.check_relation import _read_rewritten
    from symderive.latex_in.notation import LatexInputError

    declarations = declarations_of(scope_text, scope_key)
    try:
        for text in (lhs, rhs):
            _read_rewritten(text, declarations)
    except LatexInputError:
        return "not read"
    return "read"


def naive_run(documents: list[Document], timeout: float, answer: Callable = naive_answer) -> tuple[float, list[str]]:
    """Seconds to answer every relation the naive way (one worker), and the answers in order."""
    settings = Settings(timeout=timeout)
    with grader_for(settings) as grader:
        jobs = [job for document in documents for job in _prepare(document, settings, grader).jobs]
    started = time.perf_counter()
    with BoundedPool(1) as pool:
        tasks = [pool.submit(answer, j.lhs, j.sign, j.rhs, j.scope.text, j.scope.key, seconds=timeout)
                 for j in jobs]
        answers = [answer if isinstance(answer, str) else "time limit" for answer in (t.outcome() for t in tasks)]
    return time.perf_counter() - started, answers


# -- ours ------------------------------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    verdicts: list[str]  # of the judged relations, in document order
    judged: int  # relations sent to a worker (the rest: refused early, repeated in the run, or cached)


def our_run(documents: list[Document], timeout: float, jobs: int, cache: str | None = None) -> Run:
    """``check`` on the documents as the command runs it (pool started inside the clock)."""
    settings = Settings(timeout=timeout, jobs=jobs, cache=cache)
    started = time.perf_counter()
    grader = Grader(timeout, jobs, cache)
    with grader:
        reports = check_documents(documents, settings, grader)
    seconds = time.perf_counter() - started
    verdicts = [e.verdict for r in reports for e in r.entries if e.relation not in ("", "directive", ":=")]
    return Run(seconds, verdicts, grader.statistics.judged)


def relation_count(documents: list[Document], timeout: float) -> int:
    settings = Settings(timeout=timeout)
    with grader_for(settings) as grader:
        return sum(len(_prepare(d, settings, grader).jobs) for d in documents)


def disagreements(ours: list[str], naive: list[str]) -> tuple[int, int, Counter]:
    """(check refutes, simplify says 0), (check verifies, simplify leaves a non-zero), and the cross table."""
    table = Counter(zip(ours, naive))
    conflict = table[("refuted", "equal")]
    unshown = table[("verified", "not shown equal")] + table[("plausible", "not shown equal")]
    return conflict, unshown, table


def corpus_table(name: str, documents: list[Document], timeout: float) -> None:
    count = relation_count(documents, timeout)
    one, two = our_run(documents, timeout, 1), our_run(documents, timeout, 2)
    naive_seconds, naive = naive_run(documents, timeout)
    if len(one.verdicts) != count:  # error entries of the reader have no relation: align on judged ones
        print(f"  ({name}: {len(one.verdicts)} report entries for {count} relations)")
    print(f"\n{name}: {count} relations, time limit {timeout:g} s")
    print(f"{'way':<32}{'seconds':>9}{'relations/s':>13}{'x naive':>9}")
    naive_rate = count / naive_seconds
    reading_seconds, _ = naive_run(documents, timeout, reading_answer)
    for label, seconds in (("naive simplify, 1 worker", naive_seconds), ("check --jobs 1", one.seconds),
                           ("check --jobs 2", two.seconds), ("reading only, 1 worker", reading_seconds)):
        print(f"{label:<32}{seconds:>9.2f}{count / seconds:>13.1f}{(count / seconds) / naive_rate:>9.2f}")
    print(f"ceiling with a judge that cost nothing, on 2 cores: {2 * naive_seconds / reading_seconds:.1f} x naive "
          "(the naive way reads with the same notation layer)")
    ours = [v for v in one.verdicts][:count]
    conflict, unshown, table = disagreements(ours, naive)
    print(f"verdicts of check --jobs 1: {dict(Counter(ours))}")
    print(f"naive answers: {dict(Counter(naive))}")
    print(f"check refutes, simplify gives 0: {conflict}; check verifies, simplify leaves a non-zero: {unshown}")
    print(f"--jobs 1 and --jobs 2 verdicts differ on {sum(a != b for a, b in zip(one.verdicts, two.verdicts))} relations")


# -- the synthetic course ------------------------------------------------------------------------------

HEADER = """<!-- symderive: read E as expectation -->
<!-- symderive: scalar c, x : positive -->
<!-- symderive: scalar n : positive integer -->
<!-- symderive: random a ~ U(-c, c) -->
<!-- symderive: random d ~ U(-c, c) -->
<!-- symderive: matrix A, B : n x n -->
<!-- symderive: vector v : n -->
"""

# Each step: the correct relation and one planted mistake, with {k} a per-student constant (2..5);
# every mistake is false for each k in 2..5 (checked by hand: none turns true for a particular k).
STEPS: tuple[tuple[str, str], ...] = (
    (r"(p + {k})^2 = p^2 + 2 \cdot {k} p + {k}^2", r"(p + {k})^2 = p^2 + {k} p + {k}^2"),
    (r"(p - {k})(p + {k}) = p^2 - {k}^2", r"(p - {k})(p + {k}) = p^2 + {k}^2"),
    (r"\frac{{x^2 + {k} x}}{{x}} = x + {k}", r"\frac{{x^2 + {k} x}}{{x}} = x + {k}^2"),
    (r"\sqrt{{{k}^2 x^2}} = {k} x", r"\sqrt{{{k}^2 x^2}} = {k}^2 x^2"),
    (r"\log({k} x) = \log {k} + \log x", r"\log({k} x) = \log {k} \cdot \log x"),
    (r"\log(x^{k}) = {k} \log x", r"\log(x^{k}) = \log x + {k}"),
    (r"e^{{{k} x}} e^{{x}} = e^{{({k} + 1) x}}", r"e^{{{k} x}} e^{{x}} = e^{{{k} x^2}}"),
    (r"\sum_{{i=1}}^{{n}} {k} = {k} n", r"\sum_{{i=1}}^{{n}} {k} = {k} (n - 1)"),
    (r"\sum_{{i=1}}^{{n}} {k} i = \frac{{{k} n (n + 1)}}{{2}}", r"\sum_{{i=1}}^{{n}} {k} i = \frac{{{k} n (n - 1)}}{{2}}"),
    (r"\sum_{{i=0}}^{{n}} {k}^i = \frac{{{k}^{{n+1}} - 1}}{{{k} - 1}}", r"\sum_{{i=0}}^{{n}} {k}^i = \frac{{{k}^{{n}} - 1}}{{{k} - 1}}"),
    (r"E({k} a) = 0", r"E({k} a) = {k} c"),
    (r"E(a^2) = \frac{{c^2}}{{3}}", r"E(a^2) = \frac{{c^2}}{{{k} + 3}}"),
    (r"\text{{Var}}(a) = \frac{{c^2}}{{3}}", r"\text{{Var}}(a) = \frac{{c^2}}{{12}}"),
    (r"\text{{Var}}({k} a) = {k}^2 \text{{Var}}(a)", r"\text{{Var}}({k} a) = {k} \text{{Var}}(a)"),
    (r"\text{{Var}}(a + d) = \text{{Var}}(a) + \text{{Var}}(d)", r"\text{{Var}}(a + d) = \text{{Var}}(a) - \text{{Var}}(d)"),
    (r"E({k} a + {k}) = {k}", r"E({k} a + {k}) = 0"),
    (r"\text{{Var}}(a + {k}) = \frac{{c^2}}{{3}}", r"\text{{Var}}(a + {k}) = \frac{{c^2}}{{3}} + {k}"),
    (r"(A B)^T = B^T A^T", r"(A B)^T = A^T B^T"),
    (r"({k} A)^T = {k} A^T", r"({k} A)^T = A^T"),
    (r"(A + {k} B)^T = A^T + {k} B^T", r"(A + {k} B)^T = A^T - {k} B^T"),
    (r"v^T (A + B) v = v^T A v + v^T B v", r"v^T (A + B) v = v^T A v - v^T B v"),
    (r"\det(A B) = \det A \det B", r"\det(A B) = \det A + \det B"),
    (r"\left|-{k} x\right| = {k} x", r"\left|-{k} x\right| = -{k} x"),
    (r"\frac{{1}}{{x}} + \frac{{1}}{{{k} x}} = \frac{{{k} + 1}}{{{k} x}}", r"\frac{{1}}{{x}} + \frac{{1}}{{{k} x}} = \frac{{{k} + 1}}{{x}}"),
    (r"(x^{k})^2 = x^{{2 \cdot {k}}}", r"(x^{k})^2 = x^{{{k}^2 + 1}}"),
    (r"\sqrt{{x}} \sqrt{{{k} x}} = x \sqrt{{{k}}}", r"\sqrt{{x}} \sqrt{{{k} x}} = {k} x"),
    (r"x^{k} \cdot x = x^{{{k} + 1}}", r"x^{k} \cdot x = x^{{2 \cdot {k}}}"),
    (r"\sum_{{i=1}}^{{n}} (i + {k}) = \frac{{n (n + 1)}}{{2}} + {k} n", r"\sum_{{i=0}}^{{n}} (i + {k}) = \frac{{n (n + 1)}}{{2}} + {k} n"),
    (r"\frac{{x^{k}}}{{x^2}} = x^{{{k} - 2}}", r"\frac{{x^{k}}}{{x^2}} = x^{{{k} + 2}}"),
    (r"{k} p - ({k} - p) = ({k} + 1) p - {k}", r"{k} p - ({k} - p) = ({k} - 1) p - {k}"),
)


def submission(rng: random.Random) -> tuple[str, list[bool]]:
    """One student's document and, per step, whether it carries a planted mistake."""
    k = rng.randint(2, 5)
    wrong = set(rng.sample(range(len(STEPS)), rng.randint(0, 3)))
    lines, truth = [HEADER], []
    for index, (right, mistake) in enumerate(STEPS):
        lines.append("$$" + (mistake if index in wrong else right).format(k=k) + "$$\n")
        truth.append(index in wrong)
    return "".join(lines), truth


def course_table(submissions: int, timeout: float, naive_submissions: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    made = [submission(rng) for _ in range(submissions)]
    documents = [parse_document(text, f"student{number:03d}.md") for number, (text, _) in enumerate(made)]
    truth = [wrong for _, steps in made for wrong in steps]
    count = len(truth)
    print(f"\nsynthetic course: {submissions} submissions x {len(STEPS)} relations = {count} relations, "
          f"{sum(truth)} planted mistakes, time limit {timeout:g} s")
    print(f"{'run':<40}{'seconds':>9}{'relations/s':>13}{'judged':>8}{'judged/s':>10}")
    results = {}
    with tempfile.TemporaryDirectory() as cache:
        for label, jobs, directory in (("--jobs 1, no cache", 1, None), ("--jobs 2, no cache", 2, None),
                                       ("--jobs 2, cold cache", 2, cache), ("--jobs 2, warm cache", 2, cache)):
            run = our_run(documents, timeout, jobs, directory)
            results[label] = run
            print(f"{label:<40}{run.seconds:>9.2f}{count / run.seconds:>13.1f}{run.judged:>8}"
                  f"{run.judged / run.seconds:>10.1f}")
    for label, run in results.items():
        tally = Counter((("mistake" if wrong else "correct"), verdict) for wrong, verdict in zip(truth, run.verdicts))
        false_refutations = tally[("correct", "refuted")]
        false_passes = tally[("mistake", "verified")] + tally[("mistake", "plausible")]
        print(f"{label}: {dict(sorted(tally.items()))}; correct steps refuted: {false_refutations}, "
              f"mistakes verified or plausible: {false_passes}")
    baseline = results["--jobs 1, no cache"].verdicts
    for label, run in results.items():
        print(f"{label}: verdicts differ from --jobs 1 on {sum(a != b for a, b in zip(baseline, run.verdicts))}")
    if naive_submissions:
        few = documents[:naive_submissions]
        naive_seconds, naive = naive_run(few, timeout)
        mine = our_run(few, timeout, 1)
        rate = len(naive) / naive_seconds
        print(f"first {len(few)} submissions ({len(naive)} relations): naive simplify {naive_seconds:.2f} s "
              f"({rate:.1f} relations/s); check --jobs 1 {mine.seconds:.2f} s ({len(naive) / mine.seconds:.1f} "
              f"relations/s, {naive_seconds / mine.seconds:.2f} x naive)")
        conflict, unshown, _ = disagreements(mine.verdicts, naive)
        print(f"  check refutes, simplify gives 0: {conflict}; check verifies, simplify leaves a non-zero: {unshown}; "
              f"naive answers: {dict(Counter(naive))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--naive-submissions", type=int, default=20,
                        help="submissions of the course also graded the naive way (it has no cache)")
    parser.add_argument("--skip-corpora", action="store_true", help="only the synthetic course")
    parser.add_argument("--skip-course", action="store_true", help="only the seed and derivations/")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; Python {sys.version.split()[0]}")
    warm_up()  # the parser's ~5 s warm-up is paid once, before any clock starts, by both ways
    if not args.skip_corpora:
        corpus_table("seed", [read_document(SEED)], args.timeout)
        transcripts = sorted(p for p in (ROOT / "derivations").glob("*.tex") if p.name != "all.tex")
        corpus_table("derivations/", [read_document(p) for p in transcripts], args.timeout)
    if not args.skip_course:
        course_table(args.submissions, args.timeout, args.naive_submissions)


if __name__ == "__main__":
    main()
