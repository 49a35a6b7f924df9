"""Typed async bindings for the Symbiotic core calls the hub needs.

:class:`Symbiotic` wraps one :class:`~omnistake.chains.ethereum.deploy.CoreDeployment`
(registries, opt-in services, middleware service, vault configurator); :class:`VaultBinding`
wraps one vault with its delegator and slasher. Every transaction takes the
:class:`~omnistake.chains.ethereum.tx.TxSender` of the principal who must send it and an
optional operation id (a repeat with the same id never sends a second transaction).
Amounts are int base units; timestamps int seconds; subnetworks 32-byte ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from eth_abi.abi import encode as abi_encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from omnistake.chains.ethereum.abi import BoundContract, ContractAbi, checksum
from omnistake.chains.ethereum.deploy import CoreDeployment
from omnistake.chains.ethereum.errors import InvalidParameter, TransactionError
from omnistake.chains.ethereum.events import (
    EventDecoder,
    EventRecord,
    ExecuteSlash,
    RequestSlash,
    Slash,
    SourceKind,
    make_subnetwork,
)
from omnistake.chains.ethereum.signer import TypedDataSigner
from omnistake.chains.ethereum.toolchain import Toolchain
from omnistake.chains.ethereum.tx import ErrorDecoder, TxResult, TxSender
from web3 import AsyncHTTPProvider, AsyncWeb3

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
#: Default burner: collateral sent here is out of reach (a "dead" address).
DEAD_BURNER = "0x000000000000000000000000000000000000dEaD"
_ADD_ENTITY = keccak(text="AddEntity(address)")

__all__ = [
    "DEAD_BURNER",
    "ZERO_ADDRESS",
    "DelegatorConfig",
    "DelegatorType",
    "SlashRequestInfo",
    "SlasherConfig",
    "SlasherType",
    "Symbiotic",
    "VaultBinding",
    "VaultConfig",
    "VaultInfo",
    "make_subnetwork",
]


class DelegatorType(IntEnum):
    """Delegator implementation index in the DelegatorFactory."""

    NETWORK_RESTAKE = 0
    FULL_RESTAKE = 1
    OPERATOR_SPECIFIC = 2
    OPERATOR_NETWORK_SPECIFIC = 3


class SlasherType(IntEnum):
    """Slasher choice; NONE creates a vault without a slasher."""

    NONE = -1
    INSTANT = 0
    VETO = 1


@dataclass(frozen=True)
class VaultConfig:
    """Vault parameters (``curator`` holds every vault and delegator role)."""

    collateral: str
    epoch_duration: int
    curator: str
    burner: str = DEAD_BURNER
    deposit_whitelist: bool = False
    deposit_limit: int | None = None
    tokenized: bool = False
    name: str = "omnistake vault"
    symbol: str = "OSV"

    def validate(self) -> None:
        """Raise :class:`InvalidParameter` on values the contracts would reject."""
        if not 0 < self.epoch_duration < 1 << 48:
            raise InvalidParameter(
                "epoch_duration must be a positive uint48", reason="INVALID_EPOCH_DURATION"
            )
        if self.deposit_limit is not None and not 0 <= self.deposit_limit < 1 << 256:
            raise InvalidParameter(
                "deposit_limit must be a uint256", reason="INVALID_DEPOSIT_LIMIT"
            )


@dataclass(frozen=True)
class DelegatorConfig:
    """Delegator type and, for types 2-3, the fixed operator (and network)."""

    type: DelegatorType
    operator: str | None = None
    network: str | None = None
    hook: str = ZERO_ADDRESS

    def validate(self) -> None:
        """Check that type-specific fields are present."""
        single = (DelegatorType.OPERATOR_SPECIFIC, DelegatorType.OPERATOR_NETWORK_SPECIFIC)
        if self.type in single and not self.operator:
            raise InvalidParameter(f"{self.type.name} needs an operator", reason="MISSING_OPERATOR")
        if self.type == DelegatorType.OPERATOR_NETWORK_SPECIFIC and not self.network:
            raise InvalidParameter(
                "OPERATOR_NETWORK_SPECIFIC needs a network", reason="MISSING_NETWORK"
            )


@dataclass(frozen=True)
class SlasherConfig:
    """Slasher type; veto parameters apply to ``SlasherType.VETO`` only."""

    type: SlasherType = SlasherType.NONE
    veto_duration: int = 0
    resolver_set_epochs_delay: int = 3
    is_burner_hook: bool = False

    def validate(self, epoch_duration: int) -> None:
        """Check the veto window against the vault epoch (``vetoDuration < epochDuration``)."""
        if self.type == SlasherType.VETO:
            if not 0 <= self.veto_duration < epoch_duration:
                raise InvalidParameter(
                    "veto_duration must be below epoch_duration", reason="INVALID_VETO_DURATION"
                )
            if self.resolver_set_epochs_delay < 3:
                raise InvalidParameter(
                    "resolver_set_epochs_delay must be >= 3", reason="INVALID_RESOLVER_DELAY"
                )


@dataclass(frozen=True)
class VaultInfo:
    """Addresses and types of a vault created through the VaultConfigurator."""

    vault: str
    delegator: str
    slasher: str | None
    delegator_type: DelegatorType
    slasher_type: SlasherType
    collateral: str
    epoch_duration: int
    tokenized: bool = False
    created_block: int = 0


@dataclass(frozen=True)
class SlashRequestInfo:
    """A veto slasher's request as stored on chain."""

    index: int
    subnetwork: bytes
    operator: str
    amount: int
    capture_timestamp: int
    veto_deadline: int
    completed: bool


