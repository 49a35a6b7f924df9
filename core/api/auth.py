"""Bearer-token authentication.

A mutating call carries ``authorization: Bearer <token>`` metadata. The token's SHA-256 is
looked up in the store (:class:`~omnistake.store.base.TokenRecord`; the plain token is never
stored or logged) and names the principal the call acts as; the ledger then decides what that
principal may touch (a rejected action is PERMISSION_DENIED from the core's Unauthorized).
Missing, unknown, revoked or expired tokens are UNAUTHENTICATED. Health, reflection and
read-only queries need no token.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Sequence

from omnistake.api.errors import Unauthenticated
from omnistake.principals import Principal
from omnistake.store.base import Store, TokenRecord

TOKEN_PREFIX = "osk_"
METADATA_KEY = "authorization"


def hash_token(token: str) -> str:
    """SHA-256 (hex) of a token: what the store keeps."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A fresh random bearer token (256 bits)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def issue_token(
    store: Store, principal: Principal, *, now: int, ttl_seconds: int | None = None
) -> tuple[str, TokenRecord]:
    """Create a token for ``principal``, store its hash, and return (token, record). The
    plain token exists only in the return value."""
    token = new_token()
    expires = now + ttl_seconds if ttl_seconds else None
    record = TokenRecord(hash_token(token), str(principal), now, expires)
    store.put_token(record)
    return token, record


def bearer_token(metadata: Sequence[tuple[str, str | bytes]] | None) -> str | None:
    """The token of an ``authorization: Bearer <token>`` metadata entry, if any."""
    for key, value in metadata or ():
        if key.lower() == METADATA_KEY:
            text = value.decode() if isinstance(value, bytes) else value
            scheme, _, token = text.strip().partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthenticated("authorization metadata must read 'Bearer <token>'")
            return token.strip()
    return None


class Authenticator:
    """Turns call metadata into the principal it authenticates."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def principal_for(self, token: str | None, now: int) -> Principal:
        """The principal of a valid token; UNAUTHENTICATED otherwise."""
        if token is None:
            raise Unauthenticated(
                "this call changes state and needs 'authorization: Bearer <token>' metadata"
            )
        record = self.store.find_token(hash_token(token))
        if record is None or record.revoked:
            raise Unauthenticated("the bearer token is unknown or revoked")
        if record.expires_at is not None and now >= record.expires_at:
            raise Unauthenticated("the bearer token has expired")
        return Principal.parse(record.principal)

    async def authenticate(
        self, metadata: Sequence[tuple[str, str | bytes]] | None, now: int
    ) -> Principal:
        """:meth:`principal_for` the metadata's bearer token, off the event loop."""
        token = bearer_token(metadata)
        return await asyncio.to_thread(self.principal_for, token, now)
