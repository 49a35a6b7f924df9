"""Solana adapter: SOL and SPL liquid-staking tokens in hub-kept vaults.

Layers (each a small module):

* :mod:`.backend` - the async :class:`SvmBackend` interface and its records;
  :mod:`.rpc_backend` (real clusters, solana-py) and :mod:`.litesvm_backend` (in-process);
  :mod:`.rpc_server` serves a LiteSVM backend over loopback JSON-RPC for tests;
* :mod:`.signer` - the hub signer interface and the keystore-file signer;
* :mod:`.vaults` - token and native-stake vault descriptions and custody reads;
* :mod:`.deposits` - deposit verification into :class:`VerifiedDeposit` or typed rejections;
* :mod:`.custody` - once-only payouts and slashes returning :class:`PayoutResult`;
* :mod:`.journal` - memory/SQLite journals behind the once-only guarantees;
* :mod:`.timemap` - slots and Clock times into ledger seconds and vault epochs;
* :mod:`.programs` - native/SPL instruction encoders and account decoders;
* :mod:`.localnet` - set-up helpers (mints, vote and stake accounts, staker deposits).

Importing this package needs only ``solders``; :mod:`.rpc_backend` also needs ``solana``.
"""

from .backend import (
    BlockhashInfo,
    ClockInfo,
    Commitment,
    SignatureStatus,
    SvmBackend,
    TxOutcome,
    TxRecord,
)
from .custody import Burner, BurnMode, Custodian, PayoutResult, SlashResult
from .deposits import DepositKind, DepositVerifier, VerifiedDeposit, deposit_memo
from .errors import (
    BackendError,
    BlockhashExpired,
    ConfigError,
    ConfirmationTimeout,
    DepositRejected,
    DepositRejection,
    InsufficientVaultBalance,
    PayoutConflict,
    PayoutError,
    RpcUnavailable,
    SignerError,
    SolanaError,
    TimeMapError,
    TransactionFailed,
)
from .journal import Journal, MemoryJournal, SqliteJournal
from .signer import HubSigner, KeypairSigner, KeystoreSigner
from .timemap import SolanaTimeMap, VaultEpochs
from .vaults import CustodiedStake, StakeVault, TokenVault

__all__ = [
    "BackendError",
    "BlockhashExpired",
    "BlockhashInfo",
    "BurnMode",
    "Burner",
    "ClockInfo",
    "Commitment",
    "ConfigError",
    "ConfirmationTimeout",
    "Custodian",
    "CustodiedStake",
    "DepositKind",
    "DepositRejected",
    "DepositRejection",
    "DepositVerifier",
    "HubSigner",
    "InsufficientVaultBalance",
    "Journal",
    "KeypairSigner",
    "KeystoreSigner",
    "MemoryJournal",
    "PayoutConflict",
    "PayoutError",
    "PayoutResult",
    "RpcUnavailable",
    "SignatureStatus",
    "SignerError",
    "SlashResult",
    "SolanaError",
    "SolanaTimeMap",
    "SqliteJournal",
    "StakeVault",
    "SvmBackend",
    "TimeMapError",
    "TokenVault",
    "TransactionFailed",
    "TxOutcome",
    "TxRecord",
    "VaultEpochs",
    "VerifiedDeposit",
    "deposit_memo",
]
