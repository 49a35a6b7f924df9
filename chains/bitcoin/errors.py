"""Typed errors of the Bitcoin adapter. Every error carries an UPPER_SNAKE ``reason`` code."""

from __future__ import annotations


class BitcoinError(Exception):
    """Base class: ``reason`` is a stable machine-readable code, the message is for humans."""

    reason: str

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


class CryptoError(BitcoinError):
    """Malformed keys, signatures, scalars or points (BIP-340, EOTS, adaptor signatures)."""


class TaprootError(BitcoinError):
    """Bad tap tree, control block or tweak."""


class TxFormatError(BitcoinError):
    """A transaction, block or header could not be parsed or serialised."""


class SighashError(BitcoinError):
    """The BIP-341 signature message cannot be computed (bad hash type, missing prevouts...)."""


class ScriptError(BitcoinError):
    """A tapscript failed to execute or does not have the expected shape."""


class StakingValidationError(BitcoinError):
    """A staking, unbonding or slashing transaction breaks one of Babylon's rules."""


class ParamsError(BitcoinError):
    """Staking parameters are inconsistent."""


class EotsError(BitcoinError):
    """EOTS randomness, signature or extraction failure."""


class AdaptorError(BitcoinError):
    """Schnorr adaptor signature failure."""


class SpvError(BitcoinError):
    """Header chain, proof-of-work or Merkle inclusion failure."""


class BackendError(BitcoinError):
    """A chain backend (bitcoind, Esplora, regtest builder) failed or answered nonsense."""


class SlashingError(BitcoinError):
    """A slashing transaction could not be completed."""
