"""The anvil runner: loopback port, deterministic time, snapshots, clean stop."""

from __future__ import annotations

import socket

import pytest
from omnistake.chains.ethereum.anvil import Anvil
from omnistake.chains.ethereum.errors import AnvilError
from omnistake.chains.ethereum.toolchain import toolchain_available

_OK, _WHY = toolchain_available()
pytestmark = [
    pytest.mark.anvil,
    pytest.mark.skipif(not _OK, reason=f"Ethereum toolchain missing: {_WHY}"),
]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


async def test_time_snapshots_and_stop() -> None:
    start = 1_800_000_000
    async with Anvil(start_timestamp=start, block_time_interval=12, chain_id=4242) as node:
        assert node.url.startswith("http://127.0.0.1:") and port_open(node.port)
        assert await node.w3.eth.chain_id == 4242
        assert await node.latest_timestamp() == start
        await node.mine(2)
        assert await node.latest_timestamp() == start + 24
        await node.mine_at(start + 1000)
        assert await node.latest_timestamp() == start + 1000
        await node.mine()
        assert await node.latest_timestamp() == start + 1012

        snap = await node.snapshot()
        height = await node.block_number()
        await node.mine(3)
        assert await node.block_number() == height + 3
        await node.revert(snap)
        assert await node.block_number() == height
        assert await node.latest_timestamp() == start + 1012
        with pytest.raises(AnvilError):
            await node.rpc("evm_no_such_method", [])
        port = node.port
    assert not port_open(port)
    with pytest.raises(AnvilError) as err:
        _ = node.w3
    assert err.value.reason == "ANVIL_NOT_RUNNING"
