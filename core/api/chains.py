"""Servicer: the chain side of the hub (ChainService).

- ``ListChains`` / ``GetSyncStatus``: the chains ``omnistake serve --chains`` follows;
- ``ClaimDeposit``: the chain's adapter verifies a deposit and the ledger credits it;
- ``SubmitEvidence``: the evidence verifier of the kind checks it, and a configured chain
  that can slash for it does (see :class:`ChainRuntime.slash_for`);
- ``RecordInstructionOutcome`` / ``GetInstructionOutcome``: slash and payout outcomes.

The chain parts reach the servicer through a :class:`ChainRuntime` attached to the
server's :class:`~omnistake.api.rpc.Api` (:func:`attach`); without one, no chain is
configured and no plugin is loaded.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from omnistake.api import convert
from omnistake.api.rpc import Api, Call, ServiceDef, reading
from omnistake.errors import InvalidArgument, NotFound, OmnistakeError, Unauthorized
from omnistake.ledger import commands as C
from omnistake.plugins.config import ChainsConfig, ConfiguredChain, load_evidence_slasher
from omnistake.plugins.manager import PluginManager
from omnistake.plugins.records import (
    BlockRef,
    ChainInfo,
    DepositClaim,
    EvidenceVerifierSpec,
    Offence,
    SlashOutcome,
)
from omnistake.plugins.supervisor import ChainHealth, SyncSupervisor
from omnistake.plugins.sync import ChainSync
from omnistake.principals import Principal, Role
from omnistake.v1 import chains_pb2, common_pb2

chains = ServiceDef(chains_pb2, "ChainService")

chains.command("RecordInstructionOutcome", C.RecordInstructionOutcome)


class ChainNotRunning(OmnistakeError):
    """The chain is configured but its sync loop is not running (starting, or restarting
    after a failure): retry shortly."""

    reason = "CHAIN_NOT_RUNNING"
    kind = "unavailable"


@dataclass(frozen=True, kw_only=True)
class EvidenceSlash:
    """What a chain did with verified evidence."""

    chain_id: str
    outcome: SlashOutcome
    requested: int = 0
    slashed: int = 0


class ChainRuntime:
    """What the chain RPCs need: the loaded plugins, the chains config, and the supervisor
    running one :class:`ChainSync` per configured chain."""

    def __init__(
        self,
        manager: PluginManager | None = None,
        config: ChainsConfig | None = None,
        supervisor: SyncSupervisor | None = None,
    ) -> None:
        self.manager = manager
        self.config = config if config is not None else ChainsConfig(chains=())
        self.supervisor = supervisor

    def configured(self, chain_id: str) -> ConfiguredChain:
        """The configured chain ``chain_id`` (NOT_FOUND otherwise)."""
        if not chain_id:
            raise InvalidArgument("chain_id is required", field="chain_id")
        chain = self.config.get(chain_id)
        if chain is None:
            known = ", ".join(c.chain_id for c in self.config.chains) or "none"
            raise NotFound(
                f"this server does not follow chain {chain_id!r} (configured: {known})",
                field="chain_id",
            )
        return chain

    def health(self, chain_id: str) -> ChainHealth | None:
        """The supervisor's view of the chain's loop."""
        if self.supervisor is None:
            return None
        return self.supervisor.health.get(chain_id)

    def sync(self, chain_id: str) -> ChainSync:
        """The running sync loop of ``chain_id`` (UNAVAILABLE while it is not running)."""
        self.configured(chain_id)
        health = self.health(chain_id)
        if health is None or health.sync is None or not health.running:
            why = f" (last error: {health.last_error})" if health and health.last_error else ""
            raise ChainNotRunning(
                f"the sync loop of {chain_id} is not running yet{why}; retry shortly",
                chain_id=chain_id,
            )
        return health.sync

    def verifier(self, kind: str, chain_id: str) -> EvidenceVerifierSpec:
        """The evidence verifier of ``kind`` (for ``chain_id``'s namespace when given)."""
        if not kind:
            raise InvalidArgument("kind is required (e.g. 'eots-double-sign')", field="kind")
        specs = self.manager.evidence_verifiers() if self.manager is not None else {}
        namespace = chain_id.split(":", 1)[0] if chain_id else None
        found = [
            spec
            for (ns, k), spec in specs.items()
            if k == kind and (namespace is None or ns == namespace)
        ]
        if not found:
            kinds = ", ".join(sorted({f"{k} ({ns})" for ns, k in specs})) or "none"
            raise NotFound(
                f"no loaded plugin verifies evidence of kind {kind!r}"
                + (f" for namespace {namespace!r}" if namespace else "")
                + f"; loaded kinds: {kinds}",
                field="kind",
            )
        if len(found) > 1:
            raise InvalidArgument(
                f"several namespaces verify evidence of kind {kind!r} "
                f"({', '.join(s.namespace for s in found)}); name the chain_id",
                field="chain_id",
            )
        return found[0]

    def slashing_chain(self, namespace: str, chain_id: str) -> ConfiguredChain | None:
        """The configured chain that slashes for evidence of ``namespace``: ``chain_id``
        when given, else the only configured chain of the namespace (None: no chain)."""
        if chain_id:
            return self.configured(chain_id)
        candidates = [c for c in self.config.chains if c.namespace == namespace]
        if len(candidates) > 1:
            raise InvalidArgument(
                f"several {namespace} chains are configured; name the chain_id",
                field="chain_id",
            )
        return candidates[0] if candidates else None

    async def slash_for(
        self,
        chain: ConfiguredChain,
        evidence: bytes,
        offence: Offence,
        *,
        network: str,
        subnetwork: int,
    ) -> EvidenceSlash | None:
        """Carry out the slash verified evidence calls for on ``chain``, if it can.

        The adapter's optional ``slash_evidence(sync, evidence, offence, *, network,
        subnetwork)`` coroutine comes first; else the chain's configured
        ``evidence_slasher`` (``module:function`` called as ``fn(sync, adapter, evidence, *,
        network, subnetwork)``, e.g. ``omnistake.chains.bitcoin.hub:slash_double_sign``).
        Either returns a :class:`~omnistake.plugins.SlashOutcome` or an object with
        ``outcome`` (and optionally ``requested`` and ``slashed`` amounts). None: the chain
        has neither.
        """
        sync = self.sync(chain.chain_id)
        method = getattr(sync.adapter, "slash_evidence", None)
        if callable(method):
            result = method(sync, evidence, offence, network=network, subnetwork=subnetwork)
        elif chain.evidence_slasher:
            slasher = load_evidence_slasher(chain.evidence_slasher)
            result = slasher(sync, sync.adapter, evidence, network=network, subnetwork=subnetwork)
        else:
            return None
        if inspect.isawaitable(result):
            result = await result
        outcome = result if isinstance(result, SlashOutcome) else getattr(result, "outcome", None)
        if not isinstance(outcome, SlashOutcome):
            raise TypeError(
                f"the evidence slasher of {chain.chain_id} answered {type(result).__name__}, "
                "not a SlashOutcome"
            )
        return EvidenceSlash(
            chain_id=chain.chain_id,
            outcome=outcome,
            requested=int(getattr(result, "requested", 0) or 0),
            slashed=int(getattr(result, "slashed", 0) or 0),
        )


_RUNTIMES: weakref.WeakKeyDictionary[Api, ChainRuntime] = weakref.WeakKeyDictionary()
_NONE = ChainRuntime()


def attach(api: Api, runtime: ChainRuntime) -> None:
    """Serve ``runtime``'s chains through ``api``."""
    _RUNTIMES[api] = runtime


def runtime_of(call: Call) -> ChainRuntime:
    """The chain runtime of the call's server (an empty one when none is attached)."""
    return _RUNTIMES.get(call.api, _NONE)


# -- outcomes ------------------------------------------------------------------------------------


@chains.unary("GetInstructionOutcome")
async def get_instruction_outcome(request: Any, call: Call) -> chains_pb2.InstructionOutcome:
    with reading(call):
        found = call.service.ledger.instruction_outcome(request.instruction_id)
    if found is None:
        raise NotFound(
            f"no outcome recorded for instruction {request.instruction_id!r}",
            field="instruction_id",
        )
    return chains_pb2.InstructionOutcome(instruction_id=request.instruction_id, **found)


# -- chains and sync status ----------------------------------------------------------------------


def _capability(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "emulated" if value == "emulated" else "unknown"


async def _summary(runtime: ChainRuntime, chain: ConfiguredChain) -> chains_pb2.ChainSummary:
    health = runtime.health(chain.chain_id)
    info: ChainInfo | None = None
    if health is not None and health.sync is not None and health.running:
        info = await health.sync.info()  # asked once per loop, then cached
    adapters = runtime.manager.chain_adapters() if runtime.manager is not None else {}
    spec = adapters.get(chain.namespace)
    summary = chains_pb2.ChainSummary(
        chain_id=chain.chain_id,
        adapter=spec.name if spec is not None else "",
        running=bool(health and health.running),
        restarts=health.restarts if health else 0,
        last_error=(health.last_error or "") if health else "",
        dispatch_interval_seconds=chain.dispatch_interval,
    )
    if info is not None:
        summary.name = info.name
        summary.custody = info.custody.value
        summary.confirmation_depth = info.confirmation_depth
        summary.native_asset = info.native_asset
        for key, value in info.capabilities.items():
            summary.capabilities[key] = _capability(value)
    return summary


@chains.unary("ListChains")
async def list_chains(request: Any, call: Call) -> chains_pb2.ListChainsResponse:
    runtime = runtime_of(call)
    return chains_pb2.ListChainsResponse(
        chains=[await _summary(runtime, chain) for chain in runtime.config.chains]
    )


def _block(block: BlockRef | None) -> chains_pb2.ChainBlock | None:
    if block is None:
        return None
    return chains_pb2.ChainBlock(height=block.height, hash=block.hash, timestamp=block.timestamp)


@chains.unary("GetSyncStatus")
async def get_sync_status(request: Any, call: Call) -> chains_pb2.ChainSyncStatus:
    runtime = runtime_of(call)
    sync = runtime.sync(request.chain_id)
    status = await sync.status()
    lag = status.lag_blocks
    answer = chains_pb2.ChainSyncStatus(
        chain_id=request.chain_id,
        head=_block(status.head),
        finalized=_block(status.finalized),
        lag_blocks=-1 if lag is None else lag,
        running=True,
        detail=status.detail,
    )
    if status.cursor is not None:
        answer.cursor.CopyFrom(
            chains_pb2.ChainCursor(height=status.cursor.height, block_hash=status.cursor.block_hash)
        )
    return answer


# -- deposits and evidence -----------------------------------------------------------------------


def _required(request: Any, names: Sequence[str]) -> None:
    for name in names:
        if not getattr(request, name):
            raise InvalidArgument(f"{name} is required", field=name)


def _may_claim(principal: Principal, staker: str) -> None:
    if principal.privileged or (principal.role is Role.STAKER and principal.id == staker):
        return
    raise Unauthorized(
        f"{principal} may not claim deposits for {staker}: a staker claims only for itself",
        field="staker",
    )


@chains.unary("ClaimDeposit")
async def claim_deposit(request: Any, call: Call) -> common_pb2.MutationResponse:
    principal = await call.principal()
    _required(request, ("chain_id", "vault", "staker", "reference"))
    _may_claim(principal, request.staker)
    amount = convert.parse_amount(request.amount) if request.amount else None
    sync = runtime_of(call).sync(request.chain_id)
    claim = DepositClaim(
        vault=request.vault,
        staker=request.staker,
        reference=request.reference,
        amount=amount,
        proof=dict(request.proof),
    )
    result = await sync.verify_deposit(claim)
    return common_pb2.MutationResponse(
        events=[convert.event_to_proto(r) for r in result.events],
        request_id=request.request_id,
        replayed=result.replayed,
    )


def _offence(offence: Offence) -> chains_pb2.Offence:
    return chains_pb2.Offence(
        kind=offence.kind,
        operator=offence.operator,
        at=offence.at,
        digest=offence.digest,
        detail=dict(offence.detail),
    )


@chains.unary("SubmitEvidence")
async def submit_evidence(request: Any, call: Call) -> chains_pb2.SubmitEvidenceResponse:
    principal = await call.principal()
    if not (principal.privileged or principal.role is Role.NETWORK):
        raise Unauthorized(f"{principal} may not submit slashing evidence (network or admin)")
    if not request.evidence:
        raise InvalidArgument("evidence is required", field="evidence")
    runtime = runtime_of(call)
    spec = runtime.verifier(request.kind, request.chain_id)
    evidence = bytes(request.evidence)
    offence = await spec.factory().verify(evidence)
    answer = chains_pb2.SubmitEvidenceResponse(offence=_offence(offence))
    chain = runtime.slashing_chain(spec.namespace, request.chain_id)
    if chain is None:
        return answer
    network = request.network or chain.slash_network
    if principal.role is Role.NETWORK:
        network = network or principal.id
        if network != principal.id:
            raise Unauthorized(f"{principal} may only slash as network {principal.id}")
    if not network:
        raise InvalidArgument(
            f"name the slashing network (no slash_network is configured for {chain.chain_id})",
            field="network",
        )
    subnetwork = convert.parse_subnetwork(request.subnetwork)
    done = await runtime.slash_for(chain, evidence, offence, network=network, subnetwork=subnetwork)
    if done is None:
        return answer
    answer.slashed = True
    answer.chain_id = done.chain_id
    answer.instruction_id = done.outcome.instruction_id
    answer.outcome_status = done.outcome.status.value
    answer.tx_id = done.outcome.tx_id
    answer.requested_amount = str(done.requested)
    answer.slashed_amount = str(done.slashed)
    return answer
