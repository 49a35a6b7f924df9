"""Throwaway plugin distributions on sys.path: a ``<name>-<version>.dist-info`` with an
``entry_points.txt`` and the module it names, found by importlib.metadata like any
installed package."""

from __future__ import annotations

import importlib
import sys
import textwrap
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

GOOD = """
from omnistake.plugins import ChainAdapterSpec, hookimpl

@hookimpl
def omnistake_chain_adapters():
    yield ChainAdapterSpec(namespace={namespace!r}, name={name!r},
                           factory=lambda chain_id, options: None, version="2.5")
"""

BROKEN = """
raise ImportError("this plugin needs a library that is not installed")
"""

MISSPELLED = """
from omnistake.plugins import ChainAdapterSpec, hookimpl

@hookimpl
def omnistake_chain_adapter():
    return []
"""


@dataclass
class Dist:
    """One throwaway distribution."""

    entry_point: str
    module: str
    distribution: str


class PluginDists:
    """Makes distributions under one temporary folder put on sys.path."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        monkeypatch.syspath_prepend(str(root))
        self._modules: list[str] = []

    def make(self, entry_point: str, source: str, **fmt: str) -> Dist:
        """A distribution whose entry point ``entry_point`` (group omnistake) loads a
        module with ``source`` (formatted with ``fmt``)."""
        tag = uuid.uuid4().hex[:8]
        module = f"throwaway_{entry_point}_{tag}"
        dist = f"throwaway-{entry_point}-{tag}"
        (self.root / f"{module}.py").write_text(textwrap.dedent(source.format(**fmt)))
        info = self.root / f"{dist.replace('-', '_')}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(f"[omnistake]\n{entry_point} = {module}\n")
        self._modules.append(module)
        importlib.invalidate_caches()
        return Dist(entry_point, module, dist)

    def cleanup(self) -> None:
        """Forget the modules these distributions imported."""
        for module in self._modules:
            sys.modules.pop(module, None)
