"""BIP-341 Taproot: tap leaves and branches, trees, output-key tweaks and control blocks."""

from __future__ import annotations

from dataclasses import dataclass

from coincurve import PublicKeyXOnly

from .errors import CryptoError, TaprootError
from .hashes import tagged_hash
from .script import p2tr_script
from .secp import N, bytes32, int_from_bytes, lift_x, normalize_secret, point_mul_g, xonly
from .tx import compact_size

LEAF_VERSION_TAPSCRIPT = 0xC0


@dataclass(frozen=True)
class TapLeaf:
    """A script leaf (script bytes and leaf version)."""

    script: bytes
    version: int = LEAF_VERSION_TAPSCRIPT

    @property
    def hash(self) -> bytes:
        return tap_leaf_hash(self.script, self.version)


#: A tap tree: a leaf, or a pair (left, right) of subtrees.
TapTree = TapLeaf | tuple["TapTree", "TapTree"]


def tap_leaf_hash(script: bytes, version: int = LEAF_VERSION_TAPSCRIPT) -> bytes:
    """``hash_TapLeaf(v || compact_size(len(s)) || s)``."""
    if version & 1:
        raise TaprootError("BAD_LEAF_VERSION", "leaf version must be even")
    return tagged_hash("TapLeaf", bytes([version]) + compact_size(len(script)) + script)


def tap_branch_hash(a: bytes, b: bytes) -> bytes:
    """``hash_TapBranch(min(a,b) || max(a,b))``."""
    return tagged_hash("TapBranch", a + b if a < b else b + a)


def tree_root_and_paths(tree: TapTree) -> tuple[bytes, list[tuple[TapLeaf, list[bytes]]]]:
    """Merkle root of ``tree`` and, per leaf (left to right), its path of sibling hashes."""
    if isinstance(tree, TapLeaf):
        return tree.hash, [(tree, [])]
    left, right = tree
    lh, lpaths = tree_root_and_paths(left)
    rh, rpaths = tree_root_and_paths(right)
    paths = [(leaf, [*p, rh]) for leaf, p in lpaths] + [(leaf, [*p, lh]) for leaf, p in rpaths]
    return tap_branch_hash(lh, rh), paths


def taproot_tweak(internal_x: bytes, merkle_root: bytes | None) -> int:
    """``t = int(hash_TapTweak(P || root))``; raises when t ≥ n."""
    t = int_from_bytes(tagged_hash("TapTweak", internal_x + (merkle_root or b"")))
    if t >= N:
        raise TaprootError("BAD_TWEAK", "tweak is not below the curve order")
    return t


def taproot_output_key(internal_x: bytes, merkle_root: bytes | None) -> tuple[bytes, int]:
    """Output key ``Q = P + t·G`` as (x-only bytes, y parity)."""
    lift_x(internal_x)
    t = taproot_tweak(internal_x, merkle_root)
    q = PublicKeyXOnly(internal_x)
    q.tweak_add(bytes32(t))
    return q.format(), int(q.parity)


def taproot_tweak_seckey(secret: bytes, merkle_root: bytes | None) -> bytes:
    """The secret key for key-path spends of the output built from ``secret``'s x-only key."""
    d = normalize_secret(int_from_bytes(secret))
    p = point_mul_g(d)
    t = taproot_tweak(xonly(p), merkle_root)
    return bytes32((d + t) % N)


def control_block(internal_x: bytes, parity: int, path: list[bytes], leaf_version: int) -> bytes:
    """``(leaf_version | parity) || internal key || path``."""
    return bytes([leaf_version | parity]) + internal_x + b"".join(path)


def verify_control_block(output_x: bytes, script: bytes, cb: bytes) -> bool:
    """True when ``cb`` proves that ``script`` is committed in output key ``output_x``."""
    if len(cb) < 33 or (len(cb) - 33) % 32 or (len(cb) - 33) // 32 > 128:
        return False
    leaf_version = cb[0] & 0xFE
    internal_x = cb[1:33]
    try:
        k = tap_leaf_hash(script, leaf_version)
        for i in range(33, len(cb), 32):
            k = tap_branch_hash(k, cb[i : i + 32])
        qx, parity = taproot_output_key(internal_x, k)
    except (CryptoError, TaprootError, ValueError):  # bad internal key or tweak
        return False
    return qx == output_x and parity == cb[0] & 1


@dataclass(frozen=True)
class TaprootInfo:
    """An output key built from an internal key and an optional script tree."""

    internal_key: bytes
    tree: TapTree | None
    merkle_root: bytes | None
    output_key: bytes
    parity: int
    leaf_paths: tuple[tuple[TapLeaf, tuple[bytes, ...]], ...]

    @classmethod
    def build(cls, internal_key: bytes, tree: TapTree | None) -> TaprootInfo:
        """Compute root, tweak and output key of ``tree`` under ``internal_key``."""
        if tree is None:
            root, paths = None, list[tuple[TapLeaf, list[bytes]]]()
        else:
            root, paths = tree_root_and_paths(tree)
        qx, parity = taproot_output_key(internal_key, root)
        return cls(
            internal_key, tree, root, qx, parity, tuple((leaf, tuple(p)) for leaf, p in paths)
        )

    @property
    def script_pubkey(self) -> bytes:
        return p2tr_script(self.output_key)

    def control_block(self, script: bytes, leaf_version: int = LEAF_VERSION_TAPSCRIPT) -> bytes:
        """Control block for spending the leaf ``script``."""
        for leaf, path in self.leaf_paths:
            if leaf.script == script and leaf.version == leaf_version:
                return control_block(self.internal_key, self.parity, list(path), leaf_version)
        raise TaprootError("UNKNOWN_LEAF", "script is not a leaf of this tree")
