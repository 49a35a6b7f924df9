"""Integer money in base units, bounded like the EVM's uint256.

Every amount the ledger stores is an ``int`` in ``[0, 2**256)``. Multiplications go through
:func:`mul_div`, which rounds the way the caller says and, like OpenZeppelin's ``mulDiv``,
rejects a *result* that does not fit in uint256 (intermediate products may be wider).
"""

from __future__ import annotations

from enum import Enum

from omnistake.errors import AmountOutOfRange, InvalidArgument

UINT256_MAX = 2**256 - 1
UINT96_MAX = 2**96 - 1
UINT48_MAX = 2**48 - 1
#: Basis points in one whole (100 %).
BPS = 10_000
#: Karak-style percentages: 100 % is 100e18.
HUNDRED_PERCENT_WAD = 100 * 10**18


class Rounding(Enum):
    """Which way a division rounds."""

    DOWN = "down"
    UP = "up"


def check_amount(value: object, field: str = "amount") -> int:
    """Return ``value`` if it is an int in uint256 range, else raise a typed error."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(f"{field} must be an integer in base units", field=field)
    if value < 0:
        raise AmountOutOfRange(f"{field} must not be negative (got {value})", field=field)
    if value > UINT256_MAX:
        raise AmountOutOfRange(f"{field} exceeds the uint256 range", field=field)
    return value


def check_uint(value: object, bits: int, field: str) -> int:
    """Return ``value`` if it is an int in ``[0, 2**bits)``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(f"{field} must be an integer", field=field)
    if not 0 <= value < 2**bits:
        raise AmountOutOfRange(f"{field} must be in [0, 2^{bits})", field=field)
    return value


def checked_add(a: int, b: int, field: str = "amount") -> int:
    """``a + b``, rejected when it leaves uint256 (checked arithmetic)."""
    total = a + b
    if total > UINT256_MAX:
        raise AmountOutOfRange(f"{field} would exceed the uint256 range", field=field)
    return total


def mul_div(x: int, y: int, denominator: int, rounding: Rounding = Rounding.DOWN) -> int:
    """``x * y / denominator`` rounded as asked; the result must fit in uint256."""
    if denominator <= 0:
        raise ZeroDivisionError("mul_div by zero")
    quotient, remainder = divmod(x * y, denominator)
    if rounding is Rounding.UP and remainder:
        quotient += 1
    if quotient > UINT256_MAX:
        raise AmountOutOfRange("result of a share conversion exceeds the uint256 range")
    return quotient


def convert_to_shares(assets: int, total_shares: int, total_assets: int, rounding: Rounding) -> int:
    """Assets to shares with Symbiotic's virtual offset: ``a * (S + 1) / (A + 1)``."""
    return mul_div(
        assets,
        checked_add(total_shares, 1, "total shares"),
        checked_add(total_assets, 1, "total assets"),
        rounding,
    )


def convert_to_assets(shares: int, total_assets: int, total_shares: int, rounding: Rounding) -> int:
    """Shares to assets with Symbiotic's virtual offset: ``s * (A + 1) / (S + 1)``."""
    return mul_div(
        shares,
        checked_add(total_assets, 1, "total assets"),
        checked_add(total_shares, 1, "total shares"),
        rounding,
    )
