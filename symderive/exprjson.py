"""SymPy expressions as JSON trees of allow-listed class names, rebuilt without evaluation.

A tree is a JSON list ``[class name, *children]``; the children are trees again.
A few atoms carry data instead of children::

    ["Integer", "-12"]                  decimal, or "0x..." hex beyond Python's int-string limit
    ["Rational", "1", "3"]
    ["Float", "0.10000000000000001", 53] digits enough to round-trip, then binary precision
    ["Symbol", "n", {"integer": true}]   name and the assumptions it was created with
    ["Dummy", 0, "k", 7340123, {}]       number within the tree, name, dummy_index, assumptions
    ["Str", "A"]                         the name inside a MatrixSymbol
    ["UndefinedFunction", "f", {}, x]    f(x) for f = Function("f"), with f's assumptions
    ["FamilyMember", "f", {}, j, t]      the same for a function made with a registered notation base
    ["IndexedBase", {"positive": true}, label, *shape]
    ["ImmutableDenseMatrix", 2, 2, a, b, c, d]

Why not ``srepr`` and ``eval``: a transcript handed to ``verify`` and the result of a
child process are untrusted input.  Decoding here never parses code and never
evaluates: every node is rebuilt with ``evaluate=False`` (or a constructor that
does not evaluate), so ``["Pow", ["Integer", "10"], ["Pow", ["Integer", "10"],
["Integer", "10"]]]`` decodes instantly into an unevaluated power.  Decoding is
bounded (:class:`Bounds`: nodes, depth, literal and name lengths); anything
outside the allow-list or the bounds raises :class:`ExprJsonError`.

Other modules allow-list their own classes with :func:`register` (e.g.
``symderive.randomvars`` registers ``Expect``, ``Var`` and ``Cov`` when it is
imported: this module imports nothing from symderive, so there is no cycle), and
the notations of undefined functions with :func:`register_function_base` (an
undefined function is a class made at run time: only its name, its assumptions
and a registered base survive a transcript, so any other class attribute, such
as a ``_latex`` of its own, is refused when writing).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Sequence

import sympy
from sympy import Basic, Dummy, Expr, Float, Function, Integer, Rational, S, Symbol, Tuple
from sympy.core.symbol import Str
from sympy.core.assumptions import StdFactKB, _assume_defined
from sympy.core.function import AppliedUndef, Application, UndefinedFunction
from sympy.functions.elementary.piecewise import ExprCondPair
from sympy.matrices.expressions import (
    BlockMatrix, Determinant, DiagMatrix, DiagonalMatrix, HadamardProduct, Identity, Inverse, MatAdd,
    MatMul, MatPow, MatrixSymbol, OneMatrix, Trace, Transpose, ZeroMatrix,
)
from sympy.matrices.expressions.matexpr import MatrixElement
from sympy.matrices.immutable import ImmutableDenseMatrix
from mpmath.libmp import repr_dps, to_str

Tree = list  # [class name, *children or payload], JSON-able


class ExprJsonError(ValueError):
    """A tree that cannot be encoded or decoded: unknown class, malformed, or out of bounds."""


@dataclass(frozen=True)
class Bounds:
    """What one encoding or decoding may cost.

    ``max_depth`` stays below where SymPy's own recursive printing and comparison
    fail (about 300 levels); ``max_literal_chars`` admits 1/2006! (5,700 digits).
    """

    max_nodes: int = 100_000
    max_depth: int = 200
    max_literal_chars: int = 20_000
    max_name_chars: int = 1_000


DEFAULT_BOUNDS = Bounds()


@dataclass(frozen=True)
class _Kind:
    """How one allow-listed class is rebuilt from its decoded children."""

    cls: type
    build: Callable[..., Basic]
    min_args: int
    max_args: int | None
    child_type: type  # every child must be an instance (Expr for arithmetic)


_KINDS: dict[str, _Kind] = {}
_NAMES: dict[type, str] = {}


def register(
    cls: type,
    build: Callable[..., Basic] | None = None,
    min_args: int | None = None,
    max_args: int | None = None,
    child_type: type = Basic,
) -> type:
    """Allow-list ``cls`` (by its ``__name__``): its trees are ``[name, *args]``.

    ``build(*args)`` must rebuild the node without evaluating; the default is
    ``cls(*args, evaluate=False)``, accepted only for ``Function`` subclasses, whose
    arity defaults to their ``nargs``.  Returns ``cls`` so it can decorate a class.
    """
    name = cls.__name__
    if (name in _KINDS and _KINDS[name].cls is not cls) or name in _ATOMS or name in _WITH_PAYLOAD:
        raise ValueError(f"another class named {name!r} is already registered")
    if build is None:
        if not issubclass(cls, Application):
            raise TypeError(f"{name}: give a non-evaluating build function")
        build = _unevaluated(cls)
        low, high = _nargs_range(cls)
        min_args = low if min_args is None else min_args
        max_args = high if max_args is None else max_args
    _KINDS[name] = _Kind(cls, build, min_args or 0, max_args, child_type)
    _NAMES[cls] = name
    return cls


_FUNCTION_BASES: dict[str, type] = {}  # tree name -> an AppliedUndef subclass giving a notation


def register_function_base(base: type) -> type:
    """Allow-list ``base``, a subclass of ``AppliedUndef`` that gives undefined functions a notation.

    ``base.arity`` is the number of arguments of such a function: it is made with
    ``UndefinedFunction(name, bases=(base,), nargs=base.arity)``, so that it is
    not equal to the plain function of the same name (SymPy compares undefined
    functions by name, assumptions and ``nargs``, not by base, and would hand one's
    cached applications to the other).  It is written ``[base.__name__, name,
    assumptions, *args]`` and read back with the same base and arity.  Returns
    ``base`` so it can decorate a class.
    """
    name = base.__name__
    if not (isinstance(base, type) and issubclass(base, AppliedUndef)) or base is AppliedUndef:
        raise TypeError(f"{name}: a notation base must be a proper subclass of AppliedUndef")
    if type(getattr(base, "arity", None)) is not int:
        raise TypeError(f"{name}: a notation base declares its arity (an int)")
    if (name in _FUNCTION_BASES and _FUNCTION_BASES[name] is not base) or name in _KINDS or name in _ATOMS \
            or name in _WITH_PAYLOAD:
        raise ValueError(f"another class named {name!r} is already registered")
    _FUNCTION_BASES[name] = base
    return base


def allow_list() -> frozenset[str]:
    """Every class name a tree may use."""
    return frozenset(_KINDS) | frozenset(_ATOMS) | frozenset(_WITH_PAYLOAD) | frozenset(_FUNCTION_BASES)


def _unevaluated(cls: type) -> Callable[..., Basic]:
    def build(*args: Basic) -> Basic:
        return cls(*args, evaluate=False)

    return build


def _nargs_range(cls: type) -> tuple[int, int | None]:
    nargs = getattr(cls, "nargs", None)
    if isinstance(nargs, sympy.FiniteSet) and nargs and all(n.is_Integer for n in nargs):
        return int(min(nargs)), int(max(nargs))
    return 0, None


# ---------------------------------------------------------------- encoding


def encode(expr: Basic, bounds: Bounds = DEFAULT_BOUNDS) -> Tree:
    """The JSON tree of ``expr``; raises :class:`ExprJsonError` outside the allow-list or bounds."""
    return Encoder(bounds).encode(expr)


class Encoder:
    """Encodes several expressions that share Dummies (numbered once for all of them)."""

    def __init__(self, bounds: Bounds = DEFAULT_BOUNDS) -> None:
        self.bounds = bounds
        self.nodes_left = bounds.max_nodes
        self.dummies: dict[Dummy, int] = {}

    def encode(self, expr: Basic) -> Tree:
        if not isinstance(expr, Basic):
            raise ExprJsonError(f"expected a SymPy expression, got {type(expr).__name__}")
        try:
            return self._encode(expr, 0)
        except RecursionError:
            raise ExprJsonError("nested too deeply for this Python stack") from None

    def _encode(self, e: Basic, depth: int) -> Tree:
        self.nodes_left -= 1
        if self.nodes_left < 0:
            raise ExprJsonError(f"more than {self.bounds.max_nodes} nodes")
        if depth > self.bounds.max_depth:
            raise ExprJsonError(f"nested deeper than {self.bounds.max_depth} levels")
        atom = self._atom(e, depth)
        if atom is not None:
            return atom
        return self._head(e) + [self._encode(a, depth + 1) for a in e.args]

    def _head(self, e: Basic) -> Tree:
        """The class name and the data items before the children."""
        if isinstance(e, AppliedUndef):
            return [_function_node(e.func), self._name(e.func.name), _function_assumptions(e.func)]
        if isinstance(e, sympy.IndexedBase):
            if e.offset != 0 or e.strides is not None:
                raise ExprJsonError("an IndexedBase with offset or strides cannot be encoded")
            return ["IndexedBase", dict(_indexed_base_assumptions(e))]
        name = _NAMES.get(type(e))
        if name is None:
            raise ExprJsonError(f"class {type(e).__name__} is not on the allow-list")
        return [name]

    def _atom(self, e: Basic, depth: int) -> Tree | None:
        """Nodes that carry data rather than children; None for the others."""
        if isinstance(e, Integer):
            return ["Integer", self._integer(int(e))]
        if isinstance(e, Rational):
            return ["Rational", self._integer(e.p), self._integer(e.q)]
        if isinstance(e, Float):
            digits, limit = to_str(e._mpf_, repr_dps(e._prec)), min(self.bounds.max_literal_chars, _FLOAT_CHARS)
            if len(digits) > limit:
                raise ExprJsonError(f"a Float literal longer than {limit} characters")
            return ["Float", digits, int(e._prec)]
        if isinstance(e, Dummy):
            number = self.dummies.setdefault(e, len(self.dummies))
            flags = _plain_assumptions(e._assumptions_orig)
            return ["Dummy", number, self._name(e.name), int(e.dummy_index), flags]
        if type(e) is Symbol:
            return ["Symbol", self._name(e.name), _plain_assumptions(e._assumptions_orig)]
        if isinstance(e, Str):
            return ["Str", self._name(e.name)]
        if isinstance(e, ImmutableDenseMatrix):
            entries = [self._encode(x, depth + 1) for x in e]  # row by row
            return ["ImmutableDenseMatrix", e.rows, e.cols, *entries]
        return None

    def _integer(self, value: int) -> str:
        # Hex needs no str<->int conversion limit and is linear; decimal reads better.
        text = str(value) if value.bit_length() <= 13_000 else ("-" if value < 0 else "") + hex(abs(value))
        self._check_literal(text)
        return text

    def _check_literal(self, text: str) -> None:
        if len(text) > self.bounds.max_literal_chars:
            raise ExprJsonError(f"a number literal longer than {self.bounds.max_literal_chars} characters")

    def _name(self, name: str) -> str:
        if len(name) > self.bounds.max_name_chars:
            raise ExprJsonError(f"a name longer than {self.bounds.max_name_chars} characters")
        return name


def _plain_assumptions(assumptions: dict) -> dict[str, bool]:
    return {key: bool(value) for key, value in sorted(assumptions.items()) if value is not None}


@lru_cache(maxsize=4096)  # deducing the facts is the dearest part of encoding large declarations
def _indexed_base_assumptions(base: sympy.IndexedBase) -> tuple[tuple[str, bool], ...]:
    """The facts of ``base`` beyond those of its label: what ``IndexedBase(label, **facts)`` needs.

    Not the facts it was made with: ``IndexedBase(label)`` takes every fact about
    ``label`` cached so far (``label.assumptions0``), so those depend on what was
    asked before, and the same expression would encode differently from run to run.
    """
    implied = StdFactKB(dict(base.label._assumptions0)) if isinstance(base.label, Symbol) else {}
    return tuple((key, bool(value)) for key, value in sorted(StdFactKB(base._assumptions._generator).items())
                 if value is not None and implied.get(key) != value)


_PLAIN_FUNCTION_ATTRIBUTES = frozenset(vars(Function("f"))) | {"nargs"}  # and the is_* of its assumptions


def _function_node(function_class: type) -> str:
    """The tree name of an undefined function: its registered notation base, if any.

    Refused: a function whose class carries attributes a tree cannot hold (a
    ``_latex`` passed in its ``__dict__``, another base): it would read back as
    a different function that prints differently.
    """
    bases = function_class.__bases__
    extra = {key for key in vars(function_class) if not key.startswith("is_")} - _PLAIN_FUNCTION_ATTRIBUTES
    if extra:
        raise ExprJsonError(f"function {function_class.name!r} has class attributes {sorted(extra)} that a tree "
                            "cannot hold (give it a notation base: register_function_base)")
    if bases == (AppliedUndef,):
        return "UndefinedFunction"
    if len(bases) == 1 and _FUNCTION_BASES.get(bases[0].__name__) is bases[0]:
        return bases[0].__name__
    raise ExprJsonError(f"function {function_class.name!r} has the bases {[b.__name__ for b in bases]}, "
                        "not a registered notation base")


def _function_assumptions(function_class: type) -> dict[str, bool]:
    kwargs = dict(function_class._kwargs)
    base = _FUNCTION_BASES.get(_function_node(function_class))
    if base is not None and kwargs.pop("nargs", None) != base.arity:
        raise ExprJsonError(f"function {function_class.name!r} does not take the {base.arity} arguments of its "
                            f"notation base {base.__name__}")
    extra = set(kwargs) - set(_assume_defined)
    if extra:
        raise ExprJsonError(f"function {function_class.name!r} has non-assumption attributes {sorted(extra)}")
    return _plain_assumptions(kwargs)


def function_tree(function: UndefinedFunction) -> Tree:
    """An undeclared function itself, not applied: ``[tree name, name, assumptions]``.

    (Applying it to nothing to encode ``f()`` would go through SymPy's cache.)
    """
    if not isinstance(function, UndefinedFunction):
        raise ExprJsonError(f"expected an undeclared function, got {type(function).__name__}")
    return [_function_node(function), function.name, _function_assumptions(function)]


# ---------------------------------------------------------------- decoding

# mpmath reads a Float's digits through int(): stay below Python's int-string limit (4300).
_FLOAT_CHARS = 4000
_INTEGER = re.compile(r"-?(?:0x[0-9a-f]+|[0-9]+)")
_FLOAT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:e[-+]?[0-9]+)?")


def decode(tree: Any, bounds: Bounds = DEFAULT_BOUNDS, fresh_dummies: bool = True) -> Basic:
    """The expression of ``tree``, built without evaluation; raises :class:`ExprJsonError`.

    With ``fresh_dummies`` (the default, for untrusted trees) each Dummy of the tree
    becomes a new Dummy; otherwise it keeps its ``dummy_index`` and so equals the
    Dummy that was encoded (for trees from our own child processes).
    """
    return Decoder(bounds, fresh_dummies).decode(tree)


class Decoder:
    """Decodes several trees that share Dummies (by their number)."""

    def __init__(self, bounds: Bounds = DEFAULT_BOUNDS, fresh_dummies: bool = True) -> None:
        self.bounds = bounds
        self.fresh_dummies = fresh_dummies
        self.nodes_left = bounds.max_nodes
        self.dummies: dict[int, tuple[Dummy, list]] = {}

    def decode(self, tree: Any) -> Basic:
        try:
            return self._decode(tree, ())
        except RecursionError:
            raise ExprJsonError("nested too deeply for this Python stack") from None

    def _decode(self, tree: Any, path: tuple[int, ...]) -> Basic:
        # Two Python frames per level of the tree (this and the list comprehension).
        self.nodes_left -= 1
        if self.nodes_left < 0:
            raise ExprJsonError(f"more than {self.bounds.max_nodes} nodes")
        if len(path) > self.bounds.max_depth:
            raise ExprJsonError(f"nested deeper than {self.bounds.max_depth} levels")
        if not isinstance(tree, list) or not tree or not isinstance(tree[0], str):
            raise ExprJsonError(f"expected a node [class name, ...] at {_where(path)}, got {_show(tree)}")
        name = tree[0]
        payload_length = self._payload_length(name, len(tree) - 1, path)
        payload = tree[1 : 1 + payload_length]
        first_child = 1 + payload_length
        args = [self._decode(item, path + (i,)) for i, item in enumerate(tree[first_child:], first_child)]
        try:
            return self._build(name, payload, args, path)
        except ExprJsonError:
            raise
        except Exception as exc:  # a SymPy constructor refused the arguments (an Idx with a real label, ...)
            raise ExprJsonError(f"invalid {name} at {_where(path)}: {type(exc).__name__}: {exc}") from None

    def _payload_length(self, name: str, length: int, path: tuple[int, ...]) -> int:
        """How many items after the name are data; the rest are child trees.  Checks arity."""
        if name in _ATOMS:
            _expect(length == _ATOMS[name], name, path, f"{_ATOMS[name]} data items")
            return length
        if name in _WITH_PAYLOAD:
            _expect(length >= _WITH_PAYLOAD[name], name, path, f"{_WITH_PAYLOAD[name]} data items first")
            return _WITH_PAYLOAD[name]
        if name in _FUNCTION_BASES:
            _expect(length >= 2, name, path, "2 data items first")
            return 2
        kind = _KINDS.get(name)
        if kind is None:
            raise ExprJsonError(f"class {name!r} at {_where(path)} is not on the allow-list")
        if length < kind.min_args or (kind.max_args is not None and length > kind.max_args):
            wanted = (kind.min_args if kind.max_args == kind.min_args
                      else f"{kind.min_args} to {kind.max_args or 'any'}")
            raise ExprJsonError(f"{name} at {_where(path)} takes {wanted} arguments, got {length}")
        return 0

    def _build(self, name: str, payload: list, args: list[Basic], path: tuple[int, ...]) -> Basic:
        if name == "Integer":
            return Integer(self._int(payload[0], path))
        if name == "Rational":
            p, q = self._int(payload[0], path), self._int(payload[1], path)
            _expect(q != 0, name, path, "a nonzero denominator")
            return Rational(p, q)
        if name == "Float":
            digits, precision = payload
            limit = min(self.bounds.max_literal_chars, _FLOAT_CHARS)
            _expect(isinstance(digits, str) and len(digits) <= limit and _FLOAT.fullmatch(digits) is not None,
                    name, path, f"a decimal literal of at most {limit} characters")
            _expect(type(precision) is int and 1 <= precision <= 4 * self.bounds.max_literal_chars,
                    name, path, "a precision in bits")
            return Float(digits, precision=precision)
        if name == "Symbol":
            return Symbol(self._text(payload[0], path), **self._assumptions(payload[1], path))
        if name == "Dummy":
            return self._dummy(payload, path)
        if name == "Str":
            return Str(self._text(payload[0], path))
        if name == "UndefinedFunction" or name in _FUNCTION_BASES:
            return self._function(name, payload, path)(*args)
        if name == "IndexedBase":
            label, *shape = args
            _expect(isinstance(label, Symbol) and len(shape) <= 1 and all(isinstance(s, Tuple) for s in shape),
                    name, path, "a Symbol as its label, then optionally a Tuple as its shape")
            facts = tuple(sorted(self._assumptions(payload[0], path).items()))
            return _indexed_base(label, shape[0] if shape else None, facts)
        if name == "ImmutableDenseMatrix":
            rows, cols = payload
            sizes_ok = type(rows) is int and type(cols) is int and 0 <= rows and 0 <= cols
            _expect(sizes_ok and rows * cols == len(args), name, path, "rows, columns and rows*columns entries")
            return ImmutableDenseMatrix(rows, cols, args)
        kind = _KINDS[name]
        for arg in args:
            if not isinstance(arg, kind.child_type):
                wanted, got = kind.child_type.__name__, type(arg).__name__
                raise ExprJsonError(f"{name} at {_where(path)} takes {wanted} arguments, got {got}")
        return kind.build(*args)

    def function(self, tree: Any) -> UndefinedFunction:
        """The undeclared function of a :func:`function_tree`."""
        if not (isinstance(tree, list) and len(tree) == 3 and isinstance(tree[0], str)
                and (tree[0] == "UndefinedFunction" or tree[0] in _FUNCTION_BASES)):
            raise ExprJsonError(f"expected an undeclared function [name of its kind, name, assumptions], "
                                f"got {_show(tree)}")
        return self._function(tree[0], tree[1:], ())

    def _function(self, kind: str, payload: list, path: tuple[int, ...]) -> UndefinedFunction:
        name, assumptions = self._text(payload[0], path), self._assumptions(payload[1], path)
        if kind == "UndefinedFunction":
            return Function(name, **assumptions)
        base = _FUNCTION_BASES[kind]
        return UndefinedFunction(name, bases=(base,), nargs=base.arity, **assumptions)

    def _dummy(self, payload: list, path: tuple[int, ...]) -> Dummy:
        number, name, index, assumptions = payload
        _expect(type(number) is int and type(index) is int, "Dummy", path,
                "a number, a name, a dummy_index and assumptions")
        known = self.dummies.get(number)
        if known is not None:
            _expect(known[1] == payload, "Dummy", path, f"the same data as Dummy number {number} before")
            return known[0]
        text, flags = self._text(name, path), self._assumptions(assumptions, path)
        dummy = Dummy(text, **flags) if self.fresh_dummies else Dummy(text, dummy_index=index, **flags)
        self.dummies[number] = (dummy, payload)
        return dummy

    def _int(self, literal: Any, path: tuple[int, ...]) -> int:
        if not isinstance(literal, str) or len(literal) > self.bounds.max_literal_chars:
            limit = self.bounds.max_literal_chars
            raise ExprJsonError(f"expected an integer literal of at most {limit} characters at {_where(path)}")
        if not _INTEGER.fullmatch(literal):
            raise ExprJsonError(f"malformed integer literal {_show(literal)} at {_where(path)}")
        negative, digits = literal.startswith("-"), literal.lstrip("-")
        value = int(digits[2:], 16) if digits.startswith("0x") else int(digits)
        return -value if negative else value

    def _text(self, text: Any, path: tuple[int, ...]) -> str:
        if not isinstance(text, str) or not text or len(text) > self.bounds.max_name_chars:
            limit = self.bounds.max_name_chars
            raise ExprJsonError(f"expected a name of 1 to {limit} characters at {_where(path)}")
        return text

    def _assumptions(self, flags: Any, path: tuple[int, ...]) -> dict[str, bool]:
        if not isinstance(flags, dict) or not all(
            key in _assume_defined and isinstance(value, bool) for key, value in flags.items()
        ):
            raise ExprJsonError(f"expected assumptions {{name: true|false}} at {_where(path)}, got {_show(flags)}")
        return flags


# Nodes whose items are all data, and nodes whose first items are data before their children.
_ATOMS = {"Integer": 1, "Rational": 2, "Float": 2, "Symbol": 2, "Dummy": 4, "Str": 1}
_WITH_PAYLOAD = {"UndefinedFunction": 2, "IndexedBase": 1, "ImmutableDenseMatrix": 2}


def _expect(condition: bool, name: str, path: tuple[int, ...], what: str) -> None:
    if not condition:
        raise ExprJsonError(f"{name} at {_where(path)} expects {what}")


# Deducing an IndexedBase's or Indexed's facts (``StdFactKB``) dominates decoding large
# declarations, and SymPy does not cache these constructors: equal arguments share one
# (immutable) object instead.
@lru_cache(maxsize=4096)
def _indexed_base(label: Symbol, shape: Tuple | None, facts: tuple[tuple[str, bool], ...]) -> sympy.IndexedBase:
    return sympy.IndexedBase(label, shape, **dict(facts))


@lru_cache(maxsize=1 << 16)
def _indexed(base: Basic, *indices: Basic) -> sympy.Indexed:
    return sympy.Indexed(base, *indices)


def _where(path: tuple[int, ...]) -> str:
    return "$" + "".join(f"[{i}]" for i in path)


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, (str, int, float, bool, type(None))) else type(value).__name__
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------- the allow-list


def _register_builtins() -> None:
    from sympy.functions import (
        Abs, DiracDelta, Heaviside, KroneckerDelta, Max, Min, acos, acosh, acot, acoth, arg, asin, asinh,
        atan, atan2, atanh, binomial, ceiling, conjugate, cos, cosh, cot, coth, csc, erf, exp, factorial,
        floor, gamma, im, log, re, sec, sign, sin, sinh, tan, tanh,
    )

    for function in (
        exp, sin, cos, tan, cot, sec, csc, asin, acos, atan, acot, atan2, sinh, cosh, tanh, coth,
        asinh, acosh, atanh, acoth, Abs, sign, re, im, arg, conjugate, floor, ceiling, factorial,
        binomial, gamma, erf, Heaviside, DiracDelta, sympy.Mod,
    ):
        register(function, child_type=Expr)
    register(log, min_args=1, max_args=1, child_type=Expr)  # log(x, b) is evaluated to log(x)/log(b)
    register(KroneckerDelta, min_args=2, max_args=3)
    for operator in (Min, Max, sympy.Add, sympy.Mul):
        register(operator, _unevaluated(operator), 2, child_type=Expr)
    register(sympy.Pow, _unevaluated(sympy.Pow), 2, 2, child_type=Expr)
    for relation in (sympy.Eq, sympy.Ne, sympy.Lt, sympy.Le, sympy.Gt, sympy.Ge):
        register(relation, _unevaluated(relation), 2, 2)
    register(sympy.And, _unevaluated(sympy.And), 2)
    register(sympy.Or, _unevaluated(sympy.Or), 2)
    register(sympy.Not, min_args=1, max_args=1)
    register(ExprCondPair, ExprCondPair, 2, 2)
    register(sympy.Piecewise, _unevaluated(sympy.Piecewise), 1, child_type=ExprCondPair)
    for singleton in (
        S.Pi, S.Exp1, S.ImaginaryUnit, S.Infinity, S.NegativeInfinity, S.ComplexInfinity, S.NaN,
        S.true, S.false, S.EulerGamma, S.GoldenRatio, S.Catalan,
    ):
        register(type(singleton), lambda _value=singleton: _value, 0, 0)
    register(Tuple, Tuple)
    # Containers that do not evaluate on construction (``doit`` does that).
    for container, low, high in (
        (sympy.Idx, 1, 2), (sympy.Sum, 2, None), (sympy.Product, 2, None),
        (sympy.Integral, 2, None), (sympy.Subs, 3, 3), (sympy.Lambda, 2, 2), (sympy.Limit, 4, 4),
        (MatrixSymbol, 3, 3), (Transpose, 1, 1), (Inverse, 2, 2), (Trace, 1, 1), (Determinant, 1, 1),
        (Identity, 1, 1), (ZeroMatrix, 2, 2), (OneMatrix, 2, 2), (MatrixElement, 3, 3), (DiagMatrix, 1, 1),
        (DiagonalMatrix, 1, 1), (BlockMatrix, 1, 1),
    ):
        register(container, container, low, high)
    register(sympy.Indexed, _indexed, 2)
    register(sympy.Derivative, _unevaluated(sympy.Derivative), 2)
    for matrix_operator in (MatAdd, MatMul, HadamardProduct):
        register(matrix_operator, _unevaluated(matrix_operator), 2)
    register(MatPow, _unevaluated(MatPow), 2, 2)


_register_builtins()
