"""Who acts: every mutating command is executed as a principal, and may only touch what that
principal owns. ``admin`` may do anything; ``system`` is the hub's own chain adapters feeding
facts they verified on chain (deposits, withdrawals and slashes of mirrored or hub-kept
vaults)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from omnistake.errors import InvalidArgument


class Role(StrEnum):
    """The kinds of principal."""

    ADMIN = "admin"
    SYSTEM = "system"
    NETWORK = "network"
    OPERATOR = "operator"
    CURATOR = "curator"
    STAKER = "staker"
    RESOLVER = "resolver"


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated actor: a role and the id it acts as (a network id, an operator id,
    a curator id, a staker's CAIP-10 account, a resolver id)."""

    role: Role
    id: str

    @property
    def privileged(self) -> bool:
        """Admin and system may act for anyone."""
        return self.role in (Role.ADMIN, Role.SYSTEM)

    def acts_as(self, role: Role, entity_id: str) -> bool:
        """True when this principal may act as ``role`` ``entity_id``."""
        return self.privileged or (self.role is role and self.id == entity_id)

    def __str__(self) -> str:
        return f"{self.role.value}:{self.id}"

    @classmethod
    def parse(cls, text: str) -> Principal:
        """Parse ``role:id`` (e.g. ``network:eigen-da``, ``staker:eip155:1:0xabc``)."""
        role, sep, ident = text.partition(":")
        try:
            parsed = Role(role)
        except ValueError:
            raise InvalidArgument(
                f"unknown principal role {role!r}; one of {', '.join(r.value for r in Role)}",
                field="principal",
            ) from None
        if not sep or not ident:
            raise InvalidArgument("principal must read role:id", field="principal")
        return cls(parsed, ident)


ADMIN = Principal(Role.ADMIN, "admin")
SYSTEM = Principal(Role.SYSTEM, "system")
