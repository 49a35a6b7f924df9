"""PostgreSQL: one writer holds the lease (advisory lock); the others follow the log and
refuse writes with NotWriter (reason NOT_LEADER) naming the writer; a follower takes over
when the writer goes away."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from omnistake.clock import ManualClock
from omnistake.service import LedgerService
from omnistake.store.errors import NotWriter, StoreUnavailable
from store_world import T0, WHO, deposit, world

pytestmark = pytest.mark.postgres


def wait_for(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


def test_one_writer_followers_refuse_and_follow(pg_url: str) -> None:
    writer = LedgerService.open(pg_url, ManualClock(T0), identity="writer-A", follow_interval=0.05)
    follower = LedgerService.open(
        pg_url, ManualClock(T0), identity="reader-B", follow_interval=0.05
    )
    try:
        assert writer.is_writer and not follower.is_writer
        for rid, command in world():
            writer.execute_sync(command, principal=WHO, request_id=rid)
        with pytest.raises(NotWriter) as info:
            follower.execute_sync(deposit(1), principal=WHO, request_id="f1")
        assert info.value.reason == "NOT_LEADER"
        assert "writer-A" in info.value.message and info.value.metadata["writer"] == "writer-A"
        with pytest.raises(NotWriter):
            follower.rebuild(lambda _rid: False)
        for i in range(25):
            writer.execute_sync(deposit(i), principal=WHO, request_id=f"d{i}")
        wait_for(lambda: follower.ledger.seq == writer.ledger.seq)
        assert follower.ledger.state_hash() == writer.ledger.state_hash()
        assert follower.events_since(0, 5) == writer.events_since(0, 5)
    finally:
        writer.close()
    # the lease is free: the follower takes it over and writes
    wait_for(lambda: follower.is_writer)
    result = follower.execute_sync(deposit(100), principal=WHO, request_id="after")
    assert result.events[0].seq == 4 + 25 + 1
    assert follower.store.writer() == "reader-B"
    follower.close()


async def test_follower_watch_sees_writer_events(pg_url: str) -> None:
    import asyncio

    writer = LedgerService.open(pg_url, ManualClock(T0), identity="w")
    follower = LedgerService.open(pg_url, ManualClock(T0), identity="f", follow_interval=0.05)
    try:
        seen: list[int] = []

        async def follow() -> None:
            async for record in follower.watch(0):
                seen.append(record.seq)
                if record.seq == 10:
                    return

        task = asyncio.create_task(follow())
        for rid, command in world():
            await writer.execute(command, principal=WHO, request_id=rid)
        for i in range(6):
            await writer.execute(deposit(i), principal=WHO, request_id=f"d{i}")
        await asyncio.wait_for(task, 10)
        assert seen == list(range(1, 11))
    finally:
        follower.close()
        writer.close()


def test_second_writer_in_another_process_is_refused(pg_url: str) -> None:
    import subprocess
    import sys

    writer = LedgerService.open(pg_url, ManualClock(T0), identity="main-writer")
    try:
        code = (
            "import sys\n"
            "from omnistake.service import LedgerService\n"
            "from omnistake.ledger.commands import RegisterNetwork\n"
            "from omnistake.principals import ADMIN\n"
            "from omnistake.store.errors import NotWriter\n"
            f"svc = LedgerService.open({pg_url!r}, takeover=False)\n"
            "try:\n"
            "    svc.execute_sync(RegisterNetwork(network='n2'), principal=ADMIN)\n"
            "except NotWriter as exc:\n"
            "    print(exc.reason, exc.message)\n"
            "svc.close()\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
        )
        assert out.returncode == 0, out.stderr
        assert out.stdout.startswith("NOT_LEADER") and "main-writer" in out.stdout
    finally:
        writer.close()


def test_follower_reloads_after_the_writer_rebuilds(pg_url: str) -> None:
    writer = LedgerService.open(pg_url, ManualClock(T0), identity="w")
    follower = LedgerService.open(pg_url, ManualClock(T0), identity="f", follow_interval=0.05)
    try:
        for rid, command in world():
            writer.execute_sync(command, principal=WHO, request_id=rid)
        for i in range(4):
            writer.execute_sync(deposit(i), principal=WHO, request_id=f"d{i}")
        wait_for(lambda: follower.ledger.seq == writer.ledger.seq)
        report = writer.rebuild(lambda rid: rid == "d1")
        writer.execute_sync(deposit(7), principal=WHO, request_id="d7")  # same length again
        assert writer.ledger.seq == 4 + 4
        wait_for(lambda: follower.ledger.state_hash() == writer.ledger.state_hash())
        assert report.skipped == ["d1"]
    finally:
        follower.close()
        writer.close()


def test_writer_that_loses_its_session_is_fenced_and_follows(pg_url: str) -> None:
    import psycopg

    writer = LedgerService.open(
        pg_url, ManualClock(T0), identity="old-writer", follow_interval=0.05
    )
    follower = LedgerService.open(
        pg_url, ManualClock(T0), identity="new-writer", follow_interval=0.05
    )
    try:
        for rid, command in world():
            writer.execute_sync(command, principal=WHO, request_id=rid)
        # the server ends the writer's lease session (as on a network partition)
        with psycopg.connect(
            pg_url.replace("postgresql://", "postgresql://", 1), autocommit=True
        ) as conn:
            killed = conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_locks "
                "WHERE locktype = 'advisory' AND granted AND database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())"
            ).fetchall()
        assert killed == [(True,)]
        wait_for(lambda: follower.is_writer)
        follower.execute_sync(deposit(1), principal=WHO, request_id="by-new")
        # the old writer cannot write any more: its first attempt fails, then it follows
        with pytest.raises((NotWriter, StoreUnavailable)):
            writer.execute_sync(deposit(2), principal=WHO, request_id="by-old")
        assert not writer.is_writer
        with pytest.raises(NotWriter) as info:
            writer.execute_sync(deposit(2), principal=WHO, request_id="by-old")
        assert "new-writer" in info.value.message
        wait_for(lambda: writer.ledger.state_hash() == follower.ledger.state_hash())
        assert follower.store.find_request("by-old") is None
    finally:
        follower.close()
        writer.close()
