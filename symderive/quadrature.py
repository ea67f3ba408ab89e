"""Rigorous numerics: enclosures of SymPy expressions (integrals included) in ball arithmetic.

An expression is evaluated at an exact rational point with python-flint's
``arb``/``acb`` balls: every operation returns a ball that *certainly* contains
the true value, and ``acb.integral`` returns a certified enclosure of a definite
integral over a bounded interval.  Unbounded intervals are cut at ``±R`` with a
proved bound on the tails (see :func:`_tail_bound`).

So a numeric comparison can *refute* ``lhs = rhs`` only when the enclosure of
``lhs - rhs`` excludes 0 (:func:`certainly_nonzero`), never on a tolerance;
agreement is only evidence (``tested-numerically``).  Anything the evaluator
does not understand (floats, undeclared functions, matrix expressions, random
operators) raises :class:`NotEnclosable` instead of being guessed.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Callable, Mapping, Sequence

from flint import acb, arb, ctx, fmpq
from sympy import (
    Abs,
    Add,
    And,
    Basic,
    Dummy,
    E,
    EulerGamma,
    Expr,
    Heaviside,
    I,
    Indexed,
    Integral,
    Max,
    Min,
    Mul,
    Not,
    Or,
    Piecewise,
    Poly,
    Pow,
    Rational,
    S,
    Sum,
    Symbol,
    cos,
    cosh,
    erf,
    erfc,
    exp,
    expand,
    gamma,
    log,
    pi,
    sin,
    sinh,
    tan,
    tanh,
)
from sympy.core.relational import Relational
from sympy.logic.boolalg import BooleanAtom

from .integrals import active_pieces, as_piecewise, breakpoints
from .randomvars import Undecidable

PRECISIONS = (64, 128, 256)
# Effort per certified integral: beyond it acb.integral returns a wider (still valid) ball.
EVAL_LIMIT = 20_000
MAX_SUM_TERMS = 10_000
MAX_TAIL_CUT = 2**24


class NotEnclosable(Undecidable):
    """The expression holds something the ball evaluator does not support."""


# A compiled expression: values of the bound variables (outermost first), analytic flag -> ball.
Compiled = Callable[[Sequence[acb], bool], acb]


# -- public API -----------------------------------------------------------------


def enclose(expr: Basic, point: Mapping[Basic, int | Rational] | None = None, prec: int = 64) -> acb:
    """A ball certainly containing the value of ``expr`` at ``point`` (exact rationals).

    Every free symbol (or entry) must be given a value; integrals are certified.
    """
    compiled = compile_expression(_at_point(expr, point or {}), ())
    with ctx.workprec(prec):
        return compiled((), False)


def enclose_real(expr: Basic, point: Mapping[Basic, int | Rational] | None = None, prec: int = 64) -> arb:
    """An ``arb`` enclosure of a value known to be real; raises if it is certainly not real."""
    ball = enclose(expr, point, prec)
    if not ball.imag.contains(0):
        raise NotEnclosable(f"{expr} is not real at the point: imaginary part {ball.imag}")
    return ball.real


def certainly_nonzero(expr: Basic, point: Mapping[Basic, int | Rational] | None = None,
                      precisions: Sequence[int] = PRECISIONS) -> bool:
    """True only when a finite enclosure of ``expr`` at ``point`` excludes 0."""
    compiled = compile_expression(_at_point(expr, point or {}), ())
    for prec in precisions:
        with ctx.workprec(prec):
            ball = compiled((), False)
        if not ball.is_finite():
            return False  # a singularity, not a lack of precision: more bits will not help
        if not ball.contains(0):
            return True
    return False


class Agreement(str, Enum):
    DIFFER = "differ"  # the enclosure of lhs - rhs excludes 0: a proof that they differ
    CONSISTENT = "consistent"  # a narrow enclosure contains 0: evidence only
    INCONCLUSIVE = "inconclusive"  # the enclosure is too wide to say anything


@dataclass(frozen=True)
class NumericComparison:
    agreement: Agreement
    difference: str  # the enclosure of lhs - rhs, printed
    precision: int


def compare(lhs: Basic, rhs: Basic, point: Mapping[Basic, int | Rational] | None = None,
            precisions: Sequence[int] = PRECISIONS) -> NumericComparison:
    """Compare ``lhs`` and ``rhs`` at ``point`` by the enclosure of their difference.

    ``DIFFER`` is rigorous (every precision is tried before giving up on it).
    ``CONSISTENT`` (at the highest precision the enclosure contains 0 and is narrower
    than ``2^{-prec/2}`` times the size of the sides) is not: a judge may label it
    ``tested-numerically`` at most.
    """
    compiled_lhs = compile_expression(_at_point(lhs, point or {}), ())
    compiled_rhs = compile_expression(_at_point(rhs, point or {}), ())
    shown, narrow, prec = "not finite", False, precisions[0]
    for prec in precisions:
        with ctx.workprec(prec):
            left, right = compiled_lhs((), False), compiled_rhs((), False)
            difference = left - right
            if not difference.is_finite():
                break  # a singularity, not a lack of precision
            shown = difference.str()
            if not difference.contains(0):
                return NumericComparison(Agreement.DIFFER, shown, prec)
            scale = 1 + abs(left).upper() + abs(right).upper()
            narrow = abs(difference).upper() < scale * arb(2) ** (-(prec // 2))
    if narrow:
        return NumericComparison(Agreement.CONSISTENT, shown, prec)
    return NumericComparison(Agreement.INCONCLUSIVE, shown, prec)


def _at_point(expr: Basic, point: Mapping[Basic, int | Rational]) -> Basic:
    values = {}
    for key, value in point.items():
        exact = Rational(value) if isinstance(value, int) else value
        if not isinstance(exact, Rational):
            raise NotEnclosable(f"the value of {key} must be an exact rational, got {value!r}")
        values[key] = exact
    return expr.xreplace(values)


# -- compilation ------------------------------------------------------------------


def compile_expression(expr: Basic, bound: Sequence[Basic]) -> Compiled:
    """Turn ``expr`` into a ball function of the ``bound`` variables (outermost first).

    Checks that need SymPy (realness of ``Abs`` arguments and of compared sides) are
    done here once, not at every evaluation.
    """
    if expr in bound:
        index = list(bound).index(expr)
        return lambda values, analytic: values[index]
    if isinstance(expr, Rational):
        value = fmpq(int(expr.p), int(expr.q))
        return lambda values, analytic: acb(arb(value))
    for constant, make in _CONSTANTS:
        if expr == constant:
            return lambda values, analytic: make()
    if isinstance(expr, Add):
        return _fold(expr.args, bound, lambda a, b: a + b)
    if isinstance(expr, Mul):
        return _fold(expr.args, bound, lambda a, b: a * b)
    if isinstance(expr, Pow):
        return _compile_power(expr, bound)
    if isinstance(expr, Integral):
        return _compile_integral(expr, bound)
    if isinstance(expr, Piecewise):
        return _compile_piecewise(expr, bound)
    if isinstance(expr, Sum):
        return _compile_sum(expr, bound)
    if isinstance(expr, (Abs, Heaviside, Max, Min)):
        return _compile_real_function(expr, bound)
    for function, method in _FUNCTIONS.items():
        if isinstance(expr, function) and len(expr.args) == 1:
            argument = compile_expression(expr.args[0], bound)
            return lambda values, analytic, a=argument, m=method: m(a(values, analytic), analytic)
    if isinstance(expr, (Symbol, Indexed)):
        raise NotEnclosable(f"no value given for {expr}")
    if expr.is_Float:
        raise NotEnclosable(f"the float {expr} is not an exact value: write it as a rational")
    raise NotEnclosable(f"cannot enclose {type(expr).__name__}: {expr}")


_CONSTANTS: tuple[tuple[Basic, Callable[[], acb]], ...] = (
    (pi, lambda: acb(arb.pi())),
    (E, lambda: acb(1).exp()),
    (I, lambda: acb(0, 1)),
    (EulerGamma, lambda: acb(arb.const_euler())),
)

# Holomorphic except at poles (which give non-finite balls), or with a branch cut that
# flint checks itself when asked for an analytic evaluation.
_FUNCTIONS: dict[type, Callable[[acb, bool], acb]] = {
    exp: lambda z, analytic: z.exp(),
    log: lambda z, analytic: z.log(analytic=analytic),
    sin: lambda z, analytic: z.sin(),
    cos: lambda z, analytic: z.cos(),
    tan: lambda z, analytic: z.tan(),
    sinh: lambda z, analytic: z.sinh(),
    cosh: lambda z, analytic: z.cosh(),
    tanh: lambda z, analytic: z.tanh(),
    erf: lambda z, analytic: z.erf(),
    erfc: lambda z, analytic: z.erfc(),
    gamma: lambda z, analytic: z.gamma(),
}


def _fold(args: Sequence[Basic], bound: Sequence[Basic], combine: Callable[[acb, acb], acb]) -> Compiled:
    parts = [compile_expression(a, bound) for a in args]

    def evaluate(values: Sequence[acb], analytic: bool) -> acb:
        total = parts[0](values, analytic)
        for part in parts[1:]:
            total = combine(total, part(values, analytic))
        return total

    return evaluate


def _compile_power(expr: Pow, bound: Sequence[Basic]) -> Compiled:
    base = compile_expression(expr.base, bound)
    exponent = expr.exp
    if exponent.is_Integer:
        power = int(exponent)
        return lambda values, analytic: base(values, analytic) ** power
    if exponent == S.Half:
        return lambda values, analytic: base(values, analytic).sqrt(analytic=analytic)
    if exponent == -S.Half:
        return lambda values, analytic: base(values, analytic).rsqrt(analytic=analytic)
    compiled_exponent = compile_expression(exponent, bound)
    return lambda values, analytic: base(values, analytic).pow(compiled_exponent(values, analytic), analytic=analytic)


def _require_real(expr: Basic, why: str) -> None:
    if expr.is_extended_real is not True:
        raise NotEnclosable(f"{why}: cannot tell that {expr} is real")


def _compile_real_function(expr: Basic, bound: Sequence[Basic]) -> Compiled:
    """``Abs``, ``Heaviside``, ``Max``, ``Min`` of real arguments (checked): not holomorphic."""
    for argument in expr.args:
        _require_real(argument, f"{type(expr).__name__} is enclosed only for real arguments")
    parts = [compile_expression(a, bound) for a in expr.args]
    if isinstance(expr, Abs):
        # On the real line |x| = real_abs(x); the analytic version is ±z away from Re z = 0.
        return lambda values, analytic: (
            parts[0](values, analytic).real_abs(analytic=True)
            if analytic else acb(abs(parts[0](values, analytic).real))
        )
    if isinstance(expr, Heaviside):
        # flint's value at 0 is 1/2, as SymPy's Heaviside(0); a ball around 0 gets a ball covering [0, 1].
        return lambda values, analytic: parts[0](values, analytic).real_heaviside(analytic=analytic)
    method = "real_max" if isinstance(expr, Max) else "real_min"

    def evaluate(values: Sequence[acb], analytic: bool) -> acb:
        total = parts[0](values, analytic)
        for part in parts[1:]:
            total = getattr(total, method)(part(values, analytic), analytic=analytic)
        return total

    return evaluate


# -- piecewise --------------------------------------------------------------------

Truth = Callable[[Sequence[acb], bool], "bool | None"]  # None: undecided on this ball


def _compile_condition(condition: Basic, bound: Sequence[Basic]) -> Truth:
    if isinstance(condition, BooleanAtom):
        value = bool(condition)
        return lambda values, analytic: value
    if isinstance(condition, Relational):
        if condition.rel_op not in ("<", "<=", ">", ">="):
            raise NotEnclosable(f"cannot enclose the condition {condition}")
        side = condition.lhs - condition.rhs
        _require_real(side, "a compared quantity must be real")
        difference = compile_expression(side, bound)
        positive_means_true = condition.rel_op in (">", ">=")

        def truth(values: Sequence[acb], analytic: bool) -> bool | None:
            d = difference(values, analytic).real
            if d > 0:
                return positive_means_true
            if d < 0:
                return not positive_means_true
            return None  # the ball touches the boundary (or is not finite)

        return truth
    if isinstance(condition, (And, Or)):
        parts = [_compile_condition(c, bound) for c in condition.args]
        absorbing = isinstance(condition, Or)  # True absorbs Or; False absorbs And

        def combined(values: Sequence[acb], analytic: bool) -> bool | None:
            results = [p(values, analytic) for p in parts]
            if absorbing in results:
                return absorbing
            return None if None in results else not absorbing

        return combined
    if isinstance(condition, Not):
        inner = _compile_condition(condition.args[0], bound)

        def negated(values: Sequence[acb], analytic: bool) -> bool | None:
            result = inner(values, analytic)
            return None if result is None else not result

        return negated
    raise NotEnclosable(f"cannot enclose the condition {condition}")


def _compile_piecewise(expr: Piecewise, bound: Sequence[Basic]) -> Compiled:
    branches = [(compile_expression(e, bound), _compile_condition(c, bound)) for e, c in expr.args]

    def evaluate(values: Sequence[acb], analytic: bool) -> acb:
        # Undecided conditions: the value is one of several branches; enclose their union.
        # That is not holomorphic, so an analytic evaluation reports a non-finite ball.
        candidates: list[acb] = []
        for branch, condition in branches:
            truth = condition(values, analytic)
            if truth is False:
                continue
            if truth is None and analytic:
                return acb(arb("nan"))
            candidates.append(branch(values, analytic))
            if truth is True:
                break
        else:
            return acb(arb("nan"))  # possibly no branch applies: the value may be undefined
        union = candidates[0]
        for candidate in candidates[1:]:
            union = union.union(candidate)
        return union

    return evaluate


# -- sums -------------------------------------------------------------------------


def _compile_sum(expr: Sum, bound: Sequence[Basic]) -> Compiled:
    if len(expr.limits) != 1:
        return compile_expression(Sum(Sum(expr.function, *expr.limits[:-1]), expr.limits[-1]), bound)
    (index, lower, upper), = expr.limits
    if not (lower.is_Integer and upper.is_Integer):
        raise NotEnclosable(f"the sum {expr} does not have whole-number bounds")
    if int(upper) - int(lower) + 1 > MAX_SUM_TERMS:
        raise NotEnclosable(f"the sum {expr} has more than {MAX_SUM_TERMS} terms")
    terms = [compile_expression(expr.function.xreplace({index: k}), bound)
             for k in range(int(lower), int(upper) + 1)]

    def evaluate(values: Sequence[acb], analytic: bool) -> acb:
        total = acb(0)
        for term in terms:
            total += term(values, analytic)
        return total

    return evaluate


# -- integrals --------------------------------------------------------------------


def _compile_integral(expr: Integral, bound: Sequence[Basic]) -> Compiled:
    """Nested one-dimensional integrals, innermost limit first (SymPy's order)."""
    *inner_limits, limit = expr.limits
    if len(limit) != 3:
        raise NotEnclosable(f"{expr} is not a definite integral")
    variable, lower, upper = limit
    x = Dummy(str(variable), real=True)  # the path of integration is real
    inner = Integral(expr.function, *inner_limits) if inner_limits else expr.function
    integrand = inner.xreplace({variable: x})
    if lower.is_infinite or upper.is_infinite:
        return _compile_unbounded(integrand, x, lower, upper, bound)
    for end in (lower, upper):
        _require_real(end, "integration bounds must be real")
    f = compile_expression(integrand, [*bound, x])
    a, b = compile_expression(lower, bound), compile_expression(upper, bound)

    def evaluate(values: Sequence[acb], analytic: bool) -> acb:
        # An integral of a function holomorphic in the outer variables is holomorphic in them.
        return _certified_integral(lambda t, inner: f([*values, t], inner or analytic),
                                   a(values, analytic), b(values, analytic))

    return evaluate


def _certified_integral(integrand: Callable[[acb, bool], acb], a: acb, b: acb) -> acb:
    """``acb.integral`` that re-raises an exception of the integrand (flint would mask it)."""
    raised: list[BaseException] = []

    def guarded(t: acb, analytic: bool) -> acb:
        if raised:
            return acb(arb("nan"))
        try:
            return integrand(t, analytic)
        except Exception as exc:  # re-raised below, after flint returns
            raised.append(exc)
            return acb(arb("nan"))

    result = acb.integral(guarded, a, b, eval_limit=EVAL_LIMIT)
    if raised:
        raise raised[0]
    return result


def _compile_unbounded(integrand: Expr, x: Symbol, lower: Expr, upper: Expr, bound: Sequence[Basic]) -> Compiled:
    """``∫`` over a half-line or the line: a certified integral over ``[-R, R]`` plus tail bounds."""
    if integrand.free_symbols - {x} or lower.free_symbols or upper.free_symbols:
        raise NotEnclosable("an integral over an unbounded interval must have no other free variables")
    if lower == upper or lower == S.Infinity or upper == S.NegativeInfinity:
        raise NotEnclosable(f"integral from {lower} to {upper}: write it with increasing bounds")
    f = compile_expression(integrand, [*bound, x])
    tails = [side for side, end in ((1, upper), (-1, lower)) if end.is_infinite]
    finite_ends = [e for e in (lower, upper) if not e.is_infinite]
    for end in finite_ends:
        _require_real(end, "integration bounds must be real")
    ends = {e: compile_expression(e, ()) for e in finite_ends}
    cuts: dict[int, tuple[int, arb]] = {}  # the tail bound depends on the precision only

    def evaluate(values: Sequence[acb], analytic: bool) -> acb:
        if ctx.prec not in cuts:
            cuts[ctx.prec] = _tail_bound(integrand, x, tails, finite_ends)
        cut, tail = cuts[ctx.prec]
        a = acb(-cut) if lower == S.NegativeInfinity else ends[lower]((), False)
        b = acb(cut) if upper == S.Infinity else ends[upper]((), False)
        body = _certified_integral(lambda t, inner: f([*values, t], inner or analytic), a, b)
        return body + acb(arb(0, 1) * tail)

    return evaluate


def _tail_bound(f: Expr, x: Symbol, sides: Sequence[int], finite_ends: Sequence[Expr]) -> tuple[int, arb]:
    """A cut ``R`` and a proved bound ``T`` on ``Σ_side |∫_{|x| > R, side} f``.

    ``f`` is written (after Abs/Heaviside become Piecewise, and selecting the branch
    active beyond every breakpoint) as a sum of terms ``c · P(x) · exp(q(x)) · B(x)``
    with ``|B| <= 1`` (sin, cos of real arguments).  For ``x >= R >= 1`` a term is at
    most ``C x^K exp(q_0 - (a/2) x^D)`` where ``-a < 0`` leads ``q`` and ``R >= 2S/a``
    (``S`` the sum of the other nonconstant coefficients' sizes); with
    ``β = (a/2) R^{D-1}`` and ``R >= 2K/β`` its tail is at most
    ``C e^{q_0} (2/β) R^K e^{-βR}``.
    """
    g = as_piecewise(f, x)
    points = [int(_upper_number(abs(p))) + 1 for p in breakpoints(g, x)]
    points += [int(_upper_number(abs(e))) + 1 for e in finite_ends]
    beyond = max([1, *points])
    terms = []
    for side in sides:
        edge = S(beyond) if side > 0 else S(-beyond)
        piece = active_pieces(g, x, edge, S.Infinity, ()) if side > 0 else active_pieces(g, x, S.NegativeInfinity, edge, ())
        terms += _tail_terms(expand(piece.xreplace({x: side * x})), x)
    cut = beyond
    while True:
        total = arb(0)
        admissible = True
        for term in terms:
            bound = term.bound(cut)
            if bound is None:
                admissible = False
                break
            total += bound
        if admissible and (total < arb(2) ** (-ctx.prec) or cut >= MAX_TAIL_CUT):
            return cut, total
        if cut >= MAX_TAIL_CUT:
            raise NotEnclosable(f"no tail bound for {f}: the decay is too slow to certify")
        cut *= 2


@dataclass(frozen=True)
class _TailTerm:
    """``|term(x)| <= size · x^degree · exp(Re q(x))`` for ``x >= 1``; ``q`` has coefficients ``exponent``."""

    size: arb
    degree: int
    exponent: tuple[acb, ...]  # q_0, q_1, ..., q_D

    def bound(self, cut: int) -> arb | None:
        """A bound on ``∫_cut^∞`` of the term, or None if ``cut`` is too small for the argument."""
        *lower, top = [c.real for c in self.exponent]
        D = len(self.exponent) - 1
        if D < 1 or not top < 0:
            raise NotEnclosable("a term does not decay at infinity (or its decay is not certain)")
        a = -top
        spread = sum((abs(c) for c in lower[1:]), arb(0))
        R = arb(cut)
        beta = a / 2 * R ** (D - 1)
        if not (R * a >= 2 * spread and R * beta >= 2 * self.degree):
            return None
        return self.size * lower[0].exp() * 2 / beta * R**self.degree * (-beta * R).exp()


def _tail_terms(f: Expr, x: Symbol) -> list[_TailTerm]:
    terms = []
    for term in Add.make_args(f):
        if term == 0:
            continue
        size, degree, exponent = acb(1), 0, S.Zero
        for factor in Mul.make_args(term):
            if x not in factor.free_symbols:
                size *= compile_expression(factor, ())((), False)
            elif isinstance(factor, exp) or (isinstance(factor, Pow) and isinstance(factor.base, exp)):
                power = S.One if isinstance(factor, exp) else factor.exp
                argument = factor.args[0] if isinstance(factor, exp) else factor.base.args[0]
                if not (power.is_integer or (power.is_real and argument.is_real)):
                    raise NotEnclosable(f"cannot bound {factor} in the tail")
                exponent += power * argument
            elif _bounded_by_one(factor):
                continue
            elif factor.is_polynomial(x):
                poly = Poly(factor, x)
                coefficient_sizes = [abs(compile_expression(c, ())((), False)) for c in poly.all_coeffs()]
                size *= sum(coefficient_sizes, arb(0))  # |P(x)| <= Σ|c_j| x^deg for x >= 1
                degree += poly.degree()
            else:
                raise NotEnclosable(f"cannot bound the factor {factor} in the tail of an integral")
        exponent = expand(exponent)
        if not exponent.is_polynomial(x):
            raise NotEnclosable(f"cannot bound exp({exponent}) in the tail of an integral")
        coefficients = Poly(exponent, x).all_coeffs()[::-1] if exponent != 0 else [S.Zero]
        exponent_balls = tuple(compile_expression(c, ())((), False) for c in coefficients)
        terms.append(_TailTerm(abs(size), degree, exponent_balls))
    return terms


def _bounded_by_one(factor: Expr) -> bool:
    """``|sin|, |cos| <= 1`` on real arguments, and so are their nonnegative integer powers."""
    if isinstance(factor, Pow) and factor.exp.is_Integer and factor.exp >= 0:
        factor = factor.base
    return isinstance(factor, (sin, cos)) and factor.args[0].is_extended_real is True


def _upper_number(value: Expr) -> float:
    """An upper bound of a real number (for choosing a cut only; correctness is checked later)."""
    ball = compile_expression(value, ())((), False).real
    return float((ball + ball.rad()).mid()) + 1


__all__ = [
    "NotEnclosable", "enclose", "enclose_real", "certainly_nonzero", "compare",
    "Agreement", "NumericComparison", "compile_expression", "PRECISIONS",
]
