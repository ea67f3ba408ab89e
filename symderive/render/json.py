"""JSON for machines; the shape is documented in the README."""
from __future__ import annotations

import json
from typing import Any

from sympy import srepr

from ..model import Derivation, Step, Verification
from .latex import RELATION_SYMBOLS
from .printer import to_latex


def verification_to_dict(verification: Verification) -> dict[str, str]:
    return {"status": verification.status.value, "method": verification.method, "detail": verification.detail}


def _step(step: Step, part: str) -> dict[str, Any]:
    return {
        "latex": f"{to_latex(step.before)} {RELATION_SYMBOLS[step.relation]} {to_latex(step.after)}",
        "relation": step.relation,
        "rule": step.rule,
        "justification": step.justification,
        "verification": verification_to_dict(step.verification),
        "part": part,
    }


def derivation_to_dict(derivation: Derivation) -> dict[str, Any]:
    return {
        "name": derivation.name,
        "title": derivation.title,
        "assumptions": [a.latex for a in derivation.assumptions],
        "steps": [_step(s, chain.heading) for chain in derivation.chains for s in chain.steps],
        "result": {"latex": to_latex(derivation.result), "srepr": srepr(derivation.result)},
    }


def derivation_to_json(derivation: Derivation) -> str:
    return json.dumps(derivation_to_dict(derivation), indent=2, ensure_ascii=False) + "\n"
