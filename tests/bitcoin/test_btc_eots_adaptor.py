"""EOTS signing, verification, randomness commitments and key extraction; adaptor round trips."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from omnistake.chains.bitcoin.adaptor import (
    decrypt,
    decryption_key_from_secret,
    enc_sign,
    enc_verify,
    encryption_key_from_xonly,
    extract,
)
from omnistake.chains.bitcoin.eots import (
    EotsSigner,
    eots_extract,
    eots_verify,
    merkle_proof_cometbft,
    merkle_root_cometbft,
    verify_finality_sig,
    verify_merkle_proof_cometbft,
    verify_pub_rand_commit,
)
from omnistake.chains.bitcoin.errors import EotsError
from omnistake.chains.bitcoin.schnorr import schnorr_verify
from omnistake.chains.bitcoin.secp import N, normalize_secret, xonly_from_secret

secrets = st.integers(min_value=1, max_value=N - 1).map(lambda k: k.to_bytes(32, "big"))
hashes32 = st.binary(min_size=32, max_size=32)


@settings(max_examples=40, deadline=None)
@given(sk=secrets, height=st.integers(0, 2**40), a=hashes32, b=hashes32)
def test_eots_double_sign_reveals_key(sk: bytes, height: int, a: bytes, b: bytes) -> None:
    signer = EotsSigner(sk, b"test-chain")
    pr = signer.pub_rand(height)
    s1 = signer.sign(height, a)
    assert eots_verify(signer.public_key, pr, height, a, s1)
    assert not eots_verify(signer.public_key, pr, height + 1, a, s1)
    if a == b:
        return
    assert not eots_verify(signer.public_key, pr, height, b, s1)
    s2 = signer.sign(height, b, allow_double_sign=True)
    got = eots_extract(signer.public_key, pr, height, a, s1, b, s2)
    assert int.from_bytes(got, "big") == normalize_secret(int.from_bytes(sk, "big"))
    assert xonly_from_secret(got) == signer.public_key


def test_eots_signer_refuses_double_sign_and_extract_rejects_forgeries() -> None:
    signer = EotsSigner(hashlib.sha256(b"fp").digest())
    a, b = b"\x01" * 32, b"\x02" * 32
    s1 = signer.sign(7, a)
    with pytest.raises(EotsError) as err:
        signer.sign(7, b)
    assert err.value.reason == "DOUBLE_SIGN"
    pr = signer.pub_rand(7)
    with pytest.raises(EotsError) as err:
        eots_extract(signer.public_key, pr, 7, a, s1, b, s1)
    assert err.value.reason == "BAD_SIGNATURE"
    with pytest.raises(EotsError) as err:
        eots_extract(signer.public_key, pr, 7, a, s1, a, s1)
    assert err.value.reason == "SAME_MESSAGE"


@settings(max_examples=30, deadline=None)
@given(items=st.lists(hashes32, min_size=1, max_size=40), data=st.data())
def test_cometbft_merkle_proofs(items: list[bytes], data: st.DataObject) -> None:
    root = merkle_root_cometbft(items)
    idx = data.draw(st.integers(0, len(items) - 1))
    proof = merkle_proof_cometbft(items, idx)
    assert verify_merkle_proof_cometbft(root, items[idx], idx, len(items), proof)
    assert not verify_merkle_proof_cometbft(root, b"\xff" * 33, idx, len(items), proof)
    if len(items) > 1 and items[idx] != items[(idx + 1) % len(items)]:
        assert not verify_merkle_proof_cometbft(
            root, items[idx], (idx + 1) % len(items), len(items), proof
        )


def test_cometbft_root_known_value() -> None:
    # RFC 6962 shape: root of two leaves = sha256(01 || sha256(00||a) || sha256(00||b)).
    a, b = b"a", b"b"
    la, lb = hashlib.sha256(b"\x00a").digest(), hashlib.sha256(b"\x00b").digest()
    assert merkle_root_cometbft([a, b]) == hashlib.sha256(b"\x01" + la + lb).digest()


def test_commit_and_finality_sig() -> None:
    signer = EotsSigner(hashlib.sha256(b"fp2").digest())
    commit = signer.commit(100, 13, bytes(32))
    assert verify_pub_rand_commit(commit)
    h, app = 105, b"\x33" * 32
    sig = signer.sign(h, app)
    pr = commit.pub_rands[h - 100]
    assert verify_finality_sig(commit, h, pr, commit.proof(h), app, sig)
    assert not verify_finality_sig(commit, h, pr, commit.proof(h + 1), app, sig)
    assert not verify_finality_sig(commit, 99, pr, commit.proof(h), app, sig)


@settings(max_examples=25, deadline=None)
@given(signer_sk=secrets, fp_sk=secrets, msg=hashes32, aux=hashes32)
def test_adaptor_round_trip(signer_sk: bytes, fp_sk: bytes, msg: bytes, aux: bytes) -> None:
    pk = xonly_from_secret(signer_sk)
    fp_pk = xonly_from_secret(fp_sk)
    enc_key = encryption_key_from_xonly(fp_pk)
    presig = enc_sign(signer_sk, msg, enc_key, aux)
    assert enc_verify(pk, msg, enc_key, presig)
    assert not enc_verify(
        pk, bytes(31) + b"\x01" if msg != bytes(31) + b"\x01" else bytes(32), enc_key, presig
    )
    t = decryption_key_from_secret(fp_sk)
    sig = decrypt(presig, t)
    assert schnorr_verify(pk, msg, sig)
    assert extract(presig, sig) == t
