"""Frozen dataclasses of SymPy values and plain data as JSON, read back by their type hints.

The judging context of a saved transcript (:class:`symderive.judge.Context`: its
definitions, random model, sizes, convention, seed, ...) is written field by
field, driven by the dataclasses' type hints, so a field added later is covered
as long as its type is one of:

* ``None``, ``bool``, ``int`` (64-bit), ``float`` (finite), ``str``;
* an ``Enum`` (its value);
* a frozen dataclass (``{"type": name, field: value, ...}``);
* a SymPy class (an :mod:`symderive.exprjson` tree; a ``sympy.stats`` random
  symbol as a *law*: its distribution, from an allow-list, and its parameters);
* ``tuple[X, ...]``, ``tuple[X, Y]``, ``frozenset[X]``, ``Mapping[K, V]`` /
  ``dict[K, V]`` (a list of ``[key, value]`` pairs) and ``X | Y`` of these;
* a bare ``tuple`` or ``frozenset`` whose items are SymPy values, strings, ints,
  bools, None or tuples of these (items without a declared type: a tuple item
  is written ``{"tuple": [...]}``, so it cannot be mistaken for a tree).

Any other type (``Any``, callables, classes of our own that are not frozen
dataclasses) is refused with its field's name, when writing: a transcript that
could not be read back faithfully is never written.

Reading is the untrusted direction: the type hints (not the file) decide which
class is built, a dataclass is restored field by field as ``pickle`` would
(without re-running ``__post_init__``, which may not accept its own output, e.g.
``MatrixFacts`` keeps families as ``("family", name)`` keys), every SymPy value goes through the bounded, evaluation-free
:func:`symderive.exprjson.decode`, laws are rebuilt by ``sympy.stats``'s own
constructors (which check their parameters), and anything unexpected raises
:class:`DataJsonError` with the JSON path.
"""
from __future__ import annotations

import collections.abc
import dataclasses
import enum
import json
import math
import types
import typing
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from sympy import Basic, Interval, Lambda
from sympy.stats.rv import RandomSymbol

from .exprjson import DEFAULT_BOUNDS, Decoder, Encoder, ExprJsonError

MAX_CONTAINER_DEPTH = 50
MAX_ITEMS = 100_000  # items in one list, tuple, set or mapping
MAX_TEXT_CHARS = 100_000
_INT_BITS = 63


class DataJsonError(ValueError):
    """A value that cannot be written, or JSON that does not read back as the expected type."""


class OneLine(list):
    """A JSON list best shown on one line (an expression tree); see :func:`dumps`."""


@dataclass(frozen=True)
class Reference:
    """How values of one class are written as an index into a table kept elsewhere in the file.

    ``index(value)`` gives the index when writing; ``resolve(index)`` the value when
    reading (raising :class:`DataJsonError` for an index out of range).
    """

    key: str
    index: Callable[[Any], int]
    resolve: Callable[[int], Any]


References = Mapping[type, Reference]


# ---------------------------------------------------------------- writing


