"""Typed records of every Symbiotic core event, and a decoder from raw logs.

Each record is a frozen dataclass with snake_case fields (amounts as int, addresses as
checksummed str, subnetworks as 32 bytes). :class:`IndexedEvent` wraps a record with its
position on chain (block number, block hash, log index, block timestamp, transaction).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from enum import StrEnum
from functools import lru_cache
from typing import Any, ClassVar

from eth_abi.abi import decode as abi_decode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from omnistake.chains.ethereum.errors import InvalidParameter
from omnistake.chains.ethereum.toolchain import Toolchain


def split_subnetwork(subnetwork: bytes) -> tuple[str, int]:
    """(network address, uint96 identifier) of a subnetwork id."""
    value = int.from_bytes(subnetwork, "big")
    return to_checksum_address((value >> 96).to_bytes(20, "big")), value & ((1 << 96) - 1)


def make_subnetwork(network: str, identifier: int = 0) -> bytes:
    """Subnetwork id: the network address in the high 160 bits, ``identifier`` in the low 96."""
    if not 0 <= identifier < 1 << 96:
        raise InvalidParameter(
            f"subnetwork identifier must fit in uint96, got {identifier}",
            reason="INVALID_SUBNETWORK_IDENTIFIER",
        )
    value = (int(network, 16) << 96) | identifier
    return value.to_bytes(32, "big")


class SourceKind(StrEnum):
    """Which kind of contract emitted a log."""

    VAULT = "vault"
    DELEGATOR = "delegator"
    SLASHER = "slasher"
    VETO_SLASHER = "veto_slasher"
    OPERATOR_VAULT_OPT_IN = "operator_vault_opt_in"
    OPERATOR_NETWORK_OPT_IN = "operator_network_opt_in"
    NETWORK_REGISTRY = "network_registry"
    OPERATOR_REGISTRY = "operator_registry"
    VAULT_FACTORY = "vault_factory"
    DELEGATOR_FACTORY = "delegator_factory"
    SLASHER_FACTORY = "slasher_factory"
    MIDDLEWARE_SERVICE = "middleware_service"


@dataclass(frozen=True)
class EventRecord:
    """Base of all decoded events."""

    EVENT: ClassVar[str] = ""


class _Subnet:
    subnetwork: bytes

    @property
    def network(self) -> str:
        """Network address of the subnetwork."""
        return split_subnetwork(self.subnetwork)[0]

    @property
    def identifier(self) -> int:
        """uint96 identifier of the subnetwork."""
        return split_subnetwork(self.subnetwork)[1]


# ---- vault
@dataclass(frozen=True)
class Deposit(EventRecord):
    """Collateral deposited; ``shares`` minted to ``on_behalf_of``."""

    EVENT: ClassVar[str] = "Deposit"
    depositor: str
    on_behalf_of: str
    amount: int
    shares: int


@dataclass(frozen=True)
class Withdraw(EventRecord):
    """Withdrawal requested into the next epoch's bucket."""

    EVENT: ClassVar[str] = "Withdraw"
    withdrawer: str
    claimer: str
    amount: int
    burned_shares: int
    minted_shares: int


@dataclass(frozen=True)
class Claim(EventRecord):
    """A matured withdrawal paid out."""

    EVENT: ClassVar[str] = "Claim"
    claimer: str
    recipient: str
    epoch: int
    amount: int


@dataclass(frozen=True)
class ClaimBatch(EventRecord):
    """Several matured withdrawals paid out at once."""

    EVENT: ClassVar[str] = "ClaimBatch"
    claimer: str
    recipient: str
    epochs: tuple[int, ...]
    amount: int


@dataclass(frozen=True)
class VaultOnSlash(EventRecord):
    """The vault burned ``slashed_amount`` (possibly less than the slasher's ``amount``)."""

    EVENT: ClassVar[str] = "OnSlash"
    amount: int
    capture_timestamp: int
    slashed_amount: int


@dataclass(frozen=True)
class SetDelegator(EventRecord):
    """The vault's delegator was set (once)."""

    EVENT: ClassVar[str] = "SetDelegator"
    delegator: str


@dataclass(frozen=True)
class SetSlasher(EventRecord):
    """The vault's slasher was set (once; may be the zero address)."""

    EVENT: ClassVar[str] = "SetSlasher"
    slasher: str


