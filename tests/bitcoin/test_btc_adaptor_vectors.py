"""Babylon adaptor-signature vectors (presig verify/sign, adapt, extract secadaptor)."""

from __future__ import annotations

import csv
from pathlib import Path

from omnistake.chains.bitcoin.adaptor import decrypt, enc_sign, enc_verify, extract
from omnistake.chains.bitcoin.errors import AdaptorError
from omnistake.chains.bitcoin.schnorr import schnorr_verify


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open() as f:
        return [r for r in csv.DictReader(f) if r["index"]]


def test_presig_vectors(vectors_dir: Path) -> None:
    rows = _rows(vectors_dir / "babylon-adaptor-presig_vectors.csv")
    assert len(rows) == 15
    for row in rows:
        pk = bytes.fromhex(row["public key"])
        msg = bytes.fromhex(row["message"])
        t = bytes.fromhex(row["adaptor"])
        presig = bytes.fromhex(row["pre-signature"])
        expected = row["result"] == "TRUE"
        if row["secret key"]:
            made = enc_sign(
                bytes.fromhex(row["secret key"]), msg, t, bytes.fromhex(row["aux_rand"]), "spec"
            )
            assert made == presig, row["index"]
            # Babylon mode hashes the 33-byte key: a different but equally valid pre-signature.
            other = enc_sign(
                bytes.fromhex(row["secret key"]), msg, t, bytes.fromhex(row["aux_rand"])
            )
            assert enc_verify(pk, msg, t, other)
        assert enc_verify(pk, msg, t, presig) is expected, row["index"]


def test_adapt_vectors(vectors_dir: Path) -> None:
    rows = _rows(vectors_dir / "babylon-adaptor-adapt_vectors.csv")
    assert len(rows) == 5
    for row in rows:
        pk = bytes.fromhex(row["pubkey"])
        msg = bytes.fromhex(row["message"])
        sig = decrypt(bytes.fromhex(row["pre-signature"]), bytes.fromhex(row["secadaptor"]))
        assert sig.hex().upper() == row["BIP340 signature"], row["index"]
        assert schnorr_verify(pk, msg, sig) is (row["result"] == "TRUE"), row["index"]


def test_secadaptor_vectors(vectors_dir: Path) -> None:
    rows = _rows(vectors_dir / "babylon-adaptor-secadaptor_vectors.csv")
    assert len(rows) == 4
    for row in rows:
        try:
            got = extract(
                bytes.fromhex(row["pre-signature"]), bytes.fromhex(row["BIP340 signature"])
            )
        except AdaptorError:
            got = b""
        assert (got.hex().upper() == row["secadaptor"]) is (row["result"] == "TRUE"), row["index"]