def encode_value(value: Any, hint: Any, encoder: Encoder, references: References = {}, where: str = "$") -> Any:
    """``value`` (of type ``hint``) as JSON data; raises :class:`DataJsonError` naming ``where``."""
    origin, arguments = typing.get_origin(hint), typing.get_args(hint)
    if _is_union(hint):
        return _encode_union(value, arguments, encoder, references, where)
    if isinstance(hint, type) and hint in references:
        _expect_instance(value, hint, where)
        return {references[hint].key: references[hint].index(value)}
    if hint is type(None) or hint is None:
        _expect_instance(value, type(None), where)
        return None
    if hint in (bool, str):
        if type(value) is not hint:
            raise DataJsonError(f"{where}: expected a {hint.__name__}, got {_show(value)}")
        return value
    if hint is int:
        if type(value) is not int or value.bit_length() > _INT_BITS:
            raise DataJsonError(f"{where}: expected an int of at most {_INT_BITS} bits, got {_show(value)}")
        return value
    if hint is float:
        if type(value) not in (int, float) or not math.isfinite(value):
            raise DataJsonError(f"{where}: expected a finite float, got {_show(value)}")
        return float(value)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        _expect_instance(value, hint, where)
        return value.value
    if isinstance(hint, type) and issubclass(hint, Basic):
        _expect_instance(value, hint, where)
        return _encode_basic(value, encoder, where)
    if isinstance(hint, type) and _is_frozen_dataclass(hint):
        _expect_instance(value, hint, where)
        return encode_dataclass(value, encoder, references, where)
    if hint in (tuple, frozenset):
        _expect_instance(value, hint, where)
        items = [_encode_untyped(item, encoder, f"{where}[{i}]", 0) for i, item in enumerate(value)]
        return items if hint is tuple else sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    if origin is tuple:
        _expect_instance(value, tuple, where)
        return [encode_value(item, h, encoder, references, f"{where}[{i}]")
                for i, (item, h) in enumerate(zip(value, _tuple_hints(arguments, len(value), where)))]
    if origin is frozenset:
        _expect_instance(value, frozenset, where)
        items = [encode_value(item, arguments[0], encoder, references, f"{where}[]") for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))  # a deterministic order
    if origin in _MAPPINGS:
        _expect_instance(value, Mapping, where)
        key_hint, value_hint = arguments
        return [[encode_value(k, key_hint, encoder, references, f"{where}[key]"),
                 encode_value(v, value_hint, encoder, references, f"{where}[{k}]")] for k, v in value.items()]
    raise DataJsonError(f"{where}: cannot write a field of type {_name_of(hint)} (not plain data, SymPy, "
                        "an enum or a frozen dataclass)")


def _encode_untyped(value: Any, encoder: Encoder, where: str, depth: int) -> Any:
    """An item of a bare container: a SymPy value or plain data, its kind read off the value."""
    if depth > MAX_CONTAINER_DEPTH:
        raise DataJsonError(f"{where}: nested deeper than {MAX_CONTAINER_DEPTH} containers")
    if isinstance(value, Basic):
        return _encode_basic(value, encoder, where)
    if value is None or type(value) in (bool, str):
        return value
    if type(value) is int:
        return encode_value(value, int, encoder, where=where)
    if type(value) is tuple:
        return {"tuple": OneLine(_encode_untyped(item, encoder, f"{where}[{i}]", depth + 1)
                                 for i, item in enumerate(value))}
    raise DataJsonError(f"{where}: a {type(value).__name__} in a container without an item type "
                        "(only SymPy values, strings, ints, bools, None and tuples of these)")


def encode_dataclass(value: Any, encoder: Encoder, references: References = {}, where: str = "$") -> dict:
    """A frozen dataclass as ``{"type": class name, field: value, ...}``, field by field."""
    cls = type(value)
    if not _is_frozen_dataclass(cls):
        raise DataJsonError(f"{where}: {cls.__name__} is not a frozen dataclass")
    hints = _hints(cls, where)
    data: dict[str, Any] = {"type": cls.__name__}
    for item in dataclasses.fields(cls):
        data[item.name] = encode_value(getattr(value, item.name), hints[item.name], encoder, references,
                                       f"{where}.{item.name}")
    return data


def _encode_union(value: Any, arms: tuple, encoder: Encoder, references: References, where: str) -> Any:
    for arm in arms:
        if _accepts(arm, value):
            return encode_value(value, arm, encoder, references, where)
    raise DataJsonError(f"{where}: {_show(value)} is none of {', '.join(_name_of(a) for a in arms)}")


def _encode_basic(value: Basic, encoder: Encoder, where: str) -> Any:
    try:
        if isinstance(value, RandomSymbol):
            return {"law": encode_law(value, encoder)}
        encoder.nodes_left = encoder.bounds.max_nodes  # the node bound holds for each tree
        return OneLine(_number_dummies(encoder.encode(value)))
    except ExprJsonError as exc:
        raise DataJsonError(f"{where}: {exc}") from None


