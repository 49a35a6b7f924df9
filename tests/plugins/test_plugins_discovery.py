"""Discovery: entry points loaded one by one; broken, misspelled and conflicting plugins
are reported and skipped (fatal under strict mode); built-ins load like third parties."""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from types import SimpleNamespace

import pytest
from omnistake.errors import InvalidArgument
from omnistake.plugins import (
    ChainAdapterSpec,
    EventObserver,
    EventObserverSpec,
    EvidenceVerifier,
    EvidenceVerifierSpec,
    InvalidPluginRecord,
    NoAdapter,
    Offence,
    PluginConflict,
    PluginLoadError,
    PluginManager,
    Price,
    PriceSource,
    PriceSourceSpec,
    UnknownHook,
    hookimpl,
    load_plugins,
)
from plugins_dists import BROKEN, GOOD, MISSPELLED, PluginDists


def _names(items: object) -> list[str]:
    return [item.name for item in items]  # type: ignore[attr-defined]


def test_broken_plugin_is_reported_and_skipped(dists: PluginDists) -> None:
    good = dists.make("goodchain", GOOD, namespace="goodch", name="good")
    bad = dists.make("brokenchain", BROKEN)
    manager = PluginManager(only={good.entry_point, bad.entry_point})
    report = manager.load_entry_points()
    assert _names(report.loaded) == ["goodchain"]
    (failed,) = report.failed
    assert failed.name == "brokenchain"
    assert failed.target == bad.module
    assert failed.distribution == bad.distribution
    assert failed.reason == "IMPORT_FAILED"
    assert "needs a library that is not installed" in failed.error
    assert list(manager.chain_adapters()) == ["goodch"]
    loaded = report.loaded[0]
    assert (loaded.version, loaded.distribution) == ("1.0", good.distribution)
    assert loaded.namespaces == ("goodch",)
    assert loaded.hooks == ("omnistake_chain_adapters",)


def test_broken_plugin_is_fatal_under_strict_mode(dists: PluginDists) -> None:
    good = dists.make("goodchain", GOOD, namespace="goodch", name="good")
    bad = dists.make("brokenchain", BROKEN)
    manager = PluginManager(strict=True, only={good.entry_point, bad.entry_point})
    with pytest.raises(PluginLoadError) as caught:
        manager.load_entry_points()
    assert caught.value.reason == "PLUGIN_LOAD_FAILED"
    assert "brokenchain" in caught.value.message
    assert isinstance(caught.value.__cause__, ImportError)


