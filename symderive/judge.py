"""The judge: rules on one relation ``lhs = rhs`` under a declared context.

It never looks at how ``rhs`` was obtained.  Strategies, cheapest first:

1. *identical*: the two sides are the same expression;
2. *unfold and evaluate*: stated definitions are unfolded and every E/Var/Cov is
   evaluated into moments from first principles (:mod:`symderive.randomvars`);
3. *refutation search*: exact evaluation at random rational points, sizes
   instantiated; a mismatch is re-checked at high precision and returned as a
   counterexample;
4. *symbolic proof*: the difference, with finite sums aligned to common limits,
   simplifies to zero -> ``proved`` (general sizes);
5. *instances*: exact evaluation at every listed size, other symbols kept
   symbolic -> ``proved-on-instances`` with the sizes;
6. agreement at random points only -> ``tested-numerically``; otherwise ``unknown``.

The judge is the same for built-in derivations and for a human's LaTeX.
"""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field, replace
from typing import Iterator, Mapping

from sympy import (
    Add,
    Basic,
    Dummy,
    Expr,
    Indexed,
    Integer,
    Integral,
    Mul,
    Poly,
    Product,
    Rational,
    S,
    Sum,
    Symbol,
    diff,
    expand,
    simplify,
)

from .model import Outcome, Status, Verdict, Verification
from .randomvars import (
    RandomModel,
    Undecidable,
    evaluate_moments,
    opaque_moments,
    operators_in,
)


@dataclass(frozen=True)
class Definition:
    """``target := value`` for every value of the pattern symbols ``params``.

    ``target`` is a symbol or an entry such as ``y[l, i]``; indices that are not
    in ``params`` must match exactly (so ``y[l, i]`` does not unfold ``y[l-1, j]``).
    """

    label: str
    target: Expr
    value: Expr
    params: tuple[Symbol, ...] = ()

    def matches(self, expr: Basic) -> dict | None:
        if isinstance(self.target, Symbol):
            return {} if expr == self.target else None
        if not isinstance(expr, Indexed) or expr.base != self.target.base:
            return None
        if len(expr.indices) != len(self.target.indices):
            return None
        binding: dict = {}
        for pattern, actual in zip(self.target.indices, expr.indices):
            if pattern in self.params:
                if binding.setdefault(pattern, actual) != actual:
                    return None
            elif pattern != actual:
                return None
        return binding

    def unfold(self, expr: Basic) -> Basic:
        def replace(e: Basic) -> Basic:
            binding = self.matches(e)
            return _without_capture(self.value, binding).xreplace(binding) if binding is not None else e

        return expr.replace(lambda e: self.matches(e) is not None, replace)


def _without_capture(value: Expr, binding: dict) -> Expr:
    """Rename the summation indices of ``value`` that the bound values would be captured by."""
    incoming = set().union(*(v.free_symbols for v in binding.values())) if binding else set()
    bound = {v for node in value.atoms(Sum, Product) for v, *_ in node.limits}
    clashes = bound & incoming
    return value.xreplace({v: Dummy(v.name, **v.assumptions0) for v in clashes}) if clashes else value


@dataclass(frozen=True)
class Context:
    """What the judge may use: definitions, the random model, sizes to instantiate."""

    definitions: tuple[Definition, ...] = ()
    random_model: RandomModel | None = None
    # Values tried for each symbol that bounds a sum (a size), e.g. {L: range(0, 6)}.
    instance_values: Mapping[Basic, tuple[int, ...]] = field(default_factory=dict)
    default_sizes: tuple[int, ...] = (1, 2, 3, 4)
    random_points: int = 4
    seed: int = 20261125

    def with_definitions(self, *more: Definition) -> "Context":
        return replace(self, definitions=self.definitions + more)


def judge(lhs: Expr | int, rhs: Expr | int, context: Context = Context()) -> Verdict:
    """Judge ``lhs = rhs``: verified (and how), refuted (with a counterexample) or unknown."""
    try:
        return _judge(_as_expr(lhs), _as_expr(rhs), context)
    except Exception as exc:  # an unforeseen input is undecided, never verified
        return Verdict(Outcome.UNKNOWN, f"the judge could not decide ({type(exc).__name__}: {exc})")


def _as_expr(value: Expr | int) -> Expr:
    """SymPy expressions pass; Python integers become Integers; nothing is parsed from text."""
    if isinstance(value, Basic):
        return value
    if isinstance(value, int):
        return Integer(value)
    raise TypeError(f"expected a SymPy expression or an int, got {type(value).__name__}")


