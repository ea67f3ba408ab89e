"""A persistent cache of ``symderive check`` outcomes, so re-grading the same steps is cheap.

An outcome is stored under a digest of everything it depends on:

* the code that judged it (a digest of every source file of the package: any change to
  the judge, the notation layer or this checker starts afresh);
* the declarations in force (their canonical JSON form, directive labels included, so a
  reason citing "define at line 12" is never served for a definition standing elsewhere);
* the relation: its sign, its two sides and the conditions written after it, as written, white
  space runs collapsed to one space (comments are already blanked by the reader; collapsing never
  joins two tokens).

Only answers the judging function gave are stored: a time limit or a crashed worker is
a fact about that run, not about the relation.  An entry that does not read back as an
outcome is a miss.  The store is one SQLite file (safe for several processes at once); a
cache that cannot be opened or written is dropped with a warning, never an error.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from functools import lru_cache
from pathlib import Path
from typing import Any

FILE_NAME = "verdicts.sqlite"
FORMAT = "symderive-check-cache/1"
VERDICTS = ("verified", "plausible", "refuted", "unknown", "error")
MAX_VALUE_CHARS = 2_000_000


class CacheUnavailable(Exception):
    """The cache directory or file cannot be used (the run goes on without it)."""


@lru_cache(maxsize=1)
def code_version() -> str:
    """A digest of the package's source files: verdicts of other code are never served."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256(FORMAT.encode())
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def relation_key(scope_key: str, lhs: str, sign: str, rhs: str, conditions: tuple[tuple[str, ...], ...] = ()) -> str:
    """The key of the outcome of ``lhs sign rhs`` judged under the declarations whose digest is ``scope_key``
    (and under the ``conditions`` written after it, if any)."""
    written = [" ".join(part.split()) for condition in conditions for part in condition]
    return _digest("relation", scope_key, " ".join(lhs.split()), sign, " ".join(rhs.split()), *written)


def scope_key(kind: str, scope_key: str, *texts: str) -> str:
    """The key of the declarations after a directive or definition (its ``kind`` and ``texts``, label included)."""
    return _digest("scope", kind, scope_key, *texts)


def _digest(*parts: str) -> str:
    return hashlib.sha256(json.dumps([code_version(), *parts]).encode()).hexdigest()


def default_directory() -> Path:
    """``$SYMDERIVE_CACHE_DIR``, else ``$XDG_CACHE_HOME/symderive``, else ``~/.cache/symderive``."""
    explicit = os.environ.get("SYMDERIVE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "symderive"


class VerdictCache:
    """JSON values by key in ``DIRECTORY/verdicts.sqlite``; new ones are written by :meth:`flush`.

    Two kinds of value: a relation's outcome (:meth:`outcome`) and the declarations after
    a directive (:meth:`scope`), so that a re-check of a cached document starts no worker.
    """

    def __init__(self, directory: str | Path) -> None:
        path = Path(directory)
        try:
            path.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path / FILE_NAME), timeout=10.0)
            self._db.execute("CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            self._db.commit()
        except (OSError, sqlite3.Error) as exc:
            raise CacheUnavailable(f"cannot use the cache in {path}: {exc}") from None
        self.path = path / FILE_NAME
        self._pending: dict[str, str] = {}

    def outcome(self, key: str) -> dict | None:
        """A relation's stored outcome, or None."""
        return _outcome(self._get(key))

    def scope(self, key: str) -> dict | None:
        """Stored declarations ``{"text", "key", "laws"}`` or ``{"error"}``, or None."""
        return _scope(self._get(key))

    def put(self, key: str, value: dict) -> None:
        text = json.dumps(value, sort_keys=True, ensure_ascii=False)
        if len(text) <= MAX_VALUE_CHARS and (_outcome(text) or _scope(text)) is not None:
            self._pending[key] = text

    def _get(self, key: str) -> str | None:
        if key in self._pending:
            return self._pending[key]
        try:
            row = self._db.execute("SELECT value FROM entries WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            return None
        return row[0] if row else None

    def flush(self) -> str | None:
        """Write the new values; the warning when that failed (they are then lost, nothing else)."""
        if not self._pending:
            return None
        try:
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?)", self._pending.items())
        except sqlite3.Error as exc:
            return f"the verdict cache {self.path} could not be written: {exc}"
        finally:
            self._pending.clear()
        return None

    def close(self) -> str | None:
        warning = self.flush()
        self._db.close()
        return warning


def _json_object(text: Any) -> dict | None:
    try:
        value = json.loads(text) if isinstance(text, str) and len(text) <= MAX_VALUE_CHARS else None
    except ValueError:
        return None
    return value if isinstance(value, dict) and all(isinstance(k, str) for k in value) else None


def is_final(outcome: dict) -> bool:
    """Whether an outcome the judging function gave may be stored.

    Not an ``unknown`` caused by running out of memory (the judge reports the exception it
    caught by name): like a time limit, that is a fact about the run, not the relation.
    """
    return not (outcome.get("verdict") == "unknown" and "MemoryError" in str(outcome.get("reason", "")))


def _outcome(text: Any) -> dict | None:
    """The stored outcome, or None for anything that is not one (a damaged or foreign entry).

    Every field the report reads is checked for its type, so a damaged entry is a miss, never a crash.
    """
    value = _json_object(text)
    if value is None or value.get("verdict") not in VERDICTS:
        return None
    texts = all(isinstance(value.get(field, ""), str) for field in ("reason", "lhs", "rhs"))
    optional_texts = all(value.get(field) is None or isinstance(value[field], str) for field in ("status", "method"))
    lists = all(_strings(value.get(field, [])) for field in ("conventions", "undeclared"))
    side = "side" not in value or (value["side"] in ("lhs", "rhs") and type(value.get("offset", 0)) is int)
    fine = texts and optional_texts and lists and side and _counterexample(value.get("counterexample"))
    return value if fine else None


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _counterexample(value: Any) -> bool:
    """None, or ``{"values": {name: text}, "lhs": text, "rhs": text}`` as the checker writes it."""
    if value is None:
        return True
    if not isinstance(value, dict) or not set(value) <= {"values", "lhs", "rhs"}:
        return False
    values = value.get("values", {})
    sides = all(value.get(side) is None or isinstance(value[side], str) for side in ("lhs", "rhs"))
    return sides and isinstance(values, dict) and all(isinstance(v, str) for v in values.values())


def _scope(text: Any) -> dict | None:
    value = _json_object(text)
    if value is None:
        return None
    if set(value) == {"error"}:
        return value if isinstance(value["error"], str) else None
    if set(value) != {"text", "key", "laws"} or not isinstance(value["laws"], list):
        return None
    return value if all(isinstance(v, str) for v in (value["text"], value["key"], *value["laws"])) else None
