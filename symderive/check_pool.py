"""Running ``symderive check`` on many relations: reused workers, declarations sent once, cached verdicts.

Every piece of work on user text (compiling a directive, reading and judging a relation)
runs as a task of one :class:`~symderive.limits.BoundedPool` (``--jobs N`` reused worker
processes), each task under its own time limit, instead of a forked child per task.

The declarations a relation is judged under travel to the worker as a :class:`Scope`:
the :class:`~symderive.latex_in.notation.Declarations` in the pool's JSON wire format
(``limits.to_wire``), encoded once in the worker that compiled them and decoded at most
once per worker (kept by digest).  Measured on the seed's largest declarations (12 kB of
JSON): about 3 ms to encode and 10 ms to decode, against the ~20 ms of a fork per relation;
rebuilding them from the document in the worker would re-read every directive instead.

The moments of declared laws (integrating ``U(-1/\\sqrt n, 1/\\sqrt n)`` takes seconds)
are computed once per run in a task of their own and sent with each relation, so no
relation's time limit pays for them and every worker gives the same answer.

Outcomes are looked up first in a :class:`~symderive.verdict_cache.VerdictCache` (keyed
by the code, the declarations' canonical digest and the relation); identical relations
under identical declarations are judged once per run.
"""
from __future__ import annotations

import hashlib
import json
import re
from bisect import bisect_left
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from sympy import Dummy

from .exprjson import Encoder
from .latex_in.notation import Declarations
from .limits import BoundedPool, ChildFailed, PoolTask, TimeLimitExceeded, from_wire, to_wire, wait_first, wire_data
from .verdict_cache import CacheUnavailable, VerdictCache, is_final, relation_key, scope_key

MOMENT_SECONDS = 10.0  # per law, at least: moments are computed once per run, outside any relation's limit
TASKS_AHEAD = 4  # per worker: enough to keep workers busy, few enough to bound the queued payloads
KEPT_VALUES = 32  # decoded declarations and moments a worker keeps


@dataclass(frozen=True)
class Scope:
    """The declarations in force at one point of a document, as tasks carry them.

    ``text`` is the :class:`Declarations` in the wire format, ``key`` a digest of their
    canonical form (Dummies numbered by first appearance): equal keys mean equal
    declarations, labels included.  ``laws`` are the declared ``sympy.stats`` laws (wire
    format), whose moments go with each relation.  The parent never decodes any of it.
    """

    text: str
    key: str
    laws: tuple[str, ...] = ()


class _RecordingEncoder(Encoder):
    """The wire encoding, remembering each Dummy's node (whose run-dependent index the key leaves out)."""

    def __init__(self) -> None:
        super().__init__()
        self.dummy_nodes: list[list] = []

    def _atom(self, e, depth):  # type: ignore[override]
        tree = super()._atom(e, depth)
        if isinstance(e, Dummy) and tree is not None:
            self.dummy_nodes.append(tree)
        return tree


def scope_of(declarations: Declarations) -> Scope:
    encoder = _RecordingEncoder()
    packed = wire_data(declarations, encoder)
    text = json.dumps(packed)
    for node in encoder.dummy_nodes:  # canonical: each Dummy's index is its number in the tree
        node[3] = node[1]
    key = hashlib.sha256(json.dumps(packed).encode()).hexdigest()
    laws = tuple(dict.fromkeys(to_wire(f.law) for f in declarations.random_families if f.law is not None))
    return Scope(text, key, laws)


@lru_cache(maxsize=1)
def empty_scope() -> Scope:
    return scope_of(Declarations())


def warm_up() -> None:
    """Load and warm the parser here once, so that every worker process starts with it ready (~5 s).

    Also the modules ``simplify`` imports on first use (~0.9 s in each fresh worker otherwise).
    """
    import sympy.physics.units  # noqa: F401
    import sympy.stats  # noqa: F401

    from .latex_in.notation import warm_up_parser

    warm_up_parser()


# -- in the workers --------------------------------------------------------------------------

_DECODED: OrderedDict[str, Any] = OrderedDict()


def _decoded(text: str, key: str | None = None) -> Any:
    """A wire value, decoded once per process (the most recent ones are kept)."""
    key = key or hashlib.sha256(text.encode()).hexdigest()
    if key in _DECODED:
        _DECODED.move_to_end(key)
        return _DECODED[key]
    value = from_wire(text)
    _DECODED[key] = value
    if len(_DECODED) > KEPT_VALUES:
        _DECODED.popitem(last=False)
    return value


def _kept(declarations: Declarations) -> Scope:
    """The scope of declarations made in this worker, kept decoded: the next directive often comes here."""
    scope = scope_of(declarations)
    _DECODED[scope.key] = declarations
    if len(_DECODED) > KEPT_VALUES:
        _DECODED.popitem(last=False)
    return scope


def declarations_of(scope_text: str, key: str) -> Declarations:
    declarations = _decoded(scope_text, key)
    if not isinstance(declarations, Declarations):
        raise TypeError("a scope that is not declarations")
    return declarations


