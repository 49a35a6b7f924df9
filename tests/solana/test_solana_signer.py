"""The keystore signer: file handling, typed errors, and no key material in logs or messages."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest
from omnistake.chains.solana.errors import SignerError
from omnistake.chains.solana.localnet import deposit_lst
from omnistake.chains.solana.signer import KeypairSigner, KeystoreSigner, build_transaction
from solana_world import World
from solders.keypair import Keypair

UNIT = 10**9


def test_create_and_load(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    s = KeystoreSigner.create(path)
    assert os.stat(path).st_mode & 0o777 == 0o600
    again = KeystoreSigner(path)
    assert again.pubkey() == s.pubkey()
    msg = b"omnistake"
    assert again.sign_message(msg).verify(s.pubkey(), msg)
    secret = json.loads(path.read_text())
    assert str(secret) not in repr(again) and str(bytes(secret)) not in repr(again)
    assert str(s.pubkey()) in repr(again)
    with pytest.raises(SignerError) as exists:
        KeystoreSigner.create(path)
    assert exists.value.reason == "KEYSTORE_EXISTS"


def test_solana_cli_format_is_accepted(tmp_path: Path) -> None:
    kp = Keypair()
    path = tmp_path / "id.json"
    path.write_text(json.dumps(list(bytes(kp))))
    path.chmod(0o600)
    assert KeystoreSigner(path).pubkey() == kp.pubkey()


@pytest.mark.parametrize(
    ("content", "mode", "reason"),
    [
        (None, 0o600, "KEYSTORE_UNREADABLE"),
        ("[1, 2, 3]", 0o600, "KEYSTORE_INVALID"),
        ("not json at all", 0o600, "KEYSTORE_INVALID"),
        (json.dumps([300] * 64), 0o600, "KEYSTORE_INVALID"),
        ("VALID", 0o644, "KEYSTORE_INSECURE"),
    ],
)
def test_bad_keystores(tmp_path: Path, content: str | None, mode: int, reason: str) -> None:
    path = tmp_path / "k.json"
    if content == "VALID":
        content = json.dumps(list(bytes(Keypair())))
    if content is not None:
        path.write_text(content)
        path.chmod(mode)
    with pytest.raises(SignerError) as info:
        KeystoreSigner(path)
    assert info.value.reason == reason
    if content is not None:
        assert content not in str(info.value)


def test_missing_signer_is_named(tmp_path: Path) -> None:
    from omnistake.chains.solana.programs import memo
    from solders.hash import Hash

    a, b = KeypairSigner(Keypair()), KeypairSigner(Keypair())
    with pytest.raises(SignerError) as info:
        build_transaction(a, [memo("x", [b.pubkey()])], [], Hash.default())
    assert str(b.pubkey()) in str(info.value)


async def test_no_key_material_in_logs(
    lite_world: World, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    world = lite_world
    caplog.set_level(logging.DEBUG)
    alice = await world.funded_staker(tokens=10 * UNIT)
    sig = await deposit_lst(world.backend, alice, world.token_vault, UNIT, staker_account="hub:a")
    await world.verifier.verify_lst(world.token_vault, sig, staker_account="hub:a", amount=UNIT)
    await world.custodian.pay_tokens("p", world.token_vault, alice.pubkey(), UNIT)
    secret = json.loads((tmp_path / "hub-vault-authority.json").read_text())
    blob = caplog.text + repr(world.custodian.authority) + repr(world.hub)
    assert json.dumps(secret) not in blob
    assert bytes(secret).hex() not in blob
