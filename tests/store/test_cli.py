"""`omnistake export / import / verify` on real databases."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from omnistake.cli.store import register
from omnistake.clock import ManualClock
from omnistake.service import LedgerService
from store_world import T0, WHO, deposit, world


@pytest.fixture
def cli() -> click.Group:
    group = click.Group("omnistake")
    register(group)
    return group


def populate(url: str, n: int = 30) -> str:
    svc = LedgerService.open(url, ManualClock(T0), snapshot_every=10)
    for rid, command in world():
        svc.execute_sync(command, principal=WHO, request_id=rid)
    for i in range(n):
        svc.execute_sync(deposit(i), principal=WHO, request_id=f"d{i}")
    state_hash = svc.ledger.state_hash()
    svc.close()
    return state_hash


def hash_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("state hash: ")]
    assert len(lines) == 1, output
    return lines[0].removeprefix("state hash: ")


@pytest.mark.parametrize("name", ["history.jsonl", "history.jsonl.gz"])
def test_export_import_verify_round_trip(
    cli: click.Group, store_url: str, tmp_path: Path, name: str
) -> None:
    expected = populate(store_url)
    runner = CliRunner()
    file = tmp_path / name
    out = runner.invoke(cli, ["export", "--db", store_url, str(file)])
    assert out.exit_code == 0, out.output
    assert hash_line(out.output) == expected

    out = runner.invoke(cli, ["verify", str(file)])
    assert out.exit_code == 0, out.output
    assert hash_line(out.output) == expected and "events: 34" in out.output

    out = runner.invoke(cli, ["verify", "--db", store_url])
    assert out.exit_code == 0, out.output
    assert hash_line(out.output) == expected and "snapshot: matches" in out.output

    target = f"sqlite:///{tmp_path / 'imported.db'}"
    out = runner.invoke(cli, ["import", "--db", target, str(file)])
    assert out.exit_code == 0, out.output
    assert hash_line(out.output) == expected
    svc = LedgerService.open(target, ManualClock(T0))
    assert svc.ledger.state_hash() == expected
    # the journal came along: idempotency answers survive the move
    assert svc.execute_sync(deposit(3), principal=WHO, request_id="d3").replayed
    svc.close()

    out = runner.invoke(cli, ["import", "--db", target, str(file)])  # not empty any more
    assert out.exit_code == 1 and "STORE_NOT_EMPTY" in out.output


def test_verify_rejects_tampered_and_truncated_files(
    cli: click.Group, sqlite_url: str, tmp_path: Path
) -> None:
    populate(sqlite_url, 5)
    runner = CliRunner()
    file = tmp_path / "h.jsonl"
    assert runner.invoke(cli, ["export", "--db", sqlite_url, str(file)]).exit_code == 0
    lines = file.read_text().splitlines(keepends=True)

    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text("".join(lines).replace('"amount\\":1003', '"amount\\":1004'))
    assert tampered.read_text() != file.read_text()
    out = runner.invoke(cli, ["verify", str(tampered)])
    assert out.exit_code == 1 and "CORRUPT_RECORD" in out.output and "event 8" in out.output

    truncated = tmp_path / "truncated.jsonl"
    truncated.write_text("".join(lines)[: len("".join(lines)) - 40])
    out = runner.invoke(cli, ["verify", str(truncated)])
    assert out.exit_code == 1 and "BAD_HISTORY_FILE" in out.output

    dropped = tmp_path / "dropped.jsonl"
    dropped.write_text("".join(lines[:-2] + lines[-1:]))  # a journal line removed
    out = runner.invoke(cli, ["verify", str(dropped)])
    assert out.exit_code == 1 and "digest" in out.output

    gz = tmp_path / "bad.jsonl.gz"
    gz.write_bytes(gzip.compress(b"not json\n"))
    out = runner.invoke(cli, ["verify", str(gz)])
    assert out.exit_code == 1 and "BAD_HISTORY_FILE" in out.output


def test_verify_needs_exactly_one_source(cli: click.Group) -> None:
    out = CliRunner().invoke(cli, ["verify"])
    assert out.exit_code == 2 and "either FILE or --db" in out.output


def test_help_texts(cli: click.Group) -> None:
    for command in ("export", "import", "verify"):
        out = CliRunner().invoke(cli, [command, "--help"])
        assert out.exit_code == 0 and "--db" in out.output


def test_installed_entry_point_verifies(sqlite_url: str, tmp_path: Path) -> None:
    expected = populate(sqlite_url, 3)
    exe = Path(sys.executable).with_name("omnistake")
    if not exe.exists():
        pytest.skip("the omnistake console script is not installed in this environment")
    out = subprocess.run(
        [str(exe), "verify", "--db", sqlite_url], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert hash_line(out.stdout) == expected


@pytest.mark.postgres
def test_import_into_postgresql_and_refuse_while_a_writer_runs(
    cli: click.Group, sqlite_url: str, pg_url: str, tmp_path: Path
) -> None:
    from omnistake.store.errors import NotWriter

    expected = populate(sqlite_url, 8)
    file = tmp_path / "h.jsonl"
    runner = CliRunner()
    assert runner.invoke(cli, ["export", "--db", sqlite_url, str(file)]).exit_code == 0
    writer = LedgerService.open(pg_url, ManualClock(T0), identity="busy-writer")
    out = runner.invoke(cli, ["import", "--db", pg_url, str(file)])
    writer.close()
    assert out.exit_code == 1 and NotWriter.reason in out.output and "busy-writer" in out.output
    out = runner.invoke(cli, ["import", "--db", pg_url, str(file)])
    assert out.exit_code == 0, out.output
    out = runner.invoke(cli, ["verify", "--db", pg_url])
    assert out.exit_code == 0 and hash_line(out.output) == expected
