r"""Directives -> :class:`~symderive.latex_in.notation.Declarations`, in document order.

Each directive is read under the declarations in force where it stands and replaces any
earlier meaning of the names it declares, so a homework with several problems can reuse
letters.  The LaTeX inside a directive (sizes, laws, definitions) is read by the notation
layer, so call :func:`declare` under a time limit.

Conventions of the grammar (see :mod:`symderive.latex_in.directives`):

* ``scalar n_k`` with a subscript of single letters declares the *family* ``n`` (entries
  ``n_k``, ``n_{L-1}``); ``scalar x_0`` declares the one name ``x_0``;
* ``random (A_L)_{ij} ~ …`` declares the entries of ``A_L`` for every ``i, j`` (the label
  ``L`` is fixed): ``(A_L)_{ij}`` reads as ``A[L, i, j]``; entries with a law are i.i.d.
  unless ``dependent`` is said, entries with only a mean and a variance are dependent
  unless ``iid`` is said; distinct declared random families are independent;
* ``define (y_L)_i = …`` holds for every ``i`` (the entry indices), ``define P_Y(z) = …``
  for every argument; ``define`` of a plain name replaces it by its value;
* a matrix size that is an undeclared letter becomes a positive integer scalar.
"""
from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from sympy import (Add, Basic, Dummy, Function, Indexed, IndexedBase, Integer, Mul, Product, Sum, Symbol,
                   preorder_traversal, sqrt)
from sympy.matrices.expressions import Identity, MatrixExpr, MatrixSymbol, ZeroMatrix
from sympy.stats import Normal, Uniform

from ..jacobians import EntryMatrix
from ..matrices import IndexedMatrix, MatrixFamily
from ..randomvars import RandomFamily
from ..randomvectors import RandomVector
from . import directives as d
from .notation import (
    Declarations,
    DensityLaw,
    Family,
    KL_NAMES,
    FunctionDef,
    LatexInputError,
    Rewrite,
    _read_name,
    read_region,
    read_side,
)
from .tokens import Token, matching_brace, tokenize

_ASSUMPTIONS = {
    "positive": {"positive": True}, "negative": {"negative": True}, "nonnegative": {"nonnegative": True},
    "nonpositive": {"nonpositive": True}, "real": {"real": True}, "integer": {"integer": True},
    "nonzero": {"nonzero": True},
}


class DeclarationError(LatexInputError):
    """A directive that cannot be given a meaning; reported as an ``error`` at its line."""


def declare(declarations: Declarations, directive: d.Directive, label: str) -> Declarations:
    """``declarations`` with ``directive`` (named ``label`` in reports) in force."""
    handler = _HANDLERS[type(directive)]
    return handler(declarations, directive, label)


# -- names -------------------------------------------------------------------------


def canonical_name(text: str) -> tuple[str, str, list[Token] | None]:
    """(canonical, base, subscript tokens) of a name as written in a directive."""
    tokens = [t for t in tokenize(text.strip()) if t.kind != "space"]
    if not tokens:
        raise DeclarationError("an empty name")
    try:
        found = _read_name(tokens, 0, len(tokens))
    except LatexInputError as exc:
        raise DeclarationError(f"{text!r} is not a name: {exc}") from None
    if found.end != len(tokens) or tokens[0].kind not in ("char", "command") or (
            tokens[0].kind == "char" and not (tokens[0].text.isascii() and tokens[0].text.isalpha())):
        raise DeclarationError(f"{text!r} is not a name (a letter, a Greek letter or \\text{{word}}, "
                               "with an optional subscript)")
    return found.canonical, found.base, found.subscript


def symbol_name(canonical: str) -> str:
    r"""The SymPy name of a declared name: ``\text{fan_in}`` is ``fan_in``, others as written."""
    found = re.fullmatch(r"\\text\{(.*)\}", canonical)
    return found.group(1) if found else canonical


