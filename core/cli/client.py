"""omnistake CLI: client commands that call a running server (``omnistake serve``).

Every command takes --server (default 127.0.0.1:50051, env OMNISTAKE_SERVER) and, for
mutations, --token (env OMNISTAKE_TOKEN) or --token-file; amounts are integers in base
units. Output is one JSON object per line.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from omnistake.errors import OmnistakeError

F = TypeVar("F", bound=Callable[..., Any])


def _client_options(fn: F) -> F:
    options = [
        click.option(
            "--server",
            default="127.0.0.1:50051",
            show_default=True,
            envvar="OMNISTAKE_SERVER",
            help="HOST:PORT of the omnistake server.",
        ),
        click.option(
            "--token", default=None, envvar="OMNISTAKE_TOKEN", help="Bearer token (mutations)."
        ),
        click.option(
            "--token-file",
            default=None,
            type=click.Path(exists=True, dir_okay=False),
            help="File holding the bearer token (e.g. omnistake.sqlite.admin-token).",
        ),
        click.option(
            "--tls-ca",
            default=None,
            type=click.Path(exists=True, dir_okay=False),
            help="PEM CA: use TLS.",
        ),
        click.option(
            "--tls-cert",
            default=None,
            type=click.Path(exists=True, dir_okay=False),
            help="Client certificate (mutual TLS).",
        ),
        click.option(
            "--tls-key",
            default=None,
            type=click.Path(exists=True, dir_okay=False),
            help="Client key (mutual TLS).",
        ),
        click.option(
            "--timeout", default=30.0, show_default=True, help="Deadline of each call, seconds."
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _run(fn: Callable[..., Awaitable[Any]]) -> Callable[..., None]:
    """Wrap an async command body: build the client from the common options, print the
    result as JSON, turn typed errors into a one-line message and exit status 1."""

    @functools.wraps(fn)
    def wrapper(
        server: str,
        token: str | None,
        token_file: str | None,
        tls_ca: str | None,
        tls_cert: str | None,
        tls_key: str | None,
        timeout: float,
        **kwargs: Any,
    ) -> None:
        from omnistake.client import OmnistakeClient

        if token_file:
            token = Path(token_file).read_text().strip()

        def read(path: str | None) -> bytes | None:
            return Path(path).read_bytes() if path else None

        async def main() -> None:
            async with OmnistakeClient(
                server,
                token=token,
                root_certificates=read(tls_ca),
                certificate_chain=read(tls_cert),
                private_key=read(tls_key),
                timeout=timeout,
            ) as client:
                result = await fn(client, **kwargs)
                if result is not None:
                    _print(result)

        try:
            asyncio.run(main())
        except OmnistakeError as error:
            field = f" (field: {error.field})" if error.field else ""
            click.echo(f"error: {error.reason}: {error.message}{field}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            sys.exit(130)

    return wrapper


def _plain(value: Any) -> Any:
    from omnistake.client import MutationResult
    from omnistake.ledger.ledger import Recorded

    if isinstance(value, MutationResult):
        return {
            "request_id": value.request_id,
            "replayed": value.replayed,
            "events": [_plain(e) for e in value.events],
        }
    if isinstance(value, Recorded):
        return {"seq": value.seq, "type": value.event.type_name, **value.event.to_dict()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, set):
        return sorted(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**53:
        return str(value)
    return value


def _print(value: Any) -> None:
    click.echo(json.dumps(_plain(value), sort_keys=True))


def _amount(value: str, field: str = "amount") -> int:
    from omnistake.api.convert import parse_amount

    return parse_amount(value.replace("_", ""), field)


AMOUNT = click.argument("amount")
REQUEST_ID = click.option(
    "--request-id", default=None, help="Idempotency key (default: a fresh UUID)."
)
SUBNETWORK = click.option(
    "--subnetwork", default=0, show_default=True, help="Subnetwork identifier."
)
AT = click.option("--at", type=int, default=None, help="Unix seconds (default: now).")


def register(group: click.Group) -> None:
    """Add this module's commands to ``group``."""
    commands: list[click.Command] = [asset, network, operator, vault, opt_in, limit, slash]
    commands += [rewards, events, admin, deposit, withdraw, claim, stake, balance, state_hash]
    commands += [chains, evidence]
    for command in commands:
        group.add_command(command)


