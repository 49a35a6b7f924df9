"""Bitcoin adapter: Babylon-style self-custodial Taproot staking, slashed via EOTS key extraction.

Modules: ``schnorr``/``taproot``/``sighash`` (BIP-340/341), ``staking``/``staking_txs`` (Babylon
scripts and transaction rules), ``eots``/``adaptor`` (slashing crypto), ``spv``/``merkle``
(header chain and inclusion), ``backend_api``/``http_backends``/``regtest`` (chain access),
``verifier``/``slasher`` (the hub's two jobs); ``adapter``/``registry``/``evidence``/``hub``/
``plugin`` wire them into the core as a ``ChainAdapter`` (imported on demand, not here). See
docs/bitcoin.md.
"""

from .backend_api import BitcoinBackend, ChainTip, TxWithProof, sync_header_chain
from .errors import (
    AdaptorError,
    BackendError,
    BitcoinError,
    CryptoError,
    EotsError,
    ParamsError,
    ScriptError,
    SlashingError,
    SpvError,
    StakingValidationError,
    TaprootError,
    TxFormatError,
)
from .params import StakingParams, params_for_height
from .slasher import (
    CompletedSlashingTx,
    EquivocationEvidence,
    ExtractedKey,
    SlashingFailure,
    SlashingResult,
    extract_key,
    extract_key_from_covenant_sig,
    slash_finality_provider,
)
from .spv import MAINNET, REGTEST, SIGNET, TESTNET3, HeaderChain, NetworkParams
from .tx import OutPoint, Transaction, TxIn, TxOut
from .verifier import (
    CovenantSignatures,
    InclusionProof,
    StakingSubmission,
    StakingVerifier,
    VerifiedStakingDelegation,
    fetch_inclusion_proof,
)

__all__ = [
    "MAINNET",
    "REGTEST",
    "SIGNET",
    "TESTNET3",
    "AdaptorError",
    "BackendError",
    "BitcoinBackend",
    "BitcoinError",
    "ChainTip",
    "CompletedSlashingTx",
    "CovenantSignatures",
    "CryptoError",
    "EotsError",
    "EquivocationEvidence",
    "ExtractedKey",
    "HeaderChain",
    "InclusionProof",
    "NetworkParams",
    "OutPoint",
    "ParamsError",
    "ScriptError",
    "SlashingError",
    "SlashingFailure",
    "SlashingResult",
    "SpvError",
    "StakingParams",
    "StakingSubmission",
    "StakingValidationError",
    "StakingVerifier",
    "TaprootError",
    "Transaction",
    "TxFormatError",
    "TxIn",
    "TxOut",
    "TxWithProof",
    "VerifiedStakingDelegation",
    "extract_key",
    "extract_key_from_covenant_sig",
    "fetch_inclusion_proof",
    "params_for_height",
    "slash_finality_provider",
    "sync_header_chain",
]
