"""A small Solana JSON-RPC server on loopback, backed by :class:`LiteSvmBackend`.

No Solana validator can be installed here (none on PyPI, npm or Debian), so the RPC backend is
tested against this server: answers are real SVM results, serialised with solders' own RPC
response types, so solana-py parses them exactly as it parses a validator's. It implements
the methods :class:`~omnistake.chains.solana.rpc_backend.RpcBackend` uses, with preflight
simulation on ``sendTransaction``. It is a development tool, not a validator.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from solders.account import Account
from solders.hash import Hash
from solders.pubkey import Pubkey
from solders.rpc.errors import SendTransactionPreflightFailureMessage
from solders.rpc.responses import (
    GetAccountInfoResp,
    GetBalanceResp,
    GetBlockHeightResp,
    GetLatestBlockhashResp,
    GetMinimumBalanceForRentExemptionResp,
    GetMultipleAccountsResp,
    GetProgramAccountsResp,
    GetSignatureStatusesResp,
    GetSlotResp,
    GetStakeMinimumDelegationResp,
    GetTransactionResp,
    IsBlockhashValidResp,
    RpcBlockhash,
    RpcKeyedAccount,
    RpcResponseContext,
    RpcSimulateTransactionResult,
    SendTransactionResp,
)
from solders.signature import Signature
from solders.transaction import VersionedTransaction
from solders.transaction_metadata import FailedTransactionMetadata
from solders.transaction_status import (
    EncodedConfirmedTransactionWithStatusMeta,
    EncodedTransactionWithStatusMeta,
    TransactionConfirmationStatus,
    TransactionErrorFieldless,
    TransactionStatus,
    UiLoadedAddresses,
    UiTransactionStatusMeta,
)

from .backend import Commitment
from .errors import BackendError, BlockhashExpired, TransactionFailed
from .litesvm_backend import LiteSvmBackend

_CONFIRMATION = {
    Commitment.PROCESSED: TransactionConfirmationStatus.Processed,
    Commitment.CONFIRMED: TransactionConfirmationStatus.Confirmed,
    Commitment.FINALIZED: TransactionConfirmationStatus.Finalized,
}

Handler = Callable[[list[Any]], str]


class RpcError(Exception):
    """A JSON-RPC error answer."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data


