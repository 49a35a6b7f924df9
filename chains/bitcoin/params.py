"""Babylon BTC staking parameters (``btcstaking/v1/params.proto``) and their validation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from .errors import ParamsError
from .secp import is_valid_xonly, sha256_secret_keys
from .tx import dust_threshold

MAX_TIMELOCK = 0xFFFF


def parse_rate(rate: str | Fraction) -> Fraction:
    """A slashing rate in (0, 1) with at most 4 decimals, kept exact."""
    try:
        value = Fraction(rate)
    except (ValueError, ZeroDivisionError) as exc:
        raise ParamsError("BAD_SLASHING_RATE", f"slashing rate {rate!r} is not a number") from exc
    if not 0 < value < 1 or 10_000 % value.denominator:
        raise ParamsError("BAD_SLASHING_RATE", "slashing rate must be in (0,1) with ≤ 4 decimals")
    return value


def min_slashing_output(funding_value: int, rate: Fraction) -> int:
    """Babylon's ``Amount.MulF64`` rounding (half up), in exact integer arithmetic."""
    num = funding_value * rate.numerator * 2 + rate.denominator
    return num // (2 * rate.denominator)


@dataclass(frozen=True)
class StakingParams:
    """One version of Babylon's staking parameters; keys are 32-byte x-only."""

    covenant_pks: tuple[bytes, ...]
    covenant_quorum: int
    min_staking_value_sat: int
    max_staking_value_sat: int
    min_staking_time_blocks: int
    max_staking_time_blocks: int
    slashing_pk_script: bytes
    min_slashing_tx_fee_sat: int
    slashing_rate: Fraction
    unbonding_time_blocks: int
    unbonding_fee_sat: int
    btc_activation_height: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "slashing_rate", parse_rate(self.slashing_rate))
        self.validate()

    def validate(self) -> None:
        """``Params.Validate`` of x/btcstaking."""
        n = len(self.covenant_pks)
        if n == 0 or self.covenant_quorum <= 0:
            raise ParamsError("BAD_COVENANT_QUORUM", "covenant set and quorum must be non-empty")
        if 2 * self.covenant_quorum <= n:
            raise ParamsError("BAD_COVENANT_QUORUM", "quorum must be more than half the covenants")
        if len(set(self.covenant_pks)) != n:
            raise ParamsError("DUPLICATE_COVENANT_KEY", "covenant keys must be distinct")
        if not all(is_valid_xonly(pk) for pk in self.covenant_pks):
            raise ParamsError("BAD_COVENANT_KEY", "covenant keys must be valid x-only keys")
        if not 0 < self.min_staking_value_sat <= self.max_staking_value_sat:
            raise ParamsError("BAD_STAKING_VALUE_RANGE", "need 0 < min ≤ max staking value")
        if not 0 < self.min_staking_time_blocks <= self.max_staking_time_blocks <= MAX_TIMELOCK:
            raise ParamsError("BAD_STAKING_TIME_RANGE", "need 0 < min ≤ max ≤ 65535 blocks")
        if not 0 < self.unbonding_time_blocks <= MAX_TIMELOCK:
            raise ParamsError("BAD_UNBONDING_TIME", "unbonding time must be in 1..65535")
        if not 0 < self.unbonding_fee_sat < self.min_staking_value_sat:
            raise ParamsError("BAD_UNBONDING_FEE", "need 0 < unbonding fee < min staking value")
        if self.min_slashing_tx_fee_sat <= 0:
            raise ParamsError("BAD_SLASHING_FEE", "minimum slashing fee must be positive")
        if not self.slashing_pk_script:
            raise ParamsError("BAD_SLASHING_SCRIPT", "slashing pkScript must not be empty")
        smallest = min_slashing_output(self.min_staking_value_sat, self.slashing_rate)
        if smallest < dust_threshold(self.slashing_pk_script):
            raise ParamsError("SLASHING_OUTPUT_DUST", "minimum slashing output would be dust")

    @classmethod
    def babylon_defaults(cls) -> StakingParams:
        """x/btcstaking ``DefaultParams`` (covenant keys from sk_i = sha256(bytes([i])))."""
        return cls(
            covenant_pks=tuple(sha256_secret_keys(5)),
            covenant_quorum=3,
            min_staking_value_sat=10_000,
            max_staking_value_sat=10 * 10**9,
            min_staking_time_blocks=400,
            max_staking_time_blocks=MAX_TIMELOCK,
            slashing_pk_script=bytes.fromhex("76a914" + "01" * 20 + "88ac"),
            min_slashing_tx_fee_sat=1000,
            slashing_rate=Fraction(1, 10),
            unbonding_time_blocks=200,
            unbonding_fee_sat=1000,
        )


def params_for_height(versions: Sequence[StakingParams], btc_height: int) -> StakingParams:
    """The parameter version in force at ``btc_height``: the one with the highest
    ``btc_activation_height`` not above it (Babylon picks by inclusion height, or by the
    light-client tip for pre-staking registration)."""
    eligible = [p for p in versions if p.btc_activation_height <= btc_height]
    if not eligible:
        raise ParamsError("NO_PARAMS_FOR_HEIGHT", f"no parameter version active at {btc_height}")
    return max(eligible, key=lambda p: p.btc_activation_height)
