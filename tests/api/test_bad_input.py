"""Bad input over the wire: malformed and truncated messages, huge, negative and non-decimal
amounts, unknown ids, wrong principal, missing/bad/expired tokens, expired deadlines. Each
gets the right status code and ErrorInfo reason, and the state hash is unchanged after."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
from api_world import ALICE, STETH, T0, World
from google.rpc import error_details_pb2, status_pb2
from omnistake import Principal
from omnistake.api.auth import issue_token
from omnistake.api.errors import DOMAIN
from omnistake.v1 import vaults_pb2

E18 = 10**18


@pytest.fixture
async def ready(world: World) -> AsyncIterator[World]:
    """A world with an asset, a network, an operator, a vault and Alice's deposit."""
    admin, cur = world.client("admin"), world.client("curator")
    await admin.register_asset(STETH, 18)
    await world.client("network").register_network("da-layer")
    await world.client("operator").register_operator("op-1")
    await cur.create_vault("v1", STETH, "curator-1", 7 * 86_400)
    await world.client("alice").deposit("v1", ALICE, 5 * E18)
    yield world


async def raw_call(
    w: World, method: str, payload: bytes, token: str | None = None, timeout: float = 10
) -> grpc.aio.AioRpcError:
    """Send raw bytes to a method; return the error it must fail with."""
    async with grpc.aio.insecure_channel(w.target) as channel:
        call = channel.unary_unary(method)
        metadata = [("authorization", f"Bearer {token}")] if token else []
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call(payload, metadata=metadata, timeout=timeout)
    return err.value


def rich(err: grpc.aio.AioRpcError) -> tuple[error_details_pb2.ErrorInfo, list[str]]:
    """ErrorInfo and BadRequest fields from the trailing google.rpc.Status."""
    details = dict(err.trailing_metadata() or ())["grpc-status-details-bin"]
    status = status_pb2.Status.FromString(details)  # type: ignore[arg-type]
    assert status.code == err.code().value[0]
    info, fields = error_details_pb2.ErrorInfo(), []
    for any_detail in status.details:
        if any_detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            any_detail.Unpack(info)
        elif any_detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            any_detail.Unpack(bad)
            fields = [v.field for v in bad.field_violations]
    return info, fields


DEPOSIT = "/omnistake.v1.VaultService/Deposit"


def deposit_bytes(amount: str, vault: str = "v1") -> bytes:
    return vaults_pb2.DepositRequest(
        request_id="r-1", vault=vault, staker=ALICE, amount=amount
    ).SerializeToString()


async def test_malformed_and_truncated_messages(ready: World) -> None:
    before = ready.service.ledger.state_hash()
    token = ready.tokens["alice"]
    for payload in (b"\xff\xff\xff\xff\xff", deposit_bytes(str(E18))[:-4], b"\x12\x50abc"):
        err = await raw_call(ready, DEPOSIT, payload, token)
        assert err.code() is grpc.StatusCode.INVALID_ARGUMENT
        info, fields = rich(err)
        assert (info.reason, info.domain) == ("MALFORMED_REQUEST", DOMAIN)
        assert fields == ["request"]
    assert ready.service.ledger.state_hash() == before


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        (str(2**256), "AMOUNT_OUT_OF_RANGE"),
        ("9" * 200, "AMOUNT_OUT_OF_RANGE"),
        ("-1", "AMOUNT_OUT_OF_RANGE"),
        ("1e18", "INVALID_AMOUNT"),
        ("0x10", "INVALID_AMOUNT"),
        (" 5", "INVALID_AMOUNT"),
        ("5.0", "INVALID_AMOUNT"),
        ("", "INVALID_AMOUNT"),
    ],
)
async def test_bad_amounts(ready: World, amount: str, reason: str) -> None:
    before = ready.service.ledger.state_hash()
    err = await raw_call(ready, DEPOSIT, deposit_bytes(amount), ready.tokens["alice"])
    assert err.code() is grpc.StatusCode.INVALID_ARGUMENT
    info, fields = rich(err)
    assert info.reason == reason
    assert info.metadata["field"] == "amount" and fields == ["amount"]
    assert ready.service.ledger.state_hash() == before


async def test_largest_amount_is_accepted_by_the_wire_and_judged_by_the_core(ready: World) -> None:
    before = ready.service.ledger.state_hash()
    err = await raw_call(ready, DEPOSIT, deposit_bytes(str(2**256 - 1)), ready.tokens["alice"])
    info, _ = rich(err)
    # The wire accepts 2^256-1; the core rejects it because the vault total would overflow.
    assert err.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert (info.reason, info.metadata["field"]) == ("AMOUNT_OUT_OF_RANGE", "active stake")
    assert ready.service.ledger.state_hash() == before


