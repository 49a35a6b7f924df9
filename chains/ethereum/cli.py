"""``omnistake ethereum ...``: from nothing to a slashable Symbiotic network with the CLI alone.

The click group :data:`ethereum` holds the commands. ``omnistake`` mounts it through the
``omnistake.cli`` entry point (``omnistake ethereum ...``), :func:`register` adds it to any
other group, and ``python -m omnistake.chains.ethereum`` runs it on its own::

    python -m omnistake.chains.ethereum devnet --out devnet.json &           # anvil + core
    python -m omnistake.chains.ethereum account new net.json                  # keystores
    python -m omnistake.chains.ethereum account fund net.json -d devnet.json # dev nodes only
    python -m omnistake.chains.ethereum network -d devnet.json -k net.json --middleware 0x..
    python -m omnistake.chains.ethereum operator -d devnet.json -k op.json --network 0x..
    python -m omnistake.chains.ethereum vault -d devnet.json -k cur.json --collateral 0x..
    python -m omnistake.chains.ethereum opt-in -d devnet.json -k op.json --vault 0x..
    python -m omnistake.chains.ethereum connect -d devnet.json --network-key net.json \\
        --curator-key cur.json --vault 0x.. --operator 0x.. --limit 1000
    python -m omnistake.chains.ethereum deposit -d devnet.json -k st.json --vault 0x.. --amount 5

Keystore passwords come from ``OMNISTAKE_KEYSTORE_PASSWORD`` (or a prompt). Every command
checks chain state first and sends with stable operation ids kept in ``--tx-store``, so
re-running a command after an interruption sends nothing twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from omnistake.chains.ethereum.deploy import CoreDeployment, deploy_core, deploy_token
from omnistake.chains.ethereum.errors import EthereumAdapterError
from omnistake.chains.ethereum.operations import (
    connect_vault,
    stand_up_network,
    stand_up_operator,
    stand_up_vault,
)
from omnistake.chains.ethereum.params import VaultInfo
from omnistake.chains.ethereum.rpc import make_web3, raw_request
from omnistake.chains.ethereum.signer import EphemeralSigner, KeystoreSigner, Signer
from omnistake.chains.ethereum.symbiotic import (
    DelegatorConfig,
    DelegatorType,
    SlasherConfig,
    SlasherType,
    Symbiotic,
    VaultBinding,
)
from omnistake.chains.ethereum.toolchain import find_toolchain
from omnistake.chains.ethereum.tx import ErrorDecoder, TxSender, TxStore

T = TypeVar("T")
PASSWORD_ENV = "OMNISTAKE_KEYSTORE_PASSWORD"
DEFAULT_DEPLOYMENT = "omnistake-devnet.json"
DEFAULT_TX_STORE = "omnistake-eth-tx.sqlite"
_DELEGATORS = {t.name.lower().replace("_", "-"): t for t in DelegatorType}
_SLASHERS = {t.name.lower(): t for t in SlasherType}


def _password(confirm: bool = False) -> str:
    value = os.environ.get(PASSWORD_ENV)
    if value is not None:
        return value
    return str(click.prompt("keystore password", hide_input=True, confirmation_prompt=confirm))


def _run(make: Callable[[], Awaitable[T]]) -> T:
    try:
        return asyncio.run(make())  # type: ignore[arg-type]
    except EthereumAdapterError as exc:
        raise click.ClickException(f"{exc.reason}: {exc}") from None


class _Session:
    """RPC connection, deployment and transaction journal of one command."""

    def __init__(self, deployment: str, rpc_url: str | None, tx_store: str) -> None:
        path = Path(deployment)
        if not path.exists():
            raise click.ClickException(f"no deployment file {path} (run `devnet` first)")
        data = json.loads(path.read_text())
        self.rpc_url = rpc_url or data.pop("rpc_url", None)
        data.pop("rpc_url", None)
        if not self.rpc_url:
            raise click.ClickException("give --rpc-url (the deployment file names none)")
        self.deployment = CoreDeployment(**data)
        self.toolchain = find_toolchain()
        self.w3 = make_web3(self.rpc_url)
        self.store = TxStore(tx_store)
        self.core = Symbiotic(self.w3, self.deployment, self.toolchain)

    def sender(self, signer: Signer) -> TxSender:
        return TxSender(self.w3, signer, store=self.store, decoder=self.core.error_decoder)

    def key(self, path: str) -> TxSender:
        return self.sender(KeystoreSigner.open(path, _password()))

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.w3.provider.disconnect()
        self.store.close()


def _session_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option(
        "--tx-store",
        default=DEFAULT_TX_STORE,
        show_default=True,
        help="SQLite journal of sent transactions (makes re-runs safe).",
    )(fn)
    fn = click.option("--rpc-url", default=None, help="JSON-RPC URL (default: from the file).")(fn)
    fn = click.option(
        "-d",
        "--deployment",
        default=DEFAULT_DEPLOYMENT,
        show_default=True,
        help="Deployment file written by `devnet`.",
    )(fn)
    return fn


def _in_session(
    deployment: str, rpc_url: str | None, tx_store: str, body: Callable[[_Session], Awaitable[T]]
) -> T:
    async def go() -> T:
        session = _Session(deployment, rpc_url, tx_store)
        try:
            return await body(session)
        finally:
            await session.close()

    return _run(go)


@click.group("ethereum", context_settings={"help_option_names": ["-h", "--help"]})
def ethereum() -> None:
    """Symbiotic on an EVM chain: a local devnet, networks, operators, vaults, opt-ins."""


# -- devnet ------------------------------------------------------------------------------------


async def _deploy(rpc_url: str, out: Path, tx_store: str) -> CoreDeployment:
    w3 = make_web3(rpc_url)
    store = TxStore(tx_store)
    try:
        tc = find_toolchain()
        signer = EphemeralSigner()
        await raw_request(w3, "anvil_setBalance", [signer.address, hex(10**24)])
        deployer = TxSender(w3, signer, store=store, decoder=ErrorDecoder.from_toolchain(tc))
        deployment = await deploy_core(deployer, tc)
        data = {"rpc_url": rpc_url, **deployment.__dict__}
        out.write_text(json.dumps(data, indent=1))
        return deployment
    finally:
        with contextlib.suppress(Exception):
            await w3.provider.disconnect()
        store.close()


@ethereum.command("devnet")
@click.option("--rpc-url", default=None, help="Deploy onto this dev node (anvil) and exit.")
@click.option("--out", default=DEFAULT_DEPLOYMENT, show_default=True, help="Deployment file.")
@click.option("--tx-store", default=":memory:", help="Journal of the deployment's transactions.")
def devnet(rpc_url: str | None, out: str, tx_store: str) -> None:
    """Start anvil on 127.0.0.1 (until Ctrl-C) and deploy the Symbiotic core on it; or, with
    --rpc-url, deploy onto a running dev node. Writes the addresses to --out."""
    path = Path(out)
    if rpc_url is not None:
        dep = _run(lambda: _deploy(rpc_url, path, tx_store))
        click.echo(f"Symbiotic core deployed on {rpc_url} (chain {dep.chain_id}); wrote {path}")
        return
    from omnistake.chains.ethereum.conformance import AnvilProcess

    node = AnvilProcess(find_toolchain())
    try:
        dep = _run(lambda: _wait_and_deploy(node.url, path, tx_store))
        click.echo(f"anvil on {node.url}; Symbiotic core deployed (chain {dep.chain_id})")
        click.echo(f"wrote {path}; Ctrl-C stops the node")
        node.proc.wait()
    except KeyboardInterrupt:
        pass
    finally:
        node.stop()


async def _wait_and_deploy(url: str, out: Path, tx_store: str) -> CoreDeployment:
    w3 = make_web3(url)
    try:
        for _ in range(400):
            try:
                await raw_request(w3, "eth_chainId", [])
                break
            except Exception:
                await asyncio.sleep(0.05)
    finally:
        with contextlib.suppress(Exception):
            await w3.provider.disconnect()
    return await _deploy(url, out, tx_store)


# -- accounts and tokens -------------------------------------------------------------------------


@ethereum.group("account")
def account() -> None:
    """Keystores (encrypted v3 files) for the principals."""


@account.command("new")
@click.argument("keystore")
def account_new(keystore: str) -> None:
    """Write a new encrypted keystore and print its address."""
    try:
        signer = KeystoreSigner.create(keystore, _password(confirm=True))
    except EthereumAdapterError as exc:
        raise click.ClickException(f"{exc.reason}: {exc}") from None
    click.echo(signer.address)


def _keystore_address(path: str) -> str:
    try:
        return "0x" + str(json.loads(Path(path).read_text())["address"]).removeprefix("0x")
    except (OSError, ValueError, KeyError):
        raise click.ClickException(f"{path} is not a keystore file") from None


@account.command("fund")
@click.argument("keystore")
@click.option("--eth", default=100, show_default=True, help="Balance to set, in ETH.")
@_session_options
def account_fund(
    keystore: str, eth: int, deployment: str, rpc_url: str | None, tx_store: str
) -> None:
    """Give the keystore's address ETH on a dev node (anvil_setBalance)."""
    address = _keystore_address(keystore)

    async def body(s: _Session) -> None:
        await raw_request(s.w3, "anvil_setBalance", [address, hex(eth * 10**18)])

    _in_session(deployment, rpc_url, tx_store, body)
    click.echo(f"{address} now holds {eth} ETH")


