"""A small world for core ledger tests: a ledger on a manual clock with one asset, two
networks and three operators registered, and helpers to wire vaults, run commands and check
that rejected commands change nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from omnistake.clock import ManualClock
from omnistake.errors import OmnistakeError
from omnistake.ledger import Ledger, Recorded
from omnistake.ledger import commands as C
from omnistake.ledger import events as V
from omnistake.principals import ADMIN, Principal, Role

T0 = 1_700_000_000
UINT256 = 2**256 - 1
ASSET = "eip155:1/erc20:0x" + "ab" * 20
REWARD_TOKEN = "eip155:1/erc20:0x" + "cd" * 20
NET = "net-a"
NET_B = "net-b"
OP = "op-1"
OP_B = "op-2"
OP_C = "op-3"
CURATOR = "curator-1"
ALICE = "eip155:1:0x" + "a1" * 20
BOB = "eip155:1:0x" + "b0" * 20
CAROL = "eip155:1:0x" + "c4" * 20
BURNER = "eip155:1:0x" + "de" * 20


def staker(account: str) -> Principal:
    """The staker principal for a CAIP-10 account."""
    return Principal(Role.STAKER, account)


def network(name: str = NET) -> Principal:
    """The network principal."""
    return Principal(Role.NETWORK, name)


def operator(name: str = OP) -> Principal:
    """The operator principal."""
    return Principal(Role.OPERATOR, name)


def curator(name: str = CURATOR) -> Principal:
    """The curator principal."""
    return Principal(Role.CURATOR, name)


class World:
    """A ledger with a manual clock and the usual entities registered at ``T0``."""

    def __init__(
        self,
        start: int = T0,
        max_slash_wad: int | None = None,
        make_ledger: Callable[[ManualClock], Ledger] | None = None,
    ) -> None:
        self.clock = ManualClock(start)
        #: ``make_ledger`` lets the same world run on a durable service (tests/store)
        self.ledger = make_ledger(self.clock) if make_ledger else Ledger(self.clock)
        #: every event applied, in order (for replay checks)
        self.events: list[Recorded] = []
        self.ledger.subscribe(self.events.append)
        self.do(C.RegisterAsset(asset_id=ASSET, decimals=18, symbol="TKN"))
        self.do(C.RegisterAsset(asset_id=REWARD_TOKEN, decimals=6, symbol="RWD"))
        self.do(C.RegisterNetwork(network=NET, name="Network A", max_slash_wad=max_slash_wad))
        self.do(C.RegisterNetwork(network=NET_B, name="Network B"))
        for op in (OP, OP_B, OP_C):
            self.do(C.RegisterOperator(operator=op, keys={"eip155": "0x" + "11" * 20}))

    @property
    def now(self) -> int:
        return self.clock.now()

    def advance(self, seconds: int) -> int:
        """Move the clock forward."""
        return self.clock.advance(seconds)

    def do(
        self, cmd: C.Command, principal: Principal = ADMIN, at: int | None = None
    ) -> list[V.Event]:
        """Execute a command and return its events."""
        return [r.event for r in self.ledger.execute(cmd, principal=principal, at=at)]

    def one(self, cmd: C.Command, principal: Principal = ADMIN, at: int | None = None) -> Any:
        """Execute a command that yields exactly one event, and return it."""
        events = self.do(cmd, principal, at)
        assert len(events) == 1, events
        return events[0]

    def reject(
        self, cmd: C.Command, reason: str, principal: Principal = ADMIN, at: int | None = None
    ) -> OmnistakeError:
        """Assert the command is rejected with ``reason`` and leaves the state hash alone."""
        before = self.ledger.state_hash()
        seq = self.ledger.seq
        with pytest.raises(OmnistakeError) as info:
            self.ledger.execute(cmd, principal=principal, at=at)
        assert info.value.reason == reason, repr(info.value)
        assert self.ledger.state_hash() == before
        assert self.ledger.seq == seq
        return info.value

    def vault(
        self,
        vault: str = "v1",
        *,
        epoch: int = 100,
        delegator: str = "network_restake",
        slasher: str = "instant",
        **kw: Any,
    ) -> str:
        """Create a vault (curator ``CURATOR``)."""
        if delegator in ("operator_specific", "operator_network_specific"):
            kw.setdefault("delegator_operator", OP)
        if delegator == "operator_network_specific":
            kw.setdefault("delegator_network", NET)
        if slasher == "veto":
            kw.setdefault("veto_duration", 20)
        self.do(
            C.CreateVault(
                vault=vault,
                asset_id=ASSET,
                curator=CURATOR,
                epoch_duration=epoch,
                delegator_type=delegator,
                slasher_type=slasher,
                **kw,
            )
        )
        return vault

    def wire(
        self, vault: str, net: str = NET, op: str = OP, limit: int = 10**30, subnetwork: int = 0
    ) -> None:
        """Give ``op`` stake from ``vault`` in ``net``: limits, shares and both opt-ins."""
        v = self.ledger.vault(vault)
        key = f"{net}#{subnetwork}"
        if v.max_network_limit.get(key) != limit:
            self.do(
                C.SetMaxNetworkLimit(vault=vault, network=net, subnetwork=subnetwork, amount=limit)
            )
        trace = v.network_limit.get(key)
        if v.delegator_type != "operator_network_specific" and (
            trace is None or trace.latest() != limit
        ):
            self.do(
                C.SetNetworkLimit(vault=vault, network=net, subnetwork=subnetwork, amount=limit)
            )
        if v.delegator_type == "network_restake":
            self.do(
                C.SetOperatorNetworkShares(
                    vault=vault, network=net, subnetwork=subnetwork, operator=op, shares=1
                )
            )
        if v.delegator_type == "full_restake":
            self.do(
                C.SetOperatorNetworkLimit(
                    vault=vault, network=net, subnetwork=subnetwork, operator=op, amount=limit
                )
            )
        if not self.ledger.is_opted_in_vault(op, vault, self.now):
            self.do(C.OptInVault(operator=op, vault=vault))
        if not self.ledger.is_opted_in_network(op, net, self.now):
            self.do(C.OptInNetwork(operator=op, network=net))

    def deposit(self, vault: str, account: str, amount: int) -> V.Deposited:
        """Deposit as the staker itself."""
        event = self.one(C.Deposit(vault=vault, staker=account, amount=amount), staker(account))
        assert isinstance(event, V.Deposited)
        return event

    def slash(
        self, vault: str, amount: int, capture: int, net: str = NET, op: str = OP
    ) -> V.Slashed:
        """Instant slash as the network."""
        event = self.one(
            C.Slash(vault=vault, network=net, operator=op, amount=amount, capture=capture),
            network(net),
        )
        assert isinstance(event, V.Slashed)
        return event

    def active(self, vault: str) -> tuple[int, int]:
        """(active stake, active shares) now."""
        v = self.ledger.vault(vault)
        return v.active_stake.latest(), v.active_shares.latest()
