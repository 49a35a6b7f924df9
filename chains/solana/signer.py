"""The hub's signer interface and its default implementation, a keystore file.

A signer exposes a public key and signs message bytes; the key material never leaves it,
never appears in ``repr``/``str``, logs or error messages. Any HSM or remote signer that
implements :class:`HubSigner` works the same way.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Protocol, runtime_checkable

from solders.hash import Hash
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import MessageV0, to_bytes_versioned
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import VersionedTransaction

from .errors import SignerError


@runtime_checkable
class HubSigner(Protocol):
    """Something that holds one ed25519 key and signs Solana messages with it."""

    def pubkey(self) -> Pubkey:
        """The public key."""
        ...

    def sign_message(self, message: bytes) -> Signature:
        """Sign serialized message bytes."""
        ...


class KeypairSigner:
    """A signer over an in-memory :class:`~solders.keypair.Keypair` (tests, fee payers)."""

    __slots__ = ("_kp",)

    def __init__(self, keypair: Keypair) -> None:
        self._kp = keypair

    def pubkey(self) -> Pubkey:
        """The public key."""
        return self._kp.pubkey()

    def sign_message(self, message: bytes) -> Signature:
        """Sign ``message``."""
        return self._kp.sign_message(message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._kp.pubkey()})"


class KeystoreSigner(KeypairSigner):
    """A signer loaded from a Solana CLI keystore file (a JSON array of 64 byte values).

    The file must not be readable by group or others (``chmod 600``) unless
    ``allow_insecure_permissions`` is set.
    """

    __slots__ = ("path",)

    def __init__(self, path: str | os.PathLike[str], *, allow_insecure_permissions: bool = False):
        self.path = Path(path)
        try:
            mode = self.path.stat().st_mode
            raw = self.path.read_text()
        except OSError as exc:
            raise SignerError(
                f"cannot read keystore {self.path}: {exc.strerror}", reason="KEYSTORE_UNREADABLE"
            ) from None
        if not allow_insecure_permissions and mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise SignerError(
                f"keystore {self.path} is accessible by group/others; chmod 600 it",
                reason="KEYSTORE_INSECURE",
            )
        try:
            values = json.loads(raw)
            if not (
                isinstance(values, list)
                and len(values) == 64
                and all(isinstance(v, int) and 0 <= v < 256 for v in values)
            ):
                raise ValueError
            keypair = Keypair.from_bytes(bytes(values))
        except (ValueError, TypeError):
            raise SignerError(
                f"keystore {self.path} is not a 64-byte Solana keypair JSON array",
                reason="KEYSTORE_INVALID",
            ) from None
        super().__init__(keypair)

    @classmethod
    def create(cls, path: str | os.PathLike[str]) -> KeystoreSigner:
        """Generate a new key and write it to ``path`` with mode 0600 (refuses to overwrite)."""
        p = Path(path)
        try:
            fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise SignerError(f"keystore {p} already exists", reason="KEYSTORE_EXISTS") from None
        with os.fdopen(fd, "w") as fh:
            json.dump(list(bytes(Keypair())), fh)
        return cls(p)

    def __repr__(self) -> str:
        return f"KeystoreSigner({self.path}, pubkey={self.pubkey()})"


def build_transaction(
    payer: HubSigner,
    instructions: list[Instruction],
    signers: list[HubSigner],
    blockhash: Hash,
) -> VersionedTransaction:
    """Compile a v0 message paid by ``payer`` and sign it with every required signer."""
    msg = MessageV0.try_compile(payer.pubkey(), instructions, [], blockhash)
    by_key: dict[Pubkey, HubSigner] = {payer.pubkey(): payer}
    for s in signers:
        by_key.setdefault(s.pubkey(), s)
    n = msg.header.num_required_signatures
    required = list(msg.account_keys[:n])
    missing = [str(k) for k in required if k not in by_key]
    if missing:
        raise SignerError(f"no signer for required key(s) {', '.join(missing)}")
    payload = to_bytes_versioned(msg)
    sigs = [by_key[k].sign_message(payload) for k in required]
    return VersionedTransaction.populate(msg, sigs)
