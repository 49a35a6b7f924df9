"""Bitcoin transaction Merkle trees: roots and inclusion proofs (internal byte order)."""

from __future__ import annotations

from collections.abc import Sequence

from .errors import SpvError
from .hashes import hash256


def merkle_root(txids: Sequence[bytes]) -> bytes:
    """Block Merkle root of txids (internal order); odd levels duplicate their last node."""
    if not txids:
        raise SpvError("EMPTY_BLOCK", "a block has at least one transaction")
    level = list(txids)
    while len(level) > 1:
        if len(level) % 2:
            level.append(level[-1])
        level = [hash256(level[i] + level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def merkle_proof(txids: Sequence[bytes], index: int) -> list[bytes]:
    """Sibling hashes, bottom-up, proving ``txids[index]``."""
    if not 0 <= index < len(txids):
        raise SpvError("BAD_INDEX", "transaction index out of range")
    proof: list[bytes] = []
    level = list(txids)
    idx = index
    while len(level) > 1:
        if len(level) % 2:
            level.append(level[-1])
        proof.append(level[idx ^ 1])
        level = [hash256(level[i] + level[i + 1]) for i in range(0, len(level), 2)]
        idx >>= 1
    return proof


def compute_merkle_root(txid: bytes, index: int, proof: Sequence[bytes]) -> bytes:
    """Fold ``proof`` over ``txid`` at position ``index`` (Babylon ``btcutils.verify``)."""
    if len(txid) != 32 or any(len(node) != 32 for node in proof):
        raise SpvError("BAD_MERKLE_PROOF", "proof nodes and txid must be 32 bytes")
    if index < 0 or index >> len(proof):
        raise SpvError("BAD_MERKLE_PROOF", "index has more bits than the proof has levels")
    cur = txid
    for node in proof:
        cur = hash256(node + cur) if index & 1 else hash256(cur + node)
        index >>= 1
    return cur


def verify_merkle_proof(txid: bytes, index: int, proof: Sequence[bytes], root: bytes) -> None:
    """Raise ``SpvError(BAD_MERKLE_PROOF)`` unless ``proof`` links ``txid`` to ``root``."""
    if not proof and not (txid == root and index == 0):
        raise SpvError("BAD_MERKLE_PROOF", "empty proof for a transaction that is not the root")
    if compute_merkle_root(txid, index, proof) != root:
        raise SpvError("BAD_MERKLE_PROOF", "Merkle proof does not lead to the header's root")
