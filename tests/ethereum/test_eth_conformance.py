"""The adapter conformance kit on the Ethereum adapter (a fresh anvil per test)."""

from __future__ import annotations

import pytest
from omnistake.chains.ethereum.toolchain import toolchain_available
from omnistake.testing import AdapterConformance, AdapterHarness

_OK, _WHY = toolchain_available()
pytestmark = [
    pytest.mark.anvil,
    pytest.mark.skipif(not _OK, reason=f"Ethereum toolchain missing: {_WHY}"),
]


class TestEthereumAdapterConformance(AdapterConformance):
    """Every kit test on real anvil + real Symbiotic contracts."""

    @pytest.fixture
    def adapter_harness(self) -> AdapterHarness:
        from omnistake.chains.ethereum.conformance import harness

        return harness()
