"""The built-in conformance harness (``omnistake.chains.bitcoin.conformance:harness``): the
plugin conformance kit finds it here and runs on a fresh regtest world per test."""

from __future__ import annotations

from .testing import RegtestController, StakingWorld, harness

__all__ = ["RegtestController", "StakingWorld", "harness"]