def encode_tree(value: Basic, encoder: Encoder) -> OneLine:
    """One expression as an exprjson tree, sharing ``encoder``'s numbering of Dummies."""
    return _encode_basic(value, encoder, "$")


def _number_dummies(tree: Any) -> Any:
    """Write each Dummy's number in the tree as its index too: the process's counter varies between runs.

    Every list in a tree starts with a class name and its data items are never lists,
    so a list starting with "Dummy" is a Dummy node.
    """
    if not isinstance(tree, list):
        return tree
    if tree and tree[0] == "Dummy":
        return ["Dummy", tree[1], tree[2], tree[1], tree[4]]
    return [_number_dummies(item) for item in tree]


# ---------------------------------------------------------------- laws (sympy.stats random symbols)


def _law_constructors() -> dict[str, Callable[..., RandomSymbol]]:
    """Distribution class name -> the ``sympy.stats`` function that builds (and checks) such a law."""
    import sympy.stats as stats

    names = ("Uniform", "Normal", "Exponential", "Gamma", "Beta", "Laplace", "Logistic", "Cauchy",
             "ChiSquared", "StudentT", "Bernoulli", "Binomial", "Rademacher", "Poisson", "Geometric")
    return {f"{name}Distribution": getattr(stats, name) for name in names}


_HANDMADE = "ContinuousDistributionHandmade"


def encode_law(law: RandomSymbol, encoder: Encoder) -> dict:
    """``{"name", "distribution", "parameters"}`` for an allow-listed law; refused otherwise.

    The law is rebuilt here and compared with the original, so what is written reads back equal.
    """
    distribution = law.pspace.distribution
    kind = type(distribution).__name__
    if kind == _HANDMADE:
        pdf, support = distribution.args
        if not isinstance(support, Interval):
            raise DataJsonError(f"law {law}: only an interval as the support of a hand-made density")
        parameters = [pdf, support.start, support.end]
        flags = [bool(support.left_open), bool(support.right_open)]
    elif kind in _law_constructors():
        parameters, flags = list(distribution.args), []
    else:
        raise DataJsonError(f"law {law}: distribution {kind} is not on the allow-list "
                            f"({', '.join(sorted(_law_constructors()) + [_HANDMADE])})")
    data = {"name": law.symbol.name, "distribution": kind,
            "parameters": [_encode_basic(p, encoder, f"law {law}") for p in parameters]}
    if flags:
        data["open"] = flags
    if _build_law(law.symbol.name, kind, parameters, flags) != law:
        raise DataJsonError(f"law {law} does not read back equal to itself")
    return data


def decode_law(data: Any, decoder: Decoder, where: str = "$") -> RandomSymbol:
    """The law written by :func:`encode_law`, rebuilt by ``sympy.stats`` (parameters checked)."""
    expected = {"name", "distribution", "parameters"} | ({"open"} if isinstance(data, dict) and "open" in data else set())
    _expect_keys(data, expected, where)
    name, kind, trees = data["name"], data["distribution"], data["parameters"]
    if not isinstance(name, str) or not 0 < len(name) <= decoder.bounds.max_name_chars:
        raise DataJsonError(f"{where}.name: expected a name")
    if kind != _HANDMADE and kind not in _law_constructors():
        raise DataJsonError(f"{where}.distribution: {_show(kind)} is not on the allow-list")
    if not isinstance(trees, list) or len(trees) > 8:
        raise DataJsonError(f"{where}.parameters: expected a list of at most 8 expressions")
    parameters = [_decode_tree(tree, decoder, f"{where}.parameters[{i}]") for i, tree in enumerate(trees)]
    flags = data.get("open", [])
    if kind == _HANDMADE:
        if not (isinstance(flags, list) and len(flags) == 2 and all(type(f) is bool for f in flags)
                and len(parameters) == 3 and isinstance(parameters[0], Lambda)):
            raise DataJsonError(f"{where}: a hand-made density needs a Lambda, the support's ends and 'open' flags")
    elif flags:
        raise DataJsonError(f"{where}.open: only for a hand-made density")
    try:
        return _build_law(name, kind, parameters, flags)
    except Exception as exc:  # sympy.stats refused the parameters (a negative standard deviation, ...)
        raise DataJsonError(f"{where}: invalid {kind} law: {type(exc).__name__}: {_short(exc)}") from None


