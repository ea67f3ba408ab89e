"""JSON transcripts: for people (LaTeX of every step) and for ``symderive verify`` (the expressions as trees).

The shape (documented in the README)::

    {"name", "title", "assumptions": [latex],
     "steps": [{"latex", "relation", "rule", "justification", "part",
                "verification": {"status", "method", "detail", "premises", "evidence"},
                "replay": null or the rule with its parameters (a dataclass from REPLAYABLE),
                "chain": index into "chains", "before": tree, "after": tree}],
     "result": {"latex", "srepr", "tree"},
     "format": "symderive-transcript/1",
     "contexts": [the judging contexts, field by field (symderive.datajson)],
     "chains": [{"heading", "start": tree, "hypotheses": [{"label", "target", "value"}],
                 "context": index into "contexts" or null}]}

Trees are :mod:`symderive.exprjson` trees sharing one numbering of Dummies.  A
step checked by a custom verifier records the verifier as ``evidence`` (a
dataclass from :data:`EVIDENCE`, whose chains and contexts are indices), so that
``verify`` can re-check it; any other verifier's evidence is ``null``.
"""
from __future__ import annotations

from typing import Any

from sympy.printing.repr import ReprPrinter

from ..cnn_instances import LayerCheck, NetworkCheck
from ..datajson import OneLine, Reference, dumps, encode_dataclass, encode_tree, encode_value
from ..exprjson import Encoder
from ..induction import InductionProof
from ..judge import Context
from ..model import Chain, Derivation, Step, Verification
from ..recurrence import Induction, Unroll
from ..rules import ParametricRule
from ..rules.algebra import Claim, Replace, Rewrite, ShiftIndex, Substitute
from ..rules.calculus import ChainRule, EntriesOfTransposedProduct, EntrywiseJacobian, NameTheMatrix
from ..rules.densities import DensityDefinition, KLDefinition
from ..rules.gaussians import (
    CollectQuadraticForm, InverseTimesMatrix, LinearityOfScalarExpectation, ProductOfInverses, QuadraticFormIsEven,
)
from ..rules.kl import KLOfMarginals, KLOverSupport, LogOfProductRatio, Marginalise
from ..rules.matrices import (
    DifferentialOfInverse, DifferentialOfLogDet, InverseOfProduct, PeelFirstFactor, PeelLastFactor,
    SymmetricIsItsTranspose, TraceCyclicity,
)
from ..rules.probability import (
    ExpectationFromDensity, ExpectationOfIndependentProduct, LinearityOfExpectation, SecondMomentOfCentred,
    VarianceOfCentredProduct, VarianceOfIndependentSum, VarianceOfUncorrelatedSum,
)
from ..rules.randomvectors import (
    CrossMomentOfIndependentVectors, LinearityOfMatrixExpectation, MeanOfRandomVector, SecondMomentOfRandomVector,
)
from .. import verifiers
from .latex import RELATION_SYMBOLS
from .printer import to_latex

TRANSCRIPT_FORMAT = "symderive-transcript/1"

# Custom verifiers whose inputs a transcript records, by class name: verify rebuilds and re-runs them.
EVIDENCE: dict[str, type] = {cls.__name__: cls for cls in (
    Induction, verifiers.PointwiseUnderExpectation, verifiers.PointwiseOnRegion, verifiers.OnProductInstances,
    verifiers.OnExplicitInstances, verifiers.ByLemma, verifiers.AffineChangeOfVariables, verifiers.JensenOnRegion,
    verifiers.MassOnSubset,
    LayerCheck, NetworkCheck, InductionProof,  # the CNN derivation
)}

# Rules with parameters a transcript records, by class name: verify rebuilds them and replays each step.
REPLAYABLE: dict[str, type[ParametricRule]] = {cls.__name__: cls for cls in (
    Replace, Rewrite, ShiftIndex, Substitute, Claim,
    QuadraticFormIsEven, CollectQuadraticForm, InverseTimesMatrix, ProductOfInverses, LinearityOfScalarExpectation,
    KLOverSupport, LogOfProductRatio, Marginalise, KLOfMarginals, DensityDefinition, KLDefinition,
    LinearityOfExpectation, ExpectationOfIndependentProduct, VarianceOfIndependentSum, VarianceOfUncorrelatedSum,
    VarianceOfCentredProduct, SecondMomentOfCentred, ExpectationFromDensity,
    LinearityOfMatrixExpectation, MeanOfRandomVector, SecondMomentOfRandomVector, CrossMomentOfIndependentVectors,
    InverseOfProduct, TraceCyclicity, PeelFirstFactor, PeelLastFactor, DifferentialOfLogDet, DifferentialOfInverse,
    SymmetricIsItsTranspose, ChainRule, EntrywiseJacobian, EntriesOfTransposedProduct, NameTheMatrix,
    Unroll,
)}


def verification_to_dict(verification: Verification) -> dict[str, str]:
    return {"status": verification.status.value, "method": verification.method, "detail": verification.detail}


