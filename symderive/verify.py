"""``symderive verify``: re-judge every step of a saved JSON transcript, read as untrusted input.

A transcript (:mod:`symderive.render.json`) carries each step's two sides as
expression trees and the judging context of its chain.  Verifying it needs none
of the code that produced it:

1. the file is read with a size limit and its shape checked key by key
   (:class:`TranscriptError`, exit 2, for anything malformed);
2. in a child process under a time limit, every tree, context and law is
   rebuilt without evaluating text (:mod:`symderive.exprjson`,
   :mod:`symderive.datajson`), and the transcript's own consistency is checked:
   each step starts where the previous one ended, its LaTeX shows its trees,
   a step whose rule has parameters (a recorded ``replay``) gives its right side
   when the rule is applied again to its left side, and the result is the end
   of a chain;
3. every step is re-judged by :func:`symderive.judge.judge` in its chain's
   context (with the chain's hypotheses, as :class:`symderive.calc.Calc` judged
   it), each in a worker under the time limit;
4. a step a custom verifier checked (induction, a theorem application, a
   lemma, an instance check...) is re-checked by that verifier, rebuilt from the
   recorded evidence, on the step's own two sides and the chains *as re-judged*;
   the relation the evidence shows (``=``, ``>=``) must imply the step's, the
   chains it rests on must join up, and an instance check (``reproduces_detail``)
   must re-check the very instances the step records.

Each step is then ``re-verified`` (verified, no weaker than recorded),
``weaker``, ``refuted`` (with the counterexample) or ``unknown`` (with the reason).
"""
from __future__ import annotations

import dataclasses
import json
import os
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from sympy import Basic, Eq, Ge, Gt, IndexedBase, Le, Lt, Symbol
from sympy.core.assumptions import StdFactKB, _assume_defined
from sympy.core.facts import InconsistentAssumptions
from sympy.core.function import AppliedUndef, UndefinedFunction

from .calc import VerificationFailed, judging_context
from .datajson import DataJsonError, Reference, decode_dataclass, decode_tree, decode_value
from .exprjson import Decoder, _indexed_base_assumptions
from .judge import Context, Convention, judge
from .limits import BoundedPool, ChildFailed, TimeLimitExceeded, bounded
from .model import Chain, Hypothesis, Outcome, Status, Step, Verification
from .render.json import EVIDENCE, REPLAYABLE, TRANSCRIPT_FORMAT
from .render.latex import RELATION_SYMBOLS
from .render.printer import to_latex
from .rules import ParametricRule, RuleNotApplicable

MAX_FILE_BYTES = 16 * 2**20
MAX_STEPS = MAX_CHAINS = MAX_CONTEXTS = 5_000  # each step is a task that gets its chains: time grows faster than this
READ_SECONDS = 120.0  # to rebuild and cross-check a whole transcript
MAX_STEP_SECONDS = 60.0  # a transcript's own time limit is honoured up to this

RE_VERIFIED, WEAKER, REFUTED, UNKNOWN = "re-verified", "weaker", "refuted", "unknown"


class TranscriptError(ValueError):
    """The file is not a transcript verify can read (exit 2)."""


@dataclass(frozen=True)
class StepReport:
    """The re-judgement of one step; ``problems`` are inconsistencies of the transcript around it."""

    number: int  # 1-based, in file order
    chain: str
    rule: str
    recorded_status: str
    recorded_method: str
    outcome: str  # RE_VERIFIED, WEAKER, REFUTED or UNKNOWN
    reason: str
    status: str | None = None  # the re-judged status, when verified
    method: str | None = None
    detail: str = ""
    premises: tuple[str, ...] = ()
    counterexample: dict[str, str] | None = None
    problems: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return self.outcome == RE_VERIFIED and not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.number, "chain": self.chain, "rule": self.rule,
            "recorded": {"status": self.recorded_status, "method": self.recorded_method},
            "outcome": self.outcome, "reason": self.reason,
            "rejudged": None if self.status is None else {
                "status": self.status, "method": self.method, "detail": self.detail, "premises": list(self.premises)},
            "counterexample": self.counterexample, "problems": list(self.problems), "passed": self.passed,
        }


@dataclass(frozen=True)
class TranscriptReport:
    path: str
    name: str
    steps: tuple[StepReport, ...]
    problems: tuple[str, ...] = ()  # of the whole transcript (its result)
    premises: tuple[str, ...] = ()  # what the transcript states, by label: the steps hold given these

    @property
    def passed(self) -> bool:
        return not self.problems and all(s.passed for s in self.steps)

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.path, "name": self.name, "passed": self.passed, "problems": list(self.problems),
                "premises": list(self.premises), "steps": [s.to_dict() for s in self.steps]}


# ---------------------------------------------------------------- reading the file


