"""Shared fixtures for the Ethereum adapter tests (real anvil + real Symbiotic contracts)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
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


class FaultyProxy:
    """Loopback TCP proxy that drops or stalls some client chunks (deterministically)."""

    def __init__(
        self,
        target_port: int,
        drop_every: int = 5,
        stall_every: int = 11,
        error_every: int = 7,
        lose_reply_every: int = 0,
    ) -> None:
        self.target_port = target_port
        self.drop_every, self.stall_every = drop_every, stall_every
        self.error_every, self.lose_reply_every = error_every, lose_reply_every
        self.chunks = self.drops = self.stalls = self.errors = 0
        self.replies = self.lost_replies = 0
        self.server: asyncio.base_events.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 2)

    async def _handle(self, cr: asyncio.StreamReader, cw: asyncio.StreamWriter) -> None:
        ur, uw = await asyncio.open_connection("127.0.0.1", self.target_port)

        async def up() -> None:
            while data := await cr.read(65536):
                self.chunks += 1
                if self.chunks % self.drop_every == 0:
                    self.drops += 1
                    raise ConnectionResetError
                if self.chunks % self.error_every == 0:
                    self.errors += 1
                    cw.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")
                    await cw.drain()
                    raise ConnectionResetError
                if self.chunks % self.stall_every == 0:
                    self.stalls += 1
                    await asyncio.sleep(3)
                    raise ConnectionResetError
                uw.write(data)
                await uw.drain()

        async def down() -> None:
            while data := await ur.read(65536):
                self.replies += 1
                if self.lose_reply_every and self.replies % self.lose_reply_every == 0:
                    self.lost_replies += 1  # the node did the work; the answer is lost
                    raise ConnectionResetError
                cw.write(data)
                await cw.drain()

        tasks = [asyncio.create_task(up()), asyncio.create_task(down())]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for t in tasks:
            t.cancel()
        for w in (cw, uw):
            w.close()


@pytest_asyncio.fixture(loop_scope="module")
async def faulty_proxy() -> AsyncIterator[Callable[..., Awaitable[FaultyProxy]]]:
    """Factory of started :class:`FaultyProxy` objects; all are stopped after the test."""
    started: list[FaultyProxy] = []

    async def make(target_port: int, **kw: int) -> FaultyProxy:
        proxy = FaultyProxy(target_port, **kw)
        await proxy.start()
        started.append(proxy)
        return proxy

    yield make
    for proxy in started:
        await proxy.stop()