def _build_law(name: str, kind: str, parameters: list, flags: list) -> RandomSymbol:
    if kind == _HANDMADE:
        from sympy.stats.crv import SingleContinuousPSpace
        from sympy.stats.crv_types import ContinuousDistributionHandmade

        pdf, start, end = parameters
        support = Interval(start, end, *flags)
        return SingleContinuousPSpace(name, ContinuousDistributionHandmade(pdf, support)).value
    return _law_constructors()[kind](name, *parameters)


# ---------------------------------------------------------------- reading


def decode_value(data: Any, hint: Any, decoder: Decoder, references: References = {}, where: str = "$",
                 depth: int = 0) -> Any:
    """The value of type ``hint`` written as ``data``; raises :class:`DataJsonError` naming the path."""
    if depth > MAX_CONTAINER_DEPTH:
        raise DataJsonError(f"{where}: nested deeper than {MAX_CONTAINER_DEPTH} containers")
    origin, arguments = typing.get_origin(hint), typing.get_args(hint)
    if _is_union(hint):
        return _decode_union(data, arguments, decoder, references, where, depth)
    if isinstance(hint, type) and hint in references:
        reference = references[hint]
        _expect_keys(data, {reference.key}, where)
        index = data[reference.key]
        if type(index) is not int:
            raise DataJsonError(f"{where}.{reference.key}: expected an index")
        return reference.resolve(index)
    if hint is type(None) or hint is None:
        if data is not None:
            raise DataJsonError(f"{where}: expected null, got {_show(data)}")
        return None
    if hint is bool:
        if type(data) is not bool:
            raise DataJsonError(f"{where}: expected true or false, got {_show(data)}")
        return data
    if hint is str:
        if not isinstance(data, str) or len(data) > MAX_TEXT_CHARS:
            raise DataJsonError(f"{where}: expected a string of at most {MAX_TEXT_CHARS} characters")
        return data
    if hint is int:
        if type(data) is not int or data.bit_length() > _INT_BITS:
            raise DataJsonError(f"{where}: expected an integer of at most {_INT_BITS} bits, got {_show(data)}")
        return data
    if hint is float:
        if type(data) not in (int, float) or not math.isfinite(data) or abs(data) > 2.0**_INT_BITS:
            raise DataJsonError(f"{where}: expected a finite number, got {_show(data)}")
        return float(data)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        try:
            return hint(data)
        except (ValueError, TypeError):
            choices = ", ".join(repr(m.value) for m in hint)
            raise DataJsonError(f"{where}: expected one of {choices}, got {_show(data)}") from None
    if isinstance(hint, type) and issubclass(hint, Basic):
        value = decode_law(data["law"], decoder, f"{where}.law") if _is_law(data) else _decode_tree(data, decoder, where)
        if not isinstance(value, hint):
            raise DataJsonError(f"{where}: expected a {hint.__name__}, got {type(value).__name__}")
        return value
    if isinstance(hint, type) and _is_frozen_dataclass(hint):
        return decode_dataclass(data, hint, decoder, references, where, depth)
    if hint in (tuple, frozenset):
        values = [_decode_untyped(item, decoder, f"{where}[{i}]", depth + 1)
                  for i, item in enumerate(_expect_list(data, where))]
        return tuple(values) if hint is tuple else frozenset(values)
    if origin in (tuple, frozenset):
        items = _expect_list(data, where)
        item_hints = _tuple_hints(arguments, len(items), where) if origin is tuple else [arguments[0]] * len(items)
        values = [decode_value(item, h, decoder, references, f"{where}[{i}]", depth + 1)
                  for i, (item, h) in enumerate(zip(items, item_hints))]
        return tuple(values) if origin is tuple else frozenset(values)
    if origin in _MAPPINGS:
        key_hint, value_hint = arguments
        mapping = {}
        for i, pair in enumerate(_expect_list(data, where)):
            if not (isinstance(pair, list) and len(pair) == 2):
                raise DataJsonError(f"{where}[{i}]: expected a [key, value] pair")
            key = decode_value(pair[0], key_hint, decoder, references, f"{where}[{i}][0]", depth + 1)
            mapping[key] = decode_value(pair[1], value_hint, decoder, references, f"{where}[{i}][1]", depth + 1)
        return mapping
    raise DataJsonError(f"{where}: cannot read a field of type {_name_of(hint)}")


