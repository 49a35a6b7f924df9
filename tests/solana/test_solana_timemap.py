"""Solana slots and Clock times mapped to ledger seconds and vault epochs."""

from __future__ import annotations

import pytest
from omnistake.chains.solana.errors import TimeMapError
from omnistake.chains.solana.localnet import deposit_lst
from omnistake.chains.solana.timemap import SolanaTimeMap, VaultEpochs
from solana_world import World

UNIT = 10**9
DAY = 86_400


def test_anchors_extrapolation_and_monotonicity() -> None:
    m = SolanaTimeMap()
    with pytest.raises(TimeMapError):
        m.ledger_time(5)
    m.observe(1_000, 50_000)
    m.observe(2_000, 50_390)  # the cluster clock ran 10 s slower than 400 ms slots
    assert m.ledger_time(1_000) == 50_000
    assert m.ledger_time(1_005) == 50_002  # 5 slots * 0.4 s, floored
    assert m.ledger_time(1_999) == 50_390  # extrapolation never passes the next anchor
    assert m.ledger_time(2_000) == 50_390
    assert m.ledger_time(2_010) == 50_394
    # a timestamp going backwards is clamped: ledger time never decreases
    assert m.observe(3_000, 50_300) == 50_390
    times = [m.ledger_time(s) for s in range(1_000, 3_200, 7)]
    assert times == sorted(times)
    with pytest.raises(TimeMapError):
        m.ledger_time(999)


def test_first_slot_at_or_after_inverts_ledger_time() -> None:
    m = SolanaTimeMap()
    m.observe(10, 1_000)
    m.observe(500, 1_150)
    m.observe(900, 1_400)
    for t in range(1_000, 1_600, 3):
        s = m.first_slot_at_or_after(t)
        assert m.ledger_time(s) >= t
        assert s == 10 or m.ledger_time(s - 1) < t


def test_vault_epochs() -> None:
    e = VaultEpochs(start=1_000, duration=7 * DAY)
    assert e.epoch_at(1_000) == 0
    assert e.epoch_at(1_000 + 7 * DAY - 1) == 0
    assert e.epoch_at(1_000 + 7 * DAY) == 1
    assert e.epoch_start(3) == 1_000 + 21 * DAY
    with pytest.raises(TimeMapError):
        e.epoch_at(999)
    with pytest.raises(TimeMapError):
        VaultEpochs(0, 0)


async def test_deposits_fall_into_vault_epochs_by_clock_time(world: World) -> None:
    """Week-long vault epochs over 2-day Solana epochs (432,000 slots of 400 ms)."""
    w = world
    m = SolanaTimeMap()
    genesis = await m.sync(w.backend)
    epochs = VaultEpochs(start=genesis, duration=7 * DAY)
    alice = await w.funded_staker(tokens=10 * UNIT)
    seen = []
    for solana_epochs in (0, 3, 1, 4):  # cumulative: 0, 3, 4, 8 Solana epochs = 0, 6, 8, 16 days
        if solana_epochs:
            w.svm.warp_epochs(solana_epochs)
        sig = await deposit_lst(w.backend, alice, w.token_vault, UNIT, staker_account="a")
        dep = await w.verifier.verify_lst(w.token_vault, sig, staker_account="a", amount=UNIT)
        t = m.observe(dep.slot, dep.block_time)
        clock = await w.backend.get_clock()
        assert t <= clock.unix_timestamp
        seen.append(epochs.epoch_of_slot(m, dep.slot))
    assert seen == [0, 0, 1, 2]
