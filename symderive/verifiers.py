r"""Verifiers for steps the relation judge does not decide alone, recorded as re-runnable evidence.

Each verifier is a frozen dataclass holding exactly the inputs it needs
(expressions, contexts and chains by reference), so a JSON transcript records
it as the step's evidence (:data:`symderive.render.json.EVIDENCE`) and
``symderive verify`` rebuilds it and runs it again: its checks are re-run and its
chains re-judged, nothing it concluded is read back from the file.  Each says in
its verification's method what it did, never labels a step more strongly than
its evidence, and raises :class:`~symderive.calc.VerificationFailed` when it
cannot verify.  The judge's own gaps they cover are reported to its owner:

* :class:`PointwiseUnderExpectation`: ``E[F] = E[G]`` because ``F = G`` for
  every value of the random vector (judged with the vector an arbitrary matrix);
* :class:`PointwiseOnRegion`: integrals over the same named regions, compared
  integrand by integrand where the densities are positive;
* :class:`OnProductInstances`: statements about product densities of a symbolic
  dimension, by exact integration at concrete dimensions and families;
* :class:`OnExplicitInstances`: matrices written entry by entry (a diagonal
  covariance) at concrete sizes, the entries symbolic;
* :class:`ByLemma`: a step that uses a lemma derived in another chain, as
  strong as the lemma's weakest step;
* :class:`TheoremApplication` (:class:`AffineChangeOfVariables`,
  :class:`JensenOnRegion`, :class:`MassOnSubset`): a step that applies a cited
  theorem, the step checked to be its conclusion instantiated and every
  hypothesis discharged by a check run here or cited from a stated assumption.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from typing import ClassVar, Iterable

from sympy import (
    Basic, Derivative, Dummy, Expr, ImmutableMatrix, Integer, Integral, Lambda, MatrixSymbol, Product, S, Subs, Sum,
    Symbol, expand, log, preorder_traversal, simplify,
)
from sympy.core.function import AppliedUndef, UndefinedFunction
from sympy.matrices import MatrixBase

from .calc import VerificationFailed
from .densities import KL, WHOLE_LINE, Density, IntegralOver, ProductInstances, Region, total_mass
from .integrals import NotEvaluable, evaluate_integrals
from .judge import Context, judge
from .model import Chain, Outcome, Status, Verification
from .randomvars import Expect, Undecidable
from .rules import RuleNotApplicable
from .rules.densities import CHANGE_OF_VARIABLES, affine_change_of_variables, check_affine, check_convex
from .rules.kl import (
    JENSEN_ON_A_REGION, MASS_ON_A_SUBSET, check_decreasing, check_values_in_domain, jensen_on_region, mass_at_most_one,
)
from .rules.theorems import Discharge, Theorem, TheoremRule, assumed


def _verified(lhs: Basic, rhs: Basic, context: Context, what: str) -> Verification:
    verdict = judge(lhs, rhs, context)
    if verdict.outcome is not Outcome.VERIFIED or verdict.verification is None:
        raise VerificationFailed(f"{what}: the judge says {verdict.outcome.value}: {verdict.reason}")
    return verdict.verification


def _sorted_labels(*groups: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set().union(*map(set, groups))))


# -- pointwise identities -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PointwiseUnderExpectation:
    """``E[F] = E[G]`` from ``F = G`` judged for every value of the random vectors.

    Sound because an identity between the integrands at every point gives equal
    expectations: the random vectors are arbitrary matrices in that judgement.
    """

    context: Context

    relation: ClassVar[str] = "="  # what it shows between the step's sides

    def __call__(self, before: Basic, after: Basic) -> Verification:
        if not (isinstance(before, Expect) and isinstance(after, Expect)):
            raise VerificationFailed("a pointwise step needs one expectation on each side")
        plain = replace(self.context, vector_model=None)
        verification = _verified(before.args[0], after.args[0], plain, "the integrands")
        model = self.context.vector_model
        cites = (model.cites,) if model is not None and model.cites else ()
        return Verification(verification.status, f"pointwise identity under E (for every value of the random "
                            f"vector), by {verification.method}", verification.detail,
                            _sorted_labels(verification.premises, cites), evidence=self)


@dataclass(frozen=True)
class PointwiseOnRegion:
    """Integrals over the same named regions, compared integrand by integrand.

    The two sides must agree outside their :class:`IntegralOver` nodes (paired
    in order, same variable and region); each pair of integrands is judged with
    the applications of the ``positive`` functions at the integration variable
    replaced by positive unknowns: on the region they are positive, as the
    stated hypothesis ``because`` says.
    """

    context: Context
    positive: tuple[UndefinedFunction, ...]
    because: str

    relation: ClassVar[str] = "="  # what it shows between the step's sides

    def __call__(self, before: Basic, after: Basic) -> Verification:
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
            values = _positive_values((l.integrand, r.integrand), self.positive, l.variable)
            verification = _verified(l.integrand.xreplace(values), r.integrand.xreplace(values), self.context,
                                     "the integrands")
            if weakest is None or verification.status.strength < weakest.status.strength:
                weakest = verification
        assert weakest is not None
        return Verification(weakest.status, f"integrands equal on the region, by {weakest.method}", weakest.detail,
                            _sorted_labels(weakest.premises, (self.because,)), evidence=self)

    def stated(self) -> tuple[str, ...]:
        functions = ", ".join(sorted(f.name for f in self.positive))
        return (f"{self.because}: {functions} positive on the region of integration",)


def _integrals(expr: Basic) -> list[IntegralOver]:
    return [node for node in preorder_traversal(expr) if isinstance(node, IntegralOver)]


_OF_THE_FUNCTION = (Derivative, Subs, Integral, IntegralOver, KL, Sum, Product)  # values at other points, or slopes


def _positive_values(exprs: Iterable[Basic], positive: tuple[UndefinedFunction, ...],
                     variable: Basic) -> dict[Basic, Dummy]:
    """Each application ``f(variable)`` of a ``positive`` function as a positive unknown, except where it stands
    under a derivative, a substitution, an integral, a divergence or a sum: there it is the function, not one value
    (``∂f(α)/∂α`` with ``f(α)`` a constant would be 0)."""
    applications: set[Basic] = set()
    for expr in exprs:
        applications |= expr.atoms(AppliedUndef)
        for node in expr.atoms(*_OF_THE_FUNCTION):
            applications -= node.atoms(AppliedUndef)
    return {a: Dummy(a.func.name, positive=True) for a in applications
            if a.func in positive and a.args == (variable,)}


# -- exact checks on instances -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OnProductInstances:
    """Both sides at each concrete dimension and family of marginals, integrated exactly and compared."""

    instances: ProductInstances
    sizes: tuple[int, ...]
    premises: tuple[str, ...] = ()

    relation: ClassVar[str] = "="  # what it shows between the step's sides

    def __call__(self, before: Basic, after: Basic) -> Verification:
        if not self.sizes:
            raise VerificationFailed("no dimension to check at")
        instances = self.instances
        applied = {a.func for side in (before, after) for a in side.atoms(AppliedUndef)}
        if instances.d not in before.free_symbols | after.free_symbols or not {instances.f, instances.g} & applied:
            raise VerificationFailed(f"the step is not about {instances.f}, {instances.g} in dimension {instances.d}")
        for f_j, g_j in instances.families:
            _check_marginals(f_j, g_j)
        for size in self.sizes:
            difference = simplify(expand(_integrated(self.instances, before, size)
                                         - _integrated(self.instances, after, size)))
            if difference != 0:
                raise VerificationFailed(f"the two sides differ by {difference} at d = {size} ({self.families()})")
        shown = ", ".join(map(str, self.sizes))
        return Verification(Status.PROVED_ON_INSTANCES, "exact integration on instances",
                            f"exact at {self.instances.d} in {{{shown}}} with {self.families()}",
                            tuple(self.premises), evidence=self)

    def families(self) -> str:
        f, g = self.instances.f.name, self.instances.g.name
        pairs = ", ".join(f"({p.name}, {q.name})" for p, q in self.instances.families)
        numbers = ", ".join(str(j) for j in range(1, len(self.instances.families) + 1))
        return f"({f}_j, {g}_j) = {pairs} for j = {numbers}"

    def stated(self) -> tuple[str, ...]:
        return (f"checked with the marginals {self.families()}",)


@lru_cache(maxsize=64)  # the steps of a chain share their families
def _check_marginals(f_j: Density, g_j: Density) -> None:
    """Each a probability density of one variable (nonnegative, total mass 1), ``supp f_j ⊆ supp g_j``:
    else an instance would check the step for functions the statement is not about."""
    for density in (f_j, g_j):
        if len(density.variables) != 1 or len(density.support) != 1:
            raise VerificationFailed(f"{density.name} is not a density of one variable")
        (variable,) = density.variables
        if any(hypothesis is not S.true for hypothesis in density.hypotheses):
            raise VerificationFailed(f"{density.name}: its parameters are not concrete values that make it a density")
        if density.expr.xreplace({variable: Dummy("t", real=True)}).is_nonnegative is not True:
            raise VerificationFailed(f"{density.name} is not shown nonnegative")
        try:
            mass = simplify(total_mass(density))
        except (NotEvaluable, ValueError) as exc:
            raise VerificationFailed(f"the total mass of {density.name} is not evaluable: {exc}") from None
        if mass != 1:
            raise VerificationFailed(f"{density.name} has total mass {mass}, not 1")
    (f_low, f_high), (g_low, g_high) = f_j.support[0], g_j.support[0]
    if not ((g_low <= f_low) is S.true and (f_high <= g_high) is S.true):
        raise VerificationFailed(f"the support of {f_j.name} is not inside that of {g_j.name}")


@lru_cache(maxsize=64)  # a chain's steps share their sides
def _integrated(instances: ProductInstances, expr: Basic, size: int) -> Expr:
    try:
        return evaluate_integrals(instances.at(expr, size))
    except (Undecidable, ValueError) as exc:
        raise VerificationFailed(f"not evaluable at d = {size}: {exc}") from None


@dataclass(frozen=True)
class ExplicitMatrix:
    """``symbol`` written entry by entry: entry ``(i, j)`` (from 1) is ``entry(i, j)``."""

    symbol: MatrixSymbol
    entry: Lambda

    def at(self, size: Symbol, n: int) -> tuple[MatrixSymbol, ImmutableMatrix]:
        sized = self.symbol.xreplace({size: Integer(n)})
        rows, columns = sized.shape
        if not (rows.is_Integer and columns.is_Integer) or len(self.entry.variables) != 2:
            raise VerificationFailed(f"{self.symbol} has no concrete shape at {size} = {n}, or its entries "
                                     "are not a function of (i, j)")
        return sized, ImmutableMatrix(int(rows), int(columns), lambda i, j: self.entry(i + 1, j + 1))


@dataclass(frozen=True)
class OnExplicitInstances:
    """Both sides at each concrete ``size`` with the given explicit matrices (entries may be symbols),
    evaluated and compared exactly: evidence at those sizes, other symbols kept symbolic."""

    size: Symbol
    sizes: tuple[int, ...]
    matrices: tuple[ExplicitMatrix, ...]
    premises: tuple[str, ...] = ()

    relation: ClassVar[str] = "="  # what it shows between the step's sides

    def _at(self, expr: Basic, n: int) -> Expr:
        explicit = dict(matrix.at(self.size, n) for matrix in self.matrices)
        value = expr.xreplace({self.size: Integer(n)}).xreplace(explicit).doit()
        return value[0, 0] if isinstance(value, MatrixBase) and value.shape == (1, 1) else value

    def __call__(self, before: Basic, after: Basic) -> Verification:
        if not self.sizes:
            raise VerificationFailed("no size to check at")
        mentioned = _leaves(before) | _leaves(after)
        absent = [m.symbol for m in self.matrices if m.symbol not in mentioned]
        if self.size not in mentioned or absent or not self.matrices:
            raise VerificationFailed(f"the step is not about {', '.join(map(str, absent)) or 'its explicit matrices'} "
                                     f"of size {self.size}")
        for n in self.sizes:
            difference = simplify(self._at(before, n) - self._at(after, n))
            if difference != 0:
                raise VerificationFailed(f"the two sides differ by {difference} at {self.size} = {n}")
        shown = ", ".join(map(str, self.sizes))
        return Verification(Status.PROVED_ON_INSTANCES, "exact evaluation with explicit matrices",
                            f"exact at {self.size} in {{{shown}}}, the entries kept symbolic", tuple(self.premises),
                            evidence=self)

    def stated(self) -> tuple[str, ...]:
        entries = "; ".join(f"{m.symbol}[{', '.join(map(str, m.entry.variables))}] = {m.entry.expr}"
                            for m in self.matrices)
        return (f"{', '.join(self.premises) or 'stated'}: {entries} (entries from 1)",)


# -- lemmas -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ByLemma:
    """A step that replaces instances of a derived lemma's start by its end: as strong as the lemma's weakest step.

    The lemma must be a chain judged in the step's ``context`` on no hypotheses
    of its own, and only its generic constants may be substituted (symbols no
    stated premise says anything about), by values free of random vectors.
    """

    lemma: Chain
    substitutions: tuple[tuple[tuple[Basic, Basic], ...], ...]
    label: str
    context: Context

    relation: ClassVar[str] = "="  # what it shows between the step's sides

    def instances(self) -> dict[Basic, Basic]:
        """``start -> end`` of the lemma under each substitution of its generic constants."""
        return {self.lemma.start.xreplace(dict(s)): self.lemma.end.xreplace(dict(s)) for s in self.substitutions}

    def __call__(self, before: Basic, after: Basic) -> Verification:
        lemma = self.lemma
        if not lemma.steps or lemma.hypotheses:
            raise VerificationFailed(f"the lemma '{lemma.heading}' has no steps or rests on hypotheses of its own")
        if any(step.relation != "=" for step in lemma.steps):  # a bound may not be used as a rewrite
            raise VerificationFailed(f"the lemma '{lemma.heading}' is not a chain of equalities")
        if lemma.context is None or lemma.context != self.context:
            raise VerificationFailed(f"the lemma '{lemma.heading}' was judged in another context than this step")
        constrained = _constrained_symbols(self.context)
        for substitution in self.substitutions:
            for constant, value in substitution:
                if constant in constrained or constant not in _leaves(lemma.start):
                    raise VerificationFailed(f"{constant} is not a generic constant of the lemma")
                if _random_symbols(self.context, value):
                    raise VerificationFailed(f"{value} is random: the lemma holds for constants only")
                if not _keeps_assumptions(constant, value):  # a lemma about x > 0 says nothing of x = -1
                    raise VerificationFailed(f"{value} is not known to satisfy the assumptions on {constant}")
        if before.xreplace(self.instances()) != after:
            raise VerificationFailed(f"the step is not an instance of the lemma '{lemma.heading}'")
        weakest = min(lemma.steps, key=lambda s: s.verification.status.strength).verification
        if weakest.status is Status.ASSUMED:
            raise VerificationFailed(f"the lemma '{lemma.heading}' rests on an assumed step")
        premises = {p for step in lemma.steps for p in step.verification.premises}
        return Verification(weakest.status, "the derived lemma, instantiated",
                            f"as strong as the lemma's weakest step ({weakest.method}: {weakest.detail})",
                            _sorted_labels(premises, (self.label,)), evidence=self)


def _keeps_assumptions(constant: Basic, value: Basic) -> bool:
    """Whether SymPy knows ``value`` to have every assumption of ``constant`` (positive, integer, ...)."""
    return all(getattr(value, f"is_{fact}", None) is truth for fact, truth in constant.assumptions0.items()
               if truth is not None)


def _constrained_symbols(context: Context) -> set[Basic]:
    """Every symbol a stated premise of ``context`` mentions: definitions, matrix facts, random vectors."""
    found: set[Basic] = set()
    for definition in context.definitions:
        found |= _leaves(definition.target) | _leaves(definition.value)
    facts = context.matrix_facts
    for name in ("symmetric", "positive_definite", "invertible", "orthogonal", "diagonal"):
        found |= {leaf for leaf in getattr(facts, name) if isinstance(leaf, Basic)}
    if context.vector_model is not None:
        for vector in context.vector_model.vectors:
            found |= _leaves(vector.symbol) | _leaves(vector.mean) | _leaves(vector.covariance)
    if context.random_model is not None:
        found |= {family.base for family in context.random_model.families}
    return found


def _leaves(expr: Basic) -> set[Basic]:
    return set(expr.free_symbols) | {node for node in preorder_traversal(expr) if isinstance(node, MatrixSymbol)}


def _random_symbols(context: Context, expr: Basic) -> set[Basic]:
    model = context.vector_model
    return model.random_symbols(expr) if model is not None else set()


# -- cited theorems -----------------------------------------------------------------------------------------


class TheoremApplication:
    """A step applying a cited theorem: the step must be the theorem's conclusion instantiated, every
    hypothesis discharged; the status is that of the weakest discharge (a hypothesis taken from the
    stated assumptions is a premise, cited by its label).

    Subclasses hold the instantiation as data and build the theorem's rule in
    :meth:`build`, running its checks there: the theorem's statement and which of
    its hypotheses may be cited rather than checked (``ASSUMABLE``) are code, never data.
    """

    theorem: ClassVar[Theorem]
    ASSUMABLE: ClassVar[frozenset[str]] = frozenset()

    def build(self) -> TheoremRule:
        raise NotImplementedError

    @property
    def relation(self) -> str:
        """What the theorem shows between the step's sides (``>=`` for an inequality)."""
        return self.rule.relation

    @cached_property
    def rule(self) -> TheoremRule:
        """The theorem instantiated, its checks run once (a rule for :meth:`symderive.calc.Calc.by`)."""
        try:
            rule = self.build()
        except RuleNotApplicable as exc:
            raise VerificationFailed(str(exc)) from None
        if rule.theorem != self.theorem:
            raise VerificationFailed(f"{type(self).__name__} applies {self.theorem.name}, not {rule.name}")
        return rule

    def cite(self, cited: tuple[tuple[str, str], ...]) -> list[Discharge]:
        """The hypotheses taken from the stated assumptions, each allowed to be cited."""
        for hypothesis, _ in cited:
            if hypothesis not in self.ASSUMABLE:
                raise VerificationFailed(f"'{hypothesis}' must be checked, not cited")
        return [assumed(hypothesis, labels) for hypothesis, labels in cited]

    def __call__(self, before: Basic, after: Basic) -> Verification:
        rule = self.rule
        missing = rule.missing()
        if missing:
            raise VerificationFailed(f"{rule.name}: hypotheses not discharged: {', '.join(missing)}")
        try:
            conclusion = rule.transform(before)
        except RuleNotApplicable as exc:
            raise VerificationFailed(f"{rule.name} does not apply: {exc}") from None
        if conclusion != after:
            raise VerificationFailed(f"the step is not the conclusion of {rule.name}")
        weakest = min((d.status for d in rule.discharges), key=lambda s: s.strength)
        detail = "; ".join(f"{d.hypothesis}: {'checked' if d.checked else 'assumed'}"
                           + (f" ({d.status.value})" if d.checked else "") for d in rule.discharges)
        cited = [label for d in rule.discharges if not d.checked
                 for label in d.method.removeprefix("assumed: ").split(", ")]
        cited += [p for d in rule.discharges for p in d.premises]
        return Verification(weakest, f"application of a cited theorem ({rule.name}), its hypotheses discharged",
                            detail, tuple(dict.fromkeys([rule.name, *cited, *self.also_cited()])), evidence=self)

    def also_cited(self) -> tuple[str, ...]:
        """Stated assumptions the instantiation itself rests on (what the theorem is applied to)."""
        return ()

    def stated(self) -> tuple[str, ...]:
        """The hypotheses of the theorem this application takes from the stated assumptions, by label,
        with what they are about (a density cited on one region must not serve on another)."""
        cited = getattr(self, "cited", ())
        return tuple(f"{labels}: {hypothesis}, for {self.subject()} (a hypothesis of {self.theorem.name})"
                     for hypothesis, labels in cited)

    def subject(self) -> str:
        """What the cited hypotheses are about (each application that cites any says)."""
        raise NotImplementedError


