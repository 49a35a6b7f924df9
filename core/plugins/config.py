"""The chains config file that ``omnistake serve --chains FILE`` reads (TOML).

One table per chain under ``[chains.<label>]``::

    [chains.btc]
    chain_id = "bip122:0f9188f13cb7b2c71f2a335e3a4fc328"   # CAIP-2
    dispatch_interval = 5.0          # seconds between slash/payout dispatches (0: never)
    slash_network = "babylon"        # network that slashes on submitted evidence
    evidence_slasher = "omnistake.chains.bitcoin.hub:slash_double_sign"

    [chains.btc.options]             # handed as-is to the adapter's factory
    rpc_url = "http://127.0.0.1:18443"
    confirmation_depth = 6

:func:`load_chains_config` checks the file's shape; :func:`build_adapters` builds every
configured adapter once with its plugin's factory, so a misspelled namespace or a bad option
stops start-up with a typed error instead of a sync loop that restarts forever.
"""

from __future__ import annotations

import importlib
import math
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omnistake.errors import OmnistakeError
from omnistake.ids import parse_chain_id

from .errors import PluginError
from .manager import PluginManager
from .protocol import ChainAdapter

DEFAULT_DISPATCH_INTERVAL = 5.0
_CHAIN_KEYS = {"chain_id", "options", "dispatch_interval", "slash_network", "evidence_slasher"}


class ChainsConfigError(PluginError):
    """The chains config file is missing, not TOML, or not shaped as documented."""

    reason = "BAD_CHAINS_CONFIG"
    kind = "invalid_argument"


class UnknownChainNamespace(ChainsConfigError):
    """A configured chain's CAIP-2 namespace is served by no loaded plugin."""

    reason = "UNKNOWN_CHAIN_NAMESPACE"


class AdapterOptionsError(ChainsConfigError):
    """An adapter factory refused its options with an error that is not an omnistake typed
    error (typed errors are raised as they are)."""

    reason = "BAD_ADAPTER_OPTIONS"


@dataclass(frozen=True, kw_only=True)
class ConfiguredChain:
    """One ``[chains.<label>]`` table."""

    label: str
    chain_id: str
    options: Mapping[str, Any] = field(default_factory=dict)
    dispatch_interval: float = DEFAULT_DISPATCH_INTERVAL
    slash_network: str = ""
    evidence_slasher: str = ""

    @property
    def namespace(self) -> str:
        """The chain's CAIP-2 namespace."""
        return self.chain_id.split(":", 1)[0]


@dataclass(frozen=True, kw_only=True)
class ChainsConfig:
    """Every configured chain, in file order."""

    chains: tuple[ConfiguredChain, ...]
    source: str = ""

    def get(self, chain_id: str) -> ConfiguredChain | None:
        """The chain configured under ``chain_id``, if any."""
        return next((c for c in self.chains if c.chain_id == chain_id), None)


def load_chains_config(path: str | Path) -> ChainsConfig:
    """Read and check a chains config file."""
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ChainsConfigError(
            f"cannot read chains config {source}: {exc.strerror or exc}", field="chains"
        ) from None
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        raise ChainsConfigError(f"{source} is not UTF-8 text", field="chains") from None
    return parse_chains_config(text, source=source)


