"""Ethereum adapter benchmark: indexer backfill, mirroring into the ledger, one stakeAt.

    .venv/bin/python bench/bench_ethereum.py [--txs 4000] [--per-block 40]

Starts anvil, deploys the real Symbiotic core, generates a long history of deposits and
withdrawals, then measures (1) events indexed per second while backfilling that history,
for a few batch sizes, (2) events mirrored into an in-memory ledger per second (adapter +
ChainSync), and (3) one ``stakeAt`` by eth_call against the ledger's ``stake_at``. Prints the
figures and writes bench/results/ethereum.json. Needs scripts/setup.d/ethereum.sh run first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from pathlib import Path
from typing import Any

from omnistake.chains.ethereum.adapter import EthereumAdapter, EthereumOptions
from omnistake.chains.ethereum.anvil import Anvil
from omnistake.chains.ethereum.indexer import IndexerConfig, SymbioticIndexer, Update
from omnistake.chains.ethereum.operations import (
    connect_vault,
    create_token,
    stand_up_network,
    stand_up_operator,
    stand_up_vault,
    start_local_devnet,
)
from omnistake.chains.ethereum.symbiotic import (
    DelegatorConfig,
    DelegatorType,
    VaultBinding,
    make_subnetwork,
)
from omnistake.clock import ManualClock
from omnistake.plugins import ChainSync
from omnistake.plugins.records import BlockApplied
from omnistake.service import LedgerService

EPOCH = 7 * 86400
MAX = 2**256 - 1


async def generate_history(
    devnet: Any, vaults: list[VaultBinding], staker: Any, txs: int, per_block: int
) -> int:
    """Send ``txs`` deposits/withdrawals signed in bulk, ``per_block`` per mined block."""
    node = devnet.anvil
    w3 = node.w3
    await node.set_automine(False)
    nonce = int(await w3.eth.get_transaction_count(staker.address))
    try:
        sent = 0
        while sent < txs:
            hashes = []
            raws = []
            for _ in range(min(per_block, txs - sent)):
                v = vaults[sent % len(vaults)]
                fn = "deposit" if (sent // len(vaults)) % 3 != 2 else "withdraw"
                data = v.vault.encode(fn, staker.address, 10**15 + sent)
                raw, h = staker.signer.sign_transaction(
                    {
                        "to": v.info.vault,
                        "data": data,
                        "value": 0,
                        "nonce": nonce,
                        "gas": 400_000,
                        "maxFeePerGas": 10**11,
                        "maxPriorityFeePerGas": 10**9,
                        "chainId": node.chain_id,
                    }
                )
                raws.append(raw)
                hashes.append(h)
                nonce += 1
                sent += 1
            await asyncio.gather(*(w3.eth.send_raw_transaction(r) for r in raws))
            await node.mine()
        receipt = await w3.eth.get_transaction_receipt(hashes[-1])
        assert receipt["status"] == 1, "history generation failed"
    finally:
        await node.set_automine(True)
    return sent


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--txs", type=int, default=4000)
    ap.add_argument("--per-block", type=int, default=40)
    ap.add_argument("--stake-calls", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=3, help="backfill runs per batch size")
    args = ap.parse_args()
    results: dict[str, Any] = {}
    async with Anvil() as node:
        dn = await start_local_devnet(node)
        core = dn.core
        network, middleware, operator, curator, staker = [await dn.account() for _ in range(5)]
        await stand_up_network(core, network, middleware.address)
        await stand_up_operator(core, operator, networks=(network.address,))
        vaults = []
        for sym, dec, dtype in (
            ("stETH", 18, DelegatorType.NETWORK_RESTAKE),
            ("WBTC", 8, DelegatorType.FULL_RESTAKE),
        ):
            token = await create_token(dn, sym, dec)
            v = await stand_up_vault(
                core, curator, token, epoch_duration=EPOCH, delegator=DelegatorConfig(dtype)
            )
            await stand_up_operator(core, operator, vaults=(v.info.vault,))
            sn = await connect_vault(v, network, curator, operator.address, limit=10**40)
            await core.token(token).mint(dn.deployer, staker.address, 10**30)
            await core.token(token).approve(staker, v.info.vault, MAX)
            await v.deposit(staker, 10**24)
            vaults.append(v)

        t = time.perf_counter()
        sent = await generate_history(dn, vaults, staker, args.txs, args.per_block)
        gen_s = time.perf_counter() - t
        head = await node.block_number()
        print(f"history: {sent} transactions in {head} blocks, generated in {gen_s:.1f} s")
        results["history"] = {"transactions": sent, "blocks": head}

        backfill: dict[str, Any] = {}
        for batch in (10, 100, 1000):
            runs = []
            count = 0
            for _ in range(args.repeat):
                idx = SymbioticIndexer(
                    node.w3,
                    dn.deployment,
                    dn.toolchain,
                    config=IndexerConfig(confirmations=0, batch_size=batch),
                )
                count = 0

                async def handler(u: Update) -> None:
                    nonlocal count
                    count += len(getattr(u, "events", ()))

                t = time.perf_counter()
                await idx.backfill(handler, progress=False)
                runs.append(time.perf_counter() - t)
            best = min(runs)
            backfill[str(batch)] = {
                "events": count,
                "best_s": round(best, 3),
                "median_s": round(statistics.median(runs), 3),
                "events_per_s": round(count / best),
            }
            print(
                f"backfill batch={batch:>5}: {count} events, best {best:.2f} s"
                f" = {count / best:,.0f} events/s (median {statistics.median(runs):.2f} s,"
                f" {args.repeat} runs)"
            )
        results["backfill"] = backfill

        v = vaults[0]
        sn = make_subnetwork(network.address, 0)
        ts = await node.latest_timestamp() - 1
        expected = await v.stake_at(sn, operator.address, ts)
        times = []
        for _ in range(args.stake_calls):
            t = time.perf_counter()
            got = await v.stake_at(sn, operator.address, ts)
            times.append(time.perf_counter() - t)
            assert got == expected
        med, mean = statistics.median(times), statistics.mean(times)
        print(
            f"stakeAt by eth_call: median {med * 1e6:,.0f} us, mean {mean * 1e6:,.0f} us"
            f" ({args.stake_calls} calls)"
        )
        results["stake_at_eth_call_us"] = {
            "median": round(med * 1e6),
            "mean": round(mean * 1e6),
        }

        # ---------------------------------------------------------------- LEDGER SIDE
        # Mirror the whole history into an in-memory ledger through the adapter and the
        # sync loop, then time the ledger's stake_at for the same arguments.
        chain = f"eip155:{node.chain_id}"
        mirror_runs = []
        service: Any = None
        facts = 0
        for _ in range(args.repeat):
            if service is not None:
                service.close()
            service = LedgerService.open("memory://", ManualClock(0))
            adapter = EthereumAdapter(
                chain,
                EthereumOptions(
                    rpc_url=node.url,
                    deployment=dn.deployment,
                    confirmation_depth=0,
                    batch_size=1000,
                    poll_interval=0.01,
                ),
                toolchain=dn.toolchain,
            )
            sync = ChainSync(service, adapter, strict_facts=True)
            t = time.perf_counter()
            await sync.catch_up(600)
            mirror_runs.append(time.perf_counter() - t)
            facts = sum(e.applied for e in sync.events if isinstance(e, BlockApplied))
            await sync.close()
        best = min(mirror_runs)
        print(
            f"mirror into the ledger: {facts} facts, best {best:.2f} s = {facts / best:,.0f}"
            f" events/s (adapter + ChainSync, every block, {args.repeat} runs)"
        )
        results["mirror"] = {
            "facts": facts,
            "best_s": round(best, 3),
            "median_s": round(statistics.median(mirror_runs), 3),
            "events_per_s": round(facts / best),
        }
        ledger = service.ledger
        ids = (
            f"{chain}:{v.info.vault.lower()}",
            f"{chain}:{network.address.lower()}",
            0,
            f"{chain}:{operator.address.lower()}",
            ts,
        )
        assert ledger.stake_at(*ids) == expected, "ledger and contract disagree"
        calls = args.stake_calls * 100
        ledger_times = []
        for _ in range(5):
            t = time.perf_counter()
            for _ in range(calls):
                ledger.stake_at(*ids)
            ledger_times.append((time.perf_counter() - t) / calls)
        ledger_us = min(ledger_times) * 1e6
        results["stake_at_ledger_us"] = round(ledger_us, 2)
        results["stake_at_ratio_eth_call_over_ledger"] = round(med * 1e6 / ledger_us, 1)
        print(
            f"stake_at in the ledger: {ledger_us:.1f} us (best of 5 x {calls} calls);"
            f" eth_call/ledger = {med * 1e6 / ledger_us:,.0f}x"
        )
        service.close()
        # -------------------------------------------------------------------------------

    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "ethereum.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    asyncio.run(main())
