"""A seeded random history on real Symbiotic contracts, mirrored into the ledger through the
adapter and ChainSync, checked against the contracts after every finalized block.

Actions: deposits, withdrawals, redemptions, claims (single and batch) across epochs, max /
network limits, operator shares and limits, vault and network opt-outs and opt-ins,
instant slashes, veto slash requests (executed or vetoed), and reorgs deeper than the
confirmation depth (``anvil_reorg``) after the ledger was fed. After each finalized block
the ledger's activeStake, activeShares, withdrawal buckets, stakeAt and slashable stake of
every vault, subnetwork and operator must equal the contracts' own views (``eth_call`` at
that block) to the unit.

``OMNISTAKE_ETH_SCENARIO_STEPS`` sets the number of steps (default 100) and
``OMNISTAKE_ETH_SCENARIO_SEED`` the seed.
"""

from __future__ import annotations

import asyncio
import os
import random
from dataclasses import dataclass, field
from typing import Any

import pytest
from omnistake.chains.ethereum.adapter import EthereumAdapter, EthereumOptions
from omnistake.chains.ethereum.errors import TransactionReverted
from omnistake.chains.ethereum.operations import (
    connect_vault,
    create_token,
    stand_up_network,
    stand_up_operator,
    stand_up_vault,
)
from omnistake.chains.ethereum.symbiotic import (
    DelegatorConfig,
    DelegatorType,
    SlasherConfig,
    SlasherType,
    VaultBinding,
    make_subnetwork,
)
from omnistake.chains.ethereum.toolchain import toolchain_available
from omnistake.clock import ManualClock
from omnistake.plugins import ChainSync
from omnistake.plugins.records import BlockApplied, ChainRolledBack, SyncEvent
from omnistake.service import LedgerService

_OK, _WHY = toolchain_available()
pytestmark = [
    pytest.mark.anvil,
    pytest.mark.skipif(not _OK, reason=f"Ethereum toolchain missing: {_WHY}"),
    pytest.mark.asyncio(loop_scope="module"),
]

EPOCH = 600
DEPTH = 2
MAX = 2**256 - 1
STEPS = int(os.environ.get("OMNISTAKE_ETH_SCENARIO_STEPS", "100"))
SEED = int(os.environ.get("OMNISTAKE_ETH_SCENARIO_SEED", "20261121"))
CHAIN = "eip155:31337"


def cid(address: str) -> str:
    return f"{CHAIN}:{address.lower()}"


@dataclass
class Setup:
    vaults: list[tuple[VaultBinding, int]]
    networks: list[Any]
    middlewares: list[Any]
    operators: list[Any]
    curator: Any
    resolver: Any
    stakers: list[Any]
    subnets: list[bytes] = field(default_factory=list)


