"""The sync loop on the example chain: restarts and replayed blocks apply nothing twice,
reorgs shallower and deeper than the confirmation depth end equal to a clean replay of the
canonical chain, and slash/payout instructions reach the adapter once."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import pytest
from omnistake.clock import ManualClock
from omnistake.ledger.commands import (
    Claim,
    CreateVault,
    Deposit,
    RegisterAsset,
    RegisterNetwork,
    RegisterOperator,
    RequestSlash,
    Withdraw,
)
from omnistake.plugins import (
    BlockApplied,
    ChainFact,
    ChainRolledBack,
    ChainSync,
    Cursor,
    DepositClaim,
    DepositRejected,
    FactRejected,
    Finalized,
    InstructionDone,
    MemorySyncStore,
    OutcomeStatus,
    RolledBack,
    SlashInstruction,
    SqliteSyncStore,
    SyncError,
    SyncEvent,
    open_sync_store,
)
from omnistake.principals import SYSTEM, Principal, Role
from omnistake.service import LedgerService
from omnistake.testing import running, wait_until

pytest.importorskip(
    "omnistake_memchain", reason="examples/memchain is not installed (scripts/setup.d)"
)
from omnistake_memchain import MemChain, MemchainAdapter
from omnistake_memchain.adapter import ref

DEPTH = 3


def _activity(chain: MemChain, step: int) -> None:
    if step == 0:
        chain.submit("create_vault", vault="v1", curator="cur", epoch_duration=3_600)
    chain.submit("mint", to=f"s{step % 2}", amount=1_000 + step)
    chain.submit("deposit", vault="v1", staker=f"s{step % 2}", amount=1_000 + step)


def _service(url: str = "memory://") -> LedgerService:
    return LedgerService.open(url, ManualClock(0))


async def _clean_replay(chain: MemChain) -> LedgerService:
    """A fresh ledger fed from scratch by a fresh adapter: the canonical chain's ledger."""
    service = _service()
    sync = ChainSync(service, MemchainAdapter(chain, confirmation_depth=DEPTH))
    await sync.catch_up(10)
    return service


def _same(a: LedgerService, b: LedgerService) -> None:
    assert a.ledger.seq == b.ledger.seq
    assert a.ledger.state_hash() == b.ledger.state_hash()


class FailOnce(MemorySyncStore):
    """A sync store whose next cursor write for a block with facts fails, as if the
    process died after feeding a block's facts but before moving its cursor."""

    def __init__(self) -> None:
        super().__init__()
        self.fail_next = False

    def record_block(self, cursor: Cursor, fact_ids: list[str]) -> None:
        if self.fail_next and fact_ids:
            self.fail_next = False
            raise OSError("crash before the cursor moved")
        super().record_block(cursor, fact_ids)


class Recorder:
    """An event observer that keeps what it is told."""

    def __init__(self) -> None:
        self.seen: list[SyncEvent] = []

    async def notify(self, event: SyncEvent) -> None:
        self.seen.append(event)


class Exploding:
    """An observer that fails every time (must never stop the loop)."""

    async def notify(self, event: SyncEvent) -> None:
        raise RuntimeError("observer bug")


async def test_restart_resumes_from_durable_cursor(tmp_path: Path) -> None:
    chain = MemChain("memchain:restart")
    for step in range(3):
        _activity(chain, step)
        chain.mine(1)
    chain.mine(DEPTH)
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    service, store = _service(url), open_sync_store(url)
    assert isinstance(store, SqliteSyncStore)
    sync = ChainSync(service, MemchainAdapter(chain, confirmation_depth=DEPTH), store)
    first_cursor = await sync.catch_up(10)
    assert first_cursor is not None and first_cursor.height == chain.head.height - DEPTH
    seq_before = service.ledger.seq
    service.close()
    store.close()

    for step in range(3, 6):
        _activity(chain, step)
        chain.mine(1)
    chain.mine(DEPTH)
    service, store = _service(url), open_sync_store(url)
    assert store.cursor("memchain:restart") == first_cursor
    recorder = Recorder()
    sync = ChainSync(
        service, MemchainAdapter(chain, confirmation_depth=DEPTH), store, observers=[recorder]
    )
    await sync.catch_up(10)
    applied = [e for e in recorder.seen if isinstance(e, BlockApplied)]
    assert applied[0].block.height == first_cursor.height + 1, "resumed, not restarted"
    assert sum(e.replayed for e in applied) == 0
    assert service.ledger.seq > seq_before
    _same(service, await _clean_replay(chain))
    service.close()
    store.close()


