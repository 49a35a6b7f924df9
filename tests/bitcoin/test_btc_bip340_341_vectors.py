"""BIP-340 and BIP-341 vectors from /work/shared/vectors, byte for byte."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from omnistake.chains.bitcoin.address import segwit_address
from omnistake.chains.bitcoin.errors import CryptoError
from omnistake.chains.bitcoin.schnorr import schnorr_sign, schnorr_verify
from omnistake.chains.bitcoin.secp import xonly_from_secret
from omnistake.chains.bitcoin.sighash import taproot_sighash, taproot_sigmsg
from omnistake.chains.bitcoin.taproot import (
    TapLeaf,
    TaprootInfo,
    TapTree,
    taproot_tweak,
    taproot_tweak_seckey,
    verify_control_block,
)
from omnistake.chains.bitcoin.tx import Transaction, TxOut


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open() as f:
        return list(csv.DictReader(f))


def test_bip340_vectors(vectors_dir: Path) -> None:
    rows = _rows(vectors_dir / "bip340-test-vectors.csv")
    assert len(rows) == 19
    for row in rows:
        pk = bytes.fromhex(row["public key"])
        msg = bytes.fromhex(row["message"])
        sig = bytes.fromhex(row["signature"])
        expected = row["verification result"] == "TRUE"
        if row["secret key"]:
            sk = bytes.fromhex(row["secret key"])
            assert xonly_from_secret(sk) == pk, row["index"]
            assert schnorr_sign(sk, msg, bytes.fromhex(row["aux_rand"])) == sig, row["index"]
        assert schnorr_verify(pk, msg, sig) is expected, row["index"]


def test_schnorr_sign_rejects_bad_secret() -> None:
    with pytest.raises(CryptoError) as err:
        schnorr_sign(bytes(32), bytes(32))
    assert err.value.reason == "BAD_SCALAR"


def _tree(node: Any) -> TapTree:
    if isinstance(node, dict):
        return TapLeaf(bytes.fromhex(node["script"]), node["leafVersion"])
    left, right = node
    return (_tree(left), _tree(right))


def _leaves(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        return [node]
    return [leaf for child in node for leaf in _leaves(child)]


def test_bip341_script_pubkeys(vectors_dir: Path) -> None:
    data = json.loads((vectors_dir / "bip341-wallet-test-vectors.json").read_text())
    cases = data["scriptPubKey"]
    assert len(cases) == 7
    for case in cases:
        given, inter, exp = case["given"], case["intermediary"], case["expected"]
        internal = bytes.fromhex(given["internalPubkey"])
        tree = None if given["scriptTree"] is None else _tree(given["scriptTree"])
        info = TaprootInfo.build(internal, tree)
        root = inter["merkleRoot"]
        assert (info.merkle_root.hex() if info.merkle_root else None) == root
        assert taproot_tweak(internal, info.merkle_root).to_bytes(32, "big").hex() == inter["tweak"]
        assert info.output_key.hex() == inter["tweakedPubkey"]
        assert info.script_pubkey.hex() == exp["scriptPubKey"]
        assert segwit_address(info.script_pubkey, "mainnet") == exp["bip350Address"]
        if given["scriptTree"] is None:
            continue
        leaves = sorted(_leaves(given["scriptTree"]), key=lambda leaf: leaf["id"])
        assert [
            leaf.hash.hex()
            for leaf, _ in sorted(
                info.leaf_paths,
                key=lambda lp: [x["script"] for x in leaves].index(lp[0].script.hex()),
            )
        ] == inter["leafHashes"]
        for leaf, cb_hex in zip(leaves, exp["scriptPathControlBlocks"], strict=True):
            script = bytes.fromhex(leaf["script"])
            cb = info.control_block(script, leaf["leafVersion"])
            assert cb.hex() == cb_hex
            assert verify_control_block(info.output_key, script, cb)
            bad = bytearray(cb)
            bad[-1] ^= 1
            assert not verify_control_block(info.output_key, script, bytes(bad))


def test_bip341_key_path_sighash(vectors_dir: Path) -> None:
    data = json.loads((vectors_dir / "bip341-wallet-test-vectors.json").read_text())
    kp = data["keyPathSpending"][0]
    tx = Transaction.from_hex(kp["given"]["rawUnsignedTx"])
    prevouts = [
        TxOut(u["amountSats"], bytes.fromhex(u["scriptPubKey"])) for u in kp["given"]["utxosSpent"]
    ]
    assert len(kp["inputSpending"]) == 7
    for case in kp["inputSpending"]:
        g, inter = case["given"], case["intermediary"]
        idx, ht = g["txinIndex"], g["hashType"]
        root = bytes.fromhex(g["merkleRoot"]) if g["merkleRoot"] else None
        sk = bytes.fromhex(g["internalPrivkey"])
        assert xonly_from_secret(sk).hex() == inter["internalPubkey"]
        assert taproot_tweak_seckey(sk, root).hex() == inter["tweakedPrivkey"]
        assert taproot_sigmsg(tx, idx, prevouts, ht).hex() == inter["sigMsg"]
        sighash = taproot_sighash(tx, idx, prevouts, ht)
        assert sighash.hex() == inter["sigHash"]
        sig = schnorr_sign(taproot_tweak_seckey(sk, root), sighash, bytes(32))
        wit = sig + (bytes([ht]) if ht else b"")
        assert [wit.hex()] == case["expected"]["witness"]
        assert schnorr_verify(prevouts[idx].script_pubkey[2:], sighash, sig)
    # The fully signed transaction round-trips through our serialiser, same txid as unsigned.
    signed_hex = kp["auxiliary"]["fullySignedTx"]
    signed = Transaction.from_hex(signed_hex)
    assert signed.serialize().hex() == signed_hex
    assert [i.prevout for i in signed.inputs] == [i.prevout for i in tx.inputs]
    # Every key-path witness in the signed tx verifies against our sighash of the signed tx.
    for idx, prev in enumerate(prevouts):
        if prev.script_pubkey[:2] != b"\x51\x20":
            continue
        (wit,) = signed.inputs[idx].witness
        ht = wit[64] if len(wit) == 65 else 0
        msg = taproot_sighash(signed, idx, prevouts, ht)
        assert schnorr_verify(prev.script_pubkey[2:], msg, wit[:64])
        assert not schnorr_verify(
            prev.script_pubkey[2:],
            taproot_sighash(signed, idx, prevouts, 0x01 if ht != 0x01 else 0x02),
            wit[:64],
        )