@dataclass(frozen=True)
class AffineChangeOfVariables(TheoremApplication):
    """``p_X(x) = p_Y(A⁻¹(x - b)) |det A⁻¹|`` for ``X = AY + b``: the change-of-variables theorem applied.

    ``target`` is ``p_X(x)`` and ``source`` is ``p_Y(y)``; ``definition`` cites
    where ``X = AY + b`` is stated, ``invertible`` where ``A`` is, and ``A`` must
    be declared invertible in ``context``.  The hypotheses (bijective,
    differentiable inverse, nonzero Jacobian) are all checked
    (:func:`~symderive.rules.densities.check_affine`).
    """

    target: Expr
    source: Expr
    A: MatrixSymbol
    b: MatrixSymbol
    definition: str
    invertible: str
    context: Context

    theorem: ClassVar[Theorem] = CHANGE_OF_VARIABLES

    def build(self) -> TheoremRule:
        (x,), (y,) = _argument(self.target), _argument(self.source)
        if not self.context.matrix_facts.is_invertible(self.A):
            raise VerificationFailed(f"{self.A} is not declared invertible")
        density = Density(self.source.func.name, (y,), self.source, (WHOLE_LINE,))
        discharges = check_affine(self.A, self.b, x, y, self.invertible)
        return affine_change_of_variables(self.target.func, x, density, self.A, self.b, discharges)

    def also_cited(self) -> tuple[str, ...]:
        return (self.definition,)

    def stated(self) -> tuple[str, ...]:
        """What the application rests on without checking it: which variables the densities are of."""
        return (f"{self.definition}: {self.target.func} is the density of X = {self.A}*Y + {self.b}, where Y has "
                f"the density {self.source.func}",)


