"""Rendering walks the data and never computes: escaping, numbering, notation."""
from __future__ import annotations

from sympy import IndexedBase, Symbol

from symderive.model import Chain, Derivation, Status, Step, Verification
from symderive.render.latex import derivation_to_latex, escape_text
from symderive.render.printer import to_latex


def test_plain_text_is_escaped_for_latex():
    assert escape_text("n[l - 1] in {1, 2}_x & 50% $") == r"n[l - 1] in \{1, 2\}\_x \& 50\% \$"


def test_entries_print_as_in_the_homework():
    A, n = IndexedBase("A"), IndexedBase("n")
    l, i, j = Symbol("l"), Symbol("i"), Symbol("j")
    assert to_latex(A[l, i, j]) == "(A_{l})_{ij}"
    assert to_latex(n[l - 1]) == "n_{l - 1}"


def test_steps_are_numbered_across_chains_with_one_justification_each():
    x = Symbol("x")
    proved = Verification(Status.PROVED, "symbolic simplification", "difference simplifies to 0")
    first = Chain("First", x, (Step(x, 2 * x / 2, "r1", "Because.", proved),))
    second = Chain("Second", x, (Step(x, x + 0, "r2", "Also.", proved), Step(x, x, "r3", "Again.", proved)))
    text = derivation_to_latex(Derivation("demo", "Demo", (), (first, second), x))
    for number in (1, 2, 3):
        assert text.count(f"\\tag*{{({number})}}") == 1
        assert text.count(f"\\item[({number})]") == 1
    assert text.index("\\subsection*{First}") < text.index("\\subsection*{Second}")