def read_transcript(path: str | Path) -> dict[str, Any]:
    """The transcript's JSON, its shape checked; raises :class:`TranscriptError`."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise TranscriptError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise TranscriptError(f"{path} is larger than {MAX_FILE_BYTES // 2**20} MiB")
    return parse_transcript(raw, str(path))


def parse_transcript(raw: bytes, name: str = "the transcript") -> dict[str, Any]:
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        raise TranscriptError(f"{name} is not UTF-8 text") from None
    except RecursionError:
        raise TranscriptError(f"{name}: JSON nested too deeply") from None
    except ValueError as exc:  # malformed JSON, or an integer literal beyond Python's limit
        raise TranscriptError(f"{name} is not valid JSON: {_short(str(exc))}") from None
    try:  # JSON's "\ud800" escapes a lone surrogate, which no report could print
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, RecursionError):
        raise TranscriptError(f"{name}: a string is not Unicode text (it escapes a lone surrogate)") from None
    try:
        _check_shape(data)
    except DataJsonError as exc:
        raise TranscriptError(f"{name}: {exc}") from None
    return data


def _refuse_constant(constant: str) -> None:
    raise ValueError(f"{constant} is not a number JSON allows")


_TOP = {"name", "title", "assumptions", "steps", "result", "format", "contexts", "chains"}
_STEP = {"latex", "relation", "rule", "justification", "verification", "part", "chain", "before", "after", "replay"}
_VERIFICATION = {"status", "method", "detail", "premises", "evidence"}
_CHAIN = {"heading", "start", "hypotheses", "context"}
_HYPOTHESIS = {"label", "target", "value"}
_RESULT = {"latex", "srepr", "tree"}


def _check_shape(data: Any) -> None:
    """Keys and plain types, everywhere but inside trees, contexts and evidence (read later, by type)."""
    if isinstance(data, dict) and "format" not in data and "steps" in data:
        raise DataJsonError("no 'format' key: a transcript from an older symderive; write it again with "
                            "'symderive derive --format json'")
    _keys(data, _TOP, "$")
    if data["format"] != TRANSCRIPT_FORMAT:
        raise DataJsonError(f"format {_show(data['format'])} is not {TRANSCRIPT_FORMAT!r}")
    for key in ("name", "title"):
        _text(data[key], f"$.{key}")
    for i, item in enumerate(_list(data["assumptions"], "$.assumptions")):
        _text(item, f"$.assumptions[{i}]")
    _keys(data["result"], _RESULT, "$.result")
    _text(data["result"]["latex"], "$.result.latex")
    _list(data["contexts"], "$.contexts", MAX_CONTEXTS)
    chains = _list(data["chains"], "$.chains", MAX_CHAINS)
    for i, chain in enumerate(chains):
        where = f"$.chains[{i}]"
        _keys(chain, _CHAIN, where)
        _text(chain["heading"], f"{where}.heading")
        for j, hypothesis in enumerate(_list(chain["hypotheses"], f"{where}.hypotheses")):
            _keys(hypothesis, _HYPOTHESIS, f"{where}.hypotheses[{j}]")
            _text(hypothesis["label"], f"{where}.hypotheses[{j}].label")
        if chain["context"] is not None:
            _index(chain["context"], len(data["contexts"]), f"{where}.context")
    for i, step in enumerate(_list(data["steps"], "$.steps", MAX_STEPS)):
        where = f"$.steps[{i}]"
        _keys(step, _STEP, where)
        for key in ("latex", "rule", "justification", "part"):
            _text(step[key], f"{where}.{key}")
        if step["relation"] not in RELATION_SYMBOLS:
            raise DataJsonError(f"{where}.relation: {_show(step['relation'])} is not one of {sorted(RELATION_SYMBOLS)}")
        _index(step["chain"], len(chains), f"{where}.chain")
        verification = step["verification"]
        _keys(verification, _VERIFICATION, f"{where}.verification")
        if verification["status"] not in {s.value for s in Status}:
            raise DataJsonError(f"{where}.verification.status: {_show(verification['status'])} is not a status")
        for key in ("method", "detail"):
            _text(verification[key], f"{where}.verification.{key}")
        for j, label in enumerate(_list(verification["premises"], f"{where}.verification.premises")):
            _text(label, f"{where}.verification.premises[{j}]")
        evidence = verification["evidence"]
        if evidence is not None and not (isinstance(evidence, dict) and evidence.get("type") in EVIDENCE):
            raise DataJsonError(f"{where}.verification.evidence: expected null or one of {sorted(EVIDENCE)}")
        replay = step["replay"]
        if replay is not None and not (isinstance(replay, dict) and replay.get("type") in REPLAYABLE):
            raise DataJsonError(f"{where}.replay: expected null or one of {sorted(REPLAYABLE)}")


def _keys(data: Any, keys: set[str], where: str) -> None:
    if not isinstance(data, dict):
        raise DataJsonError(f"{where}: expected an object, got {_show(data)}")
    missing, unknown = sorted(keys - set(data)), sorted(set(data) - keys)
    if missing:
        raise DataJsonError(f"{where}: missing key {missing[0]!r}")
    if unknown:
        raise DataJsonError(f"{where}: unknown key {_show(unknown[0])}")


def _text(value: Any, where: str) -> None:
    if not isinstance(value, str) or len(value) > 100_000:
        raise DataJsonError(f"{where}: expected a string, got {_show(value)}")


def _list(value: Any, where: str, most: int | None = None) -> list:
    if not isinstance(value, list):
        raise DataJsonError(f"{where}: expected a list, got {_show(value)}")
    if most is not None and len(value) > most:
        raise DataJsonError(f"{where}: more than {most} items")
    return value


def _index(value: Any, length: int, where: str) -> None:
    if type(value) is not int or not 0 <= value < length:
        raise DataJsonError(f"{where}: expected an index below {length}, got {_show(value)}")


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else repr(value[:37]) + "..."
    if isinstance(value, (bool, type(None))) or (isinstance(value, (int, float)) and abs(value) < 10**30):
        return repr(value)
    return f"a {type(value).__name__}"


def _short(text: str) -> str:
    return text if len(text) <= 200 else text[:197] + "..."


# ---------------------------------------------------------------- rebuilding (in a bounded child)


class _Rebuilt:
    """Trees, contexts and chains of one transcript, decoded on demand with one Decoder (shared Dummies)."""

    def __init__(self, data: dict[str, Any], verifications: dict[int, Verification] | None = None) -> None:
        self.data = data
        self.decoder = Decoder()
        self._contexts: dict[int, Context] = {}
        self._chains: dict[int, Chain] = {}
        # Steps' verifications for rebuilt chains: re-judged ones when given, else as recorded.
        self.verifications = verifications
        self.chains_used: set[int] = set()

    def tree(self, data: Any, where: str) -> Any:
        return decode_tree(data, self.decoder, where)

    def context(self, index: int) -> Context:
        if type(index) is not int or not 0 <= index < len(self.data["contexts"]):
            raise DataJsonError(f"no context {index}")
        if index not in self._contexts:
            self._contexts[index] = decode_value(self.data["contexts"][index], Context, self.decoder,
                                                 where=f"$.contexts[{index}]")
        return self._contexts[index]

    def hypotheses(self, index: int) -> tuple[Hypothesis, ...]:
        where = f"$.chains[{index}].hypotheses"
        return tuple(
            Hypothesis(h["label"], self.tree(h["target"], f"{where}[{i}].target"),
                       self.tree(h["value"], f"{where}[{i}].value"))
            for i, h in enumerate(self.data["chains"][index]["hypotheses"])
        )

    def step_context(self, chain: int) -> Context | None:
        """The context a step of ``chain`` is judged in, None if the transcript records none."""
        recorded = self.data["chains"][chain]["context"]
        if recorded is None:
            return None
        return judging_context(self.context(recorded), self.hypotheses(chain))

    def sides(self, number: int) -> tuple[Any, Any]:
        step = self.data["steps"][number]
        return self.tree(step["before"], f"$.steps[{number}].before"), self.tree(step["after"], f"$.steps[{number}].after")

    def chain(self, index: int) -> Chain:
        if type(index) is not int or not 0 <= index < len(self.data["chains"]):
            raise DataJsonError(f"no chain {index}")
        self.chains_used.add(index)
        if index not in self._chains:
            chain = self.data["chains"][index]
            steps = []
            for number in step_numbers(self.data, index):
                step = self.data["steps"][number]
                before, after = self.sides(number)
                steps.append(Step(before, after, step["rule"], step["justification"], self.verification(number),
                                  step["relation"]))
            context = None if chain["context"] is None else self.context(chain["context"])
            start = self.tree(chain["start"], f"$.chains[{index}].start")
            self._chains[index] = Chain(chain["heading"], start, tuple(steps), hypotheses=self.hypotheses(index),
                                        context=context)
        return self._chains[index]

    def verification(self, number: int) -> Verification:
        if self.verifications is not None:
            return self.verifications[number]
        recorded = self.data["steps"][number]["verification"]
        return Verification(Status(recorded["status"]), recorded["method"], recorded["detail"],
                            tuple(recorded["premises"]))

    def replay(self, number: int) -> ParametricRule:
        return decode_dataclass(self.data["steps"][number]["replay"], REPLAYABLE[self.data["steps"][number]["replay"]["type"]],
                                self.decoder, where=f"$.steps[{number}].replay")

    def evidence(self, number: int) -> Callable[[Any, Any], Verification]:
        data = self.data["steps"][number]["verification"]["evidence"]
        references = {Chain: Reference("chain", _writing_only, self.chain),
                      Context: Reference("context", _writing_only, self.context)}
        return decode_dataclass(data, EVIDENCE[data["type"]], self.decoder, references,
                                where=f"$.steps[{number}].verification.evidence")


def _writing_only(value: Any) -> int:
    raise NotImplementedError


def step_numbers(data: dict[str, Any], chain: int) -> list[int]:
    return [n for n, step in enumerate(data["steps"]) if step is not None and step["chain"] == chain]


def _survey(data: dict[str, Any]) -> dict[str, Any]:
    """Rebuild everything once and check the transcript's consistency (runs in a bounded child).

    Returns ``{"error": message}`` for an unreadable transcript, else the problems
    found per step and for the file, and the chains each evidence depends on.
    """
    rebuilt = _Rebuilt(data)
    problems: dict[int, list[str]] = {}
    dependencies: dict[int, list[int]] = {}
    evidence_premises: list[str] = []
    read: list[Any] = []  # every value rebuilt, for the assumptions its symbols carry
    try:
        for index in range(len(data["contexts"])):
            rebuilt.context(index)
        spans = []  # (start, relation shown by the steps, end) of each chain
        for index, chain in enumerate(data["chains"]):
            rebuilt.hypotheses(index)
            start = current = rebuilt.tree(chain["start"], f"$.chains[{index}].start")
            relations = []
            for number in step_numbers(data, index):
                step = data["steps"][number]
                before, after = rebuilt.sides(number)
                read += [before, after]
                found = problems.setdefault(number, [])
                if before != current:
                    found.append("its left side is not where the chain stood (the previous step's right side)")
                if step["latex"] != f"{to_latex(before)} {RELATION_SYMBOLS[step['relation']]} {to_latex(after)}":
                    found.append("its LaTeX does not show its two sides")
                if step["part"] != chain["heading"]:
                    found.append("its part is not its chain's heading")
                # A malformed replay makes the file unreadable; it is applied by the step's worker, under
                # the step's time limit (applying a rule evaluates: x**(10**10) with x = 7 would run for ever).
                if step["replay"] is not None and rebuilt.replay(number).name != step["rule"]:
                    found.append(f"its recorded rule is {rebuilt.replay(number).name!r}, not {step['rule']!r}")
                relations.append(step["relation"])
                current = after
            if relations:  # a chain without steps shows nothing: its start would carry any result
                spans.append((start, chained_relation(relations), current))
        for number, step in enumerate(data["steps"]):
            evidence = step["verification"]["evidence"]
            if evidence is not None:
                rebuilt.chains_used = set()
                verifier = rebuilt.evidence(number)
                read.append(verifier)
                dependencies[number] = sorted(rebuilt.chains_used)
                if "context" in evidence and evidence["context"] != {"context": data["chains"][step["chain"]]["context"]}:
                    problems.setdefault(number, []).append("its evidence was checked in another context than its chain's")
                evidence_premises += [f"{line} (in the evidence of step {number + 1})"
                                      for line in _evidence_statements(verifier)]
        result = rebuilt.tree(data["result"]["tree"], "$.result.tree")
        read += [result, *rebuilt._contexts.values(), *(s[0] for s in spans)]
        read += [rebuilt.hypotheses(index) for index in range(len(data["chains"]))]
    except DataJsonError as exc:
        return {"error": str(exc)}
    file_problems = [] if data["steps"] else ["no steps: nothing is derived"]
    if not any(_shows(result, span) for span in spans):
        file_problems.append("the result is not the end of any chain, nor the relation a chain shows")
    if data["result"]["latex"] != to_latex(result):
        file_problems.append("the result's LaTeX does not show its tree")
    return {"problems": {str(n): p for n, p in problems.items() if p}, "file_problems": file_problems,
            "premises": _stated_premises(rebuilt) + evidence_premises + assumption_premises(read),
            "dependencies": {str(n): d for n, d in dependencies.items()}}


def replay_problems(data: dict[str, Any], number: int) -> list[str]:
    """Apply step ``number``'s recorded rule to its left side: it must give its right side (run it bounded)."""
    if data["steps"][number]["replay"] is None:
        return []
    rebuilt = _Rebuilt(data)
    before, after = rebuilt.sides(number)
    return _replay_problems(rebuilt.replay(number), before, after)


