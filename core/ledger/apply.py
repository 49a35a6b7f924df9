"""Event application: the only code that changes ledger state.

Each function does plain bookkeeping with numbers the event already carries; none of them
can fail for an event a handler produced, which is what makes replay safe.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from omnistake.checkpoints import Trace
from omnistake.ids import subnetwork_key as sn_key
from omnistake.ledger import delegation as D
from omnistake.ledger import events as V
from omnistake.ledger import vault_math as M
from omnistake.ledger.state import (
    Asset,
    LedgerState,
    Network,
    Operator,
    OperatorRewardPool,
    RewardDistribution,
    SlashRequest,
    Vault,
)


def _tick(state: LedgerState, domain: str, at: int) -> None:
    if at > state.clocks.get(domain, 0):
        state.clocks[domain] = at


def _vault(state: LedgerState, event: Any) -> Vault:
    vault = state.vaults[event.vault]
    _tick(state, vault.domain, event.at)
    return vault


def _books(state: LedgerState, event: Any) -> Vault:
    """The vault of a reward event: hub-level books that never move the vault's clock."""
    return state.vaults[event.vault]


def _trace(traces: dict[str, Trace[int]], key: str) -> Trace[int]:
    trace = traces.get(key)
    if trace is None:
        trace = traces[key] = Trace(0)
    return trace


def _nested(traces: dict[str, dict[str, Trace[int]]], key: str, inner: str) -> Trace[int]:
    return _trace(traces.setdefault(key, {}), inner)


def asset_registered(state: LedgerState, e: V.AssetRegistered) -> None:
    state.assets[e.asset_id] = Asset(e.asset_id, e.decimals, e.symbol)


def network_registered(state: LedgerState, e: V.NetworkRegistered) -> None:
    state.networks[e.network] = Network(e.network, e.name, e.max_slash_wad, e.at)


def operator_registered(state: LedgerState, e: V.OperatorRegistered) -> None:
    state.operators[e.operator] = Operator(e.operator, dict(e.keys), e.at)


def operator_key_set(state: LedgerState, e: V.OperatorKeySet) -> None:
    state.operators[e.operator].keys[e.namespace] = e.key


def vault_created(state: LedgerState, e: V.VaultCreated) -> None:
    state.vaults[e.vault] = Vault(
        vault=e.vault,
        asset_id=e.asset_id,
        curator=e.curator,
        epoch_duration=e.epoch_duration,
        epoch_duration_init=e.at,
        delegator_type=e.delegator_type,
        delegator_operator=e.delegator_operator,
        delegator_network=e.delegator_network,
        slasher_type=e.slasher_type,
        veto_duration=e.veto_duration,
        resolver_set_epochs_delay=e.resolver_set_epochs_delay,
        burner=e.burner,
        deposit_whitelist=e.deposit_whitelist,
        deposit_limit=e.deposit_limit,
        curator_fee_bps=e.curator_fee_bps,
        domain=e.domain,
    )
    _tick(state, e.domain, e.at)


def deposit_whitelist_set(state: LedgerState, e: V.DepositWhitelistSet) -> None:
    _vault(state, e).deposit_whitelist = e.enabled


def depositor_whitelisted(state: LedgerState, e: V.DepositorWhitelisted) -> None:
    vault = _vault(state, e)
    if e.allowed:
        vault.whitelisted.add(e.account)
    else:
        vault.whitelisted.discard(e.account)


def deposit_limit_set(state: LedgerState, e: V.DepositLimitSet) -> None:
    _vault(state, e).deposit_limit = e.limit


def deposited(state: LedgerState, e: V.Deposited) -> None:
    vault = _vault(state, e)
    vault.active_stake.push(e.at, vault.active_stake.latest() + e.amount)
    vault.active_shares.push(e.at, vault.active_shares.latest() + e.shares)
    mine = _trace(vault.active_shares_of, e.staker)
    mine.push(e.at, mine.latest() + e.shares)
    vault.total_deposited += e.amount


