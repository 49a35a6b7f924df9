"""Servicers: assets, networks, operators and opt-ins."""

from __future__ import annotations

from typing import Any

from omnistake.api.convert import paginate
from omnistake.api.rpc import Call, ServiceDef, reading
from omnistake.errors import InvalidArgument, NotFound
from omnistake.ledger import commands as C
from omnistake.v1 import assets_pb2, networks_pb2, operators_pb2, opt_ins_pb2

assets = ServiceDef(assets_pb2, "AssetService")
networks = ServiceDef(networks_pb2, "NetworkService")
operators = ServiceDef(operators_pb2, "OperatorService")
opt_ins = ServiceDef(opt_ins_pb2, "OptInService")

assets.command("RegisterAsset", C.RegisterAsset)
networks.command("RegisterNetwork", C.RegisterNetwork)
operators.command("RegisterOperator", C.RegisterOperator)
operators.command("SetOperatorKey", C.SetOperatorKey)
opt_ins.command("OptInVault", C.OptInVault)
opt_ins.command("OptOutVault", C.OptOutVault)
opt_ins.command("OptInNetwork", C.OptInNetwork)
opt_ins.command("OptOutNetwork", C.OptOutNetwork)


def _asset(call: Call, asset_id: str) -> assets_pb2.Asset:
    asset = call.service.ledger.state.assets.get(asset_id)
    if asset is None:
        raise NotFound(f"no asset {asset_id!r}", field="asset_id", asset_id=asset_id)
    return assets_pb2.Asset(asset_id=asset.asset_id, decimals=asset.decimals, symbol=asset.symbol)


@assets.unary("GetAsset")
async def get_asset(request: Any, call: Call) -> assets_pb2.Asset:
    with reading(call):
        return _asset(call, request.asset_id)


@assets.unary("ListAssets")
async def list_assets(request: Any, call: Call) -> assets_pb2.ListAssetsResponse:
    with reading(call):
        keys, token = paginate(
            sorted(call.service.ledger.state.assets), request.page_size, request.page_token
        )
        return assets_pb2.ListAssetsResponse(
            assets=[_asset(call, k) for k in keys], next_page_token=token
        )


def _network(call: Call, network_id: str) -> networks_pb2.Network:
    net = call.service.ledger.state.networks.get(network_id)
    if net is None:
        raise NotFound(f"no network {network_id!r}", field="network", network=network_id)
    out = networks_pb2.Network(network=net.network, name=net.name, registered_at=net.registered_at)
    if net.max_slash_wad is not None:
        out.max_slash_wad = str(net.max_slash_wad)
    return out


@networks.unary("GetNetwork")
async def get_network(request: Any, call: Call) -> networks_pb2.Network:
    with reading(call):
        return _network(call, request.network)


@networks.unary("ListNetworks")
async def list_networks(request: Any, call: Call) -> networks_pb2.ListNetworksResponse:
    with reading(call):
        keys, token = paginate(
            sorted(call.service.ledger.state.networks), request.page_size, request.page_token
        )
        return networks_pb2.ListNetworksResponse(
            networks=[_network(call, k) for k in keys], next_page_token=token
        )


def _operator(call: Call, operator_id: str) -> operators_pb2.Operator:
    op = call.service.ledger.state.operators.get(operator_id)
    if op is None:
        raise NotFound(f"no operator {operator_id!r}", field="operator", operator=operator_id)
    return operators_pb2.Operator(
        operator=op.operator, keys=dict(op.keys), registered_at=op.registered_at
    )


@operators.unary("GetOperator")
async def get_operator(request: Any, call: Call) -> operators_pb2.Operator:
    with reading(call):
        return _operator(call, request.operator)


@operators.unary("ListOperators")
async def list_operators(request: Any, call: Call) -> operators_pb2.ListOperatorsResponse:
    with reading(call):
        keys, token = paginate(
            sorted(call.service.ledger.state.operators), request.page_size, request.page_token
        )
        return operators_pb2.ListOperatorsResponse(
            operators=[_operator(call, k) for k in keys], next_page_token=token
        )


@opt_ins.unary("GetOptInStatus")
async def get_opt_in_status(request: Any, call: Call) -> opt_ins_pb2.GetOptInStatusResponse:
    at = request.at if request.HasField("at") else call.api.now()
    ledger = call.service.ledger
    with reading(call):
        if bool(request.vault) == bool(request.network):
            raise InvalidArgument("name exactly one of vault or network", field="vault")
        if request.operator not in ledger.state.operators:
            raise NotFound(f"no operator {request.operator!r}", field="operator")
        if request.vault:
            ledger.vault(request.vault)
            opted = ledger.is_opted_in_vault(request.operator, request.vault, at)
        else:
            if request.network not in ledger.state.networks:
                raise NotFound(f"no network {request.network!r}", field="network")
            domain = request.domain if request.HasField("domain") else "hub"
            opted = ledger.is_opted_in_network(request.operator, request.network, at, domain)
    return opt_ins_pb2.GetOptInStatusResponse(opted_in=opted, at=at)
