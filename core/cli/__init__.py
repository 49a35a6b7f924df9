"""The ``omnistake`` command line. Each sub-module adds its commands to the group:
store (export/import/verify), serve (the gRPC server), client (calls to a running server),
plugins (what chain adapters are loaded). Chain packages add their own command groups
through the ``omnistake.cli`` entry-point group (e.g. ``omnistake ethereum ...``); they are
imported only when used, so the core never imports a chain library."""

from __future__ import annotations

from importlib import metadata
from typing import Any

import click
from omnistake import __version__
from omnistake.cli import client, plugins, serve, store

CLI_ENTRY_POINTS = "omnistake.cli"


class _MainGroup(click.Group):
    """The main group, plus chain command groups from ``omnistake.cli`` entry points."""

    @staticmethod
    def _chain_groups() -> dict[str, metadata.EntryPoint]:
        return {ep.name: ep for ep in metadata.entry_points(group=CLI_ENTRY_POINTS)}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self._chain_groups()))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is not None:
            return found
        entry = self._chain_groups().get(cmd_name)
        if entry is None:
            return None
        try:
            loaded: Any = entry.load()
        except ImportError as exc:
            raise click.ClickException(
                f"`omnistake {cmd_name}` needs its chain extra: pip install 'omnistake[{cmd_name}]'"
                f" ({exc})"
            ) from None
        if not isinstance(loaded, click.Command):
            raise click.ClickException(f"{entry.value} is not a click command")
        return loaded


@click.group(cls=_MainGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="omnistake")
def main() -> None:
    """omnistake: a chain-agnostic restaking core.

    Run `omnistake serve` to serve the ledger over gRPC on 127.0.0.1:50051 with a SQLite
    file in the working directory; `omnistake COMMAND --help` explains each command.
    """


for _module in (store, serve, client, plugins):
    _module.register(main)
