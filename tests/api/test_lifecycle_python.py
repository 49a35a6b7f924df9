"""The whole lifecycle over the wire through the Python client: register, create vault, opt
in, deposit, set limits, stake query, request and execute a slash, distribute and claim
rewards, withdraw and claim; and the event feed sees every event exactly once."""

from __future__ import annotations

import asyncio

import pytest
from api_world import ALICE, BOB, STETH, World
from omnistake.errors import NotResolver, Unauthorized
from omnistake.ledger import events as V
from omnistake.ledger.ledger import Recorded

E18 = 10**18
WEEK = 7 * 86_400
DAY = 86_400


async def run_lifecycle(w: World) -> dict[str, int]:
    """Drive the lifecycle; return figures the tests check."""
    admin, net, op = w.client("admin"), w.client("network"), w.client("operator")
    cur, alice = w.client("curator"), w.client("alice")

    await admin.register_asset(STETH, 18, symbol="stETH")
    await net.register_network("da-layer", name="DA layer")
    await op.register_operator("op-1", keys={"eip155": "0x" + "11" * 20})
    await cur.create_vault(
        "steth-vault", STETH, "curator-1", WEEK, slasher_type="veto", veto_duration=DAY
    )
    await op.opt_in_vault("op-1", "steth-vault")
    await op.opt_in_network("op-1", "da-layer")
    await net.set_max_network_limit("steth-vault", "da-layer", 10**24)
    await cur.set_network_limit("steth-vault", "da-layer", 10**21)
    await cur.set_operator_network_shares("steth-vault", "da-layer", "op-1", 1)
    await net.set_resolver("steth-vault", "da-layer", "res-1")
    deposit = await alice.deposit("steth-vault", ALICE, 500 * E18)
    assert isinstance(deposit.events[0].event, V.Deposited)

    captured = w.clock.now()
    w.clock.advance(3_600)
    stake = await alice.stake_at("steth-vault", "da-layer", "op-1", at=captured)
    slashable = await alice.slashable_stake("steth-vault", "da-layer", "op-1", captured)

    requested = await net.request_slash("steth-vault", "da-layer", "op-1", 100 * E18, captured)
    index = requested.events[0].event.request  # type: ignore[attr-defined]
    pending = await alice.list_slash_requests(vault="steth-vault", state="pending")
    assert [r.index for r in pending] == [index]
    with pytest.raises(NotResolver):
        await alice.veto_slash("steth-vault", index)
    w.clock.advance(DAY + 1)
    executed = await net.execute_slash("steth-vault", index)
    assert isinstance(executed.events[0].event, V.Slashed)
    assert await alice.list_slash_requests(vault="steth-vault", state="pending") == []
    after_slash = await alice.balance("steth-vault", ALICE)

    await net.distribute_staker_rewards(
        "steth-vault", "da-layer", STETH, 10 * E18, w.clock.now() - 1
    )
    claimable = await alice.claimable_staker_rewards("steth-vault", ALICE, "da-layer", STETH)
    claimed = await alice.claim_staker_rewards("steth-vault", ALICE, "da-layer", STETH)

    withdrawn = await alice.withdraw("steth-vault", ALICE, 100 * E18)
    epoch = withdrawn.events[0].event.epoch  # type: ignore[attr-defined]
    queued = await alice.pending_withdrawals("steth-vault", ALICE)
    w.clock.advance(2 * WEEK)
    paid = await alice.claim("steth-vault", ALICE, [epoch])
    vault = await alice.get_vault("steth-vault")
    return {
        "stake": stake,
        "slashable": slashable,
        "active_after_slash": after_slash.active_balance,
        "claimable": claimable,
        "rewards_claimed": claimed.events[0].event.amount,  # type: ignore[attr-defined]
        "queued": queued[0].amount,
        "paid": paid.events[0].event.amount,  # type: ignore[attr-defined]
        "vault_balance": vault.balance,
        "vault_active": vault.active_stake,
    }


async def test_lifecycle_through_python_client(world: World) -> None:
    figures = await run_lifecycle(world)
    assert figures["stake"] == 500 * E18
    assert figures["slashable"] == 500 * E18
    assert figures["active_after_slash"] == 400 * E18
    assert figures["claimable"] == figures["rewards_claimed"] == 10 * E18
    assert figures["queued"] == 100 * E18
    assert figures["paid"] == 100 * E18
    assert figures["vault_balance"] == 300 * E18
    assert figures["vault_active"] == 300 * E18
    # The server's ledger agrees with what the client was told.
    seq, digest = await world.client().state_hash()
    assert seq == world.service.ledger.seq
    assert digest == world.service.ledger.state_hash()


async def test_watch_events_sees_every_event_once_in_order(world: World) -> None:
    watcher = world.client()
    seen: list[Recorded] = []
    done = asyncio.Event()

    async def follow() -> None:
        async for record in watcher.watch_events(0):
            seen.append(record)
            if record.seq == world.service.ledger.seq and isinstance(
                record.event, V.WithdrawalClaimed
            ):
                done.set()

    task = asyncio.create_task(follow())
    await run_lifecycle(world)
    await asyncio.wait_for(done.wait(), 10)
    task.cancel()
    stored = world.service.events_since(0, 10_000)
    assert [r.seq for r in seen] == list(range(1, len(stored) + 1))
    assert [r.event for r in seen] == [r.event for r in stored]
    # Resuming from the middle gives exactly the rest.
    rest = []
    async for record in world.client().watch_events(len(stored) - 3):
        rest.append(record.seq)
        if len(rest) == 3:
            break
    assert rest == [len(stored) - 2, len(stored) - 1, len(stored)]


async def test_principals_act_only_for_what_they_own(world: World) -> None:
    await run_lifecycle(world)
    before = world.service.ledger.state_hash()
    bob, rival, op = world.client("bob"), world.client("other_network"), world.client("operator")
    with pytest.raises(Unauthorized) as staker_err:
        await bob.withdraw("steth-vault", ALICE, 1)
    assert staker_err.value.reason == "UNAUTHORIZED_PRINCIPAL"
    admin = world.client("admin")
    await admin.register_network("rival")  # admin may act for anyone
    await admin.register_operator("op-2")
    after_register = world.service.ledger.state_hash()
    capture = world.clock.now() - 10
    with pytest.raises(Unauthorized):
        await rival.request_slash("steth-vault", "da-layer", "op-1", 1, capture)
    with pytest.raises(Unauthorized):
        await op.opt_in_network("op-2", "da-layer")
    with pytest.raises(Unauthorized):
        await bob.deposit("steth-vault", ALICE, 5)
    assert before != after_register == world.service.ledger.state_hash()
    # Bob deposits for himself fine.
    result = await bob.deposit("steth-vault", BOB, 5 * E18)
    assert result.events[0].event.staker == BOB  # type: ignore[attr-defined]


async def test_request_id_replays_first_answer(world: World) -> None:
    admin = world.client("admin")
    first = await admin.register_asset(STETH, 18, request_id="req-1")
    again = await admin.register_asset(STETH, 18, request_id="req-1")
    assert not first.replayed and again.replayed
    assert again.events == first.events
    assert world.service.ledger.seq == 1
