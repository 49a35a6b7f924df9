"""Backends for real networks: bitcoind JSON-RPC and Esplora REST, behind ``BitcoinBackend``.

HTTP runs through the standard library (``urllib``) in a worker thread, so no extra
dependency is needed and HTTPS and proxies work as usual. Every answer is sanity-checked
(hashes must match what was asked for); the SPV layer re-verifies everything that matters.
Credentials are never put in error messages.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import urllib.error
import urllib.request
from typing import Any

from .backend_api import ChainTip, TxWithProof
from .block import Block, BlockHeader
from .errors import BackendError, BitcoinError
from .merkle import merkle_proof
from .tx import Transaction


def _hex_hash(h: bytes) -> str:
    return h[::-1].hex()


def _hash_from_hex(s: Any) -> bytes:
    try:
        raw = bytes.fromhex(str(s).strip())
    except ValueError as exc:
        raise BackendError("BAD_RESPONSE", "expected a hex hash") from exc
    if len(raw) != 32:
        raise BackendError("BAD_RESPONSE", "expected a 32-byte hash")
    return raw[::-1]


def _from_hex(s: Any) -> bytes:
    try:
        return bytes.fromhex(str(s).strip())
    except ValueError as exc:
        raise BackendError("BAD_RESPONSE", "expected hex data") from exc


def _http(
    url: str, data: bytes | None, headers: dict[str, str], timeout: float
) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=data, headers=headers, method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return int(resp.status), resp.read()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise BackendError("UNREACHABLE", f"cannot reach backend: {type(exc).__name__}") from exc


def _locate(block: Block, txid: bytes, height: int) -> TxWithProof:
    txids = [t.txid_bytes for t in block.txs]
    if txid not in txids:
        raise BackendError("BAD_RESPONSE", "transaction is not in the block the backend named")
    idx = txids.index(txid)
    return TxWithProof(block.txs[idx], block.hash, height, idx, tuple(merkle_proof(txids, idx)))


class BitcoindRpcBackend:
    """bitcoind (or any Core-compatible node) over JSON-RPC."""

    def __init__(
        self,
        url: str,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.url = url
        self._headers = {"Content-Type": "application/json"}
        if user is not None:
            token = base64.b64encode(f"{user}:{password or ''}".encode()).decode()
            self._headers["Authorization"] = f"Basic {token}"
        self.timeout = timeout
        self._ids = itertools.count(1)

    def __repr__(self) -> str:
        return f"BitcoindRpcBackend(url={self.url!r})"

    async def call(self, method: str, *params: Any) -> Any:
        """One JSON-RPC call; RPC errors become ``BackendError(RPC_ERROR)``."""
        body = json.dumps(
            {"jsonrpc": "1.0", "id": next(self._ids), "method": method, "params": list(params)}
        ).encode()
        status, raw = await asyncio.to_thread(_http, self.url, body, self._headers, self.timeout)
        if status == 401:
            raise BackendError("UNAUTHORIZED", "bitcoind rejected the RPC credentials")
        try:
            reply = json.loads(raw)
        except ValueError as exc:
            raise BackendError("BAD_RESPONSE", f"{method}: HTTP {status}, not JSON") from exc
        err = reply.get("error") if isinstance(reply, dict) else None
        if err:
            raise BackendError(
                "RPC_ERROR", f"{method}: {err.get('code')} {str(err.get('message'))[:200]}"
            )
        if not isinstance(reply, dict) or "result" not in reply:
            raise BackendError("BAD_RESPONSE", f"{method}: no result")
        return reply["result"]

    async def get_tip(self) -> ChainTip:
        info = await self.call("getblockchaininfo")
        return ChainTip(int(info["blocks"]), _hash_from_hex(info["bestblockhash"]))

    async def get_block_hash(self, height: int) -> bytes:
        return _hash_from_hex(await self.call("getblockhash", height))

    async def get_header(self, block_hash: bytes) -> BlockHeader:
        header = BlockHeader.parse(
            _from_hex(await self.call("getblockheader", _hex_hash(block_hash), False))
        )
        if header.hash != block_hash:
            raise BackendError("BAD_RESPONSE", "header does not hash to the requested block")
        return header

    async def get_block(self, block_hash: bytes) -> Block:
        try:
            block = Block.parse(_from_hex(await self.call("getblock", _hex_hash(block_hash), 0)))
        except BitcoinError as exc:
            raise BackendError("BAD_RESPONSE", f"block does not parse: {exc.reason}") from exc
        if block.hash != block_hash:
            raise BackendError("BAD_RESPONSE", "block does not hash to the requested block")
        return block

    async def get_tx_with_proof(self, txid: bytes) -> TxWithProof:
        info = await self.call("getrawtransaction", _hex_hash(txid), True)
        if not info.get("blockhash"):
            raise BackendError("UNCONFIRMED", "transaction is not confirmed")
        block_hash = _hash_from_hex(info["blockhash"])
        header_info = await self.call("getblockheader", info["blockhash"], True)
        return _locate(await self.get_block(block_hash), txid, int(header_info["height"]))

    async def broadcast(self, tx: Transaction) -> bytes:
        return _hash_from_hex(await self.call("sendrawtransaction", tx.serialize().hex()))

    async def close(self) -> None:
        return None


class EsploraBackend:
    """An Esplora REST API (blockstream.info, mempool.space, or self-hosted)."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"EsploraBackend(base_url={self.base_url!r})"

    async def _get(self, path: str, data: bytes | None = None) -> bytes:
        headers = {"Content-Type": "text/plain"} if data else {}
        status, raw = await asyncio.to_thread(
            _http, self.base_url + path, data, headers, self.timeout
        )
        if status == 404:
            raise BackendError("NOT_FOUND", f"{path.split('/')[1]} not found")
        if status != 200:
            raise BackendError("HTTP_ERROR", f"HTTP {status}: {raw[:200].decode(errors='replace')}")
        return raw

    async def _json(self, path: str) -> Any:
        try:
            return json.loads(await self._get(path))
        except ValueError as exc:
            raise BackendError("BAD_RESPONSE", "expected JSON") from exc

    async def get_tip(self) -> ChainTip:
        block_hash = _hash_from_hex((await self._get("/blocks/tip/hash")).decode())
        info = await self._json(f"/block/{_hex_hash(block_hash)}")
        return ChainTip(int(info["height"]), block_hash)

    async def get_block_hash(self, height: int) -> bytes:
        return _hash_from_hex((await self._get(f"/block-height/{height}")).decode())

    async def get_header(self, block_hash: bytes) -> BlockHeader:
        raw = _from_hex((await self._get(f"/block/{_hex_hash(block_hash)}/header")).decode())
        header = BlockHeader.parse(raw)
        if header.hash != block_hash:
            raise BackendError("BAD_RESPONSE", "header does not hash to the requested block")
        return header

    async def get_block(self, block_hash: bytes) -> Block:
        try:
            block = Block.parse(await self._get(f"/block/{_hex_hash(block_hash)}/raw"))
        except BitcoinError as exc:
            raise BackendError("BAD_RESPONSE", f"block does not parse: {exc.reason}") from exc
        if block.hash != block_hash:
            raise BackendError("BAD_RESPONSE", "block does not hash to the requested block")
        return block

    async def get_tx_with_proof(self, txid: bytes) -> TxWithProof:
        t = _hex_hash(txid)
        status = await self._json(f"/tx/{t}/status")
        if not status.get("confirmed"):
            raise BackendError("UNCONFIRMED", "transaction is not confirmed")
        tx = Transaction.parse(_from_hex((await self._get(f"/tx/{t}/hex")).decode()))
        if tx.txid_bytes != txid:
            raise BackendError("BAD_RESPONSE", "transaction does not hash to the requested txid")
        proof = await self._json(f"/tx/{t}/merkle-proof")
        return TxWithProof(
            tx,
            _hash_from_hex(status["block_hash"]),
            int(proof["block_height"]),
            int(proof["pos"]),
            tuple(_hash_from_hex(node) for node in proof["merkle"]),
        )

    async def broadcast(self, tx: Transaction) -> bytes:
        return _hash_from_hex((await self._get("/tx", tx.serialize().hex().encode())).decode())

    async def close(self) -> None:
        return None
