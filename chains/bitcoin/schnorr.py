"""BIP-340 Schnorr signatures through libsecp256k1 (coincurve)."""

from __future__ import annotations

import os

from coincurve import PrivateKey, PublicKeyXOnly
from coincurve._libsecp256k1 import ffi, lib  # type: ignore[import-not-found]

from .errors import CryptoError
from .secp import scalar_from_bytes

_EXTRAPARAMS_MAGIC = b"\xda\x6f\xb3\x8c"


def schnorr_sign(secret: bytes, msg: bytes, aux_rand: bytes | None = None) -> bytes:
    """Sign ``msg`` (any length, BIP-340 with variable-length messages) with a 32-byte secret.

    ``aux_rand`` is 32 bytes of auxiliary randomness; fresh randomness is drawn when None.
    """
    scalar_from_bytes(secret)
    if aux_rand is None:
        aux_rand = os.urandom(32)
    if len(aux_rand) != 32:
        raise CryptoError("BAD_AUX_RAND", "auxiliary randomness must be 32 bytes")
    priv = PrivateKey(secret)
    keypair = ffi.new("secp256k1_keypair *")
    if not lib.secp256k1_keypair_create(priv.context.ctx, keypair, secret):
        raise CryptoError("BAD_SCALAR", "secret key is invalid")
    params = ffi.new("secp256k1_schnorrsig_extraparams *")
    ffi.memmove(params.magic, _EXTRAPARAMS_MAGIC, 4)
    aux_buf = ffi.new("unsigned char[32]", aux_rand)
    params.ndata = aux_buf
    sig = ffi.new("unsigned char[64]")
    msg_buf = ffi.new("unsigned char[]", msg) if msg else ffi.NULL
    if not lib.secp256k1_schnorrsig_sign_custom(
        priv.context.ctx, sig, msg_buf, len(msg), keypair, params
    ):
        raise CryptoError("SIGN_FAILED", "libsecp256k1 refused to sign")
    out = bytes(ffi.buffer(sig))
    if not schnorr_verify(priv.public_key_xonly.format(), msg, out):
        raise CryptoError("SIGN_FAILED", "fresh signature does not verify")
    return out


def schnorr_verify(pubkey_x: bytes, msg: bytes, sig: bytes) -> bool:
    """Verify a 64-byte BIP-340 signature of ``msg`` under a 32-byte x-only key."""
    if len(sig) != 64 or len(pubkey_x) != 32:
        return False
    try:
        pk = PublicKeyXOnly(pubkey_x)
    except ValueError:
        return False
    return pk.verify(sig, msg)
