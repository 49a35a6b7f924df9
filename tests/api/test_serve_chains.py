"""``omnistake serve --chains`` as a real process on 127.0.0.1, driving the example memchain
adapter: chain activity reaches the ledger, deposits are claimed over gRPC (once), sync
status is served, and a slash decided over gRPC on a hub-custody vault is dispatched to the
adapter with its outcome recorded."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from api_world import REPO
from omnistake.client import OmnistakeClient
from omnistake.errors import Unauthorized
from omnistake.ledger import events as V
from omnistake.plugins import DepositRejected
from serve_chains_node import Node, running_node, wait_for_events

MIRROR = "memchain:mirror"
HUB = "memchain:hub"
HUB_ASSET = f"{HUB}/slip44:0"
CONFIG = f"""
[chains.mirror]
chain_id = "{MIRROR}"
dispatch_interval = 0.2
[chains.mirror.options]
confirmation_depth = 2

[chains.hub]
chain_id = "{HUB}"
dispatch_interval = 0.2
[chains.hub.options]
confirmation_depth = 1
custody = "hub_custody"
"""


async def staker_client(node: Node, admin: OmnistakeClient, principal: str) -> OmnistakeClient:
    token, _ = await admin.issue_token(principal)
    return OmnistakeClient(node.target, token=token)


async def wait_caught_up(client: OmnistakeClient, chain_id: str, height: int) -> None:
    """Until the sync cursor reached ``height``."""
    for _ in range(200):
        status = await client.sync_status(chain_id)
        if status.cursor is not None and status.cursor[0] >= height:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{chain_id} never fed block {height}: {status}")


async def test_mirrored_chain_activity_reaches_the_ledger(tmp_path: Path) -> None:
    async with (
        running_node(tmp_path, CONFIG, [MIRROR, HUB]) as node,
        OmnistakeClient(node.target, token=node.token) as admin,
    ):
        chains = {c.chain_id: c for c in await admin.list_chains()}
        assert set(chains) == {MIRROR, HUB}
        for _ in range(100):  # the loops describe their chains once they start
            chains = {c.chain_id: c for c in await admin.list_chains()}
            if all(c.running and c.custody for c in chains.values()):
                break
            await asyncio.sleep(0.05)
        assert chains[MIRROR].custody == "mirrored"
        assert chains[MIRROR].confirmation_depth == 2
        assert chains[MIRROR].adapter == "memchain"
        assert chains[HUB].custody == "hub_custody"
        assert chains[HUB].capabilities["verify_deposit"] == "true"
        assert chains[HUB].dispatch_interval == 0.2

        await node.chain(
            MIRROR, "submit", kind="create_vault",
            data={"vault": "mem-vault", "curator": "mem-curator", "epoch_duration": 604800},
        )  # fmt: skip
        await node.chain(MIRROR, "submit", kind="mint", data={"to": "carol", "amount": 7_000})
        await node.chain(
            MIRROR, "submit", kind="deposit",
            data={"vault": "mem-vault", "staker": "carol", "amount": 6_500},
        )  # fmt: skip
        await node.chain(MIRROR, "mine", count=1)
        # Not final yet (depth 2): nothing of it is in the ledger.
        status = await admin.sync_status(MIRROR)
        assert status.head is not None and status.head.height == 1
        assert status.finalized is None and status.cursor is None
        assert status.lag_blocks is None
        mined = await node.chain(MIRROR, "mine", count=2)
        events = await wait_for_events(
            admin, lambda seen: any(isinstance(r.event, V.Deposited) for r in seen)
        )
        created = [r.event for r in events if isinstance(r.event, V.VaultCreated)]
        assert [(e.vault, e.asset_id, e.domain) for e in created] == [
            ("mem-vault", f"{MIRROR}/slip44:0", MIRROR)
        ]
        (deposit,) = [r.event for r in events if isinstance(r.event, V.Deposited)]
        assert (deposit.staker, deposit.amount) == (f"{MIRROR}:carol", 6_500)
        balance = await admin.balance("mem-vault", f"{MIRROR}:carol")
        assert balance.active_balance == 6_500

        await wait_caught_up(admin, MIRROR, mined["height"] - 2)
        status = await admin.sync_status(MIRROR)
        assert status.running and status.lag_blocks == 0
        assert status.cursor is not None and status.finalized is not None
        assert status.cursor == (status.finalized.height, status.finalized.hash)
        assert status.head is not None and status.head.height == mined["height"]
        assert status.head.timestamp == mined["timestamp"]

        # The CLI shows the same.
        code, out, err = await cli("chains", MIRROR, "--server", node.target)
        assert code == 0, err
        shown = json.loads(out)
        assert shown["cursor"] == [status.cursor[0], status.cursor[1]]
        assert shown["lag_blocks"] == 0

        # `omnistake deposit claim` on the hub-custody chain: credited once, then a replay.
        await admin.create_vault("hub-vault", HUB_ASSET, "hub-curator", 7 * 86_400)
        txid = await transfer_to_custody(node, "frank", 3_000)
        await node.chain(HUB, "mine", count=2)
        auth = ("--server", node.target, "--token", node.token)
        claim = ("deposit", "claim", HUB, "hub-vault", f"{HUB}:frank", txid, "--amount", "3000")
        code, out, err = await cli(*claim, *auth)
        assert code == 0, err
        first = json.loads(out)
        assert not first["replayed"]
        assert [(e["type"], e["amount"]) for e in first["events"]] == [("Deposited", 3_000)]
        code, out, err = await cli(*claim, *auth)
        assert code == 0 and json.loads(out)["replayed"], err
        code, out, err = await cli(*claim[:-1], "2999", *auth)
        assert code == 1 and "DEPOSIT_NOT_VERIFIED" in err, err
        # No loaded plugin verifies this kind of evidence.
        evidence = tmp_path / "evidence.bin"
        evidence.write_bytes(b"two votes")
        code, out, err = await cli("evidence", "submit", "double-vote", str(evidence), *auth)
        assert code == 1 and "NOT_FOUND" in err and "'double-vote'" in err, err


async def cli(*args: str) -> tuple[int, str, str]:
    """The omnistake CLI: (exit code, stdout, stderr)."""
    proc = await asyncio.create_subprocess_exec(
        str(REPO / ".venv" / "bin" / "omnistake"),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def hub_setup(admin: OmnistakeClient) -> None:
    """A hub-kept vault of the hub chain's coin, an operator and a network that may slash."""
    await admin.create_vault("hub-vault", HUB_ASSET, "hub-curator", 7 * 86_400)
    await admin.register_network("da-layer")
    await admin.register_operator("op-1")
    await admin.opt_in_vault("op-1", "hub-vault")
    await admin.opt_in_network("op-1", "da-layer")
    await admin.set_max_network_limit("hub-vault", "da-layer", 10**24)
    await admin.set_network_limit("hub-vault", "da-layer", 10**24)
    await admin.set_operator_network_shares("hub-vault", "da-layer", "op-1", 1)


