"""Undeclared functions (``f``, ``g``, ``sigma``) are arbitrary functions.

For a proof, every distinct application ``f(a)`` and derivative ``f'(a)`` is
replaced by an independent unknown: an identity that holds for all values of
those unknowns holds for every function (applications that happen to coincide
are a special case).  For sample points, each function is replaced by a random
polynomial: agreement is evidence only, a difference is a counterexample that
names the polynomial.
"""
from __future__ import annotations

import random

from sympy import Basic, Derivative, Dummy, Expr, Lambda, Rational, Subs, Symbol
from sympy.core.function import AppliedUndef, UndefinedFunction

from .sampling import canonical_order


def functions_in(expr: Basic) -> list[UndefinedFunction]:
    """The undeclared functions applied in ``expr``, in a canonical order."""
    return sorted({application.func for application in expr.atoms(AppliedUndef)}, key=str)


def abstracted(expr: Expr) -> Expr:
    """``expr`` with every derivative of and application of an undeclared function made an unknown.

    Derivatives are written out first (``doit``), so ``(f(g(x)))'`` becomes
    ``f'(g(x)) g'(x)`` before its pieces are abstracted.
    """
    expr = expr.doit()

    def is_derivative_of_function(node: Basic) -> bool:
        inner = node.expr if isinstance(node, (Derivative, Subs)) else None
        return inner is not None and bool(inner.atoms(AppliedUndef))

    derivatives = canonical_order(node for node in expr.atoms(Derivative, Subs) if is_derivative_of_function(node))
    expr = expr.xreplace({node: _unknown(node) for node in derivatives})
    applications = canonical_order(expr.atoms(AppliedUndef))
    return expr.xreplace({a: _unknown(a) for a in applications})


_FACTS = ("real", "positive", "negative", "nonnegative", "nonpositive", "nonzero", "integer")


def _unknown(node: Basic) -> Dummy:
    """A fresh unknown with what is known of the application (``f`` declared positive, say)."""
    known = {fact: True for fact in _FACTS if getattr(node, f"is_{fact}") is True}
    return Dummy("F", **known)


def arities(expr: Basic) -> dict[UndefinedFunction, int]:
    """How many arguments each undeclared function is applied to in ``expr``."""
    found: dict[UndefinedFunction, int] = {}
    for application in expr.atoms(AppliedUndef):
        found[application.func] = max(found.get(application.func, 0), len(application.args))
    return dict(sorted(found.items(), key=lambda item: str(item[0])))


def random_polynomials(functions: dict[UndefinedFunction, int], rng: random.Random) -> dict[UndefinedFunction, Lambda]:
    """A random polynomial of degree 3 in each argument, with rational coefficients, per function."""
    chosen = {}
    for function, arity in functions.items():
        variables = tuple(Symbol(f"t{i}") for i in range(1, arity + 1)) if arity > 1 else (Symbol("t"),)
        body = Rational(rng.randint(-9, 9), rng.randint(1, 5))
        for variable in variables:
            for power in range(1, 4):
                body += Rational(rng.randint(-9, 9), rng.randint(1, 5)) * variable**power
        chosen[function] = Lambda(variables, _with_declared_sign(function(*variables), body, rng))
    return chosen


def _with_declared_sign(application: Expr, body: Expr, rng: random.Random) -> Expr:
    """A polynomial with the declared sign of the function applied (positive: a square plus a positive constant)."""
    offset = Rational(rng.randint(1, 9), rng.randint(1, 5))
    if application.is_positive:
        return body**2 + offset
    if application.is_nonnegative:
        return body**2
    if application.is_negative:
        return -(body**2) - offset
    if application.is_nonpositive:
        return -(body**2)
    if application.is_nonzero:
        return body**2 + offset
    return body


def with_functions(expr: Expr, functions: dict) -> Expr:
    """``expr`` with each function replaced by its polynomial, derivatives evaluated."""
    if not functions:
        return expr
    try:  # ``subs`` keeps a derivative taken at a point (``Subs``) well formed
        return expr.subs(functions).doit()
    except TypeError:  # SymPy's subs of a function class fails inside an Integral or a Sum: rebuild instead
        for function, polynomial in functions.items():
            expr = expr.replace(function, polynomial)
        # only the derivatives: a sum or an integral over symbolic bounds is left for the point's values
        return expr.replace(lambda e: isinstance(e, (Derivative, Subs)), lambda e: e.doit())


def show_function(function: UndefinedFunction, polynomial: Lambda) -> tuple[str, str]:
    arguments = ", ".join(map(str, polynomial.variables))
    return f"{function}({arguments})", str(polynomial.expr)
