"""Serve a ``RegtestChain`` over loopback HTTP as bitcoind JSON-RPC (``POST /``) and Esplora
REST (``/api/...``), so the real network clients can be exercised without a node.

Binds to 127.0.0.1 only. Start with ``start()`` and always ``stop()`` (or use ``with``).
"""

from __future__ import annotations

import base64
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .errors import BackendError, BitcoinError
from .regtest import RegtestChain
from .tx import Transaction


def _h(b: bytes) -> str:
    return b[::-1].hex()


def _unhex_hash(s: str) -> bytes:
    return bytes.fromhex(s)[::-1]


class RegtestHttpServer:
    """Loopback HTTP front-end for a regtest chain builder."""

    def __init__(
        self,
        chain: RegtestChain,
        rpc_user: str | None = None,
        rpc_password: str | None = None,
        port: int = 0,
    ) -> None:
        self.chain = chain
        self.lock = threading.Lock()
        self._auth = None
        if rpc_user is not None:
            self._auth = (
                "Basic " + base64.b64encode(f"{rpc_user}:{rpc_password or ''}".encode()).decode()
            )
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def _send(self, status: int, body: bytes, ctype: str = "text/plain") -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if not self.path.startswith("/api/"):
                    self._send(404, b"not found")
                    return
                with server.lock:
                    status, body, ctype = server._esplora_get(self.path[4:])
                self._send(status, body, ctype)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.path == "/api/tx":
                    with server.lock:
                        status, out, ctype = server._esplora_broadcast(body)
                    self._send(status, out, ctype)
                    return
                if self.path != "/":
                    self._send(404, b"not found")
                    return
                if server._auth is not None and not hmac.compare_digest(
                    self.headers.get("Authorization", ""), server._auth
                ):
                    self._send(401, b"")
                    return
                with server.lock:
                    reply = server._rpc(json.loads(body))
                self._send(200, json.dumps(reply).encode(), "application/json")

        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def esplora_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def start(self) -> RegtestHttpServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> RegtestHttpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- JSON-RPC -----------------------------------------------------------------------------

    def _rpc(self, req: dict[str, Any]) -> dict[str, Any]:
        rid = req.get("id")
        try:
            result = self._dispatch(str(req.get("method")), list(req.get("params") or []))
            return {"result": result, "error": None, "id": rid}
        except BitcoinError as exc:
            code = -5 if exc.reason in ("UNKNOWN_BLOCK", "UNKNOWN_TX", "UNKNOWN_HEIGHT") else -26
            return {"result": None, "error": {"code": code, "message": exc.message}, "id": rid}
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            return {"result": None, "error": {"code": -8, "message": str(exc)}, "id": rid}

    def _dispatch(self, method: str, params: list[Any]) -> Any:
        c = self.chain
        if method == "getblockchaininfo":
            return {"chain": "regtest", "blocks": c.height, "bestblockhash": _h(c.tip.hash)}
        if method == "getblockhash":
            return _h(c.block_at(int(params[0])).hash)
        if method == "getblockheader":
            block = c.block_by_hash(_unhex_hash(params[0]))
            if len(params) > 1 and params[1] is False:
                return block.header.serialize().hex()
            return {"hash": params[0], "height": c.height_of(block.hash)}
        if method == "getblock":
            return c.block_by_hash(_unhex_hash(params[0])).serialize().hex()
        if method == "getrawtransaction":
            loc = c.tx_with_proof(_unhex_hash(params[0]))
            return {"hex": loc.tx.serialize().hex(), "blockhash": _h(loc.block_hash)}
        if method == "sendrawtransaction":
            return _h(c.broadcast(Transaction.from_hex(params[0])))
        raise BackendError("METHOD_NOT_FOUND", f"method {method} not found")

    # -- Esplora ------------------------------------------------------------------------------

    def _esplora_get(self, path: str) -> tuple[int, bytes, str]:
        c = self.chain
        parts = path.strip("/").split("/")
        try:
            if parts == ["blocks", "tip", "hash"]:
                return 200, _h(c.tip.hash).encode(), "text/plain"
            if parts == ["blocks", "tip", "height"]:
                return 200, str(c.height).encode(), "text/plain"
            if parts[0] == "block-height" and len(parts) == 2:
                return 200, _h(c.block_at(int(parts[1])).hash).encode(), "text/plain"
            if parts[0] == "block" and len(parts) in (2, 3):
                block = c.block_by_hash(_unhex_hash(parts[1]))
                if len(parts) == 2:
                    info = {"id": parts[1], "height": c.height_of(block.hash)}
                    return 200, json.dumps(info).encode(), "application/json"
                if parts[2] == "header":
                    return 200, block.header.serialize().hex().encode(), "text/plain"
                if parts[2] == "raw":
                    return 200, block.serialize(), "application/octet-stream"
            if parts[0] == "tx" and len(parts) == 3:
                loc = c.tx_with_proof(_unhex_hash(parts[1]))
                if parts[2] == "hex":
                    return 200, loc.tx.serialize().hex().encode(), "text/plain"
                if parts[2] == "status":
                    info = {
                        "confirmed": True,
                        "block_height": loc.height,
                        "block_hash": _h(loc.block_hash),
                    }
                    return 200, json.dumps(info).encode(), "application/json"
                if parts[2] == "merkle-proof":
                    info = {
                        "block_height": loc.height,
                        "pos": loc.index,
                        "merkle": [_h(n) for n in loc.proof],
                    }
                    return 200, json.dumps(info).encode(), "application/json"
        except BackendError as exc:
            return 404, exc.message.encode(), "text/plain"
        except ValueError:
            return 400, b"bad request", "text/plain"
        return 404, b"not found", "text/plain"

    def _esplora_broadcast(self, body: bytes) -> tuple[int, bytes, str]:
        try:
            txid = self.chain.broadcast(Transaction.from_hex(body.decode().strip()))
        except BitcoinError as exc:
            return 400, f"sendrawtransaction RPC error: {exc.message}".encode(), "text/plain"
        return 200, _h(txid).encode(), "text/plain"
