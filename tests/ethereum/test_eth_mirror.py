"""The event stream is enough to mirror a vault to the unit.

A seeded run of deposits, withdrawals, redemptions, claims, limit changes, opt-outs and
slashes on the real contracts is indexed; a small mirror rebuilt from the indexed events
alone (plus the metadata the indexer attaches to VaultCreated) must equal the contracts'
own views, now and at past timestamps. This is the shape the ledger feed will consume.
"""

from __future__ import annotations

import bisect
import random
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from omnistake.chains.ethereum import events as ev
from omnistake.chains.ethereum.errors import TransactionReverted
from omnistake.chains.ethereum.indexer import IndexerConfig, SymbioticIndexer, apply_update
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


class Trace:
    """Checkpointed value: the last write at or before t wins (same-timestamp overwrite)."""

    def __init__(self) -> None:
        self.ts: list[int] = []
        self.vals: list[int] = []

    def push(self, t: int, v: int) -> None:
        if self.ts and self.ts[-1] == t:
            self.vals[-1] = v
        else:
            self.ts.append(t)
            self.vals.append(v)

    def at(self, t: int) -> int:
        i = bisect.bisect_right(self.ts, t)
        return self.vals[i - 1] if i else 0

    def latest(self) -> int:
        return self.vals[-1] if self.vals else 0


@dataclass
class VaultMirror:
    meta: ev.VaultMetadata
    delegator_type: int = -1
    fixed: ev.DelegatorMetadata | None = None
    branches: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    active: Trace = field(default_factory=Trace)
    shares: Trace = field(default_factory=Trace)
    shares_of: dict[str, Trace] = field(default_factory=lambda: defaultdict(Trace))
    w: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    ws: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    ws_of: dict[tuple[int, str], int] = field(default_factory=lambda: defaultdict(int))
    claimed: set[tuple[int, str]] = field(default_factory=set)
    max_nl: dict[bytes, int] = field(default_factory=lambda: defaultdict(int))
    nl: dict[bytes, Trace] = field(default_factory=lambda: defaultdict(Trace))
    op_nl: dict[tuple[bytes, str], Trace] = field(default_factory=lambda: defaultdict(Trace))
    op_sh: dict[tuple[bytes, str], Trace] = field(default_factory=lambda: defaultdict(Trace))
    total_sh: dict[bytes, Trace] = field(default_factory=lambda: defaultdict(Trace))

    def apply(self, e: ev.IndexedEvent) -> None:
        r, t = e.record, e.timestamp
        A, S = self.active.latest(), self.shares.latest()
        if isinstance(r, ev.Deposit):
            self.active.push(t, A + r.amount)
            self.shares.push(t, S + r.shares)
            own = self.shares_of[r.on_behalf_of]
            own.push(t, own.latest() + r.shares)
        elif isinstance(r, ev.Withdraw):
            self.active.push(t, A - r.amount)
            self.shares.push(t, S - r.burned_shares)
            own = self.shares_of[r.withdrawer]
            own.push(t, own.latest() - r.burned_shares)
            ep = self.meta.epoch_at(t) + 1
            self.w[ep] += r.amount
            self.ws[ep] += r.minted_shares
            self.ws_of[(ep, r.claimer)] += r.minted_shares
        elif isinstance(r, ev.Claim):
            self.claimed.add((r.epoch, r.claimer))
        elif isinstance(r, ev.ClaimBatch):
            self.claimed.update((ep, r.claimer) for ep in r.epochs)
        elif isinstance(r, ev.VaultOnSlash):
            # Vault.onSlash's split (v1.0.3) of the amount it actually burned.
            s, ep = r.slashed_amount, self.meta.epoch_at(t)
            cur, nxt = self.w[ep], self.w[ep + 1]
            same = self.meta.epoch_at(r.capture_timestamp) == ep
            self.branches["current" if same else "previous"] += 1
            if same:
                slashable = A + nxt
                a_s = s * A // slashable if slashable else 0
                self.active.push(t, A - a_s)
                self.w[ep + 1] = nxt - (s - a_s)
            else:
                slashable = A + cur + nxt
                a_s = s * A // slashable if slashable else 0
                n_s = s * nxt // slashable if slashable else 0
                w_s = s - a_s - n_s
                if w_s > cur:
                    n_s += w_s - cur
                    w_s = cur
                self.active.push(t, A - a_s)
                self.w[ep] = cur - w_s
                self.w[ep + 1] = nxt - n_s

    def apply_delegator(self, e: ev.IndexedEvent) -> None:
        r, t = e.record, e.timestamp
        if isinstance(r, ev.SetMaxNetworkLimit):
            self.max_nl[r.subnetwork] = r.amount
            nl = self.nl[r.subnetwork]
            if self.delegator_type == 3:
                nl.push(t, r.amount)
            elif nl.latest() > r.amount:
                nl.push(t, r.amount)  # the instant clamp emits no SetNetworkLimit
        elif isinstance(r, ev.SetNetworkLimit):
            self.nl[r.subnetwork].push(t, r.amount)
        elif isinstance(r, ev.SetOperatorNetworkLimit):
            self.op_nl[(r.subnetwork, r.operator)].push(t, r.amount)
        elif isinstance(r, ev.SetOperatorNetworkShares):
            key = (r.subnetwork, r.operator)
            total = self.total_sh[r.subnetwork]
            total.push(t, total.latest() - self.op_sh[key].latest() + r.shares)
            self.op_sh[key].push(t, r.shares)

    def raw_stake_at(self, sn: bytes, op: str, t: int) -> int:
        a = self.active.at(t)
        if self.delegator_type == 0:
            total = self.total_sh[sn].at(t)
            return self.op_sh[(sn, op)].at(t) * min(a, self.nl[sn].at(t)) // total if total else 0
        if self.delegator_type == 1:
            return min(a, self.nl[sn].at(t), self.op_nl[(sn, op)].at(t))
        assert self.fixed is not None
        if op != self.fixed.operator:
            return 0  # operator-specific delegators serve their one operator only
        if self.delegator_type == 3 and ev.split_subnetwork(sn)[0] != self.fixed.network:
            return 0
        return min(a, self.nl[sn].at(t))


