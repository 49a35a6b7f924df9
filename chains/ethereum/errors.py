"""Typed errors of the Ethereum adapter: each carries an UPPER_SNAKE ``reason`` code.

Messages never contain private keys, keystore passwords or raw signed transactions.
"""

from __future__ import annotations


class EthereumAdapterError(Exception):
    """Base class: ``reason`` is a stable UPPER_SNAKE code, ``str(err)`` a helpful message."""

    reason: str = "ETHEREUM_ERROR"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason

    def __repr__(self) -> str:
        return f"{type(self).__name__}(reason={self.reason!r}, message={str(self)!r})"


class ToolchainMissingError(EthereumAdapterError):
    """anvil or the compiled Symbiotic artifacts were not found."""

    reason = "TOOLCHAIN_MISSING"


class AnvilError(EthereumAdapterError):
    """anvil failed to start, stopped, or refused a dev-node command."""

    reason = "ANVIL_FAILED"


class RpcError(EthereumAdapterError):
    """A JSON-RPC call kept failing (connection drops, timeouts, node errors) after retries."""

    reason = "RPC_UNAVAILABLE"


class SignerError(EthereumAdapterError):
    """A keystore could not be created, read or decrypted."""

    reason = "SIGNER_FAILED"


class TransactionError(EthereumAdapterError):
    """A transaction could not be built, sent or confirmed."""

    reason = "TX_FAILED"


class TransactionReverted(TransactionError):
    """The call or transaction reverted; ``error_name`` is the decoded custom error if known."""

    reason = "TX_REVERTED"

    def __init__(
        self,
        message: str,
        *,
        error_name: str | None = None,
        tx_hash: str | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message, reason=reason)
        self.error_name = error_name
        self.tx_hash = tx_hash


class TransactionTimeout(TransactionError):
    """No receipt arrived in time; the transaction record is kept, a retry waits for it."""

    reason = "TX_TIMEOUT"


class OperationConflict(TransactionError):
    """An operation id was reused for a different transaction."""

    reason = "OPERATION_CONFLICT"


class DeploymentError(EthereumAdapterError):
    """The Symbiotic core could not be deployed or a deployment file is inconsistent."""

    reason = "DEPLOYMENT_FAILED"


class InvalidParameter(EthereumAdapterError):
    """An argument was out of range or of the wrong shape."""

    reason = "INVALID_PARAMETER"


class IndexerError(EthereumAdapterError):
    """The indexer met a state it cannot continue from (e.g. a reorg deeper than its history)."""

    reason = "INDEXER_FAILED"