@dataclass(frozen=True)
class SetDepositLimit(EventRecord):
    """New deposit limit."""

    EVENT: ClassVar[str] = "SetDepositLimit"
    limit: int


@dataclass(frozen=True)
class SetIsDepositLimit(EventRecord):
    """Deposit limit switched on or off."""

    EVENT: ClassVar[str] = "SetIsDepositLimit"
    status: bool


@dataclass(frozen=True)
class SetDepositWhitelist(EventRecord):
    """Deposit whitelist switched on or off."""

    EVENT: ClassVar[str] = "SetDepositWhitelist"
    status: bool


@dataclass(frozen=True)
class SetDepositorWhitelistStatus(EventRecord):
    """A depositor added to or removed from the whitelist."""

    EVENT: ClassVar[str] = "SetDepositorWhitelistStatus"
    account: str
    status: bool


@dataclass(frozen=True)
class SharesTransfer(EventRecord):
    """Active shares moved between accounts (tokenized vaults only)."""

    EVENT: ClassVar[str] = "Transfer"
    from_address: str
    to_address: str
    value: int


# ---- delegators
@dataclass(frozen=True)
class SetMaxNetworkLimit(_Subnet, EventRecord):
    """The network capped what it accepts from this vault."""

    EVENT: ClassVar[str] = "SetMaxNetworkLimit"
    subnetwork: bytes
    amount: int


@dataclass(frozen=True)
class SetNetworkLimit(_Subnet, EventRecord):
    """The curator set the subnetwork's limit."""

    EVENT: ClassVar[str] = "SetNetworkLimit"
    subnetwork: bytes
    amount: int


@dataclass(frozen=True)
class SetOperatorNetworkShares(_Subnet, EventRecord):
    """NetworkRestake: an operator's shares of the subnetwork's stake."""

    EVENT: ClassVar[str] = "SetOperatorNetworkShares"
    subnetwork: bytes
    operator: str
    shares: int


@dataclass(frozen=True)
class SetOperatorNetworkLimit(_Subnet, EventRecord):
    """FullRestake: an operator's limit within the subnetwork."""

    EVENT: ClassVar[str] = "SetOperatorNetworkLimit"
    subnetwork: bytes
    operator: str
    amount: int


@dataclass(frozen=True)
class DelegatorOnSlash(_Subnet, EventRecord):
    """The delegator was told of a slash (its hook, if any, ran)."""

    EVENT: ClassVar[str] = "OnSlash"
    subnetwork: bytes
    operator: str
    amount: int
    capture_timestamp: int


@dataclass(frozen=True)
class SetHook(EventRecord):
    """The delegator's slash hook changed."""

    EVENT: ClassVar[str] = "SetHook"
    hook: str


# ---- slashers
@dataclass(frozen=True)
class Slash(_Subnet, EventRecord):
    """Instant slash executed (amount as the slasher counts it)."""

    EVENT: ClassVar[str] = "Slash"
    subnetwork: bytes
    operator: str
    slashed_amount: int
    capture_timestamp: int


@dataclass(frozen=True)
class RequestSlash(_Subnet, EventRecord):
    """Veto slasher: slash requested; executable after ``veto_deadline`` unless vetoed."""

    EVENT: ClassVar[str] = "RequestSlash"
    slash_index: int
    subnetwork: bytes
    operator: str
    slash_amount: int
    capture_timestamp: int
    veto_deadline: int


@dataclass(frozen=True)
class ExecuteSlash(EventRecord):
    """Veto slasher: a request executed."""

    EVENT: ClassVar[str] = "ExecuteSlash"
    slash_index: int
    slashed_amount: int


@dataclass(frozen=True)
class VetoSlash(EventRecord):
    """Veto slasher: the resolver vetoed a request."""

    EVENT: ClassVar[str] = "VetoSlash"
    slash_index: int
    resolver: str


@dataclass(frozen=True)
class SetResolver(_Subnet, EventRecord):
    """Veto slasher: the subnetwork's resolver changed (possibly effective later)."""

    EVENT: ClassVar[str] = "SetResolver"
    subnetwork: bytes
    resolver: str


