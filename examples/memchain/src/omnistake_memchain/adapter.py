"""The memchain adapter: follows a :class:`~omnistake_memchain.chain.MemChain` with a
confirmation depth and turns its vault events into ledger commands.

Two custody modes, chosen by the ``custody`` option, show both shapes with the same code
paths in the core:

- ``mirrored`` (default): the chain's vault contract is the source of truth; every vault
  event (create, deposit, withdraw, slash) becomes a fact; the hub slashes by sending a
  ``slash`` transaction, which flows back as a fact once final.
- ``hub_custody``: stakers transfer coins to the hub's ``custody_address``; the hub credits
  them through :meth:`verify_deposit` and pays withdrawals out with transfers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from omnistake.ledger.commands import Command, CreateVault, Deposit, Slash, Withdraw
from omnistake.plugins import (
    AssetInfo,
    BlockRef,
    ChainFact,
    ChainInfo,
    ChainUpdate,
    Cursor,
    Custody,
    DepositClaim,
    DepositRejected,
    Finalized,
    OutcomeStatus,
    PayoutInstruction,
    PayoutOutcome,
    RolledBack,
    SlashInstruction,
    SlashOutcome,
    SyncStatus,
    Unsupported,
    VerifiedDeposit,
)

from .chain import NETWORK, Block, Log, MemChain, MemchainError

DEFAULT_DEPTH = 3
MIDDLEWARE = "hub-middleware"


def native_asset(chain_id: str) -> str:
    """CAIP-19 id of the chain's coin."""
    return f"{chain_id}/slip44:0"


def ref(block: Block) -> BlockRef:
    """The block as a :class:`BlockRef`."""
    return BlockRef(block.height, block.hash, block.timestamp)


