"""Verify a submitted Babylon delegation and return a typed, verified record.

Checks, in order: transaction parsing; the staking output (scripts, NUMS output key, value and
time bounds); the unbonding tx (exact fee, version, sequence, locktime, output script); both
slashing txs (slashing script and rate, change timelock, dust, minimum fee); the staker's
signatures over both slashing txs; the covenant signatures (plain for unbonding, adaptor
signatures encrypted under each FP key for slashing) and their quorum; and, when an inclusion
proof is given, SPV inclusion in the best chain at depth ``k`` with time left to stake.
Every failure raises a ``BitcoinError`` subclass with a precise ``reason``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .adaptor import enc_verify, encryption_key_from_xonly
from .errors import StakingValidationError
from .params import StakingParams
from .schnorr import schnorr_verify
from .signing import script_path_sighash, verify_script_path_sig
from .spv import HeaderChain
from .staking import StakingInfo, UnbondingInfo
from .staking_txs import validate_slashing_tx, validate_staking_tx, validate_unbonding_tx
from .tx import OutPoint, Transaction

if TYPE_CHECKING:
    from .backend_api import BitcoinBackend


@dataclass(frozen=True)
class CovenantSignatures:
    """One covenant member's signatures for a delegation.

    ``slashing_adaptor_sigs`` and ``unbonding_slashing_adaptor_sigs`` hold one 65-byte
    pre-signature per finality provider, in the order of the delegation's ``fp_pks``.
    """

    covenant_pk: bytes
    unbonding_sig: bytes
    slashing_adaptor_sigs: tuple[bytes, ...]
    unbonding_slashing_adaptor_sigs: tuple[bytes, ...]


@dataclass(frozen=True)
class InclusionProof:
    """Where the staking tx was mined: block hash (internal order), tx index, Merkle nodes."""

    block_hash: bytes
    index: int
    proof: tuple[bytes, ...]


@dataclass(frozen=True)
class StakingSubmission:
    """What a staker (and the covenant committee) hands in to register a delegation."""

    staker_pk: bytes
    fp_pks: tuple[bytes, ...]
    staking_time: int
    staking_value: int
    staking_tx: bytes
    slashing_tx: bytes
    staker_slashing_sig: bytes
    unbonding_time: int
    unbonding_value: int
    unbonding_tx: bytes
    unbonding_slashing_tx: bytes
    staker_unbonding_slashing_sig: bytes
    covenant_sigs: tuple[CovenantSignatures, ...] = ()
    inclusion: InclusionProof | None = None


@dataclass(frozen=True)
class VerifiedStakingDelegation:
    """A delegation whose transactions and signatures all passed verification."""

    staker_pk: bytes
    fp_pks: tuple[bytes, ...]
    amount_sat: int
    staking_time: int
    outpoint: OutPoint
    inclusion_height: int | None
    unbonding_time: int
    unbonding_value: int
    staking_tx: Transaction
    staking_info: StakingInfo
    unbonding_tx: Transaction
    unbonding_info: UnbondingInfo
    slashing_tx: Transaction
    unbonding_slashing_tx: Transaction
    staker_slashing_sig: bytes
    staker_unbonding_slashing_sig: bytes
    covenant_sigs: tuple[CovenantSignatures, ...]
    covenant_quorum: int

    @property
    def has_covenant_quorum(self) -> bool:
        return len(self.covenant_sigs) >= self.covenant_quorum

    @property
    def end_height(self) -> int | None:
        """``inclusion_height + staking_time`` (the timelock path opens here)."""
        if self.inclusion_height is None:
            return None
        return self.inclusion_height + self.staking_time

    def is_active(self, btc_tip: int) -> bool:
        """Babylon's ACTIVE: quorum, included, and ``tip + unbonding_time < end``."""
        end = self.end_height
        return self.has_covenant_quorum and end is not None and btc_tip + self.unbonding_time < end

    @property
    def unbonding_outpoint(self) -> OutPoint:
        return OutPoint(self.unbonding_tx.txid_bytes, 0)


def _reject(reason: str, message: str) -> StakingValidationError:
    return StakingValidationError(reason, message)


