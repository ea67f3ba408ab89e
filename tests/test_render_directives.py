"""The `% symderive:` declarations a transcript carries: printed from the derivation's data, in check's grammar."""
from __future__ import annotations

from sympy import Function, IndexedBase, Lambda, MatrixSymbol, Rational, Symbol, Transpose

from symderive.judge import Context, Definition
from symderive.latex_in.declarations import declarations_from
from symderive.latex_in.directives import parse_directive
from symderive.model import Chain, Derivation, Hypothesis, Status, Step, Verification
from symderive.render.directives import PREFIX, as_comments, chain_directives, derivation_directives
from symderive.render.latex import derivation_to_latex
from symderive.render.printer import to_latex


def _step(before, after, **verification) -> Step:
    return Step(before, after, "rule", "why.", Verification(Status.PROVED, "identical", **verification))


def _derivation(*chains: Chain) -> Derivation:
    return Derivation("toy", "Toy", (), chains, chains[-1].steps[-1].after if chains[-1].steps else chains[-1].start)


def test_names_shapes_and_functions_are_declared_in_checks_grammar():
    n = Symbol("n", integer=True, positive=True)
    A, x = MatrixSymbol("A", n, n), MatrixSymbol("x", n, 1)
    f = Function("p_X")
    t = Symbol("t", real=True)
    chain = Chain("c", (Transpose(x) * A * x)[0, 0] + f(t), (_step(t, t),))
    lines = derivation_directives(_derivation(chain))
    assert "matrix A : n x n" in lines and "vector x : n" in lines
    assert "scalar n : positive integer" in lines and "scalar t : real" in lines
    assert "function p_{X}" in lines
    declarations = declarations_from(list(lines))  # check accepts every line
    assert "A" in declarations.matrices and "p_X" in declarations.functions


def test_a_name_used_with_different_assumptions_gets_what_holds_for_all():
    positive, nonnegative = Symbol("l", integer=True, positive=True), Symbol("l", integer=True, nonnegative=True)
    chain = Chain("c", positive + nonnegative ** 2, (_step(positive, positive),))
    assert "scalar l : nonnegative integer" in derivation_directives(_derivation(chain))


def test_families_definitions_and_hypotheses_follow_the_data():
    l, i = Symbol("l", integer=True, positive=True), Symbol("i", integer=True, positive=True)
    v, n = IndexedBase("v", nonnegative=True), IndexedBase("n", integer=True, positive=True)
    s = Symbol("s", real=True)
    context = Context(definitions=(Definition("D1", s, v[l] + 1 / n[l]),))
    hypothesis = Hypothesis("IH", v[l], Rational(1, 3))
    chain = Chain("c", s, (_step(s, v[l] + 1 / n[l]),), hypotheses=(hypothesis,), context=context)
    preamble = derivation_directives(_derivation(chain))
    assert "scalar v_{i} : nonnegative" in preamble and "scalar n_{i} : positive integer" in preamble
    assert r"define s = v_{l} + \frac{1}{n_{l}}" in preamble  # in every context: the preamble
    assert chain_directives(chain, preamble) == (r"assume v_{l} = \frac{1}{3}",)
    for line in preamble + chain_directives(chain, preamble):
        parse_directive(line)


def test_unfolded_definitions_are_said_where_the_chain_uses_them():
    n = Symbol("n", integer=True, positive=True)
    A, Sigma = MatrixSymbol("A", n, n), MatrixSymbol("Sigma", n, n)
    u = Symbol("u", real=True)
    p = Function("p_Y")
    unfolded = (("D2", Sigma, A * Transpose(A)), ("H2", p, Lambda(u, u**2)))
    chain = Chain("c", Sigma, (_step(Sigma, A * Transpose(A), unfolded=unfolded),))
    local = chain_directives(chain, ())
    assert r"define \Sigma = A A^{T}" in local
    assert "define p_{Y}(u) = u^{2}" in local


def test_the_transcript_carries_them_as_comments_that_check_reads():
    t = Symbol("t", positive=True)
    chain = Chain("c", t, (_step(t, t),), hypotheses=(Hypothesis("C", t, Rational(2)),))
    text = derivation_to_latex(_derivation(chain))
    assert text.splitlines()[2] == f"{PREFIX}scalar t : positive"
    assert f"{PREFIX}assume t = 2\n\\begin{{align*}}" in text
    assert as_comments(()) == ""


def test_an_undefined_function_prints_as_a_reader_writes_it():
    f, x = Function("p_X"), Symbol("x")
    assert to_latex(f(x)) == r"p_{X}\left(x\right)"
    assert to_latex(f(x) ** 2) == r"\left(p_{X}\left(x\right)\right)^{2}"


def test_a_step_proved_elsewhere_is_a_hypothesis_only_when_it_is_an_equality():
    t = Symbol("t", real=True)
    equal = Step(t, 2 * t, "rule", "why.", Verification(Status.PROVED_ON_INSTANCES, "elsewhere", evidence=object()))
    bound = Step(2 * t, 3 * t, "rule", "why.", Verification(Status.PROVED, "Jensen", evidence=object()),
                 relation="<=")
    local = chain_directives(Chain("c", t, (equal, bound)), ())
    assert "assume t = 2 t" in local
    assert not any("3 t" in line for line in local)  # 'assume 2t = 3t' would be a false hypothesis
