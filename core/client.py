"""An async Python client for the omnistake gRPC API that feels like the embedded ledger:
ints in, ints out, the core's event objects back from every mutation, and the core's typed
errors (decoded from the ErrorInfo reason) on rejection.

    async with OmnistakeClient("127.0.0.1:50051", token=admin_token) as client:
        await client.register_asset("eip155:1/erc20:0xae7a...", 18, symbol="stETH")
        vault = await client.get_vault("steth-vault")
"""

from __future__ import annotations

import dataclasses
import json
import typing
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import grpc
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from google.protobuf import message_factory
from google.rpc import status_pb2
from omnistake.api.errors import (
    STATUS_DETAILS_KEY,
    DeadlineExceeded,
    RemoteError,
    Unauthenticated,
    from_rich_status,
)
from omnistake.errors import OmnistakeError
from omnistake.ledger.events import Event
from omnistake.ledger.ledger import Recorded
from omnistake.ledger.queries import PendingWithdrawal
from omnistake.ledger.state import Asset, Network, Operator
from omnistake.v1 import (
    admin_pb2,
    assets_pb2,
    chains_pb2,
    delegation_pb2,
    events_pb2,
    networks_pb2,
    operators_pb2,
    opt_ins_pb2,
    rewards_pb2,
    slashing_pb2,
    stake_pb2,
    vaults_pb2,
)

_MODULES = (
    admin_pb2,
    assets_pb2,
    chains_pb2,
    delegation_pb2,
    events_pb2,
    networks_pb2,
    operators_pb2,
    opt_ins_pb2,
    rewards_pb2,
    slashing_pb2,
    stake_pb2,
    vaults_pb2,
)
_METHODS: dict[str, _descriptor.MethodDescriptor] = {
    m.name: m
    for module in _MODULES
    for service in module.DESCRIPTOR.services_by_name.values()
    for m in service.methods
}


@dataclass(frozen=True, slots=True)
class MutationResult:
    """What a mutation did: the core events it recorded (with their sequence numbers)."""

    events: list[Recorded]
    request_id: str
    replayed: bool

    @property
    def last_seq(self) -> int:
        """Sequence number of the last event (0 when none)."""
        return self.events[-1].seq if self.events else 0


@dataclass(frozen=True, slots=True)
class VaultInfo:
    """A vault's configuration and, as of ``as_of``, its stake figures."""

    vault: str
    asset_id: str
    curator: str
    epoch_duration: int
    delegator_type: str
    delegator_operator: str | None
    delegator_network: str | None
    slasher_type: str
    veto_duration: int
    resolver_set_epochs_delay: int
    burner: str | None
    deposit_whitelist: bool
    deposit_limit: int | None
    curator_fee_bps: int
    domain: str
    as_of: int
    active_stake: int
    total_stake: int
    balance: int
    current_epoch: int
    slash_request_count: int


@dataclass(frozen=True, slots=True)
class SlashRequestInfo:
    """A veto-slasher request of a vault."""

    vault: str
    index: int
    network: str
    subnetwork: int
    operator: str
    amount: int
    capture: int
    veto_deadline: int
    completed: bool


@dataclass(frozen=True, slots=True)
class Balance:
    """An account's position in a vault at ``at``."""

    active_shares: int
    active_balance: int
    slashable_balance: int
    at: int


def decode_event(wire: Any) -> Recorded:
    """An omnistake.v1.Event back into the core's event object."""
    cls = Event.types().get(wire.type)
    if cls is None:
        raise RemoteError(f"unknown event type {wire.type!r}; upgrade the client")
    body = json.loads(wire.payload_json)
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name in body:
            body[f.name] = _typed(body[f.name], hints[f.name])
    return Recorded(wire.seq, typing.cast(Event, cls(**body)))


def _typed(value: Any, hint: Any) -> Any:
    """Decimal strings back to ints where the event field is an int (or list of ints)."""
    if value is None:
        return None
    args = typing.get_args(hint)
    if hint is int or (int in args and isinstance(value, str)):
        return int(value)
    if typing.get_origin(hint) is list and args == (int,):
        return [int(v) for v in value]
    return value


def _fill(message: _message.Message, fields: Mapping[str, Any]) -> None:
    by_name = message.DESCRIPTOR.fields_by_name
    for name, value in fields.items():
        if value is None:
            continue
        fd = by_name[name]
        if fd.type == fd.TYPE_STRING and not isinstance(value, str):
            value = [str(v) for v in value] if fd.is_repeated else str(value)
        if fd.message_type is not None and fd.message_type.GetOptions().map_entry:
            getattr(message, name).update(value)
        elif fd.is_repeated:
            getattr(message, name).extend(value)
        else:
            setattr(message, name, value)


