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
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Generator

from sympy import Dummy

from .check_relation import judge_relation, quick_outcome
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


@dataclass(frozen=True)
class ScopeRequest:
    """A step of a document's preparation: the scope after a directive (``kind`` "declare", ``texts``
    the directive and its label) or after the document's own definition ("define": lhs, rhs, label)."""

    kind: str
    scope: Scope
    texts: tuple[str, ...]

    @property
    def key(self) -> str:
        return scope_key(self.kind, self.scope.key, *self.texts)


# A document's preparation: a generator that yields a ScopeRequest (and is sent back the new
# scope and an error or None) or a Job (sent back None), and returns what it prepared.
Preparation = Generator["ScopeRequest | Job", Any, Any]


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

    # -- declarations, one at a time ------------------------------------------------------------

    def scope_after(self, request: ScopeRequest) -> tuple[Scope, str | None]:
        """The scope after a directive or definition, or the same scope and why it cannot be used."""
        found = self._known_scope(request.key)
        if found is None:
            found = self._learn_scope(request.key, self._submit_scope(request).outcome())
        return _scope_answer(request.scope, found)

    def prepare(self, preparation: Preparation) -> Any:
        """What ``preparation`` prepares, each scope compiled in turn; its relations are not judged."""
        answer = None
        while True:
            try:
                step = preparation.send(answer)
            except StopIteration as stop:
                return stop.value
            answer = self.scope_after(step) if isinstance(step, ScopeRequest) else None

    def _known_scope(self, key: str) -> dict | None:
        return self._scopes.get(key) or (self._cache.scope(key) if self._cache is not None else None)

    def _learn_scope(self, key: str, outcome: Any) -> dict:
        """What a scope task's outcome says, remembered (for the run, and on disk when final)."""
        if isinstance(outcome, TimeLimitExceeded):
            self._scopes[key] = {"error": "reading it took longer than the time limit"}
            return self._scopes[key]
        if isinstance(outcome, Scope):
            found = {"text": outcome.text, "key": outcome.key, "laws": list(outcome.laws)}
        elif isinstance(outcome, str):
            found = {"error": outcome}
        else:
            return {"error": f"the checker failed on it ({outcome})"}
        if self._cache is not None:
            self._cache.put(key, found)
        self._scopes[key] = found
        return found

    def _submit_scope(self, request: ScopeRequest) -> PoolTask:
        function = _declared if request.kind == "declare" else _defined
        return self._submit(function, request.scope.text, request.scope.key, *request.texts, seconds=self.timeout)

    # -- documents and their relations -------------------------------------------------------------

    def run(self, preparations: list[Preparation]) -> list[tuple[Any, list[dict]]]:
        """Every preparation driven to its end and every relation it yields judged: for each, what it
        prepared and one outcome per relation, in order (see :func:`symderive.check_relation.judge_relation`).

        All documents at once: a relation goes to a worker as soon as the declarations in force at it
        are compiled, so that workers judge while a long list of directives is still being compiled.
        """
        return _Schedule(self, preparations).finish()

    def _relation_outcome(self, value: Any) -> dict:
        if isinstance(value, TimeLimitExceeded):
            return {"verdict": "unknown", "reason": f"the time limit of {self.timeout:g} s was reached"}
        if isinstance(value, ChildFailed):
            return {"verdict": "unknown", "reason": f"the checker failed on this relation ({value.kind}: {value})"}
        if not isinstance(value, dict):
            return {"verdict": "unknown", "reason": "the checker failed on this relation (no outcome)"}
        return value

    # -- the pool -------------------------------------------------------------------------------

    def _submit(self, function: Callable, *args: Any, seconds: float) -> PoolTask:
        if self._pool is None:
            warm_up()
            self._pool = BoundedPool(self.jobs)
        return self._pool.submit(function, *args, seconds=seconds)


def _scope_answer(scope: Scope, found: dict) -> tuple[Scope, str | None]:
    if "error" in found:
        return scope, found["error"]
    return Scope(found["text"], found["key"], tuple(found["laws"])), None


@dataclass
class _Document:
    """One preparation being driven: the scope it waits for, its relations and their outcomes."""

    steps: Preparation
    request: ScopeRequest | None = None
    jobs: list[Job] = field(default_factory=list)
    outcomes: list[dict | None] = field(default_factory=list)
    prepared: Any = None
    done: bool = False


