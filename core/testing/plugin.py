"""A pytest plugin with the kit's fixtures, for an adapter author's own tests (beyond the
conformance suite). Enable it in your top-level conftest.py::

    pytest_plugins = ["omnistake.testing.plugin"]

and define an ``adapter_harness`` fixture (see :class:`omnistake.testing.AdapterHarness`).
It is deliberately not a ``pytest11`` entry point: it loads only where asked for.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
import pytest_asyncio
from omnistake.clock import ManualClock
from omnistake.plugins.protocol import ChainAdapter
from omnistake.service import LedgerService

from .harness import AdapterHarness, ChainController


@pytest.fixture
def adapter_harness() -> AdapterHarness:
    """Override in your conftest: an :class:`AdapterHarness` on a fresh test chain."""
    pytest.fail("define an adapter_harness fixture to use omnistake.testing.plugin")


@pytest_asyncio.fixture
async def harness(adapter_harness: AdapterHarness) -> AsyncIterator[AdapterHarness]:
    """The harness, torn down after the test."""
    yield adapter_harness
    if adapter_harness.teardown is not None:
        await adapter_harness.teardown()


@pytest.fixture
def controller(harness: AdapterHarness) -> ChainController:
    """The chain controller."""
    return harness.controller


@pytest_asyncio.fixture
async def adapter_factory(harness: AdapterHarness) -> AsyncIterator[Callable[[], ChainAdapter]]:
    """Builds fresh adapters on the same chain; each is closed after the test."""
    built: list[ChainAdapter] = []

    def make() -> ChainAdapter:
        adapter = harness.make_adapter()
        built.append(adapter)
        return adapter

    yield make
    for adapter in built:
        await adapter.close()


@pytest_asyncio.fixture
async def adapter(harness: AdapterHarness) -> AsyncIterator[ChainAdapter]:
    """One adapter, closed after the test."""
    made = harness.make_adapter()
    yield made
    await made.close()


@pytest_asyncio.fixture
async def ledger_service() -> AsyncIterator[LedgerService]:
    """An in-memory ledger service (clock at 0; facts carry their own timestamps)."""
    service = LedgerService.open("memory://", ManualClock(0))
    yield service
    service.close()
