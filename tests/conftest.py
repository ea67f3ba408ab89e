from __future__ import annotations

from pathlib import Path

import pytest

from symderive import derive

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def init_variance():
    """The derivation is deterministic and takes seconds: derive it once per session."""
    return derive("init-variance")


@pytest.fixture(scope="session")
def homework() -> str:
    return (FIXTURES / "homework.md").read_text(encoding="utf-8")