def _letters(subscript: list[Token] | None) -> list[str] | None:
    """The single letters of a subscript such as ``ij`` or ``k``; None if it is anything else."""
    if not subscript:
        return None
    content = [t for t in subscript if t.kind != "space"]
    if all(t.kind == "char" and t.text.isascii() and t.text.isalpha() for t in content):
        return [t.text for t in content]
    return None


def _read(text: str, declarations: Declarations) -> Basic:
    return read_side(text, declarations).expr


# -- shapes, scalars, functions ------------------------------------------------------


def _shape(declarations: Declarations, directive: d.Shape, label: str) -> Declarations:
    if directive.family:
        return _matrix_family(declarations, directive)
    declarations, rows = _size(declarations, directive.rows)
    declarations, cols = _size(declarations, directive.cols)
    properties = directive.properties
    if ("identity" in properties or "symmetric" in properties or "positive definite" in properties
            or "invertible" in properties or "orthogonal" in properties) and rows != cols:
        raise DeclarationError(f"{', '.join(properties)} needs a square matrix, not {rows}×{cols}")
    for name in directive.names:
        canonical, _, _ = canonical_name(name)
        declarations = declarations.without(canonical)
        matrix = Identity(rows) if "identity" in properties else MatrixSymbol(symbol_name(canonical), rows, cols)
        declarations = replace(
            declarations,
            matrices={**declarations.matrices, canonical: matrix},
            matrix_properties={**declarations.matrix_properties, canonical: properties},
        )
    return declarations


def _matrix_family(declarations: Declarations, directive: d.Shape) -> Declarations:
    r"""``matrices A_k : n_k x n_{k-1}``: ``A_{e}`` is the member at ``e``, its sizes the declared ones at ``k = e``.

    The subscript must be one letter, and the sizes are read with that letter an integer."""
    if directive.properties:
        raise DeclarationError("properties of a family of matrices are not supported yet")
    for name in directive.names:
        canonical, base, subscript = canonical_name(name)
        letters = _letters(subscript)
        if letters is None or len(letters) != 1 or base.startswith("\\text{"):
            raise DeclarationError(f"{name}: a family is declared by one member with a one-letter subscript, "
                                   "such as A_k")
        index = Symbol(letters[0], integer=True)
        local = replace(declarations, symbols={**declarations.symbols, letters[0]: index})
        local, rows = _size(local, directive.rows)
        local, cols = _size(local, directive.cols)
        family = MatrixFamily(symbol_name(base), index, rows, cols)
        # (a scalar family of the same letter stays: (A_k)_{ij} is then that entry, as the text declares it)
        declarations = replace(declarations, matrices={k: v for k, v in declarations.matrices.items() if k != base},
                               matrix_families={**declarations.matrix_families, base: family})
    return declarations


def _size(declarations: Declarations, text: str) -> tuple[Declarations, Basic]:
    """A matrix size: a whole number or a scalar; an undeclared letter becomes a positive integer."""
    reading = read_side(text, declarations)
    size = reading.expr
    for name in sorted(reading.undeclared):
        declared = Symbol(symbol_name(name), integer=True, positive=True)
        size = size.xreplace({Symbol(name, **declarations.undeclared_assumptions): declared})
        declarations = replace(declarations, symbols={**declarations.symbols, name: declared})
    if isinstance(size, MatrixExpr) or size.is_integer is False or (size.is_number and not size.is_positive):
        raise DeclarationError(f"a size must be a positive whole number or an integer scalar, not {text!r}")
    return declarations, size


