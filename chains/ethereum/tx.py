"""Send transactions exactly once per operation id.

:class:`TxSender` handles nonces, gas estimation, fees, retries of transport faults and
receipt checks. Before a signed transaction is broadcast, its hash and raw bytes are stored
under the caller's operation id (:class:`TxStore`, SQLite). A repeat of the same operation
id, even after a crash, waits for or re-broadcasts that same signed transaction and never
signs a second one, so at most one transaction per operation can land.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import sqlite3
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_utils.crypto import keccak
from omnistake.chains.ethereum.errors import (
    OperationConflict,
    RpcError,
    TransactionError,
    TransactionReverted,
    TransactionTimeout,
)
from omnistake.chains.ethereum.rpc import RetryPolicy, with_retries
from omnistake.chains.ethereum.signer import Signer
from omnistake.chains.ethereum.toolchain import CORE_CONTRACTS, Toolchain
from web3 import AsyncHTTPProvider, AsyncWeb3
from web3.exceptions import ContractCustomError, ContractLogicError, TransactionNotFound

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- revert decoding


class ErrorDecoder:
    """Maps 4-byte custom-error selectors from the compiled ABIs to their names."""

    def __init__(self, abis: list[list[dict[str, Any]]]) -> None:
        self._names: dict[bytes, str] = {}
        for abi in abis:
            for item in abi:
                if item.get("type") != "error":
                    continue
                sig = f"{item['name']}({','.join(_abi_type(i) for i in item['inputs'])})"
                self._names[keccak(text=sig)[:4]] = item["name"]
        self._names[bytes.fromhex("08c379a0")] = "Error"
        self._names[bytes.fromhex("4e487b71")] = "Panic"

    @classmethod
    def from_toolchain(cls, toolchain: Toolchain) -> ErrorDecoder:
        """Every custom error of the Symbiotic core and the test token."""
        return cls([toolchain.abi(n) for n in CORE_CONTRACTS])

    def name(self, data: str | bytes | None) -> str | None:
        """Error name for revert ``data`` (hex or bytes), or None when unknown/empty."""
        if data is None:
            return None
        raw = (
            bytes.fromhex(data[2:] if data.startswith("0x") else data)
            if isinstance(data, str)
            else data
        )
        if len(raw) < 4:
            return None
        return self._names.get(raw[:4])


def _abi_type(item: dict[str, Any]) -> str:
    t = str(item["type"])
    if t.startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in item["components"])
        return f"({inner}){t[5:]}"
    return t


def _revert_data(exc: BaseException) -> str | None:
    data = getattr(exc, "data", None)
    if isinstance(data, str) and data.startswith("0x"):
        return data
    if isinstance(data, dict):
        inner = data.get("data")
        if isinstance(inner, str):
            return inner
    msg = exc.args[0] if exc.args else None
    if isinstance(msg, str) and msg.startswith("0x"):
        return msg
    return None


def revert_from(exc: BaseException, decoder: ErrorDecoder | None, what: str) -> TransactionReverted:
    """Turn a web3 contract error into :class:`TransactionReverted` with the decoded name."""
    data = _revert_data(exc)
    name = decoder.name(data) if decoder else None
    label = name or (data if data and data != "0x" else "no revert data")
    return TransactionReverted(f"{what} reverted: {label}", error_name=name)


# --------------------------------------------------------------------------- persistence


@dataclass(frozen=True)
class TxRecord:
    """One stored operation: which signed transaction stands for it."""

    op_id: str
    sender: str
    nonce: int
    tx_hash: str
    digest: str
    raw: str = field(repr=False)
    status: str = "sent"


class TxStore:
    """SQLite table ``op id -> signed transaction``; ``":memory:"`` for throw-away use."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL") if str(path) != ":memory:" else None
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS eth_tx (op_id TEXT PRIMARY KEY, sender TEXT NOT NULL,"
            " nonce INTEGER NOT NULL, tx_hash TEXT NOT NULL, digest TEXT NOT NULL,"
            " raw TEXT NOT NULL, status TEXT NOT NULL)"
        )

    def get(self, op_id: str) -> TxRecord | None:
        """The record of ``op_id`` or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT op_id, sender, nonce, tx_hash, digest, raw, status"
                " FROM eth_tx WHERE op_id=?",
                (op_id,),
            ).fetchone()
        return TxRecord(*row) if row else None

    def put(self, rec: TxRecord) -> None:
        """Insert a new record; an existing op id is an :class:`OperationConflict`."""
        with self._lock:
            try:
                self._db.execute(
                    "INSERT INTO eth_tx VALUES (?,?,?,?,?,?,?)",
                    (
                        rec.op_id,
                        rec.sender,
                        rec.nonce,
                        rec.tx_hash,
                        rec.digest,
                        rec.raw,
                        rec.status,
                    ),
                )
            except sqlite3.IntegrityError:
                raise OperationConflict(f"operation {rec.op_id!r} already recorded") from None

    def set_status(self, op_id: str, status: str) -> None:
        """Mark an operation ``mined``, ``reverted`` or ``dropped``."""
        with self._lock:
            self._db.execute("UPDATE eth_tx SET status=? WHERE op_id=?", (status, op_id))

    def delete(self, op_id: str) -> None:
        """Forget an operation whose transaction provably never reached the chain."""
        with self._lock:
            self._db.execute("DELETE FROM eth_tx WHERE op_id=?", (op_id,))

    def count(self) -> int:
        """Number of stored operations."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM eth_tx").fetchone()[0])

    def close(self) -> None:
        """Close the database."""
        self._db.close()


