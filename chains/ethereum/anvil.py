"""Run a local anvil node on a free loopback port, with deterministic time and reorg helpers."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from pathlib import Path
from types import TracebackType
from typing import Any

from omnistake.chains.ethereum.errors import AnvilError
from omnistake.chains.ethereum.rpc import make_web3
from omnistake.chains.ethereum.toolchain import Toolchain, find_toolchain
from web3 import AsyncHTTPProvider, AsyncWeb3

DEFAULT_START_TIMESTAMP = 1_700_000_000


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Anvil:
    """An anvil process on 127.0.0.1; use ``async with Anvil() as node``.

    Block timestamps are deterministic: the chain starts at ``start_timestamp`` and every new
    block is ``block_time_interval`` seconds after the previous one unless a test sets the
    next timestamp explicitly (:meth:`mine_at`, :meth:`set_next_block_timestamp`).
    """

    def __init__(
        self,
        toolchain: Toolchain | None = None,
        *,
        chain_id: int = 31337,
        start_timestamp: int = DEFAULT_START_TIMESTAMP,
        block_time_interval: int = 1,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self._toolchain = toolchain
        self.chain_id = chain_id
        self.start_timestamp = start_timestamp
        self.block_time_interval = block_time_interval
        self._extra_args = extra_args
        self._proc: asyncio.subprocess.Process | None = None
        self.port: int = 0
        self._w3: AsyncWeb3[AsyncHTTPProvider] | None = None

    @property
    def url(self) -> str:
        """HTTP JSON-RPC endpoint."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def w3(self) -> AsyncWeb3[AsyncHTTPProvider]:
        """An AsyncWeb3 bound to this node."""
        if self._w3 is None:
            raise AnvilError("anvil is not running", reason="ANVIL_NOT_RUNNING")
        return self._w3

    async def start(self) -> None:
        """Start anvil and wait until it answers."""
        tc = self._toolchain or find_toolchain()
        last_err = ""
        for _ in range(5):
            self.port = free_port()
            args = [
                str(Path(tc.anvil)),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--chain-id",
                str(self.chain_id),
                "--timestamp",
                str(self.start_timestamp),
                "--accounts",
                "1",
                "--silent",
                *self._extra_args,
            ]
            self._proc = await asyncio.create_subprocess_exec(
                *args,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            self._w3 = make_web3(self.url)
            if await self._wait_ready():
                await self.rpc("anvil_setBlockTimestampInterval", [self.block_time_interval])
                return
            last_err = await self._drain_stderr()
            await self.stop()
        raise AnvilError(f"anvil did not start: {last_err.strip()[:500]}")

    async def _wait_ready(self, timeout: float = 20.0) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            if self._proc is None or self._proc.returncode is not None:
                return False
            try:
                await self.w3.eth.chain_id
                return True
            except Exception:
                await asyncio.sleep(0.05)
        return False

    async def _drain_stderr(self) -> str:
        if self._proc is None or self._proc.stderr is None:
            return ""
        with contextlib.suppress(Exception):
            data = await asyncio.wait_for(self._proc.stderr.read(4000), 1.0)
            return data.decode(errors="replace")
        return ""

    async def stop(self) -> None:
        """Stop the process (terminate, then kill) and close the HTTP session."""
        w3, self._w3 = self._w3, None
        if w3 is not None:
            with contextlib.suppress(Exception):
                await w3.provider.disconnect()
        proc, self._proc = self._proc, None
        if proc is not None and proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 5.0)
            except TimeoutError:
                proc.kill()
                await proc.wait()

    async def __aenter__(self) -> Anvil:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def rpc(self, method: str, params: list[Any] | None = None) -> Any:
        """Send one raw JSON-RPC request; raise :class:`AnvilError` on a node error."""
        resp = await self.w3.provider.make_request(method, params or [])  # type: ignore[arg-type]
        if "error" in resp:
            raise AnvilError(f"{method} failed: {resp['error']}", reason="ANVIL_RPC_ERROR")
        return resp.get("result")

    async def set_next_block_timestamp(self, timestamp: int) -> None:
        """The next block (mined or from a transaction) gets exactly ``timestamp``."""
        await self.rpc("evm_setNextBlockTimestamp", [timestamp])

    async def mine(self, blocks: int = 1) -> None:
        """Mine ``blocks`` empty blocks at the configured interval."""
        for _ in range(blocks):
            await self.rpc("evm_mine", [])

    async def mine_at(self, timestamp: int) -> None:
        """Mine one block at exactly ``timestamp`` (must be after the latest block's)."""
        await self.set_next_block_timestamp(timestamp)
        await self.rpc("evm_mine", [])

    async def latest_timestamp(self) -> int:
        """Timestamp of the latest block."""
        block = await self.w3.eth.get_block("latest")
        return int(block["timestamp"])

    async def block_number(self) -> int:
        """Number of the latest block."""
        return int(await self.w3.eth.block_number)

    async def snapshot(self) -> str:
        """Take an EVM snapshot; pass the id to :meth:`revert`."""
        return str(await self.rpc("evm_snapshot", []))

    async def revert(self, snapshot_id: str) -> None:
        """Revert to a snapshot (the snapshot is consumed)."""
        ok = await self.rpc("evm_revert", [snapshot_id])
        if not ok:
            raise AnvilError(f"evm_revert({snapshot_id}) refused", reason="ANVIL_REVERT_FAILED")

    async def reorg(self, depth: int, txs: list[tuple[str, int]] | None = None) -> None:
        """Replace the last ``depth`` blocks; ``txs`` are (signed raw tx hex, block offset)."""
        pairs = [[raw, offset] for raw, offset in (txs or [])]
        await self.rpc("anvil_reorg", [depth, pairs])

    async def set_balance(self, address: str, wei: int) -> None:
        """Give an account ``wei`` of ETH."""
        await self.rpc("anvil_setBalance", [address, hex(wei)])

    async def set_automine(self, enabled: bool) -> None:
        """Turn automatic mining of each transaction on or off."""
        await self.rpc("evm_setAutomine", [enabled])