def withdrawal_requested(state: LedgerState, e: V.WithdrawalRequested) -> None:
    vault = _vault(state, e)
    mine = vault.active_shares_of[e.staker]
    mine.push(e.at, mine.latest() - e.burned_shares)
    vault.active_shares.push(e.at, vault.active_shares.latest() - e.burned_shares)
    vault.active_stake.push(e.at, vault.active_stake.latest() - e.amount)
    vault.withdrawals[e.epoch] = vault.withdrawals.get(e.epoch, 0) + e.amount
    vault.withdrawal_shares[e.epoch] = vault.withdrawal_shares.get(e.epoch, 0) + e.withdrawal_shares
    bucket = vault.withdrawal_shares_of.setdefault(e.epoch, {})
    bucket[e.claimer] = bucket.get(e.claimer, 0) + e.withdrawal_shares


def withdrawal_claimed(state: LedgerState, e: V.WithdrawalClaimed) -> None:
    vault = _vault(state, e)
    vault.claimed.setdefault(e.epoch, set()).add(e.claimer)
    vault.total_claimed += e.amount


def vault_opt_in_changed(state: LedgerState, e: V.VaultOptInChanged) -> None:
    _vault(state, e)
    _trace(state.vault_opt_ins, D.opt_in_key(e.operator, e.vault)).push(e.at, int(e.opted_in))


def network_opt_in_changed(state: LedgerState, e: V.NetworkOptInChanged) -> None:
    _tick(state, e.domain, e.at)
    key = D.network_opt_in_key(e.domain, e.operator, e.network)
    _trace(state.network_opt_ins, key).push(e.at, int(e.opted_in))


def max_network_limit_set(state: LedgerState, e: V.MaxNetworkLimitSet) -> None:
    vault = _vault(state, e)
    key = sn_key(e.network, e.subnetwork)
    vault.max_network_limit[key] = e.amount
    if vault.delegator_type == "operator_network_specific":
        _trace(vault.max_network_limit_trace, key).push(e.at, e.amount)
        return
    limit = vault.network_limit.get(key)
    if limit and limit.latest() > e.amount:
        limit.push(e.at, e.amount)


def network_limit_set(state: LedgerState, e: V.NetworkLimitSet) -> None:
    vault = _vault(state, e)
    _trace(vault.network_limit, sn_key(e.network, e.subnetwork)).push(e.at, e.amount)


def operator_network_shares_set(state: LedgerState, e: V.OperatorNetworkSharesSet) -> None:
    vault = _vault(state, e)
    key = sn_key(e.network, e.subnetwork)
    mine = _nested(vault.operator_network_shares, key, e.operator)
    total = _trace(vault.total_operator_network_shares, key)
    total.push(e.at, total.latest() - mine.latest() + e.shares)
    mine.push(e.at, e.shares)


def operator_network_limit_set(state: LedgerState, e: V.OperatorNetworkLimitSet) -> None:
    vault = _vault(state, e)
    key = sn_key(e.network, e.subnetwork)
    _nested(vault.operator_network_limit, key, e.operator).push(e.at, e.amount)


def resolver_set(state: LedgerState, e: V.ResolverSet) -> None:
    vault = _vault(state, e)
    key = sn_key(e.network, e.subnetwork)
    trace = vault.resolvers.get(key)
    if trace is None:
        trace = vault.resolvers[key] = Trace(None)
    if e.replaces_pending:
        trace.pop()
    if e.effective_at is not None:
        trace.push(e.effective_at, e.resolver)


def slash_requested(state: LedgerState, e: V.SlashRequested) -> None:
    vault = _vault(state, e)
    vault.slash_requests.append(
        SlashRequest(e.network, e.subnetwork, e.operator, e.amount, e.capture, e.veto_deadline)
    )


def slash_vetoed(state: LedgerState, e: V.SlashVetoed) -> None:
    _vault(state, e).slash_requests[e.request].completed = True


def slash_instructed(state: LedgerState, e: V.SlashInstructed) -> None:
    """Nothing changes here: the chain carries the slash out and reports it back. (The vault
    is mirrored, so the hub clock must not move its chain clock either.)"""


