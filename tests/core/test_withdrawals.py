"""Withdrawals into epoch buckets and claims (Symbiotic v1.0.3 Vault._withdraw/_claim)."""

from __future__ import annotations

from core_world import ALICE, BOB, CAROL, T0, World, staker
from omnistake.ledger import commands as C
from omnistake.ledger import events as V


def bucket_world(world: World) -> str:
    """Two withdrawals into epoch 1's bucket with a slash of that bucket between them.

    T0:    vault (epoch 100 s) created; Alice and Bob deposit 100 each: A = 200, S = 200.
    T0+10: Alice withdraws 50: burned = ceil(50 * 201 / 201) = 50 -> A = 150, S = 150;
           bucket e = 0 + 1 = 1: minted = 50 * (0 + 1) / (0 + 1) = 50 -> W1 = 50, WS1 = 50.
    T0+20: slash 20 against capture T0+10 (capture epoch 0 == current epoch 0):
           slashable = A + W1 = 200; active = floor(20 * 150 / 200) = 15, W1 takes 5
           -> A = 135, W1 = 45 (shares untouched).
    T0+30: Bob withdraws 30: burned = ceil(30 * 151 / 136) = ceil(33.31) = 34 -> A = 105,
           S = 116; minted = floor(30 * (50 + 1) / (45 + 1)) = floor(33.26) = 33
           -> W1 = 75, WS1 = 83.
    """
    v = world.vault()
    world.wire(v)
    world.deposit(v, ALICE, 100)
    world.deposit(v, BOB, 100)
    world.clock.set(T0 + 10)
    e1 = world.one(C.Withdraw(vault=v, staker=ALICE, amount=50), staker(ALICE))
    assert (e1.epoch, e1.burned_shares, e1.withdrawal_shares) == (1, 50, 50)
    world.clock.set(T0 + 20)
    s = world.slash(v, 20, T0 + 10)
    assert (s.active_burned, s.withdrawals_burned, s.next_withdrawals_burned) == (15, 0, 5)
    world.clock.set(T0 + 30)
    e2 = world.one(C.Withdraw(vault=v, staker=BOB, amount=30), staker(BOB))
    assert (e2.epoch, e2.burned_shares, e2.withdrawal_shares) == (1, 34, 33)
    vault = world.ledger.vault(v)
    assert (vault.withdrawals[1], vault.withdrawal_shares[1]) == (75, 83)
    assert world.active(v) == (105, 116)
    return v


def test_bucket_shares_and_claims(world: World) -> None:
    v = bucket_world(world)
    q = world.ledger
    # Alice: floor(50 * (75 + 1) / (83 + 1)) = floor(45.24) = 45
    # Bob:   floor(33 * 76 / 84) = floor(29.86) = 29; 75 - 45 - 29 = 1 unit of dust stays
    assert q.withdrawals_of(v, 1, ALICE) == 45
    assert q.withdrawals_of(v, 1, BOB) == 29
    world.clock.set(T0 + 199)  # still epoch 1: not claimable
    world.reject(C.Claim(vault=v, claimer=ALICE, epochs=[1]), "INVALID_EPOCH", staker(ALICE))
    world.clock.set(T0 + 200)  # epoch 2 starts
    c = world.one(C.Claim(vault=v, claimer=ALICE, epochs=[1]), staker(ALICE))
    assert isinstance(c, V.WithdrawalClaimed)
    assert (c.amount, c.recipient, c.epoch) == (45, ALICE, 1)
    world.reject(C.Claim(vault=v, claimer=ALICE, epochs=[1]), "ALREADY_CLAIMED", staker(ALICE))
    c = world.one(C.Claim(vault=v, claimer=BOB, epochs=[1], recipient=CAROL), staker(BOB))
    assert (c.amount, c.recipient) == (29, CAROL)
    vault = q.vault(v)
    # conservation: deposited 200 = A 105 + W1 75 + slashed 20; balance = 200 - 74 - 20
    assert (vault.total_deposited, vault.total_claimed, vault.total_slashed) == (200, 74, 20)
    assert vault.balance == 106 == 105 + 75 - 74
    # claims do not shrink the bucket (the contract keeps it too)
    assert vault.withdrawals[1] == 75