def _scalar(declarations: Declarations, directive: d.Scalar, label: str) -> Declarations:
    assumptions: dict[str, bool] = {}
    for word in directive.properties:
        assumptions.update(_ASSUMPTIONS[word])
    if not assumptions:
        assumptions = {"real": True}
    for name in directive.names:
        pattern = _entry_pattern(name)
        if pattern is not None:  # (y_l)_i: a family with a label and entry indices
            _, base, _, letters = pattern
            letters = ["label"] + letters
        else:
            canonical, base, subscript = canonical_name(name)
            letters = _letters(subscript) if not base.startswith("\\text{") else None
        if letters:
            declarations = declarations.without(base)
            family = Family(IndexedBase(symbol_name(base), **assumptions), len(letters))
            declarations = replace(declarations, families={**declarations.families, base: family})
        else:
            declarations = declarations.without(canonical)
            symbol = Symbol(symbol_name(canonical), **assumptions)
            declarations = replace(declarations, symbols={**declarations.symbols, canonical: symbol})
    return declarations


def _functions(declarations: Declarations, directive: d.Functions, label: str) -> Declarations:
    for name in directive.names:
        canonical, _, _ = canonical_name(name)
        declarations = declarations.without(canonical)
        definition = FunctionDef(Function(symbol_name(canonical), real=True))
        declarations = replace(declarations, functions={**declarations.functions, canonical: definition})
    return declarations


def _densities(declarations: Declarations, directive: d.Densities, label: str) -> Declarations:
    """Each name a function (as ``function`` declares it) that is a probability density on the region."""
    try:
        region = read_region(directive.region, declarations)
    except LatexInputError as exc:
        raise DeclarationError(f"density: {exc}") from None
    declarations = _functions(declarations, d.Functions(directive.names), label)
    laws = {}
    for name in directive.names:
        canonical, _, _ = canonical_name(name)
        laws[canonical] = DensityLaw(declarations.functions[canonical].function, region, directive.positive, label)
    return replace(declarations, densities={**declarations.densities, **laws})


# -- random --------------------------------------------------------------------------


def _random(declarations: Declarations, directive: d.Random, label: str) -> Declarations:
    if directive.law == "density":
        return _density_variables(declarations, directive, label)
    for target in directive.targets:
        declarations = _random_target(declarations, directive, target, label)
    return declarations


def _density_variables(declarations: Declarations, directive: d.Random, label: str) -> Declarations:
    r"""``random \alpha ~ f``: each target a real scalar, the variable of ``E[…]`` against the density ``f``."""
    (density,) = directive.parameters
    density_name, _, _ = canonical_name(density)
    if density_name not in declarations.densities:
        raise DeclarationError(f"random: {density} is not a declared density: declare it first, e.g. "
                               rf"'density {density} on \mathbb{{R}}^d'")
    for target in directive.targets:
        canonical, _, _ = canonical_name(target)
        if canonical == density_name:
            raise DeclarationError(f"random: {target} cannot have itself as its density")
        declarations = declarations.without(canonical)
        symbol = Symbol(symbol_name(canonical), real=True)
        declarations = replace(declarations, symbols={**declarations.symbols, canonical: symbol},
                               density_variables={**declarations.density_variables, canonical: (density_name, label)})
    return declarations


def _entry_pattern(text: str) -> tuple[str, str, list[Token] | None, list[str]] | None:
    """``(A_L)_{ij}`` -> (canonical of A_L, base A, label tokens, entry letters); None if not that form."""
    tokens = [t for t in tokenize(text.strip()) if t.kind != "space"]
    if not tokens or not tokens[0].is_char("("):
        return None
    close = matching_brace(tokens, 0)
    if close is None or close + 1 >= len(tokens) or not tokens[close + 1].is_char("_"):
        raise DeclarationError(f"{text!r}: expected an entry such as (A_l)_{{ij}}")
    inner = "".join(t.text for t in tokens[1:close])
    canonical, base, label = canonical_name(inner)
    subscript_text = "".join(t.text for t in tokens[close + 2 :])
    letters = _letters(tokenize(subscript_text.strip("{}")))
    if letters is None:
        raise DeclarationError(f"{text!r}: the entry indices must be letters, as in (A_l)_{{ij}}")
    return canonical, base, label, letters


