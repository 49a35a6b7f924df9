"""The three backends behind one async interface. bitcoind JSON-RPC and Esplora REST clients
run against a loopback HTTP server (127.0.0.1, started and stopped here) serving regtest data.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from btc_world import STAKER_SK, K, World, build_world
from omnistake.chains.bitcoin.backend_api import BitcoinBackend, sync_header_chain
from omnistake.chains.bitcoin.errors import BackendError
from omnistake.chains.bitcoin.http_backends import BitcoindRpcBackend, EsploraBackend
from omnistake.chains.bitcoin.regtest import RegtestBackend, RegtestChain
from omnistake.chains.bitcoin.regtest_server import RegtestHttpServer
from omnistake.chains.bitcoin.spv import REGTEST, HeaderChain
from omnistake.chains.bitcoin.staker import signed_unbonding_tx
from omnistake.chains.bitcoin.tx import OutPoint, Transaction, TxIn, TxOut
from omnistake.chains.bitcoin.verifier import (
    InclusionProof,
    StakingVerifier,
    fetch_inclusion_proof,
)


@pytest.fixture(params=["regtest", "bitcoind-rpc", "esplora"])
async def env(request: pytest.FixtureRequest) -> AsyncIterator[tuple[World, BitcoinBackend]]:
    world = build_world()
    if request.param == "regtest":
        yield world, RegtestBackend(world.chain)
        return
    server = RegtestHttpServer(world.chain, rpc_user="alice", rpc_password="s3cret").start()
    try:
        backend: BitcoinBackend
        if request.param == "bitcoind-rpc":
            backend = BitcoindRpcBackend(server.rpc_url, "alice", "s3cret", timeout=10)
        else:
            backend = EsploraBackend(server.esplora_url, timeout=10)
        yield world, backend
        await backend.close()
    finally:
        server.stop()


async def test_sync_verify_and_broadcast(env: tuple[World, BitcoinBackend]) -> None:
    world, backend = env
    assert isinstance(backend, BitcoinBackend)
    tip = await backend.get_tip()
    assert (tip.height, tip.block_hash) == (world.chain.height, world.chain.tip.hash)
    headers = HeaderChain(REGTEST, await backend.get_header(await backend.get_block_hash(0)), 0)
    assert await sync_header_chain(headers, backend) == world.chain.height

    loc = await backend.get_tx_with_proof(world.staking_tx.txid_bytes)
    inc = await fetch_inclusion_proof(backend, world.staking_tx.txid_bytes)
    assert inc == InclusionProof(loc.block_hash, loc.index, loc.proof)
    assert loc.tx.serialize() == world.staking_tx.serialize()
    block = await backend.get_block(loc.block_hash)
    assert block.txs[loc.index].txid_bytes == world.staking_tx.txid_bytes
    sub = replace(world.submission, inclusion=InclusionProof(loc.block_hash, loc.index, loc.proof))
    rec = StakingVerifier(world.params, headers, K).verify(sub)
    assert rec.inclusion_height == loc.height

    unbond = signed_unbonding_tx(STAKER_SK, world.submission, world.params)
    assert await backend.broadcast(unbond) == unbond.txid_bytes
    world.chain.mine(1)
    assert await sync_header_chain(headers, backend) == world.chain.height
    got = await backend.get_tx_with_proof(unbond.txid_bytes)
    assert got.height == world.chain.height and got.index == 1
    headers.verify_inclusion(got.tx, got.block_hash, got.index, got.proof, 0)

    change = world.chain.utxos[world.staking_tx.outpoint(0)]
    spend = world.chain.spend_key_path(STAKER_SK, [change], [TxOut(10_000, b"\x51")])
    forged = spend.with_witness(0, [bytes(64)])
    with pytest.raises(BackendError):
        await backend.broadcast(forged)
    with pytest.raises(BackendError):
        await backend.broadcast(
            Transaction(2, (TxIn(OutPoint(b"\x42" * 32, 0)),), (TxOut(1, b"\x51"),))
        )
    assert await backend.broadcast(spend) == spend.txid_bytes
    with pytest.raises(BackendError):
        await backend.get_tx_with_proof(b"\x42" * 32)
    with pytest.raises(BackendError):
        await backend.get_block(b"\x42" * 32)


async def test_rpc_rejects_bad_credentials_without_leaking_them() -> None:
    world = build_world()
    with RegtestHttpServer(world.chain, rpc_user="alice", rpc_password="s3cret") as server:
        backend = BitcoindRpcBackend(server.rpc_url, "alice", "wrong-password", timeout=10)
        with pytest.raises(BackendError) as err:
            await backend.get_tip()
        assert err.value.reason == "UNAUTHORIZED"
        assert "wrong-password" not in str(err.value)
    with pytest.raises(BackendError) as err:  # server stopped: nothing listens any more
        await backend.get_tip()
    assert err.value.reason == "UNREACHABLE"


async def test_sync_follows_a_reorg_to_the_heavier_chain() -> None:
    chain_a = RegtestChain()
    chain_b = RegtestChain(start_time=chain_a.tip.header.time + 7)  # diverges at height 1
    chain_a.mine(5)
    chain_b.mine(7)
    headers = HeaderChain(REGTEST, chain_a.blocks[0].header, 0)
    assert await sync_header_chain(headers, RegtestBackend(chain_a)) == 5
    assert headers.tip.hash == chain_a.tip.hash
    assert await sync_header_chain(headers, RegtestBackend(chain_b)) == 7
    assert headers.tip.hash == chain_b.tip.hash
    assert not headers.in_main_chain(chain_a.blocks[3].hash)
    assert headers.in_main_chain(chain_b.blocks[3].hash)
