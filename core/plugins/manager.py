"""Finding, checking and registering plugins.

Entry points of group ``omnistake`` are loaded one by one: a plugin that fails to import
(or whose hooks are misspelled, or whose namespace another plugin already serves) is
reported with its name and error and skipped; under strict mode (``--strict-plugins`` or
``OMNISTAKE_STRICT_PLUGINS=1``) the first failure is fatal. The built-in chain adapters are
entry points of this distribution, loaded exactly like a third-party package.

Environment:

- ``OMNISTAKE_DISABLE_PLUGINS=a,b``: entry points not to load (reported as disabled);
- ``OMNISTAKE_LOAD_PLUGINS=a,b``: load only these entry points;
- ``OMNISTAKE_STRICT_PLUGINS=1``: strict mode.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from types import ModuleType
from typing import Any

import pluggy

from .errors import (
    InvalidPluginRecord,
    NoAdapter,
    PluginConflict,
    PluginError,
    PluginLoadError,
    UnknownHook,
)
from .hookspecs import PROJECT, SPEC_CLASSES
from .protocol import ChainAdapter, EventObserver
from .records import ChainAdapterSpec, EventObserverSpec, EvidenceVerifierSpec, PriceSourceSpec

ENTRY_POINT_GROUP = "omnistake"
DISABLE_ENV = "OMNISTAKE_DISABLE_PLUGINS"
LOAD_ENV = "OMNISTAKE_LOAD_PLUGINS"
STRICT_ENV = "OMNISTAKE_STRICT_PLUGINS"

_HOOK_RECORDS: dict[str, type] = {
    "omnistake_chain_adapters": ChainAdapterSpec,
    "omnistake_evidence_verifiers": EvidenceVerifierSpec,
    "omnistake_price_sources": PriceSourceSpec,
    "omnistake_event_observers": EventObserverSpec,
}


@dataclass(frozen=True, kw_only=True)
class LoadedPlugin:
    """A registered plugin: what it is, where it came from, what it provides."""

    name: str
    version: str
    distribution: str
    namespaces: tuple[str, ...]
    hooks: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class FailedPlugin:
    """An entry point that was skipped, and why (``reason`` is an UPPER_SNAKE code)."""

    name: str
    target: str
    distribution: str
    version: str
    reason: str
    error: str


@dataclass(frozen=True, kw_only=True)
class PluginReport:
    """What :meth:`PluginManager.load_entry_points` did."""

    loaded: tuple[LoadedPlugin, ...] = ()
    failed: tuple[FailedPlugin, ...] = ()
    disabled: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain data (for ``omnistake plugins --json``)."""
        return {
            "loaded": [
                {
                    "name": p.name,
                    "version": p.version,
                    "distribution": p.distribution,
                    "namespaces": list(p.namespaces),
                    "hooks": list(p.hooks),
                }
                for p in self.loaded
            ],
            "failed": [
                {
                    "name": p.name,
                    "target": p.target,
                    "distribution": p.distribution,
                    "version": p.version,
                    "reason": p.reason,
                    "error": p.error,
                }
                for p in self.failed
            ],
            "disabled": list(self.disabled),
        }


@dataclass
class _Provided:
    adapters: list[ChainAdapterSpec] = field(default_factory=list)
    verifiers: list[EvidenceVerifierSpec] = field(default_factory=list)
    prices: list[PriceSourceSpec] = field(default_factory=list)
    observers: list[EventObserverSpec] = field(default_factory=list)


def _env_names(name: str) -> set[str] | None:
    raw = os.environ.get(name)
    if raw is None:
        return None
    return {part.strip() for part in raw.split(",") if part.strip()}


def env_strict() -> bool:
    """True when ``OMNISTAKE_STRICT_PLUGINS`` asks for strict mode."""
    return os.environ.get(STRICT_ENV, "").strip().lower() in ("1", "true", "yes", "on")


