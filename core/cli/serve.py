"""omnistake CLI: ``serve`` (the gRPC server) and offline ``token issue|revoke``."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import click
from omnistake.errors import OmnistakeError
from omnistake.store.base import Store

DEFAULT_LISTEN = "127.0.0.1:50051"
DEFAULT_DB_NAME = "omnistake.sqlite"
ADMIN_PRINCIPAL = "admin:root"

log = logging.getLogger("omnistake.serve")


def default_db() -> str:
    """A SQLite file in the working directory."""
    return f"sqlite:///{Path.cwd() / DEFAULT_DB_NAME}"


def sqlite_path(url: str) -> Path | None:
    """The file of a sqlite:/// URL (None for other URLs)."""
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///") :])
    return None


def admin_token_path(url: str, explicit: Path | None) -> Path:
    """Where the bootstrap admin token goes: next to the SQLite file, else the working dir."""
    if explicit is not None:
        return explicit
    db = sqlite_path(url)
    if db is not None:
        return db.with_name(db.name + ".admin-token")
    return Path.cwd() / "omnistake.admin-token"


def write_secret(path: Path, text: str) -> None:
    """Write ``text`` to a new file readable by its owner only (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text + "\n")
    os.chmod(path, 0o600)


def _read(path: str | None) -> bytes | None:
    return Path(path).read_bytes() if path else None


def _fail(error: OmnistakeError) -> None:
    field = f" (field: {error.field})" if error.field else ""
    raise click.ClickException(f"{error.reason}: {error.message}{field}")


def register(group: click.Group) -> None:
    """Add this module's commands to ``group``."""
    group.add_command(serve)
    group.add_command(token)


