"""RpcBackend (solana-py AsyncClient) against a loopback JSON-RPC server backed by LiteSVM.

No Solana validator can be installed on this machine, so the server started here answers
with real LiteSVM results serialised by solders' own RPC types.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from omnistake.chains.solana.backend import Commitment
from omnistake.chains.solana.custody import Burner, Custodian
from omnistake.chains.solana.deposits import DepositVerifier
from omnistake.chains.solana.errors import (
    BlockhashExpired,
    DepositRejected,
    RpcUnavailable,
    TransactionFailed,
)
from omnistake.chains.solana.litesvm_backend import LiteSvmBackend
from omnistake.chains.solana.localnet import (
    create_ata,
    create_mint,
    create_stake_account,
    create_vote_account,
    deposit_lst,
    deposit_stake,
    mint_to,
    send,
)
from omnistake.chains.solana.programs import (
    STAKE_PROGRAM_ID,
    TOKEN_PROGRAM_ID,
    associated_token_address,
)
from omnistake.chains.solana.rpc_backend import RpcBackend
from omnistake.chains.solana.rpc_server import LiteSvmRpcServer
from omnistake.chains.solana.signer import KeypairSigner, build_transaction
from omnistake.chains.solana.vaults import StakeVault, TokenVault, custodied_stake, token_balance
from solana_world import SOL
from solders.keypair import Keypair
from solders.system_program import TransferParams, transfer


@dataclass
class Net:
    svm: LiteSvmBackend
    rpc: RpcBackend
    server: LiteSvmRpcServer


@pytest.fixture
async def net() -> AsyncIterator[Net]:
    svm = LiteSvmBackend(commitment=Commitment.CONFIRMED)
    server = LiteSvmRpcServer(svm).start()
    rpc = RpcBackend(server.url, commitment=Commitment.CONFIRMED, poll_interval=0.01)
    try:
        yield Net(svm, rpc, server)
    finally:
        await rpc.close()
        server.stop()


async def test_reads_match_litesvm(net: Net) -> None:
    k = Keypair().pubkey()
    net.svm.airdrop(k, 7 * SOL)
    assert await net.rpc.get_balance(k) == 7 * SOL
    assert await net.rpc.get_account(Keypair().pubkey()) is None
    acct = await net.rpc.get_account(k)
    assert acct is not None and acct.lamports == 7 * SOL
    net.svm.warp_epochs(3, slot_offset=5)
    assert await net.rpc.get_clock() == await net.svm.get_clock()
    assert await net.rpc.minimum_delegation() == await net.svm.minimum_delegation()
    assert await net.rpc.minimum_balance_for_rent_exemption(200) == (
        await net.svm.minimum_balance_for_rent_exemption(200)
    )
    assert await net.rpc.get_block_height() == net.svm.slot


async def test_full_flow_over_rpc(net: Net) -> None:
    rpc = net.rpc
    hub = KeypairSigner(Keypair())
    payer = KeypairSigner(Keypair())
    alice = KeypairSigner(Keypair())
    for who in (payer, alice):
        net.svm.airdrop(who.pubkey(), 100 * SOL)
    mint = await create_mint(rpc, payer)
    await create_ata(rpc, payer, hub.pubkey(), mint)
    src = await create_ata(rpc, payer, alice.pubkey(), mint)
    await mint_to(rpc, payer, mint, src, 1_000)
    vault = TokenVault.at_ata("v", mint, 9, hub.pubkey(), TOKEN_PROGRAM_ID)
    vote = await create_vote_account(rpc, payer)
    svault = StakeVault("s", hub.pubkey(), frozenset({vote}))
    verifier = DepositVerifier(rpc)
    custodian = Custodian(rpc, hub, fee_payer=payer)

    sig = await deposit_lst(rpc, alice, vault, 600, staker_account="hub:alice")
    dep = await verifier.verify_lst(vault, sig, staker_account="hub:alice", amount=600)
    clock_time = net.svm.unix_time_at(dep.slot)
    assert (dep.amount, dep.block_time) == (600, clock_time)
    with pytest.raises(DepositRejected) as again:
        await verifier.verify_lst(vault, sig, staker_account="hub:alice", amount=600)
    assert again.value.reason == "REPLAYED_SIGNATURE"
    assert await token_balance(rpc, vault.token_account) == 600

    stake = await create_stake_account(rpc, alice, 3 * SOL, vote=vote)
    net.svm.warp_epochs(1)
    sig = await deposit_stake(rpc, alice, stake, hub.pubkey(), staker_account="hub:alice")
    dep = await verifier.verify_native(
        svault, sig, staker_account="hub:alice", stake_account=stake, amount=3 * SOL
    )
    assert dep.vote_account == vote
    # memcmp filters are applied by the server
    assert [c.pubkey for c in await custodied_stake(rpc, svault)] == [stake]
    assert len(await rpc.get_program_accounts(STAKE_PROGRAM_ID)) == 1

    net.svm.warp_epochs(2)
    paid = await custodian.pay_tokens("p1", vault, alice.pubkey(), 250)
    assert paid.fee == 5000 * 2  # two signatures: fee payer and vault authority
    assert await token_balance(rpc, vault.token_account) == 350
    assert (
        await token_balance(
            rpc, associated_token_address(alice.pubkey(), mint, vault.token_program)
        )
        == 650
    )
    assert (await custodian.pay_tokens("p1", vault, alice.pubkey(), 250)).replayed
    assert await token_balance(rpc, vault.token_account) == 350
    slashed = await custodian.slash_stake("s1", svault, SOL, Burner.burn())
    assert slashed.stake_account is not None
    assert sum(c.stake for c in await custodied_stake(rpc, svault)) == 2 * SOL


async def test_typed_errors(net: Net) -> None:
    rpc = net.rpc
    a = KeypairSigner(Keypair())
    net.svm.airdrop(a.pubkey(), SOL)
    # preflight failure: spending more than the balance
    with pytest.raises(TransactionFailed) as failed:
        await send(
            rpc,
            a,
            [
                transfer(
                    TransferParams(
                        from_pubkey=a.pubkey(), to_pubkey=Keypair().pubkey(), lamports=5 * SOL
                    )
                )
            ],
            [],
        )
    assert failed.value.reason == "TRANSACTION_FAILED"
    assert failed.value.logs  # the program's logs travel with the error
    # an expired blockhash
    bh = await rpc.latest_blockhash()
    net.svm.warp_slots(200)
    tx = build_transaction(
        a,
        [
            transfer(
                TransferParams(from_pubkey=a.pubkey(), to_pubkey=Keypair().pubkey(), lamports=1)
            )
        ],
        [],
        bh.blockhash,
    )
    with pytest.raises(BlockhashExpired):
        await rpc.send(tx)


async def test_unreachable_endpoint_is_typed() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    rpc = RpcBackend(f"http://127.0.0.1:{port}", retries=1, backoff=0.01, timeout=1)
    try:
        with pytest.raises(RpcUnavailable) as info:
            await rpc.get_balance(Keypair().pubkey())
        assert info.value.reason == "RPC_UNAVAILABLE"
    finally:
        await rpc.close()
