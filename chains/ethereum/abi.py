"""Fast ABI encoding for contract calls, and raw eth_call on a bound contract.

web3's contract objects re-validate the whole ABI on every call; the hub calls a few view
functions very often (stakeAt, activeStakeAt), so this module precomputes selectors and
types once per ABI and talks JSON-RPC directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from omnistake.chains.ethereum.errors import InvalidParameter, TransactionReverted
from omnistake.chains.ethereum.rpc import JsonRpcError, RetryPolicy, raw_request, with_retries
from web3 import AsyncHTTPProvider, AsyncWeb3


def abi_type(item: dict[str, Any]) -> str:
    """Canonical ABI type string of one input/output (tuples expanded)."""
    t = str(item["type"])
    if t.startswith("tuple"):
        inner = ",".join(abi_type(c) for c in item["components"])
        return f"({inner}){t[5:]}"
    return t


@lru_cache(maxsize=4096)
def checksum(address: str) -> str:
    """Checksummed address (cached: checksumming hashes the address)."""
    return str(to_checksum_address(address))


@dataclass(frozen=True)
class AbiFunction:
    """One function of an ABI with its selector and types."""

    name: str
    selector: bytes
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]

    def encode(self, args: tuple[Any, ...]) -> str:
        """Calldata as 0x-hex; arguments that do not fit the ABI types raise InvalidParameter."""
        try:
            body = abi_encode(list(self.inputs), list(args))
        except Exception as exc:  # eth_abi's EncodingError and type errors
            raise InvalidParameter(
                f"{self.name}({', '.join(self.inputs)}): {type(exc).__name__}: {exc}",
                reason="INVALID_ARGUMENT",
            ) from None
        return "0x" + (self.selector + body).hex()

    def decode(self, data: bytes) -> Any:
        """Decoded return value: a single value, or a tuple for several outputs."""
        values = [
            checksum(v) if t == "address" else v
            for t, v in zip(self.outputs, abi_decode(list(self.outputs), data), strict=True)
        ]
        return values[0] if len(values) == 1 else tuple(values)


class ContractAbi:
    """Functions of one ABI, looked up by name and argument count."""

    def __init__(self, name: str, abi: list[dict[str, Any]]) -> None:
        self.name = name
        self._fns: dict[tuple[str, int], AbiFunction] = {}
        for item in abi:
            if item.get("type") != "function":
                continue
            ins = tuple(abi_type(i) for i in item["inputs"])
            outs = tuple(abi_type(o) for o in item.get("outputs", []))
            sel = keccak(text=f"{item['name']}({','.join(ins)})")[:4]
            self._fns[(item["name"], len(ins))] = AbiFunction(item["name"], sel, ins, outs)

    def function(self, fn: str, nargs: int) -> AbiFunction:
        """The overload of ``fn`` taking ``nargs`` arguments."""
        try:
            return self._fns[(fn, nargs)]
        except KeyError:
            raise InvalidParameter(
                f"{self.name} has no function {fn} taking {nargs} arguments",
                reason="UNKNOWN_FUNCTION",
            ) from None


class BoundContract:
    """A contract at an address: ``encode`` calldata, ``call`` views (raw eth_call)."""

    def __init__(
        self,
        w3: AsyncWeb3[AsyncHTTPProvider],
        abi: ContractAbi,
        address: str,
        error_names: Any = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.w3 = w3
        self.abi = abi
        self.address = checksum(address)
        self._errors = error_names
        self._retry = retry

    def __repr__(self) -> str:
        return f"BoundContract({self.abi.name} at {self.address})"

    def encode(self, fn: str, *args: Any) -> str:
        """Calldata of ``fn(*args)``."""
        return self.abi.function(fn, len(args)).encode(args)

    def tx(self, fn: str, *args: Any) -> dict[str, Any]:
        """A transaction dict (``to`` and ``data``) for :class:`TxSender.send`."""
        return {"to": self.address, "data": self.encode(fn, *args)}

    async def call(self, fn: str, *args: Any, block: int | str = "latest") -> Any:
        """Run a view by eth_call at ``block``; reverts raise :class:`TransactionReverted`."""
        f = self.abi.function(fn, len(args))
        params = [
            {"to": self.address, "data": f.encode(args)},
            block if isinstance(block, str) else hex(block),
        ]
        try:
            result = await with_retries(
                lambda: raw_request(self.w3, "eth_call", params),
                what=f"eth_call {fn}",
                policy=self._retry,
            )
        except JsonRpcError as exc:
            name = self._errors.name(exc.data) if self._errors is not None and exc.data else None
            raise TransactionReverted(
                f"{self.abi.name}.{fn}() reverted: {name or exc.message}", error_name=name
            ) from None
        return f.decode(bytes.fromhex(str(result)[2:]))
