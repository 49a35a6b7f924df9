"""An honest in-memory blockchain: blocks with hashes and parent links, a longest-chain
rule, reorganisations of any depth, account balances, and a vault contract whose events an
adapter mirrors.

Transactions are applied in block order to the state of the block's parent; a transaction
that would break a rule (spend more than a balance, withdraw more than deposited) is
included but reverted, and emits no event - as on a real chain. Orphaned blocks are kept
(so an adapter can see what it had followed) but their transactions are not re-queued.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

VAULT_KINDS = ("create_vault", "deposit", "withdraw", "slash")
TX_KINDS = ("mint", "transfer", *VAULT_KINDS)


class MemchainError(Exception):
    """A request the chain itself refuses (unknown block, malformed transaction)."""

    reason = "MEMCHAIN_ERROR"

    def __init__(self, message: str, reason: str = "MEMCHAIN_ERROR") -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason


@dataclass(frozen=True)
class Tx:
    """A transaction: ``kind`` and its fields; ``txid`` is the hash of both and a nonce."""

    kind: str
    data: tuple[tuple[str, Any], ...]
    nonce: int

    @property
    def txid(self) -> str:
        """Hex SHA-256 of the canonical transaction."""
        body = json.dumps([self.kind, list(self.data), self.nonce], separators=(",", ":"))
        return hashlib.sha256(body.encode()).hexdigest()

    def get(self, key: str) -> Any:
        """A field's value."""
        return dict(self.data)[key]


@dataclass(frozen=True)
class Block:
    """A block: its parent link, height, timestamp and transactions."""

    height: int
    parent: str
    timestamp: int
    txs: tuple[Tx, ...]
    salt: int = 0

    @property
    def hash(self) -> str:
        """Hex SHA-256 over parent, height, timestamp, salt and the transaction ids."""
        body = json.dumps(
            [self.parent, self.height, self.timestamp, self.salt, [t.txid for t in self.txs]],
            separators=(",", ":"),
        )
        return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True)
class Log:
    """An event a successful transaction emitted."""

    index: int
    txid: str
    kind: str
    data: Mapping[str, Any]


@dataclass
class State:
    """Balances and vault books after some block."""

    balances: dict[str, int] = field(default_factory=dict)
    vaults: dict[str, dict[str, int]] = field(default_factory=dict)

    def copy(self) -> State:
        return State(dict(self.balances), {k: dict(v) for k, v in self.vaults.items()})


