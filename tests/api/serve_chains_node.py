"""Start ``omnistake serve --chains`` as a real process on 127.0.0.1 beside in-memory
memchains (memchain_node.py), and talk to its chains' control port."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from api_world import REPO
from omnistake.client import OmnistakeClient
from omnistake.ledger.ledger import Recorded

pytest.importorskip(
    "omnistake_memchain", reason="examples/memchain is not installed (scripts/setup.d/examples.sh)"
)

PYTHON = str(REPO / ".venv" / "bin" / "python")
NODE = str(Path(__file__).with_name("memchain_node.py"))
#: Load only the example plugin (and the throwaway ones a test adds): the built-in adapters
#: are not needed here, and one still in the works must not make strict mode fail.
ONLY_MEMCHAIN = {"OMNISTAKE_LOAD_PLUGINS": "memchain"}


@dataclass
class Node:
    """A running serve process and its chains' control port."""

    proc: asyncio.subprocess.Process
    port: int
    control: int
    token: str
    lines: list[str] = field(default_factory=list)

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def chain(self, chain: str, op: str, **fields: Any) -> dict[str, Any]:
        """One control request to the chain ``chain``."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self.control)
        try:
            writer.write(json.dumps({"op": op, "chain": chain, **fields}).encode() + b"\n")
            await writer.drain()
            answer: dict[str, Any] = json.loads(await asyncio.wait_for(reader.readline(), 10))
        finally:
            writer.close()
        if "error" in answer:
            raise AssertionError(f"control {op} on {chain}: {answer['error']}")
        return answer

    def log(self) -> str:
        return "".join(self.lines)


def spawn_args(tmp_path: Path, config: str, *extra: str) -> list[str]:
    """The command line of a serve process with ``config`` as its chains file."""
    chains = tmp_path / "chains.toml"
    chains.write_text(config)
    db = f"sqlite:///{tmp_path / 'omnistake.sqlite'}"
    return [NODE, "serve", "--listen", "127.0.0.1:0", "--db", db, "--chains", str(chains), *extra]


def node_env(chains: list[str], control: Path, env: Mapping[str, str]) -> dict[str, str]:
    return {
        **os.environ,
        **ONLY_MEMCHAIN,
        "MEMCHAIN_CHAINS": ",".join(chains),
        "MEMCHAIN_CONTROL": str(control),
        **env,
    }


async def run_to_exit(
    tmp_path: Path,
    config: str,
    *extra: str,
    chains: list[str] = (),  # type: ignore[assignment]
    env: Mapping[str, str] | None = None,
) -> tuple[int, str]:
    """Run serve expecting it to stop by itself (a start-up failure); (exit code, stderr)."""
    proc = await asyncio.create_subprocess_exec(
        PYTHON,
        *spawn_args(tmp_path, config, *extra),
        cwd=tmp_path,
        env=node_env(list(chains), tmp_path / "control", env or {}),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, err = await asyncio.wait_for(proc.communicate(), 60)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise AssertionError("serve did not exit") from None
    assert proc.returncode is not None
    return proc.returncode, err.decode()


@asynccontextmanager
async def running_node(
    tmp_path: Path,
    config: str,
    chains: list[str],
    *extra: str,
    env: Mapping[str, str] | None = None,
) -> AsyncIterator[Node]:
    """serve --chains with memchains ``chains``; stopped with SIGTERM on the way out."""
    control = tmp_path / "control"
    proc = await asyncio.create_subprocess_exec(
        PYTHON,
        *spawn_args(tmp_path, config, *extra),
        cwd=tmp_path,
        env=node_env(chains, control, env or {}),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stderr is not None
    lines: list[str] = []
    try:
        port = 0
        while not port:
            raw = await asyncio.wait_for(proc.stderr.readline(), 60)
            if not raw:
                raise AssertionError("serve exited early:\n" + "".join(lines))
            lines.append(raw.decode())
            match = re.search(r"listening on 127\.0\.0\.1:(\d+)", lines[-1])
            port = int(match.group(1)) if match else 0
        for _ in range(200):
            if control.exists() and control.read_text():
                break
            await asyncio.sleep(0.05)
        token = (tmp_path / "omnistake.sqlite.admin-token").read_text().strip()
        node = Node(proc, port, int(control.read_text()), token, lines)
        drain = asyncio.create_task(_drain(proc.stderr, lines))
        try:
            yield node
        finally:
            proc.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(proc.wait(), 30)
            await asyncio.wait_for(drain, 10)
            assert code == 0, node.log()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def _drain(stream: asyncio.StreamReader, lines: list[str]) -> None:
    while raw := await stream.readline():
        lines.append(raw.decode())


async def wait_for_events(
    client: OmnistakeClient,
    done: Callable[[list[Recorded]], bool],
    timeout: float = 20.0,
) -> list[Recorded]:
    """Follow WatchEvents from the start until ``done(events so far)``."""
    seen: list[Recorded] = []

    async def follow() -> None:
        async for record in client.watch_events(0):
            seen.append(record)
            if done(seen):
                return

    try:
        await asyncio.wait_for(follow(), timeout)
    except TimeoutError:
        types = [type(r.event).__name__ for r in seen]
        raise AssertionError(f"events never matched; saw {types}") from None
    return seen
