"""Typed errors. Every rejection names a stable UPPER_SNAKE reason and, where it helps,
the offending field, so callers (and the gRPC layer) can act on it without parsing prose."""

from __future__ import annotations

from typing import ClassVar


class OmnistakeError(Exception):
    """Base of every error omnistake raises on purpose.

    ``reason`` is a stable machine-readable code, ``field`` names the offending input field
    (when one does), and ``metadata`` carries string details (ids, amounts) for clients.
    """

    reason: ClassVar[str] = "OMNISTAKE_ERROR"
    #: gRPC status family: invalid_argument, not_found, failed_precondition,
    #: permission_denied, already_exists, aborted, unavailable, internal.
    kind: ClassVar[str] = "failed_precondition"

    def __init__(self, message: str, *, field: str | None = None, **metadata: object) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.metadata: dict[str, str] = {k: str(v) for k, v in metadata.items()}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.reason}: {self.message})"


class InvalidArgument(OmnistakeError):
    """Input that is malformed whatever the state: bad id, negative amount, bad option."""

    reason = "INVALID_ARGUMENT"
    kind = "invalid_argument"


class AmountOutOfRange(InvalidArgument):
    """An amount (or an intermediate product) is outside the uint256 range."""

    reason = "AMOUNT_OUT_OF_RANGE"


class NotFound(OmnistakeError):
    """A referenced entity (asset, vault, network, operator, request) does not exist."""

    reason = "NOT_FOUND"
    kind = "not_found"


class AlreadyExists(OmnistakeError):
    """An entity with that id is already registered."""

    reason = "ALREADY_EXISTS"
    kind = "already_exists"


class Unauthorized(OmnistakeError):
    """The acting principal may not do this (it does not own the target)."""

    reason = "UNAUTHORIZED_PRINCIPAL"
    kind = "permission_denied"


class PreconditionFailed(OmnistakeError):
    """The command is well-formed but the current state does not allow it."""

    reason = "FAILED_PRECONDITION"
    kind = "failed_precondition"


class TimeWentBackwards(PreconditionFailed):
    """A command is dated before state it would change was last changed."""

    reason = "TIME_WENT_BACKWARDS"


class AlreadySet(PreconditionFailed):
    """The value is already what the command asks for."""

    reason = "ALREADY_SET"


class NotWhitelisted(PreconditionFailed):
    """The vault has a deposit whitelist and the depositor is not on it."""

    reason = "DEPOSITOR_NOT_WHITELISTED"


class DepositLimitReached(PreconditionFailed):
    """The deposit would take the vault's active stake above its deposit limit."""

    reason = "DEPOSIT_LIMIT_REACHED"


class InsufficientDeposit(InvalidArgument):
    """A deposit of zero, or one that mints no shares."""

    reason = "INSUFFICIENT_DEPOSIT"


class InsufficientShares(PreconditionFailed):
    """The staker asked to withdraw or redeem more than its active shares cover."""

    reason = "INSUFFICIENT_SHARES"


class InsufficientWithdrawal(InvalidArgument):
    """A withdrawal or redemption of zero assets."""

    reason = "INSUFFICIENT_WITHDRAWAL"


class InvalidEpoch(PreconditionFailed):
    """The withdrawal epoch is not claimable yet."""

    reason = "INVALID_EPOCH"


class AlreadyClaimed(PreconditionFailed):
    """That withdrawal (or reward) was already claimed."""

    reason = "ALREADY_CLAIMED"


class InsufficientClaim(PreconditionFailed):
    """There is nothing to claim."""

    reason = "INSUFFICIENT_CLAIM"


class NotOptedIn(PreconditionFailed):
    """The operator is not opted in where the command needs it."""

    reason = "NOT_OPTED_IN"


class AlreadyOptedIn(PreconditionFailed):
    """The operator is already opted in."""

    reason = "ALREADY_OPTED_IN"


class OptOutCooldown(PreconditionFailed):
    """An opt-out in the same second as the opt-in it would undo (it would be invisible)."""

    reason = "OPT_OUT_COOLDOWN"


class LimitExceeded(PreconditionFailed):
    """A limit above the cap another party set (network limit above max network limit)."""

    reason = "LIMIT_EXCEEDED"


class WrongDelegatorType(PreconditionFailed):
    """The vault's delegator policy has no such setting."""

    reason = "WRONG_DELEGATOR_TYPE"


class WrongSlasherType(PreconditionFailed):
    """The vault's slasher policy does not support this command."""

    reason = "WRONG_SLASHER_TYPE"


class CaptureTooOld(PreconditionFailed):
    """The capture timestamp is outside the slashable window of the vault."""

    reason = "CAPTURE_TOO_OLD"


class InvalidCaptureTimestamp(PreconditionFailed):
    """The capture timestamp is not strictly in the past, or goes back before an earlier
    slash of the same (subnetwork, operator)."""

    reason = "INVALID_CAPTURE_TIMESTAMP"


class InsufficientSlash(PreconditionFailed):
    """Nothing is slashable for this (subnetwork, operator) at that capture."""

    reason = "INSUFFICIENT_SLASH"


class SlashCapExceeded(PreconditionFailed):
    """The slash exceeds the network's maximum slashable percentage."""

    reason = "SLASH_CAP_EXCEEDED"


class VetoPeriodOpen(PreconditionFailed):
    """The veto window of the slash request has not ended."""

    reason = "VETO_PERIOD_NOT_ENDED"


class VetoPeriodEnded(PreconditionFailed):
    """The veto window of the slash request is over."""

    reason = "VETO_PERIOD_ENDED"


class SlashPeriodEnded(PreconditionFailed):
    """The slash can no longer be executed: its capture is more than an epoch ago."""

    reason = "SLASH_PERIOD_ENDED"


class SlashRequestCompleted(PreconditionFailed):
    """The slash request was already executed or vetoed."""

    reason = "SLASH_REQUEST_COMPLETED"


class NoResolver(PreconditionFailed):
    """No resolver held for the subnetwork at capture time (or just before now)."""

    reason = "NO_RESOLVER"


class NotResolver(Unauthorized):
    """The caller is not the resolver that held at the capture timestamp."""

    reason = "NOT_RESOLVER"


class InvalidRewardTimestamp(PreconditionFailed):
    """Rewards must be distributed at a past timestamp with non-zero active stake."""

    reason = "INVALID_REWARD_TIMESTAMP"


class HighCuratorFee(PreconditionFailed):
    """The vault's curator fee is above the distributor's maximum."""

    reason = "HIGH_CURATOR_FEE"


class NoRewardsToClaim(PreconditionFailed):
    """The staker has no unclaimed reward distributions."""

    reason = "NO_REWARDS_TO_CLAIM"


class InvalidMerkleProof(PreconditionFailed):
    """The operator-reward claim's proof does not lead to the network's current root."""

    reason = "INVALID_MERKLE_PROOF"


class InsufficientBalance(PreconditionFailed):
    """The network's reward balance does not cover the claim."""

    reason = "INSUFFICIENT_BALANCE"


class IdempotencyConflict(OmnistakeError):
    """The request id was used before with a different command body."""

    reason = "IDEMPOTENCY_KEY_REUSED"
    kind = "already_exists"


__all__ = [name for name, value in globals().items() if isinstance(value, type)]
