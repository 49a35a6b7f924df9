"""Web3 construction and a retry policy for JSON-RPC faults (drops, timeouts, node errors)."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
from omnistake.chains.ethereum.errors import RpcError
from web3 import AsyncHTTPProvider, AsyncWeb3
from web3.exceptions import ContractLogicError, Web3RPCError

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Errors that mean "the transport failed; the same call may succeed when repeated".
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    aiohttp.ClientError,
    asyncio.TimeoutError,
    ConnectionError,
    OSError,
)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential back-off for idempotent RPC reads."""

    attempts: int = 8
    first_delay: float = 0.05
    max_delay: float = 2.0

    def delay(self, attempt: int) -> float:
        """Back-off before retry number ``attempt`` (1-based), with a little jitter."""
        base: float = min(self.max_delay, self.first_delay * (2 ** (attempt - 1)))
        return base * (0.75 + random.random() / 2)


def is_transient(exc: BaseException) -> bool:
    """True for transport faults and node-side errors that a repeat may clear."""
    if isinstance(exc, ContractLogicError):
        return False
    if isinstance(exc, TRANSIENT_ERRORS):
        return True
    if isinstance(exc, JsonRpcError):
        text = exc.message.lower()
        return exc.code in (-32005, -32603) or any(
            k in text for k in ("timeout", "temporarily", "rate limit", "busy", "unavailable")
        )
    if isinstance(exc, Web3RPCError):
        text = str(exc).lower()
        return any(k in text for k in ("timeout", "temporarily", "rate", "busy", "unavailable"))
    return False


async def with_retries(
    call: Callable[[], Awaitable[T]], *, what: str, policy: RetryPolicy | None = None
) -> T:
    """Run an idempotent RPC read, retrying transient faults; raise :class:`RpcError` at the end."""
    pol = policy or RetryPolicy()
    last: BaseException | None = None
    for attempt in range(1, pol.attempts + 1):
        try:
            return await call()
        except Exception as exc:
            if not is_transient(exc):
                raise
            last = exc
            log.debug("rpc %s failed (attempt %d/%d): %s", what, attempt, pol.attempts, exc)
            if attempt < pol.attempts:
                await asyncio.sleep(pol.delay(attempt))
    raise RpcError(f"{what} failed after {pol.attempts} attempts: {type(last).__name__}: {last}")


def make_web3(url: str, *, timeout: float = 10.0) -> AsyncWeb3[AsyncHTTPProvider]:
    """An AsyncWeb3 on ``url`` with web3's own retries off (callers use :func:`with_retries`)."""
    provider = AsyncHTTPProvider(
        url,
        request_kwargs={"timeout": aiohttp.ClientTimeout(total=timeout)},
        exception_retry_configuration=None,
    )
    return AsyncWeb3(provider)


class JsonRpcError(RpcError):
    """The node answered with a JSON-RPC error object (e.g. an eth_call revert)."""

    reason = "RPC_ERROR"

    def __init__(self, method: str, code: int, message: str, data: str | None) -> None:
        super().__init__(f"{method}: node error {code}: {message}")
        self.code = code
        self.message = message
        self.data = data


async def raw_request(w3: AsyncWeb3[AsyncHTTPProvider], method: str, params: list[Any]) -> Any:
    """One JSON-RPC request without web3's result formatting; errors raise JsonRpcError."""
    resp = await w3.provider.make_request(method, params)  # type: ignore[arg-type]
    err = resp.get("error")
    if err:
        data = err.get("data") if isinstance(err, dict) else None
        if isinstance(data, dict):
            data = data.get("data")
        code = int(err.get("code", 0)) if isinstance(err, dict) else 0
        msg = str(err.get("message", err)) if isinstance(err, dict) else str(err)
        raise JsonRpcError(method, code, msg, data if isinstance(data, str) else None)
    return resp.get("result")