def _judge(lhs: Expr, rhs: Expr, context: Context) -> Verdict:
    if lhs == rhs:
        return _verified(Status.PROVED, "identical", "")
    unfolded_lhs, unfolded_rhs = _unfold(lhs, context), _unfold(rhs, context)
    used = [d.label for d in context.definitions if d.unfold(lhs - rhs) != lhs - rhs]
    lhs, rhs = unfolded_lhs, unfolded_rhs
    difference = lhs - rhs
    probabilistic = operators_in(difference)
    if probabilistic and context.random_model is None:
        return Verdict(Outcome.UNKNOWN, "E/Var/Cov appear but no random model is declared")

    general_reason, proved = "", False
    try:
        proved = _vanishes(_evaluate(difference, context, {}))
    except Undecidable as exc:
        general_reason = str(exc)
    # Concrete arithmetic outranks simplification: even a proved step is spot-checked.
    budget = 1 if proved else None
    refutation = _search_counterexample(difference, context, budget)
    if refutation is not None:
        return refutation
    if proved:
        return _verified(Status.PROVED, _method(difference), _premises(used, context if probabilistic else None))

    sizes = _size_symbols(difference)
    if sizes:
        return _judge_on_instances(difference, sizes, context, general_reason)
    if probabilistic:
        return Verdict(Outcome.UNKNOWN, general_reason or "the moments do not reduce to equal expressions")
    return _judge_at_points(difference, context)


def _verified(status: Status, method: str, detail: str) -> Verdict:
    reason = f"{method}: {detail}" if detail else method
    return Verdict(Outcome.VERIFIED, reason, Verification(status, method, detail))


def _method(difference: Expr) -> str:
    parts = []
    if operators_in(difference):
        parts.append("moment evaluation")
    if difference.has(Integral):
        parts.append("antiderivatives checked by differentiation")
    return " and ".join(parts) or "symbolic simplification"


def _premises(definitions: list[str], context: Context | None) -> str:
    """Which stated definitions and hypotheses the verification relied on."""
    used = list(definitions)
    if context is not None and context.random_model is not None and context.random_model.cites:
        used.append(context.random_model.cites)
    return f"using {', '.join(used)}" if used else ""


def _unfold(expr: Expr, context: Context) -> Expr:
    for definition in context.definitions:
        expr = definition.unfold(expr)
    return expr


def _evaluate(expr: Expr, context: Context, instance: Mapping) -> Expr:
    """Exact value of ``expr`` at a (possibly empty) size instance; moments evaluated."""
    expr = _integrals_by_antiderivatives(expr)
    if instance:
        expr = expand_finite_sums(expr.subs(instance)).doit()
    if operators_in(expr):
        if context.random_model is None:
            raise Undecidable("E/Var/Cov appear but no random model is declared")
        model = context.random_model.subs(dict(instance)) if instance else context.random_model
        expr = evaluate_moments(expr, model)
        if instance:
            expr = expr.subs(instance)
    return expr.doit()


def _integrals_by_antiderivatives(expr: Basic) -> Basic:
    """Definite integrals of polynomials as F(b) - F(a), with F' = f checked by differentiation.

    Differentiating is independent of the integration a rule may have done; other
    integrands are left to the caller as undecidable.
    """

    def definite(integral: Integral) -> Expr:
        if len(integral.limits) != 1 or len(integral.limits[0]) != 3:
            raise Undecidable(f"{integral} is not a definite integral in one variable")
        (u, lower, upper), integrand = integral.limits[0], integral.function
        if not integrand.is_polynomial(u):
            raise Undecidable(f"only integrals of polynomials are checked here, not {integral}")
        antiderivative = Poly(integrand, u).integrate().as_expr()
        if expand(diff(antiderivative, u) - integrand) != 0:
            raise Undecidable(f"no verified antiderivative for {integral}")
        return antiderivative.xreplace({u: upper}) - antiderivative.xreplace({u: lower})

    return expr.replace(lambda e: isinstance(e, Integral), definite)


MAX_TERMS = 10_000


def expand_finite_sums(expr: Basic) -> Basic:
    """Write out every sum whose bounds are whole numbers, outermost index first."""

    def write_out(node: Sum) -> Expr:
        *inner, (var, lower, upper) = node.limits
        if not (lower.is_Integer and upper.is_Integer):
            return node
        # Karr's convention, as SymPy's doit: sum_{a}^{b} = -sum_{b+1}^{a-1} when b < a - 1.
        sign, first, last = (1, lower, upper) if upper >= lower - 1 else (-1, upper + 1, lower - 1)
        if last - first + 1 > MAX_TERMS:
            raise Undecidable(f"a sum of {last - first + 1} terms is too long to write out")
        body = Sum(node.function, *inner) if inner else node.function
        return sign * Add(*(expand_finite_sums(body.xreplace({var: v})) for v in range(first, last + 1)))

    return expr.replace(lambda e: isinstance(e, Sum), write_out)


