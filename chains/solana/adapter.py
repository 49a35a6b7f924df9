"""The Solana chain adapter: hub-kept vaults behind the core's plugin Protocol.

:class:`SolanaAdapter` implements :class:`omnistake.plugins.ChainAdapter` with custody
``hub_custody``. It is a thin layer over the library modules:

* ``verify_deposit`` -> :class:`~.deposits.DepositVerifier` (idempotent per claim); the fact is
  a ledger ``Deposit`` whose request id is ``<chain_id>:<signature>``, at the Clock time of the
  verification, and its block is the head that verification was made at (hub vaults share
  the ledger's ``hub`` clock domain, which never goes back, so a late claim could not be
  credited at its slot's time);
* ``follow`` yields every slot up to the configured commitment as a block (height = slot).
  It watches the token accounts of LST vaults (``getSignaturesForAddress``) and turns each
  memo-bound transfer into the same ``Deposit`` fact ``verify_deposit`` would give, so both
  paths credit a transfer once. Native stake deposits arrive only through ``verify_deposit``
  (a stake authorisation names the vault key in instruction data, not as an account);
* ``execute_payout`` / ``execute_slash`` -> :class:`~.custody.Custodian` (once per instruction
  id; the journal survives restarts when it is a file);
* ledger time is the Clock ``unix_timestamp`` of a slot, anchored in a
  :class:`~.timemap.SolanaTimeMap` so it never goes backwards.

Errors: a deposit that does not hold raises the core's ``DepositRejected`` with the precise
reason in ``metadata["cause"]``. A payout or slash that can never succeed as asked answers
``FAILED`` with the reason in ``detail``; one that may still complete (transaction in flight,
RPC down) raises the library's :class:`~.errors.SolanaError`, so the sync loop records
nothing and hands the same instruction again on its next dispatch.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from omnistake.ledger.commands import Deposit
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
    VerifiedDeposit,
)
from solders.pubkey import Pubkey
from solders.signature import Signature

from . import errors as sol_errors
from .backend import BlockInfo, Commitment, SvmBackend, TxRecord
from .config import VaultEntry, parse_vaults
from .custody import Custodian, PayoutResult
from .deposits import MEMO_PREFIX, DepositVerifier
from .errors import BackendError, ConfigError, PayoutError, SolanaError, TransactionFailed
from .journal import Journal, MemoryJournal, SqliteJournal
from .programs import MEMO_PROGRAMS, TOKEN_PROGRAMS, decode_token_transfer
from .signer import HubSigner, KeystoreSigner
from .timemap import SolanaTimeMap
from .vaults import StakeVault, TokenVault, check_token_vault

log = logging.getLogger("omnistake.chains.solana")

#: Slots between a transaction and the commitment level (Solana's own: confirmed after one
#: vote on top, finalized = rooted, 31+ confirmed blocks on top).
DEPTHS = {Commitment.CONFIRMED: 1, Commitment.FINALIZED: 32}
#: How far back a cursor that fell off the chain rolls back (only below ``finalized``).
REORG_WINDOW = 150
#: Slots asked for in one scan of the watched accounts.
SCAN_CHUNK = 500
#: Payout/slash failures that may still complete: raise, so the instruction is handed again.
TRANSIENT = frozenset({"PAYOUT_PENDING"})
NATIVE_SYMBOL = "SOL"


class SolanaAdapter:
    """A :class:`~omnistake.plugins.ChainAdapter` for one Solana cluster (hub custody)."""

    def __init__(
        self,
        chain_id: str,
        backend: SvmBackend,
        signer: HubSigner,
        vaults: Mapping[str, object],
        *,
        fee_payer: HubSigner | None = None,
        commitment: Commitment | str = Commitment.FINALIZED,
        journal: Journal | None = None,
        start_slot: int | None = None,
        poll_interval: float = 0.4,
        watch: bool = True,
        owns_backend: bool = False,
    ) -> None:
        if not chain_id.startswith("solana:"):
            raise ConfigError(f"{chain_id!r} is not a solana CAIP-2 chain id")
        self.chain_id = chain_id
        self.backend = backend
        self.signer = signer
        self.commitment = Commitment.parse(commitment)
        if self.commitment not in DEPTHS:
            raise ConfigError("commitment must be 'confirmed' or 'finalized'")
        self.vaults: dict[str, VaultEntry] = parse_vaults(vaults, signer.pubkey())
        self.journal: Journal = journal if journal is not None else MemoryJournal()
        self.verifier = DepositVerifier(
            backend, commitment=self.commitment, journal=self.journal, idempotent=True
        )
        self.custodian = Custodian(backend, signer, fee_payer=fee_payer, journal=self.journal)
        self.time_map = SolanaTimeMap()
        self.start_slot = start_slot
        self.poll_interval = poll_interval
        self.watch = watch
        self._owns_backend = owns_backend
        self._closed = False
        self._checked = False

    @classmethod
    def from_options(cls, chain_id: str, options: Mapping[str, Any]) -> SolanaAdapter:
        """The plugin factory. Options:

        ``backend`` (an RPC URL, or an :class:`SvmBackend` such as a ``LiteSvmBackend``);
        ``keystore`` (path of the hub key, Solana CLI JSON, mode 0600) or ``signer`` (any
        :class:`HubSigner`); optional ``fee_payer_keystore`` / ``fee_payer``; ``vaults``
        (ledger vault id -> vault config, see :mod:`.config`); ``commitment``
        (``finalized`` by default, or ``confirmed``); ``journal`` (SQLite path; default in
        memory); ``start_slot``; ``poll_interval`` (seconds); ``watch`` (follow LST vault
        accounts for deposits, default true).
        """
        commitment = Commitment.parse(str(options.get("commitment", "finalized")))
        raw_backend = options.get("backend")
        owns = False
        backend: SvmBackend
        if isinstance(raw_backend, str):
            from .rpc_backend import RpcBackend

            backend = RpcBackend(raw_backend, commitment=commitment)
            owns = True
        elif isinstance(raw_backend, SvmBackend):
            backend = raw_backend
        else:
            raise ConfigError("options['backend'] must be an RPC URL or an SvmBackend")
        signer = _signer(options, "signer", "keystore")
        if signer is None:
            raise ConfigError("options need 'keystore' (hub key file) or 'signer'")
        fee_payer = _signer(options, "fee_payer", "fee_payer_keystore")
        journal_path = options.get("journal")
        journal: Journal | None = None
        if journal_path is not None:
            journal = SqliteJournal(Path(str(journal_path)))
        start = options.get("start_slot")
        return cls(
            chain_id,
            backend,
            signer,
            options.get("vaults") or {},
            fee_payer=fee_payer,
            commitment=commitment,
            journal=journal,
            start_slot=None if start is None else int(start),
            poll_interval=float(options.get("poll_interval", 0.4)),
            watch=bool(options.get("watch", True)),
            owns_backend=owns,
        )

    # -- describing --------------------------------------------------------------------------

    @property
    def depth(self) -> int:
        """Slots from the head to the adapter's commitment (the backend's model if it has
        one, else Solana's)."""
        attr = "confirm_depth" if self.commitment is Commitment.CONFIRMED else "finalize_depth"
        value = getattr(self.backend, attr, None)
        return int(value) if isinstance(value, int) else DEPTHS[self.commitment]

    @property
    def native_asset(self) -> str:
        """CAIP-19 id of SOL on this cluster."""
        return f"{self.chain_id}/slip44:501"

    async def describe(self) -> ChainInfo:
        """Solana, hub custody; deposits on request and by watching LST vault accounts."""
        return ChainInfo(
            chain_id=self.chain_id,
            name="Solana",
            custody=Custody.HUB_CUSTODY,
            confirmation_depth=self.depth,
            native_asset=self.native_asset,
            capabilities={
                "follow": True,
                "reorgs": False,
                "verify_deposit": True,
                "execute_slash": True,
                "execute_payout": True,
                "native_slashing": False,
                "mirrored_vaults": False,
                "watch_deposits": self.watch,
            },
        )

    async def list_assets(self) -> Sequence[AssetInfo]:
        """The LST mints and native SOL of the configured vaults."""
        out: dict[str, AssetInfo] = {}
        for entry in self.vaults.values():
            asset = entry.asset_id(self.chain_id)
            symbol = entry.symbol or (
                NATIVE_SYMBOL if isinstance(entry.custody, StakeVault) else ""
            )
            out.setdefault(asset, AssetInfo(asset_id=asset, decimals=entry.decimals, symbol=symbol))
        return list(out.values())

    # -- time --------------------------------------------------------------------------------

    def ledger_time(self, slot: int, unix_timestamp: int) -> int:
        """Ledger seconds of ``slot`` whose Clock said ``unix_timestamp`` (anchored, monotone)."""
        return self.time_map.observe(slot, unix_timestamp)

    async def ledger_now(self) -> int:
        """Ledger seconds of the cluster's current Clock."""
        return await self.time_map.sync(self.backend)

    # -- following ---------------------------------------------------------------------------

    async def _block_ref(self, slot: int, info: BlockInfo | None = None) -> BlockRef:
        block = info if info is not None else await self.backend.get_block(slot)
        if block is not None and block.block_time is not None:
            return BlockRef(slot, block.blockhash, self.ledger_time(slot, block.block_time))
        # A skipped slot (or one without a block time yet): it has no hash; it keeps the
        # time of the nearest earlier block so timestamps never go back.
        earlier = slot - 1
        while earlier >= 0 and earlier >= slot - REORG_WINDOW:
            prev = await self.backend.get_block(earlier)
            if prev is not None and prev.block_time is not None:
                return BlockRef(slot, f"skipped:{slot}", self.ledger_time(earlier, prev.block_time))
            earlier -= 1
        raise BackendError(f"no block with a time near slot {slot}", reason="NO_BLOCK_TIME")

    def fact_id(self, signature: str) -> str:
        """The ledger request id of the deposit in transaction ``signature``."""
        return f"{self.chain_id}:{signature}"

    async def follow(self, cursor: Cursor | None) -> AsyncIterator[ChainUpdate]:
        """Every slot up to the commitment, in order, with the watched deposits as facts.

        Solana does not reorganise finalized slots; below ``finalized`` a dropped block is
        detected only when resuming from a cursor whose hash no longer matches."""
        if self.watch:
            await self.check_vaults()
        if cursor is not None:
            block = await self.backend.get_block(cursor.height)
            here = f"skipped:{cursor.height}" if block is None else block.blockhash
            if here != cursor.block_hash:
                back = max(0, cursor.height - REORG_WINDOW)
                yield RolledBack(await self._block_ref(back), (), deep=True)
                next_slot = back + 1
            else:
                next_slot = cursor.height + 1
        elif self.start_slot is not None:
            next_slot = self.start_slot
        else:
            next_slot = await self.backend.get_slot(self.commitment)
        while True:
            final = await self.backend.get_slot(self.commitment)
            if next_slot > final:
                await asyncio.sleep(self.poll_interval)
                continue
            upto = min(final, next_slot + SCAN_CHUNK - 1)
            facts = await self._watched_deposits(next_slot, upto)
            for slot in range(next_slot, upto + 1):
                ref = await self._block_ref(slot)
                found = sorted(facts.get(slot, ()), key=lambda f: f.fact_id)
                yield Finalized(
                    ref, tuple(ChainFact(f.fact_id, f.command, ref.timestamp) for f in found)
                )
            next_slot = upto + 1

    async def _watched_deposits(self, lo: int, hi: int) -> dict[int, list[ChainFact]]:
        """Deposit facts in slots ``lo..hi`` found on the watched vault token accounts."""
        out: dict[int, list[ChainFact]] = {}
        if not self.watch:
            return out
        seen: set[str] = set()
        for entry in self.vaults.values():
            if not isinstance(entry.custody, TokenVault):
                continue
            found = await self.backend.signatures_for_address(entry.custody.token_account, lo, hi)
            for item in found:
                if item.err is not None or item.signature in seen:
                    continue
                seen.add(item.signature)
                rec = await self.backend.get_transaction(Signature.from_string(item.signature))
                if rec is None or rec.err is not None or rec.block_time is None:
                    continue
                fact = self._deposit_fact(rec)
                if fact is not None:
                    out.setdefault(rec.slot, []).append(fact)
        return out

    def _deposit_fact(self, rec: TxRecord) -> ChainFact | None:
        """The ``Deposit`` a transaction means, under the rules of ``verify_deposit``: exactly
        one ``omnistake:`` memo, top-level transfers of the right mint into one vault."""
        memos = [
            ix.data.decode("utf-8", errors="replace")
            for ix in rec.instructions
            if ix.program_id in MEMO_PROGRAMS
        ]
        memos = [m for m in memos if m.startswith(MEMO_PREFIX)]
        if len(memos) != 1:
            return None
        staker = memos[0][len(MEMO_PREFIX) :]
        credited: dict[str, int] = {}
        for ix in rec.instructions:
            if ix.program_id not in TOKEN_PROGRAMS:
                continue
            t = decode_token_transfer(ix.data, ix.accounts)
            if t is None:
                continue
            for entry in self.vaults.values():
                vault = entry.custody
                if (
                    isinstance(vault, TokenVault)
                    and t.destination == vault.token_account
                    and t.mint in (None, vault.mint)
                ):
                    credited[vault.vault_id] = credited.get(vault.vault_id, 0) + t.amount
        if len(credited) != 1:
            if len(credited) > 1:
                log.warning(
                    "%s pays into several vaults; claim it with verify_deposit", rec.signature
                )
            return None
        ((vault_id, amount),) = credited.items()
        if amount <= 0:
            return None
        assert rec.block_time is not None
        return ChainFact(
            self.fact_id(str(rec.signature)),
            Deposit(vault=vault_id, staker=staker, amount=amount),
            self.ledger_time(rec.slot, rec.block_time),
        )

    async def sync_status(self) -> SyncStatus:
        """The head (processed) and the newest slot at the adapter's commitment."""
        head = await self.backend.get_slot(Commitment.PROCESSED)
        final = await self.backend.get_slot(self.commitment)
        finalized = await self._block_ref(final)
        head_ref = await self._head_ref(head)
        return SyncStatus(chain_id=self.chain_id, head=head_ref, finalized=finalized)

    async def _head_ref(self, slot: int) -> BlockRef:
        """A block at or near the head. An RPC node serves blocks from ``confirmed`` on: the
        newest processed slot has no block to read yet, so it is named by slot
        (``unconfirmed:<slot>``), at its anchored or extrapolated time."""
        try:
            return await self._block_ref(slot)
        except BackendError:
            return BlockRef(slot, f"unconfirmed:{slot}", self.time_map.ledger_time(slot))

    # -- deposits ----------------------------------------------------------------------------

    async def check_vaults(self) -> None:
        """Check every LST vault's token account on chain once (mint, owner, program; no
        transfer-fee or transfer-hook mint, on which received amounts differ from sent).
        Runs before the first deposit, payout or slash; raises ``ConfigError``."""
        if self._checked:
            return
        for entry in self.vaults.values():
            if isinstance(entry.custody, TokenVault):
                await check_token_vault(self.backend, entry.custody)
        self._checked = True

    async def verify_deposit(self, claim: DepositClaim) -> VerifiedDeposit:
        """Verify a claimed LST transfer or stake hand-over; the fact credits ``claim.staker``."""
        await self.check_vaults()
        entry = self.vaults.get(claim.vault)
        if entry is None:
            raise DepositRejected(
                f"vault {claim.vault!r} is not a Solana vault of this adapter",
                field="vault",
                cause="UNKNOWN_VAULT",
            )
        vault = entry.custody
        try:
            if isinstance(vault, TokenVault):
                dep = await self.verifier.verify_lst(
                    vault, claim.reference, staker_account=claim.staker, amount=claim.amount
                )
            else:
                raw = claim.proof.get("stake_account")
                if not raw:
                    raise DepositRejected(
                        "a native stake deposit names its stake account in proof['stake_account']",
                        field="proof",
                        cause="STAKE_ACCOUNT_MISSING",
                    )
                try:
                    stake_account = Pubkey.from_string(raw)
                except ValueError:
                    raise DepositRejected(
                        f"{raw!r} is not a stake account address",
                        field="proof",
                        cause="NOT_A_STAKE_ACCOUNT",
                    ) from None
                dep = await self.verifier.verify_native(
                    vault,
                    claim.reference,
                    staker_account=claim.staker,
                    stake_account=stake_account,
                    amount=claim.amount,
                )
        except sol_errors.DepositRejected as exc:
            raise DepositRejected(
                str(exc.args[0]),
                field=_REJECTION_FIELDS.get(exc.reason, "reference"),
                cause=exc.reason,
                signature=exc.signature,
            ) from None
        self.ledger_time(dep.slot, dep.block_time)  # anchor the deposit's slot
        # Credited at the Clock time of the verification, not of the deposit's slot: the
        # ledger keeps hub vaults in one clock domain ("hub") that never goes backwards, so a
        # claim made after any later hub change could otherwise never be credited. The
        # returned block is the head the verification was made at; its time is the credit's.
        clock = await self.backend.get_clock()
        self.ledger_time(clock.slot, clock.unix_timestamp)  # the head's anchor: ref's time
        ref = await self._head_ref(clock.slot)
        fact = ChainFact(
            self.fact_id(dep.signature),
            Deposit(vault=claim.vault, staker=claim.staker, amount=dep.amount),
            ref.timestamp,
        )
        return VerifiedDeposit(fact=fact, block=ref, confirmations=clock.slot - dep.slot + 1)

    # -- payouts and slashes -----------------------------------------------------------------

    def _recipient(self, account: str) -> Pubkey | None:
        prefix = self.chain_id + ":"
        if not account.startswith(prefix):
            return None
        try:
            return Pubkey.from_string(account[len(prefix) :])
        except ValueError:
            return None

    async def execute_payout(self, instruction: PayoutInstruction) -> PayoutOutcome:
        """Pay a released withdrawal: a token transfer, or stake split and re-authorised."""
        iid = instruction.instruction_id
        entry = self.vaults.get(instruction.vault)
        problem = self._check(entry, instruction.asset_id, instruction.vault)
        recipient = self._recipient(instruction.recipient)
        if problem is None and recipient is None:
            problem = (
                f"RECIPIENT_NOT_ON_CHAIN: {instruction.recipient} is no {self.chain_id} account"
            )
        if problem is not None or entry is None or recipient is None:
            return PayoutOutcome(
                instruction_id=iid, status=OutcomeStatus.FAILED, detail=problem or ""
            )
        await self.check_vaults()
        vault = entry.custody
        try:
            if isinstance(vault, TokenVault):
                result = await self.custodian.pay_tokens(iid, vault, recipient, instruction.amount)
            else:
                result = await self.custodian.pay_stake(iid, vault, recipient, instruction.amount)
        except SolanaError as exc:
            return PayoutOutcome(
                instruction_id=iid, status=OutcomeStatus.FAILED, detail=_permanent(exc)
            )
        return PayoutOutcome(
            instruction_id=iid,
            status=OutcomeStatus.EXECUTED,
            tx_id=result.signature,
            detail=_detail(result),
        )

    async def execute_slash(self, instruction: SlashInstruction) -> SlashOutcome:
        """Move the slashed amount out of the vault to its burner in one transaction."""
        iid = instruction.instruction_id
        entry = self.vaults.get(instruction.vault)
        problem = self._check(entry, instruction.asset_id, instruction.vault)
        if problem is not None or entry is None:
            return SlashOutcome(
                instruction_id=iid, status=OutcomeStatus.FAILED, detail=problem or ""
            )
        await self.check_vaults()
        vault = entry.custody
        try:
            if isinstance(vault, TokenVault):
                result = await self.custodian.slash_tokens(
                    iid, vault, instruction.amount, entry.burner
                )
            else:
                result = await self.custodian.slash_stake(
                    iid, vault, instruction.amount, entry.burner
                )
        except SolanaError as exc:
            return SlashOutcome(
                instruction_id=iid, status=OutcomeStatus.FAILED, detail=_permanent(exc)
            )
        return SlashOutcome(
            instruction_id=iid,
            status=OutcomeStatus.EXECUTED,
            tx_id=result.signature,
            detail=_detail(result),
        )

    def _check(self, entry: VaultEntry | None, asset_id: str, vault_id: str) -> str | None:
        if entry is None:
            return f"UNKNOWN_VAULT: {vault_id!r} is not a Solana vault of this adapter"
        if entry.asset_id(self.chain_id) != asset_id:
            return f"WRONG_ASSET: vault {vault_id} holds {entry.asset_id(self.chain_id)}"
        return None

    # -- lifecycle ---------------------------------------------------------------------------

    async def close(self) -> None:
        """Close the RPC session (when the adapter opened it) and a file journal."""
        if self._closed:
            return
        self._closed = True
        if self._owns_backend:
            closer = getattr(self.backend, "close", None)
            if closer is not None:
                await closer()
        if isinstance(self.journal, SqliteJournal):
            self.journal.close()


