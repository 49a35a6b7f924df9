"""secp256k1 helpers over coincurve (libsecp256k1): points, x-only keys and scalar algebra.

Points are coincurve ``PublicKey`` objects; every group operation (scalar multiplication,
addition, negation) runs in libsecp256k1. Only scalar arithmetic modulo n is done in Python.
"""

from __future__ import annotations

from functools import lru_cache

from coincurve import PrivateKey, PublicKey

from .errors import CryptoError

N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F

#: x coordinate of BIP-341's NUMS point H (no known discrete log); Babylon's internal key.
NUMS_X = bytes.fromhex("50929b74c1a04954b78b4b6035e97a5e078a5a0f28ec96d547bfee9ace803ac0")


def int_from_bytes(b: bytes) -> int:
    """Big-endian bytes to int."""
    return int.from_bytes(b, "big")


def bytes32(x: int) -> bytes:
    """Int to 32 big-endian bytes."""
    return x.to_bytes(32, "big")


def scalar_from_bytes(b: bytes, what: str = "secret key") -> int:
    """Parse a 32-byte scalar in [1, n)."""
    if len(b) != 32:
        raise CryptoError("BAD_SCALAR", f"{what} must be 32 bytes")
    k = int_from_bytes(b)
    if not 0 < k < N:
        raise CryptoError("BAD_SCALAR", f"{what} is out of range")
    return k


def point_mul_g(k: int) -> PublicKey:
    """k·G for k in [1, n)."""
    if not 0 < k < N:
        raise CryptoError("BAD_SCALAR", "scalar out of range")
    return PublicKey.from_secret(bytes32(k))


def point_mul(p: PublicKey, k: int) -> PublicKey:
    """k·P for k in [1, n)."""
    if not 0 < k < N:
        raise CryptoError("BAD_SCALAR", "scalar out of range")
    return p.multiply(bytes32(k))


def point_add(a: PublicKey, b: PublicKey) -> PublicKey | None:
    """A + B, or None when the sum is the point at infinity."""
    try:
        return PublicKey.combine_keys([a, b])
    except ValueError:
        return None


def point_neg(p: PublicKey) -> PublicKey:
    """-P (flip the parity byte of the compressed form)."""
    c = p.format(compressed=True)
    return PublicKey(bytes([c[0] ^ 1]) + c[1:])


def has_even_y(p: PublicKey) -> bool:
    """True when P's y coordinate is even."""
    return p.format(compressed=True)[0] == 2


def xonly(p: PublicKey) -> bytes:
    """32-byte x-only (BIP-340) serialisation of P."""
    return p.format(compressed=True)[1:]


def lift_x(x: bytes) -> PublicKey:
    """The point with x coordinate ``x`` and even y (BIP-340 ``lift_x``)."""
    if len(x) != 32:
        raise CryptoError("BAD_PUBKEY", "x-only public key must be 32 bytes")
    if int_from_bytes(x) >= P:
        raise CryptoError("BAD_PUBKEY", "x coordinate is not below the field size")
    try:
        return PublicKey(b"\x02" + x)
    except ValueError as exc:
        raise CryptoError("BAD_PUBKEY", "x coordinate is not on the curve") from exc


def parse_point(b: bytes) -> PublicKey:
    """Parse a 33-byte compressed point."""
    if len(b) != 33 or b[0] not in (2, 3):
        raise CryptoError("BAD_POINT", "point must be 33 bytes with prefix 02 or 03")
    if int_from_bytes(b[1:]) >= P:
        raise CryptoError("BAD_POINT", "x coordinate is not below the field size")
    try:
        return PublicKey(b)
    except ValueError as exc:
        raise CryptoError("BAD_POINT", "point is not on the curve") from exc


def xonly_from_secret(secret: bytes) -> bytes:
    """x-only public key of a 32-byte secret."""
    scalar_from_bytes(secret)
    return xonly(PrivateKey(secret).public_key)


def normalize_secret(secret: int) -> int:
    """Secret negated when needed so that its public key has even y (BIP-340 ``d``)."""
    return secret if has_even_y(point_mul_g(secret)) else N - secret


@lru_cache(maxsize=8192)
def is_valid_xonly(x: bytes) -> bool:
    """True when ``x`` is a valid x-only public key (cached: keys repeat across delegations)."""
    try:
        lift_x(x)
    except CryptoError:
        return False
    return True


def sha256_secret_keys(count: int) -> list[bytes]:
    """x-only keys of ``sk_i = sha256(bytes([i]))``, i < count (Babylon's default covenants)."""
    import hashlib

    return [xonly_from_secret(hashlib.sha256(bytes([i])).digest()) for i in range(count)]