def _replay_problems(rule: ParametricRule, before: Any, after: Any) -> list[str]:
    try:
        replayed = rule(before)
    except RuleNotApplicable as exc:
        return [f"replaying its rule: {_short(str(exc))}"]
    except Exception as exc:  # the parameters are untrusted: SymPy may reject them in any way
        return [f"replaying its rule fails ({type(exc).__name__}: {_short(str(exc))})"]
    if replayed != after:
        return [f"replaying its rule gives {_shown(replayed)}, not its right side"]
    return []


# Which relation a chain of steps shows between its start and its end, by the relations of its steps.
_DIRECTIONS = {">": ">", ">=": ">", "<": "<", "<=": "<"}
# What a relation implies ("a > b" also says "a >= b"; "a = b" says both "a <= b" and "a >= b").
_IMPLIED = {"=": {"=", "<=", ">="}, ">": {">", ">="}, ">=": {">="}, "<": {"<", "<="}, "<=": {"<="}}
_RESULT_RELATIONS = {Eq: "=", Ge: ">=", Gt: ">", Le: "<=", Lt: "<"}


def chained_relation(relations: list[str]) -> str | None:
    """``a = b >= c > d`` shows ``a > d``; steps pointing both ways show nothing (None)."""
    directions = {_DIRECTIONS[r] for r in relations if r != "="}
    if len(directions) > 1:
        return None
    if not directions:
        return "="
    (direction,) = directions
    return direction if direction in relations else direction + "="


