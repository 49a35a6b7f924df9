"""Deposit verification: turn a staker's claim into a :class:`VerifiedDeposit` or a typed rejection.

LST deposit
    one transaction that transfers the vault's mint into the vault's token account
    (``Transfer`` or ``TransferChecked``, top-level instructions) and carries an SPL memo
    ``omnistake:<staker hub account>``.
Native deposit
    one transaction that hands a stake account's stake and withdraw authorities to the vault
    authority (``Initialize``/``Authorize``/``...Checked`` on that account) and carries the
    same memo; the account must then be delegated, not deactivating, to a vote account the
    vault allows, with no lockup in force.

Both must have succeeded and reached the verifier's commitment, and a signature is consumed
once: a second claim with it is ``REPLAYED_SIGNATURE``. With ``idempotent=True`` (what the
plugin adapter uses, since the ledger dedupes by a request id derived from the signature) a
repeat of the *same* claim verifies again; any other claim with that signature is still
``REPLAYED_SIGNATURE``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NoReturn

from solders.pubkey import Pubkey
from solders.signature import Signature

from .backend import Commitment, SvmBackend, TxRecord
from .errors import DepositRejected, DepositRejection
from .journal import Journal, MemoryJournal
from .programs import (
    MEMO_PROGRAMS,
    STAKE_PROGRAM_ID,
    TOKEN_PROGRAMS,
    U64_MAX,
    decode_stake_authority_change,
    decode_stake_state,
    decode_token_account,
    decode_token_transfer,
)
from .vaults import StakeVault, TokenVault

MEMO_PREFIX = "omnistake:"


class DepositKind(StrEnum):
    """What was deposited."""

    LST = "lst"
    NATIVE_STAKE = "native_stake"


@dataclass(frozen=True, slots=True)
class VerifiedDeposit:
    """A deposit proven on chain, ready to be credited to ``staker_account`` in the ledger.

    ``amount`` is in base units: token base units for LST, delegated lamports for stake.
    ``block_time`` is the cluster's Clock time of ``slot`` (integer seconds).
    """

    kind: DepositKind
    vault: str
    staker_account: str
    amount: int
    signature: str
    slot: int
    block_time: int
    mint: Pubkey | None = None
    stake_account: Pubkey | None = None
    vote_account: Pubkey | None = None


def deposit_memo(staker_account: str) -> str:
    """The memo text a deposit must carry to credit ``staker_account``."""
    return f"{MEMO_PREFIX}{staker_account}"


class DepositVerifier:
    """Verifies deposit claims against a backend at a given commitment."""

    def __init__(
        self,
        backend: SvmBackend,
        *,
        commitment: Commitment | str | None = None,
        journal: Journal | None = None,
        idempotent: bool = False,
    ) -> None:
        self.backend = backend
        self.commitment = Commitment.parse(commitment or backend.commitment)
        self.journal: Journal = journal or MemoryJournal()
        self.idempotent = idempotent

    async def verify_lst(
        self,
        vault: TokenVault,
        signature: str | Signature,
        *,
        staker_account: str,
        amount: int | None,
    ) -> VerifiedDeposit:
        """Verify an LST deposit of ``amount`` base units credited to ``staker_account``
        (``amount=None``: whatever the transaction moved into the vault)."""
        sig = str(signature)
        rec, block_time = await self._load(sig, staker_account)
        total = 0
        wrong_mint: Pubkey | None = None
        for ix in rec.instructions:
            if ix.program_id not in TOKEN_PROGRAMS:
                continue
            t = decode_token_transfer(ix.data, ix.accounts)
            if t is None:
                continue
            if t.destination == vault.token_account:
                if t.mint is not None and t.mint != vault.mint:
                    wrong_mint = t.mint
                    continue
                total += t.amount
            else:
                dest = await self.backend.get_account(t.destination)
                tok = None if dest is None else decode_token_account(bytes(dest.data))
                if tok is not None and tok.owner == vault.authority and tok.mint != vault.mint:
                    wrong_mint = tok.mint
        if total == 0:
            if wrong_mint is not None:
                self._reject(
                    DepositRejection.WRONG_MINT,
                    sig,
                    f"transfer is of mint {wrong_mint}; vault {vault.vault_id} takes {vault.mint}",
                )
            self._reject(
                DepositRejection.NO_TRANSFER_TO_VAULT,
                sig,
                f"no transfer into vault token account {vault.token_account}",
            )
        if amount is not None and total != amount:
            self._reject(
                DepositRejection.AMOUNT_MISMATCH,
                sig,
                f"claimed {amount}, transferred {total} into {vault.token_account}",
            )
        return self._accept(
            VerifiedDeposit(
                DepositKind.LST,
                vault.vault_id,
                staker_account,
                total,
                sig,
                rec.slot,
                block_time,
                mint=vault.mint,
            )
        )

    async def verify_native(
        self,
        vault: StakeVault,
        signature: str | Signature,
        *,
        staker_account: str,
        stake_account: Pubkey,
        amount: int | None,
    ) -> VerifiedDeposit:
        """Verify a native stake deposit of ``amount`` delegated lamports (``None``: the
        account's delegation, whatever it is)."""
        sig = str(signature)
        rec, block_time = await self._load(sig, staker_account)
        handed = False
        for ix in rec.instructions:
            if ix.program_id != STAKE_PROGRAM_ID:
                continue
            change = decode_stake_authority_change(ix.data, ix.accounts)
            if change is not None and change.stake == stake_account:
                handed = True
        if not handed:
            self._reject(
                DepositRejection.STAKE_ACCOUNT_NOT_IN_TX,
                sig,
                f"transaction sets no authority on stake account {stake_account}",
            )
        acct = await self.backend.get_account(stake_account)
        st = None
        if acct is not None and acct.owner == STAKE_PROGRAM_ID:
            st = decode_stake_state(bytes(acct.data))
        if st is None or st.kind not in ("initialized", "stake"):
            self._reject(
                DepositRejection.NOT_A_STAKE_ACCOUNT, sig, f"{stake_account} is no stake account"
            )
        if st.staker != vault.authority or st.withdrawer != vault.authority:
            self._reject(
                DepositRejection.WRONG_AUTHORITY,
                sig,
                f"{stake_account}: staker {st.staker}, withdrawer {st.withdrawer};"
                f" both must be vault authority {vault.authority}",
            )
        clock = await self.backend.get_clock()
        if st.lockup_in_force(clock.unix_timestamp, clock.epoch):
            self._reject(
                DepositRejection.LOCKUP,
                sig,
                f"{stake_account} is locked up until unix {st.lockup_unix_timestamp}"
                f" / epoch {st.lockup_epoch} (custodian {st.custodian})",
            )
        if st.kind != "stake":
            self._reject(DepositRejection.NOT_DELEGATED, sig, f"{stake_account} is not delegated")
        if st.deactivation_epoch != U64_MAX:
            self._reject(
                DepositRejection.DEACTIVATING,
                sig,
                f"{stake_account} deactivates at epoch {st.deactivation_epoch}",
            )
        if st.voter not in vault.allowed_vote_accounts:
            self._reject(
                DepositRejection.UNKNOWN_VOTE_ACCOUNT,
                sig,
                f"{stake_account} is delegated to {st.voter},"
                f" which vault {vault.vault_id} does not allow",
            )
        if amount is not None and st.stake != amount:
            self._reject(
                DepositRejection.AMOUNT_MISMATCH,
                sig,
                f"claimed {amount}, {stake_account} delegates {st.stake} lamports",
            )
        return self._accept(
            VerifiedDeposit(
                DepositKind.NATIVE_STAKE,
                vault.vault_id,
                staker_account,
                st.stake,
                sig,
                rec.slot,
                block_time,
                stake_account=stake_account,
                vote_account=st.voter,
            )
        )

    # --- shared steps ----------------------------------------------------------------------

    async def _load(self, sig: str, staker_account: str) -> tuple[TxRecord, int]:
        if not self.idempotent and self.journal.signature_claimed(sig):
            self._reject(DepositRejection.REPLAYED_SIGNATURE, sig, "signature already credited")
        try:
            signature = Signature.from_string(sig)
        except ValueError:
            self._reject(DepositRejection.TX_NOT_FOUND, sig, "not a valid signature")
        status = await self.backend.signature_status(signature)
        if status is None:
            self._reject(DepositRejection.TX_NOT_FOUND, sig, "the cluster does not know it")
        if status.err is not None:
            self._reject(DepositRejection.TX_FAILED, sig, f"transaction failed: {status.err}")
        if status.commitment < self.commitment:
            self._reject(
                DepositRejection.UNCONFIRMED,
                sig,
                f"at {status.commitment.rpc_name}, {self.commitment.rpc_name} required",
            )
        rec = await self.backend.get_transaction(signature)
        if rec is None:
            self._reject(DepositRejection.UNCONFIRMED, sig, "transaction not yet retrievable")
        if rec.err is not None:
            self._reject(DepositRejection.TX_FAILED, sig, f"transaction failed: {rec.err}")
        block_time = rec.block_time
        if block_time is None:
            self._reject(DepositRejection.UNCONFIRMED, sig, "the cluster has no block time yet")
        memos = []
        for ix in rec.instructions:
            if ix.program_id in MEMO_PROGRAMS:
                text = ix.data.decode("utf-8", errors="replace")
                if text.startswith(MEMO_PREFIX):
                    memos.append(text)
        if not memos:
            self._reject(
                DepositRejection.MEMO_MISSING, sig, f"no '{MEMO_PREFIX}<account>' memo in the tx"
            )
        want = deposit_memo(staker_account)
        if memos != [want]:
            self._reject(
                DepositRejection.MEMO_MISMATCH, sig, f"memo(s) {memos!r} do not name {want!r}"
            )
        return rec, block_time

    def _accept(self, dep: VerifiedDeposit) -> VerifiedDeposit:
        key = f"{dep.kind}:{dep.vault}:{dep.staker_account}:{dep.amount}:{dep.stake_account}"
        if not self.journal.claim_signature(dep.signature, key):
            if self.idempotent and self.journal.signature_key(dep.signature) == key:
                return dep
            self._reject(
                DepositRejection.REPLAYED_SIGNATURE, dep.signature, "signature already credited"
            )
        return dep

    @staticmethod
    def _reject(rejection: DepositRejection, sig: str, message: str) -> NoReturn:
        raise DepositRejected(rejection, f"deposit {sig}: {message}", signature=sig)
