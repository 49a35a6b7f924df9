"""Slashing (Symbiotic v1.0.3 Slasher, VetoSlasher, Vault.onSlash) and the Karak-style cap.

Every split is computed by hand in the comments: active share = floor(s * A / slashable),
next bucket share = floor(s * W[e+1] / slashable), and the remainder on the withdrawal
buckets, with any excess over W[e] moved onto W[e+1]."""

from __future__ import annotations

import pytest
from core_world import (
    ALICE,
    BURNER,
    NET,
    NET_B,
    OP,
    T0,
    World,
    network,
    staker,
)
from omnistake.ledger import commands as C
from omnistake.ledger import events as V
from omnistake.principals import Principal, Role


def split(e: V.Slashed) -> tuple[int, int, int]:
    return e.active_burned, e.withdrawals_burned, e.next_withdrawals_burned


def test_current_epoch_capture_floors_active_and_gives_remainder_to_next_bucket(
    world: World,
) -> None:
    v = world.vault(epoch=100)
    world.wire(v)
    world.deposit(v, ALICE, 13)
    world.clock.set(T0 + 10)
    world.do(C.Withdraw(vault=v, staker=ALICE, amount=3), staker(ALICE))  # A = 10, W1 = 3
    world.clock.set(T0 + 20)
    e = world.slash(v, 5, T0 + 5)
    # slashable = A + W[e+1] = 10 + 3 = 13; active = floor(5 * 10 / 13) = floor(3.85) = 3;
    # W1 takes the remainder 5 - 3 = 2 (W[e] = W0 is untouched in this branch)
    assert (e.slashed, e.burned, e.epoch) == (5, 5, 0)
    assert split(e) == (3, 0, 2)
    assert world.active(v) == (7, 10)  # shares untouched (13 - 3 withdrawn)
    assert world.ledger.withdrawals(v, 1) == 1
    assert world.ledger.vault(v).total_slashed == 5


def prev_epoch_world(world: World, deposit: int, w1: int, w2: int) -> str:
    """Deposit at T0; withdraw ``w1`` at T0+10 (bucket 1) and ``w2`` at T0+110 (bucket 2);
    the clock ends at T0+150 (epoch 1), so a capture at T0+60 is in the previous epoch."""
    v = world.vault(epoch=100)
    world.wire(v)
    world.deposit(v, ALICE, deposit)
    world.clock.set(T0 + 10)
    if w1:
        world.do(C.Withdraw(vault=v, staker=ALICE, amount=w1), staker(ALICE))
    world.clock.set(T0 + 110)
    if w2:
        world.do(C.Withdraw(vault=v, staker=ALICE, amount=w2), staker(ALICE))
    world.clock.set(T0 + 150)
    return v


def test_previous_epoch_capture_splits_over_three_parts(world: World) -> None:
    v = prev_epoch_world(world, 100, 30, 10)  # A = 60, W1 = 30, W2 = 10
    e = world.slash(v, 7, T0 + 60)  # stake at capture = A(T0+60) = 70
    # slashable = 60 + 30 + 10 = 100; active = floor(7 * 60 / 100) = 4;
    # next = floor(7 * 10 / 100) = 0; current = 7 - 4 - 0 = 3 <= W1 = 30
    assert e.epoch == 1
    assert split(e) == (4, 3, 0)
    assert world.active(v)[0] == 56
    assert (world.ledger.withdrawals(v, 1), world.ledger.withdrawals(v, 2)) == (27, 10)


def test_previous_epoch_capture_moves_excess_to_next_bucket(world: World) -> None:
    v = prev_epoch_world(world, 11, 1, 5)  # A = 5, W1 = 1, W2 = 5
    e = world.slash(v, 10, T0 + 60)  # stake at capture = A(T0+60) = 10
    # slashable = 5 + 1 + 5 = 11; active = floor(10 * 5 / 11) = 4; next = floor(50 / 11) = 4;
    # current = 10 - 4 - 4 = 2 > W1 = 1, so the excess 1 moves on: current 1, next 5
    assert (e.slashed, e.burned) == (10, 10)
    assert split(e) == (4, 1, 5)
    assert world.active(v)[0] == 1
    assert (world.ledger.withdrawals(v, 1), world.ledger.withdrawals(v, 2)) == (0, 0)