def _declared(text: str, key: str, directive: str, label: str) -> Scope | str:
    """The scope after ``directive`` (its text), or why it cannot be used."""
    from .latex_in import directives as grammar
    from .latex_in.declarations import declare
    from .latex_in.notation import LatexInputError

    try:
        return _kept(declare(declarations_of(text, key), grammar.parse_directive(directive), label))
    except (LatexInputError, grammar.DirectiveError) as exc:
        return str(exc)


def _defined(text: str, key: str, lhs: str, rhs: str, label: str) -> Scope | str:
    """The scope after the document's own definition ``lhs := rhs``, or why it cannot be used."""
    from .latex_in.declarations import define
    from .latex_in.notation import LatexInputError

    try:
        return _kept(define(declarations_of(text, key), lhs, rhs, label))
    except LatexInputError as exc:
        return str(exc)


def _judged(lhs: str, sign: str, rhs: str, text: str, key: str, moments: tuple[str, ...],
            conditions: tuple[tuple[str, str, str], ...] = ()) -> dict:
    from .check import judge_relation
    from .randomvars import remember_moments

    for known in moments:
        remember_moments(_decoded(known))
    return judge_relation(lhs, sign, rhs, declarations_of(text, key), conditions)


def _moments(law: str) -> str:
    """The low moments of one law (wire format), as wire text."""
    from .randomvars import law_moments

    return to_wire(law_moments([from_wire(law)]))


# -- in the parent ----------------------------------------------------------------------------


def _with_offset(outcome: dict, job: "Job", collapse: bool) -> dict:
    """The outcome with its error offset (if any) moved between the side as written and the side
    with white space collapsed, which is how relations are keyed: the same step written with
    other spacing shares the outcome, and each copy still points at the right character."""
    if not isinstance(outcome.get("offset"), int) or outcome.get("side") not in ("lhs", "rhs"):
        return dict(outcome)
    text = job.lhs if outcome["side"] == "lhs" else job.rhs
    move = _collapsed_offset if collapse else _written_offset
    return {**outcome, "offset": move(text, outcome["offset"])}


def _collapsed_offset(text: str, offset: int) -> int:
    """Where character ``offset`` of ``text`` is in ``" ".join(text.split())`` (or the next one there)."""
    return bisect_left(_collapsed_positions(text), offset)


def _written_offset(text: str, offset: int) -> int:
    """The offset in ``text`` of character ``offset`` of ``" ".join(text.split())``."""
    positions = _collapsed_positions(text)
    return positions[offset] if 0 <= offset < len(positions) else len(text)


def _collapsed_positions(text: str) -> list[int]:
    """For each character of ``" ".join(text.split())``, its offset in ``text``."""
    positions: list[int] = []
    for word in re.finditer(r"\S+", text):
        if positions:
            positions.append(word.start() - 1)  # the one space that stands for the run before the word
        positions.extend(range(word.start(), word.end()))
    return positions


# -- the grader --------------------------------------------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One relation to judge under a scope."""

    lhs: str
    sign: str
    rhs: str
    scope: Scope
    conditions: tuple[tuple[str, str, str], ...] = ()  # (lhs, sign, rhs) of ``\text{ for } t > 0`` after it


@dataclass
class Statistics:
    relations: int = 0
    quick: int = 0  # refused without a worker
    from_cache: int = 0
    repeated: int = 0  # the same relation under the same declarations earlier in the run
    judged: int = 0  # sent to a worker


