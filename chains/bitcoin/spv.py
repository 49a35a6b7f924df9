"""SPV: a header chain checked for proof of work, difficulty and linkage; inclusion proofs.

The chain starts from a trusted checkpoint header (e.g. genesis, or a recent retarget
boundary) and accepts headers that link to a known header, carry the difficulty the network
rules require (retargeting every 2016 blocks, testnet minimum-difficulty blocks, fixed
difficulty on regtest), hash at or below their target and are later than the median time of
the previous 11 blocks. The best chain is the one with the most cumulative work (strictly
more work is needed to switch). A transaction counts as included with depth
``tip - height >= k`` (Babylon's ``btc_confirmation_depth``) and as final at depth ``w``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .block import BlockHeader, bits_to_target, target_to_bits
from .errors import SpvError, TxFormatError
from .merkle import verify_merkle_proof
from .tx import Transaction


@dataclass(frozen=True)
class NetworkParams:
    """Consensus parameters that matter to header validation."""

    name: str
    pow_limit: int
    genesis_hash_hex: str
    retarget_interval: int = 2016
    target_timespan: int = 14 * 24 * 60 * 60
    target_spacing: int = 600
    no_retargeting: bool = False
    allow_min_difficulty: bool = False

    @property
    def pow_limit_bits(self) -> int:
        return target_to_bits(self.pow_limit)


MAINNET = NetworkParams(
    "mainnet",
    0x00000000FFFF << 208,
    "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f",
)
TESTNET3 = NetworkParams(
    "testnet",
    0x00000000FFFF << 208,
    "000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943",
    allow_min_difficulty=True,
)
SIGNET = NetworkParams(
    "signet",
    0x00000377AE << 216,
    "00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6",
)
REGTEST = NetworkParams(
    "regtest",
    0x7FFFFF << 232,
    "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206",
    no_retargeting=True,
    allow_min_difficulty=True,
)
NETWORKS = {p.name: p for p in (MAINNET, TESTNET3, SIGNET, REGTEST)}


@dataclass(frozen=True)
class HeaderEntry:
    """A stored header with its height and cumulative work from the checkpoint."""

    header: BlockHeader
    height: int
    chain_work: int

    @property
    def hash(self) -> bytes:
        return self.header.hash


@dataclass(frozen=True)
class Inclusion:
    """A verified inclusion of a transaction in the best chain."""

    txid: bytes
    block_hash: bytes
    height: int
    index: int
    depth: int


class HeaderChain:
    """An in-memory SPV header chain for one network."""

    MEDIAN_TIME_SPAN = 11

    def __init__(self, params: NetworkParams, base_header: BlockHeader, base_height: int) -> None:
        if not base_header.meets_target():
            raise SpvError("INSUFFICIENT_WORK", "checkpoint header does not meet its target")
        self.params = params
        base = HeaderEntry(base_header, base_height, base_header.work)
        self._entries: dict[bytes, HeaderEntry] = {base.hash: base}
        self._main: list[bytes] = [base.hash]
        self.base_height = base_height
        self._tip = base

    # -- queries -----------------------------------------------------------------------------

    @property
    def tip(self) -> HeaderEntry:
        return self._tip

    @property
    def tip_height(self) -> int:
        return self._tip.height

    def entry(self, block_hash: bytes) -> HeaderEntry | None:
        return self._entries.get(block_hash)

    def main_chain_hash(self, height: int) -> bytes | None:
        i = height - self.base_height
        return self._main[i] if 0 <= i < len(self._main) else None

    def in_main_chain(self, block_hash: bytes) -> bool:
        e = self._entries.get(block_hash)
        return e is not None and self.main_chain_hash(e.height) == block_hash

    def depth(self, height: int) -> int:
        """``tip - height`` (0 for a block in the tip)."""
        return self._tip.height - height

    def is_final(self, height: int, w: int) -> bool:
        """True when a block at ``height`` is at least ``w`` deep."""
        return self.depth(height) >= w

    # -- header acceptance -------------------------------------------------------------------

    def _ancestor(self, entry: HeaderEntry, height: int) -> HeaderEntry | None:
        cur: HeaderEntry | None = entry
        while cur is not None and cur.height > height:
            cur = self._entries.get(cur.header.prev_hash)
        return cur if cur is not None and cur.height == height else None

    def _median_time_past(self, prev: HeaderEntry) -> int | None:
        times: list[int] = []
        cur: HeaderEntry | None = prev
        while cur is not None and len(times) < self.MEDIAN_TIME_SPAN:
            times.append(cur.header.time)
            cur = self._entries.get(cur.header.prev_hash)
        return sorted(times)[len(times) // 2] if times else None

    def expected_bits(self, prev: HeaderEntry, header: BlockHeader) -> int:
        """The ``nBits`` the network requires for a child of ``prev`` with ``header.time``."""
        p = self.params
        height = prev.height + 1
        if p.no_retargeting:
            return prev.header.bits
        if height % p.retarget_interval:
            if not p.allow_min_difficulty:
                return prev.header.bits
            if header.time > prev.header.time + 2 * p.target_spacing:
                return p.pow_limit_bits
            cur = prev
            while cur.height % p.retarget_interval and cur.header.bits == p.pow_limit_bits:
                parent = self._entries.get(cur.header.prev_hash)
                if parent is None:
                    break
                cur = parent
            return cur.header.bits
        first = self._ancestor(prev, height - p.retarget_interval)
        if first is None:
            raise SpvError(
                "INSUFFICIENT_HISTORY",
                "retarget needs the first header of the period; start from an earlier checkpoint",
            )
        actual = prev.header.time - first.header.time
        actual = max(p.target_timespan // 4, min(actual, p.target_timespan * 4))
        new_target = bits_to_target(prev.header.bits) * actual // p.target_timespan
        return target_to_bits(min(new_target, p.pow_limit))

    def add_header(self, header: BlockHeader) -> HeaderEntry:
        """Validate and store one header; returns its entry. Raises ``SpvError``."""
        h = header.hash
        known = self._entries.get(h)
        if known is not None:
            return known
        prev = self._entries.get(header.prev_hash)
        if prev is None:
            raise SpvError("BAD_LINKAGE", "header does not link to a known header")
        try:
            target = bits_to_target(header.bits)
        except TxFormatError as exc:
            raise SpvError("BAD_DIFFICULTY", exc.message) from exc
        if target == 0 or target > self.params.pow_limit:
            raise SpvError("TARGET_ABOVE_POW_LIMIT", "header target is above the network's limit")
        if header.bits != self.expected_bits(prev, header):
            raise SpvError(
                "BAD_DIFFICULTY",
                f"header nBits 0x{header.bits:08x} differ from the required difficulty",
            )
        if int.from_bytes(h, "little") > target:
            raise SpvError("INSUFFICIENT_WORK", "header hash is above its target")
        mtp = self._median_time_past(prev)
        if mtp is not None and header.time <= mtp:
            raise SpvError("TIME_TOO_OLD", "header time is not after the median of the last 11")
        entry = HeaderEntry(header, prev.height + 1, prev.chain_work + header.work)
        self._entries[h] = entry
        if entry.chain_work > self._tip.chain_work:
            self._set_tip(entry)
        return entry

    def add_headers(self, headers: Iterable[BlockHeader]) -> HeaderEntry:
        """Add headers in order; returns the new tip."""
        for header in headers:
            self.add_header(header)
        return self._tip

    def _set_tip(self, entry: HeaderEntry) -> None:
        branch: list[bytes] = []
        cur: HeaderEntry | None = entry
        while cur is not None and self.main_chain_hash(cur.height) != cur.hash:
            branch.append(cur.hash)
            cur = self._entries.get(cur.header.prev_hash)
        fork_height = cur.height if cur is not None else self.base_height - 1
        del self._main[fork_height - self.base_height + 1 :]
        self._main.extend(reversed(branch))
        self._tip = entry

    # -- inclusion ---------------------------------------------------------------------------

    def verify_inclusion(
        self,
        tx: Transaction,
        block_hash: bytes,
        index: int,
        proof: Sequence[bytes],
        min_depth: int,
        allow_coinbase: bool = False,
    ) -> Inclusion:
        """Check that ``tx`` sits at ``index`` in a best-chain block at least ``min_depth`` deep."""
        entry = self._entries.get(block_hash)
        if entry is None:
            raise SpvError("UNKNOWN_BLOCK", "inclusion proof names a block the chain does not know")
        if not self.in_main_chain(block_hash):
            raise SpvError("NOT_IN_BEST_CHAIN", "block is not in the best chain")
        if index == 0 and not allow_coinbase:
            raise SpvError("COINBASE_NOT_ALLOWED", "transaction index 0 is the coinbase")
        if len(tx.serialize(include_witness=False)) == 64:
            raise SpvError(
                "AMBIGUOUS_TX_SIZE", "64-byte transactions are indistinguishable from Merkle nodes"
            )
        verify_merkle_proof(tx.txid_bytes, index, proof, entry.header.merkle_root)
        depth = self.depth(entry.height)
        if depth < min_depth:
            raise SpvError(
                "NOT_DEEP_ENOUGH",
                f"block depth {depth} below the required {min_depth} (tip - height >= k)",
            )
        return Inclusion(tx.txid_bytes, block_hash, entry.height, index, depth)