def test_previous_epoch_capture_with_empty_current_bucket(world: World) -> None:
    v = prev_epoch_world(world, 2, 0, 1)  # A = 1, W1 = 0, W2 = 1
    e = world.slash(v, 1, T0 + 60)  # stake at capture = 2
    # slashable = 1 + 0 + 1 = 2; active = floor(1 * 1 / 2) = 0; next = floor(1 / 2) = 0;
    # current = 1 > W1 = 0: all of it moves to the next bucket
    assert split(e) == (0, 0, 1)
    assert world.active(v)[0] == 1
    assert world.ledger.withdrawals(v, 2) == 0


def test_current_epoch_capture_leaves_current_bucket_alone(world: World) -> None:
    v = prev_epoch_world(world, 11, 1, 5)  # A = 5, W1 = 1, W2 = 5
    e = world.slash(v, 10, T0 + 120)  # capture in epoch 1; stake at capture = A = 5
    # slashed = min(10, stake 5) = 5; slashable = A + W2 = 10; active = floor(5 * 5 / 10) = 2;
    # W2 takes 5 - 2 = 3; W1 = 1 untouched
    assert (e.requested, e.slashed, e.burned) == (10, 5, 5)
    assert split(e) == (2, 0, 3)
    assert (world.ledger.withdrawals(v, 1), world.ledger.withdrawals(v, 2)) == (1, 2)


def test_slashable_stake_is_stake_at_capture_less_later_slashes(world: World) -> None:
    v = world.vault(epoch=100, delegator="full_restake")
    world.wire(v, limit=50)
    world.deposit(v, ALICE, 80)
    t1 = world.now
    world.advance(10)
    q = world.ledger
    # stake at t1 = min(A 80, NL 50, OpNL 50) = 50
    assert q.slashable_stake(v, NET, 0, OP, t1, world.now) == 50
    e = world.slash(v, 30, t1)
    assert e.slashed == 30
    world.advance(1)
    # 50 - 30 slashed since t1 = 20 left
    assert q.slashable_stake(v, NET, 0, OP, t1, world.now) == 20
    e = world.slash(v, 30, t1)
    assert (e.requested, e.slashed) == (30, 20)
    world.advance(1)
    world.reject(
        C.Slash(vault=v, network=NET, operator=OP, amount=1, capture=t1),
        "INSUFFICIENT_SLASH",
        network(NET),
    )
    assert q.cumulative_slash(v, NET, 0, OP) == 50
    # a capture before the latest slashed capture of the pair is refused
    world.reject(
        C.Slash(vault=v, network=NET, operator=OP, amount=1, capture=t1 - 1),
        "INVALID_CAPTURE_TIMESTAMP",
        network(NET),
    )
    # a capture after both slashes sees a fresh guarantee: A = 80 - 50 = 30 -> min(30, 50)
    t2 = world.now
    world.advance(1)
    assert q.slashable_stake(v, NET, 0, OP, t2, world.now) == 30


def test_capture_window(world: World) -> None:
    v = world.vault(epoch=100)
    world.wire(v)
    world.deposit(v, ALICE, 10)
    world.clock.set(T0 + 150)
    now = world.now
    cmd = dict(vault=v, network=NET, operator=OP, amount=1)
    world.reject(C.Slash(**cmd, capture=now), "INVALID_CAPTURE_TIMESTAMP", network(NET))
    world.reject(C.Slash(**cmd, capture=now + 5), "INVALID_CAPTURE_TIMESTAMP", network(NET))
    world.reject(C.Slash(**cmd, capture=now - 101), "CAPTURE_TOO_OLD", network(NET))
    e = world.slash(v, 1, now - 100)  # exactly one epoch back is still allowed
    assert e.capture == now - 100


def test_cross_slashing_records_slasher_amount_but_burns_what_is_left(world: World) -> None:
    v = world.vault(epoch=100, delegator="full_restake", burner=BURNER)
    world.wire(v, net=NET, limit=100)
    world.wire(v, net=NET_B, limit=100)
    world.deposit(v, ALICE, 100)
    t = world.now
    world.advance(1)
    first = world.slash(v, 100, t, net=NET)
    assert (first.slashed, first.burned, first.burner) == (100, 100, BURNER)
    second = world.slash(v, 100, t, net=NET_B)
    # NET_B's guarantee at t was 100 as well, but the vault holds nothing any more
    assert (second.slashed, second.burned) == (100, 0)
    assert split(second) == (0, 0, 0)
    vault = world.ledger.vault(v)
    assert vault.total_slashed == 100
    assert world.ledger.cumulative_slash(v, NET_B, 0, OP) == 100


