"""Tapscript (script-path) signing and verification with SIGHASH_DEFAULT, and key-path spends."""

from __future__ import annotations

from collections.abc import Sequence

from .schnorr import schnorr_sign, schnorr_verify
from .sighash import SIGHASH_DEFAULT, taproot_sighash
from .taproot import LEAF_VERSION_TAPSCRIPT, tap_leaf_hash, taproot_tweak_seckey
from .tx import Transaction, TxOut


def script_path_sighash(
    tx: Transaction, input_index: int, prevouts: Sequence[TxOut], leaf_script: bytes
) -> bytes:
    """BIP-342 sighash (SIGHASH_DEFAULT, no annex, no code separator) for ``leaf_script``."""
    return taproot_sighash(
        tx,
        input_index,
        prevouts,
        SIGHASH_DEFAULT,
        leaf_hash=tap_leaf_hash(leaf_script, LEAF_VERSION_TAPSCRIPT),
    )


def sign_script_path(
    secret: bytes,
    tx: Transaction,
    input_index: int,
    prevouts: Sequence[TxOut],
    leaf_script: bytes,
    aux_rand: bytes | None = None,
) -> bytes:
    """64-byte BIP-340 signature over the tapscript sighash of ``leaf_script``."""
    return schnorr_sign(
        secret, script_path_sighash(tx, input_index, prevouts, leaf_script), aux_rand
    )


def verify_script_path_sig(
    pubkey_x: bytes,
    tx: Transaction,
    input_index: int,
    prevouts: Sequence[TxOut],
    leaf_script: bytes,
    sig: bytes,
) -> bool:
    """Check a 64-byte SIGHASH_DEFAULT tapscript signature."""
    return schnorr_verify(
        pubkey_x, script_path_sighash(tx, input_index, prevouts, leaf_script), sig
    )


def sign_key_path(
    secret: bytes,
    tx: Transaction,
    input_index: int,
    prevouts: Sequence[TxOut],
    merkle_root: bytes | None = None,
    aux_rand: bytes | None = None,
) -> bytes:
    """Key-path signature (SIGHASH_DEFAULT) for an output built from ``secret``'s key."""
    msg = taproot_sighash(tx, input_index, prevouts, SIGHASH_DEFAULT)
    return schnorr_sign(taproot_tweak_seckey(secret, merkle_root), msg, aux_rand)
