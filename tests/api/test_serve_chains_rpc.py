"""ChainService edge cases on an in-process ApiServer (127.0.0.1): no chains configured, a
chain whose loop is not running, argument and principal checks, and evidence verified with
no chain to slash on."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import AsyncIterator

import pytest
from omnistake import ManualClock, Principal
from omnistake.api.auth import issue_token
from omnistake.api.chains import ChainNotRunning, ChainRuntime
from omnistake.api.server import ApiServer
from omnistake.client import OmnistakeClient
from omnistake.errors import InvalidArgument, NotFound, Unauthorized
from omnistake.plugins import ChainConfig, MemorySyncStore, PluginManager, SyncSupervisor
from omnistake.plugins.config import ChainsConfig, ConfiguredChain
from omnistake.service import LedgerService

T0 = 1_700_000_000
IDLE = "memchain:idle"
PRINCIPALS = ("admin:root", "network:babylon", "operator:op-1", f"staker:{IDLE}:amy")


@contextlib.asynccontextmanager
async def server(runtime: ChainRuntime | None) -> AsyncIterator[dict[str, OmnistakeClient]]:
    service = LedgerService.open("memory://", ManualClock(T0))
    api = ApiServer(service, listen="127.0.0.1:0", chain_runtime=runtime)
    port = await api.start()
    clients = {}
    for who in PRINCIPALS:
        token, _ = issue_token(service.store, Principal.parse(who), now=T0)
        clients[who] = OmnistakeClient(f"127.0.0.1:{port}", token=token)
    clients["anonymous"] = OmnistakeClient(f"127.0.0.1:{port}")
    try:
        yield clients
    finally:
        for client in clients.values():
            await client.close()
        await api.stop(0)
        service.close()


async def test_without_a_runtime_no_chain_is_served() -> None:
    async with server(None) as c:
        assert await c["anonymous"].list_chains() == []
        with pytest.raises(NotFound) as missing:
            await c["anonymous"].sync_status("memchain:dev")
        assert "configured: none" in missing.value.message
        with pytest.raises(NotFound):
            await c["admin:root"].claim_deposit("memchain:dev", "v", "memchain:dev:a", "tx")
        with pytest.raises(NotFound) as kind:
            await c["admin:root"].submit_evidence("eots-double-sign", b"x")
        assert kind.value.field == "kind"


async def test_a_configured_chain_whose_loop_is_not_running() -> None:
    manager = PluginManager(only=set(), disabled=set())
    chain = ConfiguredChain(label="idle", chain_id=IDLE, dispatch_interval=1.5)
    supervisor = SyncSupervisor(
        LedgerService.open("memory://", ManualClock(T0)),
        manager,
        MemorySyncStore(),
        [ChainConfig(chain_id=IDLE)],
    )  # never run
    runtime = ChainRuntime(manager, ChainsConfig(chains=(chain,)), supervisor)
    async with server(runtime) as c:
        (listed,) = await c["anonymous"].list_chains()
        assert (listed.chain_id, listed.running, listed.custody) == (IDLE, False, "")
        assert listed.dispatch_interval == 1.5
        with pytest.raises(ChainNotRunning) as down:
            await c["anonymous"].sync_status(IDLE)
        assert down.value.grpc_code.name == "UNAVAILABLE"  # type: ignore[attr-defined]
        staker = c[f"staker:{IDLE}:amy"]
        with pytest.raises(ChainNotRunning):
            await staker.claim_deposit(IDLE, "v", f"{IDLE}:amy", "tx")
        # Principal and argument checks come first.
        with pytest.raises(Unauthorized):
            await staker.claim_deposit(IDLE, "v", f"{IDLE}:bob", "tx")
        with pytest.raises(Unauthorized):
            await c["operator:op-1"].claim_deposit(IDLE, "v", f"{IDLE}:amy", "tx")
        with pytest.raises(InvalidArgument) as blank:
            await staker.claim_deposit(IDLE, "v", f"{IDLE}:amy", "")
        assert blank.value.field == "reference"
        with pytest.raises(InvalidArgument) as amount:
            await staker.claim_deposit(IDLE, "v", f"{IDLE}:amy", "tx", amount=-1)
        assert amount.value.field == "amount"
        with pytest.raises(Unauthorized):
            await staker.submit_evidence("eots-double-sign", b"x")


async def test_evidence_is_verified_without_a_chain_to_slash_on() -> None:
    bitcoin = pytest.importorskip("omnistake.chains.bitcoin.evidence")
    from omnistake.chains.bitcoin.eots import EotsSigner
    from omnistake.chains.bitcoin.secp import xonly_from_secret
    from omnistake.chains.bitcoin.slasher import EquivocationEvidence
    from omnistake.chains.bitcoin.testing import secret

    manager = PluginManager(only={"bitcoin"}, disabled=set())
    manager.load_entry_points()
    sk = secret("fp-zed")
    signer = EotsSigner(sk, b"bbn-test")
    a, b = hashlib.sha256(b"a").digest(), hashlib.sha256(b"b").digest()
    evidence = bitcoin.encode_evidence(
        EquivocationEvidence(
            xonly_from_secret(sk),
            9,
            signer.pub_rand(9),
            a,
            signer.sign(9, a),
            b,
            signer.sign(9, b, allow_double_sign=True),
        )
    )
    async with server(ChainRuntime(manager)) as c:
        found = await c["network:babylon"].submit_evidence("eots-double-sign", evidence)
        assert (found.kind, found.operator, found.at) == (
            "eots-double-sign",
            xonly_from_secret(sk).hex(),
            9,
        )
        assert found.digest == hashlib.sha256(evidence).hexdigest()
        assert not found.slashed and found.instruction_id == ""
        with pytest.raises(NotFound):  # a chain this server does not follow
            await c["admin:root"].submit_evidence(
                "eots-double-sign", evidence, chain_id="bip122:000000000019d6689c085ae165831e93"
            )
