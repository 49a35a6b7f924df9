"""Command handlers: validate a command against state and decide its events.

Handlers only read state; a rejected command raises a typed error and changes nothing.
Checks follow one order everywhere: shape of the input, existence of what it names, the
principal's right to act, the clock, then the rules of the vault.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from omnistake import errors as E
from omnistake.amounts import (
    BPS,
    HUNDRED_PERCENT_WAD,
    UINT48_MAX,
    Rounding,
    check_amount,
    check_uint,
    checked_add,
    mul_div,
)
from omnistake.ids import check_account, check_entity_id, parse_asset_id, parse_chain_id
from omnistake.ids import subnetwork_key as sn_key
from omnistake.ledger import commands as C
from omnistake.ledger import delegation as D
from omnistake.ledger import events as V
from omnistake.ledger import vault_math as M
from omnistake.ledger.state import LedgerState, Network, Vault
from omnistake.merkle import verify as verify_merkle
from omnistake.principals import Principal, Role

HUB = "hub"


@dataclass(frozen=True, slots=True)
class Context:
    """What a handler sees besides the command: state, who acts, and when."""

    state: LedgerState
    principal: Principal
    at: int


# -- lookups and guards ------------------------------------------------------------------


def _vault(ctx: Context, vault_id: str) -> Vault:
    vault = ctx.state.vaults.get(vault_id)
    if vault is None:
        raise E.NotFound(f"no vault {vault_id!r}", field="vault", vault=vault_id)
    return vault


def _network(ctx: Context, network: str, field: str = "network") -> Network:
    found = ctx.state.networks.get(network)
    if found is None:
        raise E.NotFound(f"no network {network!r}", field=field, network=network)
    return found


def _operator(ctx: Context, operator: str, field: str = "operator") -> None:
    if operator not in ctx.state.operators:
        raise E.NotFound(f"no operator {operator!r}", field=field, operator=operator)


def _asset(ctx: Context, asset_id: str, field: str = "asset_id") -> None:
    parse_asset_id(asset_id, field)
    if asset_id not in ctx.state.assets:
        raise E.NotFound(f"no asset {asset_id!r} is registered", field=field, asset=asset_id)


def _authorize(ctx: Context, role: Role, entity_id: str, action: str) -> None:
    if not ctx.principal.acts_as(role, entity_id):
        raise E.Unauthorized(
            f"{ctx.principal} may not {action}: only {role.value} {entity_id!r} (or an admin) may",
            principal=str(ctx.principal),
        )


def _check_clock(ctx: Context, domain: str) -> None:
    latest = ctx.state.clocks.get(domain, 0)
    if ctx.at < latest:
        raise E.TimeWentBackwards(
            f"command at {ctx.at} is before the latest change at {latest} in clock domain "
            f"{domain!r}",
            at=ctx.at,
            latest=latest,
        )


def _writable(ctx: Context, vault: Vault) -> None:
    """Time check, and: only chain adapters (system) change a mirrored vault."""
    if vault.domain != HUB and not ctx.principal.privileged:
        raise E.Unauthorized(
            f"vault {vault.vault!r} mirrors chain {vault.domain}: it changes only through "
            "events its chain adapter feeds in",
            principal=str(ctx.principal),
        )
    _check_clock(ctx, vault.domain)


def _subnetwork(value: int) -> int:
    return check_uint(value, 96, "subnetwork")


def _positive(value: int, field: str, error: type[E.OmnistakeError]) -> int:
    check_amount(value, field)
    if value == 0:
        raise error(f"{field} must be greater than zero", field=field)
    return value


# -- registry ----------------------------------------------------------------------------


def register_asset(ctx: Context, cmd: C.RegisterAsset) -> list[V.Event]:
    parse_asset_id(cmd.asset_id)
    check_uint(cmd.decimals, 8, "decimals")
    if cmd.decimals > 77:
        raise E.InvalidArgument("decimals must be at most 77", field="decimals")
    if cmd.asset_id in ctx.state.assets:
        raise E.AlreadyExists(f"asset {cmd.asset_id!r} is already registered", field="asset_id")
    if not ctx.principal.privileged:
        raise E.Unauthorized("only an admin registers assets", principal=str(ctx.principal))
    return [
        V.AssetRegistered(
            at=ctx.at, asset_id=cmd.asset_id, decimals=cmd.decimals, symbol=cmd.symbol
        )
    ]


def register_network(ctx: Context, cmd: C.RegisterNetwork) -> list[V.Event]:
    check_entity_id(cmd.network, "network")
    if cmd.max_slash_wad is not None:
        check_amount(cmd.max_slash_wad, "max_slash_wad")
        if not 0 < cmd.max_slash_wad <= HUNDRED_PERCENT_WAD:
            raise E.InvalidArgument(
                "max_slash_wad must be in (0, 100e18] (100e18 is 100 %)", field="max_slash_wad"
            )
    if cmd.network in ctx.state.networks:
        raise E.AlreadyExists(f"network {cmd.network!r} is already registered", field="network")
    _authorize(ctx, Role.NETWORK, cmd.network, "register this network")
    return [
        V.NetworkRegistered(
            at=ctx.at, network=cmd.network, name=cmd.name, max_slash_wad=cmd.max_slash_wad
        )
    ]


def _check_keys(keys: dict[str, str]) -> None:
    for namespace, key in keys.items():
        if not namespace or not isinstance(key, str) or not key or len(key) > 256:
            raise E.InvalidArgument(
                f"operator key for namespace {namespace!r} must be a non-empty string",
                field="keys",
            )


def register_operator(ctx: Context, cmd: C.RegisterOperator) -> list[V.Event]:
    check_entity_id(cmd.operator, "operator")
    _check_keys(cmd.keys)
    if cmd.operator in ctx.state.operators:
        raise E.AlreadyExists(f"operator {cmd.operator!r} is already registered", field="operator")
    _authorize(ctx, Role.OPERATOR, cmd.operator, "register this operator")
    return [V.OperatorRegistered(at=ctx.at, operator=cmd.operator, keys=dict(cmd.keys))]


def set_operator_key(ctx: Context, cmd: C.SetOperatorKey) -> list[V.Event]:
    _check_keys({cmd.namespace: cmd.key})
    _operator(ctx, cmd.operator)
    _authorize(ctx, Role.OPERATOR, cmd.operator, "set this operator's keys")
    if ctx.state.operators[cmd.operator].keys.get(cmd.namespace) == cmd.key:
        raise E.AlreadySet("the operator already has that key", field="key")
    return [
        V.OperatorKeySet(at=ctx.at, operator=cmd.operator, namespace=cmd.namespace, key=cmd.key)
    ]


# -- vaults ------------------------------------------------------------------------------


def create_vault(ctx: Context, cmd: C.CreateVault) -> list[V.Event]:
    check_entity_id(cmd.vault, "vault")
    check_entity_id(cmd.curator, "curator")
    check_uint(cmd.epoch_duration, 48, "epoch_duration")
    if cmd.epoch_duration == 0:
        raise E.InvalidArgument("epoch_duration must be positive", field="epoch_duration")
    if cmd.delegator_type not in C.DELEGATOR_TYPES:
        raise E.InvalidArgument(
            f"delegator_type must be one of {', '.join(C.DELEGATOR_TYPES)}", field="delegator_type"
        )
    if cmd.slasher_type not in C.SLASHER_TYPES:
        raise E.InvalidArgument(
            f"slasher_type must be one of {', '.join(C.SLASHER_TYPES)}", field="slasher_type"
        )
    if cmd.domain != HUB:
        parse_chain_id(cmd.domain, "domain")
    if cmd.slasher_type == "veto":
        check_uint(cmd.veto_duration, 48, "veto_duration")
        if cmd.veto_duration >= cmd.epoch_duration:
            raise E.InvalidArgument(
                "veto_duration must be shorter than epoch_duration", field="veto_duration"
            )
        check_uint(cmd.resolver_set_epochs_delay, 48, "resolver_set_epochs_delay")
        if cmd.resolver_set_epochs_delay < 3:
            raise E.InvalidArgument(
                "resolver_set_epochs_delay must be at least 3 epochs",
                field="resolver_set_epochs_delay",
            )
    if cmd.burner is not None:
        check_account(cmd.burner, "burner")
    if cmd.deposit_limit is not None:
        check_amount(cmd.deposit_limit, "deposit_limit")
    check_uint(cmd.curator_fee_bps, 16, "curator_fee_bps")
    if cmd.curator_fee_bps > BPS:
        raise E.InvalidArgument("curator_fee_bps must be at most 10000", field="curator_fee_bps")
    if cmd.vault in ctx.state.vaults:
        raise E.AlreadyExists(f"vault {cmd.vault!r} already exists", field="vault")
    _asset(ctx, cmd.asset_id)
    if cmd.delegator_type in ("operator_specific", "operator_network_specific"):
        if cmd.delegator_operator is None:
            raise E.InvalidArgument(
                f"a {cmd.delegator_type} vault needs delegator_operator",
                field="delegator_operator",
            )
        _operator(ctx, cmd.delegator_operator, "delegator_operator")
    elif cmd.delegator_operator is not None:
        raise E.InvalidArgument(
            f"a {cmd.delegator_type} vault takes no delegator_operator", field="delegator_operator"
        )
    if cmd.delegator_type == "operator_network_specific":
        if cmd.delegator_network is None:
            raise E.InvalidArgument(
                "an operator_network_specific vault needs delegator_network",
                field="delegator_network",
            )
        _network(ctx, cmd.delegator_network, "delegator_network")
    elif cmd.delegator_network is not None:
        raise E.InvalidArgument(
            f"a {cmd.delegator_type} vault takes no delegator_network", field="delegator_network"
        )
    _authorize(ctx, Role.CURATOR, cmd.curator, "create a vault for this curator")
    if cmd.domain != HUB and not ctx.principal.privileged:
        raise E.Unauthorized(
            "only a chain adapter creates a mirrored vault", principal=str(ctx.principal)
        )
    _check_clock(ctx, cmd.domain)
    return [
        V.VaultCreated(
            at=ctx.at,
            vault=cmd.vault,
            asset_id=cmd.asset_id,
            curator=cmd.curator,
            epoch_duration=cmd.epoch_duration,
            delegator_type=cmd.delegator_type,
            delegator_operator=cmd.delegator_operator,
            delegator_network=cmd.delegator_network,
            slasher_type=cmd.slasher_type,
            veto_duration=cmd.veto_duration if cmd.slasher_type == "veto" else 0,
            resolver_set_epochs_delay=cmd.resolver_set_epochs_delay
            if cmd.slasher_type == "veto"
            else 0,
            burner=cmd.burner,
            deposit_whitelist=cmd.deposit_whitelist,
            deposit_limit=cmd.deposit_limit,
            curator_fee_bps=cmd.curator_fee_bps,
            domain=cmd.domain,
        )
    ]


def _curator_command(ctx: Context, vault_id: str, action: str) -> Vault:
    vault = _vault(ctx, vault_id)
    _authorize(ctx, Role.CURATOR, vault.curator, action)
    _writable(ctx, vault)
    return vault


def set_deposit_whitelist(ctx: Context, cmd: C.SetDepositWhitelist) -> list[V.Event]:
    vault = _curator_command(ctx, cmd.vault, "change this vault's deposit whitelist")
    if vault.deposit_whitelist == cmd.enabled:
        raise E.AlreadySet("the deposit whitelist is already in that state", field="enabled")
    return [V.DepositWhitelistSet(at=ctx.at, vault=cmd.vault, enabled=cmd.enabled)]


def set_depositor_whitelisted(ctx: Context, cmd: C.SetDepositorWhitelisted) -> list[V.Event]:
    check_account(cmd.account, "account")
    vault = _curator_command(ctx, cmd.vault, "change this vault's deposit whitelist")
    if (cmd.account in vault.whitelisted) == cmd.allowed:
        raise E.AlreadySet("the depositor is already in that state", field="allowed")
    return [
        V.DepositorWhitelisted(at=ctx.at, vault=cmd.vault, account=cmd.account, allowed=cmd.allowed)
    ]


def set_deposit_limit(ctx: Context, cmd: C.SetDepositLimit) -> list[V.Event]:
    if cmd.limit is not None:
        check_amount(cmd.limit, "limit")
    vault = _curator_command(ctx, cmd.vault, "change this vault's deposit limit")
    if vault.deposit_limit == cmd.limit:
        raise E.AlreadySet("the deposit limit is already that", field="limit")
    return [V.DepositLimitSet(at=ctx.at, vault=cmd.vault, limit=cmd.limit)]


def deposit(ctx: Context, cmd: C.Deposit) -> list[V.Event]:
    check_account(cmd.staker, "staker")
    depositor = cmd.depositor if cmd.depositor is not None else cmd.staker
    check_account(depositor, "depositor")
    _positive(cmd.amount, "amount", E.InsufficientDeposit)
    vault = _vault(ctx, cmd.vault)
    _authorize(ctx, Role.STAKER, depositor, "deposit for this depositor")
    _writable(ctx, vault)
    if vault.deposit_whitelist and depositor not in vault.whitelisted:
        raise E.NotWhitelisted(
            f"{depositor} is not on vault {cmd.vault!r}'s deposit whitelist", field="depositor"
        )
    active = vault.active_stake.latest()
    new_active = checked_add(active, cmd.amount, "active stake")
    if vault.deposit_limit is not None and new_active > vault.deposit_limit:
        raise E.DepositLimitReached(
            f"deposit would take active stake to {new_active}, above the limit "
            f"{vault.deposit_limit}",
            field="amount",
            limit=vault.deposit_limit,
        )
    shares = M.shares_for_deposit(vault, cmd.amount)
    checked_add(vault.active_shares.latest(), shares, "active shares")
    return [
        V.Deposited(
            at=ctx.at,
            vault=cmd.vault,
            depositor=depositor,
            staker=cmd.staker,
            amount=cmd.amount,
            shares=shares,
        )
    ]


def _queue_withdrawal(
    ctx: Context, vault: Vault, staker: str, claimer: str, amount: int, burned: int
) -> list[V.Event]:
    epoch = vault.epoch_at(ctx.at) + 1
    minted = M.withdrawal_shares_for(vault, epoch, amount)
    checked_add(vault.withdrawals.get(epoch, 0), amount, "withdrawals")
    checked_add(vault.withdrawal_shares.get(epoch, 0), minted, "withdrawal shares")
    return [
        V.WithdrawalRequested(
            at=ctx.at,
            vault=vault.vault,
            staker=staker,
            claimer=claimer,
            amount=amount,
            burned_shares=burned,
            epoch=epoch,
            withdrawal_shares=minted,
        )
    ]


def _staker_vault(ctx: Context, vault_id: str, staker: str, action: str) -> Vault:
    vault = _vault(ctx, vault_id)
    _authorize(ctx, Role.STAKER, staker, action)
    _writable(ctx, vault)
    return vault


def withdraw(ctx: Context, cmd: C.Withdraw) -> list[V.Event]:
    check_account(cmd.staker, "staker")
    claimer = cmd.claimer if cmd.claimer is not None else cmd.staker
    check_account(claimer, "claimer")
    _positive(cmd.amount, "amount", E.InsufficientWithdrawal)
    vault = _staker_vault(ctx, cmd.vault, cmd.staker, "withdraw this staker's stake")
    burned = M.shares_for_withdrawal(vault, cmd.amount)
    owned = M.active_shares_of(vault, cmd.staker, ctx.at)
    if burned > owned:
        raise E.InsufficientShares(
            f"withdrawing {cmd.amount} needs {burned} shares; {cmd.staker} has {owned}",
            field="amount",
            needed=burned,
            owned=owned,
        )
    return _queue_withdrawal(ctx, vault, cmd.staker, claimer, cmd.amount, burned)


def redeem(ctx: Context, cmd: C.Redeem) -> list[V.Event]:
    check_account(cmd.staker, "staker")
    claimer = cmd.claimer if cmd.claimer is not None else cmd.staker
    check_account(claimer, "claimer")
    check_amount(cmd.shares, "shares")
    vault = _staker_vault(ctx, cmd.vault, cmd.staker, "redeem this staker's shares")
    owned = M.active_shares_of(vault, cmd.staker, ctx.at)
    if cmd.shares > owned:
        raise E.InsufficientShares(
            f"{cmd.staker} has {owned} shares, fewer than {cmd.shares}",
            field="shares",
            owned=owned,
        )
    assets = M.assets_for_redemption(vault, cmd.shares)
    if assets == 0:
        raise E.InsufficientWithdrawal(f"{cmd.shares} shares redeem to zero assets", field="shares")
    return _queue_withdrawal(ctx, vault, cmd.staker, claimer, assets, cmd.shares)


def claim(ctx: Context, cmd: C.Claim) -> list[V.Event]:
    check_account(cmd.claimer, "claimer")
    recipient = cmd.recipient if cmd.recipient is not None else cmd.claimer
    check_account(recipient, "recipient")
    if not cmd.epochs:
        raise E.InvalidArgument("name at least one epoch to claim", field="epochs")
    for epoch in cmd.epochs:
        check_uint(epoch, 64, "epochs")
    vault = _staker_vault(ctx, cmd.vault, cmd.claimer, "claim this account's withdrawals")
    current = vault.epoch_at(ctx.at)
    seen: set[int] = set()
    out: list[V.Event] = []
    for epoch in cmd.epochs:
        if epoch >= current:
            raise E.InvalidEpoch(
                f"epoch {epoch} is not claimable before epoch {epoch + 1} ends "
                f"(current epoch: {current})",
                field="epochs",
                epoch=epoch,
            )
        if epoch in seen or cmd.claimer in vault.claimed.get(epoch, ()):
            raise E.AlreadyClaimed(
                f"{cmd.claimer} already claimed epoch {epoch}", field="epochs", epoch=epoch
            )
        amount = M.withdrawals_of(vault, epoch, cmd.claimer)
        if amount == 0:
            raise E.InsufficientClaim(
                f"{cmd.claimer} has nothing to claim in epoch {epoch}", field="epochs", epoch=epoch
            )
        seen.add(epoch)
        out.append(
            V.WithdrawalClaimed(
                at=ctx.at,
                vault=cmd.vault,
                claimer=cmd.claimer,
                recipient=recipient,
                epoch=epoch,
                amount=amount,
            )
        )
    return out


# -- opt-ins -----------------------------------------------------------------------------


def _opt_in_state(trace: Any) -> tuple[bool, int | None]:
    if trace is None:
        return False, None
    return bool(trace.latest()), trace.latest_key()


def _opt(ctx: Context, trace: Any, opted_in: bool, target: str) -> None:
    current, latest_key = _opt_in_state(trace)
    if latest_key is not None and ctx.at < latest_key:
        raise E.TimeWentBackwards(
            f"opt-in change at {ctx.at} is before the previous one at {latest_key}"
        )
    if opted_in and current:
        raise E.AlreadyOptedIn(f"already opted in to {target!r}")
    if not opted_in:
        if not current:
            raise E.NotOptedIn(f"not opted in to {target!r}")
        if latest_key == ctx.at:
            raise E.OptOutCooldown(f"cannot opt out of {target!r} in the same second as opting in")


def _vault_opt(ctx: Context, operator: str, vault_id: str, opted_in: bool) -> list[V.Event]:
    vault = _vault(ctx, vault_id)
    _operator(ctx, operator)
    _authorize(ctx, Role.OPERATOR, operator, "change this operator's opt-ins")
    _writable(ctx, vault)
    _opt(ctx, ctx.state.vault_opt_ins.get(D.opt_in_key(operator, vault_id)), opted_in, vault_id)
    return [V.VaultOptInChanged(at=ctx.at, operator=operator, vault=vault_id, opted_in=opted_in)]


def _network_opt(
    ctx: Context, operator: str, network: str, domain: str, opted_in: bool
) -> list[V.Event]:
    if domain != HUB:
        parse_chain_id(domain, "domain")
    _network(ctx, network)
    _operator(ctx, operator)
    _authorize(ctx, Role.OPERATOR, operator, "change this operator's opt-ins")
    if domain != HUB and not ctx.principal.privileged:
        raise E.Unauthorized(
            f"opt-ins in domain {domain} come only from its chain adapter",
            principal=str(ctx.principal),
        )
    _check_clock(ctx, domain)
    trace = ctx.state.network_opt_ins.get(D.network_opt_in_key(domain, operator, network))
    _opt(ctx, trace, opted_in, network)
    return [
        V.NetworkOptInChanged(
            at=ctx.at, domain=domain, operator=operator, network=network, opted_in=opted_in
        )
    ]


def opt_in_vault(ctx: Context, cmd: C.OptInVault) -> list[V.Event]:
    return _vault_opt(ctx, cmd.operator, cmd.vault, True)


def opt_out_vault(ctx: Context, cmd: C.OptOutVault) -> list[V.Event]:
    return _vault_opt(ctx, cmd.operator, cmd.vault, False)


def opt_in_network(ctx: Context, cmd: C.OptInNetwork) -> list[V.Event]:
    return _network_opt(ctx, cmd.operator, cmd.network, cmd.domain, True)


def opt_out_network(ctx: Context, cmd: C.OptOutNetwork) -> list[V.Event]:
    return _network_opt(ctx, cmd.operator, cmd.network, cmd.domain, False)


# -- delegation limits -------------------------------------------------------------------


def _delegator(vault: Vault, allowed: tuple[str, ...], setting: str) -> None:
    if vault.delegator_type not in allowed:
        raise E.WrongDelegatorType(
            f"a {vault.delegator_type} vault has no {setting}", field="vault"
        )


def set_max_network_limit(ctx: Context, cmd: C.SetMaxNetworkLimit) -> list[V.Event]:
    _subnetwork(cmd.subnetwork)
    check_amount(cmd.amount)
    vault = _vault(ctx, cmd.vault)
    _network(ctx, cmd.network)
    _authorize(ctx, Role.NETWORK, cmd.network, "set this network's max limit")
    _writable(ctx, vault)
    if (
        vault.delegator_type == "operator_network_specific"
        and cmd.network != vault.delegator_network
    ):
        raise E.WrongDelegatorType(
            f"vault {cmd.vault!r} serves only network {vault.delegator_network!r}", field="network"
        )
    if D.max_network_limit(vault, cmd.network, cmd.subnetwork) == cmd.amount:
        raise E.AlreadySet("the max network limit is already that", field="amount")
    return [
        V.MaxNetworkLimitSet(
            at=ctx.at,
            vault=cmd.vault,
            network=cmd.network,
            subnetwork=cmd.subnetwork,
            amount=cmd.amount,
        )
    ]


def set_network_limit(ctx: Context, cmd: C.SetNetworkLimit) -> list[V.Event]:
    _subnetwork(cmd.subnetwork)
    check_amount(cmd.amount)
    vault = _vault(ctx, cmd.vault)
    _network(ctx, cmd.network)
    _delegator(
        vault, ("network_restake", "full_restake", "operator_specific"), "curator network limit"
    )
    _authorize(ctx, Role.CURATOR, vault.curator, "set this vault's network limits")
    _writable(ctx, vault)
    cap = D.max_network_limit(vault, cmd.network, cmd.subnetwork)
    if cmd.amount > cap:
        raise E.LimitExceeded(
            f"network limit {cmd.amount} exceeds the network's max limit {cap}",
            field="amount",
            max_network_limit=cap,
        )
    if D.network_limit_at(vault, cmd.network, cmd.subnetwork, ctx.at) == cmd.amount:
        raise E.AlreadySet("the network limit is already that", field="amount")
    return [
        V.NetworkLimitSet(
            at=ctx.at,
            vault=cmd.vault,
            network=cmd.network,
            subnetwork=cmd.subnetwork,
            amount=cmd.amount,
        )
    ]


def set_operator_network_shares(ctx: Context, cmd: C.SetOperatorNetworkShares) -> list[V.Event]:
    _subnetwork(cmd.subnetwork)
    check_amount(cmd.shares, "shares")
    vault = _vault(ctx, cmd.vault)
    _network(ctx, cmd.network)
    _operator(ctx, cmd.operator)
    _delegator(vault, ("network_restake",), "operator network shares")
    _authorize(ctx, Role.CURATOR, vault.curator, "set this vault's operator shares")
    _writable(ctx, vault)
    old = D.operator_network_shares_at(vault, cmd.network, cmd.subnetwork, cmd.operator, ctx.at)
    if old == cmd.shares:
        raise E.AlreadySet("the operator's shares are already that", field="shares")
    total = D.total_operator_network_shares_at(vault, cmd.network, cmd.subnetwork, ctx.at)
    check_amount(total - old + cmd.shares, "total operator shares")
    return [
        V.OperatorNetworkSharesSet(
            at=ctx.at,
            vault=cmd.vault,
            network=cmd.network,
            subnetwork=cmd.subnetwork,
            operator=cmd.operator,
            shares=cmd.shares,
        )
    ]


def set_operator_network_limit(ctx: Context, cmd: C.SetOperatorNetworkLimit) -> list[V.Event]:
    _subnetwork(cmd.subnetwork)
    check_amount(cmd.amount)
    vault = _vault(ctx, cmd.vault)
    _network(ctx, cmd.network)
    _operator(ctx, cmd.operator)
    _delegator(vault, ("full_restake",), "operator network limit")
    _authorize(ctx, Role.CURATOR, vault.curator, "set this vault's operator limits")
    _writable(ctx, vault)
    old = D.operator_network_limit_at(vault, cmd.network, cmd.subnetwork, cmd.operator, ctx.at)
    if old == cmd.amount:
        raise E.AlreadySet("the operator's limit is already that", field="amount")
    return [
        V.OperatorNetworkLimitSet(
            at=ctx.at,
            vault=cmd.vault,
            network=cmd.network,
            subnetwork=cmd.subnetwork,
            operator=cmd.operator,
            amount=cmd.amount,
        )
    ]


# -- slashing ----------------------------------------------------------------------------


def set_resolver(ctx: Context, cmd: C.SetResolver) -> list[V.Event]:
    _subnetwork(cmd.subnetwork)
    if cmd.resolver is not None:
        check_entity_id(cmd.resolver, "resolver")
    vault = _vault(ctx, cmd.vault)
    _network(ctx, cmd.network)
    if vault.slasher_type != "veto":
        raise E.WrongSlasherType(
            f"vault {cmd.vault!r} has a {vault.slasher_type} slasher: no resolvers", field="vault"
        )
    _authorize(ctx, Role.NETWORK, cmd.network, "set this network's resolver")
    _writable(ctx, vault)
    trace = vault.resolvers.get(sn_key(cmd.network, cmd.subnetwork))
    if not trace:
        if cmd.resolver is None:
            raise E.AlreadySet("there is no resolver to remove", field="resolver")
        effective: int | None = ctx.at
        replaces = False
    else:
        items = trace.items()
        replaces = items[-1][0] > ctx.at
        remaining = items[:-1] if replaces else items
        in_force = remaining[-1][1] if remaining else None
        if not replaces and cmd.resolver == in_force:
            raise E.AlreadySet("that resolver already holds", field="resolver")
        if cmd.resolver != in_force:
            effective = (
                vault.epoch_start(vault.epoch_at(ctx.at))
                + vault.resolver_set_epochs_delay * vault.epoch_duration
            )
            if effective > UINT48_MAX:
                raise E.AmountOutOfRange("resolver change time exceeds uint48")
        else:
            effective = None
    return [
        V.ResolverSet(
            at=ctx.at,
            vault=cmd.vault,
            network=cmd.network,
            subnetwork=cmd.subnetwork,
            resolver=cmd.resolver,
            effective_at=effective,
            replaces_pending=replaces,
        )
    ]


def _slash_target(
    ctx: Context, vault_id: str, network: str, subnetwork: int, operator: str, amount: int
) -> tuple[Vault, Network]:
    _subnetwork(subnetwork)
    check_amount(amount)
    vault = _vault(ctx, vault_id)
    net = _network(ctx, network)
    _operator(ctx, operator)
    _authorize(ctx, Role.NETWORK, network, "slash for this network")
    if not _instructs_chain(ctx, vault):
        _writable(ctx, vault)
    return vault, net


def _instructs_chain(ctx: Context, vault: Vault) -> bool:
    """A network slashing a mirrored vault: the hub asks the vault's chain (its adapter sends
    the transaction as the network's middleware) instead of changing the vault itself."""
    return vault.domain != HUB and not ctx.principal.privileged


