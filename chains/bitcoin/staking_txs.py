"""Babylon staking, unbonding and slashing transactions: builders and every validation rule.

Rules from babylon ``btcstaking/staking.go`` and ``x/btcstaking/types/validate_parsed_message.go``
(see docs/bitcoin.md). Every failure raises ``StakingValidationError`` with a precise reason.
"""

from __future__ import annotations

from collections.abc import Sequence

from .errors import StakingValidationError
from .params import StakingParams, min_slashing_output
from .staking import (
    StakingInfo,
    UnbondingInfo,
    V0OpReturn,
    build_staking_info,
    build_unbonding_info,
    order_signatures,
    parse_v0_op_return,
    slashing_change_taproot,
)
from .tx import SEQUENCE_FINAL, OutPoint, Transaction, TxIn, TxOut, dust_threshold

MAX_TX_WEIGHT = 400_000
UNBONDING_TX_VERSION = 2


def _fail(reason: str, message: str) -> StakingValidationError:
    return StakingValidationError(reason, message)


def find_staking_output(tx: Transaction, expected: TxOut) -> int:
    """Index of the single output equal to ``expected`` (value and script)."""
    matches = [i for i, o in enumerate(tx.outputs) if o == expected]
    if not matches:
        same_script = [o for o in tx.outputs if o.script_pubkey == expected.script_pubkey]
        if same_script:
            raise _fail(
                "WRONG_AMOUNT",
                f"staking output pays {same_script[0].value} sat, expected {expected.value}",
            )
        raise _fail(
            "WRONG_SCRIPT",
            "no output pays the staking script built from the staker, FP and covenant keys "
            "and the staking time",
        )
    if len(matches) > 1:
        raise _fail("MULTIPLE_STAKING_OUTPUTS", "more than one output matches the staking output")
    return matches[0]


def _check_sanity(tx: Transaction) -> None:
    """The parts of btcd ``CheckTransactionSanity`` that apply to pre-signed txs."""
    if not tx.inputs:
        raise _fail("NO_INPUTS", "transaction has no inputs")
    if not tx.outputs:
        raise _fail("NO_OUTPUTS", "transaction has no outputs")
    if tx.weight > MAX_TX_WEIGHT:
        raise _fail("TX_TOO_LARGE", "transaction weight above 400000")
    if len({i.prevout for i in tx.inputs}) != len(tx.inputs):
        raise _fail("DUPLICATE_INPUT", "transaction spends the same outpoint twice")
    if tx.is_coinbase():
        raise _fail("COINBASE", "a coinbase transaction is not allowed here")
    if sum(o.value for o in tx.outputs) > 21_000_000 * 10**8:
        raise _fail("BAD_VALUE", "outputs exceed the money supply")


def validate_staking_tx(
    tx: Transaction,
    staker: bytes,
    fps: Sequence[bytes],
    staking_time: int,
    staking_value: int,
    params: StakingParams,
    max_finality_providers: int = 1,
) -> tuple[StakingInfo, int]:
    """Check a staking tx against the delegation's declared terms; return info and output index."""
    _check_sanity(tx)
    if not 1 <= tx.version <= 2:
        raise _fail("WRONG_VERSION", f"staking tx version {tx.version}, expected 1 or 2")
    if not fps:
        raise _fail("NO_FINALITY_PROVIDER", "delegation names no finality provider")
    if len(fps) > max_finality_providers:
        raise _fail("TOO_MANY_FINALITY_PROVIDERS", f"at most {max_finality_providers} FP keys")
    if not params.min_staking_time_blocks <= staking_time <= params.max_staking_time_blocks:
        raise _fail(
            "WRONG_TIMELOCK",
            f"staking time {staking_time} outside [{params.min_staking_time_blocks}, "
            f"{params.max_staking_time_blocks}]",
        )
    if not params.min_staking_value_sat <= staking_value <= params.max_staking_value_sat:
        raise _fail(
            "WRONG_AMOUNT",
            f"staking value {staking_value} outside [{params.min_staking_value_sat}, "
            f"{params.max_staking_value_sat}]",
        )
    info = build_staking_info(
        staker, fps, params.covenant_pks, params.covenant_quorum, staking_time, staking_value
    )
    return info, find_staking_output(tx, info.output)