class _Schedule:
    """One :meth:`Grader.run`: the tasks in flight and what waits for them.

    Compiling a scope and computing a law's moments go to the pool as soon as they are needed, and
    while any document is still being prepared only one relation per worker is in flight, so that
    a document's next directive never queues behind many relations.  A relation whose scope
    declares laws waits for their moments; the same relation under the same declarations is
    judged once (its copies, here or in a later document, share the outcome)."""

    def __init__(self, grader: Grader, preparations: list[Preparation]) -> None:
        self.grader = grader
        self.documents = [_Document(steps) for steps in preparations]
        self.running: dict[PoolTask, tuple[str, str]] = {}  # task -> ("scope" | "moments" | "relation", its key)
        self.scope_waiters: dict[str, list[_Document]] = {}  # scope in flight -> the documents it stops
        self.copies: dict[str, list[tuple[_Document, int]]] = {}  # relation key -> the places that wait for it
        self.job_of: dict[str, Job] = {}
        self.ready: deque[str] = deque()  # relation keys whose moments are known, in document order
        self.missing_laws: dict[str, set[str]] = {}  # relation key -> laws whose moments it waits for
        self.after_moments: dict[str, list[str]] = {}  # law in flight -> relation keys
        self.finished: dict[str, dict] = {}  # relation key -> its shared outcome

    def finish(self) -> list[tuple[Any, list[dict]]]:
        for document in self.documents:
            self._advance(document, None)
        while self.running or self.ready:
            self._submit_ready()
            for task in wait_first(self.running):
                kind, key = self.running.pop(task)
                value = task.outcome()
                if kind == "scope":
                    self._scope_done(key, value)
                elif kind == "moments":
                    self._moments_done(key, value)
                else:
                    self._relation_done(key, value)
        return [(document.prepared, [
            _with_offset(outcome, job, collapse=False) if outcome is not None
            else {"verdict": "unknown", "reason": "not judged"}
            for outcome, job in zip(document.outcomes, document.jobs)]) for document in self.documents]

    def _advance(self, document: _Document, answer: Any) -> None:
        """Drive ``document`` until it waits for a scope in flight, or ends."""
        while True:
            try:
                step = document.steps.send(answer)
            except StopIteration as stop:
                document.prepared, document.done = stop.value, True
                return
            answer = None
            if isinstance(step, Job):
                self._add_job(document, step)
                continue
            found = self.grader._known_scope(step.key)
            if found is not None:
                answer = _scope_answer(step.scope, found)
                continue
            document.request = step
            if step.key not in self.scope_waiters:
                self.scope_waiters[step.key] = []
                self.running[self.grader._submit_scope(step)] = ("scope", step.key)
            self.scope_waiters[step.key].append(document)
            return

    def _scope_done(self, key: str, value: Any) -> None:
        found = self.grader._learn_scope(key, value)
        for document in self.scope_waiters.pop(key):
            request, document.request = document.request, None
            assert request is not None
            self._advance(document, _scope_answer(request.scope, found))

    def _add_job(self, document: _Document, job: Job) -> None:
        statistics = self.grader.statistics
        statistics.relations += 1
        index = len(document.jobs)
        document.jobs.append(job)
        document.outcomes.append(quick_outcome(job.lhs, job.sign, job.rhs))
        if document.outcomes[index] is not None:
            statistics.quick += 1
            return
        key = relation_key(job.scope.key, job.lhs, job.sign, job.rhs, job.conditions)
        cache = self.grader._cache
        cached = cache.outcome(key) if cache is not None else None
        if cached is not None:
            document.outcomes[index] = cached  # its offset, if any, counts in the side with white space collapsed
            statistics.from_cache += 1
        elif key in self.finished:
            document.outcomes[index] = self.finished[key]
            statistics.repeated += 1
        elif key in self.copies:
            self.copies[key].append((document, index))
            statistics.repeated += 1
        else:
            self.copies[key] = [(document, index)]
            self.job_of[key] = job
            statistics.judged += 1
            self._after_its_moments(key, job)

    def _after_its_moments(self, key: str, job: Job) -> None:
        missing = {law for law in job.scope.laws if law not in self.grader._moments}
        if not missing:
            self.ready.append(key)
            return
        self.missing_laws[key] = missing
        for law in sorted(missing):
            if law not in self.after_moments:
                self.after_moments[law] = []
                seconds = max(self.grader.timeout, MOMENT_SECONDS)  # not under a relation's limit
                self.running[self.grader._submit(_moments, law, seconds=seconds)] = ("moments", law)
            self.after_moments[law].append(key)

    def _moments_done(self, law: str, value: Any) -> None:
        self.grader._moments[law] = value if isinstance(value, str) else ""
        for key in self.after_moments.pop(law):
            self.missing_laws[key].discard(law)
            if not self.missing_laws[key]:
                del self.missing_laws[key]
                self.ready.append(key)

    def _submit_ready(self) -> None:
        preparing = not all(document.done for document in self.documents)
        limit = self.grader.jobs if preparing else TASKS_AHEAD * self.grader.jobs
        in_flight = sum(1 for kind, _ in self.running.values() if kind == "relation")
        while self.ready and in_flight < limit:
            key = self.ready.popleft()
            job = self.job_of[key]
            moments = tuple(self.grader._moments[law] for law in job.scope.laws if self.grader._moments.get(law))
            task = self.grader._submit(_judged, job.lhs, job.sign, job.rhs, job.scope.text, job.scope.key, moments,
                                       job.conditions, seconds=self.grader.timeout)
            self.running[task] = ("relation", key)
            in_flight += 1

    def _relation_done(self, key: str, value: Any) -> None:
        outcome = self.grader._relation_outcome(value)
        shared = _with_offset(outcome, self.job_of[key], collapse=True)
        cache = self.grader._cache
        if isinstance(value, dict) and is_final(outcome) and cache is not None:  # not a time limit, a crash
            cache.put(key, shared)
        self.finished[key] = shared
        for document, index in self.copies.pop(key):
            document.outcomes[index] = shared
