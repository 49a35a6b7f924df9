"""Schnorr adaptor signatures (Babylon ``crypto/schnorr-adaptor-signature``).

A pre-signature ``compressed(R0) || s0`` (65 bytes) under public key P on message m is
"encrypted" under an adaptor point T: it verifies with ``enc_verify``, becomes an ordinary
BIP-340 signature with the discrete log t of T (``decrypt``), and a published signature
together with the pre-signature reveals t (``extract``).

Babylon encrypts covenant signatures under the finality provider's key lifted with even y;
its nonce hash commits to the 33-byte P (``mode="babylon"``). The upstream spec vectors hash
the 32-byte x-only P (``mode="spec"``). Verification, decryption and extraction are the same.
"""

from __future__ import annotations

from typing import Literal

from coincurve import PublicKey

from .errors import AdaptorError, CryptoError
from .hashes import tagged_hash
from .schnorr import schnorr_verify
from .secp import (
    N,
    bytes32,
    has_even_y,
    int_from_bytes,
    lift_x,
    normalize_secret,
    parse_point,
    point_add,
    point_mul,
    point_mul_g,
    point_neg,
    scalar_from_bytes,
    xonly,
)

PRESIG_LEN = 65


def _challenge(r_x: bytes, p_x: bytes, msg: bytes) -> int:
    return int_from_bytes(tagged_hash("BIP0340/challenge", r_x + p_x + msg)) % N


def encryption_key_from_xonly(fp_pk: bytes) -> bytes:
    """Babylon's encryption key for an FP: its x-only key lifted with even y (33 bytes)."""
    return lift_x(fp_pk).format(compressed=True)


def decryption_key_from_secret(secret: bytes) -> bytes:
    """Decryption key matching ``encryption_key_from_xonly``: the secret normalised to even y."""
    return bytes32(normalize_secret(scalar_from_bytes(secret)))


def enc_sign(
    secret: bytes,
    msg: bytes,
    encryption_key: bytes,
    aux_rand: bytes,
    mode: Literal["babylon", "spec"] = "babylon",
) -> bytes:
    """Pre-sign the 32-byte ``msg`` under the 33-byte adaptor point ``encryption_key``."""
    if len(msg) != 32 or len(aux_rand) != 32:
        raise AdaptorError("BAD_INPUT", "message and aux randomness must be 32 bytes")
    try:
        t_point = parse_point(encryption_key)
    except CryptoError as exc:
        raise AdaptorError("BAD_ENCRYPTION_KEY", "encryption key is not a valid point") from exc
    d = normalize_secret(scalar_from_bytes(secret))
    p = point_mul_g(d)
    p_bytes = p.format(compressed=True) if mode == "babylon" else xonly(p)
    t0 = bytes(
        a ^ b for a, b in zip(bytes32(d), tagged_hash("SchnorrAdaptor/aux", aux_rand), strict=True)
    )
    k = (
        int_from_bytes(
            tagged_hash(
                "SchnorrAdaptor/nonce", t0 + t_point.format(compressed=True) + p_bytes + msg
            )
        )
        % N
    )
    if k == 0:
        raise AdaptorError("NONCE_ZERO", "derived nonce is zero")
    r0 = point_add(point_mul_g(k), t_point)
    if r0 is None:
        raise AdaptorError("NONCE_INFINITY", "k·G + T is the point at infinity")
    if not has_even_y(r0):
        k = N - k
    e = _challenge(xonly(r0), xonly(p), msg)
    s0 = (k + e * d) % N
    return r0.format(compressed=True) + bytes32(s0)


def _parse_presig(presig: bytes) -> tuple[PublicKey, int]:
    if len(presig) != PRESIG_LEN:
        raise AdaptorError("BAD_PRESIG", "pre-signature must be 65 bytes")
    try:
        r0 = parse_point(presig[:33])
    except CryptoError as exc:
        raise AdaptorError("BAD_PRESIG", "pre-signature nonce is not a valid point") from exc
    s0 = int_from_bytes(presig[33:])
    if s0 >= N:
        raise AdaptorError("BAD_PRESIG", "pre-signature scalar is not below the curve order")
    return r0, s0


def enc_verify(pubkey_x: bytes, msg: bytes, encryption_key: bytes, presig: bytes) -> bool:
    """True when ``presig`` is a valid pre-signature of ``msg`` by ``pubkey_x`` under T."""
    try:
        p = lift_x(pubkey_x)
        t_point = parse_point(encryption_key)
        r0, s0 = _parse_presig(presig)
    except (CryptoError, AdaptorError):
        return False
    e = _challenge(xonly(r0), pubkey_x, msg)
    # R = s0·G - e·P
    parts = []
    if s0:
        parts.append(point_mul_g(s0))
    if e:
        parts.append(point_neg(point_mul(p, e)))
    if not parts:
        return False
    r = parts[0] if len(parts) == 1 else point_add(parts[0], parts[1])
    if r is None:
        return False
    expected = point_add(r0, point_neg(r)) if has_even_y(r0) else point_add(r0, r)
    return expected is not None and expected.format(compressed=True) == t_point.format(
        compressed=True
    )


def decrypt(presig: bytes, decryption_key: bytes) -> bytes:
    """Complete a pre-signature with the adaptor secret t into a BIP-340 signature."""
    r0, s0 = _parse_presig(presig)
    t = scalar_from_bytes(decryption_key, "decryption key")
    s = (s0 + t) % N if has_even_y(r0) else (s0 - t) % N
    return xonly(r0) + bytes32(s)


def extract(presig: bytes, sig: bytes) -> bytes:
    """Recover the adaptor secret t from a pre-signature and its completed signature."""
    r0, s0 = _parse_presig(presig)
    if len(sig) != 64 or sig[:32] != xonly(r0):
        raise AdaptorError("SIG_MISMATCH", "signature nonce does not match the pre-signature")
    s = int_from_bytes(sig[32:])
    if s >= N:
        raise AdaptorError("BAD_SIGNATURE", "signature scalar is not below the curve order")
    t = (s - s0) % N if has_even_y(r0) else (s0 - s) % N
    if t == 0:
        raise AdaptorError("EXTRACTION_FAILED", "extracted adaptor secret is zero")
    return bytes32(t)


def verify_decrypted(pubkey_x: bytes, msg: bytes, sig: bytes) -> bool:
    """Plain BIP-340 check of a decrypted signature."""
    return schnorr_verify(pubkey_x, msg, sig)
