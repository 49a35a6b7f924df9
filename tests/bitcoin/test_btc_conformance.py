"""The plugin conformance kit, run against the Bitcoin adapter on the regtest chain builder."""

from __future__ import annotations

import pytest
from omnistake.chains.bitcoin.testing import harness
from omnistake.testing import AdapterConformance, AdapterHarness


class TestBitcoinConformance(AdapterConformance):
    """Every kit test, on a fresh regtest world (k = 3) per test."""

    @pytest.fixture
    def adapter_harness(self) -> AdapterHarness:
        return harness(confirmation_depth=3)
