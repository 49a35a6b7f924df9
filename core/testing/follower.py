"""Watching an adapter's ``follow()`` stream from a test, with time limits."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from types import TracebackType

from omnistake.plugins.protocol import ChainAdapter
from omnistake.plugins.records import ChainUpdate, Cursor, Finalized, RolledBack


class Follower:
    """Runs ``adapter.follow(cursor)`` in a task and keeps every update it yields::

    async with Follower(adapter) as follower:
        await follower.wait_for(lambda f: f.final_height >= 10)
    """

    def __init__(self, adapter: ChainAdapter, cursor: Cursor | None = None) -> None:
        self.adapter = adapter
        self.cursor = cursor
        self.updates: list[ChainUpdate] = []
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Follower:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        stream = self.adapter.follow(self.cursor)
        try:
            async for update in stream:
                self.updates.append(update)
                self._changed.set()
        finally:
            closer = getattr(stream, "aclose", None)
            if closer is not None:
                await closer()
            self._changed.set()

    @property
    def finalized(self) -> list[Finalized]:
        """Every Finalized update so far."""
        return [u for u in self.updates if isinstance(u, Finalized)]

    @property
    def rollbacks(self) -> list[RolledBack]:
        """Every RolledBack update so far."""
        return [u for u in self.updates if isinstance(u, RolledBack)]

    @property
    def final_height(self) -> int:
        """Height of the last Finalized block (-1 before any)."""
        final = self.finalized
        return final[-1].block.height if final else -1

    async def wait_for(self, predicate: Callable[[Follower], bool], timeout: float = 5.0) -> None:
        """Wait until ``predicate(self)`` holds; fail the test after ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate(self):
            if self._task is not None and self._task.done():
                error = self._task.exception()
                raise AssertionError(f"follow() ended early: {error!r}") from error
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"follow() did not reach the expected state in {timeout}s; "
                    f"last updates: {self.updates[-3:]!r}"
                )
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def quiet(self, seconds: float = 0.2) -> list[ChainUpdate]:
        """Updates that arrive within ``seconds`` (to check that nothing does)."""
        before = len(self.updates)
        await asyncio.sleep(seconds)
        return self.updates[before:]


async def canonical_final_blocks(
    adapter: ChainAdapter, up_to: int, timeout: float = 5.0
) -> list[Finalized]:
    """Finalized blocks a fresh ``follow(None)`` yields up to height ``up_to``."""
    async with Follower(adapter) as follower:
        await follower.wait_for(lambda f: f.final_height >= up_to, timeout)
        return [u for u in follower.finalized if u.block.height <= up_to]
