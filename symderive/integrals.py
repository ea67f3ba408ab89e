"""Exact definite integrals of the shapes a derivation meets, or a clear refusal.

Supported, for integrands made of polynomials, ``exp`` of polynomials of degree
at most 2, ``Abs``/``Heaviside`` of linear functions and ``Piecewise`` whose
conditions compare the variable with bounds (indicators such as a uniform
density):

* a bounded interval: polynomial times ``exp(linear)`` through an antiderivative
  that is checked by differentiation before it is used;
* a half-line: polynomial times ``exp(βx)`` with the sign of ``β`` proved
  (the antiderivative vanishes at the infinite end);
* the whole line or space ``ℝⁿ``: polynomial times ``exp(quadratic)`` with a
  positive-definite quadratic part, by completing the square: the shift
  ``x = Q⁻¹b + y``, the normalising constant ``(2π)^{n/2} det(Q)^{-1/2}`` and
  exact Gaussian moments of ``y ~ N(0, Q⁻¹)`` (Isserlis/Wick, in Stein's
  recursive form ``E[y_i m(y)] = Σ_j Σ_ij E[∂m/∂y_j]``).

Anything else raises :class:`NotEvaluable` (an :class:`~symderive.randomvars.Undecidable`)
with the reason: a divergent integral, an undecidable ordering of bounds, an
unsupported factor.  The evaluator never returns a value it has not derived.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable, Sequence

from sympy import (
    Abs,
    Add,
    And,
    Basic,
    Dummy,
    Expr,
    Heaviside,
    Integral,
    Matrix,
    Mul,
    Piecewise,
    Poly,
    Pow,
    Rational,
    S,
    Symbol,
    cancel,
    diff,
    exp,
    expand,
    expand_log,
    pi,
    sqrt,
)
from sympy.core.relational import Relational
from sympy.logic.boolalg import Boolean, BooleanAtom

from .randomvars import Undecidable


class NotEvaluable(Undecidable):
    """The integral is not of a supported shape, diverges, or needs a fact not given."""


Facts = Sequence[Relational]


# -- entry points ---------------------------------------------------------------


def evaluate_integrals(expr: Basic, facts: Facts = ()) -> Basic:
    """Replace every ``Integral`` in ``expr`` by its exact value, innermost first.

    ``facts`` are relations known to hold between the parameters (such as
    ``a < b`` for a uniform density); they are used only to order bounds.
    """
    return expr.replace(lambda e: isinstance(e, Integral), lambda e: evaluate_integral(e, facts))


def evaluate_integral(integral: Integral, facts: Facts = ()) -> Expr:
    """The exact value of one (possibly multiple) definite integral, or :class:`NotEvaluable`."""
    if not isinstance(integral, Integral):
        raise NotEvaluable(f"{integral} is not an integral")
    limits = []
    for limit in integral.limits:
        if len(limit) != 3:
            raise NotEvaluable(f"{integral} is not a definite integral (limits {tuple(limit)})")
        limits.append(tuple(limit))
    if len({v for v, _, _ in limits}) != len(limits):
        raise NotEvaluable(f"{integral} integrates twice over the same variable")
    integrand = evaluate_integrals(integral.function, facts)  # nested integrals first
    if len(limits) > 1 and all(_is_whole_line(lo, hi) for _, lo, hi in limits):
        try:
            return _integrate_over_space(integrand, [v for v, _, _ in limits])
        except NotEvaluable:
            pass  # not jointly Gaussian: the iterated integral below may still be evaluable
    value = integrand
    for index, (variable, lower, upper) in enumerate(limits):  # SymPy's order: innermost limit first
        outer = _interior_facts(limits[index + 1:], facts)
        value = integrate_1d(value, variable, lower, upper, (*facts, *outer))
    return value


def _interior_facts(outer_limits: Sequence[tuple[Expr, Expr, Expr]], facts: Facts) -> list[Relational]:
    """``lower < v < upper`` for each outer variable ``v`` of an iterated integral.

    The inner integral is only ever integrated over the outer ranges, so its value
    is needed for interior points only (the bounds have measure zero).
    """
    interior: list[Relational] = []
    for variable, lower, upper in outer_limits:
        order = decide_le(lower, upper, facts)
        if order is None:
            continue
        low, high = (lower, upper) if order else (upper, lower)
        for relation in (variable > low if low.is_finite is not False else S.true,
                         variable < high if high.is_finite is not False else S.true):
            if isinstance(relation, Relational):
                interior.append(relation)
    return interior


def _is_whole_line(lower: Expr, upper: Expr) -> bool:
    return lower == S.NegativeInfinity and upper == S.Infinity


# -- one variable ---------------------------------------------------------------


def integrate_1d(integrand: Expr, variable: Symbol, lower: Expr, upper: Expr, facts: Facts = ()) -> Expr:
    """``∫_lower^upper integrand d variable`` exactly, or :class:`NotEvaluable`."""
    if variable in lower.free_symbols | upper.free_symbols:
        raise NotEvaluable(f"the bounds of the integral depend on its variable {variable}")
    if lower == upper:
        return S.Zero
    # The variable runs over real numbers: say so, so that exp(q) > 0 and log(exp(q)) = q are known.
    x = Dummy(str(variable), real=True)
    f = as_piecewise(integrand.xreplace({variable: x}), x)
    decided = {c: decide_relation(c, facts) for c in _parameter_conditions(f, x)}
    f = f.xreplace({c: S.true if truth else S.false for c, truth in decided.items() if truth is not None})
    undecided = [c for c, truth in decided.items() if truth is None]
    if undecided:
        return _split_cases(f, undecided, lambda case: integrate_1d(case.xreplace({x: variable}), variable, lower, upper, facts))
    if lower.is_infinite or upper.is_infinite or _depends_piecewise(f, x):
        order = decide_le(lower, upper, facts)
        if order is None:
            raise NotEvaluable(f"cannot decide whether {lower} <= {upper}")
        if not order:
            return -integrate_1d(integrand, variable, upper, lower, facts)
    if not _depends_piecewise(f, x):
        return _integrate_smooth(f, x, lower, upper)
    total = S.Zero
    for left, right in _elementary_intervals(f, x, lower, upper, facts):
        piece = active_pieces(f, x, left, right, facts)
        total += _integrate_smooth(piece, x, left, right)
    return total


def as_piecewise(f: Expr, x: Symbol) -> Expr:
    """``f`` with ``Abs``/``Heaviside`` of linear functions as ``Piecewise`` and logs split where valid.

    ``x`` must be a real symbol.
    """

    def rewrite(node: Basic) -> Basic:
        (argument,) = node.args[:1]
        if x not in argument.free_symbols:
            return node
        if not _is_linear(argument, x):
            raise NotEvaluable(f"{node} is not of a linear function of {x}")
        if isinstance(node, Abs):
            return Piecewise((argument, argument >= 0), (-argument, True))
        return Piecewise((S.Zero, argument < 0), (S.One, True))  # the value at 0 has measure zero

    f = f.replace(lambda e: isinstance(e, (Abs, Heaviside)), rewrite)
    # Without force, expand_log only uses log(ab) = log a + log b for a, b > 0 and log(exp(q)) = q
    # for real q, so a density ratio inside a log becomes a polynomial when that is valid.
    return expand_log(f, deep=True, force=False)


MAX_CASES = 16


def _parameter_conditions(f: Expr, x: Symbol) -> list[Relational]:
    """Conditions of Piecewise in ``f`` that do not involve ``x`` (constant along the integral)."""
    found = {
        relation
        for piecewise in f.atoms(Piecewise)
        for _, condition in piecewise.args
        if not isinstance(condition, BooleanAtom)
        for relation in condition.atoms(Relational)
        if x not in relation.free_symbols
    }
    return sorted(found, key=str)


def _split_cases(f: Expr, conditions: list[Relational], integrate: Callable[[Expr], Expr]) -> Expr:
    """Integrate ``f`` once per truth assignment of the x-free ``conditions``: a Piecewise result."""
    if 2 ** len(conditions) > MAX_CASES:
        raise NotEvaluable(f"too many parameter conditions to split on: {conditions}")
    branches = []
    for truths in itertools.product((True, False), repeat=len(conditions)):
        assignment = {c: S.true if t else S.false for c, t in zip(conditions, truths)}
        literals = [c if t else c.negated for c, t in zip(conditions, truths)]
        branches.append((integrate(f.xreplace(assignment)), And(*literals)))
    return Piecewise(*branches)


def _is_linear(expr: Expr, x: Symbol) -> bool:
    return expr.is_polynomial(x) and Poly(expr, x).degree() == 1


def _depends_piecewise(f: Expr, x: Symbol) -> bool:
    return any(x in p.free_symbols for p in f.atoms(Piecewise))


# -- ordering of bounds ---------------------------------------------------------


def decide_le(a: Expr, b: Expr, facts: Facts = ()) -> bool | None:
    """Whether ``a <= b`` (True), ``a > b`` (False), or undecided (None).

    Decided by SymPy's assumptions on ``b - a`` or by one stated fact ``p < q``
    (or ``p <= q``) with ``b - a - (q - p)`` provably nonnegative.
    """
    if a == b or a == S.NegativeInfinity or b == S.Infinity:
        return True
    if a == S.Infinity or b == S.NegativeInfinity:
        return False
    if a.is_infinite or b.is_infinite:
        return None
    difference = expand(b - a)
    if difference.is_nonnegative:
        return True
    if difference.is_negative:
        return False
    for fact in facts:
        gap, strict = _gap(fact)
        if gap is None:
            continue
        if expand(difference - gap).is_nonnegative:
            return True
        if strict and expand(-difference - gap).is_nonnegative:
            return False
    return None


def decide_lt(a: Expr, b: Expr, facts: Facts = ()) -> bool | None:
    """Whether ``a < b`` (True), ``a >= b`` (False), or undecided (None); as :func:`decide_le`."""
    if a == b:
        return False
    if a == S.NegativeInfinity or b == S.Infinity:
        return None if a.is_infinite and b.is_infinite else True
    if a == S.Infinity or b == S.NegativeInfinity:
        return False
    if a.is_infinite or b.is_infinite:
        return None
    difference = expand(b - a)
    if difference.is_positive:
        return True
    if difference.is_nonpositive:
        return False
    for fact in facts:
        gap, strict = _gap(fact)
        if gap is None:
            continue
        beyond = expand(difference - gap)
        if (strict and beyond.is_nonnegative) or beyond.is_positive:
            return True
        if expand(-difference - gap).is_nonnegative:
            return False
    return None


def decide_relation(relation: Relational, facts: Facts = ()) -> bool | None:
    """The truth of ``lhs op rhs`` for ``op`` in ``<, <=, >, >=`` from :func:`decide_le`/:func:`decide_lt`."""
    lhs, rhs, op = relation.lhs, relation.rhs, relation.rel_op
    if op in (">", ">="):
        lhs, rhs, op = rhs, lhs, "<" if op == ">" else "<="
    if op == "<=":
        if decide_le(lhs, rhs, facts):
            return True
        return False if decide_lt(rhs, lhs, facts) else None
    if op == "<":
        if decide_lt(lhs, rhs, facts):
            return True
        return False if decide_le(rhs, lhs, facts) else None
    return None


def _gap(fact: Relational) -> tuple[Expr | None, bool]:
    """``q - p`` (known to be >= 0) and whether it is > 0, for a fact ``p < q`` or ``p <= q``."""
    if not isinstance(fact, Relational):
        return None, False
    if fact.rel_op in ("<", "<="):
        return expand(fact.rhs - fact.lhs), fact.rel_op == "<"
    if fact.rel_op in (">", ">="):
        return expand(fact.lhs - fact.rhs), fact.rel_op == ">"
    return None, False


def _sorted_distinct(points: Iterable[Expr], facts: Facts) -> list[Expr]:
    """Points in increasing order with equal ones merged; NotEvaluable if an order is undecided."""
    ordered: list[Expr] = []
    for point in points:
        if any(expand(existing - point) == 0 for existing in ordered):
            continue
        position = 0
        for existing in ordered:
            order = decide_le(existing, point, facts)
            if order is None:
                raise NotEvaluable(f"cannot decide the order of {existing} and {point}")
            if not order:
                break
            position += 1
        ordered.insert(position, point)
    return ordered


# -- piecewise integrands -------------------------------------------------------


@dataclass(frozen=True)
class _Atom:
    """A condition ``slope * x + offset  op  0`` with the sign of ``slope`` known."""

    relation: Relational
    breakpoint: Expr
    slope_positive: bool


def breakpoints(f: Expr, x: Symbol) -> list[Expr]:
    """The points where a condition of a ``Piecewise`` in ``f`` (linear in ``x``) changes truth."""
    return [atom.breakpoint for atom in _atoms(f, x)]


def _atoms(f: Expr, x: Symbol) -> list[_Atom]:
    atoms = []
    for piecewise in f.atoms(Piecewise):
        for _, condition in piecewise.args:
            if isinstance(condition, BooleanAtom):
                continue
            for relation in condition.atoms(Relational):
                if x in relation.free_symbols:
                    atoms.append(_atom(relation, x))
    return atoms


def _atom(relation: Relational, x: Symbol) -> _Atom:
    side = expand(relation.lhs - relation.rhs)
    if not _is_linear(side, x):
        raise NotEvaluable(f"the condition {relation} is not linear in {x}")
    slope, offset = Poly(side, x).all_coeffs()
    if slope.is_positive:
        return _Atom(relation, -offset / slope, True)
    if slope.is_negative:
        return _Atom(relation, -offset / slope, False)
    raise NotEvaluable(f"the sign of {slope} in the condition {relation} is not known")


def _elementary_intervals(f: Expr, x: Symbol, lower: Expr, upper: Expr, facts: Facts) -> list[tuple[Expr, Expr]]:
    """Consecutive points of ``[lower, upper]`` between which every condition is constant."""
    inside = []
    for atom in _atoms(f, x):
        above_lower = decide_le(lower, atom.breakpoint, facts)
        below_upper = decide_le(atom.breakpoint, upper, facts)
        if above_lower is None or below_upper is None:
            raise NotEvaluable(f"cannot place the breakpoint {atom.breakpoint} relative to [{lower}, {upper}]")
        if above_lower and below_upper:
            inside.append(atom.breakpoint)
    points = _sorted_distinct([lower, *inside, upper], facts)
    return list(zip(points, points[1:]))


def active_pieces(f: Expr, x: Symbol, left: Expr, right: Expr, facts: Facts) -> Expr:
    """``f`` on the open interval ``(left, right)``: each Piecewise in ``x`` replaced by its active branch.

    No breakpoint may lie strictly inside the interval.
    """
    truth: dict[Basic, Boolean] = {}
    for atom in _atoms(f, x):
        # On (left, right) the linear form has one sign: that of the slope right of the breakpoint.
        right_of_breakpoint = decide_le(atom.breakpoint, left, facts)
        if not right_of_breakpoint and decide_le(right, atom.breakpoint, facts) is not True:
            raise NotEvaluable(f"cannot place the breakpoint {atom.breakpoint} relative to ({left}, {right})")
        positive = atom.slope_positive == right_of_breakpoint
        truth[atom.relation] = _holds(atom.relation, positive)

    def active(piecewise: Piecewise) -> Expr:
        for expression, condition in piecewise.args:
            value = condition.xreplace(truth) if not isinstance(condition, BooleanAtom) else condition
            if value == S.true:
                return expression
            if value != S.false:
                raise NotEvaluable(f"cannot decide the condition {condition} on ({left}, {right})")
        raise NotEvaluable(f"{piecewise} is undefined on ({left}, {right})")

    return f.replace(lambda e: isinstance(e, Piecewise) and x in e.free_symbols, active)


def _holds(relation: Relational, lhs_minus_rhs_positive: bool) -> Boolean:
    """Truth of ``relation`` where ``lhs - rhs`` has the given (nonzero) sign."""
    if relation.rel_op in (">", ">="):
        return S.true if lhs_minus_rhs_positive else S.false
    if relation.rel_op in ("<", "<="):
        return S.false if lhs_minus_rhs_positive else S.true
    if relation.rel_op == "==":
        return S.false
    return S.true  # "!="


# -- smooth integrands: sums of polynomial * exp(polynomial of degree <= 2) -----


def _exp_poly_groups(f: Expr, variables: Sequence[Symbol], max_degree: int = 2) -> dict[Expr, Expr]:
    """``f = Σ_key P_key(x) exp(key(x))``: polynomial coefficients grouped by exponent.

    ``key`` is the part of the exponent that depends on the variables (total degree
    at most ``max_degree``); variable-free parts of exponents go into the coefficients.
    """
    groups: dict[Expr, Expr] = {}
    for term in Add.make_args(expand(f)):
        polynomial, exponent = S.One, S.Zero
        for factor in Mul.make_args(term):
            power, base_exponent = _exp_power(factor)
            if base_exponent is not None:
                exponent += power * base_exponent
            elif not factor.free_symbols & set(variables) or factor.is_polynomial(*variables):
                polynomial *= factor
            else:
                raise NotEvaluable(f"the factor {factor} is neither a polynomial nor exp of one")
        exponent = expand(exponent)
        if not exponent.is_polynomial(*variables):
            raise NotEvaluable(f"the exponent {exponent} is not a polynomial in {', '.join(map(str, variables))}")
        poly = Poly(exponent, *variables)
        if poly.total_degree() > max_degree:
            raise NotEvaluable(f"exp({exponent}) has degree {poly.total_degree()} > {max_degree}")
        constant = poly.coeff_monomial(1)
        key = expand(exponent - constant)
        groups[key] = groups.get(key, S.Zero) + polynomial * exp(constant)
    return groups


def _exp_power(factor: Expr) -> tuple[Expr, Expr | None]:
    """``factor = exp(q)**power`` -> ``(power, q)``; ``(1, None)`` if it is not a power of exp."""
    if isinstance(factor, exp):
        return S.One, factor.args[0]
    if isinstance(factor, Pow) and isinstance(factor.base, exp):
        q, power = factor.base.args[0], factor.exp
        # exp(q)**r = exp(r q) for integer r, and for every real r when q is real (exp(q) > 0).
        if power.is_integer or (power.is_real and q.is_real):
            return power, q
        raise NotEvaluable(f"cannot combine the power {factor}")
    return S.One, None


def _integrate_smooth(f: Expr, x: Symbol, lower: Expr, upper: Expr) -> Expr:
    if f.has(S.NaN, S.ComplexInfinity, S.Infinity, S.NegativeInfinity):
        raise NotEvaluable(f"the integrand {f} is undefined or infinite on ({lower}, {upper})")
    total = S.Zero
    for key, coefficient in _exp_poly_groups(f, [x]).items():
        polynomial = Poly(expand(coefficient), x)
        if polynomial.is_zero:
            continue
        exponent = Poly(key, x) if key != 0 else None
        degree = exponent.degree() if exponent is not None else 0
        if degree == 0:
            total += _polynomial_integral(polynomial, x, lower, upper)
        elif degree == 1:
            total += _exponential_integral(polynomial, exponent.coeff_monomial(x), x, lower, upper)
        else:
            total += _gaussian_integral_1d(polynomial, exponent, x, lower, upper)
    return total


def _polynomial_integral(polynomial: Poly, x: Symbol, lower: Expr, upper: Expr) -> Expr:
    if lower.is_infinite or upper.is_infinite:
        raise NotEvaluable(f"∫ {polynomial.as_expr()} d{x} over an unbounded interval diverges")
    antiderivative = polynomial.integrate().as_expr()
    _check_antiderivative(antiderivative, polynomial.as_expr(), x)
    return antiderivative.xreplace({x: upper}) - antiderivative.xreplace({x: lower})


def _exponential_integral(polynomial: Poly, rate: Expr, x: Symbol, lower: Expr, upper: Expr) -> Expr:
    """``∫ P(x) exp(rate x) dx`` with ``F = exp(rate x) Σ_j (-1)^j P^{(j)}(x) / rate^{j+1}``."""
    if not rate.is_nonzero:
        raise NotEvaluable(f"cannot prove that the rate {rate} in exp({rate}*{x}) is nonzero")
    derivatives, p = [], polynomial.as_expr()
    for _ in range(polynomial.degree() + 1):
        derivatives.append(p)
        p = diff(p, x)
    antiderivative = exp(rate * x) * Add(*((-1) ** j * d / rate ** (j + 1) for j, d in enumerate(derivatives)))
    _check_antiderivative(antiderivative, polynomial.as_expr() * exp(rate * x), x)

    def at(bound: Expr) -> Expr:
        if bound == S.Infinity:
            if not rate.is_negative:
                raise NotEvaluable(f"∫ ... exp({rate}*{x}) up to oo: cannot prove {rate} < 0 (else it diverges)")
            return S.Zero  # a polynomial times a decaying exponential tends to 0
        if bound == S.NegativeInfinity:
            if not rate.is_positive:
                raise NotEvaluable(f"∫ ... exp({rate}*{x}) from -oo: cannot prove {rate} > 0 (else it diverges)")
            return S.Zero
        return antiderivative.xreplace({x: bound})

    return at(upper) - at(lower)


def _check_antiderivative(antiderivative: Expr, integrand: Expr, x: Symbol) -> None:
    """Differentiate back: an antiderivative is used only if ``F' = f`` simplifies to 0."""
    residual = expand(diff(antiderivative, x) - integrand)
    if residual != 0 and cancel(expand(residual * exp(-_exponent_of(integrand, x)))) != 0:
        raise NotEvaluable(f"no verified antiderivative of {integrand}")


