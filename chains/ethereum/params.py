"""Parameters of Symbiotic vaults, delegators and slashers, and their ABI encoding for
``VaultConfigurator.create`` (v1.0.3 structs)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from eth_abi.abi import encode as abi_encode
from eth_utils.address import to_checksum_address
from omnistake.chains.ethereum.errors import InvalidParameter

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
#: Default burner: collateral sent here is out of reach (a "dead" address).
DEAD_BURNER = "0x000000000000000000000000000000000000dEaD"


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


def encode_vault_params(v: VaultConfig) -> bytes:
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


def encode_delegator_params(d: DelegatorConfig, curator: str) -> bytes:
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


def encode_slasher_params(s: SlasherConfig) -> bytes:
    if s.type == SlasherType.VETO:
        return abi_encode(
            ["((bool),uint48,uint256)"],
            [((s.is_burner_hook,), s.veto_duration, s.resolver_set_epochs_delay)],
        )
    if s.type == SlasherType.INSTANT:
        return abi_encode(["((bool))"], [((s.is_burner_hook,),)])
    return b""
