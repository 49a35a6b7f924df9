"""The backend interface: what the adapter needs from a Solana cluster.

Two implementations: :class:`~omnistake.chains.solana.rpc_backend.RpcBackend` (solana-py's
async RPC client, real clusters) and
:class:`~omnistake.chains.solana.litesvm_backend.LiteSvmBackend` (in-process LiteSVM, tests).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Protocol, runtime_checkable

from solders.account import Account
from solders.hash import Hash
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import VersionedTransaction


class Commitment(IntEnum):
    """Solana commitment levels, ordered: a higher level implies the lower ones."""

    PROCESSED = 0
    CONFIRMED = 1
    FINALIZED = 2

    @property
    def rpc_name(self) -> str:
        """The JSON-RPC spelling (``"confirmed"`` ...)."""
        return self.name.lower()

    @classmethod
    def parse(cls, value: str | Commitment) -> Commitment:
        """Accept ``"confirmed"``-style names as well as members."""
        if isinstance(value, Commitment):
            return value
        return cls[value.upper()]


@dataclass(frozen=True, slots=True)
class BlockhashInfo:
    """A recent blockhash and the last block height at which a transaction using it can land."""

    blockhash: Hash
    last_valid_block_height: int


@dataclass(frozen=True, slots=True)
class ClockInfo:
    """The cluster ``Clock`` sysvar."""

    slot: int
    epoch_start_timestamp: int
    epoch: int
    leader_schedule_epoch: int
    unix_timestamp: int

    @classmethod
    def from_account_data(cls, data: bytes) -> ClockInfo:
        """Decode the 40-byte Clock sysvar account."""
        slot, start, epoch, lse, ts = struct.unpack_from("<QqQQq", data, 0)
        return cls(slot, start, epoch, lse, ts)


@dataclass(frozen=True, slots=True)
class TxOutcome:
    """A transaction the cluster executed successfully."""

    signature: Signature
    slot: int
    fee: int
    compute_units: int
    size: int
    logs: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class InstructionView:
    """One top-level instruction of a fetched transaction, with account keys resolved."""

    program_id: Pubkey
    accounts: list[Pubkey]
    data: bytes


@dataclass(frozen=True, slots=True)
class TxRecord:
    """A fetched transaction: what deposit verification reads."""

    signature: Signature
    slot: int
    block_time: int | None
    err: str | None
    fee: int
    signers: list[Pubkey]
    instructions: list[InstructionView]
    logs: list[str] = field(default_factory=list)
    compute_units: int | None = None


@dataclass(frozen=True, slots=True)
class SignatureStatus:
    """Where a signature stands: its slot, commitment reached, and error if it failed."""

    slot: int
    commitment: Commitment
    err: str | None


@dataclass(frozen=True, slots=True)
class BlockInfo:
    """One produced block: its slot, blockhash (base58), height, time and signatures."""

    slot: int
    blockhash: str
    parent_slot: int
    block_height: int | None
    block_time: int | None
    signatures: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class AddressSignature:
    """A transaction that names an address (``getSignaturesForAddress``)."""

    signature: str
    slot: int
    err: str | None


@runtime_checkable
class SvmBackend(Protocol):
    """Async access to one Solana cluster at a fixed default commitment."""

    commitment: Commitment

    async def get_account(self, pubkey: Pubkey) -> Account | None:
        """One account, or ``None`` when it does not exist."""
        ...

    async def get_accounts(self, pubkeys: Sequence[Pubkey]) -> list[Account | None]:
        """Several accounts in one round trip."""
        ...

    async def get_program_accounts(
        self, program_id: Pubkey, memcmp: Sequence[tuple[int, bytes]] = ()
    ) -> list[tuple[Pubkey, Account]]:
        """Accounts owned by ``program_id`` whose data match every ``(offset, bytes)``."""
        ...

    async def get_balance(self, pubkey: Pubkey) -> int:
        """Lamports held by ``pubkey`` (0 when absent)."""
        ...

    async def latest_blockhash(self) -> BlockhashInfo:
        """A blockhash to sign with."""
        ...

    async def send(self, tx: VersionedTransaction) -> TxOutcome:
        """Send and wait until the backend's commitment; raise on failure or expiry."""
        ...

    async def signature_status(self, signature: Signature) -> SignatureStatus | None:
        """Status of a signature, ``None`` if the cluster has not seen it."""
        ...

    async def get_transaction(self, signature: Signature) -> TxRecord | None:
        """The executed transaction (at least ``confirmed``), or ``None``."""
        ...

    async def get_block_height(self) -> int:
        """Current block height (compare with ``last_valid_block_height``)."""
        ...

    async def get_clock(self) -> ClockInfo:
        """The Clock sysvar."""
        ...

    async def get_slot(self, commitment: Commitment) -> int:
        """The newest slot that reached ``commitment``."""
        ...

    async def get_block(self, slot: int) -> BlockInfo | None:
        """The block produced in ``slot`` (``None`` when the slot was skipped)."""
        ...

    async def signatures_for_address(
        self, address: Pubkey, min_slot: int, max_slot: int
    ) -> list[AddressSignature]:
        """Transactions naming ``address`` in slots ``min_slot..max_slot`` (any order)."""
        ...

    async def minimum_balance_for_rent_exemption(self, size: int) -> int:
        """Rent-exempt minimum for ``size`` bytes."""
        ...

    async def minimum_delegation(self) -> int:
        """The stake program's minimum delegation in lamports (never hard-coded)."""
        ...


CLOCK_SYSVAR = Pubkey.from_string("SysvarC1ock11111111111111111111111111111111")


def format_tx_error(err: object) -> str:
    """A stable, readable string for a solders transaction error object."""
    return str(err)


def build_tx_record(
    tx: VersionedTransaction,
    *,
    slot: int,
    block_time: int | None,
    err: str | None,
    fee: int,
    logs: Sequence[str] = (),
    loaded_writable: Sequence[Pubkey] = (),
    loaded_readonly: Sequence[Pubkey] = (),
    compute_units: int | None = None,
) -> TxRecord:
    """Resolve a transaction's compiled instructions into :class:`InstructionView` records."""
    msg = tx.message
    keys = [*msg.account_keys, *loaded_writable, *loaded_readonly]
    views = [
        InstructionView(
            keys[ix.program_id_index], [keys[i] for i in bytes(ix.accounts)], bytes(ix.data)
        )
        for ix in msg.instructions
    ]
    n_signers = msg.header.num_required_signatures
    return TxRecord(
        signature=tx.signatures[0],
        slot=slot,
        block_time=block_time,
        err=err,
        fee=fee,
        signers=list(msg.account_keys[:n_signers]),
        instructions=views,
        logs=list(logs),
        compute_units=compute_units,
    )
