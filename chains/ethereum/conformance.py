"""The built-in conformance harness (``omnistake.chains.ethereum.conformance:harness``).

Each harness starts its own anvil (a plain subprocess on a free loopback port), deploys the
real Symbiotic core and stands up a network, an operator, a vault (connected, with a
deposit), then switches automining off so the kit decides what goes into which block.
:class:`AnvilController` is the kit's :class:`~omnistake.testing.ChainController`:
activity is a fresh operator registering itself (one ``RegisterOperator`` fact in the next
block); a reorg replaces the top blocks through ``anvil_reorg`` with a branch that carries
another operator's registration.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import threading
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from eth_account import Account
from eth_utils.crypto import keccak
from omnistake.chains.ethereum.adapter import EthereumAdapter
from omnistake.chains.ethereum.anvil import DEFAULT_START_TIMESTAMP, free_port
from omnistake.chains.ethereum.deploy import CoreDeployment, deploy_core, deploy_token
from omnistake.chains.ethereum.errors import AnvilError
from omnistake.chains.ethereum.operations import (
    connect_vault,
    stand_up_network,
    stand_up_operator,
    stand_up_vault,
)
from omnistake.chains.ethereum.rpc import make_web3, raw_request
from omnistake.chains.ethereum.signer import EphemeralSigner, Signer
from omnistake.chains.ethereum.symbiotic import Symbiotic
from omnistake.chains.ethereum.toolchain import Toolchain, find_toolchain
from omnistake.chains.ethereum.tx import ErrorDecoder, TxSender, TxStore
from omnistake.plugins.records import BlockRef
from omnistake.service import LedgerService
from omnistake.testing import AdapterHarness

T = TypeVar("T")
_REGISTER_OPERATOR = "0x" + keccak(text="registerOperator()")[:4].hex()


def run_in_thread(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion on a private event loop in a worker thread (the kit's
    harness factory is synchronous and may be called while another loop runs)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:  # handed to the caller below
            box["error"] = exc

    t = threading.Thread(target=target, name="eth-harness-setup")
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


class AnvilProcess:
    """anvil as a plain subprocess (not bound to any event loop); stop it with :meth:`stop`."""

    def __init__(self, toolchain: Toolchain, *, chain_id: int = 31337) -> None:
        self.chain_id = chain_id
        self.port = free_port()
        self.proc = subprocess.Popen(
            [
                str(toolchain.anvil),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--chain-id",
                str(chain_id),
                "--timestamp",
                str(DEFAULT_START_TIMESTAMP),
                "--accounts",
                "1",
                "--silent",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    @property
    def url(self) -> str:
        """HTTP JSON-RPC endpoint."""
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Terminate (then kill) the process."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@dataclass
class EthWorld:
    """What the harness set up on its anvil."""

    node: AnvilProcess
    toolchain: Toolchain
    deployment: CoreDeployment
    network: str
    operator: str
    vault: str
    token: str
    middleware: Signer
    reorg_keys: list[Any] = field(default_factory=list)


async def _rpc(w3: Any, method: str, params: list[Any]) -> Any:
    return await raw_request(w3, method, params)


async def _wait_ready(w3: Any, timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            await _rpc(w3, "eth_chainId", [])
            return
        except Exception:
            if loop.time() > deadline:
                raise AnvilError("anvil did not start", reason="ANVIL_NOT_RUNNING") from None
            await asyncio.sleep(0.05)


async def build_world(node: AnvilProcess, toolchain: Toolchain, reorg_keys: int = 6) -> EthWorld:
    """Deploy the core, stand up a network, an operator and a connected vault with a
    deposit, pre-fund keys for reorg branches, then switch automining off."""
    w3 = make_web3(node.url)
    try:
        await _wait_ready(w3)
        await _rpc(w3, "anvil_setBlockTimestampInterval", [1])
        store = TxStore()
        decoder = ErrorDecoder.from_toolchain(toolchain)

        async def account(eth: int = 10**21) -> TxSender:
            signer = EphemeralSigner()
            await _rpc(w3, "anvil_setBalance", [signer.address, hex(eth)])
            return TxSender(w3, signer, store=store, decoder=decoder)

        deployer = await account(10**24)
        deployment = await deploy_core(deployer, toolchain)
        core = Symbiotic(w3, deployment, toolchain)
        network, middleware, operator, curator, staker = [await account() for _ in range(5)]
        await stand_up_network(core, network, middleware.address)
        await stand_up_operator(core, operator, networks=(network.address,))
        token = await deploy_token(deployer, toolchain, "Test LST", "TLST", 18)
        vault = await stand_up_vault(core, curator, token, epoch_duration=3600)
        await stand_up_operator(core, operator, vaults=(vault.info.vault,))
        await connect_vault(vault, network, curator, operator.address, limit=10**24)
        erc = core.token(token)
        await erc.mint(deployer, staker.address, 10**21)
        await erc.approve(staker, vault.info.vault, 10**21)
        await vault.deposit(staker, 5 * 10**18)
        keys = [Account.create() for _ in range(reorg_keys)]
        for key in keys:
            await _rpc(w3, "anvil_setBalance", [key.address, hex(10**19)])
        await _rpc(w3, "evm_mine", [])
        await _rpc(w3, "evm_setAutomine", [False])
        return EthWorld(
            node=node,
            toolchain=toolchain,
            deployment=deployment,
            network=network.address,
            operator=operator.address,
            vault=vault.info.vault,
            token=token,
            middleware=middleware.signer,
            reorg_keys=keys,
        )
    finally:
        with contextlib.suppress(Exception):
            await w3.provider.disconnect()


def _ref(block: dict[str, Any]) -> BlockRef:
    return BlockRef(
        int(block["number"], 16), str(block["hash"]).lower(), int(block["timestamp"], 16)
    )


class AnvilController:
    """The kit's chain controller over one anvil with automining off."""

    def __init__(self, world: EthWorld, confirmation_depth: int) -> None:
        self.world = world
        self._depth = confirmation_depth
        self._w3: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.activity = 0

    @property
    def confirmation_depth(self) -> int:
        """The depth the adapters are built with."""
        return self._depth

    @property
    def max_reorg_depth(self) -> int | None:
        """anvil_reorg reaches any depth."""
        return None

    @property
    def w3(self) -> Any:
        """An AsyncWeb3 for the running loop."""
        loop = asyncio.get_running_loop()
        if self._w3 is None or self._loop is not loop:
            self._w3 = make_web3(self.world.node.url)
            self._loop = loop
        return self._w3

    async def rpc(self, method: str, params: list[Any] | None = None) -> Any:
        """One raw JSON-RPC call."""
        return await raw_request(self.w3, method, params or [])

    async def setup_ledger(self, service: LedgerService) -> None:
        """Nothing: every fact comes from the chain (registries included)."""

    def _register_tx(self, key: Any, nonce: int = 0) -> str:
        tx = {
            "to": self.world.deployment.operator_registry,
            "data": _REGISTER_OPERATOR,
            "value": 0,
            "gas": 300_000,
            "maxFeePerGas": 100 * 10**9,
            "maxPriorityFeePerGas": 10**9,
            "nonce": nonce,
            "chainId": self.world.node.chain_id,
            "type": 2,
        }
        signed = key.sign_transaction(tx)
        raw = getattr(signed, "raw_transaction", None) or signed.rawTransaction
        return "0x" + bytes(raw).hex()

    async def add_activity(self) -> None:
        """A fresh operator registers itself; the transaction waits for the next block."""
        key = Account.create()
        await self.rpc("anvil_setBalance", [key.address, hex(10**19)])
        await self.rpc("eth_sendRawTransaction", [self._register_tx(key)])
        self.activity += 1

    async def mine(self, count: int = 1) -> list[BlockRef]:
        """Mine ``count`` blocks."""
        out: list[BlockRef] = []
        for _ in range(count):
            await self.rpc("evm_mine", [])
            out.append(await self.head())
        return out

    async def reorg(self, depth: int) -> list[BlockRef]:
        """Replace the top ``depth`` blocks; the new branch registers a pre-funded operator."""
        if not self.world.reorg_keys:
            raise AnvilError("no pre-funded reorg keys left", reason="HARNESS_EXHAUSTED")
        key = self.world.reorg_keys.pop(0)
        await self.rpc("anvil_reorg", [depth, [[self._register_tx(key), 0]]])
        head = await self.head()
        return [
            _ref(await self.rpc("eth_getBlockByNumber", [hex(n), False]))
            for n in range(head.height - depth + 1, head.height + 1)
        ]

    async def head(self) -> BlockRef:
        """The tip."""
        return _ref(await self.rpc("eth_getBlockByNumber", ["latest", False]))

    async def close(self) -> None:
        """Close this loop's RPC session."""
        if self._w3 is not None:
            with contextlib.suppress(Exception):
                await self._w3.provider.disconnect()
            self._w3 = None


