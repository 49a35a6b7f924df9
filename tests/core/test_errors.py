"""The typed error catalogue: stable, unique UPPER_SNAKE reasons and gRPC status kinds."""

from __future__ import annotations

import re

from omnistake import errors as E

KINDS = {
    "invalid_argument",
    "not_found",
    "failed_precondition",
    "permission_denied",
    "already_exists",
    "aborted",
    "unavailable",
    "internal",
}


def _classes() -> list[type[E.OmnistakeError]]:
    return [v for v in vars(E).values() if isinstance(v, type) and issubclass(v, E.OmnistakeError)]


def test_reasons_are_unique_upper_snake() -> None:
    reasons = [c.reason for c in _classes()]
    assert len(reasons) == len(set(reasons)), sorted(reasons)
    for reason in reasons:
        assert re.fullmatch(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*", reason), reason


def test_kinds_are_grpc_families() -> None:
    for cls in _classes():
        assert cls.kind in KINDS, cls


def test_error_carries_field_and_string_metadata() -> None:
    err = E.DepositLimitReached("too much", field="amount", limit=10, vault="v")
    assert (err.reason, err.kind, err.field, err.message) == (
        "DEPOSIT_LIMIT_REACHED",
        "failed_precondition",
        "amount",
        "too much",
    )
    assert err.metadata == {"limit": "10", "vault": "v"}
    assert isinstance(err, E.PreconditionFailed)
    assert "DEPOSIT_LIMIT_REACHED" in repr(err)
    assert str(err) == "too much"


def test_amount_out_of_range_is_an_invalid_argument() -> None:
    assert issubclass(E.AmountOutOfRange, E.InvalidArgument)
    assert E.AmountOutOfRange.kind == "invalid_argument"
    assert issubclass(E.NotResolver, E.Unauthorized)
