"""Operator opt-ins (Symbiotic OptInService): time-indexed, cooldown on same-second opt-out,
clock domains."""

from __future__ import annotations

from core_world import ASSET, CURATOR, NET, OP, T0, World, operator
from omnistake.ledger import commands as C
from omnistake.ledger import events as V
from omnistake.principals import SYSTEM


def test_opt_in_history(world: World) -> None:
    v = world.vault()
    e = world.one(C.OptInVault(operator=OP, vault=v), operator(OP))
    assert isinstance(e, V.VaultOptInChanged) and e.opted_in
    world.clock.set(T0 + 10)
    world.do(C.OptOutVault(operator=OP, vault=v), operator(OP))
    world.clock.set(T0 + 20)
    world.do(C.OptInVault(operator=OP, vault=v), operator(OP))
    q = world.ledger
    assert not q.is_opted_in_vault(OP, v, T0 - 1)
    assert q.is_opted_in_vault(OP, v, T0)
    assert q.is_opted_in_vault(OP, v, T0 + 9)
    assert not q.is_opted_in_vault(OP, v, T0 + 10)
    assert not q.is_opted_in_vault(OP, v, T0 + 19)
    assert q.is_opted_in_vault(OP, v, T0 + 20)


def test_opt_out_then_in_within_one_second_keeps_the_last_write(world: World) -> None:
    world.do(C.OptInNetwork(operator=OP, network=NET), operator(OP))
    world.clock.set(T0 + 5)
    world.do(C.OptOutNetwork(operator=OP, network=NET), operator(OP))
    # opting back in during the same second overwrites the opt-out (checkpoint semantics)
    world.do(C.OptInNetwork(operator=OP, network=NET), operator(OP))
    assert world.ledger.is_opted_in_network(OP, NET, T0 + 5)
    trace = world.ledger.state.network_opt_ins[f"hub|{OP}|{NET}"]
    assert trace.items() == [(T0, 1), (T0 + 5, 1)]
    # and the cooldown refuses an opt-out in that second again
    world.reject(C.OptOutNetwork(operator=OP, network=NET), "OPT_OUT_COOLDOWN", operator(OP))


def test_network_opt_ins_are_per_clock_domain(world: World) -> None:
    world.do(C.OptInNetwork(operator=OP, network=NET, domain="eip155:1"), SYSTEM, at=500)
    assert world.ledger.is_opted_in_network(OP, NET, 500, "eip155:1")
    assert not world.ledger.is_opted_in_network(OP, NET, world.now)
    # the chain's clock is its own: older than the hub's, but it may not go back either
    world.reject(
        C.OptOutNetwork(operator=OP, network=NET, domain="eip155:1"),
        "TIME_WENT_BACKWARDS",
        SYSTEM,
        at=499,
    )
    # only the chain adapter (system) writes a chain domain
    world.reject(
        C.OptOutNetwork(operator=OP, network=NET, domain="eip155:1"),
        "UNAUTHORIZED_PRINCIPAL",
        operator(OP),
        at=600,
    )


def test_mirrored_vault_stake_uses_its_chain_domain(world: World) -> None:
    world.do(
        C.CreateVault(
            vault="m",
            asset_id=ASSET,
            curator=CURATOR,
            epoch_duration=100,
            delegator_type="operator_specific",
            delegator_operator=OP,
            domain="eip155:1",
        ),
        SYSTEM,
        at=1_000,
    )
    for cmd in (
        C.SetMaxNetworkLimit(vault="m", network=NET, amount=50),
        C.SetNetworkLimit(vault="m", network=NET, amount=50),
        C.OptInVault(operator=OP, vault="m"),
        C.Deposit(vault="m", staker="eip155:1:0x" + "a1" * 20, amount=80),
    ):
        world.do(cmd, SYSTEM, at=1_000)
    # a hub-domain network opt-in does not count for a vault on eip155:1
    world.do(C.OptInNetwork(operator=OP, network=NET), operator(OP))
    assert world.ledger.stake_at("m", NET, 0, OP, 1_000) == 0
    world.do(C.OptInNetwork(operator=OP, network=NET, domain="eip155:1"), SYSTEM, at=1_001)
    # min(80, 50) = 50
    assert world.ledger.stake_at("m", NET, 0, OP, 1_001) == 50
    assert world.ledger.state.clocks["eip155:1"] == 1_001
