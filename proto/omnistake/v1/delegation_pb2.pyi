from omnistake.v1 import common_pb2 as _common_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class SetMaxNetworkLimitRequest(_message.Message):
    __slots__ = ("request_id", "vault", "network", "subnetwork", "amount")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VAULT_FIELD_NUMBER: _ClassVar[int]
    NETWORK_FIELD_NUMBER: _ClassVar[int]
    SUBNETWORK_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    vault: str
    network: str
    subnetwork: str
    amount: str
    def __init__(self, request_id: _Optional[str] = ..., vault: _Optional[str] = ..., network: _Optional[str] = ..., subnetwork: _Optional[str] = ..., amount: _Optional[str] = ...) -> None: ...

class SetNetworkLimitRequest(_message.Message):
    __slots__ = ("request_id", "vault", "network", "subnetwork", "amount")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VAULT_FIELD_NUMBER: _ClassVar[int]
    NETWORK_FIELD_NUMBER: _ClassVar[int]
    SUBNETWORK_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    vault: str
    network: str
    subnetwork: str
    amount: str
    def __init__(self, request_id: _Optional[str] = ..., vault: _Optional[str] = ..., network: _Optional[str] = ..., subnetwork: _Optional[str] = ..., amount: _Optional[str] = ...) -> None: ...

class SetOperatorNetworkSharesRequest(_message.Message):
    __slots__ = ("request_id", "vault", "network", "subnetwork", "operator", "shares")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VAULT_FIELD_NUMBER: _ClassVar[int]
    NETWORK_FIELD_NUMBER: _ClassVar[int]
    SUBNETWORK_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    SHARES_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    vault: str
    network: str
    subnetwork: str
    operator: str
    shares: str
    def __init__(self, request_id: _Optional[str] = ..., vault: _Optional[str] = ..., network: _Optional[str] = ..., subnetwork: _Optional[str] = ..., operator: _Optional[str] = ..., shares: _Optional[str] = ...) -> None: ...

class SetOperatorNetworkLimitRequest(_message.Message):
    __slots__ = ("request_id", "vault", "network", "subnetwork", "operator", "amount")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VAULT_FIELD_NUMBER: _ClassVar[int]
    NETWORK_FIELD_NUMBER: _ClassVar[int]
    SUBNETWORK_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    vault: str
    network: str
    subnetwork: str
    operator: str
    amount: str
    def __init__(self, request_id: _Optional[str] = ..., vault: _Optional[str] = ..., network: _Optional[str] = ..., subnetwork: _Optional[str] = ..., operator: _Optional[str] = ..., amount: _Optional[str] = ...) -> None: ...
