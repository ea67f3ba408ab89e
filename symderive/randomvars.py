"""Random variables: the operators E, Var, Cov and an exact moment evaluator.

``sympy.stats`` cannot declare dependence between random symbols (SymPy issue
20111) and keeps every covariance of a variance of a sum, so the probabilistic
bookkeeping here is our own:

* :class:`Expect`, :class:`Var`, :class:`Cov` are *unevaluated* operators that
  rules rewrite step by step;
* a :class:`RandomModel` declares the random families (entries of an
  ``IndexedBase``), their laws or the facts known about them, which families
  are independent (:class:`Independence`, each fact with the label of the
  hypothesis that states it) and which other names are deterministic;
* :func:`evaluate_moments` rewrites every operator into moments from first
  principles (``Var X = E[X^2] - E[X]^2``, factorisation over independent
  blocks), with the moments of a concrete law taken from ``sympy.stats``.  It
  is the judge's independent check of the rules, so it shares no code with them,
  and it records the label of every law, fact and independence it consulted.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable, Sequence

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
    simplify,
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
    other and only their common marginal facts are known.  ``label`` names the
    hypothesis stating the law or facts, ``iid_label`` the one stating that the
    entries are independent (the same one unless given).
    """

    base: IndexedBase
    prefix: tuple[Expr, ...]
    index_symbols: tuple[Symbol, ...]
    iid: bool
    law: Expr | None = None
    mean: Expr | None = None
    variance: Expr | None = None
    label: str = ""
    iid_label: str = ""

    @property
    def independence_label(self) -> str:
        return self.iid_label or self.label

    def owns(self, entry: Indexed, distinct: Distinct = ()) -> bool:
        """Whether ``entry`` belongs to this family; raises when that is undecidable."""
        if entry.base != self.base or len(entry.indices) != len(self.index_symbols):
            return False
        return all(_same_index(fixed, actual, distinct) for fixed, actual in zip(self.prefix, entry.indices))

    def subs(self, mapping: dict) -> "RandomFamily":
        # The family's own index symbols are pattern variables, never substituted.
        mapping = {k: v for k, v in mapping.items() if k not in self.index_symbols}

        def sub(e):  # keys are symbols and entries: a structural replacement is exact and fast
            return e if e is None or not mapping else e.xreplace(mapping)

        return replace(
            self, prefix=tuple(sub(p) for p in self.prefix),
            law=sub(self.law), mean=sub(self.mean), variance=sub(self.variance),
        )


@dataclass(frozen=True)
class Independence:
    """A stated fact: the random families with these bases are mutually independent."""

    label: str
    bases: tuple[IndexedBase, ...]

    def covers(self, x: RandomFamily, y: RandomFamily) -> bool:
        return x.base in self.bases and y.base in self.bases and x.base != y.base


@dataclass(frozen=True)
class RandomModel:
    """Random families, the independence facts stated between them, and the known constants.

    Two families are independent only when an :class:`Independence` fact says
    so.  ``constants`` are symbols and ``IndexedBase`` s declared deterministic:
    any other name under an operator is undecidable (it may well be random).
    Symbols used only as indices or summation bounds are deterministic.
    ``distinct`` lists pairs of index expressions known to differ (such as two
    summation indices off the diagonal of a double sum).
    """

    families: tuple[RandomFamily, ...]
    independence: tuple[Independence, ...] = ()
    constants: tuple[Basic, ...] = ()
    distinct: Distinct = ()

    def independence_of(self, x: RandomFamily, y: RandomFamily) -> str | None:
        """The label of a stated fact making two distinct families independent, if any."""
        return next((fact.label for fact in self.independence if fact.covers(x, y)), None)

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

    def without(self, label: str) -> "RandomModel":
        """The model with every fact stated by ``label`` withdrawn (laws, facts, i.i.d., independence).

        Used to find which premises a proof really needs: a family whose law is
        withdrawn keeps its entries random, with unknown moments.
        """
        families = []
        for family in self.families:
            if family.label == label:
                family = replace(family, law=None, mean=None, variance=None)
            if family.independence_label == label:
                family = replace(family, iid=False)
            families.append(family)
        return replace(self, families=tuple(families),
                       independence=tuple(f for f in self.independence if f.label != label))

    def assuming_distinct(self, a: Expr, b: Expr) -> "RandomModel":
        return replace(self, distinct=self.distinct + ((a, b),))