def locate_v0_staking_output(
    tx: Transaction, tag: bytes, params: StakingParams
) -> tuple[V0OpReturn, StakingInfo, int]:
    """Phase-1 (identifiable staking): find the OP_RETURN with ``tag`` and the staking output
    rebuilt from its keys and time. Exactly one tagged OP_RETURN and at least 2 outputs."""
    if len(tx.outputs) < 2:
        raise _fail("WRONG_OUTPUT_COUNT", "a V0 staking tx has at least two outputs")
    tagged = []
    for out in tx.outputs:
        if out.script_pubkey[:2] == b"\x6a\x47" and out.script_pubkey[2:6] == tag:
            tagged.append(parse_v0_op_return(out.script_pubkey))
    if len(tagged) != 1:
        raise _fail("BAD_OP_RETURN", f"expected one tagged OP_RETURN, found {len(tagged)}")
    op = tagged[0]
    spk = build_staking_info(
        op.staker_pk,
        [op.fp_pk],
        params.covenant_pks,
        params.covenant_quorum,
        op.staking_time,
        1,
    ).script_pubkey
    idx = [i for i, o in enumerate(tx.outputs) if o.script_pubkey == spk]
    if len(idx) != 1:
        raise _fail(
            "WRONG_SCRIPT" if not idx else "MULTIPLE_STAKING_OUTPUTS",
            "staking output rebuilt from the OP_RETURN is not present exactly once",
        )
    value = tx.outputs[idx[0]].value
    info = build_staking_info(
        op.staker_pk,
        [op.fp_pk],
        params.covenant_pks,
        params.covenant_quorum,
        op.staking_time,
        value,
    )
    return op, info, idx[0]


def build_unbonding_tx(
    staking_outpoint: OutPoint,
    staking_value: int,
    staker: bytes,
    fps: Sequence[bytes],
    params: StakingParams,
) -> tuple[Transaction, UnbondingInfo]:
    """The unbonding tx: one input (sequence final), one output ``value - unbonding_fee``."""
    info = build_unbonding_info(
        staker,
        fps,
        params.covenant_pks,
        params.covenant_quorum,
        params.unbonding_time_blocks,
        staking_value - params.unbonding_fee_sat,
    )
    tx = Transaction(
        UNBONDING_TX_VERSION, (TxIn(staking_outpoint, b"", SEQUENCE_FINAL),), (info.output,), 0
    )
    return tx, info


def validate_unbonding_tx(
    tx: Transaction,
    staking_outpoint: OutPoint,
    staking_value: int,
    staker: bytes,
    fps: Sequence[bytes],
    params: StakingParams,
    unbonding_time: int | None = None,
) -> UnbondingInfo:
    """Every rule for the pre-signed unbonding tx; returns its output's scripts."""
    _check_sanity(tx)
    if unbonding_time is not None and unbonding_time != params.unbonding_time_blocks:
        raise _fail(
            "WRONG_TIMELOCK",
            f"unbonding time {unbonding_time} != required {params.unbonding_time_blocks}",
        )
    if tx.version != UNBONDING_TX_VERSION:
        raise _fail("WRONG_VERSION", f"unbonding tx version {tx.version}, expected 2")
    if len(tx.inputs) != 1:
        raise _fail("WRONG_INPUT_COUNT", "unbonding tx must have exactly one input")
    if len(tx.outputs) != 1:
        raise _fail("WRONG_OUTPUT_COUNT", "unbonding tx must have exactly one output")
    txin = tx.inputs[0]
    if txin.prevout != staking_outpoint:
        raise _fail("WRONG_INPUT", "unbonding tx does not spend the staking output")
    if txin.sequence != SEQUENCE_FINAL:
        raise _fail("WRONG_SEQUENCE", "unbonding tx input sequence must be 0xffffffff")
    if txin.script_sig:
        raise _fail("NON_EMPTY_SCRIPT_SIG", "unbonding tx input must have an empty scriptSig")
    if tx.locktime != 0:
        raise _fail("WRONG_LOCKTIME", "unbonding tx locktime must be 0")
    expected_value = staking_value - params.unbonding_fee_sat
    out = tx.outputs[0]
    if out.value != expected_value:
        raise _fail(
            "WRONG_UNBONDING_FEE",
            f"unbonding output {out.value} sat, expected exactly {expected_value} "
            f"(fee {params.unbonding_fee_sat})",
        )
    info = build_unbonding_info(
        staker,
        fps,
        params.covenant_pks,
        params.covenant_quorum,
        params.unbonding_time_blocks,
        expected_value,
    )
    if out.script_pubkey != info.script_pubkey:
        raise _fail(
            "WRONG_SCRIPT",
            "unbonding output script is not the unbonding taproot output "
            "(staker, FP, covenants, unbonding time)",
        )
    return info


def build_slashing_tx(
    funding_outpoint: OutPoint,
    funding_value: int,
    staker: bytes,
    params: StakingParams,
    fee_sat: int | None = None,
    version: int = 2,
) -> Transaction:
    """Slashing tx: output 0 slashes ``round(value*rate)``, output 1 is the timelocked change."""
    fee = params.min_slashing_tx_fee_sat if fee_sat is None else fee_sat
    slash = min_slashing_output(funding_value, params.slashing_rate)
    change = funding_value - slash - fee
    if change <= 0:
        raise _fail("INSUFFICIENT_FUNDS", "funding value does not cover slashing output and fee")
    change_out = TxOut(
        change, slashing_change_taproot(staker, params.unbonding_time_blocks).script_pubkey
    )
    return Transaction(
        version,
        (TxIn(funding_outpoint, b"", SEQUENCE_FINAL),),
        (TxOut(slash, params.slashing_pk_script), change_out),
        0,
    )