async def test_crash_between_facts_and_cursor_applies_nothing_twice() -> None:
    chain = MemChain("memchain:crash")
    _activity(chain, 0)
    chain.mine(1)
    chain.mine(DEPTH)
    service, store = _service(), FailOnce()
    sync = ChainSync(service, MemchainAdapter(chain, confirmation_depth=DEPTH), store)
    await sync.catch_up(10)
    _activity(chain, 1)
    _activity(chain, 2)
    chain.mine(1)
    chain.mine(DEPTH)
    store.fail_next = True
    with pytest.raises(OSError):
        await sync.catch_up(10)
    cursor_after_crash = store.cursor("memchain:crash")
    seq_after_crash = service.ledger.seq
    # Restart: a fresh adapter and loop over the same stores re-feed the block.
    sync = ChainSync(service, MemchainAdapter(chain, confirmation_depth=DEPTH), store)
    await sync.catch_up(10)
    refed = next(e for e in sync.events if isinstance(e, BlockApplied))
    assert cursor_after_crash is not None
    assert refed.block.height == cursor_after_crash.height + 1
    assert (refed.applied, refed.replayed) == (0, 2), "every fact of the block was a replay"
    assert service.ledger.seq == seq_after_crash
    _same(service, await _clean_replay(chain))


async def test_replayed_block_is_a_no_op_and_gaps_are_refused() -> None:
    chain = MemChain("memchain:replay")
    _activity(chain, 0)
    chain.mine(1 + DEPTH)
    service = _service()
    sync = ChainSync(service, MemchainAdapter(chain, confirmation_depth=DEPTH))
    await sync.catch_up(10)
    adapter = MemchainAdapter(chain, confirmation_depth=DEPTH)
    block = chain.at_height(1)
    update = Finalized(ref(block), adapter.facts(block))
    seq, cursor = service.ledger.seq, sync.cursor
    await sync.apply(update)
    assert (service.ledger.seq, sync.cursor) == (seq, cursor)
    ahead = ref(chain.head)
    with pytest.raises(SyncError) as caught:
        await sync.apply(Finalized(replace(ahead, height=ahead.height + 5)))
    assert caught.value.reason == "CHAIN_SYNC_FAILED"


async def test_rejected_fact_is_recorded_or_fatal_when_strict() -> None:
    chain = MemChain("memchain:reject")
    chain.mine(DEPTH + 1)
    service = _service()
    recorder = Recorder()
    sync = ChainSync(
        service,
        MemchainAdapter(chain, confirmation_depth=DEPTH),
        observers=[Exploding(), recorder],
    )
    await sync.catch_up(10)
    chain.mine(1)
    block = ref(chain.at_height(chain.head.height - DEPTH))
    bad = ChainFact(
        "memchain:reject:bad",
        Deposit(vault="no-such-vault", staker="memchain:reject:x", amount=5),
        block.timestamp,
    )
    await sync.apply(Finalized(block, (bad,)))
    (rejected,) = [e for e in recorder.seen if isinstance(e, FactRejected)]
    assert (rejected.fact_id, rejected.reason) == ("memchain:reject:bad", "NOT_FOUND")
    assert sync.cursor is not None and sync.cursor.height == block.height
    strict = ChainSync(
        _service(), MemchainAdapter(chain, confirmation_depth=DEPTH), strict_facts=True
    )
    await strict.start()
    with pytest.raises(SyncError):
        await strict.apply(Finalized(block, (bad,)))


