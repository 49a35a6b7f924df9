"""Delegator policies (Symbiotic v1.0.3 delegators): historical stake per (subnetwork,
operator) for all four types, limits, the max-limit clamp and opt-in gating."""

from __future__ import annotations

from core_world import ALICE, NET, NET_B, OP, OP_B, OP_C, World, network, operator, staker
from omnistake.ledger import commands as C


def test_network_restake_splits_by_operator_shares(world: World) -> None:
    v = world.vault(delegator="network_restake")
    world.wire(v, op=OP, limit=100)  # OP gets 1 share
    world.wire(v, op=OP_B, limit=100)
    world.do(C.SetOperatorNetworkShares(vault=v, network=NET, operator=OP_B, shares=3))
    world.deposit(v, ALICE, 200)
    t1 = world.now
    q = world.ledger
    # total shares 1 + 3 = 4; min(A, NL) = min(200, 100) = 100
    # OP: floor(1 * 100 / 4) = 25; OP_B: floor(3 * 100 / 4) = 75
    assert q.stake_at(v, NET, 0, OP, t1) == 25
    assert q.stake_at(v, NET, 0, OP_B, t1) == 75
    assert q.network_stake_at(NET, t1) == {OP: 25, OP_B: 75}
    world.advance(10)
    world.do(C.Withdraw(vault=v, staker=ALICE, amount=150), staker(ALICE))
    t2 = world.now
    # A = 50: OP floor(1 * 50 / 4) = 12 (12.5 rounds down), OP_B floor(150 / 4) = 37
    assert q.stake_at(v, NET, 0, OP, t2) == 12
    assert q.stake_at(v, NET, 0, OP_B, t2) == 37
    # history does not move
    assert q.stake_at(v, NET, 0, OP, t1) == 25
    world.advance(10)
    world.do(C.Deposit(vault=v, staker=ALICE, amount=150), staker(ALICE))
    # the network lowers its max limit to 40: the curator's limit of 100 is clamped at once
    world.do(C.SetMaxNetworkLimit(vault=v, network=NET, amount=40), network(NET))
    t3 = world.now
    # floor(1 * min(200, 40) / 4) = 10
    assert q.stake_at(v, NET, 0, OP, t3) == 10
    assert q.stake_at(v, NET, 0, OP, t3 - 1) == 12
    # no shares in another subnetwork: 0; and no operator shares at all -> 0
    assert q.stake_at(v, NET, 1, OP, t3) == 0
    assert q.stake_at(v, NET_B, 0, OP, t3) == 0


def test_network_restake_shares_change_totals(world: World) -> None:
    v = world.vault(delegator="network_restake")
    world.wire(v, op=OP, limit=1_000)
    world.deposit(v, ALICE, 1_000)
    world.do(C.SetOperatorNetworkShares(vault=v, network=NET, operator=OP, shares=5))
    world.do(C.SetOperatorNetworkShares(vault=v, network=NET, operator=OP_B, shares=5))
    vault = world.ledger.vault(v)
    assert vault.total_operator_network_shares[f"{NET}#0"].latest() == 10
    world.advance(1)
    world.do(C.SetOperatorNetworkShares(vault=v, network=NET, operator=OP, shares=0))
    # total = 10 - 5 + 0 = 5; OP holds no shares -> 0 stake although opted in
    assert vault.total_operator_network_shares[f"{NET}#0"].latest() == 5
    assert world.ledger.stake_at(v, NET, 0, OP, world.now) == 0
    # the second before: floor(5 * 1000 / 10) = 500
    assert world.ledger.stake_at(v, NET, 0, OP, world.now - 1) == 500


def test_full_restake_overlaps_within_a_network(world: World) -> None:
    v = world.vault(delegator="full_restake")
    world.wire(v, op=OP, limit=100)
    world.wire(v, op=OP_B, limit=100)
    world.do(C.SetOperatorNetworkLimit(vault=v, network=NET, operator=OP, amount=70))
    world.do(C.SetOperatorNetworkLimit(vault=v, network=NET, operator=OP_B, amount=80))
    world.deposit(v, ALICE, 90)
    t = world.now
    # OP: min(A 90, NL 100, OpNL 70) = 70; OP_B: min(90, 100, 80) = 80; 150 > A = 90
    assert world.ledger.stake_at(v, NET, 0, OP, t) == 70
    assert world.ledger.stake_at(v, NET, 0, OP_B, t) == 80
    world.do(C.SetNetworkLimit(vault=v, network=NET, amount=60))
    # min(90, 60, 70) = 60
    assert world.ledger.stake_at(v, NET, 0, OP, t) == 60
    world.reject(C.SetNetworkLimit(vault=v, network=NET, amount=101), "LIMIT_EXCEEDED")
    world.reject(
        C.SetOperatorNetworkShares(vault=v, network=NET, operator=OP, shares=1),
        "WRONG_DELEGATOR_TYPE",
    )


