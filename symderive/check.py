r"""``symderive check``: judge every relation of a human's LaTeX, report each step's verdict.

The pipeline, per document:

1. :mod:`~symderive.latex_in.document` finds the relations and the directives, in order;
2. directives (and the document's own ``:=`` definitions) are compiled into declarations
   that hold from where they stand to the end;
3. each relation is read by the notation layer and judged by :func:`symderive.judge.judge`
   under its declarations (:mod:`~symderive.check_relation`), the reading and the judging
   together under one time limit in a worker process (:mod:`~symderive.check_pool`);
4. the judge's answer becomes a verdict: ``verified`` (proved), ``plausible`` (exact
   agreement on instances or at points only), ``refuted`` (with a counterexample re-checked
   here, independently of the judge), ``unknown`` (with the reason) or ``error`` (with the
   place and what was expected).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Generator, Iterable, Sequence

from .check_pool import Grader, Job, Preparation, Scope, ScopeRequest, empty_scope
from .latex_in import directives as grammar
from .latex_in.document import Document, DocumentError, DirectiveLine, ReadingProblem, Relation, Side, read_document

DEFAULT_TIMEOUT = 5.0
MAX_RELATIONS = 2_000
VERDICTS = ("verified", "plausible", "refuted", "unknown", "error")


@dataclass(frozen=True)
class Settings:
    timeout: float = DEFAULT_TIMEOUT
    jobs: int = 1
    notation: tuple[tuple[str, str], ...] = ()  # (where, directive) from --notation files
    cache: str | None = None  # directory of the persistent verdict cache; None: no cache
    prose_claims: bool = False  # report a relation written inline in prose as refuted, as a display's would be


@dataclass(frozen=True)
class Entry:
    """One line of a report: a relation (or a problem) and its verdict."""

    line: int
    column: int
    lhs: str
    relation: str
    rhs: str
    verdict: str
    status: str | None = None
    method: str | None = None
    reason: str = ""
    counterexample: dict | None = None

    def as_dict(self) -> dict:
        return {
            "line": self.line, "column": self.column, "lhs": self.lhs, "relation": self.relation,
            "rhs": self.rhs, "verdict": self.verdict, "status": self.status, "method": self.method,
            "reason": self.reason, "counterexample": self.counterexample,
        }


@dataclass(frozen=True)
class FileReport:
    file: str
    entries: tuple[Entry, ...]
    definitions: tuple[dict, ...] = ()
    conventions: tuple[str, ...] = ()

    @property
    def summary(self) -> dict[str, int]:
        counts = {verdict: 0 for verdict in VERDICTS}
        for entry in self.entries:
            counts[entry.verdict] += 1
        return counts

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "relations": [entry.as_dict() for entry in self.entries],
            "summary": self.summary,
            "definitions": list(self.definitions),
            "conventions": list(self.conventions),
        }


# -- documents ---------------------------------------------------------------------------------


def collect_files(paths: Sequence[str]) -> list[Path]:
    """The files named, with every ``.tex``/``.md`` file under a named directory (sorted)."""
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in (".tex", ".md")))
        else:
            files.append(path)
    return files


def notation_directives(path: Path) -> tuple[tuple[str, str], ...]:
    """The directives of a ``--notation`` file, each with its place; raises DocumentError if unreadable."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise DocumentError(f"cannot read {path}: {exc.strerror or exc}") from None
    return tuple((f"{path}:{number}", line) for number, line in grammar.notation_file_lines(text))


def check_paths(files: Iterable[Path], settings: Settings = Settings(),
                warn: Callable[[str], None] | None = None) -> list[FileReport]:
    """Read every file first (a file that cannot be read raises DocumentError), then check them all.

    The relations of all files share one pool of workers (``settings.jobs``) and one cache;
    ``warn`` hears about a cache that cannot be used (the check goes on without it).
    """
    documents = [read_document(path) for path in files]
    grader = grader_for(settings)
    try:
        return check_documents(documents, settings, grader)
    finally:
        grader.close()
        for warning in grader.warnings if warn is not None else ():
            warn(warning)


def check_document(document: Document, settings: Settings = Settings(), grader: Grader | None = None) -> FileReport:
    if grader is None:
        with grader_for(settings) as own:
            return check_documents([document], settings, own)[0]
    return check_documents([document], settings, grader)[0]


def grader_for(settings: Settings) -> Grader:
    """The workers (started when first needed) and the cache of a run."""
    return Grader(settings.timeout, settings.jobs, settings.cache)


@dataclass
class _Prepared:
    """A document read and its declarations compiled; its relations wait for their outcomes."""

    document: Document
    entries: list[Entry]
    definitions: list[dict]
    relations: list[Relation]
    jobs: list[Job]
    prose_claims: bool


