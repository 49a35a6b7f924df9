"""The hub's operator-reward Merkle tree: proofs for every leaf, and what must not verify."""

from __future__ import annotations

import hashlib

import pytest
from omnistake.errors import InvalidArgument
from omnistake.merkle import RewardTree, leaf_hash, verify


def test_leaf_hash_layout() -> None:
    # leaf = sha256(0x00 || sha256(len(name) as 2 bytes || name || amount as 32 bytes))
    body = (2).to_bytes(2, "big") + b"op" + (5).to_bytes(32, "big")
    expected = hashlib.sha256(b"\x00" + hashlib.sha256(body).digest()).digest()
    assert leaf_hash("op", 5) == expected


def test_single_leaf_tree_root_is_the_leaf() -> None:
    tree = RewardTree({"op": 7})
    assert tree.root == leaf_hash("op", 7).hex()
    assert tree.proof("op") == []
    assert verify(tree.root, "op", 7, [])


def test_two_leaf_root_by_hand() -> None:
    a, b = leaf_hash("a", 1), leaf_hash("b", 2)
    lo, hi = sorted([a, b])
    root = hashlib.sha256(b"\x01" + lo + hi).hexdigest()
    assert RewardTree({"a": 1, "b": 2}).root == root


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 13])
def test_every_proof_verifies(n: int) -> None:
    totals = {f"op-{i}": 10 * i + 1 for i in range(n)}
    tree = RewardTree(totals)
    for op, amount in totals.items():
        proof = tree.proof(op)
        assert verify(tree.root, op, amount, proof)
        assert verify(tree.root.upper(), op, amount, proof)
        assert not verify(tree.root, op, amount + 1, proof)
        if n > 1:
            assert not verify(tree.root, op, amount, proof[:-1])
        other = next(o for o in totals if o != op) if n > 1 else None
        if other is not None:
            assert not verify(tree.root, other, amount, proof)


def test_garbage_proofs_do_not_verify() -> None:
    tree = RewardTree({"a": 1, "b": 2, "c": 3})
    assert not verify(tree.root, "a", 1, ["zz"])
    assert not verify(tree.root, "a", 1, ["00" * 31])  # a sibling must be 32 bytes
    assert not verify(tree.root, "a", 1, [123])  # type: ignore[list-item]
    assert not verify("not hex", "a", 1, tree.proof("a"))


def test_inner_node_cannot_pass_for_a_leaf() -> None:
    tree = RewardTree({"a": 1, "b": 2, "c": 3, "d": 4})
    # the level-1 nodes are hashed with a different prefix than leaves, so no (name, amount)
    # can reproduce them; a proof of length 1 from a made-up leaf fails
    assert not verify(tree.root, "a", 1, tree.proof("a")[1:])


def test_empty_tree_is_refused() -> None:
    with pytest.raises(InvalidArgument):
        RewardTree({})
