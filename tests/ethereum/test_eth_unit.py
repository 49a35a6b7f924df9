"""Parts that need no node: keystore signer, transaction store, subnetworks, decoding."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_account import Account
from omnistake.chains.ethereum.errors import (
    InvalidParameter,
    OperationConflict,
    SignerError,
    ToolchainMissingError,
)
from omnistake.chains.ethereum.events import make_subnetwork, split_subnetwork
from omnistake.chains.ethereum.signer import EphemeralSigner, KeystoreSigner
from omnistake.chains.ethereum.toolchain import find_toolchain
from omnistake.chains.ethereum.tx import TxRecord, TxStore

NETWORK = "0x1234567890AbcdEF1234567890aBcdef12345678"


def test_subnetwork_round_trip_and_layout() -> None:
    sn = make_subnetwork(NETWORK, 7)
    assert len(sn) == 32
    assert sn[:20] == bytes.fromhex(NETWORK[2:])
    assert int.from_bytes(sn[20:], "big") == 7
    assert split_subnetwork(sn) == (NETWORK, 7)
    with pytest.raises(InvalidParameter) as err:
        make_subnetwork(NETWORK, 1 << 96)
    assert err.value.reason == "INVALID_SUBNETWORK_IDENTIFIER"


def test_keystore_create_open_and_secrecy(tmp_path: Path) -> None:
    key = bytes(range(1, 33))
    path = tmp_path / "ks.json"
    signer = KeystoreSigner.create(path, "pw", private_key=key, kdf="pbkdf2")
    assert signer.address == Account.from_key(key).address
    assert path.stat().st_mode & 0o077 == 0, "keystore must be private to its owner"
    assert key.hex() not in path.read_text(), "keystore holds the key encrypted only"
    again = KeystoreSigner.open(path, "pw")
    assert again.address == signer.address
    for text in (repr(signer), str(signer)):
        assert key.hex() not in text and signer.address in text
    with pytest.raises(SignerError) as err:
        KeystoreSigner.open(path, "hunter2-secret")
    assert err.value.reason == "KEYSTORE_DECRYPT_FAILED"
    assert key.hex() not in str(err.value) and "hunter2-secret" not in str(err.value)
    with pytest.raises(SignerError) as err2:
        KeystoreSigner.create(path, "pw", kdf="pbkdf2")
    assert err2.value.reason == "KEYSTORE_EXISTS"


def test_signed_transaction_recovers_to_signer(tmp_path: Path) -> None:
    signer = KeystoreSigner.create(tmp_path / "k.json", "pw", kdf="pbkdf2")
    tx = {
        "to": NETWORK,
        "value": 5,
        "gas": 21000,
        "maxFeePerGas": 2,
        "maxPriorityFeePerGas": 1,
        "nonce": 0,
        "chainId": 31337,
    }
    raw, tx_hash = signer.sign_transaction(tx)
    assert Account.recover_transaction(raw) == signer.address
    assert len(tx_hash) == 32


def test_signer_refuses_pickling() -> None:
    import pickle

    with pytest.raises(TypeError):
        pickle.dumps(EphemeralSigner())


def test_tx_store_persists_and_rejects_duplicates(tmp_path: Path) -> None:
    db = tmp_path / "tx.sqlite"
    store = TxStore(db)
    rec = TxRecord("op-1", NETWORK, 3, "0xabc", "d1", "0xraw")
    store.put(rec)
    with pytest.raises(OperationConflict) as err:
        store.put(rec)
    assert err.value.reason == "OPERATION_CONFLICT"
    store.set_status("op-1", "mined")
    store.close()
    reopened = TxStore(db)
    got = reopened.get("op-1")
    assert got is not None and got.tx_hash == "0xabc" and got.status == "mined"
    assert "0xraw" not in repr(got)
    assert reopened.get("op-2") is None
    reopened.close()


def test_missing_toolchain_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMNISTAKE_CACHE", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("OMNISTAKE_ANVIL", raising=False)
    with pytest.raises(ToolchainMissingError) as err:
        find_toolchain()
    assert err.value.reason == "TOOLCHAIN_MISSING"
    assert "scripts/setup.d/ethereum.sh" in str(err.value)


def test_keystore_file_is_standard_v3(tmp_path: Path) -> None:
    signer = KeystoreSigner.create(tmp_path / "k.json", "pw", kdf="pbkdf2")
    data = json.loads((tmp_path / "k.json").read_text())
    assert data["version"] == 3
    assert Account.from_key(Account.decrypt(data, "pw")).address == signer.address


def test_event_decoder_typed_records_and_malformed_logs() -> None:
    from eth_utils.crypto import keccak
    from omnistake.chains.ethereum.events import (
        ClaimBatch,
        Deposit,
        EventDecoder,
        SetMaxNetworkLimit,
        SourceKind,
    )
    from omnistake.chains.ethereum.toolchain import toolchain_available

    ok, why = toolchain_available()
    if not ok:
        pytest.skip(f"Ethereum toolchain missing: {why}")
    dec = EventDecoder(find_toolchain())
    alice = "0x" + "11" * 20
    word = lambda v: v.to_bytes(32, "big")  # noqa: E731
    addr = lambda a: bytes(12) + bytes.fromhex(a[2:])  # noqa: E731
    topic = keccak(text="Deposit(address,address,uint256,uint256)")
    rec = dec.decode(SourceKind.VAULT, [topic, addr(alice), addr(alice)], word(5) + word(7))
    assert isinstance(rec, Deposit)
    assert (rec.amount, rec.shares) == (5, 7) and rec.depositor.lower() == alice
    # Wrong topic count or short data: not this event (the indexer keeps such logs raw).
    assert dec.decode(SourceKind.VAULT, [topic, addr(alice)], word(5) + word(7)) is None
    assert dec.decode(SourceKind.VAULT, [topic, addr(alice), addr(alice)], word(5)) is None
    # The same topic from a contract of another kind is not decoded as that kind's event.
    assert dec.decode(SourceKind.NETWORK_REGISTRY, [topic], b"") is None
    sn = bytes.fromhex(NETWORK[2:]) + (3).to_bytes(12, "big")
    t2 = keccak(text="SetMaxNetworkLimit(bytes32,uint256)")
    rec2 = dec.decode(SourceKind.DELEGATOR, [t2, sn], word(2**255))
    assert isinstance(rec2, SetMaxNetworkLimit)
    assert (rec2.network, rec2.identifier, rec2.amount) == (NETWORK, 3, 2**255)
    t3 = keccak(text="ClaimBatch(address,address,uint256[],uint256)")
    data = word(64) + word(9) + word(2) + word(4) + word(5)
    rec3 = dec.decode(SourceKind.VAULT, [t3, addr(alice), addr(alice)], data)
    assert isinstance(rec3, ClaimBatch) and rec3.epochs == (4, 5) and rec3.amount == 9
    assert dec.decode(SourceKind.VAULT, [t3, addr(alice), addr(alice)], word(999)) is None
