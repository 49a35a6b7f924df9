"""Read-only questions about ledger state. Every time-dependent query names its timestamp;
none of them touches a chain."""

from __future__ import annotations

from dataclasses import dataclass

from omnistake import errors as E
from omnistake.ledger import delegation as D
from omnistake.ledger import vault_math as M
from omnistake.ledger.state import LedgerState, SlashRequest, Vault


@dataclass(frozen=True, slots=True)
class PendingWithdrawal:
    """A withdrawal bucket share of one account."""

    epoch: int
    amount: int
    claimable_from: int
    claimed: bool


class LedgerQueries:
    """Queries over a :class:`LedgerState` (mixed into :class:`~omnistake.Ledger`)."""

    state: LedgerState

    def vault(self, vault_id: str) -> Vault:
        """The vault, or NotFound."""
        vault = self.state.vaults.get(vault_id)
        if vault is None:
            raise E.NotFound(f"no vault {vault_id!r}", field="vault", vault=vault_id)
        return vault

    def active_stake_at(self, vault_id: str, t: int) -> int:
        """Active (non-withdrawing) stake of the vault at ``t``."""
        return self.vault(vault_id).active_stake.at(t)

    def active_shares_at(self, vault_id: str, t: int) -> int:
        """Total active shares of the vault at ``t``."""
        return self.vault(vault_id).active_shares.at(t)

    def total_stake(self, vault_id: str, now: int) -> int:
        """Active stake plus the withdrawals still slashable at ``now``."""
        return M.total_stake(self.vault(vault_id), now)

    def active_shares_of(self, vault_id: str, account: str, t: int) -> int:
        """Active shares of an account at ``t``."""
        return M.active_shares_of(self.vault(vault_id), account, t)

    def active_balance_of(self, vault_id: str, account: str, t: int) -> int:
        """Active stake of an account at ``t`` (rounded down)."""
        return M.active_balance_of(self.vault(vault_id), account, t)

    def slashable_balance_of(self, vault_id: str, account: str, now: int) -> int:
        """Active balance plus not-yet-claimable withdrawals of an account at ``now``."""
        return M.slashable_balance_of(self.vault(vault_id), account, now)

    def withdrawals(self, vault_id: str, epoch: int) -> int:
        """Assets in the withdrawal bucket of ``epoch``."""
        return self.vault(vault_id).withdrawals.get(epoch, 0)

    def withdrawals_of(self, vault_id: str, epoch: int, account: str) -> int:
        """What ``account`` can claim from the bucket of ``epoch``."""
        return M.withdrawals_of(self.vault(vault_id), epoch, account)

    def pending_withdrawals(self, vault_id: str, account: str) -> list[PendingWithdrawal]:
        """Every withdrawal bucket the account has shares in, oldest first."""
        vault = self.vault(vault_id)
        out = []
        for epoch in sorted(vault.withdrawal_shares_of):
            if account in vault.withdrawal_shares_of[epoch]:
                out.append(
                    PendingWithdrawal(
                        epoch=epoch,
                        amount=M.withdrawals_of(vault, epoch, account),
                        claimable_from=vault.epoch_start(epoch + 1),
                        claimed=account in vault.claimed.get(epoch, ()),
                    )
                )
        return out

    def epoch_at(self, vault_id: str, t: int) -> int:
        """The vault's epoch at ``t``."""
        return self.vault(vault_id).epoch_at(t)

    def stake_at(self, vault_id: str, network: str, subnetwork: int, operator: str, t: int) -> int:
        """Stake the vault gives the operator in the subnetwork at ``t`` (0 unless the operator
        was opted in to both the vault and the network then)."""
        return D.stake_at(self.state, self.vault(vault_id), network, subnetwork, operator, t)

    def operator_stake_at(
        self, network: str, operator: str, t: int, subnetwork: int | None = None
    ) -> int:
        """The operator's stake for a network at ``t``, summed over every vault (and over
        every subnetwork unless one is named). Sums across assets are in base units of each;
        callers that mix assets should price them first."""
        total = 0
        for vault in self.state.vaults.values():
            for sn in self._subnetworks(vault, network, subnetwork):
                total += D.stake_at(self.state, vault, network, sn, operator, t)
        return total

    def network_stake_at(
        self, network: str, t: int, subnetwork: int | None = None
    ) -> dict[str, int]:
        """Every operator's stake for a network at ``t``: ``{operator: stake}`` (voting power)."""
        out: dict[str, int] = {}
        for operator in self.state.operators:
            stake = self.operator_stake_at(network, operator, t, subnetwork)
            if stake:
                out[operator] = stake
        return out

    @staticmethod
    def _subnetworks(vault: Vault, network: str, subnetwork: int | None) -> list[int]:
        if subnetwork is not None:
            return [subnetwork]
        prefix = f"{network}#"
        keys = set(vault.max_network_limit) | set(vault.max_network_limit_trace)
        return sorted(int(k[len(prefix) :]) for k in keys if k.startswith(prefix))

    def slashable_stake(
        self, vault_id: str, network: str, subnetwork: int, operator: str, capture: int, now: int
    ) -> int:
        """What can still be slashed from the operator for stake captured at ``capture``."""
        vault = self.vault(vault_id)
        return D.slashable_stake(self.state, vault, network, subnetwork, operator, capture, now)[0]

    def cumulative_slash(self, vault_id: str, network: str, subnetwork: int, operator: str) -> int:
        """Everything slashed (slasher amounts) from the pair so far."""
        return D.cumulative_slash(self.vault(vault_id), network, subnetwork, operator)

    def slash_request(self, vault_id: str, index: int) -> SlashRequest:
        """A veto-slasher request, or NotFound."""
        requests = self.vault(vault_id).slash_requests
        if not 0 <= index < len(requests):
            raise E.NotFound(f"vault {vault_id!r} has no slash request {index}", field="request")
        return requests[index]

    def instruction_outcome(self, instruction_id: str) -> dict[str, str] | None:
        """The latest recorded outcome of a slash or payout instruction, if any."""
        found = self.state.instruction_outcomes.get(instruction_id)
        if found is None:
            return None
        keys = ("chain_id", "kind", "vault", "status", "tx_id", "detail")
        return dict(zip(keys, found, strict=True))

    def is_opted_in_vault(self, operator: str, vault_id: str, t: int) -> bool:
        """Was the operator opted in to the vault at ``t``?"""
        return D.is_opted_in_vault(self.state, operator, vault_id, t)

    def is_opted_in_network(self, operator: str, network: str, t: int, domain: str = "hub") -> bool:
        """Was the operator opted in to the network at ``t``?"""
        return D.is_opted_in_network(self.state, operator, network, t, domain)

    def claimable_staker_rewards(
        self, vault_id: str, staker: str, network: str, token: str, max_distributions: int = 1_000
    ) -> int:
        """What :class:`~omnistake.ledger.commands.ClaimStakerRewards` would pay now."""
        vault = self.vault(vault_id)
        return M.unclaimed_rewards(vault, staker, network, token, max_distributions)[0]
