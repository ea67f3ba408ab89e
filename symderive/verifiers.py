r"""Explicit verifiers for steps the relation judge cannot decide alone.

Each verifier is narrow and sound, says in the verification's method what it
did, never labels a step more strongly than its evidence, and raises
:class:`~symderive.calc.VerificationFailed` when it cannot verify.  They cover
gaps of the judge (reported to its owner) and the one case the judge is not
meant to decide, a cited theorem:

* :func:`by_definitions`: unfold stated definitions whose target the judge's
  :class:`~symderive.judge.Definition` cannot hold (an applied function
  ``p_Y(y)``, ``D_KL(p\|q)``, a matrix ``\Sigma := AA^\top``), then judge;
* :func:`pointwise_under_expectation`: ``E[F] = E[G]`` because ``F = G`` for
  every value of the random vector (judged with the vector an arbitrary constant);
* :func:`expectation_on_instances`: a scalar ``E[...]`` of random vectors,
  by exact Gaussian moments on instances (the check the judge runs for matrix
  expectations), deterministic non-rational constants kept as unknowns;
* :func:`pointwise_on_region`: integrals over a named region compared integrand
  by integrand, with the densities positive there as the hypotheses state;
* :func:`on_product_instances`: statements about product densities of a
  symbolic dimension, by exact integration at concrete dimensions and families;
* :func:`on_explicit_instances`: matrices written entry by entry (a diagonal
  covariance) at concrete sizes, the entries symbolic;
* :func:`by_lemma`: a step that uses a lemma derived earlier, as strong as the
  lemma's weakest step;
* :func:`theorem_application`: a step that applies a cited theorem, as strong
  as the weakest discharge of its hypotheses.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Iterable, Mapping, Sequence

from sympy import (
    Basic, Dummy, Expr, ImmutableMatrix, Integer, Lambda, MatrixExpr, Pow, Symbol, exp, expand, log, preorder_traversal,
    simplify,
)
from sympy.core.function import AppliedUndef, UndefinedFunction
from sympy.matrices import MatrixBase

from .calc import VerificationFailed, Verifier
from .densities import IntegralOver, ProductInstances
from .integrals import evaluate_integrals
from .judge import Context, judge
from .matrix_instances import InstanceStatus
from .model import Chain, Outcome, Status, Verification
from .randomvars import Expect, Undecidable
from .randomvectors import check_expectation_identity
from .rules.lemmas import lemma_instances
from .rules.theorems import TheoremRule


@dataclass(frozen=True)
class Unfolding:
    """A stated definition ``target := value``, cited by ``label``.

    ``target`` is an expression replaced exactly (``Σ``, ``D_KL(f‖g)``) or an
    undeclared function whose every application ``f(a)`` becomes ``value(a)``
    (``value`` a :class:`~sympy.Lambda`).
    """

    label: str
    target: Basic
    value: Basic

    def apply(self, expr: Basic) -> Basic:
        if isinstance(self.target, UndefinedFunction):
            if not isinstance(self.value, Lambda):
                raise TypeError(f"the definition of the function {self.target} must be a Lambda")
            return expr.replace(lambda e: isinstance(e, AppliedUndef) and e.func == self.target,
                                lambda e: self.value(*e.args))
        return expr.xreplace({self.target: self.value})


def unfold(expr: Basic, unfoldings: Sequence[Unfolding]) -> tuple[Basic, set[str]]:
    """``expr`` with the definitions unfolded (repeatedly: one may use another) and the labels used."""
    used: set[str] = set()
    for _ in range(len(unfoldings) + 1):
        changed = False
        for unfolding in unfoldings:
            new = unfolding.apply(expr)
            if new != expr:
                used.add(unfolding.label)
                expr, changed = new, True
        if not changed:
            return expr, used
    raise VerificationFailed("the definitions unfold into each other without end")


def _verified(lhs: Basic, rhs: Basic, context: Context, relation: str, what: str) -> Verification:
    verdict = judge(lhs, rhs, context, relation)
    if verdict.outcome is not Outcome.VERIFIED or verdict.verification is None:
        raise VerificationFailed(f"{what}: the judge says {verdict.outcome.value}: {verdict.reason}")
    return verdict.verification


def _with(verification: Verification, method: str, premises: Iterable[str]) -> Verification:
    return replace(verification, method=method, premises=tuple(sorted(set(verification.premises) | set(premises))))


def by_definitions(context: Context, *unfoldings: Unfolding, relation: str = "=") -> Verifier:
    """Unfold the stated definitions in both sides, then judge (the judge's own unfolding, for any target).

    With no definitions it is the judge in ``context`` (for a step that must
    be judged in another context than its chain's).
    """

    def verify(before: Basic, after: Basic) -> Verification:
        lhs, used_left = unfold(before, unfoldings)
        rhs, used_right = unfold(after, unfoldings)
        used = used_left | used_right
        verification = _verified(lhs, rhs, context, relation, "after unfolding the definitions")
        if not used:
            return verification
        verification = replace(verification, unfolded=tuple((u.label, u.target, u.value) for u in unfoldings if u.label in used))
        return _with(verification, f"definitions unfolded ({', '.join(sorted(used))}), then {verification.method}",
                     used)

    return verify


def pointwise_under_expectation(context: Context, *unfoldings: Unfolding) -> Verifier:
    """``E[F] = E[G]`` from ``F = G`` judged for every value of the random vectors.

    Sound because an identity between the integrands at every point gives equal
    expectations; the random vectors are ordinary matrices in the judgement.
    """

    def verify(before: Basic, after: Basic) -> Verification:
        lhs, used_left = unfold(before, unfoldings)
        rhs, used_right = unfold(after, unfoldings)
        if not (isinstance(lhs, Expect) and isinstance(rhs, Expect)):
            raise VerificationFailed("a pointwise step needs one expectation on each side")
        plain = replace(context, vector_model=None)
        verification = _verified(lhs.args[0], rhs.args[0], plain, "=", "the integrands")
        cites = (context.vector_model.cites,) if context.vector_model and context.vector_model.cites else ()
        return _with(verification, f"pointwise identity under E (for every value of the random vector), "
                                   f"by {verification.method}", used_left | used_right | set(cites))

    return verify


def expectation_on_instances(context: Context) -> Verifier:
    """Scalar expectations of declared random vectors, by exact Gaussian moments on instances.

    Deterministic scalar constants that are not rational at an instance (a
    ``log det``) are replaced by unknowns first, the same unknown for the same
    constant on both sides: an identity for every value of them holds for theirs.
    """
    model = context.vector_model
    if model is None:
        raise ValueError("expectations of random vectors need the context's vector model")

    def verify(before: Basic, after: Basic) -> Verification:
        constants = _irrational_constants((before, after), model.random_symbols)
        taken = {s.name for side in (before, after) for s in side.free_symbols}
        names = (f"c_{k}" for k in range(len(taken) + len(constants) + 1) if f"c_{k}" not in taken)
        unknowns = {c: Symbol(next(names), real=True) for c in constants}  # drawn at random by the check
        lhs, rhs = before.xreplace(unknowns), after.xreplace(unknowns)
        result = check_expectation_identity(lhs, rhs, model, context.matrix_facts, context.seed)
        if result.status is not InstanceStatus.EQUAL:
            raise VerificationFailed(f"expectation on instances: {result.status.value}: {result.reason}")
        sizes = "; ".join(", ".join(f"{k} = {v}" for k, v in round_.items()) for round_ in result.sizes)
        kept = f", {len(unknowns)} constant(s) kept as unknowns" if unknowns else ""
        cites = (model.cites,) if model.cites else ()
        return Verification(Status.PROVED_ON_INSTANCES, "exact Gaussian moments on instances",
                            f"exact at {sizes}{kept}", cites)

    return verify


def _irrational_constants(sides: Sequence[Basic], random_symbols: Callable[[Basic], set]) -> list[Basic]:
    """Maximal deterministic scalar sub-expressions built with ``log``, ``exp`` or a fractional power."""
    found: list[Basic] = []
    for side in sides:
        for node in preorder_traversal(side):
            if any(node.has(c) for c in found) or isinstance(node, MatrixExpr) or not isinstance(node, Expr):
                continue
            if _transcendental(node) and not random_symbols(node) and node not in found:
                found.append(node)
    return found


def _transcendental(node: Basic) -> bool:
    return isinstance(node, (log, exp)) or (isinstance(node, Pow) and not node.exp.is_Integer)


def pointwise_on_region(context: Context, positive: Sequence[UndefinedFunction], because: str) -> Verifier:
    """Integrals over the same named regions, compared integrand by integrand.

    The two sides must agree outside their :class:`IntegralOver` nodes (which
    are paired in order, same variable and region); each pair of integrands is
    judged with the applications of the ``positive`` functions at the
    integration variable replaced by positive unknowns: on the region they are
    positive, as the stated hypothesis ``because`` says.
    """

    def verify(before: Basic, after: Basic) -> Verification:
        left, right = _integrals(before), _integrals(after)
        if len(left) != len(right) or not left:
            raise VerificationFailed("the two sides do not have matching integrals over regions")
        skeleton = {node: Dummy("I") for node in left}
        skeleton.update({node: skeleton[l] for l, node in zip(left, right)})
        if before.xreplace({n: skeleton[n] for n in left}) != after.xreplace({n: skeleton[n] for n in right}):
            raise VerificationFailed("the two sides differ outside their integrals")
        weakest: Verification | None = None
        for l, r in zip(left, right):
            if (l.variable, l.region) != (r.variable, r.region):
                raise VerificationFailed(f"{l} and {r} integrate over different variables or regions")
            values = {a: Dummy("F", positive=True) for a in (l.integrand.atoms(AppliedUndef) |
                      r.integrand.atoms(AppliedUndef)) if a.func in positive and a.args == (l.variable,)}
            verification = _verified(l.integrand.xreplace(values), r.integrand.xreplace(values), context, "=",
                                     "the integrands")
            if weakest is None or verification.status.strength < weakest.status.strength:
                weakest = verification
        assert weakest is not None
        return _with(weakest, f"integrands equal on the region, by {weakest.method}", (because,))

    return verify


def _integrals(expr: Basic) -> list[IntegralOver]:
    return [node for node in preorder_traversal(expr) if isinstance(node, IntegralOver)]


def on_product_instances(instances: ProductInstances, sizes: Sequence[int], describe: str,
                         premises: Sequence[str] = ()) -> Verifier:
    """Both sides at each concrete dimension and family of marginals, integrated exactly and compared.

    ``describe`` names the families (for the record).  Values are cached by
    expression and size: a chain's steps share their sides.
    """
    cache: dict[tuple[Basic, int], Expr] = {}

    def value(expr: Basic, size: int) -> Expr:
        key = (expr, size)
        if key not in cache:
            try:
                cache[key] = evaluate_integrals(instances.at(expr, size))
            except (Undecidable, ValueError) as exc:
                raise VerificationFailed(f"not evaluable at d = {size}: {exc}") from None
        return cache[key]

    def verify(before: Basic, after: Basic) -> Verification:
        for size in sizes:
            difference = simplify(expand(value(before, size) - value(after, size)))
            if difference != 0:
                raise VerificationFailed(f"the two sides differ by {difference} at d = {size} ({describe})")
        shown = ", ".join(map(str, sizes))
        return Verification(Status.PROVED_ON_INSTANCES, "exact integration on instances",
                            f"exact at d in {{{shown}}} with {describe}", tuple(premises))

    return verify


def on_explicit_instances(size: Basic, sizes: Sequence[int],
                          matrices: Callable[[int], Mapping[MatrixExpr, ImmutableMatrix]],
                          premises: Sequence[str] = ()) -> Verifier:
    """Both sides at each concrete ``size`` with the given explicit matrices (entries may be symbols),
    evaluated and compared exactly: evidence at those sizes, other symbols kept symbolic."""

    def at(expr: Basic, n: int) -> Expr:
        sized = expr.xreplace({size: Integer(n)})
        explicit = {symbol.xreplace({size: Integer(n)}): value for symbol, value in matrices(n).items()}
        value = sized.xreplace(explicit).doit()
        return value[0, 0] if isinstance(value, MatrixBase) and value.shape == (1, 1) else value

    def verify(before: Basic, after: Basic) -> Verification:
        for n in sizes:
            difference = simplify(at(before, n) - at(after, n))
            if difference != 0:
                raise VerificationFailed(f"the two sides differ by {difference} at {size} = {n}")
        shown = ", ".join(map(str, sizes))
        return Verification(Status.PROVED_ON_INSTANCES, "exact evaluation with explicit matrices",
                            f"exact at {size} in {{{shown}}}, the entries kept symbolic", tuple(premises))

    return verify


def by_lemma(lemma: Chain, substitutions: Sequence[Mapping[Basic, Basic]], label: str) -> Verifier:
    """A step that replaces instances of a derived lemma's start by its end: as strong as the lemma's weakest step."""
    instances = lemma_instances(lemma, substitutions)

    def verify(before: Basic, after: Basic) -> Verification:
        if not lemma.steps or before.xreplace(instances) != after:
            raise VerificationFailed(f"the step is not an instance of the lemma '{lemma.heading}'")
        weakest = min(lemma.steps, key=lambda s: s.verification.status.strength).verification
        premises = {p for step in lemma.steps for p in step.verification.premises}
        return Verification(weakest.status, "the derived lemma, instantiated",
                            f"as strong as the lemma's weakest step ({weakest.method}: {weakest.detail})",
                            tuple(sorted(premises | {label})))

    return verify


def theorem_application(rule: TheoremRule) -> Verifier:
    """A step applying a cited theorem: the step must be the theorem's conclusion, every hypothesis
    discharged; the status is that of the weakest discharge (a hypothesis taken from the stated
    assumptions is a premise, cited by its label)."""

    def verify(before: Basic, after: Basic) -> Verification:
        missing = rule.missing()
        if missing:
            raise VerificationFailed(f"{rule.name}: hypotheses not discharged: {', '.join(missing)}")
        if rule.transform(before) != after:
            raise VerificationFailed(f"the step is not the conclusion of {rule.name}")
        weakest = min((d.status for d in rule.discharges), key=lambda s: s.strength)
        detail = "; ".join(f"{d.hypothesis}: {'checked' if d.checked else 'assumed'}"
                           + (f" ({d.status.value})" if d.checked else "") for d in rule.discharges)
        cited = [label for d in rule.discharges if not d.checked
                 for label in d.method.removeprefix("assumed: ").split(", ")]
        cited += [p for d in rule.discharges for p in d.premises]
        return Verification(weakest, f"application of a cited theorem ({rule.name}), its hypotheses discharged",
                            detail, tuple(dict.fromkeys([rule.name, *cited])))

    return verify


__all__ = [
    "Unfolding", "unfold", "by_definitions", "pointwise_under_expectation", "expectation_on_instances",
    "pointwise_on_region", "on_product_instances", "on_explicit_instances", "by_lemma", "theorem_application",
]
