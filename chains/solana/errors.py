"""Typed errors of the Solana adapter: each carries an UPPER_SNAKE ``reason`` code.

Messages name accounts and signatures but never key material.
"""

from __future__ import annotations

from enum import StrEnum


class SolanaError(Exception):
    """Base class: ``reason`` is a stable UPPER_SNAKE code, ``str(err)`` a helpful message."""

    default_reason = "SOLANA_ERROR"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason: str = reason or self.default_reason

    def __str__(self) -> str:
        return f"{self.reason}: {self.args[0]}"


class BackendError(SolanaError):
    """The backend (RPC node or LiteSVM) could not answer or rejected a request."""

    default_reason = "BACKEND_ERROR"


class RpcUnavailable(BackendError):
    """The RPC endpoint was unreachable after the configured retries."""

    default_reason = "RPC_UNAVAILABLE"


class BlockhashExpired(BackendError):
    """The transaction's blockhash expired before it was confirmed; it can never land."""

    default_reason = "BLOCKHASH_EXPIRED"


class ConfirmationTimeout(BackendError):
    """The transaction was not seen at the wanted commitment in time (it may still land)."""

    default_reason = "CONFIRMATION_TIMEOUT"


class TransactionFailed(BackendError):
    """The cluster executed the transaction and it failed (``err`` is the cluster's error)."""

    default_reason = "TRANSACTION_FAILED"

    def __init__(self, message: str, *, err: str, logs: list[str] | None = None) -> None:
        super().__init__(message)
        self.err = err
        self.logs = logs or []


class SignerError(SolanaError):
    """The hub signer could not be loaded or refused to sign."""

    default_reason = "SIGNER_ERROR"


class ConfigError(SolanaError):
    """A vault or adapter configuration is invalid."""

    default_reason = "INVALID_CONFIG"


class DepositRejection(StrEnum):
    """Why a deposit claim was rejected."""

    TX_NOT_FOUND = "TX_NOT_FOUND"
    TX_FAILED = "TX_FAILED"
    UNCONFIRMED = "UNCONFIRMED"
    REPLAYED_SIGNATURE = "REPLAYED_SIGNATURE"
    MEMO_MISSING = "MEMO_MISSING"
    MEMO_MISMATCH = "MEMO_MISMATCH"
    NO_TRANSFER_TO_VAULT = "NO_TRANSFER_TO_VAULT"
    WRONG_MINT = "WRONG_MINT"
    AMOUNT_MISMATCH = "AMOUNT_MISMATCH"
    STAKE_ACCOUNT_NOT_IN_TX = "STAKE_ACCOUNT_NOT_IN_TX"
    NOT_A_STAKE_ACCOUNT = "NOT_A_STAKE_ACCOUNT"
    WRONG_AUTHORITY = "WRONG_AUTHORITY"
    LOCKUP = "LOCKUP"
    NOT_DELEGATED = "NOT_DELEGATED"
    DEACTIVATING = "DEACTIVATING"
    UNKNOWN_VOTE_ACCOUNT = "UNKNOWN_VOTE_ACCOUNT"


class DepositRejected(SolanaError):
    """A deposit claim does not match the chain; ``reason`` is a :class:`DepositRejection`."""

    default_reason = "DEPOSIT_REJECTED"

    def __init__(self, rejection: DepositRejection, message: str, *, signature: str) -> None:
        super().__init__(message, reason=rejection.value)
        self.rejection = rejection
        self.signature = signature


class PayoutError(SolanaError):
    """A payout or slash could not be carried out."""

    default_reason = "PAYOUT_FAILED"


class InsufficientVaultBalance(PayoutError):
    """The vault does not hold enough to pay."""

    default_reason = "INSUFFICIENT_VAULT_BALANCE"


class PayoutConflict(PayoutError):
    """A payout id was reused with different parameters."""

    default_reason = "PAYOUT_CONFLICT"


class TimeMapError(SolanaError):
    """A slot/time question the time map cannot answer."""

    default_reason = "TIME_UNKNOWN"
