"""Consensus checks for spending Taproot outputs: key path, and script path with a tapscript
interpreter covering the opcodes of Babylon's leaves (BIP-341/342 rules).

Used by the regtest chain builder to accept transactions, and by the slasher to check a
completed slashing transaction before it is ever returned for broadcast.
"""

from __future__ import annotations

from collections.abc import Sequence

from .errors import ScriptError
from .schnorr import schnorr_verify
from .script import (
    OP_0,
    OP_1,
    OP_1NEGATE,
    OP_16,
    OP_CHECKSEQUENCEVERIFY,
    OP_CHECKSIG,
    OP_CHECKSIGADD,
    OP_CHECKSIGVERIFY,
    OP_NUMEQUAL,
    OP_NUMEQUALVERIFY,
    is_p2tr,
    parse_script,
    scriptnum_decode,
    scriptnum_encode,
)
from .sighash import SIGHASH_DEFAULT, taproot_sighash
from .taproot import LEAF_VERSION_TAPSCRIPT, tap_leaf_hash, verify_control_block
from .tx import Transaction, TxOut, compact_size

SEQUENCE_DISABLE_FLAG = 1 << 31
SEQUENCE_TYPE_FLAG = 1 << 22
SEQUENCE_MASK = 0xFFFF
OP_DROP = 0x75
OP_VERIFY = 0x69
MAX_ELEMENT_SIZE = 520
MAX_STACK_SIZE = 1000
SIGOPS_BUDGET_BASE = 50
SIGOPS_COST = 50


def _fail(reason: str, message: str) -> ScriptError:
    return ScriptError(reason, message)


def _split_sig(sig: bytes) -> tuple[bytes, int]:
    if len(sig) == 64:
        return sig, SIGHASH_DEFAULT
    if len(sig) == 65 and sig[64] != SIGHASH_DEFAULT:
        return sig[:64], sig[64]
    raise _fail("BAD_SIGNATURE_SIZE", "Schnorr signature must be 64 bytes, or 65 with hash type")


def _truthy(item: bytes) -> bool:
    for i, b in enumerate(item):
        if b != 0:
            return not (i == len(item) - 1 and b == 0x80)
    return False


def verify_taproot_input(tx: Transaction, index: int, prevouts: Sequence[TxOut]) -> None:
    """Raise ``ScriptError`` unless input ``index`` validly spends its P2TR prevout."""
    spk = prevouts[index].script_pubkey
    if not is_p2tr(spk):
        raise _fail("UNSUPPORTED_SCRIPT", "only Taproot (witness v1) prevouts are supported")
    output_key = spk[2:]
    stack = list(tx.inputs[index].witness)
    if tx.inputs[index].script_sig:
        raise _fail("NON_EMPTY_SCRIPT_SIG", "witness spends need an empty scriptSig")
    if not stack:
        raise _fail("EMPTY_WITNESS", "Taproot spend without witness")
    annex = None
    if len(stack) >= 2 and stack[-1][:1] == b"\x50":
        annex = stack.pop()
    if len(stack) == 1:
        sig, ht = _split_sig(stack[0])
        msg = taproot_sighash(tx, index, prevouts, ht, annex=annex)
        if not schnorr_verify(output_key, msg, sig):
            raise _fail("BAD_SIGNATURE", "key-path signature does not verify")
        return
    cb = stack.pop()
    script = stack.pop()
    if not verify_control_block(output_key, script, cb):
        raise _fail("BAD_CONTROL_BLOCK", "control block does not commit to this script")
    if cb[0] & 0xFE != LEAF_VERSION_TAPSCRIPT:
        raise _fail("UNSUPPORTED_LEAF_VERSION", "only tapscript leaves (0xc0) are supported")
    leaf_hash = tap_leaf_hash(script, LEAF_VERSION_TAPSCRIPT)
    witness_size = len(b"".join(compact_size(len(w)) + w for w in tx.inputs[index].witness)) + len(
        compact_size(len(tx.inputs[index].witness))
    )
    _execute_tapscript(
        tx, index, prevouts, script, stack, leaf_hash, annex, SIGOPS_BUDGET_BASE + witness_size
    )