def _shows(result: Any, span: tuple[Any, str | None, Any]) -> bool:
    """Whether ``result`` is the end of a chain, or a relation between its start and end that its steps show."""
    start, relation, end = span
    if result == end:
        return True
    claimed = _RESULT_RELATIONS.get(type(result))
    if relation is None or claimed is None:
        return False
    return (result.lhs, result.rhs) == (start, end) and claimed in _IMPLIED[relation]


def assumption_premises(values: list[Any]) -> list[str]:
    """What the symbols, indexed bases and undeclared functions in ``values`` are assumed to be.

    They are premises like any definition: ``x`` assumed zero makes ``x = 0`` true,
    and a tree carries its symbols' assumptions where neither the LaTeX nor the
    context shows them.
    """
    found: dict[str, None] = {}
    for expr in _expressions_in(values, 0):
        for atom in expr.atoms(Symbol, IndexedBase, AppliedUndef) if isinstance(expr, Basic) else (expr,):
            name, facts = _assumed(atom)
            facts = _concise(facts)
            if facts:
                shown = ", ".join(fact if value else f"not {fact}" for fact, value in sorted(facts.items()))
                found[f"assumed: {_short(name)} is {shown}"] = None
    return sorted(found)


def _concise(facts: dict[str, bool]) -> dict[str, bool]:
    """``facts`` without those the others imply (``positive`` for ``extended_positive, finite, ...``)."""
    kept = dict(facts)
    for fact in sorted(facts, key=lambda name: (-len(name), name)):  # long derived names first
        others = {k: v for k, v in kept.items() if k != fact}
        try:
            implied = StdFactKB(others).get(fact)
        except InconsistentAssumptions:  # SymPy refuses such a symbol: nothing to shorten
            return facts
        if implied == kept[fact]:
            kept = others
    return kept


