"""Run the real ``omnistake serve`` CLI in a process that also hosts in-memory memchains
(examples/memchain), the way a node would run beside it, plus a loopback control port the
tests use to submit transactions and mine blocks on those chains.

    python memchain_node.py serve --chains chains.toml ...

Environment: ``MEMCHAIN_CHAINS`` (comma-separated CAIP-2 ids to create), ``MEMCHAIN_CONTROL``
(file to write the control port into). The control protocol is one JSON object per line:
``{"op": "submit", "chain": id, "kind": k, "data": {...}}`` -> ``{"txid": ...}``;
``{"op": "mine", "chain": id, "count": n}`` -> ``{"height": h, "timestamp": t}`` (each block
stamped with the wall clock, so hub-clock commands and chain facts agree on time);
``{"op": "find", "chain": id, "txid": t}`` -> the transaction and its block, or
``{"pending": ...}`` while it waits in the mempool.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from omnistake.cli import main
from omnistake_memchain import MemChain, create_chain

CHAINS: dict[str, MemChain] = {}


def _mine(chain: MemChain, count: int) -> dict[str, Any]:
    for _ in range(count):
        # The next block is stamped with the wall clock (at least one second after its parent).
        chain.block_time = max(1, int(time.time()) - chain.head.timestamp)
        chain.mine(1)
    return {"height": chain.head.height, "timestamp": chain.head.timestamp}


def _handle(request: dict[str, Any]) -> dict[str, Any]:
    chain = CHAINS[request["chain"]]
    op = request["op"]
    if op == "submit":
        return {"txid": chain.submit(request["kind"], **request["data"]).txid}
    if op == "mine":
        return _mine(chain, int(request.get("count", 1)))
    if op == "find":
        txid = request["txid"]
        found = chain.find_tx(txid)
        if found is None:
            pending = [t for t in chain.pending() if t.txid == txid]
            return {"pending": dict(pending[0].data) if pending else None}
        tx, block = found
        return {"kind": tx.kind, "data": dict(tx.data), "height": block.height}
    return {"error": f"unknown op {op!r}"}


async def _serve_control(path: Path) -> None:
    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                try:
                    answer = _handle(json.loads(line))
                except Exception as exc:  # report to the test, keep serving
                    answer = {"error": f"{type(exc).__name__}: {exc}"}
                writer.write(json.dumps(answer).encode() + b"\n")
                await writer.drain()
        finally:
            writer.close()

    server = await asyncio.start_server(client, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    path.write_text(str(port))
    async with server:
        await server.serve_forever()


class _Policy(asyncio.DefaultEventLoopPolicy):
    """Starts the control server on the loop ``omnistake serve`` runs (chain changes must
    happen on that loop: the adapter waits on it for new blocks)."""

    def new_event_loop(self) -> asyncio.AbstractEventLoop:
        loop = super().new_event_loop()
        control = os.environ.get("MEMCHAIN_CONTROL")
        if control:
            loop.call_soon(lambda: loop.create_task(_serve_control(Path(control))))
        return loop


if __name__ == "__main__":
    now = int(time.time())
    for chain_id in filter(None, os.environ.get("MEMCHAIN_CHAINS", "").split(",")):
        CHAINS[chain_id] = create_chain(chain_id, genesis_time=now - 60, block_time=1)
    asyncio.set_event_loop_policy(_Policy())
    sys.exit(main())