def _execute_tapscript(
    tx: Transaction,
    index: int,
    prevouts: Sequence[TxOut],
    script: bytes,
    stack: list[bytes],
    leaf_hash: bytes,
    annex: bytes | None,
    budget: int,
) -> None:
    remaining = [budget]
    if any(len(item) > MAX_ELEMENT_SIZE for item in stack):
        raise _fail("PUSH_SIZE", "witness element larger than 520 bytes")

    def check_sig(pk: bytes, sig: bytes) -> bool:
        if not pk:
            raise _fail("EMPTY_PUBKEY", "empty public key in CHECKSIG")
        if not sig:
            return False
        remaining[0] -= SIGOPS_COST
        if remaining[0] < 0:
            raise _fail("SIGOPS_BUDGET", "tapscript validation weight budget exceeded")
        if len(pk) != 32:
            raise _fail("UNSUPPORTED_PUBKEY", "only 32-byte keys are supported")
        raw, ht = _split_sig(sig)
        msg = taproot_sighash(tx, index, prevouts, ht, leaf_hash=leaf_hash, annex=annex)
        if not schnorr_verify(pk, msg, raw):
            raise _fail("BAD_SIGNATURE", "non-empty signature failed to verify (BIP-342)")
        return True

    def pop() -> bytes:
        if not stack:
            raise _fail("STACK_UNDERFLOW", "script needs more stack items")
        return stack.pop()

    for op in parse_script(script):
        if len(stack) > MAX_STACK_SIZE:
            raise _fail("STACK_SIZE", "stack larger than 1000 elements")
        if isinstance(op, bytes):
            if len(op) > MAX_ELEMENT_SIZE:
                raise _fail("PUSH_SIZE", "push larger than 520 bytes")
            stack.append(op)
        elif op == OP_0:
            stack.append(b"")
        elif op == OP_1NEGATE:
            stack.append(b"\x81")
        elif OP_1 <= op <= OP_16:
            stack.append(bytes([op - OP_1 + 1]))
        elif op in (OP_CHECKSIG, OP_CHECKSIGVERIFY):
            pk = pop()
            ok = check_sig(pk, pop())
            if op == OP_CHECKSIGVERIFY:
                if not ok:
                    raise _fail("CHECKSIGVERIFY_FAILED", "CHECKSIGVERIFY with an empty signature")
            else:
                stack.append(b"\x01" if ok else b"")
        elif op == OP_CHECKSIGADD:
            pk = pop()
            n = scriptnum_decode(pop())
            ok = check_sig(pk, pop())
            stack.append(scriptnum_encode(n + (1 if ok else 0)))
        elif op in (OP_NUMEQUAL, OP_NUMEQUALVERIFY):
            b, a = scriptnum_decode(pop()), scriptnum_decode(pop())
            if op == OP_NUMEQUALVERIFY:
                if a != b:
                    raise _fail("NUMEQUALVERIFY_FAILED", "signature count below the threshold")
            else:
                stack.append(b"\x01" if a == b else b"")
        elif op == OP_VERIFY:
            if not _truthy(pop()):
                raise _fail("VERIFY_FAILED", "OP_VERIFY on false")
        elif op == OP_DROP:
            pop()
        elif op == OP_CHECKSEQUENCEVERIFY:
            if not stack:
                raise _fail("STACK_UNDERFLOW", "CSV needs an argument")
            _check_sequence(tx, index, scriptnum_decode(stack[-1], 5))
        else:
            raise _fail("UNSUPPORTED_OPCODE", f"opcode 0x{op:02x} is not supported here")
    if len(stack) != 1 or not _truthy(stack[0]):
        raise _fail("SCRIPT_FALSE", "script did not leave exactly one true element")


def _check_sequence(tx: Transaction, index: int, required: int) -> None:
    if required < 0:
        raise _fail("NEGATIVE_LOCKTIME", "CSV argument is negative")
    if required & SEQUENCE_DISABLE_FLAG:
        return
    if tx.version < 2:
        raise _fail("UNSATISFIED_LOCKTIME", "CSV needs transaction version 2")
    seq = tx.inputs[index].sequence
    if seq & SEQUENCE_DISABLE_FLAG:
        raise _fail("UNSATISFIED_LOCKTIME", "input sequence disables relative locktime")
    if (required & SEQUENCE_TYPE_FLAG) != (seq & SEQUENCE_TYPE_FLAG):
        raise _fail("UNSATISFIED_LOCKTIME", "CSV and sequence lock types differ")
    if (seq & SEQUENCE_MASK) < (required & SEQUENCE_MASK):
        raise _fail("UNSATISFIED_LOCKTIME", "input sequence is below the CSV timelock")


def verify_tx_inputs(tx: Transaction, prevouts: Sequence[TxOut]) -> None:
    """Verify every input of ``tx`` (all must spend Taproot outputs)."""
    if len(prevouts) != len(tx.inputs):
        raise _fail("PREVOUTS_MISMATCH", "one prevout per input is required")
    for i in range(len(tx.inputs)):
        verify_taproot_input(tx, i, prevouts)