class Grader:
    """The pool, the cache and what one run has learnt; ``with Grader(...) as grader: ...``.

    The pool starts (and the parser is warmed for it) only when some work is not cached.
    """

    def __init__(self, timeout: float, jobs: int = 1, cache_directory: str | None = None) -> None:
        self.timeout = timeout
        self.jobs = jobs
        self.statistics = Statistics()
        self.warnings: list[str] = []
        self._pool: BoundedPool | None = None
        self._cache: VerdictCache | None = None
        if cache_directory is not None:
            try:
                self._cache = VerdictCache(cache_directory)
            except CacheUnavailable as exc:
                self.warnings.append(f"{exc}; checking without it")
        self._scopes: dict[str, dict] = {}  # scope_key(...) -> {"text", "key", "laws"} or {"error"}
        self._moments: dict[str, str] = {}  # law -> its moments, "" when they did not come in time

    def __enter__(self) -> "Grader":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        if self._cache is not None:
            warning = self._cache.close()
            if warning:
                self.warnings.append(warning)
            self._cache = None

    # -- declarations -----------------------------------------------------------------------

    def declare(self, scope: Scope, directive: str, label: str) -> tuple[Scope, str | None]:
        """The scope with a directive in force, or the same scope and why the directive cannot be used."""
        return self._scope_task(scope, "declare", _declared, directive, label)

    def define(self, scope: Scope, lhs: str, rhs: str, label: str) -> tuple[Scope, str | None]:
        """The scope with the document's definition ``lhs := rhs``, or the same scope and why not."""
        return self._scope_task(scope, "define", _defined, lhs, rhs, label)

    def _scope_task(self, scope: Scope, kind: str, function: Callable, *texts: str) -> tuple[Scope, str | None]:
        key = scope_key(kind, scope.key, *texts)
        found = self._scopes.get(key) or (self._cache.scope(key) if self._cache is not None else None)
        if found is None:
            outcome = self._run(function, scope.text, scope.key, *texts, seconds=self.timeout)
            if isinstance(outcome, Scope):
                found = {"text": outcome.text, "key": outcome.key, "laws": list(outcome.laws)}
            elif isinstance(outcome, str):
                found = {"error": outcome}
            elif isinstance(outcome, TimeLimitExceeded):
                self._scopes[key] = {"error": "reading it took longer than the time limit"}
                return scope, self._scopes[key]["error"]
            else:
                return scope, f"the checker failed on it ({outcome})"
            if self._cache is not None:
                self._cache.put(key, found)
        self._scopes[key] = found
        if "error" in found:
            return scope, found["error"]
        return Scope(found["text"], found["key"], tuple(found["laws"])), None

    # -- relations -----------------------------------------------------------------------------

    def judge(self, jobs: list[Job]) -> list[dict]:
        """One outcome per job, in order (see :func:`symderive.check.judge_relation`)."""
        from .check import quick_outcome

        self.statistics.relations += len(jobs)
        outcomes: list[dict | None] = [None] * len(jobs)
        waiting: dict[str, list[int]] = {}  # relation key -> the jobs that wait for it
        for index, job in enumerate(jobs):
            quick = quick_outcome(job.lhs, job.sign, job.rhs)
            if quick is not None:
                outcomes[index] = quick
                self.statistics.quick += 1
                continue
            key = relation_key(job.scope.key, job.lhs, job.sign, job.rhs, job.conditions)
            cached = self._cache.outcome(key) if self._cache is not None else None
            if cached is not None:
                outcomes[index] = cached  # its offset, if any, counts in the side with white space collapsed
                self.statistics.from_cache += 1
            elif key in waiting:
                waiting[key].append(index)
                self.statistics.repeated += 1
            else:
                waiting[key] = [index]
        self.statistics.judged += len(waiting)
        self._learn_moments({law for indices in waiting.values() for law in jobs[indices[0]].scope.laws})
        for key, outcome, answered in self._judge_all(jobs, waiting):
            shared = _with_offset(outcome, jobs[waiting[key][0]], collapse=True)
            if answered and is_final(outcome) and self._cache is not None:  # not a time limit, a crash, no memory
                self._cache.put(key, shared)
            for index in waiting[key]:
                outcomes[index] = shared
        return [_with_offset(outcome, job, collapse=False) if outcome is not None else
                {"verdict": "unknown", "reason": "not judged"} for outcome, job in zip(outcomes, jobs)]

    def _judge_all(self, jobs: list[Job], waiting: dict[str, list[int]]):
        """(key, outcome, whether the worker answered) for every waiting relation, a few tasks ahead."""
        pending = list(waiting.items())
        pending.reverse()
        running: dict[PoolTask, str] = {}
        while pending or running:
            while pending and len(running) < TASKS_AHEAD * self.jobs:
                key, indices = pending.pop()
                job = jobs[indices[0]]
                moments = tuple(self._moments[law] for law in job.scope.laws if self._moments.get(law))
                task = self._submit(_judged, job.lhs, job.sign, job.rhs, job.scope.text, job.scope.key, moments,
                                    job.conditions, seconds=self.timeout)
                running[task] = key
            for task in wait_first(running):
                value = task.outcome()
                yield running.pop(task), self._relation_outcome(value), isinstance(value, dict)

    def _relation_outcome(self, value: Any) -> dict:
        if isinstance(value, TimeLimitExceeded):
            return {"verdict": "unknown", "reason": f"the time limit of {self.timeout:g} s was reached"}
        if isinstance(value, ChildFailed):
            return {"verdict": "unknown", "reason": f"the checker failed on this relation ({value.kind}: {value})"}
        if not isinstance(value, dict):
            return {"verdict": "unknown", "reason": "the checker failed on this relation (no outcome)"}
        return value

    def _learn_moments(self, laws: set[str]) -> None:
        """The low moments of every new law, each in a task of its own (not under a relation's limit)."""
        seconds = max(self.timeout, MOMENT_SECONDS)
        tasks = [(law, self._submit(_moments, law, seconds=seconds)) for law in sorted(laws) if law not in self._moments]
        for law, task in tasks:
            value = task.outcome()
            self._moments[law] = value if isinstance(value, str) else ""

    # -- the pool -------------------------------------------------------------------------------

    def _submit(self, function: Callable, *args: Any, seconds: float) -> PoolTask:
        if self._pool is None:
            warm_up()
            self._pool = BoundedPool(self.jobs)
        return self._pool.submit(function, *args, seconds=seconds)

    def _run(self, function: Callable, *args: Any, seconds: float) -> Any:
        return self._submit(function, *args, seconds=seconds).outcome()
