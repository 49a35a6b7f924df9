"""The sync loop: one :class:`ChainSync` per chain adapter drives the adapter and feeds the
ledger.

- Finalized blocks: each fact is executed as ``SYSTEM`` at the fact's chain timestamp with
  ``request_id = fact_id``, then the cursor moves (one store transaction). A crash between
  the two only means the block is fed again on restart, and the ledger answers every fact
  as a replay: nothing is applied twice.
- Shallow rollbacks never reached the ledger (only final blocks are fed): reported only.
- Deep rollbacks (finalized blocks orphaned): the ledger history is rebuilt without the
  orphaned facts (``LedgerService.rebuild(exclude=...)``), the cursor moves back to the
  common ancestor, and following resumes on the new canonical chain.
- Slash and payout instructions are handed to the adapter once per instruction id; their
  outcomes are recorded in the sync store and told to observers. For vaults the hub keeps
  on this chain (domain ``hub``, asset on this chain), :meth:`ChainSync.dispatch` derives
  them from the ledger's ``Slashed`` and ``WithdrawalClaimed`` events.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import inspect
import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, replace
from typing import Any

from omnistake.errors import AlreadySet, IdempotencyConflict, OmnistakeError
from omnistake.ledger.commands import RecordInstructionOutcome
from omnistake.ledger.events import Slashed, SlashInstructed, WithdrawalClaimed
from omnistake.ledger.ledger import Recorded
from omnistake.ledger.state import Vault
from omnistake.principals import SYSTEM
from omnistake.service import CommandResult, LedgerService

from .cursor_store import MemorySyncStore, SyncStore
from .errors import SyncError
from .protocol import ChainAdapter, EventObserver
from .records import (
    BlockApplied,
    BlockRef,
    ChainInfo,
    ChainRolledBack,
    ChainUpdate,
    Cursor,
    DepositClaim,
    FactRejected,
    Finalized,
    InstructionDone,
    OutcomeStatus,
    PayoutInstruction,
    PayoutOutcome,
    RolledBack,
    SlashInstruction,
    SlashOutcome,
    SyncEvent,
    SyncStatus,
)

log = logging.getLogger("omnistake.sync")

ProgressCallback = Callable[[SyncStatus], None]


class ChainSync:
    """Drives one adapter into one :class:`~omnistake.service.LedgerService`."""

    def __init__(
        self,
        service: LedgerService,
        adapter: ChainAdapter,
        store: SyncStore | None = None,
        *,
        observers: Sequence[EventObserver] = (),
        strict_facts: bool = False,
        progress: ProgressCallback | None = None,
    ) -> None:
        """``strict_facts``: stop (raise :class:`SyncError`) when the ledger rejects a fact,
        instead of recording the rejection and going on. ``progress`` is called after each
        fed block with the current :class:`SyncStatus` (the CLI draws a rich bar with it)."""
        self.service = service
        self.adapter = adapter
        self.store: SyncStore = store if store is not None else MemorySyncStore()
        self.observers = list(observers)
        self.strict_facts = strict_facts
        self.progress = progress
        self._info: ChainInfo | None = None
        self.events: list[SyncEvent] = []

    # -- start-up ----------------------------------------------------------------------------

    async def info(self) -> ChainInfo:
        """The adapter's :class:`ChainInfo` (asked once)."""
        if self._info is None:
            self._info = await self.adapter.describe()
        return self._info

    @property
    def chain_id(self) -> str:
        """The chain's CAIP-2 id (after :meth:`start`)."""
        if self._info is None:
            raise SyncError("call start() first")
        return self._info.chain_id

    @property
    def cursor(self) -> Cursor | None:
        """The last block whose facts reached the ledger."""
        return self.store.cursor(self.chain_id)

    async def start(self) -> ChainInfo:
        """Describe the chain and register its assets in the ledger (idempotently)."""
        from omnistake.errors import AlreadyExists
        from omnistake.ledger.commands import RegisterAsset

        info = await self.info()
        for asset in await self.adapter.list_assets():
            command = RegisterAsset(
                asset_id=asset.asset_id, decimals=asset.decimals, symbol=asset.symbol
            )
            with contextlib.suppress(AlreadyExists):
                await self.service.execute(
                    command, principal=SYSTEM, request_id=_bounded("asset:" + asset.asset_id)
                )
        return info

    # -- following ---------------------------------------------------------------------------

    async def run(self, *, until: Callable[[ChainSync], bool] | None = None) -> None:
        """Follow the chain from the stored cursor and feed it, forever or until ``until``
        (checked after each update) says stop."""
        await self.start()
        updates = self.adapter.follow(self.cursor)
        try:
            async for update in updates:
                await self.apply(update)
                if until is not None and until(self):
                    return
        finally:
            closer = getattr(updates, "aclose", None)
            if closer is not None:
                await closer()

    async def catch_up(self, timeout: float = 30.0) -> Cursor | None:
        """Follow until the cursor is the adapter's latest final block; returns the cursor.
        Raises :class:`SyncError` after ``timeout`` seconds."""
        await self.start()

        async def follow() -> None:
            if await self.caught_up():
                return
            updates = self.adapter.follow(self.cursor)
            try:
                async for update in updates:
                    await self.apply(update)
                    if await self.caught_up():
                        return
            finally:
                closer = getattr(updates, "aclose", None)
                if closer is not None:
                    await closer()

        try:
            await asyncio.wait_for(follow(), timeout)
        except TimeoutError:
            raise SyncError(
                f"{self.chain_id}: not caught up after {timeout}s (cursor {self.cursor})"
            ) from None
        return self.cursor

    async def caught_up(self) -> bool:
        """True when the cursor is the adapter's latest final block."""
        await self.info()
        status = await self.adapter.sync_status()
        cursor = self.cursor
        if status.finalized is None:
            return True
        return cursor is not None and cursor.block_hash == status.finalized.hash

    async def apply(self, update: ChainUpdate) -> None:
        """Handle one update from the adapter."""
        if isinstance(update, Finalized):
            await self._finalized(update)
        elif isinstance(update, RolledBack):
            await self._rolled_back(update)
        else:
            raise SyncError(f"adapter yielded {type(update).__name__}, not a ChainUpdate")

    async def _finalized(self, update: Finalized) -> None:
        chain_id = self.chain_id
        cursor = self.cursor
        block = update.block
        if cursor is not None and block.height != cursor.height + 1:
            if block.height <= cursor.height and self._fed_hash_matches(cursor, block):
                return  # an already-fed block replayed by the adapter: nothing to do
            raise SyncError(
                f"{chain_id}: adapter yielded block {block.height} after {cursor.height}; "
                "blocks must come in order with no gaps",
                chain_id=chain_id,
            )
        if cursor is not None:
            earlier = self.store.fed_hash(chain_id, block.height)
            if earlier is not None and earlier != block.hash:
                # This height was begun with another block before a crash, and that block
                # has since been orphaned: its facts may have reached the ledger.
                await self._rolled_back(
                    RolledBack(BlockRef(cursor.height, cursor.block_hash, 0), deep=True)
                )
        new_cursor = Cursor(chain_id, block.height, block.hash, update.cursor_state)
        results = await asyncio.to_thread(self._feed_sync, update, new_cursor)
        applied = replayed = rejected = 0
        for fact, result in zip(update.facts, results, strict=False):
            if isinstance(result, IdempotencyConflict):
                raise SyncError(
                    f"{chain_id}: fact {fact.fact_id!r} came back with a different command; "
                    "fact ids must be derived from the chain fact",
                    chain_id=chain_id,
                ) from result
            if isinstance(result, OmnistakeError):
                if self.strict_facts:
                    raise SyncError(
                        f"{chain_id}: the ledger rejected fact {fact.fact_id!r}: "
                        f"{result.reason}: {result.message}",
                        chain_id=chain_id,
                    ) from result
                rejected += 1
                log.warning("%s: fact %s rejected: %s", chain_id, fact.fact_id, result.reason)
                await self._tell(
                    FactRejected(
                        chain_id=chain_id,
                        fact_id=fact.fact_id,
                        reason=result.reason,
                        message=result.message,
                    )
                )
            elif result.replayed:
                replayed += 1
            else:
                applied += 1
        await self._tell(
            BlockApplied(
                chain_id=chain_id,
                block=block,
                applied=applied,
                replayed=replayed,
                rejected=rejected,
            )
        )
        if self.progress is not None:
            self.progress(await self.status())

    def _feed_sync(self, update: Finalized, cursor: Cursor) -> list[CommandResult | OmnistakeError]:
        """Execute a block's facts in order, then move the cursor (one thread hop per block).
        Stops early, without moving the cursor, on a conflict or a strict-mode rejection."""
        results: list[CommandResult | OmnistakeError] = []
        if update.facts:
            self.store.begin_block(
                cursor.chain_id,
                cursor.height,
                cursor.block_hash,
                [f.fact_id for f in update.facts],
            )
        for fact in update.facts:
            try:
                results.append(
                    self.service.execute_sync(
                        fact.command, principal=SYSTEM, request_id=fact.fact_id, at=fact.at
                    )
                )
            except OmnistakeError as exc:
                results.append(exc)
                if isinstance(exc, IdempotencyConflict) or self.strict_facts:
                    return results
        self.store.record_block(cursor, [f.fact_id for f in update.facts])
        return results

    def _fed_hash_matches(self, cursor: Cursor, block: Any) -> bool:
        return bool(block.height == cursor.height and block.hash == cursor.block_hash)

    async def _rolled_back(self, update: RolledBack) -> None:
        chain_id = self.chain_id
        cursor = self.cursor
        to = update.to_block
        if cursor is not None and to.height == cursor.height and to.hash != cursor.block_hash:
            raise SyncError(
                f"{chain_id}: rollback target {to.height} is not the block this loop fed "
                "at that height",
                chain_id=chain_id,
            )
        target = Cursor(chain_id, to.height, to.hash)
        journal = await asyncio.to_thread(self.store.rollback, target)
        candidates = set(update.orphaned_fact_ids) | set(journal)
        # Only facts that reached the ledger need the history rebuilt.
        orphaned = sorted(
            fid for fid in candidates if self.service.store.find_request(fid) is not None
        )
        rebuilt = False
        if orphaned:
            await self._rebuild(orphaned)
            rebuilt = True
            self.store.set_meta(_dispatch_key(chain_id), "0")
        if update.deep or rebuilt:
            log.warning("%s: reorg to %s dropped %d fed facts", chain_id, to.height, len(orphaned))
        await self._tell(
            ChainRolledBack(
                chain_id=chain_id,
                to_block=to,
                deep=update.deep or rebuilt,
                orphaned=len(orphaned),
                rebuilt=rebuilt,
            )
        )

    async def _rebuild(self, orphaned: Iterable[str]) -> None:
        rebuild = getattr(self.service, "rebuild", None)
        if rebuild is None:
            raise SyncError(
                f"{self.chain_id}: a reorg deeper than the confirmation depth needs "
                "LedgerService.rebuild, which this ledger service lacks",
                chain_id=self.chain_id,
            )
        exclude = frozenset(orphaned).__contains__
        if inspect.iscoroutinefunction(rebuild):
            report = await rebuild(exclude=exclude)
        else:
            report = await asyncio.to_thread(rebuild, exclude=exclude)
            if inspect.isawaitable(report):
                report = await report
        # Requests the rebuilt history no longer accepts (they depended on orphaned facts).
        for dropped in getattr(report, "rejected", None) or ():
            await self._tell(
                FactRejected(
                    chain_id=self.chain_id,
                    fact_id=str(getattr(dropped, "request_id", "")),
                    reason=str(getattr(dropped, "reason", "")),
                    message=str(getattr(dropped, "message", "")),
                )
            )

    async def status(self) -> SyncStatus:
        """The adapter's view of the chain plus this loop's cursor."""
        status = await self.adapter.sync_status()
        return replace(status, cursor=self.cursor)

    # -- deposits, slashes, payouts ----------------------------------------------------------

    async def verify_deposit(self, claim: DepositClaim) -> CommandResult:
        """Have the adapter verify a claimed deposit, then credit it (idempotently: the fact
        id is derived from the chain transaction, so claiming twice credits once)."""
        verified = await self.adapter.verify_deposit(claim)
        fact = verified.fact
        return await self.service.execute(
            fact.command, principal=SYSTEM, request_id=fact.fact_id, at=fact.at
        )

    async def execute_slash(self, instruction: SlashInstruction) -> SlashOutcome:
        """Hand a slash to the adapter once; later calls return the recorded outcome."""
        outcome = await self._once(instruction, self.adapter.execute_slash, SlashOutcome)
        assert isinstance(outcome, SlashOutcome)
        return outcome

    async def execute_payout(self, instruction: PayoutInstruction) -> PayoutOutcome:
        """Hand a payout to the adapter once; later calls return the recorded outcome."""
        outcome = await self._once(instruction, self.adapter.execute_payout, PayoutOutcome)
        assert isinstance(outcome, PayoutOutcome)
        return outcome

    async def _once(
        self,
        instruction: SlashInstruction | PayoutInstruction,
        call: Callable[[Any], Any],
        kind: type[SlashOutcome] | type[PayoutOutcome],
    ) -> SlashOutcome | PayoutOutcome:
        chain_id = (await self.info()).chain_id
        stored = self.store.outcome(instruction.instruction_id)
        if stored is not None:
            data = json.loads(stored)
            data["status"] = OutcomeStatus(data["status"])
            return kind(**data)
        try:
            outcome: SlashOutcome | PayoutOutcome = await call(instruction)
        except OmnistakeError as exc:
            outcome = kind(
                instruction_id=instruction.instruction_id,
                status=OutcomeStatus.FAILED,
                detail=f"{exc.reason}: {exc.message}",
            )
        if not isinstance(outcome, kind):
            raise SyncError(
                f"adapter answered {type(outcome).__name__}, not {kind.__name__}",
                chain_id=chain_id,
            )
        # Every outcome the adapter answers is final for this loop (FAILED means the chain can
        # never carry it out); an adapter that may still succeed later raises instead, so the
        # instruction is handed over again. The outcome is kept here and recorded in the
        # ledger's history as an InstructionOutcomeRecorded event.
        # The ledger first: a crash before the local record means the adapter is asked again
        # (idempotent per instruction id) and the ledger answers the repeat from its record.
        await self._record_in_ledger(chain_id, instruction, outcome)
        self.store.record_outcome(chain_id, instruction.instruction_id, json.dumps(asdict(outcome)))
        await self._tell(
            InstructionDone(chain_id=chain_id, instruction=instruction, outcome=outcome)
        )
        return outcome

    async def _record_in_ledger(
        self,
        chain_id: str,
        instruction: SlashInstruction | PayoutInstruction,
        outcome: SlashOutcome | PayoutOutcome,
    ) -> None:
        kind = "slash" if isinstance(instruction, SlashInstruction) else "payout"
        command = RecordInstructionOutcome(
            chain_id=chain_id,
            instruction_id=instruction.instruction_id,
            kind=kind,
            vault=instruction.vault,
            status=outcome.status.value,
            tx_id=outcome.tx_id[:256],
            detail=outcome.detail[:2048],
        )
        # AlreadySet: a final outcome was recorded before a crash under another status.
        with contextlib.suppress(AlreadySet):
            await self.service.execute(
                command,
                principal=SYSTEM,
                request_id=_bounded(f"outcome:{instruction.instruction_id}:{outcome.status.value}"),
            )

    def instructions(
        self, records: Iterable[Recorded]
    ) -> list[SlashInstruction | PayoutInstruction]:
        """Slash and payout instructions that ledger events mean for vaults the hub keeps on
        this chain (vault domain ``hub``, asset on this chain)."""
        chain_id = self.chain_id
        vaults = self.service.ledger.state.vaults
        out: list[SlashInstruction | PayoutInstruction] = []
        for record in records:
            event = record.event
            if isinstance(event, SlashInstructed):
                instructed = self._instructed(chain_id, event, vaults)
                if instructed is not None:
                    out.append(instructed)
                continue
            if not isinstance(event, Slashed | WithdrawalClaimed):
                continue
            vault = vaults.get(event.vault)
            if vault is None or vault.domain != "hub":
                continue
            if not vault.asset_id.startswith(chain_id + "/"):
                continue
            iid = _bounded(f"{type(event).__name__}:{chain_id}:" + _digest(event.to_json()))
            if isinstance(event, Slashed):
                if event.burned > 0:
                    out.append(
                        SlashInstruction(
                            instruction_id=iid,
                            vault=event.vault,
                            asset_id=vault.asset_id,
                            network=event.network,
                            subnetwork=event.subnetwork,
                            operator=event.operator,
                            amount=event.burned,
                            capture=event.capture,
                            burner=event.burner,
                        )
                    )
            elif event.amount > 0:
                out.append(
                    PayoutInstruction(
                        instruction_id=iid,
                        vault=event.vault,
                        asset_id=vault.asset_id,
                        recipient=event.recipient,
                        amount=event.amount,
                    )
                )
        return out

    @staticmethod
    def _instructed(
        chain_id: str, event: SlashInstructed, vaults: Mapping[str, Vault]
    ) -> SlashInstruction | None:
        """A slash a network asked for on a vault mirrored from this chain."""
        vault = vaults.get(event.vault)
        if vault is None or vault.domain != chain_id:
            return None
        return SlashInstruction(
            instruction_id=_bounded(f"SlashInstructed:{chain_id}:" + _digest(event.to_json())),
            vault=event.vault,
            asset_id=vault.asset_id,
            network=event.network,
            subnetwork=event.subnetwork,
            operator=event.operator,
            amount=event.amount,
            capture=event.capture,
            burner=vault.burner,
            action=event.action,
            request=event.request,
        )

    async def dispatch(self) -> list[SlashOutcome | PayoutOutcome]:
        """Hand every new slash and payout the ledger decided (for vaults the hub keeps on
        this chain) to the adapter; returns their outcomes."""
        await self.start()
        key = _dispatch_key(self.chain_id)
        position = int(self.store.get_meta(key) or 0)
        outcomes: list[SlashOutcome | PayoutOutcome] = []
        while True:
            batch = await asyncio.to_thread(self.service.events_since, position, 500)
            if not batch:
                break
            for instruction in self.instructions(batch):
                if isinstance(instruction, SlashInstruction):
                    outcomes.append(await self.execute_slash(instruction))
                else:
                    outcomes.append(await self.execute_payout(instruction))
            position = batch[-1].seq
            self.store.set_meta(key, str(position))
        return outcomes

    # -- observers ---------------------------------------------------------------------------

    async def _tell(self, event: SyncEvent) -> None:
        self.events.append(event)
        for observer in self.observers:
            try:
                await observer.notify(event)
            except Exception:
                log.exception("event observer %r failed on %s", observer, type(event).__name__)

    async def close(self) -> None:
        """Close the adapter (the store and service belong to the caller)."""
        await self.adapter.close()


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def _bounded(request_id: str) -> str:
    """Request ids are at most 128 characters: hash the tail of longer ones."""
    if len(request_id) <= 128:
        return request_id
    return request_id[:80] + ":" + _digest(request_id)


def _dispatch_key(chain_id: str) -> str:
    return f"dispatch-seq:{chain_id}"