def _random_target(declarations: Declarations, directive: d.Random, target: str, label: str) -> Declarations:
    pattern = _entry_pattern(target)
    if pattern is None:
        canonical, base, subscript = canonical_name(target)
        if canonical in declarations.matrices:
            law = f"{directive.law}({', '.join(directive.parameters)})" if directive.law else "mean and variance"
            declarations = replace(declarations, random_vectors={**declarations.random_vectors, canonical: law},
                                   vector_laws={k: v for k, v in declarations.vector_laws.items() if k != canonical})
            vector = _random_vector(declarations, directive, declarations.matrices[canonical])
            if vector is None:
                return declarations
            return replace(declarations, vector_laws={**declarations.vector_laws, canonical: (vector, label)})
        letters = _letters(subscript)
        if letters and not base.startswith("\\text{"):
            pattern = (base, base, None, letters)
    if pattern is None:
        return _random_scalar(declarations, directive, canonical, label)
    _, base, label_tokens, letters = pattern
    arity = (1 if label_tokens is not None else 0) + len(letters)
    family = declarations.families.get(base)
    if family is None or family.arity != arity:
        family = Family(IndexedBase(symbol_name(base)), arity)
        declarations = replace(declarations.without(base), families={**declarations.families, base: family})
    prefix: tuple[Basic, ...] = ()
    label_symbols: tuple[Symbol, ...] = ()
    if label_tokens is not None:
        fixed = _read("".join(t.text for t in label_tokens), declarations)
        prefix = (fixed,)
        label_symbols = (fixed if isinstance(fixed, Symbol) else Dummy("label", integer=True),)
    entry_symbols = tuple(_read(letter, declarations) for letter in letters)
    if not all(isinstance(s, Symbol) for s in entry_symbols):
        raise DeclarationError(f"the entry indices of {target!r} must be undeclared letters or declared scalars")
    law, mean, variance = _law(declarations, directive, symbol_name(base))
    iid = directive.independence == "iid" if directive.independence else law is not None
    new = RandomFamily(family.base, prefix, label_symbols + entry_symbols, iid, law, mean, variance)
    kept = [(f, l) for f, l in zip(declarations.random_families, declarations.random_labels)
            if not (f.base == new.base and f.prefix == new.prefix)]
    return replace(declarations, random_families=tuple(f for f, _ in kept) + (new,),
                   random_labels=tuple(l for _, l in kept) + (label,))


def _random_vector(declarations: Declarations, directive: d.Random, symbol: MatrixExpr) -> RandomVector | None:
    r"""``x ~ N(\mu, \Sigma)`` (or ``x : mean \mu, variance \Sigma``) for a declared vector ``x``: its law
    for the judge; None (the vector stays unjudged) for another law or ill-shaped parameters."""
    if directive.law == "normal":
        mean, covariance = (_read(p, declarations) for p in directive.parameters)
        gaussian = True
    elif directive.law is None and directive.mean and directive.variance:
        mean, covariance = _read(directive.mean, declarations), _read(directive.variance, declarations)
        gaussian = False
    else:
        return None
    n = symbol.shape[0]
    if mean == 0 and isinstance(symbol, MatrixSymbol):  # ``N(0, I_d)``: the scalar 0 is the zero vector
        mean = ZeroMatrix(n, 1)
    if not (isinstance(symbol, MatrixSymbol) and isinstance(mean, MatrixExpr) and isinstance(covariance, MatrixExpr)
            and symbol.shape[1] == 1 and mean.shape == (n, 1) and covariance.shape == (n, n)):
        raise DeclarationError(f"{symbol} ~ N(mean, covariance) needs a mean of shape {n}×1 (or 0) and a covariance of shape {n}×{n}")
    return RandomVector(symbol, mean, covariance, gaussian)


