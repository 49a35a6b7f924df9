"""Fixtures for the plugin tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from plugins_dists import PluginDists


@pytest.fixture
def dists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PluginDists]:
    """Throwaway plugin distributions on sys.path (removed after the test)."""
    for name in ("OMNISTAKE_DISABLE_PLUGINS", "OMNISTAKE_LOAD_PLUGINS", "OMNISTAKE_STRICT_PLUGINS"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "site").mkdir()
    made = PluginDists(tmp_path / "site", monkeypatch)
    yield made
    made.cleanup()
