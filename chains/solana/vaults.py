"""Vault custody descriptions: where a Solana vault's collateral sits and who controls it.

A vault is either an SPL token account for one LST mint (Token or Token-2022), or the set of
native stake accounts whose stake and withdraw authorities are the vault authority. The
authority is a key held by the hub's signer; these records hold only its public key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from solders.pubkey import Pubkey

from .backend import SvmBackend
from .errors import ConfigError
from .programs import (
    STAKE_PROGRAM_ID,
    TOKEN_2022_EXT_TRANSFER_FEE_CONFIG,
    TOKEN_2022_EXT_TRANSFER_HOOK,
    TOKEN_PROGRAMS,
    associated_token_address,
    decode_stake_state,
    decode_token_account,
    mint_extension_types,
)

MAINNET_GENESIS = "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"
UNSUPPORTED_MINT_EXTENSIONS = frozenset(
    {TOKEN_2022_EXT_TRANSFER_FEE_CONFIG, TOKEN_2022_EXT_TRANSFER_HOOK}
)


@dataclass(frozen=True, slots=True)
class TokenVault:
    """An LST vault: ``token_account`` (mint ``mint``) owned by ``authority``."""

    vault_id: str
    mint: Pubkey
    decimals: int
    authority: Pubkey
    token_program: Pubkey
    token_account: Pubkey

    @classmethod
    def at_ata(
        cls, vault_id: str, mint: Pubkey, decimals: int, authority: Pubkey, token_program: Pubkey
    ) -> TokenVault:
        """A vault whose token account is the authority's associated token account."""
        if token_program not in TOKEN_PROGRAMS:
            raise ConfigError(f"{token_program} is neither SPL Token nor Token-2022")
        ata = associated_token_address(authority, mint, token_program)
        return cls(vault_id, mint, decimals, authority, token_program, ata)

    def asset_id(self, genesis: str = MAINNET_GENESIS) -> str:
        """CAIP-19 asset id of the vault's collateral."""
        return f"solana:{genesis}/token:{self.mint}"


@dataclass(frozen=True, slots=True)
class StakeVault:
    """A native-stake vault: stake accounts authorised to ``authority``, on allowed votes."""

    vault_id: str
    authority: Pubkey
    allowed_vote_accounts: frozenset[Pubkey] = field(default_factory=frozenset)

    def asset_id(self, genesis: str = MAINNET_GENESIS) -> str:
        """CAIP-19 asset id of native SOL."""
        return f"solana:{genesis}/slip44:501"


@dataclass(frozen=True, slots=True)
class CustodiedStake:
    """One stake account held by a :class:`StakeVault`."""

    pubkey: Pubkey
    lamports: int
    stake: int
    voter: Pubkey | None
    activation_epoch: int
    deactivation_epoch: int


async def check_token_vault(backend: SvmBackend, vault: TokenVault) -> int:
    """Check the vault's token account on chain (mint, owner, program); return its balance."""
    acct = await backend.get_account(vault.token_account)
    if acct is None:
        raise ConfigError(f"vault {vault.vault_id}: token account {vault.token_account} missing")
    tok = decode_token_account(bytes(acct.data))
    if acct.owner != vault.token_program or tok is None:
        raise ConfigError(f"vault {vault.vault_id}: {vault.token_account} is not a token account")
    if tok.mint != vault.mint or tok.owner != vault.authority:
        raise ConfigError(
            f"vault {vault.vault_id}: {vault.token_account} has mint {tok.mint} owner {tok.owner}"
        )
    mint = await backend.get_account(vault.mint)
    if mint is None:
        raise ConfigError(f"vault {vault.vault_id}: mint {vault.mint} missing")
    bad = set(mint_extension_types(bytes(mint.data))) & UNSUPPORTED_MINT_EXTENSIONS
    if bad:
        raise ConfigError(
            f"vault {vault.vault_id}: mint {vault.mint} has Token-2022 extension(s)"
            f" {sorted(bad)} (transfer fee / hook): received amounts would differ from sent",
            reason="UNSUPPORTED_MINT",
        )
    return tok.amount


async def token_balance(backend: SvmBackend, account: Pubkey) -> int:
    """Token amount held by ``account`` (0 when absent)."""
    acct = await backend.get_account(account)
    tok = None if acct is None else decode_token_account(bytes(acct.data))
    return 0 if tok is None else tok.amount


async def custodied_stake(backend: SvmBackend, vault: StakeVault) -> list[CustodiedStake]:
    """Every delegated stake account whose staker and withdrawer are the vault authority."""
    found = await backend.get_program_accounts(
        STAKE_PROGRAM_ID, [(12, bytes(vault.authority)), (44, bytes(vault.authority))]
    )
    out = []
    for pk, acct in found:
        st = decode_stake_state(bytes(acct.data))
        if st is None or st.kind != "stake":
            continue
        out.append(
            CustodiedStake(
                pk, acct.lamports, st.stake, st.voter, st.activation_epoch, st.deactivation_epoch
            )
        )
    out.sort(key=lambda c: (-c.stake, str(c.pubkey)))
    return out
