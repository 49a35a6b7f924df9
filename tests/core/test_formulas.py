"""Integer money helpers: uint256 bounds, mul_div rounding, virtual-offset share math."""

from __future__ import annotations

import pytest
from omnistake.amounts import (
    UINT256_MAX,
    Rounding,
    check_amount,
    check_uint,
    checked_add,
    convert_to_assets,
    convert_to_shares,
    mul_div,
)
from omnistake.errors import AmountOutOfRange, InvalidArgument


def test_check_amount_accepts_the_uint256_range() -> None:
    assert check_amount(0) == 0
    assert check_amount(UINT256_MAX) == UINT256_MAX


@pytest.mark.parametrize("bad", [-1, 2**256, 2**300])
def test_check_amount_rejects_out_of_range(bad: int) -> None:
    with pytest.raises(AmountOutOfRange) as info:
        check_amount(bad, "amount")
    assert info.value.reason == "AMOUNT_OUT_OF_RANGE"
    assert info.value.field == "amount"


@pytest.mark.parametrize("bad", [True, 1.0, "1", None])
def test_check_amount_rejects_non_integers(bad: object) -> None:
    with pytest.raises(InvalidArgument) as info:
        check_amount(bad)
    assert info.value.reason == "INVALID_ARGUMENT"


def test_check_uint_bounds() -> None:
    assert check_uint(2**96 - 1, 96, "subnetwork") == 2**96 - 1
    with pytest.raises(AmountOutOfRange):
        check_uint(2**96, 96, "subnetwork")
    with pytest.raises(AmountOutOfRange):
        check_uint(-1, 96, "subnetwork")


def test_checked_add() -> None:
    assert checked_add(UINT256_MAX - 1, 1) == UINT256_MAX
    with pytest.raises(AmountOutOfRange):
        checked_add(UINT256_MAX, 1)


def test_mul_div_rounds_both_ways() -> None:
    # 7 * 3 / 4 = 21 / 4 = 5.25 -> down 5, up 6
    assert mul_div(7, 3, 4) == 5
    assert mul_div(7, 3, 4, Rounding.UP) == 6
    # exact: 8 * 3 / 4 = 6 either way
    assert mul_div(8, 3, 4) == 6
    assert mul_div(8, 3, 4, Rounding.UP) == 6


def test_mul_div_allows_wide_intermediates_but_not_wide_results() -> None:
    # (2^255 * 2^10) / 2^10 = 2^255: the product is 2^265 but the result fits (OZ mulDiv)
    assert mul_div(2**255, 2**10, 2**10) == 2**255
    # 2^255 * 4 / 2 = 2^256: one past the top
    with pytest.raises(AmountOutOfRange):
        mul_div(2**255, 4, 2)
    # rounding up past the top also rejects: (2^256 - 1) * 3 / 3 rounds exactly, but
    # ((2^256 - 1) * 2 + 1) / 2 = 2^256 - 0.5 -> up = 2^256
    with pytest.raises(AmountOutOfRange):
        mul_div(2 * UINT256_MAX + 1, 1, 2, Rounding.UP)
    assert mul_div(2 * UINT256_MAX + 1, 1, 2) == UINT256_MAX


def test_mul_div_by_zero() -> None:
    with pytest.raises(ZeroDivisionError):
        mul_div(1, 1, 0)


def test_convert_to_shares_virtual_offset() -> None:
    # empty vault: a * (0 + 1) / (0 + 1) = a
    assert convert_to_shares(1000, 0, 0, Rounding.DOWN) == 1000
    # S = 10, A = 7: 5 * 11 / 8 = 55 / 8 = 6.875 -> 6 down, 7 up
    assert convert_to_shares(5, 10, 7, Rounding.DOWN) == 6
    assert convert_to_shares(5, 10, 7, Rounding.UP) == 7
    # A = 0 with S = 10 (fully slashed): 5 * 11 / 1 = 55
    assert convert_to_shares(5, 10, 0, Rounding.DOWN) == 55


def test_convert_to_assets_virtual_offset() -> None:
    # A = 7, S = 10: 6 * 8 / 11 = 48 / 11 = 4.36 -> 4 down, 5 up
    assert convert_to_assets(6, 7, 10, Rounding.DOWN) == 4
    assert convert_to_assets(6, 7, 10, Rounding.UP) == 5
    # nothing in: 0 shares are worth 0
    assert convert_to_assets(0, 7, 10, Rounding.DOWN) == 0


def test_share_conversions_reject_past_uint256() -> None:
    # S = 2^255, A = 0: 2 * (2^255 + 1) / 1 = 2^256 + 2 > uint256
    with pytest.raises(AmountOutOfRange):
        convert_to_shares(2, 2**255, 0, Rounding.DOWN)
    # S + 1 itself overflowing is rejected (checked add, as in Solidity)
    with pytest.raises(AmountOutOfRange):
        convert_to_shares(0, UINT256_MAX, 0, Rounding.DOWN)