def test_operator_specific_serves_one_operator(world: World) -> None:
    v = world.vault(delegator="operator_specific", delegator_operator=OP)
    world.wire(v, op=OP, limit=100)
    world.wire(v, op=OP, net=NET_B, limit=30)
    world.do(C.OptInVault(operator=OP_B, vault=v), operator(OP_B))
    world.do(C.OptInNetwork(operator=OP_B, network=NET), operator(OP_B))
    world.deposit(v, ALICE, 60)
    t = world.now
    # OP: min(60, 100) = 60 in NET and min(60, 30) = 30 in NET_B; OP_B: never
    assert world.ledger.stake_at(v, NET, 0, OP, t) == 60
    assert world.ledger.stake_at(v, NET_B, 0, OP, t) == 30
    assert world.ledger.stake_at(v, NET, 0, OP_B, t) == 0
    assert world.ledger.operator_stake_at(NET_B, OP, t) == 30
    world.reject(
        C.SetOperatorNetworkLimit(vault=v, network=NET, operator=OP, amount=1),
        "WRONG_DELEGATOR_TYPE",
    )


def test_operator_network_specific_uses_the_max_limit(world: World) -> None:
    v = world.vault(delegator="operator_network_specific")
    world.wire(v, op=OP, net=NET, limit=30)
    world.deposit(v, ALICE, 60)
    t = world.now
    # min(A 60, maxNL 30) = 30; no curator limit exists on this type
    assert world.ledger.stake_at(v, NET, 0, OP, t) == 30
    world.reject(C.SetNetworkLimit(vault=v, network=NET, amount=10), "WRONG_DELEGATOR_TYPE")
    world.reject(
        C.SetMaxNetworkLimit(vault=v, network=NET_B, amount=10),
        "WRONG_DELEGATOR_TYPE",
        network(NET_B),
    )
    world.advance(5)
    world.do(C.SetMaxNetworkLimit(vault=v, network=NET, amount=100), network(NET))
    assert world.ledger.stake_at(v, NET, 0, OP, world.now) == 60
    assert world.ledger.stake_at(v, NET, 0, OP, t) == 30
    world.do(C.OptInNetwork(operator=OP_C, network=NET_B), operator(OP_C))
    assert world.ledger.stake_at(v, NET_B, 0, OP, world.now) == 0


def test_stake_needs_both_opt_ins(world: World) -> None:
    v = world.vault(delegator="full_restake")
    world.wire(v, op=OP, limit=100)
    world.deposit(v, ALICE, 50)
    t_in = world.now
    world.advance(10)
    world.do(C.OptOutVault(operator=OP, vault=v), operator(OP))
    t_out_vault = world.now
    world.advance(10)
    world.do(C.OptInVault(operator=OP, vault=v), operator(OP))
    world.do(C.OptOutNetwork(operator=OP, network=NET), operator(OP))
    t_out_net = world.now
    q = world.ledger
    assert q.stake_at(v, NET, 0, OP, t_in) == 50
    assert q.stake_at(v, NET, 0, OP, t_out_vault) == 0
    assert q.stake_at(v, NET, 0, OP, t_out_vault - 1) == 50
    assert q.stake_at(v, NET, 0, OP, t_out_net) == 0
    assert q.is_opted_in_vault(OP, v, t_out_net)
    assert not q.is_opted_in_network(OP, NET, t_out_net)


def test_max_network_limit_clamp_only_lowers(world: World) -> None:
    v = world.vault(delegator="network_restake")
    world.wire(v, op=OP, limit=50)
    vault = world.ledger.vault(v)
    world.advance(1)
    world.do(C.SetMaxNetworkLimit(vault=v, network=NET, amount=80), network(NET))
    # raising the cap leaves the curator's limit at 50
    assert vault.network_limit[f"{NET}#0"].latest() == 50
    world.do(C.SetMaxNetworkLimit(vault=v, network=NET, amount=20), network(NET))
    assert vault.network_limit[f"{NET}#0"].latest() == 20
    world.reject(C.SetMaxNetworkLimit(vault=v, network=NET, amount=20), "ALREADY_SET")
    # a subnetwork without a curator limit gets no checkpoint from the clamp
    world.do(C.SetMaxNetworkLimit(vault=v, network=NET, subnetwork=7, amount=5), network(NET))
    assert f"{NET}#7" not in vault.network_limit
