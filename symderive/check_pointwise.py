r"""``E[F] = E[G]`` in ``check`` because ``F = G`` for every value of the declared random vectors.

A side that is a sum of deterministic multiples of expectations and a deterministic rest,
``Σ c_i E[F_i] + d``, is read as the one expectation ``E[Σ c_i F_i + d]`` (linearity, when the
expectations written exist: the report says so).  The two integrands are then judged equal with the
random vectors as arbitrary vectors, by the verifier the built-in derivations use
(:class:`~symderive.verifiers.PointwiseUnderExpectation`), so the step is judged alike in both directions.
"""
from __future__ import annotations

from sympy import Add, Basic, Indexed, Mul, S

from .calc import VerificationFailed
from .judge import Context
from .model import Status
from .randomvars import Expect, RandomOperator
from .randomvectors import VectorModel
from .verifiers import PointwiseUnderExpectation

EXPECTATIONS_EXIST = "the expectations written exist (so E is linear across the sums written)"


def pointwise_under_expectation(left: Basic, right: Basic, context: Context) -> dict | None:
    """The step verified from its integrands, or None when it is not of that form or they are not shown equal."""
    model = context.vector_model
    if model is None or not (left.has(Expect) or right.has(Expect)):
        return None
    inside = [_one_expectation(side, model) for side in (left, right)]
    if inside[0] is None or inside[1] is None:
        return None
    try:
        verification = PointwiseUnderExpectation(context)(Expect(inside[0]), Expect(inside[1]))
    except VerificationFailed:
        return None
    proved = verification.status is Status.PROVED
    return {"verdict": "verified" if proved else "plausible", "status": verification.status.value,
            "method": verification.method, "reason": f"{verification.method} ({verification.detail})"
            if verification.detail else verification.method}


def _one_expectation(side: Basic, model: VectorModel) -> Basic | None:
    """``Σ c_i F_i + d`` for ``side = Σ c_i E[F_i] + d`` with every ``c_i`` and ``d`` deterministic; else None."""
    integrand = S.Zero
    for term in Add.make_args(side):
        factors = Mul.make_args(term)
        expectations = [f for f in factors if isinstance(f, Expect)]
        coefficient = Mul(*(f for f in factors if not isinstance(f, Expect)))
        if len(expectations) > 1 or _random(coefficient, model):
            return None
        integrand += coefficient * expectations[0].args[0] if expectations else term
    return integrand


def _random(expr: Basic, model: VectorModel) -> bool:
    """Whether ``expr`` may be random: an operator, a declared random vector, or any entry of a family."""
    return bool(expr.atoms(RandomOperator) or model.random_symbols(expr) or expr.atoms(Indexed))
