"""Assumption sentences are printed from the forms the judge uses: change the form, the sentence changes."""
from __future__ import annotations

import pytest
from sympy import IndexedBase, S, Sum, Symbol, sqrt
from sympy.stats import Exponential, Normal, Uniform

from symderive.judge import Definition
from symderive.randomvars import Independence, RandomFamily
from symderive.render.premises import (
    definition_formula,
    facts_sentence,
    generic_entry,
    iid_sentence,
    independence_sentence,
    law_sentence,
    law_to_latex,
    object_name,
)

l, i, j = (Symbol(s, integer=True, positive=True) for s in "lij")
m, r, c = (Symbol(s, integer=True) for s in "mrc")
A, b, y, n, v = (IndexedBase(s) for s in "Abynv")


def uniform_family(base, bound, *rest, label="H2"):
    return RandomFamily(base, (l,), (m, *rest), iid=True, law=Uniform(str(base), -bound, bound), label=label)


def test_a_uniform_law_prints_its_bounds_at_the_entry():
    law = Uniform("A", -1 / sqrt(n[m - 1]), 1 / sqrt(n[m - 1]))
    assert law_to_latex(law, {m: l}) == r"U\left(- \frac{1}{\sqrt{n_{l - 1}}}, \frac{1}{\sqrt{n_{l - 1}}}\right)"
    assert law_to_latex(Uniform("u", 0, 2)) == r"U\left(0, 2\right)"


def test_a_normal_law_prints_mean_and_variance():
    assert law_to_latex(Normal("z", 1, 3)) == r"\mathcal{N}\left(1, 9\right)"


def test_a_law_without_notation_is_refused():
    with pytest.raises(ValueError, match="no notation"):
        law_to_latex(Exponential("e", 2))


def test_entries_of_one_law_share_a_sentence_and_different_laws_do_not():
    weights = uniform_family(A, 1 / sqrt(n[m - 1]), r, c)
    biases = uniform_family(b, 1 / sqrt(n[m - 1]), r)
    same = law_sentence([(weights, (i, j)), (biases, (i,))])
    assert same.startswith(r"Every entry $(A_{l})_{ij}$ and $(b_{l})_{i}$ is drawn from $U\left(")
    wider = uniform_family(b, 2 / sqrt(n[m - 1]), r)
    different = law_sentence([(weights, (i, j)), (wider, (i,))])
    assert r"(b_{l})_{i} \sim U\left(- \frac{2}{\sqrt{n_{l - 1}}}" in different and "Every" not in different


def test_a_family_without_a_law_has_no_law_sentence():
    facts = RandomFamily(y, (l - 1,), (m, r), iid=False, mean=S.Zero, variance=v[m])
    with pytest.raises(ValueError, match="no law"):
        law_sentence([(facts, (j,))])


def test_generic_entries_keep_the_fixed_prefix():
    entry, at = generic_entry(RandomFamily(y, (l - 1,), (m, r), iid=False), (j,))
    assert entry == y[l - 1, j] and at == {m: l - 1, r: j}
    assert object_name(RandomFamily(y, (l - 1,), (m, r), iid=False)) == "y_{l - 1}"


def test_facts_are_printed_at_the_requested_entry():
    previous = RandomFamily(y, (l - 1,), (m, r), iid=False, mean=S.Zero, variance=v[m])
    text = facts_sentence(previous, (l, j))
    assert text == (r"$\mathbb{E}\left[(y_{l})_{j}\right] = 0$ and "
                    r"$\operatorname{Var}\left((y_{l})_{j}\right) = v_{l}$")
    doubled = RandomFamily(y, (l - 1,), (m, r), iid=False, mean=S.Zero, variance=2 * v[m])
    assert "= 2 v_{l}" in facts_sentence(doubled, (l, j))
    with pytest.raises(ValueError):
        facts_sentence(RandomFamily(y, (l - 1,), (m, r), iid=False), (l, j))


def test_independence_and_iid_sentences_follow_the_declarations():
    weights = uniform_family(A, 1, r, c)
    biases = uniform_family(b, 1, r)
    previous = RandomFamily(y, (l - 1,), (m, r), iid=False, mean=S.Zero, variance=v[m])
    families = (weights, biases, previous)
    assert independence_sentence(Independence("H3", (A, b, y)), families) == (
        "$A_{l}$, $b_{l}$ and $y_{l - 1}$ are mutually independent")
    assert independence_sentence(Independence("H3", (A, y)), families) == "$A_{l}$ and $y_{l - 1}$ are mutually independent"
    assert iid_sentence(families) == "the entries of each of $A_{l}$ and $b_{l}$ are independent and identically distributed"
    assert iid_sentence((weights, previous)) == "the entries of $A_{l}$ are independent and identically distributed"
    with pytest.raises(ValueError):
        independence_sentence(Independence("H3", (A, IndexedBase("Z"))), families)


def test_a_definition_prints_target_and_value():
    layer = Definition("D1", y[l, i], Sum(A[l, i, j] * y[l - 1, j], (j, 1, n[l - 1])) + b[l, i], (i,))
    assert definition_formula(layer) == (
        r"(y_{l})_{i} = (b_{l})_{i} + \sum_{j=1}^{n_{l - 1}} (A_{l})_{ij} (y_{l - 1})_{j}")