def _argument(application: Expr) -> tuple[MatrixSymbol]:
    if not (isinstance(application, AppliedUndef) and len(application.args) == 1
            and isinstance(application.args[0], MatrixSymbol)):
        raise VerificationFailed(f"{application} is not a density applied to a vector")
    return application.args


@dataclass(frozen=True)
class JensenOnRegion(TheoremApplication):
    """``∫_S f φ(z) ≥ φ(∫_S f z)``: Jensen's inequality against the density ``f`` on the region ``S``.

    Checked: ``φ`` convex on its ``domain`` (from its second derivative) and
    ``z`` in that domain on ``S``, where the applications of the ``positive``
    functions at ``variable`` are positive (as the stated ``because`` says).
    Cited: ``f`` a probability density on ``S``, and integrability.
    """

    phi: Lambda
    domain: tuple[Basic, ...]
    density: Expr
    z: Expr
    variable: Basic
    region: Region
    positive: tuple[UndefinedFunction, ...]
    because: str
    cited: tuple[tuple[str, str], ...]

    theorem: ClassVar[Theorem] = JENSEN_ON_A_REGION
    ASSUMABLE: ClassVar[frozenset[str]] = frozenset({"probability density", "integrable"})

    def build(self) -> TheoremRule:
        values = _positive_values((self.z,), self.positive, self.variable)
        checks = (check_convex(self.phi, self.domain),
                  check_values_in_domain(self.z, self.phi, self.domain, values, self.because))
        discharges = self.cite(self.cited) + [c for c in checks if c is not None]
        return jensen_on_region(self.phi, self.density, self.z, self.region, discharges)

    def __call__(self, before: Basic, after: Basic) -> Verification:
        if not (isinstance(before, IntegralOver) and before.variable == self.variable):
            raise VerificationFailed(f"Jensen's inequality is instantiated for integrals in {self.variable}")
        return super().__call__(before, after)

    def stated(self) -> tuple[str, ...]:
        functions = ", ".join(sorted(f.name for f in self.positive))
        return (f"{self.because}: {functions} positive on {self.region.name}", *super().stated())

    def subject(self) -> str:
        return f"{self.density} on {self.region.name}"