def _decode_untyped(data: Any, decoder: Decoder, where: str, depth: int) -> Any:
    """An item of a bare container, as :func:`_encode_untyped` wrote it."""
    if depth > MAX_CONTAINER_DEPTH:
        raise DataJsonError(f"{where}: nested deeper than {MAX_CONTAINER_DEPTH} containers")
    if isinstance(data, list):
        return _decode_tree(data, decoder, where)
    if data is None or type(data) is bool:
        return data
    if type(data) is str:
        return decode_value(data, str, decoder, where=where)
    if type(data) is int:
        return decode_value(data, int, decoder, where=where)
    if isinstance(data, dict) and set(data) == {"tuple"}:
        items = _expect_list(data["tuple"], f"{where}.tuple")
        return tuple(_decode_untyped(item, decoder, f"{where}.tuple[{i}]", depth + 1) for i, item in enumerate(items))
    raise DataJsonError(f"{where}: expected a tree, a string, an integer, true, false, null or {{\"tuple\": [...]}}, "
                        f"got {_show(data)}")


def decode_dataclass(data: Any, cls: type, decoder: Decoder, references: References = {}, where: str = "$",
                     depth: int = 0) -> Any:
    """The ``cls`` written by :func:`encode_dataclass`: its fields read by their type hints, then restored.

    A field missing from ``data`` takes its default (a transcript written before the
    field existed); a field without a default must be present; unknown keys are refused.
    """
    if not isinstance(data, dict):
        raise DataJsonError(f"{where}: expected a {cls.__name__} object, got {_show(data)}")
    if data.get("type") != cls.__name__:
        raise DataJsonError(f"{where}: expected type {cls.__name__!r}, got {_show(data.get('type'))}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields) - {"type"})
    if unknown:
        raise DataJsonError(f"{where}: unknown key {unknown[0]!r} for {cls.__name__}")
    hints = _hints(cls, where)
    instance = object.__new__(cls)  # as pickle does: the written state, not __post_init__ applied again
    for name, item in fields.items():
        if name in data:
            value = decode_value(data[name], hints[name], decoder, references, f"{where}.{name}", depth + 1)
        elif item.default is not dataclasses.MISSING:
            value = item.default
        elif item.default_factory is not dataclasses.MISSING:
            value = item.default_factory()
        else:
            raise DataJsonError(f"{where}: missing key {name!r} of {cls.__name__}")
        object.__setattr__(instance, name, value)
    return instance


def _decode_union(data: Any, arms: tuple, decoder: Decoder, references: References, where: str, depth: int) -> Any:
    if data is None and type(None) in arms:
        return None
    failures = []
    for arm in (a for a in arms if a is not type(None)):
        try:
            return decode_value(data, arm, decoder, references, where, depth)
        except DataJsonError as exc:
            failures.append(str(exc))
    raise DataJsonError(failures[0] if len(failures) == 1 else f"{where}: matches none of its types ({failures[0]})")


def decode_tree(data: Any, decoder: Decoder, where: str = "$") -> Basic:
    """One exprjson tree, sharing ``decoder``'s Dummies; raises :class:`DataJsonError` naming the path."""
    return _decode_tree(data, decoder, where)


def _decode_tree(data: Any, decoder: Decoder, where: str) -> Basic:
    decoder.nodes_left = decoder.bounds.max_nodes  # the node bound holds for each tree
    try:
        return decoder.decode(data)
    except ExprJsonError as exc:
        raise DataJsonError(f"{where}: {exc}") from None


def _is_law(data: Any) -> bool:
    return isinstance(data, dict) and set(data) == {"law"}


# ---------------------------------------------------------------- type hints


def _hints(cls: type, where: str) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls)
    except Exception as exc:  # a hint naming a class only imported for type checking
        raise DataJsonError(f"{where}: cannot resolve the type hints of {cls.__name__}: {exc}") from None