@ethereum.command("token")
@click.option("-k", "--keystore", required=True, help="The deployer (may mint).")
@click.option("--symbol", required=True)
@click.option("--decimals", default=18, show_default=True)
@click.option("--mint-to", multiple=True, help="Mint --amount to these addresses.")
@click.option("--amount", default=10**6, show_default=True, help="Whole tokens to mint.")
@_session_options
def token(
    keystore: str,
    symbol: str,
    decimals: int,
    mint_to: tuple[str, ...],
    amount: int,
    deployment: str,
    rpc_url: str | None,
    tx_store: str,
) -> None:
    """Deploy a mintable test ERC-20 (a stand-in LST) and mint some."""

    async def body(s: _Session) -> str:
        sender = s.key(keystore)
        address = await deploy_token(
            sender, s.toolchain, f"Test {symbol}", symbol, decimals, op_id=f"cli:token:{symbol}"
        )
        for to in mint_to:
            await s.core.token(address).mint(
                sender, to, amount * 10**decimals, op_id=f"cli:mint:{address}:{to}:{amount}"
            )
        return address

    click.echo(_in_session(deployment, rpc_url, tx_store, body))


# -- network, operator, vault, opt-ins -------------------------------------------------------------


@ethereum.command("network")
@click.option("-k", "--keystore", required=True, help="The network's key.")
@click.option("--middleware", required=True, help="Address allowed to slash for the network.")
@_session_options
def network(
    keystore: str, middleware: str, deployment: str, rpc_url: str | None, tx_store: str
) -> None:
    """Register a network and set its middleware."""

    async def body(s: _Session) -> str:
        sender = s.key(keystore)
        await stand_up_network(s.core, sender, middleware)
        return sender.address

    click.echo(f"network {_in_session(deployment, rpc_url, tx_store, body)} registered")


