"""The entry point module: registers the memchain adapter for namespace ``memchain``."""

from __future__ import annotations

from collections.abc import Iterator

from omnistake.plugins import ChainAdapterSpec, hookimpl

from . import __version__
from .adapter import MemchainAdapter


@hookimpl
def omnistake_chain_adapters() -> Iterator[ChainAdapterSpec]:
    """One adapter factory, for every chain of namespace ``memchain``."""
    yield ChainAdapterSpec(
        namespace="memchain",
        name="memchain",
        factory=MemchainAdapter.from_options,
        version=__version__,
        description="in-memory example chain with blocks, finality and reorgs",
    )