def _instruction(
    ctx: Context,
    vault: Vault,
    action: str,
    network: str,
    subnetwork: int,
    operator: str,
    amount: int,
    capture: int,
    request: int | None = None,
) -> list[V.Event]:
    return [
        V.SlashInstructed(
            at=ctx.at,
            vault=vault.vault,
            action=action,
            network=network,
            subnetwork=subnetwork,
            operator=operator,
            amount=amount,
            capture=capture,
            request=request,
        )
    ]


def _check_cap(net: Network, slashed: int, stake: int) -> None:
    if net.max_slash_wad is None:
        return
    cap = mul_div(stake, net.max_slash_wad, HUNDRED_PERCENT_WAD, Rounding.UP)
    if slashed > cap:
        raise E.SlashCapExceeded(
            f"network {net.network!r} may slash at most {net.max_slash_wad} WAD "
            f"({cap} of stake {stake}) at once; asked {slashed}",
            field="amount",
            cap=cap,
        )


def _slash_event(
    ctx: Context,
    vault: Vault,
    network: str,
    subnetwork: int,
    operator: str,
    capture: int,
    requested: int,
    slashed: int,
    request: int | None,
) -> V.Slashed:
    split = M.split_slash(vault, slashed, capture, ctx.at)
    return V.Slashed(
        at=ctx.at,
        vault=vault.vault,
        network=network,
        subnetwork=subnetwork,
        operator=operator,
        capture=capture,
        request=request,
        requested=requested,
        slashed=slashed,
        burned=split.burned,
        active_burned=split.active,
        epoch=vault.epoch_at(ctx.at),
        withdrawals_burned=split.current_withdrawals,
        next_withdrawals_burned=split.next_withdrawals,
        burner=vault.burner,
    )