def step_latex(step: Step) -> str:
    return f"{to_latex(step.before)} {RELATION_SYMBOLS[step.relation]} {to_latex(step.after)}"


class _Tables:
    """The contexts and chains of one derivation, which steps and evidence refer to by index."""

    def __init__(self, derivation: Derivation) -> None:
        self.chains = list(derivation.chains)
        self.contexts: list[Context] = []

    def chain_index(self, chain: Chain) -> int:
        for i, known in enumerate(self.chains):
            if known is chain:
                return i
        return self.chains.index(chain)  # an equal chain (raises ValueError if none)

    def context_index(self, context: Context) -> int:
        for i, known in enumerate(self.contexts):
            if known is context or known == context:
                return i
        self.contexts.append(context)
        return len(self.contexts) - 1

    def references(self) -> dict[type, Reference]:
        def unresolvable(index: int) -> Any:
            raise NotImplementedError  # writing only

        return {
            Chain: Reference("chain", self.chain_index, unresolvable),
            Context: Reference("context", self.context_index, unresolvable),
        }


class _StableReprPrinter(ReprPrinter):
    """``srepr`` with a Symbol's assumptions sorted by name.

    SymPy caches Symbols: ``Symbol('n', positive=True, integer=True)`` made anywhere earlier in the
    process is the same object as the one made here, and ``srepr`` prints the assumptions in the
    order of whichever call came first.  The transcript must not depend on that.
    """

    def _print_Symbol(self, expr: Any) -> str:
        assumptions = dict(expr._assumptions_orig)
        if expr.is_Dummy:
            assumptions["dummy_index"] = expr.dummy_index
        if not assumptions:
            return f"{type(expr).__name__}({self._print(expr.name)})"
        listed = ", ".join(f"{k}={v}" for k, v in sorted(assumptions.items()))
        return f"{type(expr).__name__}({self._print(expr.name)}, {listed})"


def stable_srepr(expr: Any) -> str:
    """``srepr`` that does not depend on the order in which a Symbol's assumptions were first given."""
    return _StableReprPrinter().doprint(expr)


def derivation_to_dict(derivation: Derivation) -> dict[str, Any]:
    encoder, tables = Encoder(), _Tables(derivation)
    chains = [_chain(chain, encoder, tables) for chain in derivation.chains]
    steps = [
        _step(step, chain.heading, i, encoder, tables)
        for i, chain in enumerate(derivation.chains) for step in chain.steps
    ]
    return {
        "name": derivation.name,
        "title": derivation.title,
        "assumptions": [a.latex for a in derivation.assumptions],
        "steps": steps,
        "result": {
            "latex": to_latex(derivation.result),
            "srepr": stable_srepr(derivation.result),
            "tree": encode_tree(derivation.result, encoder),
        },
        "format": TRANSCRIPT_FORMAT,
        "contexts": [encode_value(c, Context, encoder, where=f"contexts[{i}]") for i, c in enumerate(tables.contexts)],
        "chains": chains,
    }


def _chain(chain: Chain, encoder: Encoder, tables: _Tables) -> dict[str, Any]:
    return {
        "heading": chain.heading,
        "start": encode_tree(chain.start, encoder),
        "hypotheses": [
            {"label": h.label, "target": encode_tree(h.target, encoder), "value": encode_tree(h.value, encoder)}
            for h in chain.hypotheses
        ],
        "context": None if chain.context is None else tables.context_index(chain.context),
    }


def _step(step: Step, part: str, chain: int, encoder: Encoder, tables: _Tables) -> dict[str, Any]:
    verification = verification_to_dict(step.verification)
    verification["premises"] = OneLine(step.verification.premises)
    verification["evidence"] = _evidence(step.verification.evidence, encoder, tables)
    return {
        "latex": step_latex(step),
        "relation": step.relation,
        "rule": step.rule,
        "justification": step.justification,
        "verification": verification,
        "part": part,
        "chain": chain,
        "before": encode_tree(step.before, encoder),
        "after": encode_tree(step.after, encoder),
        "replay": _replay(step, encoder),
    }


def _replay(step: Step, encoder: Encoder) -> dict[str, Any] | None:
    """The step's rule with its parameters, when it is one verify can rebuild; else None."""
    rule = step.replay
    if rule is None or REPLAYABLE.get(type(rule).__name__) is not type(rule):
        return None
    return encode_dataclass(rule, encoder, where="replay")


def _evidence(evidence: Any, encoder: Encoder, tables: _Tables) -> dict[str, Any] | None:
    """A recorded custom verifier, or None (verify then re-judges the step with the judge alone)."""
    if evidence is None or EVIDENCE.get(type(evidence).__name__) is not type(evidence):
        return None
    return encode_dataclass(evidence, encoder, tables.references(), where="evidence")


def derivation_to_json(derivation: Derivation) -> str:
    return dumps(derivation_to_dict(derivation)) + "\n"
