"""Locate anvil and the compiled Symbiotic artifacts installed by scripts/setup.d/ethereum.sh."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from omnistake.chains.ethereum.errors import ToolchainMissingError

SETUP_HINT = "run `bash scripts/setup.d/ethereum.sh` (installs anvil and compiles Symbiotic core)"

CORE_CONTRACTS: tuple[str, ...] = (
    "VaultFactory",
    "DelegatorFactory",
    "SlasherFactory",
    "NetworkRegistry",
    "OperatorRegistry",
    "MetadataService",
    "NetworkMiddlewareService",
    "OptInService",
    "Vault",
    "VaultTokenized",
    "NetworkRestakeDelegator",
    "FullRestakeDelegator",
    "OperatorSpecificDelegator",
    "OperatorNetworkSpecificDelegator",
    "Slasher",
    "VetoSlasher",
    "VaultConfigurator",
    "OmnistakeTestToken",
)


@dataclass(frozen=True)
class Artifact:
    """ABI and creation bytecode of one compiled contract."""

    name: str
    abi: list[dict[str, Any]] = field(repr=False)
    bytecode: str = field(repr=False)


def cache_root() -> Path:
    """The cache folder shared with the setup script."""
    env = os.environ.get("OMNISTAKE_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "omnistake"


@dataclass(frozen=True)
class Toolchain:
    """Paths of the anvil binary and of the artifact folder."""

    anvil: Path
    artifacts_dir: Path

    def artifact(self, name: str) -> Artifact:
        """Load one artifact by contract name (e.g. ``"Vault"``)."""
        return _load_artifact(str(self.artifacts_dir), name)

    def abi(self, name: str) -> list[dict[str, Any]]:
        """The ABI of one contract."""
        return self.artifact(name).abi


@lru_cache(maxsize=64)
def _load_artifact(artifacts_dir: str, name: str) -> Artifact:
    path = Path(artifacts_dir) / f"{name}.json"
    if not path.is_file():
        raise ToolchainMissingError(f"artifact {name!r} not found in {artifacts_dir}; {SETUP_HINT}")
    data = json.loads(path.read_text())
    return Artifact(name=name, abi=data["abi"], bytecode=data["bytecode"])


def _find_anvil(root: Path) -> Path | None:
    env = os.environ.get("OMNISTAKE_ANVIL")
    if env and Path(env).is_file():
        return Path(env)
    node = root / "ethereum" / "node-current" / "node_modules" / "@foundry-rs"
    if node.is_dir():
        for candidate in sorted(node.glob("anvil-*/bin/anvil")):
            if os.access(candidate, os.X_OK):
                return candidate
    found = shutil.which("anvil")
    return Path(found) if found else None


def find_toolchain() -> Toolchain:
    """Return the toolchain, or raise :class:`ToolchainMissingError` saying how to install it."""
    root = cache_root()
    anvil = _find_anvil(root)
    if anvil is None:
        raise ToolchainMissingError(f"anvil not found under {root}; {SETUP_HINT}")
    artifacts = Path(
        os.environ.get("OMNISTAKE_ETH_ARTIFACTS", root / "ethereum" / "artifacts-current")
    )
    if not (artifacts / ".complete").is_file():
        raise ToolchainMissingError(
            f"compiled Symbiotic artifacts not found at {artifacts}; {SETUP_HINT}"
        )
    missing = [n for n in CORE_CONTRACTS if not (artifacts / f"{n}.json").is_file()]
    if missing:
        raise ToolchainMissingError(f"artifacts missing {missing} in {artifacts}; {SETUP_HINT}")
    return Toolchain(anvil=anvil, artifacts_dir=artifacts.resolve())


def toolchain_available() -> tuple[bool, str]:
    """(True, "") when installed, else (False, reason) for a pytest skip."""
    try:
        find_toolchain()
    except ToolchainMissingError as exc:
        return False, str(exc)
    return True, ""