@pytest.mark.parametrize(
    ("method", "payload", "code", "reason", "field"),
    [
        (DEPOSIT, deposit_bytes("5", vault="nope"), "NOT_FOUND", "NOT_FOUND", "vault"),
        (
            "/omnistake.v1.VaultService/GetVault",
            vaults_pb2.GetVaultRequest(vault="nope").SerializeToString(),
            "NOT_FOUND",
            "NOT_FOUND",
            "vault",
        ),
        (
            "/omnistake.v1.VaultService/ListVaults",
            vaults_pb2.ListVaultsRequest(page_token="not-a-token").SerializeToString(),
            "INVALID_ARGUMENT",
            "INVALID_PAGE_TOKEN",
            "page_token",
        ),
        (
            "/omnistake.v1.VaultService/Withdraw",
            vaults_pb2.WithdrawRequest(
                vault="v1", staker=ALICE, amount=str(6 * E18)
            ).SerializeToString(),
            "FAILED_PRECONDITION",
            "INSUFFICIENT_SHARES",
            None,
        ),
        (
            "/omnistake.v1.VaultService/CreateVault",
            vaults_pb2.CreateVaultRequest(
                vault="v1", asset_id=STETH, curator="curator-1", epoch_duration=60
            ).SerializeToString(),
            "ALREADY_EXISTS",
            "ALREADY_EXISTS",
            "vault",
        ),
    ],
)
async def test_unknown_ids_and_state_errors(
    ready: World, method: str, payload: bytes, code: str, reason: str, field: str | None
) -> None:
    before = ready.service.ledger.state_hash()
    who = "curator" if "CreateVault" in method else "alice"
    err = await raw_call(ready, method, payload, ready.tokens[who])
    assert err.code().name == code
    info, _ = rich(err)
    assert info.reason == reason
    if field:
        assert info.metadata["field"] == field
    assert ready.service.ledger.state_hash() == before


async def test_wrong_principal_and_tokens(ready: World) -> None:
    before = ready.service.ledger.state_hash()
    withdraw = vaults_pb2.WithdrawRequest(vault="v1", staker=ALICE, amount="1").SerializeToString()
    path = "/omnistake.v1.VaultService/Withdraw"
    err = await raw_call(ready, path, withdraw, ready.tokens["bob"])
    assert err.code() is grpc.StatusCode.PERMISSION_DENIED
    assert rich(err)[0].reason == "UNAUTHORIZED_PRINCIPAL"
    for token in (None, "osk_not-a-real-token"):
        err = await raw_call(ready, path, withdraw, token)
        assert err.code() is grpc.StatusCode.UNAUTHENTICATED
        assert rich(err)[0].reason == "UNAUTHENTICATED"
    async with grpc.aio.insecure_channel(ready.target) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as basic:
            await channel.unary_unary(path)(withdraw, metadata=[("authorization", "Basic abc")])
    assert basic.value.code() is grpc.StatusCode.UNAUTHENTICATED
    expiring, _ = issue_token(
        ready.service.store, Principal.parse(f"staker:{ALICE}"), now=T0, ttl_seconds=60
    )
    ready.clock.advance(61)
    err = await raw_call(ready, path, withdraw, expiring)
    assert err.code() is grpc.StatusCode.UNAUTHENTICATED
    assert "expired" in (err.details() or "")
    assert ready.service.ledger.state_hash() == before


async def test_revoked_token_and_admin_only_token_rpcs(ready: World) -> None:
    admin, alice = ready.client("admin"), ready.client("alice")
    from omnistake.api.errors import Unauthenticated
    from omnistake.errors import Unauthorized

    with pytest.raises(Unauthorized):
        await alice.issue_token("admin:evil")
    token, digest = await admin.issue_token("staker:eip155:1:0xcafe")
    carol = ready.client()
    carol.token = token
    await carol.deposit("v1", "eip155:1:0xcafe", E18)
    await admin.revoke_token(digest)
    before = ready.service.ledger.state_hash()
    with pytest.raises(Unauthenticated):
        await carol.deposit("v1", "eip155:1:0xcafe", E18)
    assert ready.service.ledger.state_hash() == before


async def test_expired_deadline(ready: World) -> None:
    before = ready.service.ledger.state_hash()
    alice = ready.client("alice")
    from omnistake.api.errors import DeadlineExceeded

    with pytest.raises(DeadlineExceeded):
        await alice.call(
            "Deposit", timeout=1e-6, request_id="late", vault="v1", staker=ALICE, amount=E18
        )
    assert ready.service.ledger.state_hash() == before
    assert ready.service.store.find_request("late") is None


async def test_reused_request_id_with_another_body(ready: World) -> None:
    alice = ready.client("alice")
    await alice.deposit("v1", ALICE, E18, request_id="dup")
    before = ready.service.ledger.state_hash()
    err = await raw_call(
        ready,
        DEPOSIT,
        vaults_pb2.DepositRequest(
            request_id="dup", vault="v1", staker=ALICE, amount=str(2 * E18)
        ).SerializeToString(),
        ready.tokens["alice"],
    )
    assert err.code() is grpc.StatusCode.ALREADY_EXISTS
    assert rich(err)[0].reason == "IDEMPOTENCY_KEY_REUSED"
    assert ready.service.ledger.state_hash() == before


async def test_oversized_message_is_refused(ready: World) -> None:
    before = ready.service.ledger.state_hash()
    huge = deposit_bytes("1" + "0" * (5 * 1024 * 1024))
    err = await raw_call(ready, DEPOSIT, huge, ready.tokens["alice"])
    assert err.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert ready.service.ledger.state_hash() == before
