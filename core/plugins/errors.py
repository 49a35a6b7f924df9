"""Typed errors of the plugin system, the sync loop and adapters."""

from __future__ import annotations

from omnistake.errors import OmnistakeError


class PluginError(OmnistakeError):
    """Base of plugin-system errors."""

    reason = "PLUGIN_ERROR"
    kind = "failed_precondition"


class PluginLoadError(PluginError):
    """A plugin could not be imported or registered (fatal only under strict mode)."""

    reason = "PLUGIN_LOAD_FAILED"


class UnknownHook(PluginError):
    """A plugin implements a hook that no spec declares (a misspelled hook name)."""

    reason = "UNKNOWN_HOOK"
    kind = "invalid_argument"


class PluginConflict(PluginError):
    """Two plugins claim the same CAIP-2 namespace (or the same name for a verifier,
    price source or observer)."""

    reason = "DUPLICATE_NAMESPACE"
    kind = "already_exists"


class InvalidPluginRecord(PluginError):
    """A hook returned something that is not the typed record its spec promises."""

    reason = "INVALID_PLUGIN_RECORD"
    kind = "invalid_argument"


class NoAdapter(PluginError):
    """No loaded plugin provides an adapter for the chain's namespace."""

    reason = "NO_CHAIN_ADAPTER"
    kind = "not_found"


class Unsupported(OmnistakeError):
    """The adapter's chain cannot do this (see ``ChainInfo.capabilities``)."""

    reason = "UNSUPPORTED_BY_CHAIN"
    kind = "failed_precondition"


class DepositRejected(OmnistakeError):
    """An adapter could not verify a claimed deposit or lock on its chain."""

    reason = "DEPOSIT_NOT_VERIFIED"
    kind = "failed_precondition"


class SyncError(OmnistakeError):
    """The sync loop met something it cannot continue past (a fact the ledger rejected in
    strict mode, a broken update stream, a deep reorg with no rebuild available)."""

    reason = "CHAIN_SYNC_FAILED"
    kind = "failed_precondition"
