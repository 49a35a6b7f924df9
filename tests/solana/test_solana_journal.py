"""A payout id is paid once: across restarts, lost answers, and transactions that never landed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from omnistake.chains.solana.backend import TxOutcome
from omnistake.chains.solana.custody import Custodian
from omnistake.chains.solana.deposits import DepositVerifier
from omnistake.chains.solana.errors import DepositRejected, PayoutError, RpcUnavailable
from omnistake.chains.solana.journal import SqliteJournal
from omnistake.chains.solana.litesvm_backend import LiteSvmBackend
from omnistake.chains.solana.localnet import deposit_lst
from omnistake.chains.solana.programs import associated_token_address
from omnistake.chains.solana.signer import KeypairSigner
from omnistake.chains.solana.vaults import token_balance
from solana_world import World
from solders.transaction import VersionedTransaction

UNIT = 10**9
ALICE: dict[World, KeypairSigner] = {}


class LostAnswer(LiteSvmBackend):
    """Fault injection: the cluster executes the tx, but the answer never reaches us."""

    async def send(self, tx: VersionedTransaction) -> TxOutcome:
        await super().send(tx)
        raise RpcUnavailable("connection reset after send")


class Dropped(LiteSvmBackend):
    """Fault injection: the tx is lost on the way and never reaches the cluster."""

    async def send(self, tx: VersionedTransaction) -> TxOutcome:
        raise RpcUnavailable("connection reset before send")


async def vault_and_alice(w: World) -> tuple[int, int]:
    alice_ata = associated_token_address(ALICE[w].pubkey(), w.mint, w.token_vault.token_program)
    return (
        await token_balance(w.backend, w.token_vault.token_account),
        await token_balance(w.backend, alice_ata),
    )


@pytest.fixture
async def funded(lite_world: World) -> World:
    world = lite_world
    alice = await world.funded_staker(tokens=100 * UNIT)
    sig = await deposit_lst(world.backend, alice, world.token_vault, 100 * UNIT, staker_account="a")
    await world.verifier.verify_lst(world.token_vault, sig, staker_account="a", amount=100 * UNIT)
    ALICE[world] = alice
    return world


async def test_sqlite_journal_survives_restart(funded: World, tmp_path: Path) -> None:
    w = funded
    path = tmp_path / "journal.sqlite"
    first = Custodian(w.backend, w.hub, fee_payer=w.payer, journal=SqliteJournal(path))
    paid = await first.pay_tokens("wd-1", w.token_vault, ALICE[w].pubkey(), 10 * UNIT)
    assert await vault_and_alice(w) == (90 * UNIT, 10 * UNIT)
    restarted = Custodian(w.backend, w.hub, fee_payer=w.payer, journal=SqliteJournal(path))
    again = await restarted.pay_tokens("wd-1", w.token_vault, ALICE[w].pubkey(), 10 * UNIT)
    assert again.replayed and again.signature == paid.signature and again.slot == paid.slot
    assert await vault_and_alice(w) == (90 * UNIT, 10 * UNIT)


async def test_deposit_signatures_survive_restart(funded: World, tmp_path: Path) -> None:
    w = funded
    path = tmp_path / "journal.sqlite"
    alice2 = await w.funded_staker(tokens=5 * UNIT)
    sig = await deposit_lst(w.backend, alice2, w.token_vault, 5 * UNIT, staker_account="b")
    v1 = DepositVerifier(w.backend, journal=SqliteJournal(path))
    await v1.verify_lst(w.token_vault, sig, staker_account="b", amount=5 * UNIT)
    v2 = DepositVerifier(w.backend, journal=SqliteJournal(path))
    with pytest.raises(DepositRejected) as info:
        await v2.verify_lst(w.token_vault, sig, staker_account="b", amount=5 * UNIT)
    assert info.value.reason == "REPLAYED_SIGNATURE"


async def test_lost_answer_is_settled_without_resending(funded: World, tmp_path: Path) -> None:
    w = funded
    journal = SqliteJournal(tmp_path / "j.sqlite")
    lossy = LostAnswer.__new__(LostAnswer)
    lossy.__dict__ = w.backend.__dict__  # the same cluster, seen through a lossy link
    with pytest.raises(RpcUnavailable):
        await Custodian(lossy, w.hub, fee_payer=w.payer, journal=journal).pay_tokens(
            "wd-2", w.token_vault, ALICE[w].pubkey(), 7 * UNIT
        )
    assert await vault_and_alice(w) == (93 * UNIT, 7 * UNIT)  # it did land
    entry = journal.get("wd-2")
    assert entry is not None and entry.result is None and entry.signature is not None
    settled = await Custodian(w.backend, w.hub, fee_payer=w.payer, journal=journal).pay_tokens(
        "wd-2", w.token_vault, ALICE[w].pubkey(), 7 * UNIT
    )
    assert settled.signature == entry.signature and settled.slot > 0 and settled.fee == 10_000
    assert await vault_and_alice(w) == (93 * UNIT, 7 * UNIT)  # not paid twice


async def test_dropped_tx_is_resent_only_after_expiry(funded: World, tmp_path: Path) -> None:
    w = funded
    journal = SqliteJournal(tmp_path / "j.sqlite")
    dropping = Dropped.__new__(Dropped)
    dropping.__dict__ = w.backend.__dict__
    c_drop = Custodian(dropping, w.hub, fee_payer=w.payer, journal=journal)
    c_ok = Custodian(w.backend, w.hub, fee_payer=w.payer, journal=journal)
    with pytest.raises(RpcUnavailable):
        await c_drop.pay_tokens("wd-3", w.token_vault, ALICE[w].pubkey(), 4 * UNIT)
    first = journal.get("wd-3")
    assert first is not None and first.signature is not None
    # the first transaction could still land: refuse to build a second one
    with pytest.raises(PayoutError) as pending:
        await c_ok.pay_tokens("wd-3", w.token_vault, ALICE[w].pubkey(), 4 * UNIT)
    assert pending.value.reason == "PAYOUT_PENDING"
    assert await vault_and_alice(w) == (100 * UNIT, 0)
    # once its blockhash has expired it never can: a new transaction is sent, once
    assert first.last_valid_block_height is not None
    w.svm.warp_to_slot(first.last_valid_block_height + 1)
    paid = await c_ok.pay_tokens("wd-3", w.token_vault, ALICE[w].pubkey(), 4 * UNIT)
    assert paid.signature != first.signature
    assert await vault_and_alice(w) == (96 * UNIT, 4 * UNIT)


async def test_concurrent_requests_pay_once(world: World) -> None:
    """Five concurrent requests for one payout id (real interleaving over RPC): one payment."""
    w = world
    alice = await w.funded_staker(tokens=20 * UNIT)
    sig = await deposit_lst(w.backend, alice, w.token_vault, 20 * UNIT, staker_account="a")
    await w.verifier.verify_lst(w.token_vault, sig, staker_account="a", amount=20 * UNIT)
    results = await asyncio.gather(
        *(w.custodian.pay_tokens("wd-c", w.token_vault, alice.pubkey(), 3 * UNIT) for _ in range(5))
    )
    assert [r.replayed for r in results].count(False) == 1
    assert len({r.signature for r in results}) == 1
    assert await token_balance(w.backend, w.token_vault.token_account) == 17 * UNIT


async def test_second_worker_sharing_the_journal_cannot_double_send(
    lite_world: World, tmp_path: Path
) -> None:
    """Two custodians (two processes) on one SQLite journal: the second sees the first's entry."""
    w = lite_world
    alice = await w.funded_staker(tokens=20 * UNIT)
    sig = await deposit_lst(w.backend, alice, w.token_vault, 20 * UNIT, staker_account="a")
    await w.verifier.verify_lst(w.token_vault, sig, staker_account="a", amount=20 * UNIT)
    path = tmp_path / "shared.sqlite"
    j1, j2 = SqliteJournal(path), SqliteJournal(path)
    planned = {"op_id": "x"}
    assert j1.begin("wd-x", "fp", "sig-1", 10, planned)
    assert not j2.begin("wd-x", "fp", "sig-2", 10, planned)
    entry = j2.get("wd-x")
    assert entry is not None and entry.signature == "sig-1"
