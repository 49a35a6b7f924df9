"""The entry-point module (``omnistake.chains.solana.plugin``): registers the Solana adapter
for CAIP-2 namespace ``solana``, exactly as a third-party adapter package would."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from omnistake.plugins import ChainAdapter, ChainAdapterSpec, hookimpl

__version__ = "0.1.0"


def make_adapter(chain_id: str, options: Mapping[str, Any]) -> ChainAdapter:
    """Build a :class:`~omnistake.chains.solana.adapter.SolanaAdapter` (imported here, so
    listing plugins works without the ``solana`` extra installed)."""
    from .adapter import SolanaAdapter

    return SolanaAdapter.from_options(chain_id, options)


@hookimpl
def omnistake_chain_adapters() -> Iterator[ChainAdapterSpec]:
    """One adapter factory for every ``solana:<genesis>`` chain."""
    yield ChainAdapterSpec(
        namespace="solana",
        name="solana",
        factory=make_adapter,
        version=__version__,
        description="hub-kept SOL and LST vaults: verified deposits, signed payouts and slashes",
    )