def _assumed(atom: Any) -> tuple[str, dict[str, bool]]:
    if isinstance(atom, Symbol):
        return str(atom), {k: bool(v) for k, v in atom._assumptions_orig.items() if v is not None}
    if isinstance(atom, IndexedBase):
        return str(atom), dict(_indexed_base_assumptions(atom))
    function = atom.func if isinstance(atom, AppliedUndef) else atom
    return f"{function} (a function)", {k: bool(v) for k, v in function._kwargs.items()
                                         if k in _assume_defined and v is not None}


def _expressions_in(value: Any, depth: int) -> Any:
    """The SymPy values and undeclared functions in ``value``, through dataclasses and containers."""
    if depth > 100:
        return
    if isinstance(value, (Basic, UndefinedFunction)):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            yield from _expressions_in(getattr(value, item.name), depth + 1)
    elif isinstance(value, dict):
        for pair in value.items():
            yield from _expressions_in(pair, depth + 1)
    elif isinstance(value, (tuple, list, frozenset, set)):
        for item in value:
            yield from _expressions_in(item, depth + 1)


def _evidence_statements(verifier: Any) -> tuple[str, ...]:
    """What a step's evidence itself states (the positivity a pointwise step rests on, the families
    it was checked with, the hypotheses of a theorem it cites): the step holds given these."""
    stated = getattr(verifier, "stated", None)
    return tuple(stated()) if callable(stated) else ()


def _stated_premises(rebuilt: _Rebuilt) -> list[str]:
    """One line per definition, law, fact and chain hypothesis the transcript states (the judge may use them)."""
    lines: list[str] = []
    for index in range(len(rebuilt.data["contexts"])):
        context = rebuilt.context(index)
        lines += [f"{d.label}: {_shown(d.target)} := {_shown(d.value)}" for d in context.definitions]
        if context.convention is not Convention.TEXTBOOK:  # what a reader takes a reversed sum to mean
            lines.append(f"convention: {context.convention.describe()}")
        model = context.random_model
        for family in model.families if model is not None else ():
            what = (f"law {_shown(family.law.pspace.distribution)}" if family.law is not None
                    else f"mean {_shown(family.mean)}, variance {_shown(family.variance)}")
            entries = f"{family.base}[{', '.join(map(_shown, family.index_symbols))}]"
            fixed = [f"{_shown(i)} = {_shown(p)}" for i, p in zip(family.index_symbols, family.prefix)]
            entries += f" with {', '.join(fixed)}" if fixed else ""
            independent = f", independent entries ({family.independence_label})" if family.iid else ""
            lines.append(f"{family.label}: {entries} has {what}{independent}")
        for fact in model.independence if model is not None else ():
            lines.append(f"{fact.label}: {', '.join(map(_shown, fact.bases))} are independent")
        lines += _matrix_premises(context)
    for index, chain in enumerate(rebuilt.data["chains"]):
        lines += [f"{h.label} (in chain {chain['heading']!r} only): {_shown(h.target)} = {_shown(h.value)}"
                  for h in rebuilt.hypotheses(index)]
    return list(dict.fromkeys(lines))


