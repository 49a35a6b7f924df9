"""Differential test: the ledger against a small, independent model of Symbiotic v1.0.3's
Vault + FullRestakeDelegator + Slasher written straight from the Solidity (Vault.deposit,
withdraw, redeem, claim, onSlash; BaseSlasher._slashableStake; Slasher.slash), on random
histories. Every accepted/rejected decision and every number must agree to the unit."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

from core_world import NET, OP, World, network, staker
from hypothesis import given, settings
from hypothesis import strategies as st
from omnistake.errors import OmnistakeError
from omnistake.ledger import commands as C

STAKERS = ["eip155:1:0x" + c * 40 for c in "abc"]
EPOCH = 50


class Revert(Exception):
    pass


def _div(a: int, b: int, up: bool = False) -> int:
    q, r = divmod(a, b)
    return q + 1 if up and r else q


@dataclass
class History:
    keys: list[int] = field(default_factory=list)
    vals: list[int] = field(default_factory=list)

    def push(self, t: int, v: int) -> None:
        if self.keys and self.keys[-1] == t:
            self.vals[-1] = v
        else:
            self.keys.append(t)
            self.vals.append(v)

    def at(self, t: int) -> int:
        i = bisect_right(self.keys, t)
        return self.vals[i - 1] if i else 0

    def latest(self) -> int:
        return self.vals[-1] if self.vals else 0


@dataclass
class Model:
    """Vault, full-restake delegator (limits never bind) and instant slasher, one operator."""

    init: int
    A: History = field(default_factory=History)
    S: History = field(default_factory=History)
    sharesOf: dict[str, History] = field(default_factory=dict)
    W: dict[int, int] = field(default_factory=dict)
    WS: dict[int, int] = field(default_factory=dict)
    WSOf: dict[tuple[int, str], int] = field(default_factory=dict)
    claimed: set[tuple[int, str]] = field(default_factory=set)
    cumulative: History = field(default_factory=History)
    latest_capture: int = 0

    def epoch(self, t: int) -> int:
        return (t - self.init) // EPOCH

    def of(self, a: str) -> History:
        return self.sharesOf.setdefault(a, History())

    def deposit(self, t: int, a: str, amount: int) -> int:
        if amount == 0:
            raise Revert("InsufficientDeposit")
        minted = _div(amount * (self.S.latest() + 1), self.A.latest() + 1)
        self.A.push(t, self.A.latest() + amount)
        self.S.push(t, self.S.latest() + minted)
        self.of(a).push(t, self.of(a).latest() + minted)
        return minted

    def _withdraw(self, t: int, a: str, assets: int, burned: int) -> int:
        self.of(a).push(t, self.of(a).latest() - burned)
        self.S.push(t, self.S.latest() - burned)
        self.A.push(t, self.A.latest() - assets)
        e = self.epoch(t) + 1
        minted = _div(assets * (self.WS.get(e, 0) + 1), self.W.get(e, 0) + 1)
        self.W[e] = self.W.get(e, 0) + assets
        self.WS[e] = self.WS.get(e, 0) + minted
        self.WSOf[(e, a)] = self.WSOf.get((e, a), 0) + minted
        return minted

    def withdraw(self, t: int, a: str, amount: int) -> int:
        if amount == 0:
            raise Revert("InsufficientWithdrawal")
        burned = _div(amount * (self.S.latest() + 1), self.A.latest() + 1, up=True)
        if burned > self.of(a).latest():
            raise Revert("TooMuchWithdraw")
        return self._withdraw(t, a, amount, burned)

    def redeem(self, t: int, a: str, shares: int) -> int:
        if shares > self.of(a).latest():
            raise Revert("TooMuchRedeem")
        assets = _div(shares * (self.A.latest() + 1), self.S.latest() + 1)
        if assets == 0:
            raise Revert("InsufficientRedemption")
        self._withdraw(t, a, assets, shares)
        return assets

    def claim(self, t: int, a: str, e: int) -> int:
        if e >= self.epoch(t):
            raise Revert("InvalidEpoch")
        if (e, a) in self.claimed:
            raise Revert("AlreadyClaimed")
        amount = _div(self.WSOf.get((e, a), 0) * (self.W.get(e, 0) + 1), self.WS.get(e, 0) + 1)
        if amount == 0:
            raise Revert("InsufficientClaim")
        self.claimed.add((e, a))
        return amount

    def slash(self, t: int, amount: int, capture: int) -> tuple[int, int]:
        if capture < t - EPOCH or capture >= t:
            raise Revert("InvalidCaptureTimestamp")
        if capture < self.latest_capture:
            slashable = 0
        else:
            stake = self.A.at(capture)  # full restake, limits never bind, always opted in
            since = self.cumulative.latest() - self.cumulative.at(capture)
            slashable = stake - min(since, stake)
        slashed = min(amount, slashable)
        if slashed == 0:
            raise Revert("InsufficientSlash")
        self.latest_capture = max(self.latest_capture, capture)
        self.cumulative.push(t, self.cumulative.latest() + slashed)
        # Vault.onSlash
        e, ce = self.epoch(t), self.epoch(capture)
        a, nw = self.A.latest(), self.W.get(e + 1, 0)
        if ce == e:
            total = a + nw
            burned = min(slashed, total)
            if burned:
                act = _div(burned * a, total)
                self.A.push(t, a - act)
                self.W[e + 1] = nw - (burned - act)
        else:
            w = self.W.get(e, 0)
            total = a + w + nw
            burned = min(slashed, total)
            if burned:
                act = _div(burned * a, total)
                nxt = _div(burned * nw, total)
                cur = burned - act - nxt
                if w < cur:
                    nxt += cur - w
                    cur = w
                self.A.push(t, a - act)
                self.W[e + 1] = nw - nxt
                self.W[e] = w - cur
        return slashed, burned


step = st.tuples(
    st.sampled_from(["deposit", "deposit", "withdraw", "redeem", "claim", "slash", "slash"]),
    st.integers(0, 2),
    st.one_of(st.integers(0, 50), st.integers(0, 10**6)),
    st.sampled_from([0, 1, 3, 10, 25, 49]),
    st.integers(0, 60),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(step, min_size=5, max_size=60))
def test_ledger_matches_reference_model(steps: list[tuple[str, int, int, int, int]]) -> None:
    w = World()
    v = w.vault(epoch=EPOCH, delegator="full_restake")
    w.wire(v, limit=2**200)
    model = Model(init=w.now)
    for kind, who, amount, dt, back in steps:
        w.advance(dt)
        t = w.now
        s = STAKERS[who]
        try:
            if kind == "deposit":
                expected: object = model.deposit(t, s, amount)
            elif kind == "withdraw":
                expected = model.withdraw(t, s, amount)
            elif kind == "redeem":
                expected = model.redeem(t, s, amount)
            elif kind == "claim":
                expected = model.claim(t, s, max(model.epoch(t) - 1 - back % 3, 0))
            else:
                expected = model.slash(t, amount, t - back)
        except Revert:
            expected = None
        try:
            if kind == "deposit":
                got: object = w.deposit(v, s, amount).shares
            elif kind == "withdraw":
                got = w.one(C.Withdraw(vault=v, staker=s, amount=amount), staker(s))
                got = got.withdrawal_shares
            elif kind == "redeem":
                got = w.one(C.Redeem(vault=v, staker=s, shares=amount), staker(s)).amount
            elif kind == "claim":
                e = max(w.ledger.epoch_at(v, t) - 1 - back % 3, 0)
                got = w.one(C.Claim(vault=v, claimer=s, epochs=[e]), staker(s)).amount
            else:
                ev = w.one(
                    C.Slash(vault=v, network=NET, operator=OP, amount=amount, capture=t - back),
                    network(NET),
                )
                got = (ev.slashed, ev.burned)
        except OmnistakeError:
            got = None
        assert got == expected, (kind, who, amount, t, back)
        vault = w.ledger.vault(v)
        assert vault.active_stake.latest() == model.A.latest()
        assert vault.active_shares.latest() == model.S.latest()
        assert {e: x for e, x in vault.withdrawals.items() if x} == {
            e: x for e, x in model.W.items() if x
        }
        for a in STAKERS:
            assert w.ledger.active_shares_of(v, a, t) == model.of(a).latest()
        assert w.ledger.stake_at(v, NET, 0, OP, t - 1) == model.A.at(t - 1)
