"""Shared fixtures for the Ethereum adapter tests (real anvil + real Symbiotic contracts)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio
from omnistake.chains.ethereum.toolchain import toolchain_available

AVAILABLE, WHY = toolchain_available()


@dataclass
class World:
    """A devnet with one network (+ middleware), operator, curator and two stakers."""

    devnet: object
    network: object
    middleware: object
    operator: object
    curator: object
    alice: object
    bob: object


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def devnet() -> AsyncIterator[object]:
    """A fresh anvil with the Symbiotic core deployed, one per test module."""
    from omnistake.chains.ethereum.anvil import Anvil
    from omnistake.chains.ethereum.operations import start_local_devnet

    if not AVAILABLE:
        pytest.skip(f"Ethereum toolchain missing: {WHY}")

    async with Anvil() as node:
        yield await start_local_devnet(node)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(devnet: object) -> World:
    """Registered network with middleware, a registered operator opted into the network."""
    from omnistake.chains.ethereum.operations import stand_up_network, stand_up_operator

    dn = devnet
    network = await dn.account()  # type: ignore[attr-defined]
    middleware = await dn.account()  # type: ignore[attr-defined]
    operator = await dn.account()  # type: ignore[attr-defined]
    curator = await dn.account()  # type: ignore[attr-defined]
    alice = await dn.account()  # type: ignore[attr-defined]
    bob = await dn.account()  # type: ignore[attr-defined]
    core = dn.core  # type: ignore[attr-defined]
    await stand_up_network(core, network, middleware.address)
    await stand_up_operator(core, operator, networks=(network.address,))
    return World(dn, network, middleware, operator, curator, alice, bob)
