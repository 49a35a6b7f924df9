"""Precise rejections: wrong script, amount, timelock, covenant set, fees, signatures, proofs."""

from __future__ import annotations

from dataclasses import replace

import pytest
from btc_world import (
    COV_SKS,
    FP_PK,
    STAKE,
    STAKER_PK,
    STAKING_TIME,
    K,
    World,
    build_world,
    make_params,
    sk,
)
from omnistake.chains.bitcoin.errors import BitcoinError, ParamsError
from omnistake.chains.bitcoin.secp import xonly_from_secret
from omnistake.chains.bitcoin.staker import covenant_sign
from omnistake.chains.bitcoin.staking_txs import build_slashing_tx
from omnistake.chains.bitcoin.tx import Transaction, TxIn, TxOut
from omnistake.chains.bitcoin.verifier import InclusionProof, StakingVerifier


@pytest.fixture(scope="module")
def world() -> World:
    return build_world()


def _reason(world: World, **changes: object) -> str:
    sub = replace(world.submission, **changes)  # type: ignore[arg-type]
    with pytest.raises(BitcoinError) as err:
        StakingVerifier(world.params, world.headers, K).verify(sub)
    return err.value.reason


def test_valid_submission_passes(world: World) -> None:
    assert StakingVerifier(world.params, world.headers, K).verify(world.submission).amount_sat


def test_wrong_script_when_fp_differs(world: World) -> None:
    assert _reason(world, fp_pks=(xonly_from_secret(sk("other-fp")),)) == "WRONG_SCRIPT"


def test_wrong_amount(world: World) -> None:
    assert _reason(world, staking_value=STAKE + 1) == "WRONG_AMOUNT"
    assert _reason(world, staking_value=10) == "WRONG_AMOUNT"  # below the minimum


def test_wrong_timelock(world: World) -> None:
    assert _reason(world, staking_time=STAKING_TIME + 1) == "WRONG_SCRIPT"
    assert _reason(world, staking_time=5) == "WRONG_TIMELOCK"  # below min staking time
    assert _reason(world, unbonding_time=11) == "WRONG_TIMELOCK"


def test_wrong_covenant_set(world: World) -> None:
    other = make_params(covenant_pks=tuple(xonly_from_secret(sk(f"x{i}")) for i in range(3)))
    with pytest.raises(BitcoinError) as err:
        StakingVerifier(other, world.headers, K).verify(world.submission)
    assert err.value.reason == "WRONG_SCRIPT"
    stranger = covenant_sign(sk("stranger"), world.submission, world.params, bytes(32))
    assert _reason(world, covenant_sigs=(stranger,)) == "UNKNOWN_COVENANT"
    assert _reason(world, covenant_sigs=world.submission.covenant_sigs[:1]) == (
        "NOT_ENOUGH_COVENANT_SIGS"
    )
    c0 = world.submission.covenant_sigs[0]
    assert _reason(world, covenant_sigs=(c0, c0)) == "DUPLICATE_COVENANT"
    swapped = replace(c0, slashing_adaptor_sigs=c0.unbonding_slashing_adaptor_sigs)
    assert _reason(world, covenant_sigs=(swapped, *world.submission.covenant_sigs[1:])) == (
        "BAD_COVENANT_SIGNATURE"
    )


def test_unbonding_tx_rules(world: World) -> None:
    tx = Transaction.parse(world.submission.unbonding_tx)
    out = tx.outputs[0]
    cheap = replace(tx, outputs=(TxOut(out.value - 1, out.script_pubkey),), _cache={})
    assert _reason(world, unbonding_tx=cheap.serialize()) == "WRONG_UNBONDING_FEE"
    v1 = replace(tx, version=1, _cache={})
    assert _reason(world, unbonding_tx=v1.serialize()) == "WRONG_VERSION"
    seq = replace(tx, inputs=(replace(tx.inputs[0], sequence=0xFFFFFFFE),), _cache={})
    assert _reason(world, unbonding_tx=seq.serialize()) == "WRONG_SEQUENCE"
    lock = replace(tx, locktime=1, _cache={})
    assert _reason(world, unbonding_tx=lock.serialize()) == "WRONG_LOCKTIME"
    other_script = replace(tx, outputs=(TxOut(out.value, b"\x51\x20" + bytes(32)),), _cache={})
    assert _reason(world, unbonding_tx=other_script.serialize()) == "WRONG_SCRIPT"


