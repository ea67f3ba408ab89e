"""Numerical cross-checks against the real PyTorch (optional extra: ``pip install 'symderive[torch]'``)."""


class TorchMissing(RuntimeError):
    """torch (and numpy) are optional; the cross-checks need them."""


def require_torch():
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - exercised only without torch
        raise TorchMissing("torch is not installed: pip install 'symderive[torch]' (torch==2.13.0)") from exc
    return torch
