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


BUILTINS = ("ethereum", "bitcoin", "solana")


def _builtin_params() -> list[object]:
    from omnistake.plugins import PluginManager

    report = PluginManager(only=set(BUILTINS), disabled=set()).load_entry_points()
    failed = {f.name: f for f in report.failed}
    harnesses = installed_harnesses()
    params: list[object] = []
    for name in BUILTINS:
        if name in failed:
            reason = f"built-in {name} adapter does not load yet: {failed[name].error}"
            params.append(pytest.param(name, marks=pytest.mark.skip(reason=reason)))
        elif name not in harnesses:
            params.append(
                pytest.param(
                    name,
                    marks=pytest.mark.xfail(
                        strict=True,
                        reason=f"built-in {name} adapter ships no conformance harness",
                    ),
                )
            )
        else:
            params.append(name)
    return params


class TestBuiltinAdapters(AdapterConformance):
    """The kit on every built-in adapter that loads (each must publish a harness under the
    ``omnistake.conformance`` entry-point group)."""

    @pytest.fixture(params=_builtin_params())
    def adapter_harness(self, request: pytest.FixtureRequest) -> AdapterHarness:
        harnesses = installed_harnesses()
        if request.param not in harnesses:
            pytest.fail(f"built-in {request.param} adapter ships no conformance harness")
        return harnesses[request.param]()
