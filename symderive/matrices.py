"""Matrix expressions: declared properties, ordered products, and a normal form that proves identities.

Matrices are SymPy's own classes (``MatrixSymbol`` with symbolic dimensions,
``MatMul``, ``MatAdd``, ``MatPow``, ``Transpose``, ``Inverse``, ``Trace``,
``Determinant``, ``Identity``, ``ZeroMatrix``, ``OneMatrix``, ``DiagMatrix``,
``MatrixElement``), plus what SymPy lacks:

* :class:`MatrixFamily` / :class:`IndexedMatrix`: ``A_k`` whose shape depends on ``k``;
* :class:`OrderedProduct`: ``M_start M_{start-1} ... M_stop`` for symbolic bounds;
* :class:`MatrixDifferential` ``dX`` and :class:`ScalarDifferential` ``d f`` for matrix calculus rules;
* :class:`MatrixFacts`: which matrices are symmetric, positive definite, invertible, orthogonal, diagonal.

:func:`prove_equal` proves ``lhs = rhs`` for general (symbolic) dimensions when
both sides have the same :func:`normal_form`: a noncommutative polynomial in
letters (matrices, their transposes and inverses) whose coefficients are
scalars in canonical trace and determinant atoms.  Every rewrite it makes is a
theorem for all sizes under the declared facts; it never guesses, so a
``False`` means "not proved", never "false" (see :mod:`symderive.matrix_instances`
for exact checks and counterexamples on instances).

SymPy itself is not trusted here: it simplifies ``(A*B).I`` to ``B^-1 A^-1``
without asking whether ``A`` and ``B`` are square and invertible.

    >>> from sympy import MatrixSymbol, Symbol, Trace
    >>> n = Symbol("n", integer=True, positive=True)
    >>> A, B, C = (MatrixSymbol(s, n, n) for s in "ABC")
    >>> prove_equal(Trace(A * B * C), Trace(C * A * B), MatrixFacts())
    True
    >>> prove_equal(Trace(A * B * C), Trace(A * C * B), MatrixFacts())
    False
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise
from typing import Iterable, Union

from sympy import (
    Add,
    Basic,
    Determinant,
    Dummy,
    Expr,
    Function,
    Identity,
    Integer,
    KroneckerDelta,
    Lambda,
    MatAdd,
    MatMul,
    MatPow,
    MatrixExpr,
    MatrixSymbol,
    Mul,
    OneMatrix,
    Pow,
    S,
    Symbol,
    Trace,
    Transpose,
    Tuple,
    ZeroMatrix,
    cancel,
    expand,
    preorder_traversal,
    srepr,
)
from sympy.core.sympify import _sympify  # strict: never parses strings
from sympy.core.symbol import Str
from sympy.matrices.exceptions import ShapeError
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagMatrix
from sympy.matrices.expressions.inverse import Inverse
from sympy.matrices.expressions.matexpr import MatrixElement

from .exprjson import register


class Unsupported(ValueError):
    """The normal form (or the instance evaluator) does not handle this construct."""


# -- matrices SymPy lacks ------------------------------------------------------


class IndexedMatrix(MatrixExpr):
    """``A_k``: the member of a family of matrices at index ``k``, of shape ``rows x cols``.

    The shape may depend on the index (``A_k`` is ``n_k x n_{k-1}``), so
    substituting a value for ``k`` updates the shape with it.
    """

    is_commutative = False

    def __new__(cls, name: str, index, rows, cols):
        name = name if isinstance(name, Str) else Str(name)
        return Basic.__new__(cls, name, _sympify(index), _sympify(rows), _sympify(cols))  # noqa: input-safe

    @property
    def name(self) -> str:
        return self.args[0].name

    @property
    def index(self) -> Expr:
        return self.args[1]

    @property
    def shape(self) -> tuple[Expr, Expr]:
        return self.args[2], self.args[3]

    def _latex(self, printer, exp=None) -> str:
        tex = f"{self.name}_{{{printer._print(self.index)}}}"
        return f"{tex}^{{{exp}}}" if exp is not None else tex

    def _sympystr(self, printer) -> str:
        return f"{self.name}[{printer._print(self.index)}]"


@dataclass(frozen=True)
class MatrixFamily:
    """Matrices ``A_k`` for every ``k``, with a shape written in the index symbol.

    >>> from sympy import IndexedBase, Symbol
    >>> k, n = Symbol("k", integer=True), IndexedBase("n")
    >>> A = MatrixFamily("A", k, n[k], n[k - 1])
    >>> A(3).shape
    (n[3], n[2])
    """

    name: str
    index: Symbol
    rows: Expr
    cols: Expr

    def __post_init__(self) -> None:
        for attribute in ("index", "rows", "cols"):
            object.__setattr__(self, attribute, _sympify(getattr(self, attribute)))  # noqa: input-safe

    def __call__(self, value) -> IndexedMatrix:
        at = {self.index: _sympify(value)}  # noqa: input-safe
        return IndexedMatrix(self.name, value, self.rows.xreplace(at), self.cols.xreplace(at))


class OrderedProduct(MatrixExpr):
    r"""``M_start M_{start-1} ... M_stop`` in that order (``step=-1``, the default), or ascending with ``step=1``.

    The direction is stored, never inferred from the bounds, so substituting
    values cannot flip it.  The product has ``count`` factors; ``count = 0`` is
    the identity (e.g. ``\prod_{k=L}^{L+1}`` descending).  Consecutive factors must
    chain: ``cols(M_k) = rows(M_{k-1})`` (descending), checked structurally.
    """

    def __new__(cls, term, limits, step=-1):
        term = _sympify(term)  # noqa: input-safe
        index, start, stop = (_sympify(x) for x in limits)  # noqa: input-safe
        if not isinstance(term, MatrixExpr):
            raise TypeError(f"the term of an ordered product must be a matrix, not {term}")
        if int(step) not in (1, -1):
            raise ValueError("an ordered product steps by +1 or -1")
        step = int(step)
        nxt = term.rows.xreplace({index: index + step})
        if expand(term.cols - nxt) != 0:
            raise ShapeError(f"consecutive factors of {term} do not chain: cols {term.cols} vs rows {nxt}")
        return Basic.__new__(cls, term, Tuple(index, start, stop), Integer(step))

    @property
    def term(self) -> MatrixExpr:
        return self.args[0]

    @property
    def index(self) -> Symbol:
        return self.args[1][0]

    @property
    def start(self) -> Expr:
        return self.args[1][1]

    @property
    def stop(self) -> Expr:
        return self.args[1][2]

    @property
    def step(self) -> int:
        return int(self.args[2])

    @property
    def count(self) -> Expr:
        """The number of factors."""
        return (self.stop - self.start) * self.step + 1

    def factor(self, value) -> MatrixExpr:
        """The factor ``M_value``."""
        return self.term.xreplace({self.index: _sympify(value)})  # noqa: input-safe

    @property
    def shape(self) -> tuple[Expr, Expr]:
        return self.factor(self.start).rows, self.factor(self.stop).cols

    @property
    def free_symbols(self) -> set:
        return (self.term.free_symbols - {self.index}) | self.start.free_symbols | self.stop.free_symbols

    def doit(self, **hints) -> MatrixExpr:
        count = self.count
        if not count.is_Integer:
            return self
        if count < 0:
            raise ValueError(f"{self} has a negative number of factors ({count})")
        if count == 0:
            return Identity(self.rows)
        factors = [self.factor(self.start + self.step * i) for i in range(int(count))]
        product = factors[0] if len(factors) == 1 else MatMul(*factors)
        return product.doit(**hints) if hints.get("deep", True) else product

    def _latex(self, printer, exp=None) -> str:
        body = printer._print(self.term)
        if isinstance(self.term, (MatMul, MatAdd)):
            body = rf"\left[{body}\right]"
        tex = rf"\prod_{{{printer._print(self.index)}={printer._print(self.start)}}}^{{{printer._print(self.stop)}}} {body}"
        return rf"\left({tex}\right)^{{{exp}}}" if exp is not None else tex


class MatrixOperator(MatrixExpr):
    """An operator on one matrix expression whose value has the same shape (``dX``, ``E[X]``)."""

    refusal_hint = ""  # said after refusing an argument that is not a matrix expression

    def __new__(cls, arg):
        arg = _sympify(arg)  # noqa: input-safe
        if not isinstance(arg, MatrixExpr):
            raise TypeError(f"{cls.__name__} takes a matrix expression, not {arg}{cls.refusal_hint}")
        return Basic.__new__(cls, arg)

    @property
    def arg(self) -> MatrixExpr:
        return self.args[0]

    @property
    def shape(self) -> tuple[Expr, Expr]:
        return self.arg.shape


class MatrixDifferential(MatrixOperator):
    r"""``dX``: the differential of a matrix expression, of the same shape (``\mathrm{d}X``)."""

    def _sympystr(self, printer) -> str:
        return f"d({printer._print(self.arg)})"

    def _latex(self, printer, exp=None) -> str:
        inner = printer._print(self.arg)
        if not isinstance(self.arg, (MatrixSymbol, IndexedMatrix)):
            inner = rf"\left({inner}\right)"
        return rf"\mathrm{{d}}{inner}" + (f"^{{{exp}}}" if exp is not None else "")


class ScalarDifferential(Function):
    r"""``d f``: the differential of a scalar expression in matrices (``\mathrm{d}\,f``)."""

    nargs = 1

    def _sympystr(self, printer) -> str:
        return f"d({printer._print(self.args[0])})"

    def _latex(self, printer, exp=None) -> str:
        tex = rf"\mathrm{{d}}\left({printer._print(self.args[0])}\right)"
        return f"{tex}^{{{exp}}}" if exp is not None else tex


# -- declared properties -------------------------------------------------------

_PROPERTIES = ("symmetric", "positive_definite", "invertible", "orthogonal", "diagonal")


def _fact_key(leaf) -> object:
    """What a fact is declared on: the MatrixSymbol itself, or a family by name."""
    if isinstance(leaf, (MatrixFamily, IndexedMatrix)):
        return ("family", leaf.name)
    return leaf


def _structurally_square(leaf) -> bool:
    return expand(leaf.rows - leaf.cols) == 0


@dataclass(frozen=True)
class MatrixFacts:
    """Declared properties of matrix symbols (or whole families).

    Positive definite implies symmetric and invertible; orthogonal implies
    invertible (``X^{-1} = X^T``); diagonal implies symmetric.  Every property
    needs a square matrix.
    """

    symmetric: frozenset = field(default_factory=frozenset)
    positive_definite: frozenset = field(default_factory=frozenset)
    invertible: frozenset = field(default_factory=frozenset)
    orthogonal: frozenset = field(default_factory=frozenset)
    diagonal: frozenset = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        for name in _PROPERTIES:
            leaves: Iterable = getattr(self, name)
            for leaf in leaves:
                if not isinstance(leaf, (MatrixSymbol, MatrixFamily)):
                    raise TypeError(f"a {name} declaration takes MatrixSymbols or MatrixFamilies, not {leaf!r}")
                if not _structurally_square(leaf):
                    raise ValueError(f"{leaf} is declared {name} but is not square")
            object.__setattr__(self, name, frozenset(_fact_key(leaf) for leaf in leaves))

    def _declared(self, name: str, leaf) -> bool:
        return _fact_key(leaf) in getattr(self, name)

    def is_positive_definite(self, leaf) -> bool:
        return self._declared("positive_definite", leaf)

    def is_orthogonal(self, leaf) -> bool:
        return self._declared("orthogonal", leaf)

    def is_diagonal(self, leaf) -> bool:
        # The differential of a diagonal matrix is a diagonal perturbation.
        if isinstance(leaf, MatrixDifferential):
            return self.is_diagonal(leaf.arg)
        return self._declared("diagonal", leaf)

    def is_symmetric(self, leaf) -> bool:
        if isinstance(leaf, MatrixDifferential):
            return self.is_symmetric(leaf.arg)
        return any(self._declared(p, leaf) for p in ("symmetric", "positive_definite", "diagonal"))

    def is_invertible(self, leaf) -> bool:
        if isinstance(leaf, MatrixDifferential):
            return False
        return any(self._declared(p, leaf) for p in ("invertible", "positive_definite", "orthogonal"))

    def properties(self, leaf) -> frozenset[str]:
        """Every property ``leaf`` has, declared or implied."""
        tests = {
            "symmetric": self.is_symmetric, "positive_definite": self.is_positive_definite,
            "invertible": self.is_invertible, "orthogonal": self.is_orthogonal, "diagonal": self.is_diagonal,
        }
        return frozenset(name for name, test in tests.items() if test(leaf))


# -- the normal form -----------------------------------------------------------

_KIND_ORDER = {"leaf": "0", "ones": "1", "diag": "2", "inverse": "3", "apply": "4"}
_APPLY_ARG = Dummy("u")  # the canonical variable of an elementwise function
_PRODUCT_INDEX = Dummy("k", integer=True)  # the canonical bound index of an ordered product


@dataclass(frozen=True)
class Letter:
    """One noncommuting factor of a word.

    ``leaf``: a matrix symbol (or indexed matrix, ordered product, differential),
    possibly transposed and/or inverted; ``ones``: the all-ones column of length
    ``base`` (transposed: a row); ``diag``: the diagonal matrix of a vector
    (``base`` a :class:`MatPoly`); ``inverse``: the inverse of a matrix polynomial
    that does not split into letters; ``apply``: an elementwise function applied
    to a matrix polynomial (``base`` = (function body in ``u``, polynomial)).
    """

    kind: str
    base: object
    rows: Expr
    cols: Expr
    transposed: bool = False
    inverted: bool = False

    @cached_property
    def key(self) -> str:
        """A sort key (used only to choose canonical representatives, never as identity)."""
        if isinstance(self.base, MatPoly):
            base = self.base.key
        elif isinstance(self.base, tuple):
            base = "(" + ",".join(b.key if isinstance(b, MatPoly) else srepr(b) for b in self.base) + ")"
        else:
            base = srepr(self.base)
        return f"{_KIND_ORDER[self.kind]}{base}|{int(self.transposed)}{int(self.inverted)}"

    def __str__(self) -> str:
        if self.kind == "leaf":
            text = str(self.base)
        elif self.kind == "ones":
            text = f"1_{self.base}"
        elif self.kind == "diag":
            text = f"diag({self.base})"
        elif self.kind == "inverse":
            text = f"({self.base})^-1"
        else:
            text = f"apply[{self.base[0]}]({self.base[1]})"
        return text + ("'" if self.transposed else "") + ("^-1" if self.inverted else "")


Word = tuple[Letter, ...]


def _word_key(word: Word) -> str:
    return " ".join(letter.key for letter in word)


@dataclass(frozen=True)
class MatPoly:
    """A matrix in normal form: ``sum(coefficient * word)`` of shape ``rows x cols``.

    The empty word is the identity.  Terms are sorted by word, coefficients are
    canonical scalars (never zero).
    """

    rows: Expr
    cols: Expr
    terms: tuple[tuple[Word, Expr], ...]

    @cached_property
    def key(self) -> str:
        return f"[{srepr(self.rows)},{srepr(self.cols)}:" + ";".join(
            f"{srepr(c)}*{_word_key(w)}" for w, c in self.terms) + "]"

    def __str__(self) -> str:
        if not self.terms:
            return "0"
        return " + ".join(f"({c})*{'*'.join(map(str, w)) or 'I'}" for w, c in self.terms)


def _canonical_scalar(value: Expr) -> Expr:
    # expand() also splits log(a*b) when a and b are known positive (determinants of SPD matrices).
    return expand(value)


def _scalar_is_zero(value: Expr) -> bool:
    value = _canonical_scalar(value)
    return value == 0 or cancel(value) == 0


def _collect(rows: Expr, cols: Expr, items: Iterable[tuple[Word, Expr]]) -> MatPoly:
    sums: dict[Word, Expr] = {}
    for word, coefficient in items:
        sums[word] = sums.get(word, S.Zero) + coefficient
    terms = []
    for word, coefficient in sums.items():
        coefficient = _canonical_scalar(coefficient)
        if not _scalar_is_zero(coefficient):
            terms.append((word, coefficient))
    terms.sort(key=lambda t: _word_key(t[0]))
    return MatPoly(rows, cols, tuple(terms))


def _same(a: Expr, b: Expr) -> bool:
    return expand(a - b) == 0


def _contains_matrix(expr: Basic) -> bool:
    return any(isinstance(node, MatrixExpr) for node in preorder_traversal(expr))


NormalForm = Union[MatPoly, Expr]


class Normalizer:
    """Normal forms under one set of facts; scalar atoms (traces, determinants) are shared.

    Two expressions are comparable only through the same normalizer, because
    each canonical trace or determinant becomes one ``Dummy`` here.
    """

    def __init__(self, facts: MatrixFacts):
        self.facts = facts
        self._atoms: dict[tuple, Dummy] = {}

    def normal_form(self, expr: Basic) -> NormalForm:
        """A :class:`MatPoly` for a matrix, a scalar expression otherwise (1x1 matrices are scalars)."""
        if isinstance(expr, MatrixExpr) and not (expr.rows == 1 and expr.cols == 1):
            return self.matrix(expr)
        return _canonical_scalar(self.scalar(expr))

    # -- atoms ----------------------------------------------------------------

    def _atom(self, kind: str, obj: object, label: str, positive: bool = False) -> Dummy:
        key = (kind, obj)
        if key not in self._atoms:
            self._atoms[key] = Dummy(label, positive=True) if positive else Dummy(label)
        return self._atoms[key]

    # -- letters --------------------------------------------------------------

    def _leaf_letter(self, base: MatrixExpr, transposed: bool = False, inverted: bool = False) -> Letter:
        facts = self.facts
        if inverted and facts.is_orthogonal(base):
            inverted, transposed = False, not transposed  # X^{-1} = X^T
        if facts.is_symmetric(base):
            transposed = False
        rows, cols = (base.cols, base.rows) if transposed else (base.rows, base.cols)
        return Letter("leaf", base, rows, cols, transposed, inverted)

    def _single_inverse(self, letter: Letter) -> Letter | None:
        """The letter that cancels ``letter`` (``X X^{-1} = I``), only for declared invertible leaves."""
        if letter.kind == "leaf" and self.facts.is_invertible(letter.base):
            return self._leaf_letter(letter.base, letter.transposed, not letter.inverted)
        return None

    def _is_diagonal(self, letter: Letter) -> bool:
        return letter.kind == "diag" or (letter.kind == "leaf" and self.facts.is_diagonal(letter.base))

    def _transpose_letter_simple(self, letter: Letter) -> Letter | None:
        """The transpose of ``letter`` when it is again one letter with coefficient 1."""
        if letter.kind == "leaf":
            return self._leaf_letter(letter.base, not letter.transposed, letter.inverted)
        if letter.kind == "ones":
            return Letter("ones", letter.base, letter.cols, letter.rows, not letter.transposed)
        if letter.kind == "diag":
            return letter
        if letter.kind == "apply":  # f applied elementwise commutes with transposition
            function, argument = letter.base
            return Letter("apply", (function, self.transpose(argument)), letter.cols, letter.rows)
        return None

    def _transpose_letter(self, letter: Letter) -> MatPoly:
        simple = self._transpose_letter_simple(letter)
        if simple is not None:
            return self._letter_poly(simple)
        return self.inverse(self.transpose(letter.base))  # (P^{-1})^T = (P^T)^{-1}

    def _invert_letter(self, letter: Letter) -> MatPoly:
        single = self._single_inverse(letter)
        if single is not None:
            return self._letter_poly(single)
        if letter.kind == "inverse":
            return letter.base  # (P^{-1})^{-1} = P
        return self._opaque_inverse(self._letter_poly(letter))

    def _letter_poly(self, letter: Letter) -> MatPoly:
        coefficient, word = self._reduce((letter,))
        return MatPoly(letter.rows, letter.cols, ((word, coefficient),))

    # -- words ----------------------------------------------------------------

    def _cancel_and_sort(self, word: Word) -> Word:
        """Cancel ``X X^{-1}`` for declared invertible ``X``; order runs of diagonal letters (they commute)."""
        while True:
            stack: list[Letter] = []
            for letter in word:
                if stack and self._single_inverse(stack[-1]) == letter:
                    stack.pop()
                else:
                    stack.append(letter)
            result, i = [], 0
            while i < len(stack):
                j = i
                while j < len(stack) and self._is_diagonal(stack[j]):
                    j += 1
                if j > i:
                    # Keys end in the transpose/inverse flags, so X and X^{-1} sort next to each other.
                    result.extend(sorted(stack[i:j], key=lambda letter: letter.key))
                    i = j
                else:
                    result.append(stack[i])
                    i += 1
            result_word = tuple(result)
            if result_word == word:
                return word
            word = result_word

    def _reduce(self, word: Word) -> tuple[Expr, Word]:
        """``word = coefficient * reduced word``: cancellations, diagonal order, 1x1 factors pulled out."""
        word = self._cancel_and_sort(word)
        coefficient, word = self._extract_scalars(word)
        return coefficient, self._cancel_and_sort(word)

    def _extract_scalars(self, word: Word) -> tuple[Expr, Word]:
        """A sub-word between two dimensions equal to 1 is a 1x1 matrix: a scalar that commutes out."""
        if not word:
            return S.One, word
        dims = [word[0].rows] + [letter.cols for letter in word]
        ones = [p for p, d in enumerate(dims) if d == 1]
        if len(ones) < 2:
            return S.One, word
        coefficient = Mul(*(self._cyclic_atom(word[a:b], S.One) for a, b in pairwise(ones)))
        return coefficient, word[: ones[0]] + word[ones[-1]:]

    def _trace_word(self, word: Word, dim: Expr) -> Expr:
        if not word:
            return dim  # tr(I_n) = n
        ones = [p for p, letter in enumerate(word) if letter.rows == 1]
        if ones:  # tr(x y^T ...) : rotate to a dimension 1 and read off 1x1 factors
            p = ones[0]
            coefficient, rest = self._reduce(word[p:] + word[:p])
            if rest:
                raise Unsupported(f"a 1x1 word did not reduce to a scalar: {rest}")
            return coefficient
        return self._cyclic_atom(word, dim)

    def _cyclic_atom(self, word: Word, dim: Expr) -> Expr:
        """``tr(word)`` as one canonical atom: cyclic rotations and transposition give the same atom."""
        while word:
            for r in range(len(word)):
                rotated = word[r:] + word[:r]
                reduced = self._cancel_and_sort(rotated)
                if len(reduced) < len(word):
                    word, dim = reduced, rotated[0].rows
                    break
            else:
                break
        if not word:
            return dim
        candidates = [word[r:] + word[:r] for r in range(len(word))]
        transposed = [self._transpose_letter_simple(letter) for letter in reversed(word)]
        if None not in transposed:
            flipped = tuple(transposed)
            candidates += [flipped[r:] + flipped[:r] for r in range(len(flipped))]
        best = min((self._cancel_and_sort(c) for c in candidates), key=_word_key)
        if len(best) == 2 and best[0].kind == best[1].kind == "ones":
            return best[0].base  # 1_n^T 1_n = n
        return self._atom("tr", best, f"tr({'*'.join(map(str, best))})")

    # -- polynomial arithmetic ------------------------------------------------

    def identity(self, n: Expr) -> MatPoly:
        return MatPoly(n, n, (((), S.One),))

    def add(self, a: MatPoly, b: MatPoly) -> MatPoly:
        if not (_same(a.rows, b.rows) and _same(a.cols, b.cols)):
            raise Unsupported(f"adding matrices of shapes {a.rows}x{a.cols} and {b.rows}x{b.cols}")
        return _collect(a.rows, a.cols, a.terms + b.terms)

    def scale(self, a: MatPoly, c: Expr) -> MatPoly:
        return _collect(a.rows, a.cols, ((w, coefficient * c) for w, coefficient in a.terms))

    def mul(self, a: MatPoly, b: MatPoly) -> MatPoly:
        if not _same(a.cols, b.rows):
            raise Unsupported(f"multiplying matrices of shapes {a.rows}x{a.cols} and {b.rows}x{b.cols}")
        items = []
        for wa, ca in a.terms:
            for wb, cb in b.terms:
                coefficient, word = self._reduce(wa + wb)
                items.append((word, ca * cb * coefficient))
        return _collect(a.rows, b.cols, items)

    def transpose(self, a: MatPoly) -> MatPoly:
        total = _collect(a.cols, a.rows, ())
        for word, coefficient in a.terms:
            product = self.identity(a.cols)
            for letter in reversed(word):
                product = self.mul(product, self._transpose_letter(letter))
            total = self.add(total, self.scale(product, coefficient))
        return total

    def inverse(self, a: MatPoly) -> MatPoly:
        if not _same(a.rows, a.cols):
            raise Unsupported(f"inverse of a non-square {a.rows}x{a.cols} matrix")
        if not a.terms:
            raise Unsupported("inverse of the zero matrix")
        if len(a.terms) == 1:
            word, coefficient = a.terms[0]
            # (c X Y)^{-1} = c^{-1} Y^{-1} X^{-1}: only when every letter is invertible as a square matrix.
            if all(self._single_inverse(l) is not None or l.kind == "inverse" for l in word):
                product = self.identity(a.rows)
                for letter in reversed(word):
                    product = self.mul(product, self._invert_letter(letter))
                return self.scale(product, 1 / coefficient)
        return self._opaque_inverse(a)

    def _opaque_inverse(self, a: MatPoly) -> MatPoly:
        """``P^{-1}`` as one letter, with the leading coefficient pulled out: ``(cQ)^{-1} = c^{-1} Q^{-1}``."""
        lead = a.terms[0][1]
        monic = self.scale(a, 1 / lead)
        return self.scale(self._letter_poly(Letter("inverse", monic, a.rows, a.cols)), 1 / lead)

    def power(self, a: MatPoly, exponent: int) -> MatPoly:
        if exponent < 0:
            return self.power(self.inverse(a), -exponent)
        if not _same(a.rows, a.cols):
            raise Unsupported("power of a non-square matrix")
        result = self.identity(a.rows)
        for _ in range(exponent):
            result = self.mul(result, a)
        return result

    def diag(self, vector: MatPoly) -> MatPoly:
        if vector.rows == 1 and vector.cols != 1:
            vector = self.transpose(vector)
        if vector.cols != 1:
            raise Unsupported("diag of a matrix that is not a vector")
        n = vector.rows
        if not vector.terms:
            return _collect(n, n, ())
        if n == 1:
            return vector
        lead = vector.terms[0][1]
        letter = Letter("diag", self.scale(vector, 1 / lead), n, n)
        return self.scale(self._letter_poly(letter), lead)

    # -- scalars of matrices ---------------------------------------------------

    def trace(self, a: MatPoly) -> Expr:
        if not _same(a.rows, a.cols):
            raise Unsupported("trace of a non-square matrix")
        return Add(*(c * self._trace_word(w, a.rows) for w, c in a.terms))

    def determinant(self, a: MatPoly) -> Expr:
        n = a.rows
        if not _same(a.rows, a.cols):
            raise Unsupported("determinant of a non-square matrix")
        if not a.terms:
            return S.Zero
        if n == 1:
            return self._one_by_one(a)
        if len(a.terms) == 1:
            word, coefficient = a.terms[0]
            return coefficient**n * self._determinant_of_word(word, n)
        # det(P) = det(P^T) = c^n det(P/c): one atom for the canonical one of P, P^T.
        candidates = [(self.scale(p, 1 / p.terms[0][1]), p.terms[0][1]) for p in (a, self.transpose(a))]
        monic, lead = min(candidates, key=lambda c: c[0].key)
        return lead**n * self._atom("det", monic, f"det({monic})")

    def _determinant_of_word(self, word: Word, n: Expr) -> Expr:
        """det of a product = product of dets, cut where the running dimension is ``n`` (square factors)."""
        if not word:
            return S.One
        cuts = [0] + [p for p in range(1, len(word)) if _same(word[p - 1].cols, n)] + [len(word)]
        return Mul(*(self._determinant_of_segment(word[a:b]) for a, b in pairwise(cuts)))

    def _determinant_of_segment(self, segment: Word) -> Expr:
        if len(segment) == 1:
            letter = segment[0]
            if letter.kind == "leaf":  # det(X^T) = det X, det(X^{-1}) = 1/det X
                atom = self._atom("det", letter.base, f"det({letter.base})",
                                  positive=self.facts.is_positive_definite(letter.base))
                return 1 / atom if letter.inverted else atom
            if letter.kind == "inverse":
                return 1 / self.determinant(letter.base)
        flipped = [self._transpose_letter_simple(letter) for letter in reversed(segment)]
        candidates = [segment] + ([tuple(flipped)] if None not in flipped else [])
        best = min(candidates, key=_word_key)
        return self._atom("det", best, f"det({'*'.join(map(str, best))})")

    def _determinant_of_expr(self, expr: MatrixExpr) -> Expr:
        """det through the expression tree first, so det((A+B)(A-B)) splits before expansion."""
        n = expr.rows
        if isinstance(expr, MatMul):
            coefficient, matrices = expr.as_coeff_matrices()
            if matrices and all(_same(m.rows, n) and _same(m.cols, n) for m in matrices):
                return self.scalar(coefficient) ** n * Mul(*(self._determinant_of_expr(m) for m in matrices))
        if isinstance(expr, Transpose):
            return self._determinant_of_expr(expr.arg)
        if isinstance(expr, Inverse):
            return 1 / self._determinant_of_expr(expr.arg)
        if isinstance(expr, MatPow) and expr.exp.is_Integer:
            return self._determinant_of_expr(expr.base) ** expr.exp
        return self.determinant(self.matrix(expr))

    def _one_by_one(self, a: MatPoly) -> Expr:
        if not a.terms:
            return S.Zero
        if any(word for word, _ in a.terms):
            raise Unsupported(f"a 1x1 matrix did not reduce to a scalar: {a}")
        return a.terms[0][1]

    def _entry(self, element: MatrixElement) -> Expr:
        parent, i, j = element.args
        a = self.matrix(parent)
        if not a.terms:
            return S.Zero
        if len(a.terms) == 1:
            word, coefficient = a.terms[0]
            if not word:
                return coefficient * KroneckerDelta(i, j)
            if len(word) == 1 and word[0].kind == "leaf" and not word[0].inverted \
                    and isinstance(word[0].base, MatrixSymbol):
                base = word[0].base
                return coefficient * (base[j, i] if word[0].transposed else base[i, j])
        return self._atom("entry", (a, i, j), f"({a})[{i},{j}]")

    # -- expressions ----------------------------------------------------------

    def matrix(self, expr: MatrixExpr) -> MatPoly:
        if isinstance(expr, (MatrixSymbol, IndexedMatrix)):
            return self._letter_poly(self._leaf_letter(expr))
        if isinstance(expr, OrderedProduct):
            if expr.count.is_Integer:  # whole-number bounds: the explicit product
                return self.matrix(expr.doit(deep=False))
            return self._letter_poly(self._leaf_letter(expr.xreplace({expr.index: _PRODUCT_INDEX})))
        if isinstance(expr, MatrixDifferential):
            if not isinstance(expr.arg, (MatrixSymbol, IndexedMatrix)):
                raise Unsupported(f"the differential of a compound expression {expr.arg}")
            return self._letter_poly(self._leaf_letter(expr))
        if isinstance(expr, Identity):
            return self.identity(expr.rows)
        if isinstance(expr, ZeroMatrix):
            return _collect(expr.rows, expr.cols, ())
        if isinstance(expr, OneMatrix):
            return self._ones(expr.rows, expr.cols)
        if isinstance(expr, MatAdd):
            total = self.matrix(expr.args[0])
            for arg in expr.args[1:]:
                total = self.add(total, self.matrix(arg))
            return total
        if isinstance(expr, MatMul):
            coefficient, matrices = expr.as_coeff_matrices()
            product = self.matrix(matrices[0])
            for m in matrices[1:]:
                product = self.mul(product, self.matrix(m))
            return self.scale(product, self.scalar(coefficient))
        if isinstance(expr, MatPow):
            if not expr.exp.is_Integer:
                raise Unsupported(f"a matrix power with exponent {expr.exp}")
            return self.power(self.matrix(expr.base), int(expr.exp))
        if isinstance(expr, Transpose):
            return self.transpose(self.matrix(expr.arg))
        if isinstance(expr, Inverse):
            return self.inverse(self.matrix(expr.arg))
        if isinstance(expr, DiagMatrix):
            return self.diag(self.matrix(expr.args[0]))
        if isinstance(expr, ElementwiseApplyFunction):
            function: Lambda = expr.function
            if not isinstance(function, Lambda) or len(function.variables) != 1:
                raise Unsupported(f"elementwise function {function}")
            body = function.expr.xreplace({function.variables[0]: _APPLY_ARG})
            argument = self.matrix(expr.expr)
            return self._letter_poly(Letter("apply", (body, argument), argument.rows, argument.cols))
        if getattr(expr, "opaque_in_normal_form", False):  # e.g. an expectation E[M]: one letter per expression
            return self._letter_poly(self._leaf_letter(expr))
        raise Unsupported(f"no normal form for {type(expr).__name__}")

    def _ones(self, rows: Expr, cols: Expr) -> MatPoly:
        """The all-ones matrix ``1_m 1_n^T`` (a column, a row, or the number 1)."""
        word: list[Letter] = []
        if rows != 1:
            word.append(Letter("ones", rows, rows, S.One))
        if cols != 1:
            word.append(Letter("ones", cols, S.One, cols, transposed=True))
        return MatPoly(rows, cols, ((tuple(word), S.One),))

    def scalar(self, expr: Basic) -> Expr:
        if isinstance(expr, MatrixExpr):
            if not (expr.rows == 1 and expr.cols == 1):
                raise Unsupported(f"a {expr.rows}x{expr.cols} matrix where a scalar is expected")
            return self._one_by_one(self.matrix(expr))
        if isinstance(expr, Trace):
            return self.trace(self.matrix(expr.arg))
        if isinstance(expr, Determinant):
            return self._determinant_of_expr(expr.arg)
        if isinstance(expr, MatrixElement):
            return self._entry(expr)
        if not _contains_matrix(expr):
            return expr
        if isinstance(expr, ScalarDifferential):
            raise Unsupported("differentials are checked on instances, not in the normal form")
        if isinstance(expr, (Add, Mul, Pow, Function)):
            return expr.func(*(self.scalar(arg) for arg in expr.args))
        raise Unsupported(f"no normal form for the scalar {type(expr).__name__}")


def normal_form(expr: Basic, facts: MatrixFacts) -> NormalForm:
    """The normal form of one expression (its trace/det atoms are fresh ``Dummy`` symbols)."""
    return Normalizer(facts).normal_form(expr)


def _is_zero_scalar(expr: Basic) -> bool:
    return not isinstance(expr, MatrixExpr) and _sympify(expr) == 0  # noqa: input-safe


def prove_equal(lhs: Basic, rhs: Basic, facts: MatrixFacts) -> bool:
    """True only when ``lhs`` and ``rhs`` have the same normal form (an identity for every size).

    A scalar ``0`` on either side stands for the zero matrix of the other side's
    shape.  ``False`` means "not proved"; an unsupported construct is not proved.
    """
    normalizer = Normalizer(facts)
    try:
        if _is_zero_scalar(rhs) and isinstance(lhs, MatrixExpr):
            rhs = ZeroMatrix(*lhs.shape)
        if _is_zero_scalar(lhs) and isinstance(rhs, MatrixExpr):
            lhs = ZeroMatrix(*rhs.shape)
        left, right = normalizer.normal_form(_sympify(lhs)), normalizer.normal_form(_sympify(rhs))  # noqa: input-safe
    except Exception:  # an unsupported or malformed input is not proved
        return False
    if isinstance(left, MatPoly) != isinstance(right, MatPoly):
        return False
    if isinstance(left, MatPoly):
        if not (_same(left.rows, right.rows) and _same(left.cols, right.cols)):
            return False
        difference = normalizer.add(left, normalizer.scale(right, S.NegativeOne))
        return not difference.terms
    return _scalar_is_zero(left - right)


__all__ = [
    "IndexedMatrix", "MatrixFamily", "OrderedProduct", "MatrixDifferential", "ScalarDifferential",
    "MatrixFacts", "MatPoly", "Letter", "Normalizer", "Unsupported", "normal_form", "prove_equal",
]


# Allow-listed for JSON transcripts (symderive.exprjson), rebuilt without evaluation.
register(IndexedMatrix, lambda name, index, rows, cols: IndexedMatrix(name, index, rows, cols), 4, 4)
register(OrderedProduct, lambda term, limits, step: OrderedProduct(term, tuple(limits), int(step)), 3, 3)
register(MatrixDifferential, lambda arg: MatrixDifferential(arg), 1, 1)
register(ScalarDifferential)
# sigma'(v) of a column vector, as symderive check reads it: a function applied entry by entry.
register(ElementwiseApplyFunction, lambda function, argument: ElementwiseApplyFunction(function, argument), 2, 2)