async def test_shallow_reorg_on_the_example_chain_equals_clean_replay() -> None:
    chain = MemChain("memchain:shallow")
    _activity(chain, 0)
    chain.mine(1 + DEPTH)
    service = _service()
    recorder = Recorder()
    sync = ChainSync(
        service, MemchainAdapter(chain, confirmation_depth=DEPTH), observers=[recorder]
    )
    async with running(sync) as task:
        await wait_until(sync.caught_up, task=task)
        _activity(chain, 1)
        chain.mine(DEPTH)  # the deposit sits in a block that is not final yet
        await wait_until(sync.caught_up, task=task)
        seq_before = service.ledger.seq
        other = chain.make_tx("mint", to="s9", amount=77)
        chain.reorg(DEPTH, [other, chain.make_tx("deposit", vault="v1", staker="s9", amount=77)])
        chain.mine(DEPTH)
        await wait_until(sync.caught_up, task=task)
    shallow = [e for e in recorder.seen if isinstance(e, ChainRolledBack)]
    assert shallow and not any(e.deep for e in shallow)
    assert service.ledger.seq > seq_before
    # The orphaned deposit never reached the ledger; the replacement one did.
    assert service.ledger.active_balance_of("v1", "memchain:shallow:s1", 10**10) == 0
    assert service.ledger.active_balance_of("v1", "memchain:shallow:s9", 10**10) == 77
    _same(service, await _clean_replay(chain))


async def test_deep_reorg_on_the_example_chain_equals_clean_replay(tmp_path: Path) -> None:
    chain = MemChain("memchain:deep")
    _activity(chain, 0)
    chain.mine(2)
    _activity(chain, 1)
    chain.mine(1 + DEPTH)
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    service, store = _service(url), open_sync_store(url)
    recorder = Recorder()
    sync = ChainSync(
        service, MemchainAdapter(chain, confirmation_depth=DEPTH), store, observers=[recorder]
    )
    async with running(sync) as task:
        await wait_until(sync.caught_up, task=task)
        orphan_balance = service.ledger.active_balance_of("v1", "memchain:deep:s1", 10**10)
        assert orphan_balance == 1_001
        # Replace the final block holding s1's deposit, and everything above it.
        chain.reorg(DEPTH + 1, [chain.make_tx("mint", to="s1", amount=5)])
        chain.mine(DEPTH)
        await wait_until(sync.caught_up, task=task)
    (deep,) = [e for e in recorder.seen if isinstance(e, ChainRolledBack) and e.deep]
    assert deep.rebuilt and deep.orphaned == 1
    assert service.ledger.active_balance_of("v1", "memchain:deep:s1", 10**10) == 0
    _same(service, await _clean_replay(chain))
    # The rebuilt history is durable: reopened, it is still the canonical one.
    digest = service.ledger.state_hash()
    service.close()
    reopened = _service(url)
    assert reopened.ledger.state_hash() == digest
    reopened.close()
    store.close()


async def test_slash_instruction_is_sent_once_across_restarts(tmp_path: Path) -> None:
    chain = MemChain("memchain:slash")
    store = SqliteSyncStore(tmp_path / "sync.sqlite")
    instruction = SlashInstruction(
        instruction_id="slash-1",
        vault="v1",
        asset_id="memchain:slash/slip44:0",
        network="net",
        operator="op",
        amount=10,
        capture=1,
    )
    recorder = Recorder()
    service = _service()
    sync = ChainSync(
        service, MemchainAdapter(chain, confirmation_depth=DEPTH), store, observers=[recorder]
    )
    outcome = await sync.execute_slash(instruction)
    assert outcome.status is OutcomeStatus.SUBMITTED and outcome.tx_id
    assert [e.outcome for e in recorder.seen if isinstance(e, InstructionDone)] == [outcome]
    # The outcome is part of the ledger's history too, once.
    recorded = service.ledger.instruction_outcome("slash-1")
    assert recorded is not None
    assert (recorded["status"], recorded["tx_id"], recorded["kind"]) == (
        "submitted",
        outcome.tx_id,
        "slash",
    )
    seq_after_first = service.ledger.seq
    store.close()
    store = SqliteSyncStore(tmp_path / "sync.sqlite")
    restarted = ChainSync(service, MemchainAdapter(chain, confirmation_depth=DEPTH), store)
    assert await restarted.execute_slash(instruction) == outcome
    assert service.ledger.seq == seq_after_first
    assert [tx.txid for tx in chain.pending()] == [outcome.tx_id]
    store.close()


