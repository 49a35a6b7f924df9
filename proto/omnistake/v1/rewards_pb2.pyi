from omnistake.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class SetCuratorFeeRequest(_message.Message):
    __slots__ = ("request_id", "vault", "fee_bps")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VAULT_FIELD_NUMBER: _ClassVar[int]
    FEE_BPS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    vault: str
    fee_bps: int
    def __init__(self, request_id: _Optional[str] = ..., vault: _Optional[str] = ..., fee_bps: _Optional[int] = ...) -> None: ...

class DistributeStakerRewardsRequest(_message.Message):
    __slots__ = ("request_id", "vault", "network", "token", "amount", "timestamp", "max_curator_fee_bps")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VAULT_FIELD_NUMBER: _ClassVar[int]
    NETWORK_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    MAX_CURATOR_FEE_BPS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    vault: str
    network: str
    token: str
    amount: str
    timestamp: int
    max_curator_fee_bps: int
    def __init__(self, request_id: _Optional[str] = ..., vault: _Optional[str] = ..., network: _Optional[str] = ..., token: _Optional[str] = ..., amount: _Optional[str] = ..., timestamp: _Optional[int] = ..., max_curator_fee_bps: _Optional[int] = ...) -> None: ...

class ClaimStakerRewardsRequest(_message.Message):
    __slots__ = ("request_id", "vault", "staker", "network", "token", "max_distributions", "recipient")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VAULT_FIELD_NUMBER: _ClassVar[int]
    STAKER_FIELD_NUMBER: _ClassVar[int]
    NETWORK_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    MAX_DISTRIBUTIONS_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    vault: str
    staker: str
    network: str
    token: str
    max_distributions: int
    recipient: str
    def __init__(self, request_id: _Optional[str] = ..., vault: _Optional[str] = ..., staker: _Optional[str] = ..., network: _Optional[str] = ..., token: _Optional[str] = ..., max_distributions: _Optional[int] = ..., recipient: _Optional[str] = ...) -> None: ...

class ClaimCuratorFeeRequest(_message.Message):
    __slots__ = ("request_id", "vault", "token", "recipient")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VAULT_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    vault: str
    token: str
    recipient: str
    def __init__(self, request_id: _Optional[str] = ..., vault: _Optional[str] = ..., token: _Optional[str] = ..., recipient: _Optional[str] = ...) -> None: ...

class DistributeOperatorRewardsRequest(_message.Message):
    __slots__ = ("request_id", "network", "token", "amount", "root")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    NETWORK_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    ROOT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    network: str
    token: str
    amount: str
    root: str
    def __init__(self, request_id: _Optional[str] = ..., network: _Optional[str] = ..., token: _Optional[str] = ..., amount: _Optional[str] = ..., root: _Optional[str] = ...) -> None: ...

class ClaimOperatorRewardsRequest(_message.Message):
    __slots__ = ("request_id", "network", "token", "operator", "total_claimable", "proof", "recipient")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    NETWORK_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    TOTAL_CLAIMABLE_FIELD_NUMBER: _ClassVar[int]
    PROOF_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    network: str
    token: str
    operator: str
    total_claimable: str
    proof: _containers.RepeatedScalarFieldContainer[str]
    recipient: str
    def __init__(self, request_id: _Optional[str] = ..., network: _Optional[str] = ..., token: _Optional[str] = ..., operator: _Optional[str] = ..., total_claimable: _Optional[str] = ..., proof: _Optional[_Iterable[str]] = ..., recipient: _Optional[str] = ...) -> None: ...

class GetClaimableStakerRewardsRequest(_message.Message):
    __slots__ = ("vault", "staker", "network", "token")
    VAULT_FIELD_NUMBER: _ClassVar[int]
    STAKER_FIELD_NUMBER: _ClassVar[int]
    NETWORK_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    vault: str
    staker: str
    network: str
    token: str
    def __init__(self, vault: _Optional[str] = ..., staker: _Optional[str] = ..., network: _Optional[str] = ..., token: _Optional[str] = ...) -> None: ...

class GetClaimableStakerRewardsResponse(_message.Message):
    __slots__ = ("amount",)
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    amount: str
    def __init__(self, amount: _Optional[str] = ...) -> None: ...