class LiteSvmRpcServer:
    """Serve ``backend`` over HTTP JSON-RPC on ``host:port`` (port 0 picks a free one).

    Use as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(self, backend: LiteSvmBackend, host: str = "127.0.0.1", port: int = 0) -> None:
        self.backend = backend
        self.requests_served = 0
        self._methods: dict[str, Handler] = {
            "getHealth": lambda p: json.dumps("ok"),
            "getSlot": self._get_slot,
            "getBlock": self._get_block,
            "getSignaturesForAddress": self._get_signatures_for_address,
            "getBlockHeight": self._get_block_height,
            "getLatestBlockhash": self._get_latest_blockhash,
            "isBlockhashValid": self._is_blockhash_valid,
            "getAccountInfo": self._get_account_info,
            "getMultipleAccounts": self._get_multiple_accounts,
            "getProgramAccounts": self._get_program_accounts,
            "getBalance": self._get_balance,
            "getMinimumBalanceForRentExemption": self._get_min_rent,
            "getStakeMinimumDelegation": self._get_min_delegation,
            "sendTransaction": self._send_transaction,
            "getSignatureStatuses": self._get_signature_statuses,
            "getTransaction": self._get_transaction,
        }
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # one response = headers + body in two writes: without NODELAY, Nagle and
                # delayed ACKs add ~40 ms to every request.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = server.handle_body(self.rfile.read(length))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._httpd = ThreadingHTTPServer((host, port), _Handler)
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> LiteSvmRpcServer:
        """Serve in a background thread."""
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> LiteSvmRpcServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- dispatch --------------------------------------------------------------------------

    def handle_body(self, raw: bytes) -> bytes:
        """Answer one JSON-RPC request or batch."""
        try:
            req = json.loads(raw)
        except ValueError:
            return json.dumps(_error(None, RpcError(-32700, "Parse error"))).encode()
        if isinstance(req, list):
            return ("[" + ",".join(self._one(r) for r in req) + "]").encode()
        return self._one(req).encode()

    def _one(self, req: Any) -> str:
        self.requests_served += 1
        rid = req.get("id") if isinstance(req, dict) else None
        method = req.get("method") if isinstance(req, dict) else None
        handler = self._methods.get(method) if isinstance(method, str) else None
        if handler is None:
            return json.dumps(_error(rid, RpcError(-32601, f"Method not found: {method}")))
        params = req.get("params") or []
        try:
            result_json = handler(params)
        except RpcError as exc:
            return json.dumps(_error(rid, exc))
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            return json.dumps(_error(rid, RpcError(-32602, f"Invalid params: {exc}")))
        return f'{{"jsonrpc":"2.0","result":{result_json},"id":{json.dumps(rid)}}}'

    def _ctx(self) -> RpcResponseContext:
        return RpcResponseContext(self.backend.slot)

    # --- methods (each returns the JSON of ``result``) --------------------------------------

    def _get_slot(self, p: list[Any]) -> str:
        level = _commitment(p[0] if p else None, self.backend.commitment)
        with self.backend._lock:
            return _result(GetSlotResp(self.backend.slot_at(level)).to_json())

    def _get_block(self, p: list[Any]) -> str:
        slot = int(p[0])
        config = p[1] if len(p) > 1 and isinstance(p[1], dict) else {}
        level = _commitment(config, Commitment.FINALIZED)
        with self.backend._lock:
            reached = slot <= self.backend.slot_at(max(level, Commitment.CONFIRMED))
        block = self.backend.block_sync(slot) if reached else None
        if block is None:
            raise RpcError(-32004, f"Block not available for slot {slot}")
        return json.dumps(
            {
                "blockhash": block.blockhash,
                "previousBlockhash": "",
                "parentSlot": block.parent_slot,
                "blockHeight": block.block_height,
                "blockTime": block.block_time,
                "signatures": block.signatures,
            }
        )

    def _get_signatures_for_address(self, p: list[Any]) -> str:
        address = Pubkey.from_string(str(p[0]))
        config = p[1] if len(p) > 1 and isinstance(p[1], dict) else {}
        limit = int(config.get("limit", 1000))
        level = _commitment(config, Commitment.FINALIZED)
        with self.backend._lock:
            top = self.backend.slot_at(level)
        found = self.backend.signatures_for_address_sync(address, 0, top)
        found.sort(key=lambda a: a.slot, reverse=True)  # newest first, like a node
        before = config.get("before")
        if before is not None:
            names = [a.signature for a in found]
            found = found[names.index(before) + 1 :] if before in names else []
        return json.dumps(
            [
                {
                    "signature": a.signature,
                    "slot": a.slot,
                    "err": a.err,
                    "memo": None,
                    "blockTime": self.backend.unix_time_at(a.slot),
                }
                for a in found[:limit]
            ]
        )

    def _get_block_height(self, p: list[Any]) -> str:
        return _result(GetBlockHeightResp(self.backend.slot).to_json())

    def _get_latest_blockhash(self, p: list[Any]) -> str:
        bh = self.backend.latest_blockhash_sync()
        resp = GetLatestBlockhashResp(
            RpcBlockhash(bh.blockhash, bh.last_valid_block_height), self._ctx()
        )
        return _result(resp.to_json())

    def _is_blockhash_valid(self, p: list[Any]) -> str:
        valid = self.backend.is_blockhash_valid_sync(Hash.from_string(p[0]))
        return _result(IsBlockhashValidResp(valid).to_json())

    def _account(self, pk: Pubkey) -> Account | None:
        with self.backend._lock:
            acct = self.backend.svm.get_account(pk)
        if acct is None or (acct.lamports == 0 and not acct.data):
            return None
        return acct

    def _get_account_info(self, p: list[Any]) -> str:
        acct = self._account(Pubkey.from_string(p[0]))
        return _result(GetAccountInfoResp(acct, self._ctx()).to_json())

    def _get_multiple_accounts(self, p: list[Any]) -> str:
        accts = [self._account(Pubkey.from_string(k)) for k in p[0]]
        return _result(GetMultipleAccountsResp(accts, self._ctx()).to_json())

    def _get_program_accounts(self, p: list[Any]) -> str:
        program = Pubkey.from_string(p[0])
        cfg = p[1] if len(p) > 1 and isinstance(p[1], dict) else {}
        filters = cfg.get("filters") or []
        with self.backend._lock:
            found = self.backend.svm.get_program_accounts(program)
        keyed = []
        for pk, acct in found:
            data = bytes(acct.data)
            if all(_filter_ok(f, data) for f in filters):
                keyed.append(RpcKeyedAccount(pk, acct))
        return _result(GetProgramAccountsResp(keyed).to_json())

    def _get_balance(self, p: list[Any]) -> str:
        with self.backend._lock:
            lamports = self.backend.svm.get_balance(Pubkey.from_string(p[0])) or 0
        return _result(GetBalanceResp(lamports, self._ctx()).to_json())

    def _get_min_rent(self, p: list[Any]) -> str:
        with self.backend._lock:
            value = int(self.backend.svm.minimum_balance_for_rent_exemption(int(p[0])))
        return _result(GetMinimumBalanceForRentExemptionResp(value).to_json())

    def _get_min_delegation(self, p: list[Any]) -> str:
        value = self.backend.minimum_delegation_sync()
        return _result(GetStakeMinimumDelegationResp(value, self._ctx()).to_json())

    def _send_transaction(self, p: list[Any]) -> str:
        cfg = p[1] if len(p) > 1 and isinstance(p[1], dict) else {}
        enc = cfg.get("encoding", "base58")
        raw = base64.b64decode(p[0]) if enc == "base64" else _b58decode(p[0])
        tx = VersionedTransaction.from_bytes(raw)
        b = self.backend
        with b._lock:
            if not cfg.get("skipPreflight", False):
                if not b.is_blockhash_valid_sync(tx.message.recent_blockhash):
                    raise _preflight(TransactionErrorFieldless.BlockhashNotFound, [])
                sim = b.svm.simulate_transaction(tx)
                if isinstance(sim, FailedTransactionMetadata):
                    raise _preflight(sim.err(), list(sim.meta().logs()))
            try:
                b.process_sync(tx)
            except BlockhashExpired:
                raise _preflight(TransactionErrorFieldless.BlockhashNotFound, []) from None
            except TransactionFailed as exc:
                raise RpcError(
                    -32003, f"Transaction signature verification failure: {exc}"
                ) from None
            except BackendError as exc:
                raise RpcError(-32002, str(exc)) from None
        return _result(SendTransactionResp(tx.signatures[0]).to_json())

    def _get_signature_statuses(self, p: list[Any]) -> str:
        statuses: list[TransactionStatus | None] = []
        for s in p[0]:
            sig = Signature.from_string(s)
            st = self.backend.status_sync(sig)
            rec = self.backend.executed(sig)
            if st is None or rec is None:
                statuses.append(None)
                continue
            err: Any = rec.err
            statuses.append(
                TransactionStatus(
                    slot=st.slot,
                    confirmations=None
                    if st.commitment is Commitment.FINALIZED
                    else self.backend.slot - st.slot,
                    status=err,
                    err=err,
                    confirmation_status=_CONFIRMATION[st.commitment],
                )
            )
        return _result(GetSignatureStatusesResp(statuses, self._ctx()).to_json())

    def _get_transaction(self, p: list[Any]) -> str:
        sig = Signature.from_string(p[0])
        cfg = p[1] if len(p) > 1 and isinstance(p[1], dict) else {}
        want = Commitment.parse(cfg.get("commitment", "finalized"))
        st = self.backend.status_sync(sig)
        rec = self.backend.executed(sig)
        if st is None or rec is None or st.commitment < max(want, Commitment.CONFIRMED):
            return _result(GetTransactionResp(None).to_json())
        err: Any = rec.err
        meta = UiTransactionStatusMeta(
            err=err,
            fee=rec.meta.fee(),
            pre_balances=rec.pre_balances,
            post_balances=rec.post_balances,
            inner_instructions=[],
            log_messages=list(rec.meta.logs()),
            pre_token_balances=[],
            post_token_balances=[],
            rewards=[],
            loaded_addresses=UiLoadedAddresses([], []),
            compute_units_consumed=rec.meta.compute_units_consumed(),
        )
        encoded = EncodedConfirmedTransactionWithStatusMeta(
            slot=rec.slot,
            transaction=EncodedTransactionWithStatusMeta(rec.tx, meta, 0),  # type: ignore[arg-type]
            block_time=rec.block_time,
        )
        return _result(GetTransactionResp(encoded).to_json())


def _commitment(config: Any, default: Commitment) -> Commitment:
    """The ``commitment`` of a JSON-RPC config object (``default`` when absent)."""
    if isinstance(config, dict) and isinstance(config.get("commitment"), str):
        return Commitment.parse(config["commitment"])
    return default


def _result(resp_json: str) -> str:
    """Extract the ``result`` member from a solders response's full JSON-RPC envelope."""
    return json.dumps(json.loads(resp_json)["result"])


