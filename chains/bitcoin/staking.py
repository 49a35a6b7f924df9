"""Babylon staking scripts and outputs: timelock, unbonding and slashing leaves, tap trees.

Keys are 32-byte x-only. Trees follow Babylon exactly: staking output
``TapBranch(TapBranch(T, U), S)``; unbonding output ``TapBranch(T', S)``; slashing change
output a single timelock leaf. The internal key is BIP-341's NUMS point (no key path).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .errors import StakingValidationError
from .params import MAX_TIMELOCK
from .script import (
    OP_CHECKSEQUENCEVERIFY,
    OP_CHECKSIG,
    OP_CHECKSIGADD,
    OP_CHECKSIGVERIFY,
    OP_NUMEQUAL,
    OP_NUMEQUALVERIFY,
    push_data,
    push_int,
)
from .secp import NUMS_X, is_valid_xonly
from .taproot import TapLeaf, TaprootInfo
from .tx import TxOut


def sort_keys(keys: Sequence[bytes]) -> list[bytes]:
    """Ascending lexicographic order of x-only keys (the order scripts check them in)."""
    return sorted(keys)


def _check_key(pk: bytes, what: str) -> None:
    if not is_valid_xonly(pk):
        raise StakingValidationError("BAD_KEY", f"{what} is not a valid 32-byte x-only key")


def check_distinct_keys(staker: bytes, fps: Sequence[bytes], covenants: Sequence[bytes]) -> None:
    """Staker, FP and covenant keys must all differ (``ErrDuplicatedKeyInScript``)."""
    allk = [staker, *fps, *covenants]
    if len(set(allk)) != len(allk):
        raise StakingValidationError("DUPLICATE_KEY", "staker, FP and covenant keys must differ")


def multisig_script(keys: Sequence[bytes], threshold: int, verify: bool) -> bytes:
    """Babylon ``buildMultiSigScript``: one key → ``<pk> CHECKSIG[VERIFY]``, else CHECKSIGADD."""
    if not keys:
        raise StakingValidationError("NO_KEYS", "multisig needs at least one key")
    if not 0 < threshold <= len(keys):
        raise StakingValidationError("BAD_THRESHOLD", "threshold must be in 1..len(keys)")
    for pk in keys:
        _check_key(pk, "multisig key")
    if len(set(keys)) != len(keys):
        raise StakingValidationError("DUPLICATE_KEY", "multisig keys must be distinct")
    if len(keys) == 1:
        return push_data(keys[0]) + bytes([OP_CHECKSIGVERIFY if verify else OP_CHECKSIG])
    ordered = sort_keys(keys)
    out = push_data(ordered[0]) + bytes([OP_CHECKSIG])
    for pk in ordered[1:]:
        out += push_data(pk) + bytes([OP_CHECKSIGADD])
    return out + push_int(threshold) + bytes([OP_NUMEQUALVERIFY if verify else OP_NUMEQUAL])


def timelock_script(staker: bytes, blocks: int) -> bytes:
    """``<staker> CHECKSIGVERIFY <blocks> CHECKSEQUENCEVERIFY``."""
    _check_key(staker, "staker key")
    if not 0 < blocks <= MAX_TIMELOCK:
        raise StakingValidationError("BAD_TIMELOCK", "timelock must be in 1..65535 blocks")
    return (
        push_data(staker)
        + bytes([OP_CHECKSIGVERIFY])
        + push_int(blocks)
        + bytes([OP_CHECKSEQUENCEVERIFY])
    )


def unbonding_script(staker: bytes, covenants: Sequence[bytes], quorum: int) -> bytes:
    """``<staker> CHECKSIGVERIFY`` ‖ covenant multisig."""
    _check_key(staker, "staker key")
    return (
        push_data(staker) + bytes([OP_CHECKSIGVERIFY]) + multisig_script(covenants, quorum, False)
    )


def slashing_script(
    staker: bytes, fps: Sequence[bytes], covenants: Sequence[bytes], quorum: int
) -> bytes:
    """``<staker> CHECKSIGVERIFY`` ‖ 1-of-k FP multisig (VERIFY) ‖ covenant multisig."""
    _check_key(staker, "staker key")
    return (
        push_data(staker)
        + bytes([OP_CHECKSIGVERIFY])
        + multisig_script(fps, 1, True)
        + multisig_script(covenants, quorum, False)
    )


@dataclass(frozen=True)
class StakingInfo:
    """The Babylon staking output: three leaves under the NUMS internal key."""

    staker_pk: bytes
    fp_pks: tuple[bytes, ...]
    covenant_pks: tuple[bytes, ...]
    covenant_quorum: int
    staking_time: int
    value: int
    timelock_leaf: bytes
    unbonding_leaf: bytes
    slashing_leaf: bytes
    taproot: TaprootInfo

    @property
    def output(self) -> TxOut:
        return TxOut(self.value, self.taproot.script_pubkey)

    @property
    def script_pubkey(self) -> bytes:
        return self.taproot.script_pubkey

    def control_block(self, leaf: bytes) -> bytes:
        return self.taproot.control_block(leaf)


def build_staking_info(
    staker: bytes,
    fps: Sequence[bytes],
    covenants: Sequence[bytes],
    quorum: int,
    staking_time: int,
    value: int,
) -> StakingInfo:
    """Scripts, tree and output of a staking transaction's staking output."""
    if not fps:
        raise StakingValidationError("NO_FINALITY_PROVIDER", "at least one FP key is required")
    check_distinct_keys(staker, fps, covenants)
    if value <= 0:
        raise StakingValidationError("BAD_AMOUNT", "staking value must be positive")
    t = timelock_script(staker, staking_time)
    u = unbonding_script(staker, covenants, quorum)
    s = slashing_script(staker, fps, covenants, quorum)
    tree = ((TapLeaf(t), TapLeaf(u)), TapLeaf(s))
    return StakingInfo(
        staker,
        tuple(fps),
        tuple(covenants),
        quorum,
        staking_time,
        value,
        t,
        u,
        s,
        TaprootInfo.build(NUMS_X, tree),
    )


