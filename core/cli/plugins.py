"""omnistake CLI: ``omnistake plugins`` lists what is loaded, with versions, namespaces and
hooks, and what failed (and why)."""

from __future__ import annotations

import json
import sys

import click


def register(group: click.Group) -> None:
    """Add this module's commands to ``group``."""
    group.add_command(plugins)


@click.command("plugins")
@click.option(
    "--strict-plugins",
    is_flag=True,
    envvar="OMNISTAKE_STRICT_PLUGINS",
    help="Fail (exit 1) when any plugin fails to load, instead of reporting and skipping it.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def plugins(strict_plugins: bool, as_json: bool) -> None:
    """List loaded plugins (name, version, namespaces, hooks) and those that failed.

    Plugins are entry points of group `omnistake`. OMNISTAKE_DISABLE_PLUGINS=a,b skips some;
    OMNISTAKE_LOAD_PLUGINS=a,b loads only those. Exit status: 0, or 1 when a plugin failed
    under --strict-plugins.
    """
    from omnistake.plugins import PluginError, PluginManager

    manager = PluginManager(strict=strict_plugins)
    try:
        report = manager.load_entry_points()
    except PluginError as exc:
        if as_json:
            click.echo(json.dumps({"error": {"reason": exc.reason, "message": exc.message}}))
        else:
            click.echo(f"error: {exc.reason}: {exc.message}", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, sort_keys=True))
        return
    _print_table(report)


def _print_table(report: object) -> None:
    from omnistake.plugins import PluginReport
    from rich.console import Console
    from rich.table import Table

    assert isinstance(report, PluginReport)
    console = Console()
    table = Table(title="omnistake plugins", title_justify="left")
    for column in ("plugin", "version", "distribution", "namespaces", "hooks"):
        table.add_column(column)
    for p in report.loaded:
        table.add_row(
            p.name,
            p.version or "-",
            p.distribution or "-",
            ", ".join(p.namespaces) or "-",
            ", ".join(h.removeprefix("omnistake_") for h in p.hooks),
        )
    if not report.loaded:
        table.add_row("(none loaded)", "", "", "", "")
    console.print(table)
    if report.failed:
        failed = Table(title="failed (skipped)", title_justify="left", title_style="bold red")
        for column in ("plugin", "target", "reason", "error"):
            failed.add_column(column)
        for f in report.failed:
            failed.add_row(f.name, f.target, f.reason, f.error)
        console.print(failed)
    if report.disabled:
        console.print(f"disabled: {', '.join(report.disabled)}")
