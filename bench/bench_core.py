"""Benchmark of the core ledger.

Prints (with rich) and writes to bench/results/core.json:

* commands per second for a realistic mix of commands over several vaults;
* the cost of one slash, one staker-reward distribution and one ``stake_at`` query in a vault
  with 1, 10k and 1M stakers, and the 1M/1 ratio (near 1: neither slashing nor distribution
  loops over stakers, and queries are binary searches);
* memory per staker.

The 1M-staker vault is built on the fast path: ``Deposited`` events applied directly, which is
what replaying a log does; the 1- and 10k-staker vaults go through command execution.

Run: ``.venv/bin/python bench/bench_core.py`` (about a minute or two).
"""

from __future__ import annotations

import gc
import json
import platform
import random
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from omnistake.clock import ManualClock
from omnistake.errors import OmnistakeError
from omnistake.ledger import Ledger
from omnistake.ledger import commands as C
from omnistake.ledger import events as V
from omnistake.principals import ADMIN
from rich.console import Console
from rich.table import Table

T0 = 1_700_000_000
ASSET = "eip155:1/erc20:0x" + "ab" * 20
TOKEN = "eip155:1/erc20:0x" + "cd" * 20
NETS = ["net-a", "net-b"]
OPS = ["op-1", "op-2", "op-3"]
RESULTS = Path(__file__).resolve().parent / "results" / "core.json"


def account(i: int) -> str:
    return f"eip155:1:0x{i:040x}"


def world() -> tuple[Ledger, ManualClock]:
    clock = ManualClock(T0)
    ledger = Ledger(clock)
    ledger.execute(C.RegisterAsset(asset_id=ASSET, decimals=18), principal=ADMIN)
    ledger.execute(C.RegisterAsset(asset_id=TOKEN, decimals=6), principal=ADMIN)
    for n in NETS:
        ledger.execute(C.RegisterNetwork(network=n), principal=ADMIN)
    for o in OPS:
        ledger.execute(C.RegisterOperator(operator=o), principal=ADMIN)
    return ledger, clock


def vault(
    ledger: Ledger, name: str, delegator: str = "full_restake", slasher: str = "instant"
) -> None:
    extra: dict[str, Any] = {}
    if delegator in ("operator_specific", "operator_network_specific"):
        extra["delegator_operator"] = OPS[0]
    if delegator == "operator_network_specific":
        extra["delegator_network"] = NETS[0]
    ledger.execute(
        C.CreateVault(
            vault=name,
            asset_id=ASSET,
            curator="cur",
            epoch_duration=600,
            delegator_type=delegator,
            slasher_type=slasher,
            veto_duration=60,
            curator_fee_bps=500,
            **extra,
        ),
        principal=ADMIN,
    )
    limit = 10**40
    for n in NETS:
        if delegator == "operator_network_specific" and n != NETS[0]:
            continue
        ledger.execute(C.SetMaxNetworkLimit(vault=name, network=n, amount=limit), principal=ADMIN)
        if delegator != "operator_network_specific":
            ledger.execute(C.SetNetworkLimit(vault=name, network=n, amount=limit), principal=ADMIN)
        for i, o in enumerate(OPS):
            if delegator == "network_restake":
                cmd: C.Command = C.SetOperatorNetworkShares(
                    vault=name, network=n, operator=o, shares=i + 1
                )
                ledger.execute(cmd, principal=ADMIN)
            elif delegator == "full_restake":
                cmd = C.SetOperatorNetworkLimit(vault=name, network=n, operator=o, amount=limit)
                ledger.execute(cmd, principal=ADMIN)
    for o in OPS:
        ledger.execute(C.OptInVault(operator=o, vault=name), principal=ADMIN)


def opt_in_networks(ledger: Ledger) -> None:
    for o in OPS:
        for n in NETS:
            ledger.execute(C.OptInNetwork(operator=o, network=n), principal=ADMIN)


# -- 1. command throughput --------------------------------------------------------------------


