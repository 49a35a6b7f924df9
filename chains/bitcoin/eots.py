"""Extractable one-time signatures (Babylon ``crypto/eots``) and public-randomness commitments.

An EOTS signature at height h is the scalar ``s`` of a BIP-340 signature over
``SHA256(be64(h) || app_hash)`` whose nonce point R was committed in advance (``pub_rand =
x(R)``). Two signatures at one height on different messages reveal the signer's secret key.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import EotsError
from .hashes import sha256, tagged_hash
from .schnorr import schnorr_verify
from .secp import (
    N,
    bytes32,
    has_even_y,
    int_from_bytes,
    point_mul_g,
    scalar_from_bytes,
    xonly,
)


def eots_message(height: int, app_hash: bytes) -> bytes:
    """The 40-byte finality vote message ``be64(height) || app_hash``."""
    if len(app_hash) != 32:
        raise EotsError("BAD_APP_HASH", "app hash must be 32 bytes")
    if not 0 <= height < 2**64:
        raise EotsError("BAD_HEIGHT", "height must fit in 64 bits")
    return height.to_bytes(8, "big") + app_hash


def _challenge(r_x: bytes, p_x: bytes, msg_hash: bytes) -> int:
    return int_from_bytes(tagged_hash("BIP0340/challenge", r_x + p_x + msg_hash)) % N


def derive_nonce(secret: bytes, height: int, chain_id: bytes) -> int:
    """Deterministic per-height nonce: HMAC-SHA256(sk, be64(h) || chain_id || be64(i)) in [1, n)."""
    for i in range(1 << 16):
        k = int_from_bytes(
            hmac.digest(
                secret, height.to_bytes(8, "big") + chain_id + i.to_bytes(8, "big"), "sha256"
            )
        )
        if 0 < k < N:
            return k
    raise EotsError("NONCE_DERIVATION_FAILED", "no valid nonce found")  # pragma: no cover


def pub_rand_for(nonce: int) -> bytes:
    """Public randomness ``x(k·G)`` for a nonce."""
    return xonly(point_mul_g(nonce))


def eots_sign(secret: bytes, nonce: int, height: int, app_hash: bytes) -> bytes:
    """EOTS signature (32-byte ``s``) of the vote ``(height, app_hash)`` with committed nonce."""
    x = scalar_from_bytes(secret)
    if not 0 < nonce < N:
        raise EotsError("BAD_NONCE", "nonce out of range")
    p = point_mul_g(x)
    r = point_mul_g(nonce)
    d = x if has_even_y(p) else N - x
    k = nonce if has_even_y(r) else N - nonce
    e = _challenge(xonly(r), xonly(p), sha256(eots_message(height, app_hash)))
    return bytes32((k + e * d) % N)


def eots_verify(fp_pk: bytes, pub_rand: bytes, height: int, app_hash: bytes, sig: bytes) -> bool:
    """True when ``pub_rand || sig`` is a BIP-340 signature of ``SHA256(msg)`` under ``fp_pk``."""
    if len(sig) != 32 or len(pub_rand) != 32:
        return False
    try:
        msg_hash = sha256(eots_message(height, app_hash))
    except EotsError:
        return False
    return schnorr_verify(fp_pk, msg_hash, pub_rand + sig)


def eots_extract(
    fp_pk: bytes,
    pub_rand: bytes,
    height: int,
    app_hash1: bytes,
    sig1: bytes,
    app_hash2: bytes,
    sig2: bytes,
) -> bytes:
    """Recover the secret key from two valid EOTS signatures at one height on different messages."""
    if app_hash1 == app_hash2:
        raise EotsError("SAME_MESSAGE", "both signatures sign the same block")
    for app_hash, sig in ((app_hash1, sig1), (app_hash2, sig2)):
        if not eots_verify(fp_pk, pub_rand, height, app_hash, sig):
            raise EotsError("BAD_SIGNATURE", "an EOTS signature does not verify")
    s1, s2 = int_from_bytes(sig1), int_from_bytes(sig2)
    if s1 == s2:
        raise EotsError("SAME_SIGNATURE", "identical signatures reveal nothing")
    e1 = _challenge(pub_rand, fp_pk, sha256(eots_message(height, app_hash1)))
    e2 = _challenge(pub_rand, fp_pk, sha256(eots_message(height, app_hash2)))
    d = (s1 - s2) * pow(e1 - e2, -1, N) % N
    # d is the even-y secret; x(P) does not say which of d, n-d was the original key.
    if xonly(point_mul_g(d)) != fp_pk:
        raise EotsError("EXTRACTION_FAILED", "extracted key does not match the FP key")
    return bytes32(d)


# --- public randomness commitments (CometBFT simple Merkle tree) -----------------------------


def _leaf(x: bytes) -> bytes:
    return sha256(b"\x00" + x)


def _inner(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right)


def _split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def merkle_root_cometbft(items: Sequence[bytes]) -> bytes:
    """CometBFT ``merkle.HashFromByteSlices``."""
    n = len(items)
    if n == 0:
        return sha256(b"")
    if n == 1:
        return _leaf(items[0])
    k = _split(n)
    return _inner(merkle_root_cometbft(items[:k]), merkle_root_cometbft(items[k:]))


def merkle_proof_cometbft(items: Sequence[bytes], index: int) -> list[bytes]:
    """Aunts (bottom-up) proving ``items[index]``."""
    n = len(items)
    if not 0 <= index < n:
        raise EotsError("BAD_INDEX", "proof index out of range")
    if n == 1:
        return []
    k = _split(n)
    if index < k:
        return [*merkle_proof_cometbft(items[:k], index), merkle_root_cometbft(items[k:])]
    return [*merkle_proof_cometbft(items[k:], index - k), merkle_root_cometbft(items[:k])]


def verify_merkle_proof_cometbft(
    root: bytes, item: bytes, index: int, total: int, aunts: Sequence[bytes]
) -> bool:
    """Check a CometBFT simple Merkle proof."""

    def compute(idx: int, tot: int, leaf_hash: bytes, path: Sequence[bytes]) -> bytes | None:
        if tot == 1:
            return leaf_hash if not path else None
        if not path:
            return None
        k = _split(tot)
        if idx < k:
            left = compute(idx, k, leaf_hash, path[:-1])
            return None if left is None else _inner(left, path[-1])
        right = compute(idx - k, tot - k, leaf_hash, path[:-1])
        return None if right is None else _inner(path[-1], right)

    if not 0 <= index < total:
        return False
    return compute(index, total, _leaf(item), list(aunts)) == root


@dataclass(frozen=True)
class PubRandCommit:
    """A committed list of public randomness for heights ``start .. start+len-1``."""

    fp_pk: bytes
    start_height: int
    pub_rands: tuple[bytes, ...]
    commitment: bytes
    signature: bytes

    @property
    def num_pub_rand(self) -> int:
        return len(self.pub_rands)

    def covers(self, height: int) -> bool:
        return self.start_height <= height < self.start_height + len(self.pub_rands)

    def proof(self, height: int) -> list[bytes]:
        """Merkle proof of the randomness at ``height``."""
        if not self.covers(height):
            raise EotsError("HEIGHT_NOT_COMMITTED", f"height {height} is outside the commitment")
        return merkle_proof_cometbft(self.pub_rands, height - self.start_height)


def commit_message(start: int, num: int, commitment: bytes) -> bytes:
    """Message the FP signs: ``sha256(be64(start) || be64(num) || commitment)``."""
    return sha256(start.to_bytes(8, "big") + num.to_bytes(8, "big") + commitment)


def verify_pub_rand_commit(commit: PubRandCommit) -> bool:
    """Commitment root and the FP's BIP-340 signature over it."""
    if merkle_root_cometbft(commit.pub_rands) != commit.commitment:
        return False
    msg = commit_message(commit.start_height, commit.num_pub_rand, commit.commitment)
    return schnorr_verify(commit.fp_pk, msg, commit.signature)


