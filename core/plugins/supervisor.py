"""Running one sync loop per configured chain, for as long as the process lives.

An adapter that fails (RPC down, a bug, a refused rollback) must not stop the other chains
or the process: the supervisor logs the error, keeps it for :meth:`SyncSupervisor.health`,
waits (exponential backoff) and starts that chain's loop again from its durable cursor.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from omnistake.service import LedgerService

from .cursor_store import SyncStore
from .manager import PluginManager
from .protocol import ChainAdapter, EventObserver
from .sync import ChainSync

log = logging.getLogger("omnistake.sync")


@dataclass(frozen=True, kw_only=True)
class ChainConfig:
    """A chain to follow: its CAIP-2 id, the adapter's options, and how often (seconds) to
    hand new slash and payout instructions to the adapter (``ChainSync.dispatch``; 0: never)."""

    chain_id: str
    options: Mapping[str, Any] = field(default_factory=dict)
    dispatch_interval: float = 0.0


@dataclass(kw_only=True)
class ChainHealth:
    """How one chain's loop is doing."""

    chain_id: str
    running: bool = False
    restarts: int = 0
    last_error: str | None = None
    sync: ChainSync | None = None


class SyncSupervisor:
    """Runs a :class:`ChainSync` per chain, restarting failed ones with backoff."""

    def __init__(
        self,
        service: LedgerService,
        manager: PluginManager,
        store: SyncStore,
        chains: Sequence[ChainConfig],
        *,
        observers: Sequence[EventObserver] = (),
        backoff: tuple[float, float] = (1.0, 60.0),
        adapters: Mapping[str, ChainAdapter] | None = None,
    ) -> None:
        """``backoff`` is (first delay, longest delay) in seconds between restarts;
        ``adapters`` (by chain id) are used for the first start of their chains (e.g. built
        up front to check their options); restarts build fresh ones."""
        self.service = service
        self._first: dict[str, ChainAdapter] = dict(adapters or {})
        self.manager = manager
        self.store = store
        self.chains = list(chains)
        self.observers = list(observers)
        self.backoff = backoff
        self.health = {c.chain_id: ChainHealth(chain_id=c.chain_id) for c in self.chains}

    async def run(self) -> None:
        """Run every chain's loop until cancelled."""
        tasks = [asyncio.create_task(self._keep(config)) for config in self.chains]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _keep(self, config: ChainConfig) -> None:
        health = self.health[config.chain_id]
        delay = self.backoff[0]
        while True:
            sync: ChainSync | None = None
            try:
                adapter = self._first.pop(config.chain_id, None)
                if adapter is None:
                    adapter = self.manager.create_adapter(config.chain_id, config.options)
                sync = ChainSync(self.service, adapter, self.store, observers=self.observers)
                health.sync, health.running = sync, True
                await self._drive(sync, config)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                reason = getattr(exc, "reason", type(exc).__name__)
                health.last_error = f"{reason}: {exc}"
                log.error(
                    "%s: sync loop failed (%s); restarting in %.1fs",
                    config.chain_id,
                    health.last_error,
                    delay,
                )
            finally:
                health.running = False
                if sync is not None:
                    with contextlib.suppress(Exception):
                        await sync.close()
            health.restarts += 1
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.backoff[1])

    async def _drive(self, sync: ChainSync, config: ChainConfig) -> None:
        """Follow the chain and, every ``dispatch_interval`` seconds, dispatch instructions."""
        interval = config.dispatch_interval
        if interval <= 0:
            await sync.run()
            return
        dispatcher = asyncio.create_task(self._dispatch_every(sync, interval, config.chain_id))
        try:
            await sync.run()
        finally:
            dispatcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await dispatcher

    async def _dispatch_every(self, sync: ChainSync, interval: float, chain_id: str) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                outcomes = await sync.dispatch()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a failed dispatch is retried next round
                reason = getattr(exc, "reason", type(exc).__name__)
                log.error("%s: dispatch failed (%s: %s)", chain_id, reason, exc)
                continue
            for outcome in outcomes:
                log.info(
                    "%s: instruction %s %s %s",
                    chain_id,
                    outcome.instruction_id,
                    outcome.status.value,
                    outcome.tx_id,
                )