# -- registry -------------------------------------------------------------------------------


@click.group()
def asset() -> None:
    """Register and list collateral types (CAIP-19 assets)."""


@asset.command("register")
@click.argument("asset_id")
@click.option("--decimals", type=int, required=True)
@click.option("--symbol", default="")
@REQUEST_ID
@_client_options
@_run
async def asset_register(
    client: Any, asset_id: str, decimals: int, symbol: str, request_id: str | None
) -> Any:
    """Register ASSET_ID (admin)."""
    return await client.register_asset(asset_id, decimals, symbol=symbol, request_id=request_id)


@asset.command("list")
@_client_options
@_run
async def asset_list(client: Any) -> Any:
    """List every asset."""
    return await client.list_assets()


@click.group()
def network() -> None:
    """Register and list networks."""


@network.command("register")
@click.argument("network_id")
@click.option("--name", default="")
@click.option("--max-slash-wad", default=None, help="Cap per slash (100 % = 100e18).")
@REQUEST_ID
@_client_options
@_run
async def network_register(
    client: Any, network_id: str, name: str, max_slash_wad: str | None, request_id: str | None
) -> Any:
    """Register NETWORK_ID (as that network, or admin)."""
    wad = _amount(max_slash_wad, "max_slash_wad") if max_slash_wad else None
    return await client.register_network(
        network_id, name=name, max_slash_wad=wad, request_id=request_id
    )


@network.command("list")
@_client_options
@_run
async def network_list(client: Any) -> Any:
    """List every network."""
    return await client.list_networks()


@click.group()
def operator() -> None:
    """Register and list operators."""


@operator.command("register")
@click.argument("operator_id")
@click.option("--key", "keys", multiple=True, help="NAMESPACE=KEY, e.g. eip155=0xabc (repeatable).")
@REQUEST_ID
@_client_options
@_run
async def operator_register(
    client: Any, operator_id: str, keys: tuple[str, ...], request_id: str | None
) -> Any:
    """Register OPERATOR_ID (as that operator, or admin)."""
    parsed = dict(k.split("=", 1) for k in keys)
    return await client.register_operator(operator_id, keys=parsed, request_id=request_id)


@operator.command("list")
@_client_options
@_run
async def operator_list(client: Any) -> Any:
    """List every operator."""
    return await client.list_operators()


# -- vaults ---------------------------------------------------------------------------------


@click.group()
def vault() -> None:
    """Create, inspect and list vaults."""


@vault.command("create")
@click.argument("vault_id")
@click.option("--asset", "asset_id", required=True, help="CAIP-19 asset id.")
@click.option("--curator", required=True)
@click.option("--epoch-duration", type=int, required=True, help="Seconds.")
@click.option(
    "--delegator-type",
    type=click.Choice(
        ["network_restake", "full_restake", "operator_specific", "operator_network_specific"]
    ),
    default=None,
)
@click.option("--delegator-operator", default=None)
@click.option("--delegator-network", default=None)
@click.option("--slasher-type", type=click.Choice(["none", "instant", "veto"]), default=None)
@click.option("--veto-duration", type=int, default=0)
@click.option("--deposit-limit", default=None)
@click.option("--curator-fee-bps", type=int, default=0)
@REQUEST_ID
@_client_options
@_run
async def vault_create(
    client: Any, vault_id: str, deposit_limit: str | None, **options: Any
) -> Any:
    """Create VAULT_ID (as its curator)."""
    limit = _amount(deposit_limit, "deposit_limit") if deposit_limit else None
    asset_id = options.pop("asset_id")
    curator = options.pop("curator")
    epoch = options.pop("epoch_duration")
    return await client.create_vault(
        vault_id, asset_id, curator, epoch, deposit_limit=limit, **options
    )


@vault.command("get")
@click.argument("vault_id")
@AT
@_client_options
@_run
async def vault_get(client: Any, vault_id: str, at: int | None) -> Any:
    """Show VAULT_ID with its stake figures."""
    return await client.get_vault(vault_id, at=at)


