"""Random command sequences against the ledger, with the books checked after every step.

A hypothesis state machine drives every ledger command across several vaults (all four
delegator policies, instant and veto slashers), two networks and three operators while the
clock advances. It keeps its own tallies from the events the ledger returns and checks, after
each step: conservation per vault, non-negative balances and buckets, claims within buckets
and within what each staker put in, non-negative slashable stake, that history never changes
after the fact, that rejected commands change nothing, and that replaying the events (and a
JSON round trip of the state) rebuilds the same state hash.

``OMNISTAKE_STATEFUL_EXAMPLES`` / ``OMNISTAKE_STATEFUL_STEPS`` raise the effort for a soak run.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from typing import Any

from core_world import (
    ALICE,
    ASSET,
    BOB,
    BURNER,
    CAROL,
    CURATOR,
    NET,
    NET_B,
    OP,
    OP_B,
    OP_C,
    REWARD_TOKEN,
    T0,
    World,
)
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from omnistake.errors import OmnistakeError
from omnistake.ledger import Ledger, LedgerState, canonical_state, state_hash
from omnistake.ledger import commands as C
from omnistake.ledger import events as V
from omnistake.merkle import RewardTree
from omnistake.principals import ADMIN, Principal, Role

STAKERS = [ALICE, BOB, CAROL]
NETWORKS = [NET, NET_B]
OPERATORS = [OP, OP_B, OP_C]
RESOLVERS = ["res-1", "res-2"]
VAULTS = {
    # name: (delegator, slasher, epoch, extra)
    "nr": ("network_restake", "instant", 50, {"curator_fee_bps": 1_000}),
    "fr": ("full_restake", "veto", 60, {"veto_duration": 10, "burner": BURNER}),
    "os": ("operator_specific", "instant", 40, {"delegator_operator": OP, "deposit_limit": 900}),
    "ons": (
        "operator_network_specific",
        "veto",
        50,
        {"veto_duration": 5, "delegator_operator": OP_B, "delegator_network": NET},
    ),
}

_usual = st.integers(min_value=1, max_value=300)
amounts = st.one_of(
    _usual,
    _usual,
    _usual,
    _usual,
    st.sampled_from([0, 10**18, 2**200, 2**255, 2**256 - 1, 2**256]),
)
small = st.integers(min_value=0, max_value=120)
lookback = st.sampled_from([1, 2, 5, 9, 20, 35, 49, 50, 60, 61, 100])
allowed = st.sampled_from([True, True, True, True, False])
#: time that passes before a money command (swarm testing may switch the advance rules off)
ticks = st.sampled_from([0, 1, 5, 20, 40])
WRONG = Principal(Role.OPERATOR, OP_C)


class LedgerMachine(RuleBasedStateMachine):
    """Drives the ledger and checks its books."""

    #: builds the ledger under test from the world's clock (tests/store: a durable service)
    make_ledger: Any = None

    def __init__(self) -> None:
        super().__init__()
        self.world = World(start=T0, max_slash_wad=60 * 10**18, make_ledger=self.make_ledger)
        self.ledger: Ledger = self.world.ledger
        self.events = self.world.events
        self.vaults: list[str] = []
        for name, (delegator, slasher, epoch, extra) in VAULTS.items():
            self.world.vault(name, epoch=epoch, delegator=delegator, slasher=slasher, **extra)
            self.vaults.append(name)
        # own tallies, from events only
        self.deposited: dict[str, int] = defaultdict(int)
        self.claimed: dict[str, int] = defaultdict(int)
        self.slashed: dict[str, int] = defaultdict(int)
        self.active: dict[str, int] = defaultdict(int)
        self.buckets: dict[tuple[str, int], int] = defaultdict(int)
        self.claimed_from: dict[tuple[str, int], int] = defaultdict(int)
        self.put_in: dict[tuple[str, str], int] = defaultdict(int)
        self.taken_out: dict[tuple[str, str], int] = defaultdict(int)
        self.history: dict[tuple[Any, ...], int] = {}
        self.op_totals: dict[str, dict[str, int]] = {n: {} for n in NETWORKS}
        self.seen = 0
        self.rejections = 0
        self.accepted: dict[str, int] = defaultdict(int)
        self.reasons: dict[str, int] = defaultdict(int)
        self._wire_everything()

    def _wire_everything(self) -> None:
        """Start from a busy world: every operator opted in everywhere, limits and shares set,
        resolvers on the veto vaults, and 100 deposited by each staker in each vault."""
        w = self.world
        for v in self.vaults:
            vault = self.ledger.vault(v)
            for net in NETWORKS:
                if vault.delegator_type == "operator_network_specific" and net != NET:
                    continue
                for op in OPERATORS:
                    w.wire(v, net=net, op=op, limit=10**6)
                if vault.slasher_type == "veto":
                    w.do(C.SetResolver(vault=v, network=net, resolver="res-1"))
            if vault.delegator_type == "network_restake":
                for i, op in enumerate(OPERATORS):
                    for net in NETWORKS:
                        w.do(
                            C.SetOperatorNetworkShares(
                                vault=v, network=net, operator=op, shares=i + 2
                            )
                        )
            for s in STAKERS:
                self.run(C.Deposit(vault=v, staker=s, amount=100))
        # start two minutes in, so that captures and reward timestamps have history behind them
        w.advance(120)

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def now(self) -> int:
        return self.world.now

    def run(self, cmd: C.Command, principal: Principal = ADMIN) -> list[V.Event] | None:
        """Execute; a rejection must be typed and change nothing."""
        before = self.ledger.state_hash()
        seq = self.ledger.seq
        try:
            recorded = self.ledger.execute(cmd, principal=principal)
        except OmnistakeError as err:
            assert err.reason and err.reason.isupper(), err
            assert self.ledger.state_hash() == before, f"rejected {cmd} changed state"
            assert self.ledger.seq == seq
            self.rejections += 1
            self.reasons[f"{type(cmd).__name__}:{err.reason}"] += 1
            return None
        self.accepted[type(cmd).__name__] += 1
        for r in recorded:
            self.tally(r.event)
        return [r.event for r in recorded]

    def who(self, ok: bool, principal: Principal) -> Principal:
        return principal if ok else WRONG

    def tally(self, e: V.Event) -> None:
        if isinstance(e, V.Deposited):
            self.deposited[e.vault] += e.amount
            self.active[e.vault] += e.amount
            self.put_in[(e.vault, e.staker)] += e.amount
        elif isinstance(e, V.WithdrawalRequested):
            self.active[e.vault] -= e.amount
            self.buckets[(e.vault, e.epoch)] += e.amount
        elif isinstance(e, V.WithdrawalClaimed):
            self.claimed[e.vault] += e.amount
            self.claimed_from[(e.vault, e.epoch)] += e.amount
            self.taken_out[(e.vault, e.claimer)] += e.amount
        elif isinstance(e, V.Slashed):
            assert e.burned == e.active_burned + e.withdrawals_burned + e.next_withdrawals_burned
            assert e.burned <= e.slashed <= e.requested or e.request is not None
            assert e.slashed > 0
            self.slashed[e.vault] += e.burned
            self.active[e.vault] -= e.active_burned
            self.buckets[(e.vault, e.epoch)] -= e.withdrawals_burned
            self.buckets[(e.vault, e.epoch + 1)] -= e.next_withdrawals_burned

    # -- time -------------------------------------------------------------------------------

    @rule(dt=st.sampled_from([1, 0, 3, 7, 19, 30, 50, 61]))
    def advance(self, dt: int) -> None:
        self.world.advance(dt)

    @rule(dt=st.sampled_from([13, 1, 29, 45]))
    def advance_more(self, dt: int) -> None:  # a second rule: time should pass often
        self.world.advance(dt)

    # -- registry and settings (one rule, so they do not crowd out the money rules) --------

    @rule(data=st.data(), kind=st.integers(0, 10), ok=allowed)
    def settings_and_registry(self, data: st.DataObject, kind: int, ok: bool) -> None:
        draw = data.draw
        v = draw(st.sampled_from(self.vaults))
        cmd: C.Command
        if kind == 0:
            cmd = C.RegisterNetwork(
                network=draw(st.sampled_from([NET, "net-c", "bad id!"])),
                max_slash_wad=draw(st.sampled_from([None, 0, 10**20, 10**20 + 1])),
            )
        elif kind == 1:
            cmd = C.RegisterOperator(
                operator=draw(st.sampled_from([OP, "op-9"])),
                keys={"eip155": draw(st.sampled_from(["0x01", ""]))},
            )
        elif kind == 2:
            cmd = C.SetOperatorKey(
                operator=draw(st.sampled_from(OPERATORS)),
                namespace="eip155",
                key=draw(st.sampled_from(["0x01", "0x02", ""])),
            )
        elif kind == 3:
            cmd = C.RegisterAsset(
                asset_id=draw(st.sampled_from([ASSET, "solana:abc/token:xyz", "nope"])),
                decimals=draw(st.sampled_from([9, 78, 256])),
            )
        elif kind == 4:
            if len(self.vaults) >= 6:
                return
            delegator = draw(st.sampled_from(C.DELEGATOR_TYPES))
            extra: dict[str, Any] = {}
            if delegator in ("operator_specific", "operator_network_specific"):
                extra["delegator_operator"] = OP_C
            if delegator == "operator_network_specific":
                extra["delegator_network"] = NET_B
            name = f"x{len(self.vaults)}"
            cmd = C.CreateVault(
                vault=name,
                asset_id=ASSET,
                curator=CURATOR,
                epoch_duration=draw(st.sampled_from([0, 30, 45])),
                delegator_type=delegator,
                slasher_type=draw(st.sampled_from(C.SLASHER_TYPES)),
                veto_duration=7,
                **extra,
            )
            if self.run(cmd):
                self.vaults.append(name)
            return
        elif kind == 5:
            cmd = C.SetDepositWhitelist(vault=v, enabled=draw(st.booleans()))
        elif kind == 6:
            cmd = C.SetDepositorWhitelisted(
                vault=v, account=draw(st.sampled_from(STAKERS)), allowed=draw(st.booleans())
            )
        elif kind == 7:
            cmd = C.SetDepositLimit(
                vault=v, limit=draw(st.sampled_from([None, 10**6, 300, 2**256]))
            )
        elif kind == 8:
            cmd = C.SetCuratorFee(vault=v, fee_bps=draw(st.sampled_from([0, 250, 10_000, 10_001])))
        elif kind == 9:
            cmd = C.ClaimCuratorFee(vault=v, token=REWARD_TOKEN)
        else:
            res = draw(st.sampled_from([*RESOLVERS, None]))
            net = draw(st.sampled_from(NETWORKS))
            self.run(
                C.SetResolver(
                    vault=v, network=net, subnetwork=draw(st.sampled_from([0, 1])), resolver=res
                ),
                self.who(ok, Principal(Role.NETWORK, net)),
            )
            return
        self.run(cmd, self.who(ok, ADMIN))

    # -- stakers ----------------------------------------------------------------------------

    @rule(data=st.data(), amount=amounts, ok=allowed)
    def deposit(self, data: st.DataObject, amount: int, ok: bool) -> None:
        self.world.advance(data.draw(ticks))
        v = data.draw(st.sampled_from(self.vaults))
        s = data.draw(st.sampled_from(STAKERS))
        self.run(C.Deposit(vault=v, staker=s, amount=amount), self.who(ok, _staker(s)))

    def _withdraw_or_redeem(self, data: st.DataObject, part: int, by_shares: bool) -> None:
        self.world.advance(data.draw(ticks))
        v = data.draw(st.sampled_from(self.vaults))
        s = data.draw(st.sampled_from(STAKERS))
        if by_shares:
            owned = self.ledger.active_shares_of(v, s, self.now)
            shares = owned * part // 4 if part else 1
            self.run(C.Redeem(vault=v, staker=s, shares=shares), _staker(s))
        else:
            owned = self.ledger.active_balance_of(v, s, self.now)
            amount = owned * part // 4 if part else data.draw(amounts)
            self.run(C.Withdraw(vault=v, staker=s, amount=amount), _staker(s))

    def _claim(self, data: st.DataObject, back: list[int]) -> None:
        self.world.advance(data.draw(ticks))
        waiting = [
            (v, s)
            for v in self.vaults
            for s in STAKERS
            if any(not p.claimed for p in self.ledger.pending_withdrawals(v, s))
        ]
        if waiting and data.draw(st.integers(0, 4)):
            v, s = data.draw(st.sampled_from(waiting))
        else:
            v = data.draw(st.sampled_from(self.vaults))
            s = data.draw(st.sampled_from(STAKERS))
        current = self.ledger.epoch_at(v, self.now)
        pending = [p.epoch for p in self.ledger.pending_withdrawals(v, s) if not p.claimed]
        if pending and data.draw(st.integers(0, 3)):
            # mostly claim what is there (matured or not); sometimes a made-up epoch
            epochs = data.draw(
                st.lists(st.sampled_from(pending), min_size=1, max_size=3, unique=True)
            )
        else:
            epochs = [max(current - b, 0) for b in back]
        self.run(C.Claim(vault=v, claimer=s, epochs=epochs), _staker(s))

    # -- opt-ins and limits -----------------------------------------------------------------------

    @rule(
        data=st.data(),
        net=st.sampled_from(NETWORKS),
        op=st.sampled_from(OPERATORS),
        into=st.booleans(),
        to_vault=st.booleans(),
    )
    def opt(self, data: st.DataObject, net: str, op: str, into: bool, to_vault: bool) -> None:
        who = Principal(Role.OPERATOR, op)
        if to_vault:
            v = data.draw(st.sampled_from(self.vaults))
            cmd: C.Command = (C.OptInVault if into else C.OptOutVault)(operator=op, vault=v)
        else:
            cmd = (C.OptInNetwork if into else C.OptOutNetwork)(operator=op, network=net)
        self.run(cmd, who)

    @rule(
        data=st.data(),
        kind=st.integers(0, 3),
        net=st.sampled_from(NETWORKS),
        op=st.sampled_from(OPERATORS),
        amount=st.one_of(amounts, st.integers(0, 10**6)),
        sn=st.sampled_from([0, 0, 1]),
    )
    def limits(
        self, data: st.DataObject, kind: int, net: str, op: str, amount: int, sn: int
    ) -> None:
        v = data.draw(st.sampled_from(self.vaults))
        if kind == 0:
            self.run(
                C.SetMaxNetworkLimit(vault=v, network=net, subnetwork=sn, amount=amount),
                Principal(Role.NETWORK, net),
            )
        elif kind == 1:
            self.run(C.SetNetworkLimit(vault=v, network=net, subnetwork=sn, amount=amount))
        elif kind == 2:
            self.run(
                C.SetOperatorNetworkShares(
                    vault=v, network=net, subnetwork=sn, operator=op, shares=amount % 7
                )
            )
        else:
            self.run(
                C.SetOperatorNetworkLimit(
                    vault=v, network=net, subnetwork=sn, operator=op, amount=amount
                )
            )

    # -- slashing -------------------------------------------------------------------------------

    def _slash_vault(self, data: st.DataObject, kind: str) -> str:
        matching = [v for v in self.vaults if self.ledger.vault(v).slasher_type == kind]
        if matching and data.draw(st.integers(0, 4)):
            return data.draw(st.sampled_from(matching))
        return data.draw(st.sampled_from(self.vaults))

    def _slash(
        self, data: st.DataObject, net: str, op: str, amount: int, back: int, ok: bool
    ) -> None:
        self.world.advance(data.draw(ticks))
        v = self._slash_vault(data, "instant")
        cmd = C.Slash(vault=v, network=net, operator=op, amount=amount, capture=self.now - back)
        self.run(cmd, self.who(ok, Principal(Role.NETWORK, net)))

    def _request_slash(
        self, data: st.DataObject, net: str, op: str, amount: int, back: int
    ) -> None:
        self.world.advance(data.draw(ticks))
        v = self._slash_vault(data, "veto")
        cmd = C.RequestSlash(
            vault=v, network=net, operator=op, amount=amount, capture=self.now - back
        )
        self.run(cmd, Principal(Role.NETWORK, net))

    def _veto_or_execute(self, data: st.DataObject, res: str, execute: bool, ok: bool) -> None:
        self.world.advance(data.draw(ticks))
        with_requests = [v for v in self.vaults if self.ledger.vault(v).slash_requests]
        if with_requests and data.draw(st.integers(0, 4)):
            v = data.draw(st.sampled_from(with_requests))
        else:
            v = self._slash_vault(data, "veto")
        count = len(self.ledger.vault(v).slash_requests)
        index = data.draw(st.integers(0, count)) if data.draw(st.integers(0, 5)) else 99
        if execute:
            self.run(C.ExecuteSlash(vault=v, request=index), self.who(ok, ADMIN))
        else:
            self.run(C.VetoSlash(vault=v, request=index), Principal(Role.RESOLVER, res))

    # -- rewards --------------------------------------------------------------------------------

    def _distribute(self, data: st.DataObject, net: str, amount: int, back: int) -> None:
        self.world.advance(data.draw(ticks))
        v = data.draw(st.sampled_from(self.vaults))
        cmd = C.DistributeStakerRewards(
            vault=v,
            network=net,
            token=REWARD_TOKEN,
            amount=amount,
            timestamp=self.now - back,
            max_curator_fee_bps=data.draw(st.sampled_from([10_000, 500])),
        )
        self.run(cmd, Principal(Role.NETWORK, net))

    def _claim_rewards(self, data: st.DataObject, net: str, most: int) -> None:
        paying = [
            (v, n)
            for v in self.vaults
            for n in NETWORKS
            if self.ledger.vault(v).rewards.get(f"{n}|{REWARD_TOKEN}")
        ]
        if paying and data.draw(st.integers(0, 4)):
            v, net = data.draw(st.sampled_from(paying))
        else:
            v = data.draw(st.sampled_from(self.vaults))
        s = data.draw(st.sampled_from(STAKERS))
        expected = self.ledger.claimable_staker_rewards(v, s, net, REWARD_TOKEN, most)
        events = self.run(
            C.ClaimStakerRewards(
                vault=v, staker=s, network=net, token=REWARD_TOKEN, max_distributions=most
            ),
            _staker(s),
        )
        if events:
            (e,) = events
            assert isinstance(e, V.StakerRewardsClaimed)
            assert e.amount == expected

    @rule(
        net=st.sampled_from(NETWORKS),
        op=st.sampled_from(OPERATORS),
        add=small,
        fund=small,
        claim=st.booleans(),
        lie=st.booleans(),
    )
    def operator_rewards(
        self, net: str, op: str, add: int, fund: int, claim: bool, lie: bool
    ) -> None:
        if not claim:
            totals = dict(self.op_totals[net])
            totals[op] = totals.get(op, 0) + add
            root = RewardTree(totals).root
            if self.run(
                C.DistributeOperatorRewards(
                    network=net, token=REWARD_TOKEN, amount=fund, root=root
                ),
                Principal(Role.NETWORK, net),
            ):
                self.op_totals[net] = totals
            return
        totals = self.op_totals[net]
        proof = RewardTree(totals).proof(op) if op in totals else []
        total = totals.get(op, 1) + int(lie)
        self.run(
            C.ClaimOperatorRewards(
                network=net, token=REWARD_TOKEN, operator=op, total_claimable=total, proof=proof
            ),
            Principal(Role.OPERATOR, op),
        )

    # -- coupled actions share a rule, so swarm testing switches them on together -------------

    @rule(data=st.data(), which=st.sampled_from(["withdraw", "claim", "redeem", "claim"]))
    def exits(self, data: st.DataObject, which: str) -> None:
        if which == "claim":
            self._claim(data, data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
        else:
            part = data.draw(st.sampled_from([1, 2, 3, 4, 0]))
            self._withdraw_or_redeem(data, part, which == "redeem")

    @rule(
        data=st.data(),
        which=st.sampled_from(["slash", "request", "settle", "settle"]),
        net=st.sampled_from(NETWORKS),
        op=st.sampled_from(OPERATORS),
        amount=amounts,
        back=lookback,
        ok=allowed,
    )
    def slashing(
        self, data: st.DataObject, which: str, net: str, op: str, amount: int, back: int, ok: bool
    ) -> None:
        if which == "slash":
            self._slash(data, net, op, amount, back, ok)
        elif which == "request" or not any(
            self.ledger.vault(v).slash_requests for v in self.vaults
        ):
            self._request_slash(data, net, op, amount, back)
        else:
            res = data.draw(st.sampled_from(RESOLVERS))
            self._veto_or_execute(data, res, data.draw(st.booleans()), ok)

    @rule(
        data=st.data(),
        claim=st.booleans(),
        net=st.sampled_from(NETWORKS),
        amount=amounts,
        back=lookback,
        most=st.sampled_from([1000, 1, 0]),
    )
    def staker_rewards(
        self, data: st.DataObject, claim: bool, net: str, amount: int, back: int, most: int
    ) -> None:
        if claim:
            self._claim_rewards(data, net, most)
        else:
            self._distribute(data, net, amount, back)

    # -- history ----------------------------------------------------------------------------

    @rule(data=st.data(), back=st.integers(1, 200))
    def record_history(self, data: st.DataObject, back: int) -> None:
        """Remember a few historical values (strictly before now) to re-check later."""
        t = self.now - back
        v = data.draw(st.sampled_from(self.vaults))
        for net in NETWORKS:
            for op in OPERATORS:
                for sn in (0, 1):
                    key = ("stake", v, net, sn, op, t)
                    self.history.setdefault(key, self.ledger.stake_at(v, net, sn, op, t))
        for s in STAKERS:
            key = ("balance", v, s, t)
            self.history.setdefault(key, self.ledger.active_balance_of(v, s, t))
        key = ("active", v, t)
        self.history.setdefault(key, self.ledger.active_stake_at(v, t))

    # -- invariants ---------------------------------------------------------------------------

    @invariant()
    def books_balance(self) -> None:
        for v in self.vaults:
            vault = self.ledger.vault(v)
            buckets = {e: a for (vv, e), a in self.buckets.items() if vv == v}
            assert vault.active_stake.latest() == self.active[v] >= 0
            for epoch, amount in buckets.items():
                assert amount >= 0
                assert vault.withdrawals.get(epoch, 0) == amount
                assert self.claimed_from[(v, epoch)] <= amount
            assert sum(vault.withdrawals.values()) == sum(buckets.values())
            held = self.active[v] + sum(buckets.values()) - self.claimed[v]
            assert held >= 0
            assert self.deposited[v] == held + self.claimed[v] + self.slashed[v]
            assert (vault.total_deposited, vault.total_claimed, vault.total_slashed) == (
                self.deposited[v],
                self.claimed[v],
                self.slashed[v],
            )
            assert vault.balance == held >= 0
            assert vault.active_shares.latest() >= 0
            assert sum(t.latest() for t in vault.active_shares_of.values()) == (
                vault.active_shares.latest()
            )

    @invariant()
    def stakers_take_out_at_most_what_they_put_in(self) -> None:
        """Per staker in every vault that never burned collateral (the share price is then
        exactly 1 and nothing rounds). Once a slash moves the price, Symbiotic's rounding lets
        holders gain other depositors' rounding remainders (see test_vault_shares), so there
        the bound is the vault's: everything claimed is at most everything deposited."""
        for (v, s), out in self.taken_out.items():
            if self.slashed[v] == 0:
                assert out <= self.put_in[(v, s)], (v, s, out, self.put_in[(v, s)])
        for v in self.vaults:
            assert self.claimed[v] <= self.deposited[v] - self.slashed[v]

    @invariant()
    def slashable_stake_is_never_negative(self) -> None:
        now = self.now
        for v in self.vaults:
            for net in NETWORKS:
                for op in OPERATORS:
                    for back in (1, 30, 60):
                        got = self.ledger.slashable_stake(v, net, 0, op, now - back, now)
                        stake = self.ledger.stake_at(v, net, 0, op, now - back)
                        assert 0 <= got <= stake

    @invariant()
    def history_never_changes(self) -> None:
        q = self.ledger
        for key, value in self.history.items():
            if key[0] == "stake":
                _, v, net, sn, op, t = key
                assert q.stake_at(v, net, sn, op, t) == value, key
            elif key[0] == "balance":
                _, v, s, t = key
                assert q.active_balance_of(v, s, t) == value, key
            else:
                _, v, t = key
                assert q.active_stake_at(v, t) == value, key

    @invariant()
    def replay_and_snapshot_give_the_same_hash(self) -> None:
        if len(self.events) == self.seen:
            return
        self.seen = len(self.events)
        want = self.ledger.state_hash()
        wire = [V.Event.from_json(r.event.to_json()) for r in self.events]
        assert Ledger.from_events(wire).state_hash() == want
        loaded = LedgerState.load(json.loads(canonical_state(self.ledger.state)))
        assert state_hash(loaded) == want


