from omnistake.v1 import common_pb2 as _common_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class RecordInstructionOutcomeRequest(_message.Message):
    __slots__ = ("request_id", "chain_id", "instruction_id", "kind", "vault", "status", "tx_id", "detail")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTION_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    VAULT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TX_ID_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    chain_id: str
    instruction_id: str
    kind: str
    vault: str
    status: str
    tx_id: str
    detail: str
    def __init__(self, request_id: _Optional[str] = ..., chain_id: _Optional[str] = ..., instruction_id: _Optional[str] = ..., kind: _Optional[str] = ..., vault: _Optional[str] = ..., status: _Optional[str] = ..., tx_id: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...

class GetInstructionOutcomeRequest(_message.Message):
    __slots__ = ("instruction_id",)
    INSTRUCTION_ID_FIELD_NUMBER: _ClassVar[int]
    instruction_id: str
    def __init__(self, instruction_id: _Optional[str] = ...) -> None: ...

class InstructionOutcome(_message.Message):
    __slots__ = ("instruction_id", "chain_id", "kind", "vault", "status", "tx_id", "detail")
    INSTRUCTION_ID_FIELD_NUMBER: _ClassVar[int]
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    VAULT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TX_ID_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    instruction_id: str
    chain_id: str
    kind: str
    vault: str
    status: str
    tx_id: str
    detail: str
    def __init__(self, instruction_id: _Optional[str] = ..., chain_id: _Optional[str] = ..., kind: _Optional[str] = ..., vault: _Optional[str] = ..., status: _Optional[str] = ..., tx_id: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...
