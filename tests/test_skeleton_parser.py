r"""The fast skeleton reader is exact: None, or the very object latex2sympy2's ANTLR path returns.

The corpus is every skeleton the notation layer produces while reading the relations (and
definitions) of ``derivations/*.tex`` and ``tests/fixtures/homework_declared.md``, collected
at test time; a property test adds random skeletons in and slightly outside the subset.
"""
from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sympy import Basic, srepr

from symderive import check_pool
from symderive.check import Settings, _prepare, grader_for
from symderive.latex_in import notation, skeleton_parser
from symderive.latex_in.document import read_document
from symderive.latex_in.notation import LatexInputError, read_side
from symderive.latex_in.skeleton_parser import parse_skeleton

ROOT = Path(__file__).resolve().parent.parent
CORPUS_FILES = sorted((ROOT / "derivations").glob("*.tex")) + [ROOT / "tests" / "fixtures" / "homework_declared.md"]


@contextlib.contextmanager
def _antlr_only() -> Iterator[None]:
    """``_raw_parse`` with the fast path switched off: latex2sympy2's ANTLR parser alone."""
    fast = skeleton_parser.parse_skeleton
    skeleton_parser.parse_skeleton = lambda text: None
    try:
        yield
    finally:
        skeleton_parser.parse_skeleton = fast


def _slow(text: str) -> Basic | LatexInputError:
    with _antlr_only():
        try:
            return notation._raw_parse(text)
        except LatexInputError as exc:
            return exc


def _same(fast: Basic, slow: Basic) -> bool:
    return fast == slow and srepr(fast) == srepr(slow) and type(fast) is type(slow)


@dataclass(frozen=True)
class _Inline:
    """A pool task run in this process: its value is at hand."""

    value: Any

    def outcome(self) -> Any:
        return self.value


def _collect_skeletons(files: list[Path]) -> list[str]:
    """Every skeleton read while checking ``files``, with the workers run inline and nothing judged."""
    seen: dict[str, None] = {}
    original = notation._raw_parse

    def recording(text: str, where: int = 0) -> Basic:
        seen.setdefault(text, None)
        return original(text, where)

    patches = pytest.MonkeyPatch()
    patches.setattr(notation, "_raw_parse", recording)
    patches.setattr(check_pool.Grader, "_submit", lambda self, function, *args, seconds: _Inline(function(*args)))
    try:
        options = Settings(jobs=1)
        with grader_for(options) as grader:
            for path in files:  # declarations compiled, then both sides read as a worker would: nothing judged
                for job in _prepare(read_document(path), options, grader).jobs:
                    declarations = check_pool.declarations_of(job.scope.text, job.scope.key)
                    for side in (job.lhs, job.rhs):
                        with contextlib.suppress(LatexInputError):
                            read_side(side, declarations)
    finally:
        patches.undo()
    return list(seen)


@pytest.fixture(scope="module")
def corpus() -> list[str]:
    skeletons = _collect_skeletons(CORPUS_FILES)
    assert len(skeletons) > 100  # the collector works: these files have hundreds of sides
    return skeletons