def validate_slashing_tx(
    tx: Transaction,
    funding_outpoint: OutPoint,
    funding_value: int,
    staker: bytes,
    params: StakingParams,
) -> None:
    """Every rule for a staking- or unbonding-slashing tx against its funding output."""
    _check_sanity(tx)
    if not 1 <= tx.version <= 2:
        raise _fail("WRONG_VERSION", f"slashing tx version {tx.version}, expected 1 or 2")
    if len(tx.inputs) != 1:
        raise _fail("WRONG_INPUT_COUNT", "slashing tx must have exactly one input")
    if len(tx.outputs) != 2:
        raise _fail("WRONG_OUTPUT_COUNT", "slashing tx must have exactly two outputs")
    txin = tx.inputs[0]
    if txin.prevout != funding_outpoint:
        raise _fail("WRONG_INPUT", "slashing tx does not spend the funding output")
    if txin.sequence != SEQUENCE_FINAL:
        raise _fail("WRONG_SEQUENCE", "slashing tx input sequence must be 0xffffffff")
    if tx.locktime != 0:
        raise _fail("WRONG_LOCKTIME", "slashing tx locktime must be 0")
    slash_out, change_out = tx.outputs
    if slash_out.script_pubkey != params.slashing_pk_script:
        raise _fail("WRONG_SLASHING_SCRIPT", "output 0 does not pay the slashing pkScript")
    required = min_slashing_output(funding_value, params.slashing_rate)
    if slash_out.value < required:
        raise _fail(
            "WRONG_SLASHING_AMOUNT",
            f"slashing output {slash_out.value} sat below {required} "
            f"(rate {params.slashing_rate} of {funding_value})",
        )
    expected_change = slashing_change_taproot(staker, params.unbonding_time_blocks)
    if change_out.script_pubkey != expected_change.script_pubkey:
        raise _fail(
            "WRONG_CHANGE_SCRIPT",
            "output 1 is not timelock(staker, unbonding time) under the NUMS key",
        )
    for out in tx.outputs:
        if out.value < dust_threshold(out.script_pubkey):
            raise _fail("DUST_OUTPUT", f"output of {out.value} sat is dust")
    total_out = slash_out.value + change_out.value
    if total_out > funding_value:
        raise _fail("OUTPUTS_EXCEED_INPUT", "slashing tx spends more than its funding output")
    if funding_value - total_out < params.min_slashing_tx_fee_sat:
        raise _fail(
            "FEE_TOO_LOW",
            f"slashing tx fee {funding_value - total_out} below {params.min_slashing_tx_fee_sat}",
        )


def timelock_witness(staker_sig: bytes, leaf: bytes, cb: bytes) -> tuple[bytes, ...]:
    """``[staker_sig, leaf, control_block]``."""
    return (staker_sig, leaf, cb)


def unbonding_witness(
    covenant_sigs: dict[bytes, bytes],
    covenants: Sequence[bytes],
    quorum: int,
    staker_sig: bytes,
    leaf: bytes,
    cb: bytes,
) -> tuple[bytes, ...]:
    """``[cov sigs (reverse key order, exactly quorum), staker_sig, leaf, cb]``."""
    cov = order_signatures(covenant_sigs, covenants, quorum)
    if sum(1 for s in cov if s) < quorum:
        raise _fail("NOT_ENOUGH_COVENANT_SIGS", f"need {quorum} covenant signatures")
    return (*cov, staker_sig, leaf, cb)


def slashing_witness(
    covenant_sigs: dict[bytes, bytes],
    covenants: Sequence[bytes],
    quorum: int,
    fp_sigs: dict[bytes, bytes],
    fps: Sequence[bytes],
    staker_sig: bytes,
    leaf: bytes,
    cb: bytes,
) -> tuple[bytes, ...]:
    """``[cov sigs, fp sigs, staker_sig, leaf, cb]``; groups in reverse key order."""
    cov = order_signatures(covenant_sigs, covenants, quorum)
    if sum(1 for s in cov if s) < quorum:
        raise _fail("NOT_ENOUGH_COVENANT_SIGS", f"need {quorum} covenant signatures")
    fp = order_signatures(fp_sigs, fps, 1)
    if not any(fp):
        raise _fail("NO_FP_SIGNATURE", "a finality provider signature is required")
    return (*cov, *fp, staker_sig, leaf, cb)
