"""The conformance kit on the example third-party adapter (examples/memchain), installed
into the venv by scripts/setup.d/examples.sh and loaded through its entry points."""

from __future__ import annotations

import pytest
from omnistake.testing import AdapterConformance, AdapterHarness, installed_harnesses

memchain_testing = pytest.importorskip(
    "omnistake_memchain.testing",
    reason="examples/memchain is not installed (bash scripts/setup.d/examples.sh)",
)


class TestMemchainDepth3(AdapterConformance):
    """The kit, harness built directly."""

    @pytest.fixture
    def adapter_harness(self) -> AdapterHarness:
        return memchain_testing.harness(confirmation_depth=3)


class TestMemchainDepth1(AdapterConformance):
    """A shallower confirmation depth."""

    @pytest.fixture
    def adapter_harness(self) -> AdapterHarness:
        return memchain_testing.harness(confirmation_depth=1)


def test_harness_is_published_through_entry_points() -> None:
    assert installed_harnesses()["memchain"] is memchain_testing.harness