def slashed(state: LedgerState, e: V.Slashed) -> None:
    vault = _vault(state, e)
    pair = D.pair_key(e.network, e.subnetwork, e.operator)
    if vault.latest_slashed_capture.get(pair, 0) < e.capture:
        vault.latest_slashed_capture[pair] = e.capture
    cumulative = _trace(vault.cumulative_slash, pair)
    cumulative.push(e.at, cumulative.latest() + e.slashed)
    if e.request is not None:
        vault.slash_requests[e.request].completed = True
    if e.burned:
        vault.active_stake.push(e.at, vault.active_stake.latest() - e.active_burned)
        for epoch, cut in (
            (e.epoch, e.withdrawals_burned),
            (e.epoch + 1, e.next_withdrawals_burned),
        ):
            if cut or epoch in vault.withdrawals:
                vault.withdrawals[epoch] = vault.withdrawals.get(epoch, 0) - cut
        vault.total_slashed += e.burned


def curator_fee_set(state: LedgerState, e: V.CuratorFeeSet) -> None:
    _books(state, e).curator_fee_bps = e.fee_bps


def staker_rewards_distributed(state: LedgerState, e: V.StakerRewardsDistributed) -> None:
    vault = _books(state, e)
    vault.active_shares_cache.setdefault(e.timestamp, e.active_shares)
    if e.fee:
        vault.curator_fees[e.token] = vault.curator_fees.get(e.token, 0) + e.fee
    if e.amount:
        vault.rewards.setdefault(M.reward_key(e.network, e.token), []).append(
            RewardDistribution(e.amount, e.timestamp)
        )


def staker_rewards_claimed(state: LedgerState, e: V.StakerRewardsClaimed) -> None:
    vault = _books(state, e)
    vault.last_unclaimed[M.unclaimed_key(e.staker, e.network, e.token)] = e.next_index


def curator_fee_claimed(state: LedgerState, e: V.CuratorFeeClaimed) -> None:
    vault = _books(state, e)
    vault.curator_fees[e.token] = 0


def operator_rewards_distributed(state: LedgerState, e: V.OperatorRewardsDistributed) -> None:
    pool = state.operator_rewards.setdefault(f"{e.network}|{e.token}", OperatorRewardPool())
    pool.balance += e.amount
    pool.root = e.root


def operator_rewards_claimed(state: LedgerState, e: V.OperatorRewardsClaimed) -> None:
    pool = state.operator_rewards[f"{e.network}|{e.token}"]
    pool.balance -= e.amount
    pool.claimed[e.operator] = e.total_claimed


def instruction_outcome_recorded(state: LedgerState, e: V.InstructionOutcomeRecorded) -> None:
    state.instruction_outcomes[e.instruction_id] = [
        e.chain_id,
        e.kind,
        e.vault,
        e.status,
        e.tx_id,
        e.detail,
    ]


Applier = Callable[[LedgerState, Any], None]

APPLIERS: dict[type[V.Event], Applier] = {
    V.AssetRegistered: asset_registered,
    V.NetworkRegistered: network_registered,
    V.OperatorRegistered: operator_registered,
    V.OperatorKeySet: operator_key_set,
    V.VaultCreated: vault_created,
    V.DepositWhitelistSet: deposit_whitelist_set,
    V.DepositorWhitelisted: depositor_whitelisted,
    V.DepositLimitSet: deposit_limit_set,
    V.Deposited: deposited,
    V.WithdrawalRequested: withdrawal_requested,
    V.WithdrawalClaimed: withdrawal_claimed,
    V.VaultOptInChanged: vault_opt_in_changed,
    V.NetworkOptInChanged: network_opt_in_changed,
    V.MaxNetworkLimitSet: max_network_limit_set,
    V.NetworkLimitSet: network_limit_set,
    V.OperatorNetworkSharesSet: operator_network_shares_set,
    V.OperatorNetworkLimitSet: operator_network_limit_set,
    V.ResolverSet: resolver_set,
    V.SlashRequested: slash_requested,
    V.SlashVetoed: slash_vetoed,
    V.SlashInstructed: slash_instructed,
    V.Slashed: slashed,
    V.CuratorFeeSet: curator_fee_set,
    V.StakerRewardsDistributed: staker_rewards_distributed,
    V.StakerRewardsClaimed: staker_rewards_claimed,
    V.CuratorFeeClaimed: curator_fee_claimed,
    V.OperatorRewardsDistributed: operator_rewards_distributed,
    V.OperatorRewardsClaimed: operator_rewards_claimed,
    V.InstructionOutcomeRecorded: instruction_outcome_recorded,
}
