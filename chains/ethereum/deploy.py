"""Deploy the real Symbiotic core (v1.0.3) and test ERC-20 tokens on an EVM chain.

The order follows upstream's core deployment script: factories, registries, metadata and
middleware services, the two opt-in services, then each implementation whitelisted in type
order (vaults 1-2, delegators 0-3, slashers 0-1), and finally the vault configurator. Unlike
upstream, ownership of the factories stays with the deployer (upstream's zero-address owner
cannot be set under OpenZeppelin 5).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from eth_abi.abi import encode as abi_encode
from eth_utils.address import to_checksum_address
from omnistake.chains.ethereum.abi import BoundContract, ContractAbi
from omnistake.chains.ethereum.errors import DeploymentError
from omnistake.chains.ethereum.toolchain import Toolchain
from omnistake.chains.ethereum.tx import TxSender
from web3 import AsyncHTTPProvider, AsyncWeb3


@dataclass(frozen=True)
class CoreDeployment:
    """Addresses of one Symbiotic core deployment."""

    chain_id: int
    vault_factory: str
    delegator_factory: str
    slasher_factory: str
    network_registry: str
    operator_registry: str
    operator_metadata_service: str
    network_metadata_service: str
    network_middleware_service: str
    operator_vault_opt_in_service: str
    operator_network_opt_in_service: str
    vault_impl: str
    vault_tokenized_impl: str
    network_restake_delegator_impl: str
    full_restake_delegator_impl: str
    operator_specific_delegator_impl: str
    operator_network_specific_delegator_impl: str
    slasher_impl: str
    veto_slasher_impl: str
    vault_configurator: str
    deploy_block: int

    def save(self, path: str | Path) -> None:
        """Write the addresses as JSON."""
        Path(path).write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def load(cls, path: str | Path) -> CoreDeployment:
        """Read addresses written by :meth:`save`."""
        try:
            return cls(**json.loads(Path(path).read_text()))
        except (OSError, ValueError, TypeError) as exc:
            raise DeploymentError(f"cannot read deployment file {path}: {exc}") from None


def _constructor_types(abi: list[dict[str, Any]]) -> list[str]:
    for item in abi:
        if item.get("type") == "constructor":
            return [str(i["type"]) for i in item["inputs"]]
    return []


async def deploy_contract(
    sender: TxSender,
    toolchain: Toolchain,
    name: str,
    args: list[Any],
    *,
    op_id: str | None = None,
) -> str:
    """Deploy ``name`` from the artifacts with constructor ``args``; return its address."""
    address, _ = await _deploy(sender, toolchain, name, args, op_id=op_id)
    return address


async def _deploy(
    sender: TxSender, toolchain: Toolchain, name: str, args: list[Any], *, op_id: str | None
) -> tuple[str, int]:
    art = toolchain.artifact(name)
    types = _constructor_types(art.abi)
    if len(types) != len(args):
        raise DeploymentError(f"{name} takes {len(types)} constructor arguments, got {len(args)}")
    data = art.bytecode + abi_encode(types, args).hex()
    res = await sender.send({"to": None, "data": data}, op_id=op_id, what=f"deploy {name}")
    if not res.contract_address:
        raise DeploymentError(f"deploying {name} produced no contract address")
    return to_checksum_address(res.contract_address), res.block_number


def _bound(
    w3: AsyncWeb3[AsyncHTTPProvider], toolchain: Toolchain, name: str, addr: str
) -> BoundContract:
    return BoundContract(w3, ContractAbi(name, toolchain.abi(name)), addr)


async def _call(
    w3: AsyncWeb3[AsyncHTTPProvider], toolchain: Toolchain, name: str, addr: str, fn: str
) -> Any:
    return await _bound(w3, toolchain, name, addr).call(fn)


async def deploy_core(
    sender: TxSender, toolchain: Toolchain, *, op_prefix: str | None = None
) -> CoreDeployment:
    """Deploy and wire the whole Symbiotic core; the deployer keeps ownership of the factories.

    With ``op_prefix`` every transaction has a stable operation id, so an interrupted
    deployment re-run with the same prefix and transaction store resumes without duplicates.
    """
    w3 = sender.w3
    chain_id = int(await w3.eth.chain_id)
    me = sender.address
    step = 0

    def op() -> str | None:
        nonlocal step
        step += 1
        return f"{op_prefix}:{step}" if op_prefix else None

    async def new(name: str, *args: Any) -> str:
        return await deploy_contract(sender, toolchain, name, list(args), op_id=op())

    async def invoke(name: str, addr: str, fn: str, *args: Any) -> None:
        tx = _bound(w3, toolchain, name, addr).tx(fn, *args)
        await sender.send(tx, op_id=op(), what=f"{name}.{fn}")

    # The first transaction's block starts the indexer (also when resuming a deployment).
    vault_factory, start_block = await _deploy(sender, toolchain, "VaultFactory", [me], op_id=op())
    delegator_factory = await new("DelegatorFactory", me)
    slasher_factory = await new("SlasherFactory", me)
    network_registry = await new("NetworkRegistry")
    operator_registry = await new("OperatorRegistry")
    operator_metadata = await new("MetadataService", operator_registry)
    network_metadata = await new("MetadataService", network_registry)
    middleware_service = await new("NetworkMiddlewareService", network_registry)
    vault_opt_in = await new(
        "OptInService", operator_registry, vault_factory, "OperatorVaultOptInService"
    )
    network_opt_in = await new(
        "OptInService", operator_registry, network_registry, "OperatorNetworkOptInService"
    )

    impls: dict[str, str] = {}
    for i, name in enumerate(("Vault", "VaultTokenized"), start=1):
        impls[name] = await new(name, delegator_factory, slasher_factory, vault_factory)
        await invoke("VaultFactory", vault_factory, "whitelist", impls[name])
        got = await _call_arg(w3, toolchain, "VaultFactory", vault_factory, "implementation", i)
        if got.lower() != impls[name].lower():
            raise DeploymentError(f"vault version {i} is not {name}")

    delegators = (
        "NetworkRestakeDelegator",
        "FullRestakeDelegator",
        "OperatorSpecificDelegator",
        "OperatorNetworkSpecificDelegator",
    )
    for t, name in enumerate(delegators):
        # Upstream passes totalTypes(), which is `t` on a fresh factory; using `t` keeps the
        # transaction identical when a deployment is resumed after some whitelisting.
        common = [vault_factory, vault_opt_in, network_opt_in, delegator_factory, t]
        prefix = [network_registry] if t < 2 else [operator_registry, network_registry]
        impls[name] = await new(name, *prefix, *common)
        await invoke("DelegatorFactory", delegator_factory, "whitelist", impls[name])
        if int(await _call(w3, toolchain, name, impls[name], "TYPE")) != t:
            raise DeploymentError(f"{name} did not get delegator type {t}")

    for t, name in enumerate(("Slasher", "VetoSlasher")):
        if name == "Slasher":
            impls[name] = await new(name, vault_factory, middleware_service, slasher_factory, t)
        else:
            impls[name] = await new(
                name, vault_factory, middleware_service, network_registry, slasher_factory, t
            )
        await invoke("SlasherFactory", slasher_factory, "whitelist", impls[name])
        if int(await _call(w3, toolchain, name, impls[name], "TYPE")) != t:
            raise DeploymentError(f"{name} did not get slasher type {t}")

    configurator = await new("VaultConfigurator", vault_factory, delegator_factory, slasher_factory)
    for fac in ("VaultFactory", "DelegatorFactory", "SlasherFactory"):
        addr = {"VaultFactory": vault_factory, "DelegatorFactory": delegator_factory}.get(
            fac, slasher_factory
        )
        owner = await _call(w3, toolchain, fac, addr, "owner")
        if owner.lower() != me.lower():
            raise DeploymentError(f"{fac} owner is {owner}, expected the deployer")

    return CoreDeployment(
        chain_id=chain_id,
        vault_factory=vault_factory,
        delegator_factory=delegator_factory,
        slasher_factory=slasher_factory,
        network_registry=network_registry,
        operator_registry=operator_registry,
        operator_metadata_service=operator_metadata,
        network_metadata_service=network_metadata,
        network_middleware_service=middleware_service,
        operator_vault_opt_in_service=vault_opt_in,
        operator_network_opt_in_service=network_opt_in,
        vault_impl=impls["Vault"],
        vault_tokenized_impl=impls["VaultTokenized"],
        network_restake_delegator_impl=impls["NetworkRestakeDelegator"],
        full_restake_delegator_impl=impls["FullRestakeDelegator"],
        operator_specific_delegator_impl=impls["OperatorSpecificDelegator"],
        operator_network_specific_delegator_impl=impls["OperatorNetworkSpecificDelegator"],
        slasher_impl=impls["Slasher"],
        veto_slasher_impl=impls["VetoSlasher"],
        vault_configurator=configurator,
        deploy_block=start_block,
    )


async def _call_arg(
    w3: AsyncWeb3[AsyncHTTPProvider], toolchain: Toolchain, name: str, addr: str, fn: str, arg: Any
) -> Any:
    return await _bound(w3, toolchain, name, addr).call(fn, arg)


async def deploy_token(
    sender: TxSender,
    toolchain: Toolchain,
    name: str,
    symbol: str,
    decimals: int,
    *,
    op_id: str | None = None,
) -> str:
    """Deploy an ERC-20 (``OmnistakeTestToken``) whose deployer may mint; return its address."""
    if not 0 <= decimals <= 36:
        raise DeploymentError(f"decimals must be 0..36, got {decimals}")
    return await deploy_contract(
        sender, toolchain, "OmnistakeTestToken", [name, symbol, decimals], op_id=op_id
    )
