"""What an adapter author hands the conformance kit: a way to build adapters, and a
:class:`ChainController` to make the chain behind them do things (produce blocks with
activity, reorganise)."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import metadata
from typing import Protocol, runtime_checkable

from omnistake.plugins.protocol import ChainAdapter
from omnistake.plugins.records import BlockRef
from omnistake.service import LedgerService

#: Entry-point group where adapter packages publish ``harness()`` callables for the kit.
HARNESS_GROUP = "omnistake.conformance"


@runtime_checkable
class ChainController(Protocol):
    """Test control over the (test) chain behind an adapter."""

    @property
    def confirmation_depth(self) -> int:
        """The depth the adapter under test was built with."""
        ...

    @property
    def max_reorg_depth(self) -> int | None:
        """Deepest reorg :meth:`reorg` can make (None: any; 0: none)."""
        ...

    async def setup_ledger(self, service: LedgerService) -> None:
        """Execute whatever hub commands the chain's facts need first (e.g. register
        networks); assets are registered by the sync loop itself."""
        ...

    async def add_activity(self) -> None:
        """Queue chain activity that the adapter turns into at least one fact in the next
        block (a vault creation, a deposit...)."""
        ...

    async def mine(self, count: int = 1) -> list[BlockRef]:
        """Produce ``count`` blocks on the canonical chain."""
        ...

    async def reorg(self, depth: int) -> list[BlockRef]:
        """Replace the top ``depth`` blocks by a longer branch that carries different
        activity; returns the new branch."""
        ...

    async def head(self) -> BlockRef:
        """The canonical chain's tip."""
        ...


@dataclass(frozen=True)
class AdapterHarness:
    """An adapter under test: ``make_adapter()`` builds a fresh adapter on the controlled
    chain (called again to simulate a restart); ``namespace`` is the CAIP-2 namespace its
    plugin registers; ``teardown`` (optional) stops whatever the harness started."""

    make_adapter: Callable[[], ChainAdapter]
    controller: ChainController
    namespace: str
    teardown: Callable[[], Awaitable[None]] | None = None


HarnessFactory = Callable[[], AdapterHarness]


#: Built-in chains publish ``harness()`` in ``omnistake.chains.<chain>.conformance`` (no
#: entry point needed); third-party packages use the entry-point group above.
BUILTIN_CHAINS = ("ethereum", "bitcoin", "solana")


def installed_harnesses() -> dict[str, HarnessFactory]:
    """Harness factories by name: entry points of group ``omnistake.conformance``, plus
    ``omnistake.chains.<chain>.conformance:harness`` of each built-in chain that has one.
    Failing imports are left out (the plugin tests report them)."""
    found: dict[str, HarnessFactory] = {}
    for ep in metadata.entry_points(group=HARNESS_GROUP):
        try:
            found[ep.name] = ep.load()
        except Exception:
            continue
    for chain in BUILTIN_CHAINS:
        if chain in found:
            continue
        try:
            module = importlib.import_module(f"omnistake.chains.{chain}.conformance")
        except ImportError:
            continue
        factory = getattr(module, "harness", None)
        if callable(factory):
            found[chain] = factory
    return found