def _slashable(
    ctx: Context, vault: Vault, network: str, subnetwork: int, operator: str, capture: int
) -> tuple[int, int]:
    latest = vault.latest_slashed_capture.get(D.pair_key(network, subnetwork, operator), 0)
    if capture < latest:
        raise E.InvalidCaptureTimestamp(
            f"capture {capture} is before {latest}, the capture of an earlier slash of this "
            "operator in this subnetwork",
            field="capture",
        )
    return D.slashable_stake(ctx.state, vault, network, subnetwork, operator, capture, ctx.at)


def _check_capture(ctx: Context, capture: int, earliest: int) -> None:
    check_uint(capture, 48, "capture")
    if capture >= ctx.at:
        raise E.InvalidCaptureTimestamp(
            f"capture {capture} must be strictly before now ({ctx.at})", field="capture"
        )
    if capture < earliest:
        raise E.CaptureTooOld(
            f"capture {capture} is before {earliest}, the earliest this vault can still slash",
            field="capture",
        )


def slash(ctx: Context, cmd: C.Slash) -> list[V.Event]:
    vault, net = _slash_target(
        ctx, cmd.vault, cmd.network, cmd.subnetwork, cmd.operator, cmd.amount
    )
    if vault.slasher_type != "instant":
        raise E.WrongSlasherType(
            f"vault {cmd.vault!r} has a {vault.slasher_type} slasher, not instant", field="vault"
        )
    _check_capture(ctx, cmd.capture, ctx.at - vault.epoch_duration)
    if _instructs_chain(ctx, vault):
        return _instruction(
            ctx, vault, "slash", cmd.network, cmd.subnetwork, cmd.operator, cmd.amount, cmd.capture
        )
    slashable, stake = _slashable(
        ctx, vault, cmd.network, cmd.subnetwork, cmd.operator, cmd.capture
    )
    slashed = min(cmd.amount, slashable)
    if slashed == 0:
        raise E.InsufficientSlash(
            f"nothing of {cmd.operator!r} is slashable in this subnetwork at {cmd.capture}",
            field="amount",
        )
    _check_cap(net, slashed, stake)
    return [
        _slash_event(
            ctx,
            vault,
            cmd.network,
            cmd.subnetwork,
            cmd.operator,
            cmd.capture,
            cmd.amount,
            slashed,
            None,
        )
    ]


