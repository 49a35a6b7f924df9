"""Shared test fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
VECTORS = REPO.parent / "shared" / "vectors"


@pytest.fixture
def vectors_dir() -> Path:
    """../shared/vectors, or skip the test with a reason when it is absent."""
    if not VECTORS.is_dir():
        pytest.skip(f"upstream test vectors not found at {VECTORS} (../shared/vectors)")
    return VECTORS
