"""The machinery every servicer shares: parse the request bytes (a typed INVALID_ARGUMENT on
malformed input rather than gRPC's opaque INTERNAL), honour the deadline, authenticate
mutations, run the handler, and turn typed errors into rich statuses.

A :class:`ServiceDef` names one proto service; resource modules add its methods with
:meth:`ServiceDef.unary`, :meth:`ServiceDef.stream` and :meth:`ServiceDef.command` (a
mutation that maps its request 1:1 onto a ledger command).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import typing
from collections.abc import AsyncIterator, Awaitable, Callable
from types import ModuleType
from typing import Any

import grpc
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from google.protobuf import message_factory
from omnistake.api import convert
from omnistake.api.auth import Authenticator
from omnistake.api.errors import (
    STATUS_DETAILS_KEY,
    DeadlineExceeded,
    Internal,
    MalformedRequest,
    grpc_code,
    to_rich_status,
)
from omnistake.errors import OmnistakeError
from omnistake.ledger.commands import Command
from omnistake.principals import Principal
from omnistake.service import LedgerService
from omnistake.v1 import common_pb2

log = logging.getLogger("omnistake.api")

Message = _message.Message
UnaryHandler = Callable[[Any, "Call"], Awaitable[Message]]
StreamHandler = Callable[[Any, "Call"], AsyncIterator[Message]]


class Api:
    """What servicers share: the ledger service and the authenticator."""

    def __init__(self, service: LedgerService) -> None:
        self.service = service
        self.auth = Authenticator(service.store)

    def now(self) -> int:
        """The ledger clock's now."""
        return self.service.ledger.clock.now()


class Call:
    """One incoming call: the API, the gRPC context, and (lazily) the caller's principal."""

    def __init__(self, api: Api, context: grpc.aio.ServicerContext[Any, Any]) -> None:
        self.api = api
        self.context = context
        self._principal: Principal | None = None

    @property
    def service(self) -> LedgerService:
        """The ledger service."""
        return self.api.service

    async def principal(self) -> Principal:
        """The authenticated principal (UNAUTHENTICATED without a valid token)."""
        if self._principal is None:
            metadata = self.context.invocation_metadata()
            self._principal = await self.api.auth.authenticate(list(metadata or ()), self.api.now())
        return self._principal

    def time_remaining(self) -> float | None:
        """Seconds left before the deadline (None: no deadline)."""
        remaining = self.context.time_remaining()
        return None if remaining is None else float(remaining)


async def _abort(context: grpc.aio.ServicerContext[Any, Any], error: OmnistakeError) -> None:
    rich = to_rich_status(error)
    await context.abort(
        grpc_code(rich),
        rich.message,
        ((STATUS_DETAILS_KEY, rich.SerializeToString()),),
    )


def _error_for(exc: BaseException, method: str) -> OmnistakeError:
    if isinstance(exc, OmnistakeError):
        return exc
    if isinstance(exc, TimeoutError):
        return DeadlineExceeded("the deadline passed before the server could answer")
    log.exception("unexpected error in %s", method, exc_info=exc)
    return Internal("internal server error; see the server log")


def _check_deadline(call: Call) -> float | None:
    remaining = call.time_remaining()
    if remaining is not None and remaining <= 0:
        raise DeadlineExceeded("the call's deadline had passed when the server received it")
    return remaining


