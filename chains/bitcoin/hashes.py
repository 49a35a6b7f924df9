"""Hash helpers: SHA-256, double SHA-256 and BIP-340 tagged hashes."""

from __future__ import annotations

import hashlib
from functools import lru_cache


def sha256(data: bytes) -> bytes:
    """SHA-256 digest."""
    return hashlib.sha256(data).digest()


def hash256(data: bytes) -> bytes:
    """Bitcoin's double SHA-256 (txids, block hashes, Merkle nodes)."""
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


@lru_cache(maxsize=64)
def _tag_prefix(tag: str) -> bytes:
    h = hashlib.sha256(tag.encode()).digest()
    return h + h


def tagged_hash(tag: str, data: bytes) -> bytes:
    """BIP-340 tagged hash: ``SHA256(SHA256(tag) || SHA256(tag) || data)``."""
    return hashlib.sha256(_tag_prefix(tag) + data).digest()
