"""Fixtures for the Solana adapter tests."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("solders.litesvm", reason="the solana extra (solders) is not installed")

from solana_world import World, make_world


@pytest.fixture
async def world(tmp_path: Path) -> World:
    """A world with a classic SPL Token LST vault."""
    return await make_world(tmp_path)
