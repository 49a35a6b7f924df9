"""The plugin conformance kit, run against the Bitcoin adapter on the regtest chain builder."""

from __future__ import annotations

from pathlib import Path

import pytest
from omnistake.chains.bitcoin.testing import harness
from omnistake.testing import AdapterConformance, AdapterHarness


class TestBitcoinConformance(AdapterConformance):
    """Every kit test, on a fresh regtest world (k = 3) per test."""

    @pytest.fixture
    def adapter_harness(self) -> AdapterHarness:
        return harness(confirmation_depth=3)


class TestBitcoinConformanceFileRegistry(AdapterConformance):
    """The kit again, each adapter reading the delegation registry from its JSON file (what a
    restarted hub, or a second process, sees)."""

    @pytest.fixture
    def adapter_harness(self, tmp_path: Path) -> AdapterHarness:
        return harness(confirmation_depth=2, registry_path=str(tmp_path / "registry.json"))