async def test_hub_custody_deposit_and_payout() -> None:
    chain = MemChain("memchain:hub", genesis_time=1_700_000_000)
    clock = ManualClock(1_600_000_000)
    service = LedgerService.open("memory://", clock)
    adapter = MemchainAdapter(chain, confirmation_depth=DEPTH, custody="hub_custody")
    sync = ChainSync(service, adapter)
    await sync.start()
    curator = Principal(Role.CURATOR, "cur")
    alice = Principal(Role.STAKER, "memchain:hub:alice")
    await service.execute(
        CreateVault(
            vault="hv", asset_id="memchain:hub/slip44:0", curator="cur", epoch_duration=100
        ),
        principal=curator,
    )
    chain.submit("mint", to="alice", amount=500)
    tx = chain.submit("transfer", sender="alice", to="hub-custody", amount=500)
    chain.mine(1)
    claim = DepositClaim(vault="hv", staker=alice.id, reference=tx.txid, amount=500)
    with pytest.raises(DepositRejected) as caught:
        await sync.verify_deposit(claim)
    assert caught.value.metadata["cause"] == "NOT_FINAL"
    chain.mine(DEPTH)
    with pytest.raises(DepositRejected):
        await sync.verify_deposit(replace(claim, staker="memchain:hub:mallory"))
    first = await sync.verify_deposit(claim)
    again = await sync.verify_deposit(claim)
    assert not first.replayed and again.replayed
    found = chain.find_tx(tx.txid)
    assert found is not None
    block_time = found[1].timestamp
    assert service.ledger.active_balance_of("hv", alice.id, block_time) == 500

    clock.set(block_time + 10)
    await service.execute(Withdraw(vault="hv", staker=alice.id, amount=200), principal=alice)
    (pending,) = service.ledger.pending_withdrawals("hv", alice.id)
    clock.set(pending.claimable_from)
    await service.execute(
        Claim(vault="hv", claimer=alice.id, epochs=[pending.epoch]), principal=alice
    )
    outcomes = await sync.dispatch()
    assert [o.status for o in outcomes] == [OutcomeStatus.SUBMITTED]
    assert await sync.dispatch() == [], "a payout is handed over once"
    chain.mine(1)
    assert chain.state().balances["alice"] == 200
    assert chain.state().balances["hub-custody"] == 300


async def test_backfill_shows_a_progress_bar_and_status_reports_lag() -> None:
    import io

    from omnistake.plugins import BackfillProgress
    from rich.console import Console

    chain = MemChain("memchain:backfill")
    _activity(chain, 0)
    chain.mine(150)
    out = io.StringIO()
    bar = BackfillProgress(Console(file=out, force_terminal=True, width=100), threshold=100)
    sync = ChainSync(_service(), MemchainAdapter(chain, confirmation_depth=DEPTH), progress=bar)
    await sync.start()
    before = await sync.status()
    assert before.lag_blocks == 148  # heights 0..147 are final, none fed yet
    await sync.catch_up(30)
    bar.close()
    after = await sync.status()
    assert after.lag_blocks == 0 and after.cursor is not None
    assert bar.shown
    assert "sync memchain:backfill" in out.getvalue() and "147/147" in out.getvalue()
    small = BackfillProgress(Console(file=io.StringIO()), threshold=1_000)
    small(after)
    assert not small.shown


async def test_mirrored_slash_goes_out_as_a_transaction_and_comes_back_as_a_fact() -> None:
    from omnistake.ledger.commands import (
        OptInNetwork,
        OptInVault,
        RegisterNetwork,
        RegisterOperator,
        SetMaxNetworkLimit,
        SetNetworkLimit,
        SetOperatorNetworkShares,
    )
    from omnistake.principals import ADMIN

    chain = MemChain("memchain:mirror")
    _activity(chain, 0)  # vault v1 and a deposit of 1000 by s0
    chain.mine(1 + DEPTH)
    clock = ManualClock(0)
    service = LedgerService.open("memory://", clock)
    recorder = Recorder()
    sync = ChainSync(
        service, MemchainAdapter(chain, confirmation_depth=DEPTH), observers=[recorder]
    )
    await sync.catch_up(10)
    stake_time = chain.at_height(1).timestamp
    assert service.ledger.active_stake_at("v1", stake_time) == 1_000
    # The hub's side of delegation, dated between chain blocks.
    t = chain.head.timestamp + 1
    clock.set(t)
    for command in (
        RegisterNetwork(network="net"),
        RegisterOperator(operator="op"),
        OptInVault(operator="op", vault="v1"),
        OptInNetwork(operator="op", network="net", domain="memchain:mirror"),
        SetMaxNetworkLimit(vault="v1", network="net", amount=10**6),
        SetNetworkLimit(vault="v1", network="net", amount=10**6),
        SetOperatorNetworkShares(vault="v1", network="net", operator="op", shares=1),
    ):
        await service.execute(command, principal=ADMIN, at=t)
    capture = t + 1
    instruction = SlashInstruction(
        instruction_id="slash-op-1",
        vault="v1",
        asset_id="memchain:mirror/slip44:0",
        network="net",
        operator="op",
        amount=400,
        capture=capture,
    )
    outcome = await sync.execute_slash(instruction)
    assert outcome.status is OutcomeStatus.SUBMITTED
    assert await sync.execute_slash(instruction) == outcome
    chain.mine(1 + DEPTH)
    await sync.catch_up(10)
    assert not [e for e in recorder.seen if isinstance(e, FactRejected)]
    after = chain.head.timestamp
    assert service.ledger.active_stake_at("v1", after) == 600
    assert service.ledger.active_balance_of("v1", "memchain:mirror:s0", after) == 600
    slash_txs = [
        tx
        for b in (chain.at_height(h) for h in range(chain.head.height + 1))
        for tx in b.txs
        if tx.kind == "slash"
    ]
    assert [tx.txid for tx in slash_txs] == [outcome.tx_id], "sent exactly once"