def _matrix_premises(context: Context) -> list[str]:
    """The declared matrix properties and random vectors of a context, if it has them."""
    lines = []
    facts = getattr(context, "matrix_facts", None)
    for item in dataclasses.fields(facts) if dataclasses.is_dataclass(facts) else ():
        declared = sorted(_shown(leaf) for leaf in getattr(facts, item.name))
        if declared:
            lines.append(f"declared {item.name.replace('_', ' ')}: {', '.join(declared)}")
    vectors = getattr(context, "vector_model", None)
    if vectors is not None:
        lines += [f"{_shown(v.symbol)} has mean {_shown(v.mean)} and covariance {_shown(v.covariance)}"
                  + (", Gaussian" if v.gaussian else "") + (f" ({vectors.cites})" if vectors.cites else "")
                  for v in vectors.vectors]
        lines += [f"{fact.cite}: {', '.join(sorted(map(_shown, fact.vectors)))} are independent"
                  for fact in vectors.independent]
    return lines


def _shown(expr: Any) -> str:
    return _short(str(expr))


# ---------------------------------------------------------------- re-judging (in pool workers)


def _rejudge_step(payload: str) -> dict[str, Any]:
    """Replay and re-judge step ``number`` of a transcript (given as JSON text) in its chain's context."""
    data, number = _unpack(payload)
    return {**_rejudged(data, number), "problems": replay_problems(data, number)}


def _rejudged(data: dict[str, Any], number: int) -> dict[str, Any]:
    rebuilt = _Rebuilt(data)
    chain = data["steps"][number]["chain"]
    context = rebuilt.step_context(chain)
    if context is None:
        heading = data["chains"][chain]["heading"]
        return {"outcome": UNKNOWN,
                "reason": f"not re-judgeable: the transcript records no judging context for chain {heading!r}"}
    before, after = rebuilt.sides(number)
    verdict = judge(before, after, context, data["steps"][number]["relation"])
    answer = {"outcome": verdict.outcome.value, "reason": verdict.reason,
              "counterexample": None if verdict.counterexample is None else dict(verdict.counterexample)}
    if verdict.outcome is Outcome.VERIFIED and verdict.verification is not None:
        answer["verification"] = _verification_data(verdict.verification)
    return answer


def _recheck_evidence(payload: str) -> dict[str, Any]:
    """Replay step ``number`` and re-run its recorded custom verifier on its chains as re-judged."""
    data, number = _unpack(payload)
    return {**_rechecked(data, number), "problems": replay_problems(data, number)}


def _rechecked(data: dict[str, Any], number: int) -> dict[str, Any]:
    verifications = {int(n): _verification_from(v) for n, v in data["rejudged"].items()}
    rebuilt = _Rebuilt(data, verifications)
    verifier = rebuilt.evidence(number)
    before, after = rebuilt.sides(number)
    try:
        verification = verifier(before, after)
        shown, claimed = verifier.relation, data["steps"][number]["relation"]
        if claimed not in _IMPLIED[shown]:  # evidence of `before >= after` does not show `before = after`
            raise VerificationFailed(f"its evidence shows before {shown} after, not before {claimed} after")
    except VerificationFailed as exc:
        return {"outcome": UNKNOWN, "reason": f"{type(verifier).__name__} not re-verified: {exc}"}
    recorded = data["steps"][number]["verification"]
    # An instance check names its instances in its detail: evidence about other instances is not the step's.
    if getattr(verifier, "reproduces_detail", False) and (verification.method, verification.detail) != (
            recorded["method"], recorded["detail"]):
        return {"outcome": UNKNOWN, "reason": f"{type(verifier).__name__} re-checked other instances than the step "
                f"records: {_short(verification.detail)} (recorded: {_short(recorded['detail'])})"}
    return {"outcome": Outcome.VERIFIED.value, "reason": f"{type(verifier).__name__} re-checked",
            "verification": _verification_data(verification)}


def _unpack(payload: str) -> tuple[dict[str, Any], int]:
    data = json.loads(payload)
    return data, data["number"]


def _verification_data(verification: Verification) -> dict[str, Any]:
    return {"status": verification.status.value, "method": verification.method, "detail": verification.detail,
            "premises": list(verification.premises)}