@ethereum.command("operator")
@click.option("-k", "--keystore", required=True, help="The operator's key.")
@click.option("--network", "networks", multiple=True, help="Opt in to these networks.")
@click.option("--vault", "vaults", multiple=True, help="Opt in to these vaults.")
@_session_options
def operator(
    keystore: str,
    networks: tuple[str, ...],
    vaults: tuple[str, ...],
    deployment: str,
    rpc_url: str | None,
    tx_store: str,
) -> None:
    """Register an operator (and opt it in to networks and vaults)."""

    async def body(s: _Session) -> str:
        sender = s.key(keystore)
        await stand_up_operator(s.core, sender, networks=networks, vaults=vaults)
        return sender.address

    click.echo(f"operator {_in_session(deployment, rpc_url, tx_store, body)} registered")


@ethereum.command("opt-in")
@click.option("-k", "--keystore", required=True, help="The operator's key.")
@click.option("--network", "networks", multiple=True)
@click.option("--vault", "vaults", multiple=True)
@_session_options
def opt_in(
    keystore: str,
    networks: tuple[str, ...],
    vaults: tuple[str, ...],
    deployment: str,
    rpc_url: str | None,
    tx_store: str,
) -> None:
    """Opt a registered operator in to networks and vaults."""
    if not networks and not vaults:
        raise click.UsageError("name at least one --network or --vault")

    async def body(s: _Session) -> None:
        await stand_up_operator(s.core, s.key(keystore), networks=networks, vaults=vaults)

    _in_session(deployment, rpc_url, tx_store, body)
    click.echo(f"opted in to {len(networks)} network(s) and {len(vaults)} vault(s)")


