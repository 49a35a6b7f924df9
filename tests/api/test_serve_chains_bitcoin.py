"""The chain RPCs end to end on the Bitcoin adapter (regtest chain builder, real blocks and
signatures): an ApiServer on 127.0.0.1 with a SyncSupervisor following the chain, a staking
deposit claimed over gRPC with its inclusion proof, and an EOTS double-sign submitted over
gRPC that slashes through the hub helper named in the chains config."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

pytest.importorskip("omnistake.chains.bitcoin.adapter", reason="the bitcoin extra is missing")

from omnistake import ManualClock, Principal
from omnistake.api.auth import issue_token
from omnistake.api.chains import ChainRuntime
from omnistake.api.server import ApiServer
from omnistake.chains.bitcoin.adapter import BitcoinAdapter
from omnistake.chains.bitcoin.eots import EotsSigner
from omnistake.chains.bitcoin.evidence import InvalidEvidence, encode_evidence
from omnistake.chains.bitcoin.hub import (
    register_babylon_network,
    register_finality_provider,
    sign_fp_pop,
)
from omnistake.chains.bitcoin.registry import StakingRegistry, submission_to_proof
from omnistake.chains.bitcoin.regtest import RegtestBackend
from omnistake.chains.bitcoin.secp import xonly_from_secret
from omnistake.chains.bitcoin.slasher import EquivocationEvidence
from omnistake.chains.bitcoin.testing import StakingWorld, secret
from omnistake.client import OmnistakeClient
from omnistake.errors import Unauthorized
from omnistake.ledger import events as V
from omnistake.plugins import ChainConfig, MemorySyncStore, PluginManager, SyncSupervisor
from omnistake.plugins.config import ChainsConfig, ConfiguredChain
from omnistake.service import LedgerService

K = 3
NETWORK = "babylon"
ALICE_SK = secret("fp-alice")
ALICE_PK = xonly_from_secret(ALICE_SK)
SLASHER = "omnistake.chains.bitcoin.hub:slash_double_sign"


@dataclass
class BtcHub:
    world: StakingWorld
    adapter: BitcoinAdapter
    service: LedgerService
    target: str
    tokens: dict[str, str]

    def client(self, who: str) -> OmnistakeClient:
        return OmnistakeClient(self.target, token=self.tokens[who])


@contextlib.asynccontextmanager
async def btc_hub(tmp_path: Path) -> AsyncIterator[BtcHub]:
    world = StakingWorld.build()
    adapter = BitcoinAdapter(
        RegtestBackend(world.chain),
        world.params,
        StakingRegistry(tmp_path / "registry.json"),
        confirmation_depth=K,
        start_height=world.start_height,
        poll_interval=0.005,
    )
    service = LedgerService.open("memory://", ManualClock(1_700_000_000))
    manager = PluginManager(only={"bitcoin"}, disabled=set())
    manager.load_entry_points()
    chain = ConfiguredChain(
        label="btc",
        chain_id=adapter.chain_id,
        dispatch_interval=0,
        slash_network=NETWORK,
        evidence_slasher=SLASHER,
    )
    supervisor = SyncSupervisor(
        service,
        manager,
        MemorySyncStore(),
        [ChainConfig(chain_id=chain.chain_id)],
        adapters={chain.chain_id: adapter},
    )
    runtime = ChainRuntime(manager, ChainsConfig(chains=(chain,)), supervisor)
    tokens = {}
    for who in ("admin:root", "network:babylon", "network:rival"):
        tokens[who], _ = issue_token(service.store, Principal.parse(who), now=1_700_000_000)
    server = ApiServer(service, listen="127.0.0.1:0", chain_runtime=runtime)
    port = await server.start()
    task = asyncio.create_task(supervisor.run())
    try:
        await register_babylon_network(service, NETWORK)
        await register_finality_provider(
            service,
            adapter,
            operator="fp-alice",
            fp_pk=ALICE_PK,
            pop=sign_fp_pop(ALICE_SK, "fp-alice"),
            network=NETWORK,
        )
        yield BtcHub(world, adapter, service, f"127.0.0.1:{port}", tokens)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await server.stop(0)
        service.close()


async def caught_up(client: OmnistakeClient, chain_id: str) -> None:
    for _ in range(400):
        with contextlib.suppress(Exception):
            status = await client.sync_status(chain_id)
            if status.lag_blocks == 0:
                return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{chain_id} never caught up")


def double_sign(height: int = 77) -> bytes:
    signer = EotsSigner(ALICE_SK, b"bbn-regtest")
    a, b = hashlib.sha256(b"block-a").digest(), hashlib.sha256(b"block-b").digest()
    sig_a = signer.sign(height, a)
    sig_b = signer.sign(height, b, allow_double_sign=True)
    encoded: bytes = encode_evidence(
        EquivocationEvidence(ALICE_PK, height, signer.pub_rand(height), a, sig_a, b, sig_b)
    )
    return encoded


async def test_bitcoin_deposit_claim_and_double_sign_slash_over_grpc(tmp_path: Path) -> None:
    async with btc_hub(tmp_path) as hub, hub.client("admin:root") as admin:
        chain_id = hub.adapter.chain_id
        (listed,) = await admin.list_chains()
        assert (listed.chain_id, listed.adapter) == (chain_id, "bitcoin")

        staked = hub.world.stake(secret("staker-2"), ALICE_PK, 2_000_000)
        hub.world.chain.mine(1 + K)
        await caught_up(admin, chain_id)
        sub = replace(staked.submission, inclusion=hub.world.inclusion(staked.tx))
        staker = hub.adapter.account(sub.staker_pk)
        token, _ = await admin.issue_token(f"staker:{staker}")
        async with OmnistakeClient(hub.target, token=token) as staker_client:
            claimed = await staker_client.claim_deposit(
                chain_id,
                "btc-fp-alice",
                staker,
                staked.txid,
                amount=2_000_000,
                proof=submission_to_proof(sub),
            )
            deposits = [r.event for r in claimed.events if isinstance(r.event, V.Deposited)]
            assert [(d.staker, d.amount) for d in deposits] == [(staker, 2_000_000)]
            again = await staker_client.claim_deposit(
                chain_id, "btc-fp-alice", staker, staked.txid, proof=submission_to_proof(sub)
            )
            assert again.replayed and not claimed.replayed

        hub.world.chain.mine(2)  # the slash is taken against stake after the deposit
        await caught_up(admin, chain_id)
        async with hub.client("network:rival") as rival:
            with pytest.raises(Unauthorized):
                await rival.submit_evidence("eots-double-sign", double_sign())
        async with hub.client("network:babylon") as babylon:
            with pytest.raises(InvalidEvidence) as bad:
                await babylon.submit_evidence("eots-double-sign", b"{}")
            assert bad.value.metadata["cause"] == "MALFORMED_EVIDENCE"
            result = await babylon.submit_evidence("eots-double-sign", double_sign())
        assert result.operator == ALICE_PK.hex() and result.at == 77
        assert result.slashed and result.chain_id == chain_id
        # Babylon's slashing rate of 10%, rounded up against the slashed party.
        assert result.requested_amount == result.slashed_amount == 200_000
        assert result.outcome_status == "submitted"
        outcome = await admin.get_instruction_outcome(result.instruction_id)
        assert (outcome["status"], outcome["tx_id"]) == (result.outcome_status, result.tx_id)
        assert hub.service.ledger.total_stake("btc-fp-alice", 2**40) == 1_800_000
        # The slashing tx the adapter completed and broadcast waits in the regtest mempool.
        assert result.tx_id.split(",") == [t.txid for t in hub.world.chain.mempool] != [""]
