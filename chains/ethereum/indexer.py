"""Follow Symbiotic core events from a stored cursor, with confirmations and reorg rollback.

The indexer yields ordered, typed, finalized :class:`~omnistake.chains.ethereum.events.IndexedEvent`
records in :class:`EventBatch` updates, and a :class:`Rollback` when the chain it already
reported was replaced (parent-hash mismatch). The cursor (last block + hash), recent block
hashes and the vaults/delegators/slashers discovered from factory events are kept in SQLite
(:class:`CursorStore`) and advanced only after the consumer has handled an update, so a
crash or an RPC fault never loses or repeats an event.

Each batch ``[a, b]`` is read as one consistent view: the hash of block ``b`` is read before
and after the logs, every log's block hash must match that block's header, and the parent
of ``a`` must be the stored cursor hash; otherwise the batch is read again (mid-read change)
or rolled back (the chain under the cursor changed).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from eth_utils.crypto import keccak
from omnistake.chains.ethereum.abi import BoundContract, ContractAbi, checksum
from omnistake.chains.ethereum.cursor_store import CursorStore
from omnistake.chains.ethereum.deploy import CoreDeployment
from omnistake.chains.ethereum.errors import IndexerError
from omnistake.chains.ethereum.events import (
    DelegatorCreated,
    DelegatorMetadata,
    EventDecoder,
    IndexedEvent,
    SlasherCreated,
    SlasherMetadata,
    SourceKind,
    UnknownEvent,
    VaultCreated,
    VaultMetadata,
)
from omnistake.chains.ethereum.rpc import (
    JsonRpcError,
    RetryPolicy,
    is_transient,
    raw_request,
    with_retries,
)
from omnistake.chains.ethereum.toolchain import Toolchain
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from web3 import AsyncHTTPProvider, AsyncWeb3

log = logging.getLogger(__name__)
_ADD_ENTITY = "0x" + keccak(text="AddEntity(address)").hex()


@dataclass(frozen=True)
class IndexerConfig:
    """Tuning knobs of the indexer."""

    confirmations: int = 12
    batch_size: int = 2000
    addresses_per_query: int = 200
    checkpoint_window: int = 4096
    header_concurrency: int = 32
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    inconsistent_read_retries: int = 20
    #: Fetch every block header of a batch (not only blocks with events), so that
    #: ``EventBatch.blocks`` lists each block without gaps and the batch's parent-hash chain
    #: is checked link by link. Costs one header read per block.
    all_blocks: bool = False


@dataclass(frozen=True)
class BlockInfo:
    """A block the indexer read: number, hash, parent hash and timestamp (seconds)."""

    number: int
    hash: str
    parent_hash: str
    timestamp: int


@dataclass(frozen=True)
class EventBatch:
    """Events of blocks ``from_block..to_block`` (inclusive), ordered by (block, log index)."""

    from_block: int
    to_block: int
    to_hash: str
    events: tuple[IndexedEvent, ...]
    #: Ascending: every block of the range with ``IndexerConfig.all_blocks``, otherwise the
    #: first and last block and each block that holds an event.
    blocks: tuple[BlockInfo, ...] = ()


@dataclass(frozen=True)
class Rollback:
    """Blocks ``from_block..to_block`` reported earlier are no longer canonical.

    The consumer must undo every event it took from that range; the indexer then reports
    the new canonical blocks from ``from_block`` on.
    """

    from_block: int
    to_block: int
    reason: str = "reorg"
    #: Hash of block ``from_block - 1``, the common ancestor (None: before the start block).
    ancestor_hash: str | None = None
    #: (block hash, log index) of every event reported from the dropped blocks (kept for
    #: ``IndexerConfig.checkpoint_window`` blocks).
    orphaned: tuple[tuple[str, int], ...] = ()


Update = EventBatch | Rollback

__all__ = [
    "BlockInfo",
    "CursorStore",
    "EventBatch",
    "IndexerConfig",
    "Rollback",
    "SymbioticIndexer",
    "Update",
    "apply_update",
]


class _Inconsistent(Exception):
    """The chain changed while a batch was being read; read it again."""


@dataclass
class _Pending:
    update: Update
    commit: Callable[[], None]


def _int(value: Any) -> int:
    return int(value, 16) if isinstance(value, str) else int(value)


def _hex(value: Any) -> str:
    if isinstance(value, str):
        return value.lower() if value.startswith("0x") else "0x" + value.lower()
    return "0x" + bytes(value).hex()


class SymbioticIndexer:
    """Indexes one Symbiotic core deployment and every vault created through its factories."""

    def __init__(
        self,
        w3: AsyncWeb3[AsyncHTTPProvider],
        deployment: CoreDeployment,
        toolchain: Toolchain,
        store: CursorStore | None = None,
        config: IndexerConfig | None = None,
        *,
        start_block: int | None = None,
    ) -> None:
        self.w3 = w3
        self.deployment = deployment
        self.config = config or IndexerConfig()
        self.store = store or CursorStore()
        self.decoder = EventDecoder(toolchain)
        self.toolchain = toolchain
        self._abis: dict[str, ContractAbi] = {}
        self.start_block = deployment.deploy_block if start_block is None else start_block
        self._chain_checked = False
        d = deployment
        self._fixed: dict[str, SourceKind] = {
            d.network_registry.lower(): SourceKind.NETWORK_REGISTRY,
            d.operator_registry.lower(): SourceKind.OPERATOR_REGISTRY,
            d.network_middleware_service.lower(): SourceKind.MIDDLEWARE_SERVICE,
            d.operator_vault_opt_in_service.lower(): SourceKind.OPERATOR_VAULT_OPT_IN,
            d.operator_network_opt_in_service.lower(): SourceKind.OPERATOR_NETWORK_OPT_IN,
            d.vault_factory.lower(): SourceKind.VAULT_FACTORY,
            d.delegator_factory.lower(): SourceKind.DELEGATOR_FACTORY,
            d.slasher_factory.lower(): SourceKind.SLASHER_FACTORY,
        }
        self._factories = {
            d.vault_factory.lower(): SourceKind.VAULT,
            d.delegator_factory.lower(): SourceKind.DELEGATOR,
            d.slasher_factory.lower(): SourceKind.SLASHER,
        }

    # ------------------------------------------------------------------ RPC helpers
    async def _rpc(self, what: str, call: Callable[[], Awaitable[Any]]) -> Any:
        return await with_retries(call, what=what, policy=self.config.retry)

    async def _raw(self, method: str, params: list[Any]) -> Any:
        return await self._rpc(method, lambda: raw_request(self.w3, method, params))

    async def _head(self) -> int:
        return _int(await self._raw("eth_blockNumber", []))

    async def _header(self, number: int) -> dict[str, Any]:
        block = await self._raw("eth_getBlockByNumber", [hex(number), False])
        if block is None:
            raise _Inconsistent(f"block {number} not found")
        return dict(block)

    async def _headers(self, numbers: Sequence[int]) -> dict[int, dict[str, Any]]:
        out: dict[int, dict[str, Any]] = {}
        step = self.config.header_concurrency
        for i in range(0, len(numbers), step):
            chunk = numbers[i : i + step]
            got = await asyncio.gather(*(self._header(n) for n in chunk))
            out.update(zip(chunk, got, strict=True))
        return out

    async def _logs(
        self, a: int, b: int, addresses: list[str], topic0: str | None = None
    ) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        step = self.config.addresses_per_query
        for i in range(0, len(addresses), step):
            out.extend(await self._logs_range(a, b, addresses[i : i + step], topic0))
        return out

    async def _logs_range(
        self, a: int, b: int, addresses: list[str], topic0: str | None
    ) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"fromBlock": hex(a), "toBlock": hex(b), "address": addresses}
        if topic0:
            params["topics"] = [topic0]
        try:
            return list(await self._raw("eth_getLogs", [params]))
        except JsonRpcError as exc:
            if a == b or is_transient(exc):
                raise
            # Providers cap results per query: split the range and ask again.
            log.info("eth_getLogs %d..%d refused (%s); splitting", a, b, exc.message)
            mid = (a + b) // 2
            return [
                *await self._logs_range(a, mid, addresses, topic0),
                *await self._logs_range(mid + 1, b, addresses, topic0),
            ]

    # ------------------------------------------------------------------ one step
    def cursor(self) -> tuple[int, str | None]:
        """(last handled block, hash); before the first batch, the block before the start."""
        return self.store.cursor() or (self.start_block - 1, None)

    async def safe_head(self) -> int:
        """Highest block with the configured number of confirmations."""
        return await self._head() - self.config.confirmations

    async def _check_chain(self) -> None:
        if self._chain_checked:
            return
        chain_id = _int(await self._raw("eth_chainId", []))
        if chain_id != self.deployment.chain_id:
            raise IndexerError(
                f"node is on chain {chain_id}, the deployment is on chain"
                f" {self.deployment.chain_id}",
                reason="WRONG_CHAIN",
            )
        self._chain_checked = True

    async def _next(self, safe: int | None = None) -> _Pending | None:
        await self._check_chain()
        cur_block, cur_hash = self.cursor()
        if safe is None:
            safe = await self.safe_head()
        if cur_block >= safe:
            if cur_hash is not None and cur_block >= self.start_block:
                # Nothing new, but the tip we stand on may have been replaced.
                try:
                    head_now = await self._header(cur_block)
                except _Inconsistent:
                    return None  # the chain is shorter than the cursor for now: look again
                if _hex(head_now["hash"]) != cur_hash:
                    return await self._rollback(cur_block)
            return None
        a, b = cur_block + 1, min(cur_block + self.config.batch_size, safe)
        for _ in range(self.config.inconsistent_read_retries):
            try:
                return await self._read_batch(a, b, cur_hash)
            except _Inconsistent as exc:
                log.info("batch %d..%d changed while reading (%s); reading again", a, b, exc)
                await asyncio.sleep(0.05)
        raise IndexerError(
            f"blocks {a}..{b} kept changing while being read", reason="CHAIN_UNSTABLE"
        )

    async def _read_batch(self, a: int, b: int, cur_hash: str | None) -> _Pending:
        hb = await self._header(b)
        hash_b = _hex(hb["hash"])
        ha = hb if a == b else await self._header(a)
        if cur_hash is not None and _hex(ha["parentHash"]) != cur_hash:
            return await self._rollback(a - 1)

        # Phase 1: contracts created in this range (so phase 2 sees their first events).
        known = self.store.entities()
        created = await self._logs(a, b, list(self._factories), _ADD_ENTITY)
        new_entities: list[tuple[str, SourceKind, int]] = []
        for lg in created:
            kind = self._factories[str(lg["address"]).lower()]
            addr = checksum("0x" + str(lg["topics"][1])[-40:])
            new_entities.append((addr, kind, _int(lg["blockNumber"])))
            known[addr.lower()] = kind
        watch = {**self._fixed, **known}

        # Phase 2: every log of every watched contract.
        logs = await self._logs(a, b, list(watch))
        logs.sort(key=lambda lg: (_int(lg["blockNumber"]), _int(lg["logIndex"])))
        if self.config.all_blocks:
            wanted = set(range(a, b))
        else:
            wanted = {_int(lg["blockNumber"]) for lg in logs} - {b}
        headers = await self._headers(sorted(wanted - {a}))
        headers[a] = ha
        headers[b] = hb
        if self.config.all_blocks:
            for n in range(a + 1, b + 1):
                if _hex(headers[n]["parentHash"]) != _hex(headers[n - 1]["hash"]):
                    raise _Inconsistent(f"block {n} does not follow block {n - 1}")
        events: list[IndexedEvent] = []
        for lg in logs:
            n = _int(lg["blockNumber"])
            h = headers[n]
            if _hex(lg["blockHash"]) != _hex(h["hash"]):
                raise _Inconsistent(f"log of block {n} has a stale block hash")
            src = str(lg["address"]).lower()
            kind = watch[src]
            topics = [bytes.fromhex(t[2:]) for t in lg["topics"]]
            data = bytes.fromhex(str(lg["data"])[2:])
            rec = self.decoder.decode(kind, topics, data)
            if rec is None and kind == SourceKind.SLASHER:
                kind = SourceKind.VETO_SLASHER
                rec = self.decoder.decode(kind, topics, data)
            if rec is None:
                log.warning("unknown event %s from %s at block %d", _hex(topics[0]), src, n)
                rec = UnknownEvent(topics=tuple(topics), data=data)
            if isinstance(rec, VaultCreated | DelegatorCreated | SlasherCreated):
                rec = await self._with_metadata(rec, n)
            events.append(
                IndexedEvent(
                    block_number=n,
                    block_hash=_hex(h["hash"]),
                    log_index=_int(lg["logIndex"]),
                    timestamp=_int(h["timestamp"]),
                    tx_hash=_hex(lg["transactionHash"]),
                    address=checksum(src),
                    kind=kind,
                    record=rec,
                )
            )
        hb_again = await self._header(b)
        if _hex(hb_again["hash"]) != hash_b:
            raise _Inconsistent(f"block {b} changed while reading")

        hashes = [(n, _hex(h["hash"])) for n, h in headers.items()]
        infos = tuple(
            BlockInfo(n, _hex(h["hash"]), _hex(h["parentHash"]), _int(h["timestamp"]))
            for n, h in sorted(headers.items())
        )
        batch = EventBatch(
            from_block=a, to_block=b, to_hash=hash_b, events=tuple(events), blocks=infos
        )
        uids = [(e.block_number, e.block_hash, e.log_index) for e in events]

        def commit() -> None:
            self.store.advance(b, hash_b, hashes, new_entities, self.config.checkpoint_window, uids)

        return _Pending(batch, commit)

    def _bound(self, name: str, address: str) -> BoundContract:
        if name not in self._abis:
            self._abis[name] = ContractAbi(name, self.toolchain.abi(name))
        return BoundContract(self.w3, self._abis[name], address, retry=self.config.retry)

    async def _with_metadata(
        self, rec: VaultCreated | DelegatorCreated | SlasherCreated, block: int
    ) -> VaultCreated | DelegatorCreated | SlasherCreated:
        """Add the set-up values a mirror needs, read at the creation block."""

        async def read(c: BoundContract, *fns: str) -> list[Any]:
            return list(await asyncio.gather(*(c.call(f, block=block) for f in fns)))

        if isinstance(rec, VaultCreated):
            v = self._bound("VaultTokenized", rec.vault)
            vals = await read(
                v,
                "collateral",
                "burner",
                "epochDuration",
                "epochDurationInit",
                "depositWhitelist",
                "isDepositLimit",
                "depositLimit",
                "version",
            )
            return replace(rec, metadata=VaultMetadata(*vals))
        if isinstance(rec, DelegatorCreated):
            d = self._bound("OperatorNetworkSpecificDelegator", rec.delegator)
            vault, dtype = await read(d, "vault", "TYPE")
            operator = network = None
            if int(dtype) in (2, 3):
                (operator,) = await read(d, "operator")
            if int(dtype) == 3:
                (network,) = await read(d, "network")
            return replace(rec, metadata=DelegatorMetadata(vault, int(dtype), operator, network))
        sl = self._bound("VetoSlasher", rec.slasher)
        vault, stype = await read(sl, "vault", "TYPE")
        veto = delay = None
        if int(stype) == 1:
            veto, delay = await read(sl, "vetoDuration", "resolverSetEpochsDelay")
        return replace(rec, metadata=SlasherMetadata(vault, int(stype), veto, delay))

    async def _rollback(self, mismatch_at: int) -> _Pending:
        cur_block, _ = self.cursor()
        ancestor: tuple[int, str] | None = None
        for n, h in self.store.hashes_desc(min(mismatch_at, cur_block)):
            try:
                chain = await self._header(n)
            except _Inconsistent:
                continue  # not on the chain (any more): below it is the ancestor
            if _hex(chain["hash"]) == h:
                ancestor = (n, h)
                break
        if ancestor is None:
            # Below every stored hash: the only safe point left is the start.
            ancestor = (self.start_block - 1, "")
        anc_block, anc_hash = ancestor
        update = Rollback(
            from_block=anc_block + 1,
            to_block=cur_block,
            ancestor_hash=anc_hash or None,
            orphaned=tuple(self.store.events_above(anc_block)),
        )
        log.warning("reorg: rolling back blocks %d..%d", update.from_block, update.to_block)

        def commit() -> None:
            self.store.rewind(anc_block, anc_hash or None)

        return _Pending(update, commit)

    # ------------------------------------------------------------------ public loops
    async def step(self, handler: Callable[[Update], Awaitable[None]]) -> Update | None:
        """Read the next update, hand it to ``handler``, then advance the cursor.

        If ``handler`` raises, the cursor stays and the same update comes again next time.
        Returns the update, or None when the indexer is at the safe head.
        """
        pending = await self._next()
        if pending is None:
            return None
        await handler(pending.update)
        pending.commit()
        return pending.update

    async def updates(self, *, until_block: int | None = None) -> AsyncIterator[Update]:
        """Updates until the safe head (or ``until_block``) is reached.

        The cursor advances past an update when the consumer asks for the next one, so an
        update whose processing was interrupted is delivered again.
        """
        while True:
            safe = await self.safe_head()
            if until_block is not None:
                safe = min(safe, until_block)
            pending = await self._next(safe)
            if pending is None:
                return
            yield pending.update
            pending.commit()

    async def follow(
        self, *, poll_interval: float = 1.0, stop: asyncio.Event | None = None
    ) -> AsyncIterator[Update]:
        """Updates forever (or until ``stop`` is set), polling the head every ``poll_interval``."""
        while stop is None or not stop.is_set():
            async for update in self.updates():
                yield update
            if stop is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), poll_interval)
            else:
                await asyncio.sleep(poll_interval)

    async def backfill(
        self,
        handler: Callable[[Update], Awaitable[None]],
        *,
        until_block: int | None = None,
        progress: bool = True,
        console: Console | None = None,
    ) -> int:
        """Catch up to the safe head (or ``until_block``), showing progress; return events seen.

        Resumes from the stored cursor; interrupting and calling again continues where the
        last handled batch ended.
        """
        target = await self.safe_head()
        if until_block is not None:
            target = min(target, until_block)
        start, _ = self.cursor()
        total = max(target - start, 0)
        seen = 0
        bar = Progress(
            TextColumn("[bold]symbiotic backfill"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("blocks  {task.fields[events]} events"),
            TimeRemainingColumn(),
            console=console or Console(stderr=True),
            disable=not progress,
            transient=False,
        )
        with bar:
            task = bar.add_task("backfill", total=total, events=0)
            while True:
                pending = await self._next(target)
                if pending is None:
                    break
                await handler(pending.update)
                pending.commit()
                if isinstance(pending.update, EventBatch):
                    seen += len(pending.update.events)
                done = max(self.cursor()[0] - start, 0)
                bar.update(task, completed=min(done, total), events=seen)
        return seen


def apply_update(log_: list[IndexedEvent], update: Update) -> None:
    """Reference consumer: append a batch's events or drop those of a rolled-back range."""
    if isinstance(update, Rollback):
        log_[:] = [e for e in log_ if e.block_number < update.from_block]
    else:
        log_.extend(update.events)