def _tx(contract: BoundContract, fn: str, *args: Any) -> dict[str, Any]:
    return contract.tx(fn, *args)


@dataclass
class _Ctx:
    w3: AsyncWeb3[AsyncHTTPProvider]
    toolchain: Toolchain
    errors: ErrorDecoder
    events: EventDecoder
    abis: dict[str, ContractAbi] = field(default_factory=dict)

    def contract(self, name: str, address: str) -> BoundContract:
        if name not in self.abis:
            self.abis[name] = ContractAbi(name, self.toolchain.abi(name))
        return BoundContract(self.w3, self.abis[name], address, self.errors)

    async def view(
        self, contract: BoundContract, fn: str, *args: Any, block: int | str = "latest"
    ) -> Any:
        return await contract.call(fn, *args, block=block)

    def decode_receipt(self, res: TxResult, address: str, kind: SourceKind) -> list[EventRecord]:
        out: list[EventRecord] = []
        for lg in res.logs:
            if str(lg["address"]).lower() != address.lower():
                continue
            rec = self.events.decode(kind, [bytes(t) for t in lg["topics"]], bytes(lg["data"]))
            if rec is not None:
                out.append(rec)
        return out


class Symbiotic:
    """The core contracts of one deployment."""

    def __init__(
        self, w3: AsyncWeb3[AsyncHTTPProvider], deployment: CoreDeployment, toolchain: Toolchain
    ) -> None:
        self.deployment = deployment
        self._ctx = _Ctx(
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
            _tx(self.network_registry, "registerNetwork"), op_id=op_id, what="registerNetwork"
        )

    async def register_operator(self, sender: TxSender, *, op_id: str | None = None) -> TxResult:
        """Register the sender as an operator."""
        return await sender.send(
            _tx(self.operator_registry, "registerOperator"), op_id=op_id, what="registerOperator"
        )

    async def set_middleware(
        self, network: TxSender, middleware: str, *, op_id: str | None = None
    ) -> TxResult:
        """The network names its middleware (the address that may slash for it)."""
        return await network.send(
            _tx(self.middleware_service, "setMiddleware", to_checksum_address(middleware)),
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
            _tx(self.vault_opt_in, "optIn", to_checksum_address(vault)),
            op_id=op_id,
            what="optIn(vault)",
        )

    async def opt_out_vault(
        self, operator: TxSender, vault: str, *, op_id: str | None = None
    ) -> TxResult:
        """Operator opts out of a vault (not in the block of its opt-in: OptOutCooldown)."""
        return await operator.send(
            _tx(self.vault_opt_in, "optOut", to_checksum_address(vault)),
            op_id=op_id,
            what="optOut(vault)",
        )

    async def opt_in_network(
        self, operator: TxSender, network: str, *, op_id: str | None = None
    ) -> TxResult:
        """Operator opts into a network."""
        return await operator.send(
            _tx(self.network_opt_in, "optIn", to_checksum_address(network)),
            op_id=op_id,
            what="optIn(network)",
        )

    async def opt_out_network(
        self, operator: TxSender, network: str, *, op_id: str | None = None
    ) -> TxResult:
        """Operator opts out of a network."""
        return await operator.send(
            _tx(self.network_opt_in, "optOut", to_checksum_address(network)),
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
            _vault_params(vault),
            int(delegator.type),
            _delegator_params(delegator, vault.curator),
            sl.type != SlasherType.NONE,
            max(int(sl.type), 0),
            _slasher_params(sl),
        )
        res = await sender.send(
            _tx(self.configurator, "create", params), op_id=op_id, what="VaultConfigurator.create"
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


def _vault_params(v: VaultConfig) -> bytes:
    cur = to_checksum_address(v.curator)
    base = (
        to_checksum_address(v.collateral),
        to_checksum_address(v.burner),
        v.epoch_duration,
        v.deposit_whitelist,
        v.deposit_limit is not None,
        v.deposit_limit or 0,
        cur,
        cur,
        cur,
        cur,
        cur,
    )
    base_t = "(address,address,uint48,bool,bool,uint256,address,address,address,address,address)"
    if v.tokenized:
        return abi_encode([f"({base_t},string,string)"], [(base, v.name, v.symbol)])
    return abi_encode([base_t], [base])


def _delegator_params(d: DelegatorConfig, curator: str) -> bytes:
    cur = to_checksum_address(curator)
    base = (cur, to_checksum_address(d.hook), cur)
    bt = "(address,address,address)"
    if d.type in (DelegatorType.NETWORK_RESTAKE, DelegatorType.FULL_RESTAKE):
        return abi_encode([f"({bt},address[],address[])"], [(base, [cur], [cur])])
    if d.type == DelegatorType.OPERATOR_SPECIFIC:
        return abi_encode(
            [f"({bt},address[],address)"], [(base, [cur], to_checksum_address(d.operator or ""))]
        )
    return abi_encode(
        [f"({bt},address,address)"],
        [(base, to_checksum_address(d.network or ""), to_checksum_address(d.operator or ""))],
    )


def _slasher_params(s: SlasherConfig) -> bytes:
    if s.type == SlasherType.VETO:
        return abi_encode(
            ["((bool),uint48,uint256)"],
            [((s.is_burner_hook,), s.veto_duration, s.resolver_set_epochs_delay)],
        )
    if s.type == SlasherType.INSTANT:
        return abi_encode(["((bool))"], [((s.is_burner_hook,),)])
    return b""


_DELEGATOR_ABI = {
    DelegatorType.NETWORK_RESTAKE: "NetworkRestakeDelegator",
    DelegatorType.FULL_RESTAKE: "FullRestakeDelegator",
    DelegatorType.OPERATOR_SPECIFIC: "OperatorSpecificDelegator",
    DelegatorType.OPERATOR_NETWORK_SPECIFIC: "OperatorNetworkSpecificDelegator",
}


class Erc20:
    """Minimal ERC-20 bindings."""

    def __init__(self, ctx: _Ctx, address: str) -> None:
        self._ctx = ctx
        self.address = to_checksum_address(address)
        self.contract = ctx.contract("OmnistakeTestToken", self.address)

    async def mint(
        self, minter: TxSender, to: str, amount: int, *, op_id: str | None = None
    ) -> TxResult:
        """Mint test tokens (test token only; the deployer is the minter)."""
        return await minter.send(
            _tx(self.contract, "mint", to_checksum_address(to), amount), op_id=op_id, what="mint"
        )

    async def approve(
        self, owner: TxSender, spender: str, amount: int, *, op_id: str | None = None
    ) -> TxResult:
        """Approve ``spender`` for ``amount``."""
        return await owner.send(
            _tx(self.contract, "approve", to_checksum_address(spender), amount),
            op_id=op_id,
            what="approve",
        )

    async def balance_of(self, account: str, block: int | str = "latest") -> int:
        """Token balance."""
        return int(
            await self._ctx.view(
                self.contract, "balanceOf", to_checksum_address(account), block=block
            )
        )

    async def decimals(self) -> int:
        """Token decimals."""
        return int(await self._ctx.view(self.contract, "decimals"))


class VaultBinding:
    """A vault, its delegator and its slasher."""

    def __init__(self, ctx: _Ctx, info: VaultInfo) -> None:
        self._ctx = ctx
        self.info = info
        self.vault = ctx.contract("VaultTokenized" if info.tokenized else "Vault", info.vault)
        self.delegator = ctx.contract(_DELEGATOR_ABI[info.delegator_type], info.delegator)
        self.slasher: BoundContract | None = None
        if info.slasher:
            name = "VetoSlasher" if info.slasher_type == SlasherType.VETO else "Slasher"
            self.slasher = ctx.contract(name, info.slasher)
        self.collateral = Erc20(ctx, info.collateral)

    def _need_slasher(self, veto: bool) -> BoundContract:
        want = SlasherType.VETO if veto else SlasherType.INSTANT
        if self.slasher is None or self.info.slasher_type != want:
            raise InvalidParameter(
                f"vault {self.info.vault} has slasher type {self.info.slasher_type.name},"
                f" not {want.name}",
                reason="WRONG_SLASHER_TYPE",
            )
        return self.slasher

    async def _v(self, c: BoundContract, fn: str, *args: Any, block: int | str = "latest") -> Any:
        return await self._ctx.view(c, fn, *args, block=block)

    # ---- staker operations
    async def deposit(
        self,
        staker: TxSender,
        amount: int,
        *,
        on_behalf_of: str | None = None,
        op_id: str | None = None,
    ) -> TxResult:
        """Deposit ``amount`` of collateral (the staker must have approved the vault)."""
        who = to_checksum_address(on_behalf_of or staker.address)
        return await staker.send(
            _tx(self.vault, "deposit", who, amount), op_id=op_id, what="deposit"
        )

    async def withdraw(
        self, staker: TxSender, amount: int, *, claimer: str | None = None, op_id: str | None = None
    ) -> TxResult:
        """Request a withdrawal of ``amount`` (claimable from epoch current + 2)."""
        who = to_checksum_address(claimer or staker.address)
        return await staker.send(
            _tx(self.vault, "withdraw", who, amount), op_id=op_id, what="withdraw"
        )

    async def redeem(
        self, staker: TxSender, shares: int, *, claimer: str | None = None, op_id: str | None = None
    ) -> TxResult:
        """Request a withdrawal of ``shares`` active shares."""
        who = to_checksum_address(claimer or staker.address)
        return await staker.send(_tx(self.vault, "redeem", who, shares), op_id=op_id, what="redeem")

    async def claim(
        self,
        staker: TxSender,
        epoch: int,
        *,
        recipient: str | None = None,
        op_id: str | None = None,
    ) -> TxResult:
        """Claim the withdrawal of ``epoch``."""
        who = to_checksum_address(recipient or staker.address)
        return await staker.send(_tx(self.vault, "claim", who, epoch), op_id=op_id, what="claim")

    async def claim_batch(
        self,
        staker: TxSender,
        epochs: list[int],
        *,
        recipient: str | None = None,
        op_id: str | None = None,
    ) -> TxResult:
        """Claim several epochs at once."""
        who = to_checksum_address(recipient or staker.address)
        return await staker.send(
            _tx(self.vault, "claimBatch", who, list(epochs)), op_id=op_id, what="claimBatch"
        )

    # ---- curator / network settings
    async def set_max_network_limit(
        self, network: TxSender, identifier: int, amount: int, *, op_id: str | None = None
    ) -> TxResult:
        """The network caps the stake it accepts from this vault for one subnetwork."""
        return await network.send(
            _tx(self.delegator, "setMaxNetworkLimit", identifier, amount),
            op_id=op_id,
            what="setMaxNetworkLimit",
        )

    async def set_network_limit(
        self, curator: TxSender, subnetwork: bytes, amount: int, *, op_id: str | None = None
    ) -> TxResult:
        """The curator sets a subnetwork's limit (types 0-2)."""
        if self.info.delegator_type == DelegatorType.OPERATOR_NETWORK_SPECIFIC:
            raise InvalidParameter(
                "OperatorNetworkSpecificDelegator has no setNetworkLimit", reason="UNSUPPORTED"
            )
        return await curator.send(
            _tx(self.delegator, "setNetworkLimit", subnetwork, amount),
            op_id=op_id,
            what="setNetworkLimit",
        )

    async def set_operator_network_shares(
        self,
        curator: TxSender,
        subnetwork: bytes,
        operator: str,
        shares: int,
        *,
        op_id: str | None = None,
    ) -> TxResult:
        """NetworkRestake: an operator's shares of the subnetwork's stake."""
        self._need_type(DelegatorType.NETWORK_RESTAKE)
        return await curator.send(
            _tx(
                self.delegator,
                "setOperatorNetworkShares",
                subnetwork,
                to_checksum_address(operator),
                shares,
            ),
            op_id=op_id,
            what="setOperatorNetworkShares",
        )

    async def set_operator_network_limit(
        self,
        curator: TxSender,
        subnetwork: bytes,
        operator: str,
        amount: int,
        *,
        op_id: str | None = None,
    ) -> TxResult:
        """FullRestake: an operator's limit within the subnetwork."""
        self._need_type(DelegatorType.FULL_RESTAKE)
        return await curator.send(
            _tx(
                self.delegator,
                "setOperatorNetworkLimit",
                subnetwork,
                to_checksum_address(operator),
                amount,
            ),
            op_id=op_id,
            what="setOperatorNetworkLimit",
        )

    def _need_type(self, t: DelegatorType) -> None:
        if self.info.delegator_type != t:
            raise InvalidParameter(
                f"delegator is {self.info.delegator_type.name}, this call needs {t.name}",
                reason="WRONG_DELEGATOR_TYPE",
            )

    async def set_deposit_limit(
        self, curator: TxSender, limit: int | None, *, op_id: str | None = None
    ) -> TxResult:
        """Switch the deposit limit on with ``limit``, or off with None."""
        if limit is None:
            return await curator.send(
                _tx(self.vault, "setIsDepositLimit", False), op_id=op_id, what="setIsDepositLimit"
            )
        if not await self._v(self.vault, "isDepositLimit"):
            await curator.send(
                _tx(self.vault, "setIsDepositLimit", True),
                op_id=f"{op_id}:on" if op_id else None,
                what="setIsDepositLimit",
            )
        return await curator.send(
            _tx(self.vault, "setDepositLimit", limit), op_id=op_id, what="setDepositLimit"
        )

    # ---- slashing (sent by the network's middleware)
    async def slash(
        self,
        middleware: TxSender,
        subnetwork: bytes,
        operator: str,
        amount: int,
        capture_timestamp: int,
        *,
        op_id: str | None = None,
    ) -> int:
        """Instant slash; returns the amount the slasher recorded (the vault may burn less)."""
        c = self._need_slasher(veto=False)
        res = await middleware.send(
            _tx(
                c,
                "slash",
                subnetwork,
                to_checksum_address(operator),
                amount,
                capture_timestamp,
                b"",
            ),
            op_id=op_id,
            what="slash",
        )
        for rec in self._ctx.decode_receipt(res, c.address, SourceKind.SLASHER):
            if isinstance(rec, Slash):
                return rec.slashed_amount
        raise TransactionError("slash emitted no Slash event", reason="SLASH_EVENT_MISSING")

    async def request_slash(
        self,
        middleware: TxSender,
        subnetwork: bytes,
        operator: str,
        amount: int,
        capture_timestamp: int,
        *,
        op_id: str | None = None,
    ) -> RequestSlash:
        """Veto slasher: request a slash; returns the RequestSlash record (index, deadline)."""
        c = self._need_slasher(veto=True)
        res = await middleware.send(
            _tx(
                c,
                "requestSlash",
                subnetwork,
                to_checksum_address(operator),
                amount,
                capture_timestamp,
                b"",
            ),
            op_id=op_id,
            what="requestSlash",
        )
        for rec in self._ctx.decode_receipt(res, c.address, SourceKind.VETO_SLASHER):
            if isinstance(rec, RequestSlash):
                return rec
        raise TransactionError(
            "requestSlash emitted no RequestSlash event", reason="SLASH_EVENT_MISSING"
        )

    async def veto_slash(
        self, resolver: TxSender, index: int, *, op_id: str | None = None
    ) -> TxResult:
        """Veto slasher: the resolver vetoes request ``index``."""
        c = self._need_slasher(veto=True)
        return await resolver.send(_tx(c, "vetoSlash", index, b""), op_id=op_id, what="vetoSlash")

    async def execute_slash(
        self, middleware: TxSender, index: int, *, op_id: str | None = None
    ) -> int:
        """Veto slasher: execute request ``index``; returns the slashed amount."""
        c = self._need_slasher(veto=True)
        res = await middleware.send(
            _tx(c, "executeSlash", index, b""), op_id=op_id, what="executeSlash"
        )
        for rec in self._ctx.decode_receipt(res, c.address, SourceKind.VETO_SLASHER):
            if isinstance(rec, ExecuteSlash):
                return rec.slashed_amount
        raise TransactionError(
            "executeSlash emitted no ExecuteSlash event", reason="SLASH_EVENT_MISSING"
        )

    async def set_resolver(
        self, network: TxSender, identifier: int, resolver: str, *, op_id: str | None = None
    ) -> TxResult:
        """Veto slasher: the network sets the resolver of its subnetwork ``identifier``."""
        c = self._need_slasher(veto=True)
        return await network.send(
            _tx(c, "setResolver", identifier, to_checksum_address(resolver), b""),
            op_id=op_id,
            what="setResolver",
        )

    # ---- views: vault
    async def epoch_duration(self) -> int:
        """Epoch length in seconds."""
        return int(await self._v(self.vault, "epochDuration"))

    async def epoch_duration_init(self) -> int:
        """Creation timestamp (epoch 0 start)."""
        return int(await self._v(self.vault, "epochDurationInit"))

    async def current_epoch(self, block: int | str = "latest") -> int:
        """Current epoch index."""
        return int(await self._v(self.vault, "currentEpoch", block=block))

    async def epoch_at(self, timestamp: int) -> int:
        """Epoch index at ``timestamp``."""
        return int(await self._v(self.vault, "epochAt", timestamp))

    async def current_epoch_start(self) -> int:
        """Start timestamp of the current epoch."""
        return int(await self._v(self.vault, "currentEpochStart"))

    async def active_stake(self, at: int | None = None) -> int:
        """Active stake now, or at timestamp ``at``."""
        if at is None:
            return int(await self._v(self.vault, "activeStake"))
        return int(await self._v(self.vault, "activeStakeAt", at, b""))

    async def active_shares(self, at: int | None = None) -> int:
        """Total active shares now, or at ``at``."""
        if at is None:
            return int(await self._v(self.vault, "activeShares"))
        return int(await self._v(self.vault, "activeSharesAt", at, b""))

    async def active_shares_of(self, account: str, at: int | None = None) -> int:
        """Active shares of ``account`` now, or at ``at``."""
        a = to_checksum_address(account)
        if at is None:
            return int(await self._v(self.vault, "activeSharesOf", a))
        return int(await self._v(self.vault, "activeSharesOfAt", a, at, b""))

    async def active_balance_of(self, account: str) -> int:
        """Collateral value of ``account``'s active shares."""
        return int(await self._v(self.vault, "activeBalanceOf", to_checksum_address(account)))

    async def slashable_balance_of(self, account: str) -> int:
        """Active balance plus the account's withdrawals of the current and next epoch."""
        return int(await self._v(self.vault, "slashableBalanceOf", to_checksum_address(account)))

    async def withdrawals(self, epoch: int) -> int:
        """Collateral in the withdrawal bucket of ``epoch``."""
        return int(await self._v(self.vault, "withdrawals", epoch))

    async def withdrawal_shares(self, epoch: int) -> int:
        """Withdrawal shares of ``epoch``."""
        return int(await self._v(self.vault, "withdrawalShares", epoch))

    async def withdrawals_of(self, epoch: int, account: str) -> int:
        """``account``'s claim on the bucket of ``epoch``."""
        return int(await self._v(self.vault, "withdrawalsOf", epoch, to_checksum_address(account)))

    async def is_withdrawals_claimed(self, epoch: int, account: str) -> bool:
        """Whether ``account`` claimed ``epoch``."""
        return bool(
            await self._v(self.vault, "isWithdrawalsClaimed", epoch, to_checksum_address(account))
        )

    async def total_stake(self) -> int:
        """Active stake plus the current and next epoch's withdrawals (the slashable total)."""
        return int(await self._v(self.vault, "totalStake"))

    # ---- views: delegator
    async def stake_at(self, subnetwork: bytes, operator: str, timestamp: int) -> int:
        """Stake of ``operator`` in ``subnetwork`` at ``timestamp`` (opt-ins included)."""
        return int(
            await self._v(
                self.delegator, "stakeAt", subnetwork, to_checksum_address(operator), timestamp, b""
            )
        )

    async def stake(self, subnetwork: bytes, operator: str) -> int:
        """Current stake of ``operator`` in ``subnetwork``."""
        return int(
            await self._v(self.delegator, "stake", subnetwork, to_checksum_address(operator))
        )

    async def max_network_limit(self, subnetwork: bytes) -> int:
        """Cap the network set for this vault."""
        return int(await self._v(self.delegator, "maxNetworkLimit", subnetwork))

    async def network_limit(self, subnetwork: bytes, at: int | None = None) -> int:
        """Curator-set network limit (types 0-2)."""
        if at is None:
            return int(await self._v(self.delegator, "networkLimit", subnetwork))
        return int(await self._v(self.delegator, "networkLimitAt", subnetwork, at, b""))

    async def operator_network_shares(
        self, subnetwork: bytes, operator: str, at: int | None = None
    ) -> int:
        """NetworkRestake shares of ``operator``."""
        op = to_checksum_address(operator)
        if at is None:
            return int(await self._v(self.delegator, "operatorNetworkShares", subnetwork, op))
        return int(
            await self._v(self.delegator, "operatorNetworkSharesAt", subnetwork, op, at, b"")
        )

    async def operator_network_limit(
        self, subnetwork: bytes, operator: str, at: int | None = None
    ) -> int:
        """FullRestake limit of ``operator``."""
        op = to_checksum_address(operator)
        if at is None:
            return int(await self._v(self.delegator, "operatorNetworkLimit", subnetwork, op))
        return int(await self._v(self.delegator, "operatorNetworkLimitAt", subnetwork, op, at, b""))

    # ---- views: slasher
    async def slashable_stake(
        self, subnetwork: bytes, operator: str, capture_timestamp: int
    ) -> int:
        """Stake at capture minus slashes executed since (0 outside the capture window)."""
        c = self._any_slasher()
        return int(
            await self._v(
                c,
                "slashableStake",
                subnetwork,
                to_checksum_address(operator),
                capture_timestamp,
                b"",
            )
        )

    async def cumulative_slash(
        self, subnetwork: bytes, operator: str, at: int | None = None
    ) -> int:
        """Sum of slashes recorded for (subnetwork, operator), now or at ``at``."""
        c = self._any_slasher()
        op = to_checksum_address(operator)
        if at is None:
            return int(await self._v(c, "cumulativeSlash", subnetwork, op))
        return int(await self._v(c, "cumulativeSlashAt", subnetwork, op, at, b""))

    async def slash_request(self, index: int) -> SlashRequestInfo:
        """Veto slasher: request ``index``."""
        c = self._need_slasher(veto=True)
        sn, op, amount, capture, deadline, completed = await self._v(c, "slashRequests", index)
        return SlashRequestInfo(
            index,
            bytes(sn),
            checksum(op),
            int(amount),
            int(capture),
            int(deadline),
            bool(completed),
        )

    async def slash_requests_length(self) -> int:
        """Veto slasher: number of requests."""
        return int(await self._v(self._need_slasher(veto=True), "slashRequestsLength"))

    async def resolver(self, subnetwork: bytes, at: int | None = None) -> str:
        """Veto slasher: resolver of ``subnetwork`` now or at ``at``."""
        c = self._need_slasher(veto=True)
        if at is None:
            return checksum(await self._v(c, "resolver", subnetwork, b""))
        return checksum(await self._v(c, "resolverAt", subnetwork, at, b""))

    def _any_slasher(self) -> BoundContract:
        if self.slasher is None:
            raise InvalidParameter(f"vault {self.info.vault} has no slasher", reason="NO_SLASHER")
        return self.slasher
