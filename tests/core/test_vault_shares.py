"""Vault share accounting (Symbiotic v1.0.3 Vault): deposits, redemptions and withdrawals
with the +1/+1 virtual offset, both rounding directions, limits and the uint256 bound."""

from __future__ import annotations

from core_world import ALICE, BOB, CAROL, UINT256, World, staker
from omnistake.ledger import commands as C
from omnistake.ledger import events as V


def priced(world: World) -> str:
    """A vault where the share price is not 1: A = 7, S = 10 (Alice owns all 10 shares).

    Alice deposits 10 into the empty vault: shares = 10 * (0 + 1) / (0 + 1) = 10.
    The network slashes 3 against a capture in the current epoch with no withdrawals:
    slashable = A + W[e+1] = 10; active slashed = floor(3 * 10 / 10) = 3, so A = 7.
    """
    v = world.vault()
    world.wire(v)
    assert world.deposit(v, ALICE, 10).shares == 10
    t = world.now
    world.advance(1)
    world.slash(v, 3, t)
    assert world.active(v) == (7, 10)
    world.advance(1)
    return v


def test_first_deposit_mints_one_share_per_unit(world: World) -> None:
    v = world.vault()
    e = world.deposit(v, ALICE, 1_000)
    # 1000 * (0 + 1) / (0 + 1) = 1000
    assert (e.amount, e.shares, e.staker, e.depositor) == (1_000, 1_000, ALICE, ALICE)
    assert world.active(v) == (1_000, 1_000)
    assert world.ledger.active_shares_of(v, ALICE, world.now) == 1_000
    assert world.ledger.vault(v).total_deposited == 1_000


def test_deposit_rounds_down(world: World) -> None:
    v = priced(world)
    # 5 * (10 + 1) / (7 + 1) = 55 / 8 = 6.875 -> 6 shares
    assert world.deposit(v, BOB, 5).shares == 6
    assert world.active(v) == (12, 16)


def test_redeem_rounds_down(world: World) -> None:
    v = priced(world)
    e = world.one(C.Redeem(vault=v, staker=ALICE, shares=6), staker(ALICE))
    assert isinstance(e, V.WithdrawalRequested)
    # 6 * (7 + 1) / (10 + 1) = 48 / 11 = 4.36 -> 4 assets
    assert (e.amount, e.burned_shares) == (4, 6)
    # the bucket was empty: 4 * (0 + 1) / (0 + 1) = 4 withdrawal shares
    assert e.withdrawal_shares == 4
    assert world.active(v) == (3, 4)


def test_withdraw_rounds_burned_shares_up(world: World) -> None:
    v = priced(world)
    e = world.one(C.Withdraw(vault=v, staker=ALICE, amount=5), staker(ALICE))
    # ceil(5 * (10 + 1) / (7 + 1)) = ceil(6.875) = 7 shares burned
    assert (e.amount, e.burned_shares) == (5, 7)
    assert world.active(v) == (2, 3)
    assert world.ledger.active_shares_of(v, ALICE, world.now) == 3


def test_withdraw_exactly_divisible_burns_exactly(world: World) -> None:
    v = world.vault()
    world.deposit(v, ALICE, 99)
    # A = 99, S = 99: 10 * 100 / 100 = 10 exactly, no rounding up
    e = world.one(C.Withdraw(vault=v, staker=ALICE, amount=10), staker(ALICE))
    assert e.burned_shares == 10


def test_withdraw_more_than_owned_rejects(world: World) -> None:
    v = priced(world)
    # Alice's 10 shares are worth floor(10 * 8 / 11) = 7; withdrawing 7 needs
    # ceil(7 * 11 / 8) = ceil(9.625) = 10 shares: allowed. 8 needs ceil(88 / 8) = 11 > 10.
    world.reject(C.Withdraw(vault=v, staker=ALICE, amount=8), "INSUFFICIENT_SHARES", staker(ALICE))
    e = world.one(C.Withdraw(vault=v, staker=ALICE, amount=7), staker(ALICE))
    assert e.burned_shares == 10
    assert world.active(v) == (0, 0)


def test_active_balance_of_rounds_down_and_is_historical(world: World) -> None:
    v = world.vault()
    world.wire(v)
    world.deposit(v, ALICE, 10)
    t_before = world.now
    world.advance(1)
    world.slash(v, 3, t_before)
    t_after = world.now
    # before the slash: 10 * 11 / 11 = 10; after: 10 * (7 + 1) / (10 + 1) = 80 / 11 -> 7
    assert world.ledger.active_balance_of(v, ALICE, t_before) == 10
    assert world.ledger.active_balance_of(v, ALICE, t_after) == 7
    world.advance(1)
    world.deposit(v, BOB, 1_000)
    assert world.ledger.active_balance_of(v, ALICE, t_before) == 10
    assert world.ledger.active_balance_of(v, ALICE, t_after) == 7


