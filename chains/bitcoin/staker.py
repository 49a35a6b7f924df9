"""Client-side helpers: what a staker's wallet and a covenant member produce for a delegation.

Used by the tests, the benchmark and anyone driving the regtest builder; the hub itself only
verifies (``verifier``) and slashes (``slasher``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .adaptor import enc_sign, encryption_key_from_xonly
from .params import StakingParams
from .schnorr import schnorr_sign
from .secp import xonly_from_secret
from .signing import script_path_sighash, sign_script_path
from .staking import build_staking_info, build_unbonding_info
from .staking_txs import (
    build_slashing_tx,
    build_unbonding_tx,
    timelock_witness,
    unbonding_witness,
)
from .tx import OutPoint, Transaction, TxIn, TxOut
from .verifier import CovenantSignatures, InclusionProof, StakingSubmission


def staking_output(
    staker_pk: bytes, fp_pks: Sequence[bytes], staking_time: int, value: int, params: StakingParams
) -> TxOut:
    """The staking output a staker must fund."""
    return build_staking_info(
        staker_pk, fp_pks, params.covenant_pks, params.covenant_quorum, staking_time, value
    ).output


def prepare_submission(
    staker_secret: bytes,
    fp_pks: Sequence[bytes],
    staking_tx: Transaction,
    staking_time: int,
    staking_value: int,
    params: StakingParams,
    aux_rand: bytes | None = None,
) -> StakingSubmission:
    """Build the unbonding and both slashing txs and sign the slashing txs as the staker."""
    staker = xonly_from_secret(staker_secret)
    info = build_staking_info(
        staker, fp_pks, params.covenant_pks, params.covenant_quorum, staking_time, staking_value
    )
    idx = staking_tx.outputs.index(info.output)
    outpoint = OutPoint(staking_tx.txid_bytes, idx)
    unbonding_tx, uinfo = build_unbonding_tx(outpoint, staking_value, staker, fp_pks, params)
    slashing = build_slashing_tx(outpoint, staking_value, staker, params)
    u_slashing = build_slashing_tx(
        OutPoint(unbonding_tx.txid_bytes, 0), uinfo.value, staker, params
    )
    s_sig = sign_script_path(
        staker_secret, slashing, 0, [info.output], info.slashing_leaf, aux_rand
    )
    us_sig = sign_script_path(
        staker_secret, u_slashing, 0, [uinfo.output], uinfo.slashing_leaf, aux_rand
    )
    return StakingSubmission(
        staker_pk=staker,
        fp_pks=tuple(fp_pks),
        staking_time=staking_time,
        staking_value=staking_value,
        staking_tx=staking_tx.serialize(),
        slashing_tx=slashing.serialize(),
        staker_slashing_sig=s_sig,
        unbonding_time=params.unbonding_time_blocks,
        unbonding_value=uinfo.value,
        unbonding_tx=unbonding_tx.serialize(),
        unbonding_slashing_tx=u_slashing.serialize(),
        staker_unbonding_slashing_sig=us_sig,
    )


def covenant_sign(
    covenant_secret: bytes, sub: StakingSubmission, params: StakingParams, aux_rand: bytes
) -> CovenantSignatures:
    """A covenant member's signatures: plain on unbonding, adaptor (per FP) on both slashings."""
    info = build_staking_info(
        sub.staker_pk,
        sub.fp_pks,
        params.covenant_pks,
        params.covenant_quorum,
        sub.staking_time,
        sub.staking_value,
    )
    unbonding = Transaction.parse(sub.unbonding_tx)
    slashing = Transaction.parse(sub.slashing_tx)
    u_slashing = Transaction.parse(sub.unbonding_slashing_tx)
    uinfo = build_unbonding_info(
        sub.staker_pk,
        sub.fp_pks,
        params.covenant_pks,
        params.covenant_quorum,
        params.unbonding_time_blocks,
        sub.unbonding_value,
    )
    u_msg = script_path_sighash(unbonding, 0, [info.output], info.unbonding_leaf)
    s_msg = script_path_sighash(slashing, 0, [info.output], info.slashing_leaf)
    us_msg = script_path_sighash(u_slashing, 0, [uinfo.output], uinfo.slashing_leaf)
    enc = [encryption_key_from_xonly(fp) for fp in sub.fp_pks]
    return CovenantSignatures(
        covenant_pk=xonly_from_secret(covenant_secret),
        unbonding_sig=schnorr_sign(covenant_secret, u_msg, aux_rand),
        slashing_adaptor_sigs=tuple(enc_sign(covenant_secret, s_msg, e, aux_rand) for e in enc),
        unbonding_slashing_adaptor_sigs=tuple(
            enc_sign(covenant_secret, us_msg, e, aux_rand) for e in enc
        ),
    )


def with_covenants_and_proof(
    sub: StakingSubmission,
    covenant_sigs: Sequence[CovenantSignatures],
    inclusion: InclusionProof | None,
) -> StakingSubmission:
    """The submission with covenant signatures and an inclusion proof attached."""
    return replace(sub, covenant_sigs=tuple(covenant_sigs), inclusion=inclusion)


def signed_unbonding_tx(
    staker_secret: bytes,
    sub: StakingSubmission,
    params: StakingParams,
) -> Transaction:
    """The unbonding tx with the staker's and the covenants' signatures in its witness."""
    info = build_staking_info(
        sub.staker_pk,
        sub.fp_pks,
        params.covenant_pks,
        params.covenant_quorum,
        sub.staking_time,
        sub.staking_value,
    )
    tx = Transaction.parse(sub.unbonding_tx)
    staker_sig = sign_script_path(staker_secret, tx, 0, [info.output], info.unbonding_leaf)
    cov = {c.covenant_pk: c.unbonding_sig for c in sub.covenant_sigs}
    witness = unbonding_witness(
        cov,
        params.covenant_pks,
        params.covenant_quorum,
        staker_sig,
        info.unbonding_leaf,
        info.control_block(info.unbonding_leaf),
    )
    return tx.with_witness(0, witness)


def timelock_spend(
    staker_secret: bytes,
    funding: OutPoint,
    funding_output: TxOut,
    timelock_leaf: bytes,
    control_block: bytes,
    blocks: int,
    to: TxOut,
) -> Transaction:
    """Spend a staking/unbonding output through its timelock leaf (version 2, nSequence=blocks)."""
    tx = Transaction(2, (TxIn(funding, b"", blocks),), (to,), 0)
    sig = sign_script_path(staker_secret, tx, 0, [funding_output], timelock_leaf)
    return tx.with_witness(0, timelock_witness(sig, timelock_leaf, control_block))
