"""Fixtures for the Solana adapter tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

pytest.importorskip("solders.litesvm", reason="the solana extra (solders) is not installed")

from solana_world import World, make_world


@pytest.fixture(params=["litesvm", "rpc"])
async def world(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    """A world with a classic SPL Token LST vault, seen through each backend in turn."""
    w = await make_world(tmp_path, via_rpc=request.param == "rpc")
    try:
        yield w
    finally:
        await w.close()


@pytest.fixture
async def lite_world(tmp_path: Path) -> World:
    """A world seen directly through the LiteSVM backend (for fault-injection tests)."""
    return await make_world(tmp_path)
