"""The built-in results, one module each, by name."""
from __future__ import annotations

from typing import Callable

from ..model import Derivation
from . import affine_gaussian, cnn_jacobian, init_variance, kl_additive, kl_gaussian, kl_nonnegative

REGISTRY: dict[str, tuple[str, Callable[[], Derivation]]] = {
    module.NAME: (module.TITLE, module.derive)
    for module in (init_variance, affine_gaussian, kl_nonnegative, kl_additive, kl_gaussian, cnn_jacobian)
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
