"""Fund, stake, verify with k confirmations, unbond, timelock expiry, double-sign -> slash."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest
from btc_world import FP_PK, FP_SK, STAKE, STAKER_PK, STAKER_SK, STAKING_TIME, K, build_world
from omnistake.chains.bitcoin.eots import EotsSigner
from omnistake.chains.bitcoin.errors import BackendError, SpvError
from omnistake.chains.bitcoin.interpreter import verify_taproot_input
from omnistake.chains.bitcoin.regtest import key_path_script
from omnistake.chains.bitcoin.slasher import EquivocationEvidence, slash_finality_provider
from omnistake.chains.bitcoin.staker import signed_unbonding_tx, timelock_spend
from omnistake.chains.bitcoin.staking import slashing_change_taproot
from omnistake.chains.bitcoin.tx import OutPoint, TxOut
from omnistake.chains.bitcoin.verifier import StakingVerifier


def _evidence(height: int = 42) -> EquivocationEvidence:
    signer = EotsSigner(FP_SK, b"bbn-test")
    a, b = hashlib.sha256(b"canonical").digest(), hashlib.sha256(b"fork").digest()
    sig_a = signer.sign(height, a)
    sig_b = signer.sign(height, b, allow_double_sign=True)
    return EquivocationEvidence(FP_PK, height, signer.pub_rand(height), a, sig_a, b, sig_b)


def test_verify_staking_with_k_confirmations() -> None:
    w = build_world(mine_confirmations=K - 1)
    verifier = StakingVerifier(w.params, w.headers, confirmation_depth=K)
    with pytest.raises(SpvError) as err:
        verifier.verify(w.submission)
    assert err.value.reason == "NOT_DEEP_ENOUGH"
    w.chain.mine(1)
    w.sync()
    rec = verifier.verify(w.submission)
    loc = w.chain.tx_with_proof(w.staking_tx.txid_bytes)
    assert rec.inclusion_height == loc.height == w.headers.tip_height - K
    assert rec.amount_sat == STAKE
    assert rec.staker_pk == STAKER_PK and rec.fp_pks == (FP_PK,)
    assert rec.outpoint == OutPoint(w.staking_tx.txid_bytes, 1)
    assert w.staking_tx.outputs[1].script_pubkey == rec.staking_info.script_pubkey
    assert rec.has_covenant_quorum and rec.is_active(w.headers.tip_height)
    assert not rec.is_active(rec.inclusion_height + STAKING_TIME - w.params.unbonding_time_blocks)


def test_unbond_then_timelock_then_spend() -> None:
    w = build_world()
    rec = StakingVerifier(w.params, w.headers, K).verify(w.submission)
    unbond = signed_unbonding_tx(STAKER_SK, w.submission, w.params)
    verify_taproot_input(unbond, 0, [rec.staking_info.output])
    w.chain.broadcast(unbond)
    w.chain.mine(1)
    assert rec.outpoint not in w.chain.utxos
    u_op = OutPoint(unbond.txid_bytes, 0)
    assert w.chain.utxos[u_op].output.value == STAKE - w.params.unbonding_fee_sat
    leaf = rec.unbonding_info.timelock_leaf
    to = TxOut(rec.unbonding_value - 1_000, key_path_script(STAKER_SK))
    ut = w.params.unbonding_time_blocks
    early = timelock_spend(
        STAKER_SK,
        u_op,
        rec.unbonding_info.output,
        leaf,
        rec.unbonding_info.control_block(leaf),
        ut,
        to,
    )
    with pytest.raises(BackendError) as err:
        w.chain.broadcast(early)
    assert err.value.reason == "NON_BIP68_FINAL"
    short = timelock_spend(
        STAKER_SK,
        u_op,
        rec.unbonding_info.output,
        leaf,
        rec.unbonding_info.control_block(leaf),
        ut - 1,
        to,
    )
    w.chain.mine(ut)
    with pytest.raises(BackendError) as err:
        w.chain.broadcast(short)  # nSequence below the script's CSV argument
    assert err.value.reason == "SCRIPT_VERIFY_FAILED" and "UNSATISFIED_LOCKTIME" in str(err.value)
    w.chain.broadcast(early)
    block = w.chain.mine(1)[0]
    assert early.txid_bytes in [t.txid_bytes for t in block.txs]


def test_staking_timelock_expiry_path() -> None:
    w = build_world()
    rec = StakingVerifier(w.params, w.headers, K).verify(w.submission)
    leaf = rec.staking_info.timelock_leaf
    spend = timelock_spend(
        STAKER_SK,
        rec.outpoint,
        rec.staking_info.output,
        leaf,
        rec.staking_info.control_block(leaf),
        STAKING_TIME,
        TxOut(STAKE - 1_000, key_path_script(STAKER_SK)),
    )
    with pytest.raises(BackendError) as err:
        w.chain.broadcast(spend)
    assert err.value.reason == "NON_BIP68_FINAL"
    assert rec.inclusion_height is not None
    w.chain.mine(rec.inclusion_height + STAKING_TIME - w.chain.height - 1)
    w.chain.broadcast(spend)
    w.chain.mine(1)
    assert rec.outpoint not in w.chain.utxos
    assert OutPoint(spend.txid_bytes, 0) in w.chain.utxos


def test_double_sign_extracts_key_and_slashes_staking_output() -> None:
    w = build_world()
    rec = StakingVerifier(w.params, w.headers, K).verify(w.submission)
    result = slash_finality_provider(
        _evidence(), [rec], w.params, funding_unspent=lambda op: op in w.chain.utxos
    )
    assert result.key.fp_pk == FP_PK and not result.failures
    (done,) = result.completed
    assert done.kind == "staking"
    # Every signature in the witness is checked against the BIP-341 tapscript sighash.
    verify_taproot_input(done.tx, 0, [rec.staking_info.output])
    w.chain.broadcast(done.tx)
    w.chain.mine(1)
    assert rec.outpoint not in w.chain.utxos
    slash_out = w.chain.utxos[OutPoint(done.tx.txid_bytes, 0)].output
    assert slash_out.script_pubkey == w.params.slashing_pk_script
    assert slash_out.value == STAKE // 10
    change = w.chain.utxos[OutPoint(done.tx.txid_bytes, 1)].output
    assert change.script_pubkey == slashing_change_taproot(STAKER_PK, 10).script_pubkey


def test_slashing_after_unbonding_uses_unbonding_slashing_tx() -> None:
    w = build_world()
    rec = StakingVerifier(w.params, w.headers, K).verify(w.submission)
    w.chain.broadcast(signed_unbonding_tx(STAKER_SK, w.submission, w.params))
    w.chain.mine(1)
    result = slash_finality_provider(
        _evidence(7), [rec], w.params, funding_unspent=lambda op: op in w.chain.utxos
    )
    (done,) = result.completed
    assert done.kind == "unbonding"
    w.chain.broadcast(done.tx)
    w.chain.mine(1)
    assert rec.unbonding_outpoint not in w.chain.utxos
    assert w.chain.utxos[OutPoint(done.tx.txid_bytes, 0)].output.value == ((STAKE - 2_000) // 10)


def test_slashing_tx_with_bad_signature_is_never_returned() -> None:
    w = build_world()
    rec = StakingVerifier(w.params, w.headers, K).verify(w.submission)
    bad = replace(rec, staker_slashing_sig=rec.staker_unbonding_slashing_sig)
    result = slash_finality_provider(_evidence(), [bad], w.params)
    assert [c.kind for c in result.completed] == ["unbonding"]
    (failure,) = result.failures
    assert failure.kind == "staking" and failure.reason == "BAD_SIGNATURE"


def test_one_bad_covenant_presig_is_skipped_when_quorum_remains() -> None:
    w = build_world(n_covenants=3)
    rec = StakingVerifier(w.params, w.headers, K).verify(w.submission)
    c0 = rec.covenant_sigs[0]
    broken = replace(c0, slashing_adaptor_sigs=c0.unbonding_slashing_adaptor_sigs)
    rec2 = replace(rec, covenant_sigs=(broken, *rec.covenant_sigs[1:]))
    result = slash_finality_provider(_evidence(), [rec2], w.params, kinds=("staking",))
    (done,) = result.completed
    verify_taproot_input(done.tx, 0, [rec.staking_info.output])
    # Two of three covenants broken: below quorum, so nothing is returned.
    c1 = rec.covenant_sigs[1]
    rec3 = replace(
        rec2,
        covenant_sigs=(
            broken,
            replace(c1, slashing_adaptor_sigs=c1.unbonding_slashing_adaptor_sigs),
            rec.covenant_sigs[2],
        ),
    )
    result = slash_finality_provider(_evidence(), [rec3], w.params, kinds=("staking",))
    assert not result.completed
    assert result.failures[0].reason == "NOT_ENOUGH_COVENANT_SIGS"