def error_from_rpc(exc: grpc.aio.AioRpcError) -> OmnistakeError:
    """The typed error a failed call stands for."""
    for key, value in exc.trailing_metadata() or ():
        if key == STATUS_DETAILS_KEY and isinstance(value, bytes):
            error = from_rich_status(status_pb2.Status.FromString(value))
            error.grpc_code = exc.code()  # type: ignore[attr-defined]
            return error
    code = exc.code()
    plain: OmnistakeError
    if code is grpc.StatusCode.UNAUTHENTICATED:
        plain = Unauthenticated(exc.details() or "unauthenticated")
    elif code is grpc.StatusCode.DEADLINE_EXCEEDED:
        plain = DeadlineExceeded(exc.details() or "deadline exceeded")
    else:
        plain = RemoteError(exc.details() or code.name)
        plain.reason = code.name  # type: ignore[misc]
    plain.grpc_code = code  # type: ignore[attr-defined,union-attr]
    return plain


@dataclass(frozen=True, slots=True)
class ChainSummary:
    """A chain the server follows, as its adapter describes it."""

    chain_id: str
    name: str
    custody: str
    confirmation_depth: int
    native_asset: str
    capabilities: dict[str, str]
    adapter: str
    running: bool
    restarts: int
    last_error: str
    dispatch_interval: float


@dataclass(frozen=True, slots=True)
class ChainBlock:
    """A block: height, hash, timestamp."""

    height: int
    hash: str
    timestamp: int


@dataclass(frozen=True, slots=True)
class ChainSyncStatus:
    """A chain's head and final block, and the sync cursor as (height, block hash)."""

    chain_id: str
    head: ChainBlock | None
    finalized: ChainBlock | None
    cursor: tuple[int, str] | None
    lag_blocks: int | None
    running: bool
    detail: str


@dataclass(frozen=True, slots=True)
class EvidenceResult:
    """A verified offence and the slash carried out for it (``slashed``)."""

    kind: str
    operator: str
    at: int
    digest: str
    detail: dict[str, str]
    slashed: bool
    chain_id: str
    instruction_id: str
    outcome_status: str
    tx_id: str
    requested_amount: int
    slashed_amount: int


def _chain_block(wire: Any) -> ChainBlock:
    return ChainBlock(int(wire.height), str(wire.hash), int(wire.timestamp))


def _chain_summary(wire: Any) -> ChainSummary:
    return ChainSummary(
        chain_id=wire.chain_id,
        name=wire.name,
        custody=wire.custody,
        confirmation_depth=wire.confirmation_depth,
        native_asset=wire.native_asset,
        capabilities=dict(wire.capabilities),
        adapter=wire.adapter,
        running=wire.running,
        restarts=wire.restarts,
        last_error=wire.last_error,
        dispatch_interval=wire.dispatch_interval_seconds,
    )


