"""Exactly-once transactions: operation ids, crash before broadcast, dropped transactions."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from omnistake.chains.ethereum.errors import (
    OperationConflict,
    TransactionReverted,
    TransactionTimeout,
)
from omnistake.chains.ethereum.signer import KeystoreSigner
from omnistake.chains.ethereum.toolchain import toolchain_available
from omnistake.chains.ethereum.tx import TxSender, TxStore

_OK, _WHY = toolchain_available()
pytestmark = [
    pytest.mark.anvil,
    pytest.mark.skipif(not _OK, reason=f"Ethereum toolchain missing: {_WHY}"),
    pytest.mark.asyncio(loop_scope="module"),
]


async def nonce_of(devnet, address: str) -> int:
    return int(await devnet.anvil.w3.eth.get_transaction_count(address, "latest"))


async def test_same_operation_id_sends_once(world) -> None:
    dn = world.devnet
    sender = await dn.account()
    core = dn.core
    before = await nonce_of(dn, sender.address)
    first = await core.register_network(sender, op_id="op-network-register")
    second = await core.register_network(sender, op_id="op-network-register")
    assert second.tx_hash == first.tx_hash and second.reused and not first.reused
    assert await nonce_of(dn, sender.address) == before + 1
    assert await core.is_network(sender.address)
    # A different transaction under the same id is refused, nothing is sent.
    with pytest.raises(OperationConflict) as err:
        await core.set_middleware(sender, world.alice.address, op_id="op-network-register")
    assert err.value.reason == "OPERATION_CONFLICT"
    assert await nonce_of(dn, sender.address) == before + 1


async def test_reverting_call_is_not_sent(world) -> None:
    dn = world.devnet
    before = await nonce_of(dn, world.alice.address)
    with pytest.raises(TransactionReverted) as err:
        await dn.core.set_middleware(world.alice, world.bob.address)  # alice is no network
    assert err.value.error_name == "NotNetwork"
    assert await nonce_of(dn, world.alice.address) == before


async def test_crash_after_signing_rebroadcasts_the_same_transaction(world, tmp_path: Path) -> None:
    dn = world.devnet
    signer = KeystoreSigner.create(tmp_path / "ks.json", "pw", kdf="pbkdf2")
    await dn.anvil.set_balance(signer.address, 10**20)
    db = tmp_path / "tx.sqlite"
    tx = {"to": dn.deployment.operator_registry, "data": _calldata(dn, "registerOperator")}

    # "Process 1" signs and records the transaction, then dies before broadcasting it.
    s1 = TxSender(dn.anvil.w3, signer, store=TxStore(db), decoder=dn.core.error_decoder)
    rec = await s1._sign_new("op-crash", tx, _digest(s1, tx), "registerOperator", None)
    s1.store.put(rec)
    s1.store.close()
    assert await nonce_of(dn, signer.address) == 0

    # "Process 2" reopens the keystore and the store and repeats the operation.
    signer2 = KeystoreSigner.open(tmp_path / "ks.json", "pw")
    s2 = TxSender(dn.anvil.w3, signer2, store=TxStore(db), decoder=dn.core.error_decoder)
    res = await s2.send(tx, op_id="op-crash", what="registerOperator")
    assert res.tx_hash == rec.tx_hash and res.reused
    assert await nonce_of(dn, signer.address) == 1
    assert await dn.core.is_operator(signer.address)
    again = await s2.send(tx, op_id="op-crash", what="registerOperator")
    assert again.tx_hash == rec.tx_hash
    assert await nonce_of(dn, signer.address) == 1


async def test_dropped_transaction_is_rebroadcast_not_replaced(world) -> None:
    dn = world.devnet
    node = dn.anvil
    sender = await dn.account()
    fast = TxSender(node.w3, sender.signer, store=sender.store, receipt_timeout=0.5)
    tx = {"to": dn.deployment.operator_registry, "data": _calldata(dn, "registerOperator")}
    await node.set_automine(False)
    try:
        with pytest.raises(TransactionTimeout) as err:
            await fast.send(tx, op_id="op-drop")
        assert "op-drop" in str(err.value)
        rec = sender.store.get("op-drop")
        assert rec is not None
        await node.rpc("anvil_dropTransaction", [rec.tx_hash])
        assert await node.rpc("eth_getTransactionByHash", [rec.tx_hash]) is None

        async def mine_soon() -> None:
            for _ in range(40):
                await asyncio.sleep(0.05)
                if await node.rpc("eth_getTransactionByHash", [rec.tx_hash]) is not None:
                    await node.mine()
                    return

        miner = asyncio.create_task(mine_soon())
        res = await sender.send(tx, op_id="op-drop")
        await miner
    finally:
        await node.set_automine(True)
    assert res.tx_hash == rec.tx_hash and res.reused
    assert await nonce_of(dn, sender.address) == 1


def _calldata(dn, fn: str) -> str:
    c = dn.anvil.w3.eth.contract(
        address=dn.deployment.operator_registry, abi=dn.toolchain.abi("OperatorRegistry")
    )
    return str(c.encode_abi(fn, args=[]))


def _digest(sender: TxSender, tx: dict) -> str:
    from omnistake.chains.ethereum.tx import _digest as digest

    return digest(sender.address, tx)


async def test_interrupted_deployment_resumes_without_duplicates(world) -> None:
    from omnistake.chains.ethereum.deploy import deploy_core

    dn = world.devnet
    deployer = await dn.account()
    first = await deploy_core(deployer, dn.toolchain, op_prefix="core-v1")
    sent = await nonce_of(dn, deployer.address)
    again = await deploy_core(deployer, dn.toolchain, op_prefix="core-v1")
    assert again == first
    assert await nonce_of(dn, deployer.address) == sent
    receipt_block = (await dn.anvil.w3.eth.get_block(first.deploy_block))["number"]
    assert receipt_block == first.deploy_block
    code = await dn.anvil.w3.eth.get_code(first.vault_configurator)
    assert len(code) > 0


async def test_refused_transaction_is_forgotten_and_signed_again(world) -> None:
    from omnistake.chains.ethereum.errors import TransactionError
    from omnistake.chains.ethereum.signer import EphemeralSigner

    dn = world.devnet
    poor = TxSender(dn.anvil.w3, EphemeralSigner(), store=TxStore(), priority_fee_wei=10**9)
    tx = {"to": dn.deployment.operator_registry, "data": _calldata(dn, "registerOperator")}
    with pytest.raises(TransactionError) as err:
        await poor.send(tx, op_id="op-poor", gas=200_000)
    assert err.value.reason == "TX_REFUSED"
    assert poor.store.get("op-poor") is None
    await dn.anvil.set_balance(poor.address, 10**19)
    res = await poor.send(tx, op_id="op-poor", gas=200_000)
    assert not res.reused
    assert await nonce_of(dn, poor.address) == 1
    assert await dn.core.is_operator(poor.address)


async def test_exactly_once_through_a_faulty_connection(world, faulty_proxy) -> None:
    """Requests dropped, stalled, answered 503, and replies lost after the node acted."""
    from omnistake.chains.ethereum.rpc import RetryPolicy, make_web3
    from omnistake.chains.ethereum.signer import EphemeralSigner

    dn = world.devnet
    proxy = await faulty_proxy(
        dn.anvil.port, drop_every=7, stall_every=23, error_every=11, lose_reply_every=5
    )
    w3 = make_web3(f"http://127.0.0.1:{proxy.port}", timeout=1.0)
    signer = EphemeralSigner()
    await dn.anvil.set_balance(signer.address, 10**20)
    sender = TxSender(
        w3,
        signer,
        store=TxStore(),
        decoder=dn.core.error_decoder,
        retry=RetryPolicy(attempts=30, first_delay=0.01, max_delay=0.1),
    )
    reg = dn.deployment.operator_registry
    registry_tx = {"to": reg, "data": _calldata(dn, "registerOperator")}
    try:
        results = []
        for i in range(8):
            # Each op: the first is a registration, the rest plain value transfers.
            tx = registry_tx if i == 0 else {"to": world.bob.address, "value": i}
            for _attempt in range(5):  # the caller retries the same op id after a failure
                try:
                    results.append(await sender.send(tx, op_id=f"op-fault-{i}"))
                    break
                except Exception:
                    continue
    finally:
        await w3.provider.disconnect()
    assert proxy.lost_replies > 0 and proxy.drops > 0
    assert len(results) == 8
    assert len({r.tx_hash for r in results}) == 8
    assert await nonce_of(dn, signer.address) == 8, "one transaction per operation"
    assert await dn.core.is_operator(signer.address)
