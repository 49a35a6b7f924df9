"""Child process of the crash test: a writer under concurrent load that prints every
acknowledged request id. The test kills it with SIGKILL at a random moment.

Usage: python crash_writer.py URL ROUND RETRY_FILE THREADS
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from omnistake.clock import ManualClock
from omnistake.service import LedgerService
from store_world import T0, WHO, deposit, world

_out = threading.Lock()


def say(line: str) -> None:
    with _out:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def command_for(request_id: str):  # type: ignore[no-untyped-def]
    """r<round>-<thread>-<i> -> a deposit by a staker unique to that id."""
    _, rnd, k, i = request_id.split("-")
    n = int(rnd.removeprefix("r") or 0) * 1_000_000 + int(k) * 10_000 + int(i)
    return deposit(n, amount=1_000 + n)


def main() -> None:
    url, rnd, retry_file, threads = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    svc = LedgerService.open(url, ManualClock(T0), snapshot_every=50)
    for rid, command in world():
        svc.execute_sync(command, principal=WHO, request_id=rid)
    for rid in Path(retry_file).read_text().split():
        result = svc.execute_sync(command_for(rid), principal=WHO, request_id=rid)
        say(f"{'REPLAYED' if result.replayed else 'APPLIED'} {rid}")
    say("READY")

    def worker(k: int) -> None:
        i = 0
        while True:
            rid = f"c-r{rnd}-{k}-{i}"
            svc.execute_sync(command_for(rid), principal=WHO, request_id=rid)
            say(f"ACK {rid}")
            i += 1

    for k in range(threads):
        threading.Thread(target=worker, args=(k,), daemon=True).start()
    threading.Event().wait()


if __name__ == "__main__":
    main()
