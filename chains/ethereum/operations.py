"""Ready-to-wire operations for a CLI: stand up a network, an operator, opt-ins and a vault.

Each function is idempotent: it checks chain state first and passes stable operation ids
derived from ``op_prefix``, so running it again after an interruption sends nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from omnistake.chains.ethereum.anvil import Anvil
from omnistake.chains.ethereum.deploy import CoreDeployment, deploy_core, deploy_token
from omnistake.chains.ethereum.signer import EphemeralSigner, Signer
from omnistake.chains.ethereum.symbiotic import (
    DelegatorConfig,
    DelegatorType,
    SlasherConfig,
    Symbiotic,
    VaultBinding,
    VaultConfig,
    VaultInfo,
    make_subnetwork,
)
from omnistake.chains.ethereum.toolchain import Toolchain, find_toolchain
from omnistake.chains.ethereum.tx import ErrorDecoder, TxSender, TxStore


@dataclass
class LocalDevnet:
    """A fresh anvil with the Symbiotic core deployed by a funded deployer."""

    anvil: Anvil
    toolchain: Toolchain
    deployer: TxSender
    core: Symbiotic
    deployment: CoreDeployment
    store: TxStore

    async def account(self, signer: Signer | None = None, *, eth: int = 10**21) -> TxSender:
        """A funded sender for ``signer`` (a fresh ephemeral key when None)."""
        s = signer or EphemeralSigner()
        await self.anvil.set_balance(s.address, eth)
        return TxSender(self.anvil.w3, s, store=self.store, decoder=self.core.error_decoder)


async def start_local_devnet(anvil: Anvil, *, store: TxStore | None = None) -> LocalDevnet:
    """Deploy the Symbiotic core on a running (fresh) anvil and return handles to it."""
    tc = find_toolchain()
    st = store or TxStore()
    signer = EphemeralSigner()
    await anvil.set_balance(signer.address, 10**24)
    deployer = TxSender(anvil.w3, signer, store=st, decoder=ErrorDecoder.from_toolchain(tc))
    deployment = await deploy_core(deployer, tc)
    core = Symbiotic(anvil.w3, deployment, tc)
    return LocalDevnet(anvil, tc, deployer, core, deployment, st)


async def stand_up_network(
    core: Symbiotic, network: TxSender, middleware: str, *, op_prefix: str = "network"
) -> None:
    """Register ``network`` (if needed) and set its middleware (if different)."""
    if not await core.is_network(network.address):
        await core.register_network(network, op_id=f"{op_prefix}:{network.address}:register")
    if (await core.middleware(network.address)).lower() != middleware.lower():
        await core.set_middleware(
            network, middleware, op_id=f"{op_prefix}:{network.address}:middleware:{middleware}"
        )


async def stand_up_operator(
    core: Symbiotic,
    operator: TxSender,
    *,
    networks: tuple[str, ...] = (),
    vaults: tuple[str, ...] = (),
    op_prefix: str = "operator",
) -> None:
    """Register ``operator`` and opt it into ``networks`` and ``vaults`` (skipping done steps)."""
    me = operator.address
    if not await core.is_operator(me):
        await core.register_operator(operator, op_id=f"{op_prefix}:{me}:register")
    for net in networks:
        if not await core.is_opted_in_network(me, net):
            await core.opt_in_network(operator, net, op_id=f"{op_prefix}:{me}:optin-network:{net}")
    for vault in vaults:
        if not await core.is_opted_in_vault(me, vault):
            await core.opt_in_vault(operator, vault, op_id=f"{op_prefix}:{me}:optin-vault:{vault}")


async def stand_up_vault(
    core: Symbiotic,
    curator: TxSender,
    collateral: str,
    *,
    epoch_duration: int,
    delegator: DelegatorConfig | None = None,
    slasher: SlasherConfig | None = None,
    op_id: str | None = None,
) -> VaultBinding:
    """Create a vault through the VaultConfigurator with ``curator`` holding every role."""
    info: VaultInfo = await core.create_vault(
        curator,
        VaultConfig(collateral=collateral, epoch_duration=epoch_duration, curator=curator.address),
        delegator or DelegatorConfig(DelegatorType.NETWORK_RESTAKE),
        slasher,
        op_id=op_id,
    )
    return core.vault(info)


async def connect_vault(
    vault: VaultBinding,
    network: TxSender,
    curator: TxSender,
    operator: str,
    *,
    identifier: int = 0,
    limit: int,
    op_prefix: str = "connect",
) -> bytes:
    """Network accepts the vault (max limit), curator allocates ``limit`` to ``operator``.

    Returns the subnetwork id. Works for every delegator type.
    """
    sn = make_subnetwork(network.address, identifier)
    base = f"{op_prefix}:{vault.info.vault}:{sn.hex()}:{operator}"
    if await vault.max_network_limit(sn) != limit:
        await vault.set_max_network_limit(network, identifier, limit, op_id=f"{base}:max")
    t = vault.info.delegator_type
    if t != DelegatorType.OPERATOR_NETWORK_SPECIFIC and await vault.network_limit(sn) != limit:
        await vault.set_network_limit(curator, sn, limit, op_id=f"{base}:limit")
    if (
        t == DelegatorType.NETWORK_RESTAKE
        and await vault.operator_network_shares(sn, operator) == 0
    ):
        await vault.set_operator_network_shares(curator, sn, operator, 1, op_id=f"{base}:shares")
    if (
        t == DelegatorType.FULL_RESTAKE
        and await vault.operator_network_limit(sn, operator) != limit
    ):
        await vault.set_operator_network_limit(
            curator, sn, operator, limit, op_id=f"{base}:oplimit"
        )
    return sn


async def create_token(devnet: LocalDevnet, symbol: str, decimals: int) -> str:
    """Deploy a mintable test ERC-20 with ``decimals``."""
    return await deploy_token(devnet.deployer, devnet.toolchain, f"Test {symbol}", symbol, decimals)


@dataclass
class DemoSetup:
    """Everything :func:`stand_up_demo` created."""

    network: TxSender
    middleware: TxSender
    operator: TxSender
    curator: TxSender
    token: str
    vault: VaultBinding
    subnetwork: bytes


async def stand_up_demo(
    devnet: LocalDevnet,
    *,
    decimals: int = 18,
    epoch_duration: int = 7 * 86400,
    delegator: DelegatorType = DelegatorType.NETWORK_RESTAKE,
    slasher: SlasherConfig | None = None,
    limit: int = 10**30,
) -> DemoSetup:
    """On a fresh devnet: a network with middleware, an operator opted into both, a token,
    a vault through the VaultConfigurator, and the vault connected to the network."""
    network, middleware, operator, curator = [await devnet.account() for _ in range(4)]
    await stand_up_network(devnet.core, network, middleware.address)
    await stand_up_operator(devnet.core, operator)
    token = await create_token(devnet, "DEMO", decimals)
    dcfg = DelegatorConfig(delegator, operator=operator.address, network=network.address)
    vault = await stand_up_vault(
        devnet.core, curator, token, epoch_duration=epoch_duration, delegator=dcfg, slasher=slasher
    )
    await stand_up_operator(
        devnet.core, operator, networks=(network.address,), vaults=(vault.info.vault,)
    )
    sn = await connect_vault(vault, network, curator, operator.address, limit=limit)
    return DemoSetup(network, middleware, operator, curator, token, vault, sn)