def parse_chains_config(text: str, *, source: str = "<chains config>") -> ChainsConfig:
    """Check the TOML text of a chains config."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ChainsConfigError(f"{source} is not valid TOML: {exc}", field="chains") from None
    unknown = sorted(set(data) - {"chains"})
    if unknown:
        raise ChainsConfigError(
            f"{source}: unknown top-level key(s) {', '.join(unknown)}; chains go in "
            "[chains.<label>] tables",
            field="chains",
        )
    tables = data.get("chains")
    if not isinstance(tables, dict) or not tables:
        raise ChainsConfigError(
            f"{source}: no chains; add a [chains.<label>] table with a chain_id",
            field="chains",
        )
    chains: list[ConfiguredChain] = []
    seen: dict[str, str] = {}
    for label, table in tables.items():
        chain = _chain(source, label, table)
        if chain.chain_id in seen:
            raise ChainsConfigError(
                f"{source}: chain {chain.chain_id!r} is configured twice "
                f"([chains.{seen[chain.chain_id]}] and [chains.{label}])",
                field="chain_id",
            )
        seen[chain.chain_id] = label
        chains.append(chain)
    return ChainsConfig(chains=tuple(chains), source=source)


def _chain(source: str, label: str, table: Any) -> ConfiguredChain:
    where = f"{source} [chains.{label}]"
    if not isinstance(table, dict):
        raise ChainsConfigError(f"{where} must be a table", field="chains")
    unknown = sorted(set(table) - _CHAIN_KEYS)
    if unknown:
        raise ChainsConfigError(
            f"{where}: unknown key(s) {', '.join(unknown)}; adapter options go in "
            f"[chains.{label}.options] (known keys: {', '.join(sorted(_CHAIN_KEYS))})",
            field=unknown[0],
        )
    chain_id = table.get("chain_id")
    if not isinstance(chain_id, str):
        raise ChainsConfigError(f"{where}: chain_id (a CAIP-2 string) is missing", field="chain_id")
    try:
        parse_chain_id(chain_id)
    except OmnistakeError as exc:
        raise ChainsConfigError(f"{where}: {exc.message}", field="chain_id") from None
    options = table.get("options", {})
    if not isinstance(options, dict):
        raise ChainsConfigError(f"{where}: options must be a table", field="options")
    interval = table.get("dispatch_interval", DEFAULT_DISPATCH_INTERVAL)
    if (
        isinstance(interval, bool)
        or not isinstance(interval, int | float)
        or not math.isfinite(interval)
        or interval < 0
    ):
        raise ChainsConfigError(
            f"{where}: dispatch_interval must be a number of seconds >= 0",
            field="dispatch_interval",
        )
    strings = {}
    for key in ("slash_network", "evidence_slasher"):
        value = table.get(key, "")
        if not isinstance(value, str):
            raise ChainsConfigError(f"{where}: {key} must be a string", field=key)
        strings[key] = value
    if strings["evidence_slasher"] and ":" not in strings["evidence_slasher"]:
        raise ChainsConfigError(
            f"{where}: evidence_slasher must read 'module:function'", field="evidence_slasher"
        )
    return ConfiguredChain(
        label=label,
        chain_id=chain_id,
        options=options,
        dispatch_interval=float(interval),
        **strings,
    )


def build_adapter(manager: PluginManager, chain: ConfiguredChain) -> ChainAdapter:
    """Build one configured chain's adapter with its plugin's factory.

    Raises :class:`UnknownChainNamespace` (naming the loaded namespaces) when no plugin
    serves the namespace; the adapter's own typed error when it refuses its options; and
    :class:`AdapterOptionsError` when it fails with anything else.
    """
    loaded = manager.chain_adapters()
    if chain.namespace not in loaded:
        raise UnknownChainNamespace(
            f"[chains.{chain.label}]: no loaded plugin serves namespace {chain.namespace!r} "
            f"(chain {chain.chain_id}); loaded namespaces: {', '.join(sorted(loaded)) or 'none'}",
            field="chain_id",
            chain_id=chain.chain_id,
        )
    try:
        return manager.create_adapter(chain.chain_id, chain.options)
    except OmnistakeError:
        raise
    except Exception as exc:
        reason = getattr(exc, "reason", None)
        raise AdapterOptionsError(
            f"[chains.{chain.label}]: the {chain.namespace} adapter refused its options: "
            f"{type(exc).__name__}: {exc}",
            field="options",
            chain_id=chain.chain_id,
            cause=reason if isinstance(reason, str) else type(exc).__name__,
        ) from exc


def build_adapters(
    manager: PluginManager, chains: Sequence[ConfiguredChain]
) -> dict[str, ChainAdapter]:
    """:func:`build_adapter` for every chain (by chain id)."""
    return {chain.chain_id: build_adapter(manager, chain) for chain in chains}


def load_evidence_slasher(path: str) -> Callable[..., Any]:
    """The ``module:function`` an ``evidence_slasher`` key names."""
    module_name, _, attr = path.partition(":")
    try:
        module = importlib.import_module(module_name)
        target = getattr(module, attr)
    except (ImportError, AttributeError) as exc:
        raise ChainsConfigError(
            f"evidence_slasher {path!r} cannot be loaded: {type(exc).__name__}: {exc}",
            field="evidence_slasher",
        ) from None
    if not callable(target):
        raise ChainsConfigError(
            f"evidence_slasher {path!r} is not callable", field="evidence_slasher"
        )
    return target  # type: ignore[no-any-return]
