"""Block headers and blocks: (de)serialisation, hashes, compact targets and work."""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import TxFormatError
from .hashes import hash256
from .tx import Reader, Transaction, compact_size

HEADER_LEN = 80


def bits_to_target(bits: int) -> int:
    """Expand a compact ``nBits`` into a target; negative or overflowing encodings are errors."""
    exponent = bits >> 24
    mantissa = bits & 0x007FFFFF
    if bits & 0x00800000 and mantissa:
        raise TxFormatError("NEGATIVE_TARGET", "nBits encodes a negative target")
    target = mantissa >> 8 * (3 - exponent) if exponent <= 3 else mantissa << 8 * (exponent - 3)
    if target >= 1 << 256:
        raise TxFormatError("TARGET_OVERFLOW", "nBits target overflows 256 bits")
    return target


def target_to_bits(target: int) -> int:
    """Compact ``nBits`` of a target (Bitcoin Core ``GetCompact``)."""
    size = (target.bit_length() + 7) // 8
    compact = target << 8 * (3 - size) if size <= 3 else target >> 8 * (size - 3)
    if compact & 0x00800000:
        compact >>= 8
        size += 1
    return compact | (size << 24)


def work_from_bits(bits: int) -> int:
    """Expected hashes for a block at this target: ``2**256 // (target + 1)``."""
    target = bits_to_target(bits)
    return (1 << 256) // (target + 1)


@dataclass(frozen=True)
class BlockHeader:
    """An 80-byte block header. Hashes are in internal byte order."""

    version: int
    prev_hash: bytes
    merkle_root: bytes
    time: int
    bits: int
    nonce: int

    def serialize(self) -> bytes:
        return (
            self.version.to_bytes(4, "little", signed=True)
            + self.prev_hash
            + self.merkle_root
            + self.time.to_bytes(4, "little")
            + self.bits.to_bytes(4, "little")
            + self.nonce.to_bytes(4, "little")
        )

    @property
    def hash(self) -> bytes:
        """Block hash, internal byte order."""
        return hash256(self.serialize())

    @property
    def hash_hex(self) -> str:
        """Block hash as displayed."""
        return self.hash[::-1].hex()

    @property
    def target(self) -> int:
        return bits_to_target(self.bits)

    @property
    def work(self) -> int:
        return work_from_bits(self.bits)

    def meets_target(self) -> bool:
        """True when the header's hash is at or below its own target."""
        return int.from_bytes(self.hash, "little") <= self.target

    @classmethod
    def parse(cls, data: bytes) -> BlockHeader:
        if len(data) != HEADER_LEN:
            raise TxFormatError("BAD_HEADER", "block header must be 80 bytes")
        r = Reader(data)
        return cls(r.i32(), r.read(32), r.read(32), r.u32(), r.u32(), r.u32())


@dataclass(frozen=True)
class Block:
    """A block: header and transactions (coinbase first)."""

    header: BlockHeader
    txs: tuple[Transaction, ...]
    _raw: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)

    def serialize(self) -> bytes:
        raw = self._raw.get("raw")
        if raw is None:
            raw = (
                self.header.serialize()
                + compact_size(len(self.txs))
                + b"".join(t.serialize() for t in self.txs)
            )
            self._raw["raw"] = raw
        return raw

    @property
    def hash(self) -> bytes:
        return self.header.hash

    @classmethod
    def parse(cls, data: bytes) -> Block:
        r = Reader(data)
        header = BlockHeader.parse(r.read(HEADER_LEN))
        n = r.varint()
        txs = tuple(Transaction.read(r) for _ in range(n))
        if not r.done():
            raise TxFormatError("TRAILING_BYTES", "bytes left after the block")
        return cls(header, txs)
