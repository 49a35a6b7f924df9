"""`omnistake serve --db postgresql://...`: the API over a real PostgreSQL server (a throw-away
cluster on 127.0.0.1 started and stopped here). Skipped when the server binaries are absent
(scripts/setup.d/postgres.sh installs them)."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_world import STETH
from omnistake.client import OmnistakeClient
from test_cli_serve import start_serve, stop_serve

pytestmark = pytest.mark.postgres


def _bindir() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
    if found:
        return found[-1].parent
    which = shutil.which("postgres")
    return Path(which).resolve().parent if which else None


@pytest.fixture
def pg_url() -> Iterator[str]:
    bindir = _bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not installed (scripts/setup.d/postgres.sh)")
    root = Path(tempfile.mkdtemp(prefix="omnistake-api-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # postgres refuses to run as root
        try:
            entry = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("no postgres system user to run the server as")
        os.chown(root, entry.pw_uid, entry.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    def run(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, capture_output=True)

    data = root / "data"
    run(str(bindir / "initdb"), "-D", str(data), "-U", "omnistake", "--auth=trust", "--no-sync")
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {root}"
    run(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"),
        "-w", "start")  # fmt: skip
    try:
        yield f"postgresql://omnistake@127.0.0.1:{port}/postgres"
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


async def test_serve_on_postgresql(tmp_path: Path, pg_url: str) -> None:
    token_file = tmp_path / "admin-token"
    proc, port, lines = await start_serve(
        tmp_path, "--db", pg_url, "--admin-token-file", str(token_file)
    )
    try:
        token = token_file.read_text().strip()
        async with OmnistakeClient(f"127.0.0.1:{port}", token=token) as client:
            await client.register_asset(STETH, 18, symbol="stETH")
            before = await client.state_hash()
    finally:
        assert await stop_serve(proc, lines) == 0
    proc, port, lines = await start_serve(
        tmp_path, "--db", pg_url, "--admin-token-file", str(token_file)
    )
    try:
        async with OmnistakeClient(f"127.0.0.1:{port}", token=token) as client:
            assert await client.state_hash() == before  # the history lives in PostgreSQL
            assert (await client.get_asset(STETH)).symbol == "stETH"
    finally:
        assert await stop_serve(proc, lines) == 0
