"""Building chains: a step the judge does not verify never becomes a transcript line."""
from __future__ import annotations

import pytest
from sympy import Symbol

from symderive.calc import Calc, VerificationFailed
from symderive.judge import Context
from symderive.model import Status
from symderive.rules import Rule

x = Symbol("x", real=True)


def test_verified_steps_are_recorded_with_their_evidence():
    chain = Calc("demo", (x + 1) ** 2, Context())
    chain.by(Rule("expand", "Expand the square.", lambda e: e.expand()))
    done = chain.done("so it is a polynomial")
    assert done.end == x**2 + 2 * x + 1
    assert done.steps[0].verification.status is Status.PROVED
    assert done.conclusion == "so it is a polynomial"


def test_a_wrong_rule_is_caught_and_not_recorded():
    wrong = Rule("freshman's dream", "(a+b)^2 = a^2 + b^2 (wrong).", lambda e: x**2 + 1)
    chain = Calc("demo", (x + 1) ** 2, Context())
    with pytest.raises(VerificationFailed, match="refuted"):
        chain.by(wrong)
    assert chain.steps == []