def test_claim_delay_is_between_one_and_two_epochs(world: World) -> None:
    v = world.vault(epoch=100)
    world.deposit(v, ALICE, 10)
    world.clock.set(T0 + 99)  # last second of epoch 0
    e = world.one(C.Withdraw(vault=v, staker=ALICE, amount=4), staker(ALICE))
    assert e.epoch == 1
    (pending,) = world.ledger.pending_withdrawals(v, ALICE)
    assert (pending.epoch, pending.amount, pending.claimable_from) == (1, 4, T0 + 200)
    assert not pending.claimed
    world.clock.set(T0 + 100)  # epoch 1: a new request goes to bucket 2
    e = world.one(C.Withdraw(vault=v, staker=ALICE, amount=1), staker(ALICE))
    assert e.epoch == 2
    world.clock.set(T0 + 200)
    world.reject(C.Claim(vault=v, claimer=ALICE, epochs=[1, 2]), "INVALID_EPOCH", staker(ALICE))
    world.one(C.Claim(vault=v, claimer=ALICE, epochs=[1]), staker(ALICE))
    assert world.ledger.pending_withdrawals(v, ALICE)[0].claimed
    world.clock.set(T0 + 300)
    world.one(C.Claim(vault=v, claimer=ALICE, epochs=[2]), staker(ALICE))


def test_batch_claim_and_duplicates(world: World) -> None:
    v = world.vault(epoch=100)
    world.deposit(v, ALICE, 10)
    world.do(C.Withdraw(vault=v, staker=ALICE, amount=3), staker(ALICE))  # bucket 1
    world.clock.set(T0 + 100)
    world.do(C.Withdraw(vault=v, staker=ALICE, amount=2), staker(ALICE))  # bucket 2
    world.clock.set(T0 + 300)
    world.reject(C.Claim(vault=v, claimer=ALICE, epochs=[1, 1]), "ALREADY_CLAIMED", staker(ALICE))
    world.reject(
        C.Claim(vault=v, claimer=ALICE, epochs=[1, 0]), "INSUFFICIENT_CLAIM", staker(ALICE)
    )
    events = world.do(C.Claim(vault=v, claimer=ALICE, epochs=[2, 1]), staker(ALICE))
    assert [(e.epoch, e.amount) for e in events] == [(2, 2), (1, 3)]
    assert world.ledger.vault(v).total_claimed == 5


def test_withdraw_for_another_claimer(world: World) -> None:
    v = world.vault()
    world.deposit(v, ALICE, 10)
    world.do(C.Withdraw(vault=v, staker=ALICE, amount=6, claimer=CAROL), staker(ALICE))
    world.clock.set(T0 + 200)
    world.reject(C.Claim(vault=v, claimer=ALICE, epochs=[1]), "INSUFFICIENT_CLAIM", staker(ALICE))
    # only Carol (or an admin) may claim as Carol
    world.reject(
        C.Claim(vault=v, claimer=CAROL, epochs=[1]), "UNAUTHORIZED_PRINCIPAL", staker(ALICE)
    )
    c = world.one(C.Claim(vault=v, claimer=CAROL, epochs=[1]), staker(CAROL))
    assert c.amount == 6


def test_redeem_zero_assets_rejects(world: World) -> None:
    v = world.vault()
    world.wire(v)
    world.deposit(v, ALICE, 10)
    world.deposit(v, BOB, 10)
    t = world.now
    world.advance(1)
    world.slash(v, 19, t)  # A = 20 - floor(19 * 20 / 20) = 1, S = 20
    # 1 share: floor(1 * (1 + 1) / (20 + 1)) = 0 assets
    world.reject(
        C.Redeem(vault=v, staker=ALICE, shares=1), "INSUFFICIENT_WITHDRAWAL", staker(ALICE)
    )
    world.reject(
        C.Redeem(vault=v, staker=ALICE, shares=0), "INSUFFICIENT_WITHDRAWAL", staker(ALICE)
    )
    world.reject(C.Redeem(vault=v, staker=ALICE, shares=11), "INSUFFICIENT_SHARES", staker(ALICE))
    # 10 shares: floor(10 * 2 / 21) = 0 as well; nothing is redeemable until the price rises
    world.reject(C.Redeem(vault=v, staker=BOB, shares=10), "INSUFFICIENT_WITHDRAWAL", staker(BOB))
    # withdrawing 1 needs ceil(1 * 21 / 2) = 11 shares > 10
    world.reject(C.Withdraw(vault=v, staker=BOB, amount=1), "INSUFFICIENT_SHARES", staker(BOB))
