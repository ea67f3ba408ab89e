"""The built-in results, one module each, by name."""
from __future__ import annotations

from typing import Callable

from ..model import Derivation
from . import init_variance

REGISTRY: dict[str, tuple[str, Callable[[], Derivation]]] = {
    init_variance.NAME: (init_variance.TITLE, init_variance.derive),
}


class UnknownResult(KeyError):
    """No built-in result has this name; the message lists the known ones."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(name)
        self.name, self.known = name, known

    def __str__(self) -> str:  # KeyError would print the repr of its argument only
        return f"unknown result {self.name!r}; known: {', '.join(self.known)}"


def names() -> list[str]:
    return list(REGISTRY)


def derive(name: str) -> Derivation:
    """Derive the built-in result ``name`` (see :func:`names`)."""
    if name not in REGISTRY:
        raise UnknownResult(name, names())
    return REGISTRY[name][1]()
