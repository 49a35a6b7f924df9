"""Field types of commands, checked before any handler runs.

Commands are plain dataclasses, so nothing stops a Python caller from putting a list where a
vault id belongs or ``True`` where an amount belongs. :func:`check_shape` compares every field
with its annotation (``str``, ``int``, ``bool``, ``None`` unions, ``list[...]``,
``dict[str, str]``) and rejects a mismatch with a typed :class:`InvalidArgument` naming the
field, so malformed input never surfaces as a ``TypeError`` from deep inside a handler.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

from omnistake.errors import InvalidArgument
from omnistake.ledger.records import Record

_HINTS: dict[type[Record], tuple[tuple[str, Any], ...]] = {}


def _hints(cls: type[Record]) -> tuple[tuple[str, Any], ...]:
    found = _HINTS.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls)
        fields = dataclasses.fields(cls)  # type: ignore[arg-type]
        found = _HINTS[cls] = tuple((f.name, hints[f.name]) for f in fields)
    return found


def _fits(value: object, tp: Any) -> bool:
    if tp is Any:
        return True
    if tp is type(None):
        return value is None
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is str:
        return isinstance(value, str)
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, arg) for arg in args)
    if origin in (list, tuple):
        return isinstance(value, list | tuple) and all(_fits(v, args[0]) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(
            _fits(k, args[0]) and _fits(v, args[1]) for k, v in value.items()
        )
    return isinstance(value, tp)


def _describe(tp: Any) -> str:
    return str(tp).replace("typing.", "").replace("<class '", "").replace("'>", "")


def check_shape(record: Record) -> None:
    """Raise :class:`InvalidArgument` for the first field whose value does not match its
    declared type."""
    for name, tp in _hints(type(record)):
        if not _fits(getattr(record, name), tp):
            raise InvalidArgument(
                f"{name} must be {_describe(tp)} (got {type(getattr(record, name)).__name__})",
                field=name,
            )
