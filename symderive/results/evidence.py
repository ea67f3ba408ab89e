"""The header sentence of a transcript: which steps are proved how strongly, and why."""
from __future__ import annotations

from typing import Mapping, Sequence

from ..model import Chain, Status


def evidence_overview(chains: Sequence[Chain], why: Mapping[Status, str]) -> str:
    """LaTeX naming the steps (numbered as in the transcript) of each status, with the reason given.

    Every status that occurs must have a reason: the header never leaves a
    weaker label unexplained.
    """
    numbers: dict[Status, list[int]] = {}
    number = 0
    for chain in chains:
        for step in chain.steps:
            number += 1
            numbers.setdefault(step.verification.status, []).append(number)
    parts = []
    for status in sorted(numbers, key=lambda s: -s.strength):
        if status not in why:
            raise ValueError(f"steps {numbers[status]} are {status.value} but no reason is given")
        steps = _ranges(numbers[status])
        noun = "Step" if len(numbers[status]) == 1 else "Steps"
        verb = "is" if len(numbers[status]) == 1 else "are"
        parts.append(f"{noun} {steps} {verb} \\emph{{{status.value}}}: {why[status]}.")
    return " ".join(parts)


def _ranges(numbers: list[int]) -> str:
    """``[1, 2, 3, 5]`` -> ``(1)--(3), (5)``."""
    spans: list[list[int]] = []
    for k in numbers:
        if spans and k == spans[-1][-1] + 1:
            spans[-1].append(k)
        else:
            spans.append([k])
    return ", ".join(f"({s[0]})" if len(s) == 1 else f"({s[0]})--({s[-1]})" for s in spans)
