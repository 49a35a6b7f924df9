"""Symbiotic v1.0.3 vault accounting, as pure functions over a :class:`Vault`.

Share conversions use the virtual +1/+1 offset; deposits and redemptions round down,
withdrawals round up (so burned shares never undershoot), and slashing splits pro rata with
floor divisions, leaving the remainder on the withdrawal buckets exactly as the contract
does. Nothing here mutates state.
"""

from __future__ import annotations

from dataclasses import dataclass

from omnistake.amounts import Rounding, convert_to_assets, convert_to_shares, mul_div
from omnistake.ledger.state import Vault


def active_shares_of(vault: Vault, account: str, t: int) -> int:
    """Active shares of ``account`` at ``t``."""
    trace = vault.active_shares_of.get(account)
    return trace.at(t) if trace is not None else 0


def active_balance_of(vault: Vault, account: str, t: int) -> int:
    """Active stake of ``account`` at ``t``, rounded down."""
    return convert_to_assets(
        active_shares_of(vault, account, t),
        vault.active_stake.at(t),
        vault.active_shares.at(t),
        Rounding.DOWN,
    )


def withdrawals_of(vault: Vault, epoch: int, account: str) -> int:
    """What ``account`` can claim from epoch ``epoch``'s bucket (after slashes), rounded down."""
    shares = vault.withdrawal_shares_of.get(epoch, {}).get(account, 0)
    if not shares:
        return 0
    return convert_to_assets(
        shares,
        vault.withdrawals.get(epoch, 0),
        vault.withdrawal_shares.get(epoch, 0),
        Rounding.DOWN,
    )


def total_stake(vault: Vault, now: int) -> int:
    """Everything still slashable: active stake plus the current and next epoch's buckets."""
    epoch = vault.epoch_at(now)
    return (
        vault.active_stake.latest()
        + vault.withdrawals.get(epoch, 0)
        + vault.withdrawals.get(epoch + 1, 0)
    )


def slashable_balance_of(vault: Vault, account: str, now: int) -> int:
    """An account's active balance plus its not-yet-claimable withdrawals."""
    epoch = vault.epoch_at(now)
    return (
        active_balance_of(vault, account, now)
        + withdrawals_of(vault, epoch, account)
        + withdrawals_of(vault, epoch + 1, account)
    )


def shares_for_deposit(vault: Vault, amount: int) -> int:
    """Active shares minted for a deposit of ``amount`` now (rounded down)."""
    return convert_to_shares(
        amount, vault.active_shares.latest(), vault.active_stake.latest(), Rounding.DOWN
    )


def shares_for_withdrawal(vault: Vault, amount: int) -> int:
    """Active shares burned to withdraw ``amount`` now (rounded up)."""
    return convert_to_shares(
        amount, vault.active_shares.latest(), vault.active_stake.latest(), Rounding.UP
    )


def assets_for_redemption(vault: Vault, shares: int) -> int:
    """Assets a redemption of ``shares`` yields now (rounded down)."""
    return convert_to_assets(
        shares, vault.active_stake.latest(), vault.active_shares.latest(), Rounding.DOWN
    )


def withdrawal_shares_for(vault: Vault, epoch: int, amount: int) -> int:
    """Shares of epoch ``epoch``'s withdrawal bucket minted for ``amount`` (rounded down)."""
    return convert_to_shares(
        amount,
        vault.withdrawal_shares.get(epoch, 0),
        vault.withdrawals.get(epoch, 0),
        Rounding.DOWN,
    )


def reward_key(network: str, token: str) -> str:
    """Key of a network's staker-reward distributions in ``token``."""
    return f"{network}|{token}"


def unclaimed_key(staker: str, network: str, token: str) -> str:
    """Key of a staker's first unclaimed distribution of a network in ``token``."""
    return f"{staker}|{network}|{token}"


def unclaimed_rewards(
    vault: Vault, staker: str, network: str, token: str, max_distributions: int
) -> tuple[int, int, int]:
    """``(amount, first, count)``: what the staker's next ``max_distributions`` unclaimed
    distributions pay, pro rata to its active shares at each distribution's timestamp
    (rounded down); iterates only the staker's own unclaimed distributions."""
    distributions = vault.rewards.get(reward_key(network, token), [])
    first = vault.last_unclaimed.get(unclaimed_key(staker, network, token), 0)
    count = max(0, min(max_distributions, len(distributions) - first))
    amount = sum(
        mul_div(
            active_shares_of(vault, staker, d.timestamp),
            d.amount,
            vault.active_shares_cache[d.timestamp],
        )
        for d in distributions[first : first + count]
    )
    return amount, first, count


@dataclass(frozen=True, slots=True)
class SlashSplit:
    """How a slash of the vault splits over active stake and the withdrawal buckets."""

    burned: int
    active: int
    current_withdrawals: int
    next_withdrawals: int


def split_slash(vault: Vault, amount: int, capture: int, now: int) -> SlashSplit:
    """The vault's share of a slash (Symbiotic ``Vault.onSlash``), for a capture in the
    current epoch or the previous one (the caller checks that)."""
    epoch = vault.epoch_at(now)
    capture_epoch = vault.epoch_at(capture)
    active = vault.active_stake.latest()
    next_w = vault.withdrawals.get(epoch + 1, 0)
    if capture_epoch == epoch:
        slashable = active + next_w
        burned = min(amount, slashable)
        if not burned:
            return SlashSplit(0, 0, 0, 0)
        active_slashed = mul_div(burned, active, slashable)
        return SlashSplit(burned, active_slashed, 0, burned - active_slashed)
    current_w = vault.withdrawals.get(epoch, 0)
    slashable = active + current_w + next_w
    burned = min(amount, slashable)
    if not burned:
        return SlashSplit(0, 0, 0, 0)
    active_slashed = mul_div(burned, active, slashable)
    next_slashed = mul_div(burned, next_w, slashable)
    current_slashed = burned - active_slashed - next_slashed
    if current_slashed > current_w:
        next_slashed += current_slashed - current_w
        current_slashed = current_w
    return SlashSplit(burned, active_slashed, current_slashed, next_slashed)
