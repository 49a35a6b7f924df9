"""Servicer: stake queries (unauthenticated, read-only)."""

from __future__ import annotations

from typing import Any

from omnistake.api.convert import paginate, parse_subnetwork
from omnistake.api.rpc import Call, ServiceDef, reading
from omnistake.errors import NotFound
from omnistake.v1 import stake_pb2

stake = ServiceDef(stake_pb2, "StakeService")


def _at(request: Any, call: Call) -> int:
    return int(request.at) if request.HasField("at") else call.api.now()


def _need(call: Call, *, network: str | None = None, operator: str | None = None) -> None:
    state = call.service.ledger.state
    if network is not None and network not in state.networks:
        raise NotFound(f"no network {network!r}", field="network", network=network)
    if operator is not None and operator not in state.operators:
        raise NotFound(f"no operator {operator!r}", field="operator", operator=operator)


@stake.unary("GetStake")
async def get_stake(request: Any, call: Call) -> stake_pb2.GetStakeResponse:
    at = _at(request, call)
    with reading(call):
        _need(call, network=request.network, operator=request.operator)
        value = call.service.ledger.stake_at(
            request.vault,
            request.network,
            parse_subnetwork(request.subnetwork),
            request.operator,
            at,
        )
    return stake_pb2.GetStakeResponse(stake=str(value), at=at)


@stake.unary("GetOperatorStake")
async def get_operator_stake(request: Any, call: Call) -> stake_pb2.GetOperatorStakeResponse:
    at = _at(request, call)
    sub = parse_subnetwork(request.subnetwork) if request.HasField("subnetwork") else None
    with reading(call):
        _need(call, network=request.network, operator=request.operator)
        value = call.service.ledger.operator_stake_at(request.network, request.operator, at, sub)
    return stake_pb2.GetOperatorStakeResponse(stake=str(value), at=at)


@stake.unary("GetNetworkStake")
async def get_network_stake(request: Any, call: Call) -> stake_pb2.GetNetworkStakeResponse:
    at = _at(request, call)
    sub = parse_subnetwork(request.subnetwork) if request.HasField("subnetwork") else None
    with reading(call):
        _need(call, network=request.network)
        stakes = call.service.ledger.network_stake_at(request.network, at, sub)
    return stake_pb2.GetNetworkStakeResponse(
        operators=[
            stake_pb2.OperatorStake(operator=k, stake=str(stakes[k])) for k in sorted(stakes)
        ],
        total=str(sum(stakes.values())),
        at=at,
    )


@stake.unary("GetSlashableStake")
async def get_slashable_stake(request: Any, call: Call) -> stake_pb2.GetSlashableStakeResponse:
    at = _at(request, call)
    with reading(call):
        _need(call, network=request.network, operator=request.operator)
        value = call.service.ledger.slashable_stake(
            request.vault,
            request.network,
            parse_subnetwork(request.subnetwork),
            request.operator,
            request.capture,
            at,
        )
    return stake_pb2.GetSlashableStakeResponse(stake=str(value), at=at)


@stake.unary("GetBalance")
async def get_balance(request: Any, call: Call) -> stake_pb2.GetBalanceResponse:
    at = _at(request, call)
    ledger = call.service.ledger
    with reading(call):
        shares = ledger.active_shares_of(request.vault, request.account, at)
        active = ledger.active_balance_of(request.vault, request.account, at)
        slashable = ledger.slashable_balance_of(request.vault, request.account, at)
    return stake_pb2.GetBalanceResponse(
        active_shares=str(shares),
        active_balance=str(active),
        slashable_balance=str(slashable),
        at=at,
    )


@stake.unary("ListPendingWithdrawals")
async def list_pending(request: Any, call: Call) -> stake_pb2.ListPendingWithdrawalsResponse:
    with reading(call):
        pending = call.service.ledger.pending_withdrawals(request.vault, request.account)
    by_key = {f"{p.epoch:020d}": p for p in pending}
    keys, token = paginate(sorted(by_key), request.page_size, request.page_token)
    return stake_pb2.ListPendingWithdrawalsResponse(
        withdrawals=[
            stake_pb2.PendingWithdrawal(
                epoch=by_key[k].epoch,
                amount=str(by_key[k].amount),
                claimable_from=by_key[k].claimable_from,
                claimed=by_key[k].claimed,
            )
            for k in keys
        ],
        next_page_token=token,
    )
