"""Typed async bindings for the Symbiotic core calls the hub needs.

:class:`Symbiotic` wraps one :class:`~omnistake.chains.ethereum.deploy.CoreDeployment`
(registries, opt-in services, middleware service, vault configurator); :class:`VaultBinding`
wraps one vault with its delegator and slasher. Every transaction takes the
:class:`~omnistake.chains.ethereum.tx.TxSender` of the principal who must send it and an
optional operation id (a repeat with the same id never sends a second transaction).
Amounts are int base units; timestamps int seconds; subnetworks 32-byte ids.
"""

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from omnistake.chains.ethereum.abi import BoundContract, checksum
from omnistake.chains.ethereum.deploy import CoreDeployment
from omnistake.chains.ethereum.errors import InvalidParameter, TransactionError
from omnistake.chains.ethereum.events import EventDecoder, make_subnetwork
from omnistake.chains.ethereum.params import (
    DEAD_BURNER,
    ZERO_ADDRESS,
    DelegatorConfig,
    DelegatorType,
    SlasherConfig,
    SlasherType,
    SlashRequestInfo,
    VaultConfig,
    VaultInfo,
    encode_delegator_params,
    encode_slasher_params,
    encode_vault_params,
)
from omnistake.chains.ethereum.signer import TypedDataSigner
from omnistake.chains.ethereum.toolchain import Toolchain
from omnistake.chains.ethereum.tx import ErrorDecoder, TxResult, TxSender
from omnistake.chains.ethereum.vault import BindingContext, Erc20, VaultBinding
from web3 import AsyncHTTPProvider, AsyncWeb3

_ADD_ENTITY = keccak(text="AddEntity(address)")

__all__ = [
    "DEAD_BURNER",
    "ZERO_ADDRESS",
    "DelegatorConfig",
    "DelegatorType",
    "Erc20",
    "SlashRequestInfo",
    "SlasherConfig",
    "SlasherType",
    "Symbiotic",
    "VaultBinding",
    "VaultConfig",
    "VaultInfo",
    "make_subnetwork",
]


