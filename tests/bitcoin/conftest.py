"""Shared fixtures for the Bitcoin adapter tests."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# bitcoinlib writes to BCL_DATA_DIR on import: keep it in a temporary folder.
os.environ.setdefault("BCL_DATA_DIR", tempfile.mkdtemp(prefix="omnistake-bcl-"))

REPO = Path(__file__).resolve().parents[2]
VECTORS = REPO.parent / "shared" / "vectors"


@pytest.fixture(scope="session")
def vectors_dir() -> Path:
    """``<repo>/../shared/vectors``; the test is skipped when it is absent."""
    if not VECTORS.is_dir():
        pytest.skip(f"shared test vectors not found at {VECTORS}")
    return VECTORS
