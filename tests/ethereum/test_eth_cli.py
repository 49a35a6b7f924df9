"""The Ethereum CLI alone takes a fresh anvil to a slashable network (and re-runs are safe)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from omnistake.chains.ethereum.toolchain import toolchain_available

_OK, _WHY = toolchain_available()
pytestmark = [
    pytest.mark.anvil,
    pytest.mark.skipif(not _OK, reason=f"Ethereum toolchain missing: {_WHY}"),
]
PASSWORD = "correct horse"


def test_cli_goes_from_a_fresh_anvil_to_a_slashable_network(tmp_path: Path) -> None:
    from omnistake.chains.ethereum.conformance import AnvilProcess
    from omnistake.chains.ethereum.signer import KeystoreSigner
    from omnistake.chains.ethereum.toolchain import find_toolchain
    from omnistake.cli import main

    runner = CliRunner()
    env = {"OMNISTAKE_KEYSTORE_PASSWORD": PASSWORD}
    dep = str(tmp_path / "devnet.json")
    store = str(tmp_path / "tx.sqlite")

    def run(*args: str) -> Result:
        # Through the `omnistake` command, which mounts the group from its entry point.
        result = runner.invoke(main, ["ethereum", *args], env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result

    def session(*args: str) -> Result:
        return run(*args, "-d", dep, "--tx-store", store)

    node = AnvilProcess(find_toolchain())
    try:
        _wait(node.url)
        run("devnet", "--rpc-url", node.url, "--out", dep)
        assert json.loads(Path(dep).read_text())["rpc_url"] == node.url
        keys = {name: str(tmp_path / f"{name}.json") for name in ("net", "mw", "op", "cur", "st")}
        run("account", "new", keys["net"])  # the CLI's own keystore (scrypt)
        for name in ("mw", "op", "cur", "st"):  # faster keystores for the rest of the test
            KeystoreSigner.create(keys[name], PASSWORD, kdf="pbkdf2")
        addr = {n: "0x" + json.loads(Path(k).read_text())["address"] for n, k in keys.items()}
        for k in keys.values():
            session("account", "fund", k)
        token = session("token", "-k", keys["cur"], "--symbol", "LST", "--mint-to", addr["st"])
        token_address = token.output.strip().splitlines()[-1]
        session("network", "-k", keys["net"], "--middleware", addr["mw"])
        session("operator", "-k", keys["op"], "--network", addr["net"])
        out = session("vault", "-k", keys["cur"], "--collateral", token_address, "--name", "v1")
        info = json.loads(out.output.strip().splitlines()[-1])
        assert (info["delegator_type"], info["slasher_type"]) == ("network_restake", "instant")
        session("opt-in", "-k", keys["op"], "--vault", info["vault"])
        connect = (
            "connect", "--network-key", keys["net"], "--curator-key", keys["cur"],
            "--vault", info["vault"], "--operator", addr["op"], "--limit", str(10**21),
        )  # fmt: skip
        session(*connect)
        session("deposit", "-k", keys["st"], "--vault", info["vault"], "--amount", str(10**20))
        nonces = asyncio.run(_nonces(node.url, [addr["net"], addr["cur"], addr["op"]]))
        # Re-running set-up commands sends nothing new.
        session(*connect)
        session("opt-in", "-k", keys["op"], "--vault", info["vault"])
        session("vault", "-k", keys["cur"], "--collateral", token_address, "--name", "v1")
        again = asyncio.run(_nonces(node.url, [addr["net"], addr["cur"], addr["op"]]))
        assert again == nonces
        stake = asyncio.run(_stake(dep, info["vault"], addr["net"], addr["op"]))
        assert stake == 10**20, "the operator holds slashable stake for the network"
    finally:
        node.stop()


def _wait(url: str) -> None:
    async def go() -> None:
        from omnistake.chains.ethereum.rpc import make_web3, raw_request

        w3 = make_web3(url)
        try:
            for _ in range(400):
                try:
                    await raw_request(w3, "eth_chainId", [])
                    return
                except Exception:
                    await asyncio.sleep(0.05)
        finally:
            await w3.provider.disconnect()

    asyncio.run(go())


async def _nonces(url: str, addresses: list[str]) -> list[int]:
    from omnistake.chains.ethereum.rpc import make_web3

    w3 = make_web3(url)
    try:
        return [int(await w3.eth.get_transaction_count(a)) for a in addresses]  # type: ignore[arg-type]
    finally:
        await w3.provider.disconnect()


async def _stake(dep: str, vault: str, network: str, operator: str) -> int:
    from omnistake.chains.ethereum.adapter import EthereumAdapter
    from omnistake.chains.ethereum.events import make_subnetwork

    data = json.loads(Path(dep).read_text())
    url = data.pop("rpc_url")
    adapter = EthereumAdapter.from_options(
        f"eip155:{data['chain_id']}", {"rpc_url": url, "deployment": data}
    )
    try:
        binding = await adapter.vault_binding(f"eip155:{data['chain_id']}:{vault.lower()}")
        # Stake is only slashable for stake captured in the past: mine a block first.
        await adapter._raw("evm_mine", [])
        return await binding.stake(make_subnetwork(network, 0), operator)
    finally:
        await adapter.close()