def _same_index(a: Expr, b: Expr, distinct: Distinct = ()) -> bool:
    """True if equal; False if they certainly differ or are declared distinct; else undecidable.

    ``log 6 - log 2 - log 3 + 1`` and ``sum_{q=1}^{1} 1`` are the index 1: a numeric
    difference is decided, never assumed nonzero because it is not literally 0.
    """
    difference = (a - b).expand()
    if difference == 0:
        return True
    if difference.is_number:
        return not numeric_difference_is_nonzero(difference)
    for p, q in distinct:
        if expand(difference - (p - q)) == 0 or expand(difference + (p - q)) == 0:
            return False
    raise Undecidable(f"cannot decide whether the indices {a} and {b} coincide")


def numeric_difference_is_nonzero(difference: Expr) -> bool:
    """Decide whether a constant is nonzero; undecidable when neither can be shown."""
    value = difference.doit()
    if value.is_Rational:
        return value != 0
    if simplify(value) == 0:
        return False
    approximate = value.evalf(50)
    if approximate.is_number and abs(approximate) > 10**-30:
        return True
    raise Undecidable(f"cannot decide whether {difference} is 0")


def _distinct_entries(x: Indexed, y: Indexed, distinct: Distinct) -> bool:
    return not all(_same_index(a, b, distinct) for a, b in zip(x.indices, y.indices))


_MOMENTS: dict[tuple[Basic, int], Expr] = {}


def _law_moment(law: Expr, order: int) -> Expr:
    """The ``order``-th moment of a ``sympy.stats`` random symbol, cached by its distribution.

    Integrated against the law's density over its support: much faster than
    ``sympy.stats.moment``, which expands a generating function.
    """
    from sympy import integrate
    from sympy.stats import density

    key = (law.pspace.distribution, order)
    if key not in _MOMENTS:
        u = Dummy("u", real=True)
        support = law.pspace.domain.set
        _MOMENTS[key] = integrate(u**order * density(law)(u), (u, support.inf, support.sup))
    return _MOMENTS[key]


def law_moments(laws: Sequence[Expr], orders: int = 2) -> list[tuple[Expr, int, Expr]]:
    """``(law, order, moment)`` for every law and order ``1..orders`` (integrated here: call it bounded).

    For processes that cannot inherit this cache (reused pool workers): compute once,
    send the triples, :func:`remember_moments` them there.
    """
    return [(law, order, _law_moment(law, order)) for law in laws for order in range(1, orders + 1)]


def remember_moments(moments: Iterable[tuple[Expr, int, Expr]]) -> None:
    """Cache moments computed elsewhere (by :func:`law_moments`)."""
    for law, order, value in moments:
        _MOMENTS[(law.pspace.distribution, order)] = value


def warm_moments(model: RandomModel | None, orders: int = 2, seconds: float = 10.0) -> None:
    """Compute the low moments of every law once, in a bounded child, and cache them here.

    Judgements then run in children that inherit the cache; a law whose moments
    do not come within ``seconds`` is left for each judgement (under its own limit).
    """
    from .limits import ChildFailed, TimeLimitExceeded, bounded

    laws = [family.law for family in model.families if family.law is not None] if model is not None else []
    wanted = [(law, order) for law in laws for order in range(1, orders + 1)
              if (law.pspace.distribution, order) not in _MOMENTS]
    if not wanted:
        return
    try:
        values = bounded(_moments_of, wanted, seconds=seconds)
    except (TimeLimitExceeded, ChildFailed):
        return
    for (law, order), value in zip(wanted, values):
        _MOMENTS[(law.pspace.distribution, order)] = value


def _moments_of(wanted: list[tuple[Expr, int]]) -> list[Expr]:
    return [_law_moment(law, order) for law, order in wanted]


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


