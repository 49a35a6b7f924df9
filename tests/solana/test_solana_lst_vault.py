"""LST vaults on LiteSVM: deposits, payouts across epochs, slashes; balances after every step."""

from __future__ import annotations

from pathlib import Path

import pytest
from omnistake.chains.solana.custody import Burner
from omnistake.chains.solana.deposits import DepositKind
from omnistake.chains.solana.errors import InsufficientVaultBalance, PayoutConflict
from omnistake.chains.solana.localnet import deposit_lst
from omnistake.chains.solana.programs import (
    TOKEN_2022_PROGRAM_ID,
    TOKEN_PROGRAM_ID,
    associated_token_address,
    decode_mint_supply,
)
from omnistake.chains.solana.vaults import check_token_vault, token_balance
from solana_world import World, make_world
from solders.keypair import Keypair
from solders.pubkey import Pubkey

UNIT = 10**9


async def wallet(world: World, owner: Pubkey) -> int:
    ata = associated_token_address(owner, world.mint, world.token_vault.token_program)
    return await token_balance(world.backend, ata)


async def supply(world: World) -> int:
    acct = await world.backend.get_account(world.mint)
    assert acct is not None
    decoded = decode_mint_supply(bytes(acct.data))
    assert decoded is not None
    return decoded[0]


@pytest.mark.parametrize(
    "program", [TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID], ids=["token", "token2022"]
)
@pytest.mark.parametrize("via_rpc", [False, True], ids=["litesvm", "rpc"])
async def test_lst_lifecycle(tmp_path: Path, program: Pubkey, via_rpc: bool) -> None:
    w = await make_world(tmp_path, program, via_rpc=via_rpc)
    try:
        await lst_lifecycle(w)
    finally:
        await w.close()


async def lst_lifecycle(w: World) -> None:
    v = w.token_vault
    alice = await w.funded_staker(tokens=100 * UNIT)
    bob = await w.funded_staker(tokens=50 * UNIT)
    carol = Keypair().pubkey()
    assert await check_token_vault(w.backend, v) == 0
    assert await supply(w) == 150 * UNIT

    async def books() -> tuple[int, int, int, int]:
        return (
            await token_balance(w.backend, v.token_account),
            await wallet(w, alice.pubkey()),
            await wallet(w, bob.pubkey()),
            await wallet(w, carol),
        )

    # deposit 1: alice 60
    clock = await w.backend.get_clock()
    sig = await deposit_lst(w.backend, alice, v, 60 * UNIT, staker_account="hub:alice")
    dep = await w.verifier.verify_lst(v, sig, staker_account="hub:alice", amount=60 * UNIT)
    assert dep.kind is DepositKind.LST
    assert (dep.vault, dep.staker_account, dep.amount, dep.signature) == (
        "vault-lst",
        "hub:alice",
        60 * UNIT,
        str(sig),
    )
    assert (dep.slot, dep.block_time) == (clock.slot, clock.unix_timestamp)
    assert dep.mint == w.mint
    assert await books() == (60 * UNIT, 40 * UNIT, 50 * UNIT, 0)

    # deposit 2: bob 50, one epoch later
    w.svm.warp_epochs(1)
    sig2 = await deposit_lst(w.backend, bob, v, 50 * UNIT, staker_account="hub:bob")
    dep2 = await w.verifier.verify_lst(v, sig2, staker_account="hub:bob", amount=50 * UNIT)
    assert dep2.block_time > dep.block_time
    assert await books() == (110 * UNIT, 40 * UNIT, 0, 0)

    # withdrawal payout to alice two epochs later
    w.svm.warp_epochs(2)
    paid = await w.custodian.pay_tokens("wd-alice-1", v, alice.pubkey(), 30 * UNIT)
    assert (paid.kind, paid.amount, paid.recipient, paid.replayed) == (
        "token_payout",
        30 * UNIT,
        str(alice.pubkey()),
        False,
    )
    assert paid.fee > 0 and paid.tx_size > 0
    assert await books() == (80 * UNIT, 70 * UNIT, 0, 0)

    # the same payout id again: nothing sent, same answer
    again = await w.custodian.pay_tokens("wd-alice-1", v, alice.pubkey(), 30 * UNIT)
    assert again.replayed and again.signature == paid.signature
    assert await books() == (80 * UNIT, 70 * UNIT, 0, 0)
    with pytest.raises(PayoutConflict) as conflict:
        await w.custodian.pay_tokens("wd-alice-1", v, alice.pubkey(), 31 * UNIT)
    assert conflict.value.reason == "PAYOUT_CONFLICT"
    with pytest.raises(InsufficientVaultBalance):
        await w.custodian.pay_tokens("wd-too-much", v, alice.pubkey(), 81 * UNIT)

    # slash by burning: supply shrinks by exactly the slashed amount
    burned = await w.custodian.slash_tokens("slash-1", v, 8 * UNIT, Burner.burn())
    assert (burned.kind, burned.amount, burned.burner) == ("token_slash", 8 * UNIT, "burn")
    assert await books() == (72 * UNIT, 70 * UNIT, 0, 0)
    assert await supply(w) == 142 * UNIT

    # slash by redistribution to carol
    red = await w.custodian.slash_tokens("slash-2", v, 10 * UNIT, Burner.redistribute(carol))
    assert red.recipient == str(carol)
    assert await books() == (62 * UNIT, 70 * UNIT, 0, 10 * UNIT)
    assert await supply(w) == 142 * UNIT
    assert sum(await books()) == await supply(w)  # every token is somewhere: conserved

    # bob withdraws everything left for him
    await w.custodian.pay_tokens("wd-bob-1", v, bob.pubkey(), 50 * UNIT)
    assert await books() == (12 * UNIT, 70 * UNIT, 50 * UNIT, 10 * UNIT)
    assert sum(await books()) == await supply(w)