class ContractCheck:
    """Observer: after each applied block, compare the ledger with the contracts."""

    def __init__(self, service: LedgerService, setup: Setup, w3: Any) -> None:
        self.service = service
        self.setup = setup
        self.w3 = w3
        self.blocks = 0
        self.values = 0
        self.nonzero_slashable = 0
        self.mismatches: list[str] = []
        self.rollbacks: list[ChainRolledBack] = []

    async def notify(self, event: SyncEvent) -> None:
        if isinstance(event, ChainRolledBack):
            self.rollbacks.append(event)
        if not isinstance(event, BlockApplied):
            return
        if event.rejected:
            self.mismatches.append(f"block {event.block.height}: {event.rejected} facts rejected")
        try:
            await self._check(event.block.height, event.block.timestamp)
        except Exception as exc:  # observers must not raise: record it instead
            self.mismatches.append(f"block {event.block.height}: check failed: {exc!r}")

    async def _check(self, n: int, ts: int) -> None:
        ledger = self.service.ledger
        s = self.setup
        pairs: list[tuple[str, Any, Any]] = []  # (label, ledger value, chain coroutine)
        for v, _ in s.vaults:
            vid = cid(v.info.vault)
            if vid not in ledger.state.vaults:
                continue
            epoch = ledger.epoch_at(vid, ts)
            pairs.append(
                (
                    "activeStake",
                    ledger.active_stake_at(vid, ts),
                    v.vault.call("activeStake", block=n),
                )
            )
            pairs.append(
                (
                    "activeShares",
                    ledger.active_shares_at(vid, ts),
                    v.vault.call("activeShares", block=n),
                )
            )
            for ep in (epoch - 1, epoch, epoch + 1):
                if ep >= 0:
                    pairs.append(
                        (
                            f"withdrawals({ep})",
                            ledger.withdrawals(vid, ep),
                            v.vault.call("withdrawals", ep, block=n),
                        )
                    )
            for net, sn in zip(s.networks, s.subnets, strict=True):
                for op in s.operators:
                    args = (sn, op.address)
                    pairs.append(
                        (
                            f"stakeAt {net.address[:8]} {op.address[:8]}",
                            ledger.stake_at(vid, cid(net.address), 0, cid(op.address), ts),
                            v.delegator.call("stakeAt", *args, ts, b"", block=n),
                        )
                    )
                    if v.slasher is None:
                        continue
                    for back in (1, EPOCH // 3):
                        capture = ts - back
                        mine = ledger.slashable_stake(
                            vid, cid(net.address), 0, cid(op.address), capture, ts
                        )
                        if mine:
                            self.nonzero_slashable += 1
                        pairs.append(
                            (
                                f"slashableStake({capture})",
                                mine,
                                v.slasher.call("slashableStake", *args, capture, b"", block=n),
                            )
                        )
        chain = await asyncio.gather(*(c for _, _, c in pairs))
        for (label, mine, _), theirs in zip(pairs, chain, strict=True):
            self.values += 1
            if int(mine) != int(theirs):
                self.mismatches.append(f"block {n}: {label}: ledger {mine} != chain {theirs}")
        self.blocks += 1


async def _setup(dn: Any) -> Setup:
    core = dn.core
    networks = [await dn.account() for _ in range(2)]
    middlewares = [await dn.account() for _ in range(2)]
    for net, mw in zip(networks, middlewares, strict=True):
        await stand_up_network(core, net, mw.address)
    operators = [await dn.account() for _ in range(2)]
    for op in operators:
        await stand_up_operator(core, op, networks=tuple(n.address for n in networks))
    curator, resolver = await dn.account(), await dn.account()
    stakers = [await dn.account() for _ in range(3)]
    setup = Setup([], networks, middlewares, operators, curator, resolver, stakers)
    setup.subnets = [make_subnetwork(n.address, 0) for n in networks]
    for sym, dec, dtype, stype in (
        ("stETH", 18, DelegatorType.NETWORK_RESTAKE, SlasherType.INSTANT),
        ("USDC", 6, DelegatorType.FULL_RESTAKE, SlasherType.VETO),
        ("WBTC", 8, DelegatorType.OPERATOR_SPECIFIC, SlasherType.INSTANT),
    ):
        token = await create_token(dn, sym, dec)
        v = await stand_up_vault(
            core,
            curator,
            token,
            epoch_duration=EPOCH,
            delegator=DelegatorConfig(dtype, operator=operators[0].address),
            slasher=SlasherConfig(stype, veto_duration=120 if stype == SlasherType.VETO else 0),
        )
        for op in operators:
            await stand_up_operator(core, op, vaults=(v.info.vault,))
        for net in networks:
            sn = await connect_vault(v, net, curator, operators[0].address, limit=10**dec * 700)
            if dtype == DelegatorType.NETWORK_RESTAKE:
                await v.set_operator_network_shares(curator, sn, operators[1].address, 2)
            if dtype == DelegatorType.FULL_RESTAKE:
                await v.set_operator_network_limit(curator, sn, operators[1].address, 10**dec * 300)
        if stype == SlasherType.VETO:
            await v.set_resolver(networks[1], 0, resolver.address)
        for st in stakers:
            await core.token(token).mint(dn.deployer, st.address, 10**dec * 10**6)
            await core.token(token).approve(st, v.info.vault, MAX)
        setup.vaults.append((v, dec))
    return setup


async def _step(rng: random.Random, dn: Any, s: Setup, t: int) -> str:
    core = dn.core
    v, dec = rng.choice(s.vaults)
    i = rng.randrange(2)
    net, mw, sn = s.networks[i], s.middlewares[i], s.subnets[i]
    op = rng.choice(s.operators)
    st = rng.choice(s.stakers)
    action = rng.choice(
        ["deposit"] * 5
        + ["withdraw", "withdraw", "redeem", "claim", "claim", "claim_batch", "limit", "limit"]
        + ["shares", "optout", "optout", "slash", "slash", "slash", "veto", "veto"]
    )
    if action == "veto":  # the veto vault's second network has a resolver
        v, dec = next((v, d) for v, d in s.vaults if v.info.slasher_type == SlasherType.VETO)
        i = 1
        net, mw, sn = s.networks[i], s.middlewares[i], s.subnets[i]
    if action in ("claim", "claim_batch"):
        cur = await v.current_epoch()
        owed = [
            (e, who)
            for e in range(max(cur - 4, 0), cur)
            for who in s.stakers
            if await v.withdrawals_of(e, who.address)
            and not await v.is_withdrawals_claimed(e, who.address)
        ]
        if not owed:
            return "skip"
        e, st = rng.choice(owed)
        if action == "claim":
            await v.claim(st, e)
        else:
            await v.claim_batch(st, sorted({x for x, who in owed if who is st}))
        return action
    if action == "deposit":
        await v.deposit(st, rng.randrange(1, 10**dec * 400))
    elif action == "withdraw":
        bal = int(await v.vault.call("activeBalanceOf", st.address))
        await v.withdraw(st, rng.randrange(1, bal + 1) if bal else 1)
    elif action == "redeem":
        sh = await v.active_shares_of(st.address)
        await v.redeem(st, rng.randrange(1, sh + 1) if sh else 1)
    elif action == "limit":
        if rng.random() < 0.4:
            await v.set_max_network_limit(net, 0, rng.randrange(1, 10**dec * 900))
        else:
            mx = await v.max_network_limit(sn)
            await v.set_network_limit(s.curator, sn, rng.randrange(0, mx + 1))
    elif action == "shares":
        t_ = v.info.delegator_type
        if t_ == DelegatorType.NETWORK_RESTAKE:
            await v.set_operator_network_shares(s.curator, sn, op.address, rng.randrange(0, 4))
        elif t_ == DelegatorType.FULL_RESTAKE:
            amount = rng.randrange(0, 10**dec * 500)
            await v.set_operator_network_limit(s.curator, sn, op.address, amount)
        else:
            return "skip"
    elif action == "optout":
        if rng.random() < 0.5:
            if await core.is_opted_in_vault(op.address, v.info.vault):
                await core.opt_out_vault(op, v.info.vault)
            else:
                await core.opt_in_vault(op, v.info.vault)
        elif await core.is_opted_in_network(op.address, net.address):
            await core.opt_out_network(op, net.address)
        else:
            await core.opt_in_network(op, net.address)
    elif action in ("slash", "veto"):
        capture = t - rng.choice([1, 60, 300, 550])
        slashable = await v.slashable_stake(sn, op.address, capture)
        if not slashable:
            return "skip"
        amount = rng.randrange(1, slashable + 1)
        if v.info.slasher_type == SlasherType.INSTANT:
            await v.slash(mw, sn, op.address, amount, capture)
        else:
            req = await v.request_slash(mw, sn, op.address, amount, capture)
            if action == "veto":
                await v.veto_slash(s.resolver, req.slash_index)
                return "veto"
            await dn.anvil.set_next_block_timestamp(req.veto_deadline)
            await v.execute_slash(mw, req.slash_index)
    return action


async def _scripted(dn: Any, s: Setup) -> None:
    """A fixed tail that makes sure every slash path, a redemption at a share price other
    than 1 and a claim are in the history, whatever the random steps did."""
    core, node = dn.core, dn.anvil
    st = s.stakers[0]
    op = s.operators[0]
    for v, dec in s.vaults:
        if not await core.is_opted_in_vault(op.address, v.info.vault):
            await core.opt_in_vault(op, v.info.vault)
        await v.deposit(st, 10**dec * 50)
    for net in s.networks:
        if not await core.is_opted_in_network(op.address, net.address):
            await core.opt_in_network(op, net.address)
    for i, net in enumerate(s.networks):
        for v, dec in s.vaults:
            sn = s.subnets[i]
            if await v.max_network_limit(sn) != 10**dec * 700:
                await v.set_max_network_limit(net, 0, 10**dec * 700)
            if await v.network_limit(sn) != 10**dec * 600:
                await v.set_network_limit(s.curator, sn, 10**dec * 600)
            t_ = v.info.delegator_type
            if (
                t_ == DelegatorType.NETWORK_RESTAKE
                and await v.operator_network_shares(sn, op.address) != 3
            ):
                await v.set_operator_network_shares(s.curator, sn, op.address, 3)
            if (
                t_ == DelegatorType.FULL_RESTAKE
                and await v.operator_network_limit(sn, op.address) != 10**dec * 500
            ):
                await v.set_operator_network_limit(s.curator, sn, op.address, 10**dec * 500)
    await node.mine_at(await node.latest_timestamp() + 10)
    for i, mw in enumerate(s.middlewares):
        sn = s.subnets[i]
        for v, _ in s.vaults:
            capture = await node.latest_timestamp() - 1
            amount = await v.slashable_stake(sn, op.address, capture) // 4
            assert amount > 0, "the scripted tail needs stake to slash"
            if v.info.slasher_type == SlasherType.INSTANT:
                await v.slash(mw, sn, op.address, amount, capture)
                continue
            req = await v.request_slash(mw, sn, op.address, amount, capture)
            if i == 1:
                await v.veto_slash(s.resolver, req.slash_index)
            else:
                await node.set_next_block_timestamp(req.veto_deadline)
                await v.execute_slash(mw, req.slash_index)
    buckets: list[int] = []
    for v, _ in s.vaults:
        # After the slashes a share is worth less than a unit: redeem a share count that
        # withdraw(amount) would not reproduce (it burns the fewest shares for the amount).
        a = int(await v.vault.call("activeStake"))
        sh = int(await v.vault.call("activeShares"))
        own = await v.active_shares_of(st.address)
        shares = next(
            n
            for n in range(own // 3, own)
            if (n - 1) * (a + 1) // (sh + 1) == n * (a + 1) // (sh + 1)
        )
        await v.redeem(st, shares)
        await v.withdraw(st, int(await v.vault.call("activeBalanceOf", st.address)) // 5)
        buckets.append(await v.current_epoch() + 1)  # the last request's bucket
    await node.mine_at(await node.latest_timestamp() + 2 * EPOCH + 5)
    for (v, _), bucket in zip(s.vaults, buckets, strict=True):
        await v.claim(st, bucket)


async def test_random_history_mirrors_to_the_unit_after_every_final_block(devnet: Any) -> None:
    dn = devnet
    node = dn.anvil
    setup = await _setup(dn)
    service = LedgerService.open("memory://", ManualClock(0))
    adapter = EthereumAdapter(
        CHAIN,
        EthereumOptions(
            rpc_url=node.url,
            deployment=dn.deployment,
            confirmation_depth=DEPTH,
            poll_interval=0.02,
        ),
        toolchain=dn.toolchain,
    )
    check = ContractCheck(service, setup, node.w3)
    sync = ChainSync(service, adapter, observers=[check], strict_facts=True)
    rng = random.Random(SEED)
    done: dict[str, int] = {}
    reorgs = 0
    try:
        await sync.catch_up(60)
        for step in range(STEPS):
            t = await node.latest_timestamp() + rng.choice([1, 5, 60, 200, 450, 900])
            await node.set_next_block_timestamp(t)
            try:
                action = await _step(rng, dn, setup, t)
            except TransactionReverted as exc:
                action = f"reverted:{exc.error_name}"
            done[action] = done.get(action, 0) + 1
            if step % 10 == 9:
                await node.mine(DEPTH)
                await sync.catch_up(60)
                if step % 20 == 19:
                    # Orphan blocks the ledger was already fed (deeper than DEPTH).
                    await node.reorg(DEPTH + 2)
                    reorgs += 1
        await _scripted(dn, setup)
        await node.mine(DEPTH + 1)
        await sync.catch_up(60)
    finally:
        await sync.close()
    assert not check.mismatches, "\n".join(check.mismatches[:20])
    assert check.blocks >= STEPS and check.values > 50 * STEPS
    assert check.nonzero_slashable > 0
    if reorgs:
        assert any(r.deep and r.rebuilt for r in check.rollbacks), "a fed block was orphaned"
    kinds = {type(r.event).__name__ for r in service.events_since(0, 100_000)}
    expected = {"Deposited", "WithdrawalRequested", "WithdrawalClaimed", "Slashed"}
    expected |= {"NetworkLimitSet", "VaultOptInChanged", "NetworkOptInChanged", "SlashRequested"}
    expected |= {"OperatorNetworkSharesSet", "OperatorNetworkLimitSet", "MaxNetworkLimitSet"}
    expected |= {"SlashVetoed", "ResolverSet"}
    assert expected <= kinds, f"missing {expected - kinds}; actions {done}"
    mirror = adapter.mirror
    assert mirror is not None and not mirror.warnings, mirror and mirror.warnings
    for command in ("Withdraw", "Redeem", "Claim", "Slash", "ExecuteSlash", "VetoSlash"):
        assert mirror.counts[command] > 0, f"no {command} fed; actions {done}"
