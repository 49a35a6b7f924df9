"""Signers: who signs transactions. Default: an encrypted keystore file (eth-account).

A signer exposes an address and signs transaction dicts; it never shows its key in
``repr``, logs or error messages.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from eth_account import Account
from eth_account.signers.local import LocalAccount
from omnistake.chains.ethereum.errors import SignerError


@runtime_checkable
class Signer(Protocol):
    """What the transaction sender needs from a key holder."""

    @property
    def address(self) -> str:
        """Checksummed account address."""
        ...

    def sign_transaction(self, tx: dict[str, Any]) -> tuple[bytes, bytes]:
        """Sign a complete transaction dict; return (raw transaction, transaction hash)."""
        ...


@runtime_checkable
class TypedDataSigner(Signer, Protocol):
    """A signer that can also sign EIP-712 typed data (e.g. Symbiotic opt-in signatures)."""

    def sign_typed_data(
        self, domain: dict[str, Any], types: dict[str, Any], message: dict[str, Any]
    ) -> bytes:
        """65-byte (r, s, v) signature of the typed-data hash."""
        ...


class _AccountSigner:
    """Shared implementation over an eth-account LocalAccount, kept private."""

    __slots__ = ("__account", "_label")

    def __init__(self, account: LocalAccount, label: str) -> None:
        self.__account = account
        self._label = label

    @property
    def address(self) -> str:
        return str(self.__account.address)

    def sign_transaction(self, tx: dict[str, Any]) -> tuple[bytes, bytes]:
        try:
            signed = self.__account.sign_transaction(tx)
        except Exception as exc:  # eth-account's messages never include the key
            raise SignerError(
                f"could not sign a transaction for {self.address}: {type(exc).__name__}",
                reason="SIGN_FAILED",
            ) from None
        return bytes(signed.raw_transaction), bytes(signed.hash)

    def sign_typed_data(
        self, domain: dict[str, Any], types: dict[str, Any], message: dict[str, Any]
    ) -> bytes:
        try:
            signed = self.__account.sign_typed_data(domain, types, message)
        except Exception as exc:
            raise SignerError(
                f"could not sign typed data for {self.address}: {type(exc).__name__}",
                reason="SIGN_FAILED",
            ) from None
        return bytes(signed.signature)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(address={self.address}, {self._label})"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError(f"{type(self).__name__} cannot be pickled (it holds a private key)")


class KeystoreSigner(_AccountSigner):
    """A key kept in an encrypted Web3 Secret Storage (v3) keystore file."""

    __slots__ = ("path",)

    def __init__(self, account: LocalAccount, path: Path) -> None:
        super().__init__(account, f"keystore={path}")
        self.path = path

    @classmethod
    def open(cls, path: str | Path, password: str) -> KeystoreSigner:
        """Decrypt the keystore at ``path``; raise :class:`SignerError` on a bad file/password."""
        p = Path(path)
        try:
            data = json.loads(p.read_text())
        except (OSError, ValueError) as exc:
            raise SignerError(
                f"cannot read keystore {p}: {type(exc).__name__}", reason="KEYSTORE_UNREADABLE"
            ) from None
        try:
            key = Account.decrypt(data, password)
        except Exception:
            raise SignerError(
                f"cannot decrypt keystore {p}: wrong password or corrupt file",
                reason="KEYSTORE_DECRYPT_FAILED",
            ) from None
        return cls(Account.from_key(key), p)

    @classmethod
    def create(
        cls,
        path: str | Path,
        password: str,
        *,
        private_key: bytes | None = None,
        kdf: str = "scrypt",
    ) -> KeystoreSigner:
        """Write a new keystore (fresh random key unless one is given) readable only by its owner.

        ``kdf="pbkdf2"`` with few iterations is only for tests; production keeps scrypt.
        """
        p = Path(path)
        if p.exists():
            raise SignerError(f"keystore {p} already exists", reason="KEYSTORE_EXISTS")
        account = Account.from_key(private_key) if private_key else Account.create()
        kwargs: dict[str, Any] = {"kdf": kdf}
        if kdf == "pbkdf2":
            kwargs["iterations"] = 1024
        data = Account.encrypt(account.key, password, **kwargs)
        p.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh)
        return cls(account, p)


class EphemeralSigner(_AccountSigner):
    """A fresh in-memory key, for tests, benchmarks and local anvil set-ups only."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(Account.create(), "ephemeral")