def test_strict_mode_from_the_environment(
    dists: PluginDists, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = dists.make("brokenchain", BROKEN)
    monkeypatch.setenv("OMNISTAKE_LOAD_PLUGINS", bad.entry_point)
    assert _names(load_plugins().report().failed) == ["brokenchain"]
    monkeypatch.setenv("OMNISTAKE_STRICT_PLUGINS", "1")
    with pytest.raises(PluginLoadError):
        load_plugins()


def test_misspelled_hook_is_rejected_at_registration(dists: PluginDists) -> None:
    typo = dists.make("typochain", MISSPELLED)
    manager = PluginManager(only={typo.entry_point})
    report = manager.load_entry_points()
    (failed,) = report.failed
    assert failed.reason == "UNKNOWN_HOOK"
    assert "did you mean omnistake_chain_adapters" in failed.error
    assert not report.loaded
    assert manager.pm.get_plugin("typochain") is None
    with pytest.raises(PluginLoadError):
        PluginManager(strict=True, only={typo.entry_point}).load_entry_points()


def test_unknown_hook_rejected_on_direct_register() -> None:
    @hookimpl
    def omnistake_price_source() -> list[PriceSourceSpec]:
        return []

    manager = PluginManager(only=set())
    plugin = SimpleNamespace(omnistake_price_source=omnistake_price_source)
    with pytest.raises(UnknownHook) as caught:
        manager.register(plugin, "typo")
    assert caught.value.reason == "UNKNOWN_HOOK"
    assert "omnistake_price_sources" in caught.value.message
    assert manager.pm.get_plugin("typo") is None
    assert not manager.report().loaded


def test_duplicate_namespace_is_rejected(dists: PluginDists) -> None:
    first = dists.make("alpha", GOOD, namespace="dupchain", name="alpha")
    second = dists.make("beta", GOOD, namespace="dupchain", name="beta")
    manager = PluginManager(only={first.entry_point, second.entry_point})
    report = manager.load_entry_points()
    assert _names(report.loaded) == ["alpha"]
    (failed,) = report.failed
    assert (failed.name, failed.reason) == ("beta", "DUPLICATE_NAMESPACE")
    assert "already provided by plugin 'alpha'" in failed.error
    assert manager.chain_adapters()["dupchain"].name == "alpha"
    with pytest.raises(PluginLoadError):
        PluginManager(strict=True, only={"alpha", "beta"}).load_entry_points()


def test_duplicate_namespace_rejected_on_direct_register() -> None:
    def spec(name: str) -> SimpleNamespace:
        @hookimpl
        def omnistake_chain_adapters() -> list[ChainAdapterSpec]:
            return [ChainAdapterSpec(namespace="twin", name=name, factory=lambda c, o: None)]  # type: ignore[arg-type,return-value]

        return SimpleNamespace(omnistake_chain_adapters=omnistake_chain_adapters)

    manager = PluginManager(only=set())
    manager.register(spec("one"), "one")
    with pytest.raises(PluginConflict) as caught:
        manager.register(spec("two"), "two")
    assert caught.value.reason == "DUPLICATE_NAMESPACE"
    assert manager.pm.get_plugin("two") is None
    assert manager.chain_adapters()["twin"].name == "one"


def test_duplicate_observer_name_is_rejected() -> None:
    def plugin() -> SimpleNamespace:
        @hookimpl
        def omnistake_event_observers() -> list[EventObserverSpec]:
            return [EventObserverSpec(name="audit", factory=lambda: None)]  # type: ignore[arg-type,return-value]

        return SimpleNamespace(omnistake_event_observers=omnistake_event_observers)

    manager = PluginManager(only=set())
    manager.register(plugin(), "a")
    with pytest.raises(PluginConflict):
        manager.register(plugin(), "b")
    assert list(manager.event_observers()) == ["audit"]


def test_wrong_record_type_is_rejected() -> None:
    @hookimpl
    def omnistake_chain_adapters() -> list[str]:
        return ["not a spec"]

    manager = PluginManager(only=set())
    with pytest.raises(InvalidPluginRecord) as caught:
        manager.register(SimpleNamespace(omnistake_chain_adapters=omnistake_chain_adapters), "x")
    assert "ChainAdapterSpec" in caught.value.message


def test_bad_namespace_is_rejected() -> None:
    with pytest.raises(InvalidPluginRecord):
        ChainAdapterSpec(namespace="Not_OK", name="x", factory=lambda c, o: None)  # type: ignore[arg-type,return-value]


def test_disabled_plugins_are_not_loaded(
    dists: PluginDists, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = dists.make("goodchain", GOOD, namespace="goodch", name="good")
    bad = dists.make("brokenchain", BROKEN)
    monkeypatch.setenv("OMNISTAKE_DISABLE_PLUGINS", f"{bad.entry_point}, {good.entry_point}")
    manager = PluginManager(only={good.entry_point, bad.entry_point})
    report = manager.load_entry_points()
    assert {"brokenchain", "goodchain"} <= set(report.disabled)
    assert not report.loaded and not report.failed


def test_no_adapter_for_namespace() -> None:
    manager = PluginManager(only=set())
    manager.load_entry_points()
    with pytest.raises(NoAdapter) as caught:
        manager.create_adapter("eip155:1")
    assert caught.value.reason == "NO_CHAIN_ADAPTER"


def test_every_installed_entry_point_is_accounted_for() -> None:
    """Built-ins are entry points of this distribution like any third-party package: each
    is either loaded or reported failed with a reason (until its module exists)."""
    manager = PluginManager(disabled=set(), only=None)
    report = manager.load_entry_points()
    seen = set(_names(report.loaded)) | set(_names(report.failed))
    installed = {ep.name for ep in metadata.entry_points(group="omnistake")}
    assert seen == installed
    builtins = {
        ep.name: ep
        for ep in metadata.entry_points(group="omnistake")
        if ep.value.startswith("omnistake.chains.")
    }
    assert set(builtins) == {"ethereum", "bitcoin", "solana"}
    for failure in report.failed:
        assert failure.reason and failure.error


def test_memchain_loads_through_its_entry_point() -> None:
    pytest.importorskip("omnistake_memchain", reason="bash scripts/setup.d/examples.sh")
    manager = PluginManager(only={"memchain"})
    report = manager.load_entry_points()
    (loaded,) = report.loaded
    assert (loaded.name, loaded.distribution, loaded.namespaces) == (
        "memchain",
        "omnistake-memchain",
        ("memchain",),
    )
    from omnistake_memchain import MemchainAdapter, create_chain

    chain = create_chain("memchain:disco")
    adapter = manager.create_adapter("memchain:disco", {"confirmation_depth": 2})
    assert isinstance(adapter, MemchainAdapter)
    assert adapter.chain is chain and adapter.depth == 2


class DoubleSign:
    """Evidence: two different block hashes signed by one operator at one height."""

    async def verify(self, evidence: bytes) -> Offence:
        body = json.loads(evidence)
        if body["a"]["height"] != body["b"]["height"] or body["a"]["hash"] == body["b"]["hash"]:
            raise InvalidArgument("not a double sign", field="evidence")
        digest = hashlib.sha256(evidence).hexdigest()
        return Offence(kind="double-sign", operator=body["operator"], at=body["at"], digest=digest)


class FixedPrice:
    """A price source quoting one integer price."""

    async def price(self, asset_id: str, quote: str, at: int) -> Price:
        return Price(asset_id=asset_id, quote=quote, value=2_500 * 10**8, decimals=8, at=at)


class Everything:
    """A class-based plugin implementing every hook."""

    def __init__(self) -> None:
        self.seen: list[object] = []

    @hookimpl
    def omnistake_chain_adapters(self) -> list[ChainAdapterSpec]:
        return [ChainAdapterSpec(namespace="evrchain", name="evr", factory=lambda c, o: None)]  # type: ignore[arg-type,return-value]

    @hookimpl
    def omnistake_evidence_verifiers(self) -> list[EvidenceVerifierSpec]:
        return [
            EvidenceVerifierSpec(
                kind="double-sign", namespace="evrchain", name="ds", factory=DoubleSign
            )
        ]

    @hookimpl
    def omnistake_price_sources(self) -> list[PriceSourceSpec]:
        return [PriceSourceSpec(name="fixed", factory=FixedPrice)]

    @hookimpl
    def omnistake_event_observers(self) -> list[EventObserverSpec]:
        return [EventObserverSpec(name="recorder", factory=lambda: self)]  # type: ignore[arg-type,return-value]

    async def notify(self, event: object) -> None:
        self.seen.append(event)


async def test_every_hook_kind_registers_and_builds() -> None:
    plugin = Everything()
    manager = PluginManager(only=set())
    manager.register(plugin, "everything", version="3.1")
    (loaded,) = manager.report().loaded
    assert loaded.version == "3.1" and len(loaded.hooks) == 4
    verifier = manager.evidence_verifiers()[("evrchain", "double-sign")].factory()
    assert isinstance(verifier, EvidenceVerifier)
    evidence = json.dumps(
        {
            "operator": "op-1",
            "at": 99,
            "a": {"height": 7, "hash": "aa"},
            "b": {"height": 7, "hash": "bb"},
        }
    ).encode()
    offence = await verifier.verify(evidence)
    assert (offence.operator, offence.at) == ("op-1", 99)
    with pytest.raises(InvalidArgument):
        await verifier.verify(evidence.replace(b'"bb"', b'"aa"'))
    source = manager.price_sources()["fixed"].factory()
    assert isinstance(source, PriceSource)
    quote = await source.price("eip155:1/slip44:60", "iso4217:USD", 5)
    assert (quote.value, quote.decimals) == (250_000_000_000, 8)
    observer = manager.event_observers()["recorder"].factory()
    assert observer is plugin and isinstance(observer, EventObserver)
    assert manager.build_observers() == [plugin]