class PluginManager:
    """omnistake's plugin registry: a typed face over a ``pluggy.PluginManager``."""

    def __init__(
        self,
        *,
        strict: bool = False,
        disabled: Collection[str] | None = None,
        only: Collection[str] | None = None,
        group: str = ENTRY_POINT_GROUP,
        entry_points: Callable[[], Iterable[metadata.EntryPoint]] | None = None,
    ) -> None:
        """``disabled`` and ``only`` default to the environment variables above;
        ``entry_points`` (default: the installed ones of ``group``) is for embedding."""
        self.strict = strict
        self.group = group
        self.disabled = (
            set(disabled) if disabled is not None else (_env_names(DISABLE_ENV) or set())
        )
        self.only = set(only) if only is not None else _env_names(LOAD_ENV)
        self._entry_points = entry_points or (lambda: metadata.entry_points(group=self.group))
        self.pm = pluggy.PluginManager(PROJECT)
        for spec_class in SPEC_CLASSES:
            self.pm.add_hookspecs(spec_class)
        self._provided: dict[str, _Provided] = {}
        self._info: dict[str, LoadedPlugin] = {}
        self._failed: list[FailedPlugin] = []
        self._skipped: list[str] = []
        self._loaded_eps: set[tuple[str, str]] = set()

    # -- registration ----------------------------------------------------------------------

    def register(
        self,
        plugin: object,
        name: str | None = None,
        *,
        version: str = "",
        distribution: str = "",
    ) -> str:
        """Register a plugin object (a module, or any object with hookimpls).

        Raises :class:`UnknownHook` for a hook implementation no spec declares,
        :class:`PluginConflict` when it serves a namespace (or name) already served, and
        :class:`InvalidPluginRecord` when a hook returns the wrong kind of record. A
        rejected plugin is left unregistered.
        """
        try:
            registered = self.pm.register(plugin, name)
        except pluggy.PluginValidationError as exc:
            raise InvalidPluginRecord(
                f"plugin {name or plugin!r} has an invalid hook implementation: {exc}"
            ) from exc
        if registered is None:
            raise PluginConflict(f"plugin {name!r} is blocked or already registered")
        plugin_name = self.pm.get_name(plugin) or str(registered)
        try:
            self._check_hook_names(plugin, plugin_name)
            provided = self._collect(plugin, plugin_name)
            self._check_conflicts(plugin_name, provided)
        except BaseException:
            self.pm.unregister(plugin)
            raise
        hooks = tuple(sorted(hc.name for hc in self.pm.get_hookcallers(plugin) or ()))
        self._provided[plugin_name] = provided
        self._info[plugin_name] = LoadedPlugin(
            name=plugin_name,
            version=version or _module_version(plugin),
            distribution=distribution,
            namespaces=tuple(spec.namespace for spec in provided.adapters),
            hooks=hooks,
        )
        return plugin_name

    def unregister(self, name: str) -> None:
        """Remove a registered plugin by name."""
        self.pm.unregister(name=name)
        self._provided.pop(name, None)
        self._info.pop(name, None)

    def _check_hook_names(self, plugin: object, name: str) -> None:
        unknown = [hc.name for hc in self.pm.get_hookcallers(plugin) or () if not hc.has_spec()]
        if not unknown:
            return
        known = sorted(_HOOK_RECORDS)
        hints = []
        for hook in unknown:
            close = difflib.get_close_matches(hook, known, n=1)
            hints.append(f"{hook} (did you mean {close[0]}?)" if close else hook)
        raise UnknownHook(
            f"plugin {name!r} implements unknown hook(s): {', '.join(hints)}; "
            f"known hooks: {', '.join(known)}",
            plugin=name,
        )

    def _collect(self, plugin: object, name: str) -> _Provided:
        provided = _Provided()
        targets: dict[str, list[Any]] = {
            "omnistake_chain_adapters": provided.adapters,
            "omnistake_evidence_verifiers": provided.verifiers,
            "omnistake_price_sources": provided.prices,
            "omnistake_event_observers": provided.observers,
        }
        for caller in self.pm.get_hookcallers(plugin) or ():
            record_type = _HOOK_RECORDS[caller.name]
            for impl in caller.get_hookimpls():
                if impl.plugin is not plugin:
                    continue
                result: Any = impl.function()
                if result is None:
                    items: list[Any] = []
                elif isinstance(result, record_type):
                    items = [result]
                else:
                    try:
                        items = list(result)
                    except TypeError:
                        items = [result]
                for item in items:
                    if not isinstance(item, record_type):
                        raise InvalidPluginRecord(
                            f"plugin {name!r}: {caller.name} must return "
                            f"{record_type.__name__} records, not {type(item).__name__}",
                            plugin=name,
                        )
                targets[caller.name].extend(items)
        return provided

    def _check_conflicts(self, name: str, new: _Provided) -> None:
        def clash(kind: str, key: str, other: str) -> PluginConflict:
            return PluginConflict(
                f"plugin {name!r} provides {kind} {key!r}, already provided by plugin "
                f"{other!r}; disable one of them with {DISABLE_ENV}",
                plugin=name,
                other=other,
            )

        seen: dict[tuple[str, str], str] = {}
        for owner, provided in self._provided.items():
            for key in _keys(provided):
                seen[key] = owner
        mine: set[tuple[str, str]] = set()
        for key in _keys(new):
            if key in seen:
                raise clash(key[0], key[1], seen[key])
            if key in mine:
                raise clash(key[0], key[1], name)
            mine.add(key)

    # -- entry points ------------------------------------------------------------------------

    def load_entry_points(self) -> PluginReport:
        """Load every entry point of the group, one at a time, reporting failures."""
        for ep in sorted(self._entry_points(), key=lambda e: (e.name, e.value)):
            if ep.name in self.disabled or (self.only is not None and ep.name not in self.only):
                self._skipped.append(ep.name)
                continue
            dist = getattr(ep, "dist", None)
            dist_name = dist.metadata["Name"] if dist is not None else ""
            version = dist.version if dist is not None else ""
            if (ep.name, ep.value) in self._loaded_eps:
                continue  # loaded by an earlier call
            if ep.name in self._info:
                self._fail(
                    ep,
                    dist_name,
                    version,
                    "DUPLICATE_PLUGIN_NAME",
                    f"a plugin named {ep.name!r} is already registered",
                    None,
                )
                continue
            try:
                module = ep.load()
            except Exception as exc:
                self._fail(
                    ep, dist_name, version, "IMPORT_FAILED", f"{type(exc).__name__}: {exc}", exc
                )
                continue
            try:
                self.register(module, ep.name, version=version, distribution=dist_name)
                self._loaded_eps.add((ep.name, ep.value))
            except PluginError as exc:
                self._fail(ep, dist_name, version, exc.reason, exc.message, exc)
            except Exception as exc:
                self._fail(
                    ep, dist_name, version, "REGISTER_FAILED", f"{type(exc).__name__}: {exc}", exc
                )
        self.pm.check_pending()
        return self.report()

    def _fail(
        self,
        ep: metadata.EntryPoint,
        dist: str,
        version: str,
        reason: str,
        error: str,
        cause: BaseException | None,
    ) -> None:
        failure = FailedPlugin(
            name=ep.name,
            target=ep.value,
            distribution=dist,
            version=version,
            reason=reason,
            error=error,
        )
        self._failed.append(failure)
        if self.strict:
            raise PluginLoadError(
                f"plugin {ep.name!r} ({ep.value}) failed: {reason}: {error}",
                plugin=ep.name,
                cause=reason,
            ) from cause

    def report(self) -> PluginReport:
        """What is loaded, what failed, what was disabled."""
        return PluginReport(
            loaded=tuple(self._info.values()),
            failed=tuple(self._failed),
            disabled=tuple(self._skipped),
        )

    # -- what plugins provide ----------------------------------------------------------------

    def chain_adapters(self) -> dict[str, ChainAdapterSpec]:
        """Adapter specs by CAIP-2 namespace."""
        return {s.namespace: s for p in self._provided.values() for s in p.adapters}

    def evidence_verifiers(self) -> dict[tuple[str, str], EvidenceVerifierSpec]:
        """Evidence verifier specs by (namespace, kind)."""
        return {(s.namespace, s.kind): s for p in self._provided.values() for s in p.verifiers}

    def price_sources(self) -> dict[str, PriceSourceSpec]:
        """Price source specs by name."""
        return {s.name: s for p in self._provided.values() for s in p.prices}

    def event_observers(self) -> dict[str, EventObserverSpec]:
        """Event observer specs by name."""
        return {s.name: s for p in self._provided.values() for s in p.observers}

    def build_observers(self) -> list[EventObserver]:
        """One instance of every registered event observer (pass to ``ChainSync``)."""
        return [spec.factory() for spec in self.event_observers().values()]

    def create_adapter(
        self, chain_id: str, options: Mapping[str, Any] | None = None
    ) -> ChainAdapter:
        """Build the adapter for ``chain_id`` with the factory of its namespace."""
        namespace = chain_id.split(":", 1)[0]
        spec = self.chain_adapters().get(namespace)
        if spec is None:
            raise NoAdapter(
                f"no chain adapter for namespace {namespace!r}; loaded: "
                f"{', '.join(sorted(self.chain_adapters())) or 'none'} "
                "(see `omnistake plugins`)",
                field="chain_id",
            )
        return spec.factory(chain_id, dict(options or {}))


def _keys(provided: _Provided) -> list[tuple[str, str]]:
    keys = [("namespace", s.namespace) for s in provided.adapters]
    keys += [("evidence verifier", f"{s.namespace}/{s.kind}") for s in provided.verifiers]
    keys += [("price source", s.name) for s in provided.prices]
    keys += [("event observer", s.name) for s in provided.observers]
    return keys


def _module_version(plugin: object) -> str:
    if isinstance(plugin, ModuleType):
        return str(getattr(plugin, "__version__", ""))
    return str(getattr(plugin, "__version__", ""))


def load_plugins(*, strict: bool | None = None) -> PluginManager:
    """A manager with every installed entry point loaded (strict mode from the argument,
    else from ``OMNISTAKE_STRICT_PLUGINS``)."""
    manager = PluginManager(strict=env_strict() if strict is None else strict)
    manager.load_entry_points()
    return manager
