from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetStakeRequest(_message.Message):
    __slots__ = ("vault", "network", "subnetwork", "operator", "at")
    VAULT_FIELD_NUMBER: _ClassVar[int]
    NETWORK_FIELD_NUMBER: _ClassVar[int]
    SUBNETWORK_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    vault: str
    network: str
    subnetwork: str
    operator: str
    at: int
    def __init__(self, vault: _Optional[str] = ..., network: _Optional[str] = ..., subnetwork: _Optional[str] = ..., operator: _Optional[str] = ..., at: _Optional[int] = ...) -> None: ...

class GetStakeResponse(_message.Message):
    __slots__ = ("stake", "at")
    STAKE_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    stake: str
    at: int
    def __init__(self, stake: _Optional[str] = ..., at: _Optional[int] = ...) -> None: ...

class GetOperatorStakeRequest(_message.Message):
    __slots__ = ("network", "operator", "subnetwork", "at")
    NETWORK_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    SUBNETWORK_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    network: str
    operator: str
    subnetwork: str
    at: int
    def __init__(self, network: _Optional[str] = ..., operator: _Optional[str] = ..., subnetwork: _Optional[str] = ..., at: _Optional[int] = ...) -> None: ...

class GetOperatorStakeResponse(_message.Message):
    __slots__ = ("stake", "at")
    STAKE_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    stake: str
    at: int
    def __init__(self, stake: _Optional[str] = ..., at: _Optional[int] = ...) -> None: ...

class GetNetworkStakeRequest(_message.Message):
    __slots__ = ("network", "subnetwork", "at")
    NETWORK_FIELD_NUMBER: _ClassVar[int]
    SUBNETWORK_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    network: str
    subnetwork: str
    at: int
    def __init__(self, network: _Optional[str] = ..., subnetwork: _Optional[str] = ..., at: _Optional[int] = ...) -> None: ...

class OperatorStake(_message.Message):
    __slots__ = ("operator", "stake")
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    STAKE_FIELD_NUMBER: _ClassVar[int]
    operator: str
    stake: str
    def __init__(self, operator: _Optional[str] = ..., stake: _Optional[str] = ...) -> None: ...

class GetNetworkStakeResponse(_message.Message):
    __slots__ = ("operators", "total", "at")
    OPERATORS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    operators: _containers.RepeatedCompositeFieldContainer[OperatorStake]
    total: str
    at: int
    def __init__(self, operators: _Optional[_Iterable[_Union[OperatorStake, _Mapping]]] = ..., total: _Optional[str] = ..., at: _Optional[int] = ...) -> None: ...

class GetSlashableStakeRequest(_message.Message):
    __slots__ = ("vault", "network", "subnetwork", "operator", "capture", "at")
    VAULT_FIELD_NUMBER: _ClassVar[int]
    NETWORK_FIELD_NUMBER: _ClassVar[int]
    SUBNETWORK_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    CAPTURE_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    vault: str
    network: str
    subnetwork: str
    operator: str
    capture: int
    at: int
    def __init__(self, vault: _Optional[str] = ..., network: _Optional[str] = ..., subnetwork: _Optional[str] = ..., operator: _Optional[str] = ..., capture: _Optional[int] = ..., at: _Optional[int] = ...) -> None: ...

class GetSlashableStakeResponse(_message.Message):
    __slots__ = ("stake", "at")
    STAKE_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    stake: str
    at: int
    def __init__(self, stake: _Optional[str] = ..., at: _Optional[int] = ...) -> None: ...

class GetBalanceRequest(_message.Message):
    __slots__ = ("vault", "account", "at")
    VAULT_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    vault: str
    account: str
    at: int
    def __init__(self, vault: _Optional[str] = ..., account: _Optional[str] = ..., at: _Optional[int] = ...) -> None: ...

class GetBalanceResponse(_message.Message):
    __slots__ = ("active_shares", "active_balance", "slashable_balance", "at")
    ACTIVE_SHARES_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_BALANCE_FIELD_NUMBER: _ClassVar[int]
    SLASHABLE_BALANCE_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    active_shares: str
    active_balance: str
    slashable_balance: str
    at: int
    def __init__(self, active_shares: _Optional[str] = ..., active_balance: _Optional[str] = ..., slashable_balance: _Optional[str] = ..., at: _Optional[int] = ...) -> None: ...

class PendingWithdrawal(_message.Message):
    __slots__ = ("epoch", "amount", "claimable_from", "claimed")
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CLAIMABLE_FROM_FIELD_NUMBER: _ClassVar[int]
    CLAIMED_FIELD_NUMBER: _ClassVar[int]
    epoch: int
    amount: str
    claimable_from: int
    claimed: bool
    def __init__(self, epoch: _Optional[int] = ..., amount: _Optional[str] = ..., claimable_from: _Optional[int] = ..., claimed: _Optional[bool] = ...) -> None: ...

class ListPendingWithdrawalsRequest(_message.Message):
    __slots__ = ("vault", "account", "page_size", "page_token")
    VAULT_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    vault: str
    account: str
    page_size: int
    page_token: str
    def __init__(self, vault: _Optional[str] = ..., account: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListPendingWithdrawalsResponse(_message.Message):
    __slots__ = ("withdrawals", "next_page_token")
    WITHDRAWALS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    withdrawals: _containers.RepeatedCompositeFieldContainer[PendingWithdrawal]
    next_page_token: str
    def __init__(self, withdrawals: _Optional[_Iterable[_Union[PendingWithdrawal, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