def verify_finality_sig(
    commit: PubRandCommit,
    height: int,
    pub_rand: bytes,
    proof: Sequence[bytes],
    app_hash: bytes,
    sig: bytes,
) -> bool:
    """Babylon ``VerifyFinalitySig``: randomness committed at ``height`` and EOTS valid."""
    if not commit.covers(height):
        return False
    idx = height - commit.start_height
    if not verify_merkle_proof_cometbft(
        commit.commitment, pub_rand, idx, commit.num_pub_rand, proof
    ):
        return False
    return eots_verify(commit.fp_pk, pub_rand, height, app_hash, sig)


class EotsSigner:
    """A finality provider's EOTS key: commits randomness and signs one vote per height.

    Nonces are derived deterministically from the key, the height and ``chain_id``; the signer
    refuses to sign two different blocks at one height (that would reveal its key).
    """

    def __init__(self, secret: bytes, chain_id: bytes = b"omnistake") -> None:
        scalar_from_bytes(secret)
        self._secret = secret
        self._chain_id = chain_id
        self._signed: dict[int, bytes] = {}
        self.public_key = xonly(point_mul_g(int_from_bytes(secret)))

    def __repr__(self) -> str:
        return f"EotsSigner(public_key={self.public_key.hex()})"

    def pub_rand(self, height: int) -> bytes:
        return pub_rand_for(derive_nonce(self._secret, height, self._chain_id))

    def commit(self, start_height: int, count: int, aux_rand: bytes | None = None) -> PubRandCommit:
        """Commit public randomness for ``count`` heights from ``start_height``."""
        from .schnorr import schnorr_sign

        if count <= 0:
            raise EotsError("BAD_COUNT", "commit at least one height")
        rands = tuple(self.pub_rand(h) for h in range(start_height, start_height + count))
        root = merkle_root_cometbft(rands)
        sig = schnorr_sign(self._secret, commit_message(start_height, count, root), aux_rand)
        return PubRandCommit(self.public_key, start_height, rands, root, sig)

    def sign(self, height: int, app_hash: bytes, *, allow_double_sign: bool = False) -> bytes:
        """Vote for ``app_hash`` at ``height``. ``allow_double_sign`` exists for tests only."""
        prev = self._signed.get(height)
        if prev is not None and prev != app_hash and not allow_double_sign:
            raise EotsError("DOUBLE_SIGN", f"already signed another block at height {height}")
        self._signed.setdefault(height, app_hash)
        nonce = derive_nonce(self._secret, height, self._chain_id)
        return eots_sign(self._secret, nonce, height, app_hash)