class StakingVerifier:
    """Verifies submissions under one parameter version and (optionally) an SPV header chain."""

    def __init__(
        self,
        params: StakingParams,
        headers: HeaderChain | None = None,
        confirmation_depth: int = 10,
        max_finality_providers: int = 1,
        require_covenant_quorum: bool = True,
    ) -> None:
        self.params = params
        self.headers = headers
        self.k = confirmation_depth
        self.max_fps = max_finality_providers
        self.require_quorum = require_covenant_quorum

    def verify(self, sub: StakingSubmission) -> VerifiedStakingDelegation:
        """Return a verified record, or raise a typed error naming the first broken rule."""
        p = self.params
        staking_tx = Transaction.parse(sub.staking_tx)
        unbonding_tx = Transaction.parse(sub.unbonding_tx)
        slashing_tx = Transaction.parse(sub.slashing_tx)
        unbonding_slashing_tx = Transaction.parse(sub.unbonding_slashing_tx)

        info, idx = validate_staking_tx(
            staking_tx,
            sub.staker_pk,
            sub.fp_pks,
            sub.staking_time,
            sub.staking_value,
            p,
            self.max_fps,
        )
        outpoint = OutPoint(staking_tx.txid_bytes, idx)
        uinfo = validate_unbonding_tx(
            unbonding_tx,
            outpoint,
            sub.staking_value,
            sub.staker_pk,
            sub.fp_pks,
            p,
            sub.unbonding_time,
        )
        if sub.unbonding_value != uinfo.value:
            raise _reject("WRONG_UNBONDING_VALUE", "declared unbonding value differs from the tx")
        unbonding_outpoint = OutPoint(unbonding_tx.txid_bytes, 0)
        validate_slashing_tx(slashing_tx, outpoint, sub.staking_value, sub.staker_pk, p)
        validate_slashing_tx(
            unbonding_slashing_tx, unbonding_outpoint, uinfo.value, sub.staker_pk, p
        )

        staking_prev = [info.output]
        unbonding_prev = [uinfo.output]
        if not verify_script_path_sig(
            sub.staker_pk,
            slashing_tx,
            0,
            staking_prev,
            info.slashing_leaf,
            sub.staker_slashing_sig,
        ):
            raise _reject("BAD_STAKER_SIGNATURE", "staker signature on the slashing tx is invalid")
        if not verify_script_path_sig(
            sub.staker_pk,
            unbonding_slashing_tx,
            0,
            unbonding_prev,
            uinfo.slashing_leaf,
            sub.staker_unbonding_slashing_sig,
        ):
            raise _reject(
                "BAD_STAKER_SIGNATURE", "staker signature on the unbonding-slashing tx is invalid"
            )

        self._check_covenants(
            sub.covenant_sigs,
            sub.fp_pks,
            unbonding_msg=script_path_sighash(unbonding_tx, 0, staking_prev, info.unbonding_leaf),
            slashing_msg=script_path_sighash(slashing_tx, 0, staking_prev, info.slashing_leaf),
            unbonding_slashing_msg=script_path_sighash(
                unbonding_slashing_tx, 0, unbonding_prev, uinfo.slashing_leaf
            ),
        )

        inclusion_height = None
        if sub.inclusion is not None:
            if self.headers is None:
                raise _reject("NO_HEADER_CHAIN", "an inclusion proof needs a header chain")
            inc = self.headers.verify_inclusion(
                staking_tx,
                sub.inclusion.block_hash,
                sub.inclusion.index,
                sub.inclusion.proof,
                self.k,
            )
            if self.headers.tip_height + p.unbonding_time_blocks >= inc.height + sub.staking_time:
                raise _reject(
                    "STAKING_TIME_EXPIRED",
                    "tip + unbonding time is not below inclusion height + staking time",
                )
            inclusion_height = inc.height

        return VerifiedStakingDelegation(
            staker_pk=sub.staker_pk,
            fp_pks=tuple(sub.fp_pks),
            amount_sat=sub.staking_value,
            staking_time=sub.staking_time,
            outpoint=outpoint,
            inclusion_height=inclusion_height,
            unbonding_time=p.unbonding_time_blocks,
            unbonding_value=uinfo.value,
            staking_tx=staking_tx,
            staking_info=info,
            unbonding_tx=unbonding_tx,
            unbonding_info=uinfo,
            slashing_tx=slashing_tx,
            unbonding_slashing_tx=unbonding_slashing_tx,
            staker_slashing_sig=sub.staker_slashing_sig,
            staker_unbonding_slashing_sig=sub.staker_unbonding_slashing_sig,
            covenant_sigs=tuple(sub.covenant_sigs),
            covenant_quorum=p.covenant_quorum,
        )

    def _check_covenants(
        self,
        sigs: Sequence[CovenantSignatures],
        fps: Sequence[bytes],
        *,
        unbonding_msg: bytes,
        slashing_msg: bytes,
        unbonding_slashing_msg: bytes,
    ) -> None:
        covenant_set = set(self.params.covenant_pks)
        seen: set[bytes] = set()
        enc_keys = [encryption_key_from_xonly(fp) for fp in fps]
        for cs in sigs:
            if cs.covenant_pk not in covenant_set:
                raise _reject("UNKNOWN_COVENANT", "signature from a key outside the covenant set")
            if cs.covenant_pk in seen:
                raise _reject("DUPLICATE_COVENANT", "two signature sets from one covenant member")
            seen.add(cs.covenant_pk)
            if len(cs.slashing_adaptor_sigs) != len(fps) or len(
                cs.unbonding_slashing_adaptor_sigs
            ) != len(fps):
                raise _reject("WRONG_ADAPTOR_SIG_COUNT", "one adaptor signature per FP is required")
            if not schnorr_verify(cs.covenant_pk, unbonding_msg, cs.unbonding_sig):
                raise _reject("BAD_COVENANT_SIGNATURE", "covenant unbonding signature is invalid")
            for enc, a, b in zip(
                enc_keys, cs.slashing_adaptor_sigs, cs.unbonding_slashing_adaptor_sigs, strict=True
            ):
                if not enc_verify(cs.covenant_pk, slashing_msg, enc, a):
                    raise _reject(
                        "BAD_COVENANT_SIGNATURE", "covenant slashing adaptor signature is invalid"
                    )
                if not enc_verify(cs.covenant_pk, unbonding_slashing_msg, enc, b):
                    raise _reject(
                        "BAD_COVENANT_SIGNATURE",
                        "covenant unbonding-slashing adaptor signature is invalid",
                    )
        if self.require_quorum and len(seen) < self.params.covenant_quorum:
            raise _reject(
                "NOT_ENOUGH_COVENANT_SIGS",
                f"{len(seen)} covenant signature sets, quorum is {self.params.covenant_quorum}",
            )


async def fetch_inclusion_proof(backend: BitcoinBackend, txid: bytes) -> InclusionProof:
    """Ask a backend where ``txid`` was mined; the proof is verified later by SPV, not trusted."""
    loc = await backend.get_tx_with_proof(txid)
    if loc.tx.txid_bytes != txid:
        raise _reject("BACKEND_MISMATCH", "backend returned a different transaction")
    return InclusionProof(loc.block_hash, loc.index, loc.proof)
