from omnistake.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Vault(_message.Message):
    __slots__ = ("vault", "asset_id", "curator", "epoch_duration", "delegator_type", "delegator_operator", "delegator_network", "slasher_type", "veto_duration", "resolver_set_epochs_delay", "burner", "deposit_whitelist", "deposit_limit", "curator_fee_bps", "domain", "as_of", "active_stake", "total_stake", "balance", "current_epoch", "slash_request_count")
    VAULT_FIELD_NUMBER: _ClassVar[int]
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    CURATOR_FIELD_NUMBER: _ClassVar[int]
    EPOCH_DURATION_FIELD_NUMBER: _ClassVar[int]
    DELEGATOR_TYPE_FIELD_NUMBER: _ClassVar[int]
    DELEGATOR_OPERATOR_FIELD_NUMBER: _ClassVar[int]
    DELEGATOR_NETWORK_FIELD_NUMBER: _ClassVar[int]
    SLASHER_TYPE_FIELD_NUMBER: _ClassVar[int]
    VETO_DURATION_FIELD_NUMBER: _ClassVar[int]
    RESOLVER_SET_EPOCHS_DELAY_FIELD_NUMBER: _ClassVar[int]
    BURNER_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_WHITELIST_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_LIMIT_FIELD_NUMBER: _ClassVar[int]
    CURATOR_FEE_BPS_FIELD_NUMBER: _ClassVar[int]
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_STAKE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_STAKE_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    CURRENT_EPOCH_FIELD_NUMBER: _ClassVar[int]
    SLASH_REQUEST_COUNT_FIELD_NUMBER: _ClassVar[int]
    vault: str
    asset_id: str
    curator: str
    epoch_duration: int
    delegator_type: str
    delegator_operator: str
    delegator_network: str
    slasher_type: str
    veto_duration: int
    resolver_set_epochs_delay: int
    burner: str
    deposit_whitelist: bool
    deposit_limit: str
    curator_fee_bps: int
    domain: str
    as_of: int
    active_stake: str
    total_stake: str
    balance: str
    current_epoch: int
    slash_request_count: int
    def __init__(self, vault: _Optional[str] = ..., asset_id: _Optional[str] = ..., curator: _Optional[str] = ..., epoch_duration: _Optional[int] = ..., delegator_type: _Optional[str] = ..., delegator_operator: _Optional[str] = ..., delegator_network: _Optional[str] = ..., slasher_type: _Optional[str] = ..., veto_duration: _Optional[int] = ..., resolver_set_epochs_delay: _Optional[int] = ..., burner: _Optional[str] = ..., deposit_whitelist: _Optional[bool] = ..., deposit_limit: _Optional[str] = ..., curator_fee_bps: _Optional[int] = ..., domain: _Optional[str] = ..., as_of: _Optional[int] = ..., active_stake: _Optional[str] = ..., total_stake: _Optional[str] = ..., balance: _Optional[str] = ..., current_epoch: _Optional[int] = ..., slash_request_count: _Optional[int] = ...) -> None: ...

class CreateVaultRequest(_message.Message):
    __slots__ = ("request_id", "vault", "asset_id", "curator", "epoch_duration", "delegator_type", "delegator_operator", "delegator_network", "slasher_type", "veto_duration", "resolver_set_epochs_delay", "burner", "deposit_whitelist", "deposit_limit", "curator_fee_bps", "domain")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VAULT_FIELD_NUMBER: _ClassVar[int]
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    CURATOR_FIELD_NUMBER: _ClassVar[int]
    EPOCH_DURATION_FIELD_NUMBER: _ClassVar[int]
    DELEGATOR_TYPE_FIELD_NUMBER: _ClassVar[int]
    DELEGATOR_OPERATOR_FIELD_NUMBER: _ClassVar[int]
    DELEGATOR_NETWORK_FIELD_NUMBER: _ClassVar[int]
    SLASHER_TYPE_FIELD_NUMBER: _ClassVar[int]
    VETO_DURATION_FIELD_NUMBER: _ClassVar[int]
    RESOLVER_SET_EPOCHS_DELAY_FIELD_NUMBER: _ClassVar[int]
    BURNER_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_WHITELIST_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_LIMIT_FIELD_NUMBER: _ClassVar[int]
    CURATOR_FEE_BPS_FIELD_NUMBER: _ClassVar[int]
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    vault: str
    asset_id: str
    curator: str
    epoch_duration: int
    delegator_type: str
    delegator_operator: str
    delegator_network: str
    slasher_type: str
    veto_duration: int
    resolver_set_epochs_delay: int
    burner: str
    deposit_whitelist: bool
    deposit_limit: str
    curator_fee_bps: int
    domain: str
    def __init__(self, request_id: _Optional[str] = ..., vault: _Optional[str] = ..., asset_id: _Optional[str] = ..., curator: _Optional[str] = ..., epoch_duration: _Optional[int] = ..., delegator_type: _Optional[str] = ..., delegator_operator: _Optional[str] = ..., delegator_network: _Optional[str] = ..., slasher_type: _Optional[str] = ..., veto_duration: _Optional[int] = ..., resolver_set_epochs_delay: _Optional[int] = ..., burner: _Optional[str] = ..., deposit_whitelist: _Optional[bool] = ..., deposit_limit: _Optional[str] = ..., curator_fee_bps: _Optional[int] = ..., domain: _Optional[str] = ...) -> None: ...

