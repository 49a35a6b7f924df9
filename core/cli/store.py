"""omnistake CLI: store commands (export, import, verify)."""

from __future__ import annotations

from pathlib import Path

import click
from omnistake.errors import OmnistakeError

DB_HELP = (
    "Store URL: sqlite:///PATH (a SQLite file) or postgresql://USER[:PW]@HOST[:PORT]/DB "
    "(default: $OMNISTAKE_DB)."
)


def _fail(exc: OmnistakeError) -> None:
    click.echo(f"error: {exc.reason}: {exc.message}", err=True)
    raise SystemExit(1)


def register(group: click.Group) -> None:
    """Add this module's commands to ``group``."""

    @group.command("export")
    @click.option("--db", "url", envvar="OMNISTAKE_DB", required=True, help=DB_HELP)
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    def export_cmd(url: str, file: Path) -> None:
        """Write the full history (event log and request journal) of the database at --db
        to FILE, a portable JSON Lines file (gzip when FILE ends in .gz).

        The file records the state hash the history gives and a digest of its content;
        `omnistake verify FILE` checks both.
        """
        from omnistake.store import open_store
        from omnistake.store.portable import export_history

        try:
            store = open_store(url)
            try:
                report = export_history(store, file)
            finally:
                store.close()
        except OmnistakeError as exc:
            _fail(exc)
        click.echo(f"exported {report.events} events and {report.requests} requests to {file}")
        click.echo(f"state hash: {report.state_hash}")

    @group.command("import")
    @click.option("--db", "url", envvar="OMNISTAKE_DB", required=True, help=DB_HELP)
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    def import_cmd(url: str, file: Path) -> None:
        """Load FILE (made by `omnistake export`) into the empty database at --db.

        The file is verified first (checksums, digest, a full replay); the import is one
        transaction, so it either loads the whole history or nothing.
        """
        from omnistake.store import open_store
        from omnistake.store.portable import import_history

        try:
            store = open_store(url)
            try:
                report = import_history(store, file)
            finally:
                store.close()
        except OmnistakeError as exc:
            _fail(exc)
        click.echo(f"imported {report.events} events and {report.requests} requests")
        click.echo(f"state hash: {report.state_hash}")

    @group.command("verify")
    @click.option("--db", "url", default=None, help="Verify a live database instead of FILE.")
    @click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
    def verify_cmd(url: str | None, file: Path | None) -> None:
        """Replay a history from nothing and print its state hash.

        `omnistake verify FILE` checks an exported file (every record's checksum, the
        file digest, and the state hash it records); `omnistake verify --db URL` replays
        a live database's log (and checks its latest snapshot against the replay).
        Exits with status 1 and a typed reason when anything does not check out.
        """
        from omnistake.store.portable import verify_file, verify_store

        if (url is None) == (file is None):
            raise click.UsageError("give either FILE or --db URL")
        try:
            if file is not None:
                report = verify_file(file)
            else:
                from omnistake.store import open_store

                store = open_store(url or "")
                try:
                    report = verify_store(store)
                finally:
                    store.close()
        except OmnistakeError as exc:
            _fail(exc)
        click.echo(f"events: {report.events}")
        click.echo(f"requests: {report.requests}")
        if report.snapshot_checked:
            click.echo("snapshot: matches the replay")
        click.echo(f"state hash: {report.state_hash}")