def request_slash(ctx: Context, cmd: C.RequestSlash) -> list[V.Event]:
    vault, net = _slash_target(
        ctx, cmd.vault, cmd.network, cmd.subnetwork, cmd.operator, cmd.amount
    )
    if vault.slasher_type != "veto":
        raise E.WrongSlasherType(
            f"vault {cmd.vault!r} has a {vault.slasher_type} slasher, not veto", field="vault"
        )
    _check_capture(ctx, cmd.capture, ctx.at + vault.veto_duration - vault.epoch_duration)
    if _instructs_chain(ctx, vault):
        return _instruction(
            ctx,
            vault,
            "request_slash",
            cmd.network,
            cmd.subnetwork,
            cmd.operator,
            cmd.amount,
            cmd.capture,
        )
    slashable, stake = _slashable(
        ctx, vault, cmd.network, cmd.subnetwork, cmd.operator, cmd.capture
    )
    amount = min(cmd.amount, slashable)
    if amount == 0:
        raise E.InsufficientSlash(
            f"nothing of {cmd.operator!r} is slashable in this subnetwork at {cmd.capture}",
            field="amount",
        )
    _check_cap(net, amount, stake)
    return [
        V.SlashRequested(
            at=ctx.at,
            vault=cmd.vault,
            request=len(vault.slash_requests),
            network=cmd.network,
            subnetwork=cmd.subnetwork,
            operator=cmd.operator,
            amount=amount,
            capture=cmd.capture,
            veto_deadline=ctx.at + vault.veto_duration,
        )
    ]


