"""Small building blocks: script numbers, dust, rounding, addresses, parsing, witness order."""

from __future__ import annotations

from fractions import Fraction

import pytest
from btc_world import COV_SKS, FP_PK, STAKER_PK, STAKER_SK, make_params
from omnistake.chains.bitcoin.address import address_to_script, segwit_address
from omnistake.chains.bitcoin.errors import ScriptError, TxFormatError
from omnistake.chains.bitcoin.interpreter import verify_taproot_input
from omnistake.chains.bitcoin.params import min_slashing_output
from omnistake.chains.bitcoin.script import push_int, scriptnum_decode, scriptnum_encode
from omnistake.chains.bitcoin.secp import xonly_from_secret
from omnistake.chains.bitcoin.signing import sign_script_path
from omnistake.chains.bitcoin.staking import build_staking_info, slashing_change_taproot
from omnistake.chains.bitcoin.staking_txs import unbonding_witness
from omnistake.chains.bitcoin.tx import OutPoint, Transaction, TxIn, TxOut, dust_threshold


@pytest.mark.parametrize(
    ("n", "hex_"),
    [
        (100, "0164"),
        (201, "02c900"),
        (1000, "02e803"),
        (1008, "02f003"),
        (10000, "021027"),
        (64000, "0300fa00"),
        (65535, "03ffff00"),
        (6, "56"),
        (18, "0112"),
        (16, "60"),
        (0, "00"),
    ],
)
def test_push_int_matches_btcd(n: int, hex_: str) -> None:
    assert push_int(n).hex() == hex_


@pytest.mark.parametrize("n", [0, 1, -1, 127, 128, -128, 255, 256, 32767, -32768, 2**31 - 1])
def test_scriptnum_round_trip(n: int) -> None:
    assert scriptnum_decode(scriptnum_encode(n), 5) == n


def test_scriptnum_rejects_non_minimal() -> None:
    with pytest.raises(ScriptError) as err:
        scriptnum_decode(b"\x01\x00")
    assert err.value.reason == "NON_MINIMAL_NUMBER"


def test_dust_thresholds() -> None:
    assert dust_threshold(b"\x51\x20" + bytes(32)) == 330
    assert dust_threshold(b"\x00\x14" + bytes(20)) == 294
    assert dust_threshold(bytes.fromhex("76a914" + "00" * 20 + "88ac")) == 546
    assert dust_threshold(bytes.fromhex("6a07626162796c6f6e")) == 0


def test_min_slashing_output_rounds_half_up() -> None:
    assert min_slashing_output(100_000, Fraction(1, 10)) == 10_000
    assert min_slashing_output(5, Fraction(1, 10)) == 1  # 0.5 rounds up, against the slashed
    assert min_slashing_output(14, Fraction(1, 10)) == 1
    assert min_slashing_output(15, Fraction(1, 10)) == 2
    assert min_slashing_output(1_000_000, Fraction(1, 1000)) == 1_000


def test_research_note_change_script() -> None:
    staker = bytes.fromhex("4000bd2c8b975d351c5f3a42618aca31e07e2b253fcd571e9630540a3cb6eafd")
    assert slashing_change_taproot(staker, 100).script_pubkey.hex() == (
        "51202b273c60ed24ee68cd928de36e11cc34bbb44b4bbfbd9ddcb11da166aae5820e"
    )


def test_addresses_round_trip() -> None:
    spk = b"\x51\x20" + bytes.fromhex(
        "712447206d7a5238acc7ff53fbe94a3b64539ad291c7cdbc490b7577e4b17df5"
    )
    for net in ("mainnet", "testnet", "regtest"):
        assert address_to_script(segwit_address(spk, net)) == spk
    with pytest.raises(TxFormatError):
        segwit_address(spk, "nonsense")


