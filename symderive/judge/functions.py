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


def _unknown(node: Basic) -> Dummy:
    return Dummy("F", real=True) if node.is_real else Dummy("F")


def random_polynomials(functions: list[UndefinedFunction], rng: random.Random) -> dict[UndefinedFunction, Lambda]:
    """A random polynomial of degree 3 in each argument, with rational coefficients, per function."""
    chosen = {}
    for function in functions:
        arity = max(function.nargs) if function.nargs and function.nargs.is_finite_set else 1
        variables = tuple(Symbol(f"t{i}") for i in range(1, arity + 1)) if arity > 1 else (Symbol("t"),)
        body = Rational(rng.randint(-9, 9), rng.randint(1, 5))
        for variable in variables:
            for power in range(1, 4):
                body += Rational(rng.randint(-9, 9), rng.randint(1, 5)) * variable**power
        chosen[function] = Lambda(variables, body)
    return chosen


def with_functions(expr: Expr, functions: dict) -> Expr:
    """``expr`` with each function replaced by its polynomial, derivatives evaluated."""
    if not functions:
        return expr
    return expr.subs(functions).doit()


def show_function(function: UndefinedFunction, polynomial: Lambda) -> tuple[str, str]:
    arguments = ", ".join(map(str, polynomial.variables))
    return f"{function}({arguments})", str(polynomial.expr)
