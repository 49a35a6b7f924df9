"""The adapter over RpcBackend (loopback JSON-RPC server backed by LiteSVM) sees exactly what
it sees on LiteSVM directly: the same slots, block hashes, times, deposit facts and verified
deposits. Also the backend reads the adapter added (getSlot per commitment, getBlock,
getSignaturesForAddress with paging)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("solders.litesvm", reason="the solana extra (solders) is not installed")

from omnistake.chains.solana import rpc_backend
from omnistake.chains.solana.adapter import SolanaAdapter
from omnistake.chains.solana.backend import Commitment
from omnistake.chains.solana.errors import BackendError
from omnistake.chains.solana.litesvm_backend import LiteSvmBackend
from omnistake.chains.solana.localnet import deposit_lst
from omnistake.chains.solana.rpc_backend import RpcBackend
from omnistake.chains.solana.rpc_server import LiteSvmRpcServer
from omnistake.chains.solana.signer import KeypairSigner, KeystoreSigner
from omnistake.chains.solana.vaults import TokenVault
from omnistake.plugins import DepositClaim
from omnistake.testing import canonical_final_blocks
from solana_kit import KIT_VAULT, make_cluster

CHAIN = "solana:litesvm-rpc"


@dataclass(eq=False)
class Pair:
    svm: LiteSvmBackend
    rpc: RpcBackend
    hub: KeystoreSigner
    payer: KeypairSigner
    vault: TokenVault
    staker: KeypairSigner
    server: LiteSvmRpcServer

    def adapter(self, backend: object, **extra: object) -> SolanaAdapter:
        return SolanaAdapter.from_options(
            CHAIN,
            {
                "backend": backend,
                "keystore": str(self.hub.path),
                "fee_payer": self.payer,
                "vaults": {KIT_VAULT: {"custody": self.vault}},
                "poll_interval": 0.005,
                **extra,
            },
        )

    async def deposit(self, amount: int) -> str:
        sig = await deposit_lst(
            self.svm,
            self.staker,
            self.vault,
            amount,
            staker_account=f"{CHAIN}:{self.staker.pubkey()}",
        )
        return str(sig)


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[Pair]:
    svm, hub, payer, vault, staker = await make_cluster(tmp_path)
    server = LiteSvmRpcServer(svm).start()
    rpc = RpcBackend(server.url, commitment=Commitment.CONFIRMED, poll_interval=0.005)
    try:
        yield Pair(svm, rpc, hub, payer, vault, staker, server)
    finally:
        await rpc.close()
        server.stop()


async def test_backend_reads_match_litesvm(pair: Pair, monkeypatch: pytest.MonkeyPatch) -> None:
    p = pair
    start = p.svm.slot
    sigs = [await p.deposit(n * 10**9) for n in (1, 2, 3, 4, 5)]
    p.svm.warp_slots(40)
    for level in Commitment:
        assert await p.rpc.get_slot(level) == await p.svm.get_slot(level)
    assert await p.svm.get_slot(Commitment.FINALIZED) == p.svm.slot - 32
    for slot in range(start, start + 6):
        assert await p.rpc.get_block(slot) == await p.svm.get_block(slot)
    first = await p.svm.get_block(start)
    assert first is not None and first.signatures == [sigs[0]]
    with pytest.raises(BackendError) as caught:  # a slot not produced yet
        await p.rpc.get_block(p.svm.slot + 10)
    assert caught.value.reason == "RPC_ERROR"
    # paging back through getSignaturesForAddress, two per page
    monkeypatch.setattr(rpc_backend, "SIGNATURE_PAGE", 2)
    found = await p.rpc.signatures_for_address(p.vault.token_account, start + 1, start + 3)
    assert sorted(a.signature for a in found) == sorted(sigs[1:4])
    direct = await p.svm.signatures_for_address(p.vault.token_account, start + 1, start + 3)
    assert sorted(found, key=lambda a: a.slot) == sorted(direct, key=lambda a: a.slot)


async def test_adapter_over_rpc_equals_direct(pair: Pair) -> None:
    p = pair
    start = p.svm.slot
    sigs = [await p.deposit(n * 10**9 + n) for n in (1, 2, 3)]
    p.svm.warp_slots(40)
    top = await p.svm.get_slot(Commitment.FINALIZED)
    direct = p.adapter(p.svm, start_slot=start)
    remote = p.adapter(p.rpc, start_slot=start)
    via_lite = await canonical_final_blocks(direct, top, 10)
    via_rpc = await canonical_final_blocks(remote, top, 10)
    assert via_rpc == via_lite
    facts = [f for b in via_rpc for f in b.facts]
    assert [f.fact_id for f in facts] == [f"{CHAIN}:{s}" for s in sigs]
    assert [f.command.amount for f in facts] == [n * 10**9 + n for n in (1, 2, 3)]  # type: ignore[attr-defined]
    over_rpc, on_lite = await remote.sync_status(), await direct.sync_status()
    assert over_rpc.finalized == on_lite.finalized
    assert over_rpc.head is not None and on_lite.head is not None
    # a node has no block for the newest processed slot yet: named by slot, time extrapolated
    assert over_rpc.head.height == on_lite.head.height == p.svm.slot
    assert over_rpc.head.hash == f"unconfirmed:{p.svm.slot}"
    assert on_lite.head.timestamp - 1 <= over_rpc.head.timestamp <= on_lite.head.timestamp
    claim = DepositClaim(vault=KIT_VAULT, staker=f"{CHAIN}:{p.staker.pubkey()}", reference=sigs[1])
    got_rpc = await remote.verify_deposit(claim)
    got_direct = await direct.verify_deposit(claim)
    assert got_rpc.fact.command == got_direct.fact.command == facts[1].command
    # both are credited at the Clock time of the head they were verified at
    assert got_rpc.fact.at == got_direct.fact.at == p.svm.unix_time_at(p.svm.slot)
    assert got_rpc.block.height == got_direct.block.height == p.svm.slot
    head = p.svm.block_sync(p.svm.slot)
    assert head is not None and got_direct.block.hash == head.blockhash
    assert got_rpc.block.hash == f"unconfirmed:{p.svm.slot}"  # no block for it on a node yet
    assert (
        got_rpc.confirmations
        == got_direct.confirmations
        == p.svm.slot - via_rpc[1].block.height + 1
    )
    await direct.close()
    await remote.close()


async def test_url_option_opens_and_closes_its_own_client(pair: Pair) -> None:
    adapter = pair.adapter(pair.server.url, commitment="confirmed")
    assert isinstance(adapter.backend, RpcBackend)
    status = await adapter.sync_status()
    assert status.finalized is not None
    assert status.finalized.height == pair.svm.slot - 1
    await adapter.close()
    await adapter.close()
    assert adapter.backend.client._provider.session.is_closed  # type: ignore[attr-defined]