@dataclass
class Mirror:
    vaults: dict[str, VaultMirror] = field(default_factory=dict)
    delegator_of: dict[str, str] = field(default_factory=dict)
    delegator_type: dict[str, int] = field(default_factory=dict)
    opted: dict[tuple[str, str, str], Trace] = field(default_factory=lambda: defaultdict(Trace))

    def apply(self, e: ev.IndexedEvent) -> None:
        r = e.record
        if isinstance(r, ev.VaultCreated):
            assert r.metadata is not None
            self.vaults[r.vault] = VaultMirror(r.metadata)
        elif isinstance(r, ev.DelegatorCreated):
            assert r.metadata is not None
            self.delegator_of[r.delegator] = r.metadata.vault
            self.delegator_type[r.delegator] = r.metadata.type
            self.vaults[r.metadata.vault].delegator_type = r.metadata.type
            self.vaults[r.metadata.vault].fixed = r.metadata
        elif isinstance(r, ev.OptIn | ev.OptOut):
            self.opted[(r.service, r.who, r.where)].push(
                e.timestamp, 1 if isinstance(r, ev.OptIn) else 0
            )
        elif isinstance(r, ev.AdminEvent):
            # Initialisation logs of a new vault/delegator come before the factory's
            # AddEntity in the same transaction (log order); nothing to mirror in them.
            return
        elif e.kind == ev.SourceKind.VAULT:
            self.vaults[e.address].apply(e)
        elif e.kind == ev.SourceKind.DELEGATOR:
            self.vaults[self.delegator_of[e.address]].apply_delegator(e)

    def stake_at(self, vault: str, sn: bytes, op: str, t: int) -> int:
        network = ev.split_subnetwork(sn)[0]
        if not self.opted[("vault", op, vault)].at(t) or not self.opted[
            ("network", op, network)
        ].at(t):
            return 0
        return self.vaults[vault].raw_stake_at(sn, op, t)


