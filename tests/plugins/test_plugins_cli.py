"""`omnistake plugins`: what is loaded, with versions and namespaces, and what failed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from omnistake.cli import main
from plugins_dists import BROKEN, GOOD, PluginDists


def test_lists_loaded_and_failed(dists: PluginDists, monkeypatch: pytest.MonkeyPatch) -> None:
    good = dists.make("goodchain", GOOD, namespace="goodch", name="good")
    bad = dists.make("brokenchain", BROKEN)
    monkeypatch.setenv("OMNISTAKE_LOAD_PLUGINS", f"{good.entry_point},{bad.entry_point}")
    result = CliRunner().invoke(main, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert [(p["name"], p["version"], p["namespaces"]) for p in report["loaded"]] == [
        ("goodchain", "1.0", ["goodch"])
    ]
    assert [(p["name"], p["reason"]) for p in report["failed"]] == [
        ("brokenchain", "IMPORT_FAILED")
    ]
    table = CliRunner().invoke(main, ["plugins"], env={"COLUMNS": "200"})
    assert table.exit_code == 0
    assert "goodchain" in table.output and "goodch" in table.output
    assert "brokenchain" in table.output and "IMPORT_FAILED" in table.output


def test_strict_plugins_exits_non_zero(dists: PluginDists, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = dists.make("brokenchain", BROKEN)
    monkeypatch.setenv("OMNISTAKE_LOAD_PLUGINS", bad.entry_point)
    result = CliRunner().invoke(main, ["plugins", "--strict-plugins", "--json"])
    assert result.exit_code == 1
    error = json.loads(result.output)["error"]
    assert error["reason"] == "PLUGIN_LOAD_FAILED" and "brokenchain" in error["message"]


def test_installed_console_script(tmp_path: Path) -> None:
    """The real `omnistake` executable, in a child process, sees installed plugins."""
    exe = Path(sys.executable).with_name("omnistake")
    if not exe.exists():
        pytest.skip("the omnistake console script is not installed next to this python")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNISTAKE_")}
    out = subprocess.run(
        [str(exe), "plugins", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    report = json.loads(out.stdout)
    names = {p["name"] for p in report["loaded"]} | {p["name"] for p in report["failed"]}
    assert {"ethereum", "bitcoin", "solana"} <= names