def _exponent_of(integrand: Expr, x: Symbol) -> Expr:
    exponents = [e.args[0] for e in integrand.atoms(exp) if x in e.free_symbols]
    return Add(*exponents)


def _gaussian_integral_1d(polynomial: Poly, exponent: Poly, x: Symbol, lower: Expr, upper: Expr) -> Expr:
    if not _is_whole_line(lower, upper):
        raise NotEvaluable(
            f"∫ P(x) exp({exponent.as_expr()}) over [{lower}, {upper}] needs erf: only the whole line is supported"
        )
    leading = exponent.coeff_monomial(x**2)
    precision = -2 * leading
    if not precision.is_positive:
        raise NotEvaluable(f"cannot prove {leading} < 0 in exp({exponent.as_expr()}): the integral may diverge")
    linear = exponent.coeff_monomial(x)
    return gaussian_integral(polynomial.as_expr(), [x], Matrix([[precision]]), Matrix([linear]), S.Zero)


# -- the whole space ℝⁿ ---------------------------------------------------------


def _integrate_over_space(f: Expr, variables: Sequence[Symbol]) -> Expr:
    """``∫_{ℝⁿ} f`` for ``f`` a sum of polynomial times exp(quadratic) with definite quadratic parts."""
    real = [Dummy(str(v), real=True) for v in variables]
    f = as_piecewise(f.xreplace(dict(zip(variables, real))), real[0])
    if f.has(S.NaN, S.ComplexInfinity, S.Infinity, S.NegativeInfinity):
        raise NotEvaluable(f"the integrand {f} is undefined or infinite somewhere")
    if any(p.has(*real) for p in f.atoms(Piecewise)):
        raise NotEvaluable("piecewise integrand over ℝⁿ: integrate one variable at a time")
    total = S.Zero
    for key, coefficient in _exp_poly_groups(f, real).items():
        polynomial = expand(coefficient)
        if polynomial == 0:
            continue
        if key == 0:
            raise NotEvaluable(f"∫ {polynomial} over ℝ^{len(real)} diverges")
        precision, linear = _quadratic_parts(Poly(key, *real))
        total += gaussian_integral(polynomial, real, precision, linear, S.Zero)
    return total


