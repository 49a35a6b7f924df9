"""Adapter options and what the adapter says about itself (no chain needed)."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from pathlib import Path

import pytest
from omnistake.chains.ethereum.adapter import AdapterConfigError, EthereumAdapter
from omnistake.chains.ethereum.deploy import CoreDeployment
from omnistake.plugins import PluginManager
from omnistake.plugins.errors import Unsupported
from omnistake.plugins.records import Custody, DepositClaim, PayoutInstruction

ADDR = "0x" + "12" * 20


def deployment(chain_id: int = 31337) -> CoreDeployment:
    fields = {name: ADDR for name in CoreDeployment.__dataclass_fields__}
    fields.update(chain_id=chain_id, deploy_block=5)
    return CoreDeployment(**fields)  # type: ignore[arg-type]


def test_options_from_a_deployment_file_and_typed_values(tmp_path: Path) -> None:
    path = tmp_path / "dep.json"
    deployment().save(path)
    adapter = EthereumAdapter.from_options(
        "eip155:31337",
        {"rpc_url": "http://127.0.0.1:1", "deployment": str(path), "confirmation_depth": "3"},
    )
    assert adapter.options.deployment == deployment()
    assert adapter.options.confirmation_depth == 3 and adapter.start_block == 5
    info = asyncio.run(adapter.describe())
    assert info.custody == Custody.MIRRORED and info.confirmation_depth == 3
    assert info.native_asset == "eip155:31337/slip44:60"
    assert info.can("execute_slash") and not info.can("verify_deposit")
    same = EthereumAdapter.from_options(
        "eip155:31337", {"rpc_url": "x", "deployment": asdict(deployment())}
    )
    assert same.options.deployment == deployment()


@pytest.mark.parametrize(
    ("chain_id", "options", "why"),
    [
        ("eip155:31337", {"rpc_url": "x"}, "needs rpc_url and deployment"),
        ("eip155:31337", {"rpc_url": "x", "deployment": 7}, "deployment must be"),
        ("eip155:1", {"rpc_url": "x", "deployment": deployment()}, "not eip155:1"),
        ("eip155:31337", {"rpc_url": "x", "deployment": deployment(), "rcp": 1}, "unknown"),
        (
            "eip155:31337",
            {"rpc_url": "x", "deployment": deployment(), "confirmation_depth": -1},
            ">= 0",
        ),
    ],
)
def test_bad_options_are_refused_with_a_typed_error(
    chain_id: str, options: dict[str, object], why: str
) -> None:
    with pytest.raises(AdapterConfigError, match=why) as err:
        EthereumAdapter.from_options(chain_id, options)
    assert err.value.reason == "INVALID_OPTIONS"


def test_the_plugin_serves_eip155_and_mirrored_chains_refuse_deposits_and_payouts() -> None:
    manager = PluginManager(only={"ethereum"}, disabled=set())
    manager.load_entry_points()
    specs = manager.chain_adapters()
    adapter = specs["eip155"].factory("eip155:31337", {"rpc_url": "x", "deployment": deployment()})
    assert isinstance(adapter, EthereumAdapter)
    claim = DepositClaim(vault="v", staker="eip155:31337:" + ADDR, reference="00" * 32)
    payout = PayoutInstruction(
        instruction_id="p", vault="v", asset_id="eip155:31337/slip44:60", recipient="r", amount=1
    )
    with pytest.raises(Unsupported):
        asyncio.run(adapter.verify_deposit(claim))
    with pytest.raises(Unsupported):
        asyncio.run(adapter.execute_payout(payout))
    asyncio.run(adapter.close())
    asyncio.run(adapter.close())