# ---- opt-ins, registries, factories, middleware
@dataclass(frozen=True)
class OptIn(EventRecord):
    """Operator ``who`` opted into ``where`` (a vault or a network, see ``service``)."""

    EVENT: ClassVar[str] = "OptIn"
    who: str
    where: str
    service: str


@dataclass(frozen=True)
class OptOut(EventRecord):
    """Operator ``who`` opted out of ``where``."""

    EVENT: ClassVar[str] = "OptOut"
    who: str
    where: str
    service: str


@dataclass(frozen=True)
class IncreaseNonce(EventRecord):
    """An opt-in signature nonce was burned."""

    EVENT: ClassVar[str] = "IncreaseNonce"
    who: str
    where: str
    service: str


@dataclass(frozen=True)
class NetworkRegistered(EventRecord):
    """A network registered itself."""

    EVENT: ClassVar[str] = "AddEntity"
    network: str


@dataclass(frozen=True)
class OperatorRegistered(EventRecord):
    """An operator registered itself."""

    EVENT: ClassVar[str] = "AddEntity"
    operator: str


@dataclass(frozen=True)
class VaultMetadata:
    """A vault's set-up, read at its creation block (no event carries these values)."""

    collateral: str
    burner: str
    epoch_duration: int
    epoch_duration_init: int
    deposit_whitelist: bool
    is_deposit_limit: bool
    deposit_limit: int
    version: int

    def epoch_at(self, timestamp: int) -> int:
        """Vault epoch index at ``timestamp`` (Symbiotic ``epochAt``)."""
        return (timestamp - self.epoch_duration_init) // self.epoch_duration


@dataclass(frozen=True)
class DelegatorMetadata:
    """A delegator's vault and type (and, for types 2-3, its fixed operator / network)."""

    vault: str
    type: int
    operator: str | None = None
    network: str | None = None


@dataclass(frozen=True)
class SlasherMetadata:
    """A slasher's vault and type (and, for the veto slasher, its windows)."""

    vault: str
    type: int
    veto_duration: int | None = None
    resolver_set_epochs_delay: int | None = None


@dataclass(frozen=True)
class VaultCreated(EventRecord):
    """The vault factory created a vault; the indexer adds its ``metadata``."""

    EVENT: ClassVar[str] = "AddEntity"
    vault: str
    metadata: VaultMetadata | None = None


@dataclass(frozen=True)
class DelegatorCreated(EventRecord):
    """The delegator factory created a delegator; the indexer adds its ``metadata``."""

    EVENT: ClassVar[str] = "AddEntity"
    delegator: str
    metadata: DelegatorMetadata | None = None


@dataclass(frozen=True)
class SlasherCreated(EventRecord):
    """The slasher factory created a slasher; the indexer adds its ``metadata``."""

    EVENT: ClassVar[str] = "AddEntity"
    slasher: str
    metadata: SlasherMetadata | None = None


@dataclass(frozen=True)
class SetMiddleware(EventRecord):
    """A network named its middleware (the only address allowed to slash for it)."""

    EVENT: ClassVar[str] = "SetMiddleware"
    network: str
    middleware: str


@dataclass(frozen=True)
class UnknownEvent(EventRecord):
    """A log of a watched contract whose signature is not in the compiled ABIs (kept raw)."""

    topics: tuple[bytes, ...]
    data: bytes


@dataclass(frozen=True)
class AdminEvent(EventRecord):
    """Any other event of these contracts (roles, ownership, initialisation, whitelists)."""

    name: str
    args: tuple[tuple[str, Any], ...]


