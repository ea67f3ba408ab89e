r"""What ``check`` knows about declared probability densities (``density f, g on \mathbb{R}^d : positive``).

* ``E[h(\alpha)]`` for ``random \alpha ~ f`` is ``\int_R h(\alpha) f(\alpha) d\alpha`` over ``f``'s region ``R``;
* ``\int_R f(\alpha) d\alpha`` is 1;
* integrals over the same region are equal when their integrands are, judged where the densities
  declared positive on that region are positive (:class:`~symderive.verifiers.PointwiseOnRegion`);
* ``\int_R f \varphi(Z) \geq \varphi(\int_R f Z)``: Jensen's inequality, with ``\varphi`` convex on
  ``t > 0`` and ``Z > 0`` on the region proved here, ``f`` a probability density cited from its
  directive, and the integrals assumed to exist (:class:`~symderive.verifiers.JensenOnRegion`).

The same theorem objects check the built-in derivations, so a step is judged alike in both directions.
"""
from __future__ import annotations

from typing import Sequence

from sympy import Basic, Dummy, Indexed, Lambda, MatrixSymbol, S, Symbol, log, preorder_traversal
from sympy.matrices.expressions import MatrixExpr

from .calc import VerificationFailed
from .densities import KL, IntegralOver, Region
from .judge import Context
from .latex_in.notation import Declarations, DensityLaw, Rewrite
from .model import Status, Verification
from .randomvars import Expect, RandomOperator
from .rules import RuleNotApplicable
from .verifiers import JensenOnRegion, PointwiseOnRegion

INTEGRALS_EXIST = "the integrals written exist and are finite (Jensen's inequality needs it)"


def unfold_densities(expr: Basic, declarations: Declarations, masses: bool = True) -> tuple[Basic, tuple[str, ...]]:
    """``E[…]`` against a declared density as its integral, and (``masses``) a density's total mass as 1 and
    an integral of 0 as 0; the labels used."""
    if not declarations.densities:
        return expr, ()
    used: list[str] = []
    variables = {declarations.symbols[name]: (declarations.densities[density], label)
                 for name, (density, label) in declarations.density_variables.items()
                 if name in declarations.symbols and density in declarations.densities}
    random_bases = {family.base for family in declarations.random_families}

    def expectation(node: Basic) -> Basic:
        inner = node.args[0]
        present = [v for v in variables if inner.has(v)]
        if len(present) != 1 or isinstance(inner, MatrixExpr) or inner.atoms(RandomOperator) or inner.has(
                MatrixSymbol) or any(e.base in random_bases for e in inner.atoms(Indexed)):
            return node  # another random quantity, or a vector: not an integral against one density
        law, label = variables[present[0]]
        used.extend((label, law.label))
        return IntegralOver(inner * law.function(present[0]), present[0], law.region)

    def mass(node: Basic) -> Basic:
        if node.integrand == 0:  # D_KL(f || f) is ∫ f log 1
            return S.Zero
        law = _density_integrated(node, declarations)
        if law is None:
            return node
        used.append(law.label)
        return S.One

    def divergence(node: Basic) -> Basic:
        p, q, over = node.args
        laws = [_law_of(side, declarations) for side in (p, q)]
        if len(over) != 1 or None in laws or laws[0].region != laws[1].region or not all(
                law.positive for law in laws) or not p.args == q.args == over.args:
            return node  # only where both are positive is D_KL(p || q) this integral (and finite or +oo)
        used.extend(law.label for law in laws)
        return IntegralOver(p * log(p / q), over[0], laws[0].region)

    if variables and expr.has(Expect):
        expr = expr.replace(lambda e: isinstance(e, Expect), expectation)
    if expr.has(KL):
        expr = expr.replace(lambda e: isinstance(e, KL), divergence)
    if masses and expr.has(IntegralOver):
        expr = expr.replace(lambda e: isinstance(e, IntegralOver), mass)
    return expr, tuple(dict.fromkeys(used))


def left_under_operators(left: Basic, right: Basic, declarations: Declarations) -> dict | None:
    """Why a relation is not judged: a variable with a declared density still under ``E``/``Var``/``Cov`` after
    unfolding (beside another random quantity, or under ``Var``): the moment rules would take it for a constant
    (``E[\\alpha X^2] = \\alpha`` for ``X ~ N(0, 1)``); None if there is none."""
    variables = {declarations.symbols[name] for name in declarations.density_variables if name in declarations.symbols}
    names = sorted({str(v) for side in (left, right) for operator in side.atoms(RandomOperator)
                    for v in variables & operator.free_symbols})
    if not names:
        return None
    return {"verdict": "unknown", "reason": f"{', '.join(names)} (with a declared density) under E/Var/Cov together "
            "with other random quantities, or under Var/Cov, is not judged: only E[h] of that one variable is "
            "read (as an integral against its density)"}


def declared_positive(declarations: Declarations) -> frozenset[str]:
    """The names of the functions declared positive densities (a counterexample must keep them positive)."""
    return frozenset(law.function.__name__ for law in declarations.densities.values() if law.positive)