async def test_rollbacks_that_miss_the_ledger_change_nothing() -> None:
    chain = MemChain("memchain:miss")
    _activity(chain, 0)
    chain.mine(2 + DEPTH)
    service = _service()
    sync = ChainSync(service, MemchainAdapter(chain, confirmation_depth=DEPTH))
    await sync.catch_up(10)
    cursor, seq = sync.cursor, service.ledger.seq
    assert cursor is not None
    above = ref(chain.head)
    # A "deep" rollback to above the cursor: nothing fed is affected, cursor stays put.
    await sync.apply(RolledBack(above, ("memchain:miss:never-fed",), deep=True))
    assert (sync.cursor, service.ledger.seq) == (cursor, seq)
    # A rollback below the cursor whose blocks carried no fed facts: no rebuild needed.
    empty = ref(chain.at_height(cursor.height - 1))
    await sync.apply(RolledBack(empty, (), deep=True))
    assert sync.cursor == Cursor("memchain:miss", empty.height, empty.hash)
    assert service.ledger.seq == seq
    last = sync.events[-1]
    assert isinstance(last, ChainRolledBack) and last.deep and not last.rebuilt
    # A rollback target that contradicts the fed block at that height is refused.
    with pytest.raises(SyncError):
        await sync.apply(RolledBack(replace(empty, hash="ff" * 32), (), deep=True))


async def test_crash_then_reorg_of_the_half_fed_block_equals_clean_replay(tmp_path: Path) -> None:
    """The process dies after feeding a block's facts but before moving its cursor; while it
    is down, that block (and only blocks above the cursor) is orphaned. On restart the
    adapter resumes from the cursor, which is still canonical, and yields the new block at
    that height: the loop's journal knows the old one was fed, and rebuilds without it."""
    chain = MemChain("memchain:halffed")
    _activity(chain, 0)
    chain.mine(1 + DEPTH)
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    service = _service(url)

    class CrashingStore(SqliteSyncStore):
        crash = False

        def record_block(self, cursor: Cursor, fact_ids: list[str]) -> None:
            if self.crash and fact_ids:
                raise OSError("power cut before the cursor moved")
            super().record_block(cursor, fact_ids)

    store = CrashingStore(tmp_path / "sync.sqlite")
    sync = ChainSync(service, MemchainAdapter(chain, confirmation_depth=DEPTH), store)
    await sync.catch_up(10)
    cursor = sync.cursor
    assert cursor is not None
    chain.mine(1)  # an empty block: the cursor moves
    _activity(chain, 1)
    chain.mine(1 + DEPTH)
    store.crash = True
    with pytest.raises(OSError):
        await sync.catch_up(10)
    half_fed = service.ledger.active_balance_of("v1", "memchain:halffed:s1", 10**10)
    assert half_fed == 1_001, "the facts reached the ledger, the cursor did not move"
    store.close()
    # While down: a reorg replaces the half-fed block but not the cursor's block.
    stuck = CrashingStore(tmp_path / "sync.sqlite").cursor("memchain:halffed")
    assert stuck is not None
    chain.reorg(chain.head.height - stuck.height, [chain.make_tx("mint", to="s1", amount=3)])
    chain.mine(DEPTH)
    assert chain.is_canonical(chain.block(stuck.block_hash))
    store = CrashingStore(tmp_path / "sync.sqlite")
    recorder = Recorder()
    sync = ChainSync(
        service, MemchainAdapter(chain, confirmation_depth=DEPTH), store, observers=[recorder]
    )
    await sync.catch_up(10)
    (deep,) = [e for e in recorder.seen if isinstance(e, ChainRolledBack)]
    assert deep.rebuilt and deep.orphaned == 1
    assert service.ledger.active_balance_of("v1", "memchain:halffed:s1", 10**10) == 0
    _same(service, await _clean_replay(chain))
    service.close()
    store.close()