def _error(rid: Any, exc: RpcError) -> dict[str, Any]:
    err: dict[str, Any] = {"code": exc.code, "message": exc.message}
    if exc.data is not None:
        err["data"] = exc.data
    return {"jsonrpc": "2.0", "error": err, "id": rid}


def _preflight(err: Any, logs: list[str]) -> RpcError:
    sim = RpcSimulateTransactionResult(err, logs, None, None, None)  # type: ignore[call-arg]
    msg = SendTransactionPreflightFailureMessage(f"Transaction simulation failed: {err}", sim)
    body = json.loads(msg.to_json())
    return RpcError(-32002, body["message"], body["data"])


def _filter_ok(f: dict[str, Any], data: bytes) -> bool:
    if "dataSize" in f:
        return len(data) == int(f["dataSize"])
    m = f.get("memcmp")
    if m is None:
        return True
    raw = m["bytes"]
    want = base64.b64decode(raw) if m.get("encoding") == "base64" else _b58decode(raw)
    off = int(m["offset"])
    return data[off : off + len(want)] == want


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _b58decode(text: str) -> bytes:
    """Bitcoin-alphabet base58 (as Solana uses) to bytes."""
    n = 0
    for ch in text:
        idx = _B58.find(ch)
        if idx < 0:
            raise ValueError(f"invalid base58 character {ch!r}")
        n = n * 58 + idx
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    pad = len(text) - len(text.lstrip("1"))
    return b"\x00" * pad + body