def _law_of(application: Basic, declarations: Declarations) -> DensityLaw | None:
    """The declared law of ``f(x)`` when ``f`` is a declared density."""
    for law in declarations.densities.values():
        if application.func == law.function:
            return law
    return None


def _density_integrated(node: IntegralOver, declarations: Declarations) -> DensityLaw | None:
    for law in declarations.densities.values():
        if node.region == law.region and node.integrand == law.function(node.variable):
            return law
    return None


_BOUND = Dummy("alpha", real=True)  # one name for every integral's variable, so that ∫ h(x) dx is ∫ h(α) dα


def _renamed(expr: Basic) -> Basic:
    """Each integral over a region in the same bound variable (nested ones are left as written)."""
    def rename(node: Basic) -> Basic:
        variable = node.variable
        if not isinstance(variable, Symbol) or node.integrand.has(IntegralOver) or node.integrand.has(_BOUND):
            return node
        return IntegralOver(node.integrand.xreplace({variable: _BOUND}), _BOUND, node.region)

    return expr.replace(lambda e: isinstance(e, IntegralOver), rename)


def _integrals(expr: Basic) -> list[IntegralOver]:
    return [node for node in preorder_traversal(expr) if isinstance(node, IntegralOver)]


def _positive_on(region: Region, declarations: Declarations) -> tuple[tuple, str]:
    """The density functions declared positive on ``region``, and the labels saying so."""
    laws = [law for law in declarations.densities.values() if law.positive and law.region == region]
    return tuple(law.function for law in laws), ", ".join(dict.fromkeys(law.label for law in laws))


def _outcome(verification: Verification, reason: str) -> dict:
    proved = verification.status is Status.PROVED
    return {"verdict": "verified" if proved else "plausible", "status": verification.status.value,
            "method": verification.method, "reason": reason}


def integrands_equal(left: Basic, right: Basic, declarations: Declarations, context: Context) -> dict | None:
    """Both sides the same but for integrals over one region whose integrands are equal there; None if not shown."""
    integrals = _integrals(left) + _integrals(right)
    regions = {node.region for node in integrals}
    if not integrals or len(regions) != 1:
        return None
    positive, because = _positive_on(regions.pop(), declarations)
    left, right = _renamed(left), _renamed(right)
    try:
        verification = PointwiseOnRegion(context, positive, because)(left, right)
    except VerificationFailed:
        return None
    names = ", ".join(f.name for f in positive)
    where = f" ({names} positive there: {because})" if positive else ""
    return _outcome(verification, f"{verification.method}{where}")


def jensen(left: Basic, right: Basic, sign: str, declarations: Declarations, context: Context) -> dict | None:
    """``∫_R f φ(Z) >= φ(∫_R f Z)`` (or the same read from the right) by Jensen's inequality; None if not shown.

    ``left`` and ``right`` with expectations unfolded but not masses (``-log E[g/f]`` must stay
    ``-log ∫ f·(g/f)``, not become ``-log 1``)."""
    if sign == ">=":
        integral, outer = left, right
    elif sign == "<=":
        integral, outer = right, left
    else:
        return None  # Jensen gives >= only, never a strict inequality
    inner = set(_integrals(outer))  # the one average, maybe written more than once (E[Z] log E[Z])
    if not isinstance(integral, IntegralOver) or len(inner) != 1:
        return None
    (average,) = inner
    variable, region = integral.variable, integral.region
    if (average.variable, average.region) != (variable, region):
        return None
    t = Dummy("t", real=True)
    phi = Lambda(t, outer.xreplace({average: t}))
    if phi.expr.has(variable) or phi.expr.has(IntegralOver):
        return None
    positive, because = _positive_on(region, declarations)
    for law in declarations.densities.values():
        if law.region != region:
            continue
        density = law.function(variable)
        z = average.integrand / density
        if density * z != average.integrand:  # then φ(∫ f z) is not the right side as written
            continue
        application = JensenOnRegion(phi, (t > 0,), density, z, variable, region, positive, because,
                                     (("probability density", law.label), ("integrable", INTEGRALS_EXIST)))
        try:
            verification = application(integral, application.rule.transform(integral))
        except (VerificationFailed, RuleNotApplicable):
            continue
        shown = phi.expr.xreplace({t: Symbol("t")})
        names = ", ".join(f.name for f in positive)
        return _outcome(verification, f"Jensen's inequality: {law.function.name} a probability density on "
                        f"{region.name} (cited: {law.label}); phi(t) = {shown} convex for t > 0 (checked: phi'' >= 0); "
                        f"{z} > 0 on {region.name} (checked: {names} positive there, {because}); the integrals "
                        "assumed to exist")
    return None


def constrains_density_variables(constraints: Sequence[Rewrite], declarations: Declarations) -> bool:
    """Whether a hypothesis in force names a variable drawn from a density (``assume x = Y`` makes the
    densities of x and Y equal, which concrete densities chosen for the functions alone would not respect)."""
    drawn = {declarations.symbols[name] for name in declarations.density_variables if name in declarations.symbols}
    return any((c.target.free_symbols | c.value.free_symbols) & drawn for c in constraints)