def test_deposit_for_another_staker_uses_the_depositor_whitelist(world: World) -> None:
    v = world.vault(deposit_whitelist=True)
    cmd = C.Deposit(vault=v, staker=ALICE, amount=5, depositor=BOB)
    world.reject(cmd, "DEPOSITOR_NOT_WHITELISTED", staker(BOB))
    world.do(C.SetDepositorWhitelisted(vault=v, account=BOB, allowed=True))
    e = world.one(cmd, staker(BOB))
    assert (e.depositor, e.staker, e.shares) == (BOB, ALICE, 5)
    assert world.ledger.active_shares_of(v, ALICE, world.now) == 5
    assert world.ledger.active_shares_of(v, BOB, world.now) == 0
    # Alice herself is not whitelisted
    world.reject(
        C.Deposit(vault=v, staker=ALICE, amount=1), "DEPOSITOR_NOT_WHITELISTED", staker(ALICE)
    )
    # switching the whitelist off lets anyone in
    world.do(C.SetDepositWhitelist(vault=v, enabled=False))
    world.deposit(v, ALICE, 1)


def test_deposit_limit_counts_active_stake_only(world: World) -> None:
    v = world.vault(deposit_limit=15)
    world.deposit(v, ALICE, 10)
    world.reject(
        C.Deposit(vault=v, staker=BOB, amount=6), "DEPOSIT_LIMIT_REACHED", staker(BOB)
    )  # 10 + 6 = 16 > 15
    world.deposit(v, BOB, 5)  # 10 + 5 = 15 <= 15
    # withdrawing 4 moves it out of active stake: 11 + 4 = 15 fits again
    world.do(C.Withdraw(vault=v, staker=ALICE, amount=4), staker(ALICE))
    world.deposit(v, CAROL, 4)
    world.do(C.SetDepositLimit(vault=v, limit=None))
    world.deposit(v, CAROL, 10**30)


def test_deposit_after_total_slash_hits_the_uint256_bound(world: World) -> None:
    v = world.vault()
    world.wire(v)
    world.deposit(v, ALICE, 10)
    t = world.now
    world.advance(1)
    world.slash(v, 10, t)
    world.advance(1)
    assert world.active(v) == (0, 10)
    # shares = x * (10 + 1) / (0 + 1) = 11x: the conversion itself fits while
    # 11x <= 2^256 - 1, and the new total 10 + 11x must fit too
    big = UINT256 // 11 + 1
    top = (UINT256 - 10) // 11
    world.reject(C.Deposit(vault=v, staker=BOB, amount=big), "AMOUNT_OUT_OF_RANGE", staker(BOB))
    e = world.deposit(v, BOB, top)
    assert e.shares == top * 11
    assert world.active(v) == (top, 10 + 11 * top)
    # now S = 10 + 11 * top; any deposit adding shares past 2^256 - 1 rejects:
    # A = top, S = 10 + 11 top, shares for 2^255 are about 11 * 2^255 > 2^256
    world.reject(
        C.Deposit(vault=v, staker=CAROL, amount=2**255), "AMOUNT_OUT_OF_RANGE", staker(CAROL)
    )


def test_deposit_rejects_amount_outside_uint256(world: World) -> None:
    v = world.vault()
    world.reject(
        C.Deposit(vault=v, staker=ALICE, amount=2**256), "AMOUNT_OUT_OF_RANGE", staker(ALICE)
    )
    world.reject(C.Deposit(vault=v, staker=ALICE, amount=-1), "AMOUNT_OUT_OF_RANGE", staker(ALICE))
    world.deposit(v, ALICE, UINT256)
    # active stake is at the top: adding 1 would overflow it
    world.reject(C.Deposit(vault=v, staker=BOB, amount=1), "AMOUNT_OUT_OF_RANGE", staker(BOB))


def test_rounding_losses_of_depositors_accrue_to_existing_holders(world: World) -> None:
    """Symbiotic semantics, kept on purpose: after a slash leaves the share price below 1,
    each small deposit rounds its shares down and the remainder stays with the holders. So a
    holder can later claim a little more than it deposited, paid by other depositors' rounding
    (never by the vault: the books still balance)."""
    v = priced(world)  # A = 7, S = 10
    # Bob: floor(8 * 11 / 8) = 11 shares -> A = 15, S = 21
    assert world.deposit(v, BOB, 8).shares == 11
    for _ in range(100):
        # Carol: floor(1 * (S + 1) / (A + 1)) = 1 share for each unit while S + 1 < 2 (A + 1)
        assert world.deposit(v, CAROL, 1).shares == 1
    assert world.active(v) == (115, 121)
    # Bob's 11 shares: floor(11 * 116 / 122) = floor(10.46) = 10 > the 8 he put in
    assert world.ledger.active_balance_of(v, BOB, world.now) == 10
    # Carol's 100 shares: floor(100 * 116 / 122) = floor(95.08) = 95 < her 100
    assert world.ledger.active_balance_of(v, CAROL, world.now) == 95
    e = world.one(C.Withdraw(vault=v, staker=BOB, amount=10), staker(BOB))
    assert e.burned_shares == 11  # ceil(10 * 122 / 116) = ceil(10.52) = 11