@dataclass(frozen=True)
class UnbondingInfo:
    """The unbonding output: timelock (unbonding time) and slashing leaves."""

    staker_pk: bytes
    fp_pks: tuple[bytes, ...]
    covenant_pks: tuple[bytes, ...]
    covenant_quorum: int
    unbonding_time: int
    value: int
    timelock_leaf: bytes
    slashing_leaf: bytes
    taproot: TaprootInfo

    @property
    def output(self) -> TxOut:
        return TxOut(self.value, self.taproot.script_pubkey)

    @property
    def script_pubkey(self) -> bytes:
        return self.taproot.script_pubkey

    def control_block(self, leaf: bytes) -> bytes:
        return self.taproot.control_block(leaf)


def build_unbonding_info(
    staker: bytes,
    fps: Sequence[bytes],
    covenants: Sequence[bytes],
    quorum: int,
    unbonding_time: int,
    value: int,
) -> UnbondingInfo:
    """Scripts, tree and output of the unbonding transaction's output."""
    if not fps:
        raise StakingValidationError("NO_FINALITY_PROVIDER", "at least one FP key is required")
    check_distinct_keys(staker, fps, covenants)
    if value <= 0:
        raise StakingValidationError("BAD_AMOUNT", "unbonding value must be positive")
    t = timelock_script(staker, unbonding_time)
    s = slashing_script(staker, fps, covenants, quorum)
    tree = (TapLeaf(t), TapLeaf(s))
    return UnbondingInfo(
        staker,
        tuple(fps),
        tuple(covenants),
        quorum,
        unbonding_time,
        value,
        t,
        s,
        TaprootInfo.build(NUMS_X, tree),
    )


def slashing_change_taproot(staker: bytes, unbonding_time: int) -> TaprootInfo:
    """The slashing tx's change output: a single leaf ``timelock(staker, unbonding_time)``."""
    return TaprootInfo.build(NUMS_X, TapLeaf(timelock_script(staker, unbonding_time)))


def v0_op_return_script(tag: bytes, staker: bytes, fp: bytes, staking_time: int) -> bytes:
    """Phase-1 identifiable staking OP_RETURN: tag, version 0, keys, big-endian time."""
    if len(tag) != 4:
        raise StakingValidationError("BAD_TAG", "tag must be 4 bytes")
    data = tag + b"\x00" + staker + fp + staking_time.to_bytes(2, "big")
    return b"\x6a" + push_data(data)


@dataclass(frozen=True)
class V0OpReturn:
    """Parsed phase-1 OP_RETURN."""

    tag: bytes
    version: int
    staker_pk: bytes
    fp_pk: bytes
    staking_time: int


def parse_v0_op_return(script: bytes) -> V0OpReturn:
    """Parse a phase-1 identifiable-staking OP_RETURN output script."""
    if len(script) != 73 or script[:2] != b"\x6a\x47":
        raise StakingValidationError("BAD_OP_RETURN", "not a 71-byte V0 staking OP_RETURN")
    d = script[2:]
    if d[4] != 0:
        raise StakingValidationError("BAD_OP_RETURN", "unsupported OP_RETURN version")
    return V0OpReturn(d[:4], d[4], d[5:37], d[37:69], int.from_bytes(d[69:71], "big"))


def order_signatures(sigs: dict[bytes, bytes], keys: Sequence[bytes], limit: int) -> list[bytes]:
    """Witness elements for a key group: reverse key order, ``b""`` for non-signers.

    At most ``limit`` signatures are used (the smallest-key signers first, as the script
    checks the smallest key first); the rest become empty elements.
    """
    ordered = sort_keys(keys)
    used: dict[bytes, bytes] = {}
    for pk in ordered:
        if pk in sigs and len(used) < limit:
            used[pk] = sigs[pk]
    return [used.get(pk, b"") for pk in reversed(ordered)]
