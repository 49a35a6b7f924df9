"""Slashing: extract a finality provider's key from an EOTS double-sign and complete every
pre-signed slashing transaction of its delegations.

For each delegation and each slashing tx (staking-slashing and unbonding-slashing) the
covenant adaptor signatures at the FP's index are decrypted with the extracted key, the FP
signs the slashing leaf itself, and the witness ``[covenant sigs, FP sig, staker sig, leaf,
control block]`` is assembled. The result is then checked in full (Babylon's tx rules and a
BIP-341/342 script execution with every signature checked against the tapscript sighash); a
transaction that fails is reported, never returned for broadcast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from .adaptor import decrypt, decryption_key_from_secret, extract
from .eots import eots_extract
from .errors import AdaptorError, BitcoinError, SlashingError
from .interpreter import verify_taproot_input
from .params import StakingParams
from .schnorr import schnorr_sign, schnorr_verify
from .secp import xonly_from_secret
from .signing import script_path_sighash
from .staking_txs import slashing_witness, validate_slashing_tx
from .tx import OutPoint, Transaction, TxOut
from .verifier import VerifiedStakingDelegation

SlashingKind = Literal["staking", "unbonding"]


@dataclass(frozen=True)
class EquivocationEvidence:
    """Two EOTS signatures by one FP at one height on different blocks."""

    fp_pk: bytes
    height: int
    pub_rand: bytes
    app_hash_a: bytes
    sig_a: bytes
    app_hash_b: bytes
    sig_b: bytes


@dataclass(frozen=True)
class ExtractedKey:
    """A finality provider's secret key (normalised to even y), recovered from evidence."""

    fp_pk: bytes
    secret: bytes = field(repr=False)


@dataclass(frozen=True)
class CompletedSlashingTx:
    """A fully signed, fully verified slashing transaction ready to broadcast."""

    delegation_outpoint: OutPoint
    kind: SlashingKind
    tx: Transaction
    funding_output: TxOut

    @property
    def txid(self) -> str:
        return self.tx.txid


@dataclass(frozen=True)
class SlashingFailure:
    """A slashing tx that could not be completed; ``reason`` is the error code."""

    delegation_outpoint: OutPoint
    kind: SlashingKind
    reason: str
    message: str


@dataclass(frozen=True)
class SlashingResult:
    """Outcome of slashing one finality provider."""

    key: ExtractedKey
    completed: tuple[CompletedSlashingTx, ...]
    failures: tuple[SlashingFailure, ...]


def extract_key(evidence: EquivocationEvidence) -> ExtractedKey:
    """Verify both EOTS signatures and recover the FP's secret key."""
    secret = eots_extract(
        evidence.fp_pk,
        evidence.pub_rand,
        evidence.height,
        evidence.app_hash_a,
        evidence.sig_a,
        evidence.app_hash_b,
        evidence.sig_b,
    )
    return ExtractedKey(evidence.fp_pk, secret)


def complete_slashing_tx(
    delegation: VerifiedStakingDelegation,
    key: ExtractedKey,
    kind: SlashingKind,
    params: StakingParams,
    aux_rand: bytes | None = None,
) -> CompletedSlashingTx:
    """Sign and assemble one slashing tx, then check it completely. Raises on any failure."""
    if key.fp_pk not in delegation.fp_pks:
        raise SlashingError("NOT_DELEGATED", "delegation does not delegate to this FP")
    fp_index = delegation.fp_pks.index(key.fp_pk)
    if kind == "staking":
        tx = delegation.slashing_tx
        funding = delegation.staking_info.output
        funding_outpoint = delegation.outpoint
        leaf = delegation.staking_info.slashing_leaf
        cb = delegation.staking_info.control_block(leaf)
        staker_sig = delegation.staker_slashing_sig
        presigs = {
            c.covenant_pk: c.slashing_adaptor_sigs[fp_index] for c in delegation.covenant_sigs
        }
    else:
        tx = delegation.unbonding_slashing_tx
        funding = delegation.unbonding_info.output
        funding_outpoint = delegation.unbonding_outpoint
        leaf = delegation.unbonding_info.slashing_leaf
        cb = delegation.unbonding_info.control_block(leaf)
        staker_sig = delegation.staker_unbonding_slashing_sig
        presigs = {
            c.covenant_pk: c.unbonding_slashing_adaptor_sigs[fp_index]
            for c in delegation.covenant_sigs
        }
    prevouts = [funding]
    msg = script_path_sighash(tx, 0, prevouts, leaf)
    t = decryption_key_from_secret(key.secret)
    cov_sigs: dict[bytes, bytes] = {}
    for cov_pk, presig in presigs.items():
        try:
            sig = decrypt(presig, t)
        except AdaptorError:
            continue
        if schnorr_verify(cov_pk, msg, sig):
            cov_sigs[cov_pk] = sig
    if len(cov_sigs) < params.covenant_quorum:
        raise SlashingError(
            "NOT_ENOUGH_COVENANT_SIGS",
            f"{len(cov_sigs)} covenant signatures decrypt validly, quorum is "
            f"{params.covenant_quorum}",
        )
    fp_sig = schnorr_sign(key.secret, msg, aux_rand)
    witness = slashing_witness(
        cov_sigs,
        params.covenant_pks,
        params.covenant_quorum,
        {key.fp_pk: fp_sig},
        delegation.fp_pks,
        staker_sig,
        leaf,
        cb,
    )
    signed = tx.with_witness(0, witness)
    try:
        validate_slashing_tx(signed, funding_outpoint, funding.value, delegation.staker_pk, params)
        verify_taproot_input(signed, 0, prevouts)
    except BitcoinError as exc:
        raise SlashingError(exc.reason, f"completed slashing tx fails: {exc.message}") from exc
    return CompletedSlashingTx(delegation.outpoint, kind, signed, funding)


def slash_finality_provider(
    evidence: EquivocationEvidence,
    delegations: Iterable[VerifiedStakingDelegation],
    params: StakingParams,
    *,
    kinds: Sequence[SlashingKind] = ("staking", "unbonding"),
    funding_unspent: Callable[[OutPoint], bool] | None = None,
) -> SlashingResult:
    """Extract the FP key and complete every slashing tx of its delegations.

    ``funding_unspent`` (e.g. a UTXO lookup) restricts the result to slashing txs whose
    funding output can still be spent, as Babylon's slasher does.
    """
    key = extract_key(evidence)
    completed: list[CompletedSlashingTx] = []
    failures: list[SlashingFailure] = []
    for d in delegations:
        if key.fp_pk not in d.fp_pks:
            continue
        for kind in kinds:
            funding_op = d.outpoint if kind == "staking" else d.unbonding_outpoint
            if funding_unspent is not None and not funding_unspent(funding_op):
                continue
            try:
                completed.append(complete_slashing_tx(d, key, kind, params))
            except BitcoinError as exc:
                failures.append(SlashingFailure(d.outpoint, kind, exc.reason, exc.message))
    return SlashingResult(key, tuple(completed), tuple(failures))


def extract_key_from_covenant_sig(
    fp_pk: bytes, presig: bytes, published_sig: bytes
) -> ExtractedKey:
    """Selective slashing: a published covenant signature plus its adaptor pre-signature
    (encrypted under ``fp_pk``) reveals the FP's secret key (Babylon
    ``MsgSelectiveSlashingEvidence``)."""
    t = extract(presig, published_sig)
    if xonly_from_secret(t) != fp_pk:
        raise SlashingError("NOT_ENCRYPTED_UNDER_FP", "pre-signature is not encrypted to this FP")
    return ExtractedKey(fp_pk, t)