_REJECTION_FIELDS = {
    "AMOUNT_MISMATCH": "amount",
    "MEMO_MISMATCH": "staker",
    "STAKE_ACCOUNT_NOT_IN_TX": "proof",
    "NOT_A_STAKE_ACCOUNT": "proof",
}


def _permanent(exc: SolanaError) -> str:
    """The outcome detail of a payout/slash error that retrying cannot fix; re-raise the
    ones that may still complete (in flight, RPC down, blockhash not yet expired)."""
    transient = exc.reason in TRANSIENT or (
        isinstance(exc, BackendError) and not isinstance(exc, TransactionFailed)
    )
    if transient or not isinstance(exc, PayoutError | TransactionFailed):
        raise exc
    return f"{exc.reason}: {exc.args[0]}"


def _detail(result: PayoutResult) -> str:
    parts = [f"{result.kind} slot {result.slot} fee {result.fee}"]
    if result.stake_account:
        parts.append(f"stake account {result.stake_account}")
    if result.burner:
        parts.append(f"burner {result.burner}")
    if result.replayed:
        parts.append("replayed")
    return "; ".join(parts)


def _signer(options: Mapping[str, Any], obj_key: str, path_key: str) -> HubSigner | None:
    given = options.get(obj_key)
    if given is not None:
        if not callable(getattr(given, "sign_message", None)):
            raise ConfigError(f"options[{obj_key!r}] is not a signer")
        return given  # type: ignore[no-any-return]
    path = options.get(path_key)
    return None if path is None else KeystoreSigner(str(path))


__all__ = ["SolanaAdapter"]