def _request(ctx: Context, vault_id: str, index: int) -> tuple[Vault, Any]:
    check_uint(index, 64, "request")
    vault = _vault(ctx, vault_id)
    if vault.slasher_type != "veto":
        raise E.WrongSlasherType(f"vault {vault_id!r} has no slash requests", field="vault")
    if index >= len(vault.slash_requests):
        raise E.NotFound(f"vault {vault_id!r} has no slash request {index}", field="request")
    return vault, vault.slash_requests[index]


def _resolver_at(vault: Vault, network: str, subnetwork: int, t: int) -> str | None:
    trace = vault.resolvers.get(sn_key(network, subnetwork))
    return trace.at(t) if trace is not None else None


def veto_slash(ctx: Context, cmd: C.VetoSlash) -> list[V.Event]:
    vault, req = _request(ctx, cmd.vault, cmd.request)
    resolver = _resolver_at(vault, req.network, req.subnetwork, req.capture)
    if resolver is None or _resolver_at(vault, req.network, req.subnetwork, ctx.at - 1) is None:
        raise E.NoResolver("no resolver held for this subnetwork at capture time or now")
    if not ctx.principal.acts_as(Role.RESOLVER, resolver):
        raise E.NotResolver(
            f"{ctx.principal} is not {resolver!r}, the resolver at capture time",
            principal=str(ctx.principal),
        )
    _writable(ctx, vault)
    if req.veto_deadline <= ctx.at:
        raise E.VetoPeriodEnded(f"the veto window closed at {req.veto_deadline}")
    if req.completed:
        raise E.SlashRequestCompleted(f"slash request {cmd.request} is already completed")
    return [V.SlashVetoed(at=ctx.at, vault=cmd.vault, request=cmd.request, resolver=resolver)]