# --------------------------------------------------------------------------- sending


@dataclass(frozen=True)
class TxResult:
    """A mined, successful transaction."""

    op_id: str
    tx_hash: str
    block_number: int
    block_hash: str
    gas_used: int
    logs: list[Any] = field(repr=False, default_factory=list)
    contract_address: str | None = None
    reused: bool = False


def _digest(sender: str, tx: dict[str, Any]) -> str:
    body = {
        "from": sender.lower(),
        "to": (tx.get("to") or "").lower(),
        "data": tx.get("data", "0x"),
        "value": int(tx.get("value", 0)),
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


class TxSender:
    """Builds, signs, sends and confirms transactions of one signer."""

    def __init__(
        self,
        w3: AsyncWeb3[AsyncHTTPProvider],
        signer: Signer,
        *,
        store: TxStore | None = None,
        decoder: ErrorDecoder | None = None,
        gas_multiplier_pct: int = 150,
        gas_margin: int = 100_000,
        priority_fee_wei: int = 10**9,
        retry: RetryPolicy | None = None,
        receipt_timeout: float = 60.0,
        poll_interval: float = 0.05,
    ) -> None:
        self.w3 = w3
        self.signer = signer
        self.store = store or TxStore()
        self.decoder = decoder
        self.gas_multiplier_pct = gas_multiplier_pct
        self.gas_margin = gas_margin
        self.priority_fee_wei = priority_fee_wei
        self.retry = retry or RetryPolicy()
        self.receipt_timeout = receipt_timeout
        self.poll_interval = poll_interval
        self._lock = asyncio.Lock()
        self._chain_id: int | None = None

    @property
    def address(self) -> str:
        """The signer's address."""
        return self.signer.address

    def __repr__(self) -> str:
        return f"TxSender(address={self.address})"

    async def send(
        self,
        tx: dict[str, Any],
        *,
        op_id: str | None = None,
        what: str = "transaction",
        gas: int | None = None,
    ) -> TxResult:
        """Send ``tx`` (``to``, ``data``, optional ``value``) once for ``op_id`` and confirm it.

        Without ``op_id`` a random one is used (no idempotency across calls). A reverting
        call is reported by gas estimation as :class:`TransactionReverted` and nothing is sent.
        """
        op = op_id or f"anon:{uuid.uuid4().hex}"
        digest = _digest(self.address, tx)
        async with self._lock:
            rec = self.store.get(op)
            if rec is not None:
                if rec.digest != digest or rec.sender != self.address:
                    raise OperationConflict(
                        f"operation {op!r} was recorded for a different transaction ({what})"
                    )
                return await self._resume(rec, what)
            rec = await self._sign_new(op, tx, digest, what, gas)
            self.store.put(rec)
            await self._broadcast(rec, what)
        return await self._confirm(rec, what, reused=False)

    async def _sign_new(
        self, op: str, tx: dict[str, Any], digest: str, what: str, gas: int | None
    ) -> TxRecord:
        w3 = self.w3
        if self._chain_id is None:
            self._chain_id = int(
                await with_retries(lambda: w3.eth.chain_id, what="eth_chainId", policy=self.retry)
            )
        chain_nonce = int(
            await with_retries(
                lambda: w3.eth.get_transaction_count(self.address, "pending"),  # type: ignore[arg-type]
                what="eth_getTransactionCount",
                policy=self.retry,
            )
        )
        # Sends of one signer are serialised and each waits for its receipt, so the node's
        # pending count is the next nonce (and stays right after a reorg).
        nonce = chain_nonce
        full: dict[str, Any] = {
            "from": self.address,
            "to": tx.get("to"),
            "data": tx.get("data", "0x"),
            "value": int(tx.get("value", 0)),
            "nonce": nonce,
            "chainId": self._chain_id,
        }
        if full["to"] is None:
            full.pop("to")
        if gas is None:
            call = {k: full[k] for k in ("from", "to", "data", "value") if k in full}
            try:
                estimate = await with_retries(
                    lambda: w3.eth.estimate_gas(call),  # type: ignore[arg-type]
                    what="eth_estimateGas",
                    policy=self.retry,
                )
            except (ContractLogicError, ContractCustomError) as exc:
                raise revert_from(exc, self.decoder, what) from None
            # Estimates run at the latest block's timestamp; a checkpoint written one second
            # later takes a fresh storage slot, so leave room (unused gas is not charged).
            gas = int(estimate) * self.gas_multiplier_pct // 100 + self.gas_margin
        block = await with_retries(
            lambda: w3.eth.get_block("latest"), what="eth_getBlock", policy=self.retry
        )
        base_fee = int(block.get("baseFeePerGas", 0) or 0)
        tip = self.priority_fee_wei
        full.update({"gas": gas, "maxPriorityFeePerGas": tip, "maxFeePerGas": 2 * base_fee + tip})
        full.pop("from")
        raw, tx_hash = self.signer.sign_transaction(full)
        return TxRecord(
            op_id=op,
            sender=self.address,
            nonce=nonce,
            tx_hash="0x" + tx_hash.hex(),
            digest=digest,
            raw="0x" + raw.hex(),
        )

    async def _broadcast(self, rec: TxRecord, what: str) -> None:
        w3 = self.w3
        try:
            await with_retries(
                lambda: w3.eth.send_raw_transaction(rec.raw),  # type: ignore[arg-type]
                what=f"eth_sendRawTransaction ({what})",
                policy=self.retry,
            )
        except RpcError:
            raise  # the transport kept failing: the record stays, a repeat re-broadcasts it
        except Exception as exc:
            text = str(exc).lower()
            if "already known" in text or "already imported" in text:
                return
            if "nonce too low" in text:
                if await self._receipt(rec.tx_hash) is not None:
                    return  # ours was mined already
                # Another transaction used this nonce; ours can never land: forget it.
                self.store.delete(rec.op_id)
                raise TransactionError(
                    f"{what}: nonce {rec.nonce} already used by another transaction; retry",
                    reason="NONCE_CONSUMED",
                ) from None
            if not await self._known(rec.tx_hash):
                # Refused outright (e.g. insufficient funds): it is nowhere, so forget it and
                # let a repeat of the operation sign afresh.
                self.store.delete(rec.op_id)
            raise TransactionError(
                f"{what}: node refused the transaction: {exc}", reason="TX_REFUSED"
            ) from None

    async def _known(self, tx_hash: str) -> bool:
        w3 = self.w3
        try:
            await with_retries(
                lambda: w3.eth.get_transaction(tx_hash),  # type: ignore[arg-type]
                what="eth_getTransactionByHash",
                policy=self.retry,
            )
        except TransactionNotFound:
            return False
        return True

    async def _receipt(self, tx_hash: str) -> Any | None:
        w3 = self.w3
        try:
            return await with_retries(
                lambda: w3.eth.get_transaction_receipt(tx_hash),  # type: ignore[arg-type]
                what="eth_getTransactionReceipt",
                policy=self.retry,
            )
        except TransactionNotFound:
            return None

    async def _resume(self, rec: TxRecord, what: str) -> TxResult:
        receipt = await self._receipt(rec.tx_hash)
        if receipt is None:
            # Not mined (dropped from the pool, or never broadcast before a crash):
            # re-broadcast the very same signed bytes, never a new transaction.
            await self._broadcast(rec, what)
        return await self._confirm(rec, what, reused=True)

    async def _confirm(self, rec: TxRecord, what: str, *, reused: bool) -> TxResult:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.receipt_timeout
        receipt = await self._receipt(rec.tx_hash)
        while receipt is None:
            if loop.time() > deadline:
                raise TransactionTimeout(
                    f"{what}: no receipt for {rec.tx_hash} after {self.receipt_timeout:.0f} s;"
                    f" calling again with operation id {rec.op_id!r} keeps waiting for it"
                )
            await asyncio.sleep(self.poll_interval)
            receipt = await self._receipt(rec.tx_hash)
        if int(receipt["status"]) != 1:
            self.store.set_status(rec.op_id, "reverted")
            name = await self._replay_revert(rec, receipt)
            raise TransactionReverted(
                f"{what} reverted on chain in {rec.tx_hash}: {name or 'unknown error'}",
                error_name=name,
                tx_hash=rec.tx_hash,
            )
        self.store.set_status(rec.op_id, "mined")
        return TxResult(
            op_id=rec.op_id,
            tx_hash=rec.tx_hash,
            block_number=int(receipt["blockNumber"]),
            block_hash="0x" + bytes(receipt["blockHash"]).hex(),
            gas_used=int(receipt["gasUsed"]),
            logs=list(receipt["logs"]),
            contract_address=receipt.get("contractAddress"),
            reused=reused,
        )

    async def _replay_revert(self, rec: TxRecord, receipt: Any) -> str | None:
        try:
            tx = await self.w3.eth.get_transaction(rec.tx_hash)  # type: ignore[arg-type]
            call = {
                "from": tx["from"],
                "to": tx.get("to"),
                "data": tx["input"],
                "value": tx["value"],
            }
            await self.w3.eth.call(call, block_identifier=int(receipt["blockNumber"]) - 1)  # type: ignore[arg-type]
        except (ContractLogicError, ContractCustomError) as exc:
            return self.decoder.name(_revert_data(exc)) if self.decoder else None
        except Exception:
            return None
        return None