T = Symbol("t", real=True)  # the variable of -log; its domain t > 0 is stated where it is used
MINUS_LOG = Lambda(T, -log(T))


@dataclass(frozen=True)
class MassOnSubset(TheoremApplication):
    """``-log ∫_S g ≥ -log 1`` for a probability density ``g``: checked, ``-log`` decreasing on
    ``(0, ∞)``; cited, ``g`` a probability density and ``∫_S g > 0``."""

    density: Expr
    cited: tuple[tuple[str, str], ...]

    theorem: ClassVar[Theorem] = MASS_ON_A_SUBSET
    ASSUMABLE: ClassVar[frozenset[str]] = frozenset({"probability density", "positive mass"})

    def build(self) -> TheoremRule:
        decreasing = check_decreasing(MINUS_LOG, [T > 0])
        discharges = self.cite(self.cited) + ([decreasing] if decreasing is not None else [])
        return mass_at_most_one(self.density, discharges)

    def subject(self) -> str:
        return f"{self.density}"


__all__ = [
    "PointwiseUnderExpectation", "PointwiseOnRegion", "OnProductInstances", "ExplicitMatrix", "OnExplicitInstances",
    "ByLemma", "TheoremApplication", "AffineChangeOfVariables", "JensenOnRegion", "MassOnSubset", "MINUS_LOG",
]
