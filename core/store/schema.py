"""The SQL schema of the store (SQLAlchemy Core). Migrations in ``migrations/`` create and
evolve it; this module is what the code reads and writes through.

- ``events``: the log. ``seq`` 1, 2, 3, ...; ``body`` is the event's canonical JSON and
  ``checksum`` the SHA-256 of ``"<seq>:<body>"``, so a torn or corrupted record is caught.
- ``requests``: the journal of accepted commands (idempotency key, body hash, principal,
  ``at``, command JSON, event range), in order of acceptance (``pos``).
- ``snapshots``: canonical state bytes with the state hash recorded at ``seq``, and the
  state format of the code that wrote them (revision 0002).
- ``api_tokens``: SHA-256 hashes of API tokens, never the tokens.
- ``meta``: key/value (``schema_version``, ``writer``: who holds the writer lease).
"""

from __future__ import annotations

import hashlib

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

#: Bumped with every migration; stored in ``meta`` as ``schema_version``.
SCHEMA_VERSION = 2
#: The alembic head revision this code expects.
SCHEMA_REVISION = "0002"

metadata = MetaData()

events = Table(
    "events",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    ),
    Column("type", String(80), nullable=False),
    Column("at", BigInteger, nullable=False),
    Column("body", Text, nullable=False),
    Column("checksum", String(64), nullable=False),
)

requests = Table(
    "requests",
    metadata,
    Column(
        "pos", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    ),
    Column("request_id", String(160), nullable=False, unique=True),
    Column("request_hash", String(64), nullable=False),
    Column("principal", Text, nullable=False),
    Column("at", BigInteger, nullable=False),
    Column("command", Text, nullable=False),
    Column("first_seq", BigInteger, nullable=False),
    Column("last_seq", BigInteger, nullable=False),
)

snapshots = Table(
    "snapshots",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    ),
    Column("state", LargeBinary, nullable=False),
    Column("state_hash", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("format", String(80), nullable=False, server_default=""),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("principal", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=True),
    Column("revoked", Boolean, nullable=False, default=False),
)

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

Index("ix_requests_first_seq", requests.c.first_seq)


def event_checksum(seq: int, body: str) -> str:
    """SHA-256 (hex) of ``"<seq>:<body>"``: binds the record's content to its position."""
    return hashlib.sha256(f"{seq}:{body}".encode()).hexdigest()


__all__ = [
    "SCHEMA_VERSION",
    "api_tokens",
    "event_checksum",
    "events",
    "meta",
    "metadata",
    "requests",
    "snapshots",
]
