"""Store benchmarks: durable commands per second (SQLite and PostgreSQL, 1 and 32 concurrent
writers), replay time per million events, snapshot size per million stakers.

Run: .venv/bin/python bench/bench_store.py [--quick]
PostgreSQL: set OMNISTAKE_BENCH_PG=postgresql://... to use a server of your own; otherwise a
throw-away server is started like the tests do (skipped when the binaries are missing).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "store"))

from omnistake.clock import ManualClock  # noqa: E402
from omnistake.ledger import Ledger, canonical_state  # noqa: E402
from omnistake.service import LedgerService, load_state  # noqa: E402
from omnistake.store import Batch, open_store  # noqa: E402
from store_world import T0, WHO, deposit, world  # noqa: E402


def durable_rate(url: str, writers: int, per_writer: int) -> float:
    """Commands per second, each answered only once durable."""
    svc = LedgerService.open(url, ManualClock(T0), snapshot_every=0)
    for rid, command in world():
        svc.execute_sync(command, principal=WHO, request_id=rid)
    start = threading.Barrier(writers + 1)

    def run(k: int) -> None:
        start.wait()
        for i in range(per_writer):
            n = k * 1_000_000 + i
            svc.execute_sync(deposit(n), principal=WHO, request_id=f"b{n}")

    threads = [threading.Thread(target=run, args=(k,)) for k in range(writers)]
    for th in threads:
        th.start()
    start.wait()
    t0 = time.perf_counter()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t0
    svc.close()
    return writers * per_writer / elapsed


def build_log(url: str, events: int) -> None:
    """Append ``events`` deposit events (plus the set-up) straight to the store."""
    ledger = Ledger(ManualClock(T0))
    store = open_store(url)
    store.acquire_writer("bench")
    batch = [r for _, c in world() for r in ledger.execute(c, principal=WHO)]
    i = 0
    while ledger.seq < events:
        batch.extend(ledger.execute(deposit(i % 200_000), principal=WHO))
        i += 1
        if len(batch) >= 20_000:
            store.append([Batch(batch, None)])
            batch = []
    if batch:
        store.append([Batch(batch, None)])
    store.close()


def replay_seconds_per_million(url: str, events: int) -> tuple[float, float]:
    """(read + decode + apply, apply only) seconds per million events."""
    store = open_store(url)
    t0 = time.perf_counter()
    state = load_state(store, use_snapshot=False)
    full = time.perf_counter() - t0
    records = list(store.read_events(0))
    store.close()
    t0 = time.perf_counter()
    Ledger.from_events(records)
    apply_only = time.perf_counter() - t0
    assert state.seq == len(records)
    scale = 1_000_000 / len(records)
    return full * scale, apply_only * scale


def snapshot_bytes_per_million_stakers(stakers: int) -> tuple[float, float]:
    """(bytes, seconds to serialise) per million stakers with one deposit each."""
    ledger = Ledger(ManualClock(T0))
    for _, command in world():
        ledger.execute(command, principal=WHO)
    for i in range(stakers):
        ledger.execute(deposit(i), principal=WHO)
    t0 = time.perf_counter()
    data = canonical_state(ledger.state)
    seconds = time.perf_counter() - t0
    scale = 1_000_000 / stakers
    return len(data) * scale, seconds * scale


def pg_url_factory() -> tuple[Callable[[], str] | None, Callable[[], None]]:
    url = os.environ.get("OMNISTAKE_BENCH_PG")
    if url:
        return (lambda: url), (lambda: None)
    from conftest import PgServer, pg_bindir

    bindir = pg_bindir()
    if bindir is None:
        return None, lambda: None
    server = PgServer(bindir)
    server.start()
    return server.new_database, server.stop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller runs")
    args = parser.parse_args()
    per_writer_1 = 200 if args.quick else 1_000
    per_writer_32 = 20 if args.quick else 100
    events = 50_000 if args.quick else 100_000
    stakers = 20_000 if args.quick else 100_000

    tmp = Path(tempfile.mkdtemp(prefix="omnistake-bench-"))
    counter = iter(range(1_000_000))

    def sqlite_url() -> str:
        return f"sqlite:///{tmp}/bench-{next(counter)}.db"

    print(f"omnistake store benchmarks ({os.cpu_count()} CPUs)")
    new_pg, stop_pg = pg_url_factory()
    try:
        backends: list[tuple[str, Callable[[], str]]] = [("sqlite", sqlite_url)]
        if new_pg is not None:
            backends.append(("postgresql", new_pg))
        else:
            print("postgresql: server binaries not found, skipped")
        for name, new_url in backends:
            one = durable_rate(new_url(), 1, per_writer_1)
            many = durable_rate(new_url(), 32, per_writer_32)
            print(
                f"{name:10s} durable commands/s: 1 writer {one:8.0f}   32 writers {many:8.0f}"
                f"   (group commit x{many / one:.1f})"
            )
        url = sqlite_url()
        build_log(url, events)
        full, apply_only = replay_seconds_per_million(url, events)
        print(
            f"replay (sqlite, {events} events): {full:.1f} s per million events "
            f"(read+decode+apply; apply alone {apply_only:.1f} s)"
        )
        if new_pg is not None:
            pg = new_pg()
            build_log(pg, events)
            full, _ = replay_seconds_per_million(pg, events)
            print(f"replay (postgresql, {events} events): {full:.1f} s per million events")
        size, seconds = snapshot_bytes_per_million_stakers(stakers)
        print(
            f"snapshot size: {size / 1e6:.0f} MB per million stakers "
            f"(one deposit each; serialised in {seconds:.1f} s per million)"
        )
    finally:
        stop_pg()


if __name__ == "__main__":
    main()
