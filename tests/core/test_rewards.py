"""Staker rewards (DefaultStakerRewards) and operator rewards (DefaultOperatorRewards)."""

from __future__ import annotations

from core_world import (
    ALICE,
    ASSET,
    BOB,
    CAROL,
    CURATOR,
    NET,
    OP,
    OP_B,
    REWARD_TOKEN,
    T0,
    World,
    curator,
    network,
    operator,
    staker,
)
from omnistake.ledger import commands as C
from omnistake.ledger import events as V
from omnistake.merkle import RewardTree


def distribute(world: World, v: str, amount: int, timestamp: int, **kw: int) -> V.Event:
    return world.one(
        C.DistributeStakerRewards(
            vault=v, network=NET, token=REWARD_TOKEN, amount=amount, timestamp=timestamp, **kw
        ),
        network(NET),
    )


def claim(world: World, v: str, who: str, **kw: int) -> V.StakerRewardsClaimed:
    e = world.one(
        C.ClaimStakerRewards(vault=v, staker=who, network=NET, token=REWARD_TOKEN, **kw),
        staker(who),
    )
    assert isinstance(e, V.StakerRewardsClaimed)
    return e


def test_staker_rewards_pro_rata_with_curator_fee(world: World) -> None:
    v = world.vault(curator_fee_bps=1_000)  # 10 %
    world.deposit(v, ALICE, 30)
    world.deposit(v, BOB, 10)
    world.clock.set(T0 + 1)
    d = distribute(world, v, 101, T0)
    # fee = floor(101 * 1000 / 10000) = floor(10.1) = 10; stakers get 91 over 40 shares
    assert isinstance(d, V.StakerRewardsDistributed)
    assert (d.amount, d.fee, d.active_shares, d.index) == (91, 10, 40, 0)
    # Bob queues 5 of his 10 shares for withdrawal: they stop earning
    world.do(C.Withdraw(vault=v, staker=BOB, amount=5), staker(BOB))
    world.clock.set(T0 + 2)
    d = distribute(world, v, 70, T0 + 1)
    # fee = floor(70 * 0.1) = 7; 63 over 35 active shares
    assert (d.amount, d.fee, d.active_shares, d.index) == (63, 7, 35, 1)
    q = world.ledger
    # Alice: floor(30 * 91 / 40) = floor(68.25) = 68 plus floor(30 * 63 / 35) = 54 -> 122
    # Bob:   floor(10 * 91 / 40) = floor(22.75) = 22 plus floor(5 * 63 / 35) = 9  -> 31
    assert q.claimable_staker_rewards(v, ALICE, NET, REWARD_TOKEN) == 122
    assert q.claimable_staker_rewards(v, BOB, NET, REWARD_TOKEN) == 31
    c = claim(world, v, ALICE, max_distributions=1)
    assert (c.amount, c.next_index, c.recipient) == (68, 1, ALICE)
    c = claim(world, v, ALICE)
    assert (c.amount, c.next_index) == (54, 2)
    world.reject(
        C.ClaimStakerRewards(vault=v, staker=ALICE, network=NET, token=REWARD_TOKEN),
        "NO_REWARDS_TO_CLAIM",
        staker(ALICE),
    )
    c = world.one(
        C.ClaimStakerRewards(vault=v, staker=BOB, network=NET, token=REWARD_TOKEN, recipient=CAROL),
        staker(BOB),
    )
    assert (c.amount, c.recipient) == (31, CAROL)
    # the curator collects 10 + 7 = 17 once
    f = world.one(C.ClaimCuratorFee(vault=v, token=REWARD_TOKEN), curator(CURATOR))
    assert isinstance(f, V.CuratorFeeClaimed)
    assert (f.amount, f.recipient) == (17, CURATOR)
    world.reject(
        C.ClaimCuratorFee(vault=v, token=REWARD_TOKEN), "INSUFFICIENT_CLAIM", curator(CURATOR)
    )


def test_staker_reward_guards(world: World) -> None:
    v = world.vault(curator_fee_bps=500)
    world.clock.set(T0 + 5)
    world.deposit(v, ALICE, 10)
    world.clock.set(T0 + 10)
    cmd = dict(vault=v, network=NET, token=REWARD_TOKEN, amount=100)
    # strictly in the past
    world.reject(C.DistributeStakerRewards(**cmd, timestamp=T0 + 10), "INVALID_REWARD_TIMESTAMP")
    # no active stake at T0 + 4 (the deposit came at T0 + 5)
    world.reject(C.DistributeStakerRewards(**cmd, timestamp=T0 + 4), "INVALID_REWARD_TIMESTAMP")
    # the curator's 500 bps is above the distributor's maximum of 499
    world.reject(
        C.DistributeStakerRewards(**cmd, timestamp=T0 + 5, max_curator_fee_bps=499),
        "HIGH_CURATOR_FEE",
    )
    world.reject(
        C.DistributeStakerRewards(**cmd, timestamp=T0 + 5), "UNAUTHORIZED_PRINCIPAL", operator(OP)
    )
    d = distribute(world, v, 100, T0 + 5, max_curator_fee_bps=500)
    assert (d.amount, d.fee) == (95, 5)


