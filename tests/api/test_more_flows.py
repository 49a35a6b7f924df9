"""Flows beyond the main lifecycle, over the wire: a resolver's veto, Merkle operator
rewards, the curator fee, redeem, opt-out, and the read-side filters."""

from __future__ import annotations

import pytest
from api_world import ALICE, STETH, World
from omnistake.errors import (
    AmountOutOfRange,
    InvalidMerkleProof,
    NotFound,
    Unauthorized,
    VetoPeriodEnded,
)
from omnistake.ledger import events as V
from omnistake.merkle import RewardTree
from test_lifecycle_python import DAY, E18, run_lifecycle


async def test_resolver_vetoes_a_slash_request(world: World) -> None:
    await run_lifecycle(world)
    net, res = world.client("network"), world.client("resolver")
    capture = world.clock.now() - 60
    requested = await net.request_slash("steth-vault", "da-layer", "op-1", E18, capture)
    index = requested.events[0].event.request  # type: ignore[attr-defined]
    vetoed = await res.veto_slash("steth-vault", index)
    assert isinstance(vetoed.events[0].event, V.SlashVetoed)
    info = await net.get_slash_request("steth-vault", index)
    assert info.completed and info.amount == E18 and info.operator == "op-1"
    completed = await net.list_slash_requests(network="da-layer", state="completed")
    assert [r.index for r in completed] == [0, index]
    assert await net.list_slash_requests(operator="nobody") == []
    late = await net.request_slash("steth-vault", "da-layer", "op-1", E18, capture)
    world.clock.advance(DAY + 1)
    with pytest.raises(VetoPeriodEnded):
        await res.veto_slash("steth-vault", late.events[0].event.request)  # type: ignore[attr-defined]


async def test_operator_rewards_with_merkle_proofs(world: World) -> None:
    await run_lifecycle(world)
    net, op = world.client("network"), world.client("operator")
    await world.client("admin").register_operator("op-2")
    tree = RewardTree({"op-1": 7 * E18, "op-2": 3 * E18})
    await net.distribute_operator_rewards("da-layer", STETH, 10 * E18, tree.root)
    with pytest.raises(InvalidMerkleProof):
        await op.claim_operator_rewards("da-layer", STETH, "op-1", 8 * E18, tree.proof("op-1"))
    with pytest.raises(Unauthorized):
        await op.claim_operator_rewards("da-layer", STETH, "op-2", 3 * E18, tree.proof("op-2"))
    paid = await op.claim_operator_rewards("da-layer", STETH, "op-1", 7 * E18, tree.proof("op-1"))
    assert paid.events[0].event.amount == 7 * E18  # type: ignore[attr-defined]


async def test_curator_fee_redeem_and_opt_out(world: World) -> None:
    await run_lifecycle(world)
    cur, net = world.client("curator"), world.client("network")
    alice, op = world.client("alice"), world.client("operator")
    await cur.set_curator_fee("steth-vault", 1_000)
    await net.distribute_staker_rewards(
        "steth-vault", "da-layer", STETH, 10 * E18, world.clock.now() - 1
    )
    claimable = await alice.claimable_staker_rewards("steth-vault", ALICE, "da-layer", STETH)
    assert claimable == 9 * E18  # 10 % curator fee; Alice holds every share
    fee = await cur.claim_curator_fee("steth-vault", STETH)
    assert fee.events[0].event.amount == E18  # type: ignore[attr-defined]
    shares = (await alice.balance("steth-vault", ALICE)).active_shares
    redeemed = await alice.redeem("steth-vault", ALICE, shares // 2)
    assert isinstance(redeemed.events[0].event, V.WithdrawalRequested)
    assert len(await alice.pending_withdrawals("steth-vault", ALICE)) == 2
    assert await op.is_opted_in("op-1", vault="steth-vault")
    world.clock.advance(10)
    await op.opt_out_vault("op-1", "steth-vault")
    assert not await op.is_opted_in("op-1", vault="steth-vault")
    assert await op.is_opted_in("op-1", vault="steth-vault", at=world.clock.now() - 5)


async def test_read_side(world: World) -> None:
    await run_lifecycle(world)
    reader = world.client()
    assert [a.asset_id for a in await reader.list_assets()] == [STETH]
    assert (await reader.get_network("da-layer")).name == "DA layer"
    assert (await reader.get_operator("op-1")).keys == {"eip155": "0x" + "11" * 20}
    vaults = await reader.list_vaults(curator="curator-1")
    assert [v.vault for v in vaults] == ["steth-vault"]
    assert await reader.list_vaults(asset_id="eip155:1/erc20:0xdead") == []
    assert vaults[0].slasher_type == "veto" and vaults[0].balance == 300 * E18
    voting = await reader.network_stake_at("da-layer")
    assert voting == {"op-1": await reader.operator_stake_at("da-layer", "op-1")}
    assert voting["op-1"] == await reader.stake_at("steth-vault", "da-layer", "op-1")
    with pytest.raises(NotFound):
        await reader.stake_at("steth-vault", "da-layer", "ghost")
    page = await reader.list_events(0, page_size=5)
    assert [r.seq for r in page] == [1, 2, 3, 4, 5]


async def test_uint96_subnetworks(world: World) -> None:
    await run_lifecycle(world)
    net, cur, reader = world.client("network"), world.client("curator"), world.client()
    big = 2**96 - 1
    await net.set_max_network_limit("steth-vault", "da-layer", 10**24, subnetwork=big)
    await cur.set_network_limit("steth-vault", "da-layer", 10**20, subnetwork=big)
    await cur.set_operator_network_shares("steth-vault", "da-layer", "op-1", 1, subnetwork=big)
    world.clock.advance(1)
    stake = await reader.stake_at("steth-vault", "da-layer", "op-1", subnetwork=big)
    assert stake == 10**20  # the allocation caps the vault's 300e18 active stake
    by_sub = await reader.operator_stake_at("da-layer", "op-1", subnetwork=big)
    assert by_sub == stake
    before = world.service.ledger.state_hash()
    with pytest.raises(AmountOutOfRange) as err:
        await net.set_max_network_limit("steth-vault", "da-layer", 1, subnetwork=2**96)
    assert err.value.field == "subnetwork"
    with pytest.raises(AmountOutOfRange):
        await reader.stake_at("steth-vault", "da-layer", "op-1", subnetwork=2**96)
    assert world.service.ledger.state_hash() == before
