"""Address encoding. bech32/bech32m come from bitcoinlib (imported lazily, only here)."""

from __future__ import annotations

import os
import tempfile
from typing import Any

from .errors import TxFormatError

HRP = {"mainnet": "bc", "testnet": "tb", "testnet4": "tb", "signet": "tb", "regtest": "bcrt"}


def _encoding() -> Any:
    # bitcoinlib writes config and a database under BCL_DATA_DIR (default ~/.bitcoinlib) on
    # import; keep it out of the user's home unless they chose a folder.
    os.environ.setdefault("BCL_DATA_DIR", os.path.join(tempfile.gettempdir(), "omnistake-bcl"))
    from bitcoinlib import encoding  # type: ignore[import-untyped]

    return encoding


def segwit_address(script_pubkey: bytes, network: str = "mainnet") -> str:
    """bech32 (v0) or bech32m (v1+) address of a witness output script."""
    if network not in HRP:
        raise TxFormatError("UNKNOWN_NETWORK", f"no address prefix for network {network!r}")
    if len(script_pubkey) < 4 or script_pubkey[1] + 2 != len(script_pubkey):
        raise TxFormatError("NOT_WITNESS_PROGRAM", "script is not a witness program")
    version = 0 if script_pubkey[0] == 0 else script_pubkey[0] - 0x50
    addr: str = _encoding().pubkeyhash_to_addr_bech32(
        script_pubkey[2:], prefix=HRP[network], witver=version
    )
    return addr


def address_to_script(address: str) -> bytes:
    """Output script of a bech32/bech32m address."""
    try:
        script: bytes = _encoding().addr_bech32_to_pubkeyhash(address, include_witver=True)
    except Exception as exc:  # bitcoinlib raises its own EncodingError types
        raise TxFormatError("BAD_ADDRESS", "address could not be decoded") from exc
    return script
