"""Delegator policies: how a vault's active stake is allocated to (subnetwork, operator)
pairs, historically. Stake counts only while the operator is opted in to both the vault and
the network at the queried time."""

from __future__ import annotations

from omnistake.amounts import mul_div
from omnistake.ids import subnetwork_key
from omnistake.ledger.state import LedgerState, Vault


def opt_in_key(operator: str, target: str) -> str:
    """Key of an opt-in trace: ``<operator>|<vault or network>``."""
    return f"{operator}|{target}"


def pair_key(network: str, subnetwork: int, operator: str) -> str:
    """Key of a (subnetwork, operator) pair within a vault."""
    return f"{subnetwork_key(network, subnetwork)}|{operator}"


def is_opted_in_vault(state: LedgerState, operator: str, vault: str, t: int) -> bool:
    """Was ``operator`` opted in to ``vault`` at ``t``?"""
    trace = state.vault_opt_ins.get(opt_in_key(operator, vault))
    return bool(trace.at(t)) if trace is not None else False


def network_opt_in_key(domain: str, operator: str, network: str) -> str:
    """Key of a network opt-in trace: ``<domain>|<operator>|<network>``."""
    return f"{domain}|{operator}|{network}"


def is_opted_in_network(
    state: LedgerState, operator: str, network: str, t: int, domain: str = "hub"
) -> bool:
    """Was ``operator`` opted in to ``network`` at ``t`` (in clock domain ``domain``)?"""
    trace = state.network_opt_ins.get(network_opt_in_key(domain, operator, network))
    return bool(trace.at(t)) if trace is not None else False


def network_limit_at(vault: Vault, network: str, subnetwork: int, t: int) -> int:
    """The curator's allocation to the subnetwork at ``t`` (type 3: the network's own max)."""
    key = subnetwork_key(network, subnetwork)
    if vault.delegator_type == "operator_network_specific":
        trace = vault.max_network_limit_trace.get(key)
    else:
        trace = vault.network_limit.get(key)
    return trace.at(t) if trace is not None else 0


def max_network_limit(vault: Vault, network: str, subnetwork: int) -> int:
    """The network's current cap on the vault's allocation to the subnetwork."""
    return vault.max_network_limit.get(subnetwork_key(network, subnetwork), 0)


def _nested_at(traces: dict[str, dict[str, object]], sn: str, operator: str, t: int) -> int:
    trace = traces.get(sn, {}).get(operator)
    return trace.at(t) if trace is not None else 0  # type: ignore[attr-defined]


def operator_network_shares_at(
    vault: Vault, network: str, subnetwork: int, operator: str, t: int
) -> int:
    """Network-restake: the operator's shares of the subnetwork's allocation at ``t``."""
    sn = subnetwork_key(network, subnetwork)
    return _nested_at(vault.operator_network_shares, sn, operator, t)  # type: ignore[arg-type]


def total_operator_network_shares_at(vault: Vault, network: str, subnetwork: int, t: int) -> int:
    """Network-restake: total operator shares of the subnetwork at ``t``."""
    trace = vault.total_operator_network_shares.get(subnetwork_key(network, subnetwork))
    return trace.at(t) if trace is not None else 0


def operator_network_limit_at(
    vault: Vault, network: str, subnetwork: int, operator: str, t: int
) -> int:
    """Full-restake: the operator's limit within the subnetwork at ``t``."""
    sn = subnetwork_key(network, subnetwork)
    return _nested_at(vault.operator_network_limit, sn, operator, t)  # type: ignore[arg-type]


def raw_stake_at(vault: Vault, network: str, subnetwork: int, operator: str, t: int) -> int:
    """The delegator's allocation before opt-ins are checked (Symbiotic ``_stakeAt``)."""
    active = vault.active_stake.at(t)
    kind = vault.delegator_type
    if kind == "network_restake":
        total = total_operator_network_shares_at(vault, network, subnetwork, t)
        if not total:
            return 0
        shares = operator_network_shares_at(vault, network, subnetwork, operator, t)
        return mul_div(shares, min(active, network_limit_at(vault, network, subnetwork, t)), total)
    if kind == "full_restake":
        return min(
            active,
            network_limit_at(vault, network, subnetwork, t),
            operator_network_limit_at(vault, network, subnetwork, operator, t),
        )
    if kind == "operator_specific":
        if operator != vault.delegator_operator:
            return 0
        return min(active, network_limit_at(vault, network, subnetwork, t))
    # operator_network_specific
    if network != vault.delegator_network or operator != vault.delegator_operator:
        return 0
    return min(active, network_limit_at(vault, network, subnetwork, t))


def stake_at(
    state: LedgerState, vault: Vault, network: str, subnetwork: int, operator: str, t: int
) -> int:
    """Stake the vault gives ``operator`` in the subnetwork at ``t``: 0 unless the operator
    was opted in to both the vault and the network at ``t``."""
    stake = raw_stake_at(vault, network, subnetwork, operator, t)
    if (
        not stake
        or not is_opted_in_vault(state, operator, vault.vault, t)
        or not is_opted_in_network(state, operator, network, t, vault.domain)
    ):
        return 0
    return stake


def cumulative_slash_at(vault: Vault, network: str, subnetwork: int, operator: str, t: int) -> int:
    """Total slashed (slasher amounts) from the pair up to and including ``t``."""
    trace = vault.cumulative_slash.get(pair_key(network, subnetwork, operator))
    return trace.at(t) if trace is not None else 0


def cumulative_slash(vault: Vault, network: str, subnetwork: int, operator: str) -> int:
    """Total slashed from the pair so far."""
    trace = vault.cumulative_slash.get(pair_key(network, subnetwork, operator))
    return trace.latest() if trace is not None else 0


def slashable_stake(
    state: LedgerState,
    vault: Vault,
    network: str,
    subnetwork: int,
    operator: str,
    capture: int,
    now: int,
) -> tuple[int, int]:
    """``(slashable, stake_at_capture)``: the guarantee given at ``capture`` less the slashes
    executed since. Zero outside ``[now - epoch_duration, now)`` or before the pair's latest
    slashed capture (slashes of one pair never go back in capture time)."""
    latest = vault.latest_slashed_capture.get(pair_key(network, subnetwork, operator), 0)
    if capture < now - vault.epoch_duration or capture >= now or capture < latest:
        return 0, 0
    stake = stake_at(state, vault, network, subnetwork, operator, capture)
    since = cumulative_slash(vault, network, subnetwork, operator) - cumulative_slash_at(
        vault, network, subnetwork, operator, capture
    )
    return stake - min(since, stake), stake
