"""Withdrawal payouts and slashes out of hub-kept Solana vaults, each at most once per id.

Every operation is one transaction signed by the vault authority (the hub signer):

* LST payout: ``TransferChecked`` from the vault token account to the recipient's ATA
  (created idempotently).
* Native payout: a stake account carrying exactly ``amount`` delegated lamports is re-authorised
  (staker and withdrawer) to the recipient. When no custodied account holds exactly that,
  ``amount`` is split off into a new account at an address derived from the vault authority
  and the operation id (``create_account_with_seed``), funded with its rent-exempt reserve by
  the fee payer, then re-authorised. The stake stays delegated and active.
* Slash: the same moves towards the burner: an SPL ``BurnChecked`` or a transfer to a
  redistribution recipient; for stake, a split whose authorities go to the burner (burning
  means the incinerator address, so nobody can ever withdraw it).

Idempotency: the journal records the signed transaction's signature and last valid block height
before sending. A repeat of the same id returns the first result (``replayed=True``); a
repeat while the first transaction is still in flight checks its status, and only once its
blockhash has expired unseen is a new transaction built.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any

from solders.instruction import Instruction
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.system_program import CreateAccountWithSeedParams, create_account_with_seed

from .backend import SvmBackend, TxOutcome
from .errors import (
    BlockhashExpired,
    InsufficientVaultBalance,
    PayoutConflict,
    PayoutError,
    TransactionFailed,
)
from .journal import Journal, JournalEntry, MemoryJournal
from .programs import (
    STAKE_ACCOUNT_SIZE,
    STAKE_AUTHORIZE_STAKER,
    STAKE_AUTHORIZE_WITHDRAWER,
    STAKE_PROGRAM_ID,
    U64_MAX,
    associated_token_address,
    create_associated_token_account_idempotent,
    memo,
    stake_authorize,
    stake_split,
    token_burn_checked,
    token_transfer_checked,
)
from .signer import HubSigner, build_transaction
from .vaults import CustodiedStake, StakeVault, TokenVault, custodied_stake, token_balance

INCINERATOR = Pubkey.from_string("1nc1nerator11111111111111111111111111111111")


class BurnMode(StrEnum):
    """Where slashed collateral goes."""

    BURN = "burn"
    REDISTRIBUTE = "redistribute"


@dataclass(frozen=True, slots=True)
class Burner:
    """A slash destination: burn, or redistribute to ``recipient`` (a wallet / authority)."""

    mode: BurnMode
    recipient: Pubkey | None = None

    @classmethod
    def burn(cls) -> Burner:
        """Destroy the slashed amount."""
        return cls(BurnMode.BURN)

    @classmethod
    def redistribute(cls, recipient: Pubkey) -> Burner:
        """Send the slashed amount to ``recipient``."""
        return cls(BurnMode.REDISTRIBUTE, recipient)

    def describe(self) -> str:
        """Stable text for fingerprints and results."""
        return self.mode.value if self.recipient is None else f"{self.mode}:{self.recipient}"


@dataclass(frozen=True, slots=True)
class PayoutResult:
    """A confirmed payout or slash transaction."""

    op_id: str
    kind: str  # token_payout | stake_payout | token_slash | stake_slash
    vault: str
    recipient: str
    amount: int
    signature: str
    slot: int
    fee: int
    tx_size: int
    stake_account: str | None = None
    source_account: str | None = None
    burner: str | None = None
    replayed: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the journal stores this)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PayoutResult:
        """Inverse of :meth:`to_dict`."""
        return cls(**d)


SlashResult = PayoutResult
"""Slashes return the same record shape, with ``kind`` ``token_slash``/``stake_slash``."""


def seed_for(op_id: str) -> str:
    """The 32-character seed for the split destination of ``op_id``."""
    return hashlib.sha256(op_id.encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class _Plan:
    instructions: list[Instruction]
    result: PayoutResult


class Custodian:
    """Signs and sends payouts and slashes for vaults whose authority is ``authority``."""

    def __init__(
        self,
        backend: SvmBackend,
        authority: HubSigner,
        *,
        fee_payer: HubSigner | None = None,
        journal: Journal | None = None,
    ) -> None:
        self.backend = backend
        self.authority = authority
        self.fee_payer = fee_payer or authority
        self.journal: Journal = journal or MemoryJournal()
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}  # one operation at a time per id

    # --- LST -------------------------------------------------------------------------------

    async def pay_tokens(
        self, payout_id: str, vault: TokenVault, recipient: Pubkey, amount: int
    ) -> PayoutResult:
        """Pay ``amount`` base units from ``vault`` to ``recipient``'s associated token account."""
        fp = f"token_payout|{vault.vault_id}|{recipient}|{amount}"

        async def plan() -> _Plan:
            return await self._token_move(payout_id, "token_payout", vault, recipient, amount)

        return await self._run(payout_id, fp, plan)

    async def slash_tokens(
        self, slash_id: str, vault: TokenVault, amount: int, burner: Burner
    ) -> PayoutResult:
        """Move ``amount`` out of ``vault`` to the burner in one transaction."""
        fp = f"token_slash|{vault.vault_id}|{burner.describe()}|{amount}"

        async def plan() -> _Plan:
            if burner.mode is BurnMode.REDISTRIBUTE and burner.recipient is not None:
                p = await self._token_move(slash_id, "token_slash", vault, burner.recipient, amount)
                return _Plan(p.instructions, replace(p.result, burner=burner.describe()))
            await self._check_token_balance(vault, amount)
            ixs = [
                token_burn_checked(
                    vault.token_program,
                    vault.token_account,
                    vault.mint,
                    vault.authority,
                    amount,
                    vault.decimals,
                ),
                memo(f"omnistake:slash:{slash_id}"),
            ]
            res = self._result(slash_id, "token_slash", vault.vault_id, "burn", amount)
            return _Plan(ixs, replace(res, burner=burner.describe()))

        return await self._run(slash_id, fp, plan)

    async def _token_move(
        self, op_id: str, kind: str, vault: TokenVault, recipient: Pubkey, amount: int
    ) -> _Plan:
        await self._check_token_balance(vault, amount)
        dest = associated_token_address(recipient, vault.mint, vault.token_program)
        tag = "payout" if kind == "token_payout" else "slash"
        ixs = [
            create_associated_token_account_idempotent(
                self.fee_payer.pubkey(), recipient, vault.mint, vault.token_program
            ),
            token_transfer_checked(
                vault.token_program,
                vault.token_account,
                vault.mint,
                dest,
                vault.authority,
                amount,
                vault.decimals,
            ),
            memo(f"omnistake:{tag}:{op_id}"),
        ]
        res = self._result(op_id, kind, vault.vault_id, str(recipient), amount)
        return _Plan(ixs, replace(res, stake_account=None, source_account=str(dest)))

    async def _check_token_balance(self, vault: TokenVault, amount: int) -> None:
        if amount <= 0:
            raise PayoutError(f"amount must be positive, got {amount}", reason="INVALID_AMOUNT")
        have = await token_balance(self.backend, vault.token_account)
        if have < amount:
            raise InsufficientVaultBalance(
                f"vault {vault.vault_id} holds {have}, {amount} requested"
            )

    # --- native stake ----------------------------------------------------------------------

    async def pay_stake(
        self, payout_id: str, vault: StakeVault, recipient: Pubkey, amount: int
    ) -> PayoutResult:
        """Hand ``amount`` delegated lamports to ``recipient`` as a stake account they control."""
        fp = f"stake_payout|{vault.vault_id}|{recipient}|{amount}"

        async def plan() -> _Plan:
            return await self._stake_move(payout_id, "stake_payout", vault, recipient, amount)

        return await self._run(payout_id, fp, plan)

    async def slash_stake(
        self, slash_id: str, vault: StakeVault, amount: int, burner: Burner
    ) -> PayoutResult:
        """Split ``amount`` delegated lamports off to an account controlled by the burner."""
        target = burner.recipient if burner.mode is BurnMode.REDISTRIBUTE else INCINERATOR
        if target is None:
            raise PayoutError("redistribution needs a recipient", reason="INVALID_BURNER")
        fp = f"stake_slash|{vault.vault_id}|{burner.describe()}|{amount}"

        async def plan() -> _Plan:
            p = await self._stake_move(slash_id, "stake_slash", vault, target, amount)
            return _Plan(p.instructions, replace(p.result, burner=burner.describe()))

        return await self._run(slash_id, fp, plan)

    async def _stake_move(
        self, op_id: str, kind: str, vault: StakeVault, recipient: Pubkey, amount: int
    ) -> _Plan:
        if amount <= 0:
            raise PayoutError(f"amount must be positive, got {amount}", reason="INVALID_AMOUNT")
        held = [
            c for c in await custodied_stake(self.backend, vault) if c.deactivation_epoch == U64_MAX
        ]
        total = sum(c.stake for c in held)
        if total < amount:
            raise InsufficientVaultBalance(
                f"vault {vault.vault_id} has {total} delegated lamports, {amount} requested"
            )
        tag = "payout" if kind == "stake_payout" else "slash"
        whole = next((c for c in held if c.stake == amount), None)
        if whole is not None:
            ixs = self._reauthorise(whole.pubkey, vault.authority, recipient)
            res = self._result(op_id, kind, vault.vault_id, str(recipient), amount)
            ixs.append(memo(f"omnistake:{tag}:{op_id}"))
            return _Plan(
                ixs, replace(res, stake_account=str(whole.pubkey), source_account=str(whole.pubkey))
            )
        minimum = await self.backend.minimum_delegation()
        source = self._pick_split_source(held, amount, minimum, vault.vault_id)
        seed = seed_for(op_id)
        dest = Pubkey.create_with_seed(vault.authority, seed, STAKE_PROGRAM_ID)
        rent = await self.backend.minimum_balance_for_rent_exemption(STAKE_ACCOUNT_SIZE)
        ixs = [
            create_account_with_seed(
                CreateAccountWithSeedParams(
                    from_pubkey=self.fee_payer.pubkey(),
                    to_pubkey=dest,
                    base=vault.authority,
                    seed=seed,
                    lamports=rent,
                    space=STAKE_ACCOUNT_SIZE,
                    owner=STAKE_PROGRAM_ID,
                )
            ),
            stake_split(source.pubkey, dest, vault.authority, amount),
            *self._reauthorise(dest, vault.authority, recipient),
            memo(f"omnistake:{tag}:{op_id}"),
        ]
        res = self._result(op_id, kind, vault.vault_id, str(recipient), amount)
        return _Plan(ixs, replace(res, stake_account=str(dest), source_account=str(source.pubkey)))

    @staticmethod
    def _pick_split_source(
        held: list[CustodiedStake], amount: int, minimum: int, vault_id: str
    ) -> CustodiedStake:
        if amount < minimum:
            raise PayoutError(
                f"vault {vault_id}: {amount} lamports is below the minimum delegation {minimum};"
                " a split of active stake must carry at least that much",
                reason="BELOW_MINIMUM_DELEGATION",
            )
        for c in held:  # largest first
            if c.stake - amount >= minimum:
                return c
        raise PayoutError(
            f"vault {vault_id}: no stake account can give {amount} lamports and keep the minimum"
            f" delegation {minimum}",
            reason="STAKE_SPLIT_IMPOSSIBLE",
        )

    @staticmethod
    def _reauthorise(stake: Pubkey, authority: Pubkey, recipient: Pubkey) -> list[Instruction]:
        return [
            stake_authorize(stake, authority, recipient, STAKE_AUTHORIZE_STAKER),
            stake_authorize(stake, authority, recipient, STAKE_AUTHORIZE_WITHDRAWER),
        ]

    # --- the once-only engine --------------------------------------------------------------

    def _result(
        self, op_id: str, kind: str, vault: str, recipient: str, amount: int
    ) -> PayoutResult:
        return PayoutResult(op_id, kind, vault, recipient, amount, "", 0, 0, 0)

    async def _run(
        self, op_id: str, fingerprint: str, plan: Callable[[], Awaitable[_Plan]]
    ) -> PayoutResult:
        lock, users = self._locks.get(op_id, (asyncio.Lock(), 0))
        self._locks[op_id] = (lock, users + 1)
        try:
            async with lock:
                return await self._run_locked(op_id, fingerprint, plan)
        finally:
            lock, users = self._locks[op_id]
            if users == 1:
                del self._locks[op_id]
            else:
                self._locks[op_id] = (lock, users - 1)

    async def _run_locked(
        self, op_id: str, fingerprint: str, plan: Callable[[], Awaitable[_Plan]]
    ) -> PayoutResult:
        entry = self.journal.get(op_id)
        if entry is not None:
            if entry.fingerprint != fingerprint:
                raise PayoutConflict(
                    f"operation {op_id} was first requested as {entry.fingerprint!r},"
                    f" now as {fingerprint!r}"
                )
            if entry.result is not None:
                return replace(PayoutResult.from_dict(entry.result), replayed=True)
            if entry.signature is not None:
                done = await self._resolve_pending(entry)
                if done is not None:
                    return done
        p = await plan()
        bh = await self.backend.latest_blockhash()
        signers = [self.fee_payer, self.authority]
        tx = build_transaction(self.fee_payer, p.instructions, signers, bh.blockhash)
        sig = tx.signatures[0]
        planned = replace(p.result, signature=str(sig), tx_size=len(bytes(tx)))
        if not self.journal.begin(
            op_id, fingerprint, str(sig), bh.last_valid_block_height, planned.to_dict()
        ):
            raise PayoutError(
                f"operation {op_id} was started concurrently elsewhere; retry later",
                reason="PAYOUT_PENDING",
            )
        try:
            out: TxOutcome = await self.backend.send(tx)
        except (TransactionFailed, BlockhashExpired):
            self.journal.abandon(op_id)  # it can never land: a retry may build anew
            raise
        result = replace(planned, slot=out.slot, fee=out.fee)
        self.journal.complete(op_id, result.to_dict())
        return result

    async def _resolve_pending(self, entry: JournalEntry) -> PayoutResult | None:
        """Settle an in-flight transaction from an earlier attempt, or return ``None``."""
        op_id, signature = entry.op_id, entry.signature or ""
        sig = Signature.from_string(signature)
        status = await self.backend.signature_status(sig)
        if status is not None and status.err is not None:
            self.journal.abandon(op_id)
            return None
        if status is not None:
            if status.commitment < self.backend.commitment:
                raise PayoutError(
                    f"operation {op_id}: transaction {signature} is only"
                    f" {status.commitment.rpc_name}; retry later",
                    reason="PAYOUT_PENDING",
                )
            rec = await self.backend.get_transaction(sig)
            if entry.planned is None or rec is None:
                raise PayoutError(
                    f"operation {op_id}: transaction {signature} landed; retry later",
                    reason="PAYOUT_PENDING",
                )
            result = replace(PayoutResult.from_dict(entry.planned), slot=rec.slot, fee=rec.fee)
            self.journal.complete(op_id, result.to_dict())
            return result
        height = await self.backend.get_block_height()
        last_valid = entry.last_valid_block_height
        if last_valid is not None and height <= last_valid:
            raise PayoutError(
                f"operation {op_id}: transaction {signature} may still land until block height"
                f" {last_valid} (now {height}); retry later",
                reason="PAYOUT_PENDING",
            )
        self.journal.abandon(op_id)
        return None
