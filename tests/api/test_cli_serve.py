"""`omnistake serve` as a real process: binds a loopback port, bootstraps an admin token into
a 0600 file (never logging it), serves health and mutations, and exits cleanly on SIGTERM.
Also the offline `omnistake token issue|revoke`."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import signal
import stat
from pathlib import Path

import pytest
from api_world import REPO, STETH
from omnistake.api.errors import Unauthenticated
from omnistake.client import OmnistakeClient

OMNISTAKE = [str(REPO / ".venv" / "bin" / "omnistake")]


async def start_serve(
    tmp_path: Path, *extra: str
) -> tuple[asyncio.subprocess.Process, int, list[str]]:
    proc = await asyncio.create_subprocess_exec(
        *OMNISTAKE,
        "serve",
        "--listen",
        "127.0.0.1:0",
        *extra,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stderr is not None
    lines: list[str] = []
    while True:
        raw = await asyncio.wait_for(proc.stderr.readline(), 30)
        if not raw:
            raise AssertionError("serve exited early:\n" + "".join(lines))
        line = raw.decode()
        lines.append(line)
        match = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        if match:
            return proc, int(match.group(1)), lines


async def stop_serve(proc: asyncio.subprocess.Process, lines: list[str]) -> int:
    proc.send_signal(signal.SIGTERM)
    assert proc.stderr is not None
    rest = await asyncio.wait_for(proc.stderr.read(), 30)
    lines.extend(rest.decode().splitlines(keepends=True))
    return await asyncio.wait_for(proc.wait(), 30)


async def test_serve_bootstraps_admin_token_and_stops_on_sigterm(tmp_path: Path) -> None:
    proc, port, lines = await start_serve(tmp_path)
    try:
        token_file = tmp_path / "omnistake.sqlite.admin-token"
        assert token_file.exists()
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        token = token_file.read_text().strip()
        async with OmnistakeClient(f"127.0.0.1:{port}", token=token) as client:
            assert await client.health() == "SERVING"
            await client.register_asset(STETH, 18, symbol="stETH")
            assert (await client.get_asset(STETH)).symbol == "stETH"
        async with OmnistakeClient(f"127.0.0.1:{port}") as anonymous:
            with pytest.raises(Unauthenticated):
                await anonymous.register_network("n1")
    finally:
        code = await stop_serve(proc, lines)
    log = "".join(lines)
    assert code == 0, log
    assert token not in log
    assert "admin token" in log and str(token_file) in log
    assert "stopped" in log


async def test_serve_keeps_state_and_token_across_restarts(tmp_path: Path) -> None:
    proc, port, lines = await start_serve(tmp_path)
    token = (tmp_path / "omnistake.sqlite.admin-token").read_text().strip()
    try:
        async with OmnistakeClient(f"127.0.0.1:{port}", token=token) as client:
            await client.register_asset(STETH, 18)
            before = await client.state_hash()
        code, _, err = await run_cli(
            "serve", "--listen", f"127.0.0.1:{port}", "--db", "memory://",
            "--admin-token-file", str(tmp_path / "memory.admin-token"),
        )  # fmt: skip
        assert code == 1 and "LISTEN_FAILED" in err  # the port is taken: a clean error
    finally:
        assert await stop_serve(proc, lines) == 0
    proc, port, lines = await start_serve(tmp_path)
    try:
        async with OmnistakeClient(f"127.0.0.1:{port}", token=token) as client:
            assert await client.state_hash() == before
            await client.register_network("after-restart")
    finally:
        assert await stop_serve(proc, lines) == 0
    assert "issued an admin token" not in "".join(lines)


async def test_offline_token_issue_and_revoke(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'x.sqlite'}"
    issue = await asyncio.create_subprocess_exec(
        *OMNISTAKE,
        "token",
        "issue",
        "--db",
        db,
        "--principal",
        "network:da-layer",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await issue.communicate()
    assert issue.returncode == 0, err.decode()
    token = out.decode().strip()
    assert token.startswith("osk_") and token not in err.decode()
    proc, port, lines = await start_serve(tmp_path, "--db", db)
    try:
        async with OmnistakeClient(f"127.0.0.1:{port}", token=token) as client:
            result = await client.register_network("da-layer")
            assert result.events[0].event.network == "da-layer"  # type: ignore[attr-defined]
            revoke = await asyncio.create_subprocess_exec(
                *OMNISTAKE,
                "token",
                "revoke",
                "--db",
                db,
                "--token",
                token,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            await revoke.communicate()
            assert revoke.returncode == 0
            with pytest.raises(Unauthenticated):
                await client.register_network("again")
    finally:
        assert await stop_serve(proc, lines) == 0


async def run_cli(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        *OMNISTAKE, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_client_commands_against_served_process(tmp_path: Path) -> None:
    proc, port, lines = await start_serve(tmp_path)
    token_file = str(tmp_path / "omnistake.sqlite.admin-token")
    common = ["--server", f"127.0.0.1:{port}", "--token-file", token_file]
    try:
        code, out, err = await run_cli("asset", "register", STETH, "--decimals", "18", *common)
        assert code == 0, err
        assert json.loads(out)["events"][0]["type"] == "AssetRegistered"
        code, out, err = await run_cli("network", "register", "da-layer", *common)
        assert code == 0, err
        code, out, _ = await run_cli("network", "list", "--server", f"127.0.0.1:{port}")
        assert [n["network"] for n in json.loads(out)] == ["da-layer"]
        code, out, err = await run_cli("deposit", *common, "--", "no-vault", "eip155:1:0xa", "-5")
        assert code == 1 and "AMOUNT_OUT_OF_RANGE" in err and "field: amount" in err
        code, out, err = await run_cli("deposit", "no-vault", "eip155:1:0xa", "5", *common)
        assert code == 1 and "NOT_FOUND" in err
        code, out, err = await run_cli("network", "register", "n2", "--server", f"127.0.0.1:{port}")
        assert code == 1 and "UNAUTHENTICATED" in err
        code, out, _ = await run_cli("state-hash", "--server", f"127.0.0.1:{port}")
        assert json.loads(out)["seq"] == 2
        code, out, _ = await run_cli(
            "events", "watch", "--after", "0", "--count", "2", "--server", f"127.0.0.1:{port}"
        )
        watched = [json.loads(line) for line in out.splitlines()]
        assert [(e["seq"], e["type"]) for e in watched] == [
            (1, "AssetRegistered"),
            (2, "NetworkRegistered"),
        ]
    finally:
        assert await stop_serve(proc, lines) == 0


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")
async def test_serve_and_client_commands_over_mutual_tls(tmp_path: Path) -> None:
    from test_tls import make_pki

    make_pki(tmp_path / "pki")
    pki = {name: str(tmp_path / "pki" / name) for name in ("ca.pem", "server.pem", "server.key")}
    pki.update(
        client=str(tmp_path / "pki" / "client.pem"), key=str(tmp_path / "pki" / "client.key")
    )
    proc, port, lines = await start_serve(
        tmp_path, "--tls-cert", pki["server.pem"], "--tls-key", pki["server.key"],
        "--tls-client-ca", pki["ca.pem"],
    )  # fmt: skip
    token_file = str(tmp_path / "omnistake.sqlite.admin-token")
    server = ["--server", f"127.0.0.1:{port}", "--token-file", token_file, "--timeout", "5"]
    tls = ["--tls-ca", pki["ca.pem"], "--tls-cert", pki["client"], "--tls-key", pki["key"]]
    try:
        code, out, err = await run_cli("network", "register", "da-layer", *server, *tls)
        assert code == 0, err
        assert json.loads(out)["events"][0]["type"] == "NetworkRegistered"
        code, _, err = await run_cli("state-hash", *server, "--tls-ca", pki["ca.pem"])
        assert code == 1 and "UNAVAILABLE" in err  # no client certificate: handshake refused
    finally:
        assert await stop_serve(proc, lines) == 0
    assert "mutual TLS" in "".join(lines)
