"""The built-in results, one module each, by name."""
from __future__ import annotations

from typing import Callable

from ..model import Derivation
from . import cnn_jacobian, init_variance

REGISTRY: dict[str, tuple[str, Callable[[], Derivation]]] = {
    init_variance.NAME: (init_variance.TITLE, init_variance.derive),
    cnn_jacobian.NAME: (cnn_jacobian.TITLE, cnn_jacobian.derive),
}


def names() -> list[str]:
    return list(REGISTRY)


def derive(name: str) -> Derivation:
    return REGISTRY[name][1]()
