"""Every kind of bad deposit is rejected with its precise reason, and good ones still pass."""

from __future__ import annotations

import pytest
from omnistake.chains.solana.backend import Commitment
from omnistake.chains.solana.deposits import DepositVerifier, deposit_memo
from omnistake.chains.solana.errors import DepositRejected, DepositRejection, TransactionFailed
from omnistake.chains.solana.localnet import (
    create_ata,
    create_mint,
    create_stake_account,
    deposit_lst,
    deposit_stake,
    mint_to,
    send,
)
from omnistake.chains.solana.programs import (
    STAKE_ACCOUNT_SIZE,
    STAKE_PROGRAM_ID,
    memo,
    stake_deactivate,
    stake_initialize,
    stake_withdraw,
    token_transfer_checked,
)
from omnistake.chains.solana.signer import KeypairSigner, build_transaction
from solana_world import SOL, World
from solders.keypair import Keypair
from solders.signature import Signature
from solders.system_program import CreateAccountParams, create_account

R = DepositRejection
UNIT = 10**9


async def rejected(coro: object) -> DepositRejection:
    with pytest.raises(DepositRejected) as info:
        await coro  # type: ignore[misc]
    assert info.value.reason == info.value.rejection.value
    assert info.value.signature in str(info.value)
    return info.value.rejection


async def test_lst_rejections(world: World) -> None:
    w, v = world, world.token_vault
    alice = await w.funded_staker(tokens=100 * UNIT)
    verify = w.verifier.verify_lst

    # amount mismatch: 10 sent, 11 claimed
    sig = await deposit_lst(w.backend, alice, v, 10 * UNIT, staker_account="hub:alice")
    assert await rejected(verify(v, sig, staker_account="hub:alice", amount=11 * UNIT)) == (
        R.AMOUNT_MISMATCH
    )
    # the same transaction claimed by someone the memo does not name
    assert await rejected(verify(v, sig, staker_account="hub:mallory", amount=10 * UNIT)) == (
        R.MEMO_MISMATCH
    )
    # the honest claim passes, and only once
    dep = await verify(v, sig, staker_account="hub:alice", amount=10 * UNIT)
    assert dep.amount == 10 * UNIT
    assert await rejected(verify(v, sig, staker_account="hub:alice", amount=10 * UNIT)) == (
        R.REPLAYED_SIGNATURE
    )

    # no memo
    sig = await deposit_lst(w.backend, alice, v, UNIT, staker_account=None)
    assert await rejected(verify(v, sig, staker_account="hub:alice", amount=UNIT)) == R.MEMO_MISSING

    # memo only, no transfer
    out = await send(w.backend, alice, [memo(deposit_memo("hub:alice"))], [])
    assert (
        await rejected(verify(v, out.signature, staker_account="hub:alice", amount=UNIT))
        == R.NO_TRANSFER_TO_VAULT
    )

    # wrong mint: another token sent to the vault authority's account for that mint
    other = await create_mint(w.backend, w.mint_authority, token_program=v.token_program)
    src = await create_ata(w.backend, w.payer, alice.pubkey(), other, v.token_program)
    dst = await create_ata(w.backend, w.payer, v.authority, other, v.token_program)
    await mint_to(w.backend, w.mint_authority, other, src, 5 * UNIT, v.token_program)
    sig = await deposit_lst(
        w.backend, alice, v, 5 * UNIT, staker_account="hub:alice", mint=other, destination=dst
    )
    assert await rejected(verify(v, sig, staker_account="hub:alice", amount=5 * UNIT)) == (
        R.WRONG_MINT
    )

    # a failed transaction (more than alice holds) is found but rejected
    bh = await w.backend.latest_blockhash()
    bad = build_transaction(
        alice,
        [
            token_transfer_checked(
                v.token_program,
                src,
                other,
                dst,
                alice.pubkey(),
                10**6 * UNIT,
                9,
            ),
            memo(deposit_memo("hub:alice")),
        ],
        [],
        bh.blockhash,
    )
    with pytest.raises(TransactionFailed):
        await w.svm.send(bad)  # lands and fails (as with skipPreflight)
    assert (
        await rejected(verify(v, bad.signatures[0], staker_account="hub:alice", amount=UNIT))
        == R.TX_FAILED
    )

    # never seen / not a signature at all
    assert (
        await rejected(verify(v, Signature.new_unique(), staker_account="hub:alice", amount=UNIT))
        == R.TX_NOT_FOUND
    )
    assert await rejected(verify(v, "not-a-sig", staker_account="hub:alice", amount=UNIT)) == (
        R.TX_NOT_FOUND
    )


async def test_unconfirmed_until_finalized(world: World) -> None:
    w, v = world, world.token_vault
    strict = DepositVerifier(w.backend, commitment=Commitment.FINALIZED)
    alice = await w.funded_staker(tokens=10 * UNIT)
    sig = await deposit_lst(w.backend, alice, v, 3 * UNIT, staker_account="hub:alice")
    status = await w.backend.signature_status(sig)
    assert status is not None and status.commitment is Commitment.CONFIRMED
    assert await rejected(
        strict.verify_lst(v, sig, staker_account="hub:alice", amount=3 * UNIT)
    ) == (R.UNCONFIRMED)
    w.svm.warp_slots(w.svm.finalize_depth)
    dep = await strict.verify_lst(v, sig, staker_account="hub:alice", amount=3 * UNIT)
    assert dep.amount == 3 * UNIT


