"""Crash test: a writer under concurrent load in a child process is killed with SIGKILL at
random moments, many rounds; after each restart every acknowledged command is present, none
is applied twice, and the state equals a clean replay of the log."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from omnistake.clock import ManualClock
from omnistake.ledger import Ledger, state_hash
from omnistake.ledger.events import Deposited
from omnistake.service import LedgerService, load_state
from omnistake.store import open_store

CHILD = Path(__file__).with_name("crash_writer.py")


def run_round(
    url: str, rnd: int, retry: list[str], tmp: Path, rng: random.Random
) -> tuple[list[str], list[str]]:
    """One child life: returns (acknowledged ids, retry answers)."""
    retry_file = tmp / f"retry-{rnd}.txt"
    retry_file.write_text("\n".join(retry))
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), url, str(rnd), str(retry_file), "16"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    acked: list[str] = []
    answers: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            word, _, rid = line.strip().partition(" ")
            if word == "ACK":
                acked.append(rid)
            elif word in ("REPLAYED", "APPLIED"):
                answers.append(word)
            elif word == "READY":
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    if not ready.wait(60):
        proc.kill()
        _, err = proc.communicate()
        raise AssertionError(f"the writer did not start: {err[-2000:]}")
    time.sleep(rng.uniform(0.05, 0.9))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    reader.join(10)
    return acked, answers


@pytest.mark.slow
@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_sigkill_rounds_lose_nothing_and_apply_nothing_twice(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = str(request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url"))
    rng = random.Random(20261121)
    rounds = 12 if backend == "sqlite" else 6
    all_acked: list[str] = []
    for rnd in range(rounds):
        retry = rng.sample(all_acked, min(20, len(all_acked)))
        acked, answers = run_round(url, rnd, retry, tmp_path, rng)
        # retried acknowledged commands come back as stored answers, never applied again
        assert answers == ["REPLAYED"] * len(retry)
        store = open_store(url)
        missing = [rid for rid in acked if store.find_request(rid) is None]
        # what a restart loads (latest snapshot + tail) is what a clean replay gives
        recovered = state_hash(load_state(store))
        clean = Ledger.from_events(store.read_events(0)).state_hash()
        store.close()
        assert not missing, f"round {rnd}: acknowledged but lost: {missing[:5]}"
        assert recovered == clean, f"round {rnd}: recovered state differs from a clean replay"
        all_acked.extend(acked)
    assert len(all_acked) > 100  # the load really ran

    svc = LedgerService.open(url, ManualClock(), snapshot_every=0)
    store = svc.store
    replayed = Ledger.from_events(store.read_events(0))
    assert svc.ledger.state_hash() == replayed.state_hash()
    journal = [e for e in store.journal() if e.request_id.startswith("c-")]
    stakers = Counter(
        r.event.staker for r in store.read_events(0) if isinstance(r.event, Deposited)
    )
    assert max(stakers.values()) == 1  # no command applied twice
    assert sum(stakers.values()) == len(journal)  # every journaled deposit has its event
    snapshot = store.latest_snapshot()
    assert snapshot is not None and snapshot.seq > 0  # snapshots were taken under load
    svc.close()
