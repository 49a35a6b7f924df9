"""Selective slashing, phase-1 OP_RETURN staking txs, and Hypothesis properties of the
Schnorr / Taproot layer."""

from __future__ import annotations

import pytest
from btc_world import FP_PK, FP_SK, STAKE, STAKER_PK, STAKING_TIME, K, build_world, make_params
from hypothesis import given, settings
from hypothesis import strategies as st
from omnistake.chains.bitcoin.adaptor import decrypt, decryption_key_from_secret
from omnistake.chains.bitcoin.errors import SlashingError, StakingValidationError
from omnistake.chains.bitcoin.schnorr import schnorr_sign, schnorr_verify
from omnistake.chains.bitcoin.secp import N, normalize_secret, xonly_from_secret
from omnistake.chains.bitcoin.slasher import extract_key_from_covenant_sig
from omnistake.chains.bitcoin.staking import v0_op_return_script
from omnistake.chains.bitcoin.staking_txs import locate_v0_staking_output
from omnistake.chains.bitcoin.taproot import (
    TapLeaf,
    TaprootInfo,
    taproot_tweak_seckey,
    verify_control_block,
)
from omnistake.chains.bitcoin.tx import OutPoint, Transaction, TxIn, TxOut
from omnistake.chains.bitcoin.verifier import StakingVerifier

secrets = st.integers(min_value=1, max_value=N - 1).map(lambda k: k.to_bytes(32, "big"))


def test_selective_slashing_reveals_fp_key() -> None:
    w = build_world()
    rec = StakingVerifier(w.params, w.headers, K).verify(w.submission)
    presig = rec.covenant_sigs[0].slashing_adaptor_sigs[0]
    published = decrypt(presig, decryption_key_from_secret(FP_SK))
    key = extract_key_from_covenant_sig(FP_PK, presig, published)
    assert key.secret == decryption_key_from_secret(FP_SK)
    assert key.secret.hex() not in repr(key) and key.secret.hex() not in str(key)
    with pytest.raises(SlashingError) as err:
        extract_key_from_covenant_sig(STAKER_PK, presig, published)
    assert err.value.reason == "NOT_ENCRYPTED_UNDER_FP"


def test_v0_op_return_staking_tx() -> None:
    params = make_params()
    tag = b"\x01\x02\x03\x04"
    w = build_world(params)
    out = w.staking_tx.outputs[1]
    op_ret = TxOut(0, v0_op_return_script(tag, STAKER_PK, FP_PK, STAKING_TIME))
    tx = Transaction(2, (TxIn(OutPoint(b"\x01" * 32, 0)),), (op_ret, out), 0)
    op, info, idx = locate_v0_staking_output(tx, tag, params)
    assert (op.staker_pk, op.fp_pk, op.staking_time, idx) == (STAKER_PK, FP_PK, STAKING_TIME, 1)
    assert info.value == STAKE and info.script_pubkey == out.script_pubkey
    two = Transaction(2, tx.inputs, (op_ret, op_ret, out), 0)
    with pytest.raises(StakingValidationError) as err:
        locate_v0_staking_output(two, tag, params)
    assert err.value.reason == "BAD_OP_RETURN"
    wrong_time = TxOut(0, v0_op_return_script(tag, STAKER_PK, FP_PK, STAKING_TIME + 1))
    with pytest.raises(StakingValidationError) as err:
        locate_v0_staking_output(Transaction(2, tx.inputs, (wrong_time, out), 0), tag, params)
    assert err.value.reason == "WRONG_SCRIPT"
    with pytest.raises(StakingValidationError) as err:
        locate_v0_staking_output(tx, b"bbn1", params)
    assert err.value.reason == "BAD_OP_RETURN"


@settings(max_examples=40, deadline=None)
@given(secret=secrets, msg=st.binary(max_size=80), aux=st.binary(min_size=32, max_size=32))
def test_schnorr_sign_verify_property(secret: bytes, msg: bytes, aux: bytes) -> None:
    pk = xonly_from_secret(secret)
    sig = schnorr_sign(secret, msg, aux)
    assert schnorr_verify(pk, msg, sig)
    assert not schnorr_verify(pk, msg + b"\x00", sig)
    assert not schnorr_verify(pk, msg, sig[:32] + ((int.from_bytes(sig[32:]) + 1) % N).to_bytes(32))


@settings(max_examples=25, deadline=None)
@given(
    secret=secrets,
    scripts=st.lists(st.binary(min_size=1, max_size=40), min_size=1, max_size=5, unique=True),
)
def test_taproot_key_and_script_paths_agree(secret: bytes, scripts: list[bytes]) -> None:
    leaves = [TapLeaf(s) for s in scripts]
    tree = leaves[0]
    for leaf in leaves[1:]:
        tree = (tree, leaf)
    internal = xonly_from_secret(secret)
    info = TaprootInfo.build(internal, tree)
    # The tweaked secret key controls the output key (key path)...
    tweaked = taproot_tweak_seckey(secret, info.merkle_root)
    assert xonly_from_secret(tweaked) == info.output_key
    assert int.from_bytes(tweaked) != normalize_secret(int.from_bytes(secret))
    # ...and every leaf's control block proves it (script path).
    for s in scripts:
        assert verify_control_block(info.output_key, s, info.control_block(s))
        assert not verify_control_block(info.output_key, s + b"\x00", info.control_block(s))
