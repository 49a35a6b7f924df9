"""In-process Solana backend on LiteSVM (``solders.litesvm``), for tests and benchmarks.

LiteSVM executes the real System, Vote, Stake, SPL Token, Token-2022, ATA and Memo programs
but has no notion of blocks, time or commitment. This backend adds a small, explicit model:

* **slots and time**: the Clock is kept consistent with the epoch schedule; slot ``s`` has
  ``unix_timestamp = genesis_unix_time + s * slot_ms // 1000``. Every ``send`` produces one
  slot; :meth:`warp_slots` / :meth:`warp_epochs` jump ahead.
* **StakeHistory**: when epochs pass, an entry per finished epoch is appended, computed from
  the stake accounts that exist, on top of a large ``cluster_base_stake`` (a mainnet-sized
  cluster) so stake warms up and cools down in one epoch, as it does on mainnet.
* **commitment**: a transaction in slot ``s`` is ``confirmed`` once the current slot is
  ``s + confirm_depth`` and ``finalized`` at ``s + finalize_depth``.
* **history**: every executed transaction (failed ones too) is kept with its slot and block
  time, so ``get_transaction`` answers like an RPC node.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from solders.account import Account
from solders.clock import Clock
from solders.epoch_schedule import EpochSchedule
from solders.hash import Hash
from solders.litesvm import LiteSVM
from solders.message import MessageV0
from solders.null_signer import NullSigner
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.stake_history import StakeHistory, StakeHistoryEntry
from solders.transaction import VersionedTransaction
from solders.transaction_metadata import FailedTransactionMetadata, TransactionMetadata

from .backend import (
    AddressSignature,
    BlockhashInfo,
    BlockInfo,
    ClockInfo,
    Commitment,
    SignatureStatus,
    TxOutcome,
    TxRecord,
    build_tx_record,
    format_tx_error,
)
from .errors import BackendError, BlockhashExpired, TransactionFailed
from .programs import STAKE_PROGRAM_ID, U64_MAX, decode_stake_state, stake_get_minimum_delegation

BLOCKHASH_VALIDITY_SLOTS = 150
STAKE_HISTORY_MAX_ENTRIES = 512
LAMPORTS_PER_SOL = 1_000_000_000


@dataclass(slots=True)
class ExecutedTx:
    """A transaction LiteSVM executed, with the slot and block time this backend gave it."""

    tx: VersionedTransaction
    slot: int
    block_time: int
    err: object | None
    meta: TransactionMetadata
    pre_balances: list[int]
    post_balances: list[int]


class LiteSvmBackend:
    """:class:`~omnistake.chains.solana.backend.SvmBackend` on an in-process LiteSVM.

    Thread-safe (one lock), so a JSON-RPC bridge thread may share it with the test.
    """

    def __init__(
        self,
        *,
        commitment: Commitment | str = Commitment.CONFIRMED,
        genesis_unix_time: int = 1_700_000_000,
        slot_ms: int = 400,
        start_slot: int = 0,
        slots_per_epoch: int = 432_000,
        confirm_depth: int = 1,
        finalize_depth: int = 32,
        slots_per_send: int = 1,
        cluster_base_stake: int = 400_000_000 * LAMPORTS_PER_SOL,
        svm: LiteSVM | None = None,
    ) -> None:
        self.commitment = Commitment.parse(commitment)
        self.genesis_unix_time = genesis_unix_time
        self.slot_ms = slot_ms
        self.confirm_depth = confirm_depth
        self.finalize_depth = finalize_depth
        self.slots_per_send = slots_per_send
        self.cluster_base_stake = cluster_base_stake
        self._lock = threading.RLock()
        # LiteSVM's own blockhash check knows only the newest hash; we check validity
        # ourselves (150 slots) and keep LiteSVM's duplicate-signature check.
        self.svm = (svm or LiteSVM()).with_blockhash_check(False)
        self._schedule = EpochSchedule.custom(slots_per_epoch, slots_per_epoch, False)
        self.svm.set_epoch_schedule(self._schedule)
        self.svm.set_stake_history(StakeHistory())
        self._history_entries: dict[int, StakeHistoryEntry] = {}
        self._blockhashes: dict[Hash, int] = {}
        self._txs: dict[Signature, ExecutedTx] = {}
        self._by_slot: dict[int, list[Signature]] = {}
        self._by_address: dict[Pubkey, list[tuple[int, Signature]]] = {}
        self._slot = start_slot
        self._apply_clock()
        self._issue_blockhash()

    # --- time model ------------------------------------------------------------------------

    @property
    def slot(self) -> int:
        """The current slot."""
        return self._slot

    @property
    def epoch_schedule(self) -> EpochSchedule:
        """The epoch schedule in force."""
        return self._schedule

    def unix_time_at(self, slot: int) -> int:
        """The Clock ``unix_timestamp`` this backend gives ``slot``."""
        return self.genesis_unix_time + slot * self.slot_ms // 1000

    def _apply_clock(self) -> None:
        epoch = self._schedule.get_epoch(self._slot)
        start = self.unix_time_at(self._schedule.get_first_slot_in_epoch(epoch))
        self.svm.set_clock(
            Clock(
                slot=self._slot,
                epoch_start_timestamp=start,
                epoch=epoch,
                leader_schedule_epoch=self._schedule.get_leader_schedule_epoch(self._slot),
                unix_timestamp=self.unix_time_at(self._slot),
            )
        )

    def _advance(self, new_slot: int) -> None:
        if new_slot < self._slot:
            raise BackendError(f"cannot go back from slot {self._slot} to {new_slot}")
        old_epoch = self._schedule.get_epoch(self._slot)
        new_epoch = self._schedule.get_epoch(new_slot)
        if new_epoch > old_epoch:
            self._record_stake_history(old_epoch, new_epoch)
        self._slot = new_slot
        self._apply_clock()

    def _record_stake_history(self, old_epoch: int, new_epoch: int) -> None:
        """Append entries for epochs ``old_epoch .. new_epoch-1`` (all strictly in the past)."""
        first = max(old_epoch, new_epoch - STAKE_HISTORY_MAX_ENTRIES)
        delegations: list[tuple[int, int, int]] = []
        for _, acct in self.svm.get_program_accounts(STAKE_PROGRAM_ID):
            st = decode_stake_state(bytes(acct.data))
            if st is not None and st.kind == "stake" and st.activation_epoch != U64_MAX:
                delegations.append((st.stake, st.activation_epoch, st.deactivation_epoch))
        for e in range(first, new_epoch):
            effective = self.cluster_base_stake
            activating = deactivating = 0
            for amount, act, deact in delegations:
                if act == deact:
                    continue
                if act == e:
                    activating += amount
                elif act < e <= deact:
                    effective += amount
                    if deact == e:
                        deactivating += amount
            self._history_entries[e] = StakeHistoryEntry(effective, activating, deactivating)
        keep = sorted(self._history_entries)[-STAKE_HISTORY_MAX_ENTRIES:]
        self._history_entries = {e: self._history_entries[e] for e in keep}
        history = StakeHistory()
        for e in keep:
            history.add(e, self._history_entries[e])
        self.svm.set_stake_history(history)

    # --- test controls ---------------------------------------------------------------------

    def warp_slots(self, n: int) -> int:
        """Move ``n`` slots ahead; returns the new slot."""
        with self._lock:
            self._advance(self._slot + n)
            return self._slot

    def warp_to_slot(self, slot: int) -> None:
        """Move ahead to ``slot``."""
        with self._lock:
            self._advance(slot)

    def warp_epochs(self, n: int = 1, *, slot_offset: int = 0) -> int:
        """Move to ``slot_offset`` slots into the epoch ``n`` ahead; returns the new epoch."""
        with self._lock:
            epoch = self._schedule.get_epoch(self._slot) + n
            self._advance(self._schedule.get_first_slot_in_epoch(epoch) + slot_offset)
            return epoch

    def airdrop(self, pubkey: Pubkey, lamports: int) -> None:
        """Credit lamports out of thin air."""
        with self._lock:
            res = self.svm.airdrop(pubkey, lamports)
            if isinstance(res, FailedTransactionMetadata):
                raise BackendError(f"airdrop to {pubkey} failed: {res.err()}")

    def set_account(self, pubkey: Pubkey, account: Account) -> None:
        """Overwrite an account."""
        with self._lock:
            self.svm.set_account(pubkey, account)

    def executed(self, signature: Signature) -> ExecutedTx | None:
        """The raw record of an executed transaction (for the JSON-RPC bridge)."""
        with self._lock:
            return self._txs.get(signature)

    # --- sync core (shared with the JSON-RPC bridge) ----------------------------------------

    def _issue_blockhash(self) -> BlockhashInfo:
        self.svm.expire_blockhash()
        h = self.svm.latest_blockhash()
        self._blockhashes[h] = self._slot
        return BlockhashInfo(h, self._slot + BLOCKHASH_VALIDITY_SLOTS)

    def latest_blockhash_sync(self) -> BlockhashInfo:
        """A fresh blockhash (each call gives a new one, so identical txs stay distinct)."""
        with self._lock:
            return self._issue_blockhash()

    def is_blockhash_valid_sync(self, blockhash: Hash) -> bool:
        """Whether ``blockhash`` was issued within the last 150 slots."""
        with self._lock:
            issued = self._blockhashes.get(blockhash)
            return issued is not None and self._slot <= issued + BLOCKHASH_VALIDITY_SLOTS

    def process_sync(self, tx: VersionedTransaction) -> ExecutedTx:
        """Execute ``tx`` in the current slot, record it, and produce the next slot(s)."""
        with self._lock:
            sig = tx.signatures[0]
            if sig in self._txs:
                raise BackendError(
                    f"transaction {sig} already processed", reason="ALREADY_PROCESSED"
                )
            if not self.is_blockhash_valid_sync(tx.message.recent_blockhash):
                raise BlockhashExpired(f"blockhash of {sig} is unknown or expired")
            keys = list(tx.message.account_keys)
            pre = [self.svm.get_balance(k) or 0 for k in keys]
            res = self.svm.send_transaction(tx)
            post = [self.svm.get_balance(k) or 0 for k in keys]
            if isinstance(res, FailedTransactionMetadata):
                err: object | None = res.err()
                meta = res.meta()
                if pre == post and meta.fee() == 0 and not meta.logs():
                    # Rejected before execution (bad signature, duplicate...): never landed.
                    raise TransactionFailed(
                        f"transaction {sig} rejected: {format_tx_error(err)}",
                        err=format_tx_error(err),
                    )
            else:
                err, meta = None, res
            rec = ExecutedTx(tx, self._slot, self.unix_time_at(self._slot), err, meta, pre, post)
            self._txs[sig] = rec
            self._by_slot.setdefault(rec.slot, []).append(sig)
            for key in set(keys):
                self._by_address.setdefault(key, []).append((rec.slot, sig))
            self._advance(self._slot + self.slots_per_send)
            return rec

    def status_sync(self, signature: Signature) -> SignatureStatus | None:
        """Status under the depth model described in the module docstring."""
        with self._lock:
            rec = self._txs.get(signature)
            if rec is None:
                return None
            depth = self._slot - rec.slot
            if depth >= self.finalize_depth:
                level = Commitment.FINALIZED
            elif depth >= self.confirm_depth:
                level = Commitment.CONFIRMED
            else:
                level = Commitment.PROCESSED
            err = None if rec.err is None else format_tx_error(rec.err)
            return SignatureStatus(rec.slot, level, err)

    def _wait_for(self, rec: ExecutedTx, level: Commitment) -> None:
        depth = {
            Commitment.PROCESSED: 0,
            Commitment.CONFIRMED: self.confirm_depth,
            Commitment.FINALIZED: self.finalize_depth,
        }[level]
        if self._slot < rec.slot + depth:
            self._advance(rec.slot + depth)

    # --- SvmBackend ------------------------------------------------------------------------

    async def get_account(self, pubkey: Pubkey) -> Account | None:
        """One account, or ``None``."""
        with self._lock:
            acct = self.svm.get_account(pubkey)
            if acct is None or (acct.lamports == 0 and not acct.data):
                return None
            return acct

    async def get_accounts(self, pubkeys: Sequence[Pubkey]) -> list[Account | None]:
        """Several accounts."""
        return [await self.get_account(pk) for pk in pubkeys]

    async def get_program_accounts(
        self, program_id: Pubkey, memcmp: Sequence[tuple[int, bytes]] = ()
    ) -> list[tuple[Pubkey, Account]]:
        """Accounts owned by ``program_id`` matching every memcmp filter (filtered here)."""
        with self._lock:
            found = self.svm.get_program_accounts(program_id)
        out = []
        for pk, acct in found:
            data = bytes(acct.data)
            if all(data[off : off + len(b)] == b for off, b in memcmp):
                out.append((pk, acct))
        return out

    async def get_balance(self, pubkey: Pubkey) -> int:
        """Lamports of ``pubkey``."""
        with self._lock:
            return self.svm.get_balance(pubkey) or 0

    async def latest_blockhash(self) -> BlockhashInfo:
        """A fresh blockhash."""
        return self.latest_blockhash_sync()

    async def send(self, tx: VersionedTransaction) -> TxOutcome:
        """Execute, wait (by producing slots) until the backend's commitment, or raise."""
        with self._lock:
            rec = self.process_sync(tx)
            if rec.err is not None:
                raise TransactionFailed(
                    f"transaction {tx.signatures[0]} failed: {format_tx_error(rec.err)}",
                    err=format_tx_error(rec.err),
                    logs=list(rec.meta.logs()),
                )
            self._wait_for(rec, self.commitment)
            return TxOutcome(
                signature=tx.signatures[0],
                slot=rec.slot,
                fee=rec.meta.fee(),
                compute_units=rec.meta.compute_units_consumed(),
                size=len(bytes(tx)),
                logs=list(rec.meta.logs()),
            )

    async def signature_status(self, signature: Signature) -> SignatureStatus | None:
        """Status of ``signature``."""
        return self.status_sync(signature)

    async def get_transaction(self, signature: Signature) -> TxRecord | None:
        """The executed transaction once ``confirmed`` (like RPC ``getTransaction``)."""
        status = self.status_sync(signature)
        rec = self.executed(signature)
        if status is None or rec is None or status.commitment < Commitment.CONFIRMED:
            return None
        return build_tx_record(
            rec.tx,
            slot=rec.slot,
            block_time=rec.block_time,
            err=status.err,
            fee=rec.meta.fee(),
            logs=rec.meta.logs(),
            compute_units=rec.meta.compute_units_consumed(),
        )

    async def get_block_height(self) -> int:
        """Block height; in this model every slot has a block."""
        return self._slot

    def slot_at(self, commitment: Commitment) -> int:
        """The newest slot at ``commitment`` under the depth model (the current slot is the
        head, ``processed``)."""
        depth = {
            Commitment.PROCESSED: 0,
            Commitment.CONFIRMED: self.confirm_depth,
            Commitment.FINALIZED: self.finalize_depth,
        }[commitment]
        return max(0, self._slot - depth)

    def block_sync(self, slot: int) -> BlockInfo | None:
        """The block of ``slot``: every slot up to the current one has a block. LiteSVM has
        no per-slot hashes, so the blockhash is a digest of the slot and its signatures."""
        with self._lock:
            if slot < 0 or slot > self._slot:
                return None
            sigs = list(self._by_slot.get(slot, ()))
        digest = hashlib.sha256(b"litesvm-block" + slot.to_bytes(8, "little"))
        for sig in sigs:
            digest.update(bytes(sig))
        return BlockInfo(
            slot=slot,
            blockhash=str(Hash(digest.digest())),
            parent_slot=max(0, slot - 1),
            block_height=slot,
            block_time=self.unix_time_at(slot),
            signatures=[str(s) for s in sigs],
        )

    def signatures_for_address_sync(
        self, address: Pubkey, min_slot: int, max_slot: int
    ) -> list[AddressSignature]:
        """Executed transactions (failed ones too) whose account keys include ``address``."""
        with self._lock:
            found = [
                (slot, sig)
                for slot, sig in self._by_address.get(address, ())
                if min_slot <= slot <= max_slot
            ]
            out = []
            for slot, sig in found:
                err = self._txs[sig].err
                out.append(
                    AddressSignature(str(sig), slot, None if err is None else format_tx_error(err))
                )
        return out

    async def get_slot(self, commitment: Commitment) -> int:
        """The newest slot at ``commitment``."""
        with self._lock:
            return self.slot_at(commitment)

    async def get_block(self, slot: int) -> BlockInfo | None:
        """The block of ``slot`` (see :meth:`block_sync`)."""
        return self.block_sync(slot)

    async def signatures_for_address(
        self, address: Pubkey, min_slot: int, max_slot: int
    ) -> list[AddressSignature]:
        """Transactions naming ``address`` in ``min_slot..max_slot``."""
        return self.signatures_for_address_sync(address, min_slot, max_slot)

    async def get_clock(self) -> ClockInfo:
        """The Clock sysvar."""
        with self._lock:
            c = self.svm.get_clock()
        return ClockInfo(
            c.slot, c.epoch_start_timestamp, c.epoch, c.leader_schedule_epoch, c.unix_timestamp
        )

    async def minimum_balance_for_rent_exemption(self, size: int) -> int:
        """Rent-exempt minimum."""
        with self._lock:
            return int(self.svm.minimum_balance_for_rent_exemption(size))

    async def minimum_delegation(self) -> int:
        """Ask the stake program (simulated ``GetMinimumDelegation``)."""
        return self.minimum_delegation_sync()

    def minimum_delegation_sync(self) -> int:
        """Ask the stake program (simulated ``GetMinimumDelegation``)."""
        with self._lock:
            payer = self.svm.airdrop_pubkey()
            msg = MessageV0.try_compile(
                payer, [stake_get_minimum_delegation()], [], self.svm.latest_blockhash()
            )
            tx = VersionedTransaction(msg, [NullSigner(payer)])
            sigverify = self.svm.get_sigverify()
            self.svm = self.svm.with_sigverify(False)
            try:
                res = self.svm.simulate_transaction(tx)
            finally:
                self.svm = self.svm.with_sigverify(sigverify)
            if isinstance(res, FailedTransactionMetadata):
                raise BackendError(f"GetMinimumDelegation failed: {res.err()}")
            return int.from_bytes(bytes(res.meta().return_data().data)[:8], "little")