def evaluate_moments(expr: Basic, model: RandomModel, used: set[str] | None = None) -> Expr:
    """Rewrite every E, Var and Cov in ``expr`` into moments, innermost first.

    An operator applied to an expression with no declared random entry, or to
    one naming an undeclared symbol or entry, is undecidable rather than a
    constant: an undeclared name may well be random.  The labels of the laws,
    facts and independence statements consulted are added to ``used``.
    """
    return _MomentEvaluator(model, set() if used is None else used).evaluate(expr)


class _MomentEvaluator:
    def __init__(self, model: RandomModel, used: set[str]) -> None:
        self.model = model
        self.used = used

    def cite(self, label: str) -> None:
        if label:
            self.used.add(label)

    def evaluate(self, expr: Basic) -> Expr:
        if not expr.args:
            return expr
        args = [self.evaluate(a) for a in expr.args]
        if isinstance(expr, RandomOperator):
            for arg in expr.args:
                _refuse_undeclared(arg, self.model)
            # A moment of a finite number is that number's (an empty textbook sum makes Var(0));
            # a moment of an undeclared name is not decided here.
            if not any(_mentions_random(a, self.model) for a in expr.args) and not all(
                    a.is_number and a.is_finite for a in expr.args):
                raise Undecidable(f"{expr} involves no declared random variable")
        if isinstance(expr, Expect):
            return self.expectation(args[0])
        if isinstance(expr, Var):
            (x,) = args
            return expand(self.expectation(x**2) - self.expectation(x) ** 2)
        if isinstance(expr, Cov):
            x, y = args
            return expand(self.expectation(x * y) - self.expectation(x) * self.expectation(y))
        return expr.func(*args)

    def expectation(self, expr: Expr, model: RandomModel | None = None) -> Expr:
        """E[expr] for a polynomial in random entries and random finite sums."""
        model = model or self.model
        # A random sum with symbolic bounds is kept as one opaque factor, so that the
        # polynomial expansion below cannot look inside it.
        opaque: dict[Symbol, Sum] = {}

        def hide(e: Basic) -> Basic:
            placeholder = Dummy("S")
            opaque[placeholder] = e
            return placeholder

        hidden = expr.replace(lambda e: isinstance(e, Sum) and is_random(e.function, model), hide)
        total = S.Zero
        for term in Add.make_args(expand(hidden)):
            total += self.monomial(term, opaque, model)
        return total

    def monomial(self, term: Expr, opaque: dict[Symbol, Sum], model: RandomModel) -> Expr:
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
                return coefficient * Sum(self.expectation(random_sum.function, model), *random_sum.limits)
            if power == 2:
                square = self.expectation_of_square(random_sum, model)
                if square is not None:
                    return coefficient * square
        value = S.One
        for block in self.independent_blocks(factors, model):
            value *= self.block_moment(block, model)
        return coefficient * value

    def expectation_of_square(self, random_sum: Sum, model: RandomModel) -> Expr | None:
        """``E[(sum_j f_j)^2] = sum_j E[f_j^2]`` when ``E[f_j f_k] = 0`` for all ``j != k``; else None.

        The off-diagonal moment is evaluated for symbolic ``j != k``, so this holds
        for any number of terms.
        """
        (j, lower, upper) = random_sum.limits[0]
        if not (upper - lower + 1).is_nonnegative:
            return None  # a possibly reversed range: no term-wise square under either convention
        k = Dummy("k", integer=True)
        term_j = random_sum.function
        term_k = term_j.xreplace({j: k})
        cited: set[str] = set()
        try:
            off_diagonal = _MomentEvaluator(model, cited).expectation(term_j * term_k, model.assuming_distinct(j, k))
        except Undecidable:
            return None
        if expand(off_diagonal) != 0:
            return None
        self.used |= cited
        return Sum(self.expectation(term_j**2, model), (j, lower, upper))

    def independent_blocks(
        self, factors: list[tuple[Expr, int]], model: RandomModel
    ) -> list[list[tuple[Expr, int]]]:
        """Group the random factors of a monomial into mutually independent blocks."""
        blocks: list[list[tuple[Expr, int]]] = []
        for item in factors:
            joined = [b for b in blocks if any(self.dependent(item[0], other[0], model) for other in b)]
            merged = [item] + [x for b in joined for x in b]
            blocks = [b for b in blocks if b not in joined] + [merged]
        return blocks

    def dependent(self, x: Expr, y: Expr, model: RandomModel) -> bool:
        """Whether ``x`` and ``y`` may depend on each other; cites the facts that say they do not."""
        for ex in _key_entries(x, model):
            for ey in _key_entries(y, model):
                fx, fy = model.family_of_random(ex), model.family_of_random(ey)
                if fx is not fy:
                    label = model.independence_of(fx, fy)
                    if label is None:
                        return True
                    self.cite(label)
                    continue
                if not fx.iid or isinstance(x, Sum) or isinstance(y, Sum):
                    return True  # dependent entries, or a summation index may hit the same entry
                if not _distinct_entries(ex, ey, model.distinct):
                    return True
                self.cite(fx.independence_label)
        return False

    def block_moment(self, block: list[tuple[Expr, int]], model: RandomModel) -> Expr:
        if len(block) == 1 and isinstance(block[0][0], Indexed):
            entry, order = block[0]
            family = model.family_of_random(entry)
            moment = _entry_moment(entry, order, family)
            if not isinstance(moment, Expect):
                self.cite(family.label)
            return moment
        return Expect(Mul(*(f**p for f, p in block)))


