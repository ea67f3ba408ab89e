"""Reading documents: finding the maths, cutting chains into relations, keeping positions."""
from __future__ import annotations

from pathlib import Path

import pytest

from symderive.latex_in.document import (
    DirectiveLine,
    DocumentError,
    ReadingProblem,
    parse_document,
    read_document,
)


def steps(text: str, kind: str = "md") -> list[tuple[str, str, str]]:
    return [(r.lhs.shown, r.sign, r.rhs.shown) for r in parse_document(text, kind=kind).relations]


def test_a_chain_in_aligned_is_one_relation_per_step():
    text = r"$$\begin{aligned} a &= b \\ &= c \end{aligned}$$"
    assert steps(text) == [("a", "=", "b"), ("b", "=", "c")]


@pytest.mark.parametrize(
    "sign, shown",
    [("<", "<"), (">", ">"), (r"\le", "<="), (r"\leq", "<="), (r"\geq", ">="), (r"\ge", ">="), ("≤", "<="),
     ("≥", ">="), (r"\neq", "!="), (":=", ":="), (r"\sim", "~")],
)
def test_relation_signs(sign, shown):
    assert steps(f"$$a {sign} b$$") == [("a", shown, "b")]


def test_mixed_chain_keeps_each_sign():
    assert steps(r"$$a = b \geq c < d$$") == [("a", "=", "b"), ("b", ">=", "c"), ("c", "<", "d")]


def test_signs_inside_brackets_do_not_split():
    assert steps(r"$$\sum_{k=0}^{n} k = \frac{n(n+1)}{2}$$") == [(r"\sum_{k=0}^{n} k", "=", r"\frac{n(n+1)}{2}")]
    assert steps(r"$$f\left(x = 1\right) = 2$$") == [(r"f\left(x = 1\right)", "=", "2")]


@pytest.mark.parametrize(
    "display",
    [
        r"$$\therefore a = b$$",
        r"$$a = b \tag{3}$$",
        r"$$a = b \label{eq:ab}$$",
        r"$$a = b.$$",
        r"$$a = b,$$",
        r"$$a = b \quad (\text{Since } b \text{ is a, by Jensen's inequality})$$",
        r"$$\text{Hence, } a = b$$",
        r"$$a = b \quad \text{for all } b$$",
        r"$$4. \quad a = b$$",
        r"$$(a) \quad a = b$$",
        r"$$a = b \nonumber$$",
    ],
)
def test_annotations_are_not_maths(display):
    assert steps(display) == [("a", "=", "b")]


def test_a_parenthesised_factor_is_not_a_label():
    assert steps(r"$$(a) (b + c) = ab + ac$$") == [("(a) (b + c)", "=", "ab + ac")]


def test_text_names_are_maths_not_prose():
    assert steps(r"$$\text{Var}(x) = \text{fan_in}$$") == [(r"\text{Var}(x)", "=", r"\text{fan_in}")]


def test_a_line_starting_with_an_operator_continues_the_side_above():
    text = r"""$$\begin{aligned} a &= b + c \\ &\quad + d \\ &= e \end{aligned}$$"""
    assert steps(text) == [("a", "=", "b + c + d"), ("b + c + d", "=", "e")]


def test_a_side_remark_after_a_comma_is_its_own_chain():
    text = r"$$\begin{aligned} a &= b, \quad |S| = |T| = u \\ &= c \end{aligned}$$"
    assert steps(text) == [("a", "=", "b"), ("|S|", "=", "|T|"), ("|T|", "=", "u"), ("b", "=", "c")]


def test_range_and_domain_remarks_are_not_relations():
    assert steps(r"$$a_l = b_l, \quad l = 1, \dots, L-1$$") == [("a_l", "=", "b_l")]
    assert steps(r"$$a = b, \quad i = 1, 2, 3, \dots, L-1, \quad y_0 := x$$") == [
        ("a", "=", "b"), ("y_0", ":=", "x")]
    assert steps(r"$$f(x) = x^2 \quad x \in \mathbb{R}$$") == [("f(x)", "=", "x^2")]


def test_a_display_starting_with_equals_continues_the_one_before():
    text = "$$a = b$$\n\nSome prose $x$.\n\n$$= c$$\n"
    assert steps(text) == [("a", "=", "b"), ("b", "=", "c")]


def test_a_display_starting_with_equals_after_nothing_is_a_problem():
    document = parse_document("$$= c$$")
    assert [type(i) for i in document.items] == [ReadingProblem]