def _random_scalar(declarations: Declarations, directive: d.Random, canonical: str, label: str) -> Declarations:
    """A random scalar ``a`` is the one entry ``a[0]`` of its own family (the judge's model has families)."""
    declarations = declarations.without(canonical)
    base = IndexedBase(symbol_name(canonical))
    law, mean, variance = _law(declarations, directive, symbol_name(canonical))
    family = RandomFamily(base, (Integer(0),), (Dummy("entry", integer=True),), True, law, mean, variance)
    kept = [(f, l) for f, l in zip(declarations.random_families, declarations.random_labels) if f.base != base]
    return replace(
        declarations,
        symbols={**declarations.symbols, canonical: base[0]},
        random_families=tuple(f for f, _ in kept) + (family,),
        random_labels=tuple(l for _, l in kept) + (label,),
    )


def _law(declarations: Declarations, directive: d.Random, name: str):
    """(sympy.stats law or None, mean, variance) of a random directive; N(mean, variance) as written."""
    if directive.law is None:
        mean = _read(directive.mean, declarations) if directive.mean else None
        variance = _read(directive.variance, declarations) if directive.variance else None
        return None, mean, variance
    first, second = (_read(p, declarations) for p in directive.parameters)
    if isinstance(first, MatrixExpr) or isinstance(second, MatrixExpr):
        raise DeclarationError("a random scalar or entry needs scalar parameters; declare vectors with 'vector'")
    if directive.law == "normal":
        if second.is_number and not second.is_positive:
            raise DeclarationError("the variance of N(mean, variance) must be positive")
        return Normal(name, first, sqrt(second)), None, None
    if (second - first).is_number and not (second - first).is_positive:
        raise DeclarationError("U(low, high) needs low < high")
    return Uniform(name, first, second), None, None


# -- definitions and hypotheses --------------------------------------------------------


def _define(declarations: Declarations, directive: d.Define, label: str) -> Declarations:
    return define(declarations, directive.lhs, directive.rhs, label)


def define(declarations: Declarations, lhs: str, rhs: str, label: str) -> Declarations:
    """``lhs := rhs``: a function, an entry pattern or a name (the document's ``:=`` comes here too)."""
    function = re.fullmatch(r"\s*(.+?)\s*(?:\\left)?\s*\((.*)\)\s*(?:\\right\s*\)?)?\s*", lhs)
    if function is not None and _is_name(function.group(1)) and (
            canonical_name(function.group(1))[0] in KL_NAMES or not _plain_parameters(function.group(2))):
        # D_KL(p \| q) = …, or p_Y(A^{-1}(x - b)) = …: that application is replaced by its value
        return _define_expression(declarations, lhs, rhs, label)
    if function is not None and _is_name(function.group(1)):
        return _define_function(declarations, function.group(1), function.group(2), rhs, label)
    pattern = _entry_pattern(lhs) if lhs.strip().startswith("(") else None
    if pattern is not None:
        return _define_entries(declarations, pattern, lhs, rhs, label)
    canonical, base, subscript = canonical_name(lhs)
    if subscript is not None and base in declarations.families and _letters(subscript):
        return _define_entries(declarations, (canonical, base, None, _letters(subscript)), lhs, rhs, label)
    if not _is_declared(declarations, canonical, base):
        # Defining a name declares it (so that \text{fan_in} := … needs no separate 'scalar').
        symbol = Symbol(symbol_name(canonical), **declarations.undeclared_assumptions)
        declarations = replace(declarations, symbols={**declarations.symbols, canonical: symbol})
    target = _read(lhs, declarations)
    value = _read(rhs, declarations)
    _check_same_kind(target, value, lhs)
    if target in value.free_symbols or (isinstance(target, MatrixSymbol) and value.has(target)):
        raise DeclarationError(f"{lhs} := … refers to itself")
    return _with_rewrite(declarations, Rewrite(label, target, value, (), "definition"))


def _plain_parameters(parameters: str) -> bool:
    """Whether the parameters of a definition ``f(x, y) = …`` are names (else it defines one application)."""
    parameters = re.sub(r"\\right\s*$", "", parameters.strip())
    return all(_is_name(p) for p in d.split_top_level(parameters))


