"""omnistake CLI: ``serve`` (the gRPC server) and offline ``token issue|revoke``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import click
from omnistake.errors import OmnistakeError
from omnistake.plugins.config import ChainsConfig, load_chains_config
from omnistake.plugins.manager import PluginManager
from omnistake.store.base import Store

if TYPE_CHECKING:
    from omnistake.api.chains import ChainRuntime
    from omnistake.plugins.protocol import ChainAdapter
    from omnistake.service import LedgerService

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
@click.option(
    "--chains",
    "chains_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    envvar="OMNISTAKE_CHAINS",
    help="Chains config (TOML): follow these chains with their plugins' adapters and feed "
    "them into the ledger (see docs/api.md).",
)
@click.option(
    "--strict-plugins",
    is_flag=True,
    help="A plugin that fails to load is fatal (also OMNISTAKE_STRICT_PLUGINS=1).",
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
    chains_file: Path | None,
    strict_plugins: bool,
    log_level: str,
) -> None:
    """Serve the ledger over gRPC (omnistake.v1) until SIGTERM or Ctrl-C.

    Health checking (grpc.health.v1) and server reflection are on, so `grpcurl -plaintext
    127.0.0.1:50051 list` shows every service. Chain plugins are loaded (a broken one is
    logged and skipped, or fatal with --strict-plugins); with --chains FILE, serve follows
    each configured chain with its adapter, feeds finalized chain events into the ledger,
    and hands the slashes and payouts the ledger decides to the adapters. Mutations need
    `authorization: Bearer TOKEN` metadata. On an empty database with no token file yet,
    serve issues an admin token (admin:root) and writes it to a 0600 file next to the
    SQLite database; the log names the file, never the token.

    \b
    Examples:
      omnistake serve
      omnistake serve --listen 0.0.0.0:50051 --db postgresql://omnistake@db/omnistake
      omnistake serve --tls-cert server.pem --tls-key server.key --tls-client-ca ca.pem
      omnistake serve --chains chains.toml --strict-plugins
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
        manager = _load_plugins(strict_plugins)
        config = load_chains_config(chains_file) if chains_file is not None else None
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
            async with _chains_running(service, manager, config, url) as runtime:
                # grpc.aio binds its server to the running loop: build it inside.
                server = ApiServer(
                    service,
                    listen=listen,
                    tls=tls,
                    reflection_enabled=not no_reflection,
                    chain_runtime=runtime,
                )
                await serve_until_signalled(server, grace)

        try:
            asyncio.run(run())
        except OmnistakeError as error:
            _fail(error)
    finally:
        service.close()


def _load_plugins(strict: bool) -> PluginManager:
    """Every installed plugin; failures are logged (name and error), or fatal when strict."""
    from omnistake.plugins.manager import env_strict

    manager = PluginManager(strict=strict or env_strict())
    report = manager.load_entry_points()
    for failed in report.failed:
        log.warning("plugin %s skipped: %s: %s", failed.name, failed.reason, failed.error)
    names = ", ".join(f"{p.name} {p.version}".strip() for p in report.loaded) or "none"
    log.info("plugins loaded: %s", names)
    return manager


@contextlib.asynccontextmanager
async def _chains_running(
    service: LedgerService, manager: PluginManager, config: ChainsConfig | None, url: str
) -> AsyncIterator[ChainRuntime]:
    """Build every configured adapter (bad options stop start-up), run one sync loop per
    chain with periodic dispatch, and stop them all on the way out."""
    from omnistake.api.chains import ChainRuntime
    from omnistake.plugins import ChainConfig, SyncSupervisor, open_sync_store
    from omnistake.plugins.config import build_adapter

    if config is None:
        yield ChainRuntime(manager)
        return
    adapters: dict[str, ChainAdapter] = {}
    try:
        for chain in config.chains:
            adapters[chain.chain_id] = build_adapter(manager, chain)
    except BaseException:
        for adapter in adapters.values():
            with contextlib.suppress(Exception):
                await adapter.close()
        raise
    store = open_sync_store(url)
    supervisor = SyncSupervisor(
        service,
        manager,
        store,
        [
            ChainConfig(
                chain_id=c.chain_id, options=c.options, dispatch_interval=c.dispatch_interval
            )
            for c in config.chains
        ],
        observers=manager.build_observers(),
        adapters=adapters,
    )
    for chain in config.chains:
        log.info(
            "following %s with the %s adapter (dispatch every %gs)",
            chain.chain_id,
            manager.chain_adapters()[chain.namespace].name,
            chain.dispatch_interval,
        )
    task = asyncio.create_task(supervisor.run(), name="omnistake-chains")
    try:
        yield ChainRuntime(manager, config, supervisor)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        store.close()
        log.info("chain sync loops stopped")


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
