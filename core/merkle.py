"""Merkle trees of cumulative operator-reward claims (the hub's own format).

A leaf commits to ``(operator, total_claimable)``; inner nodes hash their two children in
sorted order, so a proof is just the list of sibling hashes. Leaves and nodes carry
different one-byte prefixes, so a node can never pass for a leaf. Mirrored Ethereum
networks keep using Symbiotic's on-chain keccak tree; this one is for hub-kept rewards.
"""

from __future__ import annotations

import hashlib

from omnistake.errors import InvalidArgument

_LEAF = b"\x00"
_NODE = b"\x01"


def leaf_hash(operator: str, total_claimable: int) -> bytes:
    """Hash of the leaf for ``operator`` with cumulative ``total_claimable``."""
    name = operator.encode()
    body = len(name).to_bytes(2, "big") + name + total_claimable.to_bytes(32, "big")
    return hashlib.sha256(_LEAF + hashlib.sha256(body).digest()).digest()


def _node(a: bytes, b: bytes) -> bytes:
    lo, hi = (a, b) if a <= b else (b, a)
    return hashlib.sha256(_NODE + lo + hi).digest()


def _levels(leaves: list[bytes]) -> list[list[bytes]]:
    level = sorted(leaves)
    levels = [level]
    while len(level) > 1:
        nxt = [_node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        levels.append(nxt)
        level = nxt
    return levels


class RewardTree:
    """A tree over ``{operator: total_claimable}``; gives the root and each proof."""

    def __init__(self, totals: dict[str, int]) -> None:
        if not totals:
            raise InvalidArgument("a reward tree needs at least one operator", field="totals")
        self._leaf = {op: leaf_hash(op, amount) for op, amount in totals.items()}
        self._levels = _levels(list(self._leaf.values()))

    @property
    def root(self) -> str:
        """Root as 64 hex characters."""
        return self._levels[-1][0].hex()

    def proof(self, operator: str) -> list[str]:
        """Sibling hashes (hex) from the operator's leaf up to the root."""
        node = self._leaf[operator]
        proof: list[str] = []
        for level in self._levels[:-1]:
            i = level.index(node)
            sibling = i ^ 1
            if sibling < len(level):
                proof.append(level[sibling].hex())
                node = _node(node, level[sibling])
            # an odd last node is carried up unchanged
        return proof


def verify(root: str, operator: str, total_claimable: int, proof: list[str]) -> bool:
    """True when ``proof`` leads from the operator's leaf to ``root``. Malformed input (a
    sibling that is not 64 hex characters, an amount outside uint256) is simply not a proof."""
    try:
        node = leaf_hash(operator, total_claimable)
        for sibling in proof:
            step = bytes.fromhex(sibling)
            if len(step) != 32:
                return False
            node = _node(node, step)
        return node.hex() == root.lower()
    except (ValueError, TypeError, OverflowError, AttributeError):
        return False
