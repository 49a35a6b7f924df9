"""The conformance kit, as an adapter author runs it in their own package:
`pip install -e examples/memchain[test] && pytest examples/memchain/tests`."""

from __future__ import annotations

import pytest
from omnistake.testing import AdapterConformance, AdapterHarness
from omnistake_memchain.testing import harness


class TestMemchain(AdapterConformance):
    @pytest.fixture
    def adapter_harness(self) -> AdapterHarness:
        return harness(confirmation_depth=2)
