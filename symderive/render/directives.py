r"""The ``% symderive:`` declarations a transcript carries, so that ``symderive check`` can read it.

They are printed from the derivation's own data (the symbols and their assumptions, the
matrices and their declared properties, the judging contexts' random models, definitions
and vector laws, each chain's hypotheses), never from per-result text, in the grammar of
:mod:`symderive.latex_in.directives`.  Names are printed by the transcript's printer, so a
directive names exactly what the steps show.  LaTeX comments: the transcript still compiles.

What the grammar cannot say is left out, so check stays at ``unknown`` rather than
assuming more than derive did: independence between random families is check's default
(derive states it as hypotheses), and the sizes a judge may try are not printed.
"""
from __future__ import annotations

from typing import Iterable, Iterator

from sympy import Basic, Identity, Indexed, IndexedBase, Lambda, MatrixSymbol, Symbol, ZeroMatrix, preorder_traversal
from sympy.core.function import AppliedUndef, UndefinedFunction

from ..jacobians import EntryMatrix
from ..judge import Context, Definition
from ..matrices import IndexedMatrix, OrderedProduct
from ..model import Chain, Derivation, Step
from ..randomvars import RandomFamily
from .premises import law_to_latex
from .printer import to_latex

PREFIX = "% symderive: "
# Placeholder letters for the entry indices of a family (the grammar wants single letters).
_INDEX_LETTERS = "ijkrst"
# Check's scalar properties, strongest first: the first that holds is printed (with integer).
_SIGN_PROPERTIES = ("positive", "negative", "nonnegative", "nonpositive")
_MATRIX_PROPERTIES = (("symmetric", "symmetric"), ("positive_definite", "positive definite"),
                      ("invertible", "invertible"), ("orthogonal", "orthogonal"), ("diagonal", "diagonal"))


def derivation_directives(derivation: Derivation) -> tuple[str, ...]:
    """The preamble's directives: every name of the derivation, its laws, and the definitions of every context."""
    expressions = tuple(_expressions(derivation.chains))
    contexts = _contexts(derivation.chains)
    random_bases = {f.base for c in contexts if c.random_model for f in c.random_model.families}
    sizes = _size_bases(expressions)  # families in a matrix's size are declared before the matrix
    families = _family_directives(expressions, random_bases)
    lines = [*_scalar_directives(expressions), *[f for base, f in families if base in sizes],
             *_shape_directives(expressions, contexts), *[f for base, f in families if base not in sizes],
             *_matrix_family_directives(expressions), *_product_order_directives(expressions),
             *_function_directives(expressions)]
    for context in contexts:
        lines += _random_directives(context)
    shared = [_definition_directive(d) for d in contexts[0].definitions] if contexts else []
    lines += [line for line in shared if all(line in _definitions_of(c) for c in contexts)]
    return _unique(lines)


def chain_directives(chain: Chain, stated: Iterable[str]) -> tuple[str, ...]:
    """What a chain adds to the directives ``stated`` before it: its context's other definitions,
    its own hypotheses (an induction hypothesis, a special case), the definitions its verifiers
    unfold and the claims proved by induction above, said where it starts.

    Like every directive they hold to the end of the document, so a later chain sees them too.
    """
    said = set(stated)
    own = list(_definitions_of(chain.context)) if chain.context is not None else []
    own += [f"assume {to_latex(h.target)} = {to_latex(h.value)}" for h in chain.hypotheses]
    own += [line for step in chain.steps for line in _unfolded_directives(step)]
    # (an inequality step is not stated: ``assume a = b`` for ``a >= b`` would be a false hypothesis)
    own += [_proved_elsewhere(step) for step in chain.steps
            if step.verification.evidence is not None and step.relation == "="]
    return tuple(line for line in _unique(own) if line not in said)


def _proved_elsewhere(step: Step) -> str:
    """A step whose proof is evidence check cannot re-run (an induction over the chains above,
    which check judges on their own) is stated as a hypothesis: check then says it holds given that."""
    return f"assume {to_latex(step.before)} = {to_latex(step.after)}"


def _unfolded_directives(step: Step) -> list[str]:
    """``define`` for the definitions a step's verifier unfolded, when the target is a name or a function."""
    lines = []
    for _, target, value in step.verification.unfolded:
        if isinstance(target, UndefinedFunction) and isinstance(value, Lambda):
            parameters = ", ".join(to_latex(v) for v in value.variables)
            lines.append(f"define {to_latex(Symbol(target.__name__))}({parameters}) = {to_latex(value.expr)}")
        elif isinstance(target, (Symbol, MatrixSymbol, Indexed)) and not isinstance(value, ZeroMatrix):
            # (check's grammar has no zero vector: 0 would read as a scalar)
            lines.append(f"define {to_latex(target)} = {to_latex(value)}")
    return lines


