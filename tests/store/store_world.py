"""Shared helpers of the store tests: a small restaking world and a command generator."""

from __future__ import annotations

from omnistake.ledger.commands import (
    Command,
    CreateVault,
    Deposit,
    RegisterAsset,
    RegisterNetwork,
    RegisterOperator,
    Withdraw,
)
from omnistake.principals import ADMIN, Principal

ASSET = "eip155:1/erc20:0x00000000000000000000000000000000000000aa"
VAULT = "vault-1"
T0 = 1_700_000_000


def staker(i: int) -> str:
    """A CAIP-10 staker account."""
    return f"eip155:1:0x{i:040x}"


def world() -> list[tuple[str, Command]]:
    """(request id, command) pairs that set up one asset, network, operator and vault."""
    return [
        ("setup-asset", RegisterAsset(asset_id=ASSET, decimals=18, symbol="TKN")),
        ("setup-network", RegisterNetwork(network="net-1", name="Net One")),
        ("setup-operator", RegisterOperator(operator="op-1")),
        (
            "setup-vault",
            CreateVault(vault=VAULT, asset_id=ASSET, curator="cur-1", epoch_duration=7 * 86400),
        ),
    ]


def deposit(i: int, amount: int | None = None) -> Deposit:
    """A deposit by staker ``i`` (amount defaults to a value unique to ``i``)."""
    return Deposit(
        vault=VAULT, staker=staker(i), amount=amount if amount is not None else 1_000 + i
    )


def withdraw(i: int, amount: int) -> Withdraw:
    """A withdrawal by staker ``i``."""
    return Withdraw(vault=VAULT, staker=staker(i), amount=amount)


WHO: Principal = ADMIN