def command_mix(n_commands: int) -> dict[str, Any]:
    """A realistic mix over 8 vaults, 200 stakers, time moving a second every 10 commands."""
    ledger, clock = world()
    kinds = ["network_restake", "full_restake", "operator_specific", "operator_network_specific"]
    names = []
    for i in range(8):
        name = f"v{i}"
        vault(ledger, name, kinds[i % 4], "instant" if i % 2 == 0 else "veto")
        names.append(name)
    opt_in_networks(ledger)
    stakers = [account(i) for i in range(200)]
    rng = random.Random(7)
    for name in names:
        for s in stakers[:20]:
            ledger.execute(C.Deposit(vault=name, staker=s, amount=10**18), principal=ADMIN)
    mix = (
        ["deposit"] * 40
        + ["withdraw"] * 15
        + ["claim"] * 10
        + ["stake_query"] * 0
        + ["slash"] * 5
        + ["request_slash"] * 3
        + ["distribute"] * 5
        + ["claim_rewards"] * 12
        + ["limit"] * 5
        + ["opt"] * 5
    )
    clock.advance(700)
    plan = [(rng.choice(mix), rng.choice(names), rng.choice(stakers)) for _ in range(n_commands)]
    accepted = rejected = 0
    per_kind: dict[str, int] = {}
    start = time.perf_counter()
    for i, (kind, name, s) in enumerate(plan):
        if i % 10 == 0:
            clock.advance(1)
        now = clock.now()
        cmd: C.Command
        if kind == "deposit":
            cmd = C.Deposit(vault=name, staker=s, amount=rng.randrange(1, 10**18))
        elif kind == "withdraw":
            cmd = C.Withdraw(vault=name, staker=s, amount=rng.randrange(1, 10**17))
        elif kind == "claim":
            epoch = ledger.epoch_at(name, now) - 1
            cmd = C.Claim(vault=name, claimer=s, epochs=[max(epoch, 0)])
        elif kind == "slash":
            cmd = C.Slash(
                vault=name,
                network=rng.choice(NETS),
                operator=rng.choice(OPS),
                amount=rng.randrange(1, 10**15),
                capture=now - rng.randrange(1, 300),
            )
        elif kind == "request_slash":
            cmd = C.RequestSlash(
                vault=name,
                network=rng.choice(NETS),
                operator=rng.choice(OPS),
                amount=rng.randrange(1, 10**15),
                capture=now - rng.randrange(1, 300),
            )
        elif kind == "distribute":
            cmd = C.DistributeStakerRewards(
                vault=name,
                network=rng.choice(NETS),
                token=TOKEN,
                amount=10**9,
                timestamp=now - rng.randrange(1, 600),
            )
        elif kind == "claim_rewards":
            cmd = C.ClaimStakerRewards(vault=name, staker=s, network=rng.choice(NETS), token=TOKEN)
        elif kind == "limit":
            cmd = C.SetMaxNetworkLimit(
                vault=name, network=NETS[0], subnetwork=1, amount=rng.randrange(1, 10**30)
            )
        else:
            o = rng.choice(OPS)
            if ledger.is_opted_in_vault(o, name, now):
                cmd = C.OptOutVault(operator=o, vault=name)
            else:
                cmd = C.OptInVault(operator=o, vault=name)
        try:
            ledger.execute(cmd, principal=ADMIN)
            accepted += 1
            per_kind[kind] = per_kind.get(kind, 0) + 1
        except OmnistakeError:
            rejected += 1
    elapsed = time.perf_counter() - start
    return {
        "commands": n_commands,
        "accepted": accepted,
        "rejected": rejected,
        "accepted_by_kind": per_kind,
        "seconds": elapsed,
        "commands_per_second": n_commands / elapsed,
        "events": ledger.seq,
    }


# -- 2. cost with N stakers -------------------------------------------------------------------