class OmnistakeClient:
    """Async client of one omnistake server.

    ``token`` is the bearer token mutations act with. ``root_certificates`` turns on TLS
    (with ``private_key`` and ``certificate_chain`` for mutual TLS). ``timeout`` is the
    default deadline of each call in seconds (None: no deadline).
    """

    def __init__(
        self,
        target: str = "127.0.0.1:50051",
        *,
        token: str | None = None,
        root_certificates: bytes | None = None,
        private_key: bytes | None = None,
        certificate_chain: bytes | None = None,
        server_name: str | None = None,
        timeout: float | None = 30.0,
    ) -> None:
        self.target = target
        self.token = token
        self.timeout = timeout
        options: list[tuple[str, Any]] = []
        if server_name:
            options.append(("grpc.ssl_target_name_override", server_name))
        if root_certificates is not None or certificate_chain is not None:
            creds = grpc.ssl_channel_credentials(root_certificates, private_key, certificate_chain)
            self.channel = grpc.aio.secure_channel(target, creds, options=options)
        else:
            self.channel = grpc.aio.insecure_channel(target, options=options)
        self._calls: dict[str, Any] = {}

    async def __aenter__(self) -> OmnistakeClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the channel."""
        await self.channel.close()

    # -- plumbing ----------------------------------------------------------------------------

    def _callable(self, method: str, stream: bool = False) -> Any:
        if method not in self._calls:
            desc = _METHODS[method]
            path = f"/{desc.containing_service.full_name}/{method}"
            response = message_factory.GetMessageClass(desc.output_type)
            factory = self.channel.unary_stream if stream else self.channel.unary_unary
            self._calls[method] = factory(
                path,
                request_serializer=lambda m: m.SerializeToString(),
                response_deserializer=response.FromString,
            )
        return self._calls[method]

    def _metadata(self) -> list[tuple[str, str]]:
        return [("authorization", f"Bearer {self.token}")] if self.token else []

    async def call(self, method: str, timeout: float | None = None, **fields: Any) -> Any:
        """Call any unary RPC by name with plain field values (ints for amounts)."""
        request = message_factory.GetMessageClass(_METHODS[method].input_type)()
        _fill(request, fields)
        try:
            return await self._callable(method)(
                request,
                timeout=timeout if timeout is not None else self.timeout,
                metadata=self._metadata(),
            )
        except grpc.aio.AioRpcError as exc:
            raise error_from_rpc(exc) from None

    async def mutate(
        self, method: str, request_id: str | None = None, **fields: Any
    ) -> MutationResult:
        """Call a mutation; a fresh request id is used unless one is given (pass the same id
        to retry safely)."""
        rid = request_id or str(uuid.uuid4())
        response = await self.call(method, request_id=rid, **fields)
        return MutationResult(
            [decode_event(e) for e in response.events], response.request_id, response.replayed
        )

    # -- registry ----------------------------------------------------------------------------

    async def register_asset(
        self, asset_id: str, decimals: int, *, symbol: str = "", request_id: str | None = None
    ) -> MutationResult:
        """Register a collateral type (admin)."""
        return await self.mutate(
            "RegisterAsset", request_id, asset_id=asset_id, decimals=decimals, symbol=symbol
        )

    async def register_network(
        self,
        network: str,
        *,
        name: str = "",
        max_slash_wad: int | None = None,
        request_id: str | None = None,
    ) -> MutationResult:
        """Register a network."""
        return await self.mutate(
            "RegisterNetwork", request_id, network=network, name=name, max_slash_wad=max_slash_wad
        )

    async def register_operator(
        self, operator: str, *, keys: Mapping[str, str] | None = None, request_id: str | None = None
    ) -> MutationResult:
        """Register an operator."""
        return await self.mutate("RegisterOperator", request_id, operator=operator, keys=keys)

    async def set_operator_key(
        self, operator: str, namespace: str, key: str, *, request_id: str | None = None
    ) -> MutationResult:
        """Set an operator's key for one chain namespace."""
        return await self.mutate(
            "SetOperatorKey", request_id, operator=operator, namespace=namespace, key=key
        )

    async def get_asset(self, asset_id: str) -> Asset:
        """One asset."""
        r = await self.call("GetAsset", asset_id=asset_id)
        return Asset(r.asset_id, r.decimals, r.symbol)

    async def list_assets(self) -> list[Asset]:
        """Every asset (all pages)."""
        return [
            Asset(a.asset_id, a.decimals, a.symbol)
            async for a in self._pages("ListAssets", "assets")
        ]

    async def get_network(self, network: str) -> Network:
        """One network."""
        return _network(await self.call("GetNetwork", network=network))

    async def list_networks(self) -> list[Network]:
        """Every network (all pages)."""
        return [_network(n) async for n in self._pages("ListNetworks", "networks")]

    async def get_operator(self, operator: str) -> Operator:
        """One operator."""
        r = await self.call("GetOperator", operator=operator)
        return Operator(r.operator, dict(r.keys), r.registered_at)

    async def list_operators(self) -> list[Operator]:
        """Every operator (all pages)."""
        return [
            Operator(o.operator, dict(o.keys), o.registered_at)
            async for o in self._pages("ListOperators", "operators")
        ]

    async def _pages(self, method: str, items: str, **fields: Any) -> AsyncIterator[Any]:
        token = ""
        while True:
            r = await self.call(method, page_token=token, **fields)
            for item in getattr(r, items):
                yield item
            token = r.next_page_token
            if not token:
                return

    # -- opt-ins -----------------------------------------------------------------------------

    async def opt_in_vault(
        self, operator: str, vault: str, *, request_id: str | None = None
    ) -> MutationResult:
        """The operator opts in to a vault."""
        return await self.mutate("OptInVault", request_id, operator=operator, vault=vault)

    async def opt_out_vault(
        self, operator: str, vault: str, *, request_id: str | None = None
    ) -> MutationResult:
        """The operator opts out of a vault."""
        return await self.mutate("OptOutVault", request_id, operator=operator, vault=vault)

    async def opt_in_network(
        self,
        operator: str,
        network: str,
        *,
        domain: str | None = None,
        request_id: str | None = None,
    ) -> MutationResult:
        """The operator opts in to a network."""
        return await self.mutate(
            "OptInNetwork", request_id, operator=operator, network=network, domain=domain
        )

    async def opt_out_network(
        self,
        operator: str,
        network: str,
        *,
        domain: str | None = None,
        request_id: str | None = None,
    ) -> MutationResult:
        """The operator opts out of a network."""
        return await self.mutate(
            "OptOutNetwork", request_id, operator=operator, network=network, domain=domain
        )

    async def is_opted_in(
        self, operator: str, *, vault: str = "", network: str = "", at: int | None = None
    ) -> bool:
        """Was the operator opted in to the vault (or network) at ``at`` (default now)?"""
        r = await self.call(
            "GetOptInStatus", operator=operator, vault=vault, network=network, at=at
        )
        return bool(r.opted_in)

    # -- vaults ------------------------------------------------------------------------------

    async def create_vault(
        self,
        vault: str,
        asset_id: str,
        curator: str,
        epoch_duration: int,
        *,
        delegator_type: str | None = None,
        delegator_operator: str | None = None,
        delegator_network: str | None = None,
        slasher_type: str | None = None,
        veto_duration: int = 0,
        resolver_set_epochs_delay: int | None = None,
        burner: str | None = None,
        deposit_whitelist: bool = False,
        deposit_limit: int | None = None,
        curator_fee_bps: int = 0,
        domain: str | None = None,
        request_id: str | None = None,
    ) -> MutationResult:
        """Create a vault (as its curator)."""
        return await self.mutate(
            "CreateVault",
            request_id,
            vault=vault,
            asset_id=asset_id,
            curator=curator,
            epoch_duration=epoch_duration,
            delegator_type=delegator_type,
            delegator_operator=delegator_operator,
            delegator_network=delegator_network,
            slasher_type=slasher_type,
            veto_duration=veto_duration,
            resolver_set_epochs_delay=resolver_set_epochs_delay,
            burner=burner,
            deposit_whitelist=deposit_whitelist,
            deposit_limit=deposit_limit,
            curator_fee_bps=curator_fee_bps,
            domain=domain,
        )

    async def get_vault(self, vault: str, *, at: int | None = None) -> VaultInfo:
        """A vault as of ``at`` (default now)."""
        return _vault(await self.call("GetVault", vault=vault, at=at))

    async def list_vaults(self, *, asset_id: str = "", curator: str = "") -> list[VaultInfo]:
        """Vaults, optionally of one asset or curator (all pages)."""
        return [
            _vault(v)
            async for v in self._pages("ListVaults", "vaults", asset_id=asset_id, curator=curator)
        ]

    async def set_deposit_whitelist(
        self, vault: str, enabled: bool, *, request_id: str | None = None
    ) -> MutationResult:
        """Turn the vault's deposit whitelist on or off (curator)."""
        return await self.mutate("SetDepositWhitelist", request_id, vault=vault, enabled=enabled)

    async def set_depositor_whitelisted(
        self, vault: str, account: str, allowed: bool, *, request_id: str | None = None
    ) -> MutationResult:
        """Allow or disallow one depositor (curator)."""
        return await self.mutate(
            "SetDepositorWhitelisted", request_id, vault=vault, account=account, allowed=allowed
        )

    async def set_deposit_limit(
        self, vault: str, limit: int | None, *, request_id: str | None = None
    ) -> MutationResult:
        """Cap the vault's active stake (None removes the cap)."""
        return await self.mutate("SetDepositLimit", request_id, vault=vault, limit=limit)

    async def deposit(
        self,
        vault: str,
        staker: str,
        amount: int,
        *,
        depositor: str | None = None,
        request_id: str | None = None,
    ) -> MutationResult:
        """Deposit ``amount`` base units for ``staker``."""
        return await self.mutate(
            "Deposit", request_id, vault=vault, staker=staker, amount=amount, depositor=depositor
        )

    async def withdraw(
        self,
        vault: str,
        staker: str,
        amount: int,
        *,
        claimer: str | None = None,
        request_id: str | None = None,
    ) -> MutationResult:
        """Queue a withdrawal of ``amount`` of the staker's active stake."""
        return await self.mutate(
            "Withdraw", request_id, vault=vault, staker=staker, amount=amount, claimer=claimer
        )

    async def redeem(
        self,
        vault: str,
        staker: str,
        shares: int,
        *,
        claimer: str | None = None,
        request_id: str | None = None,
    ) -> MutationResult:
        """Queue a withdrawal of ``shares`` active shares."""
        return await self.mutate(
            "Redeem", request_id, vault=vault, staker=staker, shares=shares, claimer=claimer
        )

    async def claim(
        self,
        vault: str,
        claimer: str,
        epochs: Sequence[int],
        *,
        recipient: str | None = None,
        request_id: str | None = None,
    ) -> MutationResult:
        """Claim matured withdrawals of ``epochs``."""
        return await self.mutate(
            "Claim",
            request_id,
            vault=vault,
            claimer=claimer,
            epochs=list(epochs),
            recipient=recipient,
        )

    # -- delegation --------------------------------------------------------------------------

    async def set_max_network_limit(
        self,
        vault: str,
        network: str,
        amount: int,
        *,
        subnetwork: int = 0,
        request_id: str | None = None,
    ) -> MutationResult:
        """The network caps what the vault may give its subnetwork."""
        return await self.mutate(
            "SetMaxNetworkLimit",
            request_id,
            vault=vault,
            network=network,
            subnetwork=subnetwork,
            amount=amount,
        )

    async def set_network_limit(
        self,
        vault: str,
        network: str,
        amount: int,
        *,
        subnetwork: int = 0,
        request_id: str | None = None,
    ) -> MutationResult:
        """The curator allocates stake to a subnetwork."""
        return await self.mutate(
            "SetNetworkLimit",
            request_id,
            vault=vault,
            network=network,
            subnetwork=subnetwork,
            amount=amount,
        )

    async def set_operator_network_shares(
        self,
        vault: str,
        network: str,
        operator: str,
        shares: int,
        *,
        subnetwork: int = 0,
        request_id: str | None = None,
    ) -> MutationResult:
        """Network-restake vaults: the operator's shares of the subnetwork's allocation."""
        return await self.mutate(
            "SetOperatorNetworkShares",
            request_id,
            vault=vault,
            network=network,
            subnetwork=subnetwork,
            operator=operator,
            shares=shares,
        )

    async def set_operator_network_limit(
        self,
        vault: str,
        network: str,
        operator: str,
        amount: int,
        *,
        subnetwork: int = 0,
        request_id: str | None = None,
    ) -> MutationResult:
        """Full-restake vaults: the operator's limit within the subnetwork's allocation."""
        return await self.mutate(
            "SetOperatorNetworkLimit",
            request_id,
            vault=vault,
            network=network,
            subnetwork=subnetwork,
            operator=operator,
            amount=amount,
        )

    # -- slashing ----------------------------------------------------------------------------

    async def set_resolver(
        self,
        vault: str,
        network: str,
        resolver: str | None,
        *,
        subnetwork: int = 0,
        request_id: str | None = None,
    ) -> MutationResult:
        """The network sets (None: removes) the subnetwork's veto resolver."""
        return await self.mutate(
            "SetResolver",
            request_id,
            vault=vault,
            network=network,
            subnetwork=subnetwork,
            resolver=resolver,
        )

    async def slash(
        self,
        vault: str,
        network: str,
        operator: str,
        amount: int,
        capture: int,
        *,
        subnetwork: int = 0,
        request_id: str | None = None,
    ) -> MutationResult:
        """Instant slash against stake captured at ``capture``."""
        return await self.mutate(
            "Slash",
            request_id,
            vault=vault,
            network=network,
            subnetwork=subnetwork,
            operator=operator,
            amount=amount,
            capture=capture,
        )

    async def request_slash(
        self,
        vault: str,
        network: str,
        operator: str,
        amount: int,
        capture: int,
        *,
        subnetwork: int = 0,
        request_id: str | None = None,
    ) -> MutationResult:
        """Veto-slasher vaults: ask for a slash (the SlashRequested event has its index)."""
        return await self.mutate(
            "RequestSlash",
            request_id,
            vault=vault,
            network=network,
            subnetwork=subnetwork,
            operator=operator,
            amount=amount,
            capture=capture,
        )

    async def veto_slash(
        self, vault: str, request: int, *, request_id: str | None = None
    ) -> MutationResult:
        """The resolver vetoes a pending request."""
        return await self.mutate("VetoSlash", request_id, vault=vault, request=request)

    async def execute_slash(
        self, vault: str, request: int, *, request_id: str | None = None
    ) -> MutationResult:
        """The network executes a request after its veto window."""
        return await self.mutate("ExecuteSlash", request_id, vault=vault, request=request)

    async def record_instruction_outcome(
        self,
        *,
        chain_id: str,
        instruction_id: str,
        kind: str,
        vault: str,
        status: str,
        tx_id: str = "",
        detail: str = "",
        request_id: str | None = None,
    ) -> MutationResult:
        """A chain adapter (system principal) records how a slash or payout ended on chain."""
        return await self.mutate(
            "RecordInstructionOutcome",
            request_id,
            chain_id=chain_id,
            instruction_id=instruction_id,
            kind=kind,
            vault=vault,
            status=status,
            tx_id=tx_id,
            detail=detail,
        )

    async def get_instruction_outcome(self, instruction_id: str) -> dict[str, str]:
        """The latest recorded outcome of a slash or payout instruction."""
        reply = await self.call("GetInstructionOutcome", instruction_id=instruction_id)
        keys = ("instruction_id", "chain_id", "kind", "vault", "status", "tx_id", "detail")
        return {k: getattr(reply, k) for k in keys}

    # -- chains ------------------------------------------------------------------------------

    async def list_chains(self) -> list[ChainSummary]:
        """The chains the server follows (its ``--chains`` config)."""
        reply = await self.call("ListChains")
        return [_chain_summary(c) for c in reply.chains]

    async def sync_status(self, chain_id: str) -> ChainSyncStatus:
        """A chain's head, latest final block and sync cursor."""
        reply = await self.call("GetSyncStatus", chain_id=chain_id)
        return ChainSyncStatus(
            chain_id=reply.chain_id,
            head=_chain_block(reply.head) if reply.HasField("head") else None,
            finalized=_chain_block(reply.finalized) if reply.HasField("finalized") else None,
            cursor=(reply.cursor.height, reply.cursor.block_hash)
            if reply.HasField("cursor")
            else None,
            lag_blocks=None if reply.lag_blocks < 0 else reply.lag_blocks,
            running=reply.running,
            detail=reply.detail,
        )

    async def claim_deposit(
        self,
        chain_id: str,
        vault: str,
        staker: str,
        reference: str,
        *,
        amount: int | None = None,
        proof: Mapping[str, str] | None = None,
        request_id: str | None = None,
    ) -> MutationResult:
        """Have the chain's adapter verify a deposit and credit it (once: claiming the same
        chain deposit again answers ``replayed``)."""
        return await self.mutate(
            "ClaimDeposit",
            request_id,
            chain_id=chain_id,
            vault=vault,
            staker=staker,
            reference=reference,
            amount=amount,
            proof=dict(proof or {}),
        )

    async def submit_evidence(
        self,
        kind: str,
        evidence: bytes,
        *,
        chain_id: str = "",
        network: str = "",
        subnetwork: int = 0,
        request_id: str | None = None,
    ) -> EvidenceResult:
        """Submit slashing evidence (network or admin): the verified offence, and the slash a
        configured chain carried out for it, if any."""
        reply = await self.call(
            "SubmitEvidence",
            request_id=request_id or str(uuid.uuid4()),
            kind=kind,
            evidence=evidence,
            chain_id=chain_id,
            network=network,
            subnetwork=subnetwork,
        )
        o = reply.offence
        return EvidenceResult(
            kind=o.kind,
            operator=o.operator,
            at=o.at,
            digest=o.digest,
            detail=dict(o.detail),
            slashed=reply.slashed,
            chain_id=reply.chain_id,
            instruction_id=reply.instruction_id,
            outcome_status=reply.outcome_status,
            tx_id=reply.tx_id,
            requested_amount=int(reply.requested_amount or 0),
            slashed_amount=int(reply.slashed_amount or 0),
        )

    async def get_slash_request(self, vault: str, index: int) -> SlashRequestInfo:
        """One veto-slasher request."""
        return _slash_request(await self.call("GetSlashRequest", vault=vault, index=index))

    async def list_slash_requests(
        self, *, vault: str = "", network: str = "", operator: str = "", state: str = ""
    ) -> list[SlashRequestInfo]:
        """Veto-slasher requests; ``state`` is '', 'pending' or 'completed'."""
        states = {
            "": slashing_pb2.SLASH_REQUEST_STATE_UNSPECIFIED,
            "pending": slashing_pb2.SLASH_REQUEST_STATE_PENDING,
            "completed": slashing_pb2.SLASH_REQUEST_STATE_COMPLETED,
        }
        return [
            _slash_request(r)
            async for r in self._pages(
                "ListSlashRequests",
                "slash_requests",
                vault=vault,
                network=network,
                operator=operator,
                state=states[state],
            )
        ]

    # -- rewards -----------------------------------------------------------------------------

    async def set_curator_fee(
        self, vault: str, fee_bps: int, *, request_id: str | None = None
    ) -> MutationResult:
        """The curator sets its fee on staker rewards."""
        return await self.mutate("SetCuratorFee", request_id, vault=vault, fee_bps=fee_bps)

    async def distribute_staker_rewards(
        self,
        vault: str,
        network: str,
        token: str,
        amount: int,
        timestamp: int,
        *,
        max_curator_fee_bps: int | None = None,
        request_id: str | None = None,
    ) -> MutationResult:
        """The network pays the vault's stakers pro rata to their shares at ``timestamp``."""
        return await self.mutate(
            "DistributeStakerRewards",
            request_id,
            vault=vault,
            network=network,
            token=token,
            amount=amount,
            timestamp=timestamp,
            max_curator_fee_bps=max_curator_fee_bps,
        )

    async def claim_staker_rewards(
        self,
        vault: str,
        staker: str,
        network: str,
        token: str,
        *,
        max_distributions: int | None = None,
        recipient: str | None = None,
        request_id: str | None = None,
    ) -> MutationResult:
        """A staker claims its rewards from a network in ``token``."""
        return await self.mutate(
            "ClaimStakerRewards",
            request_id,
            vault=vault,
            staker=staker,
            network=network,
            token=token,
            max_distributions=max_distributions,
            recipient=recipient,
        )

    async def claim_curator_fee(
        self, vault: str, token: str, *, recipient: str | None = None, request_id: str | None = None
    ) -> MutationResult:
        """The curator claims its accumulated fee."""
        return await self.mutate(
            "ClaimCuratorFee", request_id, vault=vault, token=token, recipient=recipient
        )

    async def distribute_operator_rewards(
        self, network: str, token: str, amount: int, root: str, *, request_id: str | None = None
    ) -> MutationResult:
        """The network funds operator rewards under a new Merkle root."""
        return await self.mutate(
            "DistributeOperatorRewards",
            request_id,
            network=network,
            token=token,
            amount=amount,
            root=root,
        )

    async def claim_operator_rewards(
        self,
        network: str,
        token: str,
        operator: str,
        total_claimable: int,
        proof: Sequence[str],
        *,
        recipient: str | None = None,
        request_id: str | None = None,
    ) -> MutationResult:
        """An operator claims up to its cumulative total with a Merkle proof."""
        return await self.mutate(
            "ClaimOperatorRewards",
            request_id,
            network=network,
            token=token,
            operator=operator,
            total_claimable=total_claimable,
            proof=list(proof),
            recipient=recipient,
        )

    async def claimable_staker_rewards(
        self, vault: str, staker: str, network: str, token: str
    ) -> int:
        """What claim_staker_rewards would pay now."""
        r = await self.call(
            "GetClaimableStakerRewards", vault=vault, staker=staker, network=network, token=token
        )
        return int(r.amount)

    # -- stake queries -----------------------------------------------------------------------

    async def stake_at(
        self, vault: str, network: str, operator: str, *, subnetwork: int = 0, at: int | None = None
    ) -> int:
        """Stake the vault gives the operator in the subnetwork at ``at`` (default now)."""
        r = await self.call(
            "GetStake",
            vault=vault,
            network=network,
            subnetwork=subnetwork,
            operator=operator,
            at=at,
        )
        return int(r.stake)

    async def operator_stake_at(
        self, network: str, operator: str, *, subnetwork: int | None = None, at: int | None = None
    ) -> int:
        """The operator's stake for a network, summed over vaults."""
        r = await self.call(
            "GetOperatorStake", network=network, operator=operator, subnetwork=subnetwork, at=at
        )
        return int(r.stake)

    async def network_stake_at(
        self, network: str, *, subnetwork: int | None = None, at: int | None = None
    ) -> dict[str, int]:
        """Every operator's stake for a network: ``{operator: stake}``."""
        r = await self.call("GetNetworkStake", network=network, subnetwork=subnetwork, at=at)
        return {o.operator: int(o.stake) for o in r.operators}

    async def slashable_stake(
        self,
        vault: str,
        network: str,
        operator: str,
        capture: int,
        *,
        subnetwork: int = 0,
        at: int | None = None,
    ) -> int:
        """What can still be slashed for stake captured at ``capture``."""
        r = await self.call(
            "GetSlashableStake",
            vault=vault,
            network=network,
            subnetwork=subnetwork,
            operator=operator,
            capture=capture,
            at=at,
        )
        return int(r.stake)

    async def balance(self, vault: str, account: str, *, at: int | None = None) -> Balance:
        """An account's shares and balances in a vault."""
        r = await self.call("GetBalance", vault=vault, account=account, at=at)
        return Balance(int(r.active_shares), int(r.active_balance), int(r.slashable_balance), r.at)

    async def pending_withdrawals(self, vault: str, account: str) -> list[PendingWithdrawal]:
        """The account's withdrawal buckets, oldest first."""
        return [
            PendingWithdrawal(w.epoch, int(w.amount), w.claimable_from, w.claimed)
            async for w in self._pages(
                "ListPendingWithdrawals", "withdrawals", vault=vault, account=account
            )
        ]

    # -- events, admin -----------------------------------------------------------------------

    async def list_events(self, after_seq: int = 0, *, page_size: int = 0) -> list[Recorded]:
        """One page of stored events after ``after_seq``."""
        r = await self.call("ListEvents", after_seq=after_seq, page_size=page_size)
        return [decode_event(e) for e in r.events]

    async def watch_events(self, after_seq: int = 0) -> AsyncIterator[Recorded]:
        """Every event after ``after_seq``, then each new one, for as long as you iterate."""
        request = events_pb2.WatchEventsRequest(after_seq=after_seq)
        call = self._callable("WatchEvents", stream=True)(request, metadata=self._metadata())
        try:
            async for item in call:
                yield decode_event(item.event)
        except grpc.aio.AioRpcError as exc:
            raise error_from_rpc(exc) from None
        finally:
            call.cancel()

    async def state_hash(self) -> tuple[int, str]:
        """(last event seq, SHA-256 of the state)."""
        r = await self.call("GetStateHash")
        return int(r.seq), str(r.state_hash)

    async def issue_token(
        self, principal: str, *, ttl_seconds: int | None = None
    ) -> tuple[str, str]:
        """Issue a token for ``role:id`` (admin); returns (token, token_hash)."""
        r = await self.call("IssueToken", principal=principal, ttl_seconds=ttl_seconds)
        return str(r.token), str(r.token_hash)

    async def revoke_token(self, token_hash: str) -> None:
        """Revoke a token by its SHA-256 hash (admin)."""
        await self.call("RevokeToken", token_hash=token_hash)

    async def health(self, service: str = "") -> str:
        """The health status name of ``service`` ('' = the whole server), e.g. 'SERVING'."""
        from grpc_health.v1 import health_pb2, health_pb2_grpc

        stub = health_pb2_grpc.HealthStub(self.channel)
        r = await stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=self.timeout)
        return str(health_pb2.HealthCheckResponse.ServingStatus.Name(r.status))