_BY_KIND: dict[SourceKind, tuple[type[EventRecord], ...]] = {
    SourceKind.VAULT: (
        Deposit,
        Withdraw,
        Claim,
        ClaimBatch,
        VaultOnSlash,
        SetDelegator,
        SetSlasher,
        SetDepositLimit,
        SetIsDepositLimit,
        SetDepositWhitelist,
        SetDepositorWhitelistStatus,
        SharesTransfer,
    ),
    SourceKind.DELEGATOR: (
        SetMaxNetworkLimit,
        SetNetworkLimit,
        SetOperatorNetworkShares,
        SetOperatorNetworkLimit,
        DelegatorOnSlash,
        SetHook,
    ),
    SourceKind.SLASHER: (Slash,),
    SourceKind.VETO_SLASHER: (RequestSlash, ExecuteSlash, VetoSlash, SetResolver),
    SourceKind.OPERATOR_VAULT_OPT_IN: (OptIn, OptOut, IncreaseNonce),
    SourceKind.OPERATOR_NETWORK_OPT_IN: (OptIn, OptOut, IncreaseNonce),
    SourceKind.NETWORK_REGISTRY: (NetworkRegistered,),
    SourceKind.OPERATOR_REGISTRY: (OperatorRegistered,),
    SourceKind.VAULT_FACTORY: (VaultCreated,),
    SourceKind.DELEGATOR_FACTORY: (DelegatorCreated,),
    SourceKind.SLASHER_FACTORY: (SlasherCreated,),
    SourceKind.MIDDLEWARE_SERVICE: (SetMiddleware,),
}

_ABI_OF_KIND: dict[SourceKind, tuple[str, ...]] = {
    SourceKind.VAULT: ("VaultTokenized",),
    SourceKind.DELEGATOR: (
        "NetworkRestakeDelegator",
        "FullRestakeDelegator",
        "OperatorSpecificDelegator",
        "OperatorNetworkSpecificDelegator",
    ),
    SourceKind.SLASHER: ("Slasher",),
    SourceKind.VETO_SLASHER: ("VetoSlasher",),
    SourceKind.OPERATOR_VAULT_OPT_IN: ("OptInService",),
    SourceKind.OPERATOR_NETWORK_OPT_IN: ("OptInService",),
    SourceKind.NETWORK_REGISTRY: ("NetworkRegistry",),
    SourceKind.OPERATOR_REGISTRY: ("OperatorRegistry",),
    SourceKind.VAULT_FACTORY: ("VaultFactory",),
    SourceKind.DELEGATOR_FACTORY: ("DelegatorFactory",),
    SourceKind.SLASHER_FACTORY: ("SlasherFactory",),
    SourceKind.MIDDLEWARE_SERVICE: ("NetworkMiddlewareService",),
}

# Events of the vault's ERC-1967 proxy (MigratableEntityProxy), not in the vault ABI.
_PROXY_EVENTS: tuple[dict[str, Any], ...] = (
    {
        "type": "event",
        "name": "Upgraded",
        "inputs": [{"name": "implementation", "type": "address", "indexed": True}],
    },
    {
        "type": "event",
        "name": "AdminChanged",
        "inputs": [
            {"name": "previousAdmin", "type": "address", "indexed": False},
            {"name": "newAdmin", "type": "address", "indexed": False},
        ],
    },
)

_SERVICE = {
    SourceKind.OPERATOR_VAULT_OPT_IN: "vault",
    SourceKind.OPERATOR_NETWORK_OPT_IN: "network",
}

_ENTITY_RECORDS = (
    NetworkRegistered,
    OperatorRegistered,
    VaultCreated,
    DelegatorCreated,
    SlasherCreated,
)

_RENAME = {"from": "from_address", "to": "to_address", "type_": "type"}


def _snake(name: str) -> str:
    if name in _RENAME:
        return _RENAME[name]
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


@lru_cache(maxsize=8192)
def _checksum(address: str) -> str:
    return str(to_checksum_address(address))


def _convert(abi_type: str, value: Any) -> Any:
    if abi_type == "address":
        return _checksum(value)
    if abi_type.endswith("[]"):
        return tuple(_convert(abi_type[:-2], v) for v in value)
    if abi_type.startswith("bytes") and isinstance(value, bytes | bytearray):
        return bytes(value)
    return value


@dataclass(frozen=True)
class IndexedEvent:
    """A decoded event at its place on chain; order by ``(block_number, log_index)``."""

    block_number: int
    block_hash: str
    log_index: int
    timestamp: int
    tx_hash: str
    address: str
    kind: SourceKind
    record: EventRecord = field(compare=True)

    @property
    def key(self) -> tuple[int, int]:
        """Sort key: (block number, log index)."""
        return (self.block_number, self.log_index)

    @property
    def uid(self) -> tuple[str, int]:
        """Identity of this log on its chain: (block hash, log index)."""
        return (self.block_hash, self.log_index)


