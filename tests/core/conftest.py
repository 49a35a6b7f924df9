"""Fixtures for the core ledger tests."""

from __future__ import annotations

import pytest
from core_world import World


@pytest.fixture
def world() -> World:
    """A fresh ledger world (asset, two networks, three operators) at T0."""
    return World()
