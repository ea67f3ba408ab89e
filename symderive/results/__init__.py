"""The built-in results, one module each, by name."""
from __future__ import annotations

from typing import Callable

from ..model import Derivation
from . import affine_gaussian, init_variance, kl_additive, kl_gaussian, kl_nonnegative

REGISTRY: dict[str, tuple[str, Callable[[], Derivation]]] = {
    module.NAME: (module.TITLE, module.derive)
    for module in (init_variance, affine_gaussian, kl_nonnegative, kl_additive, kl_gaussian)
}


def names() -> list[str]:
    return list(REGISTRY)


def derive(name: str) -> Derivation:
    return REGISTRY[name][1]()
