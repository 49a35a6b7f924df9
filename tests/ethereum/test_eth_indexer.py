"""The indexer: every event exactly once, across reorgs, RPC faults and restarts."""

from __future__ import annotations

import asyncio
import io
import itertools
from collections import Counter
from pathlib import Path

import pytest
import pytest_asyncio
from eth_utils import keccak
from omnistake.chains.ethereum import events as ev
from omnistake.chains.ethereum.indexer import (
    CursorStore,
    EventBatch,
    IndexerConfig,
    Rollback,
    SymbioticIndexer,
    apply_update,
)
from omnistake.chains.ethereum.operations import (
    connect_vault,
    create_token,
    stand_up_operator,
    stand_up_vault,
)
from omnistake.chains.ethereum.rpc import RetryPolicy, make_web3
from omnistake.chains.ethereum.symbiotic import (
    DelegatorConfig,
    DelegatorType,
    SlasherConfig,
    SlasherType,
)
from omnistake.chains.ethereum.toolchain import toolchain_available
from rich.console import Console

_OK, _WHY = toolchain_available()
pytestmark = [
    pytest.mark.anvil,
    pytest.mark.skipif(not _OK, reason=f"Ethereum toolchain missing: {_WHY}"),
    pytest.mark.asyncio(loop_scope="module"),
]

EPOCH = 1000
MAX = 2**256 - 1


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def history(world):
    """A history touching every contract kind; returns the vault bindings it made."""
    dn = world.devnet
    node = dn.anvil
    core = dn.core
    resolver = await dn.account()
    token = await create_token(dn, "stETH", 18)
    inst = await stand_up_vault(
        core,
        world.curator,
        token,
        epoch_duration=EPOCH,
        delegator=DelegatorConfig(DelegatorType.NETWORK_RESTAKE),
        slasher=SlasherConfig(SlasherType.INSTANT),
    )
    veto = await stand_up_vault(
        core,
        world.curator,
        token,
        epoch_duration=EPOCH,
        delegator=DelegatorConfig(DelegatorType.FULL_RESTAKE),
        slasher=SlasherConfig(SlasherType.VETO, veto_duration=100),
    )
    vaults = (inst, veto)
    await stand_up_operator(core, world.operator, vaults=tuple(v.info.vault for v in vaults))
    await veto.set_resolver(world.network, 0, resolver.address)
    for v in vaults:
        await connect_vault(v, world.network, world.curator, world.operator.address, limit=10**30)
        await core.token(token).mint(dn.deployer, world.alice.address, 10**24)
        await core.token(token).approve(world.alice, v.info.vault, MAX)
        await v.deposit(world.alice, 100 * 10**18)
        await v.withdraw(world.alice, 10 * 10**18)
    cap = await node.latest_timestamp()
    await node.mine()
    await inst.slash(world.middleware, sn_of(world), world.operator.address, 10**18, cap)
    req = await veto.request_slash(
        world.middleware, sn_of(world), world.operator.address, 10**18, cap
    )
    await veto.veto_slash(resolver, req.slash_index)
    t0 = await inst.epoch_duration_init()
    await node.mine_at(t0 + 2 * EPOCH + 1)
    await inst.claim(world.alice, 1)
    await core.opt_out_network(world.operator, world.network.address)
    await node.mine()
    return vaults


def sn_of(world) -> bytes:
    return ev.make_subnetwork(world.network.address, 0)


async def truth(world, vaults) -> set[tuple[str, int]]:
    """(block hash, log index) of every log from the deployment's contracts, by plain getLogs."""
    dn = world.devnet
    d = dn.deployment
    addrs = {
        a.lower()
        for a in (
            d.vault_factory,
            d.delegator_factory,
            d.slasher_factory,
            d.network_registry,
            d.operator_registry,
            d.network_middleware_service,
            d.operator_vault_opt_in_service,
            d.operator_network_opt_in_service,
        )
    }
    created = await dn.anvil.w3.eth.get_logs(
        {
            "fromBlock": 0,
            "toBlock": "latest",
            "address": [d.vault_factory, d.delegator_factory, d.slasher_factory],
        }
    )
    for lg in created:
        if bytes(lg["topics"][0]) == keccak(text="AddEntity(address)"):
            addrs.add("0x" + bytes(lg["topics"][1])[12:].hex())
    logs = await dn.anvil.w3.eth.get_logs({"fromBlock": 0, "toBlock": "latest"})
    return {
        ("0x" + bytes(lg["blockHash"]).hex(), int(lg["logIndex"]))
        for lg in logs
        if str(lg["address"]).lower() in addrs
    }