def _static_word(typ: str) -> bool:
    """Types that fill exactly one 32-byte word when ABI-encoded."""
    if typ in ("address", "bool"):
        return True
    if typ.startswith(("uint", "int")) and "[" not in typ:
        return True
    return typ.startswith("bytes") and typ != "bytes" and "[" not in typ


def _word(typ: str, word: bytes) -> Any:
    """Decode one 32-byte word of a static type (topics and fixed-size data)."""
    if typ == "address":
        return _checksum("0x" + word[12:].hex())
    if typ == "bool":
        return word[-1] != 0
    if typ.startswith("uint"):
        return int.from_bytes(word, "big")
    if typ.startswith("int"):
        return int.from_bytes(word, "big", signed=True)
    return bytes(word[: int(typ[5:])])


@dataclass(frozen=True)
class _EventSpec:
    name: str
    inputs: tuple[tuple[str, str, bool], ...]  # (snake name, type, indexed)
    record: type[EventRecord] | None
    plain: tuple[str, ...]  # types of the data part
    plain_static: bool  # every data type is one word: decode by slicing


class EventDecoder:
    """Decodes raw logs of known Symbiotic contracts into typed records."""

    def __init__(self, toolchain: Toolchain) -> None:
        self._specs: dict[tuple[SourceKind, bytes], _EventSpec] = {}
        for kind, contracts in _ABI_OF_KIND.items():
            typed = {cls.EVENT: cls for cls in _BY_KIND[kind]}
            for contract in contracts:
                extra = list(_PROXY_EVENTS) if kind == SourceKind.VAULT else []
                for item in [*toolchain.abi(contract), *extra]:
                    if item.get("type") != "event":
                        continue
                    types = [i["type"] for i in item["inputs"]]
                    topic = keccak(text=f"{item['name']}({','.join(types)})")
                    plain = tuple(i["type"] for i in item["inputs"] if not i["indexed"])
                    spec = _EventSpec(
                        name=item["name"],
                        inputs=tuple(
                            (_snake(i["name"]), i["type"], bool(i["indexed"]))
                            for i in item["inputs"]
                        ),
                        record=typed.get(item["name"]),
                        plain=plain,
                        plain_static=all(_static_word(t) for t in plain),
                    )
                    self._specs[(kind, topic)] = spec

    def topics(self, kind: SourceKind) -> list[bytes]:
        """Every topic0 a contract of ``kind`` can emit."""
        return [t for (k, t) in self._specs if k == kind]

    def decode(self, kind: SourceKind, topics: list[bytes], data: bytes) -> EventRecord | None:
        """Typed record of one log, or None when the topic is unknown for ``kind`` or the
        log does not fit the event's layout."""
        if not topics:
            return None
        spec = self._specs.get((kind, bytes(topics[0])))
        if spec is None:
            return None
        if len(topics) != 1 + sum(1 for _, _, idx in spec.inputs if idx):
            return None  # same signature, different indexing: not this contract's event
        if spec.plain_static:
            if len(data) != 32 * len(spec.plain):
                return None
            values = iter(_word(t, data[32 * k : 32 * k + 32]) for k, t in enumerate(spec.plain))
        else:
            try:
                decoded = abi_decode(list(spec.plain), bytes(data))
            except Exception:
                return None  # malformed data: the caller keeps the log raw
            values = iter(_convert(t, v) for t, v in zip(spec.plain, decoded, strict=True))
        tops = iter(topics[1:])
        args: list[tuple[str, Any]] = []
        for name, typ, indexed in spec.inputs:
            if indexed:
                topic = bytes(next(tops))
                # Dynamic indexed values are stored as their hash: keep the 32 bytes.
                args.append((name, _word(typ, topic) if _static_word(typ) else topic))
            else:
                args.append((name, next(values)))
        if spec.record is None:
            return AdminEvent(name=spec.name, args=tuple(args))
        kwargs = dict(args)
        names = [f.name for f in fields(spec.record)]
        if spec.record in _ENTITY_RECORDS:
            kwargs = {names[0]: kwargs["entity"]}
        if "service" in names:
            kwargs["service"] = _SERVICE[kind]
        return spec.record(**kwargs)
