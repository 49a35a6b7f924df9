"""Real Bitcoin testnet3 data (transactions, headers, full blocks) from Babylon's btcutils tests:
txids, proof of work of real headers, Merkle roots and inclusion proofs."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from omnistake.chains.bitcoin.block import BlockHeader
from omnistake.chains.bitcoin.errors import SpvError
from omnistake.chains.bitcoin.merkle import merkle_proof, merkle_root, verify_merkle_proof
from omnistake.chains.bitcoin.spv import TESTNET3
from omnistake.chains.bitcoin.tx import Transaction

DATA: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "babylon_testnet_blocks.json").read_text()
)


@pytest.mark.parametrize("case", DATA["transactions"], ids=lambda c: c["txid"][:8])
def test_real_txids(case: dict[str, str]) -> None:
    tx = Transaction.from_hex(case["hex"])
    assert tx.txid == case["txid"]
    assert tx.serialize().hex() == case["hex"]


@pytest.mark.parametrize("block", DATA["blocks"], ids=lambda b: b["header"][-8:])
def test_real_blocks(block: dict[str, Any]) -> None:
    header = BlockHeader.parse(bytes.fromhex(block["header"]))
    assert header.meets_target() and header.target <= TESTNET3.pow_limit
    txs = [Transaction.from_hex(h) for h in block["transactions"]]
    assert [t.serialize().hex() for t in txs] == block["transactions"]
    txids = [t.txid_bytes for t in txs]
    # Each case is a full block: our Merkle root must equal the header's.
    assert txs[0].is_coinbase() and len(set(txids)) == len(txids)
    assert merkle_root(txids) == header.merkle_root
    for i, txid in enumerate(txids):
        verify_merkle_proof(txid, i, merkle_proof(txids, i), header.merkle_root)
    i = block["op_return_tx_index"]
    assert any(
        out.script_pubkey[:1] == b"\x6a" and block["op_return_data"] in out.script_pubkey.hex()
        for out in txs[i].outputs
    )
    with pytest.raises(SpvError):
        verify_merkle_proof(txids[i], i ^ 1, merkle_proof(txids, i), header.merkle_root)
    # A header whose nonce is changed no longer meets its target.
    assert not replace(header, nonce=header.nonce ^ 1).meets_target()