async def run_all(
    idx: SymbioticIndexer, got: list[ev.IndexedEvent] | None = None
) -> tuple[list[ev.IndexedEvent], list]:
    """Drain the indexer into ``got`` (applying rollbacks); return it and the updates."""
    got = [] if got is None else got
    updates: list = []
    async for u in idx.updates():
        updates.append(u)
        apply_update(got, u)
    return got, updates


def uids(events) -> list[tuple[str, int]]:
    return [e.uid for e in events]


async def test_indexes_every_event_once_typed_and_ordered(world, history) -> None:
    dn = world.devnet
    idx = SymbioticIndexer(
        dn.anvil.w3,
        dn.deployment,
        dn.toolchain,
        config=IndexerConfig(confirmations=0, batch_size=7),
    )
    got, _ = await run_all(idx)
    assert Counter(uids(got)).most_common(1)[0][1] == 1
    assert set(uids(got)) == await truth(world, history)
    assert [e.key for e in got] == sorted(e.key for e in got)
    kinds = Counter(type(e.record).__name__ for e in got)
    for name in (
        "Deposit",
        "Withdraw",
        "Claim",
        "Slash",
        "RequestSlash",
        "VetoSlash",
        "SetResolver",
        "OptIn",
        "OptOut",
        "NetworkRegistered",
        "OperatorRegistered",
        "SetMiddleware",
        "VaultCreated",
        "DelegatorCreated",
        "SlasherCreated",
        "SetMaxNetworkLimit",
        "SetNetworkLimit",
        "SetOperatorNetworkShares",
        "SetOperatorNetworkLimit",
        "VaultOnSlash",
        "DelegatorOnSlash",
    ):
        assert kinds[name] >= 1, name
    deposits = [e for e in got if isinstance(e.record, ev.Deposit)]
    assert {e.record.amount for e in deposits} == {100 * 10**18}
    assert {e.address for e in deposits} == {v.info.vault for v in history}
    for e in got:
        block = await dn.anvil.w3.eth.get_block(e.block_number)
        assert (
            e.timestamp == block["timestamp"] and e.block_hash == "0x" + bytes(block["hash"]).hex()
        )
    inst, veto = history
    created = {
        getattr(e.record, f): e.record
        for e in got
        for f in ("vault", "delegator", "slasher")
        if isinstance(e.record, ev.VaultCreated | ev.DelegatorCreated | ev.SlasherCreated)
        and hasattr(e.record, f)
    }
    vmeta = created[veto.info.vault].metadata
    assert vmeta.collateral == veto.info.collateral and vmeta.epoch_duration == EPOCH
    assert vmeta.epoch_at(vmeta.epoch_duration_init + EPOCH) == 1
    smeta = created[veto.info.slasher].metadata
    assert (smeta.vault, smeta.type, smeta.veto_duration) == (veto.info.vault, 1, 100)
    assert smeta.resolver_set_epochs_delay == 3
    dmeta = created[inst.info.delegator].metadata
    assert (dmeta.vault, dmeta.type, dmeta.operator) == (inst.info.vault, 0, None)
    assert created[inst.info.slasher].metadata.veto_duration is None
    slash = next(e.record for e in got if isinstance(e.record, ev.Slash))
    assert slash.network == world.network.address and slash.identifier == 0
    assert slash.slashed_amount == 10**18


