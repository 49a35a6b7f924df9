"""The ``omnistake`` command line. Each sub-module adds its commands to the group:
store (export/import/verify), serve (the gRPC server), client (calls to a running server),
plugins (what chain adapters are loaded)."""

from __future__ import annotations

import click
from omnistake import __version__
from omnistake.cli import client, plugins, serve, store


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="omnistake")
def main() -> None:
    """omnistake: a chain-agnostic restaking core.

    Run `omnistake serve` to serve the ledger over gRPC on 127.0.0.1:50051 with a SQLite
    file in the working directory; `omnistake COMMAND --help` explains each command.
    """


for _module in (store, serve, client, plugins):
    _module.register(main)