class GetVaultRequest(_message.Message):
    __slots__ = ("vault", "at")
    VAULT_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    vault: str
    at: int
    def __init__(self, vault: _Optional[str] = ..., at: _Optional[int] = ...) -> None: ...

class ListVaultsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "asset_id", "curator")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    CURATOR_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    asset_id: str
    curator: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., asset_id: _Optional[str] = ..., curator: _Optional[str] = ...) -> None: ...

class ListVaultsResponse(_message.Message):
    __slots__ = ("vaults", "next_page_token")
    VAULTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    vaults: _containers.RepeatedCompositeFieldContainer[Vault]
    next_page_token: str
    def __init__(self, vaults: _Optional[_Iterable[_Union[Vault, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class SetDepositWhitelistRequest(_message.Message):
    __slots__ = ("request_id", "vault", "enabled")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VAULT_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    vault: str
    enabled: bool
    def __init__(self, request_id: _Optional[str] = ..., vault: _Optional[str] = ..., enabled: _Optional[bool] = ...) -> None: ...

class SetDepositorWhitelistedRequest(_message.Message):
    __slots__ = ("request_id", "vault", "account", "allowed")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VAULT_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    vault: str
    account: str
    allowed: bool
    def __init__(self, request_id: _Optional[str] = ..., vault: _Optional[str] = ..., account: _Optional[str] = ..., allowed: _Optional[bool] = ...) -> None: ...

class SetDepositLimitRequest(_message.Message):
    __slots__ = ("request_id", "vault", "limit")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VAULT_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    vault: str
    limit: str
    def __init__(self, request_id: _Optional[str] = ..., vault: _Optional[str] = ..., limit: _Optional[str] = ...) -> None: ...

class DepositRequest(_message.Message):
    __slots__ = ("request_id", "vault", "staker", "amount", "depositor")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VAULT_FIELD_NUMBER: _ClassVar[int]
    STAKER_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    DEPOSITOR_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    vault: str
    staker: str
    amount: str
    depositor: str
    def __init__(self, request_id: _Optional[str] = ..., vault: _Optional[str] = ..., staker: _Optional[str] = ..., amount: _Optional[str] = ..., depositor: _Optional[str] = ...) -> None: ...

class WithdrawRequest(_message.Message):
    __slots__ = ("request_id", "vault", "staker", "amount", "claimer")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VAULT_FIELD_NUMBER: _ClassVar[int]
    STAKER_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CLAIMER_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    vault: str
    staker: str
    amount: str
    claimer: str
    def __init__(self, request_id: _Optional[str] = ..., vault: _Optional[str] = ..., staker: _Optional[str] = ..., amount: _Optional[str] = ..., claimer: _Optional[str] = ...) -> None: ...

class RedeemRequest(_message.Message):
    __slots__ = ("request_id", "vault", "staker", "shares", "claimer")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VAULT_FIELD_NUMBER: _ClassVar[int]
    STAKER_FIELD_NUMBER: _ClassVar[int]
    SHARES_FIELD_NUMBER: _ClassVar[int]
    CLAIMER_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    vault: str
    staker: str
    shares: str
    claimer: str
    def __init__(self, request_id: _Optional[str] = ..., vault: _Optional[str] = ..., staker: _Optional[str] = ..., shares: _Optional[str] = ..., claimer: _Optional[str] = ...) -> None: ...

class ClaimRequest(_message.Message):
    __slots__ = ("request_id", "vault", "claimer", "epochs", "recipient")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VAULT_FIELD_NUMBER: _ClassVar[int]
    CLAIMER_FIELD_NUMBER: _ClassVar[int]
    EPOCHS_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    vault: str
    claimer: str
    epochs: _containers.RepeatedScalarFieldContainer[int]
    recipient: str
    def __init__(self, request_id: _Optional[str] = ..., vault: _Optional[str] = ..., claimer: _Optional[str] = ..., epochs: _Optional[_Iterable[int]] = ..., recipient: _Optional[str] = ...) -> None: ...