async def test_reorg_rolls_back_and_reindexes_exactly_once(world, history) -> None:
    dn = world.devnet
    node = dn.anvil
    inst = history[0]
    carol = await dn.account()
    token = dn.core.token(inst.info.collateral)
    await token.mint(dn.deployer, carol.address, 10**21)
    await token.approve(carol, inst.info.vault, MAX)
    for amount in (1, 2, 3):  # three blocks that the reorg will replace
        await inst.deposit(world.alice, amount * 10**18)

    tip_idx = SymbioticIndexer(
        node.w3, dn.deployment, dn.toolchain, config=IndexerConfig(confirmations=0, batch_size=50)
    )
    safe_idx = SymbioticIndexer(
        node.w3, dn.deployment, dn.toolchain, config=IndexerConfig(confirmations=4, batch_size=50)
    )
    tip_log, _ = await run_all(tip_idx)
    safe_log, _ = await run_all(safe_idx)
    head = await node.block_number()

    # Replace the last 3 blocks; carol's deposit lands in the new branch instead.
    data = inst.vault.encode("deposit", carol.address, 7 * 10**18)
    nonce = await node.w3.eth.get_transaction_count(carol.address)
    raw, _ = carol.signer.sign_transaction(
        {
            "to": inst.info.vault,
            "data": data,
            "value": 0,
            "nonce": nonce,
            "gas": 500_000,
            "maxFeePerGas": 10**11,
            "maxPriorityFeePerGas": 10**9,
            "chainId": node.chain_id,
        }
    )
    await node.reorg(3, [("0x" + raw.hex(), 1)])
    assert await node.block_number() == head
    await node.mine(5)

    tip_before = list(tip_log)
    _, updates = await run_all(tip_idx, tip_log)
    rollbacks = [u for u in updates if isinstance(u, Rollback)]
    assert len(rollbacks) == 1
    assert head - 2 >= rollbacks[0].from_block and rollbacks[0].to_block == head
    assert isinstance(updates[0], Rollback), "the rollback comes before any new block"
    rb = updates[0]
    assert rb.orphaned == tuple(e.uid for e in tip_before if e.block_number >= rb.from_block)
    assert len(rb.orphaned) >= 3  # the three replaced deposits at least
    ancestor = await node.w3.eth.get_block(rb.from_block - 1)
    assert rb.ancestor_hash == "0x" + bytes(ancestor["hash"]).hex()
    assert all(isinstance(u, EventBatch) for u in updates[1:])
    final_tip = tip_log

    _, safe_updates = await run_all(safe_idx, safe_log)
    assert not any(isinstance(u, Rollback) for u in safe_updates), (
        "deeper than the reorg: no rollback"
    )
    safe_final = safe_log

    fresh, _ = await run_all(
        SymbioticIndexer(
            node.w3,
            dn.deployment,
            dn.toolchain,
            config=IndexerConfig(confirmations=4, batch_size=50),
        )
    )
    for final in (final_tip, safe_final):
        finalized = [e for e in final if e.block_number <= await node.block_number() - 4]
        assert uids(finalized) == uids(fresh)
    amounts = [e.record.amount for e in fresh if isinstance(e.record, ev.Deposit)]
    assert 7 * 10**18 in amounts and 3 * 10**18 not in amounts


async def test_rpc_faults_lose_and_duplicate_nothing(world, history, faulty_proxy) -> None:
    dn = world.devnet
    proxy = await faulty_proxy(dn.anvil.port)
    w3 = make_web3(f"http://127.0.0.1:{proxy.port}", timeout=1.0)
    try:
        idx = SymbioticIndexer(
            w3,
            dn.deployment,
            dn.toolchain,
            config=IndexerConfig(
                confirmations=0,
                batch_size=5,
                retry=RetryPolicy(attempts=30, first_delay=0.01, max_delay=0.1),
            ),
        )
        got, _ = await run_all(idx)
    finally:
        await w3.provider.disconnect()
    assert proxy.drops > 0 and proxy.stalls > 0 and proxy.errors > 0
    assert Counter(uids(got)).most_common(1)[0][1] == 1
    clean, _ = await run_all(
        SymbioticIndexer(
            dn.anvil.w3, dn.deployment, dn.toolchain, config=IndexerConfig(confirmations=0)
        )
    )
    assert uids(got) == uids(clean)