def big_vault(n_stakers: int, fast: bool) -> tuple[Ledger, ManualClock]:
    """A vault 'big' with ``n_stakers`` stakers of 10^18 each, opted in everywhere."""
    ledger, clock = world()
    vault(ledger, "big", "network_restake", "instant")
    opt_in_networks(ledger)
    amount = 10**18
    if fast:
        # price is exactly 1 (A == S, no slash yet): each deposit mints `amount` shares,
        # the same numbers the Deposit handler computes
        apply = ledger.apply
        at = clock.now()
        for i in range(n_stakers):
            apply(
                V.Deposited(
                    at=at,
                    vault="big",
                    depositor=(s := account(i)),
                    staker=s,
                    amount=amount,
                    shares=amount,
                )
            )
    else:
        for i in range(n_stakers):
            ledger.execute(
                C.Deposit(vault="big", staker=account(i), amount=amount), principal=ADMIN
            )
    clock.advance(10)
    return ledger, clock


def count_calls(fn: Callable[[], object]) -> int:
    """Python-level function calls made by ``fn()``: a machine-independent measure of work
    (equal counts for 1 and 1M stakers mean nothing loops over stakers)."""
    count = 0

    def profile(frame: Any, event: str, arg: Any) -> None:
        nonlocal count
        if event == "call":
            count += 1

    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return count


class Subject:
    """One vault with ``n_stakers`` stakers and the four operations to time on it."""

    def __init__(self, n_stakers: int) -> None:
        self.n = n_stakers
        self.fast = n_stakers > 10_000
        gc.collect()
        start = time.perf_counter()
        self.ledger, self.clock = big_vault(n_stakers, self.fast)
        self.build = time.perf_counter() - start
        self.capture = self.clock.now() - 5
        self.ops: dict[str, Callable[[int], object]] = {
            "slash": self.slash,
            "distribute": self.distribute,
            "stake_at": self.query,
            "claim_rewards": self.claim,
        }
        self.best: dict[str, float] = {k: float("inf") for k in self.ops}
        self.calls = {
            "slash": count_calls(lambda: self.slash(1)),
            "distribute": count_calls(lambda: self.distribute(1)),
            "stake_at": count_calls(
                lambda: self.ledger.stake_at("big", "net-a", 0, OPS[0], self.capture)
            ),
            "claim_rewards": count_calls(lambda: self.claim(n_stakers + 1)),
        }

    def slash(self, i: int) -> None:
        self.clock.advance(1)
        cmd = C.Slash(
            vault="big", network="net-a", operator=OPS[i % 3], amount=10**9, capture=self.capture
        )
        self.ledger.execute(cmd, principal=ADMIN)

    def distribute(self, i: int) -> None:
        self.clock.advance(1)
        cmd = C.DistributeStakerRewards(
            vault="big", network="net-a", token=TOKEN, amount=10**12, timestamp=self.capture - i % 3
        )
        self.ledger.execute(cmd, principal=ADMIN)

    def query(self, i: int) -> None:
        for _ in range(100):
            self.ledger.stake_at("big", "net-a", 0, OPS[i % 3], self.capture)

    def claim(self, i: int) -> None:
        # one distribution per claim: staker i % n claims the oldest one it has not claimed
        cmd = C.ClaimStakerRewards(
            vault="big",
            staker=account(i % self.n),
            network="net-a",
            token=TOKEN,
            max_distributions=1,
        )
        self.ledger.execute(cmd, principal=ADMIN)

    def result(self) -> dict[str, Any]:
        return {
            "stakers": self.n,
            "built_by": "Deposited events applied directly" if self.fast else "Deposit commands",
            "build_seconds": self.build,
            "slash_us": self.best["slash"] * 1e6,
            "distribute_us": self.best["distribute"] * 1e6,
            "stake_at_us": self.best["stake_at"] * 1e6 / 100,
            "claim_rewards_us": self.best["claim_rewards"] * 1e6,
            "python_calls": self.calls,
        }