def execute_slash(ctx: Context, cmd: C.ExecuteSlash) -> list[V.Event]:
    vault, req = _request(ctx, cmd.vault, cmd.request)
    _authorize(ctx, Role.NETWORK, req.network, "execute this network's slash")
    if _instructs_chain(ctx, vault):
        if req.completed:
            raise E.SlashRequestCompleted(f"slash request {cmd.request} is already completed")
        return _instruction(
            ctx,
            vault,
            "execute_slash",
            req.network,
            req.subnetwork,
            req.operator,
            req.amount,
            req.capture,
            cmd.request,
        )
    _writable(ctx, vault)
    if (
        _resolver_at(vault, req.network, req.subnetwork, req.capture) is not None
        and _resolver_at(vault, req.network, req.subnetwork, ctx.at - 1) is not None
        and req.veto_deadline > ctx.at
    ):
        raise E.VetoPeriodOpen(f"the veto window is open until {req.veto_deadline}")
    if ctx.at - req.capture > vault.epoch_duration:
        raise E.SlashPeriodEnded(
            f"capture {req.capture} is more than one epoch ({vault.epoch_duration} s) ago"
        )
    slashable, _ = D.slashable_stake(
        ctx.state, vault, req.network, req.subnetwork, req.operator, req.capture, ctx.at
    )
    slashed = min(req.amount, slashable)
    if slashed == 0:
        raise E.InsufficientSlash("nothing is left to slash for this request")
    if req.completed:
        raise E.SlashRequestCompleted(f"slash request {cmd.request} is already completed")
    return [
        _slash_event(
            ctx,
            vault,
            req.network,
            req.subnetwork,
            req.operator,
            req.capture,
            req.amount,
            slashed,
            cmd.request,
        )
    ]


