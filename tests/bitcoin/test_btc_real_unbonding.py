"""A real btc-staking-ts unbonding example: our staking output, unbonding tx and BIP-342
tapscript sighash reproduce it, and the real covenant signatures verify against our sighash.
(The BIP-341 vectors have no script-path sighash; this is the external check for it.)"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

from omnistake.chains.bitcoin.params import StakingParams
from omnistake.chains.bitcoin.schnorr import schnorr_verify
from omnistake.chains.bitcoin.signing import script_path_sighash
from omnistake.chains.bitcoin.staking_txs import (
    build_unbonding_tx,
    validate_staking_tx,
    validate_unbonding_tx,
)
from omnistake.chains.bitcoin.tx import Transaction

CASE = json.loads((Path(__file__).parent / "data" / "btc_staking_ts_unbonding.json").read_text())


def test_real_unbonding_tx_and_covenant_signatures() -> None:
    params = StakingParams(
        covenant_pks=tuple(bytes.fromhex(k) for k in CASE["covenant_pks"]),
        covenant_quorum=CASE["covenant_quorum"],
        min_staking_value_sat=10_000,
        max_staking_value_sat=10**12,
        min_staking_time_blocks=100,
        max_staking_time_blocks=60_000,
        slashing_pk_script=bytes.fromhex("0014f87283ca2ab20a1ab50cc7cea290f722c9a24574"),
        min_slashing_tx_fee_sat=1_000,
        slashing_rate=Fraction(1, 10),
        unbonding_time_blocks=CASE["unbonding_time_blocks"],
        unbonding_fee_sat=CASE["unbonding_fee_sat"],
    )
    staker, fp = bytes.fromhex(CASE["staker_pk"]), bytes.fromhex(CASE["fp_pk"])
    staking_tx = Transaction.from_hex(CASE["staking_tx"])
    info, idx = validate_staking_tx(
        staking_tx, staker, [fp], CASE["staking_time"], CASE["staking_value"], params
    )
    assert idx == 0
    outpoint = staking_tx.outpoint(idx)
    ours, _ = build_unbonding_tx(outpoint, CASE["staking_value"], staker, [fp], params)
    assert ours.serialize().hex() == CASE["unbonding_tx"]
    theirs = Transaction.from_hex(CASE["unbonding_tx"])
    validate_unbonding_tx(theirs, outpoint, CASE["staking_value"], staker, [fp], params)
    msg = script_path_sighash(theirs, 0, [info.output], info.unbonding_leaf)
    assert msg.hex() == CASE["unbonding_sighash"]
    sigs = CASE["covenant_unbonding_signatures"]
    assert len(sigs) == 3
    for pk, sig in sigs.items():
        assert schnorr_verify(bytes.fromhex(pk), msg, bytes.fromhex(sig))
        # The same signature does not verify under the slashing leaf's sighash.
        other = script_path_sighash(theirs, 0, [info.output], info.slashing_leaf)
        assert not schnorr_verify(bytes.fromhex(pk), other, bytes.fromhex(sig))
