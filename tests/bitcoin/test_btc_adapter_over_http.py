"""The adapter through the core over the real network clients (bitcoind JSON-RPC and
Esplora REST) against the loopback regtest server: credit, claim, unbond, slash."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest
from omnistake.chains.bitcoin.adapter import BitcoinAdapter
from omnistake.chains.bitcoin.eots import EotsSigner
from omnistake.chains.bitcoin.evidence import encode_evidence
from omnistake.chains.bitcoin.hub import (
    domain_time,
    register_babylon_network,
    register_finality_provider,
    sign_fp_pop,
    slash_double_sign,
)
from omnistake.chains.bitcoin.registry import StakingRegistry, submission_to_proof
from omnistake.chains.bitcoin.regtest_server import RegtestHttpServer
from omnistake.chains.bitcoin.secp import xonly_from_secret
from omnistake.chains.bitcoin.slasher import EquivocationEvidence
from omnistake.chains.bitcoin.testing import StakingWorld, secret
from omnistake.clock import ManualClock
from omnistake.plugins import ChainSync, DepositClaim, PluginManager
from omnistake.service import LedgerService

K = 2
FP_SK = secret("http-fp")
FP_PK = xonly_from_secret(FP_SK)


@pytest.mark.parametrize("kind", ["rpc", "esplora"])
async def test_lifecycle_over_http_backend(kind: str) -> None:
    world = StakingWorld.build(coins=6)
    manager = PluginManager(strict=True, only={"bitcoin"})
    manager.load_entry_points()
    with RegtestHttpServer(world.chain) as server:
        url = {"rpc_url": server.rpc_url} if kind == "rpc" else {"esplora_url": server.esplora_url}
        adapter = manager.create_adapter(
            "bip122:0f9188f13cb7b2c71f2a335e3a4fc328",
            {
                **url,
                "params": world.params,
                "registry": StakingRegistry(),
                "confirmation_depth": K,
                "start_height": world.start_height,
                "poll_interval": 0.01,
            },
        )
        assert isinstance(adapter, BitcoinAdapter)
        service = LedgerService.open("memory://", ManualClock(0))
        sync = ChainSync(service, adapter, strict_facts=True)
        await sync.start()
        await register_babylon_network(service, "babylon")
        fp = await register_finality_provider(
            service,
            adapter,
            operator="fp",
            fp_pk=FP_PK,
            pop=sign_fp_pop(FP_SK, "fp"),
            network="babylon",
        )

        def stake() -> int:
            t = domain_time(service, adapter.chain_id)
            return service.ledger.stake_at(fp.vault, "babylon", 0, "fp", t)

        early = world.stake(secret("http-early"), FP_PK, 400_000)
        await adapter.register_delegation(early.submission)
        late = world.stake(secret("http-late"), FP_PK, 600_000)
        world.chain.mine(1 + K)
        await sync.catch_up(20)
        assert stake() == 400_000
        sub = replace(late.submission, inclusion=world.inclusion(late.tx))
        claim = DepositClaim(
            vault=fp.vault,
            staker=adapter.account(sub.staker_pk),
            reference=late.txid,
            proof=submission_to_proof(sub),
        )
        await sync.verify_deposit(claim)
        assert stake() == 1_000_000
        world.unbond(early)
        world.chain.mine(2 + K)
        await sync.catch_up(20)
        assert stake() == 600_000
        signer = EotsSigner(FP_SK, b"http")
        a, b = hashlib.sha256(b"a").digest(), hashlib.sha256(b"b").digest()
        evidence = EquivocationEvidence(
            FP_PK,
            5,
            signer.pub_rand(5),
            a,
            signer.sign(5, a),
            b,
            signer.sign(5, b, allow_double_sign=True),
        )
        result = await slash_double_sign(
            sync, adapter, encode_evidence(evidence), network="babylon"
        )
        assert result.slashed == 60_000
        assert result.report is not None and len(result.report.broadcast) == 2
        assert {t.txid_bytes for t in world.chain.mempool} == {
            c.tx.txid_bytes for c in result.report.broadcast
        }
        world.chain.mine(1 + K)
        await sync.catch_up(20)
        assert stake() == 0
        await sync.close()
        service.close()