@ethereum.command("vault")
@click.option("-k", "--keystore", required=True, help="The curator's key (holds every role).")
@click.option("--collateral", required=True, help="ERC-20 address.")
@click.option("--epoch-duration", default=7 * 86400, show_default=True, help="Seconds.")
@click.option("--delegator", type=click.Choice(sorted(_DELEGATORS)), default="network-restake")
@click.option("--operator", default=None, help="Operator of operator(-network)-specific vaults.")
@click.option("--network", default=None, help="Network of operator-network-specific vaults.")
@click.option("--slasher", type=click.Choice(sorted(_SLASHERS)), default="instant")
@click.option("--veto-duration", default=0, help="Veto slasher window, seconds.")
@click.option(
    "--name", default=None, help="Operation name (re-running it creates no second vault)."
)
@_session_options
def vault(
    keystore: str,
    collateral: str,
    epoch_duration: int,
    delegator: str,
    operator: str | None,
    network: str | None,
    slasher: str,
    veto_duration: int,
    name: str | None,
    deployment: str,
    rpc_url: str | None,
    tx_store: str,
) -> None:
    """Create a vault with its delegator and slasher through the VaultConfigurator; print
    its addresses as JSON."""

    async def body(s: _Session) -> VaultBinding:
        sender = s.key(keystore)
        op_id = f"cli:vault:{name}" if name else None
        return await stand_up_vault(
            s.core,
            sender,
            collateral,
            epoch_duration=epoch_duration,
            delegator=DelegatorConfig(_DELEGATORS[delegator], operator=operator, network=network),
            slasher=SlasherConfig(_SLASHERS[slasher], veto_duration=veto_duration),
            op_id=op_id,
        )

    v = _in_session(deployment, rpc_url, tx_store, body)
    click.echo(json.dumps(_info_json(v.info)))


def _info_json(info: VaultInfo) -> dict[str, Any]:
    return {
        "vault": info.vault,
        "delegator": info.delegator,
        "slasher": info.slasher,
        "delegator_type": info.delegator_type.name.lower(),
        "slasher_type": info.slasher_type.name.lower(),
        "collateral": info.collateral,
        "epoch_duration": info.epoch_duration,
    }


async def _binding(s: _Session, address: str) -> VaultBinding:
    """Bindings of an existing vault, its types read from chain."""
    from omnistake.chains.ethereum.adapter import EthereumAdapter, EthereumOptions

    adapter = EthereumAdapter(
        f"eip155:{s.deployment.chain_id}",
        EthereumOptions(rpc_url=s.rpc_url or "", deployment=s.deployment),
        toolchain=s.toolchain,
    )
    adapter._w3 = s.w3  # share the session's connection
    return await adapter.vault_binding(f"eip155:{s.deployment.chain_id}:{address}")


@ethereum.command("connect")
@click.option("--network-key", required=True, help="The network's keystore.")
@click.option("--curator-key", required=True, help="The vault curator's keystore.")
@click.option("--vault", "vault_address", required=True)
@click.option("--operator", "operator_address", required=True)
@click.option("--limit", required=True, type=int, help="Stake limit in base units.")
@click.option("--subnetwork", default=0, show_default=True, help="uint96 identifier.")
@_session_options
def connect(
    network_key: str,
    curator_key: str,
    vault_address: str,
    operator_address: str,
    limit: int,
    subnetwork: int,
    deployment: str,
    rpc_url: str | None,
    tx_store: str,
) -> None:
    """The network accepts the vault (max limit) and the curator allocates to the operator."""

    async def body(s: _Session) -> str:
        binding = await _binding(s, vault_address)
        sn = await connect_vault(
            binding,
            s.key(network_key),
            s.key(curator_key),
            operator_address,
            identifier=subnetwork,
            limit=limit,
        )
        return "0x" + sn.hex()

    click.echo(f"subnetwork {_in_session(deployment, rpc_url, tx_store, body)} connected")


@ethereum.command("deposit")
@click.option("-k", "--keystore", required=True, help="The staker's key.")
@click.option("--vault", "vault_address", required=True)
@click.option("--amount", required=True, type=int, help="Base units.")
@_session_options
def deposit(
    keystore: str,
    vault_address: str,
    amount: int,
    deployment: str,
    rpc_url: str | None,
    tx_store: str,
) -> None:
    """Approve and deposit collateral into a vault."""

    async def body(s: _Session) -> None:
        sender = s.key(keystore)
        binding = await _binding(s, vault_address)
        await binding.collateral.approve(sender, binding.info.vault, amount)
        await binding.deposit(sender, amount)

    _in_session(deployment, rpc_url, tx_store, body)
    click.echo(f"deposited {amount} into {vault_address}")


def register(group: click.Group) -> None:
    """Add ``ethereum`` to ``group`` (the hook ``omnistake``'s main group would call)."""
    group.add_command(ethereum)


def main() -> None:
    """``python -m omnistake.chains.ethereum``."""
    ethereum(prog_name="python -m omnistake.chains.ethereum")


__all__ = ["ethereum", "main", "register"]