def _verification_from(data: dict[str, Any]) -> Verification:
    return Verification(Status(data["status"]), data["method"], data["detail"], tuple(data["premises"]))


# ---------------------------------------------------------------- the whole check


@dataclass
class Verifier:
    """Re-judges transcripts with ``jobs`` workers, each step under ``seconds`` at most."""

    jobs: int | None = None
    seconds: float = MAX_STEP_SECONDS
    _pool: BoundedPool | None = field(default=None, repr=False)

    def __enter__(self) -> "Verifier":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self._pool is not None:
            self._pool.close()

    def verify_file(self, path: str | Path) -> TranscriptReport:
        """Raises :class:`TranscriptError` when the file cannot be read as a transcript."""
        return self.verify_data(read_transcript(path), str(path))

    def verify_data(self, data: dict[str, Any], path: str = "") -> TranscriptReport:
        survey = _bounded_survey(data, path)
        answers: dict[int, dict[str, Any]] = {}
        problems: dict[str, list[str]] = dict(survey["problems"])  # and each worker's (its replay's)

        def answered(number: int, answer: dict[str, Any]) -> None:
            answers[number] = answer
            found = problems.get(str(number), []) + answer.get("problems", [])
            if found:
                problems[str(number)] = found

        plain = [n for n, s in enumerate(data["steps"]) if s["verification"]["evidence"] is None]
        for number, answer in self._rejudge(data, plain).items():
            answered(number, answer)
        for number in sorted(set(range(len(data["steps"]))) - set(plain)):
            answered(number, self._recheck(data, number, survey["dependencies"][str(number)], answers, problems))
        steps = tuple(
            _report(number, data, answers[number], problems.get(str(number), []))
            for number in range(len(data["steps"]))
        )
        return TranscriptReport(path, data["name"], steps, tuple(survey["file_problems"]), tuple(survey["premises"]))

    def _rejudge(self, data: dict[str, Any], numbers: list[int]) -> dict[int, dict[str, Any]]:
        """The judge's answers on these steps, a few tasks ahead of the workers (bounded memory)."""
        waiting: deque = deque()
        answers = {}
        window = 2 * (self.jobs or os.cpu_count() or 1)
        for number in numbers + [None] * window:
            if number is not None:
                waiting.append((number, self._submit(_rejudge_step, data, number, [number], [], {})))
            if len(waiting) > window or (number is None and waiting):
                done, task = waiting.popleft()
                answers[done] = _outcome_of(task, self._limit(data, done))
        return answers

    def _recheck(self, data: dict[str, Any], number: int, chains: list[int],
                 answers: dict[int, dict[str, Any]], problems: dict[str, list[str]]) -> dict[str, Any]:
        needed = [n for chain in chains for n in step_numbers(data, chain)]
        missing = [n for n in needed if n not in answers]
        if missing:
            return {"outcome": UNKNOWN, "reason": f"not re-judgeable: its evidence rests on step {missing[0] + 1}, "
                    "which comes after it"}
        failed = [n for n in needed if "verification" not in answers[n]]
        if failed:
            return {"outcome": UNKNOWN,
                    "reason": f"its evidence rests on step {failed[0] + 1}, which did not re-verify"}
        broken = [n for n in needed if problems.get(str(n))]
        if broken:  # a chain whose steps do not join up shows nothing between its start and its end
            return {"outcome": UNKNOWN, "reason": f"its evidence rests on step {broken[0] + 1}, "
                    f"which is inconsistent ({problems[str(broken[0])][0]})"}
        rejudged = {str(n): answers[n]["verification"] for n in needed}
        task = self._submit(_recheck_evidence, data, number, [number, *needed], chains, rejudged, every_context=True)
        return _outcome_of(task, self._limit(data, number))

    def _submit(self, function: Callable[[str], Any], data: dict[str, Any], number: int, steps: list[int],
                chains: list[int], rejudged: dict, every_context: bool = False) -> Any:
        part = _subset(data, steps, chains, every_context)
        payload = json.dumps({**part, "number": number, "rejudged": rejudged})
        if self._pool is None:  # started on the first task: an unreadable file needs no workers
            self._pool = BoundedPool(self.jobs)
        return self._pool.submit(function, payload, seconds=self._limit(data, number))

    def _limit(self, data: dict[str, Any], number: int) -> float:
        """The transcript's own time limit for this step's context, at most ``self.seconds``."""
        index = data["chains"][data["steps"][number]["chain"]]["context"]
        recorded = data["contexts"][index].get("seconds") if index is not None else None
        if type(recorded) in (int, float) and 0 < recorded < self.seconds:
            return float(recorded)
        return self.seconds


