"""Vaults of every delegator and slasher type on the real Symbiotic v1.0.3 contracts."""

from __future__ import annotations

import itertools

import pytest
from omnistake.chains.ethereum.errors import InvalidParameter, TransactionReverted
from omnistake.chains.ethereum.operations import (
    connect_vault,
    create_token,
    stand_up_operator,
    stand_up_vault,
)
from omnistake.chains.ethereum.symbiotic import (
    DelegatorConfig,
    DelegatorType,
    SlasherConfig,
    SlasherType,
    make_subnetwork,
)
from omnistake.chains.ethereum.toolchain import toolchain_available

_OK, _WHY = toolchain_available()
pytestmark = [
    pytest.mark.anvil,
    pytest.mark.skipif(not _OK, reason=f"Ethereum toolchain missing: {_WHY}"),
    pytest.mark.asyncio(loop_scope="module"),
]

EPOCH = 1000
MAX = 2**256 - 1


def mul_div_up(a: int, b: int, c: int) -> int:
    return -(-a * b // c)


async def fund(world, token: str, who, amount: int, vault: str) -> None:
    core = world.devnet.core
    await core.token(token).mint(world.devnet.deployer, who.address, amount)
    await core.token(token).approve(who, vault, MAX)


async def test_deployment_matches_upstream_wiring(world) -> None:
    dn = world.devnet
    d = dn.deployment
    w3 = dn.anvil.w3
    tc = dn.toolchain
    for name, addr in (
        ("VaultFactory", d.vault_factory),
        ("DelegatorFactory", d.delegator_factory),
        ("SlasherFactory", d.slasher_factory),
    ):
        c = w3.eth.contract(address=addr, abi=tc.abi(name))
        assert await c.functions.owner().call() == dn.deployer.address
    vf = w3.eth.contract(address=d.vault_factory, abi=tc.abi("VaultFactory"))
    assert await vf.functions.lastVersion().call() == 2
    assert await vf.functions.implementation(1).call() == d.vault_impl
    assert await vf.functions.implementation(2).call() == d.vault_tokenized_impl
    df = w3.eth.contract(address=d.delegator_factory, abi=tc.abi("DelegatorFactory"))
    assert await df.functions.totalTypes().call() == 4
    sf = w3.eth.contract(address=d.slasher_factory, abi=tc.abi("SlasherFactory"))
    assert await sf.functions.totalTypes().call() == 2
    assert await sf.functions.implementation(1).call() == d.veto_slasher_impl


@pytest.mark.parametrize(
    ("dtype", "stype"), list(itertools.product(list(DelegatorType), list(SlasherType)))
)
async def test_create_vault_every_delegator_and_slasher(world, dtype, stype) -> None:
    dn = world.devnet
    decimals = (18, 6, 8)[(int(dtype) + int(stype)) % 3]
    token = await create_token(dn, f"T{int(dtype)}{int(stype)}", decimals)
    dcfg = DelegatorConfig(dtype, operator=world.operator.address, network=world.network.address)
    scfg = SlasherConfig(stype, veto_duration=100 if stype == SlasherType.VETO else 0)
    v = await stand_up_vault(
        dn.core, world.curator, token, epoch_duration=EPOCH, delegator=dcfg, slasher=scfg
    )
    w3 = dn.anvil.w3
    assert await dn.core.is_vault(v.info.vault)
    assert await v.epoch_duration() == EPOCH
    assert await v.vault.call("collateral") == token
    assert await v.vault.call("delegator") == v.info.delegator
    assert await v.delegator.call("TYPE") == int(dtype)
    assert await v.collateral.decimals() == decimals
    slasher = await v.vault.call("slasher")
    if stype == SlasherType.NONE:
        assert v.info.slasher is None
        assert int(slasher, 16) == 0
    else:
        assert slasher == v.info.slasher
        assert await v.slasher.call("TYPE") == int(stype)
    # Every vault takes deposits and reports stake through its delegator's formula.
    await stand_up_operator(dn.core, world.operator, vaults=(v.info.vault,))
    sn = await connect_vault(
        v, world.network, world.curator, world.operator.address, limit=5 * 10**decimals
    )
    amount = 7 * 10**decimals
    await fund(world, token, world.alice, amount, v.info.vault)
    await v.deposit(world.alice, amount)
    ts = int((await w3.eth.get_block("latest"))["timestamp"])
    await dn.anvil.mine()
    assert await v.active_stake(ts) == amount
    assert await v.stake_at(sn, world.operator.address, ts) == 5 * 10**decimals


async def test_unsupported_calls_are_typed_errors(world) -> None:
    dn = world.devnet
    token = await create_token(dn, "ONS", 18)
    dcfg = DelegatorConfig(
        DelegatorType.OPERATOR_NETWORK_SPECIFIC,
        operator=world.operator.address,
        network=world.network.address,
    )
    v = await stand_up_vault(dn.core, world.curator, token, epoch_duration=EPOCH, delegator=dcfg)
    with pytest.raises(InvalidParameter) as e1:
        await v.set_network_limit(world.curator, make_subnetwork(world.network.address), 1)
    assert e1.value.reason == "UNSUPPORTED"
    with pytest.raises(InvalidParameter) as e2:
        await v.slash(
            world.middleware, make_subnetwork(world.network.address), world.operator.address, 1, 0
        )
    assert e2.value.reason == "WRONG_SLASHER_TYPE"
    with pytest.raises(InvalidParameter):
        DelegatorConfig(DelegatorType.OPERATOR_SPECIFIC).validate()
    with pytest.raises(InvalidParameter) as e3:
        await v.deposit(world.alice, -1)
    assert e3.value.reason == "INVALID_ARGUMENT"
    with pytest.raises(InvalidParameter):
        await v.set_max_network_limit(world.network, 1 << 96, 1)
    with pytest.raises(InvalidParameter):
        SlasherConfig(SlasherType.VETO, veto_duration=EPOCH).validate(EPOCH)


async def test_stake_formulas_per_delegator(world) -> None:
    """NetworkRestake splits by shares; FullRestake caps by operator limit; limits clamp."""
    dn = world.devnet
    core = dn.core
    op2 = await dn.account()
    await stand_up_operator(core, op2, networks=(world.network.address,))
    token = await create_token(dn, "USDC", 6)
    sn = make_subnetwork(world.network.address, 0)
    deposit = 1_000_000 * 10**6

    nr = await stand_up_vault(core, world.curator, token, epoch_duration=EPOCH)
    fr = await stand_up_vault(
        core,
        world.curator,
        token,
        epoch_duration=EPOCH,
        delegator=DelegatorConfig(DelegatorType.FULL_RESTAKE),
    )
    for v in (nr, fr):
        await stand_up_operator(core, world.operator, vaults=(v.info.vault,))
        await stand_up_operator(core, op2, vaults=(v.info.vault,))
        await fund(world, token, world.alice, deposit, v.info.vault)
        await v.deposit(world.alice, deposit)
        await v.set_max_network_limit(world.network, 0, 800_000 * 10**6)
        await v.set_network_limit(world.curator, sn, 600_000 * 10**6)
    await nr.set_operator_network_shares(world.curator, sn, world.operator.address, 1)
    await nr.set_operator_network_shares(world.curator, sn, op2.address, 3)
    await fr.set_operator_network_limit(world.curator, sn, world.operator.address, 500_000 * 10**6)
    await fr.set_operator_network_limit(world.curator, sn, op2.address, 900_000 * 10**6)
    t1 = await dn.anvil.latest_timestamp()
    await dn.anvil.mine()

    nl = min(deposit, 600_000 * 10**6)
    assert await nr.stake_at(sn, world.operator.address, t1) == 1 * nl // 4
    assert await nr.stake_at(sn, op2.address, t1) == 3 * nl // 4
    assert await fr.stake_at(sn, world.operator.address, t1) == 500_000 * 10**6
    assert await fr.stake_at(sn, op2.address, t1) == 600_000 * 10**6  # restaked: sums above NL

    # The network lowers its max limit: the curator's network limit is clamped instantly,
    # but the stake guaranteed at t1 stays as it was.
    await fr.set_max_network_limit(world.network, 0, 100_000 * 10**6)
    t2 = await dn.anvil.latest_timestamp()
    await dn.anvil.mine()
    assert await fr.network_limit(sn) == 100_000 * 10**6
    assert await fr.stake_at(sn, op2.address, t2) == 100_000 * 10**6
    assert await fr.stake_at(sn, op2.address, t1) == 600_000 * 10**6

    # Opting out of the vault zeroes future stake, not past stake.
    await dn.anvil.mine()
    await core.opt_out_vault(op2, nr.info.vault)
    t3 = await dn.anvil.latest_timestamp()
    await dn.anvil.mine()
    assert not await core.is_opted_in_vault(op2.address, nr.info.vault)
    assert await core.is_opted_in_vault(op2.address, nr.info.vault, at=t1)
    assert await nr.stake_at(sn, op2.address, t3) == 0
    assert await nr.stake_at(sn, op2.address, t1) == 3 * nl // 4
    with pytest.raises(TransactionReverted) as err:
        await nr.set_network_limit(world.curator, sn, 900_000 * 10**6)
    assert err.value.error_name == "ExceedsMaxNetworkLimit"


async def test_deposit_withdraw_claim_across_epochs(world) -> None:
    """Share math to the unit, withdrawals claimable from epoch e+2, claim/claimBatch/redeem."""
    dn = world.devnet
    node = dn.anvil
    token = await create_token(dn, "WBTC", 8)
    v = await stand_up_vault(dn.core, world.curator, token, epoch_duration=EPOCH)
    alice, bob = world.alice, world.bob
    erc = dn.core.token(token)
    for who in (alice, bob):
        await fund(world, token, who, 10**12, v.info.vault)
    t0 = await v.epoch_duration_init()

    a_dep, b_dep = 123_456_789, 987_654_321
    await v.deposit(alice, a_dep)
    await v.deposit(bob, b_dep)
    A, S = a_dep + b_dep, a_dep + b_dep  # first deposits mint 1:1 with the +1/+1 offset
    assert await v.active_stake() == A and await v.active_shares() == S
    assert await v.active_shares_of(alice.address) == a_dep

    # Epoch 0: alice withdraws part; shares burned round up, withdrawal shares round down.
    w1 = 50_000_001
    burned = mul_div_up(w1, S + 1, A + 1)
    await v.withdraw(alice, w1)
    A, S = A - w1, S - burned
    assert await v.current_epoch() == 0
    assert await v.withdrawals(1) == w1
    assert await v.withdrawal_shares(1) == w1  # first into the bucket: 1:1
    assert await v.active_shares_of(alice.address) == a_dep - burned
    assert await v.total_stake() == A + w1

    # Epoch 1: bob redeems shares into bucket 2.
    await node.mine_at(t0 + EPOCH + 10)
    assert await v.current_epoch() == 1
    r_shares = 300_000_000
    r_assets = r_shares * (A + 1) // (S + 1)
    await v.redeem(bob, r_shares)
    A, S = A - r_assets, S - r_shares
    assert await v.withdrawals(2) == r_assets
    assert await v.active_stake() == A
    # Still in epoch 1: bucket 1 is not claimable before epoch 2.
    with pytest.raises(TransactionReverted) as err:
        await v.claim(alice, 1)
    assert err.value.error_name == "InvalidEpoch"

    # Alice withdraws again in epoch 1 into bucket 2 (shares there are priced by the bucket).
    w2 = 7_777
    burned2 = mul_div_up(w2, S + 1, A + 1)
    await v.withdraw(alice, w2)
    A, S = A - w2, S - burned2
    assert await v.active_shares() == S
    ws2 = r_assets
    minted = w2 * (ws2 + 1) // (r_assets + 1)
    assert await v.withdrawals(2) == r_assets + w2
    assert await v.withdrawals_of(2, alice.address) == minted * (r_assets + w2 + 1) // (
        ws2 + minted + 1
    )

    # Epoch 2: bucket 1 claimable.
    await node.mine_at(t0 + 2 * EPOCH + 5)
    before = await erc.balance_of(alice.address)
    await v.claim(alice, 1)
    assert await erc.balance_of(alice.address) - before == w1
    assert await v.is_withdrawals_claimed(1, alice.address)
    with pytest.raises(TransactionReverted) as err2:
        await v.claim(alice, 1)
    assert err2.value.error_name == "AlreadyClaimed"

    # Epoch 3: bob and alice take bucket 2; alice with claimBatch.
    await node.mine_at(t0 + 3 * EPOCH + 5)
    bob_due = await v.withdrawals_of(2, bob.address)
    alice_due = await v.withdrawals_of(2, alice.address)
    assert bob_due + alice_due <= r_assets + w2  # rounding leaves dust in the vault
    b_before = await erc.balance_of(bob.address)
    await v.claim(bob, 2)
    assert await erc.balance_of(bob.address) - b_before == bob_due
    with pytest.raises(TransactionReverted) as err3:
        await v.claim_batch(alice, [2, 1])
    assert err3.value.error_name == "AlreadyClaimed"
    a_before = await erc.balance_of(alice.address)
    await v.claim_batch(alice, [2])
    assert await erc.balance_of(alice.address) - a_before == alice_due
    # Conservation: vault balance = deposits - claims (nothing slashed here).
    vault_bal = await erc.balance_of(v.info.vault)
    assert vault_bal == a_dep + b_dep - w1 - bob_due - alice_due
    assert await v.active_stake() == A