def test_karak_cap_rounds_up_against_the_slashed(world: World) -> None:
    w = World(max_slash_wad=10 * 10**18)  # NET may slash at most 10 % of the stake at once
    v = w.vault(epoch=100)
    w.wire(v)
    w.deposit(v, ALICE, 105)
    t = w.now
    w.advance(1)
    # cap = ceil(105 * 10e18 / 100e18) = ceil(10.5) = 11
    w.reject(
        C.Slash(vault=v, network=NET, operator=OP, amount=12, capture=t),
        "SLASH_CAP_EXCEEDED",
        network(NET),
    )
    assert w.slash(v, 11, t).slashed == 11
    # NET_B has no cap
    w.wire(v, net=NET_B)
    t2 = w.now
    w.advance(1)
    assert w.slash(v, 94, t2, net=NET_B).slashed == 94


def test_slasher_type_is_enforced(world: World) -> None:
    inst = world.vault("inst", slasher="instant")
    veto = world.vault("veto", slasher="veto")
    none = world.vault("none", slasher="none")
    for v in (inst, veto, none):
        world.wire(v)
        world.deposit(v, ALICE, 10)
    t = world.now
    world.advance(1)
    world.reject(
        C.Slash(vault=veto, network=NET, operator=OP, amount=1, capture=t),
        "WRONG_SLASHER_TYPE",
        network(NET),
    )
    world.reject(
        C.Slash(vault=none, network=NET, operator=OP, amount=1, capture=t),
        "WRONG_SLASHER_TYPE",
        network(NET),
    )
    world.reject(
        C.RequestSlash(vault=inst, network=NET, operator=OP, amount=1, capture=t),
        "WRONG_SLASHER_TYPE",
        network(NET),
    )
    world.reject(
        C.SetResolver(vault=inst, network=NET, resolver="res-1"),
        "WRONG_SLASHER_TYPE",
        network(NET),
    )
    world.reject(C.VetoSlash(vault=inst, request=0), "WRONG_SLASHER_TYPE")


# -- veto slasher -----------------------------------------------------------------------------

RES = Principal(Role.RESOLVER, "res-1")
RES2 = Principal(Role.RESOLVER, "res-2")


@pytest.fixture
def veto(world: World) -> str:
    """A veto vault (epoch 100 s, veto 20 s) with 100 staked to OP in NET and resolver res-1
    set at T0 (the first resolver holds at once)."""
    v = world.vault("veto", epoch=100, slasher="veto", veto_duration=20)
    world.wire(v)
    world.do(C.SetResolver(vault=v, network=NET, resolver="res-1"), network(NET))
    world.deposit(v, ALICE, 100)
    world.clock.set(T0 + 10)
    return v


def request(world: World, v: str, amount: int, capture: int) -> V.SlashRequested:
    e = world.one(
        C.RequestSlash(vault=v, network=NET, operator=OP, amount=amount, capture=capture),
        network(NET),
    )
    assert isinstance(e, V.SlashRequested)
    return e


def test_veto_request_window_and_deadline(world: World, veto: str) -> None:
    # capture must be >= now + veto - epoch = T0 + 10 + 20 - 100 = T0 - 70, and < now
    world.reject(
        C.RequestSlash(vault=veto, network=NET, operator=OP, amount=5, capture=T0 + 10),
        "INVALID_CAPTURE_TIMESTAMP",
        network(NET),
    )
    world.clock.set(T0 + 95)
    # now earliest = T0 + 95 + 20 - 100 = T0 + 15
    world.reject(
        C.RequestSlash(vault=veto, network=NET, operator=OP, amount=5, capture=T0 + 14),
        "CAPTURE_TOO_OLD",
        network(NET),
    )
    r = request(world, veto, 500, T0 + 15)
    # amount is capped at the slashable stake 100 when requested; deadline = now + 20
    assert (r.request, r.amount, r.veto_deadline) == (0, 100, T0 + 115)


