"""Deciding whether an exact number is zero, and showing numbers of any size."""
from __future__ import annotations

from enum import Enum

from sympy import Basic, Expr, I, Rational, S, simplify
from sympy.core.evalf import PrecisionExhausted

from ..randomvars import RandomOperator

# Undefined values: a relation between them means nothing.
UNDEFINED_ATOMS = (S.NaN, S.ComplexInfinity, S.Infinity, S.NegativeInfinity)

DIGITS = 60  # working precision of the numeric test


class Sign(str, Enum):
    ZERO = "zero"
    NONZERO = "nonzero"
    UNDEFINED = "undefined"  # nan, zoo, oo: the point is outside the domain
    UNDECIDED = "undecided"


def is_undefined(value: Basic) -> bool:
    return any(value.has(atom) for atom in UNDEFINED_ATOMS)


def classify(value: Expr) -> Sign:
    """ZERO or NONZERO only when certain; an exact number is decided exactly.

    A nonzero verdict for an irrational number needs a strict evaluation (SymPy
    raises when it cannot reach the requested relative accuracy, as for an exact
    zero), so ``exp(-100)`` is nonzero; a zero verdict needs an exact
    simplification to 0.
    """
    if is_undefined(value):
        return Sign.UNDEFINED
    if value.free_symbols or not value.is_number or value.atoms(RandomOperator):
        return Sign.UNDECIDED  # an unevaluated E[...] of numbers is not a number we know
    if value.is_Rational:
        return Sign.ZERO if value == 0 else Sign.NONZERO
    real, imaginary = value.as_real_imag() if value.has(I) else (value, S.Zero)
    if real.is_Rational and imaginary.is_Rational:
        return Sign.ZERO if real == 0 and imaginary == 0 else Sign.NONZERO
    try:
        approximate = value.evalf(DIGITS, strict=True)
        if is_undefined(approximate):
            return Sign.UNDEFINED
        if approximate.is_number and approximate != 0:
            return Sign.NONZERO
    except (PrecisionExhausted, ValueError, TypeError, ZeroDivisionError):
        pass
    try:
        simplified = simplify(value)
        if simplified == 0:
            return Sign.ZERO
        if is_undefined(simplified):
            return Sign.UNDEFINED  # 1/(sin^2 + cos^2 - 1)
    except (ValueError, TypeError, ZeroDivisionError):
        pass
    return Sign.UNDECIDED


MAX_SHOWN_DIGITS = 40


def show(value: Basic) -> str:
    """A short, always printable form: huge rationals as an approximation with their size."""
    if isinstance(value, Rational):
        digits = max(abs(value.p).bit_length(), value.q.bit_length()) * 0.30103
        if digits > MAX_SHOWN_DIGITS:
            return f"{value.evalf(15)} (a rational with about {int(digits)} digits)"
        return str(value)
    try:
        text = str(value)
    except ValueError:  # Python's limit on converting huge integers to text
        return "an expression with numbers too large to print"
    return text if len(text) <= 200 else text[:200] + "..."


def sign(value: Expr) -> int | None:
    """-1, 0 or 1 when certain for a real number; None otherwise (complex values have no order)."""
    decided = classify(value)
    if decided is Sign.ZERO:
        return 0
    if decided is not Sign.NONZERO:
        return None
    if value.is_Rational:
        return 1 if value > 0 else -1
    try:
        approximate = value.evalf(DIGITS, strict=True)
    except (PrecisionExhausted, ValueError, TypeError, ZeroDivisionError):
        return None
    if not approximate.is_real:
        real, imaginary = approximate.as_real_imag()
        if imaginary != 0:
            return None
        approximate = real
    return 1 if approximate > 0 else -1
