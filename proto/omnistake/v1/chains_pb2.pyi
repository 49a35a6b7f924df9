from omnistake.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

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

class ListChainsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListChainsResponse(_message.Message):
    __slots__ = ("chains",)
    CHAINS_FIELD_NUMBER: _ClassVar[int]
    chains: _containers.RepeatedCompositeFieldContainer[ChainSummary]
    def __init__(self, chains: _Optional[_Iterable[_Union[ChainSummary, _Mapping]]] = ...) -> None: ...

class ChainSummary(_message.Message):
    __slots__ = ("chain_id", "name", "custody", "confirmation_depth", "native_asset", "capabilities", "adapter", "running", "restarts", "last_error", "dispatch_interval_seconds")
    class CapabilitiesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CUSTODY_FIELD_NUMBER: _ClassVar[int]
    CONFIRMATION_DEPTH_FIELD_NUMBER: _ClassVar[int]
    NATIVE_ASSET_FIELD_NUMBER: _ClassVar[int]
    CAPABILITIES_FIELD_NUMBER: _ClassVar[int]
    ADAPTER_FIELD_NUMBER: _ClassVar[int]
    RUNNING_FIELD_NUMBER: _ClassVar[int]
    RESTARTS_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    DISPATCH_INTERVAL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    name: str
    custody: str
    confirmation_depth: int
    native_asset: str
    capabilities: _containers.ScalarMap[str, str]
    adapter: str
    running: bool
    restarts: int
    last_error: str
    dispatch_interval_seconds: float
    def __init__(self, chain_id: _Optional[str] = ..., name: _Optional[str] = ..., custody: _Optional[str] = ..., confirmation_depth: _Optional[int] = ..., native_asset: _Optional[str] = ..., capabilities: _Optional[_Mapping[str, str]] = ..., adapter: _Optional[str] = ..., running: _Optional[bool] = ..., restarts: _Optional[int] = ..., last_error: _Optional[str] = ..., dispatch_interval_seconds: _Optional[float] = ...) -> None: ...

class GetSyncStatusRequest(_message.Message):
    __slots__ = ("chain_id",)
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    def __init__(self, chain_id: _Optional[str] = ...) -> None: ...

class ChainBlock(_message.Message):
    __slots__ = ("height", "hash", "timestamp")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    height: int
    hash: str
    timestamp: int
    def __init__(self, height: _Optional[int] = ..., hash: _Optional[str] = ..., timestamp: _Optional[int] = ...) -> None: ...

class ChainCursor(_message.Message):
    __slots__ = ("height", "block_hash")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    BLOCK_HASH_FIELD_NUMBER: _ClassVar[int]
    height: int
    block_hash: str
    def __init__(self, height: _Optional[int] = ..., block_hash: _Optional[str] = ...) -> None: ...

class ChainSyncStatus(_message.Message):
    __slots__ = ("chain_id", "head", "finalized", "cursor", "lag_blocks", "running", "detail")
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    HEAD_FIELD_NUMBER: _ClassVar[int]
    FINALIZED_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    LAG_BLOCKS_FIELD_NUMBER: _ClassVar[int]
    RUNNING_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    head: ChainBlock
    finalized: ChainBlock
    cursor: ChainCursor
    lag_blocks: int
    running: bool
    detail: str
    def __init__(self, chain_id: _Optional[str] = ..., head: _Optional[_Union[ChainBlock, _Mapping]] = ..., finalized: _Optional[_Union[ChainBlock, _Mapping]] = ..., cursor: _Optional[_Union[ChainCursor, _Mapping]] = ..., lag_blocks: _Optional[int] = ..., running: _Optional[bool] = ..., detail: _Optional[str] = ...) -> None: ...

class ClaimDepositRequest(_message.Message):
    __slots__ = ("request_id", "chain_id", "vault", "staker", "reference", "amount", "proof")
    class ProofEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    VAULT_FIELD_NUMBER: _ClassVar[int]
    STAKER_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PROOF_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    chain_id: str
    vault: str
    staker: str
    reference: str
    amount: str
    proof: _containers.ScalarMap[str, str]
    def __init__(self, request_id: _Optional[str] = ..., chain_id: _Optional[str] = ..., vault: _Optional[str] = ..., staker: _Optional[str] = ..., reference: _Optional[str] = ..., amount: _Optional[str] = ..., proof: _Optional[_Mapping[str, str]] = ...) -> None: ...

class SubmitEvidenceRequest(_message.Message):
    __slots__ = ("request_id", "kind", "evidence", "chain_id", "network", "subnetwork")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    NETWORK_FIELD_NUMBER: _ClassVar[int]
    SUBNETWORK_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    kind: str
    evidence: bytes
    chain_id: str
    network: str
    subnetwork: str
    def __init__(self, request_id: _Optional[str] = ..., kind: _Optional[str] = ..., evidence: _Optional[bytes] = ..., chain_id: _Optional[str] = ..., network: _Optional[str] = ..., subnetwork: _Optional[str] = ...) -> None: ...

class Offence(_message.Message):
    __slots__ = ("kind", "operator", "at", "digest", "detail")
    class DetailEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    KIND_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    kind: str
    operator: str
    at: int
    digest: str
    detail: _containers.ScalarMap[str, str]
    def __init__(self, kind: _Optional[str] = ..., operator: _Optional[str] = ..., at: _Optional[int] = ..., digest: _Optional[str] = ..., detail: _Optional[_Mapping[str, str]] = ...) -> None: ...

class SubmitEvidenceResponse(_message.Message):
    __slots__ = ("offence", "slashed", "chain_id", "instruction_id", "outcome_status", "tx_id", "requested_amount", "slashed_amount")
    OFFENCE_FIELD_NUMBER: _ClassVar[int]
    SLASHED_FIELD_NUMBER: _ClassVar[int]
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTION_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_STATUS_FIELD_NUMBER: _ClassVar[int]
    TX_ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    SLASHED_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    offence: Offence
    slashed: bool
    chain_id: str
    instruction_id: str
    outcome_status: str
    tx_id: str
    requested_amount: str
    slashed_amount: str
    def __init__(self, offence: _Optional[_Union[Offence, _Mapping]] = ..., slashed: _Optional[bool] = ..., chain_id: _Optional[str] = ..., instruction_id: _Optional[str] = ..., outcome_status: _Optional[str] = ..., tx_id: _Optional[str] = ..., requested_amount: _Optional[str] = ..., slashed_amount: _Optional[str] = ...) -> None: ...
