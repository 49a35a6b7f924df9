"""Real clusters through solana-py's async JSON-RPC client.

* every call is retried on transport errors (exponential backoff), then ``RPC_UNAVAILABLE``;
* ``send`` runs preflight at the backend commitment, then polls signature status until that
  commitment, raising ``TRANSACTION_FAILED`` (with the cluster's error and logs),
  ``BLOCKHASH_EXPIRED`` once the block height passes the blockhash's last valid height, or
  ``CONFIRMATION_TIMEOUT``;
* RPC error answers become :class:`~omnistake.chains.solana.errors.BackendError`.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from solders.account import Account
from solders.hash import Hash
from solders.pubkey import Pubkey
from solders.rpc.errors import SendTransactionPreflightFailureMessage
from solders.signature import Signature
from solders.transaction import VersionedTransaction
from solders.transaction_status import TransactionConfirmationStatus

from solana.exceptions import SolanaRpcException
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Commitment as RpcCommitment
from solana.rpc.core import RPCException
from solana.rpc.jsonrpc import JsonRpcRequest, SolanaJsonRpcError
from solana.rpc.models import MemcmpOpts, TxOpts

from .backend import (
    CLOCK_SYSVAR,
    AddressSignature,
    BlockhashInfo,
    BlockInfo,
    ClockInfo,
    Commitment,
    SignatureStatus,
    TxOutcome,
    TxRecord,
    build_tx_record,
    format_tx_error,
)
from .errors import (
    BackendError,
    BlockhashExpired,
    ConfirmationTimeout,
    RpcUnavailable,
    TransactionFailed,
)

T = TypeVar("T")

#: JSON-RPC codes for "slot skipped" / "slot skipped or missing in long-term storage".
SKIPPED_SLOT_CODES = frozenset({-32007, -32009})
SIGNATURE_PAGE = 1000

_FROM_SOLDERS = {
    int(TransactionConfirmationStatus.Processed): Commitment.PROCESSED,
    int(TransactionConfirmationStatus.Confirmed): Commitment.CONFIRMED,
    int(TransactionConfirmationStatus.Finalized): Commitment.FINALIZED,
}
_BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58encode(data: bytes) -> str:
    """Bitcoin-alphabet base58 (for memcmp filters)."""
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = _BASE58_ALPHABET[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


class RpcBackend:
    """:class:`~omnistake.chains.solana.backend.SvmBackend` over JSON-RPC."""

    def __init__(
        self,
        endpoint: str,
        *,
        commitment: Commitment | str = Commitment.FINALIZED,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.25,
        poll_interval: float = 0.4,
        confirm_timeout: float = 90.0,
        client: AsyncClient | None = None,
    ) -> None:
        self.commitment = Commitment.parse(commitment)
        self.endpoint = endpoint
        self.retries = retries
        self.backoff = backoff
        self.poll_interval = poll_interval
        self.confirm_timeout = confirm_timeout
        self.client = client or AsyncClient(
            endpoint,
            commitment=RpcCommitment(self.commitment.rpc_name),
            timeout=timeout,
            http2=False,
        )
        self._issued: OrderedDict[Hash, int] = OrderedDict()

    async def close(self) -> None:
        """Close the HTTP session."""
        await self.client.close()

    async def __aenter__(self) -> RpcBackend:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def _c(self) -> RpcCommitment:
        return RpcCommitment(self.commitment.rpc_name)

    async def _call(self, what: str, fn: Callable[[], Awaitable[T]]) -> T:
        """Run one RPC call with retries on transport errors and typed error mapping."""
        delay = self.backoff
        for attempt in range(self.retries + 1):
            try:
                return await fn()
            except SolanaRpcException as exc:
                if attempt == self.retries:
                    raise RpcUnavailable(
                        f"{what}: {self.endpoint} unreachable after {attempt + 1} attempts"
                        f" ({exc.__cause__.__class__.__name__})"
                    ) from None
                await asyncio.sleep(delay)
                delay *= 2
            except RPCException as exc:
                raise _map_rpc_error(what, exc) from None
        raise RpcUnavailable(f"{what}: no attempt made")  # pragma: no cover - retries >= 0

    # --- reads -----------------------------------------------------------------------------

    async def get_account(self, pubkey: Pubkey) -> Account | None:
        """One account."""
        resp = await self._call(
            "getAccountInfo",
            lambda: self.client.get_account_info(pubkey, self._c, encoding="base64"),
        )
        return resp.value

    async def get_accounts(self, pubkeys: Sequence[Pubkey]) -> list[Account | None]:
        """Several accounts, 100 per request."""
        out: list[Account | None] = []
        for i in range(0, len(pubkeys), 100):
            chunk = list(pubkeys[i : i + 100])
            resp = await self._call(
                "getMultipleAccounts",
                lambda chunk=chunk: self.client.get_multiple_accounts(  # type: ignore[misc]
                    chunk, self._c, encoding="base64"
                ),
            )
            out.extend(resp.value)
        return out

    async def get_program_accounts(
        self, program_id: Pubkey, memcmp: Sequence[tuple[int, bytes]] = ()
    ) -> list[tuple[Pubkey, Account]]:
        """Program accounts with server-side memcmp filters."""
        filters: list[int | MemcmpOpts] = [
            MemcmpOpts(offset=off, bytes=b58encode(b)) for off, b in memcmp
        ]
        resp = await self._call(
            "getProgramAccounts",
            lambda: self.client.get_program_accounts(
                program_id, self._c, encoding="base64", filters=filters
            ),
        )
        return [(k.pubkey, k.account) for k in resp.value]

    async def get_balance(self, pubkey: Pubkey) -> int:
        """Lamports."""
        resp = await self._call("getBalance", lambda: self.client.get_balance(pubkey, self._c))
        return int(resp.value)

    async def latest_blockhash(self) -> BlockhashInfo:
        """A blockhash at the backend commitment; remembered for expiry checks in send."""
        resp = await self._call(
            "getLatestBlockhash", lambda: self.client.get_latest_blockhash(self._c)
        )
        info = BlockhashInfo(resp.value.blockhash, resp.value.last_valid_block_height)
        self._issued[info.blockhash] = info.last_valid_block_height
        while len(self._issued) > 1024:
            self._issued.popitem(last=False)
        return info

    async def get_block_height(self) -> int:
        """Block height at the backend commitment."""
        resp = await self._call("getBlockHeight", lambda: self.client.get_block_height(self._c))
        return int(resp.value)

    async def get_clock(self) -> ClockInfo:
        """The Clock sysvar account, decoded."""
        acct = await self.get_account(CLOCK_SYSVAR)
        if acct is None:
            raise BackendError("the cluster has no Clock sysvar account")
        return ClockInfo.from_account_data(bytes(acct.data))

    async def _raw(self, method: str, params: list[object], result_type: Any) -> Any:
        """A raw JSON-RPC call (retries as :meth:`_call`); RPC errors become BackendError
        with the JSON-RPC code in ``rpc_code``."""
        req = JsonRpcRequest(method=method, params=params)
        try:
            return await self._call(method, lambda: self.client.send_rpc_request(req, result_type))
        except SolanaJsonRpcError as exc:
            err = BackendError(f"{method}: {exc.message}", reason="RPC_ERROR")
            err.rpc_code = exc.code  # type: ignore[attr-defined]
            raise err from None

    async def get_slot(self, commitment: Commitment) -> int:
        """``getSlot`` at ``commitment``."""
        value = await self._raw("getSlot", [{"commitment": commitment.rpc_name}], int)
        return int(value)

    async def get_block(self, slot: int) -> BlockInfo | None:
        """``getBlock`` with signatures only; ``None`` for a skipped slot."""
        level = max(self.commitment, Commitment.CONFIRMED).rpc_name
        config = {
            "encoding": "json",
            "transactionDetails": "signatures",
            "rewards": False,
            "commitment": level,
            "maxSupportedTransactionVersion": 0,
        }
        try:
            block = await self._raw("getBlock", [slot, config], dict)
        except BackendError as exc:
            if getattr(exc, "rpc_code", None) in SKIPPED_SLOT_CODES:
                return None
            raise
        assert isinstance(block, dict)
        return BlockInfo(
            slot=slot,
            blockhash=str(block["blockhash"]),
            parent_slot=int(block["parentSlot"]),
            block_height=block.get("blockHeight"),
            block_time=block.get("blockTime"),
            signatures=[str(s) for s in block.get("signatures") or []],
        )

    async def signatures_for_address(
        self, address: Pubkey, min_slot: int, max_slot: int
    ) -> list[AddressSignature]:
        """``getSignaturesForAddress``, paged back from the newest until ``min_slot``."""
        level = max(self.commitment, Commitment.CONFIRMED).rpc_name
        out: list[AddressSignature] = []
        before: str | None = None
        while True:
            config: dict[str, object] = {"limit": SIGNATURE_PAGE, "commitment": level}
            if before is not None:
                config["before"] = before
            page = await self._raw("getSignaturesForAddress", [str(address), config], list)
            assert isinstance(page, list)
            for item in page:
                slot = int(item["slot"])
                if min_slot <= slot <= max_slot:
                    err = item.get("err")
                    out.append(
                        AddressSignature(
                            str(item["signature"]), slot, None if err is None else str(err)
                        )
                    )
            if len(page) < SIGNATURE_PAGE or int(page[-1]["slot"]) < min_slot:
                return out
            before = str(page[-1]["signature"])

    async def minimum_balance_for_rent_exemption(self, size: int) -> int:
        """Rent-exempt minimum."""
        resp = await self._call(
            "getMinimumBalanceForRentExemption",
            lambda: self.client.get_minimum_balance_for_rent_exemption(size, self._c),
        )
        return int(resp.value)

    async def minimum_delegation(self) -> int:
        """``getStakeMinimumDelegation``."""
        req = JsonRpcRequest(method="getStakeMinimumDelegation", params=[{"commitment": self._c}])
        result = await self._call(
            "getStakeMinimumDelegation", lambda: self.client.send_rpc_request(req, dict)
        )
        return int(result["value"])

    async def signature_status(self, signature: Signature) -> SignatureStatus | None:
        """``getSignatureStatuses`` with history search."""
        resp = await self._call(
            "getSignatureStatuses",
            lambda: self.client.get_signature_statuses(
                [signature], search_transaction_history=True
            ),
        )
        st = resp.value[0]
        if st is None:
            return None
        level = (
            Commitment.PROCESSED
            if st.confirmation_status is None
            else _FROM_SOLDERS[int(st.confirmation_status)]
        )
        err = None if st.err is None else format_tx_error(st.err)
        return SignatureStatus(st.slot, level, err)

    async def get_transaction(self, signature: Signature) -> TxRecord | None:
        """``getTransaction`` (base64, v0 supported) at least at ``confirmed``."""
        level = RpcCommitment(max(self.commitment, Commitment.CONFIRMED).rpc_name)
        resp = await self._call(
            "getTransaction",
            lambda: self.client.get_transaction(
                signature, "base64", level, max_supported_transaction_version=0
            ),
        )
        value = resp.value
        if value is None:
            return None
        tx = value.transaction.transaction
        meta = value.transaction.meta
        if not isinstance(tx, VersionedTransaction) or meta is None:
            raise BackendError(f"getTransaction {signature}: unexpected encoding")
        loaded = meta.loaded_addresses
        return build_tx_record(
            tx,
            slot=value.slot,
            block_time=value.block_time,
            err=None if meta.err is None else format_tx_error(meta.err),
            fee=meta.fee,
            logs=meta.log_messages or [],
            loaded_writable=loaded.writable if loaded else (),
            loaded_readonly=loaded.readonly if loaded else (),
            compute_units=meta.compute_units_consumed,
        )

    # --- send ------------------------------------------------------------------------------

    async def send(self, tx: VersionedTransaction) -> TxOutcome:
        """Preflight, send, and poll until the backend commitment."""
        sig = tx.signatures[0]
        opts = TxOpts(skip_confirmation=True, skip_preflight=False, preflight_commitment=self._c)
        await self._call(
            "sendTransaction", lambda: self.client.send_raw_transaction(bytes(tx), opts)
        )
        last_valid = self._issued.get(tx.message.recent_blockhash)
        started = time.monotonic()
        while True:
            st = await self.signature_status(sig)
            if st is not None and st.err is not None:
                rec = await self.get_transaction(sig)
                raise TransactionFailed(
                    f"transaction {sig} failed: {st.err}",
                    err=st.err,
                    logs=rec.logs if rec else [],
                )
            if st is not None and st.commitment >= self.commitment:
                break
            expired = st is None and last_valid is not None
            if expired and await self.get_block_height() > (last_valid or 0):
                raise BlockhashExpired(
                    f"transaction {sig} not seen before block height {last_valid}"
                )
            if time.monotonic() - started > self.confirm_timeout:
                raise ConfirmationTimeout(
                    f"transaction {sig} not {self.commitment.rpc_name} after"
                    f" {self.confirm_timeout:.0f} s; it may still land"
                )
            await asyncio.sleep(self.poll_interval)
        rec = await self.get_transaction(sig)
        return TxOutcome(
            signature=sig,
            slot=st.slot,
            fee=rec.fee if rec else 0,
            compute_units=(rec.compute_units or 0) if rec else 0,
            size=len(bytes(tx)),
            logs=rec.logs if rec else [],
        )


def _map_rpc_error(what: str, exc: RPCException) -> BackendError:
    err = exc.args[0] if exc.args else exc
    if isinstance(err, SendTransactionPreflightFailureMessage):
        data = err.data
        text = format_tx_error(data.err)
        if "BlockhashNotFound" in text:
            return BlockhashExpired(f"{what}: blockhash not found (expired)")
        return TransactionFailed(
            f"{what}: preflight failed: {text}", err=text, logs=list(data.logs or [])
        )
    message = getattr(err, "message", None) or str(err)
    return BackendError(f"{what}: {message}", reason="RPC_ERROR")
