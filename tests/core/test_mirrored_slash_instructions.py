"""A network slashing a mirrored vault asks its chain; the hub never edits the vault."""

from __future__ import annotations

import pytest
from omnistake import SYSTEM, Ledger, ManualClock, Principal, Role
from omnistake.errors import Unauthorized
from omnistake.ledger import commands as C
from omnistake.ledger.events import SlashInstructed

CHAIN = "eip155:31337"
ASSET = f"{CHAIN}/erc20:0x00000000000000000000000000000000000000aa"
NET, OP = "eip155:31337:0xne7", "eip155:31337:0x0p"
STAKER = "eip155:31337:0x5ta4e4"


def _mirrored(slasher: str) -> tuple[Ledger, ManualClock]:
    clock = ManualClock(1_700_000_000)
    ledger = Ledger(clock)
    for cmd in (
        C.RegisterAsset(asset_id=ASSET, decimals=18),
        C.RegisterNetwork(network=NET),
        C.RegisterOperator(operator=OP),
        C.CreateVault(
            vault="eip155:31337:0xva", asset_id=ASSET, curator="cur", epoch_duration=86_400,
            delegator_type="operator_specific", delegator_operator=OP, slasher_type=slasher,
            veto_duration=3_600 if slasher == "veto" else 0, domain=CHAIN,
        ),
        C.OptInVault(operator=OP, vault="eip155:31337:0xva"),
        C.OptInNetwork(operator=OP, network=NET, domain=CHAIN),
        C.SetMaxNetworkLimit(vault="eip155:31337:0xva", network=NET, amount=10**30),
        C.SetNetworkLimit(vault="eip155:31337:0xva", network=NET, amount=10**30),
        C.Deposit(vault="eip155:31337:0xva", staker=STAKER, amount=1_000),
    ):  # fmt: skip
        ledger.execute(cmd, principal=SYSTEM)
    clock.advance(600)
    return ledger, clock


def test_instant_slash_of_a_mirrored_vault_is_an_instruction() -> None:
    ledger, clock = _mirrored("instant")
    vault_before = ledger.vault("eip155:31337:0xva").dump()
    clock_before = dict(ledger.state.clocks)
    network = Principal(Role.NETWORK, NET)
    recorded = ledger.execute(
        C.Slash(vault="eip155:31337:0xva", network=NET, operator=OP, amount=300,
                capture=clock.now() - 300),
        principal=network,
    )  # fmt: skip
    assert [type(r.event) for r in recorded] == [SlashInstructed]
    event = recorded[0].event
    assert isinstance(event, SlashInstructed)
    assert (event.action, event.amount, event.request) == ("slash", 300, None)
    # The vault and the chain's clock are untouched: the chain reports the real slash later.
    assert ledger.vault("eip155:31337:0xva").dump() == vault_before
    assert ledger.state.clocks == clock_before


def test_veto_flow_of_a_mirrored_vault_is_instructions() -> None:
    ledger, clock = _mirrored("veto")
    network = Principal(Role.NETWORK, NET)
    capture = clock.now() - 300
    first = ledger.execute(
        C.RequestSlash(vault="eip155:31337:0xva", network=NET, operator=OP, amount=200,
                       capture=capture),
        principal=network,
    )[0].event  # fmt: skip
    assert isinstance(first, SlashInstructed) and first.action == "request_slash"
    # The request exists only once the chain reports it (as the system principal).
    ledger.execute(
        C.RequestSlash(vault="eip155:31337:0xva", network=NET, operator=OP, amount=200,
                       capture=capture),
        principal=SYSTEM,
    )  # fmt: skip
    clock.advance(3_600)
    second = ledger.execute(
        C.ExecuteSlash(vault="eip155:31337:0xva", request=0), principal=network
    )[0].event
    assert isinstance(second, SlashInstructed)
    assert (second.action, second.request, second.amount) == ("execute_slash", 0, 200)


def test_another_network_cannot_instruct() -> None:
    ledger, clock = _mirrored("instant")
    before = ledger.state_hash()
    with pytest.raises(Unauthorized):
        ledger.execute(
            C.Slash(vault="eip155:31337:0xva", network=NET, operator=OP, amount=1,
                    capture=clock.now() - 1),
            principal=Principal(Role.NETWORK, "someone-else"),
        )  # fmt: skip
    assert ledger.state_hash() == before
