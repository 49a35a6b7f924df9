"""Instant and veto slashing on the real contracts, checked against the v1.0.3 formulas."""

from __future__ import annotations

import pytest
from omnistake.chains.ethereum.errors import TransactionReverted
from omnistake.chains.ethereum.operations import (
    connect_vault,
    create_token,
    stand_up_operator,
    stand_up_vault,
)
from omnistake.chains.ethereum.symbiotic import (
    DEAD_BURNER,
    DelegatorConfig,
    DelegatorType,
    SlasherConfig,
    SlasherType,
)
from omnistake.chains.ethereum.toolchain import toolchain_available

_OK, _WHY = toolchain_available()
pytestmark = [
    pytest.mark.anvil,
    pytest.mark.skipif(not _OK, reason=f"Ethereum toolchain missing: {_WHY}"),
    pytest.mark.asyncio(loop_scope="module"),
]

EPOCH = 1000
E18 = 10**18
MAX = 2**256 - 1


def expected_after_slash(
    s: int, capture_epoch: int, epoch: int, active: int, w_cur: int, w_next: int
) -> tuple[int, int, int]:
    """Vault.onSlash of v1.0.3, written from the formulas: (active, W[e], W[e+1]) after."""
    if capture_epoch == epoch:
        slashable = active + w_next
        s = min(s, slashable)
        a_s = s * active // slashable
        return active - a_s, w_cur, w_next - (s - a_s)
    slashable = active + w_cur + w_next
    s = min(s, slashable)
    a_s = s * active // slashable
    n_s = s * w_next // slashable
    w_s = s - a_s - n_s
    if w_s > w_cur:
        n_s += w_s - w_cur
        w_s = w_cur
    return active - a_s, w_cur - w_s, w_next - n_s


async def setup_vault(world, stype: SlasherType, **slasher_kw):
    dn = world.devnet
    token = await create_token(dn, "stETH", 18)
    v = await stand_up_vault(
        dn.core,
        world.curator,
        token,
        epoch_duration=EPOCH,
        delegator=DelegatorConfig(DelegatorType.FULL_RESTAKE),
        slasher=SlasherConfig(stype, **slasher_kw),
    )
    await stand_up_operator(dn.core, world.operator, vaults=(v.info.vault,))
    sn = await connect_vault(v, world.network, world.curator, world.operator.address, limit=10**30)
    for who in (world.alice, world.bob):
        await dn.core.token(token).mint(dn.deployer, who.address, 10**24)
        await dn.core.token(token).approve(who, v.info.vault, MAX)
    return v, sn, dn.core.token(token)