def test_slashing_tx_rules(world: World) -> None:
    tx = Transaction.parse(world.submission.slashing_tx)
    slash, change = tx.outputs
    low = replace(tx, outputs=(TxOut(slash.value - 1, slash.script_pubkey), change), _cache={})
    assert _reason(world, slashing_tx=low.serialize()) == "WRONG_SLASHING_AMOUNT"
    greedy = replace(tx, outputs=(slash, TxOut(change.value + 1, change.script_pubkey)), _cache={})
    assert _reason(world, slashing_tx=greedy.serialize()) == "FEE_TOO_LOW"
    elsewhere = replace(tx, outputs=(TxOut(slash.value, b"\x6a"), change), _cache={})
    assert _reason(world, slashing_tx=elsewhere.serialize()) == "WRONG_SLASHING_SCRIPT"
    wrong_change = replace(
        tx, outputs=(slash, TxOut(change.value, b"\x51\x20" + bytes(32))), _cache={}
    )
    assert _reason(world, slashing_tx=wrong_change.serialize()) == "WRONG_CHANGE_SCRIPT"
    dust = replace(tx, outputs=(slash, TxOut(100, change.script_pubkey)), _cache={})
    assert _reason(world, slashing_tx=dust.serialize()) == "DUST_OUTPUT"
    rec = StakingVerifier(world.params, world.headers, K).verify(world.submission)
    other_input = build_slashing_tx(rec.unbonding_outpoint, STAKE, STAKER_PK, world.params)
    assert _reason(world, slashing_tx=other_input.serialize()) == "WRONG_INPUT"
    two_in = replace(tx, inputs=(tx.inputs[0], TxIn(rec.unbonding_outpoint)), _cache={})
    assert _reason(world, slashing_tx=two_in.serialize()) == "WRONG_INPUT_COUNT"


def test_bad_staker_signature(world: World) -> None:
    sig = world.submission.staker_unbonding_slashing_sig
    assert _reason(world, staker_slashing_sig=sig) == "BAD_STAKER_SIGNATURE"


def test_forged_merkle_proof(world: World) -> None:
    inc = world.submission.inclusion
    assert inc is not None
    forged = InclusionProof(inc.block_hash, inc.index, (bytes(32), *inc.proof[1:]))
    assert _reason(world, inclusion=forged) == "BAD_MERKLE_PROOF"
    wrong_index = InclusionProof(inc.block_hash, inc.index + 2, inc.proof)
    assert _reason(world, inclusion=wrong_index) in ("BAD_MERKLE_PROOF",)
    coinbase = InclusionProof(inc.block_hash, 0, inc.proof)
    assert _reason(world, inclusion=coinbase) == "COINBASE_NOT_ALLOWED"
    unknown = InclusionProof(bytes(32), inc.index, inc.proof)
    assert _reason(world, inclusion=unknown) == "UNKNOWN_BLOCK"


def test_staking_time_nearly_over() -> None:
    w = build_world()
    w.chain.mine(STAKING_TIME - 10)
    w.sync()
    with pytest.raises(BitcoinError) as err:
        StakingVerifier(w.params, w.headers, K).verify(w.submission)
    assert err.value.reason == "STAKING_TIME_EXPIRED"


def test_header_chain_required_for_proof(world: World) -> None:
    with pytest.raises(BitcoinError) as err:
        StakingVerifier(world.params, None, K).verify(world.submission)
    assert err.value.reason == "NO_HEADER_CHAIN"
    pending = StakingVerifier(world.params, None, K).verify(
        replace(world.submission, inclusion=None)
    )
    assert pending.inclusion_height is None and not pending.is_active(0)


def test_params_validation() -> None:
    with pytest.raises(ParamsError) as err:
        make_params(covenant_quorum=1)
    assert err.value.reason == "BAD_COVENANT_QUORUM"
    with pytest.raises(ParamsError) as err:
        make_params(slashing_rate="0.12345")
    assert err.value.reason == "BAD_SLASHING_RATE"
    with pytest.raises(ParamsError) as err:
        make_params(unbonding_fee_sat=60_000)
    assert err.value.reason == "BAD_UNBONDING_FEE"
    with pytest.raises(ParamsError) as err:
        make_params(covenant_pks=(xonly_from_secret(COV_SKS[0]),) * 3)
    assert err.value.reason == "DUPLICATE_COVENANT_KEY"
    with pytest.raises(ParamsError) as err:
        make_params(slashing_pk_script=b"\x51\x20" + bytes(32), min_staking_value_sat=3_000)
    assert err.value.reason == "SLASHING_OUTPUT_DUST"


def test_duplicate_keys_rejected(world: World) -> None:
    assert _reason(world, fp_pks=(STAKER_PK,)) == "DUPLICATE_KEY"
    assert _reason(world, fp_pks=(FP_PK, xonly_from_secret(sk("fp2")))) == (
        "TOO_MANY_FINALITY_PROVIDERS"
    )
