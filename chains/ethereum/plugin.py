"""The entry point module (``omnistake.chains.ethereum.plugin``): registers the Ethereum
adapter (Symbiotic vaults mirrored from any EVM chain) for namespace ``eip155``."""

from __future__ import annotations

from collections.abc import Iterator

from omnistake.plugins import ChainAdapterSpec, hookimpl

from .adapter import EthereumAdapter

VERSION = "0.1"


@hookimpl
def omnistake_chain_adapters() -> Iterator[ChainAdapterSpec]:
    """One adapter factory for every EVM chain (``eip155:<chain id>``)."""
    yield ChainAdapterSpec(
        namespace="eip155",
        name="ethereum",
        factory=EthereumAdapter.from_options,
        version=VERSION,
        description="Symbiotic v1.0.3 vaults mirrored from chain; slashes sent as middleware",
    )
