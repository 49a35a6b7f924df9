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
        made: AdapterHarness = memchain_testing.harness(confirmation_depth=3)
        return made


class TestMemchainDepth1(AdapterConformance):
    """A shallower confirmation depth."""

    @pytest.fixture
    def adapter_harness(self) -> AdapterHarness:
        made: AdapterHarness = memchain_testing.harness(confirmation_depth=1)
        return made


class TestMemchainHubCustody(AdapterConformance):
    """The same adapter in hub custody: deposits verified on request (or followed)."""

    @pytest.fixture
    def adapter_harness(self) -> AdapterHarness:
        made: AdapterHarness = memchain_testing.harness(confirmation_depth=2, custody="hub_custody")
        return made


def test_harness_is_published_through_entry_points() -> None:
    assert installed_harnesses()["memchain"] is memchain_testing.harness


BUILTINS = ("ethereum", "bitcoin", "solana")


def _builtin_status() -> dict[str, str | None]:
    """Per built-in: None when it loads and publishes a harness, else why not."""
    from omnistake.plugins import PluginManager

    report = PluginManager(only=set(BUILTINS), disabled=set()).load_entry_points()
    failed = {f.name: f for f in report.failed}
    harnesses = installed_harnesses()
    status: dict[str, str | None] = {}
    for name in BUILTINS:
        if name in failed:
            status[name] = f"built-in {name} adapter does not load yet: {failed[name].error}"
        elif name not in harnesses:
            status[name] = (
                f"built-in {name} adapter loads but ships no conformance harness yet "
                f"(add harness() to omnistake.chains.{name}.conformance)"
            )
        else:
            status[name] = None
    return status


_STATUS = _builtin_status()


class TestBuiltinAdapters(AdapterConformance):
    """The kit on every built-in adapter that loads (each must publish a harness under the
    ``omnistake.conformance`` entry-point group)."""

    @pytest.fixture(
        params=[
            pytest.param(name, marks=pytest.mark.skip(reason=why)) if why else name
            for name, why in _STATUS.items()
        ]
    )
    def adapter_harness(self, request: pytest.FixtureRequest) -> AdapterHarness:
        harness: AdapterHarness = installed_harnesses()[request.param]()
        return harness
