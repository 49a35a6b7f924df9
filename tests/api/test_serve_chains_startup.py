"""Start-up of ``omnistake serve --chains``: plugin failures (logged, or fatal in strict mode),
and chains config files that cannot be served stop serve with a clear, typed message."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from omnistake.plugins import PluginManager
from omnistake.plugins.config import (
    AdapterOptionsError,
    ChainsConfigError,
    ConfiguredChain,
    UnknownChainNamespace,
    build_adapter,
    load_chains_config,
    parse_chains_config,
)
from serve_chains_node import run_to_exit, running_node

MEM = """
[chains.mem]
chain_id = "memchain:dev"
[chains.mem.options]
confirmation_depth = 1
"""


def broken_plugin(root: Path) -> dict[str, str]:
    """A throwaway installed distribution whose ``omnistake`` entry point fails to import;
    the environment that puts it on the path and loads only it and memchain."""
    (root / "broken_chain_plugin.py").write_text(
        'raise ImportError("needs a chain library that is not installed")\n'
    )
    info = root / "broken_chain_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: broken-chain-plugin\nVersion: 1.0\n"
    )
    (info / "entry_points.txt").write_text("[omnistake]\nbrokenchain = broken_chain_plugin\n")
    return {"PYTHONPATH": str(root), "OMNISTAKE_LOAD_PLUGINS": "memchain,brokenchain"}


async def test_strict_mode_makes_a_broken_plugin_fatal(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    env = broken_plugin(site)
    code, err = await run_to_exit(
        tmp_path, MEM, "--strict-plugins", chains=["memchain:dev"], env=env
    )
    assert code != 0
    assert "PLUGIN_LOAD_FAILED" in err and "'brokenchain'" in err
    assert "needs a chain library that is not installed" in err
    assert "listening on" not in err
    # The environment variable does the same.
    code, err = await run_to_exit(
        tmp_path, MEM, chains=["memchain:dev"], env={**env, "OMNISTAKE_STRICT_PLUGINS": "1"}
    )
    assert code != 0 and "PLUGIN_LOAD_FAILED" in err


async def test_without_strict_mode_a_broken_plugin_is_logged_and_skipped(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    env = broken_plugin(site)
    async with running_node(tmp_path, MEM, ["memchain:dev"], env=env) as node:
        log = node.log()
    assert "plugin brokenchain skipped: IMPORT_FAILED" in log
    assert "needs a chain library that is not installed" in log
    assert "following memchain:dev with the memchain adapter" in log


@pytest.mark.parametrize(
    ("config", "chains", "expected"),
    [
        (
            '[chains.x]\nchain_id = "cosmos:hub-4"\n',
            [],
            ["UNKNOWN_CHAIN_NAMESPACE", "'cosmos'", "loaded namespaces: memchain"],
        ),
        # The memchain factory refuses a chain that is not running (its own MemchainError).
        (MEM, [], ["BAD_ADAPTER_OPTIONS", "no memchain named 'memchain:dev' is running"]),
        (
            MEM.replace("confirmation_depth = 1", 'custody = "sideways"'),
            ["memchain:dev"],
            ["BAD_ADAPTER_OPTIONS", "sideways"],
        ),
        ("[chains.x]\nchain_id = 5\n", [], ["BAD_CHAINS_CONFIG", "chain_id"]),
    ],
)
async def test_bad_chains_config_stops_serve(
    tmp_path: Path, config: str, chains: list[str], expected: list[str]
) -> None:
    code, err = await run_to_exit(tmp_path, config, chains=chains)
    assert code != 0
    for text in expected:
        assert text in err, err
    assert "listening on" not in err


# -- the config loader, in process ---------------------------------------------------------------


def test_parses_tables_in_order_with_defaults() -> None:
    config = parse_chains_config(
        textwrap.dedent(
            """
            [chains.btc]
            chain_id = "bip122:000000000019d6689c085ae165831e93"
            dispatch_interval = 2
            slash_network = "babylon"
            evidence_slasher = "omnistake.chains.bitcoin.hub:slash_double_sign"
            [chains.btc.options]
            esplora_url = "http://127.0.0.1:3002"
            confirmation_depth = 6

            [chains.mem]
            chain_id = "memchain:dev"
            """
        )
    )
    btc, mem = config.chains
    assert (btc.label, btc.namespace, btc.dispatch_interval) == ("btc", "bip122", 2.0)
    assert dict(btc.options) == {"esplora_url": "http://127.0.0.1:3002", "confirmation_depth": 6}
    assert btc.slash_network == "babylon"
    assert (mem.options, mem.dispatch_interval, mem.evidence_slasher) == ({}, 5.0, "")
    assert config.get("memchain:dev") is mem and config.get("memchain:other") is None


MEMDEV = "[chains.a]\nchain_id = 'memchain:dev'\n"


@pytest.mark.parametrize(
    ("text", "field", "needle"),
    [
        ("chains = 3", "chains", "no chains"),
        ("[other]\nx = 1", "chains", "unknown top-level key(s) other"),
        ("[chains.a]\nchain_id = 'memchain:dev'\nrpc = 'x'", "rpc", "adapter options go in"),
        ("[chains.a]\nchain_id = 'nocolon'", "chain_id", "CAIP-2"),
        ("[chains.a]\nchain_id = 'memchain:dev'\noptions = 3", "options", "must be a table"),
        (MEMDEV + "dispatch_interval = -1", "dispatch_interval", ">= 0"),
        (MEMDEV + "dispatch_interval = true", "dispatch_interval", ">= 0"),
        (MEMDEV + "evidence_slasher = 'nope'", "evidence_slasher", "module:function"),
        (
            "[chains.a]\nchain_id = 'memchain:dev'\n[chains.b]\nchain_id = 'memchain:dev'",
            "chain_id",
            "configured twice",
        ),
        ("[chains.a\n", "chains", "not valid TOML"),
    ],
)  # fmt: skip
def test_rejects_bad_files_with_typed_errors(text: str, field: str, needle: str) -> None:
    with pytest.raises(ChainsConfigError) as err:
        parse_chains_config(text)
    assert err.value.reason == "BAD_CHAINS_CONFIG"
    assert err.value.field == field
    assert needle in err.value.message


def test_missing_file_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(ChainsConfigError) as err:
        load_chains_config(tmp_path / "absent.toml")
    assert "cannot read chains config" in err.value.message


def test_build_adapter_names_loaded_namespaces_and_keeps_typed_errors() -> None:
    manager = PluginManager(only={"bitcoin", "memchain"}, disabled=set())
    manager.load_entry_points()
    loaded = ", ".join(sorted(manager.chain_adapters()))
    with pytest.raises(UnknownChainNamespace) as unknown:
        build_adapter(manager, ConfiguredChain(label="x", chain_id="cosmos:hub-4"))
    assert f"loaded namespaces: {loaded}" in unknown.value.message
    if "bip122" in manager.chain_adapters():
        # The Bitcoin factory's own typed error comes through unchanged.
        from omnistake.chains.bitcoin.adapter import BitcoinAdapterError

        with pytest.raises(BitcoinAdapterError) as typed:
            build_adapter(
                manager,
                ConfiguredChain(label="btc", chain_id="bip122:000000000019d6689c085ae165831e93"),
            )
        assert typed.value.metadata["cause"] == "NO_BACKEND"
    if "memchain" in manager.chain_adapters():
        with pytest.raises(AdapterOptionsError) as wrapped:
            build_adapter(manager, ConfiguredChain(label="m", chain_id="memchain:none-here"))
        assert wrapped.value.metadata["cause"] == "NO_CHAIN"