async def test_mirror_from_events_matches_the_contracts(world) -> None:
    dn = world.devnet
    node = dn.anvil
    core = dn.core
    rng = random.Random(20260521)
    op2 = await dn.account()
    await stand_up_operator(core, op2, networks=(world.network.address,))
    stakers = [world.alice, world.bob, await dn.account()]
    vaults = []
    for sym, dec, dtype, stype in (
        ("stETH", 18, DelegatorType.FULL_RESTAKE, SlasherType.INSTANT),
        ("USDC", 6, DelegatorType.NETWORK_RESTAKE, SlasherType.INSTANT),
        ("WBTC", 8, DelegatorType.OPERATOR_SPECIFIC, SlasherType.VETO),
    ):
        token = await create_token(dn, sym, dec)
        v = await stand_up_vault(
            core,
            world.curator,
            token,
            epoch_duration=EPOCH,
            delegator=DelegatorConfig(dtype, operator=world.operator.address),
            slasher=SlasherConfig(stype, veto_duration=100 if stype == SlasherType.VETO else 0),
        )
        for op in (world.operator, op2):
            await stand_up_operator(core, op, vaults=(v.info.vault,))
        sn = await connect_vault(
            v, world.network, world.curator, world.operator.address, limit=10**dec * 700
        )
        if dtype == DelegatorType.NETWORK_RESTAKE:
            await v.set_operator_network_shares(world.curator, sn, op2.address, 2)
        if dtype == DelegatorType.FULL_RESTAKE:
            await v.set_operator_network_limit(world.curator, sn, op2.address, 10**dec * 300)
        for st in stakers:
            await core.token(token).mint(dn.deployer, st.address, 10**dec * 10**6)
            await core.token(token).approve(st, v.info.vault, MAX)
        vaults.append((v, sn, dec))

    samples: list[int] = []
    t = await node.latest_timestamp()
    for step in range(70):
        v, sn, dec = rng.choice(vaults)
        st = rng.choice(stakers)
        action = rng.choice(["deposit"] * 4 + ["withdraw", "redeem", "claim", "limit", "slash"])
        t += rng.choice([1, 7, 60, 250, 600])
        await node.set_next_block_timestamp(t)
        try:
            if action == "deposit":
                await v.deposit(st, rng.randrange(1, 10**dec * 500))
            elif action == "withdraw":
                bal = await v.active_balance_of(st.address)
                await v.withdraw(st, rng.randrange(1, bal + 1) if bal else 1)
            elif action == "redeem":
                sh = await v.active_shares_of(st.address)
                await v.redeem(st, rng.randrange(1, sh + 1) if sh else 1)
            elif action == "claim":
                cur = await v.current_epoch()
                await v.claim(st, max(cur - rng.choice([1, 2]), 0))
            elif action == "limit":
                if rng.random() < 0.5:
                    await v.set_max_network_limit(world.network, 0, rng.randrange(1, 10**dec * 900))
                elif v.info.delegator_type != DelegatorType.OPERATOR_NETWORK_SPECIFIC:
                    mx = await v.max_network_limit(sn)
                    await v.set_network_limit(world.curator, sn, rng.randrange(0, mx + 1))
            elif action == "slash":
                capture = t - rng.choice([1, 100, 500, 900])
                amount = rng.randrange(1, 10**dec * 200)
                if v.info.slasher_type == SlasherType.INSTANT:
                    await v.slash(world.middleware, sn, world.operator.address, amount, capture)
                else:
                    req = await v.request_slash(
                        world.middleware, sn, world.operator.address, amount, capture
                    )
                    t = req.veto_deadline  # no resolver: executable at once, but wait anyway
                    await node.set_next_block_timestamp(t)
                    await v.execute_slash(world.middleware, req.slash_index)
        except TransactionReverted:
            pass  # the contracts refused (e.g. nothing to claim): no event, nothing to mirror
        if step == 40:
            await core.opt_out_vault(op2, vaults[0][0].info.vault)
        t = await node.latest_timestamp()
        samples.append(t)
    await node.mine()

    mirror = Mirror()
    log: list[ev.IndexedEvent] = []
    idx = SymbioticIndexer(
        node.w3, dn.deployment, dn.toolchain, config=IndexerConfig(confirmations=0)
    )
    async for u in idx.updates():
        apply_update(log, u)
    for e in log:
        mirror.apply(e)

    checked = 0
    for v, sn, _ in vaults:
        m = mirror.vaults[v.info.vault]
        assert m.meta.collateral == v.info.collateral and m.meta.epoch_duration == EPOCH
        assert await v.active_stake() == m.active.latest()
        assert await v.active_shares() == m.shares.latest()
        for st in stakers:
            assert await v.active_shares_of(st.address) == m.shares_of[st.address].latest()
        for ep in sorted(set(m.w) | set(m.ws)):
            assert await v.withdrawals(ep) == m.w[ep], f"bucket {ep}"
            assert await v.withdrawal_shares(ep) == m.ws[ep]
            for st in stakers:
                owed = m.ws_of[(ep, st.address)] * (m.w[ep] + 1) // (m.ws[ep] + 1)
                assert await v.withdrawals_of(ep, st.address) == owed
                claimed = (ep, st.address) in m.claimed
                assert await v.is_withdrawals_claimed(ep, st.address) == claimed
        for ts in samples[::7]:
            assert await v.active_stake(ts) == m.active.at(ts)
            for op in (world.operator.address, op2.address):
                assert await v.stake_at(sn, op, ts) == mirror.stake_at(v.info.vault, sn, op, ts)
                checked += 1
    branches = {b for m in mirror.vaults.values() for b, n in m.branches.items() if n}
    assert branches == {"current", "previous"}, "both Vault.onSlash branches were mirrored"
    kinds = {type(e.record).__name__ for e in log}
    assert {"Deposit", "Withdraw", "Claim", "VaultOnSlash", "SetNetworkLimit"} <= kinds
    assert {"RequestSlash", "ExecuteSlash", "OptOut", "SetOperatorNetworkShares"} <= kinds
    assert checked > 20