@click.command()
@click.option(
    "--listen",
    default=DEFAULT_LISTEN,
    show_default=True,
    envvar="OMNISTAKE_LISTEN",
    help="HOST:PORT to listen on (port 0 picks a free one; the log says which).",
)
@click.option(
    "--db",
    default=None,
    envvar="OMNISTAKE_DB",
    help="Store URL: sqlite:///PATH, postgresql://USER:PW@HOST/DB or memory:// "
    "[default: sqlite:///./omnistake.sqlite]",
)
@click.option(
    "--tls-cert",
    type=click.Path(exists=True, dir_okay=False),
    help="PEM certificate chain (enables TLS).",
)
@click.option(
    "--tls-key", type=click.Path(exists=True, dir_okay=False), help="PEM private key of --tls-cert."
)
@click.option(
    "--tls-client-ca",
    type=click.Path(exists=True, dir_okay=False),
    help="PEM CA that client certificates must chain to (mutual TLS).",
)
@click.option(
    "--admin-token-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the bootstrap admin token "
    "[default: next to the SQLite file, else ./omnistake.admin-token].",
)
@click.option("--no-reflection", is_flag=True, help="Turn gRPC server reflection off.")
@click.option(
    "--grace", default=5.0, show_default=True, help="Seconds in-flight calls get on SIGTERM/SIGINT."
)
@click.option("--log-level", default="INFO", show_default=True, help="Python logging level.")
def serve(
    listen: str,
    db: str | None,
    tls_cert: str | None,
    tls_key: str | None,
    tls_client_ca: str | None,
    admin_token_file: Path | None,
    no_reflection: bool,
    grace: float,
    log_level: str,
) -> None:
    """Serve the ledger over gRPC (omnistake.v1) until SIGTERM or Ctrl-C.

    Health checking (grpc.health.v1) and server reflection are on, so `grpcurl -plaintext
    127.0.0.1:50051 list` shows every service. Mutations need `authorization: Bearer TOKEN`
    metadata. On an empty database with no token file yet, serve issues an admin token
    (admin:root) and writes it to a 0600 file next to the SQLite database; the log names
    the file, never the token.

    \b
    Examples:
      omnistake serve
      omnistake serve --listen 0.0.0.0:50051 --db postgresql://omnistake@db/omnistake
      omnistake serve --tls-cert server.pem --tls-key server.key --tls-client-ca ca.pem
    """
    from omnistake.api.auth import issue_token
    from omnistake.api.server import ApiServer, TlsConfig, serve_until_signalled
    from omnistake.principals import Principal
    from omnistake.service import LedgerService

    logging.basicConfig(
        level=log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    url = db or default_db()
    if bool(tls_cert) != bool(tls_key):
        raise click.UsageError("--tls-cert and --tls-key go together")
    if tls_client_ca and not tls_cert:
        raise click.UsageError("--tls-client-ca needs --tls-cert and --tls-key")
    tls = None
    if tls_cert and tls_key:
        tls = TlsConfig(
            Path(tls_cert).read_bytes(), Path(tls_key).read_bytes(), _read(tls_client_ca)
        )
    try:
        service = LedgerService.open(url)
    except OmnistakeError as error:
        _fail(error)
    try:
        token_path = admin_token_path(url, admin_token_file)
        if service.store.last_seq() == 0 and not _valid_token_file(service.store, token_path):
            now = service.ledger.clock.now()
            secret, _ = issue_token(service.store, Principal.parse(ADMIN_PRINCIPAL), now=now)
            write_secret(token_path, secret)
            log.info(
                "empty database: issued an admin token (admin:root) into %s (mode 0600)", token_path
            )
        log.info("store %s at event %d", _safe_url(url), service.ledger.seq)

        async def run() -> None:
            # Store calls run on worker threads; the default pool (cores + 4) would cap how
            # many concurrent commands reach the group commit.
            asyncio.get_running_loop().set_default_executor(
                ThreadPoolExecutor(max_workers=64, thread_name_prefix="omnistake-api")
            )
            # grpc.aio binds its server to the running loop: build it inside.
            server = ApiServer(
                service, listen=listen, tls=tls, reflection_enabled=not no_reflection
            )
            await serve_until_signalled(server, grace)

        try:
            asyncio.run(run())
        except OmnistakeError as error:
            _fail(error)
    finally:
        service.close()


def _valid_token_file(store: Store, path: Path) -> bool:
    """Does ``path`` hold a token this store knows (e.g. not one from an old memory:// run)?"""
    from omnistake.api.auth import hash_token

    if not path.exists():
        return False
    token = path.read_text().strip()
    record = store.find_token(hash_token(token)) if token else None
    return record is not None and not record.revoked


def _safe_url(url: str) -> str:
    """The URL without a password."""
    scheme, sep, rest = url.partition("://")
    creds, at, host = rest.rpartition("@")
    if at and ":" in creds:
        return f"{scheme}{sep}{creds.split(':', 1)[0]}:***@{host}"
    return url


@click.group()
def token() -> None:
    """Issue or revoke API bearer tokens directly in the store (offline).

    Tokens are stored only as their SHA-256 hash; `issue` prints the token once. A running
    server can also issue tokens through AdminService (see `omnistake admin --help`).
    """


@token.command("issue")
@click.option(
    "--db",
    default=None,
    envvar="OMNISTAKE_DB",
    help="Store URL [default: sqlite:///./omnistake.sqlite].",
)
@click.option(
    "--principal",
    required=True,
    help="role:id, e.g. admin:root, network:da-layer, staker:eip155:1:0xabc.",
)
@click.option("--ttl", type=int, default=None, help="Lifetime in seconds (default: no expiry).")
def token_issue(db: str | None, principal: str, ttl: int | None) -> None:
    """Issue a token for PRINCIPAL and print it (once) on stdout."""
    from omnistake.api.auth import issue_token
    from omnistake.clock import SystemClock
    from omnistake.principals import Principal
    from omnistake.store import open_store

    try:
        who = Principal.parse(principal)
        store = open_store(db or default_db())
    except OmnistakeError as error:
        _fail(error)
    try:
        secret, record = issue_token(store, who, now=SystemClock().now(), ttl_seconds=ttl)
    finally:
        store.close()
    click.echo(secret)
    click.echo(f"token for {record.principal}; sha256 {record.token_hash}", err=True)


@token.command("revoke")
@click.option(
    "--db",
    default=None,
    envvar="OMNISTAKE_DB",
    help="Store URL [default: sqlite:///./omnistake.sqlite].",
)
@click.option("--token-hash", default=None, help="SHA-256 hex of the token.")
@click.option(
    "--token", "token_", default=None, envvar="OMNISTAKE_REVOKE_TOKEN", help="The token itself."
)
def token_revoke(db: str | None, token_hash: str | None, token_: str | None) -> None:
    """Revoke a token, named by its SHA-256 hash or by the token itself."""
    from omnistake.api.auth import hash_token
    from omnistake.store import open_store

    if bool(token_hash) == bool(token_):
        raise click.UsageError("give exactly one of --token-hash or --token")
    digest = token_hash or hash_token(token_ or "")
    try:
        store = open_store(db or default_db())
    except OmnistakeError as error:
        _fail(error)
    try:
        if store.find_token(digest) is None:
            raise click.ClickException("no token with that hash")
        store.revoke_token(digest)
    finally:
        store.close()
    click.echo(f"revoked {digest}")
