from omnistake.v1 import common_pb2 as _common_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class OptInVaultRequest(_message.Message):
    __slots__ = ("request_id", "operator", "vault")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    VAULT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    operator: str
    vault: str
    def __init__(self, request_id: _Optional[str] = ..., operator: _Optional[str] = ..., vault: _Optional[str] = ...) -> None: ...

class OptOutVaultRequest(_message.Message):
    __slots__ = ("request_id", "operator", "vault")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    VAULT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    operator: str
    vault: str
    def __init__(self, request_id: _Optional[str] = ..., operator: _Optional[str] = ..., vault: _Optional[str] = ...) -> None: ...

class OptInNetworkRequest(_message.Message):
    __slots__ = ("request_id", "operator", "network", "domain")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    NETWORK_FIELD_NUMBER: _ClassVar[int]
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    operator: str
    network: str
    domain: str
    def __init__(self, request_id: _Optional[str] = ..., operator: _Optional[str] = ..., network: _Optional[str] = ..., domain: _Optional[str] = ...) -> None: ...

class OptOutNetworkRequest(_message.Message):
    __slots__ = ("request_id", "operator", "network", "domain")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    NETWORK_FIELD_NUMBER: _ClassVar[int]
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    operator: str
    network: str
    domain: str
    def __init__(self, request_id: _Optional[str] = ..., operator: _Optional[str] = ..., network: _Optional[str] = ..., domain: _Optional[str] = ...) -> None: ...

class GetOptInStatusRequest(_message.Message):
    __slots__ = ("operator", "vault", "network", "domain", "at")
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    VAULT_FIELD_NUMBER: _ClassVar[int]
    NETWORK_FIELD_NUMBER: _ClassVar[int]
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    operator: str
    vault: str
    network: str
    domain: str
    at: int
    def __init__(self, operator: _Optional[str] = ..., vault: _Optional[str] = ..., network: _Optional[str] = ..., domain: _Optional[str] = ..., at: _Optional[int] = ...) -> None: ...

class GetOptInStatusResponse(_message.Message):
    __slots__ = ("opted_in", "at")
    OPTED_IN_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    opted_in: bool
    at: int
    def __init__(self, opted_in: _Optional[bool] = ..., at: _Optional[int] = ...) -> None: ...
