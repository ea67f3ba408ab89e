r"""The notation layer: one side of a relation, as LaTeX, to SymPy, under declarations.

latex2sympy2 parses, but it changes meaning without an error in this field (see
``shared/notes/latex2sympy2.md``).  So we read the text ourselves first:

1. tokens, normalised (``\left``/``\right`` and spacing dropped, ``\frac12`` braced,
   ``\log`` natural, ``\dfrac`` a ``\frac``);
2. every *name* (``x``, ``\Sigma_0``, ``\text{fan_in}``, ``y'_l``) and every construct we
   give meaning to (operators ``\mathbb{E}``, ``\operatorname{Var}``, ``Var(…)``, ``\det``,
   ``\operatorname{tr}``, ``\text{diag}``; declared functions ``\sigma(z+1)``; entries
   ``(A_L)_{ij}``; ``1e-40``; ``\Gamma(5)``; ``\{…\}`` read as brackets) becomes a
   placeholder ``\variable{…}`` whose value we compute, arguments read recursively;
3. constructs that latex2sympy2 would misread are refused with the reason or reported
   as ambiguous (``1/2x``, ``\sin x y``, ``f(x)`` for an undeclared ``f``, ``n_{in}`` for
   a one-index ``n``, ``\gcd``, ``|A|`` for a matrix unless declared, ``x^T`` for a scalar);
4. latex2sympy2 parses the skeleton (whole input consumed, global tables reset), and we
   rebuild its tree in source order: declared matrices and vectors become SymPy matrix
   expressions (products in order, ``^{-1}`` an ``Inverse``, ``^T`` a ``Transpose``,
   ``|A|`` a ``Determinant`` by declaration); a 1×1 product in a scalar place is its entry.

Human conventions: an undeclared name is a real deterministic scalar; ``\log`` is natural;
``e`` is Euler's number unless declared.  The :class:`Reading` says which conventions and
which definitions the side used.  No ``eval``, ``exec`` or ``sympify`` sees user text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

from sympy import (
    Abs,
    Add,
    And,
    Ge,
    Gt,
    Le,
    Lt,
    Piecewise,
    Basic,
    E,
    Expr,
    Function,
    I,
    Indexed,
    IndexedBase,
    Integer,
    Integral,
    KroneckerDelta,
    Lambda,
    Derivative,
    Dummy,
    Max,
    Min,
    Mul,
    Number,
    NumberSymbol,
    Pow,
    Product,
    Rational,
    S,
    Sum,
    Symbol,
    Tuple,
    gamma,
    log,
    preorder_traversal,
    zeta,
)
from sympy.core.function import AppliedUndef, FunctionClass
from sympy.matrices.expressions import (
    Determinant,
    Inverse,
    MatAdd,
    MatMul,
    MatPow,
    MatrixExpr,
    OneMatrix,
    Trace,
    Transpose,
    ZeroMatrix,
)
from sympy.matrices.exceptions import ShapeError
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagMatrix
from sympy.matrices.expressions.matexpr import MatrixElement

from ..densities import KL, IntegralOver, Region, indexed_function
from ..jacobians import EntryMatrix, Jacobian
from ..matrices import IndexedMatrix, OrderedProduct
from ..randomvars import Cov, Expect, RandomOperator, Var
from ..randomvectors import MatExpect
from .tokens import Token, matching_brace, next_non_space, tokenize

MAX_SIDE_CHARS = 5_000
DIGITS = frozenset("0123456789")  # str.isdigit would accept ¹ and other digits Rational cannot read
MAX_NESTING = 30
MAX_DIGITS = 200
MAX_RESULT_DIGITS = 2_000  # a power or factorial of numbers beyond this is refused, not computed
MAX_SUM_TERMS = 10_000


# -- errors --------------------------------------------------------------------


class LatexInputError(ValueError):
    """The LaTeX does not parse; the message says where and what was expected."""

    verdict = "error"

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.offset = offset


class Unsupported(LatexInputError):
    """Well-formed, but a construct we cannot judge (yet): the verdict is ``unknown``."""

    verdict = "unknown"


class Ambiguous(Unsupported):
    """Notation with more than one reading: a declaration must decide."""


class Undeclared(Unsupported):
    """A name needs a declaration before it can be judged (e.g. under E or Var)."""


# -- declarations ----------------------------------------------------------------


@dataclass(frozen=True)
class Family:
    """Entries ``base[label…, index…]``: ``(A_L)_{ij}`` is ``A[L, i, j]``, ``n_k`` is ``n[k]``.

    ``arity`` counts all indices; None when unknown (the older ``Notation`` API).
    """

    base: IndexedBase
    arity: int | None


@dataclass(frozen=True)
class FunctionDef:
    """A declared function; with ``params`` and ``body`` it is also a definition, unfolded when read."""

    function: FunctionClass
    params: tuple[Basic, ...] = ()
    body: Expr | None = None
    label: str = ""


@dataclass(frozen=True)
class DensityLaw:
    r"""A declared probability density: ``f >= 0`` with ``\int_region f = 1``, and ``f > 0`` on the region if
    ``positive``; ``label`` names its directive."""

    function: FunctionClass
    region: Region
    positive: bool
    label: str


@dataclass(frozen=True)
class Rewrite:
    """``target`` may be replaced by ``value``: a ``define`` (or ``:=``) or an ``assume``.

    ``params`` are the pattern indices of an entry target such as ``y[L, i]`` (i free).
    """

    label: str
    target: Basic
    value: Basic
    params: tuple[Symbol, ...] = ()
    kind: str = "definition"  # or "hypothesis"


@dataclass(frozen=True)
class Declarations:
    """What the names mean at one point of a document; directives replace entries by name."""

    symbols: Mapping[str, Expr] = field(default_factory=dict)
    families: Mapping[str, Family] = field(default_factory=dict)
    matrices: Mapping[str, MatrixExpr] = field(default_factory=dict)
    matrix_families: Mapping[str, Any] = field(default_factory=dict)  # base -> MatrixFamily (``matrices A_k``)
    matrix_properties: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    functions: Mapping[str, FunctionDef] = field(default_factory=dict)
    readings: Mapping[str, str] = field(default_factory=dict)
    ranges: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    random_families: tuple = ()  # RandomFamily, with the label of their directive in random_labels
    random_labels: tuple[str, ...] = ()
    random_vectors: Mapping[str, str] = field(default_factory=dict)  # name -> law, as written
    vector_laws: Mapping[str, Any] = field(default_factory=dict)  # name -> (RandomVector, label) when judged
    rewrites: tuple[Rewrite, ...] = ()
    densities: Mapping[str, DensityLaw] = field(default_factory=dict)  # function name -> its law
    density_variables: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # variable -> (density, label)
    # Undeclared scalars become real; the older Notation API keeps plain symbols.
    undeclared_assumptions: Mapping[str, bool] = field(default_factory=lambda: {"real": True})

    def without(self, name: str) -> "Declarations":
        """These declarations with every meaning of ``name`` removed (a later directive replaces)."""
        return replace(
            self,
            symbols={k: v for k, v in self.symbols.items() if k != name},
            matrices={k: v for k, v in self.matrices.items() if k != name},
            matrix_families={k: v for k, v in self.matrix_families.items() if k != name},
            matrix_properties={k: v for k, v in self.matrix_properties.items() if k != name},
            functions={k: v for k, v in self.functions.items() if k != name},
            random_vectors={k: v for k, v in self.random_vectors.items() if k != name},
            vector_laws={k: v for k, v in self.vector_laws.items() if k != name},
            families={k: v for k, v in self.families.items() if k != name},
            densities={k: v for k, v in self.densities.items() if k != name},
            density_variables={k: v for k, v in self.density_variables.items() if k != name and v[0] != name},
        )


@dataclass(frozen=True)
class Reading:
    """A side read: the expression, the undeclared names it used, conventions applied, definitions used."""

    expr: Basic
    undeclared: frozenset[str] = frozenset()
    conventions: frozenset[str] = frozenset()
    used: frozenset[str] = frozenset()


# -- vocabulary ------------------------------------------------------------------

GREEK = frozenset(
    "\\" + name
    for name in (
        "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi "
        "rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi "
        "Sigma Upsilon Phi Psi Omega ell"
    ).split()
)
DECORATIONS = frozenset((r"\hat", r"\bar", r"\tilde", r"\vec", r"\mathbf", r"\boldsymbol", r"\bm", r"\underline",
                         r"\overline", r"\dot", r"\ddot", r"\check", r"\breve", r"\widehat", r"\widetilde",
                         r"\mathcal", r"\mathscr", r"\mathfrak"))
WORD_COMMANDS = frozenset((r"\text", r"\textrm", r"\mathrm", r"\operatorname", r"\textit", r"\mathit", r"\mathsf",
                           r"\texttt", r"\textsf"))
OPERATOR_WORDS = {
    "E": "expectation", "Var": "variance", "var": "variance", "Cov": "covariance", "cov": "covariance",
    "tr": "trace", "Tr": "trace", "trace": "trace", "det": "det", "diag": "diag",
}
BARE_OPERATOR_WORDS = ("Var", "Cov", "diag", "tr", "Tr", "det")
SCALAR_FUNCTIONS = frozenset((r"\sin", r"\cos", r"\tan", r"\cot", r"\sec", r"\csc", r"\arcsin", r"\arccos",
                              r"\arctan", r"\sinh", r"\cosh", r"\tanh", r"\exp", r"\ln", r"\log"))
PASS_THROUGH = SCALAR_FUNCTIONS | frozenset((r"\pi", r"\infty", r"\cdot", r"\times", r"\binom", r"\max", r"\min",
                                             r"\lfloor", r"\rfloor", r"\lceil", r"\rceil"))
DROPPED = frozenset((r"\left", r"\right", r"\bigl", r"\bigr", r"\Bigl", r"\Bigr", r"\biggl", r"\biggr", r"\big",
                     r"\Big", r"\bigg", r"\Bigg", r"\displaystyle", r"\textstyle", r"\limits", r"\nolimits",
                     "\\,", "\\;", "\\:", "\\!", "\\ ", r"\quad", r"\qquad", r"\middle"))
UNSUPPORTED_COMMANDS = {
    r"\partial": "partial derivatives are not supported yet",
    r"\nabla": "gradients are not supported yet",
    r"\iint": "multiple integrals (\\iint) are not supported: write one \\int per variable",
    r"\oint": "contour integrals are not supported",
    r"\lim": "limits are not supported",
    r"\mid": "conditional notation is not supported", r"\cdots": "elided terms (\\cdots) cannot be judged",
    r"\ldots": "elided terms (\\ldots) cannot be judged", r"\dots": "elided terms (\\dots) cannot be judged",
    r"\vdots": "elided terms (\\vdots) cannot be judged", r"\ddots": "elided terms (\\ddots) cannot be judged",
    r"\begin": "environments such as matrices are not supported yet",
    r"\gcd": "\\gcd is refused: latex2sympy2 would read the gcd of symbols as the polynomial gcd, 1",
    r"\lcm": "\\lcm is not supported", r"\langle": "inner products are not supported yet",
    r"\otimes": "Kronecker products are not supported", r"\odot": "elementwise products are not supported yet",
    r"\circ": "compositions are not supported", r"\top": "a transpose must follow ^",
    r"\prime": "primes are not supported outside names",
    r"\substack": "\\substack is read only below a matrix given by its entries, "
                  "[e]_{\\substack{1 \\le i \\le m \\\\ 1 \\le j \\le n}}",
}
KRONECKER = r"\delta"  # \delta_{ij}, undeclared, is the Kronecker delta
RANGE_SIGNS = (r"\le", r"\leq")
UNSUPPORTED_NAMES = {
    r"\text{KL}": "write the KL divergence as D_{\\mathrm{KL}}(p \\| q)",
}
KL_NAMES = frozenset(("D_{KL}", r"D_{\text{KL}}", r"D_{\mathrm{KL}}", r"D_{\operatorname{KL}}"))
NORM_OPENERS = {r"\|": r"\|", r"\lVert": r"\rVert", r"\Vert": r"\Vert"}
DIFFERENTIAL_WORDS = frozenset((r"\mathrm", r"\text", r"\operatorname", r"\mathit"))
SPECIAL_FUNCTIONS = {r"\Gamma": (gamma, "the gamma function"), r"\zeta": (zeta, "the Riemann zeta function")}
TRANSPOSE_SPELLINGS = frozenset((r"\top", r"\intercal", r"\mathsf{T}", r"\mathrm{T}", r"\mathsf T", r"\mathrm T",
                                 "{\\top}", "{\\intercal}"))
PLACEHOLDER = "sdp"  # prefix of our \variable{…} names
NUMBER = "sdn"  # prefix of the placeholders of number literals


# -- reading -----------------------------------------------------------------------


def prescreen(text: str) -> None:
    """Refusals that need no parser (length, nesting, unsupported or unknown commands, stray
    characters, unbalanced brackets); :func:`read_side` starts with the same checks, so a caller
    may run this cheaply first, outside any time limit, and get the same answer."""
    if len(text) > MAX_SIDE_CHARS:
        raise LatexInputError(f"the expression has {len(text)} characters; the limit is {MAX_SIDE_CHARS}", 0)
    _prescreen_tokens(_normalise(tokenize(text)))


def read_region(text: str, declarations: Declarations) -> Region:
    r"""A named region as written below ``\int`` (``\mathbb{R}^d``, ``\operatorname{supp} f``)."""
    tokens = _normalise(tokenize(text))
    content = [t for t in tokens if t.kind != "space"]
    if not content:
        raise LatexInputError("an empty region: expected \\mathbb{R}^n or \\operatorname{supp} f", 0)
    region = _Reader(declarations).region(content, content[0])
    if region is None:
        raise LatexInputError(r"a density on \mathbb{R} is not supported yet: its integrals are read with bounds; "
                              r"write \mathbb{R}^1 or \mathbb{R}^d", 0)
    return region


def read_side(text: str, declarations: Declarations) -> Reading:
    """Read one side (an expression, never a relation).  Runs without a time limit: call it bounded."""
    if len(text) > MAX_SIDE_CHARS:
        raise LatexInputError(f"the expression has {len(text)} characters; the limit is {MAX_SIDE_CHARS}", 0)
    reader = _Reader(declarations)
    try:
        expr = reader.read(tokenize(text))
    except RecursionError:
        raise LatexInputError("the expression is nested too deeply to read", 0) from None
    return Reading(expr, frozenset(reader.undeclared), frozenset(reader.conventions), frozenset(reader.used))


@dataclass
class _Name:
    canonical: str  # \Sigma_0, n_{L-1}, \text{fan_in}, y'_l
    base: str  # the name without its subscript, primes kept: y', \Sigma, \text{pdf}
    subscript: list[Token] | None
    start: int  # token index
    end: int  # token index after the name


class _Reader:
    def __init__(self, declarations: Declarations, depth: int = 0) -> None:
        self.decl = declarations
        self.table: dict[str, Basic] = {}
        self.names: dict[str, str] = {}  # placeholder -> canonical name, for ^T
        self.transposes: set[str] = set()
        self.undeclared: set[str] = set()
        self.subscripted: dict[Symbol, str] = {}  # undeclared names with a subscript, for the sum guard
        self.conventions: set[str] = set()
        self.used: set[str] = set()
        self.depth = depth

    # -- entry points --

    def read(self, tokens: list[Token]) -> Basic:
        """The expression of ``tokens``; a 1×1 matrix is its entry."""
        tokens = _normalise(tokens)
        _prescreen_tokens(tokens)
        if not any(t.kind != "space" for t in tokens):
            raise LatexInputError("an empty expression: expected a LaTeX expression", tokens[0].start if tokens else 0)
        simple = self.simple(tokens)
        if simple is not None:
            return simple
        skeleton = self.emit(tokens, 0, len(tokens))
        _check_skeleton(skeleton, tokens[0].start)
        raw = _raw_parse(skeleton, tokens[0].start)
        try:
            return _as_scalar_if_1x1(self.rebuild(raw))
        except LatexInputError as exc:
            if exc.offset is None:
                exc.offset = tokens[0].start  # found while rebuilding: the expression as a whole
            raise

    def simple(self, tokens: list[Token]) -> Basic | None:
        """A lone name or whole number (most indices and subscripts) needs no parser."""
        content = [t for t in tokens if t.kind != "space"]
        if all(t.kind == "char" and t.text in DIGITS for t in content) and len(content) <= MAX_DIGITS:
            return Integer("".join(t.text for t in content))
        first = content[0]
        if not (first.kind == "char" and first.text.isascii() and first.text.isalpha()) and not (
                first.text in GREEK and first.text not in SPECIAL_FUNCTIONS):
            return None
        found = _read_name(content, 0, len(content))
        if found.end != len(content) or found.canonical in self.decl.functions or found.base == KRONECKER:
            return None
        self.refuse_name(found, content)
        return _as_scalar_if_1x1(self.meaning(found, content))

    def sub_read(self, tokens: list[Token]) -> Basic:
        """An argument or index, read recursively; placeholders, conventions and definitions are shared."""
        if self.depth >= MAX_NESTING:
            raise LatexInputError("the expression is nested too deeply", tokens[0].start if tokens else 0)
        reader = _Reader(self.decl, self.depth + 1)
        value = reader.read(tokens)
        self.undeclared |= reader.undeclared
        self.conventions |= reader.conventions
        self.used |= reader.used
        self.subscripted.update(reader.subscripted)
        return value

    # -- placeholders --

    def placeholder(self, value: Basic, name: str | None = None, number: bool = False) -> str:
        key = f"{NUMBER if number else PLACEHOLDER}{len(self.table)}x"
        self.table[key] = value
        if name is not None:
            self.names[key] = name
        return rf" \variable{{{key}}} "

    # -- emitting the skeleton --

    def emit(self, tokens: list[Token], start: int, end: int) -> str:
        out: list[str] = []
        index = start
        while index < end:
            token = tokens[index]
            if token.kind == "space":
                out.append(" ")
                index += 1
            elif token.kind == "char" and token.text in DIGITS or token.is_char("."):
                text, index = self.number(tokens, index, end)
                out.append(text)
            elif token.kind == "char" and token.text.isascii() and token.text.isalpha():
                text, index = self.letter(tokens, index, end)
                out.append(text)
            elif token.kind == "command":
                text, index = self.command(tokens, index, end)
                out.append(text)
            elif token.is_char("(", "["):
                text, index = self.bracket(tokens, index, end)
                out.append(text)
            elif token.is_char("{"):
                close = _closing(tokens, index, end)
                out.append("{" + self.emit(tokens, index + 1, close) + "}")
                index = close + 1
            elif token.is_char("^"):
                text, index = self.superscript(tokens, index, end)
                out.append(text)
            elif token.is_char("+", "-", "*", "/", "=", "!", ",", "|", "<", ">"):
                out.append(token.text)
                index += 1
            elif token.is_char(")", "]", "}"):
                raise LatexInputError(f"unbalanced {token.text!r}: no opening bracket before it", token.start)
            elif token.is_char("_"):
                raise LatexInputError("a subscript '_' with nothing to attach to", token.start)
            elif token.is_char("'"):
                raise Unsupported("a prime outside a name is not supported", token.start)
            else:
                raise LatexInputError(f"unexpected character {token.text!r}", token.start)
        return "".join(out)

    def number(self, tokens: list[Token], index: int, end: int) -> tuple[str, int]:
        start = index
        while index < end and (tokens[index].kind == "char" and (tokens[index].text in DIGITS or tokens[index].text == ".")):
            index += 1
        text = "".join(t.text for t in tokens[start:index])
        if len(text) > MAX_DIGITS:
            raise Unsupported(f"a number with {len(text)} digits is too long to handle", tokens[start].start)
        if text.count(".") > 1 or text == ".":
            raise LatexInputError(f"{text!r} is not a number", tokens[start].start)
        scientific = _scientific(tokens, index, end)
        if scientific is not None:
            exponent, index = scientific
            if abs(exponent) > MAX_RESULT_DIGITS:
                raise Unsupported("an exponent this large is refused", tokens[start].start)
            self.conventions.add(f"{text}e{exponent} is scientific notation, {text} × 10^{exponent}")
            return self.placeholder(Rational(text) * Rational(10) ** exponent, number=True), index
        # A number reaches latex2sympy2 as a placeholder: it evaluates \binom{10^6}{…} eagerly otherwise.
        return self.placeholder(Rational(text), number=True), index

    def letter(self, tokens: list[Token], index: int, end: int) -> tuple[str, int]:
        token = tokens[index]
        word = _bare_word(tokens, index, end)
        if word is not None:
            return self.operator(OPERATOR_WORDS[word], tokens, index + len(word), end, token, f"{word}(…)")
        if token.text == "E" and "E" not in self.decl.symbols and self.decl.readings.get("E") == "expectation":
            # declared: E is the expectation even before a bare name (``E X``), never a scalar E times X
            return self.operator("expectation", tokens, index + 1, end, token, "E")
        if token.text == "E" and self._applied(tokens, index + 1, end) and "E" not in self.decl.symbols:
            raise Ambiguous("E(…) without \\mathbb: declare 'read E as expectation' or write \\mathbb{E}[…]",
                            token.start)
        return self.name(tokens, index, end)

    def command(self, tokens: list[Token], index: int, end: int) -> tuple[str, int]:
        token = tokens[index]
        text = token.text
        if text == r"\variable":
            raise LatexInputError(r"\variable is reserved for symderive's placeholders", token.start)
        if text in GREEK or text in DECORATIONS:
            if text in SPECIAL_FUNCTIONS and self._applied(tokens, index + 1, end) and not self._declared_name(text):
                return self.special_function(tokens, index, end)
            return self.name(tokens, index, end)
        if text in WORD_COMMANDS:
            word = _group_text(tokens, index + 1, end)
            expectation = self.decl.readings.get("E") == "expectation" and "E" not in self.decl.symbols
            if word in OPERATOR_WORDS and (word != "E" or expectation
                                           or self._applied(tokens, _group_after(tokens, index + 1, end), end)):
                after = _group_after(tokens, index + 1, end)
                return self.operator(OPERATOR_WORDS[word], tokens, after, end, token, f"{text}{{{word}}}")
            return self.name(tokens, index, end)
        if text == r"\mathbb":
            word = _group_text(tokens, index + 1, end)
            after = _group_after(tokens, index + 1, end)
            if word == "E":
                return self.operator("expectation", tokens, after, end, token, r"\mathbb{E}")
            if word == "V":
                return self.operator("variance", tokens, after, end, token, r"\mathbb{V}")
            raise Unsupported(f"\\mathbb{{{word}}} is not supported here", token.start)
        if text == r"\det":
            return self.operator("det", tokens, index + 1, end, token, r"\det")
        if text in (r"\frac", r"\binom"):
            return self.two_arguments(tokens, index, end)
        if text == r"\sqrt":
            return self.square_root(tokens, index, end)
        if text in (r"\sum", r"\prod"):
            return self.big_operator(tokens, index, end)
        if text == r"\{":
            return self.braces(tokens, index, end)
        if text in SPECIAL_FUNCTIONS:
            return self.name(tokens, index, end)
        if text == r"\int":
            return self.integral(tokens, index, end)
        if text == r"\begin" and _environment_name(tokens, index) == "cases":
            return self.cases(tokens, index, end)
        if text in NORM_OPENERS:
            return self.norm(tokens, index, end)
        if text == r"\rVert":
            raise LatexInputError(r"\rVert without an opening \lVert", token.start)
        if text in UNSUPPORTED_COMMANDS:
            raise Unsupported(UNSUPPORTED_COMMANDS[text], token.start)
        if text in PASS_THROUGH:
            if text == r"\log":
                self.conventions.add(r"\log is the natural logarithm")
                after = next_non_space(tokens, index + 1)
                if after < end and tokens[after].is_char("_"):
                    base, after = _argument(tokens, after + 1, end, tokens[after])
                    return rf"\log_{{{self.emit(*base)}}}", after
                return r"\ln", index + 1
            return f" {text} ", index + 1
        raise Unsupported(f"unknown command {text}", token.start)

    def _declared_name(self, canonical: str) -> bool:
        return canonical in self.decl.symbols or canonical in self.decl.matrices or canonical in self.decl.functions

    def _applied(self, tokens: list[Token], index: int, end: int) -> bool:
        after = next_non_space(tokens, index)
        return after < end and tokens[after].is_char("(", "[")

    # -- names --

    def name(self, tokens: list[Token], index: int, end: int) -> tuple[str, int]:
        found = _read_name(tokens, index, end)
        after = next_non_space(tokens, found.end)
        applied = after < end and tokens[after].is_char("(", "[")
        if found.base == KRONECKER and found.subscript is not None and not self._declared_name(found.canonical) \
                and KRONECKER not in self.decl.families and not self._declared_name(KRONECKER):
            return self.kronecker(found, tokens), found.end
        underived = found.base.rstrip("'")
        if (found.base != underived and found.subscript is None and applied and underived in self.decl.functions
                and self.decl.functions[underived].body is None):
            return self.derivative_application(found, tokens, after, end)
        if (found.subscript is not None and found.base in self.decl.functions and applied
                and found.canonical not in self.decl.functions and found.canonical not in self.decl.symbols):
            return self.family_application(found, tokens, after, end)
        if found.canonical in self.decl.functions and found.canonical not in self.decl.symbols:
            if not applied:
                raise Unsupported(f"the function {found.canonical} needs an argument", tokens[index].start)
            return self.application(found, tokens, after, end)
        if found.canonical in KL_NAMES:
            if not applied:
                raise Unsupported(rf"{found.canonical} needs its two densities: {found.canonical}(p \| q)",
                                  tokens[index].start)
            return self.divergence(tokens, after, end)
        self.refuse_name(found, tokens)
        value = self.meaning(found, tokens)
        text = self.placeholder(value, found.canonical)
        if applied:
            if found.canonical in self.undeclared:
                raise Ambiguous(
                    f"{found.canonical}(…): a function or a product? declare 'function {found.canonical}' "
                    f"or 'scalar {found.canonical}'", tokens[index].start)
            text += r" \cdot "  # declared values followed by a bracket are products
        return text, found.end

    def refuse_name(self, found: _Name, tokens: Sequence[Token]) -> None:
        if found.base.endswith("'") and found.base.rstrip("'") in self.decl.functions:
            raise Unsupported(f"the derivative {found.base} of a declared function is not supported yet",
                              tokens[found.start].start)
        if found.canonical in UNSUPPORTED_NAMES:
            raise Unsupported(UNSUPPORTED_NAMES[found.canonical], tokens[found.start].start)

    def meaning(self, found: _Name, tokens: Sequence[Token]) -> Basic:
        decl, canonical = self.decl, found.canonical
        where = tokens[found.start].start
        if canonical in decl.matrices:
            return decl.matrices[canonical]
        if canonical in decl.symbols:
            return decl.symbols[canonical]
        if found.subscript is not None and found.base in decl.matrix_families:
            return decl.matrix_families[found.base](_scalar(self.sub_read(found.subscript), where))
        if found.subscript is not None:
            if found.base in decl.families:
                family = decl.families[found.base]
                return family.base[tuple(self.indices(found.subscript, family.arity, canonical))]
            if found.base in decl.matrices:
                return self.matrix_entry(decl.matrices[found.base], found.subscript, canonical, where)
        if found.base in decl.families and found.subscript is None:
            raise Undeclared(f"{canonical} is declared through its entries; write an entry such as {canonical}_i",
                             where)
        if found.base in (r"\mathbf{1}", r"\mathbf{0}") and found.subscript is not None:
            size = self.sub_read(found.subscript)
            if not (size.is_Symbol or size.is_Integer or isinstance(size, Indexed)) or size.is_positive is False:
                raise LatexInputError(f"{canonical}: the subscript must be a size", where)
            ones = found.base == r"\mathbf{1}"
            self.conventions.add(f"{found.base}_n is the column of n {'ones' if ones else 'zeros'}")
            return OneMatrix(size, 1) if ones else ZeroMatrix(size, 1)
        if canonical == "e":
            self.conventions.add("e is Euler's number")
            return E
        if canonical == "I":
            if decl.readings.get("I") == "imaginary":
                return I
            raise Ambiguous("I: the imaginary unit or an identity matrix? declare it ('read I as imaginary', "
                            "'scalar I' or 'matrix I : n x n, identity')", where)
        if found.base.startswith("\\text{"):
            raise Undeclared(f"{canonical} is not declared: declare it, e.g. 'scalar {canonical}'", where)
        symbol = Symbol(canonical, **decl.undeclared_assumptions)
        self.undeclared.add(canonical)
        if found.subscript is not None:
            self.subscripted[symbol] = "".join(t.text for t in found.subscript)
        return symbol

    def indices(self, subscript: list[Token], arity: int | None, canonical: str) -> list[Basic]:
        """The indices of an entry: ``ij`` is two letters when two are expected, ``i,j`` always two."""
        parts = _split_tokens(subscript, ",")
        if len(parts) > 1:
            pieces = parts
        else:
            letters = [t for t in subscript if t.kind != "space"]
            all_letters = all(t.kind == "char" and t.text.isascii() and t.text.isalpha() for t in letters)
            if all_letters and len(letters) > 1 and arity == len(letters):
                pieces = [[t] for t in letters]
            elif all_letters and len(letters) > 1:
                raise Ambiguous(
                    f"{canonical}: is the subscript {len(letters)} indices, one product, or part of a name? "
                    "write the indices with commas, or declare the name", subscript[0].start)
            else:
                pieces = [subscript]
        if arity is not None and len(pieces) != arity:
            raise Ambiguous(f"{canonical}: {len(pieces)} index(es) given, {arity} expected", subscript[0].start)
        return [self.sub_read(piece) for piece in pieces]

    def matrix_entry(self, matrix: MatrixExpr, subscript: list[Token], canonical: str, where: int) -> Basic:
        """``A_{ij}`` of a declared matrix, 1-based as written; ``x_i`` of a vector."""
        rows, cols = matrix.shape
        wanted = 1 if cols == 1 else 2
        indices = self.indices(subscript, wanted, canonical)
        if wanted == 1:
            return MatrixElement(matrix, indices[0] - 1, 0)
        return MatrixElement(matrix, indices[0] - 1, indices[1] - 1)

    def application(self, found: _Name, tokens: list[Token], opening: int, end: int) -> tuple[str, int]:
        """``f(x, y)`` for a declared function: a definition is unfolded, otherwise an applied function."""
        close = _closing(tokens, opening, end)
        arguments = [self.sub_read(part) for part in _split_tokens(tokens[opening + 1 : close], ",")]
        definition = self.decl.functions[found.canonical]
        if definition.body is not None:
            if len(arguments) != len(definition.params):
                raise LatexInputError(f"{found.canonical} takes {len(definition.params)} argument(s)",
                                      tokens[found.start].start)
            _check_argument_shapes(definition, arguments, found.canonical, tokens[found.start].start)
            self.used.add(definition.label)
            value = definition.body.xreplace(dict(zip(definition.params, arguments)))
        else:
            if any(isinstance(a, MatrixExpr) and a.shape[1] != 1 for a in arguments):
                raise Unsupported(f"{found.canonical} applied to a matrix is not supported yet",
                                  tokens[found.start].start)
            # p_X(x) of a vector: an opaque application that only definitions and hypotheses rewrite
            value = definition.function(*arguments)
        return self.placeholder(value), close + 1

    def family_application(self, found: _Name, tokens: list[Token], opening: int, end: int) -> tuple[str, int]:
        """``f_j(t)`` for a declared function ``f``: the ``j``-th member of the family ``f`` at ``t``."""
        definition = self.decl.functions[found.base]
        if definition.body is not None:
            raise Unsupported(f"{found.canonical}: a member of the defined function {found.base} is not supported",
                              tokens[found.start].start)
        close = _closing(tokens, opening, end)
        arguments = [self.sub_read(part) for part in _split_tokens(tokens[opening + 1 : close], ",")]
        if len(arguments) != 1 or any(isinstance(a, MatrixExpr) for a in arguments):
            raise Unsupported(f"{found.canonical}(…): a member of a family takes one scalar argument",
                              tokens[found.start].start)
        index = self.sub_read(found.subscript)
        member = indexed_function(definition.function.__name__)
        return self.placeholder(member(_scalar(index), _scalar(arguments[0]))), close + 1

    def special_function(self, tokens: list[Token], index: int, end: int) -> tuple[str, int]:
        function, description = SPECIAL_FUNCTIONS[tokens[index].text]
        opening = next_non_space(tokens, index + 1)
        close = _closing(tokens, opening, end)
        arguments = [_scalar(self.sub_read(p), tokens[index].start) for p in _split_tokens(tokens[opening + 1 : close], ",")]
        if len(arguments) != 1:
            raise LatexInputError(f"{tokens[index].text} takes one argument", tokens[index].start)
        self.conventions.add(f"{tokens[index].text}(…) is {description}")
        return self.placeholder(function(arguments[0], evaluate=False)), close + 1

    # -- derivatives, entries, ordered products --

    def partial(self, tokens: list[Token], index: int, top, bottom, after: int, end: int) -> tuple[str, int]:
        r"""``\frac{\partial u}{\partial v}``: the Jacobian of column vectors (numerator layout), or the
        partial derivative of scalars; ``\frac{\partial}{\partial x} (…)`` applies to the one factor after it.

        Not evaluated here: once the definitions are put in (``check_relation._read_rewritten``), a derivative of
        an expression explicit in ``v`` is taken; one of a name (what ``u`` is as a function of ``v`` is
        not declared) and a Jacobian are judged only through the definitions and hypotheses in force."""
        at = tokens[index]
        numerator, denominator = _after_partial(top), _after_partial(bottom)
        if denominator is None:
            raise Unsupported(r"\frac{\partial …}{…} needs \partial before the variable below", at.start)
        if any(t.is_char("^") for t in numerator + denominator) or not denominator:
            raise Unsupported("higher and mixed partial derivatives are not supported", at.start)
        if not numerator:
            stop = _operand_end(tokens, next_non_space(tokens, after), end)
            if stop is None:
                raise Unsupported(r"\frac{\partial}{\partial x} must be followed by what it differentiates", at.start)
            of, after = tokens[next_non_space(tokens, after):stop], stop
        else:
            of = numerator
        value, variable = (self.sub_read(part) for part in (of, denominator))
        self.conventions.add(r"\partial derivatives of names are judged only through the definitions and hypotheses "
                             "in force; of an expression explicit in the variable they are taken")
        if numerator and any(isinstance(_vector_of_1x1(v), IndexedMatrix) for v in (value, variable)):
            value, variable = _vector_of_1x1(value), _vector_of_1x1(variable)
        if isinstance(value, MatrixExpr) or isinstance(variable, MatrixExpr):
            if not (isinstance(value, MatrixExpr) and isinstance(variable, MatrixExpr)
                    and value.cols == 1 and variable.cols == 1 and numerator):
                raise Unsupported("derivatives of or by matrices are not supported: a Jacobian is taken of a "
                                  "column vector by a column vector", at.start)
            return self.placeholder(Jacobian(value, variable)), after
        if not getattr(variable, "_diff_wrt", False):
            raise Unsupported(f"a derivative by {variable}, which is not a variable", at.start)
        return self.placeholder(Derivative(value, variable, evaluate=False)), after

    def leibniz(self, tokens: list[Token], index: int, bottom, after: int, end: int) -> tuple[str, int]:
        r"""``\frac{d}{dx} F``: the derivative of ``F``, a bracket, a name (with its argument and power) or an
        integral up to the end of its term; what follows an operand not in brackets makes it ambiguous.  Evaluated when ``F`` is explicit in ``x``: every other name in it
        declared (a constant, or a declared function's argument); with an undeclared name (which may
        depend on ``x``) it stays a derivative, judged only through the hypotheses in force."""
        at = tokens[index]
        if "d" in self.decl.symbols:
            raise Ambiguous(r"\frac{d}{d…} with d declared: a derivative, or d divided by d times the variable? "
                            r"write \frac{\mathrm{d}}{\mathrm{d}x} for the derivative", at.start)
        start = next_non_space(tokens, after)
        if start < end and tokens[start].is_command(r"\int", r"\iint", r"\oint"):
            stop = _term_end(tokens, start, end)
        else:
            stop = _operand_end(tokens, start, end)
        following = next_non_space(tokens, stop) if stop is not None else end
        bracketed = start < end and tokens[start].is_char("(", "[")
        # ``\frac{d}{dx} x^2 + 3x``: of the first term or of the sum? only brackets say (a + after them is outside)
        if stop is None or (following < end and not (bracketed and tokens[following].is_char("+", "-"))):
            raise Ambiguous(r"what does \frac{d}{dx} differentiate? put it in brackets: \frac{d}{dx}\left(…\right)",
                            at.start)
        variable = self.sub_read(tokens[_leibniz_variable(tokens, bottom[1] - 1):bottom[2]])
        value = self.sub_read(tokens[start:stop])
        if not isinstance(variable, Symbol) or isinstance(value, MatrixExpr):
            raise Unsupported(r"\frac{d}{dx} is taken of a scalar by a scalar variable", at.start)
        if isinstance(value, Mul) and value.has(Integral) and tokens[start].is_command(r"\int", r"\iint", r"\oint"):
            if sum(1 for factor in value.args if factor.has(variable)) > 1:  # ∫ … dt · g(x): where does ∫ end?
                raise Ambiguous(r"what does \frac{d}{dx} differentiate? put it in brackets", at.start)
        derivative = Derivative(value, variable, evaluate=False)
        others = {str(s) for s in value.free_symbols - {variable}}
        if others & self.undeclared:
            self.conventions.add(r"\frac{d}{dx} of an expression with undeclared names is judged only through the "
                                 "hypotheses in force (an undeclared name may depend on x)")
            return self.placeholder(derivative), stop
        if others & _rewritten_names(self.decl):
            # ``y := x^2``: y is put in after reading, so d/dx (x y) is taken then, not now with y a constant
            return self.placeholder(derivative), stop
        self.conventions.add(r"\frac{d}{dx} is evaluated where what it differentiates is explicit in x")
        return self.placeholder(derivative.doit()), stop

    def kronecker(self, found: _Name, tokens: Sequence[Token]) -> str:
        r"""``\delta_{ij}``, ``\delta_{j, i + m - 1}``: 1 when the two indices are equal, else 0."""
        first, second = self.indices(found.subscript, 2, found.canonical)
        self.conventions.add(r"\delta_{ij} (undeclared) is the Kronecker delta")
        return self.placeholder(KroneckerDelta(_scalar(first), _scalar(second)))

    def derivative_application(self, found: _Name, tokens: list[Token], opening: int, end: int) -> tuple[str, int]:
        r"""``\sigma'(x)`` of a declared function: a function of its own (its values at finitely many points
        are not tied to those of ``\sigma``); of a column vector, entry by entry."""
        close = _closing(tokens, opening, end)
        arguments = [self.sub_read(part) for part in _split_tokens(tokens[opening + 1 : close], ",")]
        if len(arguments) != 1:
            raise Unsupported(f"{found.base}(…) takes one argument", tokens[found.start].start)
        function = Function(self.decl.functions[found.base.rstrip("'")].function.__name__
                            + "'" * (len(found.base) - len(found.base.rstrip("'"))), real=True)
        self.conventions.add(f"{found.base} is an unknown function of its own: no relation between it and "
                             f"{found.base.rstrip(chr(39))} is used")
        (argument,) = arguments
        if isinstance(argument, MatrixExpr) and argument.shape != (1, 1):
            if argument.cols != 1:
                raise Unsupported(f"{found.base} of a matrix is not supported", tokens[found.start].start)
            t = Dummy("t")
            return self.placeholder(ElementwiseApplyFunction(Lambda(t, function(t)), argument)), close + 1
        return self.placeholder(function(_scalar(argument))), close + 1

    def entry_matrix(self, body: list[Token], subscript: list[Token], where: int) -> Basic:
        r"""``[e]_{\substack{1 \le i \le m \\ 1 \le j \le n}}``: the matrix with entry ``e`` at ``(i, j)``;
        one range gives a column.  ``i`` and ``j`` are bound, whole numbers from their lower bounds."""
        content = [t for t in subscript if t.kind != "space"]
        if content and content[0].is_command(r"\substack"):
            close = _closing(content, 1, len(content))
            content = content[2:close]
        ranges = [part for part in _split_at(content, lambda t: t.is_command("\\\\")) if part]
        if not 1 <= len(ranges) <= 2:
            raise Unsupported("a matrix by its entries takes one range (a column) or two (rows, columns)", where)
        limits = [self.entry_range(part, where) for part in ranges]
        if len(limits) == 2 and limits[0][0] == limits[1][0]:
            raise LatexInputError("the row and column indices of a matrix must be two different letters", where)
        reader = _Reader(self.decl, self.depth + 1)
        value = reader.read(body)
        if isinstance(value, MatrixExpr):
            raise Unsupported("a matrix whose entries are matrices (a block matrix) is not supported", where)
        names = {name for name, *_ in limits}
        self.undeclared |= reader.undeclared - names
        self.conventions |= reader.conventions
        self.used |= reader.used
        self.subscripted.update(reader.subscripted)
        bound = []
        for name, low, high in limits:
            index = Symbol(name, integer=True, positive=True)
            read = _Reader(self.decl, self.depth + 1).read(_retokenize(name, where))
            value = value.xreplace({read: index + low - 1}) if low != 1 else value.xreplace({read: index})
            bound.append((index, high - low + 1))
        return EntryMatrix(_scalar(value), *bound)

    def entry_range(self, tokens: list[Token], where: int) -> tuple[str, Basic, Basic]:
        r"""``1 \le i \le n_l``: (the index letter, its lower bound, its upper bound)."""
        pieces = _split_at(tokens, lambda t: t.is_command(*RANGE_SIGNS))
        letters = [t for t in pieces[1] if t.kind != "space"] if len(pieces) == 3 else []
        if len(letters) != 1 or not (letters[0].kind == "char" and letters[0].text.isascii()
                                     and letters[0].text.isalpha()):
            raise Unsupported(r"each range below a matrix by its entries is 'LOW \le i \le HIGH'", where)
        low, high = (_scalar(self.sub_read(p), where) for p in (pieces[0], pieces[2]))
        return letters[0].text, low, high

    def ordered_product(self, tokens: list[Token], index: int, subscript: list[Token], upper: list[Token],
                        after: int, end: int) -> tuple[str, int] | None:
        r"""``\prod_{k=a}^{b} M_k`` of matrices: the one factor after the bounds, in the declared order
        (``read \prod_{k=a}^{b} as descending``); None when the factor is not a matrix (a product of numbers)."""
        start = next_non_space(tokens, after)
        stop = _operand_end(tokens, start, end)
        parts = _split_at(subscript, lambda t: t.is_char("="))
        if stop is None or len(parts) != 2:
            return None
        name = "".join(t.text for t in parts[0] if t.kind != "space")
        factor = tokens[start:stop]
        if factor[0].is_char("[") and _closing(tokens, start, end) == stop - 1:
            factor = factor[1:-1]  # [D_k A_k]: the brackets only delimit the factor
        try:
            term = self.bound_read(factor, name)
        except LatexInputError:
            return None
        if not isinstance(term, MatrixExpr) or term.shape == (1, 1):
            return None
        read = _Reader(self.decl, self.depth + 1).read(parts[0])
        variable = read if isinstance(read, Symbol) and read.is_integer else Symbol(name, integer=True)
        low, high = (_scalar(self.sub_read(p), tokens[index].start) for p in (parts[1], upper))
        spelling = "".join(t.text for t in tokens[index:after] if t.kind != "space")
        order = self.decl.readings.get(spelling)
        if order is None and (high - low).is_Integer:
            order = "ascending" if high - low >= -1 else "descending"
        if order is None:
            raise Ambiguous(f"{spelling} of matrices: in which order are the factors multiplied? declare "
                            f"'read {spelling} as descending' (M_a M_{{a-1}} …) or '… as ascending'",
                            tokens[index].start)
        self.conventions.add(f"{spelling} multiplies its factors in {order} order of the index")
        try:
            product = OrderedProduct(term.xreplace({read: variable}), (variable, low, high),
                                     -1 if order == "descending" else 1)
        except (ShapeError, TypeError, ValueError) as exc:
            raise LatexInputError(f"{spelling}: the factors do not chain ({exc})", tokens[index].start) from None
        return self.placeholder(product), stop

    # -- integrals, norms, divergences --

    def integral(self, tokens: list[Token], index: int, end: int) -> tuple[str, int]:
        r"""``\int_{a}^{b} f \, dx`` (an ``Integral``), ``\int_{\mathbb{R}} f \, dx`` (over the line),
        ``\int_{\operatorname{supp} f} … \, \mathrm{d}x`` and ``\int_{\mathbb{R}^n} … \, dz`` (an
        ``IntegralOver`` a named region).  The body runs to the differential that closes it."""
        at = tokens[index]
        lower = upper = None
        position = index + 1
        while True:
            following = next_non_space(tokens, position)
            if following < end and tokens[following].is_char("_") and lower is None:
                lower, position = _argument(tokens, following + 1, end, tokens[following])
            elif following < end and tokens[following].is_char("^") and upper is None:
                upper, position = _argument(tokens, following + 1, end, tokens[following])
            else:
                break
        closing = _differential(tokens, position, end)
        if closing is None:
            raise Unsupported(r"an integral without its differential (dx or \mathrm{d}x at the end): "
                              "say what it integrates over", at.start)
        marker, found = closing
        variable = self.integration_variable(found, tokens)
        body = self.bound_read(tokens[position:marker], found.canonical)
        if isinstance(body, MatrixExpr) and body.shape != (1, 1):
            raise Unsupported("integrals of vectors or matrices are not supported", at.start)
        body = _scalar(body, at.start)
        if lower is None and upper is None:
            raise Unsupported("an integral without bounds (an antiderivative) is not judged: give its bounds "
                              "or its region", at.start)
        if lower is not None and upper is not None:
            if not isinstance(variable, Symbol):
                raise Unsupported(f"an integral with bounds over {found.canonical}, which is not a scalar",
                                  at.start)
            limits = (variable, _scalar(self.sub_read(lower[0][lower[1]:lower[2]]), at.start),
                      _scalar(self.sub_read(upper[0][upper[1]:upper[2]]), at.start))
            return self.placeholder(Integral(body, limits)), found.end
        if lower is None:
            raise Unsupported("an integral with an upper bound only is not judged", at.start)
        region = self.region(list(lower[0][lower[1]:lower[2]]), at)
        if region is None:
            if not isinstance(variable, Symbol):
                raise Unsupported(rf"\int_{{\mathbb{{R}}}} over {found.canonical}, which is not a scalar", at.start)
            self.conventions.add(r"\int_{\mathbb{R}} is over the whole real line")
            return self.placeholder(Integral(body, (variable, S.NegativeInfinity, S.Infinity))), found.end
        return self.placeholder(IntegralOver(body, variable, region)), found.end

    def region(self, subscript: list[Token], at: Token) -> Region | None:
        r"""The region below ``\int``: None for ``\mathbb{R}`` (the real line), a named
        :class:`Region` for ``\mathbb{R}^n`` and ``\operatorname{supp} f``."""
        content = [t for t in subscript if t.kind != "space"]
        text = "".join(t.text for t in content)
        if text == r"\mathbb{R}":
            return None
        if text.startswith(r"\mathbb{R}^") and len(content) > 5:
            power = content[6:-1] if content[5].is_char("{") and content[-1].is_char("}") else content[5:]
            dimension = self.sub_read(power)
            if not (dimension.is_Symbol or dimension.is_Integer):
                raise Unsupported(rf"\mathbb{{R}}^{{…}}: the dimension must be a number or a name", at.start)
            shown = "".join(t.text for t in power)
            return Region(f"R^{shown}", rf"\mathbb{{R}}^{{{shown}}}")
        if content and content[0].is_command(*WORD_COMMANDS) and _group_text(content, 1, len(content)) == "supp":
            rest = _group_after(content, 1, len(content))
            if rest < len(content):
                density = _read_name(content, rest, len(content))
                if density.end == len(content):
                    return Region(f"supp {density.canonical}", rf"\operatorname{{supp}} {density.canonical}")
        raise Unsupported(rf"an integral over {text}: the regions read are bounds _{{a}}^{{b}}, \mathbb{{R}}, "
                          r"\mathbb{R}^n and \operatorname{supp} f", at.start)

    def integration_variable(self, found: _Name, tokens: Sequence[Token]) -> Basic:
        """The variable after ``d``: a declared or undeclared scalar, a vector, or all entries of a family."""
        if found.subscript is None and found.base in self.decl.families and found.canonical not in self.decl.symbols:
            return self.decl.families[found.base].base  # dx over the entries x_j
        return _Reader(self.decl, self.depth + 1).meaning(found, tokens)

    def bound_read(self, tokens: list[Token], variable: str) -> Basic:
        """A body in which ``variable`` is bound: it is not an undeclared name of the relation."""
        if not any(t.kind != "space" for t in tokens):
            return S.One
        if self.depth >= MAX_NESTING:
            raise LatexInputError("the expression is nested too deeply", tokens[0].start)
        reader = _Reader(self.decl, self.depth + 1)
        value = reader.read(tokens)
        reader.undeclared.discard(variable)
        self.undeclared |= reader.undeclared
        self.conventions |= reader.conventions
        self.used |= reader.used
        self.subscripted.update(reader.subscripted)
        return value

    def cases(self, tokens: list[Token], index: int, end: int) -> tuple[str, int]:
        r"""``\begin{cases} v_1 & \text{for}\: c_1 \\ v_2 & \text{otherwise} \end{cases}``: a ``Piecewise``."""
        at = tokens[index]
        close = _environment_end(tokens, index, end)
        if close is None:
            raise LatexInputError(r"\begin{cases} without its \end{cases}", at.start)
        body_start = _group_after(tokens, index + 1, end)
        end_command = max(k for k in range(index, close) if tokens[k].is_command(r"\end"))
        rows = _split_at(tokens[body_start:end_command], lambda t: t.is_command("\\\\"))
        pieces = []
        for number, row in enumerate(r for r in rows if any(t.kind != "space" for t in r)):
            parts = _split_at(row, lambda t: t.is_char("&"))
            if len(parts) != 2:
                raise LatexInputError("each line of cases is 'value & condition'", at.start)
            value = _scalar(self.sub_read(parts[0]), at.start)
            pieces.append((value, self.condition(parts[1], at)))
        if not pieces:
            raise LatexInputError("an empty cases environment", at.start)
        self.conventions.add(r"\begin{cases} is a piecewise expression, the first condition that holds chosen")
        return self.placeholder(Piecewise(*pieces)), close

    def condition(self, tokens: list[Token], at: Token) -> Basic:
        r"""``\text{for}\: t \geq -1 \wedge t \leq 2``, ``\text{otherwise}``: a condition of a case."""
        content = [t for t in tokens if t.kind != "space"]
        if content and content[0].is_command(*WORD_COMMANDS):
            word = _group_text(content, 1, len(content))
            if word == "otherwise" and _group_after(content, 1, len(content)) == len(content):
                return S.true
            if word not in ("for", "if", "when"):
                raise Unsupported(f"a condition in words ({word}) is not read", at.start)
            content = content[_group_after(content, 1, len(content)):]
        if not content:
            raise LatexInputError("a case without its condition", at.start)
        conjuncts = _split_at(content, lambda t: t.is_command(r"\wedge", r"\land") or t.is_char(","))
        return And(*(self.comparison(part, at) for part in conjuncts))

    def comparison(self, tokens: list[Token], at: Token) -> Basic:
        r"""``a \leq b``, ``a < b \leq c``: one comparison, or a chain of them, between scalars."""
        signs = {r"\geq": Ge, r"\ge": Ge, r"\leq": Le, r"\le": Le, "<": Lt, ">": Gt}
        pieces = _split_at(tokens, lambda t: t.text in signs and t.kind != "space")
        found = [signs[t.text] for t in tokens if t.text in signs and t.kind != "space"]
        if not found or any(not any(t.kind != "space" for t in p) for p in pieces):
            raise Unsupported(r"a condition of cases must compare expressions with <, >, \leq or \geq", at.start)
        values = [_scalar(self.sub_read(p), at.start) for p in pieces]
        return And(*(relation(a, b) for relation, a, b in zip(found, values, values[1:])))

    def norm(self, tokens: list[Token], index: int, end: int) -> tuple[str, int]:
        r"""``\|v\|``, ``\lVert v \rVert``: the Euclidean norm of a vector, ``|a|`` of a scalar."""
        at = tokens[index]
        closer = NORM_OPENERS[at.text]
        close = next((k for k in range(index + 1, end) if tokens[k].is_command(closer)), None)
        if close is None:
            raise LatexInputError(f"{at.text} without its closing {closer}", at.start)
        inner = tokens[index + 1 : close]
        if not any(t.kind != "space" for t in inner):
            raise LatexInputError(f"an empty norm {at.text}{closer}", at.start)
        value = self.sub_read(inner)
        if isinstance(value, MatrixExpr) and value.shape != (1, 1):
            if value.shape[1] != 1:
                raise Ambiguous(f"{at.text}A{closer} of a matrix: which norm (Frobenius, spectral, …)? "
                                "not supported", at.start)
            self.conventions.add(r"\|v\| is the Euclidean norm, \sqrt{v^T v}")
            return self.placeholder(Pow(_as_scalar_if_1x1(MatMul(Transpose(value), value)), S.Half)), close + 1
        self.conventions.add(r"\|a\| of a scalar is its absolute value")
        return self.placeholder(Abs(_scalar(value, at.start))), close + 1

    def divergence(self, tokens: list[Token], opening: int, end: int) -> tuple[str, int]:
        r"""``D_{\mathrm{KL}}(p \| q)``: an unevaluated divergence, given meaning by definitions and hypotheses."""
        close = _closing(tokens, opening, end)
        parts: list[list[Token]] = [[]]
        depth = 0
        inner = tokens[opening + 1 : close]
        index = 0
        while index < len(inner):
            token = inner[index]
            if token.is_char("(", "[", "{") or token.is_command(r"\{"):
                depth += 1
            elif token.is_char(")", "]", "}") or token.is_command(r"\}"):
                depth -= 1
            double_bar = token.is_char("|") and index + 1 < len(inner) and inner[index + 1].is_char("|")
            if depth == 0 and (token.is_command(r"\|") or double_bar):
                parts.append([])
                index += 2 if double_bar else 1
                continue
            parts[-1].append(token)
            index += 1
        if len(parts) != 2 or not all(any(t.kind != "space" for t in part) for part in parts):
            raise LatexInputError(r"D_{\mathrm{KL}}(p \| q) takes two densities separated by \|",
                                  tokens[opening].start)
        p, q = (self.sub_read(part) for part in parts)
        laws = [self.density_of(v) for v in (p, q)]
        if all(laws):  # D_KL(x \| Y) for x ~ f, Y ~ g: the divergence of their densities, in x
            p, q = (law(p) for law in laws)
        elif any(laws):
            missing = "".join(t.text for t in parts[laws.index(None)]).strip()
            raise Unsupported(rf"D_{{\mathrm{{KL}}}}: {missing} has no declared density (declare 'random {missing} ~ f' "
                              "with 'density f on …')", tokens[opening].start)
        if any(isinstance(v, MatrixExpr) and v.shape != (1, 1) for v in (p, q)):
            raise Unsupported(r"D_{\mathrm{KL}} between random vectors is not judged: write it between their "
                              r"densities, D_{\mathrm{KL}}(f(x) \| g(x))", tokens[opening].start)
        p, q = (_scalar(v, tokens[opening].start) for v in (p, q))
        self.conventions.add(r"D_{\mathrm{KL}}(p \| q) is judged through the definitions and hypotheses in force, "
                             "or as its integral when p and q are densities declared positive on one region")
        return self.placeholder(KL(p, q, _divergence_variables(p, q))), close + 1

    def density_of(self, value: Basic) -> FunctionClass | None:
        r"""The declared density of ``value`` when it is a variable drawn from one (``random x ~ f``)."""
        for name, (density, _) in self.decl.density_variables.items():
            if self.decl.symbols.get(name) == value and density in self.decl.densities:
                self.used.add(self.decl.density_variables[name][1])
                return self.decl.densities[density].function
        return None

    # -- operators --

    def operator(self, kind: str, tokens: list[Token], index: int, end: int, at: Token, spelling: str) -> tuple[str, int]:
        """``E[X]``, ``Var(X)``, ``Cov(X, Y)``, ``tr(M)``, ``\\det A``, ``diag(v)``; ``Var(A_L)_{ii}`` is entrywise."""
        opening = next_non_space(tokens, index)
        if opening < end and tokens[opening].is_char("_") and kind == "expectation":
            raise Unsupported(f"{spelling} with a subscript is not supported", at.start)
        if opening < end and (tokens[opening].is_char("(", "[") or tokens[opening].is_command(r"\{")):
            close = _closing(tokens, opening, end)
            inner = tokens[opening + 1 : close]
            after = close + 1
        elif kind == "det" and opening < end:
            after = _atom_end(tokens, opening, end)
            inner, close = tokens[opening:after], after - 1
        elif opening < end and (_starts_name(tokens[opening]) or _applied_operator_end(tokens, opening, end)):
            # ``\operatorname{tr} M``, ``\operatorname{Var} X``: one bare name is the argument;
            # ``\operatorname{tr} \mathbb{E}[M]``: one operator with its bracketed argument
            after = _applied_operator_end(tokens, opening, end) or _read_name(tokens, opening, end).end
            following = next_non_space(tokens, after)
            if following < end and _extends_argument(tokens[following]):
                raise Ambiguous(f"{spelling} followed by more than one name or a power: which part is the argument? "
                                "use brackets", at.start)
            if following < end and (tokens[following].is_char("+", "-") or tokens[following].is_command(
                    r"\cdot", r"\times")) and self.random_term(tokens, following, end):
                # ``Var X_1 + X_2``: Var(X_1) + X_2 (as sin x + y) adds a random variable to a number, a reading
                # nobody means; Var(X_1 + X_2) is likelier but would be a guess; so for ``E X_1 \cdot X_1``
                raise Ambiguous(f"{spelling} with a bare argument followed by {tokens[following].text} and a random "
                                f"term: is the term inside {spelling} or not? add parentheses", at.start)
            inner, close = tokens[opening:after], after - 1
        else:
            raise LatexInputError(f"{spelling} must be followed by its argument in ( ) or [ ]", at.start)
        if kind in ("variance", "covariance") and not spelling.startswith("\\"):
            self.conventions.add(f"{spelling} without a backslash is the {kind}")
        subscript_at = after if after < end and tokens[after].is_char("_") else None
        if subscript_at is not None:
            inner, after = self.entrywise(inner, tokens, subscript_at, end)
        arguments = _split_tokens(inner, ",")
        values = [self.sub_read(a) for a in arguments]
        return self.placeholder(_apply_operator(kind, values, spelling, at.start)), after

    def random_term(self, tokens: list[Token], sign: int, end: int) -> bool:
        """Whether the term after the sign at ``sign`` has a declared random variable outside E/Var/Cov (read
        apart, so its names are not reported twice; a term that does not read is left to the main reading)."""
        term = tokens[sign + 1 : _term_end(tokens, sign + 1, end)]
        if not any(t.kind != "space" for t in term):
            return False
        try:
            value = _Reader(self.decl, self.depth + 1).read(term)
        except LatexInputError:
            return False
        outside = value.replace(lambda e: isinstance(e, (RandomOperator, MatExpect)), lambda e: Dummy())
        random_bases = {family.base for family in self.decl.random_families}
        random_vectors = {self.decl.matrices[name] for name in self.decl.random_vectors if name in self.decl.matrices}
        return any(entry.base in random_bases for entry in outside.atoms(Indexed)) or outside.has(*random_vectors)

    def entrywise(self, inner: list[Token], tokens: list[Token], subscript_at: int, end: int) -> tuple[list[Token], int]:
        """``Var(A_L)_{ii}`` means ``Var((A_L)_{ii})``: move the subscript inside."""
        subscript, after = _subscript_tokens(tokens, subscript_at, end)
        opening = Token("char", "(", inner[0].start if inner else tokens[subscript_at].start)
        closing = Token("char", ")", tokens[subscript_at].start)
        underscore = tokens[subscript_at]
        group = [Token("char", "{", underscore.start)] + subscript + [Token("char", "}", underscore.start)]
        return [opening, *inner, closing, underscore, *group], after

    # -- brackets and entries --

    def bracket(self, tokens: list[Token], index: int, end: int) -> tuple[str, int]:
        close = _closing(tokens, index, end)
        after = close + 1
        if after < end and tokens[after].is_char("_") and tokens[index].is_char("("):
            subscript, after = _subscript_tokens(tokens, after, end)
            return self.placeholder(self.entry(tokens[index + 1 : close], subscript, tokens[index].start)), after
        if after < end and tokens[after].is_char("_") and tokens[index].is_char("["):
            subscript, after = _subscript_tokens(tokens, after, end)
            return self.placeholder(self.entry_matrix(tokens[index + 1 : close], subscript, tokens[index].start)), after
        inner = self.emit(tokens, index + 1, close)
        return tokens[index].text + inner + tokens[close].text, after

    def entry(self, inner: list[Token], subscript: list[Token], where: int) -> Basic:
        """``(A_L)_{ij}``, ``(y_{L-1})_j``, ``(Wx)_i``: an entry of a family, a matrix or a vector."""
        content = [t for t in inner if t.kind != "space"]
        if content:
            found = _read_name(content, 0, len(content))
            if found.end == len(content):
                label = f"({found.canonical})_{{{''.join(t.text for t in subscript)}}}"
                if found.canonical in self.decl.matrices:
                    return self.matrix_entry(self.decl.matrices[found.canonical], subscript, label, where)
                family = self.decl.families.get(found.base) or self.decl.families.get(found.canonical)
                if family is not None:
                    if found.base in self.decl.families and found.subscript is not None:
                        labels = [self.sub_read(found.subscript)]
                    else:
                        labels = []
                    rest = None if family.arity is None else family.arity - len(labels)
                    return family.base[tuple(labels + self.indices(subscript, rest, label))]
                if found.base not in self.decl.matrix_families:
                    raise Undeclared(f"{label}: declare the entries, e.g. 'random {label} ~ …' or 'scalar …'", where)
        value = self.sub_read(inner)
        if not isinstance(value, MatrixExpr):
            raise Unsupported("a subscript on a scalar expression: declare the matrix or vector inside", where)
        rows, cols = value.shape
        indices = self.indices(subscript, 1 if cols == 1 else 2, "the entry")
        return MatrixElement(value, indices[0] - 1, 0 if cols == 1 else indices[1] - 1)

    def braces(self, tokens: list[Token], index: int, end: int) -> tuple[str, int]:
        r"""``\{…\}`` are brackets only by declaration: otherwise a set or a fractional part."""
        if self.decl.readings.get(r"\{\}") != "brackets":
            raise Ambiguous(r"\{…\} may be a set or a fractional part: declare 'read \{\} as brackets'",
                            tokens[index].start)
        close = _closing(tokens, index, end)
        return "(" + self.emit(tokens, index + 1, close) + ")", close + 1

    # -- fractions, roots, sums, powers --

    def two_arguments(self, tokens: list[Token], index: int, end: int) -> tuple[str, int]:
        first, after = _argument(tokens, index + 1, end, tokens[index])
        second, after = _argument(tokens, after, end, tokens[index])
        if tokens[index].is_command(r"\frac") and _starts_with(first, r"\partial"):
            return self.partial(tokens, index, first, second, after, end)
        if tokens[index].is_command(r"\frac", r"\dfrac", r"\tfrac") and _is_lone_d(first) \
                and _leibniz_variable(tokens, second[1] - 1) is not None:
            return self.leibniz(tokens, index, second, after, end)
        return f"{tokens[index].text}{{{self.emit(*first)}}}{{{self.emit(*second)}}}", after

    def square_root(self, tokens: list[Token], index: int, end: int) -> tuple[str, int]:
        after = next_non_space(tokens, index + 1)
        degree = ""
        if after < end and tokens[after].is_char("["):
            close = _closing(tokens, after, end)
            degree = "[" + self.emit(tokens, after + 1, close) + "]"
            after = close + 1
        argument, after = _argument(tokens, after, end, tokens[index])
        return rf"\sqrt{degree}{{{self.emit(*argument)}}}", after

    def big_operator(self, tokens: list[Token], index: int, end: int) -> tuple[str, int]:
        r"""``\sum_{k=0}^{n}``; a bare ``\sum_j`` takes its range from an ``index`` directive."""
        token = tokens[index]
        under = next_non_space(tokens, index + 1)
        if under >= end or not tokens[under].is_char("_"):
            raise Unsupported(f"{token.text} without an index and bounds cannot be judged", token.start)
        subscript, after = _subscript_tokens(tokens, under, end)
        has_bounds = any(t.is_char("=") for t in subscript)
        over = next_non_space(tokens, after)
        if has_bounds:
            if over >= end or not tokens[over].is_char("^"):
                raise Unsupported(f"{token.text} without an upper bound cannot be judged", token.start)
            upper, after = _argument(tokens, over + 1, end, tokens[over])
            if token.text == r"\prod":
                product = self.ordered_product(tokens, index, subscript, list(upper[0][upper[1]:upper[2]]), after, end)
                if product is not None:
                    return product
            return f" {token.text}_{{{self.emit(subscript, 0, len(subscript))}}}^{{{self.emit(*upper)}}} ", after
        found = _read_name(subscript, 0, len(subscript)) if subscript else None
        if found is None or found.end != len(subscript) or found.canonical not in self.decl.ranges:
            shown = "".join(t.text for t in subscript)
            raise Undeclared(f"{token.text}_{shown} has no bounds: declare the range, e.g. 'index {shown} : 1 .. n'",
                             token.start)
        low, high = (_retokenize(text, token.start) for text in self.decl.ranges[found.canonical])
        index_text = self.emit(subscript, 0, len(subscript))
        bounds = f"{token.text}_{{{index_text} = {self.emit(low, 0, len(low))}}}^{{{self.emit(high, 0, len(high))}}}"
        self.conventions.add(f"{token.text}_{found.canonical} runs over the declared range")
        return f" {bounds} ", after

    def superscript(self, tokens: list[Token], index: int, end: int) -> tuple[str, int]:
        argument, after = _argument(tokens, index + 1, end, tokens[index])
        content = "".join(t.text for t in argument[0][argument[1] : argument[2]] if t.kind != "space")
        if content in {s.replace(" ", "") for s in TRANSPOSE_SPELLINGS}:
            key = self.placeholder(S.One)
            self.transposes.add(key.strip()[len(r"\variable{") : -1])
            return f"^{{{key}}}", after
        return "^{" + self.emit(*argument) + "}", after

    # -- rebuilding latex2sympy2's tree in source order --

    def rebuild(self, node: Basic) -> Basic:
        if isinstance(node, Symbol):
            return self.symbol(node)
        if isinstance(node, Number):
            return _checked_number(node)
        if isinstance(node, NumberSymbol) or node in (S.Infinity, S.NegativeInfinity):
            return node
        if node.is_Add:
            return _add([self.rebuild(a) for a in node.args])
        if node.is_Mul:
            return _multiply([self.rebuild(a) for a in node.args])
        if node.is_Pow:
            return self.power(node)
        if isinstance(node, Abs):
            return self.absolute(self.rebuild(node.args[0]))
        if isinstance(node, (Sum, Product)):
            return self.big(node)
        if isinstance(node, log):
            arguments = [_scalar(self.rebuild(a)) for a in node.args]
            return log(arguments[0]) if len(arguments) == 1 or arguments[1] == E else log(*arguments)
        if isinstance(node, (Max, Min)) or (
                isinstance(node, Function) and not isinstance(node, AppliedUndef) and node.func.__module__.startswith("sympy")):
            arguments = [_scalar(self.rebuild(a)) for a in node.args]
            _check_function_size(node.func, arguments)
            return node.func(*arguments)
        raise Unsupported(f"unsupported construct {type(node).__name__}")

    def symbol(self, node: Symbol) -> Basic:
        key = _placeholder_key(node.name)
        if key is None or key not in self.table:
            raise Unsupported(f"unsupported construct {node.name!r}")
        return self.table[key]

    def power(self, node: Pow) -> Basic:
        raw_base, raw_exponent = node.args
        base = self.rebuild(raw_base)
        key = _placeholder_key(raw_exponent.name) if isinstance(raw_exponent, Symbol) else None
        is_transpose = key in self.transposes or (key is not None and self.names.get(key) == "T"
                                                  and not self._declared_name("T"))
        if is_transpose and base == 0:
            self.undeclared.discard("T")
            return S.Zero  # 0^T: the transpose of a zero vector (or of the number 0) is zero again
        if key in self.transposes:
            if not isinstance(base, MatrixExpr):
                raise Undeclared("a transpose of a scalar: declare the matrix or vector it applies to")
            return Transpose(base)
        if key is not None and self.names.get(key) == "T" and not self._declared_name("T"):
            if isinstance(base, MatrixExpr):
                self.undeclared.discard("T")  # a transpose, not an undeclared scalar T
                return Transpose(base)
            raise Ambiguous("^T on a scalar: a transpose or a power? declare the matrix or vector (for a "
                            "transpose) or 'scalar T' (for a power)")
        exponent = self.rebuild(raw_exponent)
        if isinstance(base, MatrixExpr) and base.shape != (1, 1):
            return _matrix_power(base, exponent)
        return _power(_scalar(base), _scalar(exponent))

    def absolute(self, value: Basic) -> Basic:
        if isinstance(value, MatrixExpr) and value.shape != (1, 1):
            reading = self.decl.readings.get("|A|")
            if reading == "det":
                _require_square(value, "|…|")
                return Determinant(value)
            raise Ambiguous("|A| of a matrix: a determinant or a norm? declare 'read |A| as det'")
        return Abs(_scalar(value))

    def big(self, node: Sum | Product) -> Basic:
        body = node.function
        limits = []
        renames: dict[Basic, Basic] = {}
        for variable, low, high in node.limits:
            old = self.rebuild(variable)
            if not isinstance(old, Symbol):
                raise Unsupported("the index of a sum must be a plain letter")
            new = Symbol(old.name, integer=True)
            renames[old] = new
            limits.append((new, _scalar(self.rebuild(low)), _scalar(self.rebuild(high))))
        value = self.rebuild(body)
        if isinstance(value, MatrixExpr) and value.shape != (1, 1):
            raise Unsupported("sums of matrices are not supported yet")
        value = _scalar(value).xreplace(renames)
        for symbol, subscript in self.subscripted.items():
            for new in renames.values():
                if symbol in value.free_symbols and re.search(rf"(?<![A-Za-z\\]){re.escape(new.name)}(?![A-Za-z])",
                                                             subscript):
                    base = symbol.name.split("_", 1)[0]
                    raise Undeclared(f"{symbol.name} depends on the summation index {new.name}: declare {base} as "
                                     f"an indexed name (e.g. 'scalar {base}_{new.name}')")
        for new, low, high in limits:
            count = high - low + 1
            if count.is_Integer and abs(count) > MAX_SUM_TERMS:
                raise Unsupported(f"a {type(node).__name__.lower()} of {count} terms is too long to check")
        for new in renames.values():
            self.undeclared.discard(new.name)
        return type(node)(value, *limits)


WARM_UP = (
    r"x", r"-x + y - 2", r"\frac{1}{12} \left(\sqrt{\frac{1}{x}} + \sqrt[3]{y} \right)^2",
    r"\sum_{k=0}^{L-1} \frac{1}{3^{L-k}} \cdot \frac{1}{a}", r"\prod_{k=1}^{n} k", r"|x| + \ln(x) e^{x^2} - \exp(-y)",
    r"\sin(x) \cos y \tan^2 x", r"\binom{n}{2} + n! + [x + y] z", r"x \times y \cdot (a)(b)", r"\pi + \infty",
    r"\log_2 x + \max(a, b)", r"a^{-1} b^{2}", r"\text{Var}(x) + \mathbb{E}[x^2]",
)
_warm = False


def warm_up_parser() -> None:
    """Parse a fixed corpus once, so that processes forked afterwards share latex2sympy2's warm caches.

    ANTLR builds its prediction tables lazily: the first parse of each construct costs about
    a second, later ones a fraction of that.  Only our own fixed text is read here.
    """
    global _warm
    if _warm:
        return
    for text in WARM_UP:
        try:
            read_side(text, Declarations())
        except LatexInputError:
            pass
    _warm = True


# -- helpers: tokens --------------------------------------------------------------


def _normalise(tokens: list[Token]) -> list[Token]:
    r"""Drop sizing and spacing, ``\dfrac`` -> ``\frac``, ``\lvert`` -> ``|``; offsets are kept."""
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.is_command(*DROPPED):
            if token.is_command(r"\left", r"\right"):
                following = next_non_space(tokens, index + 1)
                if following < len(tokens) and tokens[following].is_char("."):
                    index = following  # \left. and \right. delimit nothing
            out.append(Token("space", " ", token.start))
        elif token.is_command(r"\dfrac", r"\tfrac", r"\cfrac"):
            out.append(Token("command", r"\frac", token.start))
        elif token.is_command(r"\lvert", r"\rvert", r"\vert"):
            out.append(Token("char", "|", token.start))
        elif token.is_command(r"\lbrace"):
            out.append(Token("command", r"\{", token.start))
        elif token.is_command(r"\rbrace"):
            out.append(Token("command", r"\}", token.start))
        elif token.is_char("~"):
            out.append(Token("space", " ", token.start))
        else:
            out.append(token)
        index += 1
    return _unbrace_arguments(out)


def _unbrace_arguments(tokens: list[Token]) -> list[Token]:
    r"""``\log{\left(x\right)} y`` (SymPy's printing) is ``\log(x) y``: braces around a bracketed
    argument of a function are dropped, so that the bracket says what the function applies to."""
    out = list(tokens)
    for index, token in enumerate(out):
        if not token.is_command(*SCALAR_FUNCTIONS):
            continue
        group = next_non_space(out, index + 1)
        if group < len(out) and out[group].is_char("^"):
            power = next_non_space(out, group + 1)
            if power < len(out) and out[power].is_char("{"):
                close = matching_brace(out, power)
                group = next_non_space(out, (close if close is not None else len(out)) + 1)
            else:
                group = next_non_space(out, power + 1)
        if group >= len(out) or not out[group].is_char("{"):
            continue
        close = matching_brace(out, group)
        inner = next_non_space(out, group + 1)
        if close is None or inner >= close or not out[inner].is_char("(", "["):
            continue
        inner_close = matching_brace(out, inner)
        if inner_close is not None and next_non_space(out, inner_close + 1) == close:
            out[group] = Token("space", " ", out[group].start)
            out[close] = Token("space", " ", out[close].start)
    return out


KNOWN_COMMANDS = (GREEK | DECORATIONS | WORD_COMMANDS | PASS_THROUGH | frozenset(UNSUPPORTED_COMMANDS)
                  | frozenset(SPECIAL_FUNCTIONS) | frozenset((r"\mathbb", r"\det", r"\frac", r"\binom", r"\sqrt",
                                                           r"\sum", r"\prod", r"\{", r"\}", r"\intercal", r"\int",
                                                           r"\|", r"\lVert", r"\rVert", r"\Vert", r"\end")))
ALLOWED_CHARACTERS = frozenset("+-*/=!,|<>()[]{}^_'.") | DIGITS
_BRACKETS = {"(": ")", "[": "]", "{": "}", r"\{": r"\}"}
_CLOSERS = {v: k for k, v in _BRACKETS.items()}


def _prescreen_tokens(tokens: list[Token]) -> None:
    _check_nesting(tokens)
    _refuse_unsupported(tokens)
    problems = _stray_tokens(tokens) + _unbalanced(tokens)
    if problems:
        raise min(problems, key=lambda problem: problem.offset)


def _stray_tokens(tokens: list[Token]) -> list[LatexInputError]:
    r"""Unknown commands and unexpected characters outside ``\text{…}`` words (the first of each is enough)."""
    found: list[LatexInputError] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        group = next_non_space(tokens, index + 1)
        if token.is_command(*WORD_COMMANDS, r"\mathbb") and group < len(tokens) and tokens[group].is_char("{"):
            close = matching_brace(tokens, group)
            index = (close if close is not None else index) + 1
            continue
        if token.is_command(r"\begin") and _environment_name(tokens, index) == "cases":
            close = _environment_end(tokens, index, len(tokens))
            if close is not None:
                index = close
                continue
        if token.is_command(r"\substack") and group < len(tokens) and tokens[group].is_char("{"):
            close = matching_brace(tokens, group)  # ranges 1 \le i \le n, read by the reader
            index = (close if close is not None else index) + 1
            continue
        if token.is_command(r"\variable"):
            found.append(LatexInputError(r"\variable is reserved for symderive's placeholders", token.start))
        elif token.kind == "command" and token.text not in KNOWN_COMMANDS:
            found.append(Unsupported(f"unknown command {token.text}", token.start))
        elif token.kind == "char" and not (token.text in ALLOWED_CHARACTERS or (token.text.isascii() and token.text.isalpha())):
            found.append(LatexInputError(f"unexpected character {token.text!r}", token.start))
        if found:
            return found
        index += 1
    return found


def _unbalanced(tokens: list[Token]) -> list[LatexInputError]:
    """The first closing bracket without an opening one and the first opening one never closed, per kind."""
    found: list[LatexInputError] = []
    for opening, closing in _BRACKETS.items():
        open_at: list[Token] = []
        for token in tokens:
            if token.text == opening and token.kind != "space":
                open_at.append(token)
            elif token.text == closing and token.kind != "space":
                if not open_at:
                    found.append(LatexInputError(f"unbalanced {closing!r}: no opening bracket before it", token.start))
                    break
                open_at.pop()
        if open_at:
            found.append(LatexInputError(f"unbalanced {opening!r}: expected a closing {closing!r}", open_at[0].start))
    return found


def _refuse_unsupported(tokens: list[Token]) -> None:
    """The first construct we cannot judge anywhere in the expression is the reason given."""
    for token in tokens:
        if token.kind == "command" and token.text in UNSUPPORTED_COMMANDS and token.text not in (
                r"\begin", r"\top", r"\prime", r"\partial", r"\substack"):
            # ^\top is a transpose; \begin is reported last; \partial and \substack where they stand
            raise Unsupported(UNSUPPORTED_COMMANDS[token.text], token.start)
    _refuse_leibniz(tokens)
    for index, token in enumerate(tokens):
        if token.is_command(r"\begin") and _environment_name(tokens, index) != "cases":
            raise Unsupported(UNSUPPORTED_COMMANDS[token.text], token.start)


def _refuse_leibniz(tokens: list[Token]) -> None:
    r"""``\frac{d}{dx} f``, ``\frac{dy}{dx}``: a reader sees a derivative, latex2sympy2 a quotient of
    products with a variable ``d`` (which would refute a true step).  Refused as ambiguous."""
    for index, token in enumerate(tokens):
        if not token.is_command(r"\frac", r"\dfrac", r"\tfrac"):
            continue
        numerator = next_non_space(tokens, index + 1)
        if numerator >= len(tokens) or not tokens[numerator].is_char("{"):
            continue
        close = matching_brace(tokens, numerator)
        denominator = next_non_space(tokens, close + 1) if close is not None else len(tokens)
        if denominator >= len(tokens) or not tokens[denominator].is_char("{"):
            continue
        top = _after_differential(tokens, numerator + 1)
        bottom = _after_differential(tokens, denominator + 1)
        if top is not None and tokens[top].is_char("}") and _leibniz_variable(tokens, denominator) is not None:
            continue  # ``\frac{d}{dx}``, the operator: read (or refused) where the declarations are known
        if top is not None and bottom is not None and not tokens[bottom].is_char("}"):
            raise Ambiguous(r"\frac{d…}{d…} reads as a derivative (Leibniz notation), which is not supported yet; "
                            r"if d is a variable, write the product with \cdot", token.start)


def _rewritten_names(declarations: Declarations) -> set[str]:
    """The names a definition or hypothesis in force replaces (with what it is replaced in): each may stand
    for an expression in any variable."""
    return {str(s) for rewrite in declarations.rewrites for s in rewrite.target.free_symbols}


def _is_lone_d(argument: tuple[list[Token], int, int]) -> bool:
    r"""Whether a ``\frac`` argument is ``d`` (or ``\mathrm{d}``) alone."""
    source, first, stop = argument
    after = _after_differential(source[:stop], first)
    return after is not None and after >= stop


def _leibniz_variable(tokens: list[Token], opening: int) -> int | None:
    r"""In the ``{…}`` group at ``opening``: where the variable starts when the group is ``d`` and one plain
    name (``{dx}``, ``{d x}``, ``{\mathrm{d}t}``); else None."""
    close = matching_brace(tokens, opening)
    if close is None:
        return None
    start = _after_differential(tokens[:close], opening + 1)
    if start is None or start >= close:
        return None
    name = _read_name(tokens, start, close) if _starts_name(tokens[start]) else None
    return start if name is not None and next_non_space(tokens, name.end) >= close else None


def _after_differential(tokens: list[Token], index: int) -> int | None:
    r"""The index after a leading ``d`` (or ``\mathrm{d}``, ``\operatorname{d}``, ``\text{d}``) at ``index``,
    when what follows is not an explicit product; else None."""
    index = next_non_space(tokens, index)
    if index < len(tokens) and tokens[index].is_char("d"):
        after = index + 1
    elif (index + 3 < len(tokens) and tokens[index].is_command(r"\mathrm", r"\operatorname", r"\text")
          and tokens[index + 1].is_char("{") and tokens[index + 2].is_char("d") and tokens[index + 3].is_char("}")):
        after = index + 4
    else:
        return None
    after = next_non_space(tokens, after)
    if after < len(tokens) and tokens[after].is_command(r"\cdot", r"\times"):
        return None
    return after


def _check_nesting(tokens: list[Token]) -> None:
    depth = deepest = 0
    for token in tokens:
        if token.is_char("(", "[", "{") or token.is_command(r"\{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token.is_char(")", "]", "}") or token.is_command(r"\}"):
            depth -= 1
    if deepest > MAX_NESTING:
        raise LatexInputError(f"brackets nested {deepest} deep; the limit is {MAX_NESTING}", tokens[0].start)


def _closing(tokens: list[Token], opening: int, end: int) -> int:
    token = tokens[opening]
    if token.is_command(r"\{"):
        found = _matching_command(tokens, opening, end, r"\{", r"\}")
        if found is None:
            raise LatexInputError(r"unbalanced \{: expected \}", token.start)
        return found
    close = matching_brace(tokens[:end], opening)
    if close is None:
        closing = {"(": ")", "[": "]", "{": "}"}[token.text]
        raise LatexInputError(f"unbalanced {token.text!r}: expected a closing {closing!r}", token.start)
    return close


def _argument(tokens: list[Token], index: int, end: int, owner: Token) -> tuple[tuple[list[Token], int, int], int]:
    r"""The argument of ``\frac``, ``^``, ``_`` at ``index``: a ``{…}`` group or a single token (``\frac12``)."""
    index = next_non_space(tokens, index)
    if index >= end:
        raise LatexInputError(f"{owner.text} needs an argument", owner.start)
    token = tokens[index]
    if token.is_char("{"):
        close = _closing(tokens, index, end)
        return (tokens, index + 1, close), close + 1
    if token.kind == "command" and token.text in (r"\mathsf", r"\mathrm"):
        after = _group_after(tokens, index + 1, end)
        return (tokens, index, after), after
    if token.kind == "command" or (token.kind == "char" and (token.text in DIGITS or token.text == "." or (token.text.isascii() and token.text.isalpha()))):
        return (tokens, index, index + 1), index + 1
    raise LatexInputError(f"{owner.text} needs an argument, found {token.text!r}", token.start)


def _environment_name(tokens: Sequence[Token], index: int) -> str:
    r"""``cases`` for the ``\begin{cases}`` (or ``\end{cases}``) at ``index``; '' if there is no name."""
    return _group_text(list(tokens), index + 1, len(tokens))


def _environment_end(tokens: Sequence[Token], index: int, end: int) -> int | None:
    r"""The index after the ``\end{…}`` that closes the ``\begin{…}`` at ``index`` (nested ones counted)."""
    position = _matching_command(tokens, index, end, r"\begin", r"\end")
    return None if position is None else _group_after(list(tokens), position + 1, end)


def _matching_command(tokens: Sequence[Token], index: int, end: int, opening: str, closing: str) -> int | None:
    """The index of the ``closing`` command that matches the ``opening`` one at ``index`` (nesting counted)."""
    depth = 0
    for position in range(index, end):
        if tokens[position].is_command(opening):
            depth += 1
        elif tokens[position].is_command(closing):
            depth -= 1
            if depth == 0:
                return position
    return None


def _split_at(tokens: Sequence[Token], is_separator) -> list[list[Token]]:
    """``tokens`` cut at every separator outside brackets, braces and nested environments."""
    parts: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.is_char("(", "[", "{") or token.is_command(r"\{", r"\begin"):
            depth += 1
        elif token.is_char(")", "]", "}") or token.is_command(r"\}", r"\end"):
            depth -= 1
        if depth == 0 and is_separator(token):
            parts.append([])
        else:
            parts[-1].append(token)
    return parts


def _divergence_variables(p: Basic, q: Basic) -> Tuple:
    r"""What ``D_{\mathrm{KL}}(p \| q)`` integrates over: the arguments of the unknown functions in
    ``p`` and ``q`` (``x`` for ``f_j(x_j)``, ``\alpha`` for ``f(\alpha)``); else their one free
    variable; else nothing known (then only a definition or a hypothesis can give it meaning)."""
    found: list[Basic] = []
    for side in (p, q):
        for node in preorder_traversal(side):
            if isinstance(node, AppliedUndef) and node.args:
                argument = node.args[-1]
                variable = argument
                if isinstance(argument, Indexed) and not set().union(*(i.free_symbols for i in argument.indices)) <= (
                        side.free_symbols):
                    variable = argument.base  # x_j under a product over j: all the coordinates x
                if isinstance(variable, (Symbol, Indexed, IndexedBase)) and variable not in found:
                    found.append(variable)
    if not found:
        free = [s for s in (p.free_symbols | q.free_symbols) if isinstance(s, Symbol)]
        found = free if len(free) == 1 else []
    return Tuple(*found)


def _differential(tokens: list[Token], start: int, end: int) -> tuple[int, _Name] | None:
    r"""The differential closing an integral whose body starts at ``start``: (where its ``d`` stands,
    the variable's name), or None.  Inner integrals close first (``\int \int f \,dx \,dy``)."""
    depth = pending = 0
    index = start
    while index < end:
        token = tokens[index]
        if token.is_char("(", "[", "{") or token.is_command(r"\{"):
            depth += 1
        elif token.is_char(")", "]", "}") or token.is_command(r"\}"):
            depth -= 1
        elif depth == 0 and token.is_command(r"\int"):
            pending += 1
        elif depth == 0:
            name_at = _differential_name_at(tokens, index, end)
            if name_at is not None:
                found = _read_name(tokens, name_at, end)
                if pending == 0:
                    return index, found
                pending -= 1
                index = found.end
                continue
        index += 1
    return None


def _differential_name_at(tokens: list[Token], index: int, end: int) -> int | None:
    r"""Where the variable's name starts if a differential (``dx``, ``d\alpha``, ``\mathrm{d}x``) is at ``index``."""
    token = tokens[index]
    if token.is_command(*DIFFERENTIAL_WORDS):
        group = next_non_space(tokens, index + 1)
        if not (group + 2 < end and tokens[group].is_char("{") and tokens[group + 1].is_char("d")
                and tokens[group + 2].is_char("}")):
            return None
        name_at = next_non_space(tokens, group + 3)
    elif token.is_char("d") and not (index > 0 and tokens[index - 1].is_char() and tokens[index - 1].text.isalpha()):
        name_at = index + 1  # written together: dx, d\alpha
    else:
        return None
    if name_at >= end:
        return None
    following = tokens[name_at]
    starts_name = (following.kind == "char" and following.text.isascii() and following.text.isalpha()) or (
        following.kind == "command" and (following.text in GREEK or following.text in DECORATIONS))
    return name_at if starts_name else None


def _starts_with(argument: tuple[list[Token], int, int], command: str) -> bool:
    source, start, stop = argument
    first = next_non_space(source, start)
    return first < stop and source[first].is_command(command)


def _after_partial(argument: tuple[list[Token], int, int]) -> list[Token] | None:
    r"""The tokens after a leading ``\partial`` (``[]`` for a bare one); None without it."""
    source, start, stop = argument
    first = next_non_space(source, start)
    if not (first < stop and source[first].is_command(r"\partial")):
        return None
    rest = [t for t in source[first + 1 : stop]]
    return rest if any(t.kind != "space" for t in rest) else []


def _operand_end(tokens: list[Token], index: int, end: int) -> int | None:
    r"""The end of the one factor at ``index`` that an operator (``\frac{\partial}{\partial x}``, ``\prod``)
    applies to: a bracket with its subscript and superscript, or a name with its argument and superscript."""
    if index >= end:
        return None
    token = tokens[index]
    if token.is_char("(", "["):
        after = _closing(tokens, index, end) + 1
        if after < end and tokens[after].is_char("_"):
            _, after = _subscript_tokens(tokens, after, end)
    elif token.kind == "command" and token.text in SCALAR_FUNCTIONS:  # ``\sin(x)``: its argument in brackets
        opening = next_non_space(tokens, index + 1)
        if not (opening < end and tokens[opening].is_char("(")):
            return None
        after = _closing(tokens, opening, end) + 1
    elif token.kind == "char" and token.text.isascii() and token.text.isalpha() or (
            token.kind == "command" and (token.text in GREEK or token.text in DECORATIONS or token.text in WORD_COMMANDS)):
        after = _read_name(tokens, index, end).end
        following = next_non_space(tokens, after)
        if following < end and tokens[following].is_char("("):
            after = _closing(tokens, following, end) + 1
    else:
        return None
    while after < end and tokens[after].is_char("^"):
        _, after = _argument(tokens, after + 1, end, tokens[after])
    return after


def _vector_of_1x1(value: Basic) -> Basic:
    """The 1×1 vector behind its entry (``β_l`` is read as a number where a number is expected)."""
    if isinstance(value, MatrixElement) and value.parent.shape == (1, 1) and isinstance(value.parent, IndexedMatrix):
        return value.parent
    return value


def _subscript_tokens(tokens: list[Token], underscore: int, end: int) -> tuple[list[Token], int]:
    (source, start, stop), after = _argument(tokens, underscore + 1, end, tokens[underscore])
    return list(source[start:stop]), after


def _group_text(tokens: list[Token], index: int, end: int) -> str:
    r"""The text inside the ``{…}`` group at ``index`` (``\_`` read as ``_``), or '' if there is none."""
    index = next_non_space(tokens, index)
    if index >= end:
        return ""
    if not tokens[index].is_char("{"):
        return tokens[index].text if tokens[index].kind == "char" else ""
    close = matching_brace(tokens[:end], index)
    if close is None:
        raise LatexInputError("unbalanced '{': expected a closing '}'", tokens[index].start)
    return "".join(t.text for t in tokens[index + 1 : close]).replace(r"\_", "_").strip()


def _group_after(tokens: list[Token], index: int, end: int) -> int:
    index = next_non_space(tokens, index)
    if index < end and tokens[index].is_char("{"):
        close = matching_brace(tokens[:end], index)
        if close is None:
            raise LatexInputError("unbalanced '{': expected a closing '}'", tokens[index].start)
        return close + 1
    return index + 1


def _split_tokens(tokens: Sequence[Token], separator: str) -> list[list[Token]]:
    parts: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.is_char("(", "[", "{") or token.is_command(r"\{"):
            depth += 1
        elif token.is_char(")", "]", "}") or token.is_command(r"\}"):
            depth -= 1
        if depth == 0 and token.is_char(separator):
            parts.append([])
        else:
            parts[-1].append(token)
    for part in parts:
        if not any(t.kind != "space" for t in part):
            where = tokens[0].start if tokens else 0
            raise LatexInputError("an empty argument: expected an expression", where)
    return parts


def _retokenize(text: str, offset: int) -> list[Token]:
    """Tokens of directive text placed at ``offset`` of the side (for error positions)."""
    return [Token(t.kind, t.text, offset) for t in tokenize(text)]


def _bare_word(tokens: list[Token], index: int, end: int) -> str | None:
    """``Var(``, ``Cov(``, ``tr(``, ``diag(``, ``det(`` written without a backslash."""
    if index > 0 and tokens[index - 1].kind == "char" and tokens[index - 1].text.isalpha():
        return None
    for word in BARE_OPERATOR_WORDS:
        stop = index + len(word)
        if stop < end and "".join(t.text for t in tokens[index:stop]) == word and all(
                t.kind == "char" for t in tokens[index:stop]):
            after = next_non_space(tokens, stop)
            if after < end and tokens[after].is_char("(", "[") and after == stop:
                return word
    return None


def _scientific(tokens: list[Token], index: int, end: int) -> tuple[int, int] | None:
    """``1e-40`` written with no spaces: the exponent and the index after it."""
    if index >= end or not tokens[index].is_char("e", "E"):
        return None
    position = index + 1
    sign = 1
    if position < end and tokens[position].is_char("+", "-"):
        sign = -1 if tokens[position].text == "-" else 1
        position += 1
    start = position
    while position < end and tokens[position].kind == "char" and tokens[position].text in DIGITS:
        position += 1
    if position == start or (position < end and tokens[position].kind == "char" and tokens[position].text.isalpha()):
        return None
    digits = "".join(t.text for t in tokens[start:position])
    if len(digits) > 6:
        return sign * 10**7, position
    return sign * int(digits), position


def _read_name(tokens: Sequence[Token], index: int, end: int) -> _Name:
    """A name at ``index``: letter, Greek letter, decorated or worded name; primes; a subscript."""
    token = tokens[index]
    after = index + 1
    if token.kind == "char":
        base = token.text
    elif token.text in DECORATIONS or token.text in WORD_COMMANDS:
        argument, after = _argument(tokens, index + 1, end, token)
        inner = "".join(t.text for t in argument[0][argument[1] : argument[2]]).replace(r"\_", "_")
        inner = "".join(inner.split())
        if token.text in WORD_COMMANDS:
            base = inner if len(inner) == 1 and inner.isalpha() else f"\\text{{{inner}}}"
        else:
            base = f"{token.text}{{{inner}}}"
    else:
        base = token.text
    primes = 0
    while after < end and tokens[after].is_char("'"):
        primes, after = primes + 1, after + 1
    subscript = None
    if after < end and tokens[after].is_char("_"):
        subscript, after = _subscript_tokens(list(tokens), after, end)
        while after < end and tokens[after].is_char("'"):
            primes, after = primes + 1, after + 1
    named = base + "'" * primes
    canonical = named
    if subscript is not None:
        shown = _unbraced_scripts("".join(t.text for t in subscript if t.kind != "space"))
        canonical += "_" + (shown if len([t for t in subscript if t.kind != "space"]) == 1 else "{" + shown + "}")
    return _Name(canonical, named, subscript, index, after)


# What may follow the bare argument of an operator (``\operatorname{tr} A + 1``, ``|\operatorname{tr} A|``): an
# operator, a closing bracket, a separator.  Anything else may be part of the argument (``X!``, ``X 2``, ``X \pi``).
_ENDS_ARGUMENT_CHARS = frozenset("+-*/=<>,;.:)]}&|_")
_ENDS_ARGUMENT_COMMANDS = frozenset((
    r"\cdot", r"\times", r"\div", r"\pm", r"\mp", r"\rangle", r"\rvert", r"\rVert", r"\|", r"\}", r"\le", r"\leq",
    r"\ge", r"\geq", r"\lt", r"\gt", r"\ne", r"\neq", r"\approx", r"\sim", r"\equiv", r"\to", r"\in", r"\mid",
    "\\\\", r"\end", r"\text", r"\mbox", r"\textrm",
))  # spacing and sizing commands (\, \right) are dropped before this is asked


def _applied_operator_end(tokens: list[Token], index: int, end: int) -> int | None:
    r"""Where ``\mathbb{E}[…]``, ``\mathbb{V}(…)`` or ``\operatorname{Var}(…)`` (an operator word and its argument
    in brackets) starting at ``index`` ends; None when no such application starts there."""
    token = tokens[index]
    if token.is_command(r"\mathbb"):
        if _group_text(tokens, index + 1, end) not in ("E", "V"):
            return None
    elif not (token.kind == "command" and token.text in WORD_COMMANDS
              and _group_text(tokens, index + 1, end) in OPERATOR_WORDS):
        return None
    opening = next_non_space(tokens, _group_after(tokens, index + 1, end))
    if not (opening < end and (tokens[opening].is_char("(", "[") or tokens[opening].is_command(r"\{"))):
        return None
    return _closing(tokens, opening, end) + 1


_ENDS_TERM_CHARS = frozenset("+-=<>,;&")
_ENDS_TERM_COMMANDS = frozenset((
    r"\pm", r"\mp", r"\le", r"\leq", r"\ge", r"\geq", r"\lt", r"\gt", r"\ne", r"\neq", r"\approx", r"\sim",
    r"\equiv", r"\to", r"\in", r"\mid", "\\\\", r"\end", r"\text", r"\mbox", r"\textrm", r"\quad", r"\qquad",
))


def _term_end(tokens: list[Token], index: int, end: int) -> int:
    """Where the term starting at ``index`` ends: at the next sign or relation outside brackets (leading signs
    belong to it)."""
    index = next_non_space(tokens, index)
    while index < end and tokens[index].is_char("+", "-"):
        index = next_non_space(tokens, index + 1)
    while index < end:
        token = tokens[index]
        ends = _ENDS_TERM_CHARS if token.kind == "char" else _ENDS_TERM_COMMANDS if token.kind == "command" else ()
        if token.text in ends:
            return index
        if token.is_char("(", "[", "{") or token.is_command(r"\{"):
            try:
                index = _closing(tokens, index, end)
            except LatexInputError:
                return end
        index += 1
    return end


def _extends_argument(token: Token) -> bool:
    """Whether ``token``, after the bare argument of an operator, may be part of it: where the argument ends is then
    a matter of reading (``E X!`` is ``E[X!]`` as ``log n!`` is ``log(n!)``; ``Var X 2``), so it is not guessed."""
    if token.kind == "char":
        return token.text not in _ENDS_ARGUMENT_CHARS
    return token.text not in _ENDS_ARGUMENT_COMMANDS


_BRACED_SCRIPT = re.compile(r"([_^])\{([A-Za-z0-9]|\\[A-Za-z]+(?![A-Za-z]))\}")


def _unbraced_scripts(text: str) -> str:
    """``n_{1}`` -> ``n_1``, ``x_{\\alpha}`` -> ``x_\\alpha``: one spelling for a script of one symbol, so
    ``I_{n_{1}}`` and ``I_{n_1}`` name the same thing."""
    while True:
        unbraced = _BRACED_SCRIPT.sub(r"\1\2", text)
        if unbraced == text:
            return text
        text = unbraced


def _starts_name(token: Token) -> bool:
    """A letter, a Greek letter or a decorated or worded name (``\\mathbf{x}``, ``\\text{fan\\_in}``) begins here."""
    if token.kind == "char":
        return token.text.isalpha()
    return token.text in GREEK or token.text in DECORATIONS or token.text in WORD_COMMANDS


def _atom_end(tokens: list[Token], index: int, end: int) -> int:
    r"""The end of one factor at ``index`` (``A``, ``A^{-1}``, ``\Sigma_0``, ``(…)``), for ``\det A^{-1}``."""
    token = tokens[index]
    if token.is_char("(", "[", "{"):
        after = _closing(tokens, index, end) + 1
    elif token.kind == "command" and token.text in PASS_THROUGH | {r"\frac", r"\sqrt"}:
        raise Unsupported(f"the argument of \\det after {token.text} is unclear: use brackets", token.start)
    else:
        after = _read_name(tokens, index, end).end
    while after < end and tokens[after].is_char("^"):
        _, after = _argument(tokens, after + 1, end, tokens[after])
    return after


# -- helpers: the skeleton ----------------------------------------------------------


def _check_skeleton(skeleton: str, where: int) -> None:
    r"""Juxtapositions latex2sympy2 reads one way and people another: ``1/2x``, ``\sin x y``, ``\ln \frac{a}{b} c``."""
    tokens = [t for t in tokenize(skeleton) if t.kind != "space"]
    for index, token in enumerate(tokens):
        if token.is_char("/"):
            first = _skeleton_atom(tokens, index + 1)
            if first is not None and _skeleton_atom(tokens, first) is not None:
                raise Ambiguous("a/bc: is it a/(bc) or (a/b)c? write \\frac{…}{…} or use brackets", where)
        elif token.is_command(*SCALAR_FUNCTIONS) and not _is_bracketed(tokens, index + 1):
            first = _skeleton_atom(tokens, _after_power(tokens, index + 1))
            if first is None:
                continue
            second = _skeleton_atom(tokens, first)
            if second is None:
                continue
            number_first = "".join(t.text for t in tokens[_after_power(tokens, index + 1):first]).startswith(
                rf"\variable{{{NUMBER}")
            if number_first and _skeleton_atom(tokens, second) is None:
                continue  # \sin 2x is sin(2x)
            raise Ambiguous(f"{token.text} followed by several factors without brackets: write "
                            f"{token.text}(…) to say what it applies to", where)


def _is_bracketed(tokens: list[Token], index: int) -> bool:
    index = _after_power(tokens, index)
    return index < len(tokens) and tokens[index].is_char("(", "[")


def _after_power(tokens: list[Token], index: int) -> int:
    if index < len(tokens) and tokens[index].is_char("^"):
        if index + 1 < len(tokens) and tokens[index + 1].is_char("{"):
            close = matching_brace(tokens, index + 1)
            return (close + 1) if close is not None else len(tokens)
        return index + 2
    return index


def _skeleton_atom(tokens: list[Token], index: int) -> int | None:
    """The index after the factor starting at ``index`` in a skeleton, or None if none starts there."""
    if index >= len(tokens):
        return None
    token = tokens[index]
    if token.is_command(r"\variable"):
        close = matching_brace(tokens, index + 1)
        after = (close + 1) if close is not None else index + 1
    elif token.kind == "char" and (token.text in DIGITS or token.text == "."):
        after = index
        while after < len(tokens) and tokens[after].kind == "char" and (tokens[after].text in DIGITS or tokens[after].text == "."):
            after += 1
    elif token.is_command(r"\frac", r"\binom"):
        first = matching_brace(tokens, index + 1) if index + 1 < len(tokens) and tokens[index + 1].is_char("{") else None
        second = matching_brace(tokens, first + 1) if first is not None and first + 1 < len(tokens) else None
        after = (second + 1) if second is not None else len(tokens)
    elif token.is_command(r"\sqrt"):
        after = index + 1
        if after < len(tokens) and tokens[after].is_char("["):
            after = (matching_brace(tokens, after) or len(tokens) - 1) + 1
        if after < len(tokens) and tokens[after].is_char("{"):
            after = (matching_brace(tokens, after) or len(tokens) - 1) + 1
    elif token.is_char("(", "{"):
        close = matching_brace(tokens, index)
        after = (close + 1) if close is not None else len(tokens)
    elif token.is_command(r"\pi", r"\infty"):
        after = index + 1
    else:
        return None
    while after < len(tokens) and tokens[after].is_char("^", "!"):
        after = _after_power(tokens, after) if tokens[after].is_char("^") else after + 1
    return after


def _placeholder_key(name: str) -> str | None:
    """``sdp3x`` + latex2sympy2's 32-digit hash -> ``sdp3x``."""
    found = re.fullmatch(rf"((?:{PLACEHOLDER}|{NUMBER})\d+x)[0-9a-f]{{32}}", name)
    return found.group(1) if found else None


def _parsed_math(text: str, fast: bool = True) -> tuple[Any, Any]:
    """latex2sympy2's ``math`` rule on ``text`` and its token stream; raises on any syntax error.

    ANTLR's SLL prediction returns the very tree full LL prediction would, or fails (its
    documented guarantee); only then is the input parsed again with LL, whose errors are the
    ones reported.  Measured 20-90x faster on the seed's sides, where parsing was most of a
    relation's time.  ``fast=False`` parses with LL only (for tests comparing the two).
    """
    import latex2sympy2
    from antlr4 import CommonTokenStream, InputStream
    from antlr4.atn.PredictionMode import PredictionMode
    from antlr4.error.ErrorStrategy import BailErrorStrategy

    def parser_for(sll: bool) -> tuple[Any, Any]:
        listener = latex2sympy2.MathErrorListener(text)  # raises on the first error it hears
        lexer = latex2sympy2.PSLexer(InputStream(text))
        lexer.removeErrorListeners()
        lexer.addErrorListener(listener)
        stream = CommonTokenStream(lexer)
        parser = latex2sympy2.PSParser(stream)
        parser.removeErrorListeners()
        parser.addErrorListener(listener)
        if sll:
            parser._interp.predictionMode = PredictionMode.SLL
            parser._errHandler = BailErrorStrategy()  # no recovery: any error ends the SLL attempt
        return parser, stream

    if fast:
        parser, stream = parser_for(sll=True)
        try:
            return parser.math(), stream
        except RecursionError:
            raise
        except Exception:  # SLL could not decide (or the input is wrong): LL decides and reports
            pass
    parser, stream = parser_for(sll=False)
    return parser.math(), stream


def _has_top_level_comma(text: str) -> bool:
    depth = 0
    for character in text:
        if character in "{([":
            depth += 1
        elif character in "})]":
            depth -= 1
        elif character == "," and depth == 0:
            return True
    return False


def _raw_parse(text: str, where: int = 0) -> Basic:
    """latex2sympy2's grammar on exactly one expression, all input consumed."""
    import latex2sympy2
    from antlr4 import Token as AntlrToken

    from .skeleton_parser import parse_skeleton

    if not text.strip():
        raise LatexInputError("an empty expression: expected a LaTeX expression", where)
    # Reset the module's global tables: earlier calls must not leak into this one.
    latex2sympy2.set_variances({})
    latex2sympy2.set_real(None)
    latex2sympy2.VARIABLE_VALUES = {}
    fast = parse_skeleton(text)  # the common shapes, without ANTLR's slow prediction; exact or None
    if fast is not None:
        return fast
    try:
        tree, stream = _parsed_math(text)
    except RecursionError:
        raise
    except Exception as exc:
        raise LatexInputError(f"cannot parse this expression: {_first_line(str(exc))}", where) from None
    if stream.LA(1) != AntlrToken.EOF:
        raise LatexInputError(f"unexpected {_shown_token(stream.LT(1).text)}: expected the end of the expression",
                              where)
    relation = tree.relation()
    if relation is None or relation.expr() is None:
        if _has_top_level_comma(text):
            # ``a, b > 0``, ``j = 1, 2, 3``: a condition on each name, or the values a case takes
            raise Unsupported("a list where one expression was expected: a statement about each item is not judged",
                              where)
        raise LatexInputError("a relation or a list where one expression was expected", where)
    try:
        return latex2sympy2.convert_relation(relation)
    except RecursionError:
        raise
    except Exception as exc:
        raise LatexInputError(f"cannot read this expression: {_first_line(str(exc))}", where) from None


def _shown_token(text: str) -> str:
    key = _placeholder_key(text[len(r"\variable{"):-1]) if text.startswith(r"\variable{") else None
    return "a name" if key else repr(text)


def _first_line(message: str) -> str:
    message = re.sub(rf"\\variable\{{{PLACEHOLDER}\d+x\}}", "…", message)
    return message.strip().splitlines()[0] if message.strip() else "unknown parser error"


# -- helpers: building expressions ----------------------------------------------------


def _as_scalar_if_1x1(value: Basic) -> Basic:
    if isinstance(value, MatrixExpr) and value.shape == (1, 1):
        return MatrixElement(value, 0, 0)
    return value


def _scalar(value: Basic, where: int | None = None) -> Basic:
    """``value`` in a scalar place: a 1×1 matrix is its entry; a larger matrix is an error."""
    if isinstance(value, MatrixExpr):
        if value.shape == (1, 1):
            return MatrixElement(value, 0, 0)
        rows, cols = value.shape
        raise LatexInputError(f"a {rows}×{cols} matrix where a scalar is expected", where)
    return value


def _add(terms: list[Basic]) -> Basic:
    matrices = [t for t in terms if isinstance(t, MatrixExpr)]
    if not matrices:
        return _checked_add(terms)
    if len({m.shape for m in matrices}) == 1 and any(t == 0 for t in terms if not isinstance(t, MatrixExpr)):
        # a literal 0 beside vectors (0 - \mu_0) is the zero vector, as a reader takes it
        terms = [t for t in terms if isinstance(t, MatrixExpr) or t != 0]
        if len(terms) == 1:
            return terms[0]
    shapes = {m.shape for m in matrices}
    if len(shapes) == 1 and len(matrices) == len(terms):
        return MatAdd(*terms)
    if shapes == {(1, 1)}:
        return _checked_add([_scalar(t) for t in terms])
    if len(matrices) == len(terms):
        raise LatexInputError("adding matrices of different sizes: " + ", ".join(f"{r}×{c}" for r, c in shapes))
    raise LatexInputError("adding a scalar to a matrix")


def _checked_add(terms: list[Basic]) -> Basic:
    return Add(*terms)


def _multiply(factors: list[Basic]) -> Basic:
    """A product in source order: scalars commute, matrices do not; 1×1 products adapt to their place."""
    scalars: list[Basic] = []
    matrices: list[MatrixExpr] = []
    for factor in factors:
        if not isinstance(factor, MatrixExpr):
            scalars.append(factor)
            continue
        if not matrices:
            matrices.append(factor)
            continue
        current = MatMul(*matrices).shape if len(matrices) > 1 else matrices[0].shape
        if current[1] == factor.shape[0]:
            matrices.append(factor)
        elif factor.shape == (1, 1):
            scalars.append(MatrixElement(factor, 0, 0))
        elif current == (1, 1):
            scalars.append(_as_scalar_if_1x1(MatMul(*matrices) if len(matrices) > 1 else matrices[0]))
            matrices = [factor]
        else:
            raise LatexInputError(f"cannot multiply a {current[0]}×{current[1]} matrix by a "
                                  f"{factor.shape[0]}×{factor.shape[1]} one")
    coefficient = Mul(*scalars) if scalars else S.One
    if not matrices or coefficient == 0:
        return coefficient  # 0^T \Sigma 0: zero, whatever shape the zeros stand for (0 + … drops it)
    if coefficient == 1:
        return MatMul(*matrices) if len(matrices) > 1 else matrices[0]
    return MatMul(coefficient, *matrices)


def _power(base: Basic, exponent: Basic) -> Basic:
    if base.is_number and exponent.is_number:
        magnitude = _digits_estimate(base, exponent)
        if magnitude > MAX_RESULT_DIGITS:
            raise Unsupported(f"a number with about {magnitude} digits is too large to handle exactly")
    return Pow(base, exponent)


def _digits_estimate(base: Basic, exponent: Basic) -> float:
    try:
        exponent_size = abs(float(exponent)) if exponent.is_real else float("inf")
        base_size = abs(float(base)) if base.is_real else 10.0
    except (TypeError, OverflowError):
        return float("inf")
    if base_size in (0.0, 1.0):
        return 0.0
    import math

    return exponent_size * abs(math.log10(base_size)) if math.isfinite(exponent_size) else float("inf")


def _matrix_power(base: MatrixExpr, exponent: Basic) -> Basic:
    _require_square(base, "a power")
    if exponent == -1:
        return Inverse(base)
    if exponent.is_Integer and 0 < exponent <= 100:
        return MatPow(base, exponent)
    raise Unsupported(f"the power {exponent} of a matrix is not supported")


def _require_square(value: MatrixExpr, what: str) -> None:
    rows, cols = value.shape
    if rows != cols:
        raise LatexInputError(f"{what} of a {rows}×{cols} matrix: expected a square matrix")


def _checked_number(number: Number) -> Number:
    if number.is_Integer and abs(number) > 10**MAX_DIGITS:
        raise Unsupported("a number this large is refused")
    return number


def _check_function_size(func, arguments: list[Basic]) -> None:
    """``1000000!`` and ``\\binom{10^6}{5·10^5}`` are refused before SymPy computes them."""
    if func.__name__ in ("factorial", "binomial", "factorial2", "subfactorial"):
        if any(a.is_number and a.is_real and abs(a) > 1000 for a in arguments):
            raise Unsupported("a factorial or binomial of a number this large is refused")


def _apply_operator(kind: str, values: list[Basic], spelling: str, where: int) -> Basic:
    arity = 2 if kind == "covariance" else 1
    if len(values) != arity:
        raise LatexInputError(f"{spelling} takes {arity} argument(s)", where)
    if kind == "expectation" and isinstance(values[0], MatrixExpr) and values[0].shape != (1, 1):
        return MatExpect(values[0])  # E[x], E[x x^T]: entrywise, judged with the declared vector laws
    if kind in ("expectation", "variance", "covariance"):
        if any(isinstance(v, MatrixExpr) and v.shape != (1, 1) for v in values):
            raise Unsupported(f"{spelling} of a vector or matrix is not supported yet", where)
        operator = {"expectation": Expect, "variance": Var, "covariance": Cov}[kind]
        return operator(*(_scalar(v) for v in values))
    (value,) = values
    if kind in ("trace", "det") and isinstance(value, MatrixElement) and value.parent.shape == (1, 1):
        return value  # tr(v^T M v): a quadratic form is a 1×1 matrix, its own trace and determinant
    if not isinstance(value, MatrixExpr):
        raise Undeclared(f"{spelling} of a scalar: declare the matrix it applies to (matrix NAME : n x n)", where)
    if kind == "trace":
        _require_square(value, spelling)
        return Trace(value)
    if kind == "det":
        _require_square(value, spelling)
        return Determinant(value)
    if value.shape[1] != 1:
        raise LatexInputError(f"{spelling} of a {value.shape[0]}×{value.shape[1]} matrix: expected a vector", where)
    return DiagMatrix(value)


def _check_argument_shapes(definition: FunctionDef, arguments: list[Basic], name: str, where: int) -> None:
    for parameter, argument in zip(definition.params, arguments):
        wanted = parameter.shape if isinstance(parameter, MatrixExpr) else None
        given = argument.shape if isinstance(argument, MatrixExpr) else None
        if wanted != given:
            raise LatexInputError(f"{name} expects {'a ' + '×'.join(map(str, wanted)) + ' matrix' if wanted else 'a scalar'}"
                                  f" for {parameter}", where)


__all__ = [
    "Ambiguous", "Declarations", "Family", "FunctionDef", "LatexInputError", "Reading", "Rewrite", "Undeclared",
    "Unsupported", "read_side",
]