def _vanishes(expr: Expr) -> bool:
    expr = expand(expr)
    if expr == 0:
        return True
    if expr.has(Sum):
        expr = expand(align_sums(expr))
        if expr == 0:
            return True
    return simplify(expr) == 0


# -- finite sums -------------------------------------------------------------


def align_sums(expr: Expr) -> Expr:
    """Rewrite the sums of ``expr`` over one common range and merge them.

    Every single sum is re-indexed to start at 0; sums whose lengths differ by
    whole numbers are cut to the shortest length (the extra terms peeled off) and
    added summand-wise.  The value of ``expr`` is unchanged.
    """
    index = Dummy("k", integer=True)
    sums: list[tuple[Expr, Expr]] = []  # (summand in `index`, last value of `index`)
    rest = S.Zero
    for term in Add.make_args(expand(expr)):
        parts = Mul.make_args(term)
        single = [p for p in parts if isinstance(p, Sum) and len(p.limits) == 1]
        if len(single) != 1:
            rest += term
            continue
        the_sum = single[0]
        (var, lower, upper) = the_sum.limits[0]
        coefficient = Mul(*(p for p in parts if p is not the_sum))
        if var in coefficient.free_symbols:
            rest += term
            continue
        sums.append((coefficient * the_sum.function.xreplace({var: index + lower}), upper - lower))
    if len(sums) < 2:
        return expr
    shortest = _extreme([last for _, last in sums])
    if shortest is None:
        return expr
    summand = S.Zero
    for function, last in sums:
        for extra in range(1, int(last - shortest) + 1):
            rest += function.xreplace({index: shortest + extra})
        summand += function
    merged = simplify(summand)
    return rest if merged == 0 else rest + Sum(merged, (index, 0, shortest))


def _extreme(bounds: list[Expr]) -> Expr | None:
    """The smallest of ``bounds`` if they differ by whole numbers, else None."""
    base = bounds[0]
    offsets = [expand(b - base) for b in bounds]
    if not all(o.is_Integer for o in offsets):
        return None
    return base + min(offsets)


def _size_symbols(expr: Expr) -> list[Basic]:
    """Free symbols or entries that bound a sum or product: the sizes to instantiate.

    The index of an outer sum bounding an inner one is not a size.
    """
    nodes = expr.atoms(Sum, Product)
    summation_indices = {v for node in nodes for v, *_ in node.limits}
    sizes: set[Basic] = set()
    for node in nodes:
        for _, lower, upper in node.limits:
            for bound in (lower, upper):
                sizes |= {s for s in _variables(bound) if not (s.free_symbols & summation_indices)}
    return sorted(sizes, key=str)


def _variables(expr: Basic) -> set[Basic]:
    """Free scalar unknowns: symbols and entries like ``n[l-1]`` (not their parts)."""
    bound = {v for node in expr.atoms(Sum, Product) for v, *_ in node.limits}
    entries = {e for e in expr.atoms(Indexed) if not (e.free_symbols & bound)}
    labels = {e.base.label for e in expr.atoms(Indexed)}
    hidden = {s for e in entries for s in e.free_symbols}
    symbols = {s for s in expr.free_symbols if isinstance(s, Symbol)} - labels - bound
    outside = _free_outside_entries(expr, entries)
    return entries | ({s for s in symbols if s not in hidden} | (symbols & outside))


def _free_outside_entries(expr: Basic, entries: set) -> set:
    placeholder = {e: Dummy() for e in entries}
    return {s for s in expr.xreplace(placeholder).free_symbols if isinstance(s, Symbol)}


def _instances(sizes: list[Basic], context: Context) -> Iterator[dict]:
    choices = [context.instance_values.get(s, _default_values(s, context)) for s in sizes]
    for values in itertools.product(*choices):
        yield {s: Integer(v) for s, v in zip(sizes, values)}


def _default_values(size: Basic, context: Context) -> tuple[int, ...]:
    if size.is_positive:
        return context.default_sizes
    if size.is_nonnegative:
        return (0,) + context.default_sizes
    return (-2, -1, 0) + context.default_sizes  # reversed and empty ranges too


