"""Fixtures shared by every test layer."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: ``shared/`` lies beside the checkout, for developers and CI alike.
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only ``shared/`` folder; fails loudly when it is missing."""
    if not SHARED.is_dir():
        pytest.fail(f"expected the project's shared/ folder at {SHARED} (it lies beside the checkout)")
    return SHARED


class FakeClock:
    """A settable clock for TTL and timestamp tests."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
