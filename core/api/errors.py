"""Typed errors on the wire: every :class:`~omnistake.errors.OmnistakeError` becomes a gRPC
status whose code follows its ``kind`` and whose ``google.rpc.Status`` details carry an
``ErrorInfo`` (reason, domain ``omnistake.dev``, metadata with the field) and, for bad input,
a ``BadRequest`` naming the offending field. Clients turn the reason back into the class."""

from __future__ import annotations

from typing import ClassVar

import grpc
import omnistake.store.errors  # noqa: F401  (defines the store's error reasons)
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from omnistake.errors import InvalidArgument, OmnistakeError

DOMAIN = "omnistake.dev"
STATUS_DETAILS_KEY = "grpc-status-details-bin"

#: OmnistakeError.kind -> gRPC status code.
KIND_TO_CODE: dict[str, grpc.StatusCode] = {
    "invalid_argument": grpc.StatusCode.INVALID_ARGUMENT,
    "not_found": grpc.StatusCode.NOT_FOUND,
    "failed_precondition": grpc.StatusCode.FAILED_PRECONDITION,
    "permission_denied": grpc.StatusCode.PERMISSION_DENIED,
    "already_exists": grpc.StatusCode.ALREADY_EXISTS,
    "aborted": grpc.StatusCode.ABORTED,
    "unavailable": grpc.StatusCode.UNAVAILABLE,
    "internal": grpc.StatusCode.INTERNAL,
    "unauthenticated": grpc.StatusCode.UNAUTHENTICATED,
    "deadline_exceeded": grpc.StatusCode.DEADLINE_EXCEEDED,
    "resource_exhausted": grpc.StatusCode.RESOURCE_EXHAUSTED,
}


class Unauthenticated(OmnistakeError):
    """A mutating call without a valid bearer token."""

    reason = "UNAUTHENTICATED"
    kind = "unauthenticated"


class MalformedRequest(InvalidArgument):
    """The request bytes are not a valid message of the method's request type."""

    reason = "MALFORMED_REQUEST"


class InvalidAmount(InvalidArgument):
    """An amount that is not a plain decimal string."""

    reason = "INVALID_AMOUNT"


class InvalidPageToken(InvalidArgument):
    """A page_token this server did not hand out."""

    reason = "INVALID_PAGE_TOKEN"


class DeadlineExceeded(OmnistakeError):
    """The call's deadline passed before the server could answer."""

    reason = "DEADLINE_EXCEEDED"
    kind = "deadline_exceeded"


class ListenFailed(OmnistakeError):
    """The server could not bind its listen address."""

    reason = "LISTEN_FAILED"
    kind = "unavailable"


class Internal(OmnistakeError):
    """An unexpected server error (details are in the server log, never on the wire)."""

    reason = "INTERNAL"
    kind = "internal"


class RemoteError(OmnistakeError):
    """An error from the server whose reason this client does not know."""

    reason = "UNKNOWN"
    kind: ClassVar[str] = "internal"


def to_rich_status(error: OmnistakeError) -> status_pb2.Status:
    """The google.rpc.Status for ``error``."""
    code = KIND_TO_CODE.get(error.kind, grpc.StatusCode.INTERNAL)
    metadata = dict(error.metadata)
    if error.field:
        metadata["field"] = error.field
    info = error_details_pb2.ErrorInfo(reason=error.reason, domain=DOMAIN, metadata=metadata)
    details = [_pack(info)]
    if code is grpc.StatusCode.INVALID_ARGUMENT and error.field:
        violation = error_details_pb2.BadRequest.FieldViolation(
            field=error.field, description=error.message, reason=error.reason
        )
        details.append(_pack(error_details_pb2.BadRequest(field_violations=[violation])))
    return status_pb2.Status(code=code.value[0], message=error.message, details=details)


def _pack(message: error_details_pb2.ErrorInfo | error_details_pb2.BadRequest) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def grpc_code(status: status_pb2.Status) -> grpc.StatusCode:
    """The grpc.StatusCode of a google.rpc.Status."""
    for code in grpc.StatusCode:
        if code.value[0] == status.code:
            return code
    return grpc.StatusCode.UNKNOWN


def _all_error_classes() -> dict[str, type[OmnistakeError]]:
    found: dict[str, type[OmnistakeError]] = {}
    pending: list[type[OmnistakeError]] = [OmnistakeError]
    while pending:
        cls = pending.pop(0)
        found.setdefault(cls.reason, cls)
        pending.extend(cls.__subclasses__())
    return found


def error_class(reason: str) -> type[OmnistakeError] | None:
    """The OmnistakeError subclass with this reason (core errors and the API's own)."""
    return _all_error_classes().get(reason)


def from_rich_status(status: status_pb2.Status) -> OmnistakeError:
    """Rebuild the typed error a server sent (inverse of :func:`to_rich_status`)."""
    info = error_details_pb2.ErrorInfo()
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            detail.Unpack(info)
            break
    metadata = dict(info.metadata)
    field = metadata.pop("field", None)
    cls = error_class(info.reason) if info.domain == DOMAIN else None
    if cls is None:
        error: OmnistakeError = RemoteError(status.message or info.reason, field=field, **metadata)
        error.reason = info.reason or grpc_code(status).name  # type: ignore[misc]
        return error
    return rebuild(cls, status.message, field, metadata)


def rebuild(
    cls: type[OmnistakeError], message: str, field: str | None, metadata: dict[str, str]
) -> OmnistakeError:
    """An instance of ``cls`` with this message, field and metadata, whatever arguments the
    class's own constructor takes."""
    error = cls.__new__(cls)
    OmnistakeError.__init__(error, message, field=field, **metadata)
    return error


__all__ = [
    "DOMAIN",
    "KIND_TO_CODE",
    "DeadlineExceeded",
    "Internal",
    "InvalidAmount",
    "InvalidPageToken",
    "ListenFailed",
    "MalformedRequest",
    "RemoteError",
    "Unauthenticated",
    "error_class",
    "from_rich_status",
    "grpc_code",
    "rebuild",
    "to_rich_status",
]