def _judge_on_instances(difference: Expr, sizes: list[Basic], context: Context, why_not_general: str) -> Verdict:
    instances = list(_instances(sizes, context))
    for instance in instances:
        try:
            value = _evaluate(difference, context, instance)
        except Undecidable as exc:
            return Verdict(Outcome.UNKNOWN, f"at {_show(instance)}: {exc}")
        if not _vanishes(value):
            return Verdict(
                Outcome.UNKNOWN,
                f"the difference does not simplify to 0 at {_show(instance)}, "
                "and no concrete counterexample was found",
            )
    values = {s: sorted({int(i[s]) for i in instances}) for s in sizes}
    ranges = ", ".join(f"{s} in {{{', '.join(map(str, vs))}}}" for s, vs in values.items())
    if len(sizes) > 1:
        ranges = "every combination of " + ranges
    detail = f"exact at {ranges}, all other symbols kept symbolic"
    if why_not_general:
        detail += f" (no general proof: {why_not_general})"
    return _verified(Status.PROVED_ON_INSTANCES, "exact evaluation on instances", detail)


# -- points ------------------------------------------------------------------


_FACTS = ("integer", "rational", "real", "positive", "negative", "nonnegative", "nonpositive",
          "zero", "nonzero", "even", "odd", "prime", "composite")


def _random_value(variable: Basic, rng: random.Random) -> Rational | None:
    """A random rational with the variable's assumptions, or None if none was found."""
    for _ in range(20):
        if variable.is_integer:
            value = Integer(rng.randint(-6, 6))
        else:
            value = Rational(rng.randint(-40, 40), rng.randint(1, 11))
        if variable.is_nonnegative:
            value = abs(value)
        elif variable.is_nonpositive:
            value = -abs(value)
        if _consistent(variable, value):
            return value
    return None


def _consistent(variable: Basic, value: Rational) -> bool:
    for fact in _FACTS:
        wanted = getattr(variable, f"is_{fact}")
        if wanted is not None and getattr(value, f"is_{fact}") is not wanted:
            return False
    return True


def _points(difference: Expr, context: Context) -> Iterator[tuple[dict, Expr]]:
    """Exact values of ``difference`` at random points (sizes included)."""
    rng = random.Random(context.seed)
    sizes = _size_symbols(difference)
    instances = list(_instances(sizes, context)) if sizes else [{}]
    for instance in instances[: max(context.random_points, 1) * 2]:
        value = _evaluate(difference, context, instance)
        if opaque_moments(value):
            continue
        for _ in range(context.random_points):
            point = {v: _random_value(v, rng) for v in _variables(value)}
            if None in point.values():
                continue  # no value satisfies the assumptions of some variable
            yield {**instance, **point}, value.xreplace(point).doit()


def _is_nonzero(value: Expr) -> bool:
    """True only when ``value`` is certainly a nonzero number."""
    if value.is_Rational:
        return value != 0
    if not value.is_number:
        return False
    if value.is_zero is False:
        return True
    return abs(value.evalf(60)) > 10**-40 and simplify(value) != 0


def _is_zero(value: Expr) -> bool:
    """True only when ``value`` is certainly zero."""
    return value == 0 or value.is_zero is True or (value.is_number and simplify(value) == 0)


def _search_counterexample(difference: Expr, context: Context, budget: int | None) -> Verdict | None:
    """A re-checked counterexample among the first ``budget`` points (all of them for None)."""
    try:
        for point, value in itertools.islice(_points(difference, context), budget):
            if _is_nonzero(value):
                return Verdict(
                    Outcome.REFUTED,
                    f"the two sides differ by {value} at {_show(point)}",
                    counterexample={str(k): str(v) for k, v in point.items()},
                )
    except Undecidable:
        return None
    return None


def _judge_at_points(difference: Expr, context: Context) -> Verdict:
    count = 0
    try:
        for point, value in _points(difference, context):
            if not _is_zero(value):
                return Verdict(Outcome.UNKNOWN, f"the difference is not certainly 0 at {_show(point)}")
            count += 1
    except Undecidable as exc:
        return Verdict(Outcome.UNKNOWN, str(exc))
    if count == 0:
        return Verdict(Outcome.UNKNOWN, "no sample point could be evaluated")
    return _verified(
        Status.TESTED_NUMERICALLY,
        "exact evaluation at random rational points",
        f"agreement at {count} random points (seed {context.seed}); no symbolic proof found",
    )


def _show(mapping: Mapping) -> str:
    return ", ".join(f"{k} = {v}" for k, v in mapping.items()) or "no sizes"
