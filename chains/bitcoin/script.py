"""Script building blocks: opcodes, data pushes and script numbers (btcd ``AddInt64`` rules)."""

from __future__ import annotations

from .errors import ScriptError

OP_0 = 0x00
OP_PUSHDATA1 = 0x4C
OP_PUSHDATA2 = 0x4D
OP_PUSHDATA4 = 0x4E
OP_1NEGATE = 0x4F
OP_1 = 0x51
OP_16 = 0x60
OP_RETURN = 0x6A
OP_DUP = 0x76
OP_EQUAL = 0x87
OP_EQUALVERIFY = 0x88
OP_HASH160 = 0xA9
OP_CHECKSIG = 0xAC
OP_CHECKSIGVERIFY = 0xAD
OP_CHECKSIGADD = 0xBA
OP_NUMEQUAL = 0x9C
OP_NUMEQUALVERIFY = 0x9D
OP_CHECKSEQUENCEVERIFY = 0xB2


def push_data(data: bytes) -> bytes:
    """Minimal push of ``data``."""
    n = len(data)
    if n < OP_PUSHDATA1:
        return bytes([n]) + data
    if n <= 0xFF:
        return bytes([OP_PUSHDATA1, n]) + data
    if n <= 0xFFFF:
        return bytes([OP_PUSHDATA2]) + n.to_bytes(2, "little") + data
    return bytes([OP_PUSHDATA4]) + n.to_bytes(4, "little") + data


def scriptnum_encode(n: int) -> bytes:
    """Minimal little-endian sign-magnitude CScriptNum bytes (empty for zero)."""
    if n == 0:
        return b""
    neg = n < 0
    a = abs(n)
    out = bytearray()
    while a:
        out.append(a & 0xFF)
        a >>= 8
    if out[-1] & 0x80:
        out.append(0x80 if neg else 0x00)
    elif neg:
        out[-1] |= 0x80
    return bytes(out)


def scriptnum_decode(b: bytes, max_len: int = 4) -> int:
    """Decode a minimally-encoded CScriptNum of at most ``max_len`` bytes."""
    if len(b) > max_len:
        raise ScriptError("NUMBER_TOO_LONG", f"script number longer than {max_len} bytes")
    if not b:
        return 0
    if b[-1] & 0x7F == 0 and (len(b) == 1 or not b[-2] & 0x80):
        raise ScriptError("NON_MINIMAL_NUMBER", "script number is not minimally encoded")
    v = int.from_bytes(b, "little")
    if b[-1] & 0x80:
        return -(v & ~(0x80 << (8 * (len(b) - 1))))
    return v


def push_int(n: int) -> bytes:
    """Push an integer the way btcd ``ScriptBuilder.AddInt64`` does (OP_0, OP_1..16, or bytes)."""
    if n == 0:
        return bytes([OP_0])
    if n == -1:
        return bytes([OP_1NEGATE])
    if 1 <= n <= 16:
        return bytes([OP_1 + n - 1])
    return push_data(scriptnum_encode(n))


def parse_script(script: bytes) -> list[int | bytes]:
    """Split a script into opcodes (ints) and pushed data (bytes)."""
    ops: list[int | bytes] = []
    i = 0
    while i < len(script):
        op = script[i]
        i += 1
        if 0 < op < OP_PUSHDATA1:
            size = op
        elif op == OP_PUSHDATA1:
            size, i = _read_len(script, i, 1)
        elif op == OP_PUSHDATA2:
            size, i = _read_len(script, i, 2)
        elif op == OP_PUSHDATA4:
            size, i = _read_len(script, i, 4)
        else:
            ops.append(op)
            continue
        if i + size > len(script):
            raise ScriptError("BAD_PUSH", "push runs past the end of the script")
        ops.append(script[i : i + size])
        i += size
    return ops


def _read_len(script: bytes, i: int, width: int) -> tuple[int, int]:
    if i + width > len(script):
        raise ScriptError("BAD_PUSH", "truncated push length")
    return int.from_bytes(script[i : i + width], "little"), i + width


def p2tr_script(output_key_x: bytes) -> bytes:
    """``OP_1 <32-byte key>`` witness v1 output script."""
    if len(output_key_x) != 32:
        raise ScriptError("BAD_KEY", "taproot output key must be 32 bytes")
    return b"\x51\x20" + output_key_x


def p2pkh_script(pubkey_hash: bytes) -> bytes:
    """``OP_DUP OP_HASH160 <20> OP_EQUALVERIFY OP_CHECKSIG``."""
    return b"\x76\xa9\x14" + pubkey_hash + b"\x88\xac"


def is_p2tr(script: bytes) -> bool:
    """True for a witness v1, 32-byte program."""
    return len(script) == 34 and script[0] == OP_1 and script[1] == 0x20


def is_witness_program(script: bytes) -> bool:
    """True for any segwit output script (version byte then a 2..40 byte push)."""
    return (
        4 <= len(script) <= 42
        and (script[0] == OP_0 or OP_1 <= script[0] <= OP_16)
        and script[1] + 2 == len(script)
    )


def is_op_return(script: bytes) -> bool:
    """True for provably unspendable OP_RETURN outputs."""
    return len(script) > 0 and script[0] == OP_RETURN