async def test_native_rejections(world: World) -> None:
    w, v = world, world.stake_vault
    alice = await w.funded_staker(sol=100)
    verify = w.verifier.verify_native

    async def handed(vote: object, *, withdrawer: object = None, deactivate: bool = False):  # type: ignore[no-untyped-def]
        stake = await create_stake_account(w.backend, alice, 2 * SOL, vote=vote)  # type: ignore[arg-type]
        if deactivate:
            await send(w.backend, alice, [stake_deactivate(stake, alice.pubkey())], [])
        sig = await deposit_stake(
            w.backend,
            alice,
            stake,
            v.authority,
            staker_account="hub:alice",
            withdrawer=withdrawer,  # type: ignore[arg-type]
        )
        return stake, sig

    stake, sig = await handed(w.vote_other)
    assert (
        await rejected(
            verify(v, sig, staker_account="hub:alice", stake_account=stake, amount=2 * SOL)
        )
        == R.UNKNOWN_VOTE_ACCOUNT
    )

    stake, sig = await handed(w.vote_allowed, withdrawer=Keypair().pubkey())
    assert (
        await rejected(
            verify(v, sig, staker_account="hub:alice", stake_account=stake, amount=2 * SOL)
        )
        == R.WRONG_AUTHORITY
    )

    stake, sig = await handed(w.vote_allowed, deactivate=True)
    assert (
        await rejected(
            verify(v, sig, staker_account="hub:alice", stake_account=stake, amount=2 * SOL)
        )
        == R.DEACTIVATING
    )

    stake, sig = await handed(w.vote_allowed)
    other_stake, _ = await handed(w.vote_allowed)
    assert (
        await rejected(
            verify(v, sig, staker_account="hub:alice", stake_account=other_stake, amount=2 * SOL)
        )
        == R.STAKE_ACCOUNT_NOT_IN_TX
    )
    assert (
        await rejected(
            verify(v, sig, staker_account="hub:alice", stake_account=stake, amount=3 * SOL)
        )
        == R.AMOUNT_MISMATCH
    )
    dep = await verify(v, sig, staker_account="hub:alice", stake_account=stake, amount=2 * SOL)
    assert dep.stake_account == stake
    assert (
        await rejected(
            verify(v, sig, staker_account="hub:alice", stake_account=stake, amount=2 * SOL)
        )
        == R.REPLAYED_SIGNATURE
    )

    # initialised straight to the vault: with a lockup in force, and without delegation
    rent = await w.backend.minimum_balance_for_rent_exemption(STAKE_ACCOUNT_SIZE)
    for lockup_epoch, want in ((10**6, R.LOCKUP), (0, R.NOT_DELEGATED)):
        acct = KeypairSigner(Keypair())
        ixs = [
            create_account(
                CreateAccountParams(
                    from_pubkey=alice.pubkey(),
                    to_pubkey=acct.pubkey(),
                    lamports=rent + 2 * SOL,
                    space=STAKE_ACCOUNT_SIZE,
                    owner=STAKE_PROGRAM_ID,
                )
            ),
            stake_initialize(
                acct.pubkey(),
                v.authority,
                v.authority,
                lockup_epoch=lockup_epoch,
                custodian=alice.pubkey(),
            ),
            memo(deposit_memo("hub:alice")),
        ]
        out = await send(w.backend, alice, ixs, [acct])
        assert (
            await rejected(
                verify(
                    v,
                    out.signature,
                    staker_account="hub:alice",
                    stake_account=acct.pubkey(),
                    amount=0,
                )
            )
            == want
        )

    # a stake account that is not one: the staker's wallet
    out = await send(w.backend, alice, [memo(deposit_memo("hub:alice"))], [])
    assert (
        await rejected(
            verify(v, out.signature, staker_account="hub:alice", stake_account=stake, amount=1)
        )
        == R.STAKE_ACCOUNT_NOT_IN_TX
    )


async def test_stake_account_gone_before_verification(world: World) -> None:
    """A deposit verified only after its stake account was paid back and closed."""
    w, v = world, world.stake_vault
    alice = await w.funded_staker(sol=20)
    rent = await w.backend.minimum_balance_for_rent_exemption(STAKE_ACCOUNT_SIZE)
    stake = await create_stake_account(w.backend, alice, 3 * SOL, vote=w.vote_allowed)
    sig = await deposit_stake(w.backend, alice, stake, v.authority, staker_account="hub:alice")
    await w.custodian.pay_stake("back", v, alice.pubkey(), 3 * SOL)  # the whole account
    await send(w.backend, alice, [stake_deactivate(stake, alice.pubkey())], [])
    w.svm.warp_epochs(1)
    await send(
        w.backend,
        alice,
        [stake_withdraw(stake, alice.pubkey(), alice.pubkey(), 3 * SOL + rent)],
        [],
    )
    assert await w.backend.get_account(stake) is None
    assert (
        await rejected(
            w.verifier.verify_native(
                v, sig, staker_account="hub:alice", stake_account=stake, amount=3 * SOL
            )
        )
        == R.NOT_A_STAKE_ACCOUNT
    )