class MemchainAdapter:
    """A :class:`~omnistake.plugins.ChainAdapter` for one memchain."""

    def __init__(
        self,
        chain: MemChain,
        *,
        confirmation_depth: int = DEFAULT_DEPTH,
        custody: str = "mirrored",
        custody_address: str = "hub-custody",
    ) -> None:
        if confirmation_depth < 0:
            raise ValueError("confirmation_depth must be >= 0")
        self.chain = chain
        self.chain_id = chain.chain_id
        self.depth = confirmation_depth
        self.custody = Custody(custody)
        self.custody_address = custody_address
        self.closed = False
        self._sent: dict[str, str] = {}

    @classmethod
    def from_options(cls, chain_id: str, options: Mapping[str, Any]) -> MemchainAdapter:
        """The plugin factory: ``options`` may hold ``chain`` (a MemChain; default: the one
        registered under ``chain_id``), ``confirmation_depth``, ``custody`` and
        ``custody_address``."""
        chain = options.get("chain") or NETWORK.get(chain_id)
        if chain is None:
            raise MemchainError(f"no memchain named {chain_id!r} is running", "NO_CHAIN")
        return cls(
            chain,
            confirmation_depth=int(options.get("confirmation_depth", DEFAULT_DEPTH)),
            custody=str(options.get("custody", "mirrored")),
            custody_address=str(options.get("custody_address", "hub-custody")),
        )

    # -- describing --------------------------------------------------------------------------

    async def describe(self) -> ChainInfo:
        mirrored = self.custody is Custody.MIRRORED
        return ChainInfo(
            chain_id=self.chain_id,
            name="memchain (in-memory example chain)",
            custody=self.custody,
            confirmation_depth=self.depth,
            native_asset=native_asset(self.chain_id),
            block_time_seconds=self.chain.block_time,
            capabilities={
                "follow": True,
                "reorgs": True,
                "verify_deposit": not mirrored,
                "execute_slash": True,
                "execute_payout": not mirrored,
                "native_slashing": mirrored,
                "mirrored_vaults": mirrored,
            },
        )

    async def list_assets(self) -> Sequence[AssetInfo]:
        return [AssetInfo(asset_id=native_asset(self.chain_id), decimals=18, symbol="MEM")]

    # -- following ---------------------------------------------------------------------------

    def account(self, address: str) -> str:
        """CAIP-10 account of a chain address."""
        return f"{self.chain_id}:{address}"

    def facts(self, block: Block) -> tuple[ChainFact, ...]:
        """The ledger commands a block's events mean.

        Mirrored: every vault event. Hub custody: transfers to the custody address that
        name a vault (a memo) are deposits, with the same fact id :meth:`verify_deposit`
        gives them, so whichever path sees a deposit first credits it, once.
        """
        out = []
        for log in self.chain.logs(block):
            if self.custody is Custody.MIRRORED:
                command = self._command(log)
                if command is not None:
                    fact_id = f"{self.chain_id}:{block.hash}:{log.index}"
                    out.append(ChainFact(fact_id, command, block.timestamp))
            elif self._is_custody_deposit(log):
                out.append(self._deposit_fact(log, str(log.data["vault"]), block))
        return tuple(out)

    def _is_custody_deposit(self, log: Log) -> bool:
        return (
            log.kind == "transfer"
            and log.data["to"] == self.custody_address
            and bool(log.data.get("vault"))
        )

    def _deposit_fact(self, log: Log, vault: str, block: Block) -> ChainFact:
        command = Deposit(
            vault=vault, staker=self.account(log.data["sender"]), amount=log.data["amount"]
        )
        return ChainFact(f"{self.chain_id}:deposit:{log.txid}", command, block.timestamp)

    def _command(self, log: Log) -> Command | None:
        d = log.data
        if log.kind == "create_vault":
            return CreateVault(
                vault=d["vault"],
                asset_id=native_asset(self.chain_id),
                curator=d["curator"],
                epoch_duration=d["epoch_duration"],
                domain=self.chain_id,
                slasher_type="instant",
            )
        if log.kind == "deposit":
            return Deposit(vault=d["vault"], staker=self.account(d["staker"]), amount=d["amount"])
        if log.kind == "withdraw":
            return Withdraw(vault=d["vault"], staker=self.account(d["staker"]), amount=d["amount"])
        if log.kind == "slash":
            return Slash(
                vault=d["vault"],
                network=d["network"],
                subnetwork=d["subnetwork"],
                operator=d["operator"],
                amount=d["amount"],
                capture=d["capture"],
            )
        return None

    async def follow(self, cursor: Cursor | None) -> AsyncIterator[ChainUpdate]:
        chain = self.chain
        last: Block | None = None
        if cursor is not None:
            last = chain.block(cursor.block_hash)
        seen_tip: Block | None = None
        while True:
            version = chain.version
            head = chain.head
            if last is not None and not chain.is_canonical(last):
                ancestor = chain.common_ancestor(last)
                orphaned = tuple(
                    f.fact_id for b in chain.path(ancestor, last) for f in self.facts(b)
                )
                yield RolledBack(ref(ancestor), orphaned, deep=True)
                last, seen_tip = ancestor, None
                continue
            if seen_tip is not None and not chain.is_canonical(seen_tip):
                yield RolledBack(ref(chain.common_ancestor(seen_tip)), (), deep=False)
            seen_tip = head
            start = 0 if last is None else last.height + 1
            for height in range(start, head.height - self.depth + 1):
                if chain.version != version:
                    break
                block = chain.at_height(height)
                yield Finalized(ref(block), self.facts(block))
                last = block
            else:
                await chain.wait_for_change(version)

    async def sync_status(self) -> SyncStatus:
        head = self.chain.head
        final = head.height - self.depth
        return SyncStatus(
            chain_id=self.chain_id,
            head=ref(head),
            finalized=ref(self.chain.at_height(final)) if final >= 0 else None,
        )

    # -- deposits, slashes, payouts ----------------------------------------------------------

    def _final(self, block: Block) -> int:
        """Confirmations of a canonical block (1 = it is the head)."""
        return self.chain.head.height - block.height + 1

    async def verify_deposit(self, claim: DepositClaim) -> VerifiedDeposit:
        if self.custody is Custody.MIRRORED:
            raise Unsupported(
                "deposits into mirrored vaults arrive through follow(), not on request",
                chain_id=self.chain_id,
            )
        found = self.chain.find_tx(claim.reference)
        if found is None:
            raise DepositRejected(
                f"transaction {claim.reference[:16]} is not on the canonical chain",
                field="reference",
                cause="TX_NOT_FOUND",
            )
        tx, block = found
        logs = [log for log in self.chain.logs(block) if log.txid == tx.txid]
        if tx.kind != "transfer" or not logs:
            raise DepositRejected(
                "the transaction is not a successful transfer",
                field="reference",
                cause="NOT_A_TRANSFER",
            )
        data = logs[0].data
        if data["to"] != self.custody_address:
            raise DepositRejected(
                "the transfer does not pay the hub's custody address",
                field="reference",
                cause="WRONG_DESTINATION",
            )
        if self.account(data["sender"]) != claim.staker:
            raise DepositRejected(
                "the transfer was not sent by the claiming staker",
                field="staker",
                cause="WRONG_SENDER",
            )
        if claim.amount is not None and claim.amount != data["amount"]:
            raise DepositRejected(
                "the transfer's amount differs from the claim",
                field="amount",
                cause="AMOUNT_MISMATCH",
            )
        confirmations = self._final(block)
        if confirmations <= self.depth:
            raise DepositRejected(
                f"the transfer has {confirmations} confirmations; {self.depth + 1} needed",
                field="reference",
                cause="NOT_FINAL",
            )
        memo = data.get("vault")
        if memo and memo != claim.vault:
            raise DepositRejected(
                "the transfer names another vault", field="vault", cause="WRONG_VAULT"
            )
        fact = self._deposit_fact(logs[0], claim.vault, block)
        return VerifiedDeposit(fact=fact, block=ref(block), confirmations=confirmations)

    def _send_once(self, instruction_id: str, kind: str, **data: Any) -> str:
        """Submit a transaction at most once per instruction (idempotent across calls)."""
        if instruction_id not in self._sent:
            tx = self.chain.submit(kind, instruction=instruction_id, **data)
            self._sent[instruction_id] = tx.txid
        return self._sent[instruction_id]

    async def execute_slash(self, instruction: SlashInstruction) -> SlashOutcome:
        if self.custody is Custody.MIRRORED:
            txid = self._send_once(
                instruction.instruction_id,
                "slash",
                vault=instruction.vault,
                network=instruction.network,
                subnetwork=instruction.subnetwork,
                operator=instruction.operator,
                amount=instruction.amount,
                capture=instruction.capture,
                sender=MIDDLEWARE,
            )
            return SlashOutcome(
                instruction_id=instruction.instruction_id,
                status=OutcomeStatus.SUBMITTED,
                tx_id=txid,
                detail="slash sent as the network middleware",
            )
        # Hub custody: the ledger already cut the stake; burn the coins.
        txid = self._send_once(
            instruction.instruction_id,
            "transfer",
            sender=self.custody_address,
            to="burn",
            amount=instruction.amount,
        )
        return SlashOutcome(
            instruction_id=instruction.instruction_id,
            status=OutcomeStatus.SUBMITTED,
            tx_id=txid,
            detail="slashed coins sent to the burn address",
        )

    async def execute_payout(self, instruction: PayoutInstruction) -> PayoutOutcome:
        if self.custody is Custody.MIRRORED:
            raise Unsupported("mirrored vaults pay out on their own chain", chain_id=self.chain_id)
        prefix = f"{self.chain_id}:"
        if not instruction.recipient.startswith(prefix):
            return PayoutOutcome(
                instruction_id=instruction.instruction_id,
                status=OutcomeStatus.FAILED,
                detail=f"recipient is not an account on {self.chain_id}",
            )
        if instruction.instruction_id not in self._sent:
            balance = self.chain.state().balances.get(self.custody_address, 0)
            if balance < instruction.amount:
                return PayoutOutcome(
                    instruction_id=instruction.instruction_id,
                    status=OutcomeStatus.FAILED,
                    detail="custody balance too low",
                )
        txid = self._send_once(
            instruction.instruction_id,
            "transfer",
            sender=self.custody_address,
            to=instruction.recipient[len(prefix) :],
            amount=instruction.amount,
        )
        return PayoutOutcome(
            instruction_id=instruction.instruction_id, status=OutcomeStatus.SUBMITTED, tx_id=txid
        )

    async def close(self) -> None:
        self.closed = True