async def test_backfill_resumes_from_stored_cursor_with_progress(
    world, history, tmp_path: Path
) -> None:
    dn = world.devnet
    db = tmp_path / "cursor.sqlite"
    cfg = IndexerConfig(confirmations=0, batch_size=4)
    seen: list[ev.IndexedEvent] = []

    async def handler(u) -> None:
        apply_update(seen, u)

    out = io.StringIO()
    first = SymbioticIndexer(dn.anvil.w3, dn.deployment, dn.toolchain, CursorStore(db), cfg)
    half = (dn.deployment.deploy_block + await dn.anvil.block_number()) // 2
    n1 = await first.backfill(handler, until_block=half, console=Console(file=out, width=100))
    assert first.cursor()[0] == half
    assert "symbiotic backfill" in out.getvalue()
    first.store.close()

    # A failing consumer does not advance the cursor: the same batch comes again.
    second = SymbioticIndexer(dn.anvil.w3, dn.deployment, dn.toolchain, CursorStore(db), cfg)
    assert second.cursor()[0] == half

    async def boom(u) -> None:
        raise RuntimeError("consumer crashed")

    with pytest.raises(RuntimeError):
        await second.step(boom)
    assert second.cursor()[0] == half
    n2 = await second.backfill(handler, progress=False)
    assert n1 + n2 == len(seen)
    clean, _ = await run_all(
        SymbioticIndexer(
            dn.anvil.w3, dn.deployment, dn.toolchain, config=IndexerConfig(confirmations=0)
        )
    )
    assert uids(seen) == uids(clean)


async def test_follow_delivers_new_events_until_stopped(world, history) -> None:
    dn = world.devnet
    idx = SymbioticIndexer(
        dn.anvil.w3, dn.deployment, dn.toolchain, config=IndexerConfig(confirmations=2)
    )
    await run_all(idx)  # catch up first
    stop = asyncio.Event()
    seen: list[ev.IndexedEvent] = []

    async def consume() -> None:
        async for u in idx.follow(poll_interval=0.05, stop=stop):
            apply_update(seen, u)
            if any(isinstance(e.record, ev.Deposit) and e.record.amount == 4242 for e in seen):
                stop.set()

    task = asyncio.create_task(consume())
    await history[0].deposit(world.alice, 4242)
    await asyncio.sleep(0.3)
    assert not stop.is_set(), "not final before 2 confirmations"
    await dn.anvil.mine(2)
    await asyncio.wait_for(task, 10)
    assert [e.record.amount for e in seen if isinstance(e.record, ev.Deposit)] == [4242]


async def test_all_blocks_mode_lists_every_block_linked(world, history) -> None:
    dn = world.devnet
    idx = SymbioticIndexer(
        dn.anvil.w3,
        dn.deployment,
        dn.toolchain,
        config=IndexerConfig(confirmations=0, batch_size=9, all_blocks=True),
    )
    _, updates = await run_all(idx)
    blocks = [b for u in updates for b in u.blocks]
    assert [b.number for b in blocks] == list(
        range(dn.deployment.deploy_block, blocks[-1].number + 1)
    )
    for prev, cur in itertools.pairwise(blocks):
        assert cur.parent_hash == prev.hash
        assert cur.timestamp >= prev.timestamp
    by_number = {b.number: b for b in blocks}
    for u in updates:
        for e in u.events:
            assert by_number[e.block_number].hash == e.block_hash
            assert by_number[e.block_number].timestamp == e.timestamp


async def test_refuses_a_node_on_another_chain(world) -> None:
    import dataclasses

    from omnistake.chains.ethereum.errors import IndexerError

    dn = world.devnet
    other = dataclasses.replace(dn.deployment, chain_id=1)
    idx = SymbioticIndexer(dn.anvil.w3, other, dn.toolchain)
    with pytest.raises(IndexerError) as err:
        await run_all(idx)
    assert err.value.reason == "WRONG_CHAIN"
