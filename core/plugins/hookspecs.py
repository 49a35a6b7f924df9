"""The hooks a plugin may implement, project name ``omnistake``.

Hooks are synchronous factories: each returns (or yields) typed records and does no I/O;
the objects those records build do their I/O with asyncio. Implement them as plain module
functions decorated with :data:`omnistake.plugins.hookimpl` and point an entry point of group
``omnistake`` at the module::

    # pyproject.toml
    [project.entry-points.omnistake]
    mychain = "omnistake_mychain.plugin"

    # omnistake_mychain/plugin.py
    from omnistake.plugins import ChainAdapterSpec, hookimpl

    @hookimpl
    def omnistake_chain_adapters():
        yield ChainAdapterSpec(namespace="mychain", name="mychain", factory=MyAdapter,
                               version="1.0")

A function marked ``@hookimpl`` whose name is not one of these hooks is rejected when the
plugin is registered (a misspelling never silently does nothing).
"""

from __future__ import annotations

from collections.abc import Iterable

import pluggy

from .records import ChainAdapterSpec, EventObserverSpec, EvidenceVerifierSpec, PriceSourceSpec

PROJECT = "omnistake"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class ChainSpecs:
    """Chain adapters."""

    @hookspec
    def omnistake_chain_adapters(self) -> Iterable[ChainAdapterSpec]:
        """Chain adapter factories, one per CAIP-2 namespace the plugin serves.

        Two plugins claiming the same namespace is an error (disable one with
        ``OMNISTAKE_DISABLE_PLUGINS``).

        .. versionadded:: 0.1
        """
        raise NotImplementedError


class EvidenceSpecs:
    """Slashing-evidence verifiers."""

    @hookspec
    def omnistake_evidence_verifiers(self) -> Iterable[EvidenceVerifierSpec]:
        """Verifiers of slashing evidence, one per (namespace, kind), e.g.
        ``EvidenceVerifierSpec(kind="eots-double-sign", namespace="bip122", ...)``.

        .. versionadded:: 0.1
        """
        raise NotImplementedError


class PriceSpecs:
    """Price sources."""

    @hookspec
    def omnistake_price_sources(self) -> Iterable[PriceSourceSpec]:
        """Sources of integer fixed-point prices, by unique name.

        .. versionadded:: 0.1
        """
        raise NotImplementedError


class ObserverSpecs:
    """Observers of sync events."""

    @hookspec
    def omnistake_event_observers(self) -> Iterable[EventObserverSpec]:
        """Observers told about every sync event (blocks applied, rollbacks, rejected facts,
        slash and payout outcomes), by unique name.

        .. versionadded:: 0.1
        """
        raise NotImplementedError


SPEC_CLASSES = (ChainSpecs, EvidenceSpecs, PriceSpecs, ObserverSpecs)
