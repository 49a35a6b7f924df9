"""Babylon btcstaking vectors (scripts, staking pkScript, unbonding tx, V0 OP_RETURN)."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

from omnistake.chains.bitcoin.params import StakingParams
from omnistake.chains.bitcoin.staking import (
    build_staking_info,
    build_unbonding_info,
    parse_v0_op_return,
    v0_op_return_script,
)
from omnistake.chains.bitcoin.staking_txs import build_unbonding_tx, validate_unbonding_tx
from omnistake.chains.bitcoin.taproot import verify_control_block
from omnistake.chains.bitcoin.tx import OutPoint, Transaction


def _x(keys: list[str]) -> list[bytes]:
    return [bytes.fromhex(k)[1:] for k in keys]


def test_babylon_staking_vectors(vectors_dir: Path) -> None:
    data = json.loads((vectors_dir / "babylon-btcstaking-vectors.json").read_text())
    assert len(data["vectors"]) == 5
    for vec in data["vectors"]:
        p, exp = vec["parameters"], vec["expected"]
        covs = _x(p["covenant_public_keys"])
        fps = _x(p["finality_provider_public_keys"])
        (staker,) = _x([p["staker_public_key"]])
        q = p["covenant_quorum"]
        info = build_staking_info(staker, fps, covs, q, p["staking_time"], p["staking_value"])
        assert info.script_pubkey.hex() == exp["staking_output_pkscript_hex"], vec["name"]
        assert info.value == exp["staking_output_value"]
        assert info.timelock_leaf.hex() == exp["staking_transaction_timelock_script_hex"]
        assert info.unbonding_leaf.hex() == exp["staking_transaction_unbonding_script_hex"]
        assert info.slashing_leaf.hex() == exp["staking_transaction_slashing_script_hex"]
        for leaf in (info.timelock_leaf, info.unbonding_leaf, info.slashing_leaf):
            assert verify_control_block(info.taproot.output_key, leaf, info.control_block(leaf))

        params = StakingParams(
            covenant_pks=tuple(covs),
            covenant_quorum=q,
            min_staking_value_sat=p["unbonding_fee"] + 1,
            max_staking_value_sat=10**15,
            min_staking_time_blocks=1,
            max_staking_time_blocks=65535,
            slashing_pk_script=bytes.fromhex("6a07626162796c6f6e"),
            min_slashing_tx_fee_sat=1000,
            slashing_rate=Fraction(1, 10),
            unbonding_time_blocks=p["unbonding_time"],
            unbonding_fee_sat=p["unbonding_fee"],
        )
        outpoint = OutPoint(bytes.fromhex(p["staking_tx_hash"])[::-1], p["staking_output_index"])
        tx, uinfo = build_unbonding_tx(outpoint, p["staking_value"], staker, fps, params)
        assert tx.version == p["unbonding_tx_version"]
        assert tx.serialize().hex() == exp["unbonding_transaction_hex"]
        assert uinfo.timelock_leaf.hex() == exp["unbonding_transaction_time_lock_script_hex"]
        assert uinfo.slashing_leaf.hex() == exp["unbonding_transaction_slashing_script_hex"]
        parsed = Transaction.from_hex(exp["unbonding_transaction_hex"])
        validate_unbonding_tx(parsed, outpoint, p["staking_value"], staker, fps, params)
        again = build_unbonding_info(
            staker, fps, covs, q, p["unbonding_time"], p["staking_value"] - p["unbonding_fee"]
        )
        assert again.script_pubkey == parsed.outputs[0].script_pubkey

        if exp["op_return_script_hex"]:
            tag = bytes.fromhex(p["tag"])
            script = v0_op_return_script(tag, staker, fps[0], p["staking_time"])
            assert script.hex() == exp["op_return_script_hex"]
            op = parse_v0_op_return(script)
            assert (op.staker_pk, op.fp_pk, op.staking_time) == (staker, fps[0], p["staking_time"])


def test_research_note_control_blocks() -> None:
    """Vector 1's control blocks from the Babylon research notes (odd-y output key)."""
    staker = bytes.fromhex("4000bd2c8b975d351c5f3a42618aca31e07e2b253fcd571e9630540a3cb6eafd")
    fp = bytes.fromhex("46542ccdcbde8a8c147c8d00f14d47f0d5c13c684d27497fc4610c7a4def15e5")
    cov = bytes.fromhex("4852a5d3e79cfdee1bda4ea729e879c1db0f19230eadd3cb96d3cb1efa8d30fa")
    info = build_staking_info(staker, [fp], [cov], 1, 1000, 100_000)
    nums = "50929b74c1a04954b78b4b6035e97a5e078a5a0f28ec96d547bfee9ace803ac0"
    h_s = "82859000b8bc683a0fc85e7b3d38ff0acb9444a50d80e51cafd969930867644d"
    assert info.control_block(info.timelock_leaf).hex() == (
        "c1" + nums + "fe3df6b5b769cf3c2998c4926ba925b6637060c0cc8b6801db040946e9c4eb4c" + h_s
    )
    assert info.control_block(info.unbonding_leaf).hex() == (
        "c1" + nums + "30e4435099fb45aa450e2484303044c8ec189adb6dce1c49e5d6bb5535a0b582" + h_s
    )
    assert info.control_block(info.slashing_leaf).hex() == (
        "c1" + nums + "8966e061184af9372a3089872f022974f6a87eef68f58d498a5ce1047c4a602a"
    )