async def test_deposit_limit_and_historical_views(world) -> None:
    dn = world.devnet
    token = await create_token(dn, "LST", 18)
    v = await stand_up_vault(dn.core, world.curator, token, epoch_duration=EPOCH)
    await fund(world, token, world.alice, 10**21, v.info.vault)
    await v.set_deposit_limit(world.curator, 10**18)
    await v.deposit(world.alice, 6 * 10**17)
    t1 = await dn.anvil.latest_timestamp()
    with pytest.raises(TransactionReverted) as err:
        await v.deposit(world.alice, 5 * 10**17)
    assert err.value.error_name == "DepositLimitReached"
    await v.deposit(world.alice, 4 * 10**17)
    t2 = await dn.anvil.latest_timestamp()
    await dn.anvil.mine()
    assert await v.active_stake(t1) == 6 * 10**17
    assert await v.active_stake(t2) == 10**18
    assert await v.active_shares_of(world.alice.address, t1) == 6 * 10**17
    assert await v.active_balance_of(world.alice.address) == 10**18
    assert await v.slashable_balance_of(world.alice.address) == 10**18


@pytest.mark.parametrize("dtype", list(DelegatorType))
async def test_stand_up_demo_gives_stake_and_is_idempotent(world, dtype) -> None:
    from omnistake.chains.ethereum.operations import stand_up_demo, stand_up_operator

    dn = world.devnet
    demo = await stand_up_demo(dn, decimals=6, epoch_duration=EPOCH, delegator=dtype, limit=10**12)
    v = demo.vault
    assert await dn.core.middleware(demo.network.address) == demo.middleware.address
    assert await dn.core.is_opted_in_network(demo.operator.address, demo.network.address)
    nonce = await dn.anvil.w3.eth.get_transaction_count(demo.operator.address)
    await stand_up_operator(
        dn.core, demo.operator, networks=(demo.network.address,), vaults=(v.info.vault,)
    )
    assert await dn.anvil.w3.eth.get_transaction_count(demo.operator.address) == nonce
    await fund(world, demo.token, world.bob, 3 * 10**12, v.info.vault)
    await v.deposit(world.bob, 3 * 10**12)
    ts = await dn.anvil.latest_timestamp()
    await dn.anvil.mine()
    assert await v.stake_at(demo.subnetwork, demo.operator.address, ts) == 10**12