async def test_instant_slash_both_capture_epoch_branches(world) -> None:
    node = world.devnet.anvil
    v, sn, token = await setup_vault(world, SlasherType.INSTANT)
    op = world.operator.address
    t0 = await v.epoch_duration_init()
    await v.deposit(world.alice, 1000 * E18 + 7)
    await v.deposit(world.bob, 500 * E18 + 3)
    await node.set_next_block_timestamp(t0 + 900)
    await v.withdraw(world.alice, 100 * E18 + 1)  # epoch 0 -> bucket 1
    cap1 = t0 + 950
    await node.mine_at(cap1)
    stake_cap1 = await v.stake_at(sn, op, cap1)
    assert stake_cap1 == await v.active_stake(cap1)  # limits are far above the stake
    await node.set_next_block_timestamp(t0 + 1100)
    await v.withdraw(world.bob, 50 * E18 + 5)  # epoch 1 -> bucket 2
    assert await v.current_epoch() == 1

    # Capture in the previous epoch: active stake and both buckets share the slash.
    a, w1, w2 = await v.active_stake(), await v.withdrawals(1), await v.withdrawals(2)
    amount = 333 * E18 + 333
    assert await v.slashable_stake(sn, op, cap1) == stake_cap1
    burner_before = await token.balance_of(DEAD_BURNER)
    with pytest.raises(TransactionReverted) as err:
        await v.slash(world.network, sn, op, amount, cap1)
    assert err.value.error_name == "NotNetworkMiddleware"
    slashed = await v.slash(world.middleware, sn, op, amount, cap1)
    assert slashed == min(amount, stake_cap1)
    exp = expected_after_slash(slashed, 0, 1, a, w1, w2)
    assert (await v.active_stake(), await v.withdrawals(1), await v.withdrawals(2)) == exp
    assert await token.balance_of(DEAD_BURNER) - burner_before == slashed
    assert await v.cumulative_slash(sn, op) == slashed
    assert await v.slashable_stake(sn, op, cap1) == stake_cap1 - slashed

    # Capture in the current epoch: the current bucket (requested before) is untouched.
    cap2 = await node.latest_timestamp()
    await node.mine()
    a, w1, w2 = await v.active_stake(), await v.withdrawals(1), await v.withdrawals(2)
    stake_cap2 = await v.stake_at(sn, op, cap2)
    amount2 = 111 * E18 + 11
    slashed2 = await v.slash(world.middleware, sn, op, amount2, cap2)
    assert slashed2 == min(amount2, stake_cap2)
    exp2 = expected_after_slash(slashed2, 1, 1, a, w1, w2)
    assert (await v.active_stake(), await v.withdrawals(1), await v.withdrawals(2)) == exp2
    assert await v.cumulative_slash(sn, op) == slashed + slashed2
    assert await v.cumulative_slash(sn, op, at=cap2) == slashed

    # Capture timestamps per (subnetwork, operator) may not go back.
    with pytest.raises(TransactionReverted) as err2:
        await v.slash(world.middleware, sn, op, E18, cap1)
    assert err2.value.error_name == "InsufficientSlash"

    # Conservation: balance + claimed + slashed == deposited (nothing claimed yet).
    deposited = 1500 * E18 + 10
    assert await token.balance_of(v.info.vault) + slashed + slashed2 == deposited


async def test_veto_slash_request_veto_execute(world) -> None:
    node = world.devnet.anvil
    resolver = await world.devnet.account()
    v, sn, token = await setup_vault(world, SlasherType.VETO, veto_duration=200)
    op = world.operator.address
    await v.set_resolver(world.network, 0, resolver.address)
    assert await v.resolver(sn) == resolver.address
    await v.deposit(world.alice, 1000 * E18)
    await node.mine()
    cap = await node.latest_timestamp()
    await node.mine()

    req0 = await v.request_slash(world.middleware, sn, op, 400 * E18, cap)
    assert req0.slash_index == 0 and req0.slash_amount == 400 * E18
    assert req0.veto_deadline == await node.latest_timestamp() + 200
    with pytest.raises(TransactionReverted) as e_nr:
        await v.veto_slash(world.bob, 0)
    assert e_nr.value.error_name == "NotResolver"
    await v.veto_slash(resolver, 0)
    assert (await v.slash_request(0)).completed
    with pytest.raises(TransactionReverted) as e_done:
        await v.execute_slash(world.middleware, 0)
    assert e_done.value.error_name in {"VetoPeriodNotEnded", "SlashRequestCompleted"}

    req1 = await v.request_slash(world.middleware, sn, op, 250 * E18 + 1, cap)
    assert req1.slash_index == 1
    with pytest.raises(TransactionReverted) as e_early:
        await v.execute_slash(world.middleware, 1)
    assert e_early.value.error_name == "VetoPeriodNotEnded"
    await node.mine_at(req1.veto_deadline)
    with pytest.raises(TransactionReverted) as e_late:
        await v.veto_slash(resolver, 1)
    assert e_late.value.error_name == "VetoPeriodEnded"
    active_before = await v.active_stake()
    slashed = await v.execute_slash(world.middleware, 1)
    assert slashed == 250 * E18 + 1
    assert await v.active_stake() == active_before - slashed
    assert await v.cumulative_slash(sn, op) == slashed
    info = await v.slash_request(1)
    assert info.completed and info.amount == 250 * E18 + 1 and info.operator == op
    assert await v.slash_requests_length() == 2
    assert await token.balance_of(DEAD_BURNER) >= slashed
