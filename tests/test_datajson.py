"""Frozen dataclasses of SymPy values and plain data as JSON, read back by their type hints."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Callable, Mapping

import pytest
from sympy import Dummy, Expr, IndexedBase, Integral, Interval, Lambda, Piecewise, S, Symbol, exp, oo, pi, sqrt
from sympy.stats import Bernoulli, ContinuousRV, Exponential, Normal, Uniform

from symderive.datajson import (
    DataJsonError, OneLine, decode_dataclass, decode_law, decode_value, dumps, encode_dataclass, encode_law,
    encode_value,
)
from symderive.exprjson import Decoder, Encoder
from symderive.judge import Context, Convention, Definition
from symderive.randomvars import Independence, RandomFamily, RandomModel

x, t = Symbol("x", real=True), Symbol("t")
n = IndexedBase("n", integer=True, positive=True)


class Colour(str, Enum):
    RED = "red"
    BLUE = "blue"


@dataclass(frozen=True)
class Inner:
    value: Expr
    note: str = ""


@dataclass(frozen=True)
class Outer:
    items: tuple[Inner, ...]
    pair: tuple[int, float]
    names: frozenset[str]
    sizes: Mapping[Expr, tuple[int, ...]]
    colour: Colour
    maybe: Expr | None = None
    either: int | str = 0
    flag: bool = False


def round_trip(value, hint):
    text = dumps(encode_value(value, hint, Encoder()))
    return decode_value(json.loads(text), hint, Decoder())


def test_every_supported_kind_round_trips():
    value = Outer(
        items=(Inner(x**2 + 1, "a"), Inner(Integral(exp(-t**2), (t, -oo, oo)))),
        pair=(3, 0.25),
        names=frozenset({"b", "a"}),
        sizes={n[1]: (1, 2, 3), x: ()},
        colour=Colour.BLUE,
        maybe=sqrt(2) * pi,
        either="text",
        flag=True,
    )
    assert round_trip(value, Outer) == value
    assert round_trip(Outer((), (0, 0.0), frozenset(), {}, Colour.RED), Outer).maybe is None


def test_a_frozenset_is_written_in_a_stable_order():
    first = encode_value(frozenset({"b", "a", "c"}), frozenset[str], Encoder())
    assert first == ["a", "b", "c"]


def test_shared_dummies_stay_shared_and_are_numbered_deterministically():
    k = Dummy("k")
    encoder = Encoder()
    trees = [encode_value(k + 1, Expr, encoder), encode_value(2 * k, Expr, encoder)]
    Dummy("shift the counter")
    again = Encoder()
    assert trees == [encode_value(k + 1, Expr, again), encode_value(2 * k, Expr, again)]
    assert ["Dummy", 0, "k", 0, {}] in trees[0]
    decoder = Decoder()
    first, second = (decode_value(tree, Expr, decoder) for tree in trees)
    assert first.free_symbols == second.free_symbols and first.free_symbols != {k}


def test_the_contexts_fields_all_round_trip():
    A, b = IndexedBase("A"), IndexedBase("b")
    m, r = Symbol("m", integer=True), Symbol("r", integer=True)
    model = RandomModel(
        (RandomFamily(A, (S.One,), (m, r), iid=True, law=Normal("A", 0, 1 / sqrt(n[m])), label="H1"),
         RandomFamily(b, (), (m,), iid=False, mean=S.Zero, variance=n[m], label="H2", iid_label="H3")),
        independence=(Independence("H3", (A, b)),),
        constants=(n, x),
        distinct=((m, r),),
    )
    context = Context(
        definitions=(Definition("D", A[m, r], b[m] + 1, (m,)),), random_model=model,
        instance_values={n[1]: (1, 5)}, convention=Convention.KARR, random_points=3, seed=7, seconds=2.5,
    )
    assert round_trip(context, Context) == context


@pytest.mark.parametrize(
    "law",
    [
        Uniform("U", -1 / sqrt(n[1]), 1 / sqrt(n[1])),
        Normal("N", 1, 2),
        Exponential("E", 3),
        Bernoulli("B", S(1) / 3),
        ContinuousRV(x, 2 * x, Interval(0, 1)),
        ContinuousRV(x, exp(-x), Interval.Ropen(0, oo)),
    ],
)
def test_laws_round_trip_through_sympy_stats(law):
    data = json.loads(json.dumps(encode_law(law, Encoder())))
    assert decode_law(data, Decoder()) == law


def test_a_law_outside_the_allow_list_is_refused_when_writing():
    from sympy.stats import FiniteRV

    with pytest.raises(DataJsonError, match="not on the allow-list"):
        encode_law(FiniteRV("F", {0: S.Half, 1: S.Half}), Encoder())


@pytest.mark.parametrize(
    "data, message",
    [
        ({"name": "U", "distribution": "os.system", "parameters": []}, "not on the allow-list"),
        ({"name": "U", "distribution": "NormalDistribution", "parameters": [["Integer", "0"], ["Integer", "-1"]]},
         "invalid NormalDistribution law"),
        ({"name": "U", "distribution": "NormalDistribution", "parameters": [["Integer", "0"]]},
         "invalid NormalDistribution law"),
        ({"name": "U", "distribution": "NormalDistribution"}, "missing key 'parameters'"),
        ({"name": "", "distribution": "NormalDistribution", "parameters": []}, "expected a name"),
        ({"name": "U", "distribution": "ContinuousDistributionHandmade", "parameters": [["Integer", "1"]] * 3,
          "open": [False, False]}, "needs a Lambda"),
        ({"name": "U", "distribution": "NormalDistribution", "parameters": [["Integer", "0"], ["Integer", "1"]],
          "open": [True, True]}, "only for a hand-made density"),
    ],
)
def test_bad_laws_are_refused_when_reading(data, message):
    with pytest.raises(DataJsonError, match=message):
        decode_law(data, Decoder())


@dataclass(frozen=True)
class WithCallback:
    callback: Callable[[int], int]


@dataclass
class Mutable:
    value: int


class NotData:
    pass


@dataclass(frozen=True)
class WithObject:
    thing: NotData


@pytest.mark.parametrize(
    "value, hint, message",
    [
        (WithCallback(abs), WithCallback, r"\$.callback: cannot write a field of type"),
        (WithObject(NotData()), WithObject, r"\$.thing: cannot write a field of type NotData"),
        (Mutable(1), Mutable, "cannot write a field of type Mutable"),
        (float("nan"), float, "expected a finite float"),
        (2**70, int, "at most 63 bits"),
        (True, int, "expected an int"),
        ("text", Expr, "expected a Expr"),
        (1.5, int | str, "is none of int, str"),
        (Symbol("x"), IndexedBase, "expected a IndexedBase"),
    ],
)
def test_what_cannot_be_written_is_refused_with_its_place(value, hint, message):
    with pytest.raises(DataJsonError, match=message):
        encode_value(value, hint, Encoder())


@pytest.mark.parametrize(
    "data, hint, message",
    [
        ({"type": "Inner"}, Inner, "missing key 'value' of Inner"),
        ({"type": "Inner", "value": ["Integer", "1"], "extra": 1}, Inner, "unknown key 'extra'"),
        ({"type": "Outer", "value": ["Integer", "1"]}, Inner, "expected type 'Inner'"),
        (["Integer", "1"], Inner, "expected a Inner object"),
        ({"type": "Inner", "value": ["Symbol", "x", {}], "note": 3}, Inner, r"\$.note: expected a string"),
        ({"type": "Inner", "value": ["Tuple"]}, Inner, r"\$.value: expected a Expr, got Tuple"),
        ({"type": "Inner", "value": ["Exec", ["Str", "rm"]]}, Inner, "not on the allow-list"),
        (1e308 * 10, float, "expected a finite number"),
        (True, int, "expected an integer"),
        (2**64, int, "expected an integer"),
        ("purple", Colour, "expected one of 'red', 'blue'"),
        ([1, 2, 3], tuple[int, float], "expected 2 items, got 3"),
        ({"a": 1}, tuple[int, ...], "expected a list"),
        ([[1]], Mapping[int, int], r"expected a \[key, value\] pair"),
        ({"law": {"name": "A"}}, Expr, "missing key"),
    ],
)
def test_what_cannot_be_read_is_refused_with_its_place(data, hint, message):
    with pytest.raises(DataJsonError, match=message):
        decode_value(data, hint, Decoder())


def test_a_missing_field_with_a_default_takes_the_default():
    """A transcript written before a field existed still reads: the field gets its default."""
    inner = decode_dataclass({"type": "Inner", "value": ["Integer", "2"]}, Inner, Decoder())
    assert inner == Inner(S(2))


def test_containers_nested_too_deeply_are_refused():
    data: list = []
    for _ in range(60):
        data = [data]
    hint = tuple
    for _ in range(61):
        hint = tuple[hint, ...]
    with pytest.raises(DataJsonError, match="nested deeper"):
        decode_value(data, hint, Decoder())


def test_dumps_keeps_trees_on_one_line():
    text = dumps({"a": [{"tree": OneLine(["Integer", "1"])}], "b": []})
    assert '"tree": ["Integer", "1"]' in text and json.loads(text) == {"a": [{"tree": ["Integer", "1"]}], "b": []}


def test_a_context_with_matrix_facts_and_random_vectors_round_trips():
    from sympy import MatrixSymbol, ZeroMatrix

    from symderive.matrices import MatrixFacts, MatrixFamily
    from symderive.randomvectors import Independence as VectorIndependence
    from symderive.randomvectors import RandomVector, VectorModel

    size, k = Symbol("n", integer=True, positive=True), Symbol("k", integer=True)
    sigma, v, w, mu = (MatrixSymbol(name, size, cols) for name, cols in (("Sigma", size), ("v", 1), ("w", 1), ("mu", 1)))
    facts = MatrixFacts(positive_definite=frozenset({sigma}),
                        invertible=frozenset({MatrixFamily("W", k, n[k], n[k])}))  # a family: kept by name
    vectors = VectorModel((RandomVector(v, mu, sigma), RandomVector(w, ZeroMatrix(size, 1), sigma, gaussian=False)),
                          (VectorIndependence(frozenset({v, w}), "H2"),), "v ~ N(mu, Sigma) (H1)")
    context = Context(matrix_facts=facts, vector_model=vectors)
    again = round_trip(context, Context)
    assert again == context
    assert again.matrix_facts.is_positive_definite(sigma) and again.vector_model.independence_of(v, w) == "H2"


@pytest.mark.parametrize(
    "data, message",
    [
        ([{"type": "Inner"}], "expected a tree, a string"),
        ([{"tuple": [1.5]}], "expected a tree, a string"),
        ([["Eval"]], "not on the allow-list"),
    ],
)
def test_items_of_a_bare_container_are_sympy_values_or_plain_data(data, message):
    with pytest.raises(DataJsonError, match=message):
        decode_value(data, frozenset, Decoder())
    with pytest.raises(DataJsonError, match="in a container without an item type"):
        encode_value(frozenset({Inner(S.One)}), frozenset, Encoder())