def _quadratic_parts(key: Poly) -> tuple[Matrix, Matrix]:
    """``Q`` and ``b`` with ``key = -½ xᵀQx + bᵀx`` (no constant term)."""
    n = len(key.gens)

    def unit(*indices: int) -> tuple[int, ...]:
        return tuple(sum(1 for i in indices if i == k) for k in range(n))

    precision = Matrix(n, n, lambda i, j: -key.coeff_monomial(unit(i, j)) * (2 if i == j else 1))
    linear = Matrix([key.coeff_monomial(unit(i)) for i in range(n)])
    return precision, linear


def gaussian_integral(polynomial: Expr, variables: Sequence[Symbol], Q: Matrix, b: Matrix, c: Expr) -> Expr:
    """``∫_{ℝⁿ} p(x) exp(-½ xᵀQx + bᵀx + c) dx`` for a positive-definite symmetric ``Q``.

    Completing the square with ``m = Q⁻¹b``: the exponent is ``-½ yᵀQy + ½ bᵀm + c``
    in ``y = x - m``, and ``∫ exp(-½ yᵀQy) dy = (2π)^{n/2} det(Q)^{-1/2}``, so the
    integral is that constant times ``exp(½ bᵀm + c)`` times ``E[p(m + y)]`` for
    ``y ~ N(0, Q⁻¹)``.
    """
    n = len(variables)
    Q, b = Matrix(Q), Matrix(b)
    if Q.shape != (n, n) or b.shape != (n, 1):
        raise NotEvaluable(f"Q must be {n}×{n} and b {n}×1, got {Q.shape} and {b.shape}")
    if not is_positive_definite(Q):
        raise NotEvaluable(f"cannot prove that {Q.tolist()} is symmetric positive definite")
    covariance = Q.inv()
    mean = covariance * b
    if not polynomial.is_polynomial(*variables):
        raise NotEvaluable(f"{polynomial} is not a polynomial in {', '.join(map(str, variables))}")
    shifted = [Dummy(f"y{i}") for i in range(n)]
    moved = expand(polynomial.xreplace({v: m + y for v, m, y in zip(variables, mean, shifted)}))
    expectation = _expected_polynomial(moved, shifted, covariance)
    constant = (2 * pi) ** Rational(n, 2) / sqrt(Q.det()) * exp((b.T * mean)[0, 0] / 2 + c)
    return constant * expectation