def test_tx_parse_errors_are_typed() -> None:
    tx = Transaction(2, (TxIn(OutPoint(bytes(32), 0)),), (TxOut(1, b"\x51"),))
    raw = tx.serialize()
    assert Transaction.parse(raw) == tx
    for bad, reason in [(raw[:-1], "TRUNCATED"), (raw + b"\x00", "TRAILING_BYTES")]:
        with pytest.raises(TxFormatError) as err:
            Transaction.parse(bad)
        assert err.value.reason == reason
    with pytest.raises(TxFormatError) as err:
        Transaction.from_hex("zz")
    assert err.value.reason == "BAD_HEX"


def test_covenant_witness_order_is_checked_by_the_script() -> None:
    params = make_params()
    info = build_staking_info(STAKER_PK, [FP_PK], params.covenant_pks, 2, 100, 100_000)
    tx = Transaction(2, (TxIn(OutPoint(b"\x11" * 32, 0)),), (TxOut(99_000, b"\x51"),))
    prev = [info.output]
    leaf = info.unbonding_leaf
    cov = {xonly_from_secret(s): sign_script_path(s, tx, 0, prev, leaf) for s in COV_SKS[:2]}
    staker_sig = sign_script_path(STAKER_SK, tx, 0, prev, leaf)
    cb = info.control_block(leaf)
    wit = unbonding_witness(cov, params.covenant_pks, 2, staker_sig, leaf, cb)
    verify_taproot_input(tx.with_witness(0, wit), 0, prev)
    n = len(params.covenant_pks)
    swapped = (*reversed(wit[:n]), *wit[n:])  # ascending order: keys meet the wrong sigs
    with pytest.raises(ScriptError) as err:
        verify_taproot_input(tx.with_witness(0, swapped), 0, prev)
    assert err.value.reason == "BAD_SIGNATURE"
    one_short = (b"",) * n
    with pytest.raises(ScriptError) as err:
        verify_taproot_input(tx.with_witness(0, (*one_short, *wit[n:])), 0, prev)
    assert err.value.reason == "SCRIPT_FALSE"
    other_leaf = (*wit[:-2], info.timelock_leaf, cb)
    with pytest.raises(ScriptError) as err:
        verify_taproot_input(tx.with_witness(0, other_leaf), 0, prev)
    assert err.value.reason == "BAD_CONTROL_BLOCK"


def test_interpreter_limits() -> None:
    params = make_params()
    info = build_staking_info(STAKER_PK, [FP_PK], params.covenant_pks, 2, 100, 100_000)
    tx = Transaction(2, (TxIn(OutPoint(b"\x11" * 32, 0)),), (TxOut(99_000, b"\x51"),))
    leaf = info.timelock_leaf
    big = (b"\x01" * 521, leaf, info.control_block(leaf))
    with pytest.raises(ScriptError) as err:
        verify_taproot_input(tx.with_witness(0, big), 0, [info.output])
    assert err.value.reason == "PUSH_SIZE"
    with pytest.raises(ScriptError) as err:
        verify_taproot_input(tx, 0, [info.output])
    assert err.value.reason == "EMPTY_WITNESS"
    with pytest.raises(ScriptError) as err:
        verify_taproot_input(tx.with_witness(0, [b"\x01"]), 0, [TxOut(1, b"\x00\x14" + bytes(20))])
    assert err.value.reason == "UNSUPPORTED_SCRIPT"


def test_params_for_height() -> None:
    from omnistake.chains.bitcoin.errors import ParamsError
    from omnistake.chains.bitcoin.params import params_for_height

    v0 = make_params(btc_activation_height=100)
    v1 = make_params(btc_activation_height=200, unbonding_fee_sat=1_000)
    assert params_for_height([v1, v0], 150) is v0
    assert params_for_height([v1, v0], 200) is v1
    with pytest.raises(ParamsError) as err:
        params_for_height([v0, v1], 99)
    assert err.value.reason == "NO_PARAMS_FOR_HEIGHT"


def test_package_import_does_not_load_bitcoinlib() -> None:
    import subprocess
    import sys

    code = (
        "import sys, omnistake.chains.bitcoin as b, omnistake.chains.bitcoin.regtest;"
        "print('bitcoinlib' in sys.modules, len(b.__all__))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded, exported = out.stdout.split()
    assert loaded == "False" and int(exported) > 30