def _define_expression(declarations: Declarations, lhs: str, rhs: str, label: str) -> Declarations:
    r"""``define D_{\mathrm{KL}}(p \| q) = …`` or ``define p_Y(A^{-1}(x - b)) = …``: that expression is
    replaced by its value wherever it stands."""
    target = _read(lhs, declarations)
    value = _read(rhs, declarations)
    _check_same_kind(target, value, lhs)
    if value.has(target):
        raise DeclarationError(f"{lhs} := … refers to itself")
    return _with_rewrite(declarations, Rewrite(label, target, value, (), "definition"))


def _is_declared(declarations: Declarations, canonical: str, base: str) -> bool:
    return (canonical in declarations.symbols or canonical in declarations.matrices
            or canonical in declarations.functions or base in declarations.families)


def _is_name(text: str) -> bool:
    try:
        canonical_name(text)
        return True
    except DeclarationError:
        return False


def _define_function(declarations: Declarations, name: str, parameters: str, rhs: str, label: str) -> Declarations:
    canonical, _, _ = canonical_name(name)
    inner = declarations.without(canonical)
    params = []
    parameters = re.sub(r"\\right\s*$", "", parameters.strip())  # f\left(x\right): the bracket's \right
    for parameter in d.split_top_level(parameters):
        parameter_name, _, _ = canonical_name(parameter)
        params.append(_read(parameter_name, inner))
    body = _read(rhs, inner)
    definition = FunctionDef(Function(symbol_name(canonical), real=True), tuple(params), body, label)
    return replace(inner, functions={**inner.functions, canonical: definition})


def _define_entries(declarations: Declarations, pattern, lhs: str, rhs: str, label: str) -> Declarations:
    _, base, label_tokens, letters = pattern
    family = declarations.families.get(base)
    arity = (1 if label_tokens is not None else 0) + len(letters)
    if family is None:
        family = Family(IndexedBase(symbol_name(base)), arity)
        declarations = replace(declarations, families={**declarations.families, base: family})
    elif family.arity not in (None, arity):
        raise DeclarationError(f"{lhs}: {base} has {family.arity} indices, not {arity}")
    target = _read(lhs, declarations)
    value = _read(rhs, declarations)
    params = tuple(_read(letter, declarations) for letter in letters)
    _check_same_kind(target, value, lhs)
    for symbol in value.free_symbols:
        subscript = symbol.name.partition("_")[2] if isinstance(symbol, Symbol) else ""
        if any(re.search(rf"(?<![A-Za-z\\]){p.name}(?![A-Za-z])", subscript) for p in params):
            raise DeclarationError(f"{symbol.name} depends on the index of {lhs}: declare "
                                   f"{symbol.name.partition('_')[0]} as an indexed name")
    return _with_rewrite(declarations, Rewrite(label, target, value, params, "definition"))


def _assume(declarations: Declarations, directive: d.Assume, label: str) -> Declarations:
    target = _read(directive.lhs, declarations)
    value = _read(directive.rhs, declarations)
    if isinstance(target, MatrixExpr) and value == 0:
        value = ZeroMatrix(*target.shape)  # assume \mu_1 = 0: the zero vector
    _check_same_kind(target, value, directive.lhs)
    if isinstance(target, EntryMatrix) and isinstance(value, (MatrixSymbol, IndexedMatrix)):
        # [e_ij] = A: A is replaced by its entries, not the entries by A; a generic matrix standing for
        # them would let a counterexample drawn for A break the hypothesis itself.
        target, value = value, target
        declarations = _with_entries(declarations, target, value, label)
    if isinstance(target, MatrixExpr) and declarations.rewrites:
        # said in terms of what the hypotheses above already rewrite, so that it still matches the sides
        target, _ = apply_rewrites(target, declarations)
    return _with_rewrite(declarations, Rewrite(label, target, value, (), "hypothesis"))


