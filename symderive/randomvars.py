"""Random variables: the operators E, Var, Cov and an exact moment evaluator.

``sympy.stats`` cannot declare dependence between random symbols (SymPy issue
20111) and keeps every covariance of a variance of a sum, so the probabilistic
bookkeeping here is our own:

* :class:`Expect`, :class:`Var`, :class:`Cov` are *unevaluated* operators that
  rules rewrite step by step;
* a :class:`RandomModel` declares the random families (entries of an
  ``IndexedBase``), which of them are mutually independent, their laws or the
  facts known about them;
* :func:`evaluate_moments` rewrites every operator into moments from first
  principles (``Var X = E[X^2] - E[X]^2``, factorisation over independent
  blocks), with the moments of a concrete law taken from ``sympy.stats``.  It
  is the judge's independent check of the rules, so it shares no code with them.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from sympy import (
    Add,
    Basic,
    Dummy,
    Expr,
    Function,
    Indexed,
    IndexedBase,
    Mul,
    S,
    Sum,
    Symbol,
    expand,
)

from .exprjson import register


class RandomOperator(Function):
    """Base of E, Var and Cov: never evaluated automatically."""

    latex_template = ""

    def _latex(self, printer, exp=None) -> str:
        tex = self.latex_template % tuple(printer._print(a) for a in self.args)
        return f"{tex}^{{{exp}}}" if exp is not None else tex


class Expect(RandomOperator):
    r"""Expectation :math:`\mathbb{E}[X]`."""

    nargs = 1
    latex_template = r"\mathbb{E}\left[%s\right]"


class Var(RandomOperator):
    r"""Variance :math:`\operatorname{Var}(X)`."""

    nargs = 1
    latex_template = r"\operatorname{Var}\left(%s\right)"


class Cov(RandomOperator):
    r"""Covariance :math:`\operatorname{Cov}(X, Y)`."""

    nargs = 2
    latex_template = r"\operatorname{Cov}\left(%s, %s\right)"


# Transcripts and child processes carry these operators as JSON trees (symderive.exprjson).
for _operator in (Expect, Var, Cov):
    register(_operator)


Distinct = tuple[tuple[Expr, Expr], ...]


class Undecidable(Exception):
    """The moment evaluator cannot decide something; the judge answers ``unknown``."""


@dataclass(frozen=True)
class RandomFamily:
    """The random entries ``base[*prefix, *rest]`` of one object, e.g. ``A[l, i, j]``.

    ``index_symbols`` name the indices of a generic entry (prefix included); the
    ``law`` (a ``sympy.stats`` random symbol) and the facts ``mean`` and
    ``variance`` are written in those symbols.  With ``iid`` the entries are
    independent and identically distributed; otherwise they may depend on each
    other and only their common marginal facts are known.
    """

    base: IndexedBase
    prefix: tuple[Expr, ...]
    index_symbols: tuple[Symbol, ...]
    iid: bool
    law: Expr | None = None
    mean: Expr | None = None
    variance: Expr | None = None

    def owns(self, entry: Indexed, distinct: Distinct = ()) -> bool:
        """Whether ``entry`` belongs to this family; raises when that is undecidable."""
        if entry.base != self.base or len(entry.indices) != len(self.index_symbols):
            return False
        return all(_same_index(fixed, actual, distinct) for fixed, actual in zip(self.prefix, entry.indices))

    def subs(self, mapping: dict) -> "RandomFamily":
        def sub(e):
            return None if e is None else e.subs(mapping, simultaneous=True)

        return RandomFamily(
            self.base, tuple(sub(p) for p in self.prefix), self.index_symbols,
            self.iid, sub(self.law), sub(self.mean), sub(self.variance),
        )


@dataclass(frozen=True)
class RandomModel:
    """Random families, mutually independent of each other.

    ``distinct`` lists pairs of index expressions known to differ (such as two
    summation indices off the diagonal of a double sum).
    """

    families: tuple[RandomFamily, ...]
    distinct: Distinct = ()
    cites: str = ""  # the hypotheses this model encodes, e.g. "H2, H3, IH"

    def family_of(self, entry: Indexed) -> RandomFamily | None:
        owners = [f for f in self.families if f.owns(entry, self.distinct)]
        if not owners:
            if any(f.base == entry.base for f in self.families):
                raise Undecidable(f"no random model is declared for the entry {entry}")
            return None
        return owners[0]

    def family_of_random(self, entry: Indexed) -> RandomFamily:
        """The family of an entry already known to be random."""
        family = self.family_of(entry)
        if family is None:
            raise Undecidable(f"{entry} is not a declared random entry")
        return family

    def subs(self, mapping: dict) -> "RandomModel":
        return replace(self, families=tuple(f.subs(mapping) for f in self.families))

    def assuming_distinct(self, a: Expr, b: Expr) -> "RandomModel":
        return replace(self, distinct=self.distinct + ((a, b),))


def _same_index(a: Expr, b: Expr, distinct: Distinct = ()) -> bool:
    """True if equal; False if they differ by a nonzero number or are declared distinct; else undecidable."""
    difference = (a - b).expand()
    if difference == 0:
        return True
    if difference.is_number:
        return False
    for p, q in distinct:
        if expand(difference - (p - q)) == 0 or expand(difference + (p - q)) == 0:
            return False
    raise Undecidable(f"cannot decide whether the indices {a} and {b} coincide")


def _distinct_entries(x: Indexed, y: Indexed, distinct: Distinct) -> bool:
    return not all(_same_index(a, b, distinct) for a, b in zip(x.indices, y.indices))


_MOMENTS: dict[tuple[Basic, int], Expr] = {}


def _law_moment(law: Expr, order: int) -> Expr:
    """The ``order``-th moment of a ``sympy.stats`` random symbol, cached by its distribution."""
    from sympy.stats import moment

    key = (law.pspace.distribution, order)
    if key not in _MOMENTS:
        _MOMENTS[key] = moment(law, order)
    return _MOMENTS[key]


def _random_entries(expr: Basic, model: RandomModel) -> set[Indexed]:
    """Random entries of ``expr``, not looking inside operators (those are numbers)."""
    if isinstance(expr, RandomOperator):
        return set()
    if isinstance(expr, Indexed):
        return {expr} if model.family_of(expr) is not None else set()
    found: set[Indexed] = set()
    for arg in expr.args:
        found |= _random_entries(arg, model)
    return found


def _mentions_random(expr: Basic, model: RandomModel) -> bool:
    """Whether a declared random entry occurs anywhere in ``expr``, inside operators too."""
    return any(model.family_of(e) is not None for e in expr.atoms(Indexed))


def is_random(expr: Basic, model: RandomModel) -> bool:
    return bool(_random_entries(expr, model))


def families_of(expr: Basic, model: RandomModel) -> frozenset[RandomFamily]:
    """The random families whose entries occur in ``expr`` (outside operators)."""
    return frozenset(model.family_of_random(e) for e in _random_entries(expr, model))


def has_zero_mean(family: RandomFamily) -> bool:
    if family.law is not None:
        return _law_moment(family.law, 1) == 0
    return family.mean is not None and family.mean == 0


def evaluate_moments(expr: Basic, model: RandomModel) -> Expr:
    """Rewrite every E, Var and Cov in ``expr`` into moments, innermost first.

    An operator applied to an expression with no declared random entry is
    undecidable, not a constant: an undeclared name may well be random.
    """
    if not expr.args:
        return expr
    args = [evaluate_moments(a, model) for a in expr.args]
    if isinstance(expr, RandomOperator) and not any(_mentions_random(a, model) for a in expr.args):
        raise Undecidable(f"{expr} involves no declared random variable")
    if isinstance(expr, Expect):
        return _expectation(args[0], model)
    if isinstance(expr, Var):
        (x,) = args
        return expand(_expectation(x**2, model) - _expectation(x, model) ** 2)
    if isinstance(expr, Cov):
        x, y = args
        return expand(_expectation(x * y, model) - _expectation(x, model) * _expectation(y, model))
    return expr.func(*args)


def _expectation(expr: Expr, model: RandomModel) -> Expr:
    """E[expr] for a polynomial in random entries and random finite sums."""
    # A random sum with symbolic bounds is kept as one opaque factor, so that the
    # polynomial expansion below cannot look inside it.
    opaque: dict[Symbol, Sum] = {}

    def hide(e: Basic) -> Basic:
        if isinstance(e, Sum) and is_random(e.function, model):
            placeholder = Dummy("S")
            opaque[placeholder] = e
            return placeholder
        return e

    hidden = expr.replace(lambda e: isinstance(e, Sum) and is_random(e.function, model), hide)
    total = S.Zero
    for term in Add.make_args(expand(hidden)):
        total += _monomial_expectation(term, opaque, model)
    return total


def _monomial_expectation(term: Expr, opaque: dict[Symbol, Sum], model: RandomModel) -> Expr:
    coefficient = S.One
    factors: list[tuple[Expr, int]] = []  # (random factor, power)
    for factor in Mul.make_args(term):
        if not (is_random(factor, model) or factor.free_symbols & opaque.keys()):
            coefficient *= factor
            continue
        # Only positive whole powers of an entry or of a random sum have moments here:
        # exp(A), 2**A, cos(A), 1/A are not polynomial in the random entries.
        base, power = factor.as_base_exp()
        if not ((base in opaque or isinstance(base, Indexed)) and power.is_Integer and power > 0):
            raise Undecidable(f"E of {factor} is not a polynomial moment")
        factors.append((opaque.get(base, base), int(power)))
    if not factors:
        return coefficient
    if len(factors) == 1 and isinstance(factors[0][0], Sum) and len(factors[0][0].limits) == 1:
        random_sum, power = factors[0]
        if power == 1:
            # Linearity over a finite sum holds for any number of terms.
            return coefficient * Sum(_expectation(random_sum.function, model), *random_sum.limits)
        if power == 2:
            square = _expectation_of_square(random_sum, model)
            if square is not None:
                return coefficient * square
    value = S.One
    for block in _independent_blocks(factors, model):
        value *= _block_moment(block, model)
    return coefficient * value


def _expectation_of_square(random_sum: Sum, model: RandomModel) -> Expr | None:
    """``E[(sum_j f_j)^2] = sum_j E[f_j^2]`` when ``E[f_j f_k] = 0`` for all ``j != k``; else None.

    The off-diagonal moment is evaluated for symbolic ``j != k``, so this holds
    for any number of terms.
    """
    (j, lower, upper) = random_sum.limits[0]
    if not (upper - lower + 1).is_nonnegative:
        return None  # a reversed range is a negated sum (Karr's convention): no term-wise square
    k = Dummy("k", integer=True)
    term_j = random_sum.function
    term_k = term_j.xreplace({j: k})
    try:
        off_diagonal = _expectation(term_j * term_k, model.assuming_distinct(j, k))
    except Undecidable:
        return None
    if expand(off_diagonal) != 0:
        return None
    return Sum(_expectation(term_j**2, model), (j, lower, upper))


def _independent_blocks(
    factors: list[tuple[Expr, int]], model: RandomModel
) -> list[list[tuple[Expr, int]]]:
    """Group the random factors of a monomial into mutually independent blocks."""
    def key_entries(factor: Expr) -> set[Indexed]:
        if isinstance(factor, Sum):
            return _random_entries(factor.function, model)
        return {factor}

    blocks: list[list[tuple[Expr, int]]] = []
    for item in factors:
        joined = [b for b in blocks if any(_dependent(item[0], other[0], key_entries, model) for other in b)]
        merged = [item] + [x for b in joined for x in b]
        blocks = [b for b in blocks if b not in joined] + [merged]
    return blocks


def _dependent(x: Expr, y: Expr, key_entries, model: RandomModel) -> bool:
    for ex in key_entries(x):
        for ey in key_entries(y):
            fx, fy = model.family_of_random(ex), model.family_of_random(ey)
            if fx is not fy:
                continue  # distinct families are independent by hypothesis
            if not fx.iid:
                return True
            if isinstance(x, Sum) or isinstance(y, Sum):
                return True  # a summation index may hit the same entry
            if not _distinct_entries(ex, ey, model.distinct):
                return True
    return False


def _block_moment(block: list[tuple[Expr, int]], model: RandomModel) -> Expr:
    if len(block) == 1 and isinstance(block[0][0], Indexed):
        entry, order = block[0]
        return _entry_moment(entry, order, model.family_of_random(entry))
    return Expect(Mul(*(f**p for f, p in block)))


def _entry_moment(entry: Indexed, order: int, family: RandomFamily) -> Expr:
    at_entry = dict(zip(family.index_symbols, entry.indices))
    if family.law is not None:
        return _law_moment(family.law, order).subs(at_entry, simultaneous=True)
    if order == 1 and family.mean is not None:
        return family.mean.subs(at_entry, simultaneous=True)
    if order == 2 and family.mean is not None and family.variance is not None:
        return (family.variance + family.mean**2).subs(at_entry, simultaneous=True)
    return Expect(entry**order)


def opaque_moments(expr: Basic) -> set[Expect]:
    """Moments the evaluator could not reduce (joint moments of dependent entries)."""
    return set(expr.atoms(Expect))


def operators_in(expr: Basic) -> bool:
    return bool(expr.atoms(RandomOperator))


__all__ = [
    "Expect", "Var", "Cov", "RandomFamily", "RandomModel", "Undecidable",
    "evaluate_moments", "is_random", "families_of", "has_zero_mean", "opaque_moments", "operators_in",
]
