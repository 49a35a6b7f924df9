"""Hub-side set-up and the double-sign slashing path of the Bitcoin adapter.

Set-up (once per hub, then once per finality provider)::

    await register_babylon_network(service, "babylon")
    fp = await register_finality_provider(
        service, adapter, operator="fp-alice", fp_pk=pk, pop=sign_fp_pop(sk, "fp-alice"),
        network="babylon")

``register_finality_provider`` checks the FP's proof of possession of its key, then (as
``SYSTEM``, in the chain's clock domain) registers the operator with its ``bip122`` key,
creates its ``operator_specific`` vault (instant slasher, clock domain = the chain id), opts
the operator in to the vault and to the network (in the chain's domain), and lifts the
network's limits to all of Bitcoin's supply, so every staked sat of the FP is stake for the
network and slashable by it.

Slashing: :func:`slash_double_sign` verifies the evidence, has the adapter extract the key,
complete, validate and broadcast every slashing tx (through ``ChainSync.execute_slash``, once
per evidence), then slashes the vault in the ledger by the slashing rate of the FP's stake
just before the latest fed block (rounded up, against the slashed party).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from omnistake.errors import AlreadyExists, IdempotencyConflict
from omnistake.ledger.commands import (
    CreateVault,
    OptInNetwork,
    OptInVault,
    RegisterAsset,
    RegisterNetwork,
    RegisterOperator,
    SetMaxNetworkLimit,
    SetNetworkLimit,
    SetOperatorKey,
    Slash,
)
from omnistake.ledger.events import Slashed
from omnistake.plugins.records import Offence, OutcomeStatus, SlashInstruction, SlashOutcome
from omnistake.plugins.sync import ChainSync
from omnistake.principals import SYSTEM, Principal, Role
from omnistake.service import LedgerService

from .adapter import BitcoinAdapter, BitcoinAdapterError, EquivocationSlash
from .evidence import EotsDoubleSignVerifier, InvalidEvidence
from .hashes import tagged_hash
from .registry import FinalityProvider
from .schnorr import schnorr_sign, schnorr_verify
from .tx import MAX_MONEY

DEFAULT_EPOCH = 7 * 24 * 3600
HUB_CURATOR = "btc-hub"


def fp_pop_message(operator: str, fp_pk: bytes) -> bytes:
    """What an FP signs to prove it holds its key for ``operator`` (BIP-340 tagged hash)."""
    return tagged_hash("omnistake/fp-pop", operator.encode() + fp_pk)


def sign_fp_pop(fp_secret: bytes, operator: str) -> bytes:
    """The FP's proof of possession (a BIP-340 signature) for ``operator``."""
    from .secp import xonly_from_secret

    return schnorr_sign(fp_secret, fp_pop_message(operator, xonly_from_secret(fp_secret)))


def domain_time(service: LedgerService, chain_id: str) -> int:
    """The latest time of the chain's clock domain in the ledger (0 before any change)."""
    return service.ledger.state.clocks.get(chain_id, 0)


async def register_babylon_network(
    service: LedgerService, network: str = "babylon", *, name: str = "Babylon BTC staking"
) -> None:
    """Register the network that buys BTC security (idempotent)."""
    with contextlib.suppress(AlreadyExists):
        await service.execute(
            RegisterNetwork(network=network, name=name),
            principal=SYSTEM,
            request_id=f"btc-network:{network}",
        )