def _definitions_of(context: Context) -> tuple[str, ...]:
    return tuple(_definition_directive(d) for d in context.definitions)


def as_comments(directives: Iterable[str]) -> str:
    return "".join(f"{PREFIX}{line}\n" for line in directives)


# -- what the steps use ----------------------------------------------------------------


def _expressions(chains: Iterable[Chain]) -> Iterator[Basic]:
    for chain in chains:
        yield chain.start
        for step in chain.steps:
            yield step.after
        for hypothesis in chain.hypotheses:
            yield hypothesis.target
            yield hypothesis.value
        if chain.context is not None:
            for definition in chain.context.definitions:
                yield definition.target
                yield definition.value


def _contexts(chains: Iterable[Chain]) -> tuple[Context, ...]:
    seen: list[Context] = []
    for chain in chains:
        if chain.context is not None and all(chain.context is not c for c in seen):
            seen.append(chain.context)
    return tuple(seen)


def _nodes(expressions: Iterable[Basic], kind) -> list:
    found: dict = {}
    for expr in expressions:
        for node in preorder_traversal(expr):
            if isinstance(node, kind):
                found.setdefault(node, None)
    return list(found)


def _unique(lines: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(lines))


# -- names ------------------------------------------------------------------------------


def _shape_directives(expressions: tuple[Basic, ...], contexts: tuple[Context, ...]) -> list[str]:
    """``matrix``/``vector`` for every MatrixSymbol, with the properties a context declares."""
    lines = []
    for matrix in sorted(_nodes(expressions, MatrixSymbol), key=lambda m: m.name):
        properties = [word for field, word in _MATRIX_PROPERTIES
                      if any(matrix in getattr(c.matrix_facts, field) for c in contexts)]
        if matrix.cols == 1 and not properties:
            lines.append(f"vector {to_latex(matrix)} : {to_latex(matrix.rows)}")
        else:
            shown = "".join(f", {p}" for p in properties)
            lines.append(f"matrix {to_latex(matrix)} : {to_latex(matrix.rows)} x {to_latex(matrix.cols)}{shown}")
    for identity in _nodes(expressions, Identity):
        lines.append(f"matrix {to_latex(identity)} : {to_latex(identity.rows)} x {to_latex(identity.rows)}, identity")
    return lines


def scalar_properties(*things: Basic) -> str:
    """Check's words for what holds of every one of ``things``: ``positive integer``, ``real``, ..."""
    words = [next((w for w in _SIGN_PROPERTIES if all(getattr(t, f"is_{w}") for t in things)), "real")]
    if all(t.is_integer for t in things):
        words.append("integer")
    return " ".join(words)


def _scalar_directives(expressions: tuple[Basic, ...]) -> list[str]:
    """``scalar`` for every plain symbol (the labels of families are not symbols of the steps).

    Symbols printed alike (an ``l`` that is positive in one chain and nonnegative in
    another) are one name to a reader: it gets the properties that hold for all of them.
    """
    labels = {base.label for base in _nodes(expressions, IndexedBase)}
    # (the placeholder column index of a column given by its entries, _column, is never printed)
    labels |= {m.col_index for m in _nodes(expressions, EntryMatrix) if m.is_column and m.col_index.name[0] == "_"}
    alike: dict[str, list[Symbol]] = {}
    for symbol in sorted(_nodes(expressions, Symbol), key=lambda s: s.name):
        if symbol not in labels and type(symbol) is Symbol:
            alike.setdefault(to_latex(symbol), []).append(symbol)
    by_properties: dict[str, list[str]] = {}
    for name, symbols in alike.items():
        by_properties.setdefault(scalar_properties(*symbols), []).append(name)
    return [f"scalar {', '.join(names)} : {words}" for words, names in by_properties.items()]


def _family_directives(expressions: tuple[Basic, ...], random_bases: set) -> list[tuple[IndexedBase, str]]:
    """``scalar n_k`` for every deterministic indexed family, with the arity the steps use (with its base)."""
    arities: dict[IndexedBase, int] = {}
    for entry in _nodes(expressions, Indexed):
        arities.setdefault(entry.base, len(entry.indices))
    lines = []
    for base, arity in sorted(arities.items(), key=lambda item: str(item[0])):
        if base in random_bases:
            continue
        lines.append((base, f"scalar {_generic_entry(base, arity)} : {scalar_properties(base)}"))
    return lines


def _size_bases(expressions: tuple[Basic, ...]) -> set[IndexedBase]:
    """The families that a declared matrix's size mentions (``n`` of ``I_{n_l}``)."""
    shapes = [m.shape for m in _nodes(expressions, MatrixSymbol)] + [(m.rows,) for m in _nodes(expressions, Identity)]
    return {entry.base for shape in shapes for size in shape for entry in size.atoms(Indexed)}