def _is_union(hint: Any) -> bool:
    return typing.get_origin(hint) in (typing.Union, types.UnionType)


_MAPPINGS = (dict, collections.abc.Mapping)


def _tuple_hints(arguments: tuple, length: int, where: str) -> list:
    if len(arguments) == 2 and arguments[1] is Ellipsis:
        if length > MAX_ITEMS:
            raise DataJsonError(f"{where}: more than {MAX_ITEMS} items")
        return [arguments[0]] * length
    if not arguments:
        raise DataJsonError(f"{where}: a tuple without item types")
    if length != len(arguments):
        raise DataJsonError(f"{where}: expected {len(arguments)} items, got {length}")
    return list(arguments)


def _accepts(hint: Any, value: Any) -> bool:
    """Whether ``value`` is of type ``hint`` at the top level (to pick the arm of a union)."""
    if hint is type(None) or hint is None:
        return value is None
    if hint is int:
        return type(value) is int
    if hint is float:
        return type(value) in (int, float)
    origin = typing.get_origin(hint)
    if origin is not None:
        container = {tuple: tuple, frozenset: frozenset}.get(origin, Mapping)
        return isinstance(value, container)
    return isinstance(hint, type) and isinstance(value, hint)


def _is_frozen_dataclass(cls: type) -> bool:
    return dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen


def _expect_instance(value: Any, cls: type, where: str) -> None:
    if not isinstance(value, cls):
        raise DataJsonError(f"{where}: expected a {cls.__name__}, got {type(value).__name__}")


def _expect_list(data: Any, where: str) -> list:
    if not isinstance(data, list):
        raise DataJsonError(f"{where}: expected a list, got {_show(data)}")
    if len(data) > MAX_ITEMS:
        raise DataJsonError(f"{where}: more than {MAX_ITEMS} items")
    return data


def _expect_keys(data: Any, keys: set[str], where: str) -> None:
    if not isinstance(data, dict):
        raise DataJsonError(f"{where}: expected an object with keys {sorted(keys)}, got {_show(data)}")
    missing, unknown = sorted(keys - set(data)), sorted(set(data) - keys)
    if missing:
        raise DataJsonError(f"{where}: missing key {missing[0]!r}")
    if unknown:
        raise DataJsonError(f"{where}: unknown key {unknown[0]!r}")


def _name_of(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint)


def _show(value: Any) -> str:
    if isinstance(value, (bool, type(None))) or (isinstance(value, (int, float)) and abs(value) < 10**30):
        return repr(value)
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else repr(value[:37]) + "..."
    return f"a {type(value).__name__}"


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) <= 200 else text[:197] + "..."


# ---------------------------------------------------------------- layout


def dumps(value: Any, level: int = 0) -> str:
    """JSON with objects and lists indented one item a line, but each :class:`OneLine` on a single line."""
    pad, inner = "  " * level, "  " * (level + 1)
    if isinstance(value, dict) and value:
        items = (f"{inner}{json.dumps(str(k), ensure_ascii=False)}: {dumps(v, level + 1)}" for k, v in value.items())
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list) and value and not isinstance(value, OneLine):
        return "[\n" + ",\n".join(f"{inner}{dumps(v, level + 1)}" for v in value) + f"\n{pad}]"
    return json.dumps(value, ensure_ascii=False)


__all__ = [
    "DataJsonError", "OneLine", "Reference", "encode_value", "encode_dataclass", "encode_tree", "encode_law",
    "decode_value", "decode_dataclass", "decode_tree", "decode_law", "dumps", "DEFAULT_BOUNDS",
]