# -- rewards -----------------------------------------------------------------------------


def set_curator_fee(ctx: Context, cmd: C.SetCuratorFee) -> list[V.Event]:
    check_uint(cmd.fee_bps, 16, "fee_bps")
    if cmd.fee_bps > BPS:
        raise E.InvalidArgument("fee_bps must be at most 10000", field="fee_bps")
    vault = _vault(ctx, cmd.vault)
    _authorize(ctx, Role.CURATOR, vault.curator, "set this vault's curator fee")
    if vault.curator_fee_bps == cmd.fee_bps:
        raise E.AlreadySet("the curator fee is already that", field="fee_bps")
    return [V.CuratorFeeSet(at=ctx.at, vault=cmd.vault, fee_bps=cmd.fee_bps)]


def distribute_staker_rewards(ctx: Context, cmd: C.DistributeStakerRewards) -> list[V.Event]:
    _positive(cmd.amount, "amount", E.InvalidArgument)
    check_uint(cmd.timestamp, 48, "timestamp")
    check_uint(cmd.max_curator_fee_bps, 16, "max_curator_fee_bps")
    vault = _vault(ctx, cmd.vault)
    _network(ctx, cmd.network)
    _asset(ctx, cmd.token, "token")
    _authorize(ctx, Role.NETWORK, cmd.network, "distribute this network's rewards")
    # Rewards are hub-level books: they push no checkpoints and never move a vault's clock.
    # The timestamp must be final in the vault's own clock domain: strictly before now, and
    # for a mirrored vault strictly before the latest chain time fed in.
    horizon = ctx.at if vault.domain == HUB else min(ctx.at, ctx.state.clocks.get(vault.domain, 0))
    if cmd.timestamp >= horizon:
        raise E.InvalidRewardTimestamp(
            f"rewards must be distributed at a timestamp before {horizon} (got {cmd.timestamp})",
            field="timestamp",
        )
    if cmd.max_curator_fee_bps < vault.curator_fee_bps:
        raise E.HighCuratorFee(
            f"the curator fee is {vault.curator_fee_bps} bps, above the maximum "
            f"{cmd.max_curator_fee_bps}",
            field="max_curator_fee_bps",
        )
    shares = vault.active_shares_cache.get(cmd.timestamp)
    if shares is None:
        shares = vault.active_shares.at(cmd.timestamp)
        if shares == 0 or vault.active_stake.at(cmd.timestamp) == 0:
            raise E.InvalidRewardTimestamp(
                f"vault {cmd.vault!r} had no active stake at {cmd.timestamp}", field="timestamp"
            )
    fee = mul_div(cmd.amount, vault.curator_fee_bps, BPS)
    key = M.reward_key(cmd.network, cmd.token)
    index = len(vault.rewards.get(key, ())) if cmd.amount - fee else -1
    return [
        V.StakerRewardsDistributed(
            at=ctx.at,
            vault=cmd.vault,
            network=cmd.network,
            token=cmd.token,
            index=index,
            amount=cmd.amount - fee,
            fee=fee,
            timestamp=cmd.timestamp,
            active_shares=shares,
        )
    ]


def claim_staker_rewards(ctx: Context, cmd: C.ClaimStakerRewards) -> list[V.Event]:
    check_account(cmd.staker, "staker")
    recipient = cmd.recipient if cmd.recipient is not None else cmd.staker
    check_account(recipient, "recipient")
    check_uint(cmd.max_distributions, 32, "max_distributions")
    vault = _vault(ctx, cmd.vault)
    _authorize(ctx, Role.STAKER, cmd.staker, "claim this staker's rewards")
    amount, first, count = M.unclaimed_rewards(
        vault, cmd.staker, cmd.network, cmd.token, cmd.max_distributions
    )
    if count == 0:
        raise E.NoRewardsToClaim(
            f"{cmd.staker} has no unclaimed {cmd.token} rewards from {cmd.network!r}"
        )
    return [
        V.StakerRewardsClaimed(
            at=ctx.at,
            vault=cmd.vault,
            staker=cmd.staker,
            network=cmd.network,
            token=cmd.token,
            recipient=recipient,
            amount=amount,
            next_index=first + count,
        )
    ]


def claim_curator_fee(ctx: Context, cmd: C.ClaimCuratorFee) -> list[V.Event]:
    vault = _vault(ctx, cmd.vault)
    recipient = cmd.recipient if cmd.recipient is not None else vault.curator
    check_entity_id(recipient, "recipient")
    _authorize(ctx, Role.CURATOR, vault.curator, "claim this vault's curator fee")
    amount = vault.curator_fees.get(cmd.token, 0)
    if amount == 0:
        raise E.InsufficientClaim(f"no {cmd.token} curator fee to claim", field="token")
    return [
        V.CuratorFeeClaimed(
            at=ctx.at, vault=cmd.vault, token=cmd.token, recipient=recipient, amount=amount
        )
    ]