_MEMBER = Symbol("k", integer=True)  # the subscript letter of a printed family member


def _matrix_family_directives(expressions: tuple[Basic, ...]) -> list[str]:
    """``matrices A_{k} : n_{k} x n_{k - 1}`` and ``vectors y_{k} : n_{k}`` for the families of indexed matrices,
    their sizes written in the subscript (from a member whose index is a letter, or a letter plus a number).

    Subclasses that print as something else (``diag(σ'(y'_k))``) are not names of the text."""
    shapes: dict[str, tuple] = {}
    for member in sorted(_nodes(expressions, IndexedMatrix), key=str):
        generic = _generic_member(member)
        if type(member) is IndexedMatrix and generic is not None:
            shapes.setdefault(member.name, generic.shape)
    grouped: dict[tuple, list[str]] = {}
    for name, (rows, cols) in shapes.items():
        grouped.setdefault((rows, cols), []).append(to_latex(IndexedMatrix(name, _MEMBER, rows, cols)))
    lines = []
    for (rows, cols), names in grouped.items():
        if cols == 1:
            lines.append(f"vectors {', '.join(names)} : {to_latex(rows)}")
        else:
            lines.append(f"matrices {', '.join(names)} : {to_latex(rows)} x {to_latex(cols)}")
    return lines


def _generic_member(member: IndexedMatrix) -> IndexedMatrix | None:
    """``member`` at the index ``k``: from ``A_{l + 1}`` (n_{l+1} x n_l), ``A_k`` (n_k x n_{k-1}); None from ``A_2``."""
    index = member.index
    symbols = [s for s in index.free_symbols if isinstance(s, Symbol)]
    if len(symbols) != 1 or not (index - symbols[0]).is_Integer:
        return None
    at = {symbols[0]: _MEMBER - (index - symbols[0])}
    return IndexedMatrix(member.name, _MEMBER, member.rows.xreplace(at), member.cols.xreplace(at))


def _product_order_directives(expressions: tuple[Basic, ...]) -> list[str]:
    r"""``read \prod_{k=L - 1}^{l + 1} as descending``: the text does not show the order of an ordered product."""
    orders: dict[str, set[str]] = {}
    for product in _nodes(expressions, OrderedProduct):
        spelling = rf"\prod_{{{to_latex(product.index)}={to_latex(product.start)}}}^{{{to_latex(product.stop)}}}"
        orders.setdefault(spelling, set()).add("descending" if product.step == -1 else "ascending")
    # (one spelling in both orders cannot be declared: check then says it is ambiguous)
    return [f"read {spelling} as {order}" for spelling, (order, *others) in orders.items() if not others]


def _generic_entry(base: IndexedBase, arity: int) -> str:
    """``n_{i}`` or ``(W_{i})_{jk}``: an entry with placeholder letters, as the printer writes entries."""
    letters = [Symbol(letter) for letter in _INDEX_LETTERS[:arity]]
    return to_latex(base[tuple(letters)])


def _function_directives(expressions: tuple[Basic, ...]) -> list[str]:
    names = sorted({to_latex(Symbol(node.func.__name__)) for node in _nodes(expressions, AppliedUndef)})
    return [f"function {', '.join(names)}"] if names else []


# -- what a context states ----------------------------------------------------------------


def _random_directives(context: Context) -> list[str]:
    lines = []
    if context.random_model is not None:
        lines += [_random_directive(family) for family in context.random_model.families]
    if context.vector_model is not None:
        for vector in context.vector_model.vectors:
            if vector.gaussian:
                lines.append(f"random {to_latex(vector.symbol)} ~ N({to_latex(vector.mean)}, "
                             f"{to_latex(vector.covariance)})")
    return lines


def _random_directive(family: RandomFamily) -> str:
    """``random (A_{l})_{ij} ~ U(…)`` or ``random (y_{l - 1})_{i} : mean 0, variance v_{l - 1}, dependent``."""
    free = [Symbol(letter, integer=True) for letter in _INDEX_LETTERS[: len(family.index_symbols) - len(family.prefix)]]
    indices = tuple(family.prefix) + tuple(free)
    at = dict(zip(family.index_symbols, indices))
    entry = to_latex(family.base[indices])
    independence = "iid" if family.iid else "dependent"
    if family.law is not None:
        return f"random {entry} ~ {law_to_latex(family.law, at)}, {independence}"
    facts = [f"{word} {to_latex(value.xreplace(at))}"
             for word, value in (("mean", family.mean), ("variance", family.variance)) if value is not None]
    return f"random {entry} : {', '.join(facts)}, {independence}"


def _definition_directive(definition: Definition) -> str:
    return f"define {to_latex(definition.target)} = {to_latex(definition.value)}"


__all__ = ["derivation_directives", "chain_directives", "as_comments", "scalar_properties", "PREFIX"]
