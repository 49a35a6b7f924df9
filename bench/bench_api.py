#!/usr/bin/env python3
"""What the wire costs: unary throughput and p50/p99 latency of a read (GetStake) and a
write (Deposit) with 1, 16 and 64 concurrent clients, over gRPC against `omnistake serve`
(a separate process on 127.0.0.1, SQLite store) and in-process against a LedgerService on
its own SQLite file.

    .venv/bin/python bench/bench_api.py [--seconds 2.0]

Prints a table and writes the same figures to bench/results/api.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from omnistake import Principal
from omnistake.client import OmnistakeClient
from omnistake.ledger import commands as C
from omnistake.service import LedgerService

REPO = Path(__file__).resolve().parent.parent
STETH = "eip155:1/erc20:0xae7ab96520de3a18e5e111b5eaab095312d7fe84"
ALICE = "eip155:1:0xa11ce"
CONCURRENCY = (1, 16, 64)
RESULTS = Path(__file__).resolve().parent / "results" / "api.json"

Op = Callable[[int], Awaitable[object]]


async def measure(op: Op, clients: int, seconds: float) -> tuple[float, float, float]:
    """Run ``op`` from ``clients`` concurrent loops for ``seconds``; (ops/s, p50 ms, p99 ms)."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    counter = iter(range(10**9))

    async def loop() -> None:
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            await op(next(counter))
            latencies.append(time.perf_counter() - start)

    began = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(clients)))
    elapsed = time.perf_counter() - began
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return len(latencies) / elapsed, statistics.median(latencies) * 1e3, p99 * 1e3


async def start_server(workdir: Path) -> tuple[asyncio.subprocess.Process, int, str]:
    proc = await asyncio.create_subprocess_exec(
        str(REPO / ".venv" / "bin" / "omnistake"),
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--grace",
        "1",
        cwd=workdir,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stderr is not None
    while True:
        line = (await asyncio.wait_for(proc.stderr.readline(), 60)).decode()
        if not line:
            raise RuntimeError("omnistake serve exited")
        match = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        if match:
            break
    token = (workdir / "omnistake.sqlite.admin-token").read_text().strip()
    return proc, int(match.group(1)), token


async def setup_wire(client: OmnistakeClient) -> None:
    await client.register_asset(STETH, 18)
    await client.register_network("da-layer")
    await client.register_operator("op-1")
    await client.create_vault("v1", STETH, "curator-1", 7 * 86_400)
    await client.opt_in_vault("op-1", "v1")
    await client.opt_in_network("op-1", "da-layer")
    await client.set_max_network_limit("v1", "da-layer", 10**30)
    await client.set_network_limit("v1", "da-layer", 10**30)
    await client.set_operator_network_shares("v1", "da-layer", "op-1", 1)
    await client.deposit("v1", ALICE, 10**21)


async def setup_local(service: LedgerService) -> None:
    admin = Principal.parse("admin:root")
    for cmd in (
        C.RegisterAsset(asset_id=STETH, decimals=18),
        C.RegisterNetwork(network="da-layer"),
        C.RegisterOperator(operator="op-1"),
        C.CreateVault(vault="v1", asset_id=STETH, curator="curator-1", epoch_duration=7 * 86_400),
        C.OptInVault(operator="op-1", vault="v1"),
        C.OptInNetwork(operator="op-1", network="da-layer"),
        C.SetMaxNetworkLimit(vault="v1", network="da-layer", amount=10**30),
        C.SetNetworkLimit(vault="v1", network="da-layer", amount=10**30),
        C.SetOperatorNetworkShares(vault="v1", network="da-layer", operator="op-1", shares=1),
        C.Deposit(vault="v1", staker=ALICE, amount=10**21),
    ):
        await service.execute(cmd, principal=admin)


def row(
    call: str, clients: int, wire: tuple[float, float, float], local: tuple[float, float, float]
) -> str:
    ratio = local[0] / wire[0] if wire[0] else float("inf")
    return (
        f"{call:<6} {clients:>3} | {wire[0]:>9.0f} {wire[1]:>8.2f} {wire[2]:>8.2f} | "
        f"{local[0]:>9.0f} {local[1]:>8.3f} {local[2]:>8.3f} | {ratio:>6.1f}x"
    )


def ops(
    call: str, clients: list[OmnistakeClient], service: LedgerService, now: int
) -> tuple[Op, Op]:
    """The wire and in-process versions of one call."""
    admin = Principal.parse("admin:root")
    n = len(clients)
    if call == "read":

        async def wire_read(i: int) -> object:
            return await clients[i % n].stake_at("v1", "da-layer", "op-1", at=now)

        async def local_read(i: int) -> object:
            return service.ledger.stake_at("v1", "da-layer", 0, "op-1", now)

        return wire_read, local_read

    async def wire_write(i: int) -> object:
        return await clients[i % n].deposit("v1", ALICE, 1)

    async def local_write(i: int) -> object:
        cmd = C.Deposit(vault="v1", staker=ALICE, amount=1)
        # the client sends a fresh request id with every mutation: so does this
        return await service.execute(cmd, principal=admin, request_id=str(uuid.uuid4()))

    return wire_write, local_write


async def main(seconds: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "wire").mkdir()
        proc, port, token = await start_server(work / "wire")
        service = LedgerService.open(f"sqlite:///{work / 'local.sqlite'}")
        try:
            target = f"127.0.0.1:{port}"
            async with OmnistakeClient(target, token=token) as setup:
                await setup_wire(setup)
            await setup_local(service)
            now = int(time.time())
            print(
                f"omnistake API bench: {seconds:.1f} s per cell, server = `omnistake serve` "
                f"(SQLite) in its own process, in-process = LedgerService (SQLite)"
            )
            print(f"python {sys.version.split()[0]}; amounts in base units; latency in ms\n")
            print(
                "call   clients |  wire op/s  p50 ms   p99 ms "
                "|  local op/s  p50 ms   p99 ms | local/wire"
            )
            figures: list[dict[str, object]] = []
            for call in ("read", "write"):
                for n in CONCURRENCY:
                    clients = [OmnistakeClient(target, token=token) for _ in range(n)]
                    try:
                        # connect every channel before timing anything
                        await asyncio.gather(*(c.state_hash() for c in clients))
                        wire_op, local_op = ops(call, clients, service, now)
                        wire = await measure(wire_op, n, seconds)
                        local = await measure(local_op, n, seconds)
                        print(row(call, n, wire, local))
                        figures.append(
                            {
                                "call": call,
                                "clients": n,
                                "wire": dict(zip(("ops", "p50_ms", "p99_ms"), wire, strict=True)),
                                "local": dict(zip(("ops", "p50_ms", "p99_ms"), local, strict=True)),
                                "local_over_wire": local[0] / wire[0] if wire[0] else None,
                            }
                        )
                    finally:
                        for c in clients:
                            await c.close()
            RESULTS.parent.mkdir(exist_ok=True)
            RESULTS.write_text(json.dumps({"seconds_per_cell": seconds, "rows": figures}, indent=2))
            print(f"\nwrote {RESULTS.relative_to(REPO)}")
        finally:
            service.close()
            proc.send_signal(signal.SIGTERM)
            await proc.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="duration of each cell")
    asyncio.run(main(parser.parse_args().seconds))
