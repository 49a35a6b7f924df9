"""Native-stake vaults on LiteSVM: real stake accounts delegated to real vote accounts."""

from __future__ import annotations

import pytest
from omnistake.chains.solana.custody import INCINERATOR, Burner
from omnistake.chains.solana.deposits import DepositKind
from omnistake.chains.solana.errors import PayoutError, TransactionFailed
from omnistake.chains.solana.localnet import create_stake_account, deposit_stake, send
from omnistake.chains.solana.programs import (
    STAKE_ACCOUNT_SIZE,
    STAKE_PROGRAM_ID,
    U64_MAX,
    decode_stake_state,
    stake_deactivate,
    stake_withdraw,
)
from omnistake.chains.solana.vaults import custodied_stake
from solana_world import SOL, World
from solders.pubkey import Pubkey


async def stake_of(w: World, pk: Pubkey) -> tuple[int, int, Pubkey | None, Pubkey | None]:
    """(lamports, delegated stake, staker, withdrawer) of a stake account."""
    acct = await w.backend.get_account(pk)
    assert acct is not None and acct.owner == STAKE_PROGRAM_ID
    st = decode_stake_state(bytes(acct.data))
    assert st is not None
    return acct.lamports, st.stake, st.staker, st.withdrawer


async def all_delegated(w: World) -> int:
    """Delegated lamports over every stake account on the cluster."""
    total = 0
    for _, acct in await w.backend.get_program_accounts(STAKE_PROGRAM_ID):
        st = decode_stake_state(bytes(acct.data))
        if st is not None and st.kind == "stake":
            total += st.stake
    return total


async def test_native_lifecycle(world: World) -> None:
    w = world
    v = w.stake_vault
    rent = await w.backend.minimum_balance_for_rent_exemption(STAKE_ACCOUNT_SIZE)
    alice = await w.funded_staker(sol=20)
    bob = await w.funded_staker(sol=20)
    a_stake = await create_stake_account(w.backend, alice, 5 * SOL, vote=w.vote_allowed)
    b_stake = await create_stake_account(w.backend, bob, 3 * SOL, vote=w.vote_allowed)
    w.svm.warp_epochs(1)  # both active now
    assert await all_delegated(w) == 8 * SOL

    clock = await w.backend.get_clock()
    sig = await deposit_stake(w.backend, alice, a_stake, v.authority, staker_account="hub:alice")
    dep = await w.verifier.verify_native(
        v, sig, staker_account="hub:alice", stake_account=a_stake, amount=5 * SOL
    )
    assert dep.kind is DepositKind.NATIVE_STAKE
    assert (dep.amount, dep.stake_account, dep.vote_account) == (5 * SOL, a_stake, w.vote_allowed)
    assert (dep.slot, dep.block_time) == (clock.slot, clock.unix_timestamp)
    assert await stake_of(w, a_stake) == (5 * SOL + rent, 5 * SOL, v.authority, v.authority)

    sig = await deposit_stake(w.backend, bob, b_stake, v.authority, staker_account="hub:bob")
    await w.verifier.verify_native(
        v, sig, staker_account="hub:bob", stake_account=b_stake, amount=3 * SOL
    )
    held = await custodied_stake(w.backend, v)
    assert [(c.pubkey, c.stake) for c in held] == [(a_stake, 5 * SOL), (b_stake, 3 * SOL)]

    # two epochs on, alice withdraws 1 SOL: split off and re-authorised to her, still delegated
    w.svm.warp_epochs(2)
    paid = await w.custodian.pay_stake("wd-alice", v, alice.pubkey(), SOL)
    assert paid.source_account == str(a_stake) and paid.stake_account is not None
    new = Pubkey.from_string(paid.stake_account)
    assert await stake_of(w, new) == (SOL + rent, SOL, alice.pubkey(), alice.pubkey())
    assert await stake_of(w, a_stake) == (4 * SOL + rent, 4 * SOL, v.authority, v.authority)
    acct = await w.backend.get_account(new)
    assert acct is not None
    st = decode_stake_state(bytes(acct.data))
    assert st is not None and st.voter == w.vote_allowed and st.deactivation_epoch == U64_MAX
    assert sum(c.stake for c in await custodied_stake(w.backend, v)) == 7 * SOL
    assert await all_delegated(w) == 8 * SOL

    again = await w.custodian.pay_stake("wd-alice", v, alice.pubkey(), SOL)
    assert again.replayed and again.signature == paid.signature
    assert sum(c.stake for c in await custodied_stake(w.backend, v)) == 7 * SOL

    # bob withdraws exactly his account's stake: the whole account is handed back, no split
    paid_b = await w.custodian.pay_stake("wd-bob", v, bob.pubkey(), 3 * SOL)
    assert paid_b.stake_account == str(b_stake)
    assert await stake_of(w, b_stake) == (3 * SOL + rent, 3 * SOL, bob.pubkey(), bob.pubkey())
    assert sum(c.stake for c in await custodied_stake(w.backend, v)) == 4 * SOL

    # slash 1 SOL, burned: split whose authorities are the incinerator
    with pytest.raises(PayoutError) as small:
        await w.custodian.slash_stake("slash-small", v, SOL // 2, Burner.burn())
    assert small.value.reason == "BELOW_MINIMUM_DELEGATION"
    slashed = await w.custodian.slash_stake("slash-1", v, SOL, Burner.burn())
    assert (slashed.kind, slashed.amount, slashed.burner) == ("stake_slash", SOL, "burn")
    assert slashed.stake_account is not None
    burned = Pubkey.from_string(slashed.stake_account)
    assert await stake_of(w, burned) == (SOL + rent, SOL, INCINERATOR, INCINERATOR)
    assert await stake_of(w, a_stake) == (3 * SOL + rent, 3 * SOL, v.authority, v.authority)
    assert await all_delegated(w) == 8 * SOL  # conserved: 3 vault + 1 alice + 3 bob + 1 burned

    # alice really controls her payout: deactivate, one epoch of cooldown, withdraw to wallet
    await send(w.backend, alice, [stake_deactivate(new, alice.pubkey())], [])
    with pytest.raises(TransactionFailed):
        await send(
            w.backend, alice, [stake_withdraw(new, alice.pubkey(), alice.pubkey(), SOL // 2)], []
        )
    w.svm.warp_epochs(1)
    before = await w.backend.get_balance(alice.pubkey())
    out = await send(
        w.backend, alice, [stake_withdraw(new, alice.pubkey(), alice.pubkey(), SOL + rent)], []
    )
    assert await w.backend.get_balance(alice.pubkey()) == before + SOL + rent - out.fee
    assert await w.backend.get_account(new) is None
    assert await all_delegated(w) == 7 * SOL