def test_matrix_rows_are_not_lines():
    text = r"$$M = \begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}$$"
    assert steps(text) == [("M", "=", r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}")]


def test_inline_maths_in_prose():
    text = "We use $a = b$ and $c \\le d$, which costs \\$5 and $ 3."
    assert steps(text) == [("a", "=", "b"), ("c", "<=", "d")]


def test_markdown_code_is_not_maths():
    text = "```\n$$a = b$$\n```\nand `$c = d$` but $e = f$\n"
    assert steps(text) == [("e", "=", "f")]


def test_tex_environments():
    text = r"""\documentclass{article}
\begin{document}
% a comment with $x = y$ in it
\begin{equation} a = b \end{equation}
\begin{align*} c &= d \\ e &\le f \end{align*}
\begin{gather} g = h \\ i = j \end{gather}
\begin{multline} k = l \\ + m \end{multline}
\[ n = o \] and \( p = q \)
\end{document}
"""
    assert steps(text, "tex") == [("a", "=", "b"), ("c", "=", "d"), ("e", "<=", "f"), ("g", "=", "h"),
                                  ("i", "=", "j"), ("k", "=", "l + m"), ("n", "=", "o"), ("p", "=", "q")]


def test_directives_in_tex_and_markdown_keep_their_places():
    tex = parse_document("x\n% symderive: matrix A : n x n\n$a = b$", kind="tex")
    assert [(i.text, str(tex.place(i.offset))) for i in tex.items if isinstance(i, DirectiveLine)] == [
        ("matrix A : n x n", "2:14")]
    md = parse_document("<!-- symderive: scalar a\n  function f -->\n$a = b$\n<!-- just a comment -->")
    assert [i.text for i in md.items if isinstance(i, DirectiveLine)] == ["scalar a", "function f"]
    assert isinstance(md.items[-1], type(md.relations[0]))  # directives come before the relation


def test_relations_keep_line_and_column_of_their_sign_and_sides():
    document = parse_document("Text\n\n$$\\begin{aligned}\n  x &= y \\\\\n    &\\le z\n\\end{aligned}$$\n")
    first, second = document.relations
    assert str(document.place(first.offset)) == "4:6"
    assert str(document.place(second.offset)) == "5:6"
    assert str(document.place(second.rhs.origins[0])) == "5:10"
    assert str(document.place(first.lhs.origins[0])) == "4:3"


def test_unclosed_display_is_a_problem_with_a_place():
    document = parse_document("ok $a = b$\n$$ c = d\n")
    problem = document.items[-1]
    assert isinstance(problem, ReadingProblem) and "never closed" in problem.message
    assert str(document.place(problem.offset)) == "2:1"


def test_the_seed_is_read(homework):
    document = parse_document(homework, "homework.md")
    relations = document.relations
    assert len(relations) > 50
    shown = [(r.lhs.shown, r.sign, r.rhs.shown) for r in relations]
    assert ("|A||A^T|", "=", "|A|^2") in shown
    assert ("y_0", ":=", "x") in shown
    assert ("-\\log 1", "=", "0") in shown
    # the continuation line of problem 6 is part of the side above it
    assert any(r.rhs.shown.endswith(r"\log \frac{|\Sigma_1|}{|\Sigma_0|}") and r.lhs.shown == "D_{KL}(X||Y)"
               for r in relations)
    # the display that starts with "=" continues the one before
    assert any(r.lhs.shown.startswith(r"\frac{1}{3^L} \text{Var}(y_0)") for r in relations)


def test_unreadable_and_oversized_files(tmp_path: Path):
    with pytest.raises(DocumentError, match="cannot read"):
        read_document(tmp_path / "missing.md")
    big = tmp_path / "big.md"
    big.write_text("x" * 100)
    with pytest.raises(DocumentError, match="over the limit"):
        read_document(big, limit=10)


def test_a_cases_environment_is_one_side_with_its_prose_kept():
    text = (r"$$\begin{aligned} & - \log\left(\int_{0}^{1} \begin{cases} \frac{1}{3} & \text{for}\: t \geq -1 "
            r"\\0 & \text{otherwise} \end{cases}\, dt \right) \\ &= \log 3 \end{aligned}$$")
    ((lhs, sign, rhs),) = steps(text)
    assert r"\begin{cases}" in lhs and r"\text{otherwise}" in lhs and r"\end{cases}" in lhs
    assert (sign, rhs) == ("=", r"\log 3")


def test_an_operator_continues_its_own_display_not_an_earlier_one():
    text = "$$a \\geq 0$$\n\nSome prose.\n\n$$\\begin{aligned} & - b \\\\ &= c \\end{aligned}$$\n"
    assert steps(text) == [("a", ">=", "0"), ("- b", "=", "c")]