def _key_entries(factor: Expr, model: RandomModel) -> set[Indexed]:
    if isinstance(factor, Sum):
        return _random_entries(factor.function, model)
    return {factor}


def check_declared(expr: Basic, model: RandomModel) -> None:
    """Raise :class:`Undecidable` if an operator in ``expr`` names something undeclared."""
    for operator in expr.atoms(RandomOperator):
        for arg in operator.args:
            _refuse_undeclared(arg, model)


def _refuse_undeclared(arg: Basic, model: RandomModel) -> None:
    """Every name under an operator must be random, declared constant, or used only as an index or a bound.

    A name that is also a factor (``X`` in ``E[X b_1 + b_X]``) may be random: it must be declared.
    """
    constants = set(model.constants)
    bound = {v for node in arg.atoms(Sum) for v, *_ in node.limits}
    bounds = [b for node in arg.atoms(Sum) for _, lo, hi in node.limits for b in (lo, hi)]
    sizes = {e for b in bounds for e in b.atoms(Indexed)}
    for entry in arg.atoms(Indexed):
        if entry.base not in constants and entry not in sizes and model.family_of(entry) is None:
            raise Undecidable(f"{entry} under an operator is not declared random or constant")
    hidden = arg.xreplace({e: Dummy() for e in arg.atoms(Indexed)})
    outside = _without_sum_limits(hidden)  # what is neither an index nor a bound
    for symbol in outside.free_symbols:
        if isinstance(symbol, Dummy) or symbol in bound:
            continue
        if symbol not in constants:
            raise Undecidable(f"{symbol} under an operator is not declared random or constant")


def _without_sum_limits(expr: Basic) -> Basic:
    """Every sum replaced by its summand (nested ones too), so its bounds no longer occur."""
    sums = expr.atoms(Sum)
    return expr if not sums else _without_sum_limits(expr.xreplace({node: node.function for node in sums}))


def _entry_moment(entry: Indexed, order: int, family: RandomFamily) -> Expr:
    at_entry = dict(zip(family.index_symbols, entry.indices))  # simultaneous, as xreplace is
    if family.law is not None:
        return _law_moment(family.law, order).xreplace(at_entry)
    if order == 1 and family.mean is not None:
        return family.mean.xreplace(at_entry)
    if order == 2 and family.mean is not None and family.variance is not None:
        return (family.variance + family.mean**2).xreplace(at_entry)
    return Expect(entry**order)


def opaque_moments(expr: Basic) -> set[Expect]:
    """Moments the evaluator could not reduce (joint moments of dependent entries)."""
    return set(expr.atoms(Expect))


def operators_in(expr: Basic) -> bool:
    return bool(expr.atoms(RandomOperator))


__all__ = [
    "Expect", "Var", "Cov", "RandomFamily", "RandomModel", "Independence", "Undecidable",
    "evaluate_moments", "is_random", "families_of", "has_zero_mean", "opaque_moments", "operators_in",
    "numeric_difference_is_nonzero", "check_declared", "warm_moments",
]
