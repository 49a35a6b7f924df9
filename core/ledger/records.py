"""Base classes shared by commands and events: frozen dataclasses of plain data (str, int,
bool, None, lists and str-keyed dicts of those), registered by name so that the codec can
turn them into canonical JSON and back without any per-type code."""

from __future__ import annotations

import dataclasses
import json
from typing import Any, ClassVar, TypeVar

R = TypeVar("R", bound="Record")


class Record:
    """A named, plain-data record. Subclasses are frozen, kw-only dataclasses."""

    type_name: ClassVar[str] = ""
    _registry: ClassVar[dict[str, type[Record]]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "_registry" not in cls.__dict__ and not getattr(cls, "_abstract", False):
            cls.type_name = cls.__name__
            cls._registry[cls.__name__] = cls

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (without the type name)."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    def to_json(self) -> str:
        """Canonical JSON: sorted keys, no spaces, type name under ``"type"``."""
        body = self.to_dict()
        body["type"] = self.type_name
        return json.dumps(body, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_dict(cls: type[R], type_name: str, body: dict[str, Any]) -> R:
        """Rebuild a record of this family from its type name and plain data."""
        try:
            record_cls = cls._registry[type_name]
        except KeyError:
            raise ValueError(f"unknown {cls.__name__.lower()} type {type_name!r}") from None
        return record_cls(**body)  # type: ignore[return-value]

    @classmethod
    def from_json(cls: type[R], text: str) -> R:
        """Inverse of :meth:`to_json`."""
        body = json.loads(text)
        return cls.from_dict(body.pop("type"), body)

    @classmethod
    def types(cls) -> dict[str, type[Record]]:
        """Every registered record type of this family, by name."""
        return dict(cls._registry)


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