class Symbiotic:
    """The core contracts of one deployment."""

    def __init__(
        self, w3: AsyncWeb3[AsyncHTTPProvider], deployment: CoreDeployment, toolchain: Toolchain
    ) -> None:
        self.deployment = deployment
        self._ctx = BindingContext(
            w3, toolchain, ErrorDecoder.from_toolchain(toolchain), EventDecoder(toolchain)
        )
        c = self._ctx.contract
        d = deployment
        self.network_registry = c("NetworkRegistry", d.network_registry)
        self.operator_registry = c("OperatorRegistry", d.operator_registry)
        self.middleware_service = c("NetworkMiddlewareService", d.network_middleware_service)
        self.vault_opt_in = c("OptInService", d.operator_vault_opt_in_service)
        self.network_opt_in = c("OptInService", d.operator_network_opt_in_service)
        self.vault_factory = c("VaultFactory", d.vault_factory)
        self.configurator = c("VaultConfigurator", d.vault_configurator)

    @property
    def w3(self) -> AsyncWeb3[AsyncHTTPProvider]:
        """The web3 client."""
        return self._ctx.w3

    @property
    def error_decoder(self) -> ErrorDecoder:
        """Custom-error names of the core ABIs."""
        return self._ctx.errors

    # ---- registries and middleware
    async def register_network(self, sender: TxSender, *, op_id: str | None = None) -> TxResult:
        """Register the sender as a network."""
        return await sender.send(
            self.network_registry.tx("registerNetwork"), op_id=op_id, what="registerNetwork"
        )

    async def register_operator(self, sender: TxSender, *, op_id: str | None = None) -> TxResult:
        """Register the sender as an operator."""
        return await sender.send(
            self.operator_registry.tx("registerOperator"), op_id=op_id, what="registerOperator"
        )

    async def set_middleware(
        self, network: TxSender, middleware: str, *, op_id: str | None = None
    ) -> TxResult:
        """The network names its middleware (the address that may slash for it)."""
        return await network.send(
            self.middleware_service.tx("setMiddleware", to_checksum_address(middleware)),
            op_id=op_id,
            what="setMiddleware",
        )

    async def is_network(self, address: str) -> bool:
        """Whether ``address`` is a registered network."""
        return bool(
            await self._ctx.view(self.network_registry, "isEntity", to_checksum_address(address))
        )

    async def is_operator(self, address: str) -> bool:
        """Whether ``address`` is a registered operator."""
        return bool(
            await self._ctx.view(self.operator_registry, "isEntity", to_checksum_address(address))
        )

    async def middleware(self, network: str) -> str:
        """The middleware of ``network`` (zero address when unset)."""
        mw = await self._ctx.view(self.middleware_service, "middleware", checksum(network))
        return checksum(mw)

    async def is_vault(self, address: str) -> bool:
        """Whether ``address`` was created by the vault factory."""
        return bool(
            await self._ctx.view(self.vault_factory, "isEntity", to_checksum_address(address))
        )

    # ---- opt-ins
    async def opt_in_vault(
        self, operator: TxSender, vault: str, *, op_id: str | None = None
    ) -> TxResult:
        """Operator opts into a vault."""
        return await operator.send(
            self.vault_opt_in.tx("optIn", to_checksum_address(vault)),
            op_id=op_id,
            what="optIn(vault)",
        )

    async def opt_out_vault(
        self, operator: TxSender, vault: str, *, op_id: str | None = None
    ) -> TxResult:
        """Operator opts out of a vault (not in the block of its opt-in: OptOutCooldown)."""
        return await operator.send(
            self.vault_opt_in.tx("optOut", to_checksum_address(vault)),
            op_id=op_id,
            what="optOut(vault)",
        )

    async def opt_in_network(
        self, operator: TxSender, network: str, *, op_id: str | None = None
    ) -> TxResult:
        """Operator opts into a network."""
        return await operator.send(
            self.network_opt_in.tx("optIn", to_checksum_address(network)),
            op_id=op_id,
            what="optIn(network)",
        )

    async def opt_out_network(
        self, operator: TxSender, network: str, *, op_id: str | None = None
    ) -> TxResult:
        """Operator opts out of a network."""
        return await operator.send(
            self.network_opt_in.tx("optOut", to_checksum_address(network)),
            op_id=op_id,
            what="optOut(network)",
        )

    def _opt_in_service(self, service: str) -> tuple[BoundContract, str]:
        if service == "vault":
            return self.vault_opt_in, "OperatorVaultOptInService"
        if service == "network":
            return self.network_opt_in, "OperatorNetworkOptInService"
        raise InvalidParameter(f"service must be 'vault' or 'network', not {service!r}")

    async def sign_opt_in(
        self,
        operator: TypedDataSigner,
        service: str,
        where: str,
        deadline: int,
        *,
        opt_out: bool = False,
    ) -> bytes:
        """EIP-712 signature by ``operator`` for an opt-in (or opt-out) that anyone may submit.

        ``service`` is ``"vault"`` or ``"network"``; the signature binds the operator's
        current nonce for ``where``, so it is valid once and until ``deadline``.
        """
        contract, name = self._opt_in_service(service)
        who, target = checksum(operator.address), checksum(where)
        nonce = int(await self._ctx.view(contract, "nonces", who, target))
        chain_id = int(await self.w3.eth.chain_id)
        primary = "OptOut" if opt_out else "OptIn"
        types = {
            primary: [
                {"name": "who", "type": "address"},
                {"name": "where", "type": "address"},
                {"name": "nonce", "type": "uint256"},
                {"name": "deadline", "type": "uint48"},
            ]
        }
        domain = {
            "name": name,
            "version": "1",
            "chainId": chain_id,
            "verifyingContract": contract.address,
        }
        message = {"who": who, "where": target, "nonce": nonce, "deadline": deadline}
        return operator.sign_typed_data(domain, types, message)

    async def submit_signed_opt_in(
        self,
        submitter: TxSender,
        operator: str,
        service: str,
        where: str,
        deadline: int,
        signature: bytes,
        *,
        opt_out: bool = False,
        op_id: str | None = None,
    ) -> TxResult:
        """Send an opt-in (or opt-out) signed with :meth:`sign_opt_in` on the operator's behalf."""
        contract, _ = self._opt_in_service(service)
        fn = "optOut" if opt_out else "optIn"
        tx = contract.tx(fn, checksum(operator), checksum(where), deadline, signature)
        return await submitter.send(tx, op_id=op_id, what=f"{fn}(signed, {service})")

    async def is_opted_in_vault(self, operator: str, vault: str, at: int | None = None) -> bool:
        """Operator-vault opt-in, now or at timestamp ``at``."""
        return await self._opted(self.vault_opt_in, operator, vault, at)

    async def is_opted_in_network(self, operator: str, network: str, at: int | None = None) -> bool:
        """Operator-network opt-in, now or at timestamp ``at``."""
        return await self._opted(self.network_opt_in, operator, network, at)

    async def _opted(self, c: BoundContract, who: str, where: str, at: int | None) -> bool:
        a, b = to_checksum_address(who), to_checksum_address(where)
        if at is None:
            return bool(await self._ctx.view(c, "isOptedIn", a, b))
        return bool(await self._ctx.view(c, "isOptedInAt", a, b, at, b""))

    # ---- vault creation
    async def create_vault(
        self,
        sender: TxSender,
        vault: VaultConfig,
        delegator: DelegatorConfig,
        slasher: SlasherConfig | None = None,
        *,
        op_id: str | None = None,
    ) -> VaultInfo:
        """Create vault + delegator (+ slasher) through ``VaultConfigurator.create``."""
        sl = slasher or SlasherConfig()
        vault.validate()
        delegator.validate()
        sl.validate(vault.epoch_duration)
        params = (
            2 if vault.tokenized else 1,
            to_checksum_address(vault.curator),
            encode_vault_params(vault),
            int(delegator.type),
            encode_delegator_params(delegator, vault.curator),
            sl.type != SlasherType.NONE,
            max(int(sl.type), 0),
            encode_slasher_params(sl),
        )
        res = await sender.send(
            self.configurator.tx("create", params), op_id=op_id, what="VaultConfigurator.create"
        )
        d = self.deployment
        found: dict[str, str] = {}
        for lg in res.logs:
            topics = [bytes(t) for t in lg["topics"]]
            if topics and topics[0] == _ADD_ENTITY:
                found[str(lg["address"]).lower()] = to_checksum_address(topics[1][12:])
        try:
            vault_addr = found[d.vault_factory.lower()]
            delegator_addr = found[d.delegator_factory.lower()]
        except KeyError:
            raise TransactionError(
                "VaultConfigurator.create emitted no vault/delegator", reason="CREATE_FAILED"
            ) from None
        return VaultInfo(
            vault=vault_addr,
            delegator=delegator_addr,
            slasher=found.get(d.slasher_factory.lower()),
            delegator_type=delegator.type,
            slasher_type=sl.type,
            collateral=to_checksum_address(vault.collateral),
            epoch_duration=vault.epoch_duration,
            tokenized=vault.tokenized,
            created_block=res.block_number,
        )

    def vault(self, info: VaultInfo) -> VaultBinding:
        """Bindings for one vault."""
        return VaultBinding(self._ctx, info)

    def token(self, address: str) -> Erc20:
        """Bindings for an ERC-20 (the test token adds ``mint``)."""
        return Erc20(self._ctx, address)