async def test_tokenized_vault_shares_are_an_erc20(world) -> None:
    from omnistake.chains.ethereum.events import Deposit, EventDecoder, SharesTransfer, SourceKind
    from omnistake.chains.ethereum.symbiotic import ZERO_ADDRESS as ZERO
    from omnistake.chains.ethereum.symbiotic import VaultConfig

    dn = world.devnet
    token = await create_token(dn, "T8", 8)
    info = await dn.core.create_vault(
        world.curator,
        VaultConfig(
            collateral=token,
            epoch_duration=EPOCH,
            curator=world.curator.address,
            tokenized=True,
            name="Vault shares",
            symbol="vT8",
        ),
        DelegatorConfig(DelegatorType.NETWORK_RESTAKE),
    )
    v = dn.core.vault(info)
    await fund(world, token, world.alice, 10**10, info.vault)
    res = await v.deposit(world.alice, 12_345)
    decoder = EventDecoder(dn.toolchain)
    records = [
        decoder.decode(SourceKind.VAULT, [bytes(t) for t in lg["topics"]], bytes(lg["data"]))
        for lg in res.logs
        if lg["address"] == info.vault
    ]
    assert SharesTransfer(ZERO, world.alice.address, 12_345) in records
    assert Deposit(world.alice.address, world.alice.address, 12_345, 12_345) in records
    assert await v.vault.call("decimals") == 8
    assert await v.vault.call("symbol") == "vT8"
    assert await v.vault.call("balanceOf", world.alice.address) == 12_345
    assert await v.vault.call("totalSupply") == await v.active_shares() == 12_345


