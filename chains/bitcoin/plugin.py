"""The entry point module (``omnistake.chains.bitcoin.plugin``): registers the Bitcoin adapter
for namespace ``bip122`` and the ``eots-double-sign`` evidence verifier."""

from __future__ import annotations

from collections.abc import Iterator

from omnistake.plugins import ChainAdapterSpec, EvidenceVerifierSpec, hookimpl

from .adapter import BitcoinAdapter
from .evidence import KIND, EotsDoubleSignVerifier

VERSION = "0.1"


@hookimpl
def omnistake_chain_adapters() -> Iterator[ChainAdapterSpec]:
    """One adapter factory for every Bitcoin network (``bip122:<genesis prefix>``)."""
    yield ChainAdapterSpec(
        namespace="bip122",
        name="bitcoin",
        factory=BitcoinAdapter.from_options,
        version=VERSION,
        description="Babylon-style self-custodial BTC staking: SPV, EOTS slashing",
    )


@hookimpl
def omnistake_evidence_verifiers() -> Iterator[EvidenceVerifierSpec]:
    """EOTS double-signs by Bitcoin finality providers."""
    yield EvidenceVerifierSpec(
        kind=KIND, namespace="bip122", name="bitcoin-eots", factory=EotsDoubleSignVerifier
    )