def per_staker_costs(sizes: list[int], rounds: int = 60) -> list[dict[str, Any]]:
    """Time every operation on every vault, interleaved round by round (so a burst of load on
    the shared machine hits all sizes alike), keeping the best of ``rounds``."""
    subjects = [Subject(n) for n in sizes]
    gc.disable()
    try:
        for i in range(rounds):
            for subject in subjects:
                for name, op in subject.ops.items():
                    start = time.perf_counter()
                    op(i)
                    took = time.perf_counter() - start
                    subject.best[name] = min(subject.best[name], took)
    finally:
        gc.enable()
    return [s.result() for s in subjects]


def memory_per_staker(n: int = 20_000) -> dict[str, float]:
    """Bytes of ledger state per staker (tracemalloc while applying ``n`` deposits)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    ledger, _ = big_vault(n, fast=True)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert ledger.vault("big").active_shares.latest() == n * 10**18
    return {"stakers": n, "bytes_per_staker": (after - before) / n}


def main() -> None:
    console = Console(width=150)
    quick = "--quick" in sys.argv
    console.print("[bold]omnistake core ledger benchmark[/bold]")
    mix = command_mix(5_000 if quick else 30_000)
    sizes = [1, 10_000, 100_000] if quick else [1, 10_000, 1_000_000]
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    costs = per_staker_costs(sizes)
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    mem = memory_per_staker()

    t1 = Table(title="Command throughput (realistic mix, 8 vaults, 200 stakers)")
    for col in ("commands", "accepted", "rejected", "events", "seconds", "commands/s"):
        t1.add_column(col, justify="right")
    t1.add_row(
        str(mix["commands"]),
        str(mix["accepted"]),
        str(mix["rejected"]),
        str(mix["events"]),
        f"{mix['seconds']:.2f}",
        f"{mix['commands_per_second']:,.0f}",
    )
    console.print(t1)
    console.print("accepted by kind:", mix["accepted_by_kind"])

    t2 = Table(
        title="Cost of one operation vs stakers in the vault (best of 60, sizes interleaved)"
    )
    for col in (
        "stakers",
        "vault built by",
        "build s",
        "slash µs",
        "distribute µs",
        "stake_at µs",
        "claim rewards µs",
        "py calls slash/distr/stake_at/claim",
    ):
        t2.add_column(col, justify="right")
    for c in costs:
        t2.add_row(
            f"{c['stakers']:,}",
            c["built_by"],
            f"{c['build_seconds']:.1f}",
            f"{c['slash_us']:.1f}",
            f"{c['distribute_us']:.1f}",
            f"{c['stake_at_us']:.2f}",
            f"{c['claim_rewards_us']:.1f}",
            "/".join(
                str(c["python_calls"][k])
                for k in ("slash", "distribute", "stake_at", "claim_rewards")
            ),
        )
    first, last = costs[0], costs[-1]
    ratios = {
        k: last[k] / first[k]
        for k in ("slash_us", "distribute_us", "stake_at_us", "claim_rewards_us")
    }
    same_calls = all(c["python_calls"] == first["python_calls"] for c in costs)
    t2.add_row(
        f"ratio {last['stakers']:,}/1",
        "",
        "",
        f"{ratios['slash_us']:.2f}",
        f"{ratios['distribute_us']:.2f}",
        f"{ratios['stake_at_us']:.2f}",
        f"{ratios['claim_rewards_us']:.2f}",
        "equal" if same_calls else "DIFFERENT",
    )
    console.print(t2)
    console.print(
        f"memory: {mem['bytes_per_staker']:.0f} bytes of ledger state per staker "
        f"(tracemalloc over {mem['stakers']:,} stakers); max RSS grew "
        f"{(rss1 - rss0) / 1024:.0f} MiB while building the {last['stakers']:,}-staker vault"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "python": platform.python_version(),
                "machine": platform.machine(),
                "command_mix": mix,
                "per_staker_costs": costs,
                "ratios_largest_over_1": ratios,
                "python_calls_equal_for_all_sizes": same_calls,
                "memory": mem | {"max_rss_growth_mib": (rss1 - rss0) / 1024},
            },
            indent=2,
        )
    )
    console.print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