class MemChain:
    """The chain. ``chain_id`` is a CAIP-2 id such as ``memchain:dev``."""

    def __init__(
        self,
        chain_id: str = "memchain:dev",
        *,
        genesis_time: int = 1_700_000_000,
        block_time: int = 12,
    ) -> None:
        self.chain_id = chain_id
        self.block_time = block_time
        genesis = Block(0, "0" * 64, genesis_time, (), salt=_salt_of(chain_id))
        self._blocks: dict[str, Block] = {genesis.hash: genesis}
        self._canonical: list[str] = [genesis.hash]
        self._mempool: list[Tx] = []
        self._nonce = 0
        self._salt = 0
        self._states: dict[str, State] = {genesis.hash: State()}
        self._logs: dict[str, tuple[Log, ...]] = {genesis.hash: ()}
        self._tx_index: dict[str, list[str]] = {}
        self.version = 0
        self._waiters: list[asyncio.Event] = []

    # -- reading -----------------------------------------------------------------------------

    @property
    def head(self) -> Block:
        """The tip of the canonical (longest) chain."""
        return self._blocks[self._canonical[-1]]

    @property
    def genesis(self) -> Block:
        """Block 0."""
        return self._blocks[self._canonical[0]]

    def block(self, block_hash: str) -> Block:
        """Any block ever mined, canonical or orphaned."""
        try:
            return self._blocks[block_hash]
        except KeyError:
            raise MemchainError(f"unknown block {block_hash[:16]}", "UNKNOWN_BLOCK") from None

    def at_height(self, height: int) -> Block:
        """The canonical block at ``height``."""
        if not 0 <= height < len(self._canonical):
            raise MemchainError(f"no canonical block at height {height}", "NO_SUCH_HEIGHT")
        return self._blocks[self._canonical[height]]

    def is_canonical(self, block: Block) -> bool:
        """True when ``block`` is on the canonical chain."""
        return block.height < len(self._canonical) and self._canonical[block.height] == block.hash

    def common_ancestor(self, block: Block) -> Block:
        """The highest canonical block that ``block`` descends from (itself if canonical)."""
        while not self.is_canonical(block):
            block = self._blocks[block.parent]
        return block

    def path(self, ancestor: Block, block: Block) -> list[Block]:
        """Blocks after ``ancestor`` up to ``block`` (on ``block``'s branch), oldest first."""
        out: list[Block] = []
        while block.hash != ancestor.hash:
            out.append(block)
            block = self._blocks[block.parent]
        return out[::-1]

    def logs(self, block: Block) -> tuple[Log, ...]:
        """Events of the block's successful transactions."""
        self._ensure_state(block)
        return self._logs[block.hash]

    def state(self, block: Block | None = None) -> State:
        """Balances and vault books after ``block`` (default: the head)."""
        block = block or self.head
        self._ensure_state(block)
        return self._states[block.hash].copy()

    def find_tx(self, txid: str) -> tuple[Tx, Block] | None:
        """The transaction and the canonical block holding it, if any."""
        for block_hash in self._tx_index.get(txid, []):
            block = self._blocks[block_hash]
            if self.is_canonical(block):
                for tx in block.txs:
                    if tx.txid == txid:
                        return tx, block
        return None

    def pending(self) -> list[Tx]:
        """Transactions waiting in the mempool."""
        return list(self._mempool)

    # -- writing -----------------------------------------------------------------------------

    def make_tx(self, kind: str, **data: Any) -> Tx:
        """A new transaction (unique nonce), not yet submitted."""
        if kind not in TX_KINDS:
            raise MemchainError(f"unknown transaction kind {kind!r}", "BAD_TX")
        for key, value in data.items():
            if isinstance(value, float):
                raise MemchainError(f"{key}: amounts are integers", "BAD_TX")
        self._nonce += 1
        return Tx(kind, tuple(sorted(data.items())), self._nonce)

    def submit(self, kind: str, **data: Any) -> Tx:
        """Queue a transaction for the next block; returns it (``.txid``)."""
        tx = self.make_tx(kind, **data)
        self._mempool.append(tx)
        return tx

    def mine(self, count: int = 1) -> list[Block]:
        """Extend the head by ``count`` blocks; the first takes the whole mempool."""
        blocks = []
        for _ in range(count):
            txs, self._mempool = tuple(self._mempool), []
            blocks.append(self._attach(self.head, txs))
        return blocks

    def reorg(self, depth: int, txs: Sequence[Tx] = (), length: int | None = None) -> list[Block]:
        """Replace the top ``depth`` canonical blocks by a new branch of ``length`` blocks
        (default ``depth + 1``, so it is longer and wins); its first block holds ``txs``."""
        if not 0 < depth <= self.head.height:
            raise MemchainError(
                f"reorg depth must be 1..{self.head.height} (got {depth})", "BAD_REORG"
            )
        length = depth + 1 if length is None else length
        if length <= depth:
            raise MemchainError(
                "the new branch must be longer than the one it replaces", "BAD_REORG"
            )
        parent = self.at_height(self.head.height - depth)
        blocks = []
        for i in range(length):
            parent = self._attach(parent, tuple(txs) if i == 0 else (), fork=True)
            blocks.append(parent)
        return blocks

    def _attach(self, parent: Block, txs: tuple[Tx, ...], fork: bool = False) -> Block:
        self._salt += 1
        block = Block(
            parent.height + 1,
            parent.hash,
            parent.timestamp + self.block_time,
            txs,
            salt=self._salt if fork else 0,
        )
        self._blocks[block.hash] = block
        for tx in txs:
            self._tx_index.setdefault(tx.txid, []).append(block.hash)
        self._ensure_state(block)
        if block.height >= len(self._canonical):
            # Longest chain wins (first seen on ties): re-point the canonical path.
            path = self.path(self.common_ancestor(block), block)
            del self._canonical[path[0].height :]
            self._canonical.extend(b.hash for b in path)
        self.version += 1
        for waiter in self._waiters:
            waiter.set()
        return block

    async def wait_for_change(self, seen_version: int) -> None:
        """Return once the chain changed after ``seen_version``."""
        while self.version == seen_version:
            waiter = asyncio.Event()
            self._waiters.append(waiter)
            try:
                await waiter.wait()
            finally:
                self._waiters.remove(waiter)

    # -- execution ---------------------------------------------------------------------------

    def _ensure_state(self, block: Block) -> None:
        if block.hash in self._states:
            return
        self._ensure_state(self._blocks[block.parent])
        state = self._states[block.parent].copy()
        logs: list[Log] = []
        for tx in block.txs:
            data = self._execute(state, tx)
            if data is not None:
                logs.append(Log(len(logs), tx.txid, tx.kind, data))
        self._states[block.hash] = state
        self._logs[block.hash] = tuple(logs)

    @staticmethod
    def _execute(state: State, tx: Tx) -> dict[str, Any] | None:
        """Apply ``tx``; its event data, or None when it reverts."""
        d = dict(tx.data)
        bal = state.balances
        if tx.kind == "mint":
            bal[d["to"]] = bal.get(d["to"], 0) + d["amount"]
            return None
        if tx.kind == "transfer":
            if d["amount"] <= 0 or bal.get(d["sender"], 0) < d["amount"]:
                return None
            bal[d["sender"]] -= d["amount"]
            bal[d["to"]] = bal.get(d["to"], 0) + d["amount"]
            return d
        if tx.kind == "create_vault":
            if d["vault"] in state.vaults:
                return None
            state.vaults[d["vault"]] = {}
            return d
        books = state.vaults.get(d.get("vault", ""))
        if books is None:
            return None
        if tx.kind == "deposit":
            if d["amount"] <= 0 or bal.get(d["staker"], 0) < d["amount"]:
                return None
            bal[d["staker"]] -= d["amount"]
            books[d["staker"]] = books.get(d["staker"], 0) + d["amount"]
            return d
        if tx.kind == "withdraw":
            if d["amount"] <= 0 or books.get(d["staker"], 0) < d["amount"]:
                return None
            books[d["staker"]] -= d["amount"]
            return d
        if tx.kind == "slash":
            return d if d["amount"] > 0 else None
        return None


def _salt_of(chain_id: str) -> int:
    return int.from_bytes(hashlib.sha256(chain_id.encode()).digest()[:4], "big")


#: Chains by CAIP-2 id, so an adapter built by the plugin factory finds the chain a test made.
NETWORK: dict[str, MemChain] = {}


def create_chain(chain_id: str = "memchain:dev", **kwargs: Any) -> MemChain:
    """A new chain registered under ``chain_id`` (replacing any earlier one)."""
    chain = MemChain(chain_id, **kwargs)
    NETWORK[chain_id] = chain
    return chain