@vault.command("list")
@click.option("--asset", "asset_id", default="")
@click.option("--curator", default="")
@_client_options
@_run
async def vault_list(client: Any, asset_id: str, curator: str) -> Any:
    """List vaults (optionally of one asset or curator)."""
    return await client.list_vaults(asset_id=asset_id, curator=curator)


@click.command("deposit")
@click.argument("vault_id")
@click.argument("staker")
@AMOUNT
@click.option("--depositor", default=None)
@REQUEST_ID
@_client_options
@_run
async def deposit_direct(
    client: Any,
    vault_id: str,
    staker: str,
    amount: str,
    depositor: str | None,
    request_id: str | None,
) -> Any:
    """Deposit AMOUNT base units into VAULT_ID for STAKER (a CAIP-10 account)."""
    return await client.deposit(
        vault_id, staker, _amount(amount), depositor=depositor, request_id=request_id
    )


class _DepositGroup(click.Group):
    """``omnistake deposit VAULT STAKER AMOUNT`` (a ledger deposit) and ``omnistake deposit
    claim ...`` (a chain deposit verified by its adapter) under one name: arguments that do
    not start with a subcommand go to the direct deposit."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            return deposit_direct.make_context(info_name, args, parent=parent, **extra)
        return super().make_context(info_name, args, parent=parent, **extra)


@click.group(cls=_DepositGroup)
def deposit() -> None:
    """Deposit into a vault: `deposit VAULT_ID STAKER AMOUNT` records a deposit in the ledger
    (admin, the staker, or a whitelisted depositor); `deposit claim CHAIN_ID ...` has the
    chain's adapter verify a deposit made on chain and credits it (see `deposit claim
    --help`)."""


@deposit.command("claim")
@click.argument("chain_id")
@click.argument("vault_id")
@click.argument("staker")
@click.argument("reference")
@click.option("--amount", default=None, help="Expected amount in base units (default: any).")
@click.option(
    "--proof", multiple=True, metavar="KEY=HEX", help="Extra proof the chain needs (repeatable)."
)
@REQUEST_ID
@_client_options
@_run
async def deposit_claim(
    client: Any,
    chain_id: str,
    vault_id: str,
    staker: str,
    reference: str,
    amount: str | None,
    proof: tuple[str, ...],
    request_id: str | None,
) -> Any:
    """Claim the deposit REFERENCE (a transaction id or signature) on CHAIN_ID into VAULT_ID
    for STAKER (CAIP-10): the server's adapter verifies it and the ledger credits it once
    (a repeat answers "replayed": true). A staker token may claim only for itself."""
    proofs: dict[str, str] = {}
    for item in proof:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter("use KEY=HEX", param_hint="--proof")
        proofs[key] = value
    return await client.claim_deposit(
        chain_id,
        vault_id,
        staker,
        reference,
        amount=_amount(amount) if amount is not None else None,
        proof=proofs,
        request_id=request_id,
    )


# -- chains and evidence ------------------------------------------------------------------


@click.command("chains")
@click.argument("chain_id", required=False)
@_client_options
@_run
async def chains(client: Any, chain_id: str | None) -> Any:
    """List the chains the server follows, or show CHAIN_ID's sync status (head, latest
    final block, cursor, lag)."""
    if chain_id:
        return await client.sync_status(chain_id)
    return await client.list_chains()


@click.group()
def evidence() -> None:
    """Slashing evidence (e.g. EOTS double-signs)."""


@evidence.command("submit")
@click.argument("kind")
@click.argument("evidence_file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--hex", "is_hex", is_flag=True, help="The file holds hex text, not raw bytes.")
@click.option("--chain", "chain_id", default="", help="The chain that slashes for it.")
@click.option("--network", "network_id", default="", help="The slashing network.")
@SUBNETWORK
@REQUEST_ID
@_client_options
@_run
async def evidence_submit(
    client: Any,
    kind: str,
    evidence_file: str,
    is_hex: bool,
    chain_id: str,
    network_id: str,
    subnetwork: int,
    request_id: str | None,
) -> Any:
    """Submit EVIDENCE_FILE ('-': stdin) of KIND (network or admin): prints the verified
    offence and the slash a configured chain carried out for it."""
    raw = sys.stdin.buffer.read() if evidence_file == "-" else Path(evidence_file).read_bytes()
    if is_hex:
        try:
            raw = bytes.fromhex(raw.decode().strip())
        except ValueError:
            raise click.BadParameter("not hex text", param_hint="EVIDENCE_FILE") from None
    return await client.submit_evidence(
        kind,
        raw,
        chain_id=chain_id,
        network=network_id,
        subnetwork=subnetwork,
        request_id=request_id,
    )


@click.command()
@click.argument("vault_id")
@click.argument("staker")
@AMOUNT
@click.option("--claimer", default=None)
@REQUEST_ID
@_client_options
@_run
async def withdraw(
    client: Any,
    vault_id: str,
    staker: str,
    amount: str,
    claimer: str | None,
    request_id: str | None,
) -> Any:
    """Queue a withdrawal of AMOUNT of STAKER's active stake in VAULT_ID."""
    return await client.withdraw(
        vault_id, staker, _amount(amount), claimer=claimer, request_id=request_id
    )


@click.command()
@click.argument("vault_id")
@click.argument("claimer")
@click.argument("epochs", nargs=-1, type=int, required=True)
@REQUEST_ID
@_client_options
@_run
async def claim(
    client: Any, vault_id: str, claimer: str, epochs: tuple[int, ...], request_id: str | None
) -> Any:
    """Claim CLAIMER's matured withdrawals of EPOCHS in VAULT_ID."""
    return await client.claim(vault_id, claimer, list(epochs), request_id=request_id)


# -- opt-ins and limits ---------------------------------------------------------------------


@click.group("opt-in")
def opt_in() -> None:
    """Operator opt-ins (an operator opts in only for itself)."""


@opt_in.command("vault")
@click.argument("operator_id")
@click.argument("vault_id")
@REQUEST_ID
@_client_options
@_run
async def opt_in_vault(client: Any, operator_id: str, vault_id: str, request_id: str | None) -> Any:
    """OPERATOR_ID opts in to VAULT_ID."""
    return await client.opt_in_vault(operator_id, vault_id, request_id=request_id)


@opt_in.command("network")
@click.argument("operator_id")
@click.argument("network_id")
@REQUEST_ID
@_client_options
@_run
async def opt_in_network(
    client: Any, operator_id: str, network_id: str, request_id: str | None
) -> Any:
    """OPERATOR_ID opts in to NETWORK_ID."""
    return await client.opt_in_network(operator_id, network_id, request_id=request_id)


@click.group()
def limit() -> None:
    """Delegation limits of a vault towards a (sub)network and its operators."""


@limit.command("max-network")
@click.argument("vault_id")
@click.argument("network_id")
@AMOUNT
@SUBNETWORK
@REQUEST_ID
@_client_options
@_run
async def limit_max_network(
    client: Any,
    vault_id: str,
    network_id: str,
    amount: str,
    subnetwork: int,
    request_id: str | None,
) -> Any:
    """The network caps what VAULT_ID may give it (as the network)."""
    return await client.set_max_network_limit(
        vault_id, network_id, _amount(amount), subnetwork=subnetwork, request_id=request_id
    )


@limit.command("network")
@click.argument("vault_id")
@click.argument("network_id")
@AMOUNT
@SUBNETWORK
@REQUEST_ID
@_client_options
@_run
async def limit_network(
    client: Any,
    vault_id: str,
    network_id: str,
    amount: str,
    subnetwork: int,
    request_id: str | None,
) -> Any:
    """The curator allocates AMOUNT of VAULT_ID to NETWORK_ID."""
    return await client.set_network_limit(
        vault_id, network_id, _amount(amount), subnetwork=subnetwork, request_id=request_id
    )


@limit.command("operator-shares")
@click.argument("vault_id")
@click.argument("network_id")
@click.argument("operator_id")
@click.argument("shares")
@SUBNETWORK
@REQUEST_ID
@_client_options
@_run
async def limit_operator_shares(
    client: Any,
    vault_id: str,
    network_id: str,
    operator_id: str,
    shares: str,
    subnetwork: int,
    request_id: str | None,
) -> Any:
    """Network-restake vaults: OPERATOR_ID's SHARES of the network's allocation (curator)."""
    return await client.set_operator_network_shares(
        vault_id,
        network_id,
        operator_id,
        _amount(shares, "shares"),
        subnetwork=subnetwork,
        request_id=request_id,
    )


@limit.command("operator")
@click.argument("vault_id")
@click.argument("network_id")
@click.argument("operator_id")
@AMOUNT
@SUBNETWORK
@REQUEST_ID
@_client_options
@_run
async def limit_operator(
    client: Any,
    vault_id: str,
    network_id: str,
    operator_id: str,
    amount: str,
    subnetwork: int,
    request_id: str | None,
) -> Any:
    """Full-restake vaults: OPERATOR_ID's limit within the network's allocation (curator)."""
    return await client.set_operator_network_limit(
        vault_id,
        network_id,
        operator_id,
        _amount(amount),
        subnetwork=subnetwork,
        request_id=request_id,
    )


# -- queries --------------------------------------------------------------------------------


@click.command()
@click.argument("vault_id")
@click.argument("network_id")
@click.argument("operator_id")
@SUBNETWORK
@AT
@_client_options
@_run
async def stake(
    client: Any, vault_id: str, network_id: str, operator_id: str, subnetwork: int, at: int | None
) -> Any:
    """Stake VAULT_ID gives OPERATOR_ID in NETWORK_ID at --at (default now)."""
    value = await client.stake_at(vault_id, network_id, operator_id, subnetwork=subnetwork, at=at)
    return {"vault": vault_id, "network": network_id, "operator": operator_id, "stake": str(value)}


@click.command()
@click.argument("vault_id")
@click.argument("account")
@AT
@_client_options
@_run
async def balance(client: Any, vault_id: str, account: str, at: int | None) -> Any:
    """ACCOUNT's shares and balances in VAULT_ID, and its pending withdrawals."""
    figures = await client.balance(vault_id, account, at=at)
    pending = await client.pending_withdrawals(vault_id, account)
    return {"balance": figures, "pending_withdrawals": pending}


@click.command("state-hash")
@_client_options
@_run
async def state_hash(client: Any) -> Any:
    """The last event's seq and the SHA-256 of the whole state."""
    seq, digest = await client.state_hash()
    return {"seq": seq, "state_hash": digest}


# -- slashing and rewards -------------------------------------------------------------------


@click.group()
def slash() -> None:
    """Slash operators: instant, or request/veto/execute on veto-slasher vaults."""


@slash.command("instant")
@click.argument("vault_id")
@click.argument("network_id")
@click.argument("operator_id")
@AMOUNT
@click.option("--capture", type=int, required=True, help="Timestamp of the stake slashed.")
@SUBNETWORK
@REQUEST_ID
@_client_options
@_run
async def slash_instant(
    client: Any,
    vault_id: str,
    network_id: str,
    operator_id: str,
    amount: str,
    capture: int,
    subnetwork: int,
    request_id: str | None,
) -> Any:
    """Slash OPERATOR_ID now (instant-slasher vaults; as the network)."""
    return await client.slash(
        vault_id,
        network_id,
        operator_id,
        _amount(amount),
        capture,
        subnetwork=subnetwork,
        request_id=request_id,
    )


@slash.command("request")
@click.argument("vault_id")
@click.argument("network_id")
@click.argument("operator_id")
@AMOUNT
@click.option("--capture", type=int, required=True, help="Timestamp of the stake slashed.")
@SUBNETWORK
@REQUEST_ID
@_client_options
@_run
async def slash_request(
    client: Any,
    vault_id: str,
    network_id: str,
    operator_id: str,
    amount: str,
    capture: int,
    subnetwork: int,
    request_id: str | None,
) -> Any:
    """Request a slash of OPERATOR_ID (veto-slasher vaults; as the network)."""
    return await client.request_slash(
        vault_id,
        network_id,
        operator_id,
        _amount(amount),
        capture,
        subnetwork=subnetwork,
        request_id=request_id,
    )


@slash.command("veto")
@click.argument("vault_id")
@click.argument("index", type=int)
@REQUEST_ID
@_client_options
@_run
async def slash_veto(client: Any, vault_id: str, index: int, request_id: str | None) -> Any:
    """Veto slash request INDEX of VAULT_ID (as its resolver)."""
    return await client.veto_slash(vault_id, index, request_id=request_id)


@slash.command("execute")
@click.argument("vault_id")
@click.argument("index", type=int)
@REQUEST_ID
@_client_options
@_run
async def slash_execute(client: Any, vault_id: str, index: int, request_id: str | None) -> Any:
    """Execute slash request INDEX of VAULT_ID after its veto window (as the network)."""
    return await client.execute_slash(vault_id, index, request_id=request_id)


@slash.command("list")
@click.option("--vault", "vault_id", default="")
@click.option("--network", "network_id", default="")
@click.option("--operator", "operator_id", default="")
@click.option("--state", type=click.Choice(["", "pending", "completed"]), default="")
@_client_options
@_run
async def slash_list(
    client: Any, vault_id: str, network_id: str, operator_id: str, state: str
) -> Any:
    """List slash requests, filtered."""
    return await client.list_slash_requests(
        vault=vault_id, network=network_id, operator=operator_id, state=state
    )


@click.group()
def rewards() -> None:
    """Distribute and claim staker rewards."""


@rewards.command("distribute")
@click.argument("vault_id")
@click.argument("network_id")
@click.argument("token")
@AMOUNT
@click.option("--timestamp", type=int, required=True, help="Past time whose shares count.")
@REQUEST_ID
@_client_options
@_run
async def rewards_distribute(
    client: Any,
    vault_id: str,
    network_id: str,
    token: str,
    amount: str,
    timestamp: int,
    request_id: str | None,
) -> Any:
    """NETWORK_ID pays AMOUNT of TOKEN to VAULT_ID's stakers."""
    return await client.distribute_staker_rewards(
        vault_id, network_id, token, _amount(amount), timestamp, request_id=request_id
    )


@rewards.command("claim")
@click.argument("vault_id")
@click.argument("staker")
@click.argument("network_id")
@click.argument("token")
@REQUEST_ID
@_client_options
@_run
async def rewards_claim(
    client: Any, vault_id: str, staker: str, network_id: str, token: str, request_id: str | None
) -> Any:
    """STAKER claims its rewards from NETWORK_ID in TOKEN."""
    return await client.claim_staker_rewards(
        vault_id, staker, network_id, token, request_id=request_id
    )


# -- events and admin -----------------------------------------------------------------------


@click.group()
def events() -> None:
    """The ledger's event history."""


@events.command("watch")
@click.option("--after", type=int, default=0, show_default=True, help="Start after this seq.")
@click.option("--count", type=int, default=0, help="Stop after this many events (0: never).")
@_client_options
@_run
async def events_watch(client: Any, after: int, count: int) -> None:
    """Print every event after --after, then each new one as it happens (Ctrl-C stops)."""
    seen = 0
    async for record in client.watch_events(after):
        _print(record)
        sys.stdout.flush()
        seen += 1
        if count and seen >= count:
            return


@events.command("list")
@click.option("--after", type=int, default=0, show_default=True)
@click.option("--limit", "page", type=int, default=100, show_default=True)
@_client_options
@_run
async def events_list(client: Any, after: int, page: int) -> Any:
    """A page of stored events after --after."""
    return await client.list_events(after, page_size=page)


@click.group()
def admin() -> None:
    """Token administration on a running server (admin token required)."""


@admin.command("issue-token")
@click.argument("principal")
@click.option("--ttl", type=int, default=None, help="Lifetime in seconds.")
@_client_options
@_run
async def admin_issue_token(client: Any, principal: str, ttl: int | None) -> Any:
    """Issue a token for PRINCIPAL (role:id); prints it once."""
    token, digest = await client.issue_token(principal, ttl_seconds=ttl)
    return {"principal": principal, "token": token, "token_hash": digest}


@admin.command("revoke-token")
@click.argument("token_hash")
@_client_options
@_run
async def admin_revoke_token(client: Any, token_hash: str) -> Any:
    """Revoke the token whose SHA-256 is TOKEN_HASH."""
    await client.revoke_token(token_hash)
    return {"revoked": token_hash}