def test_active_shares_cache_is_per_timestamp(world: World) -> None:
    v = world.vault()
    world.deposit(v, ALICE, 10)
    world.clock.set(T0 + 1)
    world.deposit(v, BOB, 30)
    world.clock.set(T0 + 2)
    assert distribute(world, v, 10, T0).active_shares == 10  # type: ignore[attr-defined]
    assert distribute(world, v, 10, T0 + 1).active_shares == 40  # type: ignore[attr-defined]
    assert distribute(world, v, 10, T0).active_shares == 10  # type: ignore[attr-defined]
    # Alice: 10 + floor(10 * 10 / 40) = 2 + 10 = 22; Bob: 0 + floor(30 * 10 / 40) = 7 + 0 = 7
    assert world.ledger.claimable_staker_rewards(v, ALICE, NET, REWARD_TOKEN) == 22
    assert world.ledger.claimable_staker_rewards(v, BOB, NET, REWARD_TOKEN) == 7


def test_operator_rewards_cumulative_merkle_claims(world: World) -> None:
    tree = RewardTree({OP: 100, OP_B: 50})
    world.do(
        C.DistributeOperatorRewards(network=NET, token=REWARD_TOKEN, amount=150, root=tree.root),
        network(NET),
    )
    e = world.one(
        C.ClaimOperatorRewards(
            network=NET,
            token=REWARD_TOKEN,
            operator=OP,
            total_claimable=100,
            proof=tree.proof(OP),
        ),
        operator(OP),
    )
    assert isinstance(e, V.OperatorRewardsClaimed)
    assert (e.amount, e.total_claimed, e.recipient) == (100, 100, OP)
    claim_again = C.ClaimOperatorRewards(
        network=NET, token=REWARD_TOKEN, operator=OP, total_claimable=100, proof=tree.proof(OP)
    )
    world.reject(claim_again, "INSUFFICIENT_CLAIM", operator(OP))
    # a lie about the total does not verify
    world.reject(
        C.ClaimOperatorRewards(
            network=NET, token=REWARD_TOKEN, operator=OP, total_claimable=120, proof=tree.proof(OP)
        ),
        "INVALID_MERKLE_PROOF",
        operator(OP),
    )
    # cumulative: the next root says OP earned 130 in total; it gets 130 - 100 = 30
    tree2 = RewardTree({OP: 130, OP_B: 500})
    world.do(
        C.DistributeOperatorRewards(network=NET, token=REWARD_TOKEN, amount=30, root=tree2.root),
        network(NET),
    )
    e = world.one(
        C.ClaimOperatorRewards(
            network=NET,
            token=REWARD_TOKEN,
            operator=OP,
            total_claimable=130,
            proof=tree2.proof(OP),
        ),
        operator(OP),
    )
    assert e.amount == 30
    # the pool holds 150 + 30 - 130 = 50, less than OP_B's 500
    world.reject(
        C.ClaimOperatorRewards(
            network=NET,
            token=REWARD_TOKEN,
            operator=OP_B,
            total_claimable=500,
            proof=tree2.proof(OP_B),
        ),
        "INSUFFICIENT_BALANCE",
        operator(OP_B),
    )
    assert world.ledger.state.operator_rewards[f"{NET}|{REWARD_TOKEN}"].balance == 50


def test_rewards_on_a_mirrored_vault_do_not_move_its_chain_clock(world: World) -> None:
    """A mirrored vault's clock is its chain's block time, which runs behind the hub's wall
    clock (finality lag). Hub-side reward commands must neither push that clock forward (the
    adapter's next block would be refused as TIME_WENT_BACKWARDS) nor pay against a timestamp
    the chain has not finished yet."""
    from omnistake.principals import SYSTEM

    chain = "eip155:1"
    world.do(
        C.CreateVault(vault="m", asset_id=ASSET, curator=CURATOR, epoch_duration=100, domain=chain),
        SYSTEM,
        at=1_000,
    )
    world.do(C.Deposit(vault="m", staker=ALICE, amount=40), SYSTEM, at=1_000)
    world.do(C.Deposit(vault="m", staker=BOB, amount=10), SYSTEM, at=1_012)
    # the chain is at 1012: 1012 itself may still get events, so it cannot be paid on yet
    world.reject(
        C.DistributeStakerRewards(
            vault="m", network=NET, token=REWARD_TOKEN, amount=100, timestamp=1_012
        ),
        "INVALID_REWARD_TIMESTAMP",
        network(NET),
    )
    d = world.one(
        C.DistributeStakerRewards(
            vault="m", network=NET, token=REWARD_TOKEN, amount=100, timestamp=1_000
        ),
        network(NET),
    )
    assert d.active_shares == 40
    assert world.ledger.state.clocks[chain] == 1_012
    # the staker claims for itself (hub-kept rewards), also without touching the chain clock
    c = claim(world, "m", ALICE)
    assert c.amount == 100
    assert world.ledger.state.clocks[chain] == 1_012
    # and the adapter's next block is still accepted
    world.do(C.Deposit(vault="m", staker=BOB, amount=1), SYSTEM, at=1_024)
