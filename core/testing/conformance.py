"""The adapter conformance suite. Subclass :class:`AdapterConformance` in your package's
tests and provide one fixture, ``adapter_harness``::

    import pytest
    from omnistake.testing import AdapterConformance, AdapterHarness

    class TestMyChain(AdapterConformance):
        @pytest.fixture
        def adapter_harness(self) -> AdapterHarness:
            chain = start_my_test_chain()
            return AdapterHarness(make_adapter=lambda: MyAdapter(chain),
                                  controller=MyController(chain), namespace="mychain")

Every test builds its own harness, so tests may reorganise the chain freely.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace

import pytest
import pytest_asyncio
from omnistake.clock import ManualClock
from omnistake.errors import OmnistakeError
from omnistake.ids import parse_asset_id, parse_chain_id
from omnistake.ledger.commands import Command, Deposit
from omnistake.plugins.errors import Unsupported
from omnistake.plugins.protocol import ChainAdapter
from omnistake.plugins.records import (
    ChainInfo,
    ChainRolledBack,
    Cursor,
    Custody,
    DepositClaim,
    FactRejected,
    Finalized,
    PayoutInstruction,
    SlashInstruction,
    SyncStatus,
    VerifiedDeposit,
)
from omnistake.plugins.sync import ChainSync
from omnistake.service import LedgerService

from .follower import Follower, canonical_final_blocks
from .harness import AdapterHarness, ChainController

TIMEOUT = 10.0
_CAPABILITY_VALUES = (True, False, None, "emulated")


def _ledger_service() -> LedgerService:
    return LedgerService.open("memory://", ManualClock(0))


async def wait_until(
    condition: Callable[[], Awaitable[bool]],
    timeout: float = TIMEOUT,
    task: asyncio.Task[None] | None = None,
) -> None:
    """Poll ``condition`` until it holds; fail the test after ``timeout`` seconds, or at
    once with its error when ``task`` (a running sync loop) ended."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        if task is not None and task.done():
            raise AssertionError(f"the sync loop ended: {task.exception()!r}")
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def running(sync: ChainSync) -> AsyncIterator[asyncio.Task[None]]:
    """Run ``sync.run()`` in the background for the duration of the block."""
    task = asyncio.create_task(sync.run())
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _deep_reorg_setup(controller: ChainController) -> None:
    """Activity that stays, filler, then a block with activity that becomes final and is
    then orphaned by ``reorg(confirmation_depth + 1)``."""
    await controller.add_activity()
    await controller.mine(3)
    await controller.add_activity()
    await controller.mine(1 + controller.confirmation_depth)


async def _synced(harness: AdapterHarness, service: LedgerService) -> ChainSync:
    sync = ChainSync(service, harness.make_adapter())
    await sync.start()  # registers the adapter's assets
    await harness.controller.setup_ledger(service)
    await sync.catch_up(TIMEOUT)
    return sync