def test_corpus_fast_path_is_exact(corpus: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    handled = 0
    for text in corpus:
        fast = parse_skeleton(text)
        if fast is None:
            continue
        handled += 1
        slow = _slow(text)
        assert not isinstance(slow, LatexInputError), (text, slow)
        assert _same(fast, slow), (text, srepr(fast), srepr(slow))
    with capsys.disabled():
        print(f"\nskeleton fast path: {handled}/{len(corpus)} corpus skeletons "
              f"({100 * handled / len(corpus):.0f}%) read without ANTLR")
    assert handled > len(corpus) // 2  # the point of the fast path: most skeletons


def test_corpus_fallbacks_are_lists_bars_functions_or_errors(corpus: list[str]) -> None:
    """What it declines in the corpus is a list (``a, b``), a group with several ``|``, ``\\ln(…)`` followed by a
    factor (where it does not guess ANTLR's choice), or an error for ANTLR too.

    Not soundness (declining is always safe) but coverage: a regression that declines more shows here.
    """
    declined = [text for text in corpus if parse_skeleton(text) is None]
    unexplained = [text for text in declined
                   if not any(mark in text for mark in (",", "|", r"\ln", r"\exp"))
                   and not isinstance(_slow(text), LatexInputError)]
    assert unexplained == []


# -- hand-picked cases ---------------------------------------------------------------------------

V, W, X = (rf"\variable{{sdp{n}x}}" for n in range(3))
N = r"\variable{sdn3x}"

EXACT_CASES = [
    f" {V}  -  {W} ", rf"- \frac{{ {V} }}{{\sqrt{{ {W} }}}}",
    rf" {V} ^{{-  {W} }}  {X}  +  \sum_{{ {V} = {W} }}^{{ {X} }}  \frac{{ {V} ^{{ {W}  -  {X} }}}}{{ {V}   {W} }}",
    f"{V} {W} {X}", f"{V} \\cdot {W} {X}", f"{V} / {W} \\cdot {X}", f"-{V} - -{W} + +{X}", f"{V}^{W}^{X}",
    f"{V}^{{{W}}} {X}", rf"\frac{{{V}}}{{{W}}}^{{{X}}}", rf"\sqrt[{N}]{{{V}}}", rf"\left( {V} + {W} \right) {X}",
    rf"\sum_{{{V}={W}}}^{X} {V} \cdot {W} + {X}", rf"\prod_{{{V}={N}}}^{{{W}}} {V} / {X} - {W}",
    rf"{V} \sum_{{{V}={W}}}^{{{X}}} {V} {W}", rf"\ln({V} + {W}) - {X}", rf"\ln{{({V})}} + {X}",
    rf"{W} \exp(-{V})", rf"\pi {V}^\pi", f"{N} - {N}", f"-{N}", f"{{{V}}}",
    rf"({V} \times {W}) * {X}", rf"-\sum_{{{V}={W}}}^{{{X}}} -{V}",
    rf"\ln {V} + \ln {W}", rf"{V} \ln {W}^{{{X}}} - {X}", rf"-\ln \frac{{|{V}|}}{{|{W}|}}", rf"\ln |{V} {W}|",
    rf"\ln \left( {V} \right)", f"|{V}|^{{{W}}} {X}", f"{X} |{V} {W}^{{{X}}}|", rf"\frac{{|{V}|}}{{|{W}|}} |{X}|",
    rf"\exp \frac{{{V}}}{{{W}}}", f"|-{V}|", r"- \infty ", rf"\sum_{{{V}={W}}}^{{\infty}} {V}^\infty",
]


@pytest.mark.parametrize("text", EXACT_CASES)
def test_hand_picked_skeletons_are_exact(text: str) -> None:
    fast = parse_skeleton(text)
    assert fast is not None, text
    slow = _slow(text)
    assert not isinstance(slow, LatexInputError), slow
    assert _same(fast, slow), (srepr(fast), srepr(slow))


DECLINED_CASES = [
    "", "   ", f"{V} +", f"({V}", f"{V})", rf"\frac{{{V}}}", rf"\ln({V}) {W}", rf"\ln({V})^{{{W}}}",
    f"{V} = {W}", f"{V}_{W}", f"{V}!", f"|{V}| {W} |{X}|", f"|{V}||{W}|", f"|{V}", f"|{V}|_{{{W}}}", f"{V}^-{W}",
    rf"\ln {V} {W}", rf"\ln -{V}", rf"\ln \ln {V}", rf"\ln {V} \cdot {W}", rf"\ln \sqrt{{{V}}}", rf"\sin({V})",
    "x", "2", rf"\left( {V} )",
    rf"\sum_{{{V}+{W}={X}}}^{{{X}}} {V}", rf"\variable{{sdp0x}}\%", f"{V},{W}", f"{V}\u00a0{W}", rf"{V} \, {W}",
    rf"\variable {{sdp0x}}", rf"\variable{{sdp0x_1}}", rf"{V} \leftarrow {W}", f"{V} \u2212 {W}",
]


@pytest.mark.parametrize("text", DECLINED_CASES)
def test_outside_the_subset_declines(text: str) -> None:
    assert parse_skeleton(text) is None


def test_placeholder_symbol_is_latex2sympy2s() -> None:
    """The symbol of ``\\variable{sdp0x}`` is latex2sympy2's: the name and its md5 (what notation's table keys on)."""
    value = parse_skeleton(V)
    assert value.name == "sdp0x" + hashlib.md5(b"sdp0x").hexdigest()
    assert notation._placeholder_key(value.name) == "sdp0x"


def test_raw_parse_uses_the_fast_path_and_agrees(monkeypatch: pytest.MonkeyPatch) -> None:
    """Switching the fast path off changes nothing a reader sees."""
    text = rf"\frac{{1}}{{2}} x^{{2}} - \sqrt{{y}} + \sum_{{k=1}}^{{n}} k"
    with_fast = read_side(text, notation.Declarations()).expr
    calls: list[str] = []
    original = skeleton_parser.parse_skeleton
    monkeypatch.setattr(skeleton_parser, "parse_skeleton", lambda t: calls.append(t) or original(t))
    assert read_side(text, notation.Declarations()).expr == with_fast
    assert calls and original(calls[-1]) is not None  # the fast path did read it
    with _antlr_only():
        assert read_side(text, notation.Declarations()).expr == with_fast


# -- property: random skeletons ------------------------------------------------------------------

_ATOMS = [V, W, X, N, r"\pi", r"\infty"]


def _skeletons() -> st.SearchStrategy[str]:
    atom = st.sampled_from(_ATOMS)

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, st.sampled_from([" + ", " - ", r" \cdot ", " / ", " ", " * ", r" \times "]), inner).map(
                "".join),
            inner.map(lambda a: f"-{a}"), inner.map(lambda a: f"+ {a}"),
            inner.map(lambda a: f"({a})"), inner.map(lambda a: f"{{{a}}}"), inner.map(lambda a: f"|{a}|"),
            inner.map(lambda a: rf"\left( {a} \right)"),
            st.tuples(inner, inner).map(lambda p: rf"\frac{{{p[0]}}}{{{p[1]}}}"),
            inner.map(lambda a: rf"\sqrt{{{a}}}"), st.tuples(inner, inner).map(lambda p: rf"\sqrt[{p[0]}]{{{p[1]}}}"),
            st.tuples(inner, atom).map(lambda p: f"{p[0]}^{p[1]}"),
            st.tuples(inner, inner).map(lambda p: f"{p[0]}^{{{p[1]}}}"),
            st.tuples(st.sampled_from([r"\sum", r"\prod"]), atom, inner, inner, inner).map(
                lambda p: rf"{p[0]}_{{{p[1]} = {p[2]}}}^{{{p[3]}}} {p[4]}"),
            st.tuples(st.sampled_from([r"\ln", r"\exp"]), st.sampled_from(["()", "{}"]), inner).map(
                lambda p: f"{p[0]}{p[1][0]}{p[2]}{p[1][1]}"),
            st.tuples(st.sampled_from([r"\ln", r"\exp"]), inner).map(lambda p: f"{p[0]} {p[1]}"),
        )

    wellformed = st.recursive(atom, extend, max_leaves=8)
    # Slightly outside: cut, doubled or foreign tokens spliced in at random places.
    noise = st.sampled_from(["(", ")", "{", "}", "^", "_", "=", "-", r"\frac", r"\sqrt", r"\ln", r"\sum", "!", "|",
                             ",", "[", "]", r"\left", r"\right", "x", "2", r"\log", r"\sin", r"\infty", r"\%",
                             "\u00a0", r"\,", r"\exp", r"\pi", r"\cdot", "/"])

    @st.composite
    def damaged(draw: st.DrawFn) -> str:
        text = draw(wellformed)
        cut = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            return text[:cut] + draw(noise) + text[cut:]
        return text[:cut]

    return st.one_of(wellformed, damaged())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_skeletons())
def test_random_skeletons_fast_is_none_or_antlr(text: str) -> None:
    fast = parse_skeleton(text)  # never raises
    if fast is None:
        return
    slow = _slow(text)
    assert not isinstance(slow, LatexInputError), (text, slow)
    assert _same(fast, slow), (text, srepr(fast), srepr(slow))