def _staker(account: str) -> Principal:
    return Principal(Role.STAKER, account)


TestLedgerMachine = LedgerMachine.TestCase
TestLedgerMachine.settings = settings(
    max_examples=int(os.environ.get("OMNISTAKE_STATEFUL_EXAMPLES", "60")),
    stateful_step_count=int(os.environ.get("OMNISTAKE_STATEFUL_STEPS", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


CHAIN = "eip155:1"


class MirroredMachine(RuleBasedStateMachine):
    """A vault mirrored from a chain (its clock is the chain's block time, far behind the
    hub's) next to hub-side commands on the same vault. The chain adapter (system) must never
    be refused for time reasons, hub-side commands must never move the chain's clock, and the
    mirrored vault's history before the chain's clock must never change."""

    def __init__(self) -> None:
        super().__init__()
        self.world = World(start=T0)
        self.ledger = self.world.ledger
        self.chain_now = 1_000
        self.sys(
            C.CreateVault(
                vault="m",
                asset_id=ASSET,
                curator=CURATOR,
                epoch_duration=50,
                delegator_type="full_restake",
                curator_fee_bps=500,
                domain=CHAIN,
            )
        )
        for cmd in (
            C.SetMaxNetworkLimit(vault="m", network=NET, amount=10**6),
            C.SetNetworkLimit(vault="m", network=NET, amount=10**6),
            C.SetOperatorNetworkLimit(vault="m", network=NET, operator=OP, amount=10**6),
            C.OptInVault(operator=OP, vault="m"),
            C.OptInNetwork(operator=OP, network=NET, domain=CHAIN),
            C.Deposit(vault="m", staker=ALICE, amount=100),
            C.Deposit(vault="m", staker=BOB, amount=50),
        ):
            self.sys(cmd)
        self.chain_now += 20
        self.sys(C.Deposit(vault="m", staker=CAROL, amount=10))
        self.history: dict[tuple[str, int], int] = {}

    def sys(self, cmd: C.Command) -> list[V.Event] | None:
        before = self.ledger.state_hash()
        try:
            return [
                r.event
                for r in self.ledger.execute(
                    cmd, principal=Principal(Role.SYSTEM, "eth"), at=self.chain_now
                )
            ]
        except OmnistakeError as err:
            assert err.reason != "TIME_WENT_BACKWARDS", (cmd, err)
            assert self.ledger.state_hash() == before
            return None

    def hub(self, cmd: C.Command, principal: Principal) -> None:
        before = self.ledger.state_hash()
        chain_clock = self.ledger.state.clocks[CHAIN]
        try:
            self.ledger.execute(cmd, principal=principal)
        except OmnistakeError:
            assert self.ledger.state_hash() == before
        assert self.ledger.state.clocks[CHAIN] == chain_clock, cmd

    @rule(dt=st.sampled_from([0, 1, 12, 24, 60]))
    def chain_block(self, dt: int) -> None:
        self.chain_now += dt

    @rule(dt=st.sampled_from([1, 600]))
    def hub_time(self, dt: int) -> None:
        self.world.advance(dt)

    @rule(
        kind=st.sampled_from(["deposit", "withdraw", "claim", "slash", "opt", "limit"]),
        who=st.sampled_from([ALICE, BOB]),
        amount=st.integers(1, 80),
        back=st.integers(1, 60),
    )
    def chain_event(self, kind: str, who: str, amount: int, back: int) -> None:
        if kind == "deposit":
            self.sys(C.Deposit(vault="m", staker=who, amount=amount))
        elif kind == "withdraw":
            self.sys(C.Withdraw(vault="m", staker=who, amount=amount))
        elif kind == "claim":
            epoch = max(self.ledger.epoch_at("m", self.chain_now) - 1 - back % 2, 0)
            self.sys(C.Claim(vault="m", claimer=who, epochs=[epoch]))
        elif kind == "slash":
            self.sys(
                C.Slash(
                    vault="m",
                    network=NET,
                    operator=OP,
                    amount=amount,
                    capture=self.chain_now - back,
                )
            )
        elif kind == "opt":
            opted = self.ledger.is_opted_in_network(OP, NET, self.chain_now, CHAIN)
            cmd = C.OptOutNetwork if opted else C.OptInNetwork
            self.sys(cmd(operator=OP, network=NET, domain=CHAIN))
        else:
            self.sys(C.SetNetworkLimit(vault="m", network=NET, amount=amount * 10))

    @rule(
        kind=st.sampled_from(["distribute", "claim", "fee", "claim_fee", "deposit", "slash"]),
        who=st.sampled_from([ALICE, BOB]),
        back=st.integers(0, 30),
    )
    def hub_command(self, kind: str, who: str, back: int) -> None:
        if kind == "distribute":
            cmd: C.Command = C.DistributeStakerRewards(
                vault="m",
                network=NET,
                token=REWARD_TOKEN,
                amount=1_000,
                timestamp=self.ledger.state.clocks[CHAIN] - 1 - back,
            )
            self.hub(cmd, Principal(Role.NETWORK, NET))
        elif kind == "claim":
            cmd = C.ClaimStakerRewards(vault="m", staker=who, network=NET, token=REWARD_TOKEN)
            self.hub(cmd, _staker(who))
        elif kind == "fee":
            self.hub(
                C.SetCuratorFee(vault="m", fee_bps=back * 10), Principal(Role.CURATOR, CURATOR)
            )
        elif kind == "claim_fee":
            self.hub(
                C.ClaimCuratorFee(vault="m", token=REWARD_TOKEN), Principal(Role.CURATOR, CURATOR)
            )
        elif kind == "deposit":  # only the adapter may change a mirrored vault
            self.hub(C.Deposit(vault="m", staker=who, amount=5), _staker(who))
        else:
            cmd = C.Slash(vault="m", network=NET, operator=OP, amount=5, capture=self.world.now - 1)
            self.hub(cmd, Principal(Role.NETWORK, NET))

    @rule(back=st.integers(1, 100))
    def remember(self, back: int) -> None:
        t = self.ledger.state.clocks[CHAIN] - back
        self.history.setdefault(("stake", t), self.ledger.stake_at("m", NET, 0, OP, t))
        self.history.setdefault(("active", t), self.ledger.active_stake_at("m", t))

    @invariant()
    def history_and_replay(self) -> None:
        for (kind, t), value in self.history.items():
            now = (
                self.ledger.stake_at("m", NET, 0, OP, t)
                if kind == "stake"
                else self.ledger.active_stake_at("m", t)
            )
            assert now == value, (kind, t)
        assert self.ledger.state.clocks[CHAIN] <= self.chain_now
        replayed = Ledger.from_events(self.world.events)
        assert replayed.state_hash() == self.ledger.state_hash()


TestMirroredMachine = MirroredMachine.TestCase
TestMirroredMachine.settings = settings(
    max_examples=int(os.environ.get("OMNISTAKE_STATEFUL_EXAMPLES", "60")) // 2,
    stateful_step_count=int(os.environ.get("OMNISTAKE_STATEFUL_STEPS", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
