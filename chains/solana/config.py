"""Adapter configuration: which ledger vault is which Solana account, and where slashes go.

A vault config maps a ledger vault id to its custody on Solana. Written as plain data (what a
TOML/JSON file or the CLI hands the plugin factory)::

    {"kind": "lst", "mint": "J1toso1u...", "decimals": 9, "token_program": "token",
     "symbol": "JitoSOL", "burner": "burn"}
    {"kind": "native", "vote_accounts": ["Vote111...", ...],
     "burner": "redistribute:<wallet>"}

``token_account`` defaults to the vault authority's associated token account; the authority
is always the hub signer's key. ``burner`` is ``"burn"`` (SPL burn / stake split to the
incinerator) or ``"redistribute:<pubkey>"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from solders.pubkey import Pubkey

from .custody import Burner
from .errors import ConfigError
from .programs import TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID
from .vaults import StakeVault, TokenVault

SOL_DECIMALS = 9
TOKEN_PROGRAM_NAMES = {"token": TOKEN_PROGRAM_ID, "token-2022": TOKEN_2022_PROGRAM_ID}


@dataclass(frozen=True, slots=True)
class VaultEntry:
    """One configured vault: its custody, its burner, and the symbol its asset is listed with."""

    custody: TokenVault | StakeVault
    burner: Burner
    symbol: str

    @property
    def vault_id(self) -> str:
        """The ledger vault id."""
        return self.custody.vault_id

    def asset_id(self, chain_id: str) -> str:
        """CAIP-19 id of the collateral on ``chain_id``."""
        if isinstance(self.custody, TokenVault):
            return f"{chain_id}/token:{self.custody.mint}"
        return f"{chain_id}/slip44:501"

    @property
    def decimals(self) -> int:
        """Decimals of the collateral (9 for SOL)."""
        if isinstance(self.custody, TokenVault):
            return self.custody.decimals
        return SOL_DECIMALS


def pubkey(value: object, what: str) -> Pubkey:
    """A public key from a :class:`Pubkey` or its base58 text."""
    if isinstance(value, Pubkey):
        return value
    try:
        return Pubkey.from_string(str(value))
    except ValueError:
        raise ConfigError(f"{what}: {value!r} is not a base58 public key") from None


def parse_burner(value: object, vault_id: str) -> Burner:
    """``"burn"``, ``"redistribute:<pubkey>"`` or a :class:`Burner`."""
    if isinstance(value, Burner):
        return value
    text = str(value or "burn")
    if text == "burn":
        return Burner.burn()
    if text.startswith("redistribute:"):
        return Burner.redistribute(pubkey(text.split(":", 1)[1], f"vault {vault_id} burner"))
    raise ConfigError(f"vault {vault_id}: burner must be 'burn' or 'redistribute:<pubkey>'")


def parse_vault(vault_id: str, raw: object, authority: Pubkey) -> VaultEntry:
    """One vault config (plain mapping, or a :class:`TokenVault`/:class:`StakeVault`)."""
    if isinstance(raw, TokenVault | StakeVault):
        raw = {"custody": raw}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"vault {vault_id}: config must be a mapping")
    burner = parse_burner(raw.get("burner"), vault_id)
    given = raw.get("custody")
    if isinstance(given, TokenVault | StakeVault):
        if given.vault_id != vault_id:
            raise ConfigError(f"vault {vault_id}: custody names vault {given.vault_id}")
        if given.authority != authority:
            raise ConfigError(f"vault {vault_id}: its authority is not the hub signer's key")
        symbol = str(raw.get("symbol") or ("SOL" if isinstance(given, StakeVault) else ""))
        return VaultEntry(given, burner, symbol)
    kind = raw.get("kind")
    if kind == "lst":
        return VaultEntry(
            _token_vault(vault_id, raw, authority), burner, str(raw.get("symbol", ""))
        )
    if kind == "native":
        votes = raw.get("vote_accounts") or ()
        if isinstance(votes, str) or not votes:
            raise ConfigError(f"vault {vault_id}: a native vault needs a list of vote_accounts")
        allowed = frozenset(pubkey(v, f"vault {vault_id} vote account") for v in votes)
        return VaultEntry(
            StakeVault(vault_id, authority, allowed), burner, str(raw.get("symbol", "SOL"))
        )
    raise ConfigError(f"vault {vault_id}: kind must be 'lst' or 'native' (got {kind!r})")


def _token_vault(vault_id: str, raw: Mapping[str, Any], authority: Pubkey) -> TokenVault:
    mint = pubkey(raw.get("mint"), f"vault {vault_id} mint")
    decimals = raw.get("decimals")
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 255:
        raise ConfigError(f"vault {vault_id}: decimals must be an integer 0-255")
    program_raw = raw.get("token_program", "token")
    program = TOKEN_PROGRAM_NAMES.get(str(program_raw)) or pubkey(
        program_raw, f"vault {vault_id} token program"
    )
    vault = TokenVault.at_ata(vault_id, mint, decimals, authority, program)
    if raw.get("token_account") is not None:
        account = pubkey(raw["token_account"], f"vault {vault_id} token account")
        vault = TokenVault(vault_id, mint, decimals, authority, program, account)
    return vault


def parse_vaults(raw: Mapping[str, object], authority: Pubkey) -> dict[str, VaultEntry]:
    """Every vault config; two vaults may not share a token account (a transfer would credit
    both)."""
    if not isinstance(raw, Mapping) or not raw:
        raise ConfigError("the adapter needs at least one vault in options['vaults']")
    out = {str(vid): parse_vault(str(vid), cfg, authority) for vid, cfg in raw.items()}
    accounts = [e.custody.token_account for e in out.values() if isinstance(e.custody, TokenVault)]
    if len(set(accounts)) != len(accounts):
        raise ConfigError("two vaults share one token account")
    natives = [e for e in out.values() if isinstance(e.custody, StakeVault)]
    if len(natives) > 1:
        raise ConfigError(
            "at most one native stake vault: every stake account authorised to the hub key "
            "belongs to it"
        )
    return out
