"""The plugin conformance kit on the Solana adapter, on LiteSVM (built through the plugin's
own factory, with a real SPL mint and memo-bound LST deposits as the chain activity).

LiteSVM has a single chain, so the controller declares ``max_reorg_depth = 0`` and the kit
skips its reorg tests; every other kit test runs, at both commitments."""

from __future__ import annotations

from pathlib import Path

import pytest
from omnistake.testing import AdapterConformance, AdapterHarness

pytest.importorskip("solders.litesvm", reason="the solana extra (solders) is not installed")

from solana_kit import harness


class TestSolanaFinalized(AdapterConformance):
    """Finalized commitment: 32 slots of depth (LiteSVM's model of rooted slots)."""

    @pytest.fixture
    async def adapter_harness(self, tmp_path: Path) -> AdapterHarness:
        return await harness(tmp_path, "finalized")


class TestSolanaConfirmed(AdapterConformance):
    """Confirmed commitment: one slot of depth."""

    @pytest.fixture
    async def adapter_harness(self, tmp_path: Path) -> AdapterHarness:
        return await harness(tmp_path, "confirmed")


async def test_entry_point_builds_the_adapter(tmp_path: Path) -> None:
    """The built-in entry point registers namespace ``solana``; the manager's factory call
    builds a working adapter from plain options, and refuses bad ones with typed errors."""
    from omnistake.chains.solana.adapter import SolanaAdapter
    from omnistake.chains.solana.errors import ConfigError
    from omnistake.plugins import Custody, load_plugins
    from solana_kit import KIT_VAULT, make_cluster

    manager = load_plugins()
    assert "solana" in manager.chain_adapters()
    assert "solana" in {n for p in manager.report().loaded for n in p.namespaces}
    svm, hub, _payer, vault, _ = await make_cluster(tmp_path)
    options = {
        "backend": svm,
        "keystore": str(hub.path),
        "vaults": {
            KIT_VAULT: {"kind": "lst", "mint": str(vault.mint), "decimals": 9, "symbol": "kS"}
        },
        "journal": str(tmp_path / "journal.sqlite"),
    }
    adapter = manager.create_adapter("solana:litesvm-ep", options)
    assert isinstance(adapter, SolanaAdapter)
    info = await adapter.describe()
    assert info.custody is Custody.HUB_CUSTODY and info.confirmation_depth == svm.finalize_depth
    assert adapter.vaults[KIT_VAULT].custody == vault  # the ATA of the hub key, derived
    assets = await adapter.list_assets()
    assert [(a.asset_id, a.decimals) for a in assets] == [
        (f"solana:litesvm-ep/token:{vault.mint}", 9)
    ]
    await adapter.close()
    await adapter.close()
    for bad, reason in (
        ({**options, "vaults": {}}, "INVALID_CONFIG"),
        (
            {**options, "vaults": {KIT_VAULT: {"kind": "lst", "mint": "nope", "decimals": 9}}},
            "INVALID_CONFIG",
        ),
        ({**options, "vaults": {"v": {"kind": "native", "vote_accounts": []}}}, "INVALID_CONFIG"),
        ({**options, "commitment": "processed"}, "INVALID_CONFIG"),
        ({k: v for k, v in options.items() if k != "keystore"}, "INVALID_CONFIG"),
        ({**options, "backend": 42}, "INVALID_CONFIG"),
    ):
        with pytest.raises(ConfigError) as caught:
            manager.create_adapter("solana:litesvm-ep", bad)
        assert caught.value.reason == reason
    tmp_key = tmp_path / "open.json"
    tmp_key.write_text(hub.path.read_text())
    tmp_key.chmod(0o644)
    from omnistake.chains.solana.errors import SignerError

    with pytest.raises(SignerError) as refused:
        manager.create_adapter("solana:litesvm-ep", {**options, "keystore": str(tmp_key)})
    assert refused.value.reason == "KEYSTORE_INSECURE"