def check_documents(documents: Sequence[Document], settings: Settings, grader: Grader) -> list[FileReport]:
    """Compile every document's declarations and judge its relations, all documents at once (a
    relation is judged as soon as the declarations in force at it are compiled)."""
    finished = grader.run([_preparation(document, settings) for document in documents])
    return [_report(prepared, outcomes) for prepared, outcomes in finished]


def _prepare(document: Document, settings: Settings, grader: Grader) -> _Prepared:
    """The document read and its declarations compiled; nothing judged."""
    return grader.prepare(_preparation(document, settings))


def _preparation(document: Document, settings: Settings) -> Preparation:
    """The document's items in order: each directive or definition asks for the scope after it, each
    relation is yielded as a job under the scope in force (see :class:`~symderive.check_pool.Grader`)."""
    entries: list[Entry] = []
    definitions: list[dict] = []
    scope, notation_errors = yield from _notation_scope(settings)
    entries.extend(notation_errors)
    relations: list[Relation] = []
    jobs: list[Job] = []
    for item in document.items:
        if isinstance(item, ReadingProblem):
            place = document.place(item.offset)
            entries.append(Entry(place.line, place.column, "", "", "", "error", reason=item.message))
        elif isinstance(item, DirectiveLine):
            scope = yield from _apply_directive(document, item, scope, entries)
        elif item.sign == ":=":
            scope = yield from _apply_definition(document, item, scope, entries, definitions)
        else:
            relations.append(item)
            conditions = tuple((c.lhs.text, c.sign, c.rhs.text) for c in item.conditions)
            jobs.append(Job(item.lhs.text, item.sign, item.rhs.text, scope, conditions))
            if len(jobs) <= MAX_RELATIONS:
                yield jobs[-1]
    if len(jobs) > MAX_RELATIONS:
        place = document.place(relations[MAX_RELATIONS].offset)
        entries.append(Entry(place.line, place.column, "", "", "", "error",
                             reason=f"{len(jobs)} relations: only the first {MAX_RELATIONS} are judged"))
        relations, jobs = relations[:MAX_RELATIONS], jobs[:MAX_RELATIONS]
    return _Prepared(document, entries, definitions, relations, jobs, settings.prose_claims)


def _report(prepared: _Prepared, outcomes: list[dict]) -> FileReport:
    entries = list(prepared.entries)
    conventions: set[str] = set()
    undeclared: set[str] = set()
    for relation, outcome in zip(prepared.relations, outcomes):
        entry = _entry(prepared.document, relation, outcome)
        entries.append(_as_prose(entry) if relation.prose and not prepared.prose_claims else entry)
        conventions |= set(outcome.get("conventions", ()))
        undeclared |= set(outcome.get("undeclared", ()))
    entries.sort(key=lambda e: (e.line, e.column))
    shown_conventions = sorted(conventions)
    if undeclared:
        shown_conventions.insert(0, "undeclared names are real, deterministic scalars: " + ", ".join(sorted(undeclared)))
    return FileReport(prepared.document.name, tuple(entries), tuple(prepared.definitions), tuple(shown_conventions))


def _notation_scope(settings: Settings) -> Generator[ScopeRequest, Any, tuple[Scope, list[Entry]]]:
    scope, errors = empty_scope(), []
    for where, text in settings.notation:
        scope, error = yield from _compiled(scope, text, f"{where}")
        if error is not None:
            errors.append(Entry(0, 0, text, "directive", "", "error", reason=f"{where}: {error}"))
    return scope, errors


def _compiled(scope: Scope, text: str, label: str) -> Generator[ScopeRequest, Any, tuple[Scope, str | None]]:
    """The scope with the directive ``text`` in force, or the unchanged one and the error."""
    try:
        grammar.parse_directive(text)  # the grammar needs no time limit: refuse early, without a worker
    except grammar.DirectiveError as exc:
        return scope, str(exc)
    return (yield ScopeRequest("declare", scope, (text, label)))


def _apply_directive(document: Document, item: DirectiveLine, scope: Scope,
                     entries: list[Entry]) -> Generator[ScopeRequest, Any, Scope]:
    place = document.place(item.offset)
    keyword = item.text.split(" ", 1)[0]
    new, error = yield from _compiled(scope, item.text, f"{keyword} at line {place.line}")
    if error is not None:
        entries.append(Entry(place.line, place.column, item.text, "directive", "", "error", reason=error))
    return new


def _apply_definition(document: Document, relation: Relation, scope: Scope, entries: list[Entry],
                      definitions: list[dict]) -> Generator[ScopeRequest, Any, Scope]:
    place = document.place(relation.offset)
    label = f":= at line {place.line}"
    new, error = yield ScopeRequest("define", scope, (relation.lhs.text, relation.rhs.text, label))
    shown = {"line": place.line, "column": place.column, "lhs": relation.lhs.shown, "rhs": relation.rhs.shown}
    if error is None:
        definitions.append({**shown, "label": label})
        return new
    entries.append(Entry(place.line, place.column, relation.lhs.shown, ":=", relation.rhs.shown, "error",
                         reason=f"this definition cannot be used: {error}"))
    return scope