async def transfer_to_custody(node: Node, sender: str, amount: int) -> str:
    """A transfer into the hub's custody address (no vault memo: it must be claimed)."""
    await node.chain(HUB, "submit", kind="mint", data={"to": sender, "amount": amount})
    sent = await node.chain(
        HUB, "submit", kind="transfer",
        data={"sender": sender, "to": "hub-custody", "amount": amount},
    )  # fmt: skip
    return str(sent["txid"])


async def test_deposit_claimed_once_then_slash_dispatched(tmp_path: Path) -> None:
    dave = f"{HUB}:dave"
    async with (
        running_node(tmp_path, CONFIG, [MIRROR, HUB]) as node,
        OmnistakeClient(node.target, token=node.token) as admin,
    ):
        await hub_setup(admin)
        eve = await staker_client(node, admin, f"staker:{HUB}:eve")
        async with (
            await staker_client(node, admin, f"staker:{dave}") as dave_client,
            eve,
        ):
            txid = await transfer_to_custody(node, "dave", 5_000)
            held = await node.chain(HUB, "mine", count=1)
            # One confirmation, depth 1: not final, rejected with the adapter's cause.
            with pytest.raises(DepositRejected) as rejected:
                await dave_client.claim_deposit(HUB, "hub-vault", dave, txid, amount=5_000)
            assert rejected.value.metadata["cause"] == "NOT_FINAL"
            assert rejected.value.grpc_code.name == "FAILED_PRECONDITION"  # type: ignore[attr-defined]
            await node.chain(HUB, "mine", count=1)
            # Another staker may not claim dave's deposit.
            with pytest.raises(Unauthorized):
                await eve.claim_deposit(HUB, "hub-vault", dave, txid)
            with pytest.raises(DepositRejected) as wrong:
                await dave_client.claim_deposit(HUB, "hub-vault", dave, txid, amount=4_999)
            assert wrong.value.metadata["cause"] == "AMOUNT_MISMATCH"

            first = await dave_client.claim_deposit(HUB, "hub-vault", dave, txid, amount=5_000)
            assert not first.replayed
            (credited,) = [r.event for r in first.events]
            assert isinstance(credited, V.Deposited)
            assert (credited.vault, credited.staker, credited.amount) == (
                "hub-vault", dave, 5_000
            )  # fmt: skip
            assert credited.at == held["timestamp"]  # the block that holds it
            again = await dave_client.claim_deposit(HUB, "hub-vault", dave, txid)
            assert again.replayed
            assert [r.seq for r in again.events] == [r.seq for r in first.events]
            assert (await admin.balance("hub-vault", dave)).active_balance == 5_000

        # The network slashes over gRPC; the hub chain's dispatch burns the coins.
        capture = credited.at
        while int(time.time()) <= capture:
            await asyncio.sleep(0.1)
        slashed = await admin.slash("hub-vault", "da-layer", "op-1", 1_200, capture)
        (cut,) = [r.event for r in slashed.events if isinstance(r.event, V.Slashed)]
        assert cut.burned == 1_200
        events = await wait_for_events(
            admin,
            lambda seen: any(isinstance(r.event, V.InstructionOutcomeRecorded) for r in seen),
        )
        (recorded,) = [r.event for r in events if isinstance(r.event, V.InstructionOutcomeRecorded)]
        assert (recorded.chain_id, recorded.kind, recorded.vault) == (HUB, "slash", "hub-vault")
        outcome = await admin.get_instruction_outcome(recorded.instruction_id)
        assert outcome["status"] == "submitted"
        assert outcome["tx_id"] == recorded.tx_id != ""
        burn = await node.chain(HUB, "find", txid=outcome["tx_id"])
        assert burn["pending"] == {"amount": 1_200, "instruction": recorded.instruction_id,
                                   "sender": "hub-custody", "to": "burn"}  # fmt: skip
        await node.chain(HUB, "mine", count=1)
        assert (await node.chain(HUB, "find", txid=outcome["tx_id"]))["kind"] == "transfer"
