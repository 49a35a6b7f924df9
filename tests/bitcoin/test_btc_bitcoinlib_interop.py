"""Cross-check with bitcoinlib: it parses and re-serialises our transactions byte for byte
(legacy coinbase, key-path and script-path Taproot witnesses) and agrees on txids."""

from __future__ import annotations

import hashlib

from btc_world import FP_PK, FP_SK, STAKER_SK, K, build_world
from omnistake.chains.bitcoin.eots import EotsSigner
from omnistake.chains.bitcoin.slasher import EquivocationEvidence, slash_finality_provider
from omnistake.chains.bitcoin.staker import signed_unbonding_tx
from omnistake.chains.bitcoin.verifier import StakingVerifier


def test_bitcoinlib_agrees_on_our_transactions() -> None:
    from bitcoinlib.transactions import Transaction as BclTransaction  # type: ignore[import-untyped]

    w = build_world()
    rec = StakingVerifier(w.params, w.headers, K).verify(w.submission)
    signer = EotsSigner(FP_SK)
    a, b = hashlib.sha256(b"a").digest(), hashlib.sha256(b"b").digest()
    evidence = EquivocationEvidence(
        FP_PK,
        5,
        signer.pub_rand(5),
        a,
        signer.sign(5, a),
        b,
        signer.sign(5, b, allow_double_sign=True),
    )
    completed = slash_finality_provider(evidence, [rec], w.params).completed
    txs = [
        w.chain.blocks[1].txs[0],  # coinbase
        w.staking_tx,  # key-path spend
        signed_unbonding_tx(STAKER_SK, w.submission, w.params),  # covenant script path
        *(c.tx for c in completed),  # slashing script path
    ]
    assert len(txs) == 5
    for tx in txs:
        raw = tx.serialize().hex()
        theirs = BclTransaction.parse_hex(raw, network="regtest")
        assert theirs.txid == tx.txid
        assert theirs.raw_hex() == raw