def test_veto_then_execute_is_refused(world: World, veto: str) -> None:
    r = request(world, veto, 40, T0)
    world.reject(C.VetoSlash(vault=veto, request=0), "NOT_RESOLVER", RES2)
    world.reject(C.ExecuteSlash(vault=veto, request=0), "VETO_PERIOD_NOT_ENDED", network(NET))
    e = world.one(C.VetoSlash(vault=veto, request=0), RES)
    assert isinstance(e, V.SlashVetoed) and e.resolver == "res-1"
    world.reject(C.VetoSlash(vault=veto, request=0), "SLASH_REQUEST_COMPLETED", RES)
    world.clock.set(r.veto_deadline)
    world.reject(C.VetoSlash(vault=veto, request=0), "VETO_PERIOD_ENDED", RES)
    world.reject(C.ExecuteSlash(vault=veto, request=0), "SLASH_REQUEST_COMPLETED", network(NET))
    assert world.active(veto) == (100, 100)


def test_execute_after_deadline_recomputes_slashable(world: World, veto: str) -> None:
    r = request(world, veto, 40, T0)
    assert r.veto_deadline == T0 + 30
    world.clock.set(T0 + 29)
    world.reject(C.ExecuteSlash(vault=veto, request=0), "VETO_PERIOD_NOT_ENDED", network(NET))
    world.clock.set(T0 + 30)  # the deadline is exclusive for vetoes: execution may start
    # only the network may execute
    world.reject(C.ExecuteSlash(vault=veto, request=0), "UNAUTHORIZED_PRINCIPAL", network(NET_B))
    e = world.one(C.ExecuteSlash(vault=veto, request=0), network(NET))
    assert isinstance(e, V.Slashed)
    # capture T0 is in epoch 0 == current: slashable = 100 + 0, all of 40 hits active stake
    assert (e.request, e.requested, e.slashed, e.burned) == (0, 40, 40, 40)
    assert world.ledger.slash_request(veto, 0).completed
    world.advance(1)
    # a second request against the same capture: 100 - 40 = 60 left
    r2 = request(world, veto, 100, T0)
    assert r2.amount == 60
    world.clock.set(T0 + 101)  # now - capture = 101 > epoch 100
    world.reject(C.ExecuteSlash(vault=veto, request=1), "SLASH_PERIOD_ENDED", network(NET))
    world.reject(C.ExecuteSlash(vault=veto, request=0), "SLASH_PERIOD_ENDED", network(NET))


def test_execute_without_resolver_needs_no_wait(world: World) -> None:
    v = world.vault("veto2", epoch=100, slasher="veto", veto_duration=20)
    world.wire(v)
    world.deposit(v, ALICE, 100)
    world.advance(1)
    request(world, v, 10, world.now - 1)
    world.reject(C.VetoSlash(vault=v, request=0), "NO_RESOLVER", RES)
    e = world.one(C.ExecuteSlash(vault=v, request=0), network(NET))
    assert e.slashed == 10
    world.reject(C.ExecuteSlash(vault=v, request=5), "NOT_FOUND", network(NET))


def test_executed_request_cannot_run_twice(world: World, veto: str) -> None:
    request(world, veto, 30, T0)
    world.clock.set(T0 + 30)
    world.one(C.ExecuteSlash(vault=veto, request=0), network(NET))
    # 70 is still slashable at T0, so the completed flag is what refuses it
    world.reject(C.ExecuteSlash(vault=veto, request=0), "SLASH_REQUEST_COMPLETED", network(NET))