def _network(r: Any) -> Network:
    wad = int(r.max_slash_wad) if r.HasField("max_slash_wad") else None
    return Network(r.network, r.name, wad, r.registered_at)


def _opt(r: Any, name: str) -> Any:
    return getattr(r, name) if r.HasField(name) else None


def _vault(r: Any) -> VaultInfo:
    return VaultInfo(
        vault=r.vault,
        asset_id=r.asset_id,
        curator=r.curator,
        epoch_duration=r.epoch_duration,
        delegator_type=r.delegator_type,
        delegator_operator=_opt(r, "delegator_operator"),
        delegator_network=_opt(r, "delegator_network"),
        slasher_type=r.slasher_type,
        veto_duration=r.veto_duration,
        resolver_set_epochs_delay=r.resolver_set_epochs_delay,
        burner=_opt(r, "burner"),
        deposit_whitelist=r.deposit_whitelist,
        deposit_limit=int(r.deposit_limit) if r.HasField("deposit_limit") else None,
        curator_fee_bps=r.curator_fee_bps,
        domain=r.domain,
        as_of=r.as_of,
        active_stake=int(r.active_stake),
        total_stake=int(r.total_stake),
        balance=int(r.balance),
        current_epoch=r.current_epoch,
        slash_request_count=r.slash_request_count,
    )


def _slash_request(r: Any) -> SlashRequestInfo:
    return SlashRequestInfo(
        vault=r.vault,
        index=r.index,
        network=r.network,
        subnetwork=int(r.subnetwork),
        operator=r.operator,
        amount=int(r.amount),
        capture=r.capture,
        veto_deadline=r.veto_deadline,
        completed=r.completed,
    )


__all__ = [
    "Balance",
    "MutationResult",
    "OmnistakeClient",
    "SlashRequestInfo",
    "VaultInfo",
    "decode_event",
    "error_from_rpc",
]