async def test_supervisor_restarts_a_failing_chain_and_keeps_the_others() -> None:
    from omnistake.plugins import ChainConfig, PluginManager, SyncSupervisor
    from omnistake_memchain import NETWORK, create_chain

    manager = PluginManager(only={"memchain"})
    manager.load_entry_points()
    good = create_chain("memchain:sup-good")
    _activity(good, 0)
    good.mine(1 + DEPTH)
    NETWORK.pop("memchain:sup-late", None)  # not running yet: its adapter cannot be built
    service = _service()
    supervisor = SyncSupervisor(
        service,
        manager,
        MemorySyncStore(),
        [
            ChainConfig(chain_id="memchain:sup-good", options={"confirmation_depth": DEPTH}),
            ChainConfig(chain_id="memchain:sup-late", options={"confirmation_depth": DEPTH}),
        ],
        backoff=(0.01, 0.05),
    )
    task = asyncio.create_task(supervisor.run())
    try:
        good_health = supervisor.health["memchain:sup-good"]
        late_health = supervisor.health["memchain:sup-late"]

        async def good_synced() -> bool:
            return good_health.sync is not None and await good_health.sync.caught_up()

        await wait_until(good_synced, task=task)
        await wait_until(_true_when(lambda: late_health.restarts >= 2), task=task)
        assert late_health.last_error is not None and "NO_CHAIN" in late_health.last_error
        late = create_chain("memchain:sup-late")
        _activity(late, 0)
        late.mine(1 + DEPTH)

        async def late_synced() -> bool:
            return late_health.sync is not None and await late_health.sync.caught_up()

        await wait_until(late_synced, task=task)
        assert late_health.running
        balance = service.ledger.active_balance_of("v1", "memchain:sup-late:s0", 10**10)
        assert balance == 1_000
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _true_when(check: Callable[[], bool]) -> Callable[[], Awaitable[bool]]:
    async def condition() -> bool:
        return check()

    return condition


async def test_instructed_slash_of_a_mirrored_vault_becomes_a_chain_instruction() -> None:
    """A network's slash of a vault mirrored from this chain reaches the adapter as a
    SlashInstruction carrying the middleware action; other chains' vaults are left alone."""
    chain_id = "memchain:mirror"
    asset = f"{chain_id}/slip44:0"
    clock = ManualClock(1_700_000_000)
    service = LedgerService.open("memory://", clock)
    for cmd in (
        RegisterAsset(asset_id=asset, decimals=0),
        RegisterNetwork(network="net"),
        RegisterOperator(operator="op"),
        CreateVault(vault="mv", asset_id=asset, curator="cur", epoch_duration=1_000,
                    slasher_type="veto", veto_duration=100, domain=chain_id),
    ):  # fmt: skip
        await service.execute(cmd, principal=SYSTEM)
    clock.advance(50)
    await service.execute(
        RequestSlash(vault="mv", network="net", operator="op", amount=7, capture=clock.now() - 10),
        principal=Principal(Role.NETWORK, "net"),
    )
    sync = ChainSync(service, MemchainAdapter(MemChain(chain_id), confirmation_depth=DEPTH))
    other = ChainSync(
        service, MemchainAdapter(MemChain("memchain:other"), confirmation_depth=DEPTH)
    )
    await sync.start()
    await other.start()
    records = service.events_since(0)
    [instruction] = sync.instructions(records)
    assert isinstance(instruction, SlashInstruction)
    assert (instruction.action, instruction.amount, instruction.vault) == ("request_slash", 7, "mv")
    assert other.instructions(records) == []