def distribute_operator_rewards(ctx: Context, cmd: C.DistributeOperatorRewards) -> list[V.Event]:
    _positive(cmd.amount, "amount", E.InvalidArgument)
    try:
        if len(bytes.fromhex(cmd.root)) != 32:
            raise ValueError
    except ValueError:
        raise E.InvalidArgument("root must be 64 hex characters", field="root") from None
    _network(ctx, cmd.network)
    _asset(ctx, cmd.token, "token")
    _authorize(ctx, Role.NETWORK, cmd.network, "distribute this network's rewards")
    pool = ctx.state.operator_rewards.get(f"{cmd.network}|{cmd.token}")
    checked_add(pool.balance if pool else 0, cmd.amount, "reward balance")
    return [
        V.OperatorRewardsDistributed(
            at=ctx.at,
            network=cmd.network,
            token=cmd.token,
            amount=cmd.amount,
            root=cmd.root.lower(),
        )
    ]


def claim_operator_rewards(ctx: Context, cmd: C.ClaimOperatorRewards) -> list[V.Event]:
    check_amount(cmd.total_claimable, "total_claimable")
    if cmd.recipient is not None:
        check_entity_id(cmd.recipient, "recipient")
    _operator(ctx, cmd.operator)
    _network(ctx, cmd.network)
    _authorize(ctx, Role.OPERATOR, cmd.operator, "claim this operator's rewards")
    pool = ctx.state.operator_rewards.get(f"{cmd.network}|{cmd.token}")
    if pool is None:
        raise E.NotFound(f"network {cmd.network!r} has no {cmd.token} operator rewards")
    if not verify_merkle(pool.root, cmd.operator, cmd.total_claimable, list(cmd.proof)):
        raise E.InvalidMerkleProof(
            "the proof does not match the network's current root", field="proof"
        )
    claimed = pool.claimed.get(cmd.operator, 0)
    if cmd.total_claimable <= claimed:
        raise E.InsufficientClaim(
            f"{cmd.operator!r} already claimed {claimed} of {cmd.total_claimable}",
            field="total_claimable",
        )
    amount = cmd.total_claimable - claimed
    if amount > pool.balance:
        raise E.InsufficientBalance(
            f"the reward pool holds {pool.balance}, less than the {amount} claimed"
        )
    return [
        V.OperatorRewardsClaimed(
            at=ctx.at,
            network=cmd.network,
            token=cmd.token,
            operator=cmd.operator,
            recipient=cmd.recipient if cmd.recipient is not None else cmd.operator,
            amount=amount,
            total_claimed=cmd.total_claimable,
        )
    ]


def record_instruction_outcome(ctx: Context, cmd: C.RecordInstructionOutcome) -> list[V.Event]:
    parse_chain_id(cmd.chain_id)
    if not 0 < len(cmd.instruction_id) <= 128:
        raise E.InvalidArgument("instruction_id must be 1-128 characters", field="instruction_id")
    if cmd.kind not in C.INSTRUCTION_KINDS:
        raise E.InvalidArgument(
            f"kind must be one of {', '.join(C.INSTRUCTION_KINDS)}", field="kind"
        )
    if cmd.status not in C.OUTCOME_STATUSES:
        raise E.InvalidArgument(
            f"status must be one of {', '.join(C.OUTCOME_STATUSES)}", field="status"
        )
    if len(cmd.tx_id) > 256 or len(cmd.detail) > 2048:
        raise E.InvalidArgument("tx_id or detail is too long", field="detail")
    # A record of what a chain already did: the vault is named, not required to exist here.
    check_entity_id(cmd.vault, "vault")
    if not ctx.principal.privileged:
        raise E.Unauthorized(
            "only the hub's chain adapters record instruction outcomes",
            principal=str(ctx.principal),
        )
    earlier = ctx.state.instruction_outcomes.get(cmd.instruction_id)
    if earlier is not None and earlier[3] in ("executed", "failed"):
        raise E.AlreadySet(
            f"instruction {cmd.instruction_id!r} already ended as {earlier[3]}",
            field="instruction_id",
        )
    return [
        V.InstructionOutcomeRecorded(
            at=ctx.at,
            chain_id=cmd.chain_id,
            instruction_id=cmd.instruction_id,
            kind=cmd.kind,
            vault=cmd.vault,
            status=cmd.status,
            tx_id=cmd.tx_id,
            detail=cmd.detail,
        )
    ]


Handler = Callable[[Context, Any], list[V.Event]]

HANDLERS: dict[type[C.Command], Handler] = {
    C.RegisterAsset: register_asset,
    C.RegisterNetwork: register_network,
    C.RegisterOperator: register_operator,
    C.SetOperatorKey: set_operator_key,
    C.CreateVault: create_vault,
    C.SetDepositWhitelist: set_deposit_whitelist,
    C.SetDepositorWhitelisted: set_depositor_whitelisted,
    C.SetDepositLimit: set_deposit_limit,
    C.Deposit: deposit,
    C.Withdraw: withdraw,
    C.Redeem: redeem,
    C.Claim: claim,
    C.OptInVault: opt_in_vault,
    C.OptOutVault: opt_out_vault,
    C.OptInNetwork: opt_in_network,
    C.OptOutNetwork: opt_out_network,
    C.SetMaxNetworkLimit: set_max_network_limit,
    C.SetNetworkLimit: set_network_limit,
    C.SetOperatorNetworkShares: set_operator_network_shares,
    C.SetOperatorNetworkLimit: set_operator_network_limit,
    C.SetResolver: set_resolver,
    C.Slash: slash,
    C.RequestSlash: request_slash,
    C.VetoSlash: veto_slash,
    C.ExecuteSlash: execute_slash,
    C.SetCuratorFee: set_curator_fee,
    C.DistributeStakerRewards: distribute_staker_rewards,
    C.ClaimStakerRewards: claim_staker_rewards,
    C.ClaimCuratorFee: claim_curator_fee,
    C.DistributeOperatorRewards: distribute_operator_rewards,
    C.ClaimOperatorRewards: claim_operator_rewards,
    C.RecordInstructionOutcome: record_instruction_outcome,
}
