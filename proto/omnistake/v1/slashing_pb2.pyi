from omnistake.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SlashRequestState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SLASH_REQUEST_STATE_UNSPECIFIED: _ClassVar[SlashRequestState]
    SLASH_REQUEST_STATE_PENDING: _ClassVar[SlashRequestState]
    SLASH_REQUEST_STATE_COMPLETED: _ClassVar[SlashRequestState]
SLASH_REQUEST_STATE_UNSPECIFIED: SlashRequestState
SLASH_REQUEST_STATE_PENDING: SlashRequestState
SLASH_REQUEST_STATE_COMPLETED: SlashRequestState

class SetResolverRequest(_message.Message):
    __slots__ = ("request_id", "vault", "network", "subnetwork", "resolver")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VAULT_FIELD_NUMBER: _ClassVar[int]
    NETWORK_FIELD_NUMBER: _ClassVar[int]
    SUBNETWORK_FIELD_NUMBER: _ClassVar[int]
    RESOLVER_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    vault: str
    network: str
    subnetwork: str
    resolver: str
    def __init__(self, request_id: _Optional[str] = ..., vault: _Optional[str] = ..., network: _Optional[str] = ..., subnetwork: _Optional[str] = ..., resolver: _Optional[str] = ...) -> None: ...

class SlashRequest(_message.Message):
    __slots__ = ("request_id", "vault", "network", "subnetwork", "operator", "amount", "capture")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VAULT_FIELD_NUMBER: _ClassVar[int]
    NETWORK_FIELD_NUMBER: _ClassVar[int]
    SUBNETWORK_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CAPTURE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    vault: str
    network: str
    subnetwork: str
    operator: str
    amount: str
    capture: int
    def __init__(self, request_id: _Optional[str] = ..., vault: _Optional[str] = ..., network: _Optional[str] = ..., subnetwork: _Optional[str] = ..., operator: _Optional[str] = ..., amount: _Optional[str] = ..., capture: _Optional[int] = ...) -> None: ...

class RequestSlashRequest(_message.Message):
    __slots__ = ("request_id", "vault", "network", "subnetwork", "operator", "amount", "capture")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VAULT_FIELD_NUMBER: _ClassVar[int]
    NETWORK_FIELD_NUMBER: _ClassVar[int]
    SUBNETWORK_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CAPTURE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    vault: str
    network: str
    subnetwork: str
    operator: str
    amount: str
    capture: int
    def __init__(self, request_id: _Optional[str] = ..., vault: _Optional[str] = ..., network: _Optional[str] = ..., subnetwork: _Optional[str] = ..., operator: _Optional[str] = ..., amount: _Optional[str] = ..., capture: _Optional[int] = ...) -> None: ...

class VetoSlashRequest(_message.Message):
    __slots__ = ("request_id", "vault", "request")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VAULT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    vault: str
    request: int
    def __init__(self, request_id: _Optional[str] = ..., vault: _Optional[str] = ..., request: _Optional[int] = ...) -> None: ...

class ExecuteSlashRequest(_message.Message):
    __slots__ = ("request_id", "vault", "request")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VAULT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    vault: str
    request: int
    def __init__(self, request_id: _Optional[str] = ..., vault: _Optional[str] = ..., request: _Optional[int] = ...) -> None: ...

class SlashRequestInfo(_message.Message):
    __slots__ = ("vault", "index", "network", "subnetwork", "operator", "amount", "capture", "veto_deadline", "completed")
    VAULT_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    NETWORK_FIELD_NUMBER: _ClassVar[int]
    SUBNETWORK_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CAPTURE_FIELD_NUMBER: _ClassVar[int]
    VETO_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    vault: str
    index: int
    network: str
    subnetwork: str
    operator: str
    amount: str
    capture: int
    veto_deadline: int
    completed: bool
    def __init__(self, vault: _Optional[str] = ..., index: _Optional[int] = ..., network: _Optional[str] = ..., subnetwork: _Optional[str] = ..., operator: _Optional[str] = ..., amount: _Optional[str] = ..., capture: _Optional[int] = ..., veto_deadline: _Optional[int] = ..., completed: _Optional[bool] = ...) -> None: ...

class GetSlashRequestRequest(_message.Message):
    __slots__ = ("vault", "index")
    VAULT_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    vault: str
    index: int
    def __init__(self, vault: _Optional[str] = ..., index: _Optional[int] = ...) -> None: ...

class ListSlashRequestsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "vault", "network", "operator", "state")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    VAULT_FIELD_NUMBER: _ClassVar[int]
    NETWORK_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    vault: str
    network: str
    operator: str
    state: SlashRequestState
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., vault: _Optional[str] = ..., network: _Optional[str] = ..., operator: _Optional[str] = ..., state: _Optional[_Union[SlashRequestState, str]] = ...) -> None: ...

class ListSlashRequestsResponse(_message.Message):
    __slots__ = ("slash_requests", "next_page_token")
    SLASH_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    slash_requests: _containers.RepeatedCompositeFieldContainer[SlashRequestInfo]
    next_page_token: str
    def __init__(self, slash_requests: _Optional[_Iterable[_Union[SlashRequestInfo, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
