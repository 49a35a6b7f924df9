"""The Solana conformance harness and cluster helpers live in the package
(:mod:`omnistake.chains.solana.conformance`); the Solana tests import them from here."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("solders.litesvm", reason="the solana extra (solders) is not installed")

from omnistake.chains.solana import conformance
from omnistake.chains.solana.conformance import (
    KIT_VAULT,
    NoReorgs,
    SolanaController,
    make_cluster,
)
from omnistake.testing import AdapterHarness

__all__ = ["KIT_VAULT", "NoReorgs", "SolanaController", "harness", "make_cluster"]


async def harness(tmp_path: Path, commitment: str = "finalized") -> AdapterHarness:
    """A fresh cluster with its hub key file under ``tmp_path``."""
    return conformance.harness(tmp_path, commitment)
