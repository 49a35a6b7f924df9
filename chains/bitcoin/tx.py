"""Transaction (de)serialisation (BIP-144 witness format), txid/wtxid and dust rules.

A small, strict serialiser of our own: bitcoinlib's parser logs warnings on taproot witnesses
and is much slower, and the verifier needs byte-exact control.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .errors import TxFormatError
from .hashes import hash256
from .script import is_op_return, is_witness_program

SEQUENCE_FINAL = 0xFFFFFFFF
MAX_MONEY = 21_000_000 * 100_000_000


def compact_size(n: int) -> bytes:
    """Bitcoin CompactSize encoding."""
    if n < 0xFD:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfd" + n.to_bytes(2, "little")
    if n <= 0xFFFFFFFF:
        return b"\xfe" + n.to_bytes(4, "little")
    return b"\xff" + n.to_bytes(8, "little")


class Reader:
    """Cursor over bytes that raises ``TxFormatError`` on truncation."""

    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data = data
        self.pos = pos

    def read(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise TxFormatError("TRUNCATED", "unexpected end of data")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def u8(self) -> int:
        return self.read(1)[0]

    def u32(self) -> int:
        return int.from_bytes(self.read(4), "little")

    def i32(self) -> int:
        return int.from_bytes(self.read(4), "little", signed=True)

    def u64(self) -> int:
        return int.from_bytes(self.read(8), "little")

    def varint(self) -> int:
        first = self.u8()
        if first < 0xFD:
            return first
        width = {0xFD: 2, 0xFE: 4, 0xFF: 8}[first]
        v = int.from_bytes(self.read(width), "little")
        if v < {2: 0xFD, 4: 0x10000, 8: 0x100000000}[width]:
            raise TxFormatError("NON_CANONICAL_VARINT", "CompactSize is not minimal")
        return v

    def varbytes(self) -> bytes:
        n = self.varint()
        if n > len(self.data) - self.pos:
            raise TxFormatError("TRUNCATED", "length prefix runs past the end of data")
        return self.read(n)

    def done(self) -> bool:
        return self.pos == len(self.data)


@dataclass(frozen=True)
class OutPoint:
    """A reference to a transaction output. ``txid`` is in internal (little-endian) byte order."""

    txid: bytes
    index: int

    @property
    def txid_hex(self) -> str:
        """The txid as displayed by explorers (byte-reversed hex)."""
        return self.txid[::-1].hex()

    def __str__(self) -> str:
        return f"{self.txid_hex}:{self.index}"


@dataclass(frozen=True)
class TxIn:
    """Transaction input."""

    prevout: OutPoint
    script_sig: bytes = b""
    sequence: int = SEQUENCE_FINAL
    witness: tuple[bytes, ...] = ()


@dataclass(frozen=True)
class TxOut:
    """Transaction output; ``value`` in satoshis."""

    value: int
    script_pubkey: bytes

    def serialize(self) -> bytes:
        return (
            self.value.to_bytes(8, "little")
            + compact_size(len(self.script_pubkey))
            + (self.script_pubkey)
        )


@dataclass(frozen=True)
class Transaction:
    """An immutable Bitcoin transaction."""

    version: int
    inputs: tuple[TxIn, ...]
    outputs: tuple[TxOut, ...]
    locktime: int = 0
    _cache: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)

    @property
    def has_witness(self) -> bool:
        return any(i.witness for i in self.inputs)

    def serialize(self, include_witness: bool = True) -> bytes:
        """Network serialisation; BIP-144 format when any input has a witness."""
        key = "w" if include_witness else "nw"
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        wit = include_witness and self.has_witness
        parts = [self.version.to_bytes(4, "little", signed=True)]
        if wit:
            parts.append(b"\x00\x01")
        parts.append(compact_size(len(self.inputs)))
        for i in self.inputs:
            parts += [
                i.prevout.txid,
                i.prevout.index.to_bytes(4, "little"),
                compact_size(len(i.script_sig)),
                i.script_sig,
                i.sequence.to_bytes(4, "little"),
            ]
        parts.append(compact_size(len(self.outputs)))
        parts += [o.serialize() for o in self.outputs]
        if wit:
            for i in self.inputs:
                parts.append(compact_size(len(i.witness)))
                for item in i.witness:
                    parts += [compact_size(len(item)), item]
        parts.append(self.locktime.to_bytes(4, "little"))
        out = b"".join(parts)
        self._cache[key] = out
        return out

    @property
    def txid_bytes(self) -> bytes:
        """txid in internal byte order (hash of the non-witness serialisation)."""
        cached = self._cache.get("txid")
        if cached is None:
            cached = hash256(self.serialize(include_witness=False))
            self._cache["txid"] = cached
        return cached

    @property
    def txid(self) -> str:
        """txid as displayed (byte-reversed hex)."""
        return self.txid_bytes[::-1].hex()

    @property
    def wtxid_bytes(self) -> bytes:
        """wtxid in internal byte order."""
        return hash256(self.serialize(include_witness=True))

    @property
    def vsize(self) -> int:
        """Virtual size in vbytes."""
        return (self.weight + 3) // 4

    @property
    def weight(self) -> int:
        """BIP-141 weight."""
        base = len(self.serialize(include_witness=False))
        total = len(self.serialize(include_witness=True))
        return base * 3 + total

    def is_coinbase(self) -> bool:
        return (
            len(self.inputs) == 1
            and self.inputs[0].prevout.txid == bytes(32)
            and self.inputs[0].prevout.index == 0xFFFFFFFF
        )

    def with_witness(self, index: int, witness: tuple[bytes, ...] | list[bytes]) -> Transaction:
        """A copy with input ``index``'s witness replaced."""
        inputs = list(self.inputs)
        inputs[index] = replace(inputs[index], witness=tuple(witness))
        return Transaction(self.version, tuple(inputs), self.outputs, self.locktime)

    def outpoint(self, index: int) -> OutPoint:
        """The outpoint of output ``index`` of this transaction."""
        return OutPoint(self.txid_bytes, index)

    @classmethod
    def parse(cls, data: bytes) -> Transaction:
        """Parse exactly one transaction; trailing bytes are an error."""
        r = Reader(data)
        tx = cls.read(r)
        if not r.done():
            raise TxFormatError("TRAILING_BYTES", "bytes left after the transaction")
        return tx

    @classmethod
    def from_hex(cls, hex_str: str) -> Transaction:
        try:
            raw = bytes.fromhex(hex_str)
        except ValueError as exc:
            raise TxFormatError("BAD_HEX", "transaction is not valid hex") from exc
        return cls.parse(raw)

    @classmethod
    def read(cls, r: Reader) -> Transaction:
        """Read one transaction from a cursor."""
        version = r.i32()
        n_in = r.varint()
        segwit = False
        if n_in == 0:
            flag = r.u8()
            if flag != 1:
                raise TxFormatError("BAD_SEGWIT_FLAG", "segwit marker must be followed by 0x01")
            segwit = True
            n_in = r.varint()
        raw_inputs = []
        for _ in range(n_in):
            txid = r.read(32)
            idx = r.u32()
            script_sig = r.varbytes()
            seq = r.u32()
            raw_inputs.append((OutPoint(txid, idx), script_sig, seq))
        n_out = r.varint()
        outputs = []
        for _ in range(n_out):
            value = r.u64()
            if value > MAX_MONEY:
                raise TxFormatError("BAD_VALUE", "output value above 21 million BTC")
            outputs.append(TxOut(value, r.varbytes()))
        witnesses: list[tuple[bytes, ...]] = [() for _ in raw_inputs]
        if segwit:
            for k in range(n_in):
                witnesses[k] = tuple(r.varbytes() for _ in range(r.varint()))
            if not any(witnesses):
                raise TxFormatError("EMPTY_WITNESS", "segwit serialisation without witness data")
        locktime = r.u32()
        inputs = tuple(
            TxIn(op, ss, seq, w) for (op, ss, seq), w in zip(raw_inputs, witnesses, strict=True)
        )
        return cls(version, inputs, tuple(outputs), locktime)


def dust_threshold(script_pubkey: bytes, relay_fee_sat_per_kvb: int = 1000) -> int:
    """btcd ``IsDust`` threshold: an output below this value is dust (0 for OP_RETURN)."""
    if is_op_return(script_pubkey):
        return 0
    out_size = 8 + len(compact_size(len(script_pubkey))) + len(script_pubkey)
    spend = out_size + 41 + (107 // 4 if is_witness_program(script_pubkey) else 107)
    # btcd: dust when value*1000/(3*size) < fee  <=>  value < 3*size*fee/1000 (integer maths)
    return (3 * spend * relay_fee_sat_per_kvb + 999) // 1000


def is_dust(out: TxOut, relay_fee_sat_per_kvb: int = 1000) -> bool:
    """True when ``out`` is dust under btcd's policy."""
    return out.value < dust_threshold(out.script_pubkey, relay_fee_sat_per_kvb)