class AdapterConformance:
    """Tests any chain adapter must pass. Override the ``adapter_harness`` fixture."""

    pytestmark = [pytest.mark.asyncio]

    # -- fixtures ----------------------------------------------------------------------------

    @pytest.fixture
    def adapter_harness(self) -> AdapterHarness:
        """Override: return an :class:`AdapterHarness` on a fresh test chain."""
        pytest.fail("subclasses of AdapterConformance must define the adapter_harness fixture")

    @pytest_asyncio.fixture
    async def harness(self, adapter_harness: AdapterHarness) -> AsyncIterator[AdapterHarness]:
        """The author's harness, torn down after the test."""
        yield adapter_harness
        if adapter_harness.teardown is not None:
            await adapter_harness.teardown()

    @pytest.fixture
    def controller(self, harness: AdapterHarness) -> ChainController:
        """The chain controller."""
        return harness.controller

    @pytest_asyncio.fixture
    async def adapter_factory(
        self, harness: AdapterHarness
    ) -> AsyncIterator[Callable[[], ChainAdapter]]:
        """Builds fresh adapters on the same chain (each is closed after the test)."""
        built: list[ChainAdapter] = []

        def make() -> ChainAdapter:
            adapter = harness.make_adapter()
            built.append(adapter)
            return adapter

        yield make
        for adapter in built:
            await adapter.close()

    @pytest_asyncio.fixture
    async def adapter(self, harness: AdapterHarness) -> AsyncIterator[ChainAdapter]:
        """One adapter, closed after the test."""
        adapter = harness.make_adapter()
        yield adapter
        await adapter.close()

    @pytest_asyncio.fixture
    async def ledger_service(self) -> AsyncIterator[LedgerService]:
        """An in-memory ledger service."""
        service = _ledger_service()
        yield service
        service.close()

    # -- describing ---------------------------------------------------------------------------

    async def test_describe(
        self, adapter: ChainAdapter, harness: AdapterHarness, controller: ChainController
    ) -> None:
        info = await adapter.describe()
        assert isinstance(info, ChainInfo)
        assert parse_chain_id(info.chain_id) == info.chain_id
        assert info.namespace == harness.namespace
        assert isinstance(info.custody, Custody)
        assert info.confirmation_depth == controller.confirmation_depth
        assert parse_asset_id(info.native_asset).chain == info.chain_id
        for name, value in info.capabilities.items():
            assert isinstance(name, str)
            assert value in _CAPABILITY_VALUES, f"capability {name}={value!r}"
        assert info.capabilities.get("follow") is True, "every adapter must follow its chain"
        assert await adapter.describe() == info, "describe() must be stable"

    async def test_list_assets(self, adapter: ChainAdapter) -> None:
        info = await adapter.describe()
        assets = list(await adapter.list_assets())
        assert assets, "an adapter lists at least one asset"
        ids = [a.asset_id for a in assets]
        assert len(set(ids)) == len(ids), "asset ids are unique"
        for asset in assets:
            assert parse_asset_id(asset.asset_id).chain == info.chain_id
            assert 0 <= asset.decimals <= 77

    async def test_sync_status(self, adapter: ChainAdapter, controller: ChainController) -> None:
        await controller.mine(controller.confirmation_depth + 2)
        status = await adapter.sync_status()
        info = await adapter.describe()
        head = await controller.head()
        assert isinstance(status, SyncStatus)
        assert status.chain_id == info.chain_id
        assert status.head == head
        assert status.finalized is not None
        assert status.finalized.height == head.height - info.confirmation_depth

    # -- following ----------------------------------------------------------------------------

    async def test_follow_yields_only_final_blocks_in_order(
        self, adapter: ChainAdapter, controller: ChainController
    ) -> None:
        depth = controller.confirmation_depth
        await controller.add_activity()
        await controller.mine(depth + 4)
        head = await controller.head()
        async with Follower(adapter) as follower:
            await follower.wait_for(lambda f: f.final_height >= head.height - depth, TIMEOUT)
            assert not await follower.quiet(), "a block that is not final was yielded"
            heights = [u.block.height for u in follower.finalized]
            assert heights == list(range(heights[0], heights[-1] + 1)), "gaps or disorder"
            assert heights[-1] == head.height - depth
            assert not follower.rollbacks
            await controller.mine(1)
            await follower.wait_for(lambda f: f.final_height == head.height - depth + 1, TIMEOUT)
            stamps = [u.block.timestamp for u in follower.finalized]
            assert stamps == sorted(stamps), "block timestamps go back"

    async def test_facts_are_well_formed_and_deterministic(
        self, adapter_factory: Callable[[], ChainAdapter], controller: ChainController
    ) -> None:
        depth = controller.confirmation_depth
        for _ in range(3):
            await controller.add_activity()
            await controller.mine(1)
        await controller.mine(depth)
        top = (await controller.head()).height - depth
        first = await canonical_final_blocks(adapter_factory(), top, TIMEOUT)
        second = await canonical_final_blocks(adapter_factory(), top, TIMEOUT)
        assert first == second, "following the same chain twice must yield the same facts"
        facts = [fact for update in first for fact in update.facts]
        assert len(facts) >= 3, "each add_activity() must lead to at least one fact"
        ids = [fact.fact_id for fact in facts]
        assert len(set(ids)) == len(ids), "fact ids are unique"
        for update in first:
            for fact in update.facts:
                assert isinstance(fact.command, Command)
                assert 1 <= len(fact.fact_id) <= 128
                assert fact.at == update.block.timestamp

    async def test_resume_from_cursor(
        self, adapter_factory: Callable[[], ChainAdapter], controller: ChainController
    ) -> None:
        depth = controller.confirmation_depth
        await controller.add_activity()
        await controller.mine(depth + 6)
        top = (await controller.head()).height - depth
        blocks = await canonical_final_blocks(adapter_factory(), top, TIMEOUT)
        info = await adapter_factory().describe()
        middle = blocks[len(blocks) // 2]
        cursor = Cursor(info.chain_id, middle.block.height, middle.block.hash)
        async with Follower(adapter_factory(), cursor) as follower:
            await follower.wait_for(lambda f: f.final_height >= top, TIMEOUT)
            resumed = follower.finalized
        assert resumed[0].block.height == middle.block.height + 1
        assert resumed == [b for b in blocks if b.block.height > middle.block.height]

    async def test_shallow_reorg_never_finalizes_orphans(
        self, adapter_factory: Callable[[], ChainAdapter], controller: ChainController
    ) -> None:
        depth = controller.confirmation_depth
        if depth == 0 or controller.max_reorg_depth == 0:
            pytest.skip("no reorg shallower than the confirmation depth is possible here")
        await controller.add_activity()
        await controller.mine(depth + 3)
        async with Follower(adapter_factory()) as follower:
            head = await controller.head()
            await follower.wait_for(lambda f: f.final_height >= head.height - depth, TIMEOUT)
            await controller.reorg(depth)
            await controller.mine(depth + 1)
            top = (await controller.head()).height - depth
            await follower.wait_for(lambda f: f.final_height >= top, TIMEOUT)
            assert not any(r.deep for r in follower.rollbacks), "a shallow reorg was deep"
            seen = follower.finalized
        canonical = await canonical_final_blocks(adapter_factory(), top, TIMEOUT)
        assert seen == canonical, "a block that was not final reached the stream"

    async def test_deep_reorg_is_reported(
        self, adapter_factory: Callable[[], ChainAdapter], controller: ChainController
    ) -> None:
        depth = controller.confirmation_depth
        reorg = depth + 1
        if controller.max_reorg_depth is not None and controller.max_reorg_depth < reorg:
            pytest.skip("the test chain cannot reorganise deeper than the confirmation depth")
        await _deep_reorg_setup(controller)
        async with Follower(adapter_factory()) as follower:
            head = await controller.head()
            await follower.wait_for(lambda f: f.final_height >= head.height - depth, TIMEOUT)
            before = list(follower.finalized)
            await controller.reorg(reorg)
            await follower.wait_for(lambda f: any(r.deep for r in f.rollbacks), TIMEOUT)
            await controller.mine(depth + 1)
            top = (await controller.head()).height - depth
            await follower.wait_for(
                lambda f: f.final_height >= top and isinstance(f.updates[-1], Finalized), TIMEOUT
            )
            rollback = next(r for r in follower.rollbacks if r.deep)
            after = follower.updates[follower.updates.index(rollback) + 1 :]
        ancestor = head.height - reorg
        assert rollback.to_block.height == ancestor
        orphaned = {f.fact_id for b in before if b.block.height > ancestor for f in b.facts}
        assert orphaned, "the orphaned final block carried facts"
        assert orphaned <= set(rollback.orphaned_fact_ids)
        finals = [u for u in after if isinstance(u, Finalized)]
        assert finals[0].block.height == ancestor + 1
        canonical = await canonical_final_blocks(adapter_factory(), top, TIMEOUT)
        assert finals == [b for b in canonical if b.block.height > ancestor]

    async def test_stale_cursor_starts_with_deep_rollback(
        self, adapter_factory: Callable[[], ChainAdapter], controller: ChainController
    ) -> None:
        depth = controller.confirmation_depth
        reorg = depth + 1
        if controller.max_reorg_depth is not None and controller.max_reorg_depth < reorg:
            pytest.skip("the test chain cannot reorganise deeper than the confirmation depth")
        await controller.add_activity()
        await controller.mine(reorg + depth + 2)
        top = (await controller.head()).height - depth
        blocks = await canonical_final_blocks(adapter_factory(), top, TIMEOUT)
        info = await adapter_factory().describe()
        last = blocks[-1].block
        await controller.reorg(reorg)
        async with Follower(adapter_factory(), Cursor(info.chain_id, last.height, last.hash)) as f:
            await f.wait_for(lambda f: bool(f.updates), TIMEOUT)
            first = f.updates[0]
        assert not isinstance(first, Finalized) and first.deep
        assert first.to_block.height < last.height

    # -- into the ledger ----------------------------------------------------------------------

    async def test_facts_apply_and_replays_apply_nothing(
        self, harness: AdapterHarness, controller: ChainController, ledger_service: LedgerService
    ) -> None:
        for _ in range(3):
            await controller.add_activity()
            await controller.mine(1)
        await controller.mine(controller.confirmation_depth)
        sync = await _synced(harness, ledger_service)
        rejected = [e for e in sync.events if isinstance(e, FactRejected)]
        assert not rejected, f"the ledger rejected facts: {rejected}"
        seq, digest = ledger_service.ledger.seq, ledger_service.ledger.state_hash()
        assert seq > 0
        # A restart that lost its cursor replays every block: nothing is applied twice.
        again = await _synced(harness, ledger_service)
        assert ledger_service.ledger.seq == seq
        assert ledger_service.ledger.state_hash() == digest
        await sync.close()
        await again.close()

    async def test_shallow_reorg_ledger_equals_clean_replay(
        self, harness: AdapterHarness, controller: ChainController, ledger_service: LedgerService
    ) -> None:
        depth = controller.confirmation_depth
        if depth == 0 or controller.max_reorg_depth == 0:
            pytest.skip("no reorg shallower than the confirmation depth is possible here")
        await controller.add_activity()
        await controller.mine(depth + 2)
        sync = await _synced(harness, ledger_service)
        async with running(sync) as task:
            await controller.add_activity()
            await controller.mine(depth)
            await asyncio.sleep(0.05)  # the follower sees the blocks that are not final yet
            await controller.reorg(depth)
            await controller.mine(depth + 1)
            await wait_until(sync.caught_up, task=task)
            assert not task.done()
        clean = _ledger_service()
        await _synced(harness, clean)
        assert ledger_service.ledger.seq == clean.ledger.seq
        assert ledger_service.ledger.state_hash() == clean.ledger.state_hash()

    async def test_deep_reorg_ledger_equals_clean_replay(
        self, harness: AdapterHarness, controller: ChainController, ledger_service: LedgerService
    ) -> None:
        depth = controller.confirmation_depth
        reorg = depth + 1
        if controller.max_reorg_depth is not None and controller.max_reorg_depth < reorg:
            pytest.skip("the test chain cannot reorganise deeper than the confirmation depth")
        await _deep_reorg_setup(controller)
        sync = await _synced(harness, ledger_service)
        orphaned_seq = ledger_service.ledger.seq
        async with running(sync) as task:
            await controller.reorg(reorg)
            await controller.mine(depth + 1)
            await wait_until(sync.caught_up, task=task)
            assert not task.done()
        deep = [e for e in sync.events if isinstance(e, ChainRolledBack) and e.deep]
        # A polling adapter may report the reorg in more than one step; one of them must have
        # rebuilt the ledger without the orphaned facts (checked against a clean replay below).
        rolled = [e for e in sync.events if isinstance(e, ChainRolledBack)]
        assert any(e.rebuilt for e in deep), f"the deep reorg did not rebuild the ledger: {rolled}"
        clean = _ledger_service()
        await _synced(harness, clean)
        assert orphaned_seq > 0
        assert ledger_service.ledger.seq == clean.ledger.seq
        assert ledger_service.ledger.state_hash() == clean.ledger.state_hash()

    # -- deposits on request ------------------------------------------------------------------

    async def test_verified_deposit_credits_once(
        self, adapter: ChainAdapter, harness: AdapterHarness, ledger_service: LedgerService
    ) -> None:
        """For adapters that verify deposits: the controller's optional
        ``make_deposit(service) -> DepositClaim`` makes a final deposit on chain."""
        info = await adapter.describe()
        make_deposit = getattr(harness.controller, "make_deposit", None)
        if not info.can("verify_deposit") or make_deposit is None:
            pytest.skip("no verify_deposit capability, or the controller has no make_deposit")
        sync = ChainSync(ledger_service, adapter)
        await sync.start()
        await harness.controller.setup_ledger(ledger_service)
        claim = await make_deposit(ledger_service)
        verified = await adapter.verify_deposit(claim)
        assert isinstance(verified, VerifiedDeposit)
        assert isinstance(verified.fact.command, Deposit)
        assert (verified.fact.command.vault, verified.fact.command.staker) == (
            claim.vault,
            claim.staker,
        )
        if claim.amount is not None:
            assert verified.fact.command.amount == claim.amount
        assert verified.confirmations > info.confirmation_depth
        assert verified.fact.at == verified.block.timestamp
        assert await adapter.verify_deposit(claim) == verified, "verification is deterministic"
        first = await sync.verify_deposit(claim)
        second = await sync.verify_deposit(claim)
        assert not first.replayed and second.replayed, "a deposit is credited once"
        with pytest.raises(OmnistakeError):
            await adapter.verify_deposit(replace(claim, amount=(claim.amount or 0) + 1))

    # -- capabilities -------------------------------------------------------------------------

    async def test_unsupported_operations_raise_typed_errors(self, adapter: ChainAdapter) -> None:
        info = await adapter.describe()
        claim = DepositClaim(vault="v", staker=f"{info.chain_id}:nobody", reference="00" * 32)
        slash = SlashInstruction(
            instruction_id="kit-slash",
            vault="v",
            asset_id=info.native_asset,
            network="n",
            operator="o",
            amount=1,
            capture=0,
        )
        payout = PayoutInstruction(
            instruction_id="kit-payout",
            vault="v",
            asset_id=info.native_asset,
            recipient=f"{info.chain_id}:nobody",
            amount=1,
        )
        checked = 0
        for capability, call in (
            ("verify_deposit", lambda: adapter.verify_deposit(claim)),
            ("execute_slash", lambda: adapter.execute_slash(slash)),
            ("execute_payout", lambda: adapter.execute_payout(payout)),
        ):
            if info.capabilities.get(capability) is False:
                with pytest.raises(Unsupported):
                    await call()
                checked += 1
        if not checked:
            pytest.skip("this adapter declares every operation supported")

    async def test_close_twice(self, adapter: ChainAdapter) -> None:
        await adapter.close()
        await adapter.close()
