"""Trace: Symbiotic/OpenZeppelin checkpoint semantics (upper lookup, same-key overwrite)."""

from __future__ import annotations

import json

import pytest
from omnistake.checkpoints import Trace


def test_lookup_is_last_checkpoint_at_or_before() -> None:
    t: Trace[int] = Trace(0)
    assert t.at(100) == 0 and t.latest() == 0 and t.latest_key() is None and not t
    t.push(10, 1)
    t.push(20, 2)
    t.push(30, 3)
    assert [t.at(x) for x in (9, 10, 11, 19, 20, 29, 30, 10**9)] == [0, 1, 1, 1, 2, 2, 3, 3]
    assert t.latest() == 3 and t.latest_key() == 30 and len(t) == 3


def test_same_key_overwrites() -> None:
    t: Trace[int] = Trace(0)
    t.push(10, 1)
    t.push(10, 5)
    assert t.items() == [(10, 5)]
    assert t.at(10) == 5


def test_keys_never_go_back() -> None:
    t: Trace[int] = Trace(0)
    t.push(10, 1)
    with pytest.raises(ValueError):
        t.push(9, 2)
    assert t.items() == [(10, 1)]


def test_pop_and_round_trip() -> None:
    t: Trace[str | None] = Trace(None)
    t.push(1, "a")
    t.push(5, None)
    t.push(9, "b")
    assert t.pop() == (9, "b")
    data = json.loads(json.dumps(t.dump()))
    back = Trace.load(data, None)
    assert back.items() == [(1, "a"), (5, None)]
    assert back.at(4) == "a" and back.at(5) is None and back.at(0) is None


def test_many_checkpoints_binary_search() -> None:
    t: Trace[int] = Trace(-1)
    for k in range(0, 20_000, 2):
        t.push(k, k // 2)
    assert t.at(1) == 0
    assert t.at(19_999) == 9_999
    assert t.at(10_001) == 5_000
    assert t.at(-5) == -1
