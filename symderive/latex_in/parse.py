r"""``parse_expression``: one LaTeX expression to SymPy, under a simple :class:`Notation`, bounded.

The reading itself is the notation layer (:mod:`symderive.latex_in.notation`); this module
keeps the small API the derivations and their tests use: names by spelling, indexed
families by base name, and a wall-clock limit (the parse runs in a child process).
Undeclared names are plain symbols here (no assumptions), as the built-in results expect.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from sympy import Basic, Expr, IndexedBase, Symbol

from ..limits import ChildFailed, TimeLimitExceeded, bounded
from .notation import Declarations, Family, LatexInputError, read_side

PARSE_SECONDS = 5.0


@dataclass(frozen=True)
class Notation:
    """How to read names: ``symbols`` by spelling, ``indexed`` families by base name."""

    symbols: Mapping[str, Symbol] = field(default_factory=dict)
    indexed: Mapping[str, IndexedBase] = field(default_factory=dict)

    def as_declarations(self) -> Declarations:
        return Declarations(
            symbols=dict(self.symbols),
            families={name: Family(base, None) for name, base in self.indexed.items()},
            undeclared_assumptions={},
        )


def parse_expression(text: str, notation: Notation = Notation(), seconds: float = PARSE_SECONDS) -> Expr:
    """Parse one LaTeX expression (not a relation) under ``notation``, within ``seconds``."""
    try:
        return bounded(_parse_in_child, text, notation.as_declarations(), seconds=seconds)
    except TimeLimitExceeded:
        raise LatexInputError(f"parsing took longer than {seconds:g} s; simplify or split the expression") from None
    except ChildFailed as exc:
        if exc.kind in ("LatexInputError", "Unsupported", "Ambiguous", "Undeclared"):
            raise LatexInputError(str(exc)) from None
        if exc.kind == "RecursionError":
            raise LatexInputError("the expression is nested too deeply to parse") from None
        raise LatexInputError(f"cannot parse {text.strip()!r}: {str(exc).strip().splitlines()[0]}") from None


def _parse_in_child(text: str, declarations: Declarations) -> Basic:
    return read_side(text, declarations).expr