class ServiceDef:
    """The methods of one proto service."""

    def __init__(self, module: ModuleType, name: str) -> None:
        self.descriptor: _descriptor.ServiceDescriptor = module.DESCRIPTOR.services_by_name[name]
        self.full_name = self.descriptor.full_name
        self.unary_methods: dict[str, UnaryHandler] = {}
        self.stream_methods: dict[str, StreamHandler] = {}
        self.commands: dict[str, type[Command]] = {}

    def request_class(self, method: str) -> type[Message]:
        """The request message class of ``method``."""
        return message_factory.GetMessageClass(self.descriptor.methods_by_name[method].input_type)

    def unary(self, method: str) -> Callable[[UnaryHandler], UnaryHandler]:
        """Decorator: register a unary handler."""

        def add(fn: UnaryHandler) -> UnaryHandler:
            self._known(method)
            self.unary_methods[method] = fn
            return fn

        return add

    def stream(self, method: str) -> Callable[[StreamHandler], StreamHandler]:
        """Decorator: register a server-streaming handler."""

        def add(fn: StreamHandler) -> StreamHandler:
            self._known(method)
            self.stream_methods[method] = fn
            return fn

        return add

    def command(self, method: str, command: type[Command]) -> None:
        """Register a mutation whose request fields map 1:1 onto ``command``'s fields."""
        self._known(method)
        self.commands[method] = command
        request_cls = self.request_class(method)
        check_command_mapping(typing.cast(_descriptor.Descriptor, request_cls.DESCRIPTOR), command)

        async def handle(request: Any, call: Call) -> Message:
            principal = await call.principal()
            cmd = command_from_request(command, request)
            result = await call.service.execute(
                cmd, principal=principal, request_id=request.request_id or None
            )
            response: Message = common_pb2.MutationResponse(
                events=[convert.event_to_proto(r) for r in result.events],
                request_id=request.request_id,
                replayed=result.replayed,
            )
            return response

        self.unary_methods[method] = handle

    def _known(self, method: str) -> None:
        if method not in self.descriptor.methods_by_name:
            raise ValueError(f"{self.full_name} has no method {method}")

    def missing(self) -> list[str]:
        """Methods of the proto service with no handler."""
        have = set(self.unary_methods) | set(self.stream_methods)
        return [m for m in self.descriptor.methods_by_name if m not in have]

    def generic_handler(self, api: Api) -> grpc.GenericRpcHandler:
        """The grpc handler serving this service's methods against ``api``."""
        handlers: dict[str, grpc.RpcMethodHandler[Any, Any]] = {}
        for name, fn in self.unary_methods.items():
            handlers[name] = grpc.unary_unary_rpc_method_handler(
                self._unary(api, name, fn), response_serializer=_serialize
            )
        for name, sfn in self.stream_methods.items():
            handlers[name] = grpc.unary_stream_rpc_method_handler(
                self._stream(api, name, sfn), response_serializer=_serialize
            )
        return grpc.method_handlers_generic_handler(self.full_name, handlers)

    def _parse(self, method: str, raw: bytes) -> Any:
        request_cls = self.request_class(method)
        try:
            return request_cls.FromString(raw)
        except _message.DecodeError:
            raise MalformedRequest(
                f"the request is not a valid {request_cls.DESCRIPTOR.full_name} message",
                field="request",
            ) from None

    def _unary(
        self, api: Api, method: str, fn: UnaryHandler
    ) -> Callable[[bytes, Any], Awaitable[Message]]:
        path = f"/{self.full_name}/{method}"

        async def behavior(raw: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> Message:
            call = Call(api, context)
            try:
                remaining = _check_deadline(call)
                request = self._parse(method, raw)
                async with asyncio.timeout(remaining):
                    return await fn(request, call)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                error = _error_for(exc, path)
            await _abort(context, error)
            raise AssertionError("unreachable: abort raises")

        return behavior

    def _stream(
        self, api: Api, method: str, fn: StreamHandler
    ) -> Callable[[bytes, Any], AsyncIterator[Message]]:
        path = f"/{self.full_name}/{method}"

        async def behavior(
            raw: bytes, context: grpc.aio.ServicerContext[Any, Any]
        ) -> AsyncIterator[Message]:
            call = Call(api, context)
            error: OmnistakeError | None = None
            try:
                _check_deadline(call)
                request = self._parse(method, raw)
                async for item in fn(request, call):
                    yield item
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                error = _error_for(exc, path)
            if error is not None:
                await _abort(context, error)

        return behavior


def _serialize(message: Message) -> bytes:
    return message.SerializeToString()


# -- request <-> command --------------------------------------------------------------------


def _annotations(command: type[Command]) -> dict[str, str]:
    hints = typing.get_type_hints(command)
    return {f.name: str(hints[f.name]) for f in dataclasses.fields(command)}  # type: ignore[arg-type]


def check_command_mapping(request: _descriptor.Descriptor, command: type[Command]) -> None:
    """Every command field must exist in the request message (programming error if not)."""
    names = set(request.fields_by_name)
    missing = [f.name for f in dataclasses.fields(command) if f.name not in names]  # type: ignore[arg-type]
    if missing:
        raise TypeError(f"{request.full_name} lacks fields {missing} of {command.__name__}")


def command_from_request(command: type[Command], request: Any) -> Command:
    """Build ``command`` from a request message: decimal strings become ints where the command
    takes an int, unset optional fields take the command's default (or None)."""
    descriptor = request.DESCRIPTOR
    kwargs: dict[str, Any] = {}
    annotations = _annotations(command)
    for f in dataclasses.fields(command):  # type: ignore[arg-type]
        fd = descriptor.fields_by_name[f.name]
        has_default = (
            f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        )
        if fd.has_presence and not request.HasField(f.name):
            if not has_default:
                kwargs[f.name] = None
            continue
        value = getattr(request, f.name)
        wants_int = "int" in annotations[f.name]
        if fd.type == fd.TYPE_STRING and wants_int:
            if value == "" and has_default and not fd.is_repeated:
                continue  # an empty decimal string means the command's default
            if fd.is_repeated:
                value = [convert.parse_amount(v, f.name) for v in value]
            else:
                value = convert.parse_amount(value, f.name)
        elif fd.message_type is not None and fd.message_type.GetOptions().map_entry:
            value = dict(value)
        elif fd.is_repeated:
            value = list(value)
        kwargs[f.name] = value
    return command(**kwargs)


def reading(call: Call) -> Any:
    """Hold the service's write lock while a query reads the in-memory state, so a command
    being applied on a worker thread is never seen half-done. Writes hold it only while they
    persist and apply one command."""
    return call.service.reading()