async def test_signed_opt_in_and_opt_out_submitted_by_another_account(world) -> None:
    dn = world.devnet
    core = dn.core
    op = await dn.account()
    await core.register_operator(op)
    now = await dn.anvil.latest_timestamp()
    sig = await core.sign_opt_in(op.signer, "network", world.network.address, now + 100)
    # The operator sends nothing: bob submits the signature.
    await core.submit_signed_opt_in(
        world.bob, op.address, "network", world.network.address, now + 100, sig
    )
    assert await core.is_opted_in_network(op.address, world.network.address)
    assert await dn.anvil.w3.eth.get_transaction_count(op.address) == 1  # registration only
    await dn.anvil.mine()
    # The nonce moved on: the same signature cannot be replayed (as an opt-out either).
    with pytest.raises(TransactionReverted) as replay:
        await core.submit_signed_opt_in(
            world.bob, op.address, "network", world.network.address, now + 100, sig, opt_out=True
        )
    assert replay.value.error_name == "InvalidSignature"
    later = await dn.anvil.latest_timestamp()
    out = await core.sign_opt_in(
        op.signer, "network", world.network.address, later - 1, opt_out=True
    )
    with pytest.raises(TransactionReverted) as expired:
        await core.submit_signed_opt_in(
            world.bob, op.address, "network", world.network.address, later - 1, out, opt_out=True
        )
    assert expired.value.error_name == "ExpiredSignature"
    out = await core.sign_opt_in(
        op.signer, "network", world.network.address, later + 50, opt_out=True
    )
    await core.submit_signed_opt_in(
        world.bob, op.address, "network", world.network.address, later + 50, out, opt_out=True
    )
    assert not await core.is_opted_in_network(op.address, world.network.address)