def _with_entries(declarations: Declarations, member: MatrixExpr, entries: EntryMatrix, label: str) -> Declarations:
    """``(A_k)_{ij}``, declared as a scalar family, is the entry of ``A_k = [e_ij]`` too (else a counterexample
    could give the matrix and its entries values that contradict each other)."""
    family = declarations.families.get(member.name) if isinstance(member, IndexedMatrix) else None
    if family is None:
        return declarations  # entries of a MatrixSymbol are read as its entries: nothing to tie
    row, column = (Symbol(f"_{name}", integer=True, positive=True) for name in ("row", "column"))
    positions = (row,) if entries.is_column else (row, column)
    if family.arity != 1 + len(positions):
        raise DeclarationError(f"the entries of {member} are declared with {family.arity - 1} index(es)")
    rewrite = Rewrite(label, family.base[(member.index, *positions)], entries.at(row, column), positions, "hypothesis")
    return _with_rewrite(declarations, rewrite)


def _check_same_kind(target: Basic, value: Basic, lhs: str) -> None:
    target_shape = target.shape if isinstance(target, MatrixExpr) else None
    value_shape = value.shape if isinstance(value, MatrixExpr) else None
    if target_shape != value_shape:
        shown = lambda s: "a scalar" if s is None else f"a {s[0]}×{s[1]} matrix"  # noqa: E731
        raise DeclarationError(f"{lhs} is {shown(target_shape)} but its value is {shown(value_shape)}")


def _with_rewrite(declarations: Declarations, rewrite: Rewrite) -> Declarations:
    kept = tuple(r for r in declarations.rewrites if r.target != rewrite.target)
    return replace(declarations, rewrites=kept + (rewrite,))


# -- readings and ranges ---------------------------------------------------------------


def _read_directive(declarations: Declarations, directive: d.Read, label: str) -> Declarations:
    return replace(declarations, readings={**declarations.readings, directive.spelling: directive.meaning})


def _index(declarations: Declarations, directive: d.IndexRange, label: str) -> Declarations:
    canonical, _, _ = canonical_name(directive.name)
    for bound in (directive.low, directive.high):
        if isinstance(_read(bound, declarations), MatrixExpr):
            raise DeclarationError(f"the bounds of {canonical} must be scalars")
    return replace(declarations, ranges={**declarations.ranges, canonical: (directive.low, directive.high)})


_HANDLERS = {
    d.Shape: _shape,
    d.Scalar: _scalar,
    d.Functions: _functions,
    d.Densities: _densities,
    d.Random: _random,
    d.Define: _define,
    d.Assume: _assume,
    d.Read: _read_directive,
    d.IndexRange: _index,
}


# -- using definitions and hypotheses ----------------------------------------------------

MAX_REWRITE_PASSES = 8


def apply_rewrites(expr: Basic, declarations: Declarations) -> tuple[Basic, tuple[str, ...]]:
    """``expr`` with every definition and hypothesis in force applied; the labels of those used.

    A definition of a name or a hypothesis replaces equal by equal; an entry pattern such as
    ``(y_L)_i`` is matched for every value of its entry indices.  Chains of definitions are
    followed a bounded number of times (a circular pair cannot loop).
    """
    used: list[str] = []
    expr = _rewritten(_entries_written_out(expr, declarations), declarations, used)
    aligned, renamed = _bound_like_targets(expr, declarations)
    if renamed:  # then the definitions that hold term by term, and what they lead to
        expr = _rewritten(_bound_renamed_back(_rewritten(aligned, declarations, used), renamed), declarations, used)
    return expr, tuple(used)


