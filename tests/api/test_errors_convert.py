"""Error mapping and amount conversion, without a server."""

from __future__ import annotations

import grpc
import pytest
from hypothesis import given
from hypothesis import strategies as st
from omnistake.api.convert import decode_page_token, encode_page_token, parse_amount, plain_json
from omnistake.api.errors import (
    DOMAIN,
    KIND_TO_CODE,
    InvalidAmount,
    InvalidPageToken,
    from_rich_status,
    grpc_code,
    rebuild,
    to_rich_status,
)
from omnistake.errors import AmountOutOfRange, OmnistakeError


def _all_errors() -> list[type[OmnistakeError]]:
    out, pending = [], [OmnistakeError]
    while pending:
        cls = pending.pop()
        out.append(cls)
        pending.extend(cls.__subclasses__())
    return out


@pytest.mark.parametrize("cls", _all_errors(), ids=lambda c: c.__name__)
def test_every_error_round_trips_with_its_status_code(cls: type[OmnistakeError]) -> None:
    error = rebuild(cls, "something is off", "amount", {"vault": "v1"})
    status = to_rich_status(error)
    assert grpc_code(status) is KIND_TO_CODE.get(cls.kind, grpc.StatusCode.INTERNAL)
    back = from_rich_status(status)
    assert back.reason == cls.reason
    assert (back.field, back.metadata, back.message) == ("amount", {"vault": "v1"}, error.message)
    if cls.reason != "UNKNOWN":
        assert type(back) is cls


def test_reasons_are_unique_and_upper_snake() -> None:
    reasons = [c.reason for c in _all_errors()]
    assert len(reasons) == len(set(reasons))
    assert all(r == r.upper() and " " not in r for r in reasons)


def test_foreign_domain_is_not_trusted() -> None:
    status = to_rich_status(AmountOutOfRange("x", field="amount"))
    status.details[0].value = status.details[0].value.replace(DOMAIN.encode(), b"x" * len(DOMAIN))
    assert type(from_rich_status(status)).__name__ == "RemoteError"


@given(st.integers(min_value=0, max_value=2**256 - 1))
def test_amounts_round_trip(value: int) -> None:
    assert parse_amount(str(value)) == value
    assert parse_amount("000" + str(value)) == value


@given(st.integers(min_value=2**256, max_value=2**300))
def test_amounts_above_uint256_are_out_of_range(value: int) -> None:
    with pytest.raises(AmountOutOfRange):
        parse_amount(str(value))


@pytest.mark.parametrize("text", ["", "+1", "1_000", "1.5", "1e3", "0x1f", "١٢", " 1", "1 "])
def test_non_decimal_amounts(text: str) -> None:
    with pytest.raises(InvalidAmount) as err:
        parse_amount(text, "shares")
    assert err.value.field == "shares"


def test_plain_json_writes_ints_as_strings() -> None:
    assert plain_json({"a": 2**200, "b": [1, True, None, "x"]}) == {
        "a": str(2**200),
        "b": ["1", True, None, "x"],
    }


def test_page_tokens() -> None:
    assert decode_page_token(encode_page_token("net-3")) == "net-3"
    assert decode_page_token("") is None
    with pytest.raises(InvalidPageToken):
        decode_page_token("%%%")
