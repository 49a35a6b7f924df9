"""The main CLI mounts chain command groups from the ``omnistake.cli`` entry points."""

from __future__ import annotations

from importlib import metadata

import click
import pytest
from click.testing import CliRunner
from omnistake.cli import CLI_ENTRY_POINTS, main


def test_chain_groups_are_listed_and_load_on_use() -> None:
    names = {ep.name for ep in metadata.entry_points(group=CLI_ENTRY_POINTS)}
    assert "ethereum" in names
    listing = CliRunner().invoke(main, ["--help"])
    assert listing.exit_code == 0
    assert "ethereum" in listing.output
    group = CliRunner().invoke(main, ["ethereum", "--help"])
    assert group.exit_code == 0, group.output
    assert "devnet" in group.output


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["no-such-chain"])
    assert result.exit_code == 2
    assert "No such command" in result.output


def test_a_chain_group_whose_extra_is_missing_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken = metadata.EntryPoint("cosmos", "omnistake_no_such_pkg.cli:group", CLI_ENTRY_POINTS)
    monkeypatch.setattr(type(main), "_chain_groups", staticmethod(lambda: {"cosmos": broken}))
    result = CliRunner().invoke(main, ["cosmos", "--help"])
    assert result.exit_code == 1
    assert "pip install 'omnistake[cosmos]'" in result.output
    assert isinstance(main, click.Group)