def is_positive_definite(Q: Matrix) -> bool:
    """Sylvester's criterion: ``Q`` symmetric with every leading principal minor provably > 0."""
    if not Q.is_square or any(expand(Q[i, j] - Q[j, i]) != 0 for i in range(Q.rows) for j in range(i)):
        return False
    return all(cancel(Q[:k, :k].det()).is_positive for k in range(1, Q.rows + 1))


def _expected_polynomial(polynomial: Expr, variables: Sequence[Symbol], covariance: Matrix) -> Expr:
    """``E[p(y)]`` for ``y ~ N(0, covariance)``, monomial by monomial."""
    moment = gaussian_moments(covariance)
    poly = Poly(polynomial, *variables)
    return Add(*(coefficient * moment(monomial) for monomial, coefficient in poly.terms()))


def gaussian_moments(covariance: Matrix) -> Callable[[tuple[int, ...]], Expr]:
    """``α ↦ E[Π y_i^{α_i}]`` for ``y ~ N(0, covariance)`` (Isserlis' theorem).

    Stein's identity ``E[y_i g(y)] = Σ_j Σ_ij E[∂_j g(y)]`` removes one factor at a time;
    odd total degrees vanish.
    """
    n = covariance.rows

    @lru_cache(maxsize=None)
    def moment(alpha: tuple[int, ...]) -> Expr:
        if len(alpha) != n or any(a < 0 for a in alpha):
            raise ValueError(f"a moment needs {n} nonnegative exponents, got {alpha}")
        if sum(alpha) % 2:
            return S.Zero
        if sum(alpha) == 0:
            return S.One
        i = next(k for k, a in enumerate(alpha) if a)
        rest = list(alpha)
        rest[i] -= 1
        total = S.Zero
        for j, a in enumerate(rest):
            if a:
                lowered = list(rest)
                lowered[j] -= 1
                total += covariance[i, j] * a * moment(tuple(lowered))
        return expand(total)

    return moment


__all__ = [
    "NotEvaluable", "evaluate_integral", "evaluate_integrals", "integrate_1d", "decide_le", "decide_lt",
    "decide_relation",
    "as_piecewise", "breakpoints", "active_pieces",
    "gaussian_integral", "gaussian_moments", "is_positive_definite",
]
