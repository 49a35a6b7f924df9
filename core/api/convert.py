"""Wire <-> core conversions: uint256 decimal strings, events, page tokens."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from omnistake.amounts import UINT96_MAX, UINT256_MAX
from omnistake.api.errors import InvalidAmount, InvalidPageToken
from omnistake.errors import AmountOutOfRange, InvalidArgument
from omnistake.ledger.ledger import Recorded
from omnistake.v1 import common_pb2

_DECIMAL = re.compile(r"^[0-9]+$")
_NEGATIVE = re.compile(r"^-[0-9]+$")
#: uint256 max has 78 digits; anything longer is out of range without parsing it.
_MAX_DIGITS = 78
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


def parse_amount(text: str, field: str = "amount") -> int:
    """A uint256 decimal string -> int. Empty, signed, non-decimal or > 2^256-1 input is a
    typed INVALID_ARGUMENT naming ``field``."""
    if not isinstance(text, str) or text == "":
        raise InvalidAmount(f"{field} is required (a decimal string in base units)", field=field)
    if _NEGATIVE.match(text):
        raise AmountOutOfRange(f"{field} must not be negative", field=field)
    if not _DECIMAL.match(text):
        raise InvalidAmount(
            f"{field} must be a plain decimal string of base units like '1000' "
            f"(no sign, spaces, exponent or hex)",
            field=field,
        )
    digits = text.lstrip("0") or "0"
    if len(digits) > _MAX_DIGITS or int(digits) > UINT256_MAX:
        raise AmountOutOfRange(f"{field} exceeds the uint256 range", field=field)
    return int(digits)


def parse_subnetwork(text: str, field: str = "subnetwork") -> int:
    """A subnetwork identifier: a uint96 decimal string, empty meaning 0."""
    if text == "":
        return 0
    value = parse_amount(text, field)
    if value > UINT96_MAX:
        raise AmountOutOfRange(f"{field} must fit in 96 bits", field=field)
    return value


def format_amount(value: int) -> str:
    """int -> decimal string."""
    return str(value)


def plain_json(value: Any) -> Any:
    """Plain data with every int (not bool) written as a decimal string."""
    if isinstance(value, bool) or value is None or isinstance(value, str | float):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_json(v) for v in value]
    return str(value)


def event_to_proto(record: Recorded) -> common_pb2.Event:
    """A recorded event as an omnistake.v1.Event."""
    payload = record.event.to_dict()
    return common_pb2.Event(
        seq=record.seq,
        type=record.event.type_name,
        at=record.event.at,
        payload_json=json.dumps(plain_json(payload), sort_keys=True, separators=(",", ":")),
    )


def page_size(value: int) -> int:
    """Validate a page_size: 0 means the default, negative is invalid, large is capped."""
    if value < 0:
        raise InvalidArgument("page_size must not be negative", field="page_size")
    return min(value or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def encode_page_token(after: str) -> str:
    """An opaque token meaning "continue after key ``after``"."""
    return base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode()


def decode_page_token(token: str) -> str | None:
    """The key a page_token continues after (None for the first page)."""
    if not token:
        return None
    try:
        body = json.loads(base64.urlsafe_b64decode(token.encode()))
        after = body["after"]
        if not isinstance(after, str):
            raise TypeError
        return after
    except (ValueError, KeyError, TypeError):
        raise InvalidPageToken(
            "page_token is not one this server handed out", field="page_token"
        ) from None


def paginate(keys: list[str], size: int, token: str) -> tuple[list[str], str]:
    """One page of sorted ``keys`` and the next page's token ('' on the last page)."""
    limit = page_size(size)
    after = decode_page_token(token)
    start = 0
    if after is not None:
        start = next((i for i, k in enumerate(keys) if k > after), len(keys))
    page = keys[start : start + limit]
    more = start + limit < len(keys)
    return page, encode_page_token(page[-1]) if more and page else ""