async def register_finality_provider(
    service: LedgerService,
    adapter: BitcoinAdapter,
    *,
    operator: str,
    fp_pk: bytes,
    pop: bytes,
    network: str,
    vault: str | None = None,
    epoch_duration: int = DEFAULT_EPOCH,
) -> FinalityProvider:
    """Register a finality provider as an operator with its BTC key and give it its
    operator-specific vault, opted in and slashable by ``network`` (idempotent)."""
    if len(fp_pk) != 32 or not schnorr_verify(fp_pk, fp_pop_message(operator, fp_pk), pop):
        raise BitcoinAdapterError(
            "the proof of possession does not verify under the FP key",
            field="pop",
            cause="BAD_PROOF_OF_POSSESSION",
        )
    chain = adapter.chain_id
    vault = vault or f"btc-{operator}"
    known = adapter.registry.finality_provider(fp_pk)
    if known is not None and (known.operator, known.vault) != (operator, vault):
        raise BitcoinAdapterError(
            "this FP key is registered for another operator or vault", cause="FP_KEY_IN_USE"
        )
    existing = service.ledger.state.operators.get(operator)
    if existing is not None and existing.keys.get("bip122") not in (None, fp_pk.hex()):
        raise BitcoinAdapterError(
            "the operator is registered with another bip122 key", cause="OPERATOR_KEY_MISMATCH"
        )
    at = domain_time(service, chain)
    key = f"btc-fp:{chain}:{fp_pk.hex()[:24]}"
    with contextlib.suppress(AlreadyExists):  # same request id as ChainSync.start() uses
        await service.execute(
            RegisterAsset(asset_id=adapter.asset_id, decimals=8, symbol="BTC"),
            principal=SYSTEM,
            request_id="asset:" + adapter.asset_id,
        )
    as_operator = Principal(Role.OPERATOR, operator)
    if existing is None:
        await service.execute(
            RegisterOperator(operator=operator, keys={"bip122": fp_pk.hex()}),
            principal=as_operator,
            request_id=f"{key}:operator",
        )
    elif "bip122" not in existing.keys:  # an operator of other chains adds its BTC key
        await service.execute(
            SetOperatorKey(operator=operator, namespace="bip122", key=fp_pk.hex()),
            principal=as_operator,
            request_id=f"{key}:operator-key",
        )
    steps = [
        (
            "vault",
            CreateVault(
                vault=vault,
                asset_id=adapter.asset_id,
                curator=HUB_CURATOR,
                epoch_duration=epoch_duration,
                delegator_type="operator_specific",
                delegator_operator=operator,
                slasher_type="instant",
                domain=chain,
            ),
        ),
        ("optin-vault", OptInVault(operator=operator, vault=vault)),
        ("optin-network", OptInNetwork(operator=operator, network=network, domain=chain)),
        ("max-limit", SetMaxNetworkLimit(vault=vault, network=network, amount=MAX_MONEY)),
        ("limit", SetNetworkLimit(vault=vault, network=network, amount=MAX_MONEY)),
    ]
    for step, command in steps:
        await service.execute(command, principal=SYSTEM, request_id=f"{key}:{step}", at=at)
    return adapter.registry.add_finality_provider(FinalityProvider(fp_pk, operator, vault))


@dataclass(frozen=True)
class DoubleSignSlash:
    """The result of :func:`slash_double_sign`."""

    offence: Offence
    fp: FinalityProvider
    outcome: SlashOutcome
    report: EquivocationSlash | None
    requested: int
    slashed: int
    capture: int
    at: int


def slash_amount(stake: int, adapter: BitcoinAdapter) -> int:
    """``stake * slashing_rate``, rounded up (against the slashed party)."""
    rate = adapter.params.slashing_rate
    return -(-stake * rate.numerator // rate.denominator)


async def slash_double_sign(
    sync: ChainSync,
    adapter: BitcoinAdapter,
    evidence: bytes,
    *,
    network: str,
    subnetwork: int = 0,
) -> DoubleSignSlash:
    """EOTS double-sign -> verify -> extract key -> complete, validate and broadcast every
    slashing tx of the FP -> ledger ``Slash`` of its vault by the slashing rate."""
    offence = await EotsDoubleSignVerifier().verify(evidence)
    fp = adapter.registry.finality_provider(bytes.fromhex(offence.operator))
    if fp is None:
        raise InvalidEvidence(
            "the evidence names an FP the hub does not know", cause="UNKNOWN_FINALITY_PROVIDER"
        )
    service = sync.service
    chain = adapter.chain_id
    # Slash at the chain time of the latest block fed to the ledger (never behind the
    # domain's clock), against the stake one second before it.
    at = domain_time(service, chain)
    cursor = sync.cursor
    if cursor is not None:
        at = max(at, await adapter.block_time(cursor.block_hash))
    capture = max(at - 1, 0)
    stake = service.ledger.stake_at(fp.vault, network, subnetwork, fp.operator, capture)
    amount = slash_amount(stake, adapter)
    iid = f"eots:{chain}:{offence.digest[:48]}"
    instruction = SlashInstruction(
        instruction_id=iid,
        vault=fp.vault,
        asset_id=adapter.asset_id,
        network=network,
        subnetwork=subnetwork,
        operator=fp.operator,
        amount=amount,
        capture=capture,
        evidence={"eots": evidence.hex()},
    )
    outcome = await sync.execute_slash(instruction)
    if outcome.status is OutcomeStatus.FAILED:
        raise BitcoinAdapterError(f"slashing failed: {outcome.detail}", cause="SLASH_FAILED")
    slashed = 0
    if amount > 0:
        command = Slash(
            vault=fp.vault,
            network=network,
            subnetwork=subnetwork,
            operator=fp.operator,
            amount=amount,
            capture=capture,
        )
        try:
            result = await service.execute(command, principal=SYSTEM, request_id=iid, at=at)
        except IdempotencyConflict:
            result = None  # this evidence was already slashed (at an earlier time)
        if result is not None:
            slashed = sum(r.event.slashed for r in result.events if isinstance(r.event, Slashed))
    return DoubleSignSlash(
        offence=offence,
        fp=adapter.registry.finality_provider(fp.fp_pk) or fp,
        outcome=outcome,
        report=adapter.slash_reports.get(iid),
        requested=amount,
        slashed=slashed,
        capture=capture,
        at=at,
    )