# -- entries ----------------------------------------------------------------------------------------

PROSE_REASON = ("in prose a relation is usually a hypothesis, a case or a definition ('for $t > 0$', 'at $L = 6$'), "
                "not a step, so it is not reported as refuted; write steps in display maths, or pass --prose-claims")


def _as_prose(entry: Entry) -> Entry:
    """A relation inline in prose that fails somewhere: ``unknown``, saying where it fails and why it is not refuted.

    One that does not parse stays an ``error``: ill-formed is ill-formed whatever the prose around it says.
    """
    if entry.verdict != "refuted":
        return entry
    return replace(entry, verdict="unknown", status=None, method=None, counterexample=None,
                   reason=f"{entry.reason}; {PROSE_REASON}")


def _entry(document: Document, relation: Relation, outcome: dict) -> Entry:
    place = document.place(relation.offset)
    verdict = outcome.get("verdict", "unknown")
    reason = outcome.get("reason", "")
    line, column = place.line, place.column
    if verdict == "error" and "side" in outcome:
        side: Side = relation.lhs if outcome["side"] == "lhs" else relation.rhs
        offset = min(max(int(outcome.get("offset", 0)), 0), len(side.origins) - 1)
        where = document.place(side.origins[offset])
        line, column = where.line, where.column
        reason = f"{reason} (in the {'left' if outcome['side'] == 'lhs' else 'right'} side, at {where})"
    return Entry(line, column, relation.lhs.shown, relation.sign, relation.rhs.shown, verdict,
                 outcome.get("status"), outcome.get("method"), reason, outcome.get("counterexample"))


# -- reports ----------------------------------------------------------------------------------------


def report_json(reports: list[FileReport]) -> str:
    payload = reports[0].as_dict() if len(reports) == 1 else [r.as_dict() for r in reports]
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def report_text(reports: list[FileReport]) -> str:
    parts = [_file_text(report) for report in reports]
    if len(reports) > 1:
        parts.append(_summary_table(reports))
    return "\n".join(parts)


SHOWN_SIDE = 90


def _file_text(report: FileReport) -> str:
    lines = [report.file]
    for entry in report.entries:
        step = f"{_clip(entry.lhs)} {entry.relation} {_clip(entry.rhs)}".strip()
        lines.append(f"{report.file}:{entry.line}:{entry.column}: {step}")
        label = entry.verdict + (f" ({entry.status})" if entry.status else "")
        lines.append(f"    {label}: {entry.reason}" if entry.reason else f"    {label}")
        if entry.counterexample:
            values = ", ".join(f"{k} = {v}" for k, v in entry.counterexample.get("values", {}).items())
            lines.append(f"    counterexample: {values or 'any values'}")
            if entry.counterexample.get("lhs") is not None:
                lines.append(f"    there lhs = {entry.counterexample['lhs']}, rhs = {entry.counterexample['rhs']}")
    summary = report.summary
    lines.append("summary: " + ", ".join(f"{summary[v]} {v}" for v in VERDICTS))
    for convention in report.conventions:
        lines.append(f"convention: {convention}")
    return "\n".join(lines) + "\n"


def _clip(text: str) -> str:
    return text if len(text) <= SHOWN_SIDE else text[: SHOWN_SIDE - 1] + "…"


def _summary_table(reports: list[FileReport]) -> str:
    width = max(len("file"), *(len(r.file) for r in reports))
    header = f"{'file':<{width}}  " + "  ".join(f"{v:>9}" for v in VERDICTS)
    rows = [header]
    totals = {v: 0 for v in VERDICTS}
    for report in reports:
        summary = report.summary
        rows.append(f"{report.file:<{width}}  " + "  ".join(f"{summary[v]:>9}" for v in VERDICTS))
        for v in VERDICTS:
            totals[v] += summary[v]
    rows.append(f"{'total':<{width}}  " + "  ".join(f"{totals[v]:>9}" for v in VERDICTS))
    return "\n".join(rows) + "\n"


def exit_status(reports: list[FileReport]) -> int:
    """1 when some relation is refuted, else 0 (usage and unreadable files are 2, in the CLI)."""
    return 1 if any(r.summary["refuted"] for r in reports) else 0


__all__ = [
    "DEFAULT_TIMEOUT", "Entry", "FileReport", "Settings", "check_document", "check_paths", "collect_files",
    "exit_status", "judge_context", "judge_relation", "notation_directives", "report_json", "report_text",
    "DocumentError", "check_documents", "grader_for", "human_sums",
]
