"""Identifiers: CAIP-2 chains, CAIP-19 assets, CAIP-10 accounts, and hub entity ids.

The ledger is chain-agnostic: it checks ids for shape and reads the chain namespace out of
them, and leaves the meaning of the rest to the chain adapters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from omnistake.errors import InvalidArgument

_CAIP2 = re.compile(r"^(?P<namespace>[-a-z0-9]{3,8}):(?P<reference>[-_a-zA-Z0-9]{1,32})$")
_CAIP10 = re.compile(
    r"^(?P<chain>[-a-z0-9]{3,8}:[-_a-zA-Z0-9]{1,32}):(?P<address>[-.%a-zA-Z0-9]{1,128})$"
)
_CAIP19 = re.compile(
    r"^(?P<chain>[-a-z0-9]{3,8}:[-_a-zA-Z0-9]{1,32})/"
    r"(?P<asset_namespace>[-a-z0-9]{3,8}):(?P<asset_reference>[-.%a-zA-Z0-9]{1,128})"
    r"(/(?P<token_id>[-.%a-zA-Z0-9]{1,78}))?$"
)
#: Hub entity ids (vaults, networks, operators, principals): short, printable, no spaces.
_ENTITY = re.compile(r"^[A-Za-z0-9][-A-Za-z0-9_.:@]{0,127}$")


@dataclass(frozen=True, slots=True)
class AssetId:
    """A parsed CAIP-19 asset id, e.g. ``eip155:1/erc20:0xae7a...``."""

    chain: str
    asset_namespace: str
    asset_reference: str

    @property
    def namespace(self) -> str:
        """The CAIP-2 namespace of the asset's chain (``eip155``, ``bip122``, ``solana``)."""
        return self.chain.split(":", 1)[0]

    def __str__(self) -> str:
        return f"{self.chain}/{self.asset_namespace}:{self.asset_reference}"


def parse_chain_id(value: str, field: str = "chain_id") -> str:
    """Check a CAIP-2 chain id and return it."""
    if not isinstance(value, str) or not _CAIP2.match(value):
        raise InvalidArgument(
            f"{field} must be a CAIP-2 chain id like 'eip155:1' (got {value!r})", field=field
        )
    return value


def parse_asset_id(value: str, field: str = "asset_id") -> AssetId:
    """Parse a CAIP-19 asset id."""
    match = _CAIP19.match(value) if isinstance(value, str) else None
    if not match:
        raise InvalidArgument(
            f"{field} must be a CAIP-19 asset id like 'eip155:1/erc20:0xabc...' (got {value!r})",
            field=field,
        )
    return AssetId(match["chain"], match["asset_namespace"], match["asset_reference"])


def check_account(value: str, field: str = "account") -> str:
    """Check a CAIP-10 account id (``eip155:1:0xabc...``) and return it."""
    if not isinstance(value, str) or not _CAIP10.match(value):
        raise InvalidArgument(
            f"{field} must be a CAIP-10 account id like 'eip155:1:0xabc...' (got {value!r})",
            field=field,
        )
    return value


def check_entity_id(value: str, field: str) -> str:
    """Check a hub entity id (vault, network, operator) and return it."""
    if not isinstance(value, str) or not _ENTITY.match(value):
        raise InvalidArgument(
            f"{field} must be 1-128 characters of letters, digits and -_.:@, starting with a "
            f"letter or digit (got {value!r})",
            field=field,
        )
    return value


def subnetwork_key(network: str, identifier: int) -> str:
    """The string key of a subnetwork: ``<network>#<identifier>``."""
    return f"{network}#{identifier}"


def split_subnetwork(key: str) -> tuple[str, int]:
    """Inverse of :func:`subnetwork_key`."""
    network, _, ident = key.rpartition("#")
    return network, int(ident)
