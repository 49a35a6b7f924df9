"""Server behaviour: every core command and proto method is served, health checking,
pagination, graceful shutdown, and the generated code importing as omnistake.v1."""

from __future__ import annotations

import asyncio
import importlib
import subprocess
import sys

import grpc
import pytest
from api_world import STETH, World
from grpc_health.v1 import health_pb2, health_pb2_grpc
from omnistake.api.server import SERVICES
from omnistake.errors import OmnistakeError
from omnistake.ledger.commands import Command
from omnistake.v1 import networks_pb2

PB2_MODULES = [
    "admin",
    "assets",
    "common",
    "delegation",
    "events",
    "networks",
    "operators",
    "opt_ins",
    "rewards",
    "slashing",
    "stake",
    "vaults",
]


def test_every_core_command_is_reachable_over_grpc() -> None:
    served = {cmd for svc in SERVICES for cmd in svc.commands.values()}
    assert {cls.__name__ for cls in served} == set(Command.types())


def test_every_proto_service_and_method_is_served() -> None:
    served = {svc.full_name: svc for svc in SERVICES}
    for name in PB2_MODULES:
        module = importlib.import_module(f"omnistake.v1.{name}_pb2")
        for service in module.DESCRIPTOR.services_by_name.values():
            assert service.full_name in served, service.full_name
            assert served[service.full_name].missing() == []


def test_mutations_carry_request_id_and_amounts_are_strings() -> None:
    for svc in SERVICES:
        for method in svc.commands:
            fields = svc.request_class(method).DESCRIPTOR.fields_by_name
            assert fields["request_id"].type == fields["request_id"].TYPE_STRING
            big = ("amount", "shares", "limit", "total_claimable", "max_slash_wad", "subnetwork")
            for amount in big:
                if amount in fields:
                    assert fields[amount].type == fields[amount].TYPE_STRING, (method, amount)


def test_generated_code_imports_as_omnistake_v1_in_a_fresh_interpreter() -> None:
    code = (
        "from omnistake.v1 import vaults_pb2, vaults_pb2_grpc, common_pb2; "
        "print(vaults_pb2.DESCRIPTOR.package, vaults_pb2_grpc.VaultServiceStub.__name__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["omnistake.v1", "VaultServiceStub"]


async def test_health_checking(world: World) -> None:
    async with grpc.aio.insecure_channel(world.target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        for service in ("", "omnistake.v1.VaultService", "omnistake.v1.EventService"):
            reply = await stub.Check(health_pb2.HealthCheckRequest(service=service))
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.Check(health_pb2.HealthCheckRequest(service="no.Such"))
        assert err.value.code() is grpc.StatusCode.NOT_FOUND


async def test_pagination_walks_every_item_once(world: World) -> None:
    admin = world.client("admin")
    names = [f"net-{i}" for i in range(7)]
    for name in names:
        await admin.register_network(name)
    seen, token, pages = [], "", 0
    while True:
        page = await admin.call("ListNetworks", page_size=3, page_token=token)
        seen += [n.network for n in page.networks]
        pages += 1
        token = page.next_page_token
        if not token:
            break
    assert seen == sorted(names) and pages == 3
    assert [n.network for n in await admin.list_networks()] == sorted(names)
    reply = await admin.call("ListNetworks", page_size=0)
    assert isinstance(reply, networks_pb2.ListNetworksResponse) and len(reply.networks) == 7


async def test_graceful_shutdown_ends_streams_and_refuses_new_calls(world: World) -> None:
    await world.client("admin").register_asset(STETH, 18)
    watcher = world.client()
    received: list[int] = []

    async def follow() -> None:
        async for record in watcher.watch_events(0):
            received.append(record.seq)

    task = asyncio.create_task(follow())
    while not received:
        await asyncio.sleep(0.01)
    async with grpc.aio.insecure_channel(world.target) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        stop = asyncio.create_task(world.server.stop(grace=0.5))
        await asyncio.wait_for(stop, 10)
        with pytest.raises(grpc.aio.AioRpcError):
            await health.Check(health_pb2.HealthCheckRequest(), timeout=2)
    with pytest.raises(OmnistakeError) as ended:
        await asyncio.wait_for(task, 10)
    assert ended.value.reason == "UNAVAILABLE"  # the client sees the server go away
    assert received == [1]
