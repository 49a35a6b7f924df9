"""BIP-341 signature messages and hashes (key path and BIP-342 tapscript path)."""

from __future__ import annotations

from collections.abc import Sequence

from .errors import SighashError
from .hashes import sha256, tagged_hash
from .tx import Transaction, TxOut, compact_size

SIGHASH_DEFAULT = 0x00
SIGHASH_ALL = 0x01
SIGHASH_NONE = 0x02
SIGHASH_SINGLE = 0x03
SIGHASH_ANYONECANPAY = 0x80
VALID_HASH_TYPES = frozenset({0x00, 0x01, 0x02, 0x03, 0x81, 0x82, 0x83})
CODESEP_NONE = 0xFFFFFFFF


def taproot_sigmsg(
    tx: Transaction,
    input_index: int,
    prevouts: Sequence[TxOut],
    hash_type: int = SIGHASH_DEFAULT,
    *,
    leaf_hash: bytes | None = None,
    annex: bytes | None = None,
    codesep_pos: int = CODESEP_NONE,
) -> bytes:
    """``SigMsg(hash_type, ext_flag)`` of BIP-341, with the BIP-342 extension when ``leaf_hash``."""
    if hash_type not in VALID_HASH_TYPES:
        raise SighashError("BAD_HASH_TYPE", f"hash type 0x{hash_type:02x} is not valid")
    if len(prevouts) != len(tx.inputs):
        raise SighashError("PREVOUTS_MISMATCH", "one spent output is needed per input")
    if not 0 <= input_index < len(tx.inputs):
        raise SighashError("BAD_INPUT_INDEX", "input index out of range")
    base = hash_type & 0x03
    anyone = bool(hash_type & SIGHASH_ANYONECANPAY)
    if base == SIGHASH_SINGLE and input_index >= len(tx.outputs):
        raise SighashError("SINGLE_WITHOUT_OUTPUT", "SIGHASH_SINGLE without matching output")
    ext_flag = 1 if leaf_hash is not None else 0
    parts = [
        bytes([hash_type]),
        tx.version.to_bytes(4, "little", signed=True),
        tx.locktime.to_bytes(4, "little"),
    ]
    if not anyone:
        parts.append(
            sha256(
                b"".join(i.prevout.txid + i.prevout.index.to_bytes(4, "little") for i in tx.inputs)
            )
        )
        parts.append(sha256(b"".join(p.value.to_bytes(8, "little") for p in prevouts)))
        parts.append(
            sha256(b"".join(compact_size(len(p.script_pubkey)) + p.script_pubkey for p in prevouts))
        )
        parts.append(sha256(b"".join(i.sequence.to_bytes(4, "little") for i in tx.inputs)))
    if base not in (SIGHASH_NONE, SIGHASH_SINGLE):
        parts.append(sha256(b"".join(o.serialize() for o in tx.outputs)))
    spend_type = ext_flag * 2 + (1 if annex is not None else 0)
    parts.append(bytes([spend_type]))
    txin = tx.inputs[input_index]
    if anyone:
        prev = prevouts[input_index]
        parts += [
            txin.prevout.txid,
            txin.prevout.index.to_bytes(4, "little"),
            prev.serialize(),
            txin.sequence.to_bytes(4, "little"),
        ]
    else:
        parts.append(input_index.to_bytes(4, "little"))
    if annex is not None:
        parts.append(sha256(compact_size(len(annex)) + annex))
    if base == SIGHASH_SINGLE:
        parts.append(sha256(tx.outputs[input_index].serialize()))
    if leaf_hash is not None:
        if len(leaf_hash) != 32:
            raise SighashError("BAD_LEAF_HASH", "leaf hash must be 32 bytes")
        parts += [leaf_hash, b"\x00", codesep_pos.to_bytes(4, "little")]
    return b"\x00" + b"".join(parts)


def taproot_sighash(
    tx: Transaction,
    input_index: int,
    prevouts: Sequence[TxOut],
    hash_type: int = SIGHASH_DEFAULT,
    *,
    leaf_hash: bytes | None = None,
    annex: bytes | None = None,
    codesep_pos: int = CODESEP_NONE,
) -> bytes:
    """``hash_TapSighash(SigMsg)``: the 32-byte message a taproot signature signs."""
    return tagged_hash(
        "TapSighash",
        taproot_sigmsg(
            tx,
            input_index,
            prevouts,
            hash_type,
            leaf_hash=leaf_hash,
            annex=annex,
            codesep_pos=codesep_pos,
        ),
    )
