"""Malformed command fields (wrong types, out-of-range values) are rejected with typed
errors and change nothing; they never escape as TypeError, KeyError or AttributeError.

Each case starts from a command that is valid in a busy world and swaps one field for junk."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from core_world import ALICE, NET, OP, REWARD_TOKEN, World
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from omnistake.errors import OmnistakeError
from omnistake.ledger import Ledger, LedgerState, canonical_state, state_hash
from omnistake.ledger import commands as C
from omnistake.merkle import RewardTree
from omnistake.principals import Principal, Role

JUNK: list[Any] = [
    None,
    True,
    -1,
    2**256,
    1.5,
    "",
    "x" * 300,
    "not an id!",
    [],
    ["00" * 32, 5],
    {},
    {"a": None},
    b"\x00",
]


def busy() -> tuple[World, dict[type[C.Command], C.Command]]:
    w = World()
    w.vault("v", slasher="veto", curator_fee_bps=1_000)
    w.wire("v")
    w.do(C.SetResolver(vault="v", network=NET, resolver="res-1"))
    w.deposit("v", ALICE, 100)
    w.advance(5)
    w.do(C.RequestSlash(vault="v", network=NET, operator=OP, amount=5, capture=w.now - 1))
    w.do(C.Withdraw(vault="v", staker=ALICE, amount=10))
    tree = RewardTree({OP: 3})
    w.do(C.DistributeOperatorRewards(network=NET, token=REWARD_TOKEN, amount=3, root=tree.root))
    w.do(
        C.DistributeStakerRewards(
            vault="v", network=NET, token=REWARD_TOKEN, amount=50, timestamp=w.now - 1
        )
    )
    w.vault("f", delegator="full_restake")
    w.wire("f")
    w.deposit("f", ALICE, 100)
    w.clock.set(w.now + 270)
    # request 1: its veto window is over by the end; request 2: still open
    w.do(C.RequestSlash(vault="v", network=NET, operator=OP, amount=5, capture=w.now - 1))
    w.advance(25)
    w.do(C.RequestSlash(vault="v", network=NET, operator=OP, amount=5, capture=w.now - 1))
    w.advance(5)
    asset = "eip155:1/erc20:0x" + "99" * 20
    valid: list[C.Command] = [
        C.RegisterAsset(asset_id=asset, decimals=6, symbol="X"),
        C.RegisterNetwork(network="net-new", name="n", max_slash_wad=10**18),
        C.RegisterOperator(operator="op-new", keys={"eip155": "0x01"}),
        C.SetOperatorKey(operator=OP, namespace="solana", key="abc"),
        C.CreateVault(
            vault="v2", asset_id=w.ledger.vault("v").asset_id, curator="c", epoch_duration=10
        ),
        C.SetDepositWhitelist(vault="v", enabled=True),
        C.SetDepositorWhitelisted(vault="v", account=ALICE, allowed=True),
        C.SetDepositLimit(vault="v", limit=10**6),
        C.Deposit(vault="v", staker=ALICE, amount=5),
        C.Withdraw(vault="v", staker=ALICE, amount=5),
        C.Redeem(vault="v", staker=ALICE, shares=5),
        C.Claim(vault="v", claimer=ALICE, epochs=[1]),
        C.OptInVault(operator="op-2", vault="v"),
        C.OptOutVault(operator=OP, vault="v"),
        C.OptInNetwork(operator="op-2", network=NET),
        C.OptOutNetwork(operator=OP, network=NET),
        C.SetMaxNetworkLimit(vault="v", network=NET, subnetwork=0, amount=5),
        C.SetNetworkLimit(vault="v", network=NET, subnetwork=0, amount=5),
        C.SetOperatorNetworkShares(vault="v", network=NET, subnetwork=0, operator=OP, shares=9),
        C.SetOperatorNetworkLimit(vault="f", network=NET, subnetwork=0, operator=OP, amount=9),
        C.SetResolver(vault="v", network=NET, subnetwork=0, resolver="res-2"),
        C.Slash(vault="f", network=NET, operator=OP, amount=1, capture=w.now - 1),
        C.RequestSlash(vault="v", network=NET, operator=OP, amount=1, capture=w.now - 1),
        C.VetoSlash(vault="v", request=2),
        C.ExecuteSlash(vault="v", request=1),
        C.SetCuratorFee(vault="v", fee_bps=10),
        C.DistributeStakerRewards(
            vault="v", network=NET, token=REWARD_TOKEN, amount=10, timestamp=w.now - 1
        ),
        C.ClaimStakerRewards(vault="v", staker=ALICE, network=NET, token=REWARD_TOKEN),
        C.ClaimCuratorFee(vault="v", token=REWARD_TOKEN),
        C.DistributeOperatorRewards(network=NET, token=REWARD_TOKEN, amount=1, root=tree.root),
        C.ClaimOperatorRewards(
            network=NET, token=REWARD_TOKEN, operator=OP, total_claimable=3, proof=tree.proof(OP)
        ),
    ]
    return w, {type(c): c for c in valid}


WORLD, TEMPLATES = busy()
PRINCIPALS = [
    Principal(Role.ADMIN, "admin"),
    Principal(Role.STAKER, ALICE),
    Principal(Role.NETWORK, NET),
    Principal(Role.RESOLVER, "res-1"),
]


def test_templates_cover_the_core_commands() -> None:
    names = {t.__name__ for t in TEMPLATES}
    assert len(names) == 31
    assert names <= set(C.Command.types())


@pytest.mark.parametrize("junk", JUNK, ids=repr)
def test_commands_without_a_template_reject_junk_typed(junk: Any) -> None:
    """Command types added later (without a template here) still get the shape check."""
    ledger = Ledger(WORLD.clock, LedgerState.load(json.loads(canonical_state(WORLD.ledger.state))))
    before = ledger.state_hash()
    for kind in C.Command.types().values():
        if kind in TEMPLATES:
            continue
        cmd = kind(**{f.name: junk for f in dataclasses.fields(kind)})  # type: ignore[arg-type]
        try:
            ledger.execute(cmd, principal=Principal(Role.ADMIN, "admin"))  # type: ignore[arg-type]
        except OmnistakeError:
            assert ledger.state_hash() == before


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_junk_in_one_field_is_a_typed_rejection(data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(sorted(TEMPLATES, key=lambda t: t.__name__)))
    template = TEMPLATES[kind]
    fields = [f.name for f in dataclasses.fields(template)]  # type: ignore[arg-type]
    name = data.draw(st.sampled_from(fields))
    junk = data.draw(st.sampled_from(JUNK))
    cmd = dataclasses.replace(template, **{name: junk})  # type: ignore[type-var]
    principal = data.draw(st.sampled_from(PRINCIPALS))
    ledger = Ledger(WORLD.clock, LedgerState.load(json.loads(canonical_state(WORLD.ledger.state))))
    before = ledger.state_hash()
    try:
        ledger.execute(cmd, principal=principal)
    except OmnistakeError as err:
        assert err.reason.isupper()
        assert ledger.state_hash() == before
        return
    # accepted junk must still leave a state that hashes, dumps and reloads
    again = LedgerState.load(json.loads(canonical_state(ledger.state)))
    assert state_hash(again) == ledger.state_hash()


@pytest.mark.parametrize(
    "kind", sorted(TEMPLATES, key=lambda t: t.__name__), ids=lambda t: t.__name__
)
def test_templates_are_valid(kind: type[C.Command]) -> None:
    """The templates themselves are accepted (else the junk test would prove little)."""
    ledger = Ledger(WORLD.clock, LedgerState.load(json.loads(canonical_state(WORLD.ledger.state))))
    ledger.execute(TEMPLATES[kind], principal=Principal(Role.ADMIN, "admin"))


@pytest.mark.parametrize(
    "cmd",
    [
        C.ClaimCuratorFee(vault="v", token=REWARD_TOKEN, recipient="not an id!"),
        C.ClaimOperatorRewards(
            network=NET, token=REWARD_TOKEN, operator=OP, total_claimable=3, proof=[], recipient=""
        ),
        C.Claim(vault="v", claimer=ALICE, epochs=[1], recipient="nope"),
    ],
    ids=["curator-fee", "operator-rewards", "withdrawal"],
)
def test_payout_recipients_are_checked(cmd: C.Command) -> None:
    ledger = Ledger(WORLD.clock, LedgerState.load(json.loads(canonical_state(WORLD.ledger.state))))
    before = ledger.state_hash()
    with pytest.raises(OmnistakeError) as info:
        ledger.execute(cmd, principal=Principal(Role.ADMIN, "admin"))
    assert (info.value.reason, info.value.field) == ("INVALID_ARGUMENT", "recipient")
    assert ledger.state_hash() == before


def test_shape_errors_name_the_field() -> None:
    ledger = Ledger(WORLD.clock, LedgerState.load(json.loads(canonical_state(WORLD.ledger.state))))
    with pytest.raises(OmnistakeError) as info:
        ledger.execute(
            C.Deposit(vault="v", staker=ALICE, amount=True),  # type: ignore[arg-type]
            principal=Principal(Role.ADMIN, "admin"),
        )
    assert (info.value.reason, info.value.field) == ("INVALID_ARGUMENT", "amount")
    with pytest.raises(OmnistakeError) as info:
        ledger.execute(
            C.Claim(vault="v", claimer=ALICE, epochs=[1, "2"]),  # type: ignore[list-item]
            principal=Principal(Role.ADMIN, "admin"),
        )
    assert info.value.field == "epochs"