def _rewritten(expr: Basic, declarations: Declarations, used: list[str]) -> Basic:
    """``expr`` with the rewrites applied until nothing changes (a bounded number of passes)."""
    from ..judge import Definition

    for _ in range(MAX_REWRITE_PASSES):
        changed = False
        for rewrite in declarations.rewrites:
            if rewrite.params:
                new = Definition(rewrite.label, rewrite.target, rewrite.value, rewrite.params).unfold(expr)
            else:
                new = expr.xreplace({rewrite.target: rewrite.value})
            if new != expr:
                expr, changed = new, True
                if rewrite.label not in used:
                    used.append(rewrite.label)
        if not changed:
            break
    return expr


def _bound_like_targets(expr: Basic, declarations: Declarations) -> tuple[Basic, dict[Symbol, Symbol]]:
    r"""Sums whose index is named like a declared symbol in a rewrite's target, re-indexed by that symbol.

    ``\sum_i D(f_i)`` binds an integer ``i`` of its own, while ``define D(f_i) = …`` was read with the
    declared ``i``: the same letter, so the definition holds term by term.  Renaming a bound index
    changes nothing; :func:`_bound_renamed_back` restores it after the rewrites."""
    if not expr.has(Sum, Product):
        return expr, {}
    wanted = _target_names(declarations.rewrites)
    renamed: dict[Symbol, Symbol] = {}

    def rename(node: Basic) -> Basic:
        variable = node.limits[-1][0]
        declared = wanted.get(variable.name)
        if declared is None or declared == variable:
            return node
        renamed[declared] = variable
        return node.xreplace({variable: declared})

    if not wanted:
        return expr, renamed
    return expr.replace(lambda e: isinstance(e, (Sum, Product)) and len(e.limits) == 1, rename), renamed


@lru_cache(maxsize=64)  # the same declarations serve many relations
def _target_names(rewrites: tuple[Rewrite, ...]) -> dict[str, Symbol]:
    """The symbols in the targets of plain (parameterless) rewrites, by name."""
    return {s.name: s for r in rewrites if not r.params for s in r.target.free_symbols if isinstance(s, Symbol)}


def _bound_renamed_back(expr: Basic, renamed: dict[Symbol, Symbol]) -> Basic:
    if not renamed:
        return expr
    return expr.replace(lambda e: isinstance(e, (Sum, Product)) and e.limits[-1][0] in renamed,
                        lambda e: e.xreplace({e.limits[-1][0]: renamed[e.limits[-1][0]]}))


MAX_WRITTEN_TERMS = 100


def _entries_written_out(expr: Basic, declarations: Declarations) -> Basic:
    """Sums and products with whole-number bounds over an entry that a rewrite defines at a number
    (``define p_1 = 1/2`` under ``sum_{k=1}^{3} p_k``) written term by term, so that the rewrite
    reaches every term; an empty range is 0 (a sum) or 1 (a product), the human convention."""
    bases = {r.target.base for r in declarations.rewrites
             if isinstance(r.target, Indexed) and not r.params and all(i.is_Integer for i in r.target.indices)}
    if not bases:
        return expr

    def write_out(node: Basic) -> Basic:
        *inner, (variable, low, high) = node.limits
        if not (low.is_Integer and high.is_Integer) or high - low + 1 > MAX_WRITTEN_TERMS:
            return node
        if not any(isinstance(e, Indexed) and e.base in bases for e in preorder_traversal(node.function)):
            return node
        body = type(node)(node.function, *inner) if inner else node.function
        terms = [_entries_written_out(body.xreplace({variable: Integer(v)}), declarations)
                 for v in range(int(low), int(high) + 1)]
        return Add(*terms) if isinstance(node, Sum) else Mul(*terms)

    return expr.replace(lambda e: isinstance(e, (Sum, Product)), write_out)


def declarations_from(lines: list[str], start: Declarations | None = None) -> Declarations:
    """The declarations of directive ``lines`` applied in order (for tests and notation files)."""
    declarations = start if start is not None else Declarations()
    for number, line in enumerate(lines, start=1):
        declarations = declare(declarations, d.parse_directive(line), f"directive {number}")
    return declarations
