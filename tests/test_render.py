"""Rendering walks the data and never computes: escaping, numbering, notation."""
from __future__ import annotations

from sympy import IndexedBase, Symbol

from symderive.model import Assumption, Chain, Derivation, Status, Step, Verification
from symderive.render.latex import (
    derivation_to_latex,
    derivation_to_mathjax,
    escape_text,
    for_mathjax,
    label_to_latex,
    text_with_maths,
)
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


def test_straight_quotes_become_opening_and_closing_quotes():
    assert escape_text("chain 'Base case' and \"q\" isn't") == "chain `Base case' and ``q'' isn't"
    assert escape_text("'start'") == "`start'"


def test_rule_names_keep_their_maths_and_escape_the_rest():
    assert text_with_maths("claim $P(l-1)$ & more_") == r"claim $P(l-1)$ \& more\_"
    assert text_with_maths("the claim at $l + 1$") == "the claim at $l + 1$"


def test_formula_labels_are_maths_and_other_labels_text():
    assert label_to_latex("P(l-1)") == "$P(l-1)$"
    assert label_to_latex("H2") == "H2"
    assert label_to_latex("bijective: checked: x_1") == r"bijective: checked: x\_1"


def _demo() -> Derivation:
    x = Symbol("x")
    proved = Verification(Status.PROVED, "identical", premises=("H1", "P(l-1)"))
    chain = Chain("Step at $l$", x, (Step(x, x + 0, "claim $P(l-1)$", "By ``H1''.", proved),),
                  conclusion=r"Done \emph{[proved: no free $i$]}.")
    return Derivation("demo", "Demo", (Assumption("H1", r"$x$ is \texttt{fine}."),), (chain,), x, "y")


def test_a_transcript_lists_itself_in_the_table_of_contents_and_typesets_rule_maths():
    text = derivation_to_latex(_demo())
    assert "\\section*{Demo}\n\\addcontentsline{toc}{section}{Demo}\n" in text
    assert r"\textbf{claim $P(l-1)$}" in text and "using H1, $P(l-1)$]" in text


def test_the_notebook_view_has_assumptions_headings_conclusions_and_the_result():
    view = derivation_to_mathjax(_demo())
    assert view.startswith(r"$$\textbf{Demo}$$")
    assert r"$\textbf{H1}$ (hypothesis) $x$ is $\texttt{fine}$." in view
    assert r"$$\textbf{Step at $l$}$$" in view and r"\text{claim $P(l-1)$ [proved]}" in view
    assert r"Done $\textit{[proved: no free $i$]}$." in view
    assert view.endswith("$$y = x$$")


def test_text_for_mathjax_converts_text_commands_and_quotes_outside_maths_only():
    assert for_mathjax(r"By ``A'' and $f''(x)$") == "By \u201cA\u201d and $f''(x)$"
    assert for_mathjax(r"\emph{[ok: $i$]} \textbf{b}") == r"$\textit{[ok: $i$]}$ $\textbf{b}$"
    assert for_mathjax(r"$\emph{x}$") == r"$\emph{x}$"  # inside maths: left alone
