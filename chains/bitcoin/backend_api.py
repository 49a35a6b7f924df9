"""The async interface every Bitcoin backend implements, and a header-sync helper."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from .block import Block, BlockHeader
from .spv import HeaderChain
from .tx import Transaction


@dataclass(frozen=True)
class ChainTip:
    """Best block height and hash (internal byte order)."""

    height: int
    block_hash: bytes


@dataclass(frozen=True)
class TxWithProof:
    """A confirmed transaction with its block and Merkle proof (internal byte order)."""

    tx: Transaction
    block_hash: bytes
    height: int
    index: int
    proof: tuple[bytes, ...]


@runtime_checkable
class BitcoinBackend(Protocol):
    """Read the chain and broadcast transactions. All hashes are internal byte order."""

    async def get_tip(self) -> ChainTip: ...

    async def get_block_hash(self, height: int) -> bytes: ...

    async def get_header(self, block_hash: bytes) -> BlockHeader: ...

    async def get_block(self, block_hash: bytes) -> Block: ...

    async def get_tx_with_proof(self, txid: bytes) -> TxWithProof: ...

    async def broadcast(self, tx: Transaction) -> bytes: ...

    async def close(self) -> None: ...


async def headers_range(backend: BitcoinBackend, start: int, end: int) -> list[BlockHeader]:
    """Headers of heights ``start..end`` inclusive, in order."""
    out = []
    for h in range(start, end + 1):
        out.append(await backend.get_header(await backend.get_block_hash(h)))
    return out


async def sync_header_chain(chain: HeaderChain, backend: BitcoinBackend) -> int:
    """Fetch and validate headers from ``chain``'s tip to the backend's tip; returns new height.

    Every header goes through ``HeaderChain.add_header`` (linkage, difficulty, proof of work);
    a backend serving bad headers raises ``SpvError``.
    """
    tip = await backend.get_tip()
    start = chain.tip_height + 1
    # Walk back if the backend's chain diverged from ours (reorg).
    while start > chain.base_height + 1:
        ours = chain.main_chain_hash(start - 1)
        theirs = await backend.get_block_hash(start - 1)
        if ours == theirs:
            break
        start -= 1
    for header in await headers_range(backend, start, tip.height):
        chain.add_header(header)
    return chain.tip_height
