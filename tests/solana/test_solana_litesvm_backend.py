"""The LiteSVM backend's model of slots, time, epochs, stake history, blockhashes, commitment."""

from __future__ import annotations

import pytest
from omnistake.chains.solana.backend import Commitment
from omnistake.chains.solana.errors import BlockhashExpired, TransactionFailed
from omnistake.chains.solana.litesvm_backend import LiteSvmBackend
from omnistake.chains.solana.localnet import create_stake_account, create_vote_account, send
from omnistake.chains.solana.programs import stake_deactivate
from omnistake.chains.solana.signer import KeypairSigner, build_transaction
from solana_world import SOL
from solders.keypair import Keypair
from solders.system_program import TransferParams, transfer


def pay(a: KeypairSigner, lamports: int = 10**7) -> list:  # type: ignore[type-arg]
    return [
        transfer(
            TransferParams(from_pubkey=a.pubkey(), to_pubkey=Keypair().pubkey(), lamports=lamports)
        )
    ]


async def test_clock_follows_epoch_schedule() -> None:
    b = LiteSvmBackend(slots_per_epoch=1000)
    sched = b.epoch_schedule
    last = await b.get_clock()
    for n, offset in [(1, 0), (2, 17), (5, 999)]:
        epoch = b.warp_epochs(n, slot_offset=offset)
        c = await b.get_clock()
        assert c.epoch == epoch == sched.get_epoch(c.slot)
        assert c.slot == sched.get_first_slot_in_epoch(epoch) + offset
        assert c.unix_timestamp > last.unix_timestamp
        # 400 ms slots: the time since the epoch started matches the slots since it started
        assert c.unix_timestamp - c.epoch_start_timestamp == offset * 400 // 1000
        last = c
    with pytest.raises(Exception) as back:
        b.warp_to_slot(0)
    assert getattr(back.value, "reason", "") == "BACKEND_ERROR"


async def test_stake_history_is_written_and_used() -> None:
    b = LiteSvmBackend()
    owner = KeypairSigner(Keypair())
    b.airdrop(owner.pubkey(), 100 * SOL)
    vote = await create_vote_account(b, owner)
    e0 = (await b.get_clock()).epoch
    stake = await create_stake_account(b, owner, 4 * SOL, vote=vote)
    b.warp_epochs(1)
    hist = b.svm.get_stake_history()
    entry = hist.get(e0)
    assert entry is not None
    assert entry.activating == 4 * SOL
    assert entry.effective == b.cluster_base_stake
    # deactivate at e0+1: the entry for e0+1 then counts it effective and deactivating
    await send(b, owner, [stake_deactivate(stake, owner.pubkey())], [])
    b.warp_epochs(1)
    entry = b.svm.get_stake_history().get(e0 + 1)
    assert entry is not None
    assert (entry.effective, entry.deactivating) == (b.cluster_base_stake + 4 * SOL, 4 * SOL)
    assert b.svm.get_stake_history().get(e0 + 2) is None  # never the current epoch


async def test_blockhash_expires_after_150_slots() -> None:
    b = LiteSvmBackend()
    a = KeypairSigner(Keypair())
    b.airdrop(a.pubkey(), SOL)
    bh = await b.latest_blockhash()
    ok = build_transaction(a, pay(a), [], bh.blockhash)
    b.warp_slots(bh.last_valid_block_height - b.slot)
    await b.send(ok)  # still valid at last_valid_block_height
    late = build_transaction(a, pay(a, 2 * 10**7), [], bh.blockhash)
    with pytest.raises(BlockhashExpired) as info:
        await b.send(late)
    assert info.value.reason == "BLOCKHASH_EXPIRED"
    assert await b.signature_status(late.signatures[0]) is None


async def test_commitment_depths_and_failed_transactions() -> None:
    b = LiteSvmBackend(commitment=Commitment.PROCESSED, slots_per_send=0)
    a = KeypairSigner(Keypair())
    b.airdrop(a.pubkey(), SOL)
    out = await send(b, a, pay(a), [])
    st = await b.signature_status(out.signature)
    assert st is not None and st.commitment is Commitment.PROCESSED
    assert await b.get_transaction(out.signature) is None  # getTransaction needs confirmed
    b.warp_slots(b.confirm_depth)
    st = await b.signature_status(out.signature)
    assert st is not None and st.commitment is Commitment.CONFIRMED
    b.warp_slots(b.finalize_depth)
    st = await b.signature_status(out.signature)
    assert st is not None and st.commitment is Commitment.FINALIZED
    rec = await b.get_transaction(out.signature)
    assert rec is not None and rec.err is None and rec.fee == out.fee == 5000

    before = await b.get_balance(a.pubkey())
    bh = await b.latest_blockhash()
    bad = build_transaction(a, pay(a, 10 * SOL), [], bh.blockhash)
    with pytest.raises(TransactionFailed) as failed:
        await b.send(bad)
    assert "InsufficientFunds" in failed.value.err or "Custom(1)" in failed.value.err
    st = await b.signature_status(bad.signatures[0])
    assert st is not None and st.err is not None
    assert await b.get_balance(a.pubkey()) == before - 5000  # the fee is charged anyway


async def test_set_account_is_seen_by_reads_and_filters() -> None:
    """An injected stake account (hand-built bytes) is found by the custody memcmp query."""
    import struct

    from omnistake.chains.solana.programs import STAKE_PROGRAM_ID, U64_MAX
    from omnistake.chains.solana.vaults import StakeVault, custodied_stake
    from solders.account import Account

    b = LiteSvmBackend()
    authority, voter, pk = Keypair().pubkey(), Keypair().pubkey(), Keypair().pubkey()
    data = (
        struct.pack("<IQ", 2, 2_282_880)
        + bytes(authority) * 2
        + struct.pack("<qQ", 0, 0)
        + bytes(32)
        + bytes(voter)
        + struct.pack("<QQQdQ", 7 * SOL, 0, U64_MAX, 0.25, 0)
        + b"\x00" * 4
    )
    assert len(data) == 200
    b.set_account(pk, Account(7 * SOL + 2_282_880, data, STAKE_PROGRAM_ID, False, 0))
    held = await custodied_stake(b, StakeVault("v", authority, frozenset({voter})))
    assert [(c.pubkey, c.stake, c.voter) for c in held] == [(pk, 7 * SOL, voter)]
    assert await custodied_stake(b, StakeVault("w", voter)) == []
