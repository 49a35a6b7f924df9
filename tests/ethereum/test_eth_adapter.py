"""The Ethereum adapter end to end on anvil: hub-decided slashes sent as the network's
middleware (once), refused slashes reported as FAILED, and RPC faults mid-sync."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from omnistake.chains.ethereum.adapter import EthereumAdapter, EthereumOptions
from omnistake.chains.ethereum.operations import stand_up_demo
from omnistake.chains.ethereum.rpc import RetryPolicy
from omnistake.chains.ethereum.symbiotic import SlasherConfig, SlasherType
from omnistake.chains.ethereum.toolchain import toolchain_available
from omnistake.clock import ManualClock
from omnistake.ledger.commands import Slash
from omnistake.ledger.events import Slashed, SlashInstructed
from omnistake.plugins import ChainSync, MemorySyncStore
from omnistake.plugins.records import OutcomeStatus, SlashInstruction, SlashOutcome
from omnistake.principals import Principal, Role
from omnistake.service import LedgerService
from omnistake.testing.conformance import wait_until

_OK, _WHY = toolchain_available()
pytestmark = [
    pytest.mark.anvil,
    pytest.mark.skipif(not _OK, reason=f"Ethereum toolchain missing: {_WHY}"),
    pytest.mark.asyncio(loop_scope="module"),
]

CHAIN = "eip155:31337"
DEPTH = 1


def cid(address: str) -> str:
    return f"{CHAIN}:{address.lower()}"


def adapter_for(dn: Any, url: str | None = None, **options: Any) -> EthereumAdapter:
    return EthereumAdapter(
        CHAIN,
        EthereumOptions(
            rpc_url=url or dn.anvil.url,
            deployment=dn.deployment,
            confirmation_depth=DEPTH,
            poll_interval=0.02,
            **options,
        ),
        toolchain=dn.toolchain,
    )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def demo(devnet: Any) -> Any:
    """A vault with an instant slasher, a deposit, and some blocks on top."""
    dn = devnet
    d = await stand_up_demo(
        dn, epoch_duration=3600, slasher=SlasherConfig(SlasherType.INSTANT), limit=10**24
    )
    staker = await dn.account()
    token = dn.core.token(d.token)
    await token.mint(dn.deployer, staker.address, 10**21)
    await token.approve(staker, d.vault.info.vault, 10**21)
    await d.vault.deposit(staker, 40 * 10**18)
    await dn.anvil.mine_at(await dn.anvil.latest_timestamp() + 100)
    await dn.anvil.mine(DEPTH + 1)
    return d


async def _nonce(dn: Any, address: str) -> int:
    return int(await dn.anvil.w3.eth.get_transaction_count(address))


async def test_hub_decided_slash_is_sent_once_and_comes_back_as_a_fact(
    devnet: Any, demo: Any, tmp_path: Path
) -> None:
    dn, d = devnet, demo
    node = dn.anvil
    clock = ManualClock(await node.latest_timestamp())
    service = LedgerService.open("memory://", clock)
    options = {"middleware_signer": d.middleware.signer, "tx_store": str(tmp_path / "tx.db")}
    sync = ChainSync(service, adapter_for(dn, **options), strict_facts=True)
    await sync.catch_up(30)
    vault, network, operator = (
        cid(d.vault.info.vault),
        cid(d.network.address),
        cid(d.operator.address),
    )
    assert service.ledger.active_stake_at(vault, clock.now()) == 40 * 10**18
    capture = clock.now() - 1
    stake = service.ledger.slashable_stake(vault, network, 0, operator, capture, clock.now())
    assert stake == await d.vault.slashable_stake(d.subnetwork, d.operator.address, capture) > 0
    before = await _nonce(dn, d.middleware.address)

    # The network decides in the hub: the mirrored vault is untouched, an instruction is made.
    result = await service.execute(
        Slash(vault=vault, network=network, operator=operator, amount=stake // 4, capture=capture),
        principal=Principal(Role.NETWORK, network),
    )
    assert any(isinstance(r.event, SlashInstructed) for r in result.events)
    assert service.ledger.cumulative_slash(vault, network, 0, operator) == 0

    [outcome] = await sync.dispatch()
    assert isinstance(outcome, SlashOutcome) and outcome.status == OutcomeStatus.SUBMITTED
    assert outcome.tx_id.startswith("0x")
    assert await sync.dispatch() == []  # already handed over
    # A sync loop that lost its own records hands the instruction over again: the adapter's
    # transaction journal answers with the same transaction and signs nothing new.
    again = ChainSync(service, adapter_for(dn, **options), MemorySyncStore())
    [repeat] = await again.dispatch()
    assert repeat.tx_id == outcome.tx_id
    assert await _nonce(dn, d.middleware.address) == before + 1, "exactly one transaction"
    receipt = await node.w3.eth.get_transaction_receipt(outcome.tx_id)
    assert receipt["status"] == 1

    # The slash comes back from the chain as a fact and changes the ledger like the contract.
    await node.mine(DEPTH + 1)
    await sync.catch_up(30)
    slashed = [r.event for r in service.events_since(0, 10_000) if isinstance(r.event, Slashed)]
    assert len(slashed) == 1 and slashed[0].slashed == stake // 4
    on_chain = await d.vault.cumulative_slash(d.subnetwork, d.operator.address)
    assert service.ledger.cumulative_slash(vault, network, 0, operator) == on_chain == stake // 4
    now = await node.latest_timestamp()
    assert service.ledger.active_stake_at(vault, now) == await d.vault.active_stake()
    outcome_record = service.ledger.instruction_outcome(outcome.instruction_id)
    assert outcome_record is not None and outcome_record["status"] == "submitted"
    await sync.close()
    await again.close()


async def test_a_slash_the_chain_refuses_fails_with_its_reason(
    devnet: Any, demo: Any, tmp_path: Path
) -> None:
    dn, d = devnet, demo
    adapter = adapter_for(dn, middleware_signer=d.middleware.signer)
    before = await _nonce(dn, d.middleware.address)
    instruction = SlashInstruction(
        instruction_id="too-old-capture",
        vault=cid(d.vault.info.vault),
        asset_id=f"{CHAIN}/erc20:{d.token.lower()}",
        network=cid(d.network.address),
        operator=cid(d.operator.address),
        amount=1,
        capture=1,  # far outside the vault's capture window
    )
    outcome = await adapter.execute_slash(instruction)
    assert outcome.status == OutcomeStatus.FAILED
    assert "InvalidCaptureTimestamp" in outcome.detail
    assert await _nonce(dn, d.middleware.address) == before, "nothing was sent"
    # Another key is not the network's middleware: refused by the contract, not sent.
    stranger = adapter_for(dn, middleware_signer=(await dn.account()).signer)
    now = await dn.anvil.latest_timestamp()
    refused = await stranger.execute_slash(
        SlashInstruction(**{**instruction.__dict__, "instruction_id": "x", "capture": now - 1})
    )
    assert refused.status == OutcomeStatus.FAILED and "NotNetworkMiddleware" in refused.detail
    await adapter.close()
    await stranger.close()


async def test_rpc_faults_mid_sync_lose_and_duplicate_nothing(
    devnet: Any, demo: Any, faulty_proxy: Any
) -> None:
    dn, d = devnet, demo
    staker = await dn.account()
    token = dn.core.token(d.token)
    await token.mint(dn.deployer, staker.address, 10**21)
    await token.approve(staker, d.vault.info.vault, 10**21)
    for i in range(12):
        await d.vault.deposit(staker, (i + 1) * 10**17)
        if i % 3 == 2:
            await d.vault.withdraw(staker, 10**16 * i)
    await dn.anvil.mine(DEPTH)
    clean = LedgerService.open("memory://", ManualClock(0))
    clean_sync = ChainSync(clean, adapter_for(dn), strict_facts=True)
    await clean_sync.catch_up(30)
    head = clean_sync.cursor
    assert head is not None and clean.ledger.seq > 20

    proxy = await faulty_proxy(dn.anvil.port, drop_every=5, error_every=7, stall_every=60)
    url = f"http://127.0.0.1:{proxy.port}"
    retry = RetryPolicy(attempts=40, first_delay=0.01, max_delay=0.1)
    faulty = LedgerService.open("memory://", ManualClock(0))
    store = MemorySyncStore()
    # First run stops half-way (as if the process died), the second resumes from the cursor.
    first = ChainSync(
        faulty,
        adapter_for(dn, url, retry=retry, rpc_timeout=1.0, batch_size=7),
        store,
        strict_facts=True,
    )
    middle = (dn.deployment.deploy_block + head.height) // 2
    await first.run(until=lambda s: s.cursor is not None and s.cursor.height >= middle)
    await first.close()
    second = ChainSync(
        faulty,
        adapter_for(dn, url, retry=retry, rpc_timeout=1.0, batch_size=7),
        store,
        strict_facts=True,
    )
    await second.catch_up(120)
    await second.close()
    assert proxy.drops + proxy.errors + proxy.stalls > 0, "the proxy injected faults"
    cursor = second.cursor
    assert cursor is not None and cursor.height >= head.height
    # Same history, applied once: equal sequence and state hash (up to the same block).
    assert faulty.ledger.seq == clean.ledger.seq
    assert faulty.ledger.state_hash() == clean.ledger.state_hash()
    await clean_sync.close()


@pytest.mark.parametrize("window", [1, 64])
async def test_deep_reorg_within_and_beyond_the_kept_window_equals_a_clean_replay(
    devnet: Any, demo: Any, window: int
) -> None:
    """The adapter keeps ``history_window`` blocks to undo a reorg; a deeper reorg makes it
    read the chain from the start again. Both must end where a clean replay ends."""
    dn, d = devnet, demo
    node = dn.anvil
    staker = await dn.account()
    token = dn.core.token(d.token)
    await token.mint(dn.deployer, staker.address, 10**21)
    await token.approve(staker, d.vault.info.vault, 10**21)
    service = LedgerService.open("memory://", ManualClock(0))
    adapter = adapter_for(dn, history_window=window)
    sync = ChainSync(service, adapter, strict_facts=True)
    await sync.start()
    task = asyncio.create_task(sync.run())  # one follow() stream sees the reorg happen
    try:
        await wait_until(sync.caught_up, task=task)
        for i in range(4):
            await d.vault.deposit(staker, (i + 1) * 10**18)
        await node.mine(DEPTH)
        await wait_until(sync.caught_up, task=task)
        fed = service.ledger.seq
        await node.reorg(DEPTH + 3)  # orphans fed deposits
        await node.mine(DEPTH + 1)
        await wait_until(sync.caught_up, task=task)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    # A reorg below the kept window makes the stream read from the start block again.
    assert adapter.indexer_passes == (2 if window == 1 else 1)
    deep = [e for e in sync.events if getattr(e, "deep", False)]
    assert deep and deep[-1].rebuilt and deep[-1].orphaned > 0
    clean = LedgerService.open("memory://", ManualClock(0))
    clean_sync = ChainSync(clean, adapter_for(dn), strict_facts=True)
    await clean_sync.catch_up(30)
    assert clean.ledger.seq < fed
    assert service.ledger.state_hash() == clean.ledger.state_hash()
    vault = cid(d.vault.info.vault)
    now = await node.latest_timestamp()
    assert service.ledger.active_stake_at(vault, now) == await d.vault.active_stake()
    await sync.close()
    await clean_sync.close()