def _subset(data: dict[str, Any], steps: list[int], chains: list[int], every_context: bool) -> dict[str, Any]:
    """The parts of a transcript a task needs (these steps, their chains and these, their contexts), others None.

    Each task gets its own copy of the transcript's JSON: without this the copies
    would grow with the square of the transcript's length.  Evidence may cite any
    context by its index: ``every_context`` keeps them all.
    """
    chains = set(chains) | {data["steps"][n]["chain"] for n in steps}
    contexts = {data["chains"][c]["context"] for c in chains}
    return {
        "steps": [s if n in steps else None for n, s in enumerate(data["steps"])],
        "chains": [c if n in chains else None for n, c in enumerate(data["chains"])],
        "contexts": [c if every_context or n in contexts else None for n, c in enumerate(data["contexts"])],
    }


def _bounded_survey(data: dict[str, Any], path: str) -> dict[str, Any]:
    try:
        survey = bounded(_survey, data, seconds=READ_SECONDS)
    except TimeLimitExceeded:
        raise TranscriptError(f"{path}: could not rebuild the transcript within {READ_SECONDS:g} s") from None
    except ChildFailed as exc:
        raise TranscriptError(f"{path}: could not rebuild the transcript ({exc.kind}: {_short(str(exc))})") from None
    if "error" in survey:
        raise TranscriptError(f"{path}: {survey['error']}")
    return survey


def _outcome_of(task: Any, seconds: float) -> dict[str, Any]:
    try:
        return task.result()
    except TimeLimitExceeded:
        return {"outcome": UNKNOWN, "reason": f"time limit: no decision within {seconds:g} s"}
    except ChildFailed as exc:
        return {"outcome": UNKNOWN, "reason": f"the re-check failed ({exc.kind}: {_short(str(exc))})"}


def _report(number: int, data: dict[str, Any], answer: dict[str, Any], problems: list[str]) -> StepReport:
    step = data["steps"][number]
    recorded = step["verification"]
    found = answer.get("verification")
    outcome = {Outcome.REFUTED.value: REFUTED, Outcome.UNKNOWN.value: UNKNOWN}.get(answer["outcome"], UNKNOWN)
    if answer["outcome"] == Outcome.VERIFIED.value and found is not None:
        stronger = Status(found["status"]).strength >= Status(recorded["status"]).strength
        outcome = RE_VERIFIED if stronger else WEAKER
    return StepReport(
        number=number + 1, chain=data["chains"][step["chain"]]["heading"], rule=step["rule"],
        recorded_status=recorded["status"], recorded_method=recorded["method"],
        outcome=outcome, reason=answer.get("reason", ""),
        status=found and found["status"], method=found and found["method"],
        detail=found["detail"] if found else "", premises=tuple(found["premises"]) if found else (),
        counterexample=answer.get("counterexample"), problems=tuple(problems),
    )


def verify_files(paths: list[str], jobs: int | None = None, seconds: float = MAX_STEP_SECONDS,
                 ) -> tuple[list[TranscriptReport], list[str]]:
    """Reports for the readable files and one message per unreadable one."""
    reports, errors = [], []
    with Verifier(jobs, seconds) as verifier:
        for path in paths:
            try:
                reports.append(verifier.verify_file(path))
            except TranscriptError as exc:
                errors.append(str(exc))
    return reports, errors


# ---------------------------------------------------------------- output


def report_text(report: TranscriptReport) -> str:
    counts: dict[str, int] = {}
    for step in report.steps:
        key = step.outcome if not step.problems else "inconsistent"
        counts[key] = counts.get(key, 0) + 1
    tally = ", ".join(f"{n} {outcome}" for outcome, n in counts.items())
    lines = [f"{report.path}: {report.name}: {len(report.steps)} steps ({tally or 'none'})"]
    lines += ["  stated premises (labels the steps cite):"] + [f"    {premise}" for premise in report.premises]
    for step in report.steps:
        lines.append(f"  step {step.number} ({step.rule!r} in {step.chain!r}): {_describe(step)}")
        lines.extend(f"    problem: {problem}" for problem in step.problems)
    lines.extend(f"  problem: {problem}" for problem in report.problems)
    lines.append(f"  {'PASSED' if report.passed else 'FAILED'}")
    return "\n".join(lines)


def _describe(step: StepReport) -> str:
    if step.outcome in (RE_VERIFIED, WEAKER):
        premises = f" from {', '.join(step.premises)}" if step.premises else ""
        return f"{step.outcome}: {step.status} by {step.method}{premises} (recorded {step.recorded_status})"
    if step.outcome == REFUTED:
        shown = ", ".join(f"{k} = {v}" for k, v in (step.counterexample or {}).items())
        return f"REFUTED: {step.reason}" + (f" (counterexample: {shown})" if shown else "")
    return f"UNKNOWN: {step.reason} (recorded {step.recorded_status})"


def reports_json(reports: list[TranscriptReport], errors: list[str]) -> str:
    passed = not errors and all(r.passed for r in reports)
    return json.dumps({"passed": passed, "transcripts": [r.to_dict() for r in reports], "errors": errors},
                      indent=2, ensure_ascii=False)


def default_jobs() -> int:
    return os.cpu_count() or 1
