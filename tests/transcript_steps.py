"""Where the steps of an emitted transcript stand, and what `symderive check` says of each.

The renderer writes step ``N`` as one line ``  &= AFTER \\tag*{(N)}``; check reports a
relation at the line of its sign, so the entries on that line are the step's verdicts.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from symderive.check import Entry, FileReport, Settings, check_paths

DERIVATIONS = Path(__file__).resolve().parent.parent / "derivations"
_TAG = re.compile(r"\\tag\*\{\((\d+)\)\}")
_DIRECTIVE = re.compile(r"^%\s*symderive:")


def transcripts() -> list[Path]:
    """Every transcript in derivations/ (all.tex only \\inputs them)."""
    return sorted(p for p in DERIVATIONS.glob("*.tex") if p.name != "all.tex")


def step_lines(text: str) -> dict[int, int]:
    """{line number: step number} of the transcript's displayed steps."""
    return {number: int(found.group(1)) for number, line in enumerate(text.splitlines(), start=1)
            if (found := _TAG.search(line))}


def directive_lines(text: str, before_line: int) -> list[str]:
    """The ``% symderive:`` lines above ``before_line``: the declarations in force there."""
    return [line for line in text.splitlines()[: before_line - 1] if _DIRECTIVE.match(line)]


def labels(path: Path) -> list[str]:
    """The status each step carries in the JSON transcript beside ``path``."""
    data = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    return [step["verification"]["status"] for step in data["steps"]]


def whole_report(path: Path, settings: Settings = Settings(jobs=2)) -> FileReport:
    """check's report on the whole transcript: numbered steps, prose and directives."""
    return check_paths([path], settings)[0]


def step_verdicts(path: Path, report: FileReport) -> dict[int, list[Entry]]:
    """{step number: check's entries on that step's line} for one transcript, from its report."""
    lines = step_lines(path.read_text(encoding="utf-8"))
    verdicts: dict[int, list[Entry]] = {number: [] for number in lines.values()}
    for entry in report.entries:
        if entry.line in lines:
            verdicts[lines[entry.line]].append(entry)
    return verdicts