def test_resolver_changes_take_effect_after_the_delay(world: World, veto: str) -> None:
    vault = world.ledger.vault(veto)
    key = f"{NET}#0"
    # T0 + 10 is in epoch 0 (start T0); delay 3 epochs: effective at T0 + 300
    e = world.one(C.SetResolver(vault=veto, network=NET, resolver="res-2"), network(NET))
    assert (e.effective_at, e.replaces_pending) == (T0 + 300, False)
    assert vault.resolvers[key].at(T0 + 299) == "res-1"
    assert vault.resolvers[key].at(T0 + 300) == "res-2"
    # change again before it takes effect, now in epoch 1: replaces it, effective T0 + 400
    world.clock.set(T0 + 150)
    e = world.one(C.SetResolver(vault=veto, network=NET, resolver="res-3"), network(NET))
    assert (e.effective_at, e.replaces_pending) == (T0 + 400, True)
    assert vault.resolvers[key].items() == [(T0, "res-1"), (T0 + 400, "res-3")]
    # setting back the one in force only drops the pending change
    e = world.one(C.SetResolver(vault=veto, network=NET, resolver="res-1"), network(NET))
    assert (e.effective_at, e.replaces_pending) == (None, True)
    assert vault.resolvers[key].items() == [(T0, "res-1")]
    world.reject(
        C.SetResolver(vault=veto, network=NET, resolver="res-1"), "ALREADY_SET", network(NET)
    )
    # removing is a delayed change too
    e = world.one(C.SetResolver(vault=veto, network=NET, resolver=None), network(NET))
    assert e.effective_at == T0 + 400
    world.clock.set(T0 + 400)
    assert world.ledger.vault(veto).resolvers[key].at(world.now) is None
    world.reject(C.SetResolver(vault=veto, network=NET, resolver=None), "ALREADY_SET", network(NET))


def test_first_resolver_none_is_refused(world: World) -> None:
    v = world.vault("veto3", slasher="veto")
    world.reject(C.SetResolver(vault=v, network=NET, resolver=None), "ALREADY_SET", network(NET))


def test_veto_uses_the_resolver_at_capture(world: World, veto: str) -> None:
    world.one(C.SetResolver(vault=veto, network=NET, resolver="res-2"), network(NET))
    world.clock.set(T0 + 310)  # res-2 holds from T0 + 300
    world.deposit(veto, ALICE, 1)
    # capture T0 + 250 (res-1 held then): res-1 vetoes, not res-2
    request(world, veto, 5, T0 + 250)
    world.reject(C.VetoSlash(vault=veto, request=0), "NOT_RESOLVER", RES2)
    world.one(C.VetoSlash(vault=veto, request=0), RES)
    request(world, veto, 5, T0 + 305)
    world.reject(C.VetoSlash(vault=veto, request=1), "NOT_RESOLVER", RES)
    world.one(C.VetoSlash(vault=veto, request=1), RES2)


def test_veto_slash_executed_in_the_next_epoch_uses_the_three_way_split(world: World) -> None:
    v = world.vault("veto4", epoch=100, slasher="veto", veto_duration=20)
    world.wire(v)
    world.do(C.SetResolver(vault=v, network=NET, resolver="res-1"), network(NET))
    world.deposit(v, ALICE, 100)
    world.clock.set(T0 + 50)
    world.do(C.Withdraw(vault=v, staker=ALICE, amount=20), staker(ALICE))  # W1 = 20, A = 80
    world.clock.set(T0 + 91)
    r = request(world, v, 10, T0 + 90)  # stake at T0 + 90 = 80; deadline T0 + 111
    assert (r.amount, r.veto_deadline) == (10, T0 + 111)
    world.clock.set(T0 + 105)  # epoch 1
    world.do(C.Withdraw(vault=v, staker=ALICE, amount=10), staker(ALICE))  # W2 = 10, A = 70
    world.clock.set(T0 + 111)
    e = world.one(C.ExecuteSlash(vault=v, request=0), network(NET))
    # capture epoch 0 = current epoch 1 - 1: slashable = 70 + W1 20 + W2 10 = 100;
    # active = floor(10 * 70 / 100) = 7, next = floor(10 * 10 / 100) = 1, current = 10 - 8 = 2
    assert (e.epoch, e.slashed, e.burned) == (1, 10, 10)
    assert split(e) == (7, 2, 1)
    assert world.active(v)[0] == 63
    assert (world.ledger.withdrawals(v, 1), world.ledger.withdrawals(v, 2)) == (18, 9)


def test_karak_cap_applies_to_requests(world: World) -> None:
    w = World(max_slash_wad=25 * 10**18)
    v = w.vault("veto5", epoch=100, slasher="veto", veto_duration=20)
    w.wire(v)
    w.deposit(v, ALICE, 40)
    w.advance(1)
    # cap = ceil(40 * 25e18 / 100e18) = 10
    w.reject(
        C.RequestSlash(vault=v, network=NET, operator=OP, amount=11, capture=w.now - 1),
        "SLASH_CAP_EXCEEDED",
        network(NET),
    )
    assert request(w, v, 10, w.now - 1).amount == 10