def harness(confirmation_depth: int = 2) -> AdapterHarness:
    """A fresh anvil with Symbiotic deployed and a vault, adapters from the plugin factory."""
    from omnistake.chains.ethereum.plugin import omnistake_chain_adapters

    toolchain = find_toolchain()
    node = AnvilProcess(toolchain)
    try:
        world = run_in_thread(build_world(node, toolchain))
    except BaseException:
        node.stop()
        raise
    (spec,) = list(omnistake_chain_adapters())
    options = {
        "rpc_url": node.url,
        "deployment": world.deployment,
        "confirmation_depth": confirmation_depth,
        "poll_interval": 0.02,
        "middleware_signer": world.middleware,
        "artifacts_dir": str(toolchain.artifacts_dir),
    }
    chain_id = f"eip155:{node.chain_id}"

    def make_adapter() -> EthereumAdapter:
        adapter = spec.factory(chain_id, options)
        assert isinstance(adapter, EthereumAdapter)
        return adapter

    controller = AnvilController(world, confirmation_depth)

    async def teardown() -> None:
        await controller.close()
        node.stop()

    return AdapterHarness(
        make_adapter=make_adapter, controller=controller, namespace="eip155", teardown=teardown
    )


__all__ = ["AnvilController", "AnvilProcess", "EthWorld", "build_world", "harness", "run_in_thread"]
